"""The dominator tree of ``failure_impacts_in`` against references (hypothesis, and seeded graphs).

``_dominator_tree`` builds the tree level by level with numpy when the part reached from node 0 is a DAG
and falls back to Cooper, Harvey and Kennedy's loop (``_dominator_tree_chk``) otherwise. Immediate
dominators are unique, so both must give networkx's ``immediate_dominators``; the preorder depends on the
order children are visited in, so on a DAG it must be the fallback's, exactly. Every graph is also checked
to take the path it is meant to (``_topological_levels`` is None exactly when the fallback runs).
"""

from __future__ import annotations

import importlib
import itertools

import networkx as nx
import numpy as np
import pytest
from builders import AS_OF
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from randomdata import random_dataset, random_dated_dataset

from tracegraph._index import compile_dataset
from tracegraph.algorithms.chains import traceable_in

# The package re-exports a function named ``impact``, which hides the module of that name.
impact = importlib.import_module("tracegraph.algorithms.impact")

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

Graph = tuple[int, np.ndarray, np.ndarray]


def edges(n: int, pairs: list[tuple[int, int]]) -> Graph:
    src = np.array([u for u, _ in pairs], np.int64).reshape(-1)
    dst = np.array([v for _, v in pairs], np.int64).reshape(-1)
    return n, src, dst


def reference_idom(n: int, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """networkx's immediate dominators from 0, as an array: -1 for nodes not reached, 0 for the root."""
    G = nx.DiGraph()
    G.add_nodes_from(range(n))
    G.add_edges_from(zip(src.tolist(), dst.tolist(), strict=True))
    idom = np.full(n, -1, np.int64)
    for v, d in nx.immediate_dominators(G, 0).items():
        idom[v] = d
    idom[0] = 0
    return idom


def reached_is_dag(n: int, src: np.ndarray, dst: np.ndarray) -> bool:
    G = nx.DiGraph()
    G.add_nodes_from(range(n))
    G.add_edges_from(zip(src.tolist(), dst.tolist(), strict=True))
    return nx.is_directed_acyclic_graph(G.subgraph(nx.descendants(G, 0) | {0}))


def assert_tree_numbering(idom: np.ndarray, pre: np.ndarray, size: np.ndarray) -> None:
    """``pre`` is a preorder of the tree ``idom`` and ``size`` its subtree sizes; -1 and 0 off the tree."""
    inside = np.flatnonzero(idom >= 0)
    assert (pre[idom < 0] == -1).all() and (size[idom < 0] == 0).all()
    assert sorted(pre[inside].tolist()) == list(range(len(inside)))
    assert pre[0] == 0 and size[0] == len(inside)
    kids = inside[inside != 0]
    parents = idom[kids]
    # A child's range lies just inside its parent's, and a subtree is itself and its children's subtrees.
    assert ((pre[parents] < pre[kids]) & (pre[kids] + size[kids] <= pre[parents] + size[parents])).all()
    assert (np.bincount(parents, weights=size[kids], minlength=len(idom))[inside] + 1 == size[inside]).all()


def check(graph: Graph, fast: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``_dominator_tree`` against the references; ``fast``: the numpy path is the one to run."""
    n, src, dst = graph
    assert (impact._topological_levels(n, src, dst) is not None) == fast
    idom, pre, size = impact._dominator_tree(n, src, dst)
    for a in (idom, pre, size):
        assert a.dtype == np.int64 and a.shape == (n,)
    assert np.array_equal(idom, reference_idom(*graph))
    assert_tree_numbering(idom, pre, size)
    old_idom, old_pre, old_size = impact._dominator_tree_chk(n, src, dst)
    assert np.array_equal(idom, old_idom)
    assert np.array_equal(pre, old_pre)
    assert np.array_equal(size, old_size)
    return idom, pre, size


# --- hypothesis: small graphs -----------------------------------------------------------------------


@st.composite
def dags(draw) -> Graph:
    """A random DAG on a random order of the nodes (the root first): edges only go forward in it, so
    some nodes go unreached, some have many predecessors, reached or not, and edges may repeat. Then
    edges among the unreached nodes, which may close cycles that the reached part does not see."""
    n = draw(st.integers(1, 30))
    if n == 1:
        return edges(1, [])
    rank = [0, *draw(st.permutations(range(1, n)))]
    forward = st.tuples(st.integers(0, n - 2), st.integers(1, n - 1)).filter(lambda e: e[0] < e[1])
    pairs = [(rank[u], rank[v]) for u, v in draw(st.lists(forward, max_size=4 * n))]
    if draw(st.booleans()):  # the root's children first: several of them, as the primary standards
        pairs = [(0, v) for v in draw(st.lists(st.integers(1, n - 1), max_size=5))] + pairs
    G = nx.DiGraph(pairs)
    G.add_node(0)
    unreached = sorted(set(range(n)) - nx.descendants(G, 0) - {0})
    if unreached:
        some = st.sampled_from(unreached)
        pairs += draw(st.lists(st.tuples(some, st.integers(0, n - 1)), max_size=n))
    return edges(n, pairs)


@st.composite
def cyclic(draw) -> Graph:
    """Any edges, then a cycle through nodes reached from 0, so that the fallback must run."""
    n = draw(st.integers(1, 30))
    node = st.integers(0, n - 1)
    pairs = draw(st.lists(st.tuples(node, node), max_size=4 * n))
    loop = draw(st.lists(node, min_size=1, max_size=6))  # 0 → loop[0] → … → loop[-1] → loop[0]
    pairs += [(0, loop[0]), *itertools.pairwise(loop), (loop[-1], loop[0])]
    return edges(n, pairs)


@SETTINGS
@given(dags())
def test_dags_take_the_numpy_path_and_agree(graph: Graph) -> None:
    assert reached_is_dag(*graph)
    check(graph, fast=True)


@SETTINGS
@given(cyclic())
def test_graphs_with_cycles_fall_back_and_agree(graph: Graph) -> None:
    assert not reached_is_dag(*graph)
    check(graph, fast=False)


# --- seeded graphs: larger, deeper, wider ------------------------------------------------------------


def layered(seed: int, n: int, depth: int, fan_in: int, span: int) -> Graph:
    """Nodes on ``depth`` layers (the root alone on the first); each gets a predecessor on the layer just
    above and up to ``fan_in`` more on the ``span`` layers above, so dominators skip layers. The last
    twentieth of the nodes is unreached: nothing points at them, they point anywhere (cycles included)."""
    rng = np.random.default_rng(seed)
    layer = np.sort(np.r_[0, np.arange(1, depth), rng.integers(1, depth, n - depth)])
    starts = np.searchsorted(layer, np.arange(depth + 1))  # layer k: nodes starts[k] .. starts[k + 1] - 1
    reached = n - n // 20
    pairs = []
    for v in range(1, reached):
        k = layer[v]
        pairs.append((int(rng.integers(starts[k - 1], starts[k])), v))
        lo = starts[max(0, k - span)]
        pairs += [(int(rng.integers(lo, starts[k])), v) for _ in range(int(rng.integers(0, fan_in + 1)))]
    pairs += [(v, int(rng.integers(1, n))) for v in range(reached, n) for _ in range(2)]
    perm = np.r_[0, 1 + rng.permutation(n - 1)]  # ids in no particular order of the layers
    return edges(n, [(int(perm[u]), int(perm[v])) for u, v in pairs])


def tree_depth(idom: np.ndarray) -> int:
    """How deep the tree ``idom`` goes below its root 0."""
    at, depth = np.flatnonzero(idom >= 0)[1:], 0  # every node but the root, lifted a step a round
    while at.size:
        at, depth = idom[at], depth + 1
        at = at[at != 0]
    return depth


@pytest.mark.parametrize(("seed", "n", "depth", "fan_in", "span", "deep"), [
    (1, 2000, 8, 1, 8, 5),      # shallow and wide, as the national graph
    (2, 3000, 40, 3, 40, 4),    # predecessors from anywhere above: dominators near the root
    (3, 3000, 60, 2, 3, 8),     # from near above: a deeper tree, longer climbs in binary lifting
    (4, 6400, 125, 1, 2, 12),   # past 64 levels, still under n // 48
    (5, 500, 5, 40, 5, 1),      # many predecessors a node: long runs to fold
])
def test_seeded_layered_dags(seed: int, n: int, depth: int, fan_in: int, span: int, deep: int) -> None:
    graph = layered(seed, n, depth, fan_in, span)
    assert reached_is_dag(*graph)
    idom, _, _ = check(graph, fast=True)
    assert (idom == -1).sum() == n // 20
    assert tree_depth(idom) >= deep


def test_a_long_path_falls_back() -> None:
    """A DAG with more levels than pay for their numpy calls: the fallback runs, to the same answer."""
    n = 3000
    order = np.r_[0, 1 + np.random.default_rng(5).permutation(n - 1)]
    idom, pre, size = check(edges(n, list(itertools.pairwise(order.tolist()))), fast=False)
    assert np.array_equal(idom[order[1:]], order[:-1])
    assert np.array_equal(pre[order], np.arange(n))
    assert np.array_equal(size[order], np.arange(n, 0, -1))


def test_root_alone_and_edges_back_to_it() -> None:
    idom, pre, size = check(edges(3, []), fast=True)
    assert idom.tolist() == [0, -1, -1] and pre.tolist() == [0, -1, -1] and size.tolist() == [1, 0, 0]
    idom, _, _ = check(edges(3, [(0, 1), (1, 2), (2, 0)]), fast=False)
    assert idom.tolist() == [0, 0, 1]
    idom, _, _ = check(edges(3, [(0, 1), (2, 0)]), fast=True)  # from an unreached node: no cycle reached
    assert idom.tolist() == [0, 0, -1]


# --- the graphs failure_impacts_in builds -----------------------------------------------------------


@pytest.mark.parametrize("seed", range(12))
def test_the_traceability_graph_of_random_datasets(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    ds = random_dataset(seed) if seed % 2 else random_dated_dataset(seed)
    ix = compile_dataset(ds)
    seen: list[Graph] = []
    tree = impact._dominator_tree

    def spy(n: int, src: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        seen.append((n, src.copy(), dst.copy()))
        return tree(n, src, dst)

    monkeypatch.setattr(impact, "_dominator_tree", spy)
    impact.failure_impacts_in(ix, AS_OF, traceable_in(ix, AS_OF))
    assert len(seen) == 1
    check(seen[0], fast=True)
