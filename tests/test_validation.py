"""Validation of the import template, checked against ``spec/dataset.md``.

Every test writes a valid dataset to disk with ``write_dataset``, corrupts one cell or row
in the CSV files the way a planner would in Excel, and checks what the report says: the
exact file, spreadsheet row (header = row 1), column and value, and a plain message.
Any error means nothing is returned (``check_dataset`` gives ``None``, ``read_dataset`` raises).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import builders as b
import pytest

from tracegraph.io import check_dataset, read_dataset, write_dataset
from tracegraph.models import Candidate, Dataset, Institution, InstrumentType, Region, Standard, Target
from tracegraph.validation import DatasetError, Problem, Report

AS_OF = b.AS_OF  # 2026-01-01

# Words that betray a library's error text instead of a message written for a planner.
_TECHNICAL = (
    "pydantic", "validation error", "input_value", "input_type", "type=", "value error,", "literal_error",
    "errors.pydantic.dev", "traceback", "field required", "literal[", "{'", "int_parsing", "date_from",
    "exception", "nonetype",
)


# --------------------------------------------------------------------------------------------
# helpers: a valid dataset on disk, and edits of its CSV cells as a planner would make them
# --------------------------------------------------------------------------------------------


def base_dataset(**extra) -> Dataset:
    """Valid at AS_OF with no warning: P (primary) ← S1 (province) ← S2 (city), S3 (county)."""
    return b.dataset(
        standards=[
            b.std("P", "NIM", ["T1"], primary=True),
            b.std("S1", "PROV", ["T1", "T2"]),
            b.std("S2", "CITY4", ["T1"]),
            b.std("S3", "CTY402", ["T2"]),
        ],
        links=[b.link("S1", "P"), b.link("S2", "S1"), b.link("S3", "S1")],
        demand=[b.need("370402", "T1", 10), b.need("370403", "T2", 5), b.need("370502", "T1", 3)],
        **extra,
    )


def optional_tables() -> dict:
    return {
        "candidates": [Candidate(id="K1", name="新建衡器标准", quantity="mass", verifies=["T1"], levels=["county"],
                                 build_cost=12.5)],
        "targets": [Target(id="G1", region="370000", metric="coverage", filter="all", threshold=0.9, year=2027)],
    }


@pytest.fixture
def ds_dir(tmp_path: Path) -> Path:
    return write_dataset(base_dataset(), tmp_path / "ds", "csv")


def _read(folder: Path, table: str) -> list[list[str]]:
    text = (folder / f"{table}.csv").read_text(encoding="utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))


def _write(folder: Path, table: str, rows: list[list[str]], encoding: str = "utf-8-sig") -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    (folder / f"{table}.csv").write_bytes(buffer.getvalue().encode(encoding))


def row_of(folder: Path, table: str, **key: str) -> int:
    """Spreadsheet row (header = row 1) of the first row whose cells match ``key``."""
    rows = _read(folder, table)
    header = rows[0]
    for number, cells in enumerate(rows[1:], start=2):
        if all(cells[header.index(c)] == v for c, v in key.items()):
            return number
    raise AssertionError(f"no row {key} in {table}.csv")


def set_cell(folder: Path, table: str, row: int, column: str, value: str) -> None:
    rows = _read(folder, table)
    rows[row - 1][rows[0].index(column)] = value
    _write(folder, table, rows)


def add_row(folder: Path, table: str, **cells: str) -> int:
    """Append a row (blank cells for columns not given); return its spreadsheet row."""
    rows = _read(folder, table)
    header = rows[0]
    assert set(cells) <= set(header), f"unknown columns {set(cells) - set(header)}"
    rows.append([cells.get(h, "") for h in header])
    _write(folder, table, rows)
    return len(rows)


def copy_row(folder: Path, table: str, row: int, **changes: str) -> int:
    rows = _read(folder, table)
    header = rows[0]
    copy = list(rows[row - 1])
    for column, value in changes.items():
        copy[header.index(column)] = value
    rows.append(copy)
    _write(folder, table, rows)
    return len(rows)


def drop_column(folder: Path, table: str, column: str) -> None:
    rows = _read(folder, table)
    k = rows[0].index(column)
    _write(folder, table, [r[:k] + r[k + 1:] for r in rows])


def assert_plain(message: str) -> None:
    assert message and message.strip(), "empty message"
    assert "\n" not in message, f"message spans several lines: {message!r}"
    low = message.lower()
    for word in _TECHNICAL:
        assert word not in low, f"message is not plain language ({word!r}): {message!r}"
    assert len(message) < 300, f"message too long for a report: {message!r}"


def show(problems: list[Problem]) -> str:
    return "\n".join(str(p) for p in problems) or "(none)"


def find(problems: list[Problem], file: str, row: int | None, columns: str | tuple[str, ...]) -> Problem:
    columns = (columns,) if isinstance(columns, str) else columns
    hits = [p for p in problems if p.file == file and p.row == row and p.column in columns]
    assert hits, f"expected a problem at {file}, row {row}, column {'/'.join(columns)}; got:\n{show(problems)}"
    return hits[0]


def rejected(folder: Path) -> Report:
    """The dataset must be refused as a whole: no Dataset, and read_dataset raises with the report."""
    dataset, report = check_dataset(folder, AS_OF)
    assert dataset is None, "a dataset with errors must not be returned"
    assert report.errors, "expected at least one error"
    assert not report.ok
    with pytest.raises(DatasetError) as caught:
        read_dataset(folder, AS_OF)
    assert caught.value.report.errors == report.errors
    return report


def accepted(folder: Path) -> tuple[Dataset, Report]:
    dataset, report = check_dataset(folder, AS_OF)
    assert report.errors == [], f"unexpected errors:\n{show(report.errors)}"
    assert dataset is not None
    assert read_dataset(folder, AS_OF) == dataset
    return dataset, report


def error_at(folder: Path, file: str, row: int | None, columns: str | tuple[str, ...], value: str | None) -> Problem:
    report = rejected(folder)
    problem = find(report.errors, file, row, columns)
    assert problem.severity == "error"
    if value is None:
        assert problem.value in (None, ""), f"expected no value, got {problem.value!r}"
    else:
        assert problem.value == value, f"value: expected {value!r}, got {problem.value!r}"
    assert_plain(problem.message)
    assert problem.message_zh and problem.text("zh") == problem.message_zh, f"no Chinese for {problem}"
    assert problem.text("en") == problem.message
    return problem


# --------------------------------------------------------------------------------------------
# the starting point is valid
# --------------------------------------------------------------------------------------------


def test_base_dataset_is_valid_without_warnings(ds_dir: Path) -> None:
    dataset, report = accepted(ds_dir)
    assert report.warnings == [], show(report.warnings)
    assert dataset == base_dataset()


# --------------------------------------------------------------------------------------------
# errors, one test per class the spec lists
# --------------------------------------------------------------------------------------------

REQUIRED_FILES = ["regions", "institutions", "instrument_types", "standards", "traceability", "demand"]


@pytest.mark.parametrize("table", REQUIRED_FILES)
def test_missing_required_file(ds_dir: Path, table: str) -> None:
    (ds_dir / f"{table}.csv").unlink()
    report = rejected(ds_dir)
    hits = [p for p in report.errors if p.file == f"{table}.csv"]
    assert hits, f"no error names {table}.csv:\n{show(report.errors)}"
    assert hits[0].row is None
    assert_plain(hits[0].message)


def test_optional_files_may_be_missing(ds_dir: Path) -> None:
    assert not (ds_dir / "candidates.csv").exists()
    assert not (ds_dir / "targets.csv").exists()
    accepted(ds_dir)


# Required columns as the spec's tables list them (optional: kind, serves, primary,
# capacity_per_year, renewal_cost, calibrated_on, certificate_no of traceability).
REQUIRED_COLUMNS = [
    ("regions", c) for c in ("code", "name", "level", "parent")
] + [
    ("institutions", c) for c in ("id", "name", "level", "region")
] + [
    ("instrument_types", c)
    for c in ("code", "name", "quantity", "domain", "mandatory", "household_meter", "verification_period_months")
] + [
    ("standards", c)
    for c in ("id", "name", "institution", "quantity", "certificate_no", "certificate_expiry", "status", "verifies")
] + [
    ("traceability", c) for c in ("standard", "upstream", "valid_until")
] + [
    ("demand", c) for c in ("region", "instrument_type", "count")
]


@pytest.mark.parametrize(("table", "column"), [c for c in REQUIRED_COLUMNS if c != ("standards", "id")])
def test_missing_required_column(ds_dir: Path, table: str, column: str) -> None:
    drop_column(ds_dir, table, column)
    error_at(ds_dir, f"{table}.csv", 1, column, None)


def test_standard_id_column_may_give_way_to_certificate_numbers(ds_dir: Path) -> None:
    """changes.md: a blank id is the certificate number, so the id column may be left out when every
    standard has one; without either column the id is missing."""
    rows = _read(ds_dir, "standards")
    certificates = [r[rows[0].index("certificate_no")] for r in rows[1:]]
    named = {r[rows[0].index("id")]: c for r, c in zip(rows[1:], certificates, strict=True) if c}
    links = _read(ds_dir, "traceability")  # the links name the standards by certificate number too
    _write(ds_dir, "traceability", [links[0]] + [[named.get(c, c) for c in r] for r in links[1:]])
    drop_column(ds_dir, "standards", "id")
    ds, report = check_dataset(ds_dir, AS_OF)
    if all(certificates):
        assert report.ok and [s.id for s in ds.standards] == certificates
    else:
        assert "bad_value" in {p.code for p in report.errors}
    drop_column(ds_dir, "standards", "certificate_no")
    error_at(ds_dir, "standards.csv", 1, "id", None)


@pytest.mark.parametrize(("table", "column"), [
    ("institutions", "kind"), ("institutions", "serves"), ("standards", "capacity_per_year"),
    ("standards", "renewal_cost"), ("traceability", "calibrated_on"), ("traceability", "certificate_no"),
])
def test_optional_column_may_be_missing(ds_dir: Path, table: str, column: str) -> None:
    drop_column(ds_dir, table, column)
    dataset, _ = accepted(ds_dir)
    assert dataset == base_dataset()  # their defaults are the values the base dataset has


@pytest.mark.parametrize(("table", "column", "key"), [
    ("regions", "code", "370502"),
    ("institutions", "id", "CTY403"),
    ("instrument_types", "code", "T2"),
    ("standards", "id", "S2"),
    ("candidates", "id", "K1"),
    ("targets", "id", "G1"),
])
def test_duplicate_id_or_code(tmp_path: Path, table: str, column: str, key: str) -> None:
    folder = write_dataset(base_dataset(**optional_tables()), tmp_path / "ds", "csv")
    accepted(folder)
    first = row_of(folder, table, **{column: key})
    changes = {"name": "另一个名称"} if "name" in _read(folder, table)[0] else {}
    second = copy_row(folder, table, first, **changes)
    problem = error_at(folder, f"{table}.csv", second, column, key)
    assert problem.row == second  # the repeat is pointed at, not the original


UNKNOWN_REFERENCES = [
    # table, key of the row to edit, column, new cell, the unknown value to report
    ("regions", {"code": "370502"}, "parent", "379900", "379900"),
    ("institutions", {"id": "CITY4"}, "region", "379900", "379900"),
    ("institutions", {"id": "CTY402"}, "serves", "370403;379900", "379900"),
    ("standards", {"id": "S2"}, "institution", "NO-SUCH-INST", "NO-SUCH-INST"),
    ("standards", {"id": "S2"}, "verifies", "T1;T9", "T9"),
    ("traceability", {"standard": "S2", "upstream": "S1"}, "standard", "S9", "S9"),
    ("traceability", {"standard": "S3", "upstream": "S1"}, "upstream", "S9", "S9"),
    ("demand", {"region": "370403", "instrument_type": "T2"}, "region", "379900", "379900"),
    ("demand", {"region": "370402", "instrument_type": "T1"}, "instrument_type", "T9", "T9"),
]


@pytest.mark.parametrize(("table", "key", "column", "cell", "unknown"), UNKNOWN_REFERENCES,
                         ids=[f"{t}.{c}" for t, _, c, _, _ in UNKNOWN_REFERENCES])
def test_unknown_reference(ds_dir: Path, table: str, key: dict, column: str, cell: str, unknown: str) -> None:
    row = row_of(ds_dir, table, **key)
    set_cell(ds_dir, table, row, column, cell)
    report = rejected(ds_dir)
    problem = find(report.errors, f"{table}.csv", row, column)
    # In a list cell the unknown entry itself must be named (the whole cell is acceptable if it shows it).
    assert problem.value is not None and unknown in problem.value, f"value {problem.value!r} lacks {unknown!r}"
    if cell == unknown:
        assert problem.value == unknown
    assert_plain(problem.message)


@pytest.mark.parametrize(("code", "parent"), [("370402", "370000"), ("370403", "370402")],
                         ids=["county-under-province", "county-under-county"])
def test_county_parent_must_be_a_city(ds_dir: Path, code: str, parent: str) -> None:
    row = row_of(ds_dir, "regions", code=code)
    set_cell(ds_dir, "regions", row, "parent", parent)
    error_at(ds_dir, "regions.csv", row, "parent", parent)


@pytest.mark.parametrize("parent", ["370400", "370402"], ids=["city-under-city", "city-under-county"])
def test_city_parent_must_be_a_province(ds_dir: Path, parent: str) -> None:
    row = row_of(ds_dir, "regions", code="370500")
    set_cell(ds_dir, "regions", row, "parent", parent)
    error_at(ds_dir, "regions.csv", row, "parent", parent)


def test_parent_blank_only_for_a_province(ds_dir: Path) -> None:
    row = row_of(ds_dir, "regions", code="370400")
    set_cell(ds_dir, "regions", row, "parent", "")
    error_at(ds_dir, "regions.csv", row, "parent", None)


def test_institution_level_must_match_its_region_level(ds_dir: Path) -> None:
    row = row_of(ds_dir, "institutions", id="CITY4")
    set_cell(ds_dir, "institutions", row, "region", "370402")  # a city institute placed in a county
    report = rejected(ds_dir)
    problem = find(report.errors, "institutions.csv", row, ("level", "region"))
    # Either column is a fair place to point at; the value must be that column's cell.
    assert problem.value == {"level": "city", "region": "370402"}[problem.column]
    assert_plain(problem.message)


def test_national_institution_may_sit_in_any_region(ds_dir: Path) -> None:
    row = row_of(ds_dir, "institutions", id="NIM")
    set_cell(ds_dir, "institutions", row, "region", "370000")  # a national institute in a province
    dataset, _ = accepted(ds_dir)
    assert next(i for i in dataset.institutions if i.id == "NIM").region == "370000"


def test_region_blank_only_for_national_institution(ds_dir: Path) -> None:
    row = row_of(ds_dir, "institutions", id="PROV")
    set_cell(ds_dir, "institutions", row, "region", "")
    error_at(ds_dir, "institutions.csv", row, "region", None)


BAD_DATES = [
    ("standards", {"id": "S1"}, "certificate_expiry", "2027/01/01"),
    ("standards", {"id": "S2"}, "certificate_expiry", "31.12.2027"),
    ("traceability", {"standard": "S2", "upstream": "S1"}, "valid_until", "2027-02-30"),
    ("traceability", {"standard": "S3", "upstream": "S1"}, "calibrated_on", "yesterday"),
]


@pytest.mark.parametrize(("table", "key", "column", "cell"), BAD_DATES,
                         ids=[f"{t}.{c}={v}" for t, _, c, v in BAD_DATES])
def test_bad_date(ds_dir: Path, table: str, key: dict, column: str, cell: str) -> None:
    row = row_of(ds_dir, table, **key)
    set_cell(ds_dir, table, row, column, cell)
    error_at(ds_dir, f"{table}.csv", row, column, cell)


BAD_NUMBERS = [
    ("instrument_types", {"code": "T1"}, "verification_period_months", "twelve"),
    ("instrument_types", {"code": "T2"}, "verification_period_months", "0"),  # must be > 0
    ("standards", {"id": "S1"}, "capacity_per_year", "lots"),
    ("standards", {"id": "S3"}, "capacity_per_year", "-1"),  # integer ≥ 0
    ("standards", {"id": "S2"}, "renewal_cost", "cheap"),
    ("demand", {"region": "370402", "instrument_type": "T1"}, "count", "3.5"),
    ("demand", {"region": "370403", "instrument_type": "T2"}, "count", "many"),
]


@pytest.mark.parametrize(("table", "key", "column", "cell"), BAD_NUMBERS,
                         ids=[f"{t}.{c}={v}" for t, _, c, v in BAD_NUMBERS])
def test_bad_number(ds_dir: Path, table: str, key: dict, column: str, cell: str) -> None:
    row = row_of(ds_dir, table, **key)
    set_cell(ds_dir, table, row, column, cell)
    error_at(ds_dir, f"{table}.csv", row, column, cell)


BAD_ENUMS = [
    ("regions", {"code": "370403"}, "level", "town"),
    ("regions", {"code": "370403"}, "level", "national"),  # an institution level, not a region level
    ("institutions", {"id": "CTY403"}, "level", "village"),
    ("institutions", {"id": "CTY403"}, "kind", "private"),
    ("instrument_types", {"code": "T2"}, "domain", "finance"),
    ("standards", {"id": "S2"}, "status", "active"),
    ("instrument_types", {"code": "T2"}, "mandatory", "maybe"),
]


@pytest.mark.parametrize(("table", "key", "column", "cell"), BAD_ENUMS,
                         ids=[f"{t}.{c}={v}" for t, _, c, v in BAD_ENUMS])
def test_bad_enum(ds_dir: Path, table: str, key: dict, column: str, cell: str) -> None:
    row = row_of(ds_dir, table, **key)
    set_cell(ds_dir, table, row, column, cell)
    error_at(ds_dir, f"{table}.csv", row, column, cell)


def test_negative_count(ds_dir: Path) -> None:
    row = row_of(ds_dir, "demand", region="370403", instrument_type="T2")
    set_cell(ds_dir, "demand", row, "count", "-5")
    error_at(ds_dir, "demand.csv", row, "count", "-5")


@pytest.mark.parametrize("region", ["370400", "370000"], ids=["city", "province"])
def test_demand_region_must_be_a_county(ds_dir: Path, region: str) -> None:
    row = row_of(ds_dir, "demand", region="370402", instrument_type="T1")
    set_cell(ds_dir, "demand", row, "region", region)
    error_at(ds_dir, "demand.csv", row, "region", region)


def test_two_demand_rows_for_one_region_and_type(ds_dir: Path) -> None:
    row = add_row(ds_dir, "demand", region="370402", instrument_type="T1", count="7")
    report = rejected(ds_dir)
    hits = [p for p in report.errors if p.file == "demand.csv" and p.row == row]
    assert hits, f"no error at demand.csv row {row}:\n{show(report.errors)}"
    problem = hits[0]
    assert problem.column is not None and ("region" in problem.column or "instrument_type" in problem.column)
    shown = f"{problem.value} {problem.message}"
    assert "370402" in shown and "T1" in shown, f"the repeated pair is not shown: {problem}"
    assert_plain(problem.message)


def test_non_primary_standard_needs_certificate_expiry(ds_dir: Path) -> None:
    row = row_of(ds_dir, "standards", id="S2")
    set_cell(ds_dir, "standards", row, "certificate_expiry", "")
    error_at(ds_dir, "standards.csv", row, "certificate_expiry", None)


def test_primary_standard_needs_no_certificate_expiry(ds_dir: Path) -> None:
    row = row_of(ds_dir, "standards", id="P")
    assert _read(ds_dir, "standards")[row - 1][_read(ds_dir, "standards")[0].index("certificate_expiry")] == ""
    accepted(ds_dir)


def test_traceability_link_to_itself(ds_dir: Path) -> None:
    row = row_of(ds_dir, "traceability", standard="S2", upstream="S1")
    set_cell(ds_dir, "traceability", row, "upstream", "S2")
    error_at(ds_dir, "traceability.csv", row, ("upstream", "standard"), "S2")


def test_traceability_cycle_of_two(ds_dir: Path) -> None:
    back = row_of(ds_dir, "traceability", standard="S2", upstream="S1")
    row = add_row(ds_dir, "traceability", standard="S1", upstream="S2", valid_until="2028-01-01")
    report = rejected(ds_dir)
    cycles = [p for p in report.errors if p.file == "traceability.csv" and {"S1", "S2"} <= _ids(p.message)]
    assert cycles, f"no error names the cycle S1, S2:\n{show(report.errors)}"
    problem = cycles[0]
    assert problem.row in (back, row)
    assert problem.column in ("standard", "upstream")
    assert problem.value in ("S1", "S2")
    assert "P" not in _ids(problem.message) and "S3" not in _ids(problem.message)
    assert_plain(problem.message)


def test_traceability_cycle_of_three(ds_dir: Path) -> None:
    # S3 → S2 → S1 → S3 (P stays outside the cycle, S1 still also traces to P).
    r3 = row_of(ds_dir, "traceability", standard="S3", upstream="S1")
    set_cell(ds_dir, "traceability", r3, "upstream", "S2")
    r2 = row_of(ds_dir, "traceability", standard="S2", upstream="S1")
    r1 = add_row(ds_dir, "traceability", standard="S1", upstream="S3", valid_until="2028-01-01")
    report = rejected(ds_dir)
    cycles = [p for p in report.errors if {"S1", "S2", "S3"} <= _ids(p.message)]
    assert cycles, f"no error names the whole cycle S1, S2, S3:\n{show(report.errors)}"
    problem = cycles[0]
    assert problem.file == "traceability.csv"
    assert problem.row in (r1, r2, r3)
    assert "P" not in _ids(problem.message)
    assert_plain(problem.message)


def _ids(message: str) -> set[str]:
    """The standard ids a message names (ids of this dataset are short ASCII words)."""
    import re

    return set(re.findall(r"\b[A-Z][A-Z0-9]*\b", message))


# --------------------------------------------------------------------------------------------
# warnings: reported, never fatal
# --------------------------------------------------------------------------------------------


def _warned(folder: Path, file: str, row: int, column: str, value: str | None) -> tuple[Dataset, Problem]:
    dataset, report = accepted(folder)
    problem = find(report.warnings, file, row, column)
    assert problem.severity == "warning"
    if value is None:
        assert problem.value in (None, "")
    else:
        assert problem.value == value
    assert_plain(problem.message)
    assert problem.message_zh, f"no Chinese for {problem}"
    return dataset, problem


def test_warning_certificate_expired(ds_dir: Path) -> None:
    row = row_of(ds_dir, "standards", id="S2")
    set_cell(ds_dir, "standards", row, "certificate_expiry", "2025-06-01")
    dataset, _ = _warned(ds_dir, "standards.csv", row, "certificate_expiry", "2025-06-01")
    assert next(s for s in dataset.standards if s.id == "S2").certificate_expiry == dt.date(2025, 6, 1)


@pytest.mark.parametrize("expiry", ["2026-01-01", "2026-03-15", "2026-06-29"])
def test_warning_certificate_expiring_within_180_days(ds_dir: Path, expiry: str) -> None:
    row = row_of(ds_dir, "standards", id="S1")
    set_cell(ds_dir, "standards", row, "certificate_expiry", expiry)
    _, problem = _warned(ds_dir, "standards.csv", row, "certificate_expiry", expiry)
    # Still valid up to its expiry day (certificate_expiry ≥ D): expiring, not expired.
    assert "expired" not in problem.message.lower()
    _, report = check_dataset(ds_dir, AS_OF)
    assert len([p for p in report.warnings if p.row == row and p.file == "standards.csv"]) == 1


def test_no_warning_for_certificate_beyond_180_days(ds_dir: Path) -> None:
    row = row_of(ds_dir, "standards", id="S1")
    set_cell(ds_dir, "standards", row, "certificate_expiry", "2026-08-01")  # 212 days after AS_OF
    _, report = accepted(ds_dir)
    assert report.warnings == [], show(report.warnings)


def test_warning_standard_verifies_nothing(ds_dir: Path) -> None:
    row = row_of(ds_dir, "standards", id="S2")
    set_cell(ds_dir, "standards", row, "verifies", "")
    dataset, _ = _warned(ds_dir, "standards.csv", row, "verifies", None)
    assert next(s for s in dataset.standards if s.id == "S2").verifies == []


def test_warning_demand_for_type_no_standard_verifies(ds_dir: Path) -> None:
    add_row(ds_dir, "instrument_types", code="T3", name="水表", quantity="volume", domain="trade",
            mandatory="true", household_meter="true", verification_period_months="72")
    row = add_row(ds_dir, "demand", region="370403", instrument_type="T3", count="40")
    dataset, _ = _warned(ds_dir, "demand.csv", row, "instrument_type", "T3")
    assert any(d.instrument_type == "T3" and d.count == 40 for d in dataset.demand)


def test_primary_standard_verifying_nothing_draws_no_warning(ds_dir: Path) -> None:
    """A primary standard need not verify instruments (dataset.md): P with blank verifies is quiet."""
    set_cell(ds_dir, "standards", row_of(ds_dir, "standards", id="P"), "verifies", "")
    _, report = accepted(ds_dir)
    assert report.warnings == [], show(report.warnings)


def _coded(folder: Path, code: str) -> list[Problem]:
    _, report = check_dataset(folder, AS_OF)
    return [p for p in report.errors + report.warnings if p.code == code]


def test_link_calibrated_after_its_valid_until_is_an_error(ds_dir: Path) -> None:
    """S3 → S1 valid until 2028-01-01 but calibrated on 2028-01-02: an error at the calibrated_on cell."""
    row = row_of(ds_dir, "traceability", standard="S3", upstream="S1")
    set_cell(ds_dir, "traceability", row, "calibrated_on", "2028-01-02")
    problem = error_at(ds_dir, "traceability.csv", row, "calibrated_on", "2028-01-02")
    assert problem.code == "calibrated_after_expiry"
    assert "2028-01-01" in problem.message and "2028-01-01" in problem.message_zh


def test_link_calibrated_on_its_valid_until_is_fine(ds_dir: Path) -> None:
    """calibrated_on = valid_until (and before D): no error, no warning."""
    row = row_of(ds_dir, "traceability", standard="S3", upstream="S1")
    set_cell(ds_dir, "traceability", row, "valid_until", "2025-12-01")
    set_cell(ds_dir, "traceability", row, "calibrated_on", "2025-12-01")
    _, report = accepted(ds_dir)
    assert report.warnings == [], show(report.warnings)


def test_warning_calibration_dated_after_the_as_of_date(ds_dir: Path) -> None:
    """A calibration on D+1 (2026-01-02) is a warning (the link does not count until then); on D, none."""
    row = row_of(ds_dir, "traceability", standard="S2", upstream="S1")
    set_cell(ds_dir, "traceability", row, "calibrated_on", "2026-01-02")
    dataset, problem = _warned(ds_dir, "traceability.csv", row, "calibrated_on", "2026-01-02")
    assert problem.code == "calibrated_after_as_of" and "2026-01-01" in problem.message
    assert next(lk for lk in dataset.traceability if lk.standard == "S2").calibrated_on == dt.date(2026, 1, 2)
    set_cell(ds_dir, "traceability", row, "calibrated_on", "2026-01-01")
    assert _coded(ds_dir, "calibrated_after_as_of") == []


def test_warning_upstream_of_another_quantity(ds_dir: Path) -> None:
    """S2 measures volume, its upstream S1 mass: a warning on the link's upstream cell, naming both."""
    set_cell(ds_dir, "standards", row_of(ds_dir, "standards", id="S2"), "quantity", "volume")
    row = row_of(ds_dir, "traceability", standard="S2", upstream="S1")
    _, problem = _warned(ds_dir, "traceability.csv", row, "upstream", "S1")
    assert problem.code == "upstream_quantity"
    assert "volume" in problem.message and "mass" in problem.message and "volume" in problem.message_zh
    assert len(_coded(ds_dir, "upstream_quantity")) == 1


def test_warning_upstream_held_at_a_lower_level(ds_dir: Path) -> None:
    """S2 (city) → S3 (county): the upstream is lower; a warning on that link only."""
    row = add_row(ds_dir, "traceability", standard="S2", upstream="S3", valid_until="2028-01-01")
    _, problem = _warned(ds_dir, "traceability.csv", row, "upstream", "S3")
    assert problem.code == "upstream_level"
    assert "county" in problem.message and "city" in problem.message and "县级" in problem.message_zh
    assert len(_coded(ds_dir, "upstream_level")) == 1


def test_warning_upstream_held_at_the_same_level(ds_dir: Path) -> None:
    """S3 moved to CTY403 (county) and linked to S4 at CTY402 (county): same level, a warning."""
    add_row(ds_dir, "standards", id="S4", name="Std S4", institution="CTY402", quantity="mass",
            certificate_no="C-S4", certificate_expiry="2028-01-01", status="in_service", primary="false",
            verifies="T2")
    add_row(ds_dir, "traceability", standard="S4", upstream="S1", valid_until="2028-01-01")
    set_cell(ds_dir, "standards", row_of(ds_dir, "standards", id="S3"), "institution", "CTY403")
    row = add_row(ds_dir, "traceability", standard="S3", upstream="S4", valid_until="2028-01-01")
    _, problem = _warned(ds_dir, "traceability.csv", row, "upstream", "S4")
    assert problem.code == "upstream_level"


def test_national_and_primary_upstreams_are_never_too_low(ds_dir: Path) -> None:
    """N2 (NIM) → N1 (NIM): same level, but held by a national institution. P moved to PROV (a primary
    held at province level) with S1 (province) → P: same level, but primary. Neither warns."""
    for sid in ("N1", "N2"):
        add_row(ds_dir, "standards", id=sid, name=f"Std {sid}", institution="NIM", quantity="mass",
                certificate_no=f"C-{sid}", certificate_expiry="2028-01-01", status="in_service", primary="false",
                verifies="T1")
    add_row(ds_dir, "traceability", standard="N1", upstream="P", valid_until="2028-01-01")
    add_row(ds_dir, "traceability", standard="N2", upstream="N1", valid_until="2028-01-01")
    set_cell(ds_dir, "standards", row_of(ds_dir, "standards", id="P"), "institution", "PROV")
    _, report = accepted(ds_dir)
    assert report.warnings == [], show(report.warnings)


# --------------------------------------------------------------------------------------------
# every problem is collected
# --------------------------------------------------------------------------------------------


def test_every_problem_is_collected(ds_dir: Path) -> None:
    places = {
        "standards": (row_of(ds_dir, "standards", id="S1"), "certificate_expiry", "2027/01/01"),
        "institutions": (row_of(ds_dir, "institutions", id="CTY402"), "region", "379900"),
        "demand": (row_of(ds_dir, "demand", region="370502", instrument_type="T1"), "count", "-3"),
        "traceability": (row_of(ds_dir, "traceability", standard="S3", upstream="S1"), "upstream", "S3"),
        "instrument_types": (row_of(ds_dir, "instrument_types", code="T2"), "domain", "finance"),
    }
    for table, (row, column, cell) in places.items():
        set_cell(ds_dir, table, row, column, cell)
    report = rejected(ds_dir)
    for table, (row, column, cell) in places.items():
        problem = find(report.errors, f"{table}.csv", row, column)
        assert problem.value == cell
        assert_plain(problem.message)
    assert len({(p.file, p.row, p.column) for p in report.errors}) >= 5


def test_dataset_error_message_lists_the_problems(ds_dir: Path) -> None:
    row = row_of(ds_dir, "demand", region="370403", instrument_type="T2")
    set_cell(ds_dir, "demand", row, "count", "-5")
    with pytest.raises(DatasetError) as caught:
        read_dataset(ds_dir, AS_OF)
    text = str(caught.value)
    assert "demand.csv" in text and str(row) in text and "-5" in text


# --------------------------------------------------------------------------------------------
# what a planner's files look like: Chinese headers, encodings, booleans, lists, codes, enums
# --------------------------------------------------------------------------------------------


def chinese_dataset() -> Dataset:
    names = {"370000": "山东省", "370400": "枣庄市", "370402": "市中区", "370403": "薛城区", "370500": "东营市",
             "370502": "东营区"}
    ds = base_dataset()
    return ds.model_copy(update={
        "regions": [r.model_copy(update={"name": names[r.code]}) for r in ds.regions],
        "institutions": [i.model_copy(update={"name": f"{names.get(i.region or '', '中国')}计量测试所"})
                         for i in ds.institutions],
        "instrument_types": [
            t.model_copy(update={"name": {"T1": "电子台秤", "T2": "血压计"}[t.code], "quantity": "质量"})
            for t in ds.instrument_types
        ],
        "standards": [s.model_copy(update={"name": f"标准装置{s.id}", "certificate_no": f"［2025］鲁量标{s.id}号"})
                      for s in ds.standards],
    })


def test_chinese_headers(tmp_path: Path) -> None:
    folder = write_dataset(chinese_dataset(), tmp_path / "zh", "csv", lang="zh")
    header = _read(folder, "standards")[0]
    assert "标准编号" in header and "证书有效期至" in header and "id" not in header
    assert _read(folder, "regions")[0][:4] == ["代码", "名称", "级别", "上级代码"]
    dataset, _ = accepted(folder)
    assert dataset == chinese_dataset()


def test_chinese_headers_errors_point_at_the_column(tmp_path: Path) -> None:
    folder = write_dataset(chinese_dataset(), tmp_path / "zh", "csv", lang="zh")
    rows = _read(folder, "demand")
    rows[2][rows[0].index("在用数量")] = "-5"
    _write(folder, "demand", rows)
    error_at(folder, "demand.csv", 3, ("在用数量", "count"), "-5")


@pytest.mark.parametrize("encoding", ["gb18030", "gbk", "utf-8-sig", "utf-8"])
def test_csv_encodings(tmp_path: Path, encoding: str) -> None:
    folder = write_dataset(chinese_dataset(), tmp_path / "ds", "csv", lang="zh")
    for path in folder.glob("*.csv"):
        text = path.read_text(encoding="utf-8-sig")
        path.write_bytes(text.encode(encoding))
    raw = (folder / "regions.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") == (encoding == "utf-8-sig")
    if encoding in ("gb18030", "gbk"):
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")  # really not UTF-8: the reader must not guess it is
    dataset, _ = accepted(folder)
    assert dataset == chinese_dataset()
    assert {r.name for r in dataset.regions} >= {"山东省", "枣庄市"}


@pytest.mark.parametrize(("yes", "no"), [("true", "false"), ("1", "0"), ("yes", "no"), ("是", "否")])
def test_booleans(ds_dir: Path, yes: str, no: str) -> None:
    t1 = row_of(ds_dir, "instrument_types", code="T1")
    t2 = row_of(ds_dir, "instrument_types", code="T2")
    set_cell(ds_dir, "instrument_types", t1, "mandatory", yes)
    set_cell(ds_dir, "instrument_types", t1, "household_meter", no)
    set_cell(ds_dir, "instrument_types", t2, "mandatory", no)
    set_cell(ds_dir, "instrument_types", t2, "household_meter", yes)
    set_cell(ds_dir, "standards", row_of(ds_dir, "standards", id="P"), "primary", yes)
    set_cell(ds_dir, "standards", row_of(ds_dir, "standards", id="S1"), "primary", no)
    dataset, _ = accepted(ds_dir)
    types = {t.code: t for t in dataset.instrument_types}
    assert (types["T1"].mandatory, types["T1"].household_meter) == (True, False)
    assert (types["T2"].mandatory, types["T2"].household_meter) == (False, True)
    standards = {s.id: s for s in dataset.standards}
    assert standards["P"].primary is True
    assert standards["S1"].primary is False


def test_primary_defaults_to_false(ds_dir: Path) -> None:
    set_cell(ds_dir, "standards", row_of(ds_dir, "standards", id="S1"), "primary", "")
    dataset, _ = accepted(ds_dir)
    assert next(s for s in dataset.standards if s.id == "S1").primary is False


@pytest.mark.parametrize("sep", [";", "；", "; ", " ； "], ids=["ascii", "fullwidth", "ascii-space", "fullwidth-space"])
def test_lists_in_a_cell(ds_dir: Path, sep: str) -> None:
    set_cell(ds_dir, "standards", row_of(ds_dir, "standards", id="S2"), "verifies", f"T1{sep}T2")
    set_cell(ds_dir, "institutions", row_of(ds_dir, "institutions", id="CTY402"), "serves", f"370403{sep}370502")
    dataset, _ = accepted(ds_dir)
    assert next(s for s in dataset.standards if s.id == "S2").verifies == ["T1", "T2"]
    assert next(i for i in dataset.institutions if i.id == "CTY402").serves == ["370403", "370502"]


def leading_zero_dataset() -> Dataset:
    regions = [
        b.region("010000", "province", name="甲省"),
        b.region("010100", "city", "010000", name="乙市"),
        b.region("010101", "county", "010100", name="丙县"),
        b.region("010102", "county", "010100", name="丁县"),
    ]
    institutions = [
        b.inst("NIM", "national", None, serves=["010000"]),
        b.inst("PROV", "province", "010000"),
        b.inst("CITY", "city", "010100", serves=["010101"]),
        b.inst("CTY", "county", "010101", serves=["010102"]),
    ]
    return b.dataset(
        standards=[b.std("P", "NIM", ["T1"], primary=True), b.std("S1", "CTY", ["T1", "T2"])],
        links=[b.link("S1", "P")],
        demand=[b.need("010101", "T1", 4), b.need("010102", "T2", 9)],
        institutions=institutions, regions=regions,
    )


def test_leading_zeros_survive_in_csv(tmp_path: Path) -> None:
    folder = write_dataset(leading_zero_dataset(), tmp_path / "ds", "csv")
    assert "010100" in (folder / "regions.csv").read_text(encoding="utf-8-sig")
    dataset, _ = accepted(folder)
    assert [r.code for r in dataset.regions] == ["010000", "010100", "010101", "010102"]
    assert [r.parent for r in dataset.regions] == [None, "010000", "010100", "010100"]
    assert {d.region for d in dataset.demand} == {"010101", "010102"}
    assert dataset == leading_zero_dataset()


def _numeric_codes_xlsx(tmp_path: Path, columns: dict[str, tuple[str, ...]]) -> Path:
    """Excel turns 010100 typed in a cell into the number 10100: write those cells as numbers."""
    from openpyxl import load_workbook

    path = write_dataset(leading_zero_dataset(), tmp_path / "ds.xlsx", "xlsx")
    book = load_workbook(path)
    for sheet, names in columns.items():
        ws = book[sheet]
        header = [c.value for c in ws[1]]
        for column in names:
            k = header.index(column) + 1
            for r in range(2, ws.max_row + 1):
                cell = ws.cell(row=r, column=k)
                if cell.value not in (None, "") and str(cell.value).isdigit():
                    cell.value = int(cell.value)
    book.save(path)
    return path


def test_leading_zeros_survive_numeric_xlsx_cells(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    path = _numeric_codes_xlsx(tmp_path, {"regions": ("code", "parent"), "institutions": ("region",),
                                          "demand": ("region",)})
    book = load_workbook(path)
    assert book["regions"].cell(row=3, column=1).value == 10100  # really a number now
    assert book["demand"].cell(row=2, column=1).value == 10101
    dataset, _ = accepted(path)
    assert dataset == leading_zero_dataset()


def test_leading_zeros_survive_numeric_xlsx_list_cell(tmp_path: Path) -> None:
    """A `serves` cell holding one code is a number in Excel just like a single code cell."""
    from openpyxl import load_workbook

    path = _numeric_codes_xlsx(tmp_path, {"institutions": ("serves",)})
    book = load_workbook(path)
    header = [c.value for c in book["institutions"][1]]
    assert book["institutions"].cell(row=2, column=header.index("serves") + 1).value == 10000
    dataset, _ = accepted(path)
    assert {i.id: i.serves for i in dataset.institutions} == {
        "NIM": ["010000"], "PROV": [], "CITY": ["010101"], "CTY": ["010102"]}


def test_chinese_enum_values(ds_dir: Path) -> None:
    for code, word in {"370000": "省", "370400": "市", "370402": "县"}.items():
        set_cell(ds_dir, "regions", row_of(ds_dir, "regions", code=code), "level", word)
    for sid, word in {"S1": "在用", "S2": "暂停", "S3": "撤销"}.items():
        set_cell(ds_dir, "standards", row_of(ds_dir, "standards", id=sid), "status", word)
    set_cell(ds_dir, "institutions", row_of(ds_dir, "institutions", id="CTY403"), "kind", "授权")
    set_cell(ds_dir, "institutions", row_of(ds_dir, "institutions", id="CTY402"), "kind", "法定")
    set_cell(ds_dir, "instrument_types", row_of(ds_dir, "instrument_types", code="T1"), "domain", "贸易结算")
    dataset, _ = accepted(ds_dir)
    regions = {r.code: r.level for r in dataset.regions}
    assert (regions["370000"], regions["370400"], regions["370402"]) == ("province", "city", "county")
    status = {s.id: s.status for s in dataset.standards}
    assert (status["S1"], status["S2"], status["S3"]) == ("in_service", "suspended", "retired")
    kinds = {i.id: i.kind for i in dataset.institutions}
    assert (kinds["CTY403"], kinds["CTY402"]) == ("authorized", "legal")
    assert next(t for t in dataset.instrument_types if t.code == "T1").domain == "trade"


@pytest.mark.parametrize(("word", "domain"), [("贸易结算", "trade"), ("安全防护", "safety"), ("医疗卫生", "medical"),
                                              ("环境监测", "environment"), ("其他", "other")])
def test_chinese_domains(ds_dir: Path, word: str, domain: str) -> None:
    set_cell(ds_dir, "instrument_types", row_of(ds_dir, "instrument_types", code="T2"), "domain", word)
    dataset, _ = accepted(ds_dir)
    assert next(t for t in dataset.instrument_types if t.code == "T2").domain == domain


def test_kind_defaults_to_legal(ds_dir: Path) -> None:
    set_cell(ds_dir, "institutions", row_of(ds_dir, "institutions", id="CTY403"), "kind", "")
    dataset, _ = accepted(ds_dir)
    assert next(i for i in dataset.institutions if i.id == "CTY403").kind == "legal"


def test_models_used_here_are_the_template() -> None:
    # Guard: the helpers above edit columns by their English names; they must be the template's.
    assert list(Region.columns())[:4] == ["code", "name", "level", "parent"]
    assert "certificate_expiry" in Standard.columns() and "serves" in Institution.columns()
    assert "verification_period_months" in InstrumentType.columns()


# --------------------------------------------------------------------------------------------
# a report a planner can act on
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("table", "key", "column", "cell"), [
    ("standards", {"id": "S1"}, "certificate_expiry", "2027/01/01"),
    ("regions", {"code": "370403"}, "level", "town"),
    ("instrument_types", {"code": "T1"}, "verification_period_months", "twelve"),
], ids=["standard", "region", "instrument_type"])
def test_a_bad_cell_does_not_make_its_row_unknown(ds_dir: Path, table: str, key: dict, column: str,
                                                  cell: str) -> None:
    """The row with the bad cell is still in its file: rows referring to it do not refer to an
    unknown id/code, so the one mistake is reported once, where it is."""
    row = row_of(ds_dir, table, **key)
    set_cell(ds_dir, table, row, column, cell)
    report = rejected(ds_dir)
    find(report.errors, f"{table}.csv", row, column)
    assert len(report.errors) == 1, f"one bad cell, several errors:\n{show(report.errors)}"


def test_bad_region_level_message_offers_only_region_levels(ds_dir: Path) -> None:
    row = row_of(ds_dir, "regions", code="370403")
    set_cell(ds_dir, "regions", row, "level", "town")
    problem = error_at(ds_dir, "regions.csv", row, "level", "town")
    # A region is a province, city or county; "national" is an institution level only.
    assert "national" not in problem.message and "国家" not in problem.message
