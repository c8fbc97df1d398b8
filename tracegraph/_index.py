"""Plain-dict views of the graph that the algorithms share.

The public algorithms take a networkx graph; walking a MultiDiGraph's adjacency for
every item of a national dataset would be slow, so each algorithm first compiles the
graph once into these lookups and works on them. :func:`compile_dataset` builds the same
lookups straight from a validated :class:`~tracegraph.models.Dataset`, with no graph at all
(what the CLI and the app do); :attr:`Index.arrays` is the integer-id form the vectorised
figures use.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from itertools import repeat
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from tracegraph._gc import paused_gc
from tracegraph.models import MODELS

if TYPE_CHECKING:
    import networkx as nx

    from tracegraph.algorithms._arrays import Arrays
    from tracegraph.models import Dataset

Item = tuple[str, str]  # (county code, instrument type code)
# What the integer-id arrays read of each standard, besides its id, holder and types.
STANDARD_FIELDS = ("primary", "status", "established", "certificate_expiry", "capacity_per_year")




@dataclass
class Index:
    regions: dict[str, dict] = field(default_factory=dict)
    institutions: dict[str, dict] = field(default_factory=dict)
    standards: dict[str, dict] = field(default_factory=dict)
    types: dict[str, dict] = field(default_factory=dict)
    parent: dict[str, str] = field(default_factory=dict)
    children: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    holder: dict[str, str] = field(default_factory=dict)  # standard → institution
    held: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # institution → standards
    serves_extra: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # institution → regions
    verifies: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # standard → types
    upstream: dict[str, dict[str, dt.date]] = field(default_factory=lambda: defaultdict(dict))  # s → {u: valid_until}
    # (s, u) → the link's calibrated_on, only for links that have one: a link counts at D only from that day.
    calibrated_on: dict[tuple[str, str], dt.date] = field(default_factory=dict)
    downstream: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # u → [s]
    demand: dict[Item, int] = field(default_factory=dict)  # only counts > 0: those are demand items

    def __getattr__(self, name: str) -> Any:
        # Reached only for an attribute not set: a group compile_dataset left to be built on first use.
        build, dataset = _LAZY.get(name), self.__dict__.get("_dataset")
        if build is None or dataset is None:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        # The app's sessions share one index: a group is built once, and seen only whole. One lock per index, so
        # that two datasets' indexes never wait for each other.
        with self.__dict__["_building"]:
            if name not in self.__dict__:
                self.__dict__.update(build(self, dataset))
        return self.__dict__[name]

    def __getstate__(self) -> dict[str, Any]:  # a lock does not pickle (the planner's problem goes to a process)
        return {k: v for k, v in self.__dict__.items() if k != "_building"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        if "_dataset" in state:
            self.__dict__["_building"] = threading.RLock()

    def _pending(self, name: str) -> Dataset | None:
        """The dataset whose rows still hold ``name``'s group (None once the group is built, or for a graph)."""
        return None if name in self.__dict__ else self.__dict__.get("_dataset")

    # --- standards and links as columns (what the integer-id arrays read) --------------------------------
    def standard_columns(self) -> dict[str, list[Any]]:
        """The standards in index order as columns: ``id``, :data:`STANDARD_FIELDS` (None where absent),
        ``holder`` (None where no institution holds one) and ``verifies`` (its types, once each, in order).

        Read straight off the rows while the standards' dicts are not built and no id repeats (any valid
        dataset), else from the dicts: the same columns either way (``tests/test_fast_figures.py``).
        """
        dataset = self._pending("standards")
        if dataset is not None:
            ids = dataset.column("standards", "id")
            if len(set(ids)) == len(ids):
                columns = {"id": ids, **{n: dataset.column("standards", n) for n in STANDARD_FIELDS}}
                columns["holder"] = dataset.column("standards", "institution")
                columns["verifies"] = list(map(list, map(dict.fromkeys, dataset.column("standards", "verifies"))))
                return columns
        ids, attrs = list(self.standards), list(self.standards.values())
        columns = {"id": ids, **{n: [a.get(n) for a in attrs] for n in STANDARD_FIELDS}}
        columns["holder"] = list(map(self.holder.get, ids))
        columns["verifies"] = [self.verifies.get(s, []) for s in ids]
        return columns

    def link_columns(self) -> tuple[list[str], list[str], list[dt.date], list[dt.date | None]]:
        """The links as columns (standard, upstream, valid_until, calibrated_on): the traceability rows while
        the links' dicts are not built (repeated rows and all: the integer-id arrays pick each link's latest
        row as :func:`_latest_links` does), else each link of :attr:`upstream` once."""
        dataset = self._pending("upstream")
        if dataset is not None:
            return tuple(dataset.column("traceability", f)  # type: ignore[return-value]
                         for f in ("standard", "upstream", "valid_until", "calibrated_on"))
        calibrated = self.calibrated_on
        pairs = [(s, u) for s, ups in self.upstream.items() for u in ups]
        return ([s for s, _ in pairs], [u for _, u in pairs], [self.upstream[s][u] for s, u in pairs],
                list(map(calibrated.get, pairs)))

    def demand_rows(self) -> tuple[list[str], list[str], list[int], list[int] | range]:
        """The demand as columns (county, instrument type, count) and each row's county's rank: the demand rows
        while :attr:`demand` is not built (repeated rows, counts ≤ 0 and all; the integer-id arrays make them
        the items :attr:`demand` would hold), else the items of :attr:`demand`, ranked in their order."""
        dataset = self._pending("demand")
        if dataset is None:
            items = list(self.demand)
            return [c for c, _ in items], [t for _, t in items], list(self.demand.values()), range(len(items))
        counties = dataset.column("demand", "region")
        rank = _region_rank(self, dataset)
        return (counties, dataset.column("demand", "instrument_type"), dataset.column("demand", "count"),
                list(map(rank.__getitem__, counties)))

    # --- regions -------------------------------------------------------------------
    def ancestors_or_self(self, code: str) -> list[str]:
        chain = [code]
        while chain[-1] in self.parent:
            chain.append(self.parent[chain[-1]])
        return chain

    @cached_property
    def counties_under(self) -> dict[str, list[str]]:
        """Every region → the counties of its subtree, in dataset order."""
        under: dict[str, list[str]] = {code: [] for code in self.regions}
        for code, attrs in self.regions.items():
            if attrs["level"] == "county":
                for a in self.ancestors_or_self(code):
                    under[a].append(code)
        return under

    def subtree(self, code: str) -> list[str]:
        """The region and everything below it, in dataset order."""
        found, stack = set(), [code]
        while stack:
            r = stack.pop()
            found.add(r)
            stack.extend(self.children.get(r, ()))
        return [r for r in self.regions if r in found]

    # --- reach ---------------------------------------------------------------------
    @cached_property
    def serving(self) -> dict[str, list[str]]:
        """County → the institutions that serve it (own region or above, or a `serves` entry)."""
        by_region: dict[str, list[str]] = defaultdict(list)
        for inst, attrs in self.institutions.items():
            # A national institution serves only its `serves` regions.
            if attrs["level"] != "national" and attrs.get("region"):
                by_region[attrs["region"]].append(inst)
            for code in self.serves_extra.get(inst, ()):
                by_region[code].append(inst)
        return self._serving(by_region)

    def _serving(self, by_region: dict[str, list[str]]) -> dict[str, list[str]]:
        out = {}
        for c, attrs in self.regions.items():
            if attrs["level"] == "county":
                out[c] = list(dict.fromkeys(i for a in self.ancestors_or_self(c) for i in by_region.get(a, ())))
        return out

    def can_calibrate(self, upper_inst: str, lower_inst: str) -> bool:
        """Planning reach: strictly higher level, and national or an ancestor region."""
        from tracegraph.models import LEVEL_RANK

        up, low = self.institutions[upper_inst], self.institutions[lower_inst]
        if LEVEL_RANK[up["level"]] <= LEVEL_RANK[low["level"]]:
            return False
        if up["level"] == "national":
            return True
        return low.get("region") is not None and up.get("region") in self.ancestors_or_self(low["region"])[1:]

    # --- dates --------------------------------------------------------------------
    def link_valid(self, s: str, u: str, as_of: dt.date) -> bool:
        """The link s → u counts at ``as_of``: calibrated_on (when given) ≤ as_of ≤ valid_until."""
        calibrated = self.calibrated_on.get((s, u))
        return self.upstream[s][u] >= as_of and (calibrated is None or calibrated <= as_of)

    # --- demand --------------------------------------------------------------------
    @cached_property
    def load_scale(self) -> int:
        """Annual loads n·12/p become integers when multiplied by this; so sums and flows are exact."""
        scale = 1
        for attrs in self.types.values():
            p = attrs["verification_period_months"]
            scale = math.lcm(scale, p // math.gcd(12, p))
        return scale

    def scaled_load(self, item: Item) -> int:
        p = self.types[item[1]]["verification_period_months"]
        return self.demand[item] * 12 * self.load_scale // p

    @cached_property
    def items_by_county(self) -> dict[str, list[Item]]:
        out: dict[str, list[Item]] = defaultdict(list)
        for item in self.demand:
            out[item[0]].append(item)
        return out

    # --- integer ids -----------------------------------------------------------------
    @cached_property
    def arrays(self) -> Arrays:
        """The index as numpy arrays over integer ids (built on first use, then kept)."""
        from tracegraph.algorithms._arrays import Arrays

        return Arrays(self)


@paused_gc()
def compile_graph(G: nx.MultiDiGraph) -> Index:
    from tracegraph.graph import node_id

    ix = Index()
    for _n, a in G.nodes(data=True):
        label = a.get("label")
        if label == "Region":
            ix.regions[a["code"]] = a
        elif label == "Institution":
            ix.institutions[a["id"]] = a
        elif label == "Standard":
            ix.standards[a["id"]] = a
        elif label == "InstrumentType":
            ix.types[a["code"]] = a
    for u, v, k, a in G.edges(keys=True, data=True):
        _add_edge(ix, node_id(u), node_id(v), k, a)
    return ix


def _add_edge(ix: Index, u: str, v: str, rel: str, attrs: dict) -> None:
    if rel == "PART_OF":
        ix.parent[u] = v
        ix.children[v].append(u)
    elif rel == "HOLDS":
        ix.holder[v] = u
        ix.held[u].append(v)
    elif rel == "SERVES":
        ix.serves_extra[u].append(v)
    elif rel == "VERIFIES":
        ix.verifies[u].append(v)
    elif rel == "TRACES_TO":
        ix.upstream[u][v] = attrs["valid_until"]
        if attrs.get("calibrated_on") is not None:
            ix.calibrated_on[(u, v)] = attrs["calibrated_on"]
        ix.downstream[v].append(u)
    elif rel == "NEEDS" and attrs["count"] > 0:
        ix.demand[(u, v)] = attrs["count"]


@paused_gc()
def compile_dataset(dataset: Dataset) -> Index:
    """The index of ``compile_graph(build_graph(dataset))``, built from the tables without a graph.

    Equal content, list orders included: every list follows the order in which networkx would
    list the edges (source nodes in insertion order, then each node's successors in insertion
    order), and repeated rows merge as they do in the graph (a repeated link keeps the latest
    ``valid_until``, a repeated demand row its last count, a repeated row its last attributes).

    Regions, types and institutions (a few thousand nationally) are indexed at once; the standards, the
    links and the demand items, each group on first use (:data:`_LAZY`): the figures read those groups as
    columns of the rows (:meth:`Index.standard_columns`, :meth:`Index.links_by_standard`), so coverage
    never builds their dicts.
    """
    ix = Index()
    for name in _LAZY:
        del ix.__dict__[name]
    ix.__dict__["_dataset"] = dataset
    ix.__dict__["_building"] = threading.RLock()
    for table, label, key, out in (("regions", "Region", "code", ix.regions),
                                   ("instrument_types", "InstrumentType", "code", ix.types),
                                   ("institutions", "Institution", "id", ix.institutions)):
        _node_attrs(dataset, table, label, key, out)

    # PART_OF: sources are region rows, in node order.
    part_of: dict[str, dict[str, None]] = {}
    for r in dataset.regions:
        if r.parent:
            part_of.setdefault(r.code, {})[r.parent] = None
    region_rank = {code: k for k, code in enumerate(ix.regions)}
    for u in sorted(part_of, key=region_rank.__getitem__):
        for v in part_of[u]:
            ix.parent[u] = v
            ix.children[v].append(u)

    # SERVES: an institution's successors mix LOCATED_IN and SERVES targets, in first-insertion order.
    succ: dict[str, dict[str, None]] = {}
    serves: dict[str, set[str]] = {}
    for i in dataset.institutions:
        targets = succ.setdefault(i.id, {})
        if i.region:
            targets[i.region] = None
        for code in i.serves:
            targets[code] = None
            serves.setdefault(i.id, set()).add(code)
    for inst, codes in serves.items():
        ix.serves_extra[inst] = [c for c in succ[inst] if c in codes]
    return ix


def _node_attrs(dataset: Dataset, table: str, label: str, key: str, out: dict[str, dict]) -> None:
    """Each row's fields as model_dump() gives them (list fields copied), without its cost, by key: read a
    column at a time, so a table the dataset holds as columns is not made into rows."""
    names = list(MODELS[table].model_fields)
    columns = [dataset.column(table, n) for n in names]
    for k, column in enumerate(columns):
        if column and isinstance(column[0], list):
            columns[k] = list(map(list, column))  # each row its own list
    rows = map(dict, map(zip, repeat(("label", *names)), zip(repeat(label), *columns)))
    keys = columns[names.index(key)]
    if not out and len(set(keys)) == len(keys):
        out.update(zip(keys, rows, strict=True))
        return
    for code, attrs in zip(keys, rows, strict=True):
        if code in out:
            out[code].update(attrs)  # a repeated row: its attributes replace the earlier ones'
        else:
            out[code] = attrs


# A builder returns its group's attributes, complete, for __getattr__ to set together.
@paused_gc()
def _standards_group(ix: Index, dataset: Dataset) -> dict[str, Any]:
    standards: dict[str, dict] = {}
    holder: dict[str, str] = {}
    held: dict[str, list[str]] = defaultdict(list)
    verifies_of: dict[str, list[str]] = defaultdict(list)
    _node_attrs(dataset, "standards", "Standard", "id", standards)
    # HOLDS: institution nodes in node order (rows, then ones only a standard names).
    holds: dict[str, dict[str, None]] = {}
    verifies: dict[str, dict[str, None]] = {}
    for sid, inst, codes in zip(*(dataset.column("standards", f) for f in ("id", "institution", "verifies")),
                                strict=True):
        holds.setdefault(inst, {})[sid] = None
        types = verifies.setdefault(sid, {})
        for code in codes:
            types[code] = None
    for inst in [*(i for i in ix.institutions if i in holds), *(i for i in holds if i not in ix.institutions)]:
        for s_id in holds[inst]:
            holder[s_id] = inst
            held[inst].append(s_id)
    for s_id, types in verifies.items():
        if types:
            verifies_of[s_id] = list(types)
    return {"standards": standards, "holder": holder, "held": held, "verifies": verifies_of}


def _latest_links(dataset: Dataset) -> list[tuple[str, dict[str, tuple[dt.date, dt.date | None]]]]:
    """TRACES_TO: each standard's links, upstream → (valid_until, calibrated_on), standards in node order.
    Repeated rows for one link are successive calibrations: the latest expiry holds (the first row reaching
    it), and the link keeps its first place."""
    links: dict[str, dict[str, tuple[dt.date, dt.date | None]]] = {}
    standard, upstream = dataset.column("traceability", "standard"), dataset.column("traceability", "upstream")
    for s, u, until, since in zip(standard, upstream, dataset.column("traceability", "valid_until"),
                                  dataset.column("traceability", "calibrated_on"), strict=True):
        ups = links.setdefault(s, {})
        old = ups.get(u)
        if old is None or until > old[0]:
            ups[u] = (until, since)  # an existing key keeps its place
    nodes = dict.fromkeys(dataset.column("standards", "id"))
    if not nodes.keys() >= links.keys():  # nodes only a link names, in the order links name them
        for s, u in zip(standard, upstream, strict=True):
            nodes.setdefault(s)
            nodes.setdefault(u)
    rank = {s: k for k, s in enumerate(nodes)}
    return sorted(links.items(), key=lambda pair: rank[pair[0]])


@paused_gc()
def _links_group(ix: Index, dataset: Dataset) -> dict[str, Any]:
    upstream: dict[str, dict[str, dt.date]] = defaultdict(dict)
    calibrated_on: dict[tuple[str, str], dt.date] = {}
    downstream: dict[str, list[str]] = defaultdict(list)
    for s_id, links in _latest_links(dataset):
        ups_of = upstream[s_id]
        for u, (until, since) in links.items():
            ups_of[u] = until
            if since is not None:
                calibrated_on[(s_id, u)] = since
            downstream[u].append(s_id)
    return {"upstream": upstream, "calibrated_on": calibrated_on, "downstream": downstream}


@paused_gc()
def _demand_group(ix: Index, dataset: Dataset) -> dict[str, Any]:
    """NEEDS: a repeated row updates the count in place (a dict does the same); a region's edges come in the
    order of its first rows, the regions in node order; only counts > 0 are demand items."""
    counties = dataset.column("demand", "region")
    needs = dict(zip(zip(counties, dataset.column("demand", "instrument_type"), strict=True),
                     dataset.column("demand", "count"), strict=True))
    region_rank = _region_rank(ix, dataset)
    ranks = list(map(region_rank.__getitem__, map(itemgetter(0), needs)))
    if ranks != sorted(ranks):
        order = sorted(range(len(ranks)), key=ranks.__getitem__)  # stable: first rows first
        pairs = list(needs.items())
        needs = dict(pairs[k] for k in order)
    if min(needs.values(), default=1) <= 0:
        needs = {item: n for item, n in needs.items() if n > 0}
    return {"demand": needs}


def _region_rank(ix: Index, dataset: Dataset) -> dict[str, int]:
    """Region code → its node's place among the regions (codes no row defines after, as the graph makes them)."""
    region_rank = {code: k for k, code in enumerate(ix.regions)}
    if not region_rank.keys() >= set(dataset.column("demand", "region")):
        _bare_regions(dataset, region_rank)
    return region_rank


#: The groups compile_dataset leaves for first use: attribute → the builder of its group.
_LAZY: dict[str, Callable[[Index, Dataset], dict[str, Any]]] = {
    **dict.fromkeys(("standards", "holder", "held", "verifies"), _standards_group),
    **dict.fromkeys(("upstream", "calibrated_on", "downstream"), _links_group),
    "demand": _demand_group,
}


def _bare_regions(dataset: Dataset, rank: dict[str, int]) -> None:
    """Ranks for region codes no row defines, in the order build_graph's edges create their nodes."""
    def see(code: str | None) -> None:
        if code and code not in rank:
            rank[code] = len(rank)

    for r in dataset.regions:
        see(r.parent)
    for i in dataset.institutions:
        see(i.region)
        for code in i.serves:
            see(code)
    for code in dataset.column("demand", "region"):
        see(code)
