"""Cypher: pick a query of the cypher/ library, fill its parameters, run it read-only against Neo4j."""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from tracegraph import _cypher
from tracegraph.i18n import Lang, t
from tracegraph.ui.shared import neo4j_banner
from tracegraph.ui.workspace import Workspace

if TYPE_CHECKING:
    from tracegraph.store import ReadOnlyResult


def render(ws: Workspace, lang: Lang) -> None:
    st.title(t("page_cypher", lang))
    names = [n for n in _cypher.library() if n != "schema"]  # schema writes: it is for `tracegraph load`
    name = st.selectbox(t("query", lang), names, key="cypher_query")
    text = _cypher.read_file(name)
    st.caption(_cypher.header(text).replace("\n", "  \n"))
    with st.expander(t("query_text", lang)):
        st.code(text, language="cypher")
    examples = _cypher.examples(text)
    pairs = []
    for p in _cypher.parameters(text):
        default = str(ws.as_of) if p == "as_of" else examples.get(p, "")
        pairs.append(f"{p}={st.text_input(p, value=default, key=f'cypher_param_{name}_{p}')}")
    if st.button(t("run_query", lang), type="primary", key="cypher_run"):
        _run(text, pairs, lang)


def _run(text: str, pairs: list[str], lang: Lang) -> None:
    from tracegraph.store import Neo4jStore, QueryTimedOut, Settings, WriteRefused, run_read_only

    try:
        params = _cypher.parse_params(pairs, text)
        settings = Settings.resolve()  # a malformed query_timeout or max_rows is a ValueError too
    except ValueError as exc:
        st.error(str(exc))
        return
    try:
        with Neo4jStore(settings) as store:
            store.verify()
            result = run_read_only(store, _cypher.code_lines(text), params)
    except WriteRefused as exc:
        st.error(str(exc))
        return
    except QueryTimedOut as exc:
        st.error(t("query_timed_out", lang, elapsed=exc.elapsed, limit=exc.limit))
        return
    except Exception as exc:  # a refused login, no server, a failed query: a banner, never a traceback
        neo4j_banner(exc, settings.uri, lang, f"{type(exc).__name__}: {exc}")
        return
    _show(result, lang)


def _show(result: ReadOnlyResult, lang: Lang) -> None:
    """The rows as a table; when the query had more than ``max_rows``, a warning says only the first are shown."""
    if result.truncated:
        st.warning(t("rows_truncated", lang, n=len(result.rows)))
    else:
        st.caption(t("rows_returned", lang, n=len(result.rows)))
    st.dataframe([{k: _plain(r.get(k)) for k in result.keys} for r in result.rows], width="stretch", hide_index=True)


def _plain(value: object) -> object:
    """Neo4j dates, lists and maps as text a table can show."""
    return value if isinstance(value, int | float | str | bool) or value is None else str(value)
