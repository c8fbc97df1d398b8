"""Planner: budget, targets and years in; proposals, before/after and the budget request out."""

from __future__ import annotations

import tempfile
from pathlib import Path

import plotly.graph_objects as go
import streamlit as st

from tracegraph.i18n import Lang, figure, pct, t
from tracegraph.io import read_targets
from tracegraph.models import Target
from tracegraph.planning import Plan, PlanningProblem
from tracegraph.planning._universe import DEFAULT_RENEWAL_COST
from tracegraph.planning.request import COLUMNS, action_row, request_markdown, write_request
from tracegraph.ui.workspace import PLANNING_TARGETS, Workspace


def render(ws: Workspace, lang: Lang) -> None:
    st.title(t("page_planner", lang))
    if not ws.dataset.candidates:
        st.warning(t("no_candidates", lang))
        return
    settings = _inputs(ws, lang)
    if st.button(t("solve", lang), type="primary", key="plan_solve"):
        st.session_state["plan"] = (ws.key, ws.as_of, _solve(ws, settings, lang))
    found = st.session_state.get("plan")
    if found and found[:2] == (ws.key, ws.as_of):
        _result(found[2], lang)


def _inputs(ws: Workspace, lang: Lang) -> dict:
    mode = st.radio(t("plan_mode", lang), ["budget", "targets"], horizontal=True, key="plan_mode",
                    format_func=lambda m: t(f"mode_{m}", lang))
    out: dict = {"mode": mode}
    phased = st.checkbox(t("phased", lang), key="plan_phased")
    if phased:
        first, last = st.slider(t("plan_years", lang), ws.as_of.year, ws.as_of.year + 10,
                                (ws.as_of.year, ws.as_of.year + 4), key="plan_years")
        out["years"] = list(range(first, last + 1))
        per_year = st.number_input(t("budget_per_year", lang), min_value=0.0, value=100.0, step=10.0,
                                   key="plan_budget_per_year")
        if mode == "budget" or st.checkbox(t("limit_years", lang), key="plan_limit_years"):
            out["budget_per_year"] = per_year
    elif mode == "budget":
        out["budget"] = st.number_input(t("budget_total", lang), min_value=0.0, value=300.0, step=50.0,
                                        key="plan_budget")
    if mode == "targets" and ws.key in PLANNING_TARGETS and st.checkbox(
            t("use_planning_targets", lang), value=True, key="plan_2030"):
        out["targets"] = _planning_targets(ws.key)
    out["renewals"] = st.checkbox(t("allow_renewals", lang), value=True, key="plan_renewals")
    out["renewal_cost"] = st.number_input(t("renewal_cost", lang), min_value=0.0, value=DEFAULT_RENEWAL_COST,
                                          key="plan_renewal_cost")
    greedy = mode == "budget" and st.checkbox(t("use_greedy", lang), key="plan_greedy")
    out["method"] = "greedy" if greedy else "milp"
    out["time_limit"] = st.number_input(t("time_limit", lang), min_value=5, value=120, step=30, key="plan_time")
    return out


def _planning_targets(key: str) -> list[Target]:
    rows, _ = read_targets(PLANNING_TARGETS[key])  # bundled and tested: no problems to show
    return rows


def _solve(ws: Workspace, settings: dict, lang: Lang) -> Plan | str:
    settings = dict(settings)
    method, limit = settings.pop("method"), float(settings.pop("time_limit"))
    with st.status(t("solving", lang), expanded=False) as status:
        try:
            problem = PlanningProblem.from_dataset(ws.dataset, ws.as_of, **settings)
            def progress(stage: str) -> None:
                status.update(label=f"{t('solving', lang)}: {t('stage_' + stage, lang)}")

            plan = problem.solve(method, time_limit=limit, progress=progress)
        except ValueError as exc:
            status.update(label=str(exc), state="error")
            return str(exc)
        status.update(label=t(plan.status, lang), state="complete")
    return plan


def _result(plan: Plan | str, lang: Lang) -> None:
    if isinstance(plan, str):
        st.error(plan)
        return
    if plan.status == "infeasible":
        st.error(t("plan_infeasible", lang))
        for m in plan.unmet:
            st.markdown(f"**{m.target}** ({t(m.metric, lang)} · {t(m.filter, lang)} ≥ {figure(m.metric, m.threshold)}; "
                        f"{t('best_possible', lang)} {figure(m.metric, m.best)})")
            st.markdown("\n".join(f"- {r}" for r in m.describe(lang)[:10]))
        return
    word = t(plan.status, lang) + (f" · gap {plan.gap:.2%}" if plan.gap else "")
    st.success(t("plan_found", lang, n=len(plan.actions), cost=f"{plan.total_cost:,.1f}", status=word))
    st.dataframe([dict(zip([t(c, lang) for c in COLUMNS], action_row(a, lang), strict=True)) for a in plan.actions],
                 width="stretch", hide_index=True)
    st.plotly_chart(_before_after(plan, lang), key="plan_chart")
    if len(plan.by_year) > 1:
        st.dataframe([{t("year", lang): y.year, t("cost_10k", lang): round(y.cost, 2), t("actions", lang): y.actions,
                       t("coverage", lang): pct(y.figures.coverage),
                       t("weighted_coverage", lang): pct(y.figures.weighted_coverage),
                       t("capacity_rate", lang): pct(y.figures.capacity_rate)} for y in plan.by_year],
                     width="stretch", hide_index=True)
    _downloads(plan, lang)


def _before_after(plan: Plan, lang: Lang) -> go.Figure:
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


def _downloads(plan: Plan, lang: Lang) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = write_request(plan, Path(tmp) / "request.xlsx", lang).read_bytes()
    left, right = st.columns(2)
    left.download_button(t("download_request", lang), data, "budget-request.xlsx",
                         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="plan_xlsx")
    right.download_button(t("download_summary", lang), request_markdown(plan, lang).encode("utf-8"),
                          "budget-request.md", "text/markdown", key="plan_md")
