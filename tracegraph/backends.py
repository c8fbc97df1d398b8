"""The figures on either backend: networkx in this process, or Cypher in a Neo4j server.

Both return the same pydantic models, so the CLI, the app and the parity tests treat them
alike. The Neo4j backend computes every count and rate in Cypher (the ``cypher/`` files);
``capacity_rate`` alone is a max-flow, computed here from ``covering.cypher``'s rows with the
same exact integer flow as the networkx backend.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property
from typing import TYPE_CHECKING, Protocol

from tracegraph._index import Index, compile_dataset, compile_graph
from tracegraph.algorithms._flow import FlowCache, item_flow
from tracegraph.algorithms.chains import Break, Chain, break_order, chain_in, traceable_in
from tracegraph.algorithms.coverage import (
    CoverageReport,
    Figures,
    RegionFigures,
    _known_region,
    coverage_in,
    type_filters,
)
from tracegraph.algorithms.gaps import (
    Expiring,
    Gap,
    GapReport,
    SinglePoint,
    StandardProblem,
    expiring_order,
    gaps_in,
)
from tracegraph.algorithms.impact import failure_impacts_in
from tracegraph.algorithms.targets import TargetResult, evaluate_in
from tracegraph.models import COUNT_METRICS, FILTERS, Dataset, Target

if TYPE_CHECKING:
    import networkx as nx

    from tracegraph.store import Neo4jStore

_REGIONS = ("MATCH (m:TracegraphMeta {name: 'current'}) MATCH (r:Region {v: m.version}) "
            "OPTIONAL MATCH (r)-[:PART_OF]->(p:Region) "
            "RETURN r.code AS code, r.name AS name, r.level AS level, p.code AS parent ORDER BY r.ord")
_TYPES = ("MATCH (m:TracegraphMeta {name: 'current'}) MATCH (t:InstrumentType {v: m.version}) "
          "RETURN t.code AS code, t.domain AS domain, t.household_meter AS household_meter, "
          "t.mandatory AS mandatory ORDER BY t.ord")


class Backend(Protocol):
    def coverage(self, as_of: dt.date, region: str | None = None) -> CoverageReport: ...
    def chain(self, standard: str, as_of: dt.date) -> Chain: ...
    def gaps(self, as_of: dt.date, expiring_days: int = 180, region: str | None = None) -> GapReport: ...
    def targets(self, as_of: dt.date, targets: Sequence[Target] | None = None) -> list[TargetResult]: ...


class NetworkxBackend:
    """The embedded default: the algorithms in this process, over a networkx graph or a dataset.

    ``NetworkxBackend.from_dataset(ds)`` (or ``NetworkxBackend(ds)``) compiles the dataset's index
    directly and builds the networkx graph only if ``.G`` is asked for; ``NetworkxBackend(G)`` works
    over a graph as before. Either way the index is compiled once and shared by every call.
    """

    def __init__(self, G: nx.MultiDiGraph | Dataset):
        if isinstance(G, Dataset):
            self.dataset: Dataset | None = G
            self._G: nx.MultiDiGraph | None = None
        else:
            self.dataset, self._G = None, G

    @classmethod
    def from_dataset(cls, dataset: Dataset) -> NetworkxBackend:
        return cls(dataset)

    @property
    def G(self) -> nx.MultiDiGraph:
        if self._G is None:
            from tracegraph.graph import build_graph

            self._G = build_graph(self.dataset)  # type: ignore[arg-type]
        return self._G

    @cached_property
    def ix(self) -> Index:
        return compile_dataset(self.dataset) if self.dataset is not None else compile_graph(self._G)

    def coverage(self, as_of: dt.date, region: str | None = None) -> CoverageReport:
        regions = None if region is None else self.ix.subtree(_known_region(self.ix, region))
        return coverage_in(self.ix, as_of, regions=regions)

    def chain(self, standard: str, as_of: dt.date) -> Chain:
        return chain_in(self.ix, standard, as_of)

    def gaps(self, as_of: dt.date, expiring_days: int = 180, region: str | None = None) -> GapReport:
        ix = self.ix
        traceable = traceable_in(ix, as_of)
        # The covering pass is shared through the index (no item → standards dict is built).
        return gaps_in(ix, as_of, expiring_days, traceable, None, failure_impacts_in(ix, as_of, traceable),
                       region=region)

    def targets(self, as_of: dt.date, targets: Sequence[Target] | None = None) -> list[TargetResult]:
        if targets is None:
            targets = self.dataset.targets if self.dataset is not None else self._G.graph.get("targets", [])
        return evaluate_in(self.ix, as_of, targets)


class Neo4jBackend:
    """Figures read from a Neo4j server through the cypher/ library."""

    def __init__(self, store: Neo4jStore):
        self.store = store

    # --- coverage ------------------------------------------------------------------
    def coverage(self, as_of: dt.date, region: str | None = None) -> CoverageReport:
        # The counts (coverage.cypher) are computed by the server while this process reads and decodes
        # the max-flow's input (covering.cypher): two sessions at once.
        with ThreadPoolExecutor(max_workers=1) as pool:
            counting = pool.submit(self.store.run_library, "coverage", as_of=as_of, region=region)
            regions = self.store.read(_REGIONS)
            tree = _Tree(regions)
            codes = tree.subtree(region) if region else [r["code"] for r in regions]
            flows = _Flows(self.store.run_library("covering", plain=True, as_of=as_of), self.store.read(_TYPES))
            counted = {(r["region"], r["filter"]): r for r in counting.result()}
        out = {}
        for code in codes:
            figures = {f: _figures(counted.get((code, f)), flows, tree.counties(code), f) for f in FILTERS}
            out[code] = RegionFigures(name=tree.name[code], level=tree.level[code], figures=figures)
        return CoverageReport(as_of=as_of, regions=out)

    # --- chain ---------------------------------------------------------------------
    def chain(self, standard: str, as_of: dt.date) -> Chain:
        rows = self.store.run_library("chain", standard=standard, as_of=as_of)
        if not rows:
            raise KeyError(f"unknown standard id: {standard}")
        ix = Index()
        for r in rows:
            ix.standards[r["id"]] = {"id": r["id"], "name": r["name"], "institution": r["institution"],
                                     "primary": r["primary"], "status": r["status"],
                                     "certificate_expiry": _date(r["certificate_expiry"]),
                                     "established": _date(r["established"])}
            ix.institutions[r["institution"]] = {"level": r["level"]}
            ix.holder[r["id"]] = r["institution"]
            for link in r["links"]:
                ix.upstream[r["id"]][link["upstream"]] = _date(link["valid_until"])
                if link["calibrated_on"] is not None:
                    ix.calibrated_on[(r["id"], link["upstream"])] = _date(link["calibrated_on"])
        traceable = {r["id"] for r in rows if r["traceable"]}
        # Paths and break points are read off the marked nodes and links Cypher returned.
        return chain_in(ix, standard, as_of, traceable)

    # --- gaps ----------------------------------------------------------------------
    def gaps(self, as_of: dt.date, expiring_days: int = 180, region: str | None = None) -> GapReport:
        # Three independent queries: the server runs them side by side.
        with ThreadPoolExecutor(max_workers=2) as pool:
            lapsing = pool.submit(self.store.run_library, "expiring", as_of=as_of, days=expiring_days, region=region)
            spofs = pool.submit(self.store.run_library, "single_points", as_of=as_of, region=region)
            uncovered = [_gap(r) for r in self.store.run_library("uncovered", as_of=as_of, region=region)]
            expiring = [Expiring(**{**r, "expires": _date(r["expires"]),
                                    "broken_standards": sorted(r["broken_standards"])}) for r in lapsing.result()]
            points = [SinglePoint(**r) for r in spofs.result()]
        expiring.sort(key=expiring_order)
        return GapReport(as_of=as_of, uncovered=uncovered, expiring=expiring, single_points=points)

    # --- targets -------------------------------------------------------------------
    def targets(self, as_of: dt.date, targets: Sequence[Target] | None = None) -> list[TargetResult]:
        if targets is None:
            targets = [Target(**{k: v for k, v in r.items() if v is not None})
                       for r in self.store.run_library("targets")]
        regions = self.store.read(_REGIONS)
        tops = [r["code"] for r in regions if r["parent"] is None]
        name = {r["code"]: r["name"] for r in regions}
        report = self.coverage(as_of) if any(t.metric not in COUNT_METRICS for t in targets) else None
        results = []
        for t in targets:
            for code in [t.region] if t.region else tops:
                value = (self._count(as_of, code, t) if t.metric in COUNT_METRICS
                         else getattr(report.regions[code].figures[t.filter], t.metric))  # type: ignore[union-attr]
                results.append(TargetResult(id=t.id, region=code, region_name=name[code], metric=t.metric,
                                            filter=t.filter, level=t.level, threshold=t.threshold, year=t.year,
                                            value=value, met=None if value is None else value >= t.threshold,
                                            source=t.source, since=t.since))
        return results

    def _count(self, as_of: dt.date, region: str, t: Target) -> float | None:
        """A count target's figure (figures.md, Count targets) from its cypher/ library file."""
        if t.metric == "standards_count":
            return self._standards_count(as_of, region, t.level or "province")
        if t.metric == "standards_built":
            if t.since is None:
                return None
            rows = self.store.run_library("standards_built", as_of=as_of, region=region, since=t.since,
                                          level=t.level)
            return float(rows[0]["built"]) if rows else None
        rows = self.store.run_library("service_items", as_of=as_of, region=region, level=t.level)
        return float(rows[0]["items"]) if rows else None

    def _standards_count(self, as_of: dt.date, region: str, level: str) -> float | None:
        rows = self.store.run_library("standards_count", as_of=as_of, region=region, level=level)
        return rows[0]["average"] if rows else None


class _Tree:
    def __init__(self, regions: list[dict]):
        self.name = {r["code"]: r["name"] for r in regions}
        self.level = {r["code"]: r["level"] for r in regions}
        self.children: dict[str, list[str]] = defaultdict(list)
        for r in regions:
            if r["parent"]:
                self.children[r["parent"]].append(r["code"])

    def subtree(self, code: str) -> list[str]:
        if code not in self.name:
            raise KeyError(f"unknown region code: {code}")
        found, stack = set(), [code]
        while stack:
            r = stack.pop()
            found.add(r)
            stack.extend(self.children.get(r, ()))
        return [r for r in self.name if r in found]  # dataset order, as the networkx backend

    def counties(self, code: str) -> list[str]:
        return [r for r in self.subtree(code) if self.level[r] == "county"]


class _Flows:
    """capacity_rate's max-flow over the items and covering standards Cypher returned."""

    def __init__(self, covering: list[dict], types: list[dict]):
        self.items_by_county: dict[str, list[tuple[str, str]]] = defaultdict(list)
        self.loads: dict[tuple[str, str], int] = {}
        self.covering: dict[tuple[str, str], list[str]] = {}
        self.caps: dict[str, int | None] = {}
        self.filters_of = {t["code"]: set(type_filters(t)) for t in types}
        self.cache = FlowCache()
        for row in covering:
            item = (row["county"], row["instrument_type"])
            self.items_by_county[row["county"]].append(item)
            self.loads[item] = row["load"]
            if row["standards"]:
                self.covering[item] = sorted(row["standards"])
            for s, cap in zip(row["standards"], row["capacities"], strict=True):
                self.caps[s] = None if cap is None else cap * row["load_scale"]

    def rate(self, counties: list[str], flt: str) -> float | None:
        items = [i for c in counties for i in self.items_by_county.get(c, ()) if flt in self.filters_of[i[1]]]
        load = sum(self.loads[i] for i in items)
        if not load:
            return None
        covered = {i: self.loads[i] for i in items if i in self.covering}
        return item_flow(covered, self.covering, self.caps, self.cache) / load


def _figures(row: dict | None, flows: _Flows, counties: list[str], flt: str) -> Figures:
    if row is None:
        return Figures(items=0, covered_items=0, coverage=None, instruments=0, covered_instruments=0,
                       weighted_coverage=None, annual_load=0.0, capacity_rate=None)
    return Figures(items=row["items"], covered_items=row["covered_items"], coverage=row["coverage"],
                   instruments=row["instruments"], covered_instruments=row["covered_instruments"],
                   weighted_coverage=row["weighted_coverage"], annual_load=row["annual_load"],
                   capacity_rate=flows.rate(counties, flt))


def _gap(row: dict) -> Gap:
    standards = [StandardProblem(standard=s["standard"], institution=s["institution"], problem=s["problem"],
                                 breaks=sorted((Break(**{**b, "valid_until": _date(b["valid_until"]),
                                                         "calibrated_on": _date(b["calibrated_on"])})
                                                for b in s["breaks"]), key=break_order)
                                 if s["problem"] == "chain_broken" else [])
                 for s in sorted(row["standards"], key=lambda s: s["standard"])]
    return Gap(county=row["county"], county_name=row["county_name"], instrument_type=row["instrument_type"],
               type_name=row["type_name"], count=row["count"], reason=row["reason"], standards=standards)


def _date(value: object) -> dt.date | None:
    return None if value is None else value.to_native() if hasattr(value, "to_native") else value  # type: ignore[return-value]
