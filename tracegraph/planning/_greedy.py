"""Greedy heuristic for budget plans too large to solve exactly, with a proven bound.

Year after year, each round takes the affordable action with the most newly covered instruments
at that year's evaluation date per 万元: a build together with the cheapest builds it needs above
it (evaluated lazily, see :class:`_State`), or a renewal once its certificate or links have run
out. The greedy's choice is then trimmed exactly: among the actions it chose (each in its year),
the MILP keeps the cheapest subset that covers as much, so no build that adds nothing stays.

The bound is the LP relaxation of the exact model, so ``gap`` says how far from optimal the answer
can be; ``optimal`` only when the plan meets that bound, cost included (programme.md, Status).
"""

from __future__ import annotations

import heapq
import time
from dataclasses import dataclass

from tracegraph.algorithms.chains import traceable_in
from tracegraph.algorithms.coverage import covering_in
from tracegraph.models import LEVEL_RANK
from tracegraph.planning import _explain
from tracegraph.planning._formulation import Formulation
from tracegraph.planning._milp import MIP_REL_GAP, Goal, Outcome, relative_gap
from tracegraph.planning._universe import Universe, Year


@dataclass
class Caps:
    """Money left, in 0.01 万元 (None: no cap)."""

    total: int | None
    per_year: list[int] | None

    def year(self, k: int, spent: int) -> float:
        left = [float("inf")]
        if self.total is not None:
            left.append(self.total - spent)
        if self.per_year is not None:
            left.append(self.per_year[k])
        return min(left)


def greedy(f: Formulation, goals: list[Goal], caps: Caps) -> tuple[dict[str, int], Outcome]:
    """``goals``: the exact model's (most instruments, then least cost)."""
    u = f.u
    started = time.perf_counter()
    taken = _trim(f, goals, choose(f, caps))
    outcome = _prove(f, goals, taken, plan_value(u, taken))
    outcome.seconds = time.perf_counter() - started
    return taken, outcome


def choose(f: Formulation, caps: Caps) -> dict[str, int]:
    """The greedy's choice, year after year (action → year index); also the exact model's start."""
    taken: dict[str, int] = {}
    spent = 0
    for k in range(len(f.u.dates)):
        state = _State(f.u.at[k], f.actions, taken)
        spent += state.fill(k, caps.year(k, spent))
    return taken


def _trim(f: Formulation, goals: list[Goal], taken: dict[str, int]) -> dict[str, int]:
    """The best sub-plan of the greedy's actions, each kept in its year (a small exact problem)."""
    trimmed = f.model.copy(zero=f.only(taken))
    out = trimmed.solve(goals, start=f.start_entries(taken))
    return taken if out.x is None else f.taken(out.x)


def plan_value(u: Universe, taken: dict[str, int]) -> int:
    """Σ over plan years of the instruments covered (the budget mode's objective), computed directly."""
    total = 0
    for k in range(len(u.dates)):
        window = set(u.window(k))
        reached = traceable_with(u, k, {a: j for a, j in taken.items() if j in window})
        existing = {s for s in reached if s in u.ix.standards}
        covered = set(covering_in(u.ix, existing))
        for b in reached - existing:
            covered.update(u.items_of(b))
        total += sum(u.ix.demand[i] for i in covered)
    return total


def _prove(f: Formulation, goals: list[Goal], taken: dict[str, int], value: float) -> Outcome:
    """Status and gap of the greedy plan against the LP relaxation's bounds."""
    instruments, cost = goals
    x = f.start(taken)
    spent = float(sum(f.u.action(a).cents for a in taken))
    values = {instruments.name: value, cost.name: spent}
    relaxed = f.model.solve([instruments], relax=True)
    bound = max(relaxed.values.get(instruments.name, value), value)
    gap = relative_gap(value, bound, "max")
    if gap > MIP_REL_GAP:
        return Outcome("feasible", x, values, gap=gap, bound=bound, unproven=instruments.name)
    # Is anything as good cheaper? The LP of least cost among plans covering as much (the first
    # stage's optimum is fixed at the greedy's value by the lexicographic solve).
    as_good = (instruments.expr, value - instruments.offset - instruments.slack, float("inf"))
    cheapest = f.model.copy(rows=[as_good]).solve([cost], relax=True)
    cost_bound = min(cheapest.values.get(cost.name, spent), spent)
    if spent <= cost_bound + cost.slack:
        return Outcome("optimal", x, values, gap=0.0)
    return Outcome("feasible", x, values, gap=relative_gap(spent, cost_bound, "min"), bound=cost_bound,
                   unproven=cost.name)


def traceable_with(u: Universe, k: int, active: dict[str, int]) -> set[str]:
    """Traceable at year k's date with the actions ``active`` (all in force there)."""
    renewed = {a for a in active if a in u.renewable}
    reached = traceable_in(u.ix, u.dates[k], renewed=renewed)
    by_place = u.by_place(reached)
    for b in sorted((a for a in active if a in u.builds), key=lambda s: -LEVEL_RANK[u.level(s)]):
        if u.calibrators_among(b, by_place):
            reached.add(b)
            by_place[(u.holder(b), u.quantity(b))].append(b)
    return reached


class _Entry:
    """A heap entry: the largest key first (instruments per 万元, then the cheaper, then the larger id)."""

    __slots__ = ("action", "key")

    def __init__(self, key: tuple, action: str) -> None:
        self.key, self.action = key, action

    def __lt__(self, other: _Entry) -> bool:
        return self.key > other.key


class _State:
    """Lazy greedy at one year: an action's value only falls as coverage grows, unless something newly
    traceable can calibrate it (same quantity) or sits above a renewal; those are re-evaluated at
    once, the rest only when they reach the top of the heap. So each round picks what a full
    re-evaluation would pick."""

    def __init__(self, y: Year, actions: list[str], taken: dict[str, int]) -> None:
        u = y.u
        self.y, self.actions, self.taken = y, actions, taken
        window = set(u.window(y.k))
        self.traceable = traceable_with(u, y.k, {a: j for a, j in taken.items() if j in window})
        existing = {s for s in self.traceable if s in u.ix.standards}
        self.covered = set(covering_in(u.ix, existing))
        for b in self.traceable - existing:
            self.covered.update(u.items_of(b))
        self.by_quantity: dict[str, list[str]] = {}
        for a in actions:
            if a in u.builds:
                self.by_quantity.setdefault(u.quantity(a), []).append(a)

    def fill(self, year: int, left: float) -> int:
        """Take the best affordable bundles until none adds anything; the money spent (0.01 万元)."""
        heap = [e for a in self.actions if a not in self.taken and (e := self._entry(a, left)) is not None]
        heapq.heapify(heap)
        spent = 0
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
        y, u = self.y, self.y.u
        reached, needs = _explain.alone_gain(y, a, self.traceable)
        bundle = [a, *[n for n in needs if n not in self.taken]]
        cost = sum(u.action(x).cents for x in bundle)
        if not reached or cost > left:
            return None
        items = [i for i in _explain.items_reached(y, reached - self.traceable) if i not in self.covered]
        gain = sum(u.ix.demand[i] for i in items)
        if gain <= 0:
            return None
        return (gain / cost if cost else float("inf"), -cost, a), bundle, reached, items, cost

    def _affected(self, newly: set[str]) -> set[str]:
        """Actions whose value may have risen: builds of a quantity now traceable somewhere new, and
        renewals of a standard below something newly traceable."""
        u, out = self.y.u, set()
        for s in newly:
            out.update(self.by_quantity.get(u.quantity(s), ()))
            out.update(d for d in u.ix.downstream.get(s, ()) if d in u.renewable)
        return {a for a in out if a not in self.taken}
