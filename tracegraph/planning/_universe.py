"""Every action a plan could take, and what each could reach, at each evaluation date (spec:
figures.md Planning, programme.md).

A :class:`Universe` holds what does not depend on the date: the dataset as the programme sees it
(links current at the as-of date kept current by routine recalibration), every build (candidate ×
legal institution of an allowed level) and renewal, reach, and the scopes of targets. A
:class:`Year` is one evaluation date: the base state there (no action), the state with *all*
actions taken (an upper bound on every figure, since actions only ever add), and the relevant part:
the standards and items the optimisation has to decide about. Everything else is a constant,
which keeps the MILP small. A snapshot plan is a programme of one "year" judged at the as-of date.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

from tracegraph._index import Index, Item, compile_dataset
from tracegraph.algorithms.chains import is_valid, traceable_in
from tracegraph.algorithms.coverage import covering_in, type_filters
from tracegraph.models import CERTIFICATE_YEARS, DEFAULT_RENEWAL_COST, LEVEL_RANK, Dataset, TraceLink

Kind = Literal["build", "renew"]


@dataclass(frozen=True)
class ActionSpec:
    """One possible action: build candidate k at institution i, or renew an existing standard."""

    kind: Kind
    standard: str  # the new standard's id (``K@I``), or the renewed standard's id
    institution: str
    cents: int  # cost in 0.01 万元: money is exact in integers
    candidate: str | None = None

    @property
    def cost(self) -> float:
        return self.cents / 100


def build_id(candidate: str, institution: str) -> str:
    return f"{candidate}@{institution}"


def cents(amount: float) -> int:
    """万元 → an integer number of 0.01 万元 (the unit every cost and budget is exact in)."""
    return round(amount * 100)


def year_end(year: int) -> dt.date:
    return dt.date(year, 12, 31)


def programme_dataset(ds: Dataset, as_of: dt.date, until: dt.date) -> Dataset:
    """The dataset as a programme judges it (programme.md, State at E(y)): a link current at the
    as-of date is kept current by routine recalibration (an operating cost) through ``until``; a
    link not current then (expired, or calibrated only after it) stays broken until its standard
    is renewed, whatever its dates say about later years."""
    if until <= as_of:
        return ds
    return ds.model_copy(update={"traceability": [_as_programme(link, as_of, until) for link in ds.traceability]})


def _as_programme(link: TraceLink, as_of: dt.date, until: dt.date) -> TraceLink:
    current = link.valid_until >= as_of and (link.calibrated_on is None or link.calibrated_on <= as_of)
    if current:
        return link.model_copy(update={"valid_until": max(link.valid_until, until)})
    if link.valid_until >= as_of:  # calibrated after the as-of date: broken, as an expired link is
        return link.model_copy(update={"valid_until": as_of - dt.timedelta(days=1)})
    return link


@dataclass
class Universe:
    dataset: Dataset  # as given
    as_of: dt.date  # D
    years: list[int]  # plan years; a snapshot plan has one, judged at D
    programme: bool = False
    certificate_years: int = CERTIFICATE_YEARS
    renewals: bool = True
    renewal_cost: float = DEFAULT_RENEWAL_COST
    current: Dataset = field(init=False)  # the dataset with routine recalibration applied
    ix: Index = field(init=False)
    _scopes: dict[tuple[str, str], list[Item]] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self.dates = [year_end(y) for y in self.years] if self.programme else [self.as_of]
        self.current = programme_dataset(self.dataset, self.as_of, self.dates[-1])
        self.ix = compile_dataset(self.current)
        self.candidates = {k.id: k for k in self.dataset.candidates}
        self.at = [Year(self, k) for k in range(len(self.dates))]

    @property
    def last(self) -> Year:
        return self.at[-1]

    def window(self, k: int) -> list[int]:
        """Plan years j whose action is still in force at year k's evaluation date: j ≤ k, and the
        certificate it gives (valid through 31 December of y_j + V) has not run out."""
        if not self.programme:
            return [0]
        return [j for j in range(k + 1) if self.years[k] - self.years[j] <= self.certificate_years]

    def expiry(self, j: int) -> dt.date:
        """The certificate an action of plan year j gives: through 31 December of y_j + V."""
        return year_end((self.years[j] if self.programme else self.as_of.year) + self.certificate_years)

    # --- the actions --------------------------------------------------------------------
    @cached_property
    def builds(self) -> dict[str, ActionSpec]:
        """New standard id → its build, for every candidate at every legal institution of its levels."""
        out = {}
        for k in self.dataset.candidates:
            for inst, a in self.ix.institutions.items():
                if a["kind"] == "legal" and a["level"] in k.levels:
                    sid = build_id(k.id, inst)
                    out[sid] = ActionSpec("build", sid, inst, cents(k.build_cost), k.id)
        return out

    @cached_property
    def renewable(self) -> dict[str, ActionSpec]:
        """Standard id → its renewal: in service, not primary, and its certificate runs out before the
        last evaluation date or some link has already expired."""
        if not self.renewals:
            return {}
        out = {}
        for s, a in self.ix.standards.items():
            if a["status"] != "in_service" or a["primary"]:
                continue
            links_expired = any(not self.ix.link_valid(s, up, self.as_of) for up in self.ix.upstream.get(s, {}))
            if links_expired or not is_valid(a, self.dates[-1]):
                cost = a.get("renewal_cost")
                amount = self.renewal_cost if cost is None else cost
                out[s] = ActionSpec("renew", s, self.ix.holder[s], cents(amount))
        return out

    def action(self, standard: str) -> ActionSpec:
        return self.builds.get(standard) or self.renewable[standard]

    # --- attributes shared by existing and planned standards ---------------------------
    def quantity(self, s: str) -> str:
        b = self.builds.get(s)
        return self.candidates[b.candidate].quantity if b else self.ix.standards[s]["quantity"]

    def holder(self, s: str) -> str:
        b = self.builds.get(s)
        return b.institution if b else self.ix.holder[s]

    def verifies(self, s: str) -> list[str]:
        b = self.builds.get(s)
        return list(self.candidates[b.candidate].verifies) if b else list(self.ix.verifies.get(s, ()))

    def capacity(self, s: str) -> int | None:
        """Scaled yearly capacity (see Index.load_scale); None = unlimited."""
        b = self.builds.get(s)
        cap = self.candidates[b.candidate].capacity_per_year if b else self.ix.standards[s].get("capacity_per_year")
        return None if cap is None else cap * self.ix.load_scale

    def level(self, s: str) -> str:
        return self.ix.institutions[self.holder(s)]["level"]

    @cached_property
    def builds_at(self) -> dict[str, list[str]]:
        """Institution → the builds possible there."""
        out: dict[str, list[str]] = defaultdict(list)
        for sid, b in self.builds.items():
            out[b.institution].append(sid)
        return out

    # --- reach -------------------------------------------------------------------------
    @cached_property
    def served_counties(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = defaultdict(list)
        for county, insts in self.ix.serving.items():
            for inst in insts:
                out[inst].append(county)
        return out

    @cached_property
    def calibrating_institutions(self) -> dict[str, list[str]]:
        """Institution → the institutions that can calibrate a standard it holds (Reach): national
        ones, and those of a strictly higher level located in an ancestor of its region."""
        at: dict[str, list[str]] = defaultdict(list)
        national = []
        for inst, a in self.ix.institutions.items():
            if a["level"] == "national":
                national.append(inst)
            elif a.get("region"):
                at[a["region"]].append(inst)
        out = {}
        for low, a in self.ix.institutions.items():
            rank = LEVEL_RANK[a["level"]]
            above = self.ix.ancestors_or_self(a["region"])[1:] if a.get("region") else []
            local = [i for r in above for i in at.get(r, ()) if LEVEL_RANK[self.ix.institutions[i]["level"]] > rank]
            out[low] = [*local, *(national if rank < LEVEL_RANK["national"] else [])]
        return out

    def by_place(self, standards: set[str]) -> dict[tuple[str, str], list[str]]:
        """(institution, quantity) → those standards held there: where a calibrator is looked up."""
        out: dict[tuple[str, str], list[str]] = defaultdict(list)
        for s in sorted(standards):
            out[(self.holder(s), self.quantity(s))].append(s)
        return out

    def calibrators_among(self, build: str, by_place: dict[tuple[str, str], list[str]]) -> list[str]:
        q = self.quantity(build)
        return [u for inst in self.calibrating_institutions[self.holder(build)] for u in by_place.get((inst, q), ())]

    def items_of(self, build: str) -> list[Item]:
        """Demand items a planned standard would cover."""
        k = self.candidates[self.builds[build].candidate]
        demand = self.ix.demand
        counties = self.served_counties.get(self.holder(build), ())
        return [(c, t) for c in counties for t in k.verifies if (c, t) in demand]

    # --- scopes ------------------------------------------------------------------------
    def scope(self, region: str, flt: str) -> list[Item]:
        """Demand items of a region's counties and a filter (kept: targets and explanations ask often)."""
        key = (region, flt)
        if key not in self._scopes:
            by_county = self.ix.items_by_county
            self._scopes[key] = [i for c in self.ix.counties_under[region] for i in by_county.get(c, ())
                                 if flt in self.filters_of[i[1]]]
        return self._scopes[key]

    @cached_property
    def filters_of(self) -> dict[str, list[str]]:
        return {t: type_filters(a) for t, a in self.ix.types.items()}

    def legal_institutions(self, region: str, level: str | None = None, *, located_at_level: bool = False) -> list[str]:
        """Legal institutions whose region is in ``region``'s subtree (of ``level`` when given; with
        ``located_at_level`` also located in a region of that level, as standards_count asks)."""
        inside = set(self.ix.subtree(region))
        out = []
        for inst, a in self.ix.institutions.items():
            if a["kind"] != "legal" or a.get("region") not in inside:
                continue
            if level is not None and a["level"] != level:
                continue
            if located_at_level and self.ix.regions[a["region"]]["level"] != level:
                continue
            out.append(inst)
        return out


@dataclass
class Year:
    """One evaluation date of a plan: what holds there with no action, and with every action."""

    u: Universe
    k: int
    _relevant: dict[frozenset, set[str]] = field(default_factory=dict, init=False, repr=False)

    @property
    def on(self) -> dt.date:
        return self.u.dates[self.k]

    def valid_now(self, s: str) -> bool:
        """An existing standard valid at this date with no action."""
        return is_valid(self.u.ix.standards[s], self.on)

    @cached_property
    def base(self) -> set[str]:
        """Traceable with no action."""
        return traceable_in(self.u.ix, self.on)

    @cached_property
    def full(self) -> set[str]:
        """Standards (existing and planned) traceable when every action is taken (and in force)."""
        u = self.u
        reached = traceable_in(u.ix, self.on, renewed=u.renewable)
        by_place = u.by_place(reached)
        for sid in sorted(u.builds, key=lambda s: -LEVEL_RANK[u.level(s)]):
            if u.calibrators_among(sid, by_place):
                reached.add(sid)
                by_place[(u.holder(sid), u.quantity(sid))].append(sid)
        return reached

    @cached_property
    def _full_by_place(self) -> dict[tuple[str, str], list[str]]:
        return self.u.by_place(self.full)

    def calibrators(self, build: str) -> list[str]:
        """Standards of the build's quantity that can calibrate it, among those traceable in full."""
        return self.u.calibrators_among(build, self._full_by_place)

    # --- coverage ----------------------------------------------------------------------
    @cached_property
    def base_covering(self) -> dict[Item, list[str]]:
        return covering_in(self.u.ix, self.base)

    @cached_property
    def full_covering(self) -> dict[Item, list[str]]:
        """Item → every standard (existing or planned) that covers it when all actions are taken."""
        u = self.u
        existing = {s for s in self.full if s in u.ix.standards}
        out = {item: list(ss) for item, ss in covering_in(u.ix, existing).items()}
        for sid in u.builds:
            if sid in self.full:
                for item in u.items_of(sid):
                    out.setdefault(item, []).append(sid)
        return out

    @cached_property
    def open_items(self) -> list[Item]:
        """Uncovered with no action, coverable by some plan: the items a plan decides about."""
        return [i for i in self.u.ix.demand if i not in self.base_covering and i in self.full_covering]

    @cached_property
    def open_by_standard(self) -> dict[str, list[Item]]:
        out: dict[str, list[Item]] = defaultdict(list)
        for item in self.open_items:
            for s in self.full_covering[item]:
                out[s].append(item)
        return out

    @cached_property
    def base_instruments(self) -> int:
        return sum(self.u.ix.demand[i] for i in self.base_covering)

    # --- what the optimisation decides about ------------------------------------------
    def relevant(self, capacity_items: set[Item], extra: frozenset[str] = frozenset()) -> set[str]:
        """Standards not traceable now but traceable in full that matter: they cover an open item, add
        capacity to an item under a capacity target, are in ``extra`` (service items), or lie on the
        chain of one that does. (Kept: the model and the ranking both ask.)"""
        key = (frozenset(capacity_items), extra)
        if key not in self._relevant:
            self._relevant[key] = self._relevant_to(capacity_items, extra)
        return self._relevant[key]

    def _relevant_to(self, capacity_items: set[Item], extra: frozenset[str]) -> set[str]:
        wanted = {s for s in extra if s in self.full and s not in self.base}
        for item in set(self.open_items) | capacity_items:
            wanted.update(s for s in self.full_covering.get(item, ()) if s not in self.base)
        stack = list(wanted)
        while stack:
            s = stack.pop()
            for up in self.upstreams(s):
                if up not in self.base and up not in wanted:
                    wanted.add(up)
                    stack.append(up)
        return wanted

    def upstreams(self, s: str) -> list[str]:
        """What s may trace to in a plan: its links (existing), or its calibrators (planned).
        Empty for a planned standard that some standard traceable now can already calibrate."""
        if s in self.u.builds:
            found = self.calibrators(s)
            return [] if any(up in self.base for up in found) else found
        return [up for up in self.u.ix.upstream.get(s, {}) if up in self.full]
