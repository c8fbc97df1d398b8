"""Benchmark: Neo4j load throughput and the coverage/gaps queries, with networkx measured in the same run.

    scripts/neo4j.sh start --no-auth
    .venv/bin/python benchmarks/bench_neo4j.py data/standards/shandong
    .venv/bin/python benchmarks/bench_neo4j.py --provinces 31          # the national synthetic dataset

Replaces the tracegraph data of the server it talks to (TRACEGRAPH_NEO4J_URI, default the bundled one).
A measurement, never a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from collections.abc import Callable
from typing import Any

from tracegraph.backends import Neo4jBackend, NetworkxBackend
from tracegraph.graph import build_graph
from tracegraph.io import read_dataset
from tracegraph.store import Neo4jStore
from tracegraph.synth import synthesize_country

AS_OF = dt.date(2026, 1, 1)


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dataset", nargs="?")
    parser.add_argument("--provinces", type=int, default=0)
    parser.add_argument("--gaps", action="store_true", help="also time the gaps queries")
    args = parser.parse_args()
    data = (
        read_dataset(args.dataset, AS_OF) if args.dataset else synthesize_country(args.provinces, seed=1, as_of=AS_OF)
    )
    G = build_graph(data)
    entities = G.number_of_nodes() + G.number_of_edges()
    rows = [("entities (nodes + relationships)", f"{entities:,}", "")]
    with Neo4jStore() as store:
        _, seconds = timed(lambda: store.load(data, replace=True))
        rows.append(
            ("load (validated dataset → new version)", f"{seconds:.1f} s", f"{entities / seconds:,.0f} entities/s")
        )
        _, again = timed(lambda: store.load(data))
        rows.append(("second load (unchanged, nothing written)", f"{again:.2f} s", ""))
        neo, nx_ = Neo4jBackend(store), NetworkxBackend(G)
        a, t_neo = timed(lambda: neo.coverage(AS_OF))
        b, t_nx = timed(lambda: nx_.coverage(AS_OF))
        rows.append(("coverage, every region × filter: Neo4j", f"{t_neo:.1f} s", f"identical: {a == b}"))
        rows.append(("coverage, every region × filter: networkx", f"{t_nx:.2f} s", f"ratio {t_neo / t_nx:.0f}×"))
        if args.gaps:
            a, t_neo = timed(lambda: neo.gaps(AS_OF, 180))
            b, t_nx = timed(lambda: nx_.gaps(AS_OF, 180))
            rows.append(("gaps (uncovered, expiring, SPOF): Neo4j", f"{t_neo:.1f} s", f"identical: {a == b}"))
            rows.append(("gaps (uncovered, expiring, SPOF): networkx", f"{t_nx:.2f} s", f"ratio {t_neo / t_nx:.0f}×"))
    print("| stage | time | note |\n|---|---:|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
