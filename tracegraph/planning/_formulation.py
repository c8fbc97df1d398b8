"""The planning MILP (spec/figures.md, Planning), stated over a :class:`Universe`.

Variables, per plan year k (one year when the plan is not phased):

- ``x[a, k]`` binary: action a (a build or a renewal) is taken in year k; each at most once;
- ``tau[s, k]`` in [0, 1]: standard s is traceable by the end of year k. Only standards that are
  not traceable now but could become so are variables; the rest are constants 0 or 1;
- ``cov[i, k]`` in [0, 1]: open demand item i is covered by the end of year k;
- ``flow[t, i, s]`` in [0, 1]: the share of item i's annual load that standard s verifies, for a
  ``capacity_rate`` target t (its region taken in isolation, as the figure is defined).

Traceability needs only upper bounds: ``tau[s] <= x[renew s]`` when s is invalid now,
``tau[s] <= Σ tau[u]`` over its usable links (an expired link needs the renewal too), and for a
build ``tau[b] <= x[b]`` and ``tau[b] <= Σ tau[calibrators]``. Links and calibrations form a DAG
(cycles are rejected on import; calibration climbs levels strictly), so with binary x the largest
feasible tau is exactly the traceable indicator, and every figure the model sees is a lower bound of
the real one that any real plan attains. The figures of the chosen plan are then recomputed by the
ordinary figure functions, not read from the model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from tracegraph._index import Item
from tracegraph.algorithms._flow import _components, item_flow
from tracegraph.algorithms.chains import is_valid
from tracegraph.models import Target
from tracegraph.planning._milp import Expr, LinearModel
from tracegraph.planning._universe import Universe


@dataclass(frozen=True)
class Requirement:
    """One coverage-type target for one region, to hold by the end of plan year ``year`` (an index)."""

    target: Target
    region: str
    year: int
    scope: tuple[Item, ...]


@dataclass
class Formulation:
    model: LinearModel
    years: int
    actions: list[str]  # standard ids of the actions in the model
    x: dict[tuple[str, int], int] = field(default_factory=dict)
    tau: dict[tuple[str, int], int] = field(default_factory=dict)
    cov: dict[tuple[Item, int], int] = field(default_factory=dict)

    def instruments(self, u: Universe, k: int) -> Expr:
        """Instruments of open items covered by the end of year k (the rest is a constant)."""
        return {self.cov[(i, k)]: float(u.ix.demand[i]) for i in u.open_items if (i, k) in self.cov}

    def cost(self, u: Universe) -> Expr:
        return {v: u.action(a).cost for (a, _), v in self.x.items()}

    def taken(self, x: list[float]) -> dict[str, int]:
        """Action → year index, for the actions the solution takes."""
        return {a: k for (a, k), v in self.x.items() if x[v] > 0.5}


def least_count(threshold: float, whole: int) -> int:
    """The smallest integer K with K / whole ≥ threshold, compared in floats as the figures are
    (``whole + 1`` when no K ≤ whole reaches it)."""
    k = max(0, math.ceil(threshold * whole))
    while k > 0 and (k - 1) / whole >= threshold:
        k -= 1
    while k <= whole and k / whole < threshold:
        k += 1
    return k


def formulate(u: Universe, years: int, requirements: list[Requirement],
              budget: float | None = None, budget_per_year: list[float] | None = None) -> Formulation:
    capacity_items = {i for r in requirements if r.target.metric == "capacity_rate" for i in r.scope}
    relevant = u.relevant(capacity_items)
    actions = sorted(s for s in relevant if s in u.builds or s in u.renewable)
    f = Formulation(LinearModel(), years, actions)
    m = f.model
    for a in actions:
        for k in range(years):
            f.x[(a, k)] = m.var(integer=True)
        m.row({f.x[(a, k)]: 1.0 for k in range(years)}, hi=1.0)
    for k in range(years):
        for s in sorted(relevant):
            f.tau[(s, k)] = m.var()
        for s in sorted(relevant):
            _traceability(f, u, s, k)
        for i in u.open_items:
            f.cov[(i, k)] = m.var()
            m.row({f.cov[(i, k)]: 1.0, **{f.tau[(s, k)]: -1.0 for s in u.full_covering[i]}}, hi=0.0)
    _budgets(f, u, budget, budget_per_year)
    for r in requirements:
        _requirement(f, u, r)
    return f


def taken_by(f: Formulation, a: str, k: int) -> Expr:
    """x[a, 0] + … + x[a, k]: the action has been taken by the end of year k."""
    return {f.x[(a, j)]: 1.0 for j in range(k + 1)}


def _traceability(f: Formulation, u: Universe, s: str, k: int) -> None:
    m, tau = f.model, f.tau[(s, k)]
    if s in u.builds:
        m.row({tau: 1.0, **{v: -1.0 for v in taken_by(f, s, k)}}, hi=0.0)
        ups = u.upstreams(s)
        if ups:
            m.row({tau: 1.0, **{f.tau[(x, k)]: -1.0 for x in ups}}, hi=0.0)
        return
    renew = taken_by(f, s, k) if s in u.renewable else {}
    if not is_valid(u.ix.standards[s], u.as_of):
        m.row({tau: 1.0, **{v: -1.0 for v in renew}}, hi=0.0)
    terms: Expr = {}
    for up, until in u.ix.upstream.get(s, {}).items():
        if up not in u.full:
            continue
        if until >= u.as_of:
            if up in u.base:
                return  # a valid link to a traceable standard: s is traceable once valid
            terms[f.tau[(up, k)]] = terms.get(f.tau[(up, k)], 0.0) + 1.0
        elif renew:
            if up in u.base:
                for v in renew:
                    terms[v] = terms.get(v, 0.0) + 1.0
            else:
                z = m.var()  # the expired link s → up, usable once s is renewed and up is traceable
                m.row({z: 1.0, f.tau[(up, k)]: -1.0}, hi=0.0)
                m.row({z: 1.0, **{v: -1.0 for v in renew}}, hi=0.0)
                terms[z] = 1.0
    if not u.ix.standards[s]["primary"]:
        m.row({tau: 1.0, **{v: -c for v, c in terms.items()}}, hi=0.0)



def _budgets(f: Formulation, u: Universe, budget: float | None, per_year: list[float] | None) -> None:
    if budget is not None:
        f.model.row(f.cost(u), hi=budget * (1 + 1e-12))
    for k, b in enumerate(per_year or []):
        f.model.row({v: u.action(a).cost for (a, j), v in f.x.items() if j == k}, hi=b * (1 + 1e-12))


def _requirement(f: Formulation, u: Universe, r: Requirement) -> None:
    metric, k = r.target.metric, r.year
    if metric == "capacity_rate":
        _capacity(f, u, r)
        return
    weight = (lambda i: 1) if metric == "coverage" else (lambda i: u.ix.demand[i])
    whole = sum(weight(i) for i in r.scope)
    if not whole:
        return  # an undefined rate cannot be planned for: reported with the targets
    done = sum(weight(i) for i in r.scope if i in u.base_covering)
    need = least_count(r.target.threshold, whole) - done
    if need > 0:
        # The cover variables are lower bounds of integers: −0.5 absorbs solver tolerance exactly.
        expr = {f.cov[(i, k)]: float(weight(i)) for i in r.scope if (i, k) in f.cov}
        f.model.row(expr, lo=need - 0.5)


def _capacity(f: Formulation, u: Universe, r: Requirement) -> None:
    """Max-flow of the target's scope, as rows: the flow the plan provides must reach the threshold."""
    m, k = f.model, r.year
    loads = {i: u.ix.scaled_load(i) for i in r.scope}
    whole = sum(loads.values())
    if not whole:
        return
    fixed, through = 0, {}
    for i in r.scope:
        standards = u.full_covering.get(i, ())
        if any(s in u.base and u.capacity(s) is None for s in standards):
            fixed += loads[i]  # an unbounded standard traceable now takes the whole load
        elif standards and loads[i]:
            through[i] = [s for s in standards if u.capacity(s) != 0]
    # Parts of the network no action touches have a fixed flow: computed exactly, not modelled.
    for part in _components(list(through), through):
        if all(s in u.base for i in part for s in through[i]):
            caps = {s: u.capacity(s) for i in part for s in through[i]}
            fixed += item_flow({i: loads[i] for i in part}, through, caps)
            for i in part:
                del through[i]
    need = least_count(r.target.threshold, whole) - fixed
    if need <= 0:
        return
    served: dict[str, Expr] = {}
    total: Expr = {}
    for i, standards in through.items():
        shares = {}
        for s in standards:
            v = m.var()
            shares[v] = 1.0
            if s not in u.base:
                m.row({v: 1.0, f.tau[(s, k)]: -1.0}, hi=0.0)
            served.setdefault(s, {})[v] = float(loads[i])
            total[v] = loads[i] / whole
        m.row(shares, hi=1.0)
    for s, expr in served.items():
        cap = u.capacity(s)
        if cap is None:
            continue
        if s in u.base:
            m.row({v: c / cap for v, c in expr.items()}, hi=1.0)
        else:  # capacity only once traceable: far tighter than the per-share rows alone in the LP
            m.row({**{v: c / cap for v, c in expr.items()}, f.tau[(s, k)]: -1.0}, hi=0.0)
    # The true max flow is an integer at least the model's: −0.5 absorbs solver tolerance exactly.
    m.row(total, lo=(need - 0.5) / whole)
