"""Greedy heuristic for budget plans too large to solve exactly, with a proven bound.

Each round takes the affordable action with the most newly covered instruments per 万元, a build
together with the cheapest builds it needs above it (evaluated lazily, see :class:`_State`). Phased
plans fill year after year. The bound is the LP relaxation of the exact model, so ``gap`` says how far
from optimal the answer can be.
"""

from __future__ import annotations

import heapq
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
    state = _State(u, f.actions)
    total_left = problem.budget if problem.budget is not None else float("inf")
    for k in range(len(problem.years)):
        left = min(total_left, problem.budget_per_year[k] if problem.budget_per_year else float("inf"))
        total_left -= state.fill(k, left)
    stage("bound")
    relaxed = f.model.solve(problem._goals(f)[:1], relax=True)
    value = float(sum(u.ix.demand[i] for i in state.covered))
    bound = max(relaxed.values.get("instruments", value), value)
    gap = (bound - value) / bound if bound > 0 else 0.0
    status = "optimal" if gap <= 1e-9 else "feasible"
    return state.taken, Outcome(status, None, {"instruments": value}, gap=gap, bound=bound,
                                seconds=time.perf_counter() - started)


class _Entry:
    """A heap entry: the largest key first (instruments per 万元, then the cheaper, then the larger id)."""

    __slots__ = ("action", "key")

    def __init__(self, key: tuple, action: str) -> None:
        self.key, self.action = key, action

    def __lt__(self, other: _Entry) -> bool:
        return self.key > other.key


class _State:
    """Lazy greedy: an action's value only falls as coverage grows, unless something newly traceable can
    calibrate it (same quantity) or sits above a renewal; those are re-evaluated at once, the rest only
    when they reach the top of the heap. So each round picks what a full re-evaluation would pick."""

    def __init__(self, u, actions: list[str]) -> None:
        self.u, self.actions = u, actions
        self.traceable, self.covered = set(u.base), set()
        self.taken: dict[str, int] = {}
        self.by_quantity: dict[str, list[str]] = {}
        for a in actions:
            if a in u.builds:
                self.by_quantity.setdefault(u.quantity(a), []).append(a)

    def fill(self, year: int, left: float) -> float:
        """Take the best affordable bundles until none adds anything; the money spent."""
        heap = [e for a in self.actions if a not in self.taken and (e := self._entry(a, left)) is not None]
        heapq.heapify(heap)
        spent = 0.0
        while heap:
            top = heapq.heappop(heap)
            if top.action in self.taken:
                continue
            fresh = self._evaluate(top.action, left - spent)
            if fresh is None:
                continue
            if heap and heap[0].key > fresh[0]:
                heapq.heappush(heap, _Entry(fresh[0], top.action))  # stale: back in at its true value
                continue
            _, bundle, reached, items, cost = fresh
            for a in bundle:
                self.taken[a] = year
            newly = reached - self.traceable
            self.traceable |= reached
            self.covered |= set(items)
            spent += cost
            for a in self._affected(newly):
                entry = self._entry(a, left - spent)
                if entry is not None:
                    heapq.heappush(heap, entry)
        return spent

    def _entry(self, a: str, left: float) -> _Entry | None:
        fresh = self._evaluate(a, left)
        return None if fresh is None else _Entry(fresh[0], a)

    def _evaluate(self, a: str, left: float):
        u = self.u
        reached, needs = _explain.alone_gain(u, a, self.traceable)
        bundle = [a, *[n for n in needs if n not in self.taken]]
        cost = sum(u.action(x).cost for x in bundle)
        if not reached or cost > left + 1e-9:
            return None
        items = [i for i in _explain.items_reached(u, reached - self.traceable) if i not in self.covered]
        gain = sum(u.ix.demand[i] for i in items)
        if gain <= 0:
            return None
        return (gain / cost if cost else float("inf"), -cost, a), bundle, reached, items, cost

    def _affected(self, newly: set[str]) -> set[str]:
        """Actions whose value may have risen: builds of a quantity now traceable somewhere new, and
        renewals of a standard below something newly traceable."""
        u, out = self.u, set()
        for s in newly:
            out.update(self.by_quantity.get(u.quantity(s), ()))
            out.update(d for d in u.ix.downstream.get(s, ()) if d in u.renewable)
        return {a for a in out if a not in self.taken}
