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
from collections.abc import Iterable
from operator import itemgetter
from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import BaseModel

from tracegraph._construct import construct_many
from tracegraph._gc import paused_gc
from tracegraph._index import Index, compile_graph
from tracegraph.algorithms._arrays import expand
from tracegraph.algorithms.chains import Break, breaks_in, invalid_reason, traceable_in
from tracegraph.algorithms.coverage import covering_arrays, covering_in
from tracegraph.algorithms.impact import FailureImpacts, failure_impacts_in, link_node

if TYPE_CHECKING:
    import networkx as nx

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


@paused_gc()
def uncovered_in(ix: Index, as_of: dt.date, traceable: set[str], counties: set[str] | None = None,
                 covering: dict | None = None) -> list[Gap]:
    A = ix.arrays
    ptr, _ = covering_arrays(ix, as_of, traceable, covering)
    # Every standard (valid or not) is a candidate where its type and reach fit: the covering pass over
    # all of them. A standard established after as_of does not exist yet: no candidate, and it verifies
    # nothing yet.
    exists = A.established <= as_of.toordinal()
    open_items = np.flatnonzero(np.diff(ptr) == 0)
    if counties is not None:
        keys = A.item_keys
        open_items = np.array([i for i in open_items.tolist() if keys[i][0] in counties], np.int64)
    c_ptr, c_std = A.covering(exists, open_items)
    verified = np.zeros(A.n_types, bool)
    verified[expand(A.ver_ptr, A.ver_type, np.flatnonzero(exists))[1]] = True
    names = [A.std_ids[k] for k in c_std.tolist()]
    bounds = c_ptr.tolist()
    problems: dict[str, StandardProblem] = {}  # one per standard, shared by the items it would serve
    gaps = []
    for i in open_items.tolist():
        (county, t), count = A.item_keys[i], int(A.count[i])
        serving = names[bounds[i]:bounds[i + 1]]
        for s in serving:
            if s not in problems:
                problems[s] = _standard_problem(ix, s, as_of, traceable)
        gaps.append(_gap(ix, county, t, count, bool(verified[A.item_type[i]]), [problems[s] for s in serving]))
    gaps.sort(key=itemgetter("county", "instrument_type"))
    return construct_many(Gap, gaps)


def _gap(ix: Index, county: str, t: str, count: int, verified: bool,
         serving: list[StandardProblem]) -> dict[str, object]:
    """A gap's fields, each of its type already (the :class:`Gap` is made with the others')."""
    reason: GapReason = "no_standard" if not verified else "not_served" if not serving else "invalid"
    return {"county": county, "county_name": ix.regions[county]["name"], "instrument_type": t,
            "type_name": ix.types[t]["name"], "count": count, "reason": reason, "standards": serving}


def _standard_problem(ix: Index, s: str, as_of: dt.date, traceable: set[str]) -> StandardProblem:
    invalid = invalid_reason(ix.standards[s], as_of)
    if invalid is not None:
        return StandardProblem(standard=s, institution=ix.holder[s], problem=invalid, breaks=[])
    return StandardProblem(standard=s, institution=ix.holder[s], problem="chain_broken",
                           breaks=breaks_in(ix, s, as_of, traceable))


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


@paused_gc()
def expiring_in(ix: Index, as_of: dt.date, days: int, traceable: set[str], impacts: FailureImpacts,
                holders: set[str] | None = None) -> list[Expiring]:
    """Certificates and traceability links still valid at ``as_of`` that lapse within ``days``
    (of standards held by ``holders`` when given). Standards not established by ``as_of`` and
    links calibrated after it are not valid at ``as_of``, so never listed."""
    A = ix.arrays
    day, horizon = as_of.toordinal(), (as_of + dt.timedelta(days=days)).toordinal()
    exists = A.established <= day
    kept = exists.copy()
    if holders is not None:
        kept &= np.fromiter((ix.holder[s] in holders for s in A.std_ids), bool, A.n_std)
    certificates = kept & ~A.primary & (A.expiry >= day) & (A.expiry <= horizon) & A.in_service
    links = (kept[A.link_s] & (A.link_until <= horizon) & A.link_valid_at(day) & exists[A.link_u])
    rows: list[tuple[str, str, str | None, dt.date, object | None]] = []
    for k in np.flatnonzero(certificates).tolist():
        s = A.std_ids[k]
        rows.append(("certificate", s, None, ix.standards[s]["certificate_expiry"], s if s in traceable else None))
    for k in np.flatnonzero(links).tolist():
        s, u = A.link_keys[k]
        node = link_node(s, u) if s in traceable and u in traceable else None
        rows.append(("link", s, u, ix.upstream[s][u], node))
    broken, items, instruments = impacts.counts([r[4] for r in rows])
    # Values of the fields' types already (tens of thousands nationally): constructed, not validated again.
    values = [{"kind": kind, "standard": s, "upstream": u, "institution": ix.holder[s], "expires": expires,
               "days_left": (expires - as_of).days, "broken_standards": impacts.broken_standards(node) if b else [],
               "lost_items": i, "lost_instruments": n}
              for (kind, s, u, expires, node), b, i, n in zip(rows, broken, items, instruments, strict=True)]
    out = construct_many(Expiring, values)
    out.sort(key=expiring_order)
    return out


def expiring_order(e: Expiring) -> tuple:
    """Soonest first, then most instruments lost: the order planners act in (and both backends print)."""
    return (e.expires, -e.lost_instruments, e.standard, e.kind, e.upstream or "")


@paused_gc()
def single_points_in(ix: Index, traceable: set[str], impacts: FailureImpacts,
                     holders: set[str] | None = None) -> list[SinglePoint]:
    """Standards whose failure alone uncovers instruments (held by ``holders`` when given), most
    instruments lost first."""
    standards = [s for s in traceable if holders is None or ix.holder[s] in holders]
    out = []
    for s, broken, items, instruments in zip(standards, *impacts.counts(standards), strict=True):
        if not items:
            continue
        inst = ix.holder[s]
        out.append(SinglePoint(standard=s, name=ix.standards[s]["name"], institution=inst,
                               level=ix.institutions[inst]["level"], broken_standards=broken, lost_items=items,
                               lost_instruments=instruments))
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


def gaps_in(ix: Index, as_of: dt.date, expiring_days: int, traceable: set[str], covering: dict | None,
            impacts: FailureImpacts, counties: set[str] | None = None, *, region: str | None = None) -> GapReport:
    """All three gap views from passes the caller already has (the app caches them; ``covering`` may be
    None: the covering pass of ``traceable`` is then read from the index's cache, or computed).

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
