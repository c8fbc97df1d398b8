"""Reading and writing datasets: a CSV folder (or zip), an .xlsx workbook, or JSON.

``read_dataset`` validates before it returns anything, so a dataset with an error never
reaches the graph, the figures or Neo4j. ``write_dataset`` writes the same template back:
writing then reading gives the identical :class:`~tracegraph.models.Dataset`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any, Literal

from tracegraph._raw import RawDataset, UnreadableDataset, read_raw, read_raw_bytes, read_table_file, relabel
from tracegraph.models import REQUIRED_TABLES, TABLES, Dataset, Row, Target
from tracegraph.validation import ColumnMap, DatasetError, Report, header_lookup, parse_table, validate, validate_parts

Format = Literal["csv", "xlsx", "json"]
Lang = Literal["en", "zh"]


def check_dataset(path: str | Path, as_of: dt.date | None = None, columns: ColumnMap | None = None,
                  targets: str | Path | None = None) -> tuple[Dataset | None, Report]:
    """Validate a dataset on disk; the dataset is returned only when it has no error.

    ``as_of`` defaults to the dataset's snapshot date, else today; ``columns`` maps other headers
    (:func:`read_columns`); ``targets``, a targets CSV kept apart, is checked as the dataset's own table.
    A folder is read table by table (a national one's cells never all in memory) unless a targets file joins it.
    """
    raw = read_raw(path, lazy=targets is None)
    if targets is not None:
        raw["targets"] = read_table_file(Path(targets), "targets")
    return validate(raw, as_of, columns)


def check_upload(name: str, data: bytes, as_of: dt.date | None = None,
                 columns: ColumnMap | None = None) -> tuple[Dataset | None, Report]:
    return validate(read_raw_bytes(name, data), as_of, columns)


def check_parts(parts: list[str | Path] | list[tuple[str, bytes]], as_of: dt.date | None = None,
                columns: ColumnMap | None = None) -> tuple[Dataset | None, Report]:
    """Several submissions (paths, or uploads as (name, bytes)) checked and merged into one dataset
    (``changes.md``, Merging submissions); each problem names the part, file and row."""
    raws: list[tuple[str, RawDataset]] = []
    for part in parts:
        if isinstance(part, tuple):
            name, raw = part[0], read_raw_bytes(*part)
        else:
            name, raw = str(part), read_raw(part)
        raws.append((name, relabel(raw, name)))
    return validate_parts(raws, as_of, columns)


def merge_parts(out: str | Path, parts: list[str | Path], as_of: dt.date | None = None,
                columns: ColumnMap | None = None, lang: Lang = "en") -> tuple[Dataset | None, Report]:
    """``tracegraph merge OUT PART...``: write the merged dataset, or nothing when it is invalid."""
    dataset, report = check_parts(parts, as_of, columns)
    if dataset is not None:
        write_dataset(dataset, out, lang=lang, include_optional=True)
    return dataset, report


def read_columns(path: str | Path) -> ColumnMap:
    """A ``--columns MAP.csv`` (columns ``file``, ``column``, ``header``): each row maps a header written in one
    table's file to one template column. ``file`` is the table (``standards``), its CSV name or its sheet."""
    path = Path(path)
    raw = read_table_file(path, "columns")
    names = [h.lower() for h in raw.headers]
    if not {"file", "column", "header"} <= set(names):
        raise UnreadableDataset(f"{path}: a column map needs the columns file, column, header")
    tables = {m.table: m for m in TABLES}
    mapping: ColumnMap = {}
    for number, cells in raw.rows:
        row = dict(zip(names, (str(c or "").strip() for c in cells), strict=False))
        table = Path(row["file"]).name.removesuffix(".csv").split(":")[-1]
        model = tables.get(table)
        if model is None:
            raise UnreadableDataset(f"{path}, row {number}, column file: {row['file']!r} is not a table of the "
                                    f"template ({', '.join(tables)})")
        field = header_lookup(model).get(row["column"].lower()) or header_lookup(model).get(row["column"])
        if field is None:
            raise UnreadableDataset(f"{path}, row {number}, column column: {row['column']!r} is not a column of "
                                    f"{table} ({', '.join(model.model_fields)})")
        if not row["header"]:
            raise UnreadableDataset(f"{path}, row {number}, column header: the header is blank")
        mapping.setdefault(table, {})[row["header"]] = field
    return mapping


def read_targets(path: str | Path) -> tuple[list[Target], Report]:
    """A targets file on its own (e.g. a plan's targets for a dataset), checked cell by cell."""
    rows, report = parse_table(read_table_file(Path(path), "targets"), Target)
    return rows, report  # type: ignore[return-value]


def read_dataset(path: str | Path, as_of: dt.date | None = None, columns: ColumnMap | None = None) -> Dataset:
    """Read and validate; raise :class:`DatasetError` (with the whole report) on any error."""
    dataset, report = check_dataset(path, as_of, columns)
    if dataset is None:
        raise DatasetError(report)
    return dataset


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if value is None else value


def _tables(dataset: Dataset | None, include_optional: bool) -> list[type[Row]]:
    if dataset is None:
        return list(TABLES)
    return [m for m in TABLES if m in REQUIRED_TABLES or include_optional or dataset.rows(m)]


def _headers(model: type[Row], lang: Lang, rename: dict[str, dict[str, str]] | None = None) -> list[str]:
    own = (rename or {}).get(model.table, {})
    return [own.get(f, zh if lang == "zh" else f) for f, zh in model.columns().items()]


def _records(model: type[Row], dataset: Dataset | None) -> list[list[Any]]:
    rows = dataset.rows(model) if dataset else []
    return [[_cell(getattr(row, f)) for f in model.model_fields] for row in rows]


def write_dataset(dataset: Dataset | None, path: str | Path, fmt: Format | None = None, lang: Lang = "en",
                  include_optional: bool = False, headers: dict[str, dict[str, str]] | None = None) -> Path:
    """Write a dataset (``None``: the blank template) as a CSV folder, .xlsx or .json.

    ``headers`` (table → column → header) writes some columns under other accepted headers, e.g. a
    registry's (``changes.md``). CSV is written UTF-8 with a BOM so that Excel on Chinese Windows opens it.
    """
    path = Path(path)
    fmt = fmt or {".xlsx": "xlsx", ".json": "json"}.get(path.suffix.lower(), "csv")
    tables = _tables(dataset, include_optional)
    if fmt == "csv":
        path.mkdir(parents=True, exist_ok=True)
        for model in tables:
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\n")
            writer.writerow(_headers(model, lang, headers))
            writer.writerows(_records(model, dataset))
            (path / f"{model.table}.csv").write_text(buffer.getvalue(), encoding="utf-8-sig")
    elif fmt == "xlsx":
        _write_xlsx(path, tables, dataset, lang, headers)
    else:
        doc = {m.table: [row.model_dump(mode="json") for row in (dataset.rows(m) if dataset else [])] for m in tables}
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def _write_xlsx(path: Path, tables: list[type[Row]], dataset: Dataset | None, lang: Lang,
                headers: dict[str, dict[str, str]] | None) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for model in tables:
        sheet = book.create_sheet(model.table)
        sheet.append(_headers(model, lang, headers))
        for record in _records(model, dataset):
            # Codes and ids stay text: Excel would drop the leading zeros of a number.
            sheet.append([v if isinstance(v, (int, float)) and not isinstance(v, bool) else str(v) for v in record])
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)


def write_template(folder: str | Path) -> list[Path]:
    """The blank template: CSV folders and workbooks with English and Chinese headers."""
    folder = Path(folder)
    written = []
    for lang in ("en", "zh"):
        written.append(write_dataset(None, folder / f"csv-{lang}", "csv", lang))
        written.append(write_dataset(None, folder / f"template-{lang}.xlsx", "xlsx", lang))
    return written


__all__ = ["DatasetError", "check_dataset", "check_parts", "check_upload", "merge_parts", "read_columns",
           "read_dataset", "write_dataset", "write_template"]
