"""Benchmark of the embedded core: validate and compute every figure of a synthetic dataset.

    .venv/bin/python benchmarks/bench_core.py --provinces 31 --seed 1

Each stage runs once, in this process, in order, with the cycle collector off as in the CLI; wall
time and the peak resident memory reached so far are printed per stage (ru_maxrss). Then, in the
same run, whole processes: the plain read of the same CSV files with Python's csv module (the floor
of any file-based job), and `tracegraph coverage` / `tracegraph gaps` on them, each with its ratio
to that floor and its peak RSS (the kernel's, via wait4). Markdown tables for the README. This is a
measurement, never a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import tracegraph as tracegraph_pkg
from tracegraph._index import compile_dataset
from tracegraph.algorithms.chains import traceable_in
from tracegraph.algorithms.coverage import coverage_in, covering_in
from tracegraph.algorithms.gaps import expiring_in, single_points_in, uncovered_in
from tracegraph.algorithms.impact import failure_impacts_in
from tracegraph.algorithms.targets import evaluate_in
from tracegraph.io import read_dataset, write_dataset
from tracegraph.synth import synthesize_country

AS_OF = dt.date(2026, 9, 30)  # the samples' snapshot date (meta.csv)


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Stages:
    def __init__(self) -> None:
        self.rows: list[tuple[str, float, float]] = []

    def run(self, name: str, fn: Callable[[], Any]) -> Any:
        start = time.perf_counter()
        result = fn()
        seconds = time.perf_counter() - start
        self.rows.append((name, seconds, peak_mib()))
        print(f"{name:<38} {seconds:8.2f} s   peak RSS {peak_mib():8.0f} MiB", flush=True)
        return result

    def markdown(self, skip: int = 0) -> str:
        lines = ["| stage | wall time (s) | peak RSS so far (MiB) |", "|---|---:|---:|"]
        lines += [f"| {n} | {s:.2f} | {m:.0f} |" for n, s, m in self.rows]
        total = sum(s for _, s, _ in self.rows[skip:])
        lines.append(f"| **validate → all figures** | **{total:.2f}** | |")
        return "\n".join(lines)


# --- whole processes -----------------------------------------------------------------------------------

PLAIN_READ = """
import csv, pathlib, sys
rows = 0
for path in sorted(pathlib.Path(sys.argv[1]).glob('*.csv')):
    with path.open(encoding='utf-8-sig', newline='') as f:
        rows += sum(1 for _ in csv.reader(f))
print(rows)
"""


# Run from a small process of its own: a child forked from this (large) one would report this process's
# resident memory as its own peak (Linux counts the pages shared at fork in the child's ru_maxrss).
_TIMER = """
import json, os, subprocess, sys, time
start = time.perf_counter()
child = subprocess.Popen(json.loads(sys.argv[1]), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
_, status, usage = os.wait4(child.pid, 0)
print(json.dumps([time.perf_counter() - start, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)]))
"""


def whole_process(args: list[str]) -> tuple[float, float]:
    """(wall seconds, peak RSS MiB) of one child process, measured by the kernel (wait4)."""
    out = subprocess.run([sys.executable, "-c", _TIMER, json.dumps(args)], capture_output=True, text=True,
                         check=True).stdout
    seconds, mib, code = json.loads(out)
    if code != 0:
        raise SystemExit(f"{' '.join(args)} failed")
    return seconds, mib


def whole_processes(folder: Path, repeat: int) -> str:
    """The plain CSV read (Python's csv module, every file) and the CLI's coverage and gaps, each as its own
    process, best of ``repeat``; the ratio is to the plain read measured in the same run."""
    tracegraph = str(Path(sys.executable).with_name("tracegraph"))
    jobs = {
        "plain CSV read (csv module, every file)": [sys.executable, "-c", PLAIN_READ, str(folder)],
        "`tracegraph coverage DIR --format json`": [tracegraph, "coverage", str(folder), "--format", "json"],
        "`tracegraph gaps DIR --format json`": [tracegraph, "gaps", str(folder), "--format", "json"],
    }
    # Byte-compiled first, as pip leaves an installed package: an editable checkout run with
    # PYTHONDONTWRITEBYTECODE set (as on some CI machines) would otherwise compile every module in every run.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(tracegraph_pkg.__file__).parent)], check=True)
    best: dict[str, tuple[float, float]] = {}
    for _ in range(repeat):
        for name, argv in jobs.items():
            seconds, mib = whole_process(argv)
            if name not in best or seconds < best[name][0]:
                best[name] = (seconds, mib)
    floor = best[next(iter(jobs))][0]
    lines = ["| whole process | wall time (s) | × plain read | peak RSS (MiB) |", "|---|---:|---:|---:|"]
    for name, (seconds, mib) in best.items():
        lines.append(f"| {name} | {seconds:.2f} | {seconds / floor:.1f}× | {mib:.0f} |")
        print(f"{name:<44} {seconds:8.2f} s  {seconds / floor:5.1f}×  peak RSS {mib:6.0f} MiB", flush=True)
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--provinces", type=int, default=31)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="whole processes: best of this many runs")
    args = parser.parse_args()
    # The stages run as the CLI runs them: with the cycle collector off (tracegraph.cli.main).
    gc.disable()
    stages = Stages()
    data = stages.run(
        "synthesise (not counted)", lambda: synthesize_country(args.provinces, seed=args.seed, as_of=AS_OF)
    )
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "national"
        stages.run("write CSV (not counted)", lambda: write_dataset(data, folder, include_optional=True))
        dataset = stages.run("read + validate CSV", lambda: read_dataset(folder, AS_OF))
        print(f"\nwhole processes (best of {args.repeat}):")
        processes = whole_processes(folder, args.repeat)
        print()
    ix = stages.run("index: regions, types, institutions (the rest on first use)",
                    lambda: compile_dataset(dataset))
    stages.run("integer-id arrays (standards, links, demand off the columns)", lambda: ix.arrays)
    traceable = stages.run("traceable standards (fixpoint)", lambda: traceable_in(ix, AS_OF))
    covering = stages.run("covering standards of every item", lambda: covering_in(ix, traceable))
    report = stages.run("coverage: all regions × 8 filters",
                        lambda: coverage_in(ix, AS_OF, traceable=traceable, covering=covering))
    impacts = stages.run("dominator tree (failure impacts)", lambda: failure_impacts_in(ix, AS_OF, traceable, covering))
    stages.run("uncovered items with reasons", lambda: uncovered_in(ix, AS_OF, traceable, covering=covering))
    stages.run("expiring within 180 days", lambda: expiring_in(ix, AS_OF, 180, traceable, impacts))
    stages.run("single points of failure", lambda: single_points_in(ix, traceable, impacts))
    stages.run("targets", lambda: evaluate_in(ix, AS_OF, dataset.targets, report))
    n_items = len(ix.demand)
    print(
        f"\n{len(ix.regions)} regions, {len(ix.standards)} standards, {n_items} demand items, "
        f"{len(traceable)} traceable\n"
    )
    print(stages.markdown(skip=2))
    print()
    print(processes)


if __name__ == "__main__":
    main()
