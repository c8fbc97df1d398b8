"""Submissions into the real Neo4j (``spec/changes.md``): ``load PART --part REGION`` replaces only REGION's
subtree, as one new version, with every figure equal to the merged dataset's; a dangling link changes
nothing; ``diff --neo4j NEW`` compares the server's data with a file; the snapshot date travels with the
data."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from test_changes import AS_OF, as_sets, whole, write_parts
from typer.testing import CliRunner

from tracegraph import changes
from tracegraph.backends import Neo4jBackend
from tracegraph.cli import app
from tracegraph.io import check_parts, write_dataset
from tracegraph.store import Neo4jStore

pytestmark = pytest.mark.neo4j
runner = CliRunner()


def cli(store: Neo4jStore, *args: object):
    return runner.invoke(app, [*(str(a) for a in args), "--uri", store.settings.uri])


def resubmitted(tmp_path: Path) -> Path:
    """370400's part with S3 renewed, S2's link renewed and a demand count changed."""
    part = changes.region_part(whole(), "370400")
    standards = [s.model_copy(update={"certificate_expiry": dt.date(2031, 3, 1)}) if s.id == "S3" else s
                 for s in part.standards]
    links = [x.model_copy(update={"valid_until": dt.date(2030, 1, 1)}) if x.standard == "S2" else x
             for x in part.traceability]
    demand = [d.model_copy(update={"count": 25}) if d.region == "370402" else d for d in part.demand]
    return write_dataset(part.model_copy(update={"standards": standards, "traceability": links, "demand": demand}),
                         tmp_path / "370400-new.xlsx", lang="zh")


def test_load_part_replaces_only_its_region(store: Neo4jStore, tmp_path: Path) -> None:
    parts = write_parts(whole(), tmp_path)
    merged_path = tmp_path / "merged"
    assert runner.invoke(app, ["merge", str(merged_path), *map(str, parts)]).exit_code == 0
    assert cli(store, "load", merged_path, "--replace").exit_code == 0
    before = store.read_dataset()
    version = store.current_version()
    new_part = resubmitted(tmp_path)
    res = cli(store, "load", new_part, "--part", "370400")
    assert res.exit_code == 0, res.output
    after = store.read_dataset()
    assert store.current_version() == version + 1
    expected, report = check_parts([parts[0], new_part, parts[2]])
    assert report.ok and as_sets(after) == as_sets(expected)
    # Only 370400's rows differ.
    d = changes.diff(before, after, AS_OF)
    assert [c.id for c in d.standards.changed] == ["S3"]
    assert [(c.standard, c.upstream) for c in d.links.changed] == [("S2", "S1")]
    assert {c.region for c in d.demand.changed} == {"370402"}
    assert not d.standards.added and not d.standards.removed
    # Every figure equals the merged dataset's, read back through Cypher.
    from tracegraph.algorithms import coverage
    from tracegraph.graph import build_graph
    assert Neo4jBackend(store).coverage(AS_OF).to_contract() == coverage(build_graph(expected), AS_OF).to_contract()
    assert after.snapshot_date == AS_OF
    # diff --neo4j NEW: the server's data against the file it came from is empty.
    res = cli(store, "diff", "--neo4j", merged_path, "--format", "json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout) == changes.diff(after, before, AS_OF).to_contract()


def test_a_dangling_link_changes_nothing(store: Neo4jStore, tmp_path: Path) -> None:
    ds = whole()
    ds = ds.model_copy(update={"traceability": [*ds.traceability, ds.traceability[0].model_copy(
        update={"standard": "S4", "upstream": "S2"})]})  # 370500's S4 traces into 370400's S2
    store.load(ds, replace=True)
    version = store.current_version()
    part = changes.region_part(ds, "370400")
    part = part.model_copy(update={"standards": [s for s in part.standards if s.id != "S2"],
                                   "traceability": [x for x in part.traceability if "S2" not in
                                                    (x.standard, x.upstream)]})
    res = cli(store, "load", write_dataset(part, tmp_path / "p.xlsx"), "--part", "370400", "--lang", "en")
    assert res.exit_code == 1
    assert "unknown standard id" in " ".join(res.stderr.split())
    assert store.current_version() == version and as_sets(store.read_dataset()) == as_sets(ds)


def test_snapshot_date_is_the_default_as_of_on_the_server(store: Neo4jStore, tmp_path: Path) -> None:
    store.load(whole(), replace=True)
    assert store.snapshot_date() == AS_OF
    res = cli(store, "coverage", "--neo4j", "--format", "json")
    assert res.exit_code == 0 and json.loads(res.stdout)["as_of"] == AS_OF.isoformat()
    res = cli(store, "coverage", "--neo4j", "--format", "json", "--as-of", "2027-01-01", "--lang", "en")
    assert "days after the snapshot date" in " ".join(res.stderr.split())
