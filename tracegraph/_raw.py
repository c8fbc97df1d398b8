"""Reading a dataset's cells as they are written, before any meaning is given to them.

A dataset is a folder of CSV files, a zip of one, an ``.xlsx`` workbook (a sheet per
table) or a JSON document. Each reader yields :class:`RawTable` objects that keep the
spreadsheet row number of every row so the validator can point at it.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracegraph._gc import paused_gc
from tracegraph.models import TABLES


class UnreadableDataset(Exception):
    """The source cannot be read at all (missing path, unknown format, broken file)."""


@dataclass
class RawTable:
    table: str
    file: str
    headers: list[str]
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)


RawDataset = dict[str, RawTable]
_TABLE_NAMES = [t.table for t in TABLES]
_MODELS = {t.table: t for t in TABLES}


def read_raw(path: str | Path, *, lazy: bool = False) -> RawDataset:
    """The tables of a dataset. ``lazy``: a folder's tables are each read when asked for, and not kept, so that
    validating a large folder holds one table's cells at a time (:func:`~tracegraph.validation.validate` asks
    for each table once)."""
    path = Path(path)
    if path.is_dir() and lazy:
        return _CsvFolder(path)  # type: ignore[return-value]  # a mapping, read-only
    if path.is_dir():
        return _read_csv_files({p.name: p.read_bytes() for p in path.glob("*.csv")})
    if not path.exists():
        raise UnreadableDataset(f"{path}: no such file or folder")
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return _read_xlsx(path)
    if suffix == ".json":
        return _read_json(path)
    if suffix == ".zip":
        return _read_zip(path.read_bytes())
    raise UnreadableDataset(f"{path}: expected a folder of CSV files, a .zip, an .xlsx or a .json file")


def read_raw_bytes(name: str, data: bytes) -> RawDataset:
    """For uploads (the app): the same formats, from memory."""
    suffix = Path(name).suffix.lower()
    if suffix == ".zip":
        return _read_zip(data)
    if suffix == ".xlsx":
        return _read_xlsx(io.BytesIO(data), display=name)
    if suffix == ".json":
        return raw_from_json(_loads(data, name), name)
    raise UnreadableDataset(f"{name}: upload a .zip of CSV files, an .xlsx workbook or a .json file")


def relabel(raw: RawDataset, part: str) -> RawDataset:
    """A part's tables named after the part, so that a merged dataset's problems say which part they are in."""
    base = Path(part).name
    for table in raw.values():
        table.file = f"{part}{table.file.removeprefix(base)}" if table.file.startswith(base + ":") \
            else f"{part}/{table.file}" if Path(part).is_dir() else f"{part}:{table.file}"
    return raw


def read_table_file(path: Path, table: str) -> RawTable:
    """One table from its own CSV file (e.g. a plan's targets kept apart from the dataset)."""
    if not path.is_file():
        raise UnreadableDataset(f"{path}: no such file")
    return _csv_table(table, path.name, decode(path.read_bytes(), path.name))


def decode(data: bytes, file: str) -> str:
    """UTF-8 (with or without BOM) first; GB18030 is what Excel on Chinese Windows writes."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableDataset(f"{file}: neither UTF-8 nor GB18030 text")


class _CsvFolder(Mapping[str, RawTable]):
    """A folder's tables, each read from its file when asked for (see :func:`read_raw`)."""

    def __init__(self, folder: Path) -> None:
        files = {p.name: p for p in folder.glob("*.csv")}
        self._files = {name: files[f"{name}.csv"] for name in _TABLE_NAMES if f"{name}.csv" in files}

    def __getitem__(self, table: str) -> RawTable:
        path = self._files[table]
        return _csv_table(table, path.name, decode(path.read_bytes(), path.name))

    def __iter__(self) -> Iterator[str]:
        return iter(self._files)

    def __len__(self) -> int:
        return len(self._files)


def _read_csv_files(files: dict[str, bytes]) -> RawDataset:
    raw: RawDataset = {}
    for name in _TABLE_NAMES:
        data = files.get(f"{name}.csv")
        if data is not None:
            raw[name] = _csv_table(name, f"{name}.csv", decode(data, f"{name}.csv"))
    return raw


@paused_gc()  # (not around openpyxl: only the cells read here are known to be acyclic)
def _csv_table(table: str, file: str, content: str) -> RawTable:
    rows = csv.reader(io.StringIO(content, newline=""))
    headers = next(rows, None)
    if headers is None:
        return RawTable(table, file, [])
    # CSV cells are text: a row is blank when every cell strips to nothing.
    body = [(number, cells) for number, cells in enumerate(rows, start=2)
            if (cells and cells[0].strip()) or any(map(str.strip, cells))]
    return RawTable(table, file, _headers(headers), body)


def _table(table: str, file: str, rows: list[list[Any]]) -> RawTable:
    if not rows:
        return RawTable(table, file, [])
    body = [(number, cells) for number, cells in enumerate(rows[1:], start=2) if not _blank_row(cells)]
    return RawTable(table, file, _headers(rows[0]), body)


def _headers(cells: list[Any]) -> list[str]:
    return ["" if h is None else str(h).strip().lstrip("\ufeff") for h in cells]


def _blank_row(cells: Iterable[Any]) -> bool:
    return all(c is None or str(c).strip() == "" for c in cells)


def _read_zip(data: bytes) -> RawDataset:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise UnreadableDataset(f"not a valid zip file: {exc}") from None
    files = {Path(n).name: archive.read(n) for n in archive.namelist() if n.lower().endswith(".csv")}
    return _read_csv_files(files)


def _read_xlsx(source: Any, display: str | None = None) -> RawDataset:
    from openpyxl import load_workbook  # imported late: only xlsx users pay for it

    name = display or Path(source).name
    try:
        book = load_workbook(source, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several unrelated types for a broken file
        raise UnreadableDataset(f"{name}: not a readable .xlsx workbook ({exc})") from None
    raw: RawDataset = {}
    for table in _TABLE_NAMES:
        if table in book.sheetnames:
            rows = [list(r) for r in book[table].iter_rows(values_only=True)]
            raw[table] = _table(table, f"{name}:{table}", rows)
    book.close()
    return raw


def _loads(data: bytes, name: str) -> Any:
    try:
        return json.loads(decode(data, name))
    except json.JSONDecodeError as exc:
        raise UnreadableDataset(f"{name}: invalid JSON ({exc})") from None


def _read_json(path: Path) -> RawDataset:
    return raw_from_json(_loads(path.read_bytes(), path.name), path.name)


@paused_gc()
def raw_from_json(doc: Any, name: str) -> RawDataset:
    """Tables from a JSON document (or a dataset's ``model_dump(mode="json")``, e.g. to check it again).

    JSON is an object of tables, each a list of records; 'row' is the record's 1-based position + 1,
    so that row numbers line up with the same data written as CSV (header = row 1)."""
    if not isinstance(doc, dict):
        raise UnreadableDataset(f"{name}: expected an object with one list per table")
    raw: RawDataset = {}
    for table in _TABLE_NAMES:
        records = doc.get(table)
        if records is None:
            continue
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise UnreadableDataset(f"{name}: '{table}' must be a list of objects")
        # An empty table still has its columns (writers emit "table": [] for it).
        headers = list(dict.fromkeys(k for r in records for k in r)) or list(_MODELS[table].model_fields)
        rows = [(i, [r.get(h) for h in headers]) for i, r in enumerate(records, start=2)]
        raw[table] = RawTable(table, f"{name}:{table}", headers, rows)
    return raw
