"""Reading a dataset's cells as they are written, before any meaning is given to them.

A dataset is a folder of CSV files, a zip of one, an ``.xlsx`` workbook (a sheet per
table) or a JSON document. Each reader yields :class:`RawTable` objects that keep the
spreadsheet row number of every row so the validator can point at it.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from operator import itemgetter
from pathlib import Path
from typing import IO, Any, TypeVar

from tracegraph._gc import paused_gc
from tracegraph.limits import MIB, RATIO_FLOOR, Limits
from tracegraph.models import MODELS, TABLES

_T = TypeVar("_T")


class UnreadableDataset(Exception):
    """The source cannot be read at all (missing path, unknown format, broken file, not text, over a limit)."""


class LimitReached(UnreadableDataset):
    """The source is larger than a :class:`~tracegraph.limits.Limits` allows (refused before it is inflated)."""


class Coded(Sequence[str]):
    """A column of text cells as read a column at a time: its distinct cells (``cells``) and, per row, the
    position of its cell among them (``codes``, a numpy array). A sequence of the cells like any other column;
    a reader of the column can instead work once per distinct cell and spread the results with :meth:`take`.
    (``cells`` may repeat a cell: pyarrow encodes each block of the file on its own.)"""

    __slots__ = ("_list", "cells", "codes")

    def __init__(self, cells: list[str], codes: Any) -> None:
        self.cells, self.codes = cells, codes
        self._list: list[str] | None = None

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, i: Any) -> Any:
        return self.tolist()[i] if isinstance(i, slice) else self.cells[self.codes[i]]

    def __iter__(self) -> Iterator[str]:
        return iter(self.tolist())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and self.tolist() == list(other)

    __hash__ = None  # type: ignore[assignment]  # (a column, like a list)

    def __repr__(self) -> str:
        return f"Coded({self.tolist()!r})"

    def tolist(self) -> list[str]:
        """The cells in row order, each distinct cell one shared str (made once, then kept)."""
        if self._list is None:
            self._list = self.take(self.cells)
        return self._list

    def take(self, per_cell: Sequence[Any]) -> list[Any]:
        """Row by row, the value given for the row's distinct cell (``per_cell[k]`` for ``cells[k]``)."""
        import numpy as np

        values = np.fromiter(per_cell, dtype=object, count=len(per_cell))  # (a list value stays one element)
        return values[self.codes].tolist()


class RawTable:
    """A table's cells as written: its headers, and each row's spreadsheet number and cells (blank rows left
    out). A plain CSV file (:func:`_columnar_table`) is read a column at a time: its ``rows`` are made only
    if asked for, and until then :meth:`columns` hands out the columns as read (don't edit them)."""

    def __init__(self, table: str, file: str, headers: list[str], rows: list[tuple[int, list[Any]]] | None = None,
                 *, columns: list[Coded] | None = None) -> None:
        self.table, self.file, self.headers = table, file, headers
        self._rows = [] if rows is None and columns is None else rows
        self._columns = columns  # rows 2, 3, … of a table with no blank row, every row as wide as the headers

    def __repr__(self) -> str:
        return f"RawTable({self.table!r}, {self.file!r}, {len(self)} rows)"

    def __len__(self) -> int:
        return len(self._columns[0]) if self._columns else len(self.rows)

    @property
    def rows(self) -> list[tuple[int, list[Any]]]:
        """(number, cells) of each row. Once asked for, the rows are the table (a caller may edit them): the
        columns as read are dropped."""
        if self._rows is None:
            self._rows = list(enumerate(map(list, zip(*self._columns, strict=True)), start=2))  # type: ignore[misc]
            self._columns = None
        return self._rows

    def numbers(self) -> list[int]:
        """Each row's spreadsheet row number."""
        if self._columns is not None:
            return list(range(2, len(self) + 2))
        return list(map(itemgetter(0), self.rows))

    def cells(self, i: int) -> list[Any]:
        """The cells of the ``i``-th row (0-based, blank rows not counted)."""
        if self._columns is not None:
            return [column[i] for column in self._columns]
        return self.rows[i][1]

    def columns(self, positions: list[int]) -> list[Sequence[Any]]:
        """The cells at each of ``positions`` in every row (``None`` where a row is shorter): a list each, or
        a :class:`Coded` column as read."""
        if self._columns is not None:
            return [self._columns[k] for k in positions]
        cells = list(map(itemgetter(1), self.rows))
        narrowest = min(map(len, cells), default=0)
        return [list(map(itemgetter(k), cells)) if k < narrowest else [c[k] if k < len(c) else None for c in cells]
                for k in positions]


RawDataset = dict[str, RawTable]
_TABLE_NAMES = [t.table for t in TABLES]
_CHUNK = 1 << 20


def read_raw(path: str | Path, *, lazy: bool = False, limits: Limits | None = None) -> RawDataset:
    """The tables of a dataset. ``lazy``: a folder's tables are each read when asked for, and not kept, so that
    validating a large folder holds one table's cells at a time (:func:`~tracegraph.validation.validate` asks
    for each table once). ``limits`` default to :meth:`Limits.resolve` (the settings file, the variables)."""
    path = Path(path)
    limits = limits or Limits.resolve()
    if path.is_dir():
        folder = _CsvFolder(path, limits)
        return folder if lazy else dict(folder.items())  # type: ignore[return-value]  # lazy: read-only mapping
    if not path.exists():
        raise UnreadableDataset(f"{path}: no such file or folder")
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".json", ".zip"):
        raise UnreadableDataset(f"{path}: expected a folder of CSV files, a .zip, an .xlsx or a .json file")
    if suffix == ".xlsx":
        return _read_xlsx(path, path.name, limits)
    if suffix == ".json":  # read whole: its size is one table's at most (an archive's members are each checked)
        _check_size(path.name, path.stat().st_size, limits)
        return _read_json(path.read_bytes(), path.name, limits)
    return _read_zip(path, path.name, limits)


def read_raw_bytes(name: str, data: bytes, limits: Limits | None = None) -> RawDataset:
    """For uploads (the app): the same formats, from memory, and no larger than ``max_upload_mb``."""
    limits = limits or Limits.resolve()
    suffix = Path(name).suffix.lower()
    if suffix not in (".xlsx", ".json", ".zip"):
        raise UnreadableDataset(f"{name}: upload a .zip of CSV files, an .xlsx workbook or a .json file")
    if len(data) > limits.max_upload_mb * MIB:
        raise LimitReached(f"{name}: {_size(len(data))}, over the {_size(limits.max_upload_mb * MIB)} an upload may "
                           f"have ({limits.hint('max_upload_mb')})")
    if suffix == ".zip":
        return _read_zip(io.BytesIO(data), name, limits)
    if suffix == ".xlsx":
        return _read_xlsx(io.BytesIO(data), name, limits)
    _check_size(name, len(data), limits)
    return _read_json(data, name, limits)


def relabel(raw: RawDataset, part: str) -> RawDataset:
    """A part's tables named after the part, so that a merged dataset's problems say which part they are in."""
    base = Path(part).name
    for table in raw.values():
        table.file = f"{part}{table.file.removeprefix(base)}" if table.file.startswith(base + ":") \
            else f"{part}/{table.file}" if Path(part).is_dir() else f"{part}:{table.file}"
    return raw


def read_table_file(path: Path, table: str, limits: Limits | None = None) -> RawTable:
    """One table from its own CSV file (e.g. a plan's targets kept apart from the dataset)."""
    if not path.is_file():
        raise UnreadableDataset(f"{path}: no such file")
    limits = limits or Limits.resolve()
    _check_size(path.name, path.stat().st_size, limits)
    return _table_from_bytes(table, path.name, path.read_bytes(), limits)


def decode(data: bytes, file: str) -> str:
    """UTF-8 (with or without BOM) first; GB18030 is what Excel on Chinese Windows writes. Anything else — a
    NUL byte, UTF-16, bytes neither decodes — is not a text file, said once instead of as row errors."""
    if b"\x00" in data:
        if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
            raise UnreadableDataset(f"{file}: not a text file in UTF-8 or GB18030 (it is UTF-16: save it as "
                                    "'CSV UTF-8')")
        raise UnreadableDataset(f"{file}: not a text file (it holds NUL bytes)")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableDataset(f"{file}: not a text file (neither UTF-8 nor GB18030)")


# --- limits ---------------------------------------------------------------------------------------------
def _size(n: float) -> str:
    for unit in ("bytes", "KiB", "MiB"):
        if n < 1024:
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"


def _check_size(file: str, size: int, limits: Limits, what: str = "") -> None:
    if size > limits.max_file_bytes:
        raise LimitReached(f"{file}: {what}{_size(size)}, over the {_size(limits.max_file_bytes)} one table may "
                           f"have ({limits.hint('max_file_mb')})")


def _check_member(file: str, size: int, packed: int, limits: Limits) -> None:
    """An archive member, by the sizes its directory declares (zipfile never inflates past the declared size)."""
    _check_size(file, size, limits, "inflates to ")
    if size > RATIO_FLOOR and size > limits.max_ratio * max(packed, 1):
        raise LimitReached(f"{file}: compressed {size / max(packed, 1):.0f}:1 ({_size(packed)} inflating to "
                           f"{_size(size)}), over the {limits.max_ratio:g}:1 a real table reaches "
                           f"({limits.hint('max_ratio')})")


def _too_many_rows(file: str, limits: Limits) -> LimitReached:
    return LimitReached(f"{file}: more than {limits.max_rows:,} rows ({limits.hint('max_rows')})")


def _long_cell(file: str, row: int, limits: Limits) -> LimitReached:
    return LimitReached(f"{file}, row {row}: a cell longer than {limits.max_cell_chars:,} characters "
                        f"({limits.hint('max_cell_chars')})")


# --- CSV ------------------------------------------------------------------------------------------------
class _CsvFolder(Mapping[str, RawTable]):
    """A folder's tables, each read from its file when asked for (see :func:`read_raw`)."""

    def __init__(self, folder: Path, limits: Limits) -> None:
        self._files = _by_table({p.name: p for p in folder.glob("*.csv")}, str(folder))
        self._limits = limits

    def __getitem__(self, table: str) -> RawTable:
        path = self._files[table]
        _check_size(path.name, path.stat().st_size, self._limits)
        return _table_from_bytes(table, path.name, path.read_bytes(), self._limits)

    def __iter__(self) -> Iterator[str]:
        return iter(self._files)

    def __len__(self) -> int:
        return len(self._files)


def _by_table(files: dict[str, _T], where: str) -> dict[str, _T]:
    """Table → its file, by file name (any folder inside an archive; any letter case). A table named twice is
    an error naming both files: the second would silently replace the first."""
    found: dict[str, tuple[str, _T]] = {}
    for name, value in files.items():
        table = Path(name).name.lower().removesuffix(".csv")
        if table not in MODELS or Path(name).name.startswith("._"):  # ._x.csv: macOS resource forks in zips
            continue
        if table in found:
            raise UnreadableDataset(f"{where}: two files for table {table}: {found[table][0]} and {name}")
        found[table] = (name, value)
    return {table: found[table][1] for table in _TABLE_NAMES if table in found}


def _table_from_bytes(table: str, file: str, data: bytes, limits: Limits, where: str | None = None) -> RawTable:
    """A CSV file's table: a column at a time when the file is plain, else by the csv module. (``where``: the
    file as the unreadable-file messages name it, an archive member's with its archive.)"""
    return _columnar_table(table, file, data, limits) or _csv_table(table, file, decode(data, where or file), limits)


def _columnar_table(table: str, file: str, data: bytes, limits: Limits) -> RawTable | None:
    """A plain CSV file's table, a column at a time (pyarrow's reader, in C++); ``None`` for any other file.

    Plain: UTF-8 (BOM or not) without a quote, a NUL or a lone CR, every row as wide as the header, no blank
    row, within the limits. There the csv module's cells and row numbers are known (a row per line, the
    cells between commas, rows numbered from 2), and pyarrow gives the same cells ~3× faster, as columns. Any
    other file (quoted cells, GB18030, ragged or blank rows, a limit passed…) goes to the csv module, which
    reads it as before and says what is wrong with it."""
    end = data.find(b"\n")
    if end < 0 or b'"' in data or b"\x00" in data or data.count(b"\r") != data.count(b"\r\n"):
        return None
    try:
        headers = _headers(data[:end].rstrip(b"\r").decode("utf-8-sig").split(","))
    except UnicodeDecodeError:
        return None
    import pyarrow as pa  # imported late: the app's uploads and the small readers never need it
    from pyarrow import csv as pa_csv

    names = [f"c{k}" for k in range(len(headers))]
    text = pa.dictionary(pa.int32(), pa.string())  # each distinct cell made a str once, not once per row
    try:
        read = pa_csv.read_csv(pa.py_buffer(data), pa_csv.ReadOptions(column_names=names, skip_rows=1),
                               pa_csv.ParseOptions(quote_char=False, ignore_empty_lines=False),
                               pa_csv.ConvertOptions(column_types=dict.fromkeys(names, text),
                                                     strings_can_be_null=False),
                               memory_pool=pa.system_memory_pool())  # (mimalloc would keep the freed table)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # ragged rows, not UTF-8…
        return None
    dictionaries = [chunk.dictionary for column in read.columns for chunk in column.chunks]
    widest = max(map(_longest, dictionaries), default=0)
    if read.num_rows > limits.max_rows - 1 or max(widest, *map(len, headers)) > limits.max_cell_chars:
        return None
    columns = [_coded(column) for column in read.columns]
    if columns and not all(map(str.strip, columns[0].cells)):  # a row may be blank (the csv module skips those)
        return None
    return RawTable(table, file, headers, columns=columns)


def _coded(column: Any) -> Coded:
    """A pyarrow dictionary column as a :class:`Coded` one: the blocks' dictionaries one after another."""
    import numpy as np

    cells: list[str] = []
    codes = []
    for chunk in column.chunks:  # (no null: strings_can_be_null is off)
        # From the buffer: pyarrow's to_numpy would import pandas (0.2 s) to convert a plain int32 array.
        indices = chunk.indices
        if len(indices):
            codes.append(np.frombuffer(indices.buffers()[1], np.int32, len(indices), indices.offset * 4)
                         + len(cells))
        cells += chunk.dictionary.to_pylist()
    return Coded(cells, np.concatenate(codes) if codes else np.zeros(0, np.int32))


def _longest(chunk: Any) -> int:
    """The longest cell of a pyarrow string array, in bytes (from its offsets; pyarrow.compute would cost an
    import of 40 ms for this)."""
    import numpy as np

    offsets = np.frombuffer(chunk.buffers()[1], np.int32, len(chunk) + 1, chunk.offset * 4)
    return int(np.diff(offsets).max()) if len(chunk) else 0


@paused_gc()  # (not around openpyxl: only the cells read here are known to be acyclic)
def _csv_table(table: str, file: str, content: str, limits: Limits) -> RawTable:
    rows = csv.reader(io.StringIO(content, newline=""))
    previous = csv.field_size_limit(limits.max_cell_chars)  # the csv module checks each cell's length for us
    try:
        headers = next(rows, None)
        if headers is None:
            return RawTable(table, file, [])
        # CSV cells are text: a row is blank when every cell strips to nothing.
        body = [(number, cells) for number, cells in enumerate(itertools.islice(rows, limits.max_rows - 1), start=2)
                if (cells and cells[0].strip()) or any(map(str.strip, cells))]
        if next(rows, None) is not None:
            raise _too_many_rows(file, limits)
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise _long_cell(file, rows.line_num, limits) from None
        raise UnreadableDataset(f"{file}, row {rows.line_num}: not CSV ({exc})") from None
    finally:
        csv.field_size_limit(previous)
    return RawTable(table, file, _headers(headers), body)


def _headers(cells: Iterable[Any]) -> list[str]:
    return ["" if h is None else str(h).strip().lstrip("\ufeff") for h in cells]


def _blank_row(cells: Iterable[Any]) -> bool:
    return all(c is None or str(c).strip() == "" for c in cells)


# --- zip ------------------------------------------------------------------------------------------------
# What zipfile raises for a member it cannot read: a bad header or CRC, a truncated stream, an unknown method
# or encryption, and (ValueError) a header offset a corrupted directory points before the file's start.
_BROKEN_MEMBER = (zipfile.BadZipFile, OSError, EOFError, ValueError, zlib.error, NotImplementedError, RuntimeError)


def _open_zip(source: Path | IO[bytes], name: str, what: str = "a valid zip file") -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise UnreadableDataset(f"{name}: not {what} ({exc})") from None


def _read_zip(source: Path | IO[bytes], name: str, limits: Limits) -> RawDataset:
    with _open_zip(source, name) as archive:
        members = {i.filename: i for i in archive.infolist() if not i.is_dir() and i.filename.lower().endswith(".csv")}
        raw: RawDataset = {}
        for table, info in _by_table(members, name).items():
            file = f"{name}:{info.filename}"
            _check_member(file, info.file_size, info.compress_size, limits)
            raw[table] = _table_from_bytes(table, Path(info.filename).name, _inflate(archive, info, file, limits),
                                           limits, file)
        return raw


def _inflate(archive: zipfile.ZipFile, info: zipfile.ZipInfo, file: str, limits: Limits) -> bytes:
    """A member's bytes, read a chunk at a time and never past the size limit (whatever its header says)."""
    chunks, total = [], 0
    try:
        with archive.open(info) as member:
            while chunk := member.read(_CHUNK):
                total += len(chunk)
                _check_size(file, total, limits, "inflates to more than ")
                chunks.append(chunk)
    except _BROKEN_MEMBER as exc:
        raise UnreadableDataset(f"{file}: a broken zip member ({exc})") from None
    return b"".join(chunks)


# --- xlsx -----------------------------------------------------------------------------------------------
def _read_xlsx(source: Path | IO[bytes], name: str, limits: Limits) -> RawDataset:
    # A workbook is a zip: every part (worksheets, shared strings) is checked before openpyxl inflates any.
    with _open_zip(source, name, "a readable .xlsx workbook") as archive:
        for info in archive.infolist():
            _check_member(f"{name}:{info.filename}", info.file_size, info.compress_size, limits)
        for info in archive.infolist():
            if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                _count_rows(archive, info, f"{name}:{info.filename}", limits)
    if not isinstance(source, Path):
        source.seek(0)
    from openpyxl import load_workbook  # imported late: only xlsx users pay for it (and only for a sound file)

    try:
        book = load_workbook(source, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several unrelated types for a broken file
        raise UnreadableDataset(f"{name}: not a readable .xlsx workbook ({exc})") from None
    try:
        return {table: _sheet(book[table], table, f"{name}:{table}", limits)
                for table in _TABLE_NAMES if table in book.sheetnames}
    except UnreadableDataset:
        raise
    except Exception as exc:  # a sheet's XML broken past the part openpyxl checked when opening
        raise UnreadableDataset(f"{name}: not a readable .xlsx workbook ({type(exc).__name__}: {exc})") from None
    finally:
        book.close()


_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s>/]")


def _count_rows(archive: zipfile.ZipFile, info: zipfile.ZipInfo, file: str, limits: Limits) -> None:
    """Count a worksheet's rows in its raw XML before openpyxl parses it (≈ 100× faster than parsing, and
    openpyxl scans a sheet without a <dimension> whole just to open the workbook)."""
    rows, tail = 0, b""
    try:
        with archive.open(info) as member:
            while chunk := member.read(_CHUNK):
                data = tail + chunk
                # Up to the last '<': a tag cut by the chunk's end is counted with the next chunk.
                cut = max(data.rfind(b"<"), 0)
                rows += len(_ROW_TAG.findall(data, 0, cut))
                tail = data[cut:]
                if rows > limits.max_rows:
                    raise _too_many_rows(file, limits)
    except _BROKEN_MEMBER as exc:
        raise UnreadableDataset(f"{file}: a broken zip member ({exc})") from None
    if rows + len(_ROW_TAG.findall(tail + b" ")) > limits.max_rows:
        raise _too_many_rows(file, limits)


def _sheet(sheet: Any, table: str, file: str, limits: Limits) -> RawTable:
    # The sheet's declared dimensions are not trusted: "A1:XFD1048576" would pad every row to 16,384 cells.
    sheet.reset_dimensions()
    rows: list[list[Any]] = []
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        if number > limits.max_rows:
            raise _too_many_rows(file, limits)
        if len(values) > limits.max_columns:
            raise LimitReached(f"{file}, row {number}: more than {limits.max_columns} cells in a row "
                               f"({limits.hint('max_columns')})")
        if any(isinstance(v, str) and len(v) > limits.max_cell_chars for v in values):
            raise _long_cell(file, number, limits)
        rows.append(list(values))
    if not rows:
        return RawTable(table, file, [])
    body = [(number, cells) for number, cells in enumerate(rows[1:], start=2) if not _blank_row(cells)]
    return RawTable(table, file, _headers(rows[0]), body)


# --- JSON -----------------------------------------------------------------------------------------------
def _loads(data: bytes, name: str) -> Any:
    try:
        return json.loads(decode(data, name))
    except json.JSONDecodeError as exc:
        raise UnreadableDataset(f"{name}: invalid JSON ({exc})") from None
    except RecursionError:
        raise UnreadableDataset(f"{name}: invalid JSON (nested too deeply)") from None


def _read_json(data: bytes, name: str, limits: Limits) -> RawDataset:
    return raw_from_json(_loads(data, name), name, limits)


@paused_gc()
def raw_from_json(doc: Any, name: str, limits: Limits | None = None) -> RawDataset:
    """Tables from a JSON document (or a dataset's ``model_dump(mode="json")``, e.g. to check it again).

    JSON is an object of tables, each a list of records; 'row' is the record's 1-based position + 1,
    so that row numbers line up with the same data written as CSV (header = row 1). A cell must be a
    JSON scalar (text, number, true/false, null): a nested list or object is no spreadsheet cell."""
    if not isinstance(doc, dict):
        raise UnreadableDataset(f"{name}: expected an object with one list per table")
    limits = limits or Limits.resolve()
    raw: RawDataset = {}
    for table in _TABLE_NAMES:
        records = doc.get(table)
        if records is None:
            continue
        file = f"{name}:{table}"
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise UnreadableDataset(f"{name}: '{table}' must be a list of objects")
        if len(records) + 1 > limits.max_rows:
            raise _too_many_rows(file, limits)
        # An empty table still has its columns (writers emit "table": [] for it).
        headers = list(dict.fromkeys(k for r in records for k in r)) or list(MODELS[table].model_fields)
        rows = [(i, [r.get(h) for h in headers]) for i, r in enumerate(records, start=2)]
        for number, cells in rows:
            _check_json_cells(file, number, cells, limits)
        raw[table] = RawTable(table, file, headers, rows)
    return raw


def _check_json_cells(file: str, number: int, cells: list[Any], limits: Limits) -> None:
    for cell in cells:
        # A list field (an institution's counties) may be a JSON array of values; nothing deeper is a cell.
        for value in cell if isinstance(cell, list) else (cell,):
            if isinstance(value, str):
                if len(value) > limits.max_cell_chars:
                    raise _long_cell(file, number, limits)
            elif isinstance(value, list | dict):
                raise UnreadableDataset(f"{file}, row {number}: a cell holds a JSON {_JSON_KIND[type(value)]}, "
                                        "not a value (text, number, true/false, null, or a list of them)")


_JSON_KIND = {list: "list of lists", dict: "object"}
