"""Every action a plan could take, and what each could reach (spec/figures.md, Planning).

The universe is computed once per problem: the base state at the as-of date, every build
(candidate × legal institution of an allowed level) and renewal, the state with *all* of them
taken (an upper bound on every figure, since actions only ever add coverage and capacity), and
the relevant part: the actions, standards and items the optimisation has to decide about.
Everything else is a constant, which keeps the MILP small.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

from tracegraph._index import Index, Item, compile_graph
from tracegraph.algorithms.chains import is_valid, traceable_in
from tracegraph.algorithms.coverage import covering_in, type_filters
from tracegraph.graph import build_graph
from tracegraph.models import LEVEL_RANK, Dataset

Kind = Literal["build", "renew"]
DEFAULT_RENEWAL_COST = 5.0  # 万元: illustrative, a re-examination (复查) of one standard


@dataclass(frozen=True)
class ActionSpec:
    """One possible action: build candidate k at institution i, or renew an existing standard."""

    kind: Kind
    standard: str  # the new standard's id (``K@I``), or the renewed standard's id
    institution: str
    cost: float
    candidate: str | None = None

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.standard}"


def build_id(candidate: str, institution: str) -> str:
    return f"{candidate}@{institution}"


@dataclass
class Universe:
    dataset: Dataset
    as_of: dt.date
    renewals: bool = True
    renewal_cost: float = DEFAULT_RENEWAL_COST
    ix: Index = field(init=False)
    base: set[str] = field(init=False)  # traceable standards before any action (T0)
    _scopes: dict[tuple[str, str], list[Item]] = field(default_factory=dict, init=False, repr=False)
    _relevant: dict[frozenset[Item], set[str]] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self.ix = compile_graph(build_graph(self.dataset))
        self.base = traceable_in(self.ix, self.as_of)
        self.candidates = {k.id: k for k in self.dataset.candidates}

    # --- the actions --------------------------------------------------------------------
    @cached_property
    def builds(self) -> dict[str, ActionSpec]:
        """New standard id → its build, for every candidate at every legal institution of its levels."""
        out = {}
        for k in self.dataset.candidates:
            for inst, a in self.ix.institutions.items():
                if a["kind"] == "legal" and a["level"] in k.levels:
                    sid = build_id(k.id, inst)
                    out[sid] = ActionSpec("build", sid, inst, k.build_cost, k.id)
        return out

    @cached_property
    def renewable(self) -> dict[str, ActionSpec]:
        """Standard id → its renewal: in service, not primary, certificate or some link expired."""
        if not self.renewals:
            return {}
        out = {}
        for s, a in self.ix.standards.items():
            if a["status"] != "in_service" or a["primary"]:
                continue
            links_expired = any(d < self.as_of for d in self.ix.upstream.get(s, {}).values())
            if links_expired or not is_valid(a, self.as_of):
                cost = a.get("renewal_cost")
                out[s] = ActionSpec("renew", s, self.ix.holder[s], self.renewal_cost if cost is None else cost)
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

    def capacity(self, s: str) -> int | None:
        """Scaled yearly capacity (see Index.load_scale); None = unlimited."""
        b = self.builds.get(s)
        cap = self.candidates[b.candidate].capacity_per_year if b else self.ix.standards[s].get("capacity_per_year")
        return None if cap is None else cap * self.ix.load_scale

    def level(self, s: str) -> str:
        return self.ix.institutions[self.holder(s)]["level"]

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

    @cached_property
    def full(self) -> set[str]:
        """Standards (existing and planned) traceable when every action is taken."""
        reached = traceable_in(self.ix, self.as_of, renewed=self.renewable)
        by_place = self.by_place(reached)
        for sid in sorted(self.builds, key=lambda s: -LEVEL_RANK[self.level(s)]):
            if self.calibrators(sid, by_place):
                reached.add(sid)
                by_place[(self.holder(sid), self.quantity(sid))].append(sid)
        return reached

    def by_place(self, standards: set[str]) -> dict[tuple[str, str], list[str]]:
        """(institution, quantity) → those standards held there: where a calibrator is looked up."""
        out: dict[tuple[str, str], list[str]] = defaultdict(list)
        for s in sorted(standards):
            out[(self.holder(s), self.quantity(s))].append(s)
        return out

    @cached_property
    def _full_by_place(self) -> dict[tuple[str, str], list[str]]:
        return self.by_place(self.full)

    def calibrators(self, build: str, by_place: dict | None = None) -> list[str]:
        """Standards of the build's quantity that can calibrate it, among ``by_place`` (default: those
        traceable in full)."""
        by_place = self._full_by_place if by_place is None else by_place
        q = self.quantity(build)
        return [u for inst in self.calibrating_institutions[self.holder(build)] for u in by_place.get((inst, q), ())]

    # --- coverage ----------------------------------------------------------------------
    @cached_property
    def base_covering(self) -> dict[Item, list[str]]:
        return covering_in(self.ix, self.base)

    @cached_property
    def full_covering(self) -> dict[Item, list[str]]:
        """Item → every standard (existing or planned) that covers it when all actions are taken."""
        existing = {s for s in self.full if s in self.ix.standards}
        out = {item: list(ss) for item, ss in covering_in(self.ix, existing).items()}
        for sid in self.builds:
            if sid in self.full:
                for item in self.items_of(sid):
                    out.setdefault(item, []).append(sid)
        return out

    def items_of(self, build: str) -> list[Item]:
        """Demand items a planned standard would cover."""
        k = self.candidates[self.builds[build].candidate]
        demand = self.ix.demand
        counties = self.served_counties.get(self.holder(build), ())
        return [(c, t) for c in counties for t in k.verifies if (c, t) in demand]

    @cached_property
    def open_items(self) -> list[Item]:
        """Uncovered now, coverable by some plan: the items a plan decides about."""
        return [i for i in self.ix.demand if i not in self.base_covering and i in self.full_covering]

    @cached_property
    def open_by_standard(self) -> dict[str, list[Item]]:
        out: dict[str, list[Item]] = defaultdict(list)
        for item in self.open_items:
            for s in self.full_covering[item]:
                out[s].append(item)
        return out

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

    # --- what the optimisation decides about ------------------------------------------
    def relevant(self, capacity_items: set[Item]) -> set[str]:
        """Standards not traceable now but traceable in full that matter: they cover an open item, add
        capacity to an item under a capacity target, or lie on the chain of one that does. (Kept: the
        model and the ranking both ask.)"""
        key = frozenset(capacity_items)
        if key not in self._relevant:
            self._relevant[key] = self._relevant_to(capacity_items)
        return self._relevant[key]

    def _relevant_to(self, capacity_items: set[Item]) -> set[str]:
        wanted = set()
        for item in set(self.open_items) | capacity_items:
            wanted.update(s for s in self.full_covering.get(item, ()) if s not in self.base)
        stack = list(wanted)
        while stack:
            s = stack.pop()
            for u in self.upstreams(s):
                if u not in self.base and u not in wanted:
                    wanted.add(u)
                    stack.append(u)
        return wanted

    def upstreams(self, s: str) -> list[str]:
        """What s may trace to in a plan: its links (existing), or its calibrators (planned).
        Empty for a planned standard that some standard traceable now can already calibrate."""
        if s in self.builds:
            found = self.calibrators(s)
            return [] if any(u in self.base for u in found) else found
        return [u for u in self.ix.upstream.get(s, {}) if u in self.full]
