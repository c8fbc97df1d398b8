"""Benchmark: the Neo4j backend against the files, as planners run it — whole processes.

    scripts/neo4j.sh start --no-auth
    .venv/bin/python benchmarks/bench_neo4j.py                       # Shandong ratios + national load rate
    .venv/bin/python benchmarks/bench_neo4j.py --no-national          # Shandong only

One run prints, in one table:

1. Shandong (`data/standards/shandong`, loaded with `tracegraph load`): `tracegraph coverage DATASET
   --as-of 2026-09-30 --format json` against `tracegraph coverage --neo4j …`, and the same for `gaps`:
   each a whole process, the median of `--runs` (3) interleaved runs, and the ratio Neo4j / files. The
   two JSON outputs are compared (identical or not).
2. National synthetic (`tracegraph synth OUT --provinces 31 --seed 1`): the load rate in CSV rows
   (+ list entries: `verifies`, `serves`) per second, for the write alone (`Neo4jStore.load` of the
   validated dataset, up to the switch to the new version; the old version's deletion after it is
   shown apart) and for the whole `tracegraph load` process (reading and validating the CSV included);
   then `coverage --neo4j` on it (whole process, and coverage.cypher alone).

Replaces the tracegraph data of the server it talks to (TRACEGRAPH_NEO4J_URI, default the bundled one).
A measurement, never a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tracegraph.io import read_dataset  # noqa: E402
from tracegraph.models import Dataset  # noqa: E402
from tracegraph.store import Neo4jStore  # noqa: E402

AS_OF = "2026-09-30"  # the samples' snapshot date (meta.csv)
CLI = [str(ROOT / ".venv" / "bin" / "tracegraph")]


def run(args: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    out = subprocess.run([*CLI, *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return time.perf_counter() - start, out


def rows_of(ds: Dataset) -> int:
    """CSV rows of every table plus the entries of the list cells (verifies, serves)."""
    tables = (ds.regions, ds.institutions, ds.instrument_types, ds.standards, ds.traceability, ds.demand,
              ds.candidates, ds.targets)
    return (sum(len(t) for t in tables) + sum(len(s.verifies) for s in ds.standards)
            + sum(len(i.serves) for i in ds.institutions))


def compare(command: str, dataset: str, runs: int) -> tuple[float, float, bool]:
    """Median whole-process seconds from the files and from Neo4j (interleaved), and whether equal."""
    files, neo, outputs = [], [], {}
    for _ in range(runs):
        t, outputs["files"] = run([command, dataset, "--as-of", AS_OF, "--format", "json"])
        files.append(t)
        t, outputs["neo4j"] = run([command, "--neo4j", "--as-of", AS_OF, "--format", "json"])
        neo.append(t)
    same = json.loads(outputs["files"]) == json.loads(outputs["neo4j"])
    return statistics.median(files), statistics.median(neo), same


def load_in_process(store: Neo4jStore, ds: Dataset) -> tuple[float, float]:
    """Seconds to write and switch to the new version, and seconds of the old version's deletion."""
    marks: list[float] = []
    start = time.perf_counter()
    store.load(ds, replace=True, progress=lambda done, total: marks.append(time.perf_counter()))
    end = time.perf_counter()
    written = marks[-1] if marks else end
    return written - start, end - written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", default="data/standards/shandong")
    parser.add_argument("--provinces", type=int, default=31)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-national", action="store_true")
    args = parser.parse_args()
    table = []

    # --- Shandong: whole processes, files against Neo4j -----------------------------------------
    seconds, _ = run(["load", args.dataset, "--replace", "--as-of", AS_OF])
    ds = read_dataset(ROOT / args.dataset, dt.date.fromisoformat(AS_OF))
    rows = rows_of(ds)
    table.append((f"`tracegraph load {args.dataset} --replace` (whole process, deleting the version it "
                  "replaces included)", f"{seconds:.1f} s",
                  f"{rows:,} rows: {rows / seconds:,.0f} rows/s"))
    for command in ("coverage", "gaps"):
        files, neo, same = compare(command, args.dataset, args.runs)
        table.append((f"`{command}` from the files (median of {args.runs})", f"{files:.2f} s", ""))
        table.append((f"`{command} --neo4j` (median of {args.runs})", f"{neo:.2f} s",
                      f"**ratio {neo / files:.2f}×**, output identical: {same}"))

    # --- national: the load rate ------------------------------------------------------------------
    if not args.no_national:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "national"
            subprocess.run([*CLI, "synth", str(out), "--provinces", str(args.provinces), "--seed", "1"],
                           cwd=ROOT, capture_output=True, check=True)
            national = read_dataset(out, dt.date.fromisoformat(AS_OF))
            rows = rows_of(national)
            with Neo4jStore() as store:
                store.load(ds)  # Shandong current: the first national write replaces a small version
                written, dropped = load_in_process(store, national)
                table.append((f"national ({args.provinces} provinces) write: `Neo4jStore.load`, to the switch",
                              f"{written:.1f} s", f"{rows:,} rows: **{rows / written:,.0f} rows/s**"))
                table.append(("  then deleting the previous (Shandong) version", f"{dropped:.1f} s", ""))
                written, dropped = load_in_process(store, national)
                table.append(("national again (`--replace`), to the switch", f"{written:.1f} s",
                              f"{rows / written:,.0f} rows/s"))
                table.append(("  then deleting the previous national version", f"{dropped:.1f} s", ""))
                start = time.perf_counter()
                store.run_library("coverage", as_of=dt.date.fromisoformat(AS_OF), region=None)
                cypher = time.perf_counter() - start
            seconds, _ = run(["load", str(out), "--replace", "--as-of", AS_OF])
            table.append(("national `tracegraph load --replace` (whole process: CSV, validation, write, "
                          "deletion)", f"{seconds:.1f} s", f"{rows / seconds:,.0f} rows/s"))
            seconds, _ = run(["coverage", "--neo4j", "--as-of", AS_OF, "--format", "json"])
            table.append(("national `coverage --neo4j` (whole process, capacity max-flow included)",
                          f"{seconds:.1f} s", f"coverage.cypher alone {cypher:.1f} s"))
        with Neo4jStore() as store:
            store.load(ds)  # leave the Shandong sample loaded, as the measurement above found it

    print("| measurement | time | note |\n|---|---:|---|")
    for row in table:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
