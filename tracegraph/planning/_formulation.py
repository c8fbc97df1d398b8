"""The planning MILP (figures.md Planning, programme.md), stated over a :class:`Universe`.

Variables, per plan year k (a snapshot plan has one):

- ``x[a, j]`` binary: action a (a build or a renewal) is taken in year j; each at most once. It is in
  force at year k when j is in ``Universe.window(k)`` (``eff(a, k)``). (A "done by year k" form was
  measured too: the same LP bound, a root LP twice as slow on the Shandong programme.)
- ``tau[s, k]`` in [0, 1]: standard s is traceable at year k's evaluation date. Only standards that
  are not traceable there with no action but could become so are variables; the rest are constants;
- ``cov[i, k]`` in [0, 1]: open demand item i is covered at year k;
- ``flow[t, i, s]`` in [0, 1]: the share of item i's annual load that standard s verifies, for a
  ``capacity_rate`` target t (its region taken in isolation, as the figure is defined);
- ``pair[(inst, type), k]`` in [0, 1]: a service item (检定、校准项目) an institution gains.

Traceability needs only upper bounds: ``tau[s] <= eff(renew s)`` when s is invalid at that date,
``tau[s] <= Σ tau[u]`` over its usable links (an expired link needs the renewal too), and for a
build ``tau[b] <= eff(b)`` and ``tau[b] <= Σ tau[calibrators]``. Links and calibrations form a DAG
(cycles are rejected on import; calibration climbs levels strictly), so with binary x the largest
feasible tau is exactly the traceable indicator, and every figure the model sees is a lower bound of
the real one that any real plan attains. Count targets (standards_count, standards_built) need no
traceability: a valid standard counts. The figures of the chosen plan are then recomputed by the
ordinary figure functions, not read from the model.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

from tracegraph._index import Item
from tracegraph.algorithms._flow import components, item_flow
from tracegraph.models import COUNT_METRICS, Target
from tracegraph.planning._milp import Expr, LinearModel
from tracegraph.planning._universe import Universe, Year


@dataclass(frozen=True)
class Requirement:
    """One target for one region, to hold at plan year ``year`` (an index)."""

    target: Target
    region: str
    year: int
    scope: tuple[Item, ...]  # coverage-type targets: the demand items it is about


@dataclass
class Formulation:
    model: LinearModel
    u: Universe
    actions: list[str]  # standard ids of the actions in the model
    x: dict[tuple[str, int], int] = field(default_factory=dict)
    tau: dict[tuple[str, int], int] = field(default_factory=dict)
    cov: dict[tuple[Item, int], int] = field(default_factory=dict)

    def eff(self, a: str, k: int) -> Expr:
        """Action a is in force at year k (taken in a year of the window, which ends at k)."""
        return {self.x[(a, j)]: 1.0 for j in self.u.window(k) if (a, j) in self.x}

    def instruments(self, k: int | None = None) -> Expr:
        """Instruments of open items covered at year k (all years summed when None; the rest is a
        constant, ``Year.base_instruments``)."""
        demand = self.u.ix.demand
        out: Expr = {}
        for (i, j), v in self.cov.items():
            if k is None or j == k:
                out[v] = out.get(v, 0.0) + demand[i]
        return out

    def cost(self) -> Expr:
        """In 0.01 万元: integers, so budgets and ties are exact."""
        return {v: float(self.u.action(a).cents) for (a, _), v in self.x.items()}

    def year_cost(self, k: int) -> Expr:
        return {v: float(self.u.action(a).cents) for (a, j), v in self.x.items() if j == k}

    def taken(self, x) -> dict[str, int]:
        """Action → year index, for the actions the solution takes."""
        return {a: j for (a, j), v in self.x.items() if x[v] > 0.5}

    def start(self, taken: dict[str, int]):
        """A solution vector for a known plan (for warm starts): x set, the rest left to the solver
        (HiGHS completes a partial start by solving for the continuous columns)."""
        import numpy as np

        vec = np.zeros(self.model.n)
        for (a, j), v in self.x.items():
            vec[v] = 1.0 if taken.get(a) == j else 0.0
        return vec

    def start_entries(self, taken: dict[str, int]) -> dict[int, float]:
        """A known plan as its integer columns (the solver completes the rest)."""
        return {v: 1.0 if taken.get(a) == j else 0.0 for (a, j), v in self.x.items()}

    def only(self, taken: dict[str, int]) -> list[int]:
        """The columns to fix at 0 for sub-plans of ``taken`` (each action kept in its year or dropped)."""
        return [v for (a, j), v in self.x.items() if taken.get(a) != j]


def least_count(threshold: float, whole: int) -> int:
    """The smallest integer K with K / whole ≥ threshold, compared in floats as the figures are
    (``whole + 1`` when no K ≤ whole reaches it)."""
    k = least_numerator(threshold, whole)
    return min(k, whole + 1)


def least_numerator(threshold: float, whole: int) -> int:
    """The smallest integer K ≥ 0 with K / whole ≥ threshold, compared in floats (no upper cap: an
    average count may exceed the number of places)."""
    k = max(0, math.ceil(threshold * whole))
    while k > 0 and (k - 1) / whole >= threshold:
        k -= 1
    while k / whole < threshold:
        k += 1
    return k


def formulate(u: Universe, requirements: list[Requirement], budget: float | None = None,
              budget_per_year: list[float] | None = None, judged: set[int] | None = None) -> Formulation:
    """``judged``: the plan years whose figures the goals or requirements read (None: every year, as
    budget mode's Σ over the years does). Target mode only needs the years its targets hold in: the
    state of other years is a consequence, not a constraint, so it is left out of the model. Without
    yearly caps an action then need only be placed in a judged year: taken in year j it is in force
    at the judged years from j on (within its certificate), and taken at the first judged year ≥ j
    it is in force at all of those too, for the same money."""
    years = len(u.dates)
    choice = list(range(years))
    if judged is not None and budget_per_year is None and judged:
        choice = sorted(judged)
    judged = set(range(years)) if judged is None else judged
    relevant = [_relevant(u.at[k], [r for r in requirements if r.year == k]) if k in judged else set()
                for k in range(years)]
    counted = {a for r in requirements if r.target.metric in COUNT_METRICS for a in count_actions(u, r)}
    actions = sorted({s for rel in relevant for s in rel if s in u.builds or s in u.renewable} | counted)
    f = Formulation(LinearModel(), u, actions)
    m = f.model
    for a in actions:
        for j in choice:
            f.x[(a, j)] = m.var(integer=True)
        m.row({f.x[(a, j)]: 1.0 for j in choice}, hi=1.0)
    for k in sorted(judged):
        y = u.at[k]
        for s in sorted(relevant[k]):
            f.tau[(s, k)] = m.var()
        for s in sorted(relevant[k]):
            _traceability(f, y, s)
        # Items covered by the same standards are covered together: one column for each such group.
        groups: dict[tuple[str, ...], int] = {}
        for i in y.open_items:
            key = tuple(y.full_covering[i])
            if key not in groups:
                groups[key] = m.var()
                m.row({groups[key]: 1.0, **{f.tau[(s, k)]: -1.0 for s in key}}, hi=0.0)
            f.cov[(i, k)] = groups[key]
    _budgets(f, budget, budget_per_year)
    for r in requirements:
        _requirement(f, r)
    return f


def _relevant(y: Year, requirements: list[Requirement]) -> set[str]:
    capacity_items = {i for r in requirements if r.target.metric == "capacity_rate" for i in r.scope}
    service = frozenset(s for r in requirements if r.target.metric == "service_items"
                        for ss in service_candidates(y, r).values() for s in ss)
    return y.relevant(capacity_items, service)


def _traceability(f: Formulation, y: Year, s: str) -> None:
    u, m, k = f.u, f.model, y.k
    tau = f.tau[(s, k)]
    if s in u.builds:
        m.row({tau: 1.0, **{v: -c for v, c in f.eff(s, k).items()}}, hi=0.0)
        ups = y.upstreams(s)
        if ups:
            m.row({tau: 1.0, **{f.tau[(x, k)]: -1.0 for x in ups}}, hi=0.0)
        return
    renew = f.eff(s, k) if s in u.renewable else {}
    if not y.valid_now(s):
        m.row({tau: 1.0, **{v: -c for v, c in renew.items()}}, hi=0.0)
    terms: Expr = {}
    for up in u.ix.upstream.get(s, {}):
        if up not in y.full:
            continue
        if u.ix.link_valid(s, up, y.on):
            if up in y.base:
                return  # a valid link to a traceable standard: s is traceable once valid
            terms[f.tau[(up, k)]] = terms.get(f.tau[(up, k)], 0.0) + 1.0
        elif renew:
            if up in y.base:
                for v, c in renew.items():
                    terms[v] = terms.get(v, 0.0) + c
            else:
                z = m.var()  # the expired link s → up, usable once s is renewed and up is traceable
                m.row({z: 1.0, f.tau[(up, k)]: -1.0}, hi=0.0)
                m.row({z: 1.0, **{v: -c for v, c in renew.items()}}, hi=0.0)
                terms[z] = 1.0
    if not u.ix.standards[s]["primary"]:
        m.row({tau: 1.0, **{v: -c for v, c in terms.items()}}, hi=0.0)


def _budgets(f: Formulation, budget: float | None, per_year: list[float] | None) -> None:
    """Caps in 0.01 万元 (a cap itself is rounded down to the cent: never overspent)."""
    if budget is not None:
        f.model.row(f.cost(), hi=math.floor(budget * 100 + 1e-6))
    for k, b in enumerate(per_year or []):
        f.model.row(f.year_cost(k), hi=math.floor(b * 100 + 1e-6))


def _requirement(f: Formulation, r: Requirement) -> None:
    metric = r.target.metric
    if metric == "capacity_rate":
        _capacity(f, r)
    elif metric in COUNT_METRICS:
        _count(f, r)
    else:
        _coverage(f, r)


def _coverage(f: Formulation, r: Requirement) -> None:
    y, metric = f.u.at[r.year], r.target.metric
    demand = f.u.ix.demand
    weight = (lambda i: 1) if metric == "coverage" else (lambda i: demand[i])
    whole = sum(weight(i) for i in r.scope)
    if not whole:
        return  # an undefined rate cannot be planned for: reported with the targets
    done = sum(weight(i) for i in r.scope if i in y.base_covering)
    need = least_count(r.target.threshold, whole) - done
    if need > 0:
        # The cover variables are lower bounds of integers: −0.5 absorbs solver tolerance exactly.
        expr: Expr = {}
        for i in r.scope:
            if (i, r.year) in f.cov:
                v = f.cov[(i, r.year)]
                expr[v] = expr.get(v, 0.0) + weight(i)
        f.model.row(expr, lo=need - 0.5)


# --- count targets (figures.md, Count targets) ---------------------------------------------
@dataclass(frozen=True)
class CountTerms:
    """A count target at one year: the constant part, what actions add, and what it must reach."""

    constant: int
    actions: tuple[str, ...]  # each adds 1 once in force (standards_count, standards_built)
    need: int | None  # None: undefined (no region of that level)


def count_terms(u: Universe, r: Requirement) -> CountTerms:
    """standards_count / standards_built at year ``r.year``: existing valid standards are constants,
    a renewal revives an invalid one, every build counts once in force."""
    t, y = r.target, u.at[r.year]
    if t.metric == "standards_count":
        level = t.level or "province"
        places = [p for p in u.ix.subtree(r.region) if u.ix.regions[p]["level"] == level]
        insts = u.legal_institutions(r.region, level, located_at_level=True)
        need = least_numerator(t.threshold, len(places)) if places else None
        since = dt.date.min  # every valid standard counts
    else:
        insts = u.legal_institutions(r.region, t.level)
        need = least_numerator(t.threshold, 1)
        since = dt.date(t.since or 1, 1, 1)
    constant, actions = 0, []
    for inst in insts:
        for s in u.ix.held.get(inst, ()):
            established = u.ix.standards[s].get("established")
            if u.ix.standards[s]["primary"] or (since > dt.date.min and (established or dt.date.min) < since):
                continue
            if y.valid_now(s):
                constant += 1
            elif s in u.renewable:
                actions.append(s)
        actions.extend(u.builds_at.get(inst, ()))
    return CountTerms(constant, tuple(actions), need)


def service_candidates(y: Year, r: Requirement) -> dict[tuple[str, str], list[str]]:
    """service_items: each (institution, type) pair not served at this date with no action → the
    standards (existing or planned, traceable in full) that would serve it."""
    u = y.u
    insts = set(u.legal_institutions(r.region, r.target.level))
    served = service_pairs(y, insts)
    out: dict[tuple[str, str], list[str]] = {}
    for s in sorted(y.full - y.base):  # sorted: the same model (and so the same plan) in every process
        inst = u.holder(s)
        if inst not in insts or (s in u.ix.standards and u.ix.standards[s]["primary"]):
            continue
        for t in u.verifies(s):
            if (inst, t) not in served:
                out.setdefault((inst, t), []).append(s)
    return out


def service_pairs(y: Year, insts: set[str]) -> set[tuple[str, str]]:
    """Pairs already served at this date with no action."""
    u = y.u
    return {(u.ix.holder[s], t) for s in y.base if u.ix.holder[s] in insts and not u.ix.standards[s]["primary"]
            for t in u.ix.verifies.get(s, ())}


def count_actions(u: Universe, r: Requirement) -> list[str]:
    """The actions a count target is about (they must be in the model even when they cover nothing)."""
    if r.target.metric == "service_items":
        return [s for ss in service_candidates(u.at[r.year], r).values() for s in ss
                if s in u.builds or s in u.renewable]
    return list(count_terms(u, r).actions)


def count_best(u: Universe, r: Requirement) -> tuple[int, int | None]:
    """(the most any plan reaches, what the target needs) for a count requirement."""
    if r.target.metric == "service_items":
        y = u.at[r.year]
        insts = set(u.legal_institutions(r.region, r.target.level))
        return len(service_pairs(y, insts)) + len(service_candidates(y, r)), least_numerator(r.target.threshold, 1)
    terms = count_terms(u, r)
    return terms.constant + len(terms.actions), terms.need


def _count(f: Formulation, r: Requirement) -> None:
    m, k = f.model, r.year
    if r.target.metric == "service_items":
        y = f.u.at[k]
        insts = set(f.u.legal_institutions(r.region, r.target.level))
        need = least_numerator(r.target.threshold, 1) - len(service_pairs(y, insts))
        if need <= 0:
            return
        total: Expr = {}
        for standards in service_candidates(y, r).values():
            p = m.var()
            m.row({p: 1.0, **{f.tau[(s, k)]: -1.0 for s in standards}}, hi=0.0)
            total[p] = 1.0
        m.row(total, lo=need - 0.5)
        return
    terms = count_terms(f.u, r)
    if terms.need is None or terms.need - terms.constant <= 0:
        return
    expr: Expr = {}
    for a in terms.actions:
        for v, c in f.eff(a, k).items():
            expr[v] = expr.get(v, 0.0) + c
    m.row(expr, lo=terms.need - terms.constant - 0.5)


def _capacity(f: Formulation, r: Requirement) -> None:
    """Max-flow of the target's scope, as rows: the flow the plan provides must reach the threshold."""
    u, m, k = f.u, f.model, r.year
    y = u.at[k]
    loads = {i: u.ix.scaled_load(i) for i in r.scope}
    whole = sum(loads.values())
    if not whole:
        return
    fixed, through = 0, {}
    for i in r.scope:
        standards = y.full_covering.get(i, ())
        if any(s in y.base and u.capacity(s) is None for s in standards):
            fixed += loads[i]  # an unbounded standard traceable now takes the whole load
        elif standards and loads[i]:
            through[i] = [s for s in standards if u.capacity(s) != 0]
    # Parts of the network no action touches have a fixed flow: computed exactly, not modelled.
    for part in components(list(through), through):
        if all(s in y.base for i in part for s in through[i]):
            caps = {s: u.capacity(s) for i in part for s in through[i]}
            fixed += item_flow({i: loads[i] for i in part}, through, caps)
            for i in part:
                del through[i]
    need = least_count(r.target.threshold, whole) - fixed
    if need <= 0:
        return
    # Items verified by the same standards are one source with their loads summed: the same max-flow.
    grouped: dict[tuple[str, ...], int] = {}
    for i, standards in through.items():
        key = tuple(sorted(standards))
        grouped[key] = grouped.get(key, 0) + loads[i]
    served: dict[str, Expr] = {}
    total: Expr = {}
    for standards, load in grouped.items():
        shares = {}
        for s in standards:
            v = m.var()
            shares[v] = 1.0
            if s not in y.base:
                m.row({v: 1.0, f.tau[(s, k)]: -1.0}, hi=0.0)
            served.setdefault(s, {})[v] = float(load)
            total[v] = load / whole
        m.row(shares, hi=1.0)
    for s, expr in served.items():
        cap = u.capacity(s)
        if cap is None:
            continue
        if s in y.base:
            m.row({v: c / cap for v, c in expr.items()}, hi=1.0)
        else:  # capacity only once traceable: far tighter than the per-share rows alone in the LP
            m.row({**{v: c / cap for v, c in expr.items()}, f.tau[(s, k)]: -1.0}, hi=0.0)
    # The true max flow is an integer at least the model's: −0.5 absorbs solver tolerance exactly.
    m.row(total, lo=(need - 0.5) / whole)
