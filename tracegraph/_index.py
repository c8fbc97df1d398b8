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
import itertools
import math
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from tracegraph._gc import paused_gc

if TYPE_CHECKING:
    import networkx as nx

    from tracegraph.algorithms._arrays import Arrays
    from tracegraph.models import Dataset

Item = tuple[str, str]  # (county code, instrument type code)




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
    """
    ix = Index()
    for table, label, key, out in (("regions", "Region", "code", ix.regions),
                                   ("instrument_types", "InstrumentType", "code", ix.types),
                                   ("institutions", "Institution", "id", ix.institutions),
                                   ("standards", "Standard", "id", ix.standards)):
        rows = getattr(dataset, table)
        # The rows' fields as model_dump() gives them (list fields copied), without its cost.
        lists = [name for name, value in rows[0].__dict__.items() if isinstance(value, list)] if rows else []
        for row in rows:
            attrs = {"label": label, **row.__dict__}
            for name in lists:
                attrs[name] = list(attrs[name])
            code = attrs[key]
            if code in out:
                out[code].update(attrs)  # a repeated row: its attributes replace the earlier ones'
            else:
                out[code] = attrs

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

    # HOLDS: institution nodes in node order (rows, then ones only a standard names).
    holds: dict[str, dict[str, None]] = {}
    verifies: dict[str, dict[str, None]] = {}
    for s in dataset.standards:
        holds.setdefault(s.institution, {})[s.id] = None
        types = verifies.setdefault(s.id, {})
        for code in s.verifies:
            types[code] = None
    for inst in [*(i for i in ix.institutions if i in holds), *(i for i in holds if i not in ix.institutions)]:
        for s_id in holds[inst]:
            ix.holder[s_id] = inst
            ix.held[inst].append(s_id)
    for s_id, types in verifies.items():
        if types:
            ix.verifies[s_id] = list(types)

    # TRACES_TO: repeated rows for one link are successive calibrations, the latest expiry holds.
    links: dict[str, dict[str, object]] = {}
    std_rank = {s: k for k, s in enumerate(ix.standards)}
    for link in dataset.traceability:
        ups = links.setdefault(link.standard, {})
        old = ups.get(link.upstream)
        if old is None or link.valid_until > old.valid_until:  # type: ignore[attr-defined]
            ups[link.upstream] = link  # an existing key keeps its place
        for x in (link.standard, link.upstream):
            if x not in std_rank:
                std_rank[x] = len(std_rank)  # a node only a link names
    for s_id in sorted(links, key=std_rank.__getitem__):
        ups_of = ix.upstream[s_id]
        for u, link in links[s_id].items():
            ups_of[u] = link.valid_until  # type: ignore[attr-defined]
            if link.calibrated_on is not None:  # type: ignore[attr-defined]
                ix.calibrated_on[(s_id, u)] = link.calibrated_on  # type: ignore[attr-defined]
            ix.downstream[u].append(s_id)

    # NEEDS: a repeated row updates the count in place (a dict does the same); a region's edges come
    # in the order of its first rows, the regions in node order; only counts > 0 are demand items.
    needs = dict(zip([(d.region, d.instrument_type) for d in dataset.demand], [d.count for d in dataset.demand],
                     strict=True))
    if any(code not in region_rank for code, _ in needs):
        _bare_regions(dataset, region_rank)
    ranks = [region_rank[code] for code, _ in needs]
    pairs = list(needs.items())
    if any(a > b for a, b in itertools.pairwise(ranks)):
        order = sorted(range(len(pairs)), key=ranks.__getitem__)  # stable: first rows first
        pairs = [pairs[k] for k in order]
    ix.demand.update((item, n) for item, n in pairs if n > 0)
    return ix


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
    for d in dataset.demand:
        see(d.region)
