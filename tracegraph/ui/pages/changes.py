"""变化 (Changes): two datasets compared, as ``tracegraph diff`` compares them (``changes.md``).

OLD is the current dataset (a sample, an upload, or Neo4j's when that is the backend) or an upload; NEW is an
upload (one file, or several parts merged). The page shows what :func:`tracegraph.changes.diff` returns: the
counts, every change, the standards renewed, and each region's figures before and after (both judged at the
same date, by default the new data's snapshot date); nothing recomputed but the full before/after table, which
comes from the same coverage figures.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from tracegraph.algorithms.coverage import CoverageReport
from tracegraph.changes import DatasetDiff, diff, write_diff_xlsx
from tracegraph.i18n import Lang, pct, t
from tracegraph.models import Dataset, Demand, Institution, Standard, TraceLink
from tracegraph.ui.shared import UPLOAD_TYPES, check_files, column_map, show_check, stale_banner
from tracegraph.ui.workspace import Workspace

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KINDS = ("standard", "link", "institution", "demand")  # the order of the tabs
FILTERS = ("all", "household_meter")
RATES = ("coverage", "weighted_coverage", "capacity_rate")
_MODELS = {"standard": Standard, "link": TraceLink, "institution": Institution, "demand": Demand}
MOVED_COLOUR = "background-color: #fff3cd"


@st.cache_resource(show_spinner=False, max_entries=4)
def _diff(old_key: str, new_key: str, day: dt.date, ids: tuple[int, int], _old: Dataset,
          _new: Dataset) -> DatasetDiff:
    return diff(_old, _new, day)


@st.cache_resource(show_spinner=False, max_entries=8)
def _coverage(key: str, day: dt.date, ident: int, _dataset: Dataset) -> CoverageReport:
    return Workspace(key, _dataset, day).coverage


def render(ws: Workspace, lang: Lang) -> None:
    st.title(t("page_changes", lang))
    st.markdown(t("changes_intro", lang))
    how = st.radio(t("changes_mode", lang), ["current", "uploads"], horizontal=True, key="changes_mode",
                   format_func=lambda m: t(f"changes_mode_{m}", lang))
    with st.expander(t("columns_heading", lang)):
        columns = column_map(lang, "changes_columns")
    if columns is False:
        return
    old: tuple[str, str, Dataset] | None
    if how == "current":
        st.caption(t("changes_old_is", lang, source=ws.key))
        old = (ws.key, ws.key, ws.dataset)
        new = _upload(t("changes_new", lang), "changes_new", columns, lang)
    else:
        left, right = st.columns(2)
        with left:
            old = _upload(t("changes_old", lang), "changes_old", columns, lang)
        with right:
            new = _upload(t("changes_new", lang), "changes_new", columns, lang)
    if old is None or new is None:
        st.info(t("changes_waiting", lang))
        return
    (old_key, old_label, before), (new_key, new_label, after) = old, new
    day = st.date_input(t("changes_as_of", lang), value=after.default_as_of(), key=f"changes_as_of:{new_key}")
    stale_banner(after, day, lang)  # type: ignore[arg-type]
    d = _diff(old_key, new_key, day, (id(before), id(after)), before, after)
    st.subheader(t("diff_title", lang, old=old_label, new=new_label, as_of=d.as_of))
    if d.empty:
        st.info(t("diff_none", lang))
    _summary(d, lang)
    _changes(d, before, after, lang)
    _figures(d, _coverage(old_key, d.as_of, id(before), before), _coverage(new_key, d.as_of, id(after), after),
             lang)
    _downloads(d, lang)


def _upload(label: str, key: str, columns: object, lang: Lang) -> tuple[str, str, Dataset] | None:
    files = st.file_uploader(label, type=UPLOAD_TYPES, accept_multiple_files=True, key=key,
                             help=t("upload_help", lang))
    if not files:
        return None
    checked = check_files(files, columns)  # type: ignore[arg-type]
    show_check(checked, lang, collapse_warnings=True)
    return None if checked.dataset is None else (checked.key, checked.label, checked.dataset)


def _summary(d: DatasetDiff, lang: Lang) -> None:
    counts = list(d.summary().items())
    for start in range(0, len(counts), 4):
        for col, (name, n) in zip(st.columns(4), counts[start:start + 4], strict=False):
            col.metric(t(name, lang), n)


def _field(kind: str, field: str, lang: Lang) -> str:
    """A field as the template's header in the page's language (``certificate_expiry`` → 证书有效期至)."""
    return _MODELS[kind].columns().get(field, field) if lang == "zh" and field else field


def change_rows(d: DatasetDiff, kind: str, lang: Lang) -> list[dict]:
    """The library's rows (``DatasetDiff.rows``) of one kind, in words."""
    return [{t("diff_change", lang): t(f"diff_{change}", lang), t("diff_key", lang): key,
             t("diff_field", lang): _field(kind, field, lang), t("diff_values", lang): values}
            for what, change, key, field, values in d.rows() if what == kind]


def _changes(d: DatasetDiff, before: Dataset, after: Dataset, lang: Lang) -> None:
    st.subheader(t("diff_changes", lang))
    tables = {kind: change_rows(d, kind, lang) for kind in KINDS}
    tabs = st.tabs([t("tab_n", lang, name=t(f"diff_{k}", lang), n=len(tables[k])) for k in KINDS])
    for kind, tab in zip(KINDS, tabs, strict=True):
        with tab:
            if kind == "standard":
                _renewed(d, before, after, lang)
            if tables[kind]:
                st.dataframe(tables[kind], width="stretch", hide_index=True)
            else:
                st.caption(t("diff_none", lang))


def _renewed(d: DatasetDiff, before: Dataset, after: Dataset, lang: Lang) -> None:
    """The standards whose certificate now runs later (复查换证), with the old and new expiry."""
    if not d.renewed:
        return
    st.markdown(f"**{t('renewed_heading', lang, n=len(d.renewed))}**")
    old = {s.id: s for s in before.standards}
    new = {s.id: s for s in after.standards}
    expiry = t("certificate_expiry", lang)
    rows = [{t("standard", lang): sid, t("name", lang): new[sid].name, t("institution", lang): new[sid].institution,
             t("name_when", lang, name=expiry, when=t("diff_before", lang)): str(old[sid].certificate_expiry),
             t("name_when", lang, name=expiry, when=t("diff_after", lang)): str(new[sid].certificate_expiry)}
            for sid in d.renewed]
    st.dataframe(rows, width="stretch", hide_index=True)


def figure_rows(d: DatasetDiff, before: CoverageReport, after: CoverageReport, lang: Lang) -> list[dict]:
    """Every region (of either dataset) × 'all' and household meters: the three rates before and after, and
    whether any of its figures moved (``DatasetDiff.figures``)."""
    rows = []
    codes = [*after.regions, *(c for c in before.regions if c not in after.regions)]
    for code in codes:
        a, b = before.regions.get(code), after.regions.get(code)
        name = (b or a).name  # type: ignore[union-attr]
        for flt in FILTERS:
            fa = a.figures[flt] if a else None
            fb = b.figures[flt] if b else None
            row = {t("code", lang): code, t("name", lang): name, t("filter", lang): t(flt, lang),
                   t("moved", lang): "✓" if d.figures.get(code, {}).get(flt) else ""}
            for metric in RATES:
                row[t("name_when", lang, name=t(metric, lang), when=t("diff_before", lang))] = pct(
                    getattr(fa, metric) if fa else None)
                row[t("name_when", lang, name=t(metric, lang), when=t("diff_after", lang))] = pct(
                    getattr(fb, metric) if fb else None)
            rows.append(row)
    return rows


def _figures(d: DatasetDiff, before: CoverageReport, after: CoverageReport, lang: Lang) -> None:
    st.subheader(t("figures_before_after", lang))
    st.caption(t("tab_n", lang, name=t("regions_with_changed_figures", lang), n=len(d.figures)))
    rows = figure_rows(d, before, after, lang)
    moved = t("moved", lang)
    if st.checkbox(t("only_moved", lang), key="changes_only_moved"):
        rows = [r for r in rows if r[moved]]
    if not rows:
        st.caption(t("diff_none", lang))
        return
    frame = pd.DataFrame(rows)
    styled = frame.style.apply(lambda r: [MOVED_COLOUR if r[moved] else ""] * len(r), axis=1)
    st.dataframe(styled, width="stretch", hide_index=True)


def diff_json(d: DatasetDiff) -> bytes:
    return json.dumps(d.to_contract(), ensure_ascii=False, indent=1).encode("utf-8")


def diff_xlsx(d: DatasetDiff, lang: Lang) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        return write_diff_xlsx(d, Path(tmp) / "changes.xlsx", lang).read_bytes()


def _downloads(d: DatasetDiff, lang: Lang) -> None:
    left, right = st.columns(2)  # made when clicked (a callable)
    left.download_button(t("download_diff_json", lang), lambda: diff_json(d), f"changes-{d.as_of}.json",
                         "application/json", key="changes_json")
    right.download_button(t("download_diff_xlsx", lang), lambda: diff_xlsx(d, lang), f"changes-{d.as_of}.xlsx",
                          XLSX, key="changes_xlsx")
