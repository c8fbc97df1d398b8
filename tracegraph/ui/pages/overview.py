"""Overview: the plan's targets against the figures, every region's figures, the region tree by coverage."""

from __future__ import annotations

from collections import Counter
from functools import partial

import plotly.graph_objects as go
import streamlit as st

from tracegraph.i18n import Lang, figure, pct, t
from tracegraph.models import FILTERS
from tracegraph.ui.workspace import Workspace

RATES = ("coverage", "weighted_coverage", "capacity_rate")


def render(ws: Workspace, lang: Lang) -> None:
    st.title(t("page_overview", lang))
    st.caption(t("as_of_caption", lang, as_of=ws.as_of))
    _headline(ws, lang)
    _targets(ws, lang)
    flt = st.selectbox(t("filter", lang), FILTERS, format_func=lambda f: t(f, lang), key="overview_filter")
    metric = st.selectbox(t("metric", lang), RATES, format_func=lambda m: t(m, lang), key="overview_metric")
    _regions(ws, flt, metric, lang)
    # One figure for every session (st.plotly_chart copies it, never changes it).
    st.plotly_chart(ws.shared("overview_treemap", (flt, metric, lang), lambda: _treemap(ws, flt, metric, lang)),
                    key="overview_treemap")


def _headline(ws: Workspace, lang: Lang) -> None:
    """The plan's region (the one its targets name most, else the top region): its three rates, each
    with the strictest matching target beside it."""
    named = Counter(r.region for r in ws.targets)
    top = max(named, key=lambda r: (named[r], -list(ws.ix.regions).index(r))) if named else next(
        r for r in ws.ix.regions if r not in ws.ix.parent)
    figures = ws.coverage.regions[top].figures["all"]
    st.subheader(ws.region_label(top))
    for col, metric in zip(st.columns(3), RATES, strict=True):
        value = getattr(figures, metric)
        goal = _target_for(ws, top, metric, "all")
        delta = None if goal is None or value is None else f"{(value - goal) * 100:+.2f} pp"
        col.metric(t(metric, lang), pct(value), delta,
                   help=t("target_beside", lang, target=pct(goal)) if goal is not None else None)


def _target_for(ws: Workspace, region: str, metric: str, flt: str) -> float | None:
    found = [r.threshold for r in ws.targets if r.region == region and r.metric == metric and r.filter == flt]
    return max(found) if found else None


def _targets(ws: Workspace, lang: Lang) -> None:
    st.subheader(t("targets_heading", lang))
    if not ws.targets:
        st.info(t("no_targets", lang))
        return
    st.dataframe(ws.shared("overview_targets", lang, lambda: _target_rows(ws, lang)), width="stretch",
                 hide_index=True)


def _target_rows(ws: Workspace, lang: Lang) -> list[dict]:
    rows = []
    for r in ws.targets:
        fmt = partial(figure, r.metric)
        rows.append({t("target", lang): r.id, t("region", lang): r.region_name, t("metric", lang): t(r.metric, lang),
                     t("filter", lang): t(r.filter, lang), t("level", lang): t(r.level, lang) if r.level else "",
                     t("year", lang): r.year, t("value", lang): fmt(r.value), t("threshold", lang): fmt(r.threshold),
                     t("met", lang): "—" if r.met is None else ("✓" if r.met else "✗")})
    return rows


def _regions(ws: Workspace, flt: str, metric: str, lang: Lang) -> None:
    st.subheader(t("regions_heading", lang))
    rows = ws.shared("overview_regions", (flt, metric, lang), lambda: _region_rows(ws, flt, metric, lang))
    st.dataframe(rows, width="stretch", hide_index=True)


def _region_rows(ws: Workspace, flt: str, metric: str, lang: Lang) -> list[dict]:
    rows = []
    for code, rf in ws.coverage.regions.items():
        f = rf.figures[flt]
        goal = _target_for(ws, code, metric, flt)
        rows.append({t("code", lang): code, t("name", lang): rf.name, t("level", lang): t(rf.level, lang),
                     t("items", lang): f.items, t("coverage", lang): pct(f.coverage),
                     t("weighted_coverage", lang): pct(f.weighted_coverage),
                     t("capacity_rate", lang): pct(f.capacity_rate),
                     t("threshold", lang): pct(goal) if goal is not None else ""})
    return rows


def _treemap(ws: Workspace, flt: str, metric: str, lang: Lang) -> go.Figure:
    """The region tree sized by instruments in use and coloured by the chosen rate (grey: no demand)."""
    ids, parents, labels, values, colours, text = [], [], [], [], [], []
    for code, rf in ws.coverage.regions.items():
        f = rf.figures[flt]
        rate = getattr(f, metric)
        ids.append(code)
        parents.append(ws.ix.parent.get(code, ""))
        labels.append(rf.name)
        values.append(f.instruments if ws.ix.regions[code]["level"] == "county" else 0)
        colours.append(rate if rate is not None else float("nan"))
        text.append(pct(rate))
    fig = go.Figure(go.Treemap(
        ids=ids, parents=parents, labels=labels, values=values, text=text, branchvalues="remainder",
        texttemplate="%{label}<br>%{text}", marker={"colors": colours, "colorscale": "RdYlGn", "cmin": 0.8,
                                                    "cmax": 1.0, "showscale": True},
        hovertemplate="%{label}: %{text}<extra></extra>"))
    fig.update_layout(margin={"t": 30, "l": 0, "r": 0, "b": 0}, height=520,
                      title=t("treemap_title", lang, metric=t(metric, lang), filter=t(flt, lang)))
    return fig
