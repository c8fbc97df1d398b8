"""The shipped blank template matches the models (the public import contract never drifts silently)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tracegraph.io import check_dataset
from tracegraph.models import TABLES

TEMPLATE = Path(__file__).resolve().parents[1] / "data" / "standards" / "template"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_shipped_csv_template_has_every_column(lang: str) -> None:
    for model in TABLES:
        with open(TEMPLATE / f"csv-{lang}" / f"{model.table}.csv", encoding="utf-8-sig", newline="") as f:
            header = next(csv.reader(f))
        expected = list(model.columns()) if lang == "en" else list(model.columns().values())
        assert header == expected, model.table


@pytest.mark.parametrize("name", ["csv-en", "csv-zh", "template-en.xlsx", "template-zh.xlsx"])
def test_shipped_template_reads_as_an_empty_valid_dataset(name: str) -> None:
    dataset, report = check_dataset(TEMPLATE / name)
    assert report.errors == [] and dataset is not None and dataset.standards == []
