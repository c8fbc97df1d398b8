"""Data: upload a filled-in template, or several submissions (one per city or county institute) merged into one,
see every problem with its part, file and row, use it only when valid; an optional column map; the blank template."""

from __future__ import annotations

import streamlit as st

from tracegraph.i18n import Lang, t
from tracegraph.models import Dataset
from tracegraph.ui.shared import UPLOAD_TYPES, check_files, column_map, show_check
from tracegraph.ui.workspace import TEMPLATES, Workspace

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def render(ws: Workspace, lang: Lang) -> None:
    st.title(t("page_data", lang))
    st.markdown(t("data_intro", lang))
    files = st.file_uploader(t("upload", lang), type=UPLOAD_TYPES, accept_multiple_files=True, key="data_upload",
                             help=t("upload_help", lang))
    with st.expander(t("columns_heading", lang)):
        columns = column_map(lang, "data_columns")
    if files and columns is not False:
        checked = check_files(files, columns)  # type: ignore[arg-type]
        show_check(checked, lang)
        if checked.dataset is not None:
            st.button(t("use_dataset", lang), key="data_use", on_click=_use, args=(checked.key, checked.dataset))
    st.subheader(t("template_heading", lang))
    for lg in ("zh", "en"):
        path = TEMPLATES / f"template-{lg}.xlsx"
        st.download_button(t(f"template_{lg}", lang), path.read_bytes(), path.name, XLSX, key=f"template-{lg}")


def _use(key: str, dataset: Dataset) -> None:
    # A callback runs before the sidebar's dataset box exists, so it may set that box's value.
    st.session_state["uploaded"] = (key, dataset)
    st.session_state["dataset"] = "upload"
