"""Every figure, chain and gap from Cypher equals networkx exactly, on the samples and on 20 random
datasets, undated and dated (links calibrated and standards established before, on and after D).

The Neo4j side computes through the cypher/ library (capacity_rate's max-flow from covering.cypher's
rows); the networkx side through tracegraph.algorithms. Equality is exact: same floats, same order.
Where the Neo4j backend hands Cypher's rows to shared Python code (the max-flow, chain_in's paths and
break points), the rows themselves are checked too: chain.cypher's valid / traceable / link-valid flags
against the networkx chain, so a wrong Cypher result fails even where Python would recompute it.

`gaps --region` keeps, besides the region's uncovered items, the expiring certificates and links and
the single points of the standards whose holder is located in the region's subtree or serves a county
of it; what each takes down is counted over the whole dataset. Both backends, compared exactly, and
the rule itself checked on networkx's whole-dataset lists (so both cannot drift together).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from randomdata import random_dataset, random_dated_dataset

from tracegraph.algorithms.gaps import GapReport
from tracegraph.backends import Neo4jBackend, NetworkxBackend
from tracegraph.graph import build_graph
from tracegraph.io import read_dataset
from tracegraph.models import Dataset
from tracegraph.store import Neo4jStore

pytestmark = pytest.mark.neo4j
AS_OF = dt.date(2026, 1, 1)
SAMPLES = Path(__file__).resolve().parents[2] / "data" / "standards"


def assert_parity(store: Neo4jStore, ds: Dataset, as_of: dt.date, days: int, chain_every: int = 1) -> None:
    store.load(ds, replace=True)
    neo, nx_ = Neo4jBackend(store), NetworkxBackend(build_graph(ds))
    assert neo.coverage(as_of) == nx_.coverage(as_of)
    for standard in ds.standards[::chain_every]:
        assert neo.chain(standard.id, as_of) == nx_.chain(standard.id, as_of), standard.id
    ours, theirs = neo.gaps(as_of, days), nx_.gaps(as_of, days)
    assert ours.uncovered == theirs.uncovered
    assert ours.expiring == theirs.expiring
    assert ours.single_points == theirs.single_points
    assert neo.targets(as_of) == nx_.targets(as_of)


def assert_chain_rows(store: Neo4jStore, nx_: NetworkxBackend, ids: list[str], as_of: dt.date) -> None:
    """chain.cypher's own flags, not only what chain_in makes of them."""
    for standard in ids:
        rows = store.run_library("chain", standard=standard, as_of=as_of)
        theirs = nx_.chain(standard, as_of)
        nodes = {n.id: n for n in theirs.nodes}
        assert {r["id"] for r in rows} == set(nodes), standard
        for r in rows:
            assert (r["valid"], r["traceable"]) == (nodes[r["id"]].valid, nodes[r["id"]].traceable), (standard, r["id"])
        links = {(lk.standard, lk.upstream): lk.valid for lk in theirs.links}
        assert {(r["id"], x["upstream"]): x["valid"] for r in rows for x in r["links"]} == links, standard


@pytest.mark.parametrize("seed", range(20))
def test_random_dataset_parity(store: Neo4jStore, seed: int) -> None:
    ds = random_dataset(seed)
    assert_parity(store, ds, AS_OF, days=400)


DATES = [AS_OF - dt.timedelta(days=1), AS_OF, AS_OF + dt.timedelta(days=1), AS_OF + dt.timedelta(days=30)]


@pytest.mark.parametrize("seed", range(20))
def test_random_dated_dataset_parity(store: Neo4jStore, seed: int) -> None:
    ds = random_dated_dataset(seed)
    store.load(ds, replace=True)
    nx_ = NetworkxBackend(build_graph(ds))
    for as_of in DATES:
        assert_parity(store, ds, as_of, days=400)
        assert_chain_rows(store, nx_, [s.id for s in ds.standards], as_of)


def test_dated_datasets_exercise_the_dates() -> None:
    """The dated parity above compares different numbers than the undated one: some link is not yet
    valid, some standard not yet established at D, and coverage moves with D."""
    reasons, coverages = set(), set()
    for seed in range(20):
        nx_ = NetworkxBackend(build_graph(random_dated_dataset(seed)))
        for as_of in DATES:
            report = nx_.gaps(as_of, 400)
            reasons |= {b.reason for g in report.uncovered for s in g.standards for b in s.breaks}
            top = next(iter(nx_.coverage(as_of).regions.values()))
            coverages.add((seed, top.figures["all"].covered_items))
    assert {"not_yet_valid", "not_established", "expired_link"} <= reasons, reasons
    assert len(coverages) > 20


def _kept(ds: Dataset, region: str) -> set[str]:
    """Institutions located in the region's subtree, or serving one of its counties (figures.md, Reach)."""
    parent = {r.code: r.parent for r in ds.regions}

    def chain(code: str | None) -> list[str]:
        out = []
        while code is not None:
            out.append(code)
            code = parent.get(code)
        return out

    counties = {r.code for r in ds.regions if r.level == "county" and region in chain(r.code)}
    kept = set()
    for i in ds.institutions:
        own = [] if i.level == "national" or i.region is None else [i.region]
        if (i.region is not None and region in chain(i.region)) or any(
                place in chain(c) for c in counties for place in [*own, *i.serves]):
            kept.add(i.id)
    return kept


def expected_region_gaps(ds: Dataset, nx_: NetworkxBackend, as_of: dt.date, days: int, region: str) -> GapReport:
    whole = nx_.gaps(as_of, days)
    holders = _kept(ds, region)
    return GapReport(as_of=as_of, uncovered=nx_.gaps(as_of, days, region).uncovered,
                     expiring=[e for e in whole.expiring if e.institution in holders],
                     single_points=[p for p in whole.single_points if p.institution in holders])


@pytest.mark.parametrize("seed", range(0, 20, 2))
def test_region_gaps(store: Neo4jStore, seed: int) -> None:
    ds = random_dated_dataset(seed)
    store.load(ds, replace=True)
    neo, nx_ = Neo4jBackend(store), NetworkxBackend(build_graph(ds))
    for r in ds.regions:
        ours = neo.gaps(AS_OF, 400, r.code)
        assert ours == nx_.gaps(AS_OF, 400, r.code), r.code
        assert ours == expected_region_gaps(ds, nx_, AS_OF, 400, r.code), r.code


def test_zaozhuang_region_gaps(store: Neo4jStore) -> None:
    ds = read_dataset(SAMPLES / "zaozhuang", AS_OF)
    store.load(ds)
    neo, nx_ = Neo4jBackend(store), NetworkxBackend(build_graph(ds))
    for code in ("370400", "370481", "370402"):
        ours = neo.gaps(AS_OF, 180, code)
        assert ours == nx_.gaps(AS_OF, 180, code), code
        assert ours == expected_region_gaps(ds, nx_, AS_OF, 180, code), code
    assert neo.gaps(AS_OF, 180, "370481").expiring  # the restriction keeps something to compare


def test_zaozhuang_parity(store: Neo4jStore) -> None:
    assert_parity(store, read_dataset(SAMPLES / "zaozhuang", AS_OF), AS_OF, days=180)


def test_shandong_parity(store: Neo4jStore) -> None:
    # Every figure and gap; chains of every 25th standard (all 6,600 would only repeat the same query).
    ds = read_dataset(SAMPLES / "shandong", AS_OF)
    assert_parity(store, ds, AS_OF, days=180, chain_every=25)
    assert_chain_rows(store, NetworkxBackend(build_graph(ds)), [s.id for s in ds.standards[::100]], AS_OF)


def test_region_restricted_coverage_parity(store: Neo4jStore) -> None:
    ds = read_dataset(SAMPLES / "zaozhuang", AS_OF)
    store.load(ds)
    assert Neo4jBackend(store).coverage(AS_OF, "370481") == NetworkxBackend(build_graph(ds)).coverage(AS_OF, "370481")
