"""Targets of a development plan evaluated against the figures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import networkx as nx
from pydantic import BaseModel

from tracegraph._index import Index, compile_graph
from tracegraph.algorithms.chains import is_valid, traceable_in
from tracegraph.algorithms.coverage import CoverageReport, coverage_in
from tracegraph.models import Target


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


def target_regions(ix: Index, target: Target) -> list[str]:
    """A blank region means every top-level region of the dataset."""
    if target.region:
        return [target.region]
    return [r for r in ix.regions if r not in ix.parent]


def evaluate_in(ix: Index, as_of: dt.date, targets: Sequence[Target],
                figures: CoverageReport | None = None) -> list[TargetResult]:
    wanted = sorted({r for t in targets if t.metric != "standards_count" for r in target_regions(ix, t)})
    if figures is None and wanted:
        figures = coverage_in(ix, as_of, regions=wanted, traceable=traceable_in(ix, as_of))
    results = []
    for t in targets:
        for region in target_regions(ix, t):
            if t.metric == "standards_count":
                value = standards_count_in(ix, as_of, region, t.level or "province")
            else:
                value = getattr(figures.regions[region].figures[t.filter], t.metric)  # type: ignore[union-attr]
            results.append(TargetResult(
                id=t.id, region=region, region_name=ix.regions[region]["name"], metric=t.metric, filter=t.filter,
                level=t.level, threshold=t.threshold, year=t.year, value=value,
                met=None if value is None else value >= t.threshold, source=t.source,
            ))
    return results


def evaluate_targets(G: nx.MultiDiGraph, as_of: dt.date, targets: Sequence[Target] | None = None) -> list[TargetResult]:
    """Every target (default: the dataset's own ``targets`` table) for every region it applies to."""
    targets = G.graph.get("targets", []) if targets is None else targets
    return evaluate_in(compile_graph(G), as_of, targets)
