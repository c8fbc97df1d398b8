"""Gaps: uncovered items with reasons, expiring certificates and links, single points of failure."""

from __future__ import annotations

import streamlit as st

from tracegraph.algorithms.gaps import GapReport, holders_in
from tracegraph.i18n import Lang, t
from tracegraph.ui.pages._tables import show
from tracegraph.ui.workspace import Workspace


def render(ws: Workspace, lang: Lang) -> None:
    st.title(t("page_gaps", lang))
    cities = [c for c, a in ws.ix.regions.items() if a["level"] == "city"]
    where = tuple(st.multiselect(t("region_filter", lang), cities, key="gaps_regions", format_func=ws.region_label,
                                 placeholder=t("all_of_them", lang)))
    days = st.slider(t("expiring_days", lang), 30, 730, 180, step=30, key="gaps_days")
    report = ws.gaps(days)
    uncovered, expiring, single = st.tabs([t("tab_uncovered", lang, n=len(report.uncovered)),
                                           t("tab_expiring", lang, n=len(report.expiring)),
                                           t("tab_single", lang, n=len(report.single_points))])
    # The rows are made once for every session that asks for the same filters in the same language.
    with uncovered:
        reasons = tuple(st.multiselect(t("reason", lang), ["no_standard", "not_served", "invalid"],
                                       key="gaps_reasons", format_func=lambda r: t(r, lang),
                                       placeholder=t("all_of_them", lang)))
        rows = ws.shared("gaps_uncovered", (days, where, reasons, lang),
                         lambda: _uncovered(ws, report, where, reasons, lang))
        show(rows, "uncovered", lang, "gaps-uncovered")
    with expiring:
        show(ws.shared("gaps_expiring", (days, where, lang), lambda: _expiring(ws, report, where, lang)),
             "expiring", lang, "gaps-expiring")
    with single:
        show(ws.shared("gaps_single", (days, where, lang), lambda: _single(ws, report, where, lang)),
             "single_points", lang, "gaps-single")


def _holders(ws: Workspace, where: tuple[str, ...]) -> set[str] | None:
    # The same rule as `gaps --region`: held by an institution located in the cities or serving them.
    return set().union(*(holders_in(ws.ix, city) for city in where)) if where else None


def _uncovered(ws: Workspace, report: GapReport, where: tuple[str, ...], reasons: tuple[str, ...],
               lang: Lang) -> list[dict]:
    counties = {c for city in where for c in ws.ix.counties_under[city]} if where else None
    return [{t("county_pick", lang): f"{g.county} {g.county_name}",
             t("instrument_type", lang): f"{g.instrument_type} {g.type_name}", t("count", lang): g.count,
             t("reason", lang): t(g.reason, lang),
             t("detail", lang): "；".join(f"{p.standard}: {t(p.problem, lang)}" for p in g.standards)}
            for g in report.uncovered
            if (counties is None or g.county in counties) and (not reasons or g.reason in reasons)]


def _expiring(ws: Workspace, report: GapReport, where: tuple[str, ...], lang: Lang) -> list[dict]:
    holders = _holders(ws, where)
    return [{t("kind", lang): t(e.kind, lang), t("standard", lang): e.standard,
             t("upstream", lang): e.upstream or "", t("institution", lang): e.institution,
             t("expires", lang): str(e.expires), t("days_left", lang): e.days_left,
             t("broken_standards", lang): len(e.broken_standards), t("lost_items", lang): e.lost_items,
             t("lost_instruments", lang): e.lost_instruments}
            for e in report.expiring if holders is None or e.institution in holders]


def _single(ws: Workspace, report: GapReport, where: tuple[str, ...], lang: Lang) -> list[dict]:
    holders = _holders(ws, where)
    return [{t("standard", lang): f"{p.standard} {p.name}", t("institution", lang): p.institution,
             t("level", lang): t(p.level, lang), t("broken_standards", lang): p.broken_standards,
             t("lost_items", lang): p.lost_items, t("lost_instruments", lang): p.lost_instruments}
            for p in report.single_points if holders is None or p.institution in holders]
