"""The Streamlit app: a sidebar (language, backend, dataset, as-of date, page) and six pages.

``streamlit run app.py`` runs :func:`main`. Everything the pages show comes from the domain core
through a cached :class:`Workspace`; Neo4j is only the place the data is read from when chosen.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from tracegraph.i18n import Lang, t
from tracegraph.io import read_dataset
from tracegraph.models import Dataset
from tracegraph.ui import pages
from tracegraph.ui.workspace import SAMPLES, Workspace

SAMPLE_REFERENCE_DATE = dt.date(2026, 1, 1)  # see data/standards/*/README.md
PAGES = {"overview": pages.overview, "chain": pages.chain, "gaps": pages.gaps, "planner": pages.planner,
         "data": pages.data, "cypher": pages.cypher}


@st.cache_resource(show_spinner=False, max_entries=4)
def _sample(name: str, stamp: float) -> Dataset:
    return read_dataset(SAMPLES[name])


@st.cache_resource(show_spinner=False, max_entries=8)
def _workspace(key: str, _dataset: Dataset, as_of: dt.date) -> Workspace:
    return Workspace(key, _dataset, as_of)


@st.cache_resource(show_spinner=False, ttl=60)
def _neo4j_dataset(uri: str, version: int, _store: object) -> Dataset:
    return _store.read_dataset()  # type: ignore[attr-defined]


def main() -> None:
    st.set_page_config(page_title="tracegraph 量传溯源", layout="wide")
    chosen = st.sidebar.radio("语言 / Language", ["中文", "English"], horizontal=True, key="lang")
    lang: Lang = "en" if chosen == "English" else "zh"
    page = st.sidebar.radio(t("page", lang), list(PAGES), format_func=lambda p: t(f"page_{p}", lang), key="page")
    as_of = st.sidebar.date_input(t("as_of", lang), value=dt.date.today(), key="as_of")
    ws = _choose_data(lang, as_of)
    st.sidebar.caption(t("data_source", lang, source=ws.key, n=len(ws.dataset.standards)))
    PAGES[page](ws, lang)


def _choose_data(lang: Lang, as_of: dt.date) -> Workspace:
    """The dataset the pages work on: Neo4j when chosen and reachable, else an upload or a sample."""
    backend = st.sidebar.radio(t("backend", lang), ["embedded", "neo4j"], format_func=lambda b: t(b, lang),
                               key="backend")
    if backend == "neo4j":
        found = _from_neo4j(lang)
        if found is not None:
            return _workspace(found[0], found[1], as_of)
    uploaded: tuple[str, Dataset] | None = st.session_state.get("uploaded")
    names = [*SAMPLES, *(["upload"] if uploaded else [])]
    default = names.index("upload") if uploaded else 0
    choice = st.sidebar.selectbox(t("dataset", lang), names, index=default, key="dataset",
                                  format_func=lambda n: t(f"sample_{n}", lang))
    if choice == "upload" and uploaded:
        return _workspace(uploaded[0], uploaded[1], as_of)
    # The samples' expiries were drawn around their reference date: later, many have simply run out.
    st.sidebar.caption(t("sample_reference", lang, day=SAMPLE_REFERENCE_DATE))
    return _workspace(choice, _sample(choice, SAMPLES[choice].stat().st_mtime), as_of)


def _from_neo4j(lang: Lang) -> tuple[str, Dataset] | None:
    """The dataset in the configured Neo4j, or None with a banner saying why (never a traceback)."""
    from tracegraph.store import Neo4jStore, Settings

    settings = Settings.resolve()
    try:
        with Neo4jStore(settings) as store:
            store.verify()
            meta = store.meta()
            if meta is None:
                st.warning(t("neo4j_empty", lang, uri=settings.uri))
                return None
            return f"neo4j:{settings.uri}", _neo4j_dataset(settings.uri, int(meta.get("version", 0)), store)
    except Exception as exc:  # any driver or network error: the app falls back, it does not crash
        st.error(t("neo4j_down", lang, uri=settings.uri, error=type(exc).__name__))
        return None
