"""Gaps: what is uncovered and why, what is about to expire, and single points of failure.

Dates (figures.md, Chains): a standard established after D does not exist at D. It counts nowhere
here: it is no candidate of an uncovered item (an item only such standards verify is "no_standard"),
its certificate and links are never "expiring", and it is never a single point of failure. A link
calibrated after D does not count at D: never "expiring", and a break with reason "not_yet_valid".

Restricting to a region R (``gaps(..., region=R)``) restricts every list:

- uncovered: the items of the counties of R's subtree;
- expiring (certificates and links) and single points: those whose standard (for a link, the
  downstream standard, whose link it is) is held by an institution that is *located in* R's subtree
  (its own region is R or below R) *or serves a county* of R's subtree (figures.md, Reach: a
  national institution only through its ``serves`` regions).

The figures of a listed entry (broken standards, lost items and instruments) stay those of the whole
dataset: what the failure takes down anywhere, not only inside R.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Literal

import networkx as nx
from pydantic import BaseModel

from tracegraph._index import Index, compile_graph
from tracegraph.algorithms.chains import Break, _invalid_reason, breaks_in, established_by, traceable_in
from tracegraph.algorithms.coverage import covering_in
from tracegraph.algorithms.impact import FailureImpacts, failure_impacts_in, link_node

GapReason = Literal["no_standard", "not_served", "invalid"]


class StandardProblem(BaseModel):
    """Why a standard that would cover an item does not: invalid itself, or its chain breaks."""

    standard: str
    institution: str
    problem: Literal["expired_certificate", "suspended", "retired", "chain_broken", "not_established"]
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
    # A standard established after as_of does not exist yet: no candidate, and it verifies nothing yet.
    by_holder_type: dict[tuple[str, str], list[str]] = defaultdict(list)
    for s, types in ix.verifies.items():
        if not established_by(ix.standards[s], as_of):
            continue
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


def holders_in(ix: Index, region: str) -> set[str]:
    """The institutions whose standards a gaps list restricted to ``region`` keeps: located in its
    subtree, or serving a county of it."""
    places = set(ix.subtree(region))
    return _holders(ix, places, ix.counties_under[region])


def _holders(ix: Index, places: set[str], counties: Iterable[str]) -> set[str]:
    out = {i for i, a in ix.institutions.items() if a.get("region") in places}
    for c in counties:
        out.update(ix.serving.get(c, ()))
    return out


def expiring_in(ix: Index, as_of: dt.date, days: int, traceable: set[str], impacts: FailureImpacts,
                holders: set[str] | None = None) -> list[Expiring]:
    """Certificates and traceability links still valid at ``as_of`` that lapse within ``days``
    (of standards held by ``holders`` when given). Standards not established by ``as_of`` and
    links calibrated after it are not valid at ``as_of``, so never listed."""
    horizon = as_of + dt.timedelta(days=days)
    out = []
    for s, a in ix.standards.items():
        if not established_by(a, as_of) or (holders is not None and ix.holder[s] not in holders):
            continue
        expiry = a.get("certificate_expiry")
        if not a["primary"] and expiry is not None and as_of <= expiry <= horizon and a["status"] == "in_service":
            out.append(_expiring(ix, "certificate", s, None, expiry, as_of, impacts, s if s in traceable else None))
        for u, until in ix.upstream.get(s, {}).items():
            if until <= horizon and ix.link_valid(s, u, as_of) and established_by(ix.standards[u], as_of):
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


def single_points_in(ix: Index, traceable: set[str], impacts: FailureImpacts,
                     holders: set[str] | None = None) -> list[SinglePoint]:
    """Standards whose failure alone uncovers instruments (held by ``holders`` when given), most
    instruments lost first."""
    out = []
    for s in traceable:
        if holders is not None and ix.holder[s] not in holders:
            continue
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


def single_points_of_failure(G: nx.MultiDiGraph, as_of: dt.date, region: str | None = None) -> list[SinglePoint]:
    ix = compile_graph(G)
    traceable = traceable_in(ix, as_of)
    holders = None if region is None else holders_in(ix, region)
    return single_points_in(ix, traceable, failure_impacts_in(ix, as_of, traceable), holders)


def expiring(G: nx.MultiDiGraph, as_of: dt.date, days: int = 180, region: str | None = None) -> list[Expiring]:
    ix = compile_graph(G)
    traceable = traceable_in(ix, as_of)
    holders = None if region is None else holders_in(ix, region)
    return expiring_in(ix, as_of, days, traceable, failure_impacts_in(ix, as_of, traceable), holders)


def gaps_in(ix: Index, as_of: dt.date, expiring_days: int, traceable: set[str], covering: dict,
            impacts: FailureImpacts, counties: set[str] | None = None, *, region: str | None = None) -> GapReport:
    """All three gap views from passes the caller already has (the app caches them).

    ``region`` restricts every list to that region (see the module docstring); ``counties`` alone
    (a set of counties) restricts the uncovered items to them, and the other lists to standards held
    by institutions located in one of them or serving one of them.
    """
    holders = None
    if region is not None:
        counties = set(ix.counties_under[region]) if counties is None else counties
        holders = holders_in(ix, region)
    elif counties is not None:
        holders = _holders(ix, set(counties), counties)
    return GapReport(as_of=as_of, uncovered=uncovered_in(ix, as_of, traceable, counties, covering),
                     expiring=expiring_in(ix, as_of, expiring_days, traceable, impacts, holders),
                     single_points=single_points_in(ix, traceable, impacts, holders))


def gaps(G: nx.MultiDiGraph, as_of: dt.date, expiring_days: int = 180, region: str | None = None) -> GapReport:
    """All three gap views at once, sharing one traceability pass and one covering map; with
    ``region``, every list restricted to it (module docstring)."""
    ix = compile_graph(G)
    traceable = traceable_in(ix, as_of)
    covering = covering_in(ix, traceable)
    return gaps_in(ix, as_of, expiring_days, traceable, covering, failure_impacts_in(ix, as_of, traceable, covering),
                   region=region)
