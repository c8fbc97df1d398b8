"""Every figure, chain and gap from Cypher equals networkx exactly, on the samples and 20 random datasets.

The Neo4j side computes through the cypher/ library (capacity_rate's max-flow from covering.cypher's
rows); the networkx side through tracegraph.algorithms. Equality is exact: same floats, same order.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from randomdata import random_dataset

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


@pytest.mark.parametrize("seed", range(20))
def test_random_dataset_parity(store: Neo4jStore, seed: int) -> None:
    ds = random_dataset(seed)
    assert_parity(store, ds, AS_OF, days=400)


def test_zaozhuang_parity(store: Neo4jStore) -> None:
    assert_parity(store, read_dataset(SAMPLES / "zaozhuang", AS_OF), AS_OF, days=180)


def test_shandong_parity(store: Neo4jStore) -> None:
    # Every figure and gap; chains of every 25th standard (all 6,600 would only repeat the same query).
    assert_parity(store, read_dataset(SAMPLES / "shandong", AS_OF), AS_OF, days=180, chain_every=25)


def test_region_restricted_coverage_parity(store: Neo4jStore) -> None:
    ds = read_dataset(SAMPLES / "zaozhuang", AS_OF)
    store.load(ds)
    assert Neo4jBackend(store).coverage(AS_OF, "370481") == NetworkxBackend(build_graph(ds)).coverage(AS_OF, "370481")
