"""Query limits of the read-only runner against the real server: a runaway query is stopped by the server at
the transaction timeout with one clear message (library, CLI, app page) and the server answers right after;
at most max_rows rows are fetched and the output says when there were more; library queries are unaffected."""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from tracegraph import _cypher
from tracegraph.cli import app
from tracegraph.i18n import t
from tracegraph.io import read_dataset
from tracegraph.store import Neo4jStore, QueryTimedOut, Settings, run_read_only

pytestmark = pytest.mark.neo4j
ROOT = Path(__file__).resolve().parents[2]
# The repro: a cartesian product of the sample's ~700 nodes, minutes of work without a limit.
RUNAWAY = "MATCH (a), (b), (c) WHERE id(a) < id(b) AND id(b) < id(c) RETURN count(*)"
LIMIT = 2.0
SLACK = 10.0  # the server checks its timeouts periodically; a stopped query answers well within this
runner = CliRunner()


@pytest.fixture(scope="module")
def loaded(store: Neo4jStore) -> Neo4jStore:
    store.load(read_dataset(ROOT / "data" / "standards" / "zaozhuang"))  # unchanged data is not written again
    return store


def assert_free(store: Neo4jStore) -> None:
    """The server answers at once and no transaction of the runaway query is left running."""
    started = time.monotonic()
    assert store.read("RETURN 1 AS x") == [{"x": 1}]
    assert time.monotonic() - started < 2
    running = store.read("SHOW TRANSACTIONS YIELD currentQuery WHERE currentQuery STARTS WITH $q "
                         "RETURN count(*) AS n", q=RUNAWAY[:20])
    assert running == [{"n": 0}]


# --- the time limit ---------------------------------------------------------------------------------------
def test_runaway_query_is_stopped_at_the_timeout(loaded: Neo4jStore) -> None:
    started = time.monotonic()
    with pytest.raises(QueryTimedOut) as info:
        run_read_only(loaded, RUNAWAY, {}, timeout=LIMIT)
    elapsed = time.monotonic() - started
    assert LIMIT <= elapsed < LIMIT + SLACK
    assert (info.value.limit, round(info.value.elapsed)) == (LIMIT, round(elapsed))
    message = str(info.value)
    assert message.startswith("query stopped after ") and "time limit of 2 s" in message
    assert "--timeout" in message and "TRACEGRAPH_NEO4J_QUERY_TIMEOUT" in message and "\n" not in message
    assert_free(loaded)


def test_the_timeout_comes_from_the_settings(loaded: Neo4jStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACEGRAPH_NEO4J_QUERY_TIMEOUT", str(LIMIT))
    settings = Settings.resolve(uri=loaded.settings.uri, password=loaded.settings.password)
    assert settings.query_timeout == LIMIT
    with Neo4jStore(settings) as store, pytest.raises(QueryTimedOut, match="time limit of 2 s"):
        run_read_only(store, RUNAWAY, {})
    assert_free(loaded)


def test_cli_stops_the_runaway_query_with_one_line(loaded: Neo4jStore) -> None:
    started = time.monotonic()
    result = runner.invoke(app, ["cypher", RUNAWAY, "--timeout", str(LIMIT), "--uri", loaded.settings.uri])
    assert time.monotonic() - started < LIMIT + SLACK
    assert result.exit_code == 2, result.output
    assert result.stdout == "" and "Traceback" not in result.output
    (line,) = result.stderr.splitlines()
    assert line.startswith("query stopped after ") and "time limit of 2 s" in line and "--timeout" in line
    assert "[neo4j]" in line  # printed as text, not read as rich markup
    assert_free(loaded)


def test_app_page_shows_one_banner(loaded: Neo4jStore, neo4j_uri: str, monkeypatch: pytest.MonkeyPatch,
                                   tmp_path: Path) -> None:
    library = _library_with(tmp_path, "runaway", f"// runaway.cypher — the issue's repro.\n{RUNAWAY}\n")
    monkeypatch.setattr(_cypher, "LIBRARY", library)
    monkeypatch.setenv("TRACEGRAPH_NEO4J_URI", neo4j_uri)
    monkeypatch.setenv("TRACEGRAPH_NEO4J_QUERY_TIMEOUT", str(LIMIT))
    for lang, label in (("zh", "中文"), ("en", "English")):
        at = cypher_page(label, "runaway")
        assert not at.exception, [e.value for e in at.exception]
        (banner,) = at.error
        elapsed = float(re.search(r"\d+\.\d", banner.value).group())
        assert banner.value == t("query_timed_out", lang, elapsed=elapsed, limit=LIMIT)
        assert LIMIT <= elapsed < LIMIT + SLACK
        assert not at.dataframe
        assert_free(loaded)


# --- the row cap ------------------------------------------------------------------------------------------
def test_rows_are_capped_and_flagged(loaded: Neo4jStore) -> None:
    result = run_read_only(loaded, "UNWIND range(1, 5000) AS i RETURN i", {}, max_rows=100)
    assert result.keys == ["i"] and result.rows == [{"i": i} for i in range(1, 101)] and result.truncated
    exact = run_read_only(loaded, "UNWIND range(1, 100) AS i RETURN i", {}, max_rows=100)
    assert len(exact.rows) == 100 and not exact.truncated


def test_the_rest_is_never_pulled(loaded: Neo4jStore) -> None:
    """A hundred million rows cost what ten do: the runner stops reading and the server discards the rest."""
    started = time.monotonic()
    result = run_read_only(loaded, "UNWIND range(1, 100000000) AS i RETURN i", {}, max_rows=10)
    assert len(result.rows) == 10 and result.truncated
    assert time.monotonic() - started < 5


def test_cli_says_when_rows_are_capped(loaded: Neo4jStore) -> None:
    uri = ["--uri", loaded.settings.uri]
    as_json = runner.invoke(app, ["cypher", "UNWIND range(1, 5000) AS i RETURN i", "--max-rows", "100",
                                  "--format", "json", *uri])
    assert as_json.exit_code == 0, as_json.output
    assert json.loads(as_json.stdout) == [{"i": i} for i in range(1, 101)]  # the same list shape as before
    note = "showing the first 100 rows; the query returned more"
    assert as_json.stderr.startswith(note) and "--max-rows" in as_json.stderr
    table = runner.invoke(app, ["cypher", "UNWIND range(1, 5000) AS i RETURN i", "--max-rows", "100", *uri])
    assert table.exit_code == 0 and "│ 100 │" in table.stdout and "│ 101 │" not in table.stdout
    assert note in table.stderr
    whole = runner.invoke(app, ["cypher", "UNWIND range(1, 100) AS i RETURN i", "--max-rows", "100", *uri])
    assert whole.exit_code == 0 and whole.stderr == ""


def test_app_page_says_when_rows_are_capped(loaded: Neo4jStore, neo4j_uri: str,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACEGRAPH_NEO4J_URI", neo4j_uri)
    monkeypatch.setenv("TRACEGRAPH_NEO4J_MAX_ROWS", "3")
    for lang, label in (("zh", "中文"), ("en", "English")):
        at = cypher_page(label, "coverage")
        assert not at.exception and not at.error
        assert [w.value for w in at.warning] == [t("rows_truncated", lang, n=3)]
        assert len(at.dataframe[0].value) == 3


# --- library queries are unaffected -----------------------------------------------------------------------
def test_a_library_query_is_unaffected(loaded: Neo4jStore) -> None:
    text = _cypher.read_file("coverage")
    params = _cypher.parse_params([f"{k}={v}" for k, v in _cypher.examples(text).items()], text)
    result = run_read_only(loaded, _cypher.code_lines(text), params)
    assert not result.truncated and 0 < len(result.rows) < Settings.max_rows
    assert result.rows == loaded.read(_cypher.code_lines(text), **params)


# --- the settings -----------------------------------------------------------------------------------------
def test_limits_resolve_env_then_file_then_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRACEGRAPH_NEO4J_QUERY_TIMEOUT", raising=False)
    monkeypatch.delenv("TRACEGRAPH_NEO4J_MAX_ROWS", raising=False)
    file = tmp_path / "settings.toml"
    file.write_text("[neo4j]\nquery_timeout = 7.5\nmax_rows = 50\n", encoding="utf-8")
    assert (Settings.resolve(settings_file=tmp_path / "none.toml").query_timeout,
            Settings.resolve(settings_file=tmp_path / "none.toml").max_rows) == (30.0, 1000)
    s = Settings.resolve(settings_file=file)
    assert (s.query_timeout, s.max_rows) == (7.5, 50)
    monkeypatch.setenv("TRACEGRAPH_NEO4J_QUERY_TIMEOUT", "3")
    monkeypatch.setenv("TRACEGRAPH_NEO4J_MAX_ROWS", "20")
    s = Settings.resolve(settings_file=file)
    assert (s.query_timeout, s.max_rows) == (3.0, 20)
    monkeypatch.delenv("TRACEGRAPH_NEO4J_MAX_ROWS")
    file.write_text("[neo4j]\nmax_rows = 0\n", encoding="utf-8")
    with pytest.raises(ValueError, match="max_rows must be a positive whole number, not 0"):
        Settings.resolve(settings_file=file)  # a 0 in the file is not taken for "not set"


@pytest.mark.parametrize(("name", "value"), [("QUERY_TIMEOUT", "0"), ("QUERY_TIMEOUT", "-1"),
                                             ("QUERY_TIMEOUT", "soon"), ("QUERY_TIMEOUT", "inf"),
                                             ("MAX_ROWS", "0"), ("MAX_ROWS", "1.5"), ("MAX_ROWS", "many")])
def test_a_malformed_limit_is_one_clear_error(name: str, value: str, monkeypatch: pytest.MonkeyPatch,
                                              tmp_path: Path) -> None:
    monkeypatch.setenv(f"TRACEGRAPH_NEO4J_{name}", value)
    with pytest.raises(ValueError, match=f"{name.lower()} must be a positive"):
        Settings.resolve(settings_file=tmp_path / "none.toml")
    result = runner.invoke(app, ["cypher", "RETURN 1"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    (line,) = result.stderr.splitlines()
    assert f"TRACEGRAPH_NEO4J_{name}" in line


# --- helpers ----------------------------------------------------------------------------------------------
def _library_with(folder: Path, name: str, text: str) -> Path:
    """A copy of the cypher/ library with one more query, as a deployment's TRACEGRAPH_CYPHER_DIR could hold."""
    library = folder / "cypher"
    shutil.copytree(_cypher.LIBRARY, library)
    (library / f"{name}.cypher").write_text(text, encoding="utf-8")
    return library


def cypher_page(lang: str, query: str) -> AppTest:
    """The app on the Neo4j backend's Cypher page in ``lang``, with ``query`` run."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.run()
    at.sidebar.radio(key="lang").set_value(lang)
    at.sidebar.radio(key="backend").set_value("neo4j")
    at.sidebar.radio(key="page").set_value("cypher")
    at.run()
    at.selectbox(key="cypher_query").set_value(query).run()
    at.button(key="cypher_run").click().run()
    return at
