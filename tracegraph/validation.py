"""Validation of a dataset exactly as ``spec/dataset.md`` says: every problem collected,
each with file, spreadsheet row, column, value and a plain message; any error means
nothing is loaded anywhere.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict, deque
from collections.abc import Iterable
from itertools import chain, compress, repeat
from operator import attrgetter, eq, itemgetter, ne, or_
from typing import Any, Literal, NamedTuple

from pydantic import BaseModel, ValidationError

from tracegraph import _fastparse, _parse
from tracegraph._gc import paused_gc
from tracegraph._raw import RawDataset, RawTable
from tracegraph.models import (
    COUNT_METRICS,
    LEVEL_RANK,
    MODELS,
    REQUIRED_TABLES,
    STALE_DAYS,
    TABLES,
    Dataset,
    Row,
)

EXPIRY_WARNING_DAYS = 180


class Problem(BaseModel):
    severity: Literal["error", "warning"]
    code: str
    file: str
    row: int | None = None
    column: str | None = None
    value: str | None = None
    message: str
    message_zh: str | None = None  # the same in Chinese (the reports default to Chinese)

    def text(self, lang: str = "zh") -> str:
        return self.message_zh if lang == "zh" and self.message_zh else self.message

    def __str__(self) -> str:
        where = (
            self.file + (f", row {self.row}" if self.row else "") + (f", column {self.column}" if self.column else "")
        )
        value = f" value {self.value!r}:" if self.value not in (None, "") else ""
        return f"{self.severity}: {where}:{value} {self.message}"


class Report(BaseModel):
    errors: list[Problem] = []
    warnings: list[Problem] = []

    @property
    def ok(self) -> bool:
        return not self.errors

    def add(
        self,
        severity: str,
        code: str,
        file: str,
        message: str,
        row: int | None = None,
        column: str | None = None,
        value: Any = None,
        zh: str | None = None,
    ) -> None:
        shown = None if value is None else _parse.text(value)
        problem = Problem(severity=severity, code=code, file=file, row=row, column=column, value=shown, message=message,
                          message_zh=zh)
        (self.errors if severity == "error" else self.warnings).append(problem)


class DatasetError(Exception):
    """Raised when a dataset has errors; carries the whole report."""

    def __init__(self, report: Report):
        self.report = report
        lines = [str(p) for p in report.errors[:20]]
        more = len(report.errors) - len(lines)
        super().__init__("dataset has errors:\n" + "\n".join(lines) + (f"\n… and {more} more" if more > 0 else ""))


class _Held(NamedTuple):
    """A table every row of which parsed, held as its checked columns until its rows are asked for."""

    model: type[Row]
    numbers: list[int]
    checked: _fastparse.Checked

    def make(self) -> list[Row]:
        return _fastparse.make_rows(self.model, self.checked)  # type: ignore[return-value] - none failed


class _Rows(dict[str, list[tuple[int, Row]]]):
    """Table → its (row number, row) pairs; a table held as columns gets its rows on first use."""

    def __init__(self, held: dict[str, _Held]) -> None:
        super().__init__()
        self.held = held

    def __missing__(self, table: str) -> list[tuple[int, Row]]:
        held = self.held.pop(table, None)
        rows = [] if held is None else list(zip(held.numbers, held.make(), strict=True))
        self[table] = rows
        return rows


class _Parsed:
    """Rows that parsed, with where they came from, per table.

    A table whose rows all parsed stays as columns (``held``): the cross-table checks read fields a column
    at a time (:meth:`column`), and the dataset gets the columns, its rows made only if something asks.
    ``rows[table]`` makes them at once, for the checks that go row by row.
    """

    def __init__(self) -> None:
        self.held: dict[str, _Held] = {}
        self.rows = _Rows(self.held)
        self.files: dict[str, str] = {}
        self.headers: dict[str, dict[str, str]] = {}  # table → field → header as written
        # Keys of rows that failed to parse: they exist, so references to them are not "unknown".
        self.broken: dict[str, set[str]] = defaultdict(set)

    def column(self, table: str, field: str) -> list[Any]:
        """``field`` of each parsed row of ``table``, in order (a list the table may hold: do not change it)."""
        held = self.held.get(table)
        if held is not None:
            return held.checked.values[field]
        return list(map(attrgetter(field), map(itemgetter(1), self.rows[table])))

    def numbers(self, table: str) -> list[int]:
        """The row numbers of the parsed rows of ``table``, in order."""
        held = self.held.get(table)
        return held.numbers if held is not None else list(map(itemgetter(0), self.rows[table]))

    def replace(self, table: str, position: int, update: dict[str, Any]) -> None:
        """The ``position``-th row with these fields changed, as ``model_copy(update=...)`` would change it."""
        held = self.held.get(table)
        if held is not None and update.keys() <= held.checked.always:  # (the row's fields set stay the same)
            for field, value in update.items():
                held.checked.values[field][position] = value
            return
        number, row = self.rows[table][position]
        self.rows[table][position] = (number, row.model_copy(update=update))

    def dataset(self) -> Dataset:
        """The dataset of the parsed rows; a table still held goes to it as columns."""
        pending = {table: (held.checked.values, held.make) for table, held in self.held.items()}
        return Dataset.of_columns({m.table: [row for _, row in self.rows[m.table]] for m in TABLES
                                   if m.table not in pending}, pending)

    def where(self, table: str, field: str) -> tuple[str, str]:
        return self.files.get(table, f"{table}.csv"), self.headers.get(table, {}).get(field, field)

    def cite(self, table: str, number: int) -> tuple[str, str]:
        """Another row named inside a message, in English and Chinese."""
        return f"row {number}", f"第 {number} 行"


#: Headers given by the user (``--columns MAP.csv``): table → header as written → template column.
ColumnMap = dict[str, dict[str, str]]


@paused_gc()
def validate(raw: RawDataset, as_of: dt.date | None = None,
             columns: ColumnMap | None = None) -> tuple[Dataset | None, Report]:
    """Check a raw dataset; return the typed :class:`Dataset` only when there is no error.

    ``as_of`` defaults to the dataset's snapshot date (``meta.csv``), else today.
    """
    report = Report()
    parsed = _Parsed()
    for model in TABLES:
        table = raw.get(model.table)
        if table is None:
            if model in REQUIRED_TABLES:
                report.add("error", "missing_table", f"{model.table}.csv", "required table is missing",
                           zh="缺少必需的表")
            continue
        _parse_table(model, table, parsed, report, (columns or {}).get(model.table, {}))
    as_of = _check_meta(parsed, report, as_of)
    _resolve_identities(parsed, report)
    _check_references(parsed, report, as_of)
    if report.errors:
        return None, report
    return parsed.dataset(), report


@paused_gc()
def validate_parts(parts: list[tuple[str, RawDataset]], as_of: dt.date | None = None,
                   columns: ColumnMap | None = None) -> tuple[Dataset | None, Report]:
    """Check several submissions as one dataset (``changes.md``, Merging submissions).

    Each part is read on its own (cells, and keys repeated within it); a row whose key another part also has
    must be identical to it, else both are named; then the whole is checked, each problem pointing at the
    part, file and row it comes from. A part may lack any table; the whole may not.
    """
    report = Report()
    merged = _Merged()
    for name, raw in parts:
        parsed = _Parsed()
        for model in TABLES:
            if model.table in raw:
                _parse_table(model, raw[model.table], parsed, report, (columns or {}).get(model.table, {}))
                if model.key:
                    _unique(parsed, model.table, report)
        merged.add(name, parsed, report)
    for model in REQUIRED_TABLES:
        if not merged.has(model.table):
            report.add("error", "missing_table", f"{model.table}.csv", "required table is missing from every part",
                       zh="所有提交都缺少这张必需的表")
    whole = Report()
    as_of = _check_meta(merged, whole, as_of)
    _resolve_identities(merged, whole)
    _check_references(merged, whole, as_of)
    for problem in whole.errors + whole.warnings:
        merged.locate(problem)
    report.errors += whole.errors
    report.warnings += whole.warnings
    if report.errors:
        return None, report
    return merged.dataset(), report


class _Merged(_Parsed):
    """The parts' rows as one table each, numbered in sequence; each number remembers its part, file, row and
    headers, so that a problem found in the whole is reported where it was written."""

    def __init__(self) -> None:
        super().__init__()
        self.origin: dict[str, list[tuple[str, int, dict[str, str]]]] = defaultdict(list)
        self.keys: dict[str, dict[Any, int]] = defaultdict(dict)
        self.part_of: dict[tuple[str, Any], str] = {}  # (table, key) → the part that first had it

    def has(self, table: str) -> bool:
        return table in self.files

    def add(self, part: str, parsed: _Parsed, report: Report) -> None:
        # Each part's rows are compared with the other parts' row by row; tables in the order they were read.
        tables = [t for t in parsed.files if t in parsed.rows or t in parsed.held]
        for table, rows in zip(tables, map(parsed.rows.__getitem__, tables), strict=True):
            self.files[table] = f"(merged):{table}"
            headers = parsed.headers.get(table, {})
            model = MODELS[table]
            for number, row in rows:
                key = tuple(getattr(row, k) for k in model.key) if model.key else None
                if key is not None and key in self.keys[table]:
                    if self.part_of[(table, key)] != part:  # a repeat within a part is reported by _unique
                        self._same(table, key, row, (parsed.files[table], number, headers), report)
                    continue
                if table == "meta" and number != rows[0][0]:
                    report.add("error", "meta_rows", parsed.files[table], "meta has one row only", number,
                               zh="meta 表只能有一行")
                    continue
                if table == "meta" and self.rows[table]:
                    self.rows[table][0] = (1, _merge_meta(self.rows[table][0][1], row))
                    continue
                self.origin[table].append((parsed.files[table], number, headers))
                if key is not None:
                    self.keys[table][key] = len(self.origin[table])
                    self.part_of[(table, key)] = part
                self.rows[table].append((len(self.origin[table]), row))
        for table in parsed.files:
            self.files.setdefault(table, f"(merged):{table}")
        for table, keys in parsed.broken.items():
            self.broken[table] |= keys

    def _same(self, table: str, key: Any, row: Row, where: tuple[str, int, dict[str, str]], report: Report) -> None:
        first = self.keys[table][key]
        kept = self.rows[table][first - 1][1]
        differ = [f for f in type(row).model_fields if getattr(row, f) != getattr(kept, f)]
        if not differ:
            return  # the same row submitted twice: kept once
        file, number, headers = where
        other_file, other_row, _ = self.origin[table][first - 1]
        shown = " / ".join(str(k) for k in key)
        report.add("error", "conflict", file,
                   f"differs ({', '.join(differ)}) from {other_file}, row {other_row}", number,
                   ", ".join(headers.get(f, f) for f in differ), shown,
                   zh=f"与 {other_file} 第 {other_row} 行不一致（{'、'.join(differ)}）")

    def where(self, table: str, field: str) -> tuple[str, str]:
        return self.files.get(table, f"(merged):{table}"), field

    def cite(self, table: str, number: int) -> tuple[str, str]:
        file, row, _ = self.origin[table][number - 1]
        return f"{file}, row {row}", f"{file} 第 {row} 行"

    def locate(self, problem: Problem) -> None:
        """A problem of the whole, moved to the part, file, row and header it comes from."""
        table = problem.file.removeprefix("(merged):")
        if not problem.file.startswith("(merged):") or problem.row is None or not self.origin[table]:
            if problem.file.startswith("(merged):"):
                problem.file = f"{table}.csv"
            return
        file, row, headers = self.origin[table][problem.row - 1]
        problem.file, problem.row = file, row
        if problem.column:
            problem.column = ", ".join(headers.get(c, c) for c in problem.column.split(", "))


def _merge_meta(first: Row, other: Row) -> Row:
    """Parts' meta rows as one: the earliest snapshot date (the date every part describes), the sources and
    compilers joined."""
    def join(a: str | None, b: str | None) -> str | None:
        return "；".join(dict.fromkeys(x for x in (a, b) if x)) or None

    return first.model_copy(update={"snapshot_date": min(first.snapshot_date, other.snapshot_date),
                                    "source": join(first.source, other.source),
                                    "compiled_by": join(first.compiled_by, other.compiled_by)})


@paused_gc()
def parse_table(table: RawTable, model: type[Row],
                extra: dict[str, str] | None = None) -> tuple[list[Row], Report]:
    """One table on its own (e.g. a plan's targets file), checked cell by cell and for repeated keys."""
    report, parsed = Report(), _Parsed()
    _parse_table(model, table, parsed, report, extra)
    _unique(parsed, model.table, report)
    return [row for _, row in parsed.rows[model.table]], report


def header_lookup(model: type[Row], extra: dict[str, str] | None = None) -> dict[str, str]:
    """Every header accepted for a column of ``model`` → the column: English, Chinese, registry aliases, and
    the user's own (``extra``, which win)."""
    lookup: dict[str, str] = {}
    aliases = model.aliases()
    for field, zh in model.columns().items():
        for header in (field.lower(), zh, *aliases[field]):
            lookup.setdefault(header, field)
    for header, field in (extra or {}).items():
        lookup[header] = field
        lookup[header.lower()] = field
    return lookup


def _map_headers(model: type[Row], table: RawTable, report: Report,
                 extra: dict[str, str] | None = None) -> list[str | None] | None:
    lookup = header_lookup(model, extra)
    mapping: list[str | None] = []
    for header in table.headers:
        field = lookup.get(header.lower()) or lookup.get(header)
        if field is not None and field in mapping:
            report.add("error", "duplicate_column", table.file, "column appears twice", 1, header, zh="列重复")
            field = None
        elif field is None and header:
            report.add("warning", "unknown_column", table.file, "unknown column, ignored", 1, header,
                       zh="无法识别的列，已忽略")
        mapping.append(field)
    fallback = getattr(model, "id_fallback", None)
    missing = [f for f in model.required_columns() if f not in mapping
               and not (f == "id" and fallback in mapping)]
    for field in missing:
        report.add(
            "error", "missing_column", table.file, f"required column is missing ({model.columns()[field]})", 1, field,
            zh=f"缺少必需的列（{model.columns()[field]}）",
        )
    return None if missing else mapping


def _parse_table(model: type[Row], table: RawTable, parsed: _Parsed, report: Report,
                 extra: dict[str, str] | None = None) -> None:
    """The table's rows, read a column at a time (:mod:`tracegraph._fastparse`); each row that fails is
    validated on its own for its messages, and its key kept in ``broken``."""
    parsed.files[model.table] = table.file
    mapping = _map_headers(model, table, report, extra)
    if mapping is None:
        return
    headers = parsed.headers[model.table] = {f: h for f, h in zip(mapping, table.headers, strict=False) if f}
    numbers = table.numbers()
    checked = _fastparse.check_table(model, _columns(model, mapping, table), len(numbers))
    if not checked.failed and model.table not in parsed.rows and model.table not in parsed.held:
        parsed.held[model.table] = _Held(model, numbers, checked)  # rows only if something asks for them
        return
    rows, failed = _fastparse.make_rows(model, checked), checked.failed
    for i in failed:
        data = _row_data(model, mapping, table.cells(i))
        try:
            rows[i] = model.model_validate(data)  # (never: the column's validator is the model's)
        except ValidationError as exc:
            _report_cell_errors(exc, data, table, numbers[i], headers, report)
            if len(model.key) == 1 and not _parse.is_blank(data.get(model.key[0])):
                parsed.broken[model.table].add(_parse.parse_code(data[model.key[0]]))
    parsed.rows[model.table].extend(zip(numbers, rows, strict=True) if not failed else
                                    ((n, row) for n, row in zip(numbers, rows, strict=True) if row is not None))


def _row_data(model: type[Row], mapping: list[str | None], cells: list[Any]) -> dict[str, Any]:
    """One row's cells by field, as the model is given them: a blank optional cell takes the column's
    default (it is left out); a blank required cell is checked."""
    required = model.required_columns()
    data = {f: c for f, c in zip(mapping, cells, strict=False) if f and (f in required or not _parse.is_blank(c))}
    for field in required:
        data.setdefault(field, None)
    fallback = getattr(model, "id_fallback", None)
    if fallback and _parse.is_blank(data.get("id")) and not _parse.is_blank(data.get(fallback)):
        data["id"] = data[fallback]  # a registry's standard is named by its certificate number
    return data


def _columns(model: type[Row], mapping: list[str | None], table: RawTable) -> dict[str, list[Any]]:
    """Each mapped field's cells, a column each, as :func:`_row_data` gives them: ``None`` where a row is
    short, and a column of ``None`` for a required field the table lacks."""
    fields = {i: f for i, f in enumerate(mapping) if f}
    columns = dict(zip(fields.values(), table.columns(list(fields)), strict=True))
    for field in model.required_columns():
        columns.setdefault(field, [None] * len(table))
    fallback = getattr(model, "id_fallback", None)
    if fallback in columns and _fastparse.any_blank(columns["id"]):
        columns["id"] = [b if _parse.is_blank(a) and not _parse.is_blank(b) else a
                         for a, b in zip(columns["id"], columns[fallback], strict=True)]
    return columns


def _check_meta(parsed: _Parsed, report: Report, as_of: dt.date | None) -> dt.date:
    """At most one meta row; the as-of date it implies (the snapshot date), and a warning when the figures are
    judged long after it."""
    rows = parsed.rows["meta"]
    file = parsed.files.get("meta", "meta.csv")
    for number, _ in rows[1:]:
        report.add("error", "meta_rows", file, "meta has one row only", number, zh="meta 表只能有一行")
    snapshot = rows[0][1].snapshot_date if rows else None
    day = as_of or snapshot or dt.date.today()
    if snapshot is not None and (day - snapshot).days > STALE_DAYS:
        report.add(
            "warning", "stale_snapshot", file,
            f"judged {(day - snapshot).days} days after the snapshot date: the figures assume nothing was renewed "
            "since", rows[0][0], parsed.where("meta", "snapshot_date")[1], snapshot,
            zh=f"评估日期晚于数据截至日期 {(day - snapshot).days} 天：数字假定此后没有任何复查或续期",
        )
    return day


def _resolve_identities(parsed: _Parsed, report: Report) -> None:
    """Registry names to ids (``changes.md``): links may name a standard by its certificate number (an id wins
    where both match), and a standard's institution may be the institution's name where no id matches."""
    ids = _known(parsed, "standards", "id")
    by_certificate: dict[str, tuple[int, str]] = {}
    numbers, sids = parsed.numbers("standards"), parsed.column("standards", "id")
    certificates = parsed.column("standards", "certificate_no")
    held = list(filter(None, certificates))
    repeated: Iterable[tuple[int, str, str]] = ()
    if len(set(held)) == len(held):  # each certificate number held once (the usual case)
        by_certificate = dict(zip(held, compress(zip(numbers, sids, strict=True), certificates), strict=True))
    else:
        repeated = zip(numbers, sids, certificates, strict=True)
    for number, sid, certificate in repeated:
        if not certificate:
            continue
        if certificate in by_certificate and by_certificate[certificate][1] != sid:
            first, other = by_certificate[certificate]
            file, column = parsed.where("standards", "certificate_no")
            report.add("error", "duplicate_certificate", file,
                       f"certificate number also held by {parsed.cite('standards', first)[0]} (standard {other})",
                       number, column, certificate,
                       zh=f"证书编号与{parsed.cite('standards', first)[1]}（标准 {other}）重复")
            continue
        by_certificate.setdefault(certificate, (number, sid))
    standard, upstream = parsed.column("traceability", "standard"), parsed.column("traceability", "upstream")
    if by_certificate and not (set(standard) | set(upstream)) <= ids:
        for i, names in enumerate(zip(standard, upstream, strict=True)):
            update = {f: by_certificate[v][1] for f, v in zip(("standard", "upstream"), names, strict=True)
                      if v not in ids and v in by_certificate}
            if update:
                parsed.replace("traceability", i, update)
    _resolve_institution_names(parsed)


def _resolve_institution_names(parsed: _Parsed) -> None:
    institutions = _known(parsed, "institutions", "id")
    holders = parsed.column("standards", "institution")
    if set(holders) <= institutions:
        return  # every institution named by its id
    named: dict[str, list[str]] = defaultdict(list)
    for _, inst in parsed.rows["institutions"]:
        named[inst.name].append(inst.id)
    for i, holder in enumerate(holders):
        if holder not in institutions and len(named.get(holder, [])) == 1:
            parsed.replace("standards", i, {"institution": named[holder][0]})


def _report_cell_errors(
    exc: ValidationError, data: dict[str, Any], table: RawTable, number: int, headers: dict[str, str], report: Report
) -> None:
    for err in exc.errors():
        field = str(err["loc"][0]) if err["loc"] else ""
        value = data.get(field)
        message = "required value is blank" if _parse.is_blank(value) else err["msg"].removeprefix("Value error, ")
        report.add("error", "bad_value", table.file, message, number, headers.get(field, field), value,
                   zh=_cell_message_zh(message))


def _check_references(parsed: _Parsed, report: Report, as_of: dt.date) -> None:
    checks = (
        _check_regions,
        _check_institutions,
        _check_instrument_types,
        _check_standards,
        _check_traceability,
        _check_demand,
        _check_candidates,
        _check_targets,
    )
    for check in checks:
        check(parsed, report, as_of)


def _unique(parsed: _Parsed, table: str, report: Report) -> None:
    """Report each repeat of a key after the first."""
    names = MODELS[table].key
    numbers = parsed.numbers(table)
    if not names:
        keys: list[Any] = [()] * len(numbers)
    elif len(names) == 1:
        keys = parsed.column(table, names[0])
    elif _distinct_rows([parsed.column(table, n) for n in names]):  # no repeat (the usual case)
        return
    else:
        keys = list(zip(*(parsed.column(table, n) for n in names), strict=True))
    if len(set(keys)) == len(keys):  # no repeat (the usual case)
        return
    first: dict[Any, int] = {}
    for key, number in zip(keys, numbers, strict=True):
        if key in first:
            file, column = parsed.where(table, names[0])
            shown = key if isinstance(key, str) else " / ".join(key)
            report.add(
                "error",
                "duplicate_key",
                file,
                f"duplicate of {parsed.cite(table, first[key])[0]}",
                number,
                column if len(names) == 1 else ", ".join(names),
                shown,
                zh=f"与{parsed.cite(table, first[key])[1]}重复",
            )
            continue
        first[key] = number


def _distinct_rows(columns: list[list[Any]]) -> bool:
    """Whether no two rows have equal cells in all ``columns`` (hashable cells): each row's cells as one
    integer (each column's distinct cells numbered), the integers sorted, neighbours compared. A set of
    286,000 tuples cost twice as much. ``False`` also where the integers could overflow: then ask the set."""
    import numpy as np

    key, room = np.zeros(len(columns[0]), np.int64), 1
    for column in columns:
        codes, distinct = _numbered(column)
        room *= max(distinct, 1)
        if room >= 1 << 62:
            return False
        key = key * distinct + codes
    key.sort()
    return not (key[1:] == key[:-1]).any()


def _numbered(values: list[Any]) -> tuple[Any, int]:
    """Each value's number among the distinct values (in the order they first come), as a numpy array, and how
    many distinct values there are."""
    import numpy as np

    number = {v: k for k, v in enumerate(dict.fromkeys(values))}
    return np.fromiter(map(number.__getitem__, values), np.int64, len(values)), len(number)


def _unknown(parsed: _Parsed, report: Report, table: str, field: str, number: int, value: str, what: str) -> None:
    file, column = parsed.where(table, field)
    report.add("error", "unknown_reference", file, f"unknown {what}", number, column, value,
               zh=f"不存在的{_WHAT_ZH.get(what, what)}")


def _check_regions(parsed: _Parsed, report: Report, as_of: dt.date) -> None:
    _unique(parsed, "regions", report)
    regions: dict[str, Row] = {}
    for _, r in parsed.rows["regions"]:
        regions.setdefault(r.code, r)  # the first row of a repeated code
    expected_parent = {"county": "city", "city": "province"}
    for number, r in parsed.rows["regions"]:
        file, column = parsed.where("regions", "parent")
        if not (len(r.code) == 6 and r.code.isdigit()):
            report.add(
                "warning",
                "code_format",
                file,
                "not a six-digit GB/T 2260 code",
                number,
                parsed.where("regions", "code")[1],
                r.code,
                zh="不是六位 GB/T 2260 行政区划代码",
            )
        if r.level == "province":
            if r.parent:
                report.add("error", "bad_hierarchy", file, "a province has no parent region", number, column, r.parent,
                           zh="省级地区不应有上级")
            continue
        if not r.parent:
            report.add("error", "bad_hierarchy", file, f"a {r.level} needs a parent region", number, column, "",
                       zh=f"{_LEVEL_ZH[r.level]}地区必须填写上级代码")
        elif r.parent not in regions:
            if r.parent not in parsed.broken["regions"]:
                _unknown(parsed, report, "regions", "parent", number, r.parent, "region code")
        elif regions[r.parent].level != expected_parent[r.level]:
            report.add(
                "error",
                "bad_hierarchy",
                file,
                f"a {r.level}'s parent must be a {expected_parent[r.level]}, "
                f"but {r.parent} is a {regions[r.parent].level}",
                number,
                column,
                r.parent,
                zh=f"{_LEVEL_ZH[r.level]}地区的上级必须是{_LEVEL_ZH[expected_parent[r.level]]}，"
                   f"而 {r.parent} 是{_LEVEL_ZH[regions[r.parent].level]}",
            )


def _region_codes(parsed: _Parsed) -> dict[str, str]:
    """Code → level; a region whose row did not parse has level '' (known, level unchecked)."""
    return {**dict.fromkeys(parsed.broken["regions"], ""), **{r.code: r.level for _, r in parsed.rows["regions"]}}


def _known(parsed: _Parsed, table: str, key: str) -> set[str]:
    return set(parsed.column(table, key)) | parsed.broken[table]


def _check_institutions(parsed: _Parsed, report: Report, as_of: dt.date) -> None:
    _unique(parsed, "institutions", report)
    regions = _region_codes(parsed)
    for number, inst in parsed.rows["institutions"]:
        file, column = parsed.where("institutions", "region")
        if inst.region is None:
            if inst.level != "national":
                report.add(
                    "error", "missing_region", file, f"a {inst.level} institution needs its region", number, column, "",
                    zh=f"{_LEVEL_ZH[inst.level]}机构必须填写所在地区",
                )
        elif inst.region not in regions:
            _unknown(parsed, report, "institutions", "region", number, inst.region, "region code")
        elif inst.level != "national" and regions[inst.region] not in ("", inst.level):
            report.add(
                "error",
                "level_mismatch",
                file,
                f"institution level {inst.level} differs from its region's level {regions[inst.region]}",
                number,
                parsed.where("institutions", "level")[1],
                inst.level,
                zh=f"机构级别（{_LEVEL_ZH[inst.level]}）与所在地区级别（{_LEVEL_ZH[regions[inst.region]]}）不一致",
            )
        for code in inst.serves:
            if code not in regions:
                _unknown(parsed, report, "institutions", "serves", number, code, "region code")


def _check_instrument_types(parsed: _Parsed, report: Report, as_of: dt.date) -> None:
    _unique(parsed, "instrument_types", report)


def _check_verifies(parsed: _Parsed, report: Report, table: str) -> None:
    types = _known(parsed, "instrument_types", "code")
    lists = parsed.column(table, "verifies")
    if set(chain.from_iterable(lists)) <= types:
        return  # every code known (the usual case)
    for number, codes in zip(parsed.numbers(table), lists, strict=True):
        for code in codes:
            if code not in types:
                _unknown(parsed, report, table, "verifies", number, code, "instrument type code")


def _check_standards(parsed: _Parsed, report: Report, as_of: dt.date) -> None:
    _unique(parsed, "standards", report)
    institutions = _known(parsed, "institutions", "id")
    _check_verifies(parsed, report, "standards")
    soon = as_of + dt.timedelta(days=EXPIRY_WARNING_DAYS)
    file, column = parsed.where("standards", "certificate_expiry")
    verifies_column = parsed.where("standards", "verifies")[1]
    for number, holder, expiry, primary, verifies in zip(
            parsed.numbers("standards"), *(parsed.column("standards", f) for f in
                                           ("institution", "certificate_expiry", "primary", "verifies")), strict=True):
        if holder not in institutions:
            _unknown(parsed, report, "standards", "institution", number, holder, "institution id")
        if expiry is None:
            if not primary:
                report.add(
                    "error",
                    "missing_expiry",
                    file,
                    "a non-primary standard needs a certificate expiry date",
                    number,
                    column,
                    "",
                    zh="非计量基准的标准必须填写考核证书有效期",
                )
        elif expiry < as_of:
            report.add(
                "warning", "expired", file, f"certificate expired (as of {as_of})", number, column,
                expiry, zh=f"考核证书已过期（截至 {as_of}）",
            )
        elif expiry <= soon:
            report.add(
                "warning",
                "expiring",
                file,
                f"certificate expires within {EXPIRY_WARNING_DAYS} days",
                number,
                column,
                expiry,
                zh=f"考核证书将在 {EXPIRY_WARNING_DAYS} 天内到期",
            )
        if not verifies and not primary:  # a primary standard need not verify instruments
            report.add(
                "warning",
                "verifies_nothing",
                file,
                "standard verifies no instrument type",
                number,
                verifies_column,
                "",
                zh="该标准未填写可检器具",
            )


def _check_traceability(parsed: _Parsed, report: Report, as_of: dt.date) -> None:
    standards = _known(parsed, "standards", "id")
    numbers = parsed.numbers("traceability")
    standard, upstream, until, calibrated = (parsed.column("traceability", f) for f in
                                             ("standard", "upstream", "valid_until", "calibrated_on"))
    pairs = list(zip(standard, upstream, strict=True))
    # Each link's first row, in the order the links come; a link from a standard to itself is none.
    seen: dict[tuple[str, str], int] = {}
    deque(map(seen.setdefault, pairs, numbers), maxlen=0)
    for pair in compress(pairs, map(eq, standard, upstream)):
        seen.pop(pair, None)
    compared = _link_ends(parsed)
    file, column = parsed.where("traceability", "upstream")
    for k in _suspect_links(standards, seen, compared, (standard, upstream), pairs, numbers, until, calibrated,
                            as_of):
        number, (s, u) = numbers[k], pairs[k]
        if s not in standards or u not in standards:
            for field, value in (("standard", s), ("upstream", u)):
                if value not in standards:
                    _unknown(parsed, report, "traceability", field, number, value, "standard id")
        if s == u:
            report.add("error", "self_link", file, "a standard cannot trace to itself", number, column, u,
                       zh="标准不能溯源到自身")
            continue
        if seen[(s, u)] != number:
            # Two calibration events for one link: the link holds while either does.
            first = parsed.cite("traceability", seen[(s, u)])
            report.add("warning", "repeated_link", file, f"same link as {first[0]}; the later expiry counts", number,
                       column, u, zh=f"与{first[1]}是同一溯源关系；以较晚的有效期为准")
        if calibrated[k] is not None and (calibrated[k] > until[k] or calibrated[k] > as_of):
            _check_link_dates(parsed, report, as_of, number, until[k], calibrated[k])
        low, high = compared.get(s), compared.get(u)
        if low is not None and high is not None and _too_low(low, high):
            _check_link_upstream(report, file, column, number, u, low, high)
    _report_cycles(seen, parsed, report)


class _LinkEnds(NamedTuple):
    """Per standard id, of its first row (a repeated id is an error of its own), as columns over those rows:
    its quantity, its institution's level, and whether it is never too low an upstream (primary, or held by a
    national institution). ``row`` maps an id to its first row."""

    row: dict[str, int]
    quantity: list[str]
    level: list[str | None]
    never: list[bool]

    def get(self, sid: str) -> tuple[str, str | None, bool] | None:
        k = self.row.get(sid)
        return None if k is None else (self.quantity[k], self.level[k], self.never[k])


def _link_ends(parsed: _Parsed) -> _LinkEnds:
    level_of: dict[str, str] = {}
    for _, row in parsed.rows["institutions"]:
        level_of.setdefault(row.id, row.level)
    sids, quantity, holders, primary = (parsed.column("standards", f)
                                        for f in ("id", "quantity", "institution", "primary"))
    row = dict(zip(sids, range(len(sids)), strict=True))
    if len(row) < len(sids):  # a repeated id: its first row
        row = {}
        deque(map(row.setdefault, sids, range(len(sids))), maxlen=0)
    level = list(map(level_of.get, holders))
    never = list(map(or_, map(bool, primary), map(eq, level, repeat("national"))))
    return _LinkEnds(row, quantity, level, never)


def _too_low(low: tuple[str, str | None, bool], high: tuple[str, str | None, bool]) -> bool:
    """The upstream ``high`` of the standard ``low`` measures another quantity, or is held no higher."""
    return low[0] != high[0] or (not high[2] and low[1] is not None and high[1] is not None
                                 and LEVEL_RANK[high[1]] <= LEVEL_RANK[low[1]])


def _suspect_links(standards: set[str], seen: dict[tuple[str, str], int], compared: _LinkEnds,
                   ends: tuple[list[str], list[str]], pairs: list[tuple[str, str]], numbers: list[int],
                   until: list[dt.date], calibrated: list[dt.date | None], as_of: dt.date) -> list[int]:
    """The positions, in order, of the links a check may report (the rest pass them all): an unknown end, a
    link to itself or repeated, a calibration after the expiry or the date, an upstream too low. Found a
    whole column at a time, because a national dataset's links nearly all pass."""
    import numpy as np

    n = len(pairs)
    flagged = ~np.fromiter(map(standards.__contains__, ends[0]), bool, n)
    flagged |= ~np.fromiter(map(standards.__contains__, ends[1]), bool, n)
    flagged |= np.fromiter(map(ne, map(seen.get, pairs), numbers), bool, n)  # repeated (or to itself)
    if any(c is not None for c in calibrated):  # compared as day numbers, each distinct date converted once
        day = {d: d.toordinal() for d in set(until).union(calibrated) if d is not None}
        day[None] = 0  # (no calibration date)
        since = np.fromiter(map(day.__getitem__, calibrated), np.int64, n)
        flagged |= (since > 0) & ((since > np.fromiter(map(day.__getitem__, until), np.int64, n))
                                  | (since > as_of.toordinal()))
    # An upstream too low (_too_low), compared by integer codes of each standard's quantity and level, over the
    # standards' rows (one more, the last, for an end no row defines).
    m = len(compared.quantity)
    q = np.append(_numbered(compared.quantity)[0], -1)
    ranks = {None: -1, **LEVEL_RANK}
    level = np.fromiter(chain(map(ranks.__getitem__, compared.level), (-1,)), np.int64, m + 1)
    never = np.fromiter(chain(compared.never, (True,)), bool, m + 1)
    lo = np.fromiter(map(compared.row.get, ends[0], repeat(-1)), np.int64, n)
    hi = np.fromiter(map(compared.row.get, ends[1], repeat(-1)), np.int64, n)
    both = (lo >= 0) & (hi >= 0)
    flagged |= both & ((q[lo] != q[hi]) | (~never[hi] & (level[lo] >= 0) & (level[hi] >= 0)
                                           & (level[hi] <= level[lo])))
    return np.flatnonzero(flagged).tolist()


def _check_link_dates(parsed: _Parsed, report: Report, as_of: dt.date, number: int, valid_until: dt.date,
                      calibrated_on: dt.date) -> None:
    """A calibration after the link's own expiry is an error; one after the as-of date a warning."""
    file, column = parsed.where("traceability", "calibrated_on")
    if calibrated_on > valid_until:
        report.add(
            "error",
            "calibrated_after_expiry",
            file,
            f"calibrated on a date after the link's valid_until ({valid_until})",
            number,
            column,
            calibrated_on,
            zh=f"检定/校准日期晚于溯源有效期至（{valid_until}）",
        )
    if calibrated_on > as_of:
        report.add(
            "warning",
            "calibrated_after_as_of",
            file,
            f"calibration dated after the as-of date {as_of}: the link does not count until then",
            number,
            column,
            calibrated_on,
            zh=f"检定/校准日期晚于评估日期 {as_of}：在该日期之前此溯源关系不计入",
        )


def _check_link_upstream(report: Report, file: str, column: str, number: int, upstream: str,
                         low: tuple[str, str | None, bool], high: tuple[str, str | None, bool]) -> None:
    """Warnings: an upstream of another quantity, or one held at the same or a lower level (an upstream held
    by a national institution, or a primary one, is never too low). ``low`` and ``high`` are the standard's
    and the upstream's (quantity, institution level, never too low)."""
    if low[0] != high[0]:
        report.add(
            "warning",
            "upstream_quantity",
            file,
            f"upstream standard measures {high[0]}, this standard {low[0]}",
            number,
            column,
            upstream,
            zh=f"上级标准的量（{high[0]}）与本标准的量（{low[0]}）不同",
        )
    below, above = low[1], high[1]
    if below is None or above is None or high[2]:
        return
    if LEVEL_RANK[above] <= LEVEL_RANK[below]:
        report.add(
            "warning",
            "upstream_level",
            file,
            f"upstream standard is held at {above} level, not above this standard's {below} level",
            number,
            column,
            upstream,
            zh=f"上级标准所在机构为{_LEVEL_ZH[above]}，不高于本标准所在机构的级别（{_LEVEL_ZH[below]}）",
        )


def _report_cycles(links: dict[tuple[str, str], int], parsed: _Parsed, report: Report) -> None:
    """Each cycle of links, one per strongly connected component, named from its first row.

    ``links`` is every link (standard, upstream) once, with its first row, in the order of the rows: the
    graph of them is built only when it has a cycle."""
    if not _has_cycle(links):
        return
    import networkx as nx  # only for a dataset that has a cycle to report

    graph = nx.DiGraph()
    graph.add_edges_from(links)
    for component in nx.strongly_connected_components(graph):
        if len(component) < 2:
            continue
        cycle = [u for u, _ in nx.find_cycle(graph.subgraph(component))]
        path = " → ".join([*cycle, cycle[0]])
        file, column = parsed.where("traceability", "upstream")
        report.add(
            "error",
            "cycle",
            file,
            f"traceability cycle: {path}",
            links[(cycle[0], cycle[1 % len(cycle)])],
            column,
            cycle[1 % len(cycle)],
            zh=f"溯源关系成环：{path}",
        )


def _has_cycle(links: Iterable[tuple[str, str]]) -> bool:
    """Whether links (none from a standard to itself) form a cycle.

    A link to an upstream that traces to nothing is on no cycle: such links are dropped, a round per level of
    the chains, a whole list at a time; a round that drops none leaves links that all go on, round and round.
    Chains longer than the rounds are finished by a topological sort."""
    edges = list(links)
    for _ in range(16):
        if not edges:
            return False
        tracing = set(map(itemgetter(0), edges))
        kept = list(compress(edges, map(tracing.__contains__, map(itemgetter(1), edges))))
        if len(kept) == len(edges):
            return True
        edges = kept
    after: dict[str, list[str]] = defaultdict(list)
    for standard, upstream in edges:
        after[standard].append(upstream)
    waiting = Counter(map(itemgetter(1), edges))
    ready = [node for node in after if not waiting[node]]
    done = 0
    while ready:
        node = ready.pop()
        done += 1
        for upstream in after.get(node, ()):
            waiting[upstream] -= 1
            if not waiting[upstream]:
                ready.append(upstream)
    return done < len(after.keys() | waiting.keys())


def _check_demand(parsed: _Parsed, report: Report, as_of: dt.date) -> None:
    _unique(parsed, "demand", report)
    regions = _region_codes(parsed)
    types = _known(parsed, "instrument_types", "code")
    verified = set(chain.from_iterable(parsed.column("standards", "verifies")))
    file, column = parsed.where("demand", "region")
    type_column = parsed.where("demand", "instrument_type")[1]
    # A row for a county and a type some standard verifies has nothing to report: most rows.
    counties = {code for code, level in regions.items() if level in ("", "county")}
    fine = types & (verified | parsed.broken["instrument_types"])
    regions_of, kinds = parsed.column("demand", "region"), parsed.column("demand", "instrument_type")
    odd_regions, odd_kinds = set(regions_of) - counties, set(kinds) - fine
    if not odd_regions and not odd_kinds:
        return
    numbers = parsed.numbers("demand")
    odd = compress(range(len(numbers)), map(or_, map(odd_regions.__contains__, regions_of),
                                             map(odd_kinds.__contains__, kinds)))
    for number, region, kind in ((numbers[k], regions_of[k], kinds[k]) for k in odd):
        if region not in regions:
            _unknown(parsed, report, "demand", "region", number, region, "region code")
        elif regions[region] not in ("", "county"):
            report.add(
                "error",
                "not_county",
                file,
                f"demand must be for a county, not a {regions[region]}",
                number,
                column,
                region,
                zh=f"需求只能填写到县级地区，该地区是{_LEVEL_ZH.get(regions[region], regions[region])}",
            )
        if kind not in types:
            _unknown(parsed, report, "demand", "instrument_type", number, kind, "instrument type code")
        elif kind not in verified and kind not in parsed.broken["instrument_types"]:
            report.add(
                "warning",
                "unverifiable",
                file,
                "no standard anywhere verifies this instrument type",
                number,
                type_column,
                kind,
                zh="没有任何标准能检定这类器具",
            )


def _check_candidates(parsed: _Parsed, report: Report, as_of: dt.date) -> None:
    _unique(parsed, "candidates", report)
    _check_verifies(parsed, report, "candidates")


def _check_targets(parsed: _Parsed, report: Report, as_of: dt.date) -> None:
    _unique(parsed, "targets", report)
    regions = _region_codes(parsed)
    for number, t in parsed.rows["targets"]:
        file, column = parsed.where("targets", "threshold")
        if t.region is not None and t.region not in regions:
            _unknown(parsed, report, "targets", "region", number, t.region, "region code")
        if t.metric == "standards_count" and t.level is None:
            report.add(
                "error",
                "missing_level",
                file,
                "a standards_count target needs a level",
                number,
                parsed.where("targets", "level")[1],
                "",
                zh="计量标准数量目标必须填写级别",
            )
        if t.metric == "standards_built" and t.since is None:
            report.add(
                "error",
                "missing_since",
                file,
                "a standards_built target needs since: the first year counted",
                number,
                parsed.where("targets", "since")[1],
                "",
                zh="新建计量标准目标必须填写起算年度",
            )
        if t.metric in COUNT_METRICS:
            if t.threshold < 0:
                report.add(
                    "error",
                    "bad_threshold",
                    file,
                    "a count target must not be negative",
                    number,
                    column,
                    t.threshold,
                    zh="数量目标不能为负数",
                )
        elif t.threshold < 0 or t.threshold > 1:
            report.add(
                "error",
                "bad_threshold",
                file,
                "a rate target lies between 0 and 1 (write 0.95 or 95%)",
                number,
                column,
                t.threshold,
                zh="比率目标应在 0 到 1 之间（写 0.95 或 95%）",
            )


_LEVEL_ZH = {"national": "国家级", "province": "省级", "city": "市级", "county": "县级", "": "未知级别"}
_WHAT_ZH = {"region code": "地区代码", "institution id": "机构编号", "instrument type code": "器具代码",
            "standard id": "标准编号"}
_CELL_ZH = {
    "required value is blank": "必填值为空",
    "not a yes/no value: write true/false, 1/0, yes/no or 是/否": "不是是/否值：请填 是/否、true/false、1/0 或 yes/no",
    "not a whole number": "不是整数",
    "not a number": "不是数字",
    "not a date: write YYYY-MM-DD, e.g. 2026-01-31": "不是日期：请按 YYYY-MM-DD 填写，如 2026-01-31",
    "must be greater than 0": "必须大于 0",
    "must not be negative": "不能为负数",
}


def _cell_message_zh(message: str) -> str | None:
    """The Chinese of a cell's message: the parsers' own words, or None (the English is shown)."""
    if message.startswith("not one of "):
        return "不是以下之一：" + message.removeprefix("not one of ")
    return _CELL_ZH.get(message)


def count_codes(report: Report) -> Counter[str]:
    return Counter(p.code for p in report.errors + report.warnings)
