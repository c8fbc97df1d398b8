"""Gaps: what is uncovered and why, what is about to expire, and single points of failure."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Literal

import networkx as nx
from pydantic import BaseModel

from tracegraph._index import Index, compile_graph
from tracegraph.algorithms.chains import Break, _invalid_reason, breaks_in, traceable_in
from tracegraph.algorithms.coverage import covering_in
from tracegraph.algorithms.impact import FailureImpacts, failure_impacts_in, link_node

GapReason = Literal["no_standard", "not_served", "invalid"]


class StandardProblem(BaseModel):
    """Why a standard that would cover an item does not: invalid itself, or its chain breaks."""

    standard: str
    institution: str
    problem: Literal["expired_certificate", "suspended", "retired", "chain_broken"]
    breaks: list[Break] = []


class Gap(BaseModel):
    county: str
    county_name: str
    instrument_type: str
    type_name: str
    count: int
    reason: GapReason
    standards: list[StandardProblem] = []


class Expiring(BaseModel):
    kind: Literal["certificate", "link"]
    standard: str
    upstream: str | None = None
    institution: str
    expires: dt.date
    days_left: int
    broken_standards: list[str]
    lost_items: int
    lost_instruments: int


class SinglePoint(BaseModel):
    standard: str
    name: str
    institution: str
    level: str
    broken_standards: int
    lost_items: int
    lost_instruments: int


class GapReport(BaseModel):
    as_of: dt.date
    uncovered: list[Gap]
    expiring: list[Expiring]
    single_points: list[SinglePoint]


def uncovered_in(ix: Index, as_of: dt.date, traceable: set[str], counties: set[str] | None = None,
                 covering: dict | None = None) -> list[Gap]:
    covering = covering_in(ix, traceable) if covering is None else covering
    # Every standard (valid or not) by holder and type: a county's candidates are then a few lookups.
    by_holder_type: dict[tuple[str, str], list[str]] = defaultdict(list)
    for s, types in ix.verifies.items():
        for t in types:
            by_holder_type[(ix.holder[s], t)].append(s)
    verified = {t for _, t in by_holder_type}
    gaps = []
    for item, count in ix.demand.items():
        county, t = item
        if item in covering or (counties is not None and county not in counties):
            continue
        serving = sorted(s for inst in ix.serving.get(county, ()) for s in by_holder_type.get((inst, t), ()))
        gaps.append(_gap(ix, as_of, traceable, county, t, count, t in verified, serving))
    return sorted(gaps, key=lambda g: (g.county, g.instrument_type))


def _gap(ix: Index, as_of: dt.date, traceable: set[str], county: str, t: str, count: int, verified: bool,
         serving: list[str]) -> Gap:
    reason: GapReason = "no_standard" if not verified else "not_served" if not serving else "invalid"
    # model_construct: built from the validated index, one per uncovered item (tens of thousands nationally).
    return Gap.model_construct(county=county, county_name=ix.regions[county]["name"], instrument_type=t,
                               type_name=ix.types[t]["name"], count=count, reason=reason,
                               standards=[_standard_problem(ix, s, as_of, traceable) for s in serving])


def _standard_problem(ix: Index, s: str, as_of: dt.date, traceable: set[str]) -> StandardProblem:
    invalid = _invalid_reason(ix.standards[s], as_of)
    if invalid is not None:
        return StandardProblem.model_construct(standard=s, institution=ix.holder[s], problem=invalid, breaks=[])
    breaks = breaks_in(ix, s, as_of, traceable)
    return StandardProblem.model_construct(standard=s, institution=ix.holder[s], problem="chain_broken",
                                           breaks=breaks)


def uncovered_items(G: nx.MultiDiGraph, as_of: dt.date, region: str | None = None) -> list[Gap]:
    """Each uncovered demand item with its reason."""
    ix = compile_graph(G)
    counties = None if region is None else set(ix.counties_under[region])
    return uncovered_in(ix, as_of, traceable_in(ix, as_of), counties)


def expiring_in(ix: Index, as_of: dt.date, days: int, traceable: set[str], impacts: FailureImpacts) -> list[Expiring]:
    """Certificates and traceability links still valid at ``as_of`` that lapse within ``days``."""
    horizon = as_of + dt.timedelta(days=days)
    out = []
    for s, a in ix.standards.items():
        expiry = a.get("certificate_expiry")
        if not a["primary"] and expiry is not None and as_of <= expiry <= horizon and a["status"] == "in_service":
            out.append(_expiring(ix, "certificate", s, None, expiry, as_of, impacts, s if s in traceable else None))
        for u, until in ix.upstream.get(s, {}).items():
            if as_of <= until <= horizon:
                node = link_node(s, u) if s in traceable and u in traceable else None
                out.append(_expiring(ix, "link", s, u, until, as_of, impacts, node))
    out.sort(key=expiring_order)
    return out


def expiring_order(e: Expiring) -> tuple:
    """Soonest first, then most instruments lost: the order planners act in (and both backends print)."""
    return (e.expires, -e.lost_instruments, e.standard, e.kind, e.upstream or "")


def _expiring(ix: Index, kind: str, s: str, u: str | None, expires: dt.date, as_of: dt.date,
              impacts: FailureImpacts, node: object | None) -> Expiring:
    broken = impacts.broken_standards(node) if node is not None else []
    items = impacts.lost_items(node) if node is not None else []
    return Expiring(kind=kind, standard=s, upstream=u, institution=ix.holder[s], expires=expires,
                    days_left=(expires - as_of).days, broken_standards=broken, lost_items=len(items),
                    lost_instruments=sum(ix.demand[i] for i in items))


def single_points_in(ix: Index, traceable: set[str], impacts: FailureImpacts) -> list[SinglePoint]:
    """Standards whose failure alone uncovers instruments, most instruments lost first."""
    out = []
    for s in traceable:
        items = impacts.lost_items(s)
        if not items:
            continue
        a = ix.standards[s]
        out.append(SinglePoint(standard=s, name=a["name"], institution=ix.holder[s],
                               level=ix.institutions[ix.holder[s]]["level"],
                               broken_standards=len(impacts.broken_standards(s)), lost_items=len(items),
                               lost_instruments=sum(ix.demand[i] for i in items)))
    out.sort(key=lambda p: (-p.lost_instruments, -p.lost_items, p.standard))
    return out


def single_points_of_failure(G: nx.MultiDiGraph, as_of: dt.date) -> list[SinglePoint]:
    ix = compile_graph(G)
    traceable = traceable_in(ix, as_of)
    return single_points_in(ix, traceable, failure_impacts_in(ix, as_of, traceable))


def expiring(G: nx.MultiDiGraph, as_of: dt.date, days: int = 180) -> list[Expiring]:
    ix = compile_graph(G)
    traceable = traceable_in(ix, as_of)
    return expiring_in(ix, as_of, days, traceable, failure_impacts_in(ix, as_of, traceable))


def gaps_in(ix: Index, as_of: dt.date, expiring_days: int, traceable: set[str], covering: dict,
            impacts: FailureImpacts, counties: set[str] | None = None) -> GapReport:
    """All three gap views from passes the caller already has (the app caches them)."""
    return GapReport(as_of=as_of, uncovered=uncovered_in(ix, as_of, traceable, counties, covering),
                     expiring=expiring_in(ix, as_of, expiring_days, traceable, impacts),
                     single_points=single_points_in(ix, traceable, impacts))


def gaps(G: nx.MultiDiGraph, as_of: dt.date, expiring_days: int = 180, region: str | None = None) -> GapReport:
    """All three gap views at once, sharing one traceability pass and one covering map."""
    ix = compile_graph(G)
    traceable = traceable_in(ix, as_of)
    covering = covering_in(ix, traceable)
    counties = None if region is None else set(ix.counties_under[region])
    return gaps_in(ix, as_of, expiring_days, traceable, covering, failure_impacts_in(ix, as_of, traceable, covering),
                   counties)
