"""Coverage of demand: the 95%/98% figures of every region, for every filter."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence

import networkx as nx
from pydantic import BaseModel

from tracegraph._index import Index, Item, compile_graph
from tracegraph.algorithms._flow import FlowCache, bounded_flow, component_index
from tracegraph.algorithms.chains import traceable_in
from tracegraph.models import FILTERS

Progress = Callable[[int, int], None]


class Figures(BaseModel):
    """The figures of one region and filter, keys exactly as the JSON contract."""

    items: int
    covered_items: int
    coverage: float | None
    instruments: int
    covered_instruments: int
    weighted_coverage: float | None
    annual_load: float
    capacity_rate: float | None


class RegionFigures(BaseModel):
    name: str
    level: str
    figures: dict[str, Figures]


class CoverageReport(BaseModel):
    as_of: dt.date
    regions: dict[str, RegionFigures]

    def to_contract(self) -> dict:
        """The object ``tracegraph coverage --format json`` prints (spec/figures.md)."""
        return self.model_dump(mode="json")


def type_filters(attrs: dict) -> list[str]:
    """The filters an instrument type belongs to."""
    out = ["all", f"domain:{attrs['domain']}"]
    if attrs["household_meter"]:
        out.append("household_meter")
    if attrs["mandatory"]:
        out.append("mandatory")
    return out


def covering_in(ix: Index, traceable: set[str]) -> dict[Item, list[str]]:
    """Every demand item → the traceable standards that verify its type and serve its county."""
    by_holder_type: dict[tuple[str, str], list[str]] = defaultdict(list)
    for s in traceable:
        for t in ix.verifies.get(s, ()):
            by_holder_type[(ix.holder[s], t)].append(s)
    covering: dict[Item, list[str]] = {}
    for item in ix.demand:
        county, t = item
        found = [s for inst in ix.serving.get(county, ()) for s in by_holder_type.get((inst, t), ())]
        if found:
            covering[item] = sorted(found)
    return covering


def covering_standards(G: nx.MultiDiGraph, as_of: dt.date) -> dict[Item, list[str]]:
    """Public form of :func:`covering_in`: (county, type) → covering traceable standard ids."""
    ix = compile_graph(G)
    return covering_in(ix, traceable_in(ix, as_of))


class _Tally:
    """Sums of one county and filter; regions add their counties' tallies."""

    __slots__ = ("bounded", "covered", "covered_instruments", "free_flow", "instruments", "items", "load")

    def __init__(self) -> None:
        self.items = self.covered = self.instruments = self.covered_instruments = self.load = self.free_flow = 0
        self.bounded: list[Item] = []  # covered only by standards of bounded capacity: they need the max-flow


class _Calculator:
    """Figures for any set of counties and a filter, sharing one covering map and flow cache."""

    def __init__(self, ix: Index, covering: dict[Item, list[str]]):
        self.ix, self.covering, self.cache = ix, covering, FlowCache()
        scale = ix.load_scale
        self.caps = {s: (None if a.get("capacity_per_year") is None else a["capacity_per_year"] * scale)
                     for s, a in ix.standards.items()}
        self.loads = {item: ix.scaled_load(item) for item in ix.demand}
        self.tallies: dict[tuple[str, str], _Tally] = defaultdict(_Tally)
        filters_of = {t: type_filters(a) for t, a in ix.types.items()}
        caps = self.caps
        for item, count in ix.demand.items():
            # What the item adds is the same for each of its filters: worked out once.
            load, standards = self.loads[item], covering.get(item)
            free = bool(standards) and any(caps[s] is None for s in standards)
            for flt in filters_of[item[1]]:
                tally = self.tallies[(item[0], flt)]
                tally.items += 1
                tally.instruments += count
                tally.load += load
                if standards:
                    tally.covered += 1
                    tally.covered_instruments += count
                    if free:
                        tally.free_flow += load  # an unbounded standard absorbs the whole load
                    else:
                        tally.bounded.append(item)
        bounded = [i for (_, flt), tally in self.tallies.items() if flt == "all" for i in tally.bounded]
        self.cache.group_of = component_index(bounded, covering)

    def figures(self, counties: Iterable[str], flt: str) -> Figures:
        total = _Tally()
        for c in counties:
            part = self.tallies.get((c, flt))
            if part is not None:
                total.items += part.items
                total.covered += part.covered
                total.instruments += part.instruments
                total.covered_instruments += part.covered_instruments
                total.load += part.load
                total.free_flow += part.free_flow
                total.bounded.extend(part.bounded)
        flow = total.free_flow + bounded_flow(total.bounded, self.loads, self.covering, self.caps, self.cache)
        # model_construct: these are numbers just computed here, not input to check (25,000+ per dataset).
        return Figures.model_construct(
            items=total.items, covered_items=total.covered, coverage=_rate(total.covered, total.items),
            instruments=total.instruments, covered_instruments=total.covered_instruments,
            weighted_coverage=_rate(total.covered_instruments, total.instruments),
            annual_load=total.load / self.ix.load_scale, capacity_rate=_rate(flow, total.load),
        )


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def coverage_in(ix: Index, as_of: dt.date, *, regions: Sequence[str] | None = None,
                filters: Sequence[str] = FILTERS, traceable: set[str] | None = None,
                covering: dict[Item, list[str]] | None = None, progress: Progress | None = None) -> CoverageReport:
    """``traceable`` and ``covering`` may be passed in when the caller has them (gaps need the same)."""
    traceable = traceable_in(ix, as_of) if traceable is None else traceable
    calc = _Calculator(ix, covering_in(ix, traceable) if covering is None else covering)
    codes = list(ix.regions) if regions is None else list(regions)
    out: dict[str, RegionFigures] = {}
    for k, code in enumerate(codes):
        attrs = ix.regions[code]
        counties = ix.counties_under[code]
        out[code] = RegionFigures(name=attrs["name"], level=attrs["level"],
                                  figures={f: calc.figures(counties, f) for f in filters})
        if progress:
            progress(k + 1, len(codes))
    return CoverageReport(as_of=as_of, regions=out)


def coverage(G: nx.MultiDiGraph, as_of: dt.date | None = None, *, region: str | None = None,
             filters: Sequence[str] = FILTERS, progress: Progress | None = None) -> CoverageReport:
    """Figures of every region (or of ``region`` and its subtree) at ``as_of`` (default today)."""
    ix = compile_graph(G)
    regions = None if region is None else ix.subtree(_known_region(ix, region))
    return coverage_in(ix, as_of or dt.date.today(), regions=regions, filters=filters, progress=progress)


def dataset_figures_in(ix: Index, as_of: dt.date, flt: str = "all", *, traceable: set[str] | None = None) -> Figures:
    """The whole dataset's figures (every county, across all top-level regions)."""
    traceable = traceable_in(ix, as_of) if traceable is None else traceable
    counties = [c for c, a in ix.regions.items() if a["level"] == "county"]
    return _Calculator(ix, covering_in(ix, traceable)).figures(counties, flt)


def dataset_figures(G: nx.MultiDiGraph, as_of: dt.date | None = None, flt: str = "all") -> Figures:
    return dataset_figures_in(compile_graph(G), as_of or dt.date.today(), flt)


def _known_region(ix: Index, code: str) -> str:
    if code not in ix.regions:
        raise KeyError(f"unknown region code: {code}")
    return code
