"""The index over integer ids, as numpy arrays: what the vectorised figures work on.

Standards, regions, types, institutions and demand items are numbered in the index's order;
``std_rank`` numbers the standards in id order, so sorting by rank sorts by id (lists come out
as the per-item code sorts them). Counts, loads and capacities are int64, or Python ints in
object arrays when a sum could pass 2**62 ("wide"): every sum stays exact either way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from functools import cached_property
from itertools import chain, repeat
from typing import TYPE_CHECKING

import numpy as np

from tracegraph._gc import paused_gc

if TYPE_CHECKING:
    from tracegraph._index import Index, Item

WIDE = 2**62  # a sum that may reach this is kept in Python ints


def csr(lists: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray]:
    """(ptr, values) of a list of integer lists."""
    ptr = np.zeros(len(lists) + 1, np.int64)
    np.cumsum([len(x) for x in lists], out=ptr[1:])
    return ptr, np.fromiter(chain.from_iterable(lists), np.int64, int(ptr[-1]))


def expand(ptr: np.ndarray, values: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every value of the CSR rows ``rows``: (position in ``rows``, value) pairs, in row order."""
    starts = ptr[rows]
    counts = ptr[rows + 1] - starts
    owner = np.repeat(np.arange(len(rows)), counts)
    if not owner.size:
        return owner, values[:0]
    offsets = np.arange(owner.size) - np.repeat(np.cumsum(counts) - counts, counts)
    return owner, values[np.repeat(starts, counts) + offsets]


def unique(values: np.ndarray) -> np.ndarray:
    """The distinct integers of ``values``, sorted: ``np.unique`` by a sort. (numpy 2.3+ finds the distinct
    values of an integer array by hashing, then sorts them: 50× slower here on a million int64.)"""
    ordered = np.sort(values)
    return ordered[np.r_[True, ordered[1:] != ordered[:-1]]] if ordered.size else ordered


def unique_inverse(values: np.ndarray) -> np.ndarray:
    """``np.unique(values, return_inverse=True)[1]``: each value's rank among the distinct values."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    out = np.empty(len(values), np.int64)
    out[order] = np.cumsum(np.r_[False, ordered[1:] != ordered[:-1]]) if len(values) else 0
    return out


def _runs(keys: np.ndarray, want: np.ndarray, bound: int) -> tuple[np.ndarray, np.ndarray]:
    """Where each wanted key's run starts in the sorted ``keys`` (0 ≤ key < ``bound``), and its length: from
    a table of run starts over every key when that is small (a lookup each), else by binary search."""
    if bound <= 1 << 24:
        starts = np.zeros(bound + 1, np.int64)
        np.cumsum(np.bincount(keys, minlength=bound), out=starts[1:])
        lo = starts[want]
        return lo, starts[want + 1] - lo
    lo = np.searchsorted(keys, want, "left")
    return lo, np.searchsorted(keys, want, "right") - lo


def ordinal(day: dt.date | None, blank: int) -> int:
    return blank if day is None else day.toordinal()


def _ordinals(days: list[dt.date | None], blank: int) -> np.ndarray:
    """Day ordinals (``blank`` for None)."""
    return np.array([blank if d is None else d.toordinal() for d in days], np.int64)


def int_array(values: list[int], wide: bool) -> np.ndarray:
    return np.array(values, dtype=object) if wide else np.array(values, dtype=np.int64)


def group_sum(index: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Exact sums of ``values`` by ``index`` (0 ≤ index < n), in the values' own dtype."""
    out = np.zeros(n, dtype=values.dtype)
    if values.dtype == object:
        out[:] = 0  # Python ints, not numpy zeros
    np.add.at(out, index, values)
    return out


def _items(types: list[str], counts: list[int], ranks: Sequence[int]) -> tuple[np.ndarray, list[int], list[str],
                                                                             np.ndarray]:
    """The demand items of the demand rows, as the graph's NEEDS edges hold them: rows for one (county, type)
    are one item, in the place of its first row, with its last row's count; items by the rank of their county
    (stable); only counts > 0. Each row's county is known by its rank. Returns each item's first row, its
    count, the type codes and each item's type as a position in them."""
    m = len(types)
    codes = list(dict.fromkeys(types))
    code_of = {t: k for k, t in enumerate(codes)}
    code = np.fromiter(map(code_of.__getitem__, types), np.int64, m)
    rank = np.fromiter(ranks, np.int64, m)
    pair = rank * max(len(codes), 1) + code
    order = np.argsort(pair, kind="stable")  # each item's rows, first row first
    starts = np.flatnonzero(np.r_[True, pair[order][1:] != pair[order][:-1]]) if m else order
    first, last = order[starts], order[np.r_[starts[1:], m] - 1] if m else order
    keep = np.lexsort((first, rank[first]))
    first, last = first[keep], last[keep]
    count = list(map(counts.__getitem__, last.tolist()))
    if min(count, default=1) <= 0:
        positive = np.array([n > 0 for n in count], bool)
        first, last = first[positive], last[positive]
        count = [n for n in count if n > 0]
    return first, count, codes, code[first]


class Arrays:
    """Integer ids and numpy arrays of one :class:`~tracegraph._index.Index` (``Index.arrays``)."""

    @paused_gc()
    def __init__(self, ix: Index) -> None:
        self._coverings: dict[bytes, tuple[np.ndarray, np.ndarray]] = {}
        self.scale = ix.load_scale
        # --- standards -----------------------------------------------------------------------------
        columns = ix.standard_columns()
        self.std_ids = std_ids = columns["id"]
        self.std_index = {s: k for k, s in enumerate(std_ids)}
        n = self.n_std = len(std_ids)
        by_id = sorted(range(n), key=std_ids.__getitem__)
        self.std_rank = np.empty(n, np.int64)
        self.std_rank[by_id] = np.arange(n)
        self.std_by_rank = np.array(by_id, dtype=np.int64)
        self.primary = np.fromiter(map(bool, columns["primary"]), bool, n)
        self.in_service = np.fromiter(map("in_service".__eq__, columns["status"]), bool, n)
        self.established = _ordinals(columns["established"], 0)
        self.expiry = _ordinals(columns["certificate_expiry"], -1)
        caps = columns["capacity_per_year"]
        self.bounded = np.fromiter((c is not None for c in caps), bool, n)
        # --- institutions, regions, types ---------------------------------------------------------------
        self.inst_ids = list(ix.institutions)
        self.inst_index = {i: k for k, i in enumerate(self.inst_ids)}
        self.holder = np.fromiter(map(self.inst_index.get, columns["holder"], repeat(-1)), np.int64, n)
        self.region_ids = list(ix.regions)
        self.region_index = {r: k for k, r in enumerate(self.region_ids)}
        counties, types, counts, ranks = ix.demand_rows()
        first, counts, codes, item_code = _items(types, counts, ranks)
        type_index = {t: k for k, t in enumerate(ix.types)}
        named = set(chain.from_iterable(columns["verifies"])).union(codes[k] for k in unique(item_code).tolist())
        for code in sorted(named - type_index.keys()):
            type_index[code] = len(type_index)  # a type only a row names: matched by code alone
        self.type_index = type_index
        self.n_types = len(type_index)
        self.ver_ptr, self.ver_type = csr([list(map(type_index.__getitem__, types)) for types in columns["verifies"]])
        serving = ix.serving
        self.serve_ptr, self.serve_inst = csr([[self.inst_index[i] for i in serving.get(r, ())]
                                               for r in self.region_ids])
        # --- links -----------------------------------------------------------------------------------
        self.link_s, self.link_u, self.link_until, self.link_calibrated = self._links(*ix.link_columns())
        # --- demand items -----------------------------------------------------------------------------
        self._item_rows = (counties, types, first.tolist())
        m = self.n_items = len(counts)
        self.item_region = np.fromiter(map(self.region_index.get, map(counties.__getitem__, self._item_rows[2]),
                                           repeat(-1)), np.int64, m)
        self.item_type = np.array([type_index[c] for c in codes], np.int64)[item_code] if m else item_code
        periods = {type_index[t]: a["verification_period_months"] for t, a in ix.types.items()}
        bounded_caps = [c for c in caps if c is not None]
        top = max(12 * self.scale, 1)
        self.wide = sum(counts) * top >= WIDE or sum(bounded_caps) * self.scale >= WIDE
        self.count = int_array(counts, self.wide)
        factor = 12 * self.scale
        if self.wide:
            self.load = int_array([n * factor // periods[t] for n, t in zip(counts, self.item_type.tolist(),
                                                                           strict=True)], True)
            self.cap = int_array([0 if c is None else c * self.scale for c in caps], True)
        else:
            period = np.array([periods.get(t, 1) for t in range(self.n_types)], np.int64)
            self.load = self.count * factor // period[self.item_type] if m else np.zeros(0, np.int64)
            self.cap = np.array([0 if c is None else c * self.scale for c in caps], np.int64)

    def _links(self, standard: list[str], upstream: list[str], until: list[dt.date],
               calibrated: list[dt.date | None]) -> tuple[np.ndarray, ...]:
        """(link_s, link_u, link_until, link_calibrated) of each link between two standards: of repeated rows
        for one link the first reaching the latest ``valid_until`` holds (as in the graph); links in standard
        order, each standard's in the order of their first rows. (An upstream no row defines never counts.)"""
        index, n = self.std_index, len(standard)
        s = np.fromiter(map(index.get, standard, repeat(-1)), np.int64, n)
        u = np.fromiter(map(index.get, upstream, repeat(-1)), np.int64, n)
        rows = np.flatnonzero((s >= 0) & (u >= 0))
        s, u = s[rows], u[rows]
        day = np.fromiter(map(dt.date.toordinal, until), np.int64, n)[rows]
        pair = s * max(self.n_std, 1) + u
        order = np.lexsort((rows, -day, pair))  # each link's rows: the latest first, then the earliest row
        starts = np.flatnonzero(np.r_[True, pair[order][1:] != pair[order][:-1]]) if rows.size else rows
        latest, first = order[starts], np.minimum.reduceat(rows[order], starts) if rows.size else rows
        latest = latest[np.lexsort((first, s[latest]))]
        return s[latest], u[latest], day[latest], _ordinals([calibrated[k] for k in rows[latest].tolist()], 0)

    @cached_property
    def item_keys(self) -> list[Item]:
        """(county, instrument type) of each demand item, in item order."""
        counties, types, rows = self._item_rows
        return list(zip(map(counties.__getitem__, rows), map(types.__getitem__, rows), strict=True))

    @cached_property
    def link_keys(self) -> list[tuple[str, str]]:
        """(standard, upstream) ids of each link, in link order."""
        ids = self.std_ids
        return [(ids[a], ids[b]) for a, b in zip(self.link_s.tolist(), self.link_u.tolist(), strict=True)]

    # --- standards at a date --------------------------------------------------------------------------
    def valid_at(self, day: int) -> np.ndarray:
        """is_valid of every standard at the date ordinal ``day``."""
        return (self.established <= day) & self.in_service & (self.primary | (self.expiry >= day))

    def link_valid_at(self, day: int) -> np.ndarray:
        return (self.link_until >= day) & (self.link_calibrated <= day)

    def indices(self, ids: Iterable[str]) -> np.ndarray:
        """The integer ids of the given standard ids (ids not in the index left out)."""
        index = self.std_index
        return np.array([index[s] for s in ids if s in index], dtype=np.int64)

    def mask(self, ids: Iterable[str]) -> np.ndarray:
        out = np.zeros(self.n_std, bool)
        out[self.indices(ids)] = True
        return out

    def names(self, stds: np.ndarray) -> list[str]:
        """The ids of the given standards, sorted."""
        std_ids = self.std_ids
        return [std_ids[k] for k in self.std_by_rank[np.sort(self.std_rank[stds])].tolist()]

    def ids(self, mask: np.ndarray) -> set[str]:
        std_ids = self.std_ids
        return {std_ids[k] for k in np.flatnonzero(mask).tolist()}

    # --- the least fixpoint ---------------------------------------------------------------------------
    def traceable(self, as_of: dt.date, failed: Iterable[str] = (), renewed: Iterable[str] = ()) -> np.ndarray:
        """chains.traceable_in over the arrays: valid primaries, then down valid links, level by level."""
        day = as_of.toordinal()
        valid = self.valid_at(day)
        fresh = self.mask(renewed)
        if fresh.any():
            valid |= fresh & self.in_service & (self.established <= day)
        valid[self.indices(failed)] = False
        usable = (self.link_valid_at(day) | fresh[self.link_s]) & valid[self.link_s]
        s_of, u_of = self.link_s[usable], self.link_u[usable]
        order = np.argsort(u_of, kind="stable")
        s_of = s_of[order]
        ptr = np.searchsorted(u_of[order], np.arange(self.n_std + 1))
        reached = valid & self.primary
        frontier = np.flatnonzero(reached)
        while frontier.size:
            _, down = expand(ptr, s_of, frontier)
            down = unique(down[~reached[down]])
            reached[down] = True
            frontier = down
        return reached

    # --- covering ------------------------------------------------------------------------------------
    def covering(self, traceable: np.ndarray, items: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Every demand item (or only ``items``: the others get none) → its covering standards among
        ``traceable``, as CSR (ptr over all items, standards sorted by id): standards that verify the item's
        type held by an institution serving its county. The last few answers over all items are kept:
        the passes of one date (coverage, gaps, impacts) share them."""
        if items is not None:
            return self._covering(traceable, items)
        key = np.packbits(traceable).tobytes()
        found = self._coverings.pop(key, None)
        if found is None:
            found = self._covering(traceable, np.flatnonzero(self.item_region >= 0))
        self._coverings[key] = found  # most recent last
        while len(self._coverings) > 4:
            del self._coverings[next(iter(self._coverings))]
        return found

    def _covering(self, traceable: np.ndarray, items: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        T, n = self.n_types, max(self.n_std, 1)
        found = np.flatnonzero(traceable)
        s_rep, types = expand(self.ver_ptr, self.ver_type, found)
        s_rep = found[s_rep]
        holder = self.holder[s_rep]
        keep = holder >= 0
        # Each (institution, type)'s standards, by id: one sort of pair·n + rank.
        slot = np.sort((holder[keep] * T + types[keep]) * n + self.std_rank[s_rep[keep]])
        pair, by_pair = slot // n, self.std_by_rank[slot % n]
        items = items[self.item_region[items] >= 0]
        owner, inst = expand(self.serve_ptr, self.serve_inst, self.item_region[items])
        item_of = items[owner]
        lo, counts = _runs(pair, inst * T + self.item_type[item_of], len(self.inst_ids) * T)
        item_of = np.repeat(item_of, counts)
        offsets = np.arange(item_of.size) - np.repeat(np.cumsum(counts) - counts, counts)
        std = by_pair[np.repeat(lo, counts) + offsets]
        # Each item's standards by id: they come as a few runs sorted already (one per serving institution),
        # which the stable sort (a merge sort) merges.
        key = np.sort(item_of * n + self.std_rank[std], kind="stable")
        item_of = key // n
        std = self.std_by_rank[key % n]
        ptr = np.zeros(self.n_items + 1, np.int64)
        np.cumsum(np.bincount(item_of, minlength=self.n_items), out=ptr[1:])
        return ptr, std

    @paused_gc()
    def covering_dict(self, ptr: np.ndarray, std: np.ndarray) -> dict[Item, list[str]]:
        std_ids, keys = self.std_ids, self.item_keys
        names = [std_ids[k] for k in std.tolist()]
        bounds = ptr.tolist()
        return {keys[i]: names[bounds[i]:bounds[i + 1]] for i in np.flatnonzero(np.diff(ptr)).tolist()}

    def covering_csr(self, covering: Mapping[Item, Sequence[str]]) -> tuple[np.ndarray, np.ndarray]:
        """CSR of a covering map given as a dict (standards kept as given)."""
        index = self.std_index
        lists = [[index[s] for s in covering.get(item) or ()] for item in self.item_keys]
        return csr(lists)
