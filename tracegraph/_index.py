"""Plain-dict views of the graph that the algorithms share.

The public algorithms take a networkx graph; walking a MultiDiGraph's adjacency for
every item of a national dataset would be slow, so each algorithm first compiles the
graph once into these lookups (a few hundred ms nationally) and works on them.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

import networkx as nx

from tracegraph.graph import node_id

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



def compile_graph(G: nx.MultiDiGraph) -> Index:
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
