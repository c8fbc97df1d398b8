"""Impact of failures: what a standard (or link) found out of tolerance takes down with it.

``impact`` is the direct definition: fail the standard, recompute the fixpoint, compare.
``failure_impacts`` answers the same question for every standard and link at once through
the dominator tree of the traceability graph (root → valid primaries → … along valid links):
a failure of x breaks exactly the standards x dominates, and an item is lost exactly when x
dominates every standard covering it, i.e. x is an ancestor of their lowest common dominator.
The tests check the two against each other.

The tree is computed over integer ids (level by level with numpy on the acyclic graphs that
validated chains give, by Cooper, Harvey and Kennedy's iterative algorithm on any other) and
numbered in preorder, so a node's subtree is one range: what it breaks and loses are range
counts and prefix sums, and the lowest common dominator of every item comes from one vectorised
binary-lifting pass.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
from pydantic import BaseModel

from tracegraph._gc import paused_gc
from tracegraph._index import Index, Item, compile_graph
from tracegraph.algorithms._arrays import expand, unique
from tracegraph.algorithms.chains import traceable_in
from tracegraph.algorithms.coverage import covering_arrays, covering_in

if TYPE_CHECKING:
    import networkx as nx

    from tracegraph.algorithms._arrays import Arrays

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


class FailureImpacts:
    """For every traceable standard and valid link: what its failure would take down.

    Nodes are standard ids, ``link_node(s, u)`` pairs, and the root (``("root",)``); a node that is
    not in the tree (an untraceable standard, a link that does not count) takes nothing down.
    """

    def __init__(self, arrays: Arrays, keys: list[object], idom: np.ndarray, pre: np.ndarray, size: np.ndarray,
                 lost_pre: np.ndarray, lost_items: list[Item], lost_counts: list[int]) -> None:
        self._arrays, n_std = arrays, arrays.n_std
        self._keys = keys  # node id → key: 0 the root, 1..n_std the standards, then the links
        self._node = {k: n for n, k in enumerate(keys)}
        self._idom, self._pre, self._size = idom, pre, size
        by_pre = np.full(len(keys), -1, np.int64)
        reached = np.flatnonzero(pre >= 0)
        by_pre[pre[reached]] = reached
        self._by_pre = by_pre[:len(reached)]
        self._n_std = n_std
        self._std_before = np.r_[0, np.cumsum((self._by_pre >= 1) & (self._by_pre <= n_std))]
        self._lost_pre, self._lost_items = lost_pre, lost_items
        self._lost_before = np.array(list(itertools.accumulate(lost_counts, initial=0)),
                                     dtype=object if arrays.wide else np.int64)
        # Python lists for the one-node questions (numpy's per-call cost would dominate them).
        self._pre_l, self._size_l, self._by_pre_l = pre.tolist(), size.tolist(), self._by_pre.tolist()
        self._lost_pre_l, self._lost_before_l = lost_pre.tolist(), self._lost_before.tolist()
        self._std_before_l = self._std_before.tolist()

    def _range(self, node: object) -> tuple[int, int] | None:
        n = self._node.get(node) if isinstance(node, (str, tuple)) else None
        if not n or self._pre_l[n] < 0:
            return None
        return self._pre_l[n], self._pre_l[n] + self._size_l[n]

    def _lost_range(self, node: object) -> tuple[int, int]:
        span = self._range(node)
        if span is None:
            return 0, 0
        return bisect.bisect_left(self._lost_pre_l, span[0]), bisect.bisect_left(self._lost_pre_l, span[1])

    def broken_standards(self, node: object) -> list[str]:
        span = self._range(node)
        if span is None or span[1] - span[0] == 1:
            return []
        if span[1] - span[0] < 64:
            keys, n_std = self._keys, self._n_std
            return sorted(keys[x] for x in self._by_pre_l[span[0] + 1:span[1]] if x <= n_std)  # type: ignore[misc]
        below = self._by_pre[span[0] + 1:span[1]]
        return self._arrays.names(below[below <= self._n_std] - 1)

    def n_broken(self, node: object) -> int:
        span = self._range(node)
        return 0 if span is None else self._std_before_l[span[1]] - self._std_before_l[span[0] + 1]

    def lost_items(self, node: object) -> list[Item]:
        lo, hi = self._lost_range(node)
        return sorted(self._lost_items[lo:hi])

    def n_lost_items(self, node: object) -> int:
        lo, hi = self._lost_range(node)
        return hi - lo

    def lost_instruments(self, node: object) -> int:
        lo, hi = self._lost_range(node)
        return self._lost_before_l[hi] - self._lost_before_l[lo]

    def counts(self, nodes: Sequence[object]) -> tuple[list[int], list[int], list[int]]:
        """(n_broken, n_lost_items, lost_instruments) of many nodes at once."""
        get = self._node.get
        ids = np.fromiter((get(k, 0) if isinstance(k, (str, tuple)) else 0 for k in nodes), np.int64, len(nodes))
        inside = (ids > 0) & (self._pre[ids] >= 0)
        lo = np.where(inside, self._pre[ids], 0)
        hi = np.where(inside, lo + self._size[ids], 0)
        broken = np.where(inside, self._std_before[hi] - self._std_before[np.minimum(lo + 1, hi)], 0)
        a, b = np.searchsorted(self._lost_pre, lo), np.searchsorted(self._lost_pre, hi)
        b = np.where(inside, b, a)
        return broken.tolist(), (b - a).tolist(), (self._lost_before[b] - self._lost_before[a]).tolist()

    @cached_property
    def dominated(self) -> dict[object, list[object]]:
        """The dominator tree: node → the nodes it immediately dominates."""
        out: dict[object, list[object]] = {}
        for n in np.flatnonzero(self._pre > 0).tolist():
            out.setdefault(self._keys[int(self._idom[n])], []).append(self._keys[n])
        return out

    @cached_property
    def lost_items_at(self) -> dict[object, list[Item]]:
        """Node → the items whose lowest common dominator it is (the root's are never lost)."""
        out: dict[object, list[Item]] = {}
        for p, item in zip(self._lost_pre.tolist(), self._lost_items, strict=True):
            out.setdefault(self._keys[int(self._by_pre[p])], []).append(item)
        return out


def link_node(standard: str, upstream: str) -> tuple[str, str]:
    return (standard, upstream)


@paused_gc()
def failure_impacts_in(ix: Index, as_of: dt.date, traceable: set[str] | None = None,
                       covering: Mapping[Item, Sequence[str]] | None = None) -> FailureImpacts:
    """``covering`` (item → covering traceable standards) may be passed in when the caller has it."""
    A = ix.arrays
    reached = A.traceable(as_of) if traceable is None else A.mask(traceable)
    ptr, std = A.covering(reached) if covering is None else covering_arrays(ix, as_of, covering=covering)
    n = A.n_std
    # Nodes: 0 the root, 1 + k standard k, then one per link that counts (u → link → s).
    links = np.flatnonzero(reached[A.link_s] & reached[A.link_u] & A.link_valid_at(as_of.toordinal()))
    n_nodes = 1 + n + len(links)
    link_ids = 1 + n + np.arange(len(links))
    primaries = 1 + np.flatnonzero(reached & A.primary)
    src = np.concatenate([np.zeros(len(primaries), np.int64), 1 + A.link_u[links], link_ids])
    dst = np.concatenate([primaries, link_ids, 1 + A.link_s[links]])
    idom, pre, size = _dominator_tree(n_nodes, src, dst)
    keys: list[object] = [_ROOT, *A.std_ids, *(A.link_keys[k] for k in links.tolist())]
    # Each covered item is lost at the lowest common dominator of its standards: the LCA of the
    # two of them first and last in preorder.
    covered = np.flatnonzero(np.diff(ptr) > 0)
    if covered.size:
        first = ptr[covered]
        node_pre = pre[1 + std]
        a = np.minimum.reduceat(node_pre, first)
        b = np.maximum.reduceat(node_pre, first)
        by_pre = np.empty(int(pre.max()) + 1, np.int64)
        by_pre[pre[pre >= 0]] = np.flatnonzero(pre >= 0)
        lca = _lca(by_pre[a], by_pre[b], idom, pre, size)
        lost = lca != 0
        where = pre[lca[lost]]
        order = np.argsort(where, kind="stable")
        lost_pre, lost_idx = where[order], covered[lost][order]
    else:
        lost_pre, lost_idx = np.zeros(0, np.int64), np.zeros(0, np.int64)
    item_keys = A.item_keys
    return FailureImpacts(A, keys, idom, pre, size, lost_pre, [item_keys[i] for i in lost_idx.tolist()],
                          A.count[lost_idx].tolist())


def failure_impacts(G: nx.MultiDiGraph, as_of: dt.date) -> FailureImpacts:
    return failure_impacts_in(compile_graph(G), as_of)


def _dominator_tree(n: int, src: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Immediate dominators from node 0, and the tree's preorder number and subtree size of every node
    (-1 and 0 for nodes not reached from 0).

    Validated chains are acyclic, so the nodes reached from 0 are normally a DAG: there the tree is built
    level by level with numpy. A hand-built graph with a cycle (or one so deep that per-level numpy calls
    would cost more than the Python loop) takes Cooper, Harvey and Kennedy's algorithm instead; both give
    the same arrays, the preorder visiting a node's children from the highest id down."""
    levels = _topological_levels(n, src, dst)
    if levels is None:
        return _dominator_tree_chk(n, src, dst)
    idom = _dag_idom(n, src, dst, levels)
    pre, size = _preorder(idom, levels)
    return idom, pre, size


def _starts(x: np.ndarray) -> np.ndarray:
    """Where each run of equal values of ``x`` starts."""
    start = np.ones(len(x), bool)
    start[1:] = x[1:] != x[:-1]
    return start


def _topological_levels(n: int, src: np.ndarray, dst: np.ndarray) -> list[np.ndarray] | None:
    """The nodes reached from 0 in topological levels (level 0 is [0]; every predecessor of a node, among
    the reached ones, is on a lower level), each level sorted; None if they include a cycle, or more levels
    than pay: each costs some 0.1 ms of numpy calls, Cooper, Harvey and Kennedy's loop some 3 µs a node."""
    limit = max(64, n // 48)
    ptr = np.r_[0, np.cumsum(np.bincount(src, minlength=n))]
    succ = dst[np.argsort(src, kind="stable")]
    seen = _reached(ptr, succ, limit)
    if seen is None:
        return None
    # Kahn's algorithm on the reached part: only reached predecessors count (the others never come).
    indeg = np.bincount(dst[seen[src]], minlength=n)
    if indeg[0]:
        return None
    levels = [np.zeros(1, np.int64)]
    placed = 1
    while True:
        out = expand(ptr, succ, levels[-1])[1]
        np.subtract.at(indeg, out, 1)
        nodes = unique(out[indeg[out] == 0])
        if not nodes.size:
            break
        if len(levels) == limit:
            return None
        levels.append(nodes)
        placed += nodes.size
    # On a cycle Kahn's algorithm stops short: its nodes never lose their last predecessor.
    return levels if placed == int(seen.sum()) else None


def _reached(ptr: np.ndarray, succ: np.ndarray, limit: int) -> np.ndarray | None:
    """Which nodes are reached from 0 (successors of node v: ``succ[ptr[v]:ptr[v + 1]]``), breadth first;
    None past ``limit`` rings, as there are then more topological levels than that too."""
    seen = np.zeros(len(ptr) - 1, bool)
    seen[0] = True
    frontier, rings = np.zeros(1, np.int64), 0
    while frontier.size:
        rings += 1
        if rings > limit:
            return None
        out = expand(ptr, succ, frontier)[1]
        frontier = unique(out[~seen[out]])
        seen[frontier] = True
    return seen


def _dag_idom(n: int, src: np.ndarray, dst: np.ndarray, levels: list[np.ndarray]) -> np.ndarray:
    """Immediate dominators in a DAG: a node's is the lowest common ancestor, in the tree so far, of its
    predecessors (its dominators are those common to all of them), and those are all on lower levels, so a
    level's nodes are placed together. Binary lifting tables grow with the tree for the LCAs."""
    level = np.full(n, -1, np.int64)
    for k, nodes in enumerate(levels):
        level[nodes] = k
    reached = level[src] >= 0  # unreached predecessors do not count
    src, dst = src[reached], dst[reached]
    order = np.lexsort((dst, level[dst]))
    src, dst = src[order], dst[order]
    bounds = np.searchsorted(level[dst], np.arange(len(levels) + 1))
    # The tree is no deeper than the last level: jumps of 1, 2, 4, … up to that depth.
    up = np.zeros((max(1, (len(levels) - 1).bit_length()), n), np.int64)
    depth = np.zeros(n, np.int64)
    idom = np.full(n, -1, np.int64)
    idom[0] = 0
    for k in range(1, len(levels)):
        pred, node = src[bounds[k]:bounds[k + 1]], dst[bounds[k]:bounds[k + 1]]
        head = _starts(node)
        nodes, parent = node[head], _fold_lca(pred.copy(), head, up, depth)
        idom[nodes], depth[nodes], up[0, nodes] = parent, depth[parent] + 1, parent
        for j in range(1, len(up)):
            up[j, nodes] = up[j - 1, up[j - 1, nodes]]
    return idom


def _fold_lca(values: np.ndarray, head: np.ndarray, up: np.ndarray, depth: np.ndarray) -> np.ndarray:
    """The LCA of each run of ``values`` (runs start where ``head``), halving every run each round by
    merging its pairs, so a run of k costs log k rounds, not k."""
    while True:
        at = np.arange(len(values))
        odd = ((at - np.maximum.accumulate(np.where(head, at, 0))) & 1).astype(bool)
        if not odd.any():
            return values
        second = np.flatnonzero(odd)
        values[second - 1] = _lca_pairs(values[second - 1], values[second], up, depth)
        values, head = values[~odd], head[~odd]


def _lca_pairs(a: np.ndarray, b: np.ndarray, up: np.ndarray, depth: np.ndarray) -> np.ndarray:
    """Lowest common ancestors of the pairs (a[k], b[k]): lift the deeper to the other's depth, then both
    to just below where they meet."""
    deeper = depth[a] < depth[b]
    a, b = np.where(deeper, b, a), np.where(deeper, a, b)
    climb = depth[a] - depth[b]
    for j in range(int(climb.max()).bit_length()):
        a = np.where((climb >> j) & 1 == 1, up[j, a], a)
    for jump in up[::-1]:
        ja, jb = jump[a], jump[b]
        apart = ja != jb
        a, b = np.where(apart, ja, a), np.where(apart, jb, b)
    return np.where(a == b, a, up[0, a])


def _preorder(idom: np.ndarray, levels: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Preorder numbers and subtree sizes, as ``_dominator_tree_chk`` numbers them (children from the
    highest id down). A node's parent is on a lower level, so sizes add up level by level from the last,
    and numbers come down from the first: a child starts after its parent and its higher-id siblings."""
    size = np.zeros(len(idom), np.int64)
    size[idom >= 0] = 1
    for nodes in reversed(levels[1:]):
        np.add.at(size, idom[nodes], size[nodes])
    kids = np.flatnonzero(idom >= 0)[1:]  # all but the root, node 0
    kids = kids[np.lexsort((-kids, idom[kids]))]
    before = np.cumsum(size[kids]) - size[kids]  # sizes of the earlier kids, in any family
    first = _starts(idom[kids])
    offset = np.zeros(len(idom), np.int64)
    offset[kids] = before - before[np.maximum.accumulate(np.where(first, np.arange(len(kids)), 0))]
    pre = np.full(len(idom), -1, np.int64)
    pre[0] = 0
    for nodes in levels[1:]:
        pre[nodes] = pre[idom[nodes]] + 1 + offset[nodes]
    return pre, size


def _dominator_tree_chk(n: int, src: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``_dominator_tree`` by Cooper, Harvey and Kennedy's iterative algorithm, for any graph."""
    order = np.argsort(src, kind="stable")
    s_ptr = np.searchsorted(src[order], np.arange(n + 1)).tolist()
    succ = dst[order].tolist()
    order = np.argsort(dst, kind="stable")
    p_ptr = np.searchsorted(dst[order], np.arange(n + 1)).tolist()
    pred = src[order].tolist()
    # Postorder numbers by an iterative depth-first search.
    post = [-1] * n
    seen = [False] * n
    rpo: list[int] = []
    seen[0] = True
    stack = [(0, s_ptr[0])]
    while stack:
        v, k = stack[-1]
        if k < s_ptr[v + 1]:
            stack[-1] = (v, k + 1)
            w = succ[k]
            if not seen[w]:
                seen[w] = True
                stack.append((w, s_ptr[w]))
        else:
            stack.pop()
            post[v] = len(rpo)
            rpo.append(v)
    rpo.reverse()
    idom = [-1] * n
    idom[0] = 0

    def intersect(a: int, b: int) -> int:
        while a != b:
            while post[a] < post[b]:
                a = idom[a]
            while post[b] < post[a]:
                b = idom[b]
        return a

    several = []
    for v in rpo[1:]:  # a node with one predecessor: it is its DFS parent, already placed
        lo, hi = p_ptr[v], p_ptr[v + 1]
        if hi - lo == 1:
            idom[v] = pred[lo]
        else:
            several.append(v)
            new = -1
            for p in pred[lo:hi]:
                if idom[p] != -1:
                    new = p if new == -1 else intersect(p, new)
            idom[v] = new
    changed = bool(several)
    while changed:
        changed = False
        for v in several:
            new = -1
            for p in pred[p_ptr[v]:p_ptr[v + 1]]:
                if idom[p] != -1:
                    new = p if new == -1 else intersect(p, new)
            if idom[v] != new:
                idom[v] = new
                changed = True
    # Preorder of the tree (children in any order: only ranges are used).
    dom = np.array(idom, np.int64)
    kids = np.flatnonzero(dom >= 0)
    kids = kids[kids != 0]
    order = np.argsort(dom[kids], kind="stable")
    c_ptr = np.searchsorted(dom[kids][order], np.arange(n + 1)).tolist()
    child = kids[order].tolist()
    pre = [-1] * n
    size = [0] * n
    walk = [0]
    count = 0
    sequence = []
    while walk:
        v = walk.pop()
        pre[v] = count
        count += 1
        sequence.append(v)
        walk.extend(child[c_ptr[v]:c_ptr[v + 1]])
    for v in reversed(sequence):
        size[v] += 1
        if v:
            size[idom[v]] += size[v]
    dom[0] = 0
    return dom, np.array(pre, np.int64), np.array(size, np.int64)


def _lca(a: np.ndarray, b: np.ndarray, idom: np.ndarray, pre: np.ndarray, size: np.ndarray) -> np.ndarray:
    """Lowest common ancestors of the pairs (a[k], b[k]) in the tree ``idom``, by binary lifting."""
    def above(x: np.ndarray, y: np.ndarray) -> np.ndarray:  # x is y or an ancestor of y
        return (pre[x] <= pre[y]) & (pre[y] < pre[x] + size[x])

    up = [np.where(idom >= 0, idom, 0)]
    depth = int(size[0]).bit_length()
    while len(up) < depth and (up[-1] != 0).any():
        up.append(up[-1][up[-1]])
    x = a.copy()
    todo = ~above(x, b)
    for jump in reversed(up):
        step = jump[x]
        move = todo & ~above(step, b)
        x = np.where(move, step, x)
    return np.where(todo, up[0][x], x)
