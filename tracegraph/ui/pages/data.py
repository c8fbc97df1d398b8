"""Data: upload a filled-in template, see every problem, use it only when valid; the blank template."""

from __future__ import annotations

import streamlit as st

from tracegraph.i18n import Lang, t
from tracegraph.io import check_upload
from tracegraph.ui.workspace import TEMPLATES, Workspace, upload_key

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def render(ws: Workspace, lang: Lang) -> None:
    st.title(t("page_data", lang))
    st.markdown(t("data_intro", lang))
    upload = st.file_uploader(t("upload", lang), type=["zip", "xlsx", "json"], key="data_upload")
    if upload is not None:
        _check(upload.name, upload.getvalue(), ws, lang)
    st.subheader(t("template_heading", lang))
    for lg in ("zh", "en"):
        path = TEMPLATES / f"template-{lg}.xlsx"
        st.download_button(t(f"template_{lg}", lang), path.read_bytes(), path.name, XLSX, key=f"template-{lg}")


def _check(name: str, data: bytes, ws: Workspace, lang: Lang) -> None:
    try:
        dataset, report = check_upload(name, data, ws.as_of)
    except Exception as exc:  # an unreadable file (not a zip, a broken workbook): say so, load nothing
        st.error(t("unreadable", lang, name=name, error=str(exc)))
        return
    rows = [{t("severity", lang): t(p.severity, lang), t("file", lang): p.file, t("row", lang): p.row,
             t("column", lang): p.column, t("cell_value", lang): p.value, t("message", lang): p.text(lang)}
            for p in report.errors + report.warnings]
    if dataset is None:
        st.error(t("invalid_dataset", lang, errors=len(report.errors), warnings=len(report.warnings)))
    else:
        st.success(t("valid_dataset", lang, errors=0, warnings=len(report.warnings)))
    if rows:
        st.dataframe(rows, width="stretch", hide_index=True)
    if dataset is not None:
        st.button(t("use_dataset", lang), key="data_use", on_click=_use, args=(upload_key(name, data), dataset))


def _use(key: str, dataset: object) -> None:
    # A callback runs before the sidebar's dataset box exists, so it may set that box's value.
    st.session_state["uploaded"] = (key, dataset)
    st.session_state["dataset"] = "upload"
