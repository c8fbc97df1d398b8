"""The exact max-flow behind capacity_rate, against networkx's max flow on random networks.

Random networks are drawn both nested (reach through the region hierarchy: the fast tree path)
and crossing (``serves`` lists cutting across it: the general solver).
"""

from __future__ import annotations

import random

import networkx as nx
import pytest

from tracegraph.algorithms._flow import FlowCache, _nested_flow, item_flow


def reference_flow(loads: dict, covering: dict, caps: dict) -> int:
    G = nx.DiGraph()
    G.add_node("src")
    G.add_node("sink")
    for item, load in loads.items():
        G.add_edge("src", ("i", item), capacity=load)
        for s in covering.get(item, ()):
            G.add_edge(("i", item), ("s", s))
    for s, cap in caps.items():
        if cap is None:
            G.add_edge(("s", s), "sink")
        else:
            G.add_edge(("s", s), "sink", capacity=cap)
    return int(nx.maximum_flow_value(G, "src", "sink"))


def hierarchy_instance(rng: random.Random, crossing: bool) -> tuple[dict, dict, dict]:
    """Counties under cities under one province; standards at each level cover their subtree."""
    counties = [(c, k) for c in range(rng.randint(1, 3)) for k in range(rng.randint(1, 3))]
    loads = {county: rng.randint(0, 30) for county in counties}
    caps: dict[str, int | None] = {}
    covering: dict = {county: [] for county in counties}

    def standard(name: str, covers: list) -> None:
        if rng.random() < 0.7:
            caps[name] = rng.randint(0, 25) if rng.random() < 0.9 else None
            for county in covers:
                covering[county].append(name)

    standard("P", counties)
    for c in {c for c, _ in counties}:
        standard(f"C{c}", [x for x in counties if x[0] == c])
    for county in counties:
        standard(f"K{county}", [county])
    if crossing and len(counties) > 1:
        standard("X", rng.sample(counties, 2))  # an extra `serves` that crosses the tree
    return loads, {k: v for k, v in covering.items() if v}, caps


@pytest.mark.parametrize("seed", range(300))
def test_item_flow_equals_networkx(seed: int) -> None:
    rng = random.Random(seed)
    loads, covering, caps = hierarchy_instance(rng, crossing=seed % 2 == 1)
    assert item_flow(loads, covering, caps, FlowCache()) == reference_flow(loads, covering, caps)


@pytest.mark.parametrize("seed", range(100))
def test_nested_flow_exact_or_declines(seed: int) -> None:
    """On nested families the tree path answers, and answers exactly; crossing ones may decline."""
    rng = random.Random(1000 + seed)
    loads, covering, caps = hierarchy_instance(rng, crossing=False)
    bounded = {i: covering[i] for i in covering if all(caps[s] is not None for s in covering[i])}
    items = list(bounded)
    if not items:
        return
    sub_caps = {s: caps[s] for i in items for s in bounded[i]}
    got = _nested_flow(items, loads, bounded, sub_caps)
    assert got is not None
    assert got == reference_flow({i: loads[i] for i in items}, bounded, sub_caps)


def test_crossing_family_is_declined() -> None:
    """A ∩ B ≠ ∅ with neither containing the other is not nested."""
    covering = {"i1": ["A"], "i2": ["A", "B"], "i3": ["B"]}
    assert _nested_flow(["i1", "i2", "i3"], {"i1": 5, "i2": 5, "i3": 5}, covering, {"A": 4, "B": 4}) is None
