"""Benchmark of the planner on the Shandong-scale sample with its full candidate catalogue.

    .venv/bin/python benchmarks/bench_planner.py              # Shandong-scale sample, eight cases
    .venv/bin/python benchmarks/bench_planner.py --national   # national synthetic, greedy vs exact

Each case is solved once, in this process: wall time (model + solve + figures of the plan),
status, gap, cost and the covered-instruments gain, printed as a Markdown table for the README.
The greedy heuristic runs on the same budgets so its answers and times compare one to one.
This is a measurement, never a test: nothing here asserts a time.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

from tracegraph.cli import _check
from tracegraph.planning import PlanningProblem

ROOT = Path(__file__).resolve().parents[1]
AS_OF = dt.date(2026, 1, 1)
CASES = [
    ("budget 200 万元", {"mode": "budget", "budget": 200}, "milp"),
    ("budget 200 万元", {"mode": "budget", "budget": 200}, "greedy"),
    ("budget 1,000 万元", {"mode": "budget", "budget": 1000}, "milp"),
    ("budget 1,000 万元", {"mode": "budget", "budget": 1000}, "greedy"),
    ("budget 1,000 万元, builds only", {"mode": "budget", "budget": 1000, "renewals": False}, "milp"),
    ("targets (plan's 2020 coverage targets)", {"mode": "targets"}, "milp"),
    ("targets 2030 incl. household capacity ≥ 98%", {"mode": "targets", "planning": True}, "milp"),
    ("2026–2030, 100 万元/year", {"mode": "budget", "years": range(2026, 2031), "budget_per_year": 100}, "milp"),
]


def national(budget: float = 5000.0) -> None:
    """The national synthetic dataset (31 provinces, the same 197 candidates): greedy and exact, one run."""
    from tracegraph.synth import synthesize_country

    ds = synthesize_country(31, seed=1, as_of=AS_OF)
    problem = PlanningProblem.from_dataset(ds, AS_OF, mode="budget", budget=budget)
    u = problem.u
    print(f"national: {len(u.builds):,} possible builds, {len(u.renewable):,} renewals, {len(u.open_items):,} open "
          "items\n\n| method | total s | status | gap | cost (万元) | actions | instruments gained |\n"
          "|---|---|---|---|---|---|---|")
    for method in ("greedy", "milp"):
        started = time.perf_counter()
        plan = problem.solve(method)
        gained = plan.after.covered_instruments - plan.before.covered_instruments
        print(f"| {method} | {time.perf_counter() - started:.1f} | {plan.status} | {plan.gap:.2%} | "
              f"{plan.total_cost:,.1f} | {len(plan.actions)} | {gained:,} |", flush=True)


def main() -> None:
    base, report = _check(ROOT / "data/standards/shandong", AS_OF)
    extra = ROOT / "data/standards/targets/planning-2030-shandong.csv"
    planning, _ = _check(ROOT / "data/standards/shandong", AS_OF, extra)
    assert base is not None and planning is not None, report
    rows = []
    for name, kwargs, method in CASES:
        kwargs = dict(kwargs)
        ds = planning if kwargs.pop("planning", False) else base
        started = time.perf_counter()
        problem = PlanningProblem.from_dataset(ds, AS_OF, **kwargs)
        plan = problem.solve(method)
        seconds = time.perf_counter() - started
        gained = plan.after.covered_instruments - plan.before.covered_instruments
        rows.append((name, method, f"{seconds:.1f}", f"{plan.seconds:.1f}", plan.status, f"{plan.gap:.2%}",
                     f"{plan.total_cost:,.1f}", str(len(plan.actions)), f"{gained:,}",
                     f"{plan.before.coverage:.2%} → {plan.after.coverage:.2%}"))
        print(" | ".join(rows[-1]), flush=True)
    u = problem.u
    print(f"\nShandong sample: {len(u.dataset.candidates)} candidates → {len(u.builds):,} possible builds, "
          f"{len(u.renewable):,} possible renewals, {len(u.open_items):,} open items\n")
    print("| case | method | total s | solver s | status | gap | cost (万元) | actions | instruments gained "
          "| coverage |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print("| " + " | ".join(r) + " |")


if __name__ == "__main__":
    import sys

    national() if "--national" in sys.argv else main()
