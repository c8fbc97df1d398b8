"""The app against the real Neo4j server: the backend switch reads the loaded dataset, and the
Cypher page runs a library query read-only and refuses nothing it should not."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tracegraph.io import read_dataset

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
    at.sidebar.date_input(key="as_of").set_value("2026-01-01")
    at.sidebar.radio(key="backend").set_value("neo4j")
    at.sidebar.radio(key="page").set_value(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_backend_switch_reads_the_dataset_from_neo4j(loaded, neo4j_uri):
    at = app("overview")
    assert not at.error
    assert f"neo4j:{neo4j_uri}" in at.sidebar.caption[0].value
    assert "ZZ-2020-coverage" in set(at.dataframe[0].value["目标"])


def test_cypher_page_runs_a_library_query(loaded):
    at = app("cypher")
    at.selectbox(key="cypher_query").set_value("coverage").run()
    at.button(key="cypher_run").click().run()
    assert not at.exception and not at.error
    rows = at.dataframe[0].value
    assert "370400" in set(rows["region"].astype(str))
