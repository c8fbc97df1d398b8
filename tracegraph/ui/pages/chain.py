"""Chain explorer: a standard's chain up to the primary standards, or every chain behind a demand item."""

from __future__ import annotations

import streamlit as st

from tracegraph.algorithms.chains import Chain
from tracegraph.i18n import Lang, t
from tracegraph.models import LEVEL_RANK
from tracegraph.ui.chainview import chain_html, state
from tracegraph.ui.workspace import Workspace


def render(ws: Workspace, lang: Lang) -> None:
    st.title(t("page_chain", lang))
    how = st.radio(t("chain_by", lang), ["standard", "item"], horizontal=True, key="chain_by",
                   format_func=lambda h: t(f"chain_by_{h}", lang))
    chains = _by_standard(ws, lang) if how == "standard" else _by_item(ws, lang)
    if not chains:
        return
    drawn = tuple(c.standard for c in chains)
    st.iframe(ws.shared("chain_html", (drawn, lang), lambda: chain_html(chains, lang)), height=680)
    _breaks(chains, lang)
    _details(ws, chains, lang)


def _by_standard(ws: Workspace, lang: Lang) -> list[Chain]:
    ids = list(ws.ix.standards)
    # Open on a broken chain, as long as can be (a county standard's): what a planner comes here to see.
    broken = [s for s in ids if s not in ws.traceable and not ws.ix.standards[s]["primary"]]
    broken.sort(key=lambda s: LEVEL_RANK[ws.ix.institutions[ws.ix.holder[s]]["level"]])
    start = ids.index(broken[0]) if broken else 0
    sid = st.selectbox(t("standard", lang), ids, index=start, key="chain_standard",
                       format_func=lambda s: f"{s} {ws.ix.standards[s]['name']}")
    return [ws.chain(sid)]


def _by_item(ws: Workspace, lang: Lang) -> list[Chain]:
    counties = [c for c, a in ws.ix.regions.items() if a["level"] == "county"]
    county = st.selectbox(t("county_pick", lang), counties, key="chain_county", format_func=ws.region_label)
    types = sorted(it for c, it in ws.ix.demand if c == county)
    if not types:
        st.info(t("no_demand", lang))
        return []
    kind = st.selectbox(t("instrument_type", lang), types, key="chain_type",
                        format_func=lambda x: f"{x} {ws.ix.types[x]['name']}")
    standards = ws.standards_for_item(county, kind)
    if not standards:
        st.warning(t("no_standard_serves", lang))
        return []
    return [ws.chain(s) for s in standards]


def _breaks(chains: list[Chain], lang: Lang) -> None:
    for c in chains:
        if c.traceable:
            st.success(t("chain_ok", lang, id=c.standard))
        else:
            found = "；".join(b.describe(lang) for b in c.breaks) or t("chain_cycle", lang)
            st.error(t("chain_broken_at", lang, id=c.standard, breaks=found))


def _details(ws: Workspace, chains: list[Chain], lang: Lang) -> None:
    """The same details a click on a node shows, for keyboards and screen readers."""
    nodes = {n.id: n for c in chains for n in c.nodes}
    pick = st.selectbox(t("details_of", lang), list(nodes), key="chain_detail",
                        format_func=lambda s: f"{s} {nodes[s].name}")
    n = nodes[pick]
    st.dataframe([{t("standard", lang): n.id, t("name", lang): n.name, t("institution", lang): n.institution,
                   t("level", lang): t(n.level, lang), t("status", lang): t(n.status, lang),
                   t("certificate_expiry", lang): str(n.certificate_expiry or "—"),
                   t("state", lang): t("legend_" + state(n), lang)}], hide_index=True, width="stretch")
