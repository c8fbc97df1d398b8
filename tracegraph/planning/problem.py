"""The planning problem: build it from a dataset, ``solve()``, inspect the plan (like PySAL spopt).

    problem = PlanningProblem.from_dataset(ds, as_of, mode="budget", budget=500)
    plan = problem.solve()
    plan.status, plan.total_cost, plan.actions, plan.before, plan.after
"""

from __future__ import annotations

import datetime as dt
import math
import threading
import time
from collections.abc import Callable, Sequence
from functools import cached_property
from typing import Literal

from tracegraph._index import Index, Item, compile_dataset
from tracegraph.algorithms._flow import item_flow
from tracegraph.algorithms.chains import traceable_in
from tracegraph.algorithms.coverage import covering_in, dataset_figures_in
from tracegraph.algorithms.targets import evaluate_in, target_regions
from tracegraph.models import CERTIFICATE_YEARS, COUNT_METRICS, DEFAULT_RENEWAL_COST, Dataset, Target
from tracegraph.planning import _explain
from tracegraph.planning._apply import apply_plan
from tracegraph.planning._formulation import Formulation, Requirement, count_best, formulate, least_count
from tracegraph.planning._greedy import Caps, choose, greedy
from tracegraph.planning._milp import Goal, Outcome
from tracegraph.planning._universe import Universe
from tracegraph.planning.plan import (
    Mode,
    Plan,
    PlannedAction,
    RankedAction,
    Uncoverable,
    Unmet,
    YearFigures,
    YearTarget,
)

Stage = Callable[[str], None]


class PlanningProblem:
    """Which standards to build or renew, where and when, within a budget or to meet targets.

    A snapshot plan (no ``years``) is judged at the as-of date (figures.md, Planning); a programme
    (``years``) judges each plan year at 31 December, with certificates running out on the way
    (programme.md).
    """

    def __init__(self, universe: Universe, mode: Mode, *, budget: float | None = None,
                 budget_per_year: Sequence[float] | None = None, targets: Sequence[Target] | None = None) -> None:
        self.u, self.mode = universe, mode
        self.years = list(universe.years)
        self.budget = budget
        self.budget_per_year = None if budget_per_year is None else list(budget_per_year)
        self.targets = list(universe.dataset.targets if targets is None else targets)
        self._check()
        self.plan: Plan | None = None

    @classmethod
    def from_dataset(cls, dataset: Dataset, as_of: dt.date | None = None, *, mode: Mode = "budget",
                     budget: float | None = None, years: Sequence[int] | None = None,
                     budget_per_year: float | Sequence[float] | None = None,
                     targets: Sequence[Target] | None = None, renewals: bool = True,
                     renewal_cost: float = DEFAULT_RENEWAL_COST,
                     certificate_years: int = CERTIFICATE_YEARS) -> PlanningProblem:
        """``years``: the programme's plan years (e.g. ``range(2026, 2031)``; none: a snapshot at
        ``as_of``); ``budget_per_year``: one figure for every year or one per year (万元); ``targets``
        default to the dataset's own; ``certificate_years``: V, the validity of a new or renewed
        certificate."""
        as_of = as_of or dt.date.today()
        span = list(years) if years else [as_of.year]
        if years and span[0] < as_of.year:
            raise ValueError(f"the programme starts in {span[0]}, before the as-of date {as_of}")
        if certificate_years < 1:
            raise ValueError("a certificate is valid for at least one year")
        universe = Universe(dataset, as_of, span, programme=bool(years), certificate_years=certificate_years,
                            renewals=renewals, renewal_cost=renewal_cost)
        if isinstance(budget_per_year, int | float):
            budget_per_year = [float(budget_per_year)] * len(span)
        return cls(universe, mode, budget=budget, budget_per_year=budget_per_year, targets=targets)

    def _check(self) -> None:
        if self.mode == "budget" and self.budget is None and self.budget_per_year is None:
            raise ValueError("budget mode needs a budget (or a budget per year)")
        if any(b < 0 for b in [self.budget or 0, *(self.budget_per_year or [])]):
            raise ValueError("a budget cannot be negative")
        if self.budget_per_year is not None and len(self.budget_per_year) != len(self.years):
            raise ValueError(f"{len(self.budget_per_year)} yearly budgets for {len(self.years)} years")
        if self.years != list(range(self.years[0], self.years[0] + len(self.years))):
            raise ValueError("plan years must be consecutive")

    # --- what must hold ----------------------------------------------------------------
    def enforced(self, target: Target) -> list[int]:
        """The plan years (indices) a target must hold in: from its ``year`` on (before the first
        year: from the first; after the last: never, only reported). A snapshot holds them all."""
        if not self.u.programme or target.year is None:
            return list(range(len(self.years)))
        return [k for k, y in enumerate(self.years) if y >= target.year]

    @cached_property
    def requirements(self) -> list[Requirement]:
        """Every target for every region it applies to, at every plan year it must hold in."""
        if self.mode != "targets":
            return []
        out = []
        for target in self.targets:
            for region in target_regions(self.u.ix, target):
                scope = () if target.metric in COUNT_METRICS else tuple(self.u.scope(region, target.filter))
                out.extend(Requirement(target, region, k, scope) for k in self.enforced(target))
        return out

    def unreachable(self) -> list[Unmet]:
        """Targets that no set of actions meets: every action taken is the best any plan does (each
        target named once, at the first year it fails)."""
        out: dict[tuple[str, str], Unmet] = {}
        for r in self.requirements:
            if (r.target.id, r.region) not in out and (m := _unreachable(self.u, r)) is not None:
                out[(r.target.id, r.region)] = m
        return list(out.values())

    # --- solving -----------------------------------------------------------------------
    def solve(self, method: Literal["milp", "greedy"] = "milp", *, time_limit: float | None = None,
              progress: Stage | None = None, cancel: threading.Event | None = None) -> Plan:
        """``time_limit`` (s): the best plan found by then, with its true gap; ``cancel``: set it from
        another thread to stop as a time limit would."""
        started = time.perf_counter()
        stage = progress or (lambda _s: None)
        stage("universe")
        unmet = self.unreachable()
        if unmet:
            outcome = Outcome("infeasible", None, gap=None)
            self.plan = self._assemble({}, outcome, method, unmet, started)
            return self.plan
        stage("model")
        if method == "greedy":
            if self.mode != "budget":
                raise ValueError("the greedy heuristic plans within a budget; target mode is always solved exactly")
            f = self.formulation()
            stage("greedy")
            taken, outcome = greedy(f, self._goals(f), self._caps())
        elif self.mode == "targets" and self.u.programme and self.budget_per_year is not None:
            taken, outcome = self._capped_targets(time_limit, stage, cancel, started)
            if outcome.status == "infeasible":
                unmet = [self._over_budget()]
        else:
            f = self.formulation()
            # Budget mode starts from the greedy's choice (seconds to find, and often within a
            # fraction of a percent): the exact answer is never worse than the heuristic's.
            start = f.start_entries(choose(f, self._caps())) if self.mode == "budget" else None
            outcome = f.model.solve(self._goals(f), time_limit=time_limit, on_stage=stage, cancel=cancel, start=start)
            taken = {} if outcome.x is None else f.taken(outcome.x)
            if outcome.status == "infeasible":
                unmet = [self._over_budget()]
            elif self.mode == "targets":
                taken = self._advance(taken)
        stage("figures")
        self.plan = self._assemble(taken, outcome, method, unmet, started)
        return self.plan

    def _capped_targets(self, time_limit: float | None, stage: Stage, cancel: threading.Event | None,
                        started: float) -> tuple[dict[str, int], Outcome]:
        """Target mode under yearly caps. The cheapest programme without the caps costs no more than
        any capped one, so when its actions can be scheduled into the caps it is the capped optimum,
        proven; finding it is far easier than packing and choosing at once. Each action may move to
        any year up to the first judged year at or after its own (the targets are only read there),
        packed earliest deadline first. Only when that packing fails is the capped model solved, with
        the uncapped optimum as its proven bound."""
        free = self.formulation(caps=False)
        stage("cost (no yearly caps)")
        relaxed = free.model.solve(self._goals(free), time_limit=time_limit, on_stage=None, cancel=cancel)
        if relaxed.x is None:
            return {}, relaxed  # infeasible without the caps too, or out of time
        judged = sorted(self._judged or ())
        deadlines = {a: next((k for k in judged if k >= j), len(self.years) - 1)
                     for a, j in free.taken(relaxed.x).items()}
        packed = _pack(deadlines, {a: self.u.action(a).cents for a in deadlines}, self._caps())
        if packed is not None:
            return self._advance(packed), relaxed  # same cost: optimal exactly when the relaxation is
        stage("cost (yearly caps)")
        f = self.formulation()
        left = None if time_limit is None else max(0.0, time_limit - (time.perf_counter() - started))
        bound = relaxed.values["cost"] if relaxed.status == "optimal" else relaxed.bound
        goal = self._goals(f)[0]
        goal.bound = bound
        outcome = f.model.solve([goal], time_limit=left, cancel=cancel)
        taken = {} if outcome.x is None else self._advance(f.taken(outcome.x))
        return taken, outcome

    def formulation(self, budgets: bool = True, caps: bool = True) -> Formulation:
        """The MILP; ``budgets=False`` drops every money limit, ``caps=False`` the yearly caps only."""
        return formulate(self.u, self.requirements, budget=self.budget if budgets else None,
                         budget_per_year=self.budget_per_year if budgets and caps else None, judged=self._judged)

    @property
    def _judged(self) -> set[int] | None:
        """The plan years the model must state: all (budget mode sums them), or the targets' years."""
        return None if self.mode == "budget" else {r.year for r in self.requirements}

    def _caps(self) -> Caps:
        per_year = None if self.budget_per_year is None else [math.floor(b * 100 + 1e-6) for b in self.budget_per_year]
        total = None if self.budget is None else math.floor(self.budget * 100 + 1e-6)
        return Caps(total, per_year)

    def _goals(self, f: Formulation) -> list[Goal]:
        """Budget: most instruments covered, summed over the plan years, then least cost. Targets:
        least cost; a programme then covers as much as early as it can (a tie-break only)."""
        offset = float(sum(y.base_instruments for y in self.u.at)) if self.mode == "budget" else 0.0
        instruments = Goal("instruments", f.instruments(), "max", slack=0.5, offset=offset)
        cost = Goal("cost", f.cost(), "min", slack=0.5)  # in 0.01 万元: integers
        return [instruments, cost] if self.mode == "budget" else [cost]

    def _advance(self, taken: dict[str, int]) -> dict[str, int]:
        """Target mode is indifferent to when an action happens as long as the targets hold; planners
        are not: move each action as early as the yearly caps allow (the costliest first). With
        certificates outliving the programme an action taken earlier is in force in every year it
        was, so no target can break and the cost is unchanged (a tie-break, not a goal)."""
        u = self.u
        if not u.programme or u.certificate_years < len(self.years) - 1:
            return taken
        caps = self._caps().per_year
        spent = [0] * len(self.years)
        for a, j in taken.items():
            spent[j] += u.action(a).cents
        out = dict(taken)
        for a in sorted(taken, key=lambda a: (-u.action(a).cents, a)):
            c = u.action(a).cents
            for j in range(out[a]):
                if caps is None or spent[j] + c <= caps[j]:
                    spent[out[a]] -= c
                    spent[j] += c
                    out[a] = j
                    break
        return out

    def _over_budget(self) -> Unmet:
        """Target mode within caps found no plan: what the targets cost without the yearly caps (and
        without the total budget too, if that alone is short)."""
        caps = self.budget_per_year is not None
        needed = None
        for budgets in ((False, True) if caps and self.budget is not None else (False,)):
            f = formulate(self.u, self.requirements, budget=self.budget if budgets else None, judged=self._judged)
            free = f.model.solve([Goal("cost", f.cost(), "min")])
            if free.status == "optimal":
                needed = free.values["cost"] / 100
        unmet = Unmet(target="*", region="*", metric="budget", filter="all", threshold=0.0, best=None,
                      needed_cost=needed, caps=caps)
        return unmet.model_copy(update={"reasons": unmet.describe("en")})

    # --- the answer --------------------------------------------------------------------
    def _assemble(self, taken: dict[str, int], outcome: Outcome, method: str, unmet: list[Unmet],
                  started: float) -> Plan:
        u, last = self.u, self.u.last
        states = [apply_plan(u, taken, k) for k in range(len(u.dates))]
        indexes = [compile_dataset(ds) for ds, _ in states]
        after_ix, calibrator = indexes[-1], states[-1][1]
        covering_after = covering_in(after_ix, traceable_in(after_ix, last.on))
        order = _explain.plan_order(u, taken)
        new_items = _explain.attribute(last, after_ix, covering_after, order)
        verified: dict[str, set[Item]] = {a: set() for a in order}  # items each action's standard covers after
        for item, standards in covering_after.items():
            for s in standards:
                if s in verified:
                    verified[s].add(item)
        actions = [self._action(a, taken[a], new_items[a], calibrator, after_ix, verified) for a in order]
        by_year = [self._year(k, taken, indexes[k]) for k in range(len(u.dates))]
        total = sum(u.action(a).cents for a in taken)
        objective = float(sum(y.figures.covered_instruments for y in by_year)) if self.mode == "budget" else None
        bound = outcome.bound
        if bound is not None and outcome.unproven == "cost":
            bound = bound / 100  # reported in 万元
        return Plan(
            mode=self.mode, status=outcome.status, gap=outcome.gap, method=method, bound=bound, as_of=u.as_of,
            programme=u.programme, certificate_years=u.certificate_years, budget=self.budget,
            budget_per_year=self.budget_per_year, years=self.years, objective=objective,
            total_cost=total / 100, actions=actions, before=by_year[0].baseline, after=by_year[-1].figures,
            by_year=by_year, targets_before=evaluate_in(u.ix, u.dates[0], self.targets),
            targets_after=evaluate_in(after_ix, last.on, self.targets),
            unmet=unmet, ranking=self._ranking(taken), seconds=time.perf_counter() - started,
        )

    def _year(self, k: int, taken: dict[str, int], ix: Index) -> YearFigures:
        u, on = self.u, self.u.dates[k]
        spent = sorted(a for a, j in taken.items() if j == k)
        builds = [a for a in spent if a in u.builds]
        renewals = [a for a in spent if a not in u.builds]
        results = evaluate_in(ix, on, self.targets)
        enforced = {target.id for target in self.targets if k in self.enforced(target)}
        return YearFigures(
            year=self.years[k], evaluated_on=on, cost=sum(u.action(a).cents for a in spent) / 100,
            build_cost=sum(u.action(a).cents for a in builds) / 100,
            renewal_cost=sum(u.action(a).cents for a in renewals) / 100, builds=len(builds),
            renewals=len(renewals), actions=spent, figures=dataset_figures_in(ix, on),
            baseline=dataset_figures_in(u.ix, on),
            targets=[YearTarget(id=r.id, region=r.region, value=r.value, met=r.met, enforced=r.id in enforced)
                     for r in results])

    def _action(self, a: str, k: int, items: list[Item], calibrator: dict, after: Index,
                verified: dict[str, set[Item]]) -> PlannedAction:
        u, spec = self.u, self.u.action(a)
        inst = u.ix.institutions[spec.institution]
        region = inst.get("region")
        name = u.candidates[spec.candidate].name if spec.candidate else u.ix.standards[a]["name"]
        ups = [calibrator.get(a)] if a in u.builds else sorted(after.upstream.get(a, {}))
        return PlannedAction(
            kind=spec.kind, candidate=spec.candidate, name=name, institution=spec.institution,
            institution_name=inst["name"], level=inst["level"], region=region,
            region_name=u.ix.regions[region]["name"] if region else None, standard=a, cost=spec.cost,
            year=self.years[k], new_items=len(items), new_instruments=sum(u.ix.demand[i] for i in items),
            counties=sorted({c for c, _ in items}), items=sorted(items),
            targets=self._advanced(a, items, verified.get(a, set())), calibrated_by=[x for x in ups if x],
        )

    def _advanced(self, a: str, items: list[Item], verified: set[Item]) -> list[str]:
        """Targets the action advances: coverage-type ones whose scope gains one of its items (capacity
        targets: whose scope has an item its standard verifies, ``verified``); count targets whose
        institutions it adds a standard to."""
        mine = set(items)
        out = []
        for target, scopes in self._target_scopes:
            for scope in scopes:
                if not mine.isdisjoint(scope) or (
                        target.metric == "capacity_rate" and not verified.isdisjoint(scope)):
                    out.append(target.id)
                    break
        holder = self.u.holder(a)
        for target in self.targets:
            if target.metric not in COUNT_METRICS:
                continue
            located = target.metric == "standards_count"
            regions = target_regions(self.u.ix, target)
            if any(holder in self.u.legal_institutions(r, target.level, located_at_level=located) for r in regions):
                out.append(target.id)
        return out

    @cached_property
    def _target_scopes(self) -> list[tuple[Target, list[frozenset[Item]]]]:
        return [(target, [frozenset(self.u.scope(r, target.filter)) for r in target_regions(self.u.ix, target)])
                for target in self.targets if target.metric not in COUNT_METRICS]

    def _ranking(self, taken: dict[str, int]) -> list[RankedAction]:
        """Every relevant action taken alone at the last plan year, by instruments per 万元."""
        u, y = self.u, self.u.last
        out = []
        for a in sorted(set(y.relevant(set())) & (set(u.builds) | set(u.renewable)) | set(taken)):
            reached, needs = _explain.alone_gain(y, a)
            items = _explain.items_reached(y, reached)
            cents = u.action(a).cents + sum(u.action(n).cents for n in needs)
            gained = sum(u.ix.demand[i] for i in items)
            spec = u.action(a)
            out.append(RankedAction(kind=spec.kind, standard=a, candidate=spec.candidate,
                                    institution=spec.institution, cost=cents / 100, new_items=len(items),
                                    new_instruments=gained, per_10k_yuan=gained * 100 / cents if cents else 0.0,
                                    needs=needs, chosen=a in taken))
        return sorted(out, key=lambda r: (-r.per_10k_yuan, r.cost, r.standard))


def _pack(deadlines: dict[str, int], cents: dict[str, int], caps: Caps) -> dict[str, int] | None:
    """Actions into years, each no later than its deadline, within the yearly caps (and the total):
    earliest deadline first, the dearest first among equals, into the earliest year with room.
    None when some action finds no year by its deadline (the caps may still allow another plan)."""
    years = 1 + max(deadlines.values(), default=0)
    room = [math.inf if caps.per_year is None else caps.per_year[k] for k in range(years)]
    out: dict[str, int] = {}
    for a in sorted(deadlines, key=lambda a: (deadlines[a], -cents[a], a)):
        k = next((k for k in range(deadlines[a] + 1) if room[k] >= cents[a]), None)
        if k is None:
            return None
        room[k] -= cents[a]
        out[a] = k
    return out


def _unreachable(u: Universe, r: Requirement) -> Unmet | None:
    """None when taking every action meets the requirement; else the best value and the reasons."""
    target, y = r.target, u.at[r.year]
    items: list[Uncoverable] = []
    if target.metric in COUNT_METRICS:
        best, need = count_best(u, r)
        if need is None or best >= need:
            return None
        value = best / (len([p for p in u.ix.subtree(r.region) if u.ix.regions[p]["level"] == target.level])
                        if target.metric == "standards_count" else 1)
        unmet = Unmet(target=target.id, region=r.region, metric=target.metric, filter=target.filter,
                      threshold=target.threshold, best=value, year=u.years[r.year])
        return unmet.model_copy(update={"reasons": unmet.describe("en")})
    if target.metric == "capacity_rate":
        loads = {i: u.ix.scaled_load(i) for i in r.scope}
        whole = sum(loads.values())
        caps = {s: u.capacity(s) for i in r.scope for s in y.full_covering.get(i, ())}
        best = item_flow(loads, y.full_covering, caps)
    else:
        weight = (lambda i: 1) if target.metric == "coverage" else (lambda i: u.ix.demand[i])
        whole = sum(weight(i) for i in r.scope)
        best = sum(weight(i) for i in r.scope if i in y.full_covering)
        items = [_why(u, i) for i in r.scope if i not in y.full_covering][:20]
    if not whole or best >= least_count(target.threshold, whole):
        return None  # met by taking everything, or undefined (no demand in scope): nothing to plan
    unmet = Unmet(target=target.id, region=r.region, metric=target.metric, filter=target.filter,
                  threshold=target.threshold, best=best / whole, year=u.years[r.year], items=items)
    return unmet.model_copy(update={"reasons": unmet.describe("en")})


def _why(u: Universe, item: Item) -> Uncoverable:
    county, kind = item
    candidates = {k.id for k in u.dataset.candidates if kind in k.verifies}
    existing = any(kind in ts for ts in u.ix.verifies.values())
    if not candidates and not existing:
        reason = "no_standard_or_candidate"
    elif not any(b.candidate in candidates and county in u.served_counties.get(b.institution, ())
                 for b in u.builds.values()):
        reason = "not_buildable_here"
    else:
        reason = "no_calibrator"
    return Uncoverable(county=county, county_name=u.ix.regions[county]["name"], instrument_type=kind,
                       type_name=u.ix.types[kind]["name"], reason=reason)  # type: ignore[arg-type]
