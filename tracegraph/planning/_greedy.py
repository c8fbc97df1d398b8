"""Greedy heuristic for budget plans too large to solve exactly, with a proven bound.

Each round takes the affordable action with the most newly covered instruments per 万元, a build
together with the cheapest builds it needs above it. Phased plans fill year after year. The bound is
the LP relaxation of the exact model, so ``gap`` says how far from optimal the answer can be.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from tracegraph.planning import _explain
from tracegraph.planning._milp import Outcome

if TYPE_CHECKING:
    from tracegraph.planning.problem import PlanningProblem, Stage


def greedy(problem: PlanningProblem, stage: Stage) -> tuple[dict[str, int], Outcome]:
    if problem.mode != "budget":
        raise ValueError("the greedy heuristic plans within a budget; target mode is always solved exactly")
    u = problem.u
    started = time.perf_counter()
    stage("greedy")
    f = problem._formulate(budgets=True)
    actions = f.actions
    traceable, covered = set(u.base), set()
    taken: dict[str, int] = {}
    total_left = problem.budget if problem.budget is not None else float("inf")
    for k in range(len(problem.years)):
        left = min(total_left, problem.budget_per_year[k] if problem.budget_per_year else float("inf"))
        while True:
            best = _best(u, actions, taken, traceable, covered, left)
            if best is None:
                break
            bundle, reached, items, cost = best
            for a in bundle:
                taken[a] = k
            traceable |= reached
            covered |= set(items)
            left -= cost
            total_left -= cost
    stage("bound")
    relaxed = f.model.solve(problem._goals(f)[:1], relax=True)
    value = float(sum(u.ix.demand[i] for i in covered))
    bound = max(relaxed.values.get("instruments", value), value)
    gap = (bound - value) / bound if bound > 0 else 0.0
    status = "optimal" if gap <= 1e-9 else "feasible"
    return taken, Outcome(status, None, {"instruments": value}, gap=gap, bound=bound,
                          seconds=time.perf_counter() - started)


def _best(u, actions, taken, traceable, covered, left) -> tuple[list[str], set[str], list, float] | None:
    best, best_key = None, None
    for a in actions:
        if a in taken:
            continue
        reached, needs = _explain.alone_gain(u, a, traceable)
        bundle = [a, *[n for n in needs if n not in taken]]
        cost = sum(u.action(x).cost for x in bundle)
        if not reached or cost > left + 1e-9:
            continue
        items = [i for i in _explain.items_reached(u, reached - traceable) if i not in covered]
        gain = sum(u.ix.demand[i] for i in items)
        if gain <= 0:
            continue
        key = (gain / cost if cost else float("inf"), -cost, a)
        if best_key is None or key > best_key:
            best, best_key = (bundle, reached, items, cost), key
    return best

