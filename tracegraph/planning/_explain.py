"""Why a plan is what it is: what each action newly covers, and every action ranked alone.

Attribution: the plan's actions are put in order (year, then higher level first so an upstream
precedes what it calibrates, renewals before builds, then id); each newly covered item goes to
the first action after which it is covered. So the actions' new items add up exactly to the
plan's gain, and a build that only makes others traceable shows 0 with the builds it enables
naming it as their calibrator.
"""

from __future__ import annotations

import math

from tracegraph._index import Index, Item
from tracegraph.algorithms.chains import is_valid
from tracegraph.models import LEVEL_RANK
from tracegraph.planning._universe import Universe, Year

NEVER = math.inf


def plan_order(u: Universe, taken: dict[str, int]) -> list[str]:
    return sorted(taken, key=lambda a: (taken[a], -LEVEL_RANK[u.level(a)], a in u.builds, a))


def attribute(y: Year, after: Index, covering_after: dict[Item, list[str]],
              order: list[str]) -> dict[str, list[Item]]:
    """Action → the items it newly covers at year y (see the module docstring)."""
    index = {a: k + 1 for k, a in enumerate(order)}
    ready: dict[str, float] = {}

    def when(s: str) -> float:
        """The position in the plan after which s is traceable (0: already now)."""
        if s in ready:
            return ready[s]
        ready[s] = NEVER  # the link graph is a DAG; this only guards against surprises
        attrs = after.standards[s]
        if not is_valid(attrs, y.on):
            return NEVER
        own = index.get(s, 0)  # a build, or a renewal (which also revives its expired links)
        if attrs["primary"]:
            ready[s] = own
            return own
        best = NEVER
        for up in after.upstream.get(s, {}):
            if after.link_valid(s, up, y.on):
                best = min(best, when(up))
        ready[s] = max(own, best)
        return ready[s]

    out: dict[str, list[Item]] = {a: [] for a in order}
    for item, standards in covering_after.items():
        if item in y.base_covering:
            continue
        first = min(when(s) for s in standards)
        if 0 < first < NEVER:
            out[order[int(first) - 1]].append(item)
    return out


def alone_gain(y: Year, a: str, traceable: set[str] | None = None) -> tuple[set[str], list[str]]:
    """Standards newly traceable at year y if action a (with the cheapest builds it needs first) were
    added to a state where ``traceable`` are (default: no action), and those builds."""
    traceable = y.base if traceable is None else traceable
    if a in y.u.renewable:
        return _renewal_reach(y, a, traceable), []
    needs = _cheapest_chain(y, a, traceable)
    if needs is None:
        return set(), []
    return {a, *needs}, needs


def _renewal_reach(y: Year, s: str, traceable: set[str]) -> set[str]:
    """Renewing s: s if some upstream is traceable, then what becomes traceable below it."""
    ix = y.u.ix
    if not any(up in traceable for up in ix.upstream.get(s, {})):
        return set()
    reached, stack = {s}, [s]
    while stack:
        up = stack.pop()
        for d in ix.downstream.get(up, ()):
            if d in traceable or d in reached:
                continue
            if is_valid(ix.standards[d], y.on) and ix.link_valid(d, up, y.on):
                reached.add(d)
                stack.append(d)
    return reached


def _cheapest_chain(y: Year, b: str, traceable: set[str], depth: int = 0) -> list[str] | None:
    """Builds that must come first so that b is traceable (empty: something traceable can
    calibrate it; None: nothing can)."""
    u = y.u
    found = y.calibrators(b)
    if any(c in traceable for c in found):
        return []
    best: tuple[float, list[str]] | None = None
    for c in found:
        if c not in u.builds or depth > 3:
            continue
        chain = _cheapest_chain(y, c, traceable, depth + 1)
        if chain is not None:
            cost = u.builds[c].cents + sum(u.builds[x].cents for x in chain)
            if best is None or cost < best[0]:
                best = (cost, [c, *chain])
    return None if best is None else best[1]


def items_reached(y: Year, standards: set[str]) -> list[Item]:
    """Open items of year y those standards would cover."""
    return sorted({i for s in standards for i in y.open_by_standard.get(s, ())})
