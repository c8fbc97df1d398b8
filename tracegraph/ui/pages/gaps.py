"""Gaps: uncovered items with reasons, expiring certificates and links, single points of failure."""

from __future__ import annotations

import streamlit as st

from tracegraph.algorithms.gaps import holders_in
from tracegraph.i18n import Lang, t
from tracegraph.ui.pages._tables import show
from tracegraph.ui.workspace import Workspace


def render(ws: Workspace, lang: Lang) -> None:
    st.title(t("page_gaps", lang))
    cities = [c for c, a in ws.ix.regions.items() if a["level"] == "city"]
    where = st.multiselect(t("region_filter", lang), cities, key="gaps_regions", format_func=ws.region_label,
                           placeholder=t("all_of_them", lang))
    counties = {c for city in where for c in ws.ix.counties_under[city]} if where else None
    # The same rule as `gaps --region`: held by an institution located in the cities or serving them.
    holders = set().union(*(holders_in(ws.ix, city) for city in where)) if where else None
    days = st.slider(t("expiring_days", lang), 30, 730, 180, step=30, key="gaps_days")
    report = ws.gaps(days)
    uncovered, expiring, single = st.tabs([t("tab_uncovered", lang, n=len(report.uncovered)),
                                           t("tab_expiring", lang, n=len(report.expiring)),
                                           t("tab_single", lang, n=len(report.single_points))])
    with uncovered:
        reasons = st.multiselect(t("reason", lang), ["no_standard", "not_served", "invalid"], key="gaps_reasons",
                                 format_func=lambda r: t(r, lang), placeholder=t("all_of_them", lang))
        rows = [{t("county_pick", lang): f"{g.county} {g.county_name}",
                 t("instrument_type", lang): f"{g.instrument_type} {g.type_name}", t("count", lang): g.count,
                 t("reason", lang): t(g.reason, lang),
                 t("detail", lang): "；".join(f"{p.standard}: {t(p.problem, lang)}" for p in g.standards)}
                for g in report.uncovered
                if (counties is None or g.county in counties) and (not reasons or g.reason in reasons)]
        show(rows, "uncovered", lang, "gaps-uncovered")
    with expiring:
        rows = [{t("kind", lang): t(e.kind, lang), t("standard", lang): e.standard,
                 t("upstream", lang): e.upstream or "", t("institution", lang): e.institution,
                 t("expires", lang): str(e.expires), t("days_left", lang): e.days_left,
                 t("broken_standards", lang): len(e.broken_standards), t("lost_items", lang): e.lost_items,
                 t("lost_instruments", lang): e.lost_instruments}
                for e in report.expiring if holders is None or e.institution in holders]
        show(rows, "expiring", lang, "gaps-expiring")
    with single:
        rows = [{t("standard", lang): f"{p.standard} {p.name}", t("institution", lang): p.institution,
                 t("level", lang): t(p.level, lang), t("broken_standards", lang): p.broken_standards,
                 t("lost_items", lang): p.lost_items, t("lost_instruments", lang): p.lost_instruments}
                for p in report.single_points if holders is None or p.institution in holders]
        show(rows, "single_points", lang, "gaps-single")

