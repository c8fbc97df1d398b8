"""The answer of a plan: what to do, when, at what cost, and what the figures become (the JSON
``tracegraph plan --format json`` prints, spec/figures.md Planning and programme.md Output)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel

from tracegraph.algorithms.coverage import Figures
from tracegraph.algorithms.targets import TargetResult
from tracegraph.i18n import Lang, t
from tracegraph.models import COUNT_METRICS

Mode = Literal["budget", "targets"]
Status = Literal["optimal", "feasible", "infeasible", "no_solution"]


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


class YearTarget(BaseModel):
    """One target for one region, judged at a plan year's evaluation date."""

    id: str
    region: str
    value: float | None
    met: bool | None
    enforced: bool  # the programme must meet it this year (its ``year`` has come)


class YearFigures(BaseModel):
    """One plan year, judged at its evaluation date (31 December; the as-of date for a snapshot plan)."""

    year: int
    evaluated_on: dt.date
    cost: float  # exact to 0.01 万元
    build_cost: float
    renewal_cost: float
    builds: int
    renewals: int
    actions: list[str]  # the standard ids of the actions taken this year
    figures: Figures  # whole dataset, filter all, with the programme
    baseline: Figures  # the same date without any action
    targets: list[YearTarget]


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
    year: int | None = None  # the first plan year it fails in
    items: list[Uncoverable] = []
    needed_cost: float | None = None  # budget shortfall: what the cheapest plan meeting the targets costs
    caps: bool = False  # the shortfall is the yearly caps' (the total budget alone would do)
    reasons: list[str] = []

    def describe(self, lang: Lang = "zh") -> list[str]:
        if self.metric == "budget":
            if self.needed_cost is None:
                return [t("unmet_budget_unknown", lang)]
            return [t("unmet_caps" if self.caps else "unmet_budget", lang, cost=f"{self.needed_cost:,.2f}")]
        if self.metric == "capacity_rate":
            return [t("unmet_capacity", lang, best=f"{(self.best or 0):.2%}")]
        if self.metric in COUNT_METRICS:
            return [t("unmet_count", lang, best=f"{self.best:g}", need=f"{self.threshold:g}", year=self.year)]
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
    gap: float | None  # (bound − value) / bound of the goal not proven; 0 when optimal, None without a plan
    method: Literal["milp", "greedy"]
    bound: float | None = None  # proven bound on the goal not proven (greedy: the LP relaxation)
    as_of: dt.date
    programme: bool  # judged year by year at 31 December (``--years``), or a snapshot at the as-of date
    certificate_years: int
    budget: float | None
    budget_per_year: list[float] | None
    years: list[int]
    objective: float | None  # budget mode: Σ over plan years of covered instruments (snapshot: the one year)
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
