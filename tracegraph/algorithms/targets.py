"""Targets of a development plan evaluated against the figures (figures.md, Targets and Count targets)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from pydantic import BaseModel

from tracegraph._index import Index, compile_graph
from tracegraph.algorithms.chains import is_valid, traceable_in
from tracegraph.algorithms.coverage import CoverageReport, coverage_in
from tracegraph.models import COUNT_METRICS, Target

if TYPE_CHECKING:
    import networkx as nx


class TargetResult(BaseModel):
    id: str
    region: str
    region_name: str
    metric: str
    filter: str
    level: str | None
    threshold: float
    year: int | None
    value: float | None
    met: bool | None  # None when the figure is undefined (no demand, no region of that level)
    source: str | None = None
    since: int | None = None  # standards_built: the first year counted


def standards_count_in(ix: Index, as_of: dt.date, region: str, level: str) -> float | None:
    """Valid non-primary standards of legal institutions of ``level`` located in each region of
    ``level`` inside ``region`` (the region itself included), averaged over those regions."""
    places = [r for r in ix.subtree(region) if ix.regions[r]["level"] == level]
    if not places:
        return None
    counts = dict.fromkeys(places, 0)
    for inst, a in ix.institutions.items():
        if a["kind"] == "legal" and a["level"] == level and a.get("region") in counts:
            counts[a["region"]] += sum(
                1 for s in ix.held.get(inst, ()) if not ix.standards[s]["primary"] and is_valid(ix.standards[s], as_of)
            )
    return sum(counts.values()) / len(places)


def standards_count(G: nx.MultiDiGraph, as_of: dt.date, region: str, level: str) -> float | None:
    return standards_count_in(compile_graph(G), as_of, region, level)


def _legal_in(ix: Index, region: str, level: str | None) -> list[str]:
    """Legal institutions located in ``region``'s subtree (of ``level`` when given), in dataset order."""
    places = set(ix.subtree(region))
    return [i for i, a in ix.institutions.items()
            if a["kind"] == "legal" and a.get("region") in places and (level is None or a["level"] == level)]


def standards_built_in(ix: Index, as_of: dt.date, region: str, since: int, level: str | None = None) -> int:
    """Valid non-primary standards of legal institutions in ``region``'s subtree (of ``level`` when
    given) established on or after 1 January of ``since``. A standard without ``established`` is not
    counted, nor one established after ``as_of`` (it does not exist yet at ``as_of``)."""
    start = dt.date(since, 1, 1)
    count = 0
    for inst in _legal_in(ix, region, level):
        for s in ix.held.get(inst, ()):
            a = ix.standards[s]
            established = a.get("established")
            if (not a["primary"] and established is not None and start <= established <= as_of
                    and is_valid(a, as_of)):
                count += 1
    return count


def standards_built(G: nx.MultiDiGraph, as_of: dt.date, region: str, since: int, level: str | None = None) -> int:
    return standards_built_in(compile_graph(G), as_of, region, since, level)


def service_items_in(ix: Index, as_of: dt.date, region: str, level: str | None = None,
                     traceable: set[str] | None = None) -> int:
    """Distinct (institution, instrument type) pairs: a legal institution in ``region``'s subtree (of
    ``level`` when given) holding a traceable, non-primary standard that verifies the type.
    ``traceable`` (the standards traceable at ``as_of``) is computed when not given."""
    if traceable is None:
        traceable = traceable_in(ix, as_of)
    pairs = 0
    for inst in _legal_in(ix, region, level):
        types = {t for s in ix.held.get(inst, ()) if s in traceable and not ix.standards[s]["primary"]
                 for t in ix.verifies.get(s, ())}
        pairs += len(types)
    return pairs


def service_items(G: nx.MultiDiGraph, as_of: dt.date, region: str, level: str | None = None) -> int:
    return service_items_in(compile_graph(G), as_of, region, level)


def target_regions(ix: Index, target: Target) -> list[str]:
    """A blank region means every top-level region of the dataset."""
    if target.region:
        return [target.region]
    return [r for r in ix.regions if r not in ix.parent]


def count_value_in(ix: Index, as_of: dt.date, target: Target, region: str,
                   traceable: set[str] | None = None) -> float | None:
    """The figure of a count target (``COUNT_METRICS``) for one region."""
    if target.metric == "standards_count":
        return standards_count_in(ix, as_of, region, target.level or "province")
    if target.metric == "standards_built":
        if target.since is None:
            return None  # validation refuses such a target; a hand-made one has no figure
        return float(standards_built_in(ix, as_of, region, target.since, target.level))
    if target.metric == "service_items":
        return float(service_items_in(ix, as_of, region, target.level, traceable))
    raise ValueError(f"not a count metric: {target.metric}")


def evaluate_in(ix: Index, as_of: dt.date, targets: Sequence[Target],
                figures: CoverageReport | None = None) -> list[TargetResult]:
    wanted = sorted({r for t in targets if t.metric not in COUNT_METRICS for r in target_regions(ix, t)})
    traceable = traceable_in(ix, as_of) if wanted or any(t.metric == "service_items" for t in targets) else None
    if figures is None and wanted:
        figures = coverage_in(ix, as_of, regions=wanted, traceable=traceable)
    results = []
    for t in targets:
        for region in target_regions(ix, t):
            if t.metric in COUNT_METRICS:
                value = count_value_in(ix, as_of, t, region, traceable)
            else:
                value = getattr(figures.regions[region].figures[t.filter], t.metric)  # type: ignore[union-attr]
            results.append(TargetResult(
                id=t.id, region=region, region_name=ix.regions[region]["name"], metric=t.metric, filter=t.filter,
                level=t.level, threshold=t.threshold, year=t.year, value=value,
                met=None if value is None else value >= t.threshold, source=t.source, since=t.since,
            ))
    return results


def evaluate_targets(G: nx.MultiDiGraph, as_of: dt.date, targets: Sequence[Target] | None = None) -> list[TargetResult]:
    """Every target (default: the dataset's own ``targets`` table) for every region it applies to."""
    targets = G.graph.get("targets", []) if targets is None else targets
    return evaluate_in(compile_graph(G), as_of, targets)
