"""Tables the pages show and offer for download (CSV for any tool, XLSX for Excel)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

import streamlit as st
from openpyxl import Workbook

from tracegraph.i18n import Lang, t


def csv_bytes(rows: Sequence[dict]) -> bytes:
    buffer = io.StringIO()
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")  # the BOM makes Excel on Chinese Windows read UTF-8


def xlsx_bytes(rows: Sequence[dict], sheet: str) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet[:31]
    if rows:
        ws.append(list(rows[0]))
        for r in rows:
            ws.append([v if isinstance(v, int | float | str) or v is None else str(v) for v in r.values()])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def show(rows: Sequence[dict], name: str, lang: Lang, key: str) -> None:
    """A table with its two downloads."""
    st.dataframe(rows, width="stretch", hide_index=True)
    left, right = st.columns(2)
    # Files are made when clicked (a callable), so a page never waits for downloads nobody asked for.
    left.download_button(t("download_csv", lang), lambda: csv_bytes(rows), f"{name}.csv", "text/csv",
                         key=f"{key}-csv")
    right.download_button(t("download_xlsx", lang), lambda: xlsx_bytes(rows, name), f"{name}.xlsx",
                          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key=f"{key}-xlsx")
