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

from tracegraph._raw import read_raw, read_raw_bytes, read_table_file
from tracegraph.models import REQUIRED_TABLES, TABLES, Dataset, Row, Target
from tracegraph.validation import DatasetError, Report, parse_table, validate

Format = Literal["csv", "xlsx", "json"]
Lang = Literal["en", "zh"]


def check_dataset(path: str | Path, as_of: dt.date | None = None) -> tuple[Dataset | None, Report]:
    """Validate a dataset on disk; the dataset is returned only when it has no error."""
    return validate(read_raw(path), as_of)


def check_upload(name: str, data: bytes, as_of: dt.date | None = None) -> tuple[Dataset | None, Report]:
    return validate(read_raw_bytes(name, data), as_of)


def read_targets(path: str | Path) -> tuple[list[Target], Report]:
    """A targets file on its own (e.g. a plan's targets for a dataset), checked cell by cell."""
    rows, report = parse_table(read_table_file(Path(path), "targets"), Target)
    return rows, report  # type: ignore[return-value]


def read_dataset(path: str | Path, as_of: dt.date | None = None) -> Dataset:
    """Read and validate; raise :class:`DatasetError` (with the whole report) on any error."""
    dataset, report = check_dataset(path, as_of)
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


def _headers(model: type[Row], lang: Lang) -> list[str]:
    return list(model.columns().values() if lang == "zh" else model.columns())


def _records(model: type[Row], dataset: Dataset | None) -> list[list[Any]]:
    rows = dataset.rows(model) if dataset else []
    return [[_cell(getattr(row, f)) for f in model.model_fields] for row in rows]


def write_dataset(dataset: Dataset | None, path: str | Path, fmt: Format | None = None, lang: Lang = "en",
                  include_optional: bool = False) -> Path:
    """Write a dataset (``None``: the blank template) as a CSV folder, .xlsx or .json.

    CSV is written UTF-8 with a BOM so that Excel on Chinese Windows opens it correctly.
    """
    path = Path(path)
    fmt = fmt or {".xlsx": "xlsx", ".json": "json"}.get(path.suffix.lower(), "csv")
    tables = _tables(dataset, include_optional)
    if fmt == "csv":
        path.mkdir(parents=True, exist_ok=True)
        for model in tables:
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\n")
            writer.writerow(_headers(model, lang))
            writer.writerows(_records(model, dataset))
            (path / f"{model.table}.csv").write_text(buffer.getvalue(), encoding="utf-8-sig")
    elif fmt == "xlsx":
        _write_xlsx(path, tables, dataset, lang)
    else:
        doc = {m.table: [row.model_dump(mode="json") for row in (dataset.rows(m) if dataset else [])] for m in tables}
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def _write_xlsx(path: Path, tables: list[type[Row]], dataset: Dataset | None, lang: Lang) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for model in tables:
        sheet = book.create_sheet(model.table)
        sheet.append(_headers(model, lang))
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


__all__ = ["DatasetError", "check_dataset", "check_upload", "read_dataset", "write_dataset", "write_template"]
