"""The Streamlit app: a sidebar (language, page, backend, dataset, as-of date) and seven pages.

``streamlit run app.py`` runs :func:`main`. Everything the pages show comes from the domain core
through a cached :class:`Workspace`; Neo4j is only the place the data is read from when chosen.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import streamlit as st

from tracegraph.i18n import Lang, t
from tracegraph.io import read_dataset
from tracegraph.models import Dataset
from tracegraph.ui import pages
from tracegraph.ui.shared import neo4j_banner, stale_banner
from tracegraph.ui.workspace import SAMPLES, Workspace

PAGES = {"overview": pages.overview, "chain": pages.chain, "gaps": pages.gaps, "planner": pages.planner,
         "data": pages.data, "changes": pages.changes, "cypher": pages.cypher}


@st.cache_resource(show_spinner=False, max_entries=4)
def _sample(name: str, stamp: float) -> Dataset:
    return read_dataset(SAMPLES[name])


@st.cache_resource(show_spinner=False, max_entries=8)
def _workspace(key: str, _dataset: Dataset, as_of: dt.date, ident: int) -> Workspace:
    # ident (the dataset object's id) tells a regenerated sample, read again under the same key, from the old one
    return Workspace(key, _dataset, as_of)


@st.cache_resource(show_spinner=False, ttl=60)
def _neo4j_dataset(uri: str, version: int, _store: object) -> Dataset:
    return _store.read_dataset()  # type: ignore[attr-defined]


def main() -> None:
    st.set_page_config(page_title="tracegraph 量传溯源", layout="wide")
    chosen = st.sidebar.radio("语言 / Language", ["中文", "English"], horizontal=True, key="lang")
    lang: Lang = "en" if chosen == "English" else "zh"
    page = st.sidebar.radio(t("page", lang), list(PAGES), format_func=lambda p: t(f"page_{p}", lang), key="page")
    key, dataset = _choose_data(lang)
    as_of = _as_of(key, dataset, lang)
    ws = _workspace(key, dataset, as_of, 0 if key.startswith("neo4j:") else id(dataset))  # neo4j: versioned key
    st.sidebar.caption(t("data_source", lang, source=ws.key, n=len(ws.dataset.standards)))
    stale_banner(dataset, as_of, lang)  # on every page: the figures assume nothing was renewed since
    PAGES[page](ws, lang)


def _as_of(key: str, dataset: Dataset, lang: Lang) -> dt.date:
    """The as-of date, by default the dataset's snapshot date. The box is keyed on the dataset: another dataset
    opens at its own snapshot date, not at the date chosen for the last one."""
    day = st.sidebar.date_input(t("as_of", lang), value=dataset.default_as_of(), key=f"as_of:{key}")
    if dataset.snapshot_date is not None:
        st.sidebar.caption(t("snapshot_date", lang, day=dataset.snapshot_date))
    return day  # type: ignore[return-value]


def _choose_data(lang: Lang) -> tuple[str, Dataset]:
    """The dataset the pages work on: Neo4j when chosen and reachable, else an upload or a sample."""
    backend = st.sidebar.radio(t("backend", lang), ["embedded", "neo4j"], format_func=lambda b: t(b, lang),
                               key="backend")
    if backend == "neo4j":
        found = _from_neo4j(lang)
        if found is not None:
            return found
    uploaded: tuple[str, Dataset] | None = st.session_state.get("uploaded")
    names = [*SAMPLES, *(["upload"] if uploaded else [])]
    default = names.index("upload") if uploaded else 0
    choice = st.sidebar.selectbox(t("dataset", lang), names, index=default, key="dataset",
                                  format_func=lambda n: t(f"sample_{n}", lang))
    if choice == "upload" and uploaded:
        return uploaded
    return choice, _sample(choice, _stamp(SAMPLES[choice]))


def _stamp(folder: Path) -> float:
    """The sample's newest file time: a regenerated sample is read again."""
    return max((f.stat().st_mtime for f in folder.iterdir()), default=folder.stat().st_mtime)


def _from_neo4j(lang: Lang) -> tuple[str, Dataset] | None:
    """The dataset in the configured Neo4j, or None with a banner saying why (never a traceback)."""
    from tracegraph.store import Neo4jStore, Settings

    uri = "bolt://?"
    try:
        settings = Settings.resolve()
        uri = settings.uri
        with Neo4jStore(settings) as store:
            store.verify()
            meta = store.meta()
            if meta is None:
                st.warning(t("neo4j_empty", lang, uri=settings.uri))
                return None
            version = int(meta.get("version", 0))
            # The version in the key: a new load is a new workspace (and the as-of resets to its snapshot date).
            return f"neo4j:{settings.uri} v{version}", _neo4j_dataset(settings.uri, version, store)
    except Exception as exc:  # a refused login, a malformed setting, any driver or network error: a banner
        neo4j_banner(exc, uri, lang)
        return None
