"""The command line of ``spec/changes.md``: the snapshot date as the default as-of (and the warning after 92
days), ``--columns``, ``merge`` and ``diff`` (JSON, table at 80 columns, xlsx)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from test_changes import AS_OF, as_sets, figures, whole, write_parts
from typer.testing import CliRunner

from tracegraph import changes
from tracegraph.cli import app
from tracegraph.io import read_dataset, write_dataset
from tracegraph.models import STALE_DAYS

runner = CliRunner()


def run(*args: object, width: int = 250):
    return runner.invoke(app, [str(a) for a in args], env={"COLUMNS": str(width)})


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return write_dataset(whole(), tmp_path / "ds", "csv", include_optional=True)


def test_default_as_of_is_the_snapshot_date(folder: Path) -> None:
    res = run("coverage", folder, "--format", "json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout) == figures(whole(), AS_OF)
    assert "snapshot" not in res.stderr and "截至日期" not in res.stderr


def test_judging_long_after_the_snapshot_warns(folder: Path) -> None:
    late = AS_OF + dt.timedelta(days=STALE_DAYS + 1)
    res = run("coverage", folder, "--format", "json", "--as-of", late, "--lang", "en")
    assert res.exit_code == 0
    assert json.loads(res.stdout)["as_of"] == late.isoformat()
    assert f"{STALE_DAYS + 1} days after the snapshot date {AS_OF}" in " ".join(res.stderr.split())
    res = run("coverage", folder, "--format", "json", "--as-of", AS_OF + dt.timedelta(days=STALE_DAYS))
    assert res.stderr.strip() == ""
    res = run("validate", folder, "--as-of", late, "--format", "json")
    assert "stale_snapshot" in {w["code"] for w in json.loads(res.stdout)["warnings"]}


def test_columns_option(folder: Path, tmp_path: Path) -> None:
    path = folder / "demand.csv"
    path.write_text(path.read_text(encoding="utf-8-sig").replace("count", "台件数", 1), encoding="utf-8")
    assert run("coverage", folder, "--format", "json").exit_code == 1
    mapping = tmp_path / "map.csv"
    mapping.write_text("file,column,header\ndemand,count,台件数\n", encoding="utf-8")
    for command in ("coverage", "gaps", "targets"):
        res = run(command, folder, "--format", "json", "--columns", mapping)
        assert res.exit_code == 0, (command, res.output)
    res = run("coverage", folder, "--format", "json", "--columns", mapping)
    assert json.loads(res.stdout) == figures(whole())
    bad = tmp_path / "bad.csv"
    bad.write_text("file,column,header\ndemand,nosuch,台件数\n", encoding="utf-8")
    res = run("coverage", folder, "--columns", bad)
    assert res.exit_code == 2 and "not a column of demand" in res.stderr


def test_merge(tmp_path: Path) -> None:
    parts = write_parts(whole(), tmp_path)
    out = tmp_path / "merged"
    res = run("merge", out, *parts, "--lang", "en")
    assert res.exit_code == 0, res.output
    assert as_sets(read_dataset(out)) == as_sets(whole())
    res = run("merge", tmp_path / "nothing", *parts[1:], "--format", "json")
    assert res.exit_code == 1 and not (tmp_path / "nothing").exists()
    errors = json.loads(res.stdout)["errors"]
    assert {e["code"] for e in errors} == {"unknown_reference"}  # the province's part is missing
    assert ("S1", f"{parts[1]}:traceability") in {(e["value"], e["file"]) for e in errors}
    res = run("merge", tmp_path / "x", tmp_path / "missing.xlsx")
    assert res.exit_code == 2 and "no such file" in res.stderr


def changed(tmp_path: Path) -> Path:
    """``whole`` with S3 renewed, S4 gone (with its link) and one demand row more."""
    ds = whole()
    standards = [s.model_copy(update={"certificate_expiry": dt.date(2031, 3, 1)}) if s.id == "S3" else s
                 for s in ds.standards if s.id != "S4"]
    new = ds.model_copy(update={"standards": standards,
                                "traceability": [x for x in ds.traceability if x.standard != "S4"],
                                "demand": [*ds.demand, ds.demand[0].model_copy(update={"region": "370403"})]})
    return write_dataset(new, tmp_path / "new.xlsx")


def test_diff_json_is_the_library_diff(folder: Path, tmp_path: Path) -> None:
    new = changed(tmp_path)
    res = run("diff", folder, new, "--format", "json")
    assert res.exit_code == 0, res.output
    expected = changes.diff(read_dataset(folder), read_dataset(new)).to_contract()
    assert json.loads(res.stdout) == expected
    assert expected["standards"]["removed"] == ["S4"] and expected["links"]["removed"] == [["S4", "S1"]]
    assert [c["id"] for c in expected["standards"]["changed"]] == ["S3"]
    assert expected["figures"]  # S4's county loses its T2 coverage


def test_diff_table_fits_80_columns(folder: Path, tmp_path: Path) -> None:
    new = changed(tmp_path)
    for lang in ("zh", "en"):
        res = run("diff", folder, new, "--lang", lang, width=80)
        assert res.exit_code == 0, res.output
        from rich.cells import cell_len
        assert max(cell_len(line) for line in res.stdout.splitlines()) <= 80
        assert "S4" in res.stdout and "S3" in res.stdout
    res = run("diff", folder, folder)
    assert "没有差别" in res.stdout


def test_diff_xlsx(folder: Path, tmp_path: Path) -> None:
    new = changed(tmp_path)
    out = tmp_path / "diff.xlsx"
    res = run("diff", folder, new, "--format", "xlsx", "--out", out, "--lang", "en")
    assert res.exit_code == 0, res.output
    book = load_workbook(out)
    assert book.sheetnames == ["summary", "changes", "figures"]
    d = changes.diff(read_dataset(folder), read_dataset(new))
    assert book["changes"].max_row == 1 + len(d.rows())
    moved = sum(len(m) for by_filter in d.figures.values() for m in by_filter.values())
    assert book["figures"].max_row == 1 + moved
