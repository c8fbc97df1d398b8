"""The Streamlit app, headless (streamlit.testing): every page, both languages, every error path.

What a page shows is checked against the library (the figures, the tables' rows, the verdicts, the problems
and the differences), never against the page itself, and never with an assertion that passes either way.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import time
import zipfile
from functools import cache
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tracegraph.algorithms import chain, coverage, evaluate_targets, gaps, traceable_standards
from tracegraph.changes import diff, region_part, without_region
from tracegraph.graph import build_graph
from tracegraph.i18n import pct, t
from tracegraph.io import check_parts, check_upload, read_dataset, write_dataset
from tracegraph.models import LEVEL_RANK, STALE_DAYS, Dataset, Meta

ROOT = Path(__file__).resolve().parents[1]
STANDARDS = ROOT / "data" / "standards"
PAGES = ["overview", "chain", "gaps", "planner", "data", "changes", "cypher"]
DAY = dt.timedelta(days=1)


@cache
def sample(name: str = "zaozhuang") -> Dataset:
    return read_dataset(STANDARDS / name)


def sample_day(name: str = "zaozhuang") -> dt.date:
    """The date the app opens the sample at: its snapshot date (today when it has none)."""
    return sample(name).default_as_of()


@cache
def sample_figures(name: str, day: dt.date):
    return coverage(build_graph(sample(name)), day)


def with_snapshot(ds: Dataset, day: dt.date | None = None) -> Dataset:
    """The dataset with a snapshot date (its own when it has one): the tests do not depend on the sample's."""
    if ds.snapshot_date is not None and day is None:
        return ds
    return ds.model_copy(update={"meta": [Meta(snapshot_date=day or dt.date(2026, 9, 30), source="test")]})


def app(page: str = "overview", lang: str = "中文", as_of: dt.date | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.run()
    at.sidebar.radio(key="lang").set_value(lang)
    at.sidebar.radio(key="page").set_value(page)
    at.run()
    if as_of is not None:
        as_of_box(at).set_value(as_of)
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def as_of_box(at: AppTest):
    """The sidebar's as-of date (keyed on the dataset, so that another dataset opens at its own date)."""
    found = [d for d in at.sidebar.date_input if d.key.startswith("as_of:")]
    assert len(found) == 1, [d.key for d in at.sidebar.date_input]
    return found[0]


def captions(at: AppTest) -> list[str]:
    return [c.value for c in at.sidebar.caption]


# --- every page, the sidebar, the snapshot date ------------------------------------------------------------
WORDS = {"中文": {"overview": "概览", "chain": "溯源链", "gaps": "缺口", "planner": "规划", "data": "数据",
                  "changes": "变化", "cypher": "Cypher"},
         "English": {"overview": "Overview", "chain": "Chain", "gaps": "Gaps", "planner": "Planner", "data": "Data",
                     "changes": "Changes", "cypher": "Cypher"}}


@pytest.mark.parametrize("lang", ["中文", "English"])
@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders(page, lang):
    at = app(page, lang)
    assert WORDS[lang][page] in at.title[0].value  # the page's heading, in the chosen language
    assert not at.warning  # at the snapshot date: no stale banner
    shown = {"overview": lambda: len(at.metric) == 3, "chain": lambda: len(at.error) + len(at.success) == 1,
             "gaps": lambda: len(at.tabs) == 3, "planner": lambda: bool(at.button(key="plan_solve")),
             "data": lambda: at.file_uploader(key="data_upload").accept_multiple_files,
             "changes": lambda: at.radio(key="changes_mode").value == "current" and len(at.info) == 1,
             "cypher": lambda: bool(at.selectbox(key="cypher_query").options)}
    assert shown[page](), page


def test_overview_shows_the_librarys_figures_at_the_snapshot_date():
    at = app("overview")
    day = sample_day()
    assert as_of_box(at).value == day
    report = sample_figures("zaozhuang", day)
    top = at.subheader[0].value.split()[0]
    assert top == "370400"  # the region the plan's targets name
    f = report.regions[top].figures["all"]
    assert [m.label for m in at.metric] == ["覆盖率", "器具覆盖率", "能力满足率"]
    assert [m.value for m in at.metric] == [pct(f.coverage), pct(f.weighted_coverage), pct(f.capacity_rate)]
    results = evaluate_targets(build_graph(sample()), day)
    targets = _table(at, "达标").value
    assert list(targets["目标"]) == [r.id for r in results] and "ZZ-2020-coverage" in set(targets["目标"])
    assert list(targets["达标"]) == ["—" if r.met is None else "✓" if r.met else "✗" for r in results]
    regions = _table(at, "代码").value
    assert list(regions["代码"]) == list(report.regions)
    assert list(regions["覆盖率"]) == [pct(r.figures["all"].coverage) for r in report.regions.values()]
    assert list(regions["需求项"]) == [r.figures["all"].items for r in report.regions.values()]
    at.selectbox(key="overview_filter").set_value("household_meter").run()
    regions = _table(at, "代码").value
    assert list(regions["器具覆盖率"]) == [pct(r.figures["household_meter"].weighted_coverage)
                                      for r in report.regions.values()]


def test_the_date_defaults_to_the_snapshot_date_and_resets_with_the_dataset():
    snapshot = sample().snapshot_date
    assert snapshot is not None, "the sample has a meta.csv"
    at = app("overview")
    assert as_of_box(at).value == snapshot
    assert f"数据截至 {snapshot}" in captions(at)
    assert "示例数据以" not in " ".join(captions(at))  # the old fixed reference date is gone
    as_of_box(at).set_value(snapshot + 10 * DAY).run()
    assert as_of_box(at).value == snapshot + 10 * DAY
    f = sample_figures("zaozhuang", snapshot + 10 * DAY).regions["370400"].figures["all"]
    assert at.metric[0].value == pct(f.coverage)  # the figures follow the date
    at.sidebar.selectbox(key="dataset").set_value("shandong").run()
    assert not at.exception
    assert as_of_box(at).value == sample_day("shandong")  # the other dataset opens at its own snapshot date
    assert f"数据截至 {sample('shandong').snapshot_date}" in captions(at)


def test_a_stale_date_draws_the_banner_on_every_page():
    snapshot = sample().snapshot_date
    at = app("overview", as_of=snapshot + STALE_DAYS * DAY)
    assert not at.warning  # 92 days after: still fresh
    late = snapshot + (STALE_DAYS + 1) * DAY
    as_of_box(at).set_value(late).run()
    banner = t("stale_snapshot", "zh", as_of=late, snapshot=snapshot, days=STALE_DAYS + 1, limit=STALE_DAYS)
    assert [w.value for w in at.warning] == [banner]
    f = sample_figures("zaozhuang", late).regions["370400"].figures["all"]
    assert at.metric[0].value == pct(f.coverage)  # judged at the late date all the same
    for page in PAGES[1:]:
        at.sidebar.radio(key="page").set_value(page).run()
        assert not at.exception, page
        assert banner in [w.value for w in at.warning], page
    at.sidebar.radio(key="lang").set_value("English").run()
    english = t("stale_snapshot", "en", as_of=late, snapshot=snapshot, days=STALE_DAYS + 1, limit=STALE_DAYS)
    assert english in [w.value for w in at.warning]
    as_of_box(at).set_value(snapshot).run()
    assert not at.warning


def test_chain_explorer_gives_the_librarys_verdicts():
    at = app("chain")
    day, ds = sample_day(), sample()
    G = build_graph(ds)
    traceable = traceable_standards(G, day)
    level = {i.id: i.level for i in ds.institutions}
    holder = {s.id: s.institution for s in ds.standards}
    broken = sorted((s.id for s in ds.standards if s.id not in traceable and not s.primary),
                    key=lambda s: LEVEL_RANK[level[holder[s]]])
    start = at.selectbox(key="chain_standard").value
    assert start == (broken[0] if broken else ds.standards[0].id)  # opens on a broken chain, a county's if any
    _assert_verdicts(at, G, day, {start})
    at.radio(key="chain_by").set_value("item").run()
    at.selectbox(key="chain_county").set_value("370402").run()
    assert not at.exception
    types = sorted({d.instrument_type for d in ds.demand if d.region == "370402" and d.count > 0})  # demand items
    assert list(at.selectbox(key="chain_type").options) == [f"{x} {_type_name(ds, x)}" for x in types]
    from tracegraph.ui.workspace import Workspace

    standards = Workspace("zaozhuang", ds, day).standards_for_item("370402", at.selectbox(key="chain_type").value)
    if standards:
        _assert_verdicts(at, G, day, set(standards))
    else:
        assert [w.value for w in at.warning] == [t("no_standard_serves")]


def _type_name(ds: Dataset, code: str) -> str:
    return next(x.name for x in ds.instrument_types if x.code == code)


def _assert_verdicts(at: AppTest, G, day: dt.date, standards: set[str]) -> None:
    """One verdict per standard: traceable (success) or where it breaks (error), as the library says."""
    expected = {}
    for sid in standards:
        c = chain(G, sid, day)
        expected[sid] = ("success", t("chain_ok", id=sid)) if c.traceable else (
            "error", t("chain_broken_at", id=sid, breaks="；".join(b.describe("zh") for b in c.breaks)
                       or t("chain_cycle")))
    shown = [("success", s.value) for s in at.success] + [("error", e.value) for e in at.error]
    assert sorted(shown) == sorted(expected.values())


def test_gaps_tables_are_the_librarys():
    at = app("gaps")
    report = gaps(build_graph(sample()), sample_day(), 180)
    counts = [len(report.uncovered), len(report.expiring), len(report.single_points)]
    labels = [t(k, n=n) for k, n in zip(("tab_uncovered", "tab_expiring", "tab_single"), counts, strict=True)]
    assert [tab.label for tab in at.tabs] == labels
    uncovered, expiring, single = (tab.dataframe[0].value for tab in at.tabs)
    assert len(uncovered) == len(report.uncovered) and len(expiring) == len(report.expiring)
    assert len(single) == len(report.single_points)
    assert list(expiring["计量标准"]) == [e.standard for e in report.expiring]
    at.multiselect(key="gaps_reasons").set_value(["no_standard"]).run()
    after = at.tabs[0].dataframe[0].value
    assert len(after) == sum(g.reason == "no_standard" for g in report.uncovered)
    assert set(after["原因"]) <= {"无任何标准可检该器具"}
    labels = [b.label for b in at.get("download_button")]
    assert labels.count("下载 CSV") == 3 and labels.count("下载 Excel") == 3


def test_planner_snapshot_solves_within_a_budget():
    """The single snapshot keeps the old behaviour: one plan judged at the as-of date, before/after bars."""
    at = app("planner")
    at.checkbox(key="plan_snapshot").check().run()
    assert not _has(at, "plan_budget_per_year") and not _has(at, "plan_first")  # no years, no yearly cap
    at.number_input(key="plan_budget").set_value(150.0)
    solve(at)
    assert not at.exception and not at.error
    plan = _library_plan(mode="budget", budget=150.0, targets=_planning_targets())
    assert plan.status == "optimal" and "已证明最优" in at.success[0].value
    assert f"{plan.total_cost:,.2f} 万元" in at.success[0].value
    assert len(_table(at, "投资估算(万元)").value) == len(plan.actions) >= 1
    assert _chart_keys(at) == {"plan_chart"}  # no year-by-year charts for a snapshot
    assert {b.label for b in at.get("download_button")} >= {"下载预算申请（Excel）", "下载申请摘要（Markdown）"}


def test_planner_solves_a_programme_as_the_library_does():
    """Zaozhuang 2026–2027 within 60 万元 a year and 100 万元 in all: what the page shows is the library's plan."""
    at = _programme(app("planner"), last=2027, cap=60.0, budget=100.0)
    solve(at)
    assert not at.exception and not at.error
    plan = _library_plan(mode="budget", years=range(2026, 2028), budget_per_year=60.0, budget=100.0,
                         targets=_planning_targets())
    status = {"optimal": "已证明最优", "feasible": "可行（未证明最优）"}[plan.status]
    shown = (at.success or at.warning)[0].value
    assert status in shown and f"投资估算 {plan.total_cost:,.2f} 万元" in shown and f"{len(plan.actions)} 项" in shown
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["总投资（万元）"] == f"{plan.total_cost:,.2f}"
    assert metrics["新建（项）"] == str(len(plan.builds))
    assert metrics["覆盖率（2027年末）"] == f"{plan.after.coverage:.2%}"
    # the action table: one row per action, year by year, money to the 0.01 万元
    actions = _table(at, "投资估算(万元)")
    rows = actions.value
    assert len(rows) == len(plan.actions) >= 1
    assert list(rows.columns[:6]) == ["年度", "类别", "项目名称", "建设单位", "投资估算(万元)", "新增覆盖器具数"]
    assert list(rows["年度"]) == sorted(rows["年度"]) and set(rows["年度"]) <= {2026, 2027}
    assert round(rows["投资估算(万元)"].sum(), 2) == plan.total_cost
    assert set(rows["类别"]) <= {"新建", "复查"}
    assert _format(actions, "投资估算(万元)") == "%.2f"
    # the year table: spending split as the library splits it, each year within its cap
    years = _table(at, "年度合计(万元)")
    table = years.value
    assert list(table["年度"]) == [2026, 2027]
    assert list(table["年度合计(万元)"]) == [y.cost for y in plan.by_year]
    assert list(table["新建（项）"]) == [y.builds for y in plan.by_year]
    assert list(table["复查（项）"]) == [y.renewals for y in plan.by_year]
    assert list(table["新建金额(万元)"]) == [y.build_cost for y in plan.by_year]
    assert list(table["复查金额(万元)"]) == [y.renewal_cost for y in plan.by_year]
    assert (table["年度合计(万元)"] <= 60.0).all() and list(table["每年上限"]) == [60.0, 60.0]
    assert _format(years, "年度合计(万元)") == "%.2f"
    assert list(table["覆盖率（不实施 → 实施规划）"]) == [
        f"{y.baseline.coverage:.2%} → {y.figures.coverage:.2%}" for y in plan.by_year]
    # the charts: each year without and with the programme; spending stacked by builds and renewals
    assert _chart_keys(at) == {"plan_years_chart", "plan_spending_chart"}
    lines = _traces(at, "plan_years_chart")
    assert lines["覆盖率 · 不实施"]["y"] == [y.baseline.coverage for y in plan.by_year]
    assert lines["覆盖率 · 实施规划"]["y"] == [y.figures.coverage for y in plan.by_year]
    assert lines["器具覆盖率 · 不实施"]["y"] == [y.baseline.weighted_coverage for y in plan.by_year]
    assert lines["器具覆盖率 · 实施规划"]["y"] == [y.figures.weighted_coverage for y in plan.by_year]
    assert lines["覆盖率 · 实施规划"]["x"] == [2026, 2027]
    bars = _traces(at, "plan_spending_chart")
    assert bars["新建金额(万元)"]["type"] == "bar" and bars["复查金额(万元)"]["type"] == "bar"
    assert bars["新建金额(万元)"]["y"] == [y.build_cost for y in plan.by_year]
    assert bars["复查金额(万元)"]["y"] == [y.renewal_cost for y in plan.by_year]
    assert _layout(at, "plan_spending_chart")["barmode"] == "stack"
    # each year's targets, met or not as the library judges them (budget mode: reported, not enforced)
    targets = _table(at, "达标").value
    assert len(targets) == sum(len(y.targets) for y in plan.by_year) > 0
    expected = ["—" if x.met is None else "✓" if x.met else "✗" for y in plan.by_year for x in y.targets]
    assert list(targets["达标"]) == expected and "约束" not in targets.columns
    assert any("目标只报告，不作约束" in c.value for c in at.caption)
    assert {b.label for b in at.get("download_button")} == {"下载预算申请（Excel）", "下载申请摘要（Markdown）"}


def test_planner_target_mode_within_an_impossible_cap_says_why():
    """The dataset's own targets within 1 万元 a year: infeasible, with the library's reason (the cost needed)."""
    at = _programme(app("planner"), last=2027, cap=1.0)
    at.radio(key="plan_mode").set_value("targets").run()
    at.selectbox(key="plan_targets_zaozhuang").set_value("dataset").run()
    assert not _has(at, "plan_budget")  # target mode asks for no total budget
    solve(at)
    assert not at.exception
    plan = _library_plan(mode="targets", years=range(2026, 2028), budget_per_year=1.0)
    assert plan.status == "infeasible" and plan.unmet
    assert any("没有任何方案能达成" in e.value for e in at.error)
    reasons = [r for m in plan.unmet for r in m.describe("zh")]
    assert any("年度预算上限" in r for r in reasons)
    shown = "\n".join(m.value for m in at.markdown)
    assert all(r in shown for r in reasons)
    assert not at.get("download_button") and not _chart_keys(at) and not at.metric


def test_planner_target_mode_meets_the_targets_year_by_year():
    """Target mode: each year's targets say whether they are enforced that year, and the enforced ones hold."""
    at = _programme(app("planner"), last=2026)
    at.radio(key="plan_mode").set_value("targets").run()
    at.selectbox(key="plan_targets_zaozhuang").set_value("zaozhuang-2015.csv").run()
    solve(at)
    assert not at.exception and not at.error
    plan = _library_plan(mode="targets", years=range(2026, 2027),
                         targets=_planning_targets("zaozhuang-2015.csv"))
    assert plan.status in ("optimal", "feasible")
    assert f"{plan.total_cost:,.2f}" in (at.success or at.warning)[0].value
    targets = _table(at, "达标").value
    assert set(targets["约束"]) <= {"是", "仅报告"}
    enforced = targets[targets["约束"] == "是"]
    assert len(enforced) > 0 and set(enforced["达标"]) <= {"✓", "—"}


def test_planner_in_english():
    at = _programme(app("planner", "English"), last=2027, cap=60.0, budget=100.0)
    assert at.checkbox(key="plan_snapshot").label.startswith("Single snapshot")
    assert at.number_input(key="plan_cert_years").value == 5 and at.number_input(key="plan_time").value == 120
    solve(at)
    assert not at.exception and not at.error
    plan = _library_plan(mode="budget", years=range(2026, 2028), budget_per_year=60.0, budget=100.0,
                         targets=_planning_targets())
    assert "proven optimal" in at.success[0].value and f"{plan.total_cost:,.2f}" in at.success[0].value
    assert {m.label for m in at.metric} >= {"Total cost (10k CNY)", "coverage (end of 2027)"}
    assert list(_table(at, "Estimated cost (10k CNY)").value.columns[:6]) == [
        "year", "kind", "Project", "Institution", "Estimated cost (10k CNY)", "New instruments covered"]
    assert set(_table(at, "Estimated cost (10k CNY)").value["kind"]) <= {"build", "renew"}
    assert set(_traces(at, "plan_years_chart")) == {
        "coverage · without it", "coverage · with the programme", "weighted coverage · without it",
        "weighted coverage · with the programme"}
    assert {b.label for b in at.get("download_button")} == {"Download the budget request (XLSX)",
                                                           "Download the summary (Markdown)"}


def test_planner_checks_its_inputs_before_solving():
    at = app("planner")
    assert [at.number_input(key=k).value for k in ("plan_first", "plan_last")] == [2026, 2030]  # the as-of year + 4
    offered = at.selectbox(key="plan_targets_zaozhuang").options
    assert any("planning-2030-zaozhuang.csv" in o for o in offered) and any("数据集自带目标" in o for o in offered)
    assert not any(n in o for o in offered for n in ("jiangsu", "jilin", "unmapped"))  # other regions, not targets
    assert "planning-2030-zaozhuang.csv" in at.selectbox(key="plan_targets_zaozhuang").value
    at.checkbox(key="plan_limit_total").uncheck().run()
    assert not _has(at, "plan_budget")
    assert any("须设总预算或每年预算上限" in w.value for w in at.warning)
    assert at.button(key="plan_solve").disabled
    at.number_input(key="plan_budget_per_year").set_value(50.0).run()
    assert not at.warning and not at.button(key="plan_solve").disabled
    at.number_input(key="plan_last").set_value(2025).run()
    assert any("不早于起始年度" in w.value for w in at.warning) and at.button(key="plan_solve").disabled
    at.number_input(key="plan_first").set_value(2025).run()
    assert any("2026年" in w.value for w in at.warning)  # before the as-of year


def solve(at: AppTest, timeout: float = 180) -> AppTest:
    """Click 求解 and wait for the outcome: the solve runs in a process of its own while the page polls it (in a
    browser a fragment reruns every half second; here each ``run()`` is one look)."""
    at.button(key="plan_solve").click().run()
    deadline = time.monotonic() + timeout
    while solving(at):
        assert time.monotonic() < deadline, "the solve did not end within its time limit"
        time.sleep(0.2)
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def solving(at: AppTest) -> bool:
    """A solve is under way: the page shows its progress and the cancel button."""
    return any(b.key == "plan_cancel" for b in at.button)


def _programme(at: AppTest, last: int, cap: float | None = None, budget: float | None = None) -> AppTest:
    at.number_input(key="plan_first").set_value(2026)
    at.number_input(key="plan_last").set_value(last)
    if cap is not None:  # empty by default (AppTest's set_value(None) means "unchanged")
        at.number_input(key="plan_budget_per_year").set_value(cap)
    if budget is not None:
        at.number_input(key="plan_budget").set_value(budget)
    elif _has(at, "plan_budget"):
        at.checkbox(key="plan_limit_total").uncheck()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _table(at: AppTest, column: str):
    """The table that has this column (tables carry no key)."""
    found = [d for d in at.dataframe if column in d.value.columns]
    assert len(found) == 1, [list(d.value.columns) for d in at.dataframe]
    return found[0]


def _has(at: AppTest, key: str) -> bool:
    return any(w.key == key for w in at.number_input)


def _library_plan(**settings):
    from tracegraph.planning import PlanningProblem

    return PlanningProblem.from_dataset(sample(), sample_day(), **settings).solve("milp", time_limit=120)


def _planning_targets(name: str = "planning-2030-zaozhuang.csv"):
    from tracegraph.io import read_targets

    return read_targets(ROOT / "data" / "standards" / "targets" / name)[0]


def _charts(at: AppTest) -> dict[str, dict]:
    import json

    return {c.proto.id.rsplit("-", 1)[-1]: json.loads(c.proto.spec) for c in at.get("plotly_chart")}


def _chart_keys(at: AppTest) -> set[str]:
    return set(_charts(at))


def _traces(at: AppTest, key: str) -> dict[str, dict]:
    return {tr["name"]: tr for tr in _charts(at)[key]["data"] if tr.get("name")}


def _layout(at: AppTest, key: str) -> dict:
    return _charts(at)[key]["layout"]


def _format(table, column: str) -> str:
    import json

    return json.loads(table.proto.columns)[column]["type_config"]["format"]


def test_planner_reports_an_infeasible_plan(tmp_path):
    """A target no candidate can reach: the page names it and why, and offers no request."""
    at = upload(app("data"), ("impossible.zip", _zip(_impossible_dataset(tmp_path))))
    at.button(key="data_use").click().run()
    at.sidebar.radio(key="page").set_value("planner").run()
    at.radio(key="plan_mode").set_value("targets").run()
    solve(at)
    assert not at.exception
    assert any("没有任何方案能达成" in e.value for e in at.error)
    assert any("没有任何计量标准或候选标准能检定此类器具" in m.value for m in at.markdown)
    assert not at.get("download_button")


# --- uploads: one file, several parts merged, a column map ---------------------------------------------------
MIME = "application/octet-stream"


def upload(at: AppTest, *files: tuple[str, bytes], key: str = "data_upload") -> AppTest:
    at.file_uploader(key=key).set_value([(name, data, MIME) for name, data in files])
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _zip(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for f in folder.glob("*.csv"):
            z.write(f, f.name)
    return buffer.getvalue()


def _xlsx(ds: Dataset, path: Path, **kw) -> bytes:
    return write_dataset(ds, path, **kw).read_bytes()


def _impossible_dataset(tmp_path: Path) -> Path:
    from tracegraph.models import Demand, InstrumentType, Target

    orphan = InstrumentType(code="IT-NONE", name="无人可检的器具", quantity="质量", domain="trade", mandatory=True,
                            household_meter=False, verification_period_months=12)
    ds = sample().model_copy(update={
        "instrument_types": [*sample().instrument_types, orphan],
        "demand": [*sample().demand, Demand(region="370402", instrument_type="IT-NONE", count=3)],
        "targets": [Target(id="ALL", region="370400", metric="coverage", filter="all", threshold=1.0)]})
    write_dataset(ds, tmp_path / "ds")
    return tmp_path / "ds"


def _problems(at: AppTest):
    return _table(at, "提交部分")


def _expected_problems(report) -> list[tuple]:
    """(severity, part, file, row, message) of every problem, errors first, as the library reports them."""
    out = []
    for p in report.errors + report.warnings:
        part, _, file = p.file.partition(":")
        out.append((t(p.severity), part, file, p.row, p.text("zh")))
    return out


def _shown_problems(table) -> list[tuple]:
    rows = table.value
    return [(r["级别"], r["提交部分"], r["文件"], None if r["行"] != r["行"] else int(r["行"]), r["说明"])
            for _, r in rows.iterrows()]


def test_bad_upload_loads_nothing(tmp_path):
    folder = _impossible_dataset(tmp_path)
    text = (folder / "demand.csv").read_text(encoding="utf-8-sig").splitlines()
    text[1] = text[1].rsplit(",", 1)[0] + ",-5"  # a negative count
    (folder / "demand.csv").write_text("\n".join(text) + "\n", encoding="utf-8")
    data = _zip(folder)
    at = upload(app("data"), ("bad.zip", data))
    _, report = check_upload("bad.zip", data)
    assert [e.value for e in at.error] == [t("invalid_dataset", errors=len(report.errors),
                                             warnings=len(report.warnings))]
    problems = _problems(at).value
    assert len(problems) == len(report.errors) + len(report.warnings)
    assert list(problems["级别"]) == ["错误"] * len(report.errors) + ["警告"] * len(report.warnings)  # errors first
    negative = problems[problems["填写值"].astype(str) == "-5"]
    assert len(negative) == 1 and negative.iloc[0]["文件"] == "demand.csv" and negative.iloc[0]["行"] == 2
    assert negative.iloc[0]["提交部分"] == "bad.zip"
    assert not at.button  # no way to use it
    assert "uploaded" not in at.session_state


def test_unreadable_upload_says_so():
    at = upload(app("data"), ("broken.xlsx", b"this is not a workbook"))
    assert len(at.error) == 1 and "broken.xlsx" in at.error[0].value and "未导入任何数据" in at.error[0].value
    assert not at.button and "uploaded" not in at.session_state


def test_good_upload_becomes_the_dataset(tmp_path):
    snapshot = dt.date(2026, 6, 30)
    ds = with_snapshot(sample(), snapshot)
    data = _xlsx(ds, tmp_path / "ok.xlsx")
    at = upload(app("data"), ("ok.xlsx", data))
    checked, report = check_upload("ok.xlsx", data)
    assert [s.value for s in at.success] == [t("valid_dataset", errors=0, warnings=len(report.warnings))]
    assert len(_problems(at).value) == len(report.warnings)
    at.button(key="data_use").click().run()
    assert at.sidebar.selectbox(key="dataset").value == "upload"
    assert any("upload:ok.xlsx" in c for c in captions(at))
    assert as_of_box(at).value == snapshot  # the upload's own snapshot date
    at.sidebar.radio(key="page").set_value("overview").run()
    f = coverage(build_graph(checked), snapshot).regions["370400"].figures["all"]
    assert [m.value for m in at.metric] == [pct(f.coverage), pct(f.weighted_coverage), pct(f.capacity_rate)]


def _parts(ds: Dataset, county: str = "370402") -> tuple[Dataset, Dataset]:
    """A province's part (all but one county's institutions) and the county's own part."""
    return without_region(ds, county), region_part(ds, county)


def test_several_uploads_are_merged_into_one_dataset(tmp_path):
    ds = with_snapshot(sample())
    rest, county = _parts(ds)
    files = (("rest.xlsx", _xlsx(rest, tmp_path / "rest.xlsx", include_optional=True)),
             ("370402.zip", _zip(write_dataset(county, tmp_path / "370402"))))
    at = upload(app("data"), *files)
    merged, report = check_parts(list(files))
    assert merged is not None
    assert [s.value for s in at.success] == [
        t("valid_dataset", errors=0, warnings=len(report.warnings)) + "；" + t("parts_merged", n=2)]
    assert _shown_problems(_problems(at)) == _expected_problems(report)
    at.button(key="data_use").click().run()
    assert any(c.startswith("数据：upload:rest.xlsx+370402.zip:") for c in captions(at))
    assert as_of_box(at).value == merged.snapshot_date
    at.sidebar.radio(key="page").set_value("overview").run()
    f = coverage(build_graph(merged), merged.snapshot_date).regions["370400"].figures["all"]
    assert [m.value for m in at.metric] == [pct(f.coverage), pct(f.weighted_coverage), pct(f.capacity_rate)]
    assert f == sample_figures("zaozhuang", merged.snapshot_date).regions["370400"].figures["all"]  # parts = whole


def test_conflicting_parts_name_the_part_file_and_row(tmp_path):
    rest, county = _parts(with_snapshot(sample()))
    renamed = county.model_copy(update={"regions": [r.model_copy(update={"name": "另一个名字"}) if r.code == "370400"
                                                    else r for r in county.regions]})
    files = (("rest.xlsx", _xlsx(rest, tmp_path / "rest.xlsx", include_optional=True)),
             ("370402.xlsx", _xlsx(renamed, tmp_path / "370402.xlsx")))
    at = upload(app("data"), *files)
    merged, report = check_parts(list(files))
    assert merged is None
    conflicts = [p for p in report.errors if p.code == "conflict"]
    assert len(conflicts) == 1
    assert any("未导入任何数据" in e.value for e in at.error) and not at.button
    table = _problems(at)
    assert _shown_problems(table) == _expected_problems(report)
    row = table.value[table.value["说明"] == conflicts[0].message_zh].iloc[0]
    assert (row["提交部分"], row["文件"], row["列"], row["填写值"]) == ("370402.xlsx", "regions", "name", "370400")
    assert row["行"] == conflicts[0].row and "rest.xlsx:regions" in row["说明"]  # and where the other one is
    assert "uploaded" not in at.session_state


def test_the_registry_workbooks_merge_in_the_app():
    folder = STANDARDS / "shandong-parts"
    paths = sorted(folder.glob("*.xlsx"))
    if not paths:
        pytest.skip("data/standards/shandong-parts/ has no workbooks yet")
    files = [(p.name, p.read_bytes()) for p in paths]
    at = upload(app("data"), *files)
    merged, report = check_parts(files)
    assert merged is not None, [str(p) for p in report.errors[:5]]
    assert t("parts_merged", n=len(files)) in at.success[0].value
    assert len(_problems(at).value) == len(report.warnings)
    at.button(key="data_use").click().run()
    assert any(f"（{len(merged.standards)} 项计量标准）" in c for c in captions(at))


def test_a_column_map_maps_other_headers(tmp_path):
    data = _xlsx(with_snapshot(sample()), tmp_path / "own.xlsx", headers={"standards": {"name": "标准全称X"}})
    at = upload(app("data"), ("own.xlsx", data))
    assert any("未导入任何数据" in e.value for e in at.error)  # 标准全称X is no header the template knows
    mapping = "file,column,header\nstandards,name,标准全称X\n".encode()
    at.file_uploader(key="data_columns").set_value(("map.csv", mapping, "text/csv")).run()
    assert not at.exception and not at.error
    assert t("columns_used", name="map.csv", n=1) in [c.value for c in at.caption]
    assert at.success and at.button(key="data_use")
    at.file_uploader(key="data_columns").set_value(("bad.csv", b"a,b\n1,2\n", "text/csv")).run()
    assert len(at.error) == 1 and "bad.csv" in at.error[0].value and "未校验" in at.error[0].value
    assert not at.success and not at.button  # nothing checked without the map asked for


# --- the 变化 page ------------------------------------------------------------------------------------------
def _next_quarter(ds: Dataset) -> Dataset:
    """The dataset a quarter later: three certificates renewed, a standard replaced by a new one (its links
    moved to it), one demand count up, the snapshot date 91 days on."""
    snap = ds.snapshot_date
    later = snap + 91 * DAY
    upstreams = {x.upstream for x in ds.traceability}
    renew = {s.id for s in ds.standards if s.certificate_expiry and snap < s.certificate_expiry <= later}
    renew = set(sorted(renew)[:3])
    gone = next(s for s in ds.standards if s.id not in upstreams and not s.primary and s.id not in renew)
    new = gone.model_copy(update={"id": gone.id + "-NEW", "certificate_no": gone.certificate_no + "N"})
    standards = [s.model_copy(update={"certificate_expiry": s.certificate_expiry.replace(
        year=s.certificate_expiry.year + 5)}) if s.id in renew else s for s in ds.standards if s.id != gone.id]
    links = [x.model_copy(update={"standard": new.id}) if x.standard == gone.id else x for x in ds.traceability]
    demand = [d.model_copy(update={"count": d.count + 7}) if i == 0 else d for i, d in enumerate(ds.demand)]
    return ds.model_copy(update={"standards": [*standards, new], "traceability": links, "demand": demand,
                                 "meta": [Meta(snapshot_date=later, source="test")]})


def _quarters(tmp_path: Path) -> tuple[tuple[str, bytes], tuple[str, bytes]]:
    old = with_snapshot(sample())
    return (("q3.xlsx", _xlsx(old, tmp_path / "q3.xlsx")), ("q4.xlsx", _xlsx(_next_quarter(old), tmp_path / "q4.xlsx")))


def _assert_changes_page(at: AppTest, d, before: Dataset, after: Dataset, lang: str = "zh") -> None:
    """The page shows the library's diff: the counts, every change by kind, the renewals, every region's figures."""
    assert not at.exception, [e.value for e in at.exception]
    assert {m.label: m.value for m in at.metric} == {t(k, lang): str(n) for k, n in d.summary().items()}
    kinds = ("standard", "link", "institution", "demand")
    rows = {k: [r for r in d.rows() if r[0] == k] for k in kinds}
    assert [tab.label for tab in at.tabs] == [t("tab_n", lang, name=t(f"diff_{k}", lang), n=len(rows[k]))
                                              for k in kinds]
    values = t("diff_values", lang)
    for kind, tab in zip(kinds, at.tabs, strict=True):
        tables = [x.value for x in tab.dataframe if values in x.value.columns]
        if not rows[kind]:
            assert not tables
            continue
        (table,) = tables
        assert len(table) == len(rows[kind])
        assert list(table[t("diff_key", lang)]) == [r[2] for r in rows[kind]]
        assert list(table[values]) == [r[4] for r in rows[kind]]
        assert list(table[t("diff_change", lang)]) == [t(f"diff_{r[1]}", lang) for r in rows[kind]]
    renewed = [x.value for x in at.tabs[0].dataframe if t("standard", lang) in x.value.columns]
    if d.renewed:
        assert list(renewed[0][t("standard", lang)]) == d.renewed
    else:
        assert not renewed
    figures = _table(at, t("moved", lang)).value
    old_report = coverage(build_graph(before), d.as_of)
    new_report = coverage(build_graph(after), d.as_of)
    codes = [*new_report.regions, *(c for c in old_report.regions if c not in new_report.regions)]
    assert len(figures) == 2 * len(codes)  # every region, 'all' and household meters
    flt = {t("all", lang): "all", t("household_meter", lang): "household_meter"}
    shown = {(r[t("code", lang)], flt[r[t("filter", lang)]]): r for _, r in figures.iterrows()}
    assert set(shown) == {(c, f) for c in codes for f in flt.values()}
    moved = {(c, f) for c, by in d.figures.items() for f in by if f in flt.values()}
    assert {k for k, r in shown.items() if r[t("moved", lang)] == "✓"} == moved
    for (code, f), r in shown.items():
        for metric in ("coverage", "weighted_coverage", "capacity_rate"):
            name = t(metric, lang)
            old_value = old_report.regions[code].figures[f] if code in old_report.regions else None
            new_value = new_report.regions[code].figures[f] if code in new_report.regions else None
            assert r[t("name_when", lang, name=name, when=t("diff_before", lang))] == pct(
                getattr(old_value, metric) if old_value else None)
            assert r[t("name_when", lang, name=name, when=t("diff_after", lang))] == pct(
                getattr(new_value, metric) if new_value else None)
    assert {b.label for b in at.get("download_button")} >= {t("download_diff_json", lang),
                                                           t("download_diff_xlsx", lang)}


def test_changes_page_compares_two_uploads(tmp_path):
    old_file, new_file = _quarters(tmp_path)
    at = app("changes")
    at.radio(key="changes_mode").set_value("uploads").run()
    upload(at, old_file, key="changes_old")
    assert [i.value for i in at.info] == [t("changes_waiting")]  # one side only: nothing compared yet
    upload(at, new_file, key="changes_new")
    before, _ = check_upload(*old_file)
    after, _ = check_upload(*new_file)
    d = diff(before, after)
    assert d.as_of == after.snapshot_date and at.date_input(key="changes_as_of:" + _upload_key(at, "q4.xlsx")).value \
        == d.as_of  # judged at the new data's snapshot date
    assert d.renewed and d.figures and d.standards.added and d.demand.changed  # the fixture moves something
    assert at.subheader[0].value == t("diff_title", old="q3.xlsx", new="q4.xlsx", as_of=d.as_of)
    assert not at.warning
    _assert_changes_page(at, d, before, after)
    # only the regions that moved
    at.checkbox(key="changes_only_moved").check().run()
    moved = {(c, f) for c, by in d.figures.items() for f in by if f in ("all", "household_meter")}
    assert len(_table(at, "有变化").value) == len(moved)
    # judged long after the new snapshot: the banner, and the diff at that date
    late = after.snapshot_date + (STALE_DAYS + 1) * DAY
    at.date_input(key="changes_as_of:" + _upload_key(at, "q4.xlsx")).set_value(late).run()
    assert t("stale_snapshot", as_of=late, snapshot=after.snapshot_date, days=STALE_DAYS + 1,
             limit=STALE_DAYS) in [w.value for w in at.warning]
    counts = diff(before, after, late).summary()
    assert {m.label: m.value for m in at.metric} == {t(k): str(n) for k, n in counts.items()}


def _upload_key(at: AppTest, name: str) -> str:
    keys = [d.key.removeprefix("changes_as_of:") for d in at.date_input if d.key.startswith("changes_as_of:")]
    assert len(keys) == 1 and keys[0].startswith(f"upload:{name}:"), keys
    return keys[0]


def test_changes_page_compares_the_current_dataset_with_an_upload_in_english(tmp_path):
    new_data = _xlsx(_next_quarter(with_snapshot(sample())), tmp_path / "q4.xlsx")
    at = app("changes", "English")
    assert at.radio(key="changes_mode").value == "current"
    assert any("zaozhuang" in c.value for c in at.caption)  # the old side is the sidebar's dataset
    upload(at, ("q4.xlsx", new_data), key="changes_new")
    after, _ = check_upload("q4.xlsx", new_data)
    d = diff(sample(), after)
    assert at.subheader[0].value == t("diff_title", "en", old="zaozhuang", new="q4.xlsx", as_of=d.as_of)
    _assert_changes_page(at, d, sample(), after, "en")


def test_changes_of_the_same_data_are_none(tmp_path):
    old_file, _ = _quarters(tmp_path)
    at = app("changes")
    at.radio(key="changes_mode").set_value("uploads").run()
    upload(at, old_file, key="changes_old")
    upload(at, ("again.xlsx", old_file[1]), key="changes_new")
    assert t("diff_none") in [i.value for i in at.info]
    assert all(m.value == "0" for m in at.metric) and len(at.metric) == len(diff(sample(), sample()).summary())


def test_the_changes_downloads_are_the_librarys(tmp_path):
    from openpyxl import load_workbook

    from tracegraph.ui.pages.changes import diff_json, diff_xlsx

    old = with_snapshot(sample())
    d = diff(old, _next_quarter(old))
    assert json.loads(diff_json(d)) == d.to_contract()
    book = load_workbook(io.BytesIO(diff_xlsx(d, "zh")))
    assert book.sheetnames == [t("diff_summary"), t("diff_changes"), t("diff_figures")]
    assert book[t("diff_changes")].max_row == len(d.rows()) + 1


def test_dead_neo4j_falls_back_with_a_banner(monkeypatch):
    monkeypatch.setenv("TRACEGRAPH_NEO4J_URI", "bolt://127.0.0.1:9")
    at = app("overview")
    at.sidebar.radio(key="backend").set_value("neo4j").run()
    assert not at.exception
    assert any("无法连接 Neo4j" in e.value and "127.0.0.1:9" in e.value for e in at.error)
    f = sample_figures("zaozhuang", sample_day()).regions["370400"].figures["all"]
    assert at.metric[0].value == pct(f.coverage)  # the overview still shows the embedded sample
    at.sidebar.radio(key="page").set_value("cypher").run()
    at.button(key="cypher_run").click().run()
    assert not at.exception and any("无法连接 Neo4j" in e.value for e in at.error)


def test_downloads_are_excel_friendly():
    from openpyxl import load_workbook

    from tracegraph.ui.pages._tables import csv_bytes, xlsx_bytes

    rows = [{"县区": "370402 市中区", "在用数量": 12}, {"县区": "370403 薛城区", "在用数量": 0}]
    assert csv_bytes(rows).startswith("\ufeff县区,在用数量\n".encode())  # a BOM: Excel reads UTF-8
    ws = load_workbook(io.BytesIO(xlsx_bytes(rows, "uncovered"))).active
    assert list(ws.iter_rows(values_only=True)) == [("县区", "在用数量"), ("370402 市中区", 12), ("370403 薛城区", 0)]
