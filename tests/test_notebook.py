"""The analyst walkthrough (``notebooks/walkthrough.ipynb``) runs end to end on the venv's own kernel.

The notebook is copied to a temporary folder and executed there with nbclient, so its exports and
the executed copy never land in the repository; the committed notebook must stay output-free.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import openpyxl
import pytest

import tracegraph as tg

nbformat = pytest.importorskip("nbformat")  # the dev extra: nbformat, nbclient, ipykernel
nbclient = pytest.importorskip("nbclient")

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "walkthrough.ipynb"
CELL_TIMEOUT = 300  # seconds per cell


def _text(cell) -> str:
    """Everything a code cell printed or returned, as text."""
    parts = []
    for out in cell.get("outputs", []):
        if out["output_type"] == "stream":
            parts.append(out["text"])
        elif out["output_type"] in ("execute_result", "display_data"):
            parts.append(out["data"].get("text/plain", ""))
    return "".join(parts)


def _cell(nb, cell_id: str):
    return next(c for c in nb.cells if c.get("id") == cell_id)


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """(executed notebook, the folder it ran in) — run once for every test of this module."""
    work = tmp_path_factory.mktemp("walkthrough")
    copy = work / NOTEBOOK.name
    shutil.copy(NOTEBOOK, copy)
    nb = nbformat.read(copy, as_version=4)
    client = nbclient.NotebookClient(nb, kernel_name="python3", timeout=CELL_TIMEOUT,
                                     resources={"metadata": {"path": str(work)}})
    client.execute()
    nbformat.write(nb, copy)  # the executed copy stays in the temporary folder, for inspection
    return nb, work


def test_committed_notebook_has_no_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code
    for c in code:
        assert c.outputs == [], f"cell {c.id} has outputs"
        assert c.execution_count is None, f"cell {c.id} has an execution count"


def test_every_cell_ran_without_error(executed):
    nb, _ = executed
    for c in nb.cells:
        if c.cell_type == "code":
            assert c.execution_count is not None, f"cell {c.id} did not run"
            assert not [o for o in c.outputs if o["output_type"] == "error"], f"cell {c.id} raised"


def test_kernel_is_this_venv(executed):
    nb, _ = executed
    text = _text(_cell(nb, "setup"))
    assert f"prefix: {sys.prefix}\n" in text
    assert f"root: {NOTEBOOK.parents[1]}\n" in text


def test_figures_and_chains(executed):
    nb, _ = executed
    figures = _text(_cell(nb, "figures"))
    for flt in ("all", "household_meter", "mandatory"):
        assert f"\n{flt} " in figures
    assert "paths:" in _text(_cell(nb, "chain"))
    assert "uncovered:" in _text(_cell(nb, "gaps"))


def test_plans_are_optimal(executed):
    nb, _ = executed
    assert "status:     optimal" in _text(_cell(nb, "plan-budget"))
    assert "status:     optimal" in _text(_cell(nb, "plan-targets"))


def test_exports_are_written_in_the_working_copy(executed):
    nb, work = executed
    request, export = work / "walkthrough-request.xlsx", work / "walkthrough-export.xlsx"
    assert request.is_file() and export.is_file()
    assert len(openpyxl.load_workbook(request).sheetnames) == 3  # actions, figures, targets
    sample = tg.read_dataset(NOTEBOOK.parents[1] / "data/standards/zaozhuang")
    assert len(tg.read_dataset(export).standards) == len(sample.standards)
    text = _text(_cell(nb, "export"))
    assert f"wrote {request}" in text
    assert "\n# " in text  # the Markdown request's title
