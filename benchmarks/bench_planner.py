"""Benchmark of the planner on the Shandong-scale sample with its full candidate catalogue.

    .venv/bin/python benchmarks/bench_planner.py              # Shandong-scale sample, snapshot and programme
    .venv/bin/python benchmarks/bench_planner.py --time-limit 600   # how long the exact cases take to prove
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

from tracegraph.cli._common import check_dataset as _check
from tracegraph.planning import PlanningProblem

ROOT = Path(__file__).resolve().parents[1]
AS_OF = dt.date(2026, 9, 30)  # the samples' snapshot date (meta.csv)
PROGRAMME = range(2026, 2031)
LIMIT = 60.0  # the goal; each exact case gets this long, then reports its true gap
CASES = [
    # (name, problem kwargs, method, uses the 2030 planning targets)
    ("snapshot: budget 200 万元", {"mode": "budget", "budget": 200}, "milp", False),
    ("snapshot: budget 200 万元", {"mode": "budget", "budget": 200}, "greedy", False),
    ("snapshot: 2030 targets incl. counts", {"mode": "targets"}, "milp", True),
    ("2026–2030, 100 万元/year", {"mode": "budget", "years": PROGRAMME, "budget_per_year": 100}, "milp", False),
    ("2026–2030, 100 万元/year", {"mode": "budget", "years": PROGRAMME, "budget_per_year": 100}, "greedy", False),
    ("2026–2030, 1,000 万元/year", {"mode": "budget", "years": PROGRAMME, "budget_per_year": 1000}, "milp", False),
    ("2026–2030, 1,000 万元/year", {"mode": "budget", "years": PROGRAMME, "budget_per_year": 1000}, "greedy",
     False),
    ("2026–2030 targets incl. counts, 6,000 万元/year", {"mode": "targets", "years": PROGRAMME,
                                                        "budget_per_year": 6000}, "milp", True),
    ("2026–2030 targets incl. counts, no cap", {"mode": "targets", "years": PROGRAMME}, "milp", True),
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
        gap = "—" if plan.gap is None else f"{plan.gap:.2%}"
        print(f"| {method} | {time.perf_counter() - started:.1f} | {plan.status} | {gap} | "
              f"{plan.total_cost:,.1f} | {len(plan.actions)} | {gained:,} |", flush=True)


def main(limit: float = LIMIT) -> None:
    base, report = _check(ROOT / "data/standards/shandong", AS_OF)
    extra = ROOT / "data/standards/targets/planning-2030-shandong.csv"
    planning, _ = _check(ROOT / "data/standards/shandong", AS_OF, extra)
    assert base is not None and planning is not None, report
    rows, exact = [], {}
    for name, kwargs, method, with_targets in CASES:
        started = time.perf_counter()
        problem = PlanningProblem.from_dataset(planning if with_targets else base, AS_OF, **kwargs)
        plan = problem.solve(method, time_limit=limit)
        seconds = time.perf_counter() - started
        value = plan.objective if plan.mode == "budget" else plan.total_cost
        if method == "milp":
            exact[name] = value
        versus = "" if method == "milp" or not exact.get(name) else f"{(exact[name] - value) / exact[name]:.3%}"
        gap = "—" if plan.gap is None else f"{plan.gap:.4%}"
        rows.append((name, method, f"{seconds:.1f}", plan.status, gap, versus, f"{plan.total_cost:,.2f}",
                     str(len(plan.actions)), f"{value:,.0f}" if plan.mode == "budget" else "—",
                     f"{plan.before.coverage:.2%} → {plan.after.coverage:.2%}"))
        print(" | ".join(rows[-1]), flush=True)
    u = problem.u
    print(f"\nShandong sample: {len(u.dataset.candidates)} candidates → {len(u.builds):,} possible builds, "
          f"{len(u.renewable):,} possible renewals by 2030; time limit {limit:.0f} s per case\n")
    print("| case | method | total s | status | gap | greedy below exact | cost (万元) | actions "
          "| objective (Σ covered instruments) | coverage (first → last year) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print("| " + " | ".join(r) + " |")


if __name__ == "__main__":
    import sys

    if "--national" in sys.argv:
        national()
    else:
        main(float(sys.argv[sys.argv.index("--time-limit") + 1]) if "--time-limit" in sys.argv else LIMIT)
