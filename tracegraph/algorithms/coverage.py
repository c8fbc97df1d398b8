"""Coverage of demand: the 95%/98% figures of every region, for every filter.

The figures are array operations over integer ids (:mod:`._arrays`): per-county sums of each
filter by one scatter-add over the items, region sums over each region's counties, and the
capacity max-flow over "pieces" — the items of one region and filter that share standards —
each distinct piece solved once (regions nest and filters repeat pieces), the trivial ones in
closed form and the rest in batched Dinic runs (:func:`._flow.piece_flows`). Every count, sum and
flow is an exact integer; each rate is one correctly rounded division of two Python ints.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
from pydantic import BaseModel

from tracegraph._construct import construct_many
from tracegraph._gc import paused_gc
from tracegraph._index import Index, Item, compile_graph
from tracegraph.algorithms._arrays import Arrays, expand, group_sum, unique, unique_inverse
from tracegraph.algorithms._flow import piece_flows
from tracegraph.algorithms.chains import traceable_in
from tracegraph.models import FILTERS

if TYPE_CHECKING:
    import networkx as nx

Progress = Callable[[int, int], None]


class Figures(BaseModel):
    """The figures of one region and filter, keys exactly as the JSON contract."""

    items: int
    covered_items: int
    coverage: float | None
    instruments: int
    covered_instruments: int
    weighted_coverage: float | None
    annual_load: float
    capacity_rate: float | None


class RegionFigures(BaseModel):
    name: str
    level: str
    figures: dict[str, Figures]


class CoverageReport(BaseModel):
    as_of: dt.date
    regions: dict[str, RegionFigures]

    def to_contract(self) -> dict:
        """The object ``tracegraph coverage --format json`` prints (spec/figures.md)."""
        return self.model_dump(mode="json")


def type_filters(attrs: dict) -> list[str]:
    """The filters an instrument type belongs to."""
    out = ["all", f"domain:{attrs['domain']}"]
    if attrs["household_meter"]:
        out.append("household_meter")
    if attrs["mandatory"]:
        out.append("mandatory")
    return out


class Covering(dict):
    """A covering map (item → its covering traceable standards, sorted) that keeps the arrays it
    was read from (``csr``), so the vectorised passes need not convert it back. Read-only by contract."""

    csr: tuple[Arrays, np.ndarray, np.ndarray]


def covering_in(ix: Index, traceable: set[str]) -> dict[Item, list[str]]:
    """Every demand item → the traceable standards that verify its type and serve its county."""
    A = ix.arrays
    ptr, std = A.covering(A.mask(traceable))
    out = Covering(A.covering_dict(ptr, std))
    out.csr = (A, ptr, std)
    return out


def covering_standards(G: nx.MultiDiGraph, as_of: dt.date) -> dict[Item, list[str]]:
    """Public form of :func:`covering_in`: (county, type) → covering traceable standard ids."""
    ix = compile_graph(G)
    return covering_in(ix, traceable_in(ix, as_of))


def covering_arrays(ix: Index, as_of: dt.date, traceable: set[str] | None = None,
                    covering: Mapping[Item, Sequence[str]] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The covering map as CSR over the item ids: from ``covering`` when given (no copy when it is a
    :class:`Covering` of this index), else computed from ``traceable`` (else from ``as_of``)."""
    A = ix.arrays
    if covering is not None:
        kept = getattr(covering, "csr", None)
        if kept is not None and kept[0] is A:
            return kept[1], kept[2]
        return A.covering_csr(covering)
    reached = A.traceable(as_of) if traceable is None else A.mask(traceable)
    return A.covering(reached)


@paused_gc()
def _figures_of(ix: Index, groups: Sequence[Sequence[str]], filters: Sequence[str], ptr: np.ndarray,
                std: np.ndarray) -> list[dict[str, Figures]]:
    """The figures of each group of counties (a region's, or the whole dataset's) and filter."""
    A = ix.arrays
    flts = list(dict.fromkeys(filters))
    F, G, R = len(flts), len(groups), len(A.region_ids)
    # type → the requested filters it belongs to (CSR)
    in_filter = [[] for _ in range(A.n_types)]
    for code, attrs in ix.types.items():
        mine = type_filters(attrs)
        in_filter[A.type_index[code]] = [k for k, f in enumerate(flts) if f in mine]
    f_ptr = np.zeros(A.n_types + 1, np.int64)
    np.cumsum([len(x) for x in in_filter], out=f_ptr[1:])
    f_of = np.array([k for x in in_filter for k in x], np.int64)
    # county → the groups it belongs to (CSR over the regions)
    of_region: list[list[int]] = [[] for _ in range(R)]
    for g, counties in enumerate(groups):
        for c in counties:
            of_region[A.region_index[c]].append(g)
    g_ptr = np.zeros(R + 1, np.int64)
    np.cumsum([len(x) for x in of_region], out=g_ptr[1:])
    g_of = np.array([g for x in of_region for g in x], np.int64)
    pair_region = np.repeat(np.arange(R), np.diff(g_ptr))

    # --- what each item adds: items, covered, instruments, covered instruments, load, unbounded load
    covered = np.diff(ptr) > 0
    pair_item = np.repeat(np.arange(A.n_items), np.diff(ptr))
    free = np.zeros(A.n_items, bool)  # covered by an unbounded standard
    free[pair_item[~A.bounded[std]]] = True
    bounded = covered & ~free
    zero = A.count * 0
    quantities = [np.ones(A.n_items, np.int64), covered.astype(np.int64), A.count, np.where(covered, A.count, zero),
                  A.load, np.where(free, A.load, zero)]
    if A.wide:
        quantities = [q.astype(object) for q in quantities]

    # --- per county and filter, then per group and filter
    counted = np.flatnonzero(A.item_region >= 0)
    owner, f = expand(f_ptr, f_of, A.item_type[counted])
    elems = counted[owner]
    slot = A.item_region[elems] * F + f
    sums = []
    for q in quantities:
        by_county = group_sum(slot, q[elems], R * F).reshape(R, F)
        by_group = np.zeros((G, F), dtype=q.dtype)
        if q.dtype == object:
            by_group[:] = 0
        np.add.at(by_group, g_of, by_county[pair_region])
        sums.append(by_group)
    flow = _bounded_flows(A, bounded, ptr, std, g_ptr, g_of, f_ptr, f_of, G, F)
    sums.append(sums[5] + flow)
    items, cov, inst, cov_inst, load, _, flows = (x.tolist() for x in sums)
    scale = A.scale
    values = [{"items": n, "covered_items": c, "coverage": _rate(c, n), "instruments": i, "covered_instruments": ci,
               "weighted_coverage": _rate(ci, i), "annual_load": ld / scale, "capacity_rate": _rate(fl, ld)}
              for g in range(G)
              for n, c, i, ci, ld, fl in zip(items[g], cov[g], inst[g], cov_inst[g], load[g], flows[g], strict=True)]
    # Each value is of its field's type already (ints; floats, or None where a rate has no denominator).
    made = construct_many(Figures, values)
    return [dict(zip(flts, made[g * F:(g + 1) * F], strict=True)) for g in range(G)]


def _bounded_flows(A: Arrays, bounded: np.ndarray, ptr: np.ndarray, std: np.ndarray, g_ptr: np.ndarray,
                   g_of: np.ndarray, f_ptr: np.ndarray, f_of: np.ndarray, G: int, F: int) -> np.ndarray:
    """Σ of the max-flows of the items covered only by bounded standards, per group and filter.

    The items of one group and filter split by their component in the whole dataset (items linked
    through shared standards) into pieces; a piece's flow depends on its item set alone, so pieces
    with equal item sets (a component inside one county appears in the county, its city and its
    province, and under every filter its types are in) are solved once.
    """
    out = np.zeros((G, F), dtype=A.load.dtype)
    if A.wide:
        out[:] = 0
    b_items = np.flatnonzero(bounded & (A.item_region >= 0))
    if not b_items.size:
        return out
    b_ptr = np.zeros(len(b_items) + 1, np.int64)
    np.cumsum(ptr[b_items + 1] - ptr[b_items], out=b_ptr[1:])
    _, b_std = expand(ptr, std, b_items)
    comp = _components(b_ptr, b_std, A.n_std)
    n_comp = int(comp.max()) + 1
    # Elements (item, group, filter): item-major, so each piece lists its items in id order.
    owner, grp = expand(g_ptr, g_of, A.item_region[b_items])
    owner2, flt = expand(f_ptr, f_of, A.item_type[b_items[owner]])
    e_item, e_grp = owner[owner2], grp[owner2]  # e_item: position in b_items
    key = (e_grp * F + flt) * n_comp + comp[e_item]
    if not key.size:
        return out  # no bounded item in any group's counties
    order = np.argsort(key, kind="stable")
    key, e_item = key[order], e_item[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    piece_key = key[starts]
    sizes = np.diff(np.r_[starts, len(key)])
    # Equal item sets: same component, size and hash; then checked element by element.
    rng = np.random.default_rng(12)
    h = rng.integers(0, 2**63, size=len(b_items), dtype=np.int64).astype(np.uint64)
    signature = np.add.reduceat(h[e_item], starts)
    piece_comp = piece_key % n_comp
    by_sig = np.lexsort((signature, sizes, piece_comp))
    s_comp, s_size, s_sig = piece_comp[by_sig], sizes[by_sig], signature[by_sig]
    first = np.r_[True, (s_comp[1:] != s_comp[:-1]) | (s_size[1:] != s_size[:-1]) | (s_sig[1:] != s_sig[:-1])]
    rep = np.empty(len(starts), np.int64)
    rep[by_sig] = by_sig[np.maximum.accumulate(np.where(first, np.arange(len(by_sig)), 0))]
    others = np.flatnonzero(rep != np.arange(len(starts)))
    if others.size:
        at, offset = _positions(sizes[others])
        mine = e_item[starts[others][at] + offset]
        theirs = e_item[starts[rep[others]][at] + offset]
        differ = unique(others[at[mine != theirs]])
        rep[differ] = differ  # a hash collision: solved on its own
    distinct = np.flatnonzero(rep == np.arange(len(starts)))
    d_ptr = np.zeros(len(distinct) + 1, np.int64)
    np.cumsum(sizes[distinct], out=d_ptr[1:])
    at, offset = _positions(sizes[distinct])
    d_items = b_items[e_item[starts[distinct][at] + offset]]
    slot_of = np.full(len(starts), -1, np.int64)
    slot_of[distinct] = np.arange(len(distinct))
    flows_of = piece_flows(d_ptr, d_items, A.load, ptr, std, A.cap)[slot_of[rep]]
    np.add.at(out.reshape(-1), piece_key // n_comp, flows_of)
    return out


def _positions(sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For runs of the given sizes: (run, offset in run) of every element."""
    at = np.repeat(np.arange(len(sizes)), sizes)
    return at, np.arange(len(at)) - np.repeat(np.cumsum(sizes) - sizes, sizes)


def _components(ptr: np.ndarray, std: np.ndarray, n_std: int) -> np.ndarray:
    """Component of each item (items linked through shared standards), numbered 0..k-1: min-label
    hooking over the standards with pointer jumping, until every item's standards share a label."""
    owner = np.repeat(np.arange(len(ptr) - 1), np.diff(ptr))
    label = np.arange(n_std)
    while True:
        least = np.minimum.reduceat(label[std], ptr[:-1])
        new = label.copy()
        np.minimum.at(new, std, least[owner])
        while True:
            jumped = new[new]
            if np.array_equal(jumped, new):
                break
            new = jumped
        if np.array_equal(new, label):
            break
        label = new
    return unique_inverse(label[std[ptr[:-1]]])


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def coverage_in(ix: Index, as_of: dt.date, *, regions: Sequence[str] | None = None,
                filters: Sequence[str] = FILTERS, traceable: set[str] | None = None,
                covering: dict[Item, list[str]] | None = None, progress: Progress | None = None) -> CoverageReport:
    """``traceable`` and ``covering`` may be passed in when the caller has them (gaps need the same)."""
    ptr, std = covering_arrays(ix, as_of, traceable, covering)
    codes = list(dict.fromkeys(ix.regions if regions is None else regions))
    under = ix.counties_under
    figures = _figures_of(ix, [under[code] for code in codes], filters, ptr, std)
    out: dict[str, RegionFigures] = {}
    for k, code in enumerate(codes):
        attrs = ix.regions[code]
        out[code] = RegionFigures.model_construct(name=attrs["name"], level=attrs["level"], figures=figures[k])
        if progress:
            progress(k + 1, len(codes))
    return CoverageReport(as_of=as_of, regions=out)


def coverage(G: nx.MultiDiGraph, as_of: dt.date | None = None, *, region: str | None = None,
             filters: Sequence[str] = FILTERS, progress: Progress | None = None) -> CoverageReport:
    """Figures of every region (or of ``region`` and its subtree) at ``as_of`` (default today)."""
    ix = compile_graph(G)
    regions = None if region is None else ix.subtree(_known_region(ix, region))
    return coverage_in(ix, as_of or dt.date.today(), regions=regions, filters=filters, progress=progress)


def dataset_figures_in(ix: Index, as_of: dt.date, flt: str = "all", *, traceable: set[str] | None = None) -> Figures:
    """The whole dataset's figures (every county, across all top-level regions)."""
    ptr, std = covering_arrays(ix, as_of, traceable)
    counties = [c for c, a in ix.regions.items() if a["level"] == "county"]
    return _figures_of(ix, [counties], [flt], ptr, std)[0][flt]


def dataset_figures(G: nx.MultiDiGraph, as_of: dt.date | None = None, flt: str = "all") -> Figures:
    return dataset_figures_in(compile_graph(G), as_of or dt.date.today(), flt)


def _known_region(ix: Index, code: str) -> str:
    if code not in ix.regions:
        raise KeyError(f"unknown region code: {code}")
    return code
