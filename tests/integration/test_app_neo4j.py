"""The app against the real Neo4j server: the backend switch reads the loaded dataset (with its snapshot date),
the 变化 page compares it with an upload, and the Cypher page runs a library query read-only."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tracegraph.algorithms import evaluate_targets
from tracegraph.changes import diff
from tracegraph.graph import build_graph
from tracegraph.i18n import t
from tracegraph.io import check_upload, read_dataset, write_dataset

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.neo4j


@pytest.fixture
def loaded(store, neo4j_uri, monkeypatch):
    store.load(read_dataset(ROOT / "data" / "standards" / "zaozhuang"), replace=True)
    monkeypatch.setenv("TRACEGRAPH_NEO4J_URI", neo4j_uri)
    return store


def app(page: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.run()
    at.sidebar.radio(key="backend").set_value("neo4j")
    at.sidebar.radio(key="page").set_value(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def as_of_box(at: AppTest):
    (box,) = [d for d in at.sidebar.date_input if d.key.startswith("as_of:")]
    return box


def test_backend_switch_reads_the_dataset_from_neo4j(loaded, neo4j_uri):
    at = app("overview")
    assert not at.error
    assert any(f"neo4j:{neo4j_uri}" in c.value for c in at.sidebar.caption)
    snapshot = loaded.snapshot_date()
    assert snapshot is not None and as_of_box(at).value == snapshot  # the loaded dataset's snapshot date
    assert f"数据截至 {snapshot}" in [c.value for c in at.sidebar.caption]
    results = evaluate_targets(build_graph(loaded.read_dataset()), snapshot)
    targets = next(d.value for d in at.dataframe if "目标" in d.value.columns)
    assert list(targets["目标"]) == [r.id for r in results] and "ZZ-2020-coverage" in set(targets["目标"])


def test_changes_page_compares_neo4j_with_an_upload(loaded, tmp_path):
    current = loaded.read_dataset()
    sid = next(s.id for s in current.standards if s.certificate_expiry and not s.primary)
    renewed = current.model_copy(update={"standards": [
        s.model_copy(update={"certificate_expiry": s.certificate_expiry + dt.timedelta(days=5 * 365)})
        if s.id == sid else s for s in current.standards]})
    data = write_dataset(renewed, tmp_path / "new.xlsx").read_bytes()
    at = app("changes")
    assert at.radio(key="changes_mode").value == "current"
    at.file_uploader(key="changes_new").set_value(("new.xlsx", data, "application/octet-stream")).run()
    assert not at.exception, [e.value for e in at.exception]
    new, _ = check_upload("new.xlsx", data)
    d = diff(current, new)
    assert d.renewed == [sid]
    assert {m.label: m.value for m in at.metric} == {t(k): str(n) for k, n in d.summary().items()}


def test_cypher_page_runs_a_library_query(loaded):
    at = app("cypher")
    at.selectbox(key="cypher_query").set_value("coverage").run()
    at.button(key="cypher_run").click().run()
    assert not at.exception and not at.error
    rows = at.dataframe[0].value
    assert "370400" in set(rows["region"].astype(str))
