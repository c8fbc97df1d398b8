"""The traceability graph in networkx: the schema the Neo4j store reuses.

Nodes are keyed ``"Label:id"`` and carry ``label`` plus the row's fields.
Relationships (the edge key is the type, so a MultiDiGraph holds several kinds
between the same pair):

- ``(Region)-[:PART_OF]->(Region)``            county → city → province
- ``(Institution)-[:LOCATED_IN]->(Region)``
- ``(Institution)-[:SERVES]->(Region)``         the extra regions of ``serves``
- ``(Institution)-[:HOLDS]->(Standard)``
- ``(Standard)-[:TRACES_TO {valid_until, calibrated_on, certificate_no}]->(Standard)``
- ``(Standard)-[:VERIFIES]->(InstrumentType)``
- ``(Region)-[:NEEDS {count}]->(InstrumentType)``  demand of a county

Candidates and targets are planning inputs, not part of the chain: they ride in
``G.graph["candidates"]`` and ``G.graph["targets"]``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tracegraph.models import (
    Dataset,
    Demand,
    Institution,
    InstrumentType,
    Region,
    Standard,
    TraceLink,
)

if TYPE_CHECKING:
    import networkx as nx

LABELS = ("Region", "Institution", "Standard", "InstrumentType")
RELATIONSHIPS = ("PART_OF", "LOCATED_IN", "SERVES", "HOLDS", "TRACES_TO", "VERIFIES", "NEEDS")


def node_key(label: str, key: str) -> str:
    return f"{label}:{key}"


def node_id(node: str) -> str:
    """The dataset id or code of a node key."""
    return node.split(":", 1)[1]


def build_graph(dataset: Dataset) -> nx.MultiDiGraph:
    """The traceability graph of a validated dataset."""
    import networkx as nx

    G = nx.MultiDiGraph(candidates=list(dataset.candidates), targets=list(dataset.targets))
    R, I, S, T = (lambda k, lab=lab: node_key(lab, k) for lab in LABELS)  # noqa: E741 - label shorthands
    for r in dataset.regions:
        G.add_node(R(r.code), label="Region", **r.model_dump())
    for t in dataset.instrument_types:
        G.add_node(T(t.code), label="InstrumentType", **t.model_dump())
    for r in dataset.regions:
        if r.parent:
            G.add_edge(R(r.code), R(r.parent), key="PART_OF")
    for i in dataset.institutions:
        G.add_node(I(i.id), label="Institution", **i.model_dump())
        if i.region:
            G.add_edge(I(i.id), R(i.region), key="LOCATED_IN")
        for code in i.serves:
            G.add_edge(I(i.id), R(code), key="SERVES")
    for s in dataset.standards:
        G.add_node(S(s.id), label="Standard", **s.model_dump())
        G.add_edge(I(s.institution), S(s.id), key="HOLDS")
        for code in s.verifies:
            G.add_edge(S(s.id), T(code), key="VERIFIES")
    for k, link in enumerate(dataset.traceability):
        _add_link(G, link, k)
    for k, d in enumerate(dataset.demand):
        # `ord` keeps the template's row order: adjacency order is not insertion order.
        G.add_edge(R(d.region), T(d.instrument_type), key="NEEDS", count=d.count, ord=k)
    return G


def _add_link(G: nx.MultiDiGraph, link: TraceLink, k: int) -> None:
    u, v = node_key("Standard", link.standard), node_key("Standard", link.upstream)
    old = G.get_edge_data(u, v, key="TRACES_TO")
    # Repeated rows for one link are successive calibrations: the latest expiry holds.
    if old is None or link.valid_until > old["valid_until"]:
        ord_ = k if old is None else old["ord"]
        G.add_edge(u, v, key="TRACES_TO", **link.model_dump(exclude={"standard", "upstream"}), ord=ord_)


def nodes_of(G: nx.MultiDiGraph, label: str) -> list[tuple[str, dict]]:
    return [(n, a) for n, a in G.nodes(data=True) if a.get("label") == label]


def edges_of(G: nx.MultiDiGraph, rel: str) -> list[tuple[str, str, dict]]:
    """Relationships of one type, in the template's row order where the edge keeps it."""
    edges = [(u, v, a) for u, v, k, a in G.edges(keys=True, data=True) if k == rel]
    return sorted(edges, key=lambda e: e[2].get("ord", 0))


def _fields(attrs: dict, model: type) -> dict:
    return {f: attrs[f] for f in model.model_fields if f in attrs}


def graph_to_dataset(G: nx.MultiDiGraph) -> Dataset:
    """Back from the graph to the template's tables (the inverse of :func:`build_graph`)."""
    links = [
        TraceLink(standard=node_id(u), upstream=node_id(v), **_fields(a, TraceLink))
        for u, v, a in edges_of(G, "TRACES_TO")
    ]
    demand = [
        Demand(region=node_id(u), instrument_type=node_id(v), count=a["count"]) for u, v, a in edges_of(G, "NEEDS")
    ]
    return Dataset(
        regions=[Region(**_fields(a, Region)) for _, a in nodes_of(G, "Region")],
        institutions=[Institution(**_fields(a, Institution)) for _, a in nodes_of(G, "Institution")],
        instrument_types=[InstrumentType(**_fields(a, InstrumentType)) for _, a in nodes_of(G, "InstrumentType")],
        standards=[Standard(**_fields(a, Standard)) for _, a in nodes_of(G, "Standard")],
        traceability=links,
        demand=demand,
        candidates=G.graph.get("candidates", []),
        targets=G.graph.get("targets", []),
    )
