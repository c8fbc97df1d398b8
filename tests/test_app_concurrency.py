"""Many sessions at once: figures and page artefacts computed once and shared, solves in a process of their own.

Every Streamlit session runs the script in a thread of one server process; these tests play several sessions
in one process (streamlit.testing, threads) and check that what one computes the others reuse, that nobody
waits for another workspace's figures, and that a solve can be cancelled, its process gone.
"""

from __future__ import annotations

import os
import pickle
import threading
import time

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest
from test_app import ROOT, app, sample, sample_day, solve, solving

from tracegraph.ui import workspace as workspace_module
from tracegraph.ui.workspace import Workspace


def _counting(monkeypatch, module, name: str, pause: float = 0.0) -> list[int]:
    """Replace ``module.name`` by the same function that counts its calls (and takes ``pause`` s longer)."""
    calls: list[int] = []
    real = getattr(module, name)

    def counted(*args, **kwargs):
        calls.append(1)
        time.sleep(pause)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


def _together(n: int, ask) -> list:
    """``ask()`` from ``n`` threads released at the same moment; their answers."""
    gate, out = threading.Barrier(n), [None] * n

    def one(k: int) -> None:
        gate.wait()
        out[k] = ask()

    threads = [threading.Thread(target=one, args=(k,)) for k in range(n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=120)
    assert not any(th.is_alive() for th in threads), "a session never got its answer"
    return out


# --- the workspace ------------------------------------------------------------------------------------------
def test_sessions_arriving_together_compute_a_figure_once(monkeypatch):
    calls = _counting(monkeypatch, workspace_module, "coverage_in", pause=0.3)
    ws = Workspace("zaozhuang", sample(), sample_day())
    answers = _together(6, lambda: ws.coverage)
    assert len(calls) == 1
    assert all(a is answers[0] for a in answers)  # the one report, shared
    assert "coverage" in ws.__dict__  # later reads take no lock: the figure is a plain attribute now


def test_two_workspaces_do_not_wait_for_each_other(monkeypatch):
    """cached_property (Python 3.11) holds one lock per figure for every instance: the second dataset's figure
    would wait for the first's. Here the first waits until the second is done, which only works if they don't."""
    first, second = Workspace("a", sample(), sample_day()), Workspace("b", sample(), sample_day())
    second_done = threading.Event()
    real = workspace_module.traceable_in

    def traceable(ix, as_of):
        if threading.current_thread().name == "first":
            assert second_done.wait(timeout=30), "the second workspace waited for the first one's figure"
        return real(ix, as_of)

    monkeypatch.setattr(workspace_module, "traceable_in", traceable)
    answers: dict[str, set] = {}
    th = threading.Thread(target=lambda: answers.setdefault("first", first.traceable), name="first")
    th.start()
    time.sleep(0.2)  # the first is inside its computation
    answers["second"] = second.traceable
    second_done.set()
    th.join(timeout=60)
    assert answers["first"] == answers["second"]


def test_shared_artefacts_are_made_once_and_bounded():
    ws = Workspace("zaozhuang", sample(), sample_day())
    made: list[str] = []

    def build(key: str) -> str:
        made.append(key)
        time.sleep(0.1)
        return key.upper()

    answers = _together(5, lambda: ws.shared("rows", "zh", lambda: build("zh")))
    assert answers == ["ZH"] * 5 and made == ["zh"]
    for k in range(10):
        ws.shared("rows", f"k{k}", lambda k=k: build(f"k{k}"), keep=4)
    made.clear()
    ws.shared("rows", "k9", lambda: build("k9"), keep=4)  # among the 4 kept
    ws.shared("rows", "k0", lambda: build("k0"), keep=4)  # pushed out: made again
    assert made == ["k0"]


# --- the app: several sessions, one computation --------------------------------------------------------------
@pytest.mark.parametrize(("page", "module", "name"), [
    ("overview", "tracegraph.ui.pages.overview", "_treemap"),
    ("overview", "tracegraph.ui.pages.overview", "_region_rows"),
    ("chain", "tracegraph.ui.pages.chain", "chain_html"),
    ("gaps", "tracegraph.ui.pages.gaps", "_uncovered"),
])
def test_sessions_share_what_a_page_draws(monkeypatch, page, module, name):
    import importlib

    st.cache_resource.clear()  # a fresh workspace: the first session computes, the second reuses
    calls = _counting(monkeypatch, importlib.import_module(module), name)
    first, second = app(page), app(page)
    assert len(calls) == 1, f"{name} ran {len(calls)} times for two sessions"
    assert not first.exception and not second.exception


def test_gaps_rows_follow_the_filters_and_the_language():
    at = app("gaps")
    everything = len(at.tabs[0].dataframe[0].value)
    at.multiselect(key="gaps_reasons").set_value(["no_standard"]).run()
    assert len(at.tabs[0].dataframe[0].value) <= everything
    at.sidebar.radio(key="lang").set_value("English").run()
    assert "reason" in at.tabs[0].dataframe[0].value.columns


# --- solving in a process of its own ------------------------------------------------------------------------
def test_the_problem_and_the_plan_pickle():
    """What goes to the solver's process and what comes back."""
    from tracegraph.planning import PlanningProblem

    problem = PlanningProblem.from_dataset(sample(), sample_day(), mode="budget", budget=100.0)
    again = pickle.loads(pickle.dumps(problem))
    plan = again.solve("milp", time_limit=60)
    back = pickle.loads(pickle.dumps(plan))
    assert back.total_cost == plan.total_cost and [a.standard for a in back.actions] == [
        a.standard for a in plan.actions]


def _shandong_programme() -> AppTest:
    """Shandong 2026–2030 within 100 万元 a year: far more than a few seconds to solve (bench_planner: ~60 s)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.run()
    at.sidebar.selectbox(key="dataset").set_value("shandong").run()
    at.sidebar.radio(key="page").set_value("planner").run()
    at.number_input(key="plan_budget_per_year").set_value(100.0)
    at.checkbox(key="plan_limit_total").uncheck()
    at.number_input(key="plan_time").set_value(900)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_cancel_stops_a_running_solve():
    at = _shandong_programme()
    started = time.monotonic()
    at.button(key="plan_solve").click().run()
    assert time.monotonic() - started < 60  # the click's run came back: the solve is not in the session's thread
    assert solving(at) and at.button(key="plan_solve").disabled  # one solve at a time per session
    job = at.session_state["plan_job"][3]
    pid = job.process.pid
    assert job.process.is_alive()
    progress = at.get("progress")[0].proto.text
    assert "求解中" in progress and "时限 900 秒" in progress
    time.sleep(1.5)
    at.run()
    assert solving(at) and job.process.is_alive()  # still at it: nothing waited for it
    at.button(key="plan_cancel").click().run()
    assert not at.exception
    assert not solving(at) and not at.button(key="plan_solve").disabled
    assert any("已取消求解" in w.value for w in at.warning)
    assert not at.get("download_button")  # no plan
    assert not job.process.is_alive() and job.process.exitcode is not None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # gone, and reaped
    assert "plan_job" not in at.session_state


def test_a_solver_that_dies_is_reported():
    """A solver process killed from outside (the machine out of memory, say): one message, no traceback."""
    import signal

    at = _shandong_programme()
    at.button(key="plan_solve").click().run()
    job = at.session_state["plan_job"][3]
    os.kill(job.process.pid, signal.SIGKILL)
    job.process.join(timeout=30)
    at.run()
    assert not at.exception and not solving(at)
    assert any("求解进程意外退出（退出码 -9）" in w.value for w in at.warning)


def test_a_solve_goes_on_while_the_page_is_left():
    """The solve belongs to the session, not to the page: another page meanwhile, the plan when back."""
    at = app("planner")
    at.checkbox(key="plan_snapshot").check().run()
    at.button(key="plan_solve").click().run()
    at.sidebar.radio(key="page").set_value("overview").run()
    assert not at.exception and len(at.metric) == 3
    at.sidebar.radio(key="page").set_value("planner").run()
    while solving(at):
        time.sleep(0.2)
        at.run()
    assert "已证明最优" in at.success[0].value


def test_a_second_solve_replaces_the_first_plan():
    at = solve(app("planner"))
    first = at.session_state["plan"][3]
    at.number_input(key="plan_budget").set_value(100.0).run()
    at = solve(at)
    second = at.session_state["plan"][3]
    assert second is not first and second.total_cost <= 100.0 + 1e-6


def test_stop_keeps_the_best_plan_so_far():
    """Stop (not cancel): the solver ends its search as a time limit would and the page shows that plan, with
    the status the library gives it (never 'optimal' unless proven), and the solver's process is gone."""
    at = _shandong_programme()
    at.button(key="plan_solve").click().run()
    job = at.session_state["plan_job"][3]
    deadline = time.monotonic() + 120
    while job.stage not in ("instruments", "cost", "early") and time.monotonic() < deadline:
        time.sleep(0.5)  # until the exact search is under way
        job.poll()
    assert job.stage in ("instruments", "cost", "early"), job.stage
    at.run()
    at.button(key="plan_stop").click().run()
    while "plan_job" in at.session_state and time.monotonic() < deadline:
        time.sleep(0.5)
        at.run()
    assert not at.exception and "plan_job" not in at.session_state
    plan = at.session_state["plan"][3]
    assert plan.status in ("feasible", "optimal", "no_solution"), plan.status
    if plan.status == "feasible":
        assert plan.gap is None or plan.gap >= 0
    assert not job.process.is_alive() and job.process.exitcode == 0
