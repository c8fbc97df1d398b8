"""Exact maximum flow for ``capacity_rate`` (source → item → standard → sink).

Loads and capacities arrive as integers (scaled so that n·12/p is whole), so the flow is
exact and identical whichever backend asked. The network splits into components that
share no standard; most are a single item or a single standard and have a closed form,
the rest go to scipy's Dinic (int32) or, for numbers past int32, networkx.

:func:`piece_flows` is the vectorised form the coverage figures use: the flows of many pieces at
once, the trivial ones in closed form and the rest in one Dinic run per batch (pieces share no node,
so one run over their union is every piece's maximum flow at once). scipy and networkx are imported
only when a piece needs them.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

import numpy as np

from tracegraph.algorithms._arrays import expand, group_sum, unique

_INT32_MAX = 2**31 - 1


class FlowCache:
    """Component flows keyed by their item set: filters and nested regions repeat components.

    ``group_of`` optionally maps every item to its component in a wider set of items: items grouped
    by it need no union-find per call (a group may fall apart into several pieces within one call's
    items, but a flow over disconnected pieces is still their sum).
    """

    def __init__(self, group_of: Mapping[object, int] | None = None) -> None:
        self.flows: dict[frozenset, int] = {}
        self.group_of = group_of

    def groups(self, items: list[object], covering: Mapping[object, Sequence[str]]) -> list[list[object]]:
        if self.group_of is None:
            return components(items, covering)
        groups: dict[int, list[object]] = {}
        for item in items:
            groups.setdefault(self.group_of[item], []).append(item)
        return list(groups.values())


def item_flow(
    loads: Mapping[object, int],
    covering: Mapping[object, Sequence[str]],
    caps: Mapping[str, int | None],
    cache: FlowCache | None = None,
) -> int:
    """Max flow when item i may send up to loads[i] to any standard in covering[i],
    and standard s absorbs at most caps[s] (None: unbounded)."""
    total = 0
    bounded: list[object] = []
    for item, load in loads.items():
        standards = covering.get(item) or ()
        if not standards or load == 0:
            continue
        if any(caps[s] is None for s in standards):
            total += load  # an unbounded standard absorbs the whole load
        else:
            bounded.append(item)
    return total + bounded_flow(bounded, loads, covering, caps, cache)


def bounded_flow(items: list[object], loads: Mapping[object, int], covering: Mapping[object, Sequence[str]],
                 caps: Mapping[str, int | None], cache: FlowCache | None = None) -> int:
    """Max flow of covered items whose standards all have a bounded capacity (``loads`` may hold more
    items than ``items``: only these are read)."""
    total = 0
    for part in cache.groups(items, covering) if cache is not None else components(items, covering):
        key = frozenset(part)
        if cache is not None and key in cache.flows:
            total += cache.flows[key]
            continue
        flow = _component_flow(part, loads, covering, caps)
        if cache is not None:
            cache.flows[key] = flow
        total += flow
    return total


def components(items: list[object], covering: Mapping[object, Sequence[str]]) -> list[list[object]]:
    """Group items that share standards (union-find over the standards)."""
    parent: dict[str, str] = {}

    def find(s: str) -> str:
        while parent.setdefault(s, s) != s:
            parent[s] = parent[parent[s]]
            s = parent[s]
        return s

    for item in items:
        first, *rest = covering[item]
        for s in rest:
            parent[find(s)] = find(first)
    groups: dict[str, list[object]] = {}
    for item in items:
        groups.setdefault(find(covering[item][0]), []).append(item)
    return list(groups.values())


def _component_flow(items: list[object], loads: Mapping[object, int], covering: Mapping[object, Sequence[str]],
                    caps: Mapping[str, int | None]) -> int:
    standards = list(dict.fromkeys(s for i in items for s in covering[i]))
    supply = sum(loads[i] for i in items)
    capacity = sum(caps[s] for s in standards)  # type: ignore[misc] - bounded by construction
    if len(items) == 1 or len(standards) == 1 or supply <= min(caps[s] for s in standards):  # type: ignore[type-var]
        # One side is a single node, or every standard alone could take all: no bottleneck inside.
        return min(supply, capacity)
    nested = _nested_flow(items, loads, covering, caps)
    if nested is not None:
        return nested
    if supply <= _INT32_MAX and capacity <= _INT32_MAX:
        return _scipy_flow(items, standards, loads, covering, caps)
    return _networkx_flow(items, standards, loads, covering, caps)


def _scipy_flow(items: list[object], standards: list[str], loads: Mapping[object, int],
                covering: Mapping[object, Sequence[str]], caps: Mapping[str, int | None]) -> int:
    """Dinic on source → items → standards → sink. The CSR arrays are built directly (rows in node
    order, columns sorted): on thousands of small components, scipy's COO → CSR conversion was most
    of the time."""
    from scipy.sparse import csr_array
    from scipy.sparse.csgraph import maximum_flow

    n_items = len(items)
    s_index = {s: n_items + 1 + k for k, s in enumerate(standards)}
    sink = n_items + len(standards) + 1
    big = min(_INT32_MAX, sum(loads[i] for i in items))  # "unbounded" item → standard arcs
    indptr, indices, data = [0], list(range(1, n_items + 1)), [loads[i] for i in items]
    indptr.append(len(indices))
    for item in items:
        targets = sorted(s_index[s] for s in covering[item])
        indices.extend(targets)
        data.extend([big] * len(targets))
        indptr.append(len(indices))
    for s in standards:
        indices.append(sink)
        data.append(caps[s])  # type: ignore[arg-type] - bounded by construction
        indptr.append(len(indices))
    indptr.append(len(indices))  # the sink has no arcs out
    graph = csr_array((np.asarray(data, dtype=np.int32), np.asarray(indices, dtype=np.int32),
                       np.asarray(indptr, dtype=np.int32)), shape=(sink + 1, sink + 1))
    return int(maximum_flow(graph, 0, sink, method="dinic").flow_value)


def _networkx_flow(items: list[object], standards: list[str], loads: Mapping[object, int],
                   covering: Mapping[object, Sequence[str]], caps: Mapping[str, int | None]) -> int:
    import networkx as nx

    G = nx.DiGraph()
    for item in items:
        G.add_edge("source", ("i", item), capacity=loads[item])
        for s in covering[item]:
            G.add_edge(("i", item), ("s", s))  # no capacity attribute: unbounded
    for s in standards:
        G.add_edge(("s", s), "sink", capacity=caps[s])
    return int(nx.maximum_flow_value(G, "source", "sink"))


def _nested_flow(items: list[object], loads: Mapping[object, int], covering: Mapping[object, Sequence[str]],
                 caps: Mapping[str, int | None]) -> int | None:
    """Exact flow when the standards' item sets are nested (laminar), else None.

    Reach is hierarchical (county ⊂ city ⊂ province), so a standard's items are usually a
    subset of any wider standard's items that shares one. Then the network is a tree — item →
    its narrowest set → each wider set → … — and filling the narrowest sets first, passing the
    overflow up, is a maximum flow. ``serves`` lists that cut across the hierarchy break the
    nesting; those components go to the general solver.
    """
    members: dict[str, set[object]] = {}
    for item in items:
        for s in covering[item]:
            members.setdefault(s, set()).add(item)
    pool_cap: dict[frozenset, int] = {}
    for s, its in members.items():
        key = frozenset(its)
        pool_cap[key] = pool_cap.get(key, 0) + caps[s]  # type: ignore[operator] - bounded by construction
    parent: dict[frozenset, frozenset | None] = {}
    narrowest: dict[object, frozenset] = {}
    for item in items:
        chain = sorted({frozenset(members[s]) for s in covering[item]}, key=len)
        for small, big in itertools.pairwise(chain):
            if not small < big or parent.get(small, big) != big:
                return None  # two sets overlap without nesting, or a set has two parents
            parent[small] = big
        parent.setdefault(chain[-1], None)
        narrowest[item] = chain[0]
    excess = dict.fromkeys(pool_cap, 0)
    for item in items:
        excess[narrowest[item]] += loads[item]
    flow = 0
    for pool in sorted(pool_cap, key=len):
        absorbed = min(pool_cap[pool], excess[pool])
        flow += absorbed
        up = parent[pool]
        if up is not None:
            excess[up] += excess[pool] - absorbed
    return flow


def piece_flows(ptr: np.ndarray, items: np.ndarray, loads: np.ndarray, cov_ptr: np.ndarray, cov_std: np.ndarray,
                caps: np.ndarray) -> np.ndarray:
    """The maximum flow of every piece: piece p holds the items ``items[ptr[p]:ptr[p+1]]`` (each
    covered only by bounded standards ``cov_std[cov_ptr[i]:cov_ptr[i+1]]``, loads ``loads[i]``,
    capacities ``caps[s]``). Exact: int64, or Python ints when the arrays are object arrays."""
    n_p, n_std = len(ptr) - 1, max(len(caps), 1)
    sizes = np.diff(ptr)
    owner = np.repeat(np.arange(n_p), sizes)
    supply = group_sum(owner, loads[items], n_p)
    e_of, std = expand(cov_ptr, cov_std, items)
    pairs = unique(owner[e_of] * n_std + std)  # the (piece, standard) pairs, by piece
    pair_piece, pair_std = pairs // n_std, pairs % n_std
    capacity = group_sum(pair_piece, caps[pair_std], n_p)
    least = capacity.copy()  # each piece's smallest capacity (a start value no larger is at most the sum)
    np.minimum.at(least, pair_piece, caps[pair_std])
    # One side a single node, or every standard alone could take all: no bottleneck inside.
    flow = np.minimum(supply, capacity)
    hard = np.flatnonzero((sizes > 1) & (np.bincount(pair_piece, minlength=n_p) > 1) & (supply > least))
    small = (supply[hard] <= _INT32_MAX) & (capacity[hard] <= _INT32_MAX)
    if small.any():
        flow[hard[small]] = _batched_dinic(hard[small], ptr, items, loads, cov_ptr, cov_std, caps, supply, n_std)
    for p in hard[~small].tolist():
        its = items[ptr[p]:ptr[p + 1]].tolist()
        covering = {i: cov_std[cov_ptr[i]:cov_ptr[i + 1]].tolist() for i in its}
        flow[p] = _component_flow(its, {i: int(loads[i]) for i in its}, covering,
                                  {s: int(caps[s]) for ss in covering.values() for s in ss})
    return flow


def _batched_dinic(pieces: np.ndarray, ptr: np.ndarray, items: np.ndarray, loads: np.ndarray, cov_ptr: np.ndarray,
                   cov_std: np.ndarray, caps: np.ndarray, supply: np.ndarray, n_std: int) -> np.ndarray:
    """Flows of pieces whose supply and capacity fit int32, in batches whose total supply fits int32
    too (so no sum inside scipy can overflow)."""
    out = np.zeros(len(pieces), np.int64)
    batch, total = [], 0
    for k, p in enumerate(pieces.tolist()):
        s = int(supply[p])
        if batch and total + s > _INT32_MAX:
            out[batch] = _dinic(pieces[batch], ptr, items, loads, cov_ptr, cov_std, caps, supply, n_std)
            batch, total = [], 0
        batch.append(k)
        total += s
    if batch:
        out[batch] = _dinic(pieces[batch], ptr, items, loads, cov_ptr, cov_std, caps, supply, n_std)
    return out


def _dinic(pieces: np.ndarray, ptr: np.ndarray, items: np.ndarray, loads: np.ndarray, cov_ptr: np.ndarray,
           cov_std: np.ndarray, caps: np.ndarray, supply: np.ndarray, n_std: int) -> np.ndarray:
    """One Dinic run over the union of ``pieces``: source → item → (piece, standard) → sink."""
    from scipy.sparse import csr_array
    from scipy.sparse.csgraph import maximum_flow

    piece_of, elems = expand(ptr, items, pieces)  # element k: item elems[k] of pieces[piece_of[k]]
    n_e = len(elems)
    # The (piece, standard) nodes of these pieces, found in the sorted pair keys.
    keys = pieces[piece_of] * n_std  # per element
    e_of, std = expand(cov_ptr, cov_std, elems)
    want = keys[e_of] + std
    mine = unique(want)
    n_s = len(mine)
    sink = n_e + n_s + 1
    arc_big = np.minimum(supply[pieces].astype(np.int64), _INT32_MAX)[piece_of[e_of]]
    rows = np.concatenate([np.zeros(n_e, np.int64), 1 + e_of, 1 + n_e + np.arange(n_s)])
    cols = np.concatenate([1 + np.arange(n_e), 1 + n_e + np.searchsorted(mine, want), np.full(n_s, sink)])
    data = np.concatenate([loads[elems].astype(np.int64), arc_big, caps[mine % n_std].astype(np.int64)])
    graph = csr_array((data.astype(np.int32), (rows.astype(np.int32), cols.astype(np.int32))),
                      shape=(sink + 1, sink + 1))
    flows = maximum_flow(graph, 0, sink, method="dinic").flow
    flows = csr_array(flows)
    start, end = flows.indptr[0], flows.indptr[1]
    to_item = flows.indices[start:end] - 1
    sent = flows.data[start:end].astype(np.int64)
    keep = (to_item >= 0) & (to_item < n_e)
    return np.bincount(piece_of[to_item[keep]], weights=sent[keep], minlength=len(pieces)).astype(np.int64)
