"""Fuzzing every reader (issue 13): random bytes, random cells, truncated and corrupted files.

Whatever arrives, the outcome is a clean one: a valid dataset, a report of problems (file, row, column,
value, reason), or an :class:`UnreadableDataset` whose message names the file — never any other exception.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tracegraph._raw import UnreadableDataset
from tracegraph.io import check_dataset, check_upload, read_dataset, write_dataset
from tracegraph.models import TABLES
from tracegraph.validation import Report

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "standards" / "zaozhuang"
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                       HealthCheck.function_scoped_fixture])


@cache
def valid_files() -> dict[str, bytes]:
    """The Zaozhuang sample as a zip, a workbook and a JSON document."""
    dataset = read_dataset(SAMPLE)
    out = {}
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        for name in ("ds.xlsx", "ds.json"):
            out[name] = write_dataset(dataset, Path(tmp) / name, include_optional=True).read_bytes()
        folder = write_dataset(dataset, Path(tmp) / "ds", include_optional=True)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(folder.glob("*.csv")):
                archive.writestr(path.name, path.read_bytes())
        out["ds.zip"] = buffer.getvalue()
    return out


def outcome(read) -> str:
    """'valid', 'invalid' or 'unreadable'; anything else raised fails the test with its traceback."""
    try:
        dataset, report = read()
    except UnreadableDataset as exc:
        assert str(exc).strip() and "\n" not in str(exc).strip()
        return "unreadable"
    assert isinstance(report, Report)
    for problem in report.errors + report.warnings:
        assert problem.file and problem.message
    assert (dataset is None) == bool(report.errors)
    return "valid" if dataset is not None else "invalid"


# --- random bytes ---------------------------------------------------------------------------------------
@FUZZ
@given(data=st.binary(max_size=4096), suffix=st.sampled_from([".zip", ".xlsx", ".json"]))
def test_random_bytes_as_an_upload(data, suffix):
    outcome(lambda: check_upload(f"upload{suffix}", data))


@FUZZ
@given(data=st.binary(max_size=4096), table=st.sampled_from([t.table for t in TABLES]))
def test_random_bytes_as_one_csv_of_a_folder(tmp_path_factory, data, table):
    folder = tmp_path_factory.mktemp("ds")
    for path in SAMPLE.glob("*.csv"):
        (folder / path.name).write_bytes(path.read_bytes())
    (folder / f"{table}.csv").write_bytes(data)
    outcome(lambda: check_dataset(folder))


@FUZZ
@given(data=st.binary(max_size=2048))
def test_random_bytes_as_a_zip_member(data):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("regions.csv", data)
    outcome(lambda: check_upload("m.zip", buffer.getvalue()))


# --- truncated and corrupted files ------------------------------------------------------------------------
@FUZZ
@given(name=st.sampled_from(["ds.zip", "ds.xlsx", "ds.json"]), cut=st.floats(0, 1, exclude_max=True))
def test_a_truncated_file(name, cut):
    data = valid_files()[name]
    assert outcome(lambda: check_upload(name, data[: int(len(data) * cut)])) != "valid" or cut > 0.99


@FUZZ
@given(name=st.sampled_from(["ds.zip", "ds.xlsx", "ds.json"]),
       flips=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(1, 255)), min_size=1, max_size=8))
@example(name="ds.xlsx", flips=[(0.9999416912273228, 32)])  # a member offset before the file: zipfile's ValueError
def test_a_corrupted_file(name, flips):
    data = bytearray(valid_files()[name])
    for where, mask in flips:
        data[int(len(data) * where)] ^= mask
    outcome(lambda: check_upload(name, bytes(data)))


# --- random cells -----------------------------------------------------------------------------------------
CELL = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", " ", "nan", "inf", "-inf", "1e999", "-0", "0x10", "１２", "2026-02-30", "2026-13-01",
                     "true", "是", "None", "null", "[1]", "{}", "=1+1", "\u200b", "\ufeff", "a;b;;c", "3.5",
                     "99999999999999999999999", "370402", "IT001", "PROV"]),
)


@FUZZ
@given(table=st.sampled_from([t for t in TABLES]), rows=st.lists(st.lists(CELL, max_size=12), max_size=6),
       ragged=st.booleans())
def test_random_cells_in_a_csv_table(tmp_path_factory, table, rows, ragged):
    folder = tmp_path_factory.mktemp("ds")
    for path in SAMPLE.glob("*.csv"):
        (folder / path.name).write_bytes(path.read_bytes())
    headers = list(table.model_fields)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    for row in rows:
        writer.writerow(row if ragged else (row + [""] * len(headers))[: len(headers)])
    (folder / f"{table.table}.csv").write_text(buffer.getvalue(), encoding="utf-8")
    outcome(lambda: check_dataset(folder))


JSON_CELL = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
                         lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                                     max_size=3), max_leaves=6)


@FUZZ
@given(table=st.sampled_from([t for t in TABLES]),
       records=st.lists(st.dictionaries(st.sampled_from(["id", "code", "name", "region", "count", "level",
                                                         "parent", "valid_until", "serves", "x"]), JSON_CELL,
                                        max_size=6), max_size=5))
def test_random_cells_in_a_json_table(table, records):
    doc = json.loads(valid_files()["ds.json"])
    doc[table.table] = records
    outcome(lambda: check_upload("ds.json", json.dumps(doc, allow_nan=True).encode()))


@FUZZ
@given(doc=st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=10),
                        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
                            st.sampled_from([t.table for t in TABLES] + ["x"]), inner, max_size=4), max_leaves=10))
def test_random_json_documents(doc):
    outcome(lambda: check_upload("d.json", json.dumps(doc).encode()))


@settings(FUZZ, max_examples=15)  # each example writes and reads a whole workbook
@given(table=st.sampled_from([t.table for t in TABLES]), rows=st.lists(st.lists(CELL, max_size=8), max_size=5))
def test_random_cells_in_a_worksheet(table, rows):
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(valid_files()["ds.xlsx"]))
    sheet = book[table]
    for row in rows:
        sheet.append([_xlsx_value(v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    outcome(lambda: check_upload("ds.xlsx", buffer.getvalue()))


def _xlsx_value(text: str) -> object:
    """Numbers as numbers and text as text, as a spreadsheet would store what a person typed (less the control
    characters a worksheet cannot hold: openpyxl refuses to write them)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    try:
        return float(text) if text.strip() and text.strip() not in ("nan", "inf", "-inf") else text
    except ValueError:
        return text


def test_deeply_nested_json_is_one_clear_error():
    with pytest.raises(UnreadableDataset, match=r"^d.json: invalid JSON \(nested too deeply\)"):
        check_upload("d.json", b"[" * 100_000 + b"]" * 100_000)


def test_the_valid_files_read_as_valid():
    for name, data in valid_files().items():
        assert outcome(lambda data=data, name=name: check_upload(name, data)) == "valid"


# --- the files read apart from a dataset: a column map, a targets file ------------------------------------
@FUZZ
@given(data=st.one_of(st.binary(max_size=1024), st.lists(st.lists(CELL, max_size=4), max_size=5).map(
    lambda rows: "\n".join(",".join(r) for r in [["file", "column", "header"], *rows]).encode())))
def test_random_column_maps(tmp_path_factory, data):
    from tracegraph.io import read_columns

    path = tmp_path_factory.mktemp("map") / "columns.csv"
    path.write_bytes(data)
    try:
        mapping = read_columns(path)
    except UnreadableDataset as exc:
        assert "\n" not in str(exc).strip()
        return
    assert all(isinstance(h, str) and isinstance(f, str) for m in mapping.values() for h, f in m.items())


@FUZZ
@given(data=st.one_of(st.binary(max_size=1024), st.lists(st.lists(CELL, max_size=10), max_size=5).map(
    lambda rows: "\n".join(",".join(r) for r in [["id", "region", "metric", "threshold"], *rows]).encode())))
def test_random_targets_files(tmp_path_factory, data):
    from tracegraph.io import read_targets

    path = tmp_path_factory.mktemp("targets") / "targets.csv"
    path.write_bytes(data)
    try:
        rows, report = read_targets(path)
    except UnreadableDataset as exc:
        assert "\n" not in str(exc).strip()
        return
    assert all(p.file == "targets.csv" and p.message for p in report.errors + report.warnings)
    assert all(r.metric for r in rows)


# --- the columnar CSV reader against the csv module ----------------------------------------------------------
# Bytes a CSV file is made of, odd ones included: separators, quotes, CR, LF, NUL, BOM, spaces, non-UTF-8.
PIECE = st.sampled_from([b",", b"\n", b"\r\n", b"\r", b'"', b" ", b"\t", b"\x00", b"\xef\xbb\xbf", b"\xff", b"a",
                         b"1", b"S1", "县".encode(), "县".encode("gb18030"), b"2026-01-01", b"\xe2\x80\xa8", b"\x0c"])


def read_both(data: bytes, limits):
    """(columnar-or-csv, csv module) outcomes of one file: its headers and rows, or the unreadable message."""
    from tracegraph import _raw

    def outcome_of(read):
        try:
            table = read()
        except UnreadableDataset as exc:
            return str(exc)
        return table.headers, table.rows, table.numbers(), table.columns(list(range(len(table.headers) + 1)))

    return (outcome_of(lambda: _raw._table_from_bytes("demand", "demand.csv", data, limits)),
            outcome_of(lambda: _raw._csv_table("demand", "demand.csv", _raw.decode(data, "demand.csv"), limits)))


@settings(FUZZ, max_examples=400)
@given(pieces=st.lists(PIECE, max_size=40), rows=st.lists(st.lists(CELL, min_size=3, max_size=3), max_size=5),
       plain=st.booleans(), max_rows=st.sampled_from([3, 100]), max_cell=st.sampled_from([4, 1000]))
def test_the_columnar_reader_reads_as_the_csv_module(pieces, rows, plain, max_rows, max_cell):
    """Whatever the bytes (random pieces, or rows csv.writer wrote), the table read a column at a time is the
    table the csv module reads: the same headers, rows, row numbers and columns, or the same error."""
    from tracegraph.limits import Limits

    if plain:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows([["region", "instrument_type", "count"], *rows])
        data = buffer.getvalue().encode("utf-8-sig")
    else:
        data = b"region,instrument_type,count\n" + b"".join(pieces)
    fast, slow = read_both(data, Limits(max_rows=max_rows, max_cell_chars=max_cell))
    assert fast == slow


def test_a_plain_file_is_read_a_column_at_a_time_and_any_other_by_the_csv_module():
    """Which reader reads what: the test above would pass if the columnar one were never used."""
    from tracegraph import _raw
    from tracegraph.limits import Limits

    limits = Limits()
    plain = "\ufeffregion,instrument_type,count\r\n370402,IT001,5\r\n370402, IT002 ,\r\n".encode()
    table = _raw._table_from_bytes("demand", "demand.csv", plain, limits)
    assert [c.tolist() for c in table._columns] == [["370402", "370402"], ["IT001", " IT002 "], ["5", ""]]
    assert table.rows == [(2, ["370402", "IT001", "5"]), (3, ["370402", " IT002 ", ""])]
    for other in (plain.replace(b"IT001", b'"IT001"'), plain.replace(b"\r\n370402, IT", b"\r\n\r\n370402, IT"),
                  plain.replace(b",5", b",5,6"), plain.replace(b"IT001", "县".encode("gb18030")),
                  plain.replace(b"\r\n", b"\r")):
        assert _raw._columnar_table("demand", "demand.csv", other, limits) is None
        assert _raw._table_from_bytes("demand", "demand.csv", other, limits).rows  # read by the csv module
    assert _raw._columnar_table("demand", "demand.csv", plain, Limits(max_rows=2)) is None
    assert _raw._columnar_table("demand", "demand.csv", plain, Limits(max_cell_chars=5)) is None
