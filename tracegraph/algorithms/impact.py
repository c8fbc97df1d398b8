"""Impact of failures: what a standard (or link) found out of tolerance takes down with it.

``impact`` is the direct definition: fail the standard, recompute the fixpoint, compare.
``failure_impacts`` answers the same question for every standard and link at once through
the dominator tree of the traceability DAG (root → valid primaries → … along valid links):
a failure of x breaks exactly the standards x dominates, and an item is lost exactly when x
dominates every standard covering it, i.e. x is an ancestor of their lowest common dominator.
The tests check the two against each other.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

import networkx as nx
from pydantic import BaseModel

from tracegraph._index import Index, Item, compile_graph
from tracegraph.algorithms.chains import traceable_in
from tracegraph.algorithms.coverage import covering_in

_ROOT = ("root",)


class LostItem(BaseModel):
    county: str
    instrument_type: str
    count: int


class Impact(BaseModel):
    standard: str
    as_of: dt.date
    was_traceable: bool
    broken_standards: list[str]  # downstream standards whose chains break (the failed one excluded)
    lost_items: list[LostItem]
    lost_instruments: int


def impact_in(ix: Index, standard: str, as_of: dt.date) -> Impact:
    if standard not in ix.standards:
        raise KeyError(f"unknown standard id: {standard}")
    before = traceable_in(ix, as_of)
    after = traceable_in(ix, as_of, failed=[standard])
    covered_before = covering_in(ix, before)
    covered_after = covering_in(ix, after)
    lost = [i for i in covered_before if i not in covered_after]
    return Impact(
        standard=standard, as_of=as_of, was_traceable=standard in before,
        broken_standards=sorted(before - after - {standard}),
        lost_items=[LostItem(county=c, instrument_type=t, count=ix.demand[(c, t)]) for c, t in sorted(lost)],
        lost_instruments=sum(ix.demand[i] for i in lost),
    )


def impact(G: nx.MultiDiGraph, standard: str, as_of: dt.date) -> Impact:
    """The reverse trace of one standard failing at ``as_of``."""
    return impact_in(compile_graph(G), standard, as_of)


@dataclass
class FailureImpacts:
    """For every traceable standard and valid link: what its failure would take down."""

    dominated: dict[object, list[object]] = field(default_factory=dict)  # dominator tree children
    lost_items_at: dict[object, list[Item]] = field(default_factory=lambda: defaultdict(list))
    demand: dict[Item, int] = field(default_factory=dict)

    def _subtree(self, node: object) -> list[object]:
        out, stack = [], [node]
        while stack:
            x = stack.pop()
            out.append(x)
            stack.extend(self.dominated.get(x, ()))
        return out

    def broken_standards(self, node: object) -> list[str]:
        return sorted(x for x in self._subtree(node) if isinstance(x, str) and x != node)

    def lost_items(self, node: object) -> list[Item]:
        return sorted(i for x in self._subtree(node) for i in self.lost_items_at.get(x, ()))

    def lost_instruments(self, node: object) -> int:
        return sum(self.demand[i] for i in self.lost_items(node))


def link_node(standard: str, upstream: str) -> tuple[str, str]:
    return (standard, upstream)


def failure_impacts_in(ix: Index, as_of: dt.date, traceable: set[str] | None = None,
                       covering: dict | None = None) -> FailureImpacts:
    """``covering`` (item → covering traceable standards) may be passed in when the caller has it."""
    traceable = traceable_in(ix, as_of) if traceable is None else traceable
    dag = nx.DiGraph()
    dag.add_node(_ROOT)
    for s in traceable:
        if ix.standards[s]["primary"]:
            dag.add_edge(_ROOT, s)
        for u in ix.upstream.get(s, {}):
            if u in traceable and ix.link_valid(s, u, as_of):
                # A link is a node of its own so that its expiry can be a failure too.
                dag.add_edge(u, link_node(s, u))
                dag.add_edge(link_node(s, u), s)
    idom = dict(nx.immediate_dominators(dag, _ROOT))
    idom[_ROOT] = _ROOT  # networkx versions differ on whether the start maps to itself
    result = FailureImpacts(demand=ix.demand)
    for node, dom in idom.items():
        if node != _ROOT:
            result.dominated.setdefault(dom, []).append(node)
    depth = _depths(result.dominated)
    for item, standards in (covering_in(ix, traceable) if covering is None else covering).items():
        lca = _lowest_common(standards, idom, depth)
        if lca != _ROOT:
            result.lost_items_at[lca].append(item)
    return result


def failure_impacts(G: nx.MultiDiGraph, as_of: dt.date) -> FailureImpacts:
    return failure_impacts_in(compile_graph(G), as_of)


def _depths(children: dict[object, list[object]]) -> dict[object, int]:
    depth = {_ROOT: 0}
    stack = [_ROOT]
    while stack:
        x = stack.pop()
        for c in children.get(x, ()):
            depth[c] = depth[x] + 1
            stack.append(c)
    return depth


def _lowest_common(nodes: list[str], idom: dict, depth: dict) -> object:
    a: object = nodes[0]
    for b in nodes[1:]:
        while a != b:
            if depth[a] >= depth[b]:
                a = idom[a]
            else:
                b = idom[b]
    return a
