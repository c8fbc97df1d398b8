"""The planning problem: build it from a dataset, ``solve()``, inspect the plan (like PySAL spopt).

    problem = PlanningProblem.from_dataset(ds, as_of, mode="budget", budget=500)
    plan = problem.solve()
    plan.status, plan.total_cost, plan.actions, plan.before, plan.after
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from functools import cached_property
from typing import Literal

from pydantic import BaseModel

from tracegraph._index import Index, Item, compile_graph
from tracegraph.algorithms.chains import traceable_in
from tracegraph.algorithms.coverage import Figures, covering_in, dataset_figures_in
from tracegraph.algorithms.targets import TargetResult, evaluate_in, target_regions
from tracegraph.graph import build_graph
from tracegraph.i18n import Lang, t
from tracegraph.models import Dataset, Target
from tracegraph.planning import _explain
from tracegraph.planning._apply import apply_plan
from tracegraph.planning._formulation import Formulation, Requirement, formulate, least_count
from tracegraph.planning._milp import Goal, Outcome
from tracegraph.planning._universe import DEFAULT_RENEWAL_COST, Universe

Mode = Literal["budget", "targets"]
Status = Literal["optimal", "feasible", "infeasible"]
Stage = Callable[[str], None]


class PlannedAction(BaseModel):
    kind: Literal["build", "renew"]
    candidate: str | None
    name: str
    institution: str
    institution_name: str
    level: str
    region: str | None
    region_name: str | None
    standard: str
    cost: float
    year: int
    new_items: int
    new_instruments: int
    counties: list[str]
    items: list[tuple[str, str]]  # (county, instrument type) newly covered
    targets: list[str]  # ids of the coverage-type targets it advances
    calibrated_by: list[str]  # the standard(s) it traces to once the plan is done


class YearFigures(BaseModel):
    year: int
    cost: float
    actions: int
    figures: Figures


class Uncoverable(BaseModel):
    """A demand item no plan covers, and why."""

    county: str
    county_name: str
    instrument_type: str
    type_name: str
    reason: Literal["no_standard_or_candidate", "not_buildable_here", "no_calibrator"]


class Unmet(BaseModel):
    """A target that cannot be met, and why (``reasons``: the English sentences of :meth:`describe`)."""

    target: str
    region: str
    metric: str
    filter: str
    threshold: float
    best: float | None  # the most any plan reaches (every action taken), or None for a budget shortfall
    items: list[Uncoverable] = []
    needed_cost: float | None = None  # budget shortfall: what the cheapest plan meeting the targets costs
    reasons: list[str] = []

    def describe(self, lang: Lang = "zh") -> list[str]:
        if self.metric == "budget":
            if self.needed_cost is None:
                return [t("unmet_budget_unknown", lang)]
            return [t("unmet_budget", lang, cost=f"{self.needed_cost:,.1f}")]
        if self.metric == "capacity_rate":
            return [t("unmet_capacity", lang, best=f"{(self.best or 0):.2%}")]
        return [t(f"unmet_{i.reason}", lang, where=f"{i.county_name} ({i.county}) {i.type_name} ({i.instrument_type})")
                for i in self.items]


class RankedAction(BaseModel):
    kind: Literal["build", "renew"]
    standard: str
    candidate: str | None
    institution: str
    cost: float  # with the builds it needs first
    new_items: int
    new_instruments: int
    per_10k_yuan: float  # instruments newly covered per 万元 when taken alone
    needs: list[str]  # builds that must come first for it to be traceable
    chosen: bool


class Plan(BaseModel):
    mode: Mode
    status: Status
    gap: float
    method: Literal["milp", "greedy"]
    bound: float | None = None  # proven bound on the first goal (greedy: the LP relaxation)
    as_of: dt.date
    budget: float | None
    years: list[int]
    total_cost: float
    actions: list[PlannedAction]
    before: Figures
    after: Figures
    by_year: list[YearFigures]
    targets_before: list[TargetResult]
    targets_after: list[TargetResult]
    unmet: list[Unmet]
    ranking: list[RankedAction]
    seconds: float

    @property
    def builds(self) -> list[PlannedAction]:
        return [a for a in self.actions if a.kind == "build"]

    def to_contract(self) -> dict:
        """The object ``tracegraph plan --format json`` prints (spec/figures.md, Planning)."""
        out = self.model_dump(mode="json")
        out["builds"] = [a for a in out["actions"] if a["kind"] == "build"]
        return out


class PlanningProblem:
    """Which standards to build or renew, where and when, within a budget or to meet targets."""

    def __init__(self, universe: Universe, mode: Mode, *, budget: float | None = None,
                 years: Sequence[int] | None = None, budget_per_year: Sequence[float] | None = None,
                 targets: Sequence[Target] | None = None) -> None:
        self.u, self.mode = universe, mode
        self.years = list(years) if years else [universe.as_of.year]
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
                     renewal_cost: float = DEFAULT_RENEWAL_COST) -> PlanningProblem:
        """``years``: the plan years (e.g. ``range(2026, 2031)``); ``budget_per_year``: one figure for
        every year or one per year (万元). ``targets`` default to the dataset's own."""
        universe = Universe(dataset, as_of or dt.date.today(), renewals=renewals, renewal_cost=renewal_cost)
        if isinstance(budget_per_year, int | float):
            budget_per_year = [float(budget_per_year)] * len(list(years or [universe.as_of.year]))
        return cls(universe, mode, budget=budget, years=years, budget_per_year=budget_per_year, targets=targets)

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
    @property
    def requirements(self) -> list[Requirement]:
        """Every coverage-type target for every region it applies to, held from its year on (a
        target dated before or after the plan years holds from the first / by the last)."""
        if self.mode != "targets":
            return []
        out = []
        for target in self.targets:
            if target.metric == "standards_count":
                continue
            year = min(max(target.year or self.years[-1], self.years[0]), self.years[-1]) - self.years[0]
            for region in target_regions(self.u.ix, target):
                out.append(Requirement(target, region, year, tuple(self.u.scope(region, target.filter))))
        return out

    def unreachable(self) -> list[Unmet]:
        """Targets that no set of actions meets: every action taken is the best any plan does."""
        return [m for r in self.requirements if (m := _unreachable(self.u, r)) is not None]

    # --- solving -----------------------------------------------------------------------
    def solve(self, method: Literal["milp", "greedy"] = "milp", *, time_limit: float | None = None,
              progress: Stage | None = None) -> Plan:
        stage = progress or (lambda _s: None)
        stage("universe")
        unmet = self.unreachable()
        if unmet:
            self.plan = self._assemble({}, "infeasible", Outcome("infeasible", None), method, unmet)
            return self.plan
        if method == "greedy":
            from tracegraph.planning._greedy import greedy

            taken, outcome = greedy(self, stage)
        else:
            stage("model")
            f = self._formulate(budgets=True)
            outcome = f.model.solve(self._goals(f), time_limit=time_limit, on_stage=stage)
            taken = {} if outcome.x is None else f.taken(outcome.x)
            if outcome.status == "infeasible":
                unmet = [self._over_budget()]
        stage("figures")
        self.plan = self._assemble(taken, outcome.status, outcome, method, unmet)
        return self.plan

    def _formulate(self, budgets: bool) -> Formulation:
        return formulate(self.u, len(self.years), self.requirements,
                         budget=self.budget if budgets else None,
                         budget_per_year=self.budget_per_year if budgets else None)

    def _goals(self, f: Formulation) -> list[Goal]:
        """Budget: most instruments covered (by the last year), then least cost; targets: least cost.
        Phased plans then take each action as early as the yearly budgets allow."""
        last = len(self.years) - 1
        cost_slack = 1e-7 * (sum(self.u.action(a).cost for a in f.actions) + 1.0)
        goals = [Goal("cost", f.cost(self.u), "min", slack=cost_slack)]
        if self.mode == "budget":
            goals.insert(0, Goal("instruments", f.instruments(self.u, last), "max", slack=0.5))
        if last:
            goals.append(Goal("early", {v: float(k) for (_, k), v in f.x.items() if k}, "min", slack=0.5))
        return goals

    def _over_budget(self) -> Unmet:
        f = self._formulate(budgets=False)
        free = f.model.solve([Goal("cost", f.cost(self.u), "min")])
        unmet = Unmet(target="*", region="*", metric="budget", filter="all", threshold=0.0, best=None,
                      needed_cost=free.values.get("cost"))
        return unmet.model_copy(update={"reasons": unmet.describe("en")})

    # --- the answer --------------------------------------------------------------------
    def _assemble(self, taken_idx: dict[str, int], status: Status, outcome: Outcome, method: str,
                  unmet: list[Unmet]) -> Plan:
        u = self.u
        per_year = [apply_plan(u, taken_idx, k) for k in range(len(self.years))]
        after_ds, calibrator = per_year[-1]
        after_ix = compile_graph(build_graph(after_ds))
        after_traceable = traceable_in(after_ix, u.as_of)
        covering_after = covering_in(after_ix, after_traceable)
        order = _explain.plan_order(u, taken_idx)
        new_items = _explain.attribute(u, after_ix, covering_after, order)
        targets_after = evaluate_in(after_ix, u.as_of, self.targets)
        verified: dict[str, set[Item]] = {a: set() for a in order}  # items each action's standard covers after
        for item, standards in covering_after.items():
            for s in standards:
                if s in verified:
                    verified[s].add(item)
        actions = [self._action(a, taken_idx[a], new_items[a], calibrator, after_ix, verified) for a in order]
        by_year = []
        for k, (ds, _) in enumerate(per_year):
            ix = after_ix if k == len(per_year) - 1 else compile_graph(build_graph(ds))
            spent = [a for a in taken_idx if taken_idx[a] == k]
            by_year.append(YearFigures(year=self.years[k], cost=sum(u.action(a).cost for a in spent),
                                       actions=len(spent), figures=dataset_figures_in(ix, u.as_of)))
        return Plan(
            mode=self.mode, status=status, gap=outcome.gap, method=method, bound=outcome.bound, as_of=u.as_of,
            budget=self.budget if self.budget is not None else (sum(self.budget_per_year or []) or None),
            years=self.years, total_cost=sum(a.cost for a in actions), actions=actions,
            before=dataset_figures_in(u.ix, u.as_of, traceable=u.base),
            after=by_year[-1].figures, by_year=by_year,
            targets_before=evaluate_in(u.ix, u.as_of, self.targets), targets_after=targets_after,
            unmet=unmet, ranking=self._ranking(taken_idx), seconds=outcome.seconds,
        )

    def _action(self, a: str, k: int, items: list[Item], calibrator: dict, after: Index,
                verified: dict[str, set[Item]]) -> PlannedAction:
        u, spec = self.u, self.u.action(a)
        inst = u.ix.institutions[spec.institution]
        region = inst.get("region")
        name = u.candidates[spec.candidate].name if spec.candidate else u.ix.standards[a]["name"]
        ups = [calibrator[a]] if a in u.builds and calibrator.get(a) else sorted(after.upstream.get(a, {}))
        return PlannedAction(
            kind=spec.kind, candidate=spec.candidate, name=name, institution=spec.institution,
            institution_name=inst["name"], level=inst["level"], region=region,
            region_name=u.ix.regions[region]["name"] if region else None, standard=a, cost=spec.cost,
            year=self.years[k], new_items=len(items), new_instruments=sum(u.ix.demand[i] for i in items),
            counties=sorted({c for c, _ in items}), items=sorted(items),
            targets=self._advanced(items, verified.get(a, set())), calibrated_by=[x for x in ups if x],
        )

    def _advanced(self, items: list[Item], verified: set[Item]) -> list[str]:
        """Coverage-type targets whose scope gains one of the action's items (capacity targets: whose
        scope has an item the action's standard verifies, ``verified``)."""
        mine = set(items)
        out = []
        for target, scopes in self._target_scopes:
            for scope in scopes:
                if not mine.isdisjoint(scope) or (
                        target.metric == "capacity_rate" and not verified.isdisjoint(scope)):
                    out.append(target.id)
                    break
        return out

    @cached_property
    def _target_scopes(self) -> list[tuple[Target, list[frozenset[Item]]]]:
        return [(target, [frozenset(self.u.scope(r, target.filter)) for r in target_regions(self.u.ix, target)])
                for target in self.targets if target.metric != "standards_count"]

    def _ranking(self, taken: dict[str, int]) -> list[RankedAction]:
        u = self.u
        out = []
        for a in sorted(set(u.relevant(set())) & (set(u.builds) | set(u.renewable)) | set(taken)):
            reached, needs = _explain.alone_gain(u, a)
            items = _explain.items_reached(u, reached)
            cost = u.action(a).cost + sum(u.action(n).cost for n in needs)
            gained = sum(u.ix.demand[i] for i in items)
            spec = u.action(a)
            out.append(RankedAction(kind=spec.kind, standard=a, candidate=spec.candidate,
                                    institution=spec.institution, cost=cost, new_items=len(items),
                                    new_instruments=gained, per_10k_yuan=gained / cost if cost else 0.0,
                                    needs=needs, chosen=a in taken))
        return sorted(out, key=lambda r: (-r.per_10k_yuan, r.cost, r.standard))


def _unreachable(u: Universe, r: Requirement) -> Unmet | None:
    """None when taking every action meets the requirement; else the best value and the reasons."""
    target = r.target
    items: list[Uncoverable] = []
    if target.metric == "capacity_rate":
        from tracegraph.algorithms._flow import item_flow

        loads = {i: u.ix.scaled_load(i) for i in r.scope}
        whole = sum(loads.values())
        caps = {s: u.capacity(s) for i in r.scope for s in u.full_covering.get(i, ())}
        best = item_flow(loads, u.full_covering, caps)
    else:
        weight = (lambda i: 1) if target.metric == "coverage" else (lambda i: u.ix.demand[i])
        whole = sum(weight(i) for i in r.scope)
        best = sum(weight(i) for i in r.scope if i in u.full_covering)
        items = [_why(u, i) for i in r.scope if i not in u.full_covering][:20]
    if not whole or best >= least_count(target.threshold, whole):
        return None  # met by taking everything, or undefined (no demand in scope): nothing to plan
    unmet = Unmet(target=target.id, region=r.region, metric=target.metric, filter=target.filter,
                  threshold=target.threshold, best=best / whole, items=items)
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
