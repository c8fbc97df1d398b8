"""Planner: a programme over years (or a snapshot) in; the plan year by year, its charts and the budget request out.

A programme (spec/programme.md) judges every plan year at 31 December, certificates running out on the way;
the single snapshot judges everything at the as-of date (figures.md, Planning). The page shows what the
library returns, nothing recomputed: status as it is (optimal / feasible with its gap / infeasible with the
reasons / no_solution), money to the 0.01 万元. A solve runs in a process of its own (``tracegraph.ui.solving``), the
page showing its progress meanwhile, with Stop (keep the best plan so far) and Cancel (no plan), so that no session
waits for it.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import plotly.graph_objects as go
import streamlit as st

from tracegraph.i18n import Lang, figure, pct, t
from tracegraph.io import read_targets
from tracegraph.models import Target
from tracegraph.planning import CERTIFICATE_YEARS, DEFAULT_RENEWAL_COST, Plan
from tracegraph.planning.request import RequestHeader, money, project_name, request_markdown, write_request
from tracegraph.ui import solving
from tracegraph.ui.workspace import PLANNING_TARGETS, ROOT, Workspace

TARGETS_DIR = ROOT / "data" / "standards" / "targets"
OWN = "dataset"  # the targets choice meaning the dataset's own targets.csv
MONEY = "%.2f"  # every amount in 万元, to the 0.01
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
POLL = 1.0  # s between two looks at a running solve (each look redraws its box in the browser)


@dataclass(frozen=True)
class Settings:
    """What the plan was solved with (kept beside it: the inputs may change after solving)."""

    mode: str
    years: list[int] | None  # None: a single snapshot at the as-of date
    budget: float | None
    budget_per_year: float | None
    targets_name: str  # OWN or a file in data/standards/targets/
    targets: list[Target] | None  # None: the dataset's own
    renewals: bool
    renewal_cost: float
    certificate_years: int
    method: str
    time_limit: float

    def problem(self) -> dict:
        return {"mode": self.mode, "years": self.years, "budget": self.budget,
                "budget_per_year": self.budget_per_year, "targets": self.targets, "renewals": self.renewals,
                "renewal_cost": self.renewal_cost, "certificate_years": self.certificate_years}


def render(ws: Workspace, lang: Lang) -> None:
    st.title(t("page_planner", lang))
    if not ws.dataset.candidates:
        st.warning(t("no_candidates", lang))
        return
    settings, problem = _inputs(ws, lang)
    header = _header(lang)
    if problem:
        st.warning(problem)
    running = st.session_state.get("plan_job")
    if st.button(t("solve", lang), type="primary", key="plan_solve", disabled=bool(problem) or running is not None) \
            and running is None:
        job = solving.start(ws.dataset, ws.as_of, settings.problem(), settings.method, settings.time_limit)
        st.session_state["plan_job"] = (ws.key, ws.as_of, settings, job)
        st.rerun()  # drawn again with the button off: one solve at a time per session
    if running is not None:
        _waiting(lang)
        return
    found = st.session_state.get("plan")
    if found and found[:2] == (ws.key, ws.as_of):
        _result(found[3], found[2], header, lang)


# --- inputs ---------------------------------------------------------------------------------------------
def _inputs(ws: Workspace, lang: Lang) -> tuple[Settings, str | None]:
    """The settings, and why they cannot be solved yet (None when they can)."""
    problem = None
    top = st.columns([3, 2])
    mode = top[0].radio(t("plan_mode", lang), ["budget", "targets"], horizontal=True, key="plan_mode",
                        format_func=lambda m: t(f"mode_{m}", lang))
    snapshot = top[1].checkbox(t("snapshot", lang), key="plan_snapshot")
    years: list[int] | None = None
    cap = None
    cols = st.columns(4)
    if not snapshot:
        first = int(cols[0].number_input(t("first_year", lang), value=ws.as_of.year, step=1, key="plan_first"))
        last = int(cols[1].number_input(t("last_year", lang), value=ws.as_of.year + 4, step=1, key="plan_last"))
        if first < ws.as_of.year or last < first or last - first > 20:
            problem = t("bad_years", lang, year=ws.as_of.year)
        years = list(range(first, last + 1))
        cap = cols[2].number_input(t("cap_per_year", lang), min_value=0.0, value=None, step=10.0, format=MONEY,
                                   key="plan_budget_per_year", placeholder=t("no_cap", lang))
    budget = None
    if mode == "budget":
        # A number input with a default cannot be emptied (Streamlit puts the default back): a programme says
        # with a checkbox whether it has a total as well as (or instead of) a yearly cap.
        limited = snapshot or cols[3].checkbox(t("limit_total", lang), value=True, key="plan_limit_total")
        if limited:
            budget = cols[3].number_input(t("budget_total", lang), min_value=0.0, value=300.0, step=50.0,
                                          format=MONEY, key="plan_budget")
        if budget is None and cap is None:
            problem = problem or t("need_budget", lang)
    choices = _target_choices(ws)
    default = PLANNING_TARGETS[ws.key].name if ws.key in PLANNING_TARGETS else OWN
    names = list(choices)
    chosen = st.selectbox(
        t("plan_targets_file", lang), names, index=names.index(default) if default in names else 0,
        key=f"plan_targets_{ws.key}",
        format_func=lambda n: t("targets_own", lang, n=len(ws.dataset.targets)) if n == OWN
        else t("targets_file", lang, name=n, n=len(choices[n] or [])))
    targets = choices[chosen]
    shown = ws.dataset.targets if targets is None else targets
    with st.expander(t("targets_chosen", lang, n=len(shown))):
        st.dataframe([_target_row(x, lang) for x in shown], width="stretch", hide_index=True)
    if mode == "targets" and not problem:
        if not shown:
            problem = t("no_targets_to_plan", lang)
        elif years and all(x.year is not None and x.year > years[-1] for x in shown):
            st.info(t("targets_not_enforced", lang, last=years[-1]))
    cols = st.columns(4)
    certificate_years = CERTIFICATE_YEARS
    if not snapshot:
        certificate_years = int(cols[0].number_input(t("certificate_years", lang), min_value=1, max_value=20,
                                                     value=CERTIFICATE_YEARS, step=1, key="plan_cert_years"))
    renewals = cols[1].checkbox(t("allow_renewals", lang), value=True, key="plan_renewals")
    renewal_cost = cols[2].number_input(t("renewal_cost", lang), min_value=0.0, value=DEFAULT_RENEWAL_COST,
                                        format=MONEY, key="plan_renewal_cost", disabled=not renewals)
    time_limit = cols[3].number_input(t("time_limit", lang), min_value=5, value=120, step=30, key="plan_time")
    method = "milp"
    if mode == "budget":
        method = st.radio(t("method", lang), ["milp", "greedy"], horizontal=True, key="plan_method",
                          format_func=lambda m: t(f"method_{m}", lang))
    return Settings(mode=mode, years=years, budget=budget, budget_per_year=cap, targets_name=chosen,
                    targets=targets, renewals=renewals, renewal_cost=renewal_cost,
                    certificate_years=certificate_years, method=method, time_limit=float(time_limit)), problem


def _header(lang: Lang) -> RequestHeader:
    """The 绩效目标申报表's names; a field left empty keeps the request's default (in the request's language)."""
    with st.expander(t("request_header", lang)):
        left, right = st.columns(2)
        defaults = RequestHeader()
        values = {
            "project_name": left.text_input(t("req_project_name", lang), key="plan_project",
                                            placeholder=t("req_default_project", lang)),
            "department": right.text_input(t("req_department", lang), key="plan_department",
                                           placeholder=t("req_default_department", lang)),
            "implementer": left.text_input(t("req_implementer", lang), key="plan_implementer",
                                           placeholder=t("req_default_implementer", lang)),
            "satisfaction": right.text_input(t("req_ind_satisfaction", lang), key="plan_satisfaction",
                                             placeholder=defaults.satisfaction),
        }
        attribute = left.radio(t("req_attribute", lang), ["新增", "延续"], horizontal=True, key="plan_attribute",
                               format_func=lambda a: t(f"req_attr_{a}", lang))
    return RequestHeader(attribute=attribute, **{k: v.strip() for k, v in values.items() if v and v.strip()})


@st.cache_data(show_spinner=False, max_entries=32)
def _targets_file(path: str, stamp: float) -> list[Target] | None:
    rows, report = read_targets(path)
    return rows if report.ok and rows else None  # not a targets file (unmapped.csv) or a broken one: not offered


def _target_choices(ws: Workspace) -> dict[str, list[Target] | None]:
    """The dataset's own targets, then every bundled targets file whose regions are all in the dataset."""
    out: dict[str, list[Target] | None] = {OWN: None}
    for path in sorted(TARGETS_DIR.glob("*.csv")):
        rows = _targets_file(str(path), path.stat().st_mtime)
        if rows and all(r.region in ws.ix.regions for r in rows):
            out[path.name] = rows
    return out


def _target_row(x: Target, lang: Lang) -> dict:
    return {t("target", lang): x.id, t("region", lang): x.region, t("metric", lang): _metric(x.metric, x.filter,
            x.level, lang), t("threshold", lang): f"≥ {figure(x.metric, x.threshold)}",
            t("year", lang): x.year if x.year is not None else "—"}


def _metric(metric: str, filter_: str, level: str | None, lang: Lang) -> str:
    return " · ".join([t(metric, lang), t(filter_, lang), *([t(level, lang)] if level else [])])


# --- solving: in a process of its own, the page polling it --------------------------------------------------
@dataclass(frozen=True)
class Stopped:
    """A solve that ended without a plan: cancelled, or its process lost (the message says which)."""

    message: str


@st.fragment(run_every=POLL)
def _waiting(lang: Lang) -> None:
    """The solve under way: its stage, the time it has taken against its limit, Stop and Cancel.
    Only this box reruns while waiting (no other session waits for it); the whole page reruns once it is over."""
    running = st.session_state.get("plan_job")
    if running is None:  # a last tick after the page moved on
        return
    settings, job = running[2], running[3]
    if job.poll():
        _finish(job.outcome if not job.lost else Stopped(t("solver_lost", lang, code=job.process.exitcode)))
    elapsed, limit = job.elapsed, settings.time_limit
    st.progress(min(elapsed / limit, 1.0), text=t("solving_for", lang, stage=t("stage_" + job.stage, lang),
                                                   seconds=f"{elapsed:.0f}", limit=f"{limit:g}"))
    if job.stopping:
        st.caption(t("solve_stopping", lang))
    buttons = st.columns([1, 1, 3])
    if buttons[0].button(t("solve_stop", lang), key="plan_stop", disabled=job.stopping,
                         help=t("solve_stop_help", lang)):
        job.stop()  # the best plan so far arrives at one of the next polls
    if buttons[1].button(t("solve_cancel", lang), key="plan_cancel"):
        job.cancel()
        _finish(Stopped(t("solve_cancelled", lang, seconds=f"{job.elapsed:.0f}")))


def _finish(outcome: Plan | str | Stopped | None) -> None:
    """The solve is over: what came of it is the page's until the next one (kept with the settings, as ever)."""
    key, as_of, settings, _job = st.session_state.pop("plan_job")
    st.session_state["plan"] = (key, as_of, settings, outcome)
    st.rerun()


# --- the answer -----------------------------------------------------------------------------------------
def _yuan(value: float) -> str:
    return f"{money(value):,.2f}"


def _result(plan: Plan | str | Stopped, settings: Settings, header: RequestHeader, lang: Lang) -> None:
    if isinstance(plan, Stopped):
        st.warning(plan.message)
        return
    if isinstance(plan, str):
        st.error(plan)
        return
    st.caption(_settings_line(plan, settings, lang))
    if plan.status == "infeasible":
        st.error(t("plan_infeasible", lang))
        for m in plan.unmet:
            if m.metric != "budget":
                since = f"；{t('fails_from', lang, year=m.year)}" if plan.programme and m.year else ""
                st.markdown(f"**{m.target}** ({_metric(m.metric, m.filter, None, lang)} ≥ "
                            f"{figure(m.metric, m.threshold)}; {t('best_possible', lang)} "
                            f"{figure(m.metric, m.best)}{since})")
            st.markdown("\n".join(f"- {r}" for r in m.describe(lang)[:10]))
        return
    if plan.status == "no_solution":
        st.error(t("plan_no_solution", lang, seconds=f"{settings.time_limit:g}"))
        return
    found = t("plan_found", lang, n=len(plan.actions), cost=_yuan(plan.total_cost), status=t(plan.status, lang))
    if plan.status == "optimal":
        st.success(found)
    else:  # feasible: a plan, not proven best
        gap = t("plan_gap", lang, gap="—" if plan.gap is None else f"{plan.gap:.2%}")
        st.warning(f"{found} · {gap}")
    _metrics(plan, lang)
    if plan.programme:
        left, right = st.columns(2)
        left.plotly_chart(_years_chart(plan, lang), key="plan_years_chart")
        right.plotly_chart(_spending_chart(plan, lang), key="plan_spending_chart")
        st.subheader(t("year_table", lang))
        st.caption(t("evaluated_on_caption", lang))
        _year_table(plan, lang)
    else:
        st.plotly_chart(_before_after(plan, lang), key="plan_chart")
    st.subheader(t("sheet_actions", lang))
    _actions_table(plan, lang)
    st.subheader(t("targets_by_year", lang) if plan.programme else t("sheet_targets", lang))
    _targets_table(plan, lang)
    _downloads(plan, header, lang)


def _settings_line(plan: Plan, settings: Settings, lang: Lang) -> str:
    parts = [t("req_period_span", lang, first=plan.years[0], last=plan.years[-1]) if plan.programme
             else t("snapshot_at", lang, date=plan.as_of.isoformat())]
    if plan.budget is not None:
        parts.append(f"{t('budget_total', lang)} {_yuan(plan.budget)}")
    if plan.programme and settings.budget_per_year is not None:
        parts.append(f"{t('cap_per_year_short', lang)} {_yuan(settings.budget_per_year)}")
    targets = t("targets_own", lang, n=len(plan.targets_before)) if settings.targets_name == OWN \
        else settings.targets_name
    parts.append(f"{t('plan_targets_file', lang)}：{targets}" if lang == "zh"
                 else f"{t('plan_targets_file', lang)}: {targets}")
    if plan.programme:
        parts.append(t("certificate_years_n", lang, n=plan.certificate_years))
    parts.append(t(f"method_{plan.method}", lang))
    parts.append(t("solved_in", lang, seconds=f"{plan.seconds:.1f}"))
    return " · ".join(parts)


def _metrics(plan: Plan, lang: Lang) -> None:
    last = plan.by_year[-1]
    builds = sum(y.builds for y in plan.by_year)
    cols = st.columns(5)
    cols[0].metric(t("metric_total_cost", lang), _yuan(plan.total_cost))
    cols[1].metric(t("metric_builds", lang), builds)
    cols[2].metric(t("metric_renewals", lang), len(plan.actions) - builds)
    for col, name in ((cols[3], "coverage"), (cols[4], "weighted_coverage")):
        with_, without = getattr(last.figures, name), getattr(last.baseline, name)
        delta = None if with_ is None or without is None else f"{(with_ - without) * 100:+.2f} {t('pp', lang)}"
        label = t("metric_at_end", lang, name=t(name, lang), year=last.year) if plan.programme else t(name, lang)
        col.metric(label, pct(with_), delta, help=t("metric_delta_help", lang))


def _years_chart(plan: Plan, lang: Lang) -> go.Figure:
    """Each year's figures at 31 December, without the programme (dashed) and with it (solid)."""
    fig = go.Figure()
    years = [y.year for y in plan.by_year]
    colours = {"coverage": "#1f77b4", "weighted_coverage": "#ff7f0e"}
    for name, colour in colours.items():
        for key, dash in (("baseline", "dash"), ("figures", "solid")):
            values = [getattr(getattr(y, key), name) for y in plan.by_year]
            word = t("without_programme" if key == "baseline" else "with_programme", lang)
            fig.add_scatter(x=years, y=values, mode="lines+markers", name=f"{t(name, lang)} · {word}",
                            line={"color": colour, "dash": dash}, hovertemplate="%{x}: %{y:.2%}<extra></extra>")
    fig.update_layout(title=t("chart_years", lang), height=400, margin={"t": 60, "b": 0},
                      yaxis={"tickformat": ".0%", "rangemode": "tozero"}, xaxis={"dtick": 1, "tickformat": "d"},
                      legend={"orientation": "h", "y": -0.15})
    return fig


def _spending_chart(plan: Plan, lang: Lang) -> go.Figure:
    """Each year's spending, builds and renewals stacked, the yearly cap beside when there is one."""
    fig = go.Figure()
    years = [y.year for y in plan.by_year]
    for key, word in (("build_cost", "req_builds_cost"), ("renewal_cost", "req_renewals_cost")):
        values = [float(money(getattr(y, key))) for y in plan.by_year]
        fig.add_bar(x=years, y=values, name=t(word, lang), text=[f"{v:,.2f}" if v else "" for v in values],
                    textposition="inside", hovertemplate="%{x}: %{y:,.2f}<extra></extra>")
    totals = [float(money(y.cost)) for y in plan.by_year]
    if plan.budget_per_year:
        fig.add_scatter(x=years, y=[float(money(b)) for b in plan.budget_per_year], mode="lines+markers",
                        name=t("cap_per_year_short", lang), line={"color": "#888", "dash": "dot"},
                        hovertemplate="%{x}: %{y:,.2f}<extra></extra>")
    top = max([*totals, *(plan.budget_per_year or []), 1.0])
    fig.update_layout(title=t("chart_spending", lang), barmode="stack", height=400, margin={"t": 60, "b": 0},
                      hovermode="x unified",
                      yaxis={"tickformat": ",.2f", "range": [0, top * 1.15]}, xaxis={"dtick": 1, "tickformat": "d"},
                      legend={"orientation": "h", "y": -0.15})
    return fig


def _before_after(plan: Plan, lang: Lang) -> go.Figure:
    """A snapshot: the figures at the as-of date before and after the plan."""
    metrics = ["coverage", "weighted_coverage", "capacity_rate"]
    fig = go.Figure()
    low = min((getattr(f, m) or 0.0) for f in (plan.before, plan.after) for m in metrics)
    for key, figures in (("before", plan.before), ("after", plan.after)):
        values = [getattr(figures, m) or 0.0 for m in metrics]
        fig.add_bar(name=t(key, lang), x=[t(m, lang) for m in metrics], y=values,
                    text=[pct(v) for v in values], textposition="outside")
    fig.update_layout(barmode="group", yaxis={"tickformat": ".0%", "range": [max(0.0, low - 0.05), 1.02]}, height=380,
                      margin={"t": 30, "b": 0})
    return fig


def _money_columns(*names: str) -> dict:
    return {n: st.column_config.NumberColumn(n, format=MONEY) for n in names}


def _year_table(plan: Plan, lang: Lang) -> None:
    caps = plan.budget_per_year or [None] * len(plan.by_year)
    money_cols = [t("req_builds_cost", lang), t("req_renewals_cost", lang), t("req_year_total", lang),
                  t("cap_per_year_short", lang)]
    rows = []
    for y, cap in zip(plan.by_year, caps, strict=True):
        rows.append({
            t("year", lang): y.year,
            t("metric_builds", lang): y.builds, money_cols[0]: float(money(y.build_cost)),
            t("metric_renewals", lang): y.renewals, money_cols[1]: float(money(y.renewal_cost)),
            money_cols[2]: float(money(y.cost)), money_cols[3]: None if cap is None else float(money(cap)),
            **{_change_column(m, lang): f"{pct(getattr(y.baseline, m))} → {pct(getattr(y.figures, m))}"
               for m in ("coverage", "weighted_coverage")}})
    st.dataframe(rows, width="stretch", hide_index=True, column_config=_money_columns(*money_cols))


def _change_column(metric: str, lang: Lang) -> str:
    return t("change_column", lang, name=t(metric, lang), without=t("without_programme", lang),
             with_=t("with_programme", lang))


def _actions_table(plan: Plan, lang: Lang) -> None:
    cost = t("cost_10k", lang)
    rows = [{t("year", lang): a.year, t("kind", lang): t(a.kind, lang), t("project", lang): project_name(a, lang),
             t("builder", lang): a.institution_name, cost: float(money(a.cost)),
             t("new_instruments", lang): a.new_instruments, t("standard", lang): a.standard}
            for a in sorted(plan.actions, key=lambda a: a.year)]  # stable: the plan's order within a year
    if not rows:
        st.info(t("plan_nothing", lang))
        return
    st.dataframe(rows, width="stretch", hide_index=True, column_config=_money_columns(cost))


def _targets_table(plan: Plan, lang: Lang) -> None:
    known = {(r.id, r.region): r for r in plan.targets_before}
    rows = []
    for y in plan.by_year:
        for x in y.targets:
            r = known.get((x.id, x.region))
            metric = r.metric if r else "coverage"
            row = {t("year", lang): y.year, t("target", lang): x.id,
                   t("region", lang): f"{x.region} {r.region_name}" if r else x.region,
                   t("metric", lang): _metric(metric, r.filter, r.level, lang) if r else "",
                   t("threshold", lang): f"≥ {figure(metric, r.threshold)}" if r else "",
                   t("value", lang): figure(metric, x.value),
                   t("met", lang): "—" if x.met is None else ("✓" if x.met else "✗")}
            if plan.mode == "targets":
                row[t("enforced", lang)] = t("yes", lang) if x.enforced else t("reported_only", lang)
            rows.append(row)
    if not rows:
        st.info(t("no_targets", lang))
        return
    if plan.mode == "budget":
        st.caption(t("targets_reported", lang))
    st.dataframe(rows, width="stretch", hide_index=True)


def request_xlsx(plan: Plan, lang: Lang, header: RequestHeader) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        return write_request(plan, Path(tmp) / "request.xlsx", lang, header=header).read_bytes()


def request_md(plan: Plan, lang: Lang, header: RequestHeader) -> bytes:
    return request_markdown(plan, lang, header).encode("utf-8")


def _downloads(plan: Plan, header: RequestHeader, lang: Lang) -> None:
    # Made when clicked (a callable), with the header as it is then: editing it needs no new solve.
    left, right = st.columns(2)
    left.download_button(t("download_request", lang), lambda: request_xlsx(plan, lang, header), "budget-request.xlsx",
                         XLSX, key="plan_xlsx")
    right.download_button(t("download_summary", lang), lambda: request_md(plan, lang, header), "budget-request.md",
                          "text/markdown", key="plan_md")
