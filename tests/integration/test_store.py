"""Loading into the real Neo4j: validation first, idempotent, atomic, export → load → export identity;
and the read-only Cypher runner refusing every kind of write."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from randomdata import random_dataset
from typer.testing import CliRunner

from tracegraph import _cypher
from tracegraph.cli import app
from tracegraph.io import read_dataset, write_dataset
from tracegraph.store import Neo4jStore, WriteRefused, run_read_only

pytestmark = pytest.mark.neo4j
AS_OF = dt.date(2026, 1, 1)
SAMPLE = Path(__file__).resolve().parents[2] / "data" / "standards" / "zaozhuang"
runner = CliRunner()



def snapshot(store: Neo4jStore) -> tuple:
    with store.driver.session() as session:
        nodes = session.run("MATCH (n) RETURN count(n) AS c").single()["c"]
        rels = session.run("MATCH ()-[r]->() RETURN count(r) AS c").single()["c"]
        labels = sorted(r["label"] for r in session.run("CALL db.labels() YIELD label RETURN label"))
        indexes = sorted(r["name"] for r in session.run("SHOW INDEXES YIELD name RETURN name"))
        props = session.run("MATCH (n) RETURN count(n.x) + count(n.touched) AS c").single()["c"]
    return nodes, rels, labels, indexes, props


def uri_args(store: Neo4jStore) -> list[str]:
    return ["--uri", store.settings.uri]


def test_second_load_changes_nothing_and_says_so(store: Neo4jStore) -> None:
    ds = read_dataset(SAMPLE, AS_OF)
    first = store.load(ds, replace=True)
    before = snapshot(store)
    second = store.load(ds)
    assert first.changed and not second.changed
    assert "unchanged" in second.message
    assert second.version == first.version
    assert snapshot(store) == before


def test_replace_writes_a_new_version_and_drops_the_old(store: Neo4jStore) -> None:
    ds = random_dataset(1)
    old = store.load(ds, replace=True)
    new = store.load(ds, replace=True)
    assert new.version == old.version + 1
    with store.driver.session() as session:
        stale = session.run("MATCH (n) WHERE n.v IS NOT NULL AND n.v <> $v RETURN count(n) AS c", v=new.version)
        assert stale.single()["c"] == 0
    assert store.read_dataset() == ds


def test_export_load_export_is_the_identity(store: Neo4jStore, tmp_path: Path) -> None:
    ds = read_dataset(SAMPLE, AS_OF)
    store.load(ds, replace=True)
    first = store.read_dataset()
    assert first == ds
    store.load(random_dataset(2))  # something else in between
    store.load(first)
    assert store.read_dataset() == first
    # The same through the CLI: export --neo4j writes a dataset that reads back identical.
    result = runner.invoke(app, ["export", "--neo4j", str(tmp_path / "out"), *uri_args(store)])
    assert result.exit_code == 0, result.output
    assert read_dataset(tmp_path / "out", AS_OF) == ds


def test_failed_load_leaves_the_previous_data_current(store: Neo4jStore) -> None:
    before = random_dataset(3)
    store.load(before, replace=True)
    version = store.current_version()

    def interrupt(done: int, total: int) -> None:
        if done < total:
            raise KeyboardInterrupt  # as if the planner pressed Ctrl-C half way

    after = read_dataset(SAMPLE, AS_OF)
    with pytest.raises(KeyboardInterrupt):
        store.load(after, progress=interrupt)
    assert store.current_version() == version
    assert store.read_dataset() == before
    # The next load clears the half-written version and completes.
    result = store.load(after)
    assert result.changed and store.read_dataset() == after
    with store.driver.session() as session:
        stale = session.run("MATCH (n) WHERE n.v IS NOT NULL AND n.v <> $v RETURN count(n) AS c", v=result.version)
        assert stale.single()["c"] == 0


def test_invalid_dataset_writes_nothing(store: Neo4jStore, tmp_path: Path) -> None:
    ds = random_dataset(4)
    store.load(ds, replace=True)
    before = snapshot(store)
    write_dataset(ds, tmp_path / "bad")
    demand = (tmp_path / "bad" / "demand.csv").read_text(encoding="utf-8-sig").splitlines()
    demand[1] = demand[1].rsplit(",", 1)[0] + ",-5"  # a negative count
    (tmp_path / "bad" / "demand.csv").write_text("\n".join(demand) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["load", str(tmp_path / "bad"), *uri_args(store)])
    assert result.exit_code == 1
    assert snapshot(store) == before


def test_cli_load_then_neo4j_figures(store: Neo4jStore) -> None:
    result = runner.invoke(app, ["load", str(SAMPLE), "--as-of", "2026-01-01", *uri_args(store)])
    assert result.exit_code == 0, result.output
    again = runner.invoke(app, ["load", str(SAMPLE), "--as-of", "2026-01-01", *uri_args(store)])
    assert "unchanged" in again.output
    for command in (["coverage"], ["gaps"], ["targets"], ["chain", "CITY-370400-001"]):
        result = runner.invoke(app, [*command, "--neo4j", "--as-of", "2026-01-01", "--format", "json",
                                     *uri_args(store)])
        assert result.exit_code == 0, (command, result.output)


def test_unreachable_neo4j_is_a_clear_error() -> None:
    result = runner.invoke(app, ["coverage", "--neo4j", "--uri", "bolt://127.0.0.1:1"])
    assert result.exit_code == 3
    assert "cannot reach Neo4j" in result.output


WRITES = {
    "create": "CREATE (n:Intruder) RETURN n",
    "merge": "MERGE (n:Intruder {id: 1}) RETURN n",
    "set": "MATCH (n:Standard) SET n.x = 1 RETURN count(n)",
    "delete": "MATCH (n:Standard) DETACH DELETE n",
    "remove": "MATCH (n:Standard) REMOVE n.status RETURN count(n)",
    "set_label": "MATCH (n:Standard) SET n:touched RETURN count(n)",
    "load_csv_create": "LOAD CSV FROM 'file:///etc/hostname' AS line CREATE (:Intruder {line: line})",
    "load_csv_read": "LOAD CSV FROM 'file:///etc/passwd' AS line RETURN line",
    "in_transactions": "MATCH (n:Standard) CALL (n) { SET n.touched = true } IN TRANSACTIONS RETURN count(*)",
    "create_index": "CREATE INDEX intruder FOR (n:Standard) ON (n.x)",
    "drop_constraint": "DROP CONSTRAINT tg_standard_uid",
    "create_label_procedure": "CALL db.createLabel('Intruder')",
    "create_property_procedure": "CALL db.createProperty('intruder')",
    "foreach": "MATCH (n:Standard) FOREACH (x IN [1] | SET n.x = x)",
}


@pytest.mark.parametrize("name", sorted(WRITES))
def test_read_only_runner_refuses_writes(store: Neo4jStore, name: str) -> None:
    store.load(random_dataset(5), replace=True)
    before = snapshot(store)
    with pytest.raises(WriteRefused):
        run_read_only(store, WRITES[name], {})
    result = runner.invoke(app, ["cypher", WRITES[name], *uri_args(store)])
    assert result.exit_code == 1 and "refused" in result.output
    assert snapshot(store) == before


@pytest.mark.parametrize("name", [n for n in _cypher.library() if n != "schema"])
def test_every_library_query_runs_read_only_with_its_examples(store: Neo4jStore, name: str) -> None:
    store.load(read_dataset(SAMPLE, AS_OF))
    text = _cypher.read_file(name)
    assert ":param" in _cypher.header(text) or not _cypher.parameters(text)
    result = runner.invoke(app, ["cypher", name, "--format", "json", *uri_args(store)]
                           + [arg for p in _example_params(text) for arg in ("--param", p)])
    assert result.exit_code == 0, result.output
    assert result.output.strip().startswith("[")


def _example_params(text: str) -> list[str]:
    out = []
    for line in _cypher.header(text).splitlines():
        if line.startswith(":param"):
            name, expr = (x.strip() for x in line[len(":param"):].split("=>", 1))
            value = expr.removeprefix("date(").removesuffix(")").strip("'")
            out.append(f"{name}={value}")
    return out


def test_no_query_is_assembled_from_strings() -> None:
    """Every query the package sends is a constant or a cypher/ file; the only exception is EXPLAIN."""
    package = Path(__file__).resolve().parents[2] / "tracegraph"
    offenders = []
    for path in package.glob("*.py"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if (".run(f\"" in line or ".run(f'" in line or "tx.run(\"\" +" in line
                    or ('+ query' in line and "EXPLAIN" not in line)):
                offenders.append(f"{path.name}:{number}: {line.strip()}")
    assert offenders == []


def test_plan_from_neo4j_equals_plan_from_the_file(store, neo4j_uri):
    """`tracegraph plan --neo4j` plans on the loaded dataset exactly as on the file it came from."""
    import json
    from pathlib import Path

    from typer.testing import CliRunner

    from tracegraph.cli import app
    from tracegraph.io import read_dataset

    sample = Path(__file__).resolve().parents[2] / "data" / "standards" / "zaozhuang"
    store.load(read_dataset(sample), replace=True)
    runner = CliRunner()
    args = ["--budget", "150", "--as-of", "2026-01-01", "--format", "json"]
    from_file = runner.invoke(app, ["plan", str(sample), *args])
    from_neo4j = runner.invoke(app, ["plan", "--neo4j", "--uri", neo4j_uri, *args])
    assert from_file.exit_code == 0 and from_neo4j.exit_code == 0, from_neo4j.output
    a, b = (json.loads(r.stdout.strip().splitlines()[-1]) for r in (from_file, from_neo4j))
    assert a["status"] == b["status"] == "optimal"
    assert (a["total_cost"], a["after"], a["actions"]) == (b["total_cost"], b["after"], b["actions"])
