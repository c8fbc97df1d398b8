"""What several pages share: the stale-snapshot banner, reading uploads (one file, or several parts merged,
with an optional column map) and the table of the problems found in them."""

from __future__ import annotations

import datetime as dt
import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from tracegraph.i18n import Lang, t
from tracegraph.io import check_parts, check_upload, read_columns
from tracegraph.models import STALE_DAYS, Dataset
from tracegraph.validation import ColumnMap, Problem, Report

UPLOAD_TYPES = ["zip", "xlsx", "json"]


def neo4j_banner(exc: Exception, uri: str, lang: Lang, detail: str | None = None) -> None:
    """Why the Neo4j server could not be used, as one error box: a refused login names the user and where the
    password came from (never the password); anything else says the server at ``uri`` did not answer."""
    from tracegraph.store import AuthRefused

    if isinstance(exc, AuthRefused):
        key = "neo4j_auth_missing" if exc.reason == "missing" else "neo4j_auth_refused"
        st.error(t(key, lang, uri=exc.uri, user=exc.user, source=exc.source))
    elif isinstance(exc, ValueError):  # a malformed setting (a limit, a URI): its own message says which
        st.error(str(exc))
    else:
        st.error(t("neo4j_down", lang, uri=uri, error=detail or type(exc).__name__))


def stale_days(dataset: Dataset, as_of: dt.date) -> int | None:
    """How many days after the snapshot date ``as_of`` is, when that is more than STALE_DAYS (else None)."""
    snapshot = dataset.snapshot_date
    if snapshot is None or (as_of - snapshot).days <= STALE_DAYS:
        return None
    return (as_of - snapshot).days


def stale_banner(dataset: Dataset, as_of: dt.date, lang: Lang) -> None:
    """``changes.md``: judging long after the snapshot date is allowed, with a warning."""
    days = stale_days(dataset, as_of)
    if days is not None:
        st.warning(t("stale_snapshot", lang, as_of=as_of, snapshot=dataset.snapshot_date, days=days,
                     limit=STALE_DAYS))


@dataclass(frozen=True)
class Checked:
    """Uploaded files read, checked and (several of them) merged: the dataset, or None and why."""

    key: str  # upload:<names>:<hash>, the same for the same files
    names: tuple[str, ...]
    dataset: Dataset | None
    report: Report | None  # None: a file could not be read at all (``unreadable`` says which and why)
    unreadable: tuple[str, str] | None = None

    @property
    def label(self) -> str:
        return " + ".join(self.names)


def upload_key(names: tuple[str, ...], parts: tuple[bytes, ...]) -> str:
    """Where an uploaded dataset came from, as the sidebar shows it (the same files, the same key)."""
    digest = hashlib.sha1()
    for data in parts:
        digest.update(hashlib.sha1(data).digest())
    return f"upload:{'+'.join(names)}:{digest.hexdigest()[:10]}"


def _unique_names(names: list[str]) -> tuple[str, ...]:
    """Two uploads of the same name would be two parts nobody can tell apart: the second becomes ``name (2)``."""
    seen: dict[str, int] = {}
    out = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n} ({seen[n]})")
    return tuple(out)


@st.cache_resource(show_spinner=False, max_entries=8)
def _check(names: tuple[str, ...], parts: tuple[bytes, ...], columns_key: str,
           _columns: ColumnMap | None) -> Checked:
    key = upload_key(names, parts) + (f":{columns_key}" if columns_key else "")
    try:
        if len(parts) == 1:
            dataset, report = check_upload(names[0], parts[0], None, _columns)
        else:
            dataset, report = check_parts(list(zip(names, parts, strict=True)), None, _columns)
    except Exception as exc:  # an unreadable file (not a zip, a broken workbook): say so, load nothing
        return Checked(key, names, None, None, (_culprit(names, str(exc)), str(exc)))
    return Checked(key, names, dataset, report)


def _culprit(names: tuple[str, ...], error: str) -> str:
    found = [n for n in names if n in error]
    return found[0] if len(names) > 1 and found else " + ".join(names)


def check_files(files: list, columns: tuple[str, ColumnMap] | None) -> Checked:
    """Streamlit's uploaded files: one is checked as a dataset, several are merged as parts (the snapshot
    date of the data is the as-of of the checks, else today)."""
    names = _unique_names([f.name for f in files])
    key, mapping = columns or ("", None)
    return _check(names, tuple(f.getvalue() for f in files), key, mapping)


def column_map(lang: Lang, key: str) -> tuple[str, ColumnMap] | bool | None:
    """The optional column map (``--columns MAP.csv``): (its key, the map), None when there is none, False when
    the file uploaded cannot be read (an error box says why; nothing should be checked without it)."""
    upload = st.file_uploader(t("columns_upload", lang), type=["csv"], key=key, help=t("columns_help", lang))
    if upload is None:
        return None
    data = upload.getvalue()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "columns.csv"
            path.write_bytes(data)
            mapping = read_columns(path)
    except Exception as exc:
        st.error(t("columns_bad", lang, name=upload.name, error=str(exc).replace(str(path), upload.name)))
        return False
    st.caption(t("columns_used", lang, name=upload.name, n=sum(len(m) for m in mapping.values())))
    return f"columns:{hashlib.sha1(data).hexdigest()[:10]}", mapping


def split_file(problem: Problem, names: tuple[str, ...]) -> tuple[str, str]:
    """(part, file) of a problem: a merged upload's problems name their part before the file (``a.xlsx:standards``)."""
    for name in names:
        if problem.file == name:
            return name, ""
        if problem.file.startswith(name + ":") or problem.file.startswith(name + "/"):
            return name, problem.file[len(name) + 1:]
    return (names[0] if len(names) == 1 else ""), problem.file


def problem_rows(checked: Checked, lang: Lang) -> list[dict]:
    """Every problem, errors first, each with its part, file, row, column, value and message."""
    report = checked.report or Report()
    rows = []
    for p in report.errors + report.warnings:
        part, file = split_file(p, checked.names)
        rows.append({t("severity", lang): t(p.severity, lang), t("part", lang): part, t("file", lang): file,
                     t("row", lang): p.row, t("column", lang): p.column, t("cell_value", lang): p.value,
                     t("message", lang): p.text(lang)})
    return rows


def show_check(checked: Checked, lang: Lang, collapse_warnings: bool = False) -> None:
    """The verdict (valid or not, with the counts) and the problems table (folded away when there are only
    warnings and ``collapse_warnings``)."""
    if checked.report is None:
        name, error = checked.unreadable or (checked.label, "")
        st.error(t("unreadable", lang, name=name, error=error))
        return
    report = checked.report
    counts = {"errors": len(report.errors), "warnings": len(report.warnings)}
    if checked.dataset is None:
        st.error(t("invalid_dataset", lang, **counts))
    else:
        text = t("valid_dataset", lang, **counts)
        if len(checked.names) > 1:
            text += ("；" if lang == "zh" else "; ") + t("parts_merged", lang, n=len(checked.names))
        st.success(text)
    rows = problem_rows(checked, lang)
    if not rows:
        return
    if collapse_warnings and checked.dataset is not None:
        with st.expander(t("tab_n", lang, name=t("warnings", lang), n=len(rows))):
            st.dataframe(rows, width="stretch", hide_index=True)
    else:
        st.dataframe(rows, width="stretch", hide_index=True)
