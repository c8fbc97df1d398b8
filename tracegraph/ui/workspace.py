"""What the pages share: one dataset at one as-of date, compiled once, figures computed on demand.

Streamlit reruns the whole script on every click, and every session runs it in a thread of its own, so a
Workspace is cached per (dataset, as-of) across sessions and computes each figure once: the first session
to ask computes it, any other asking meanwhile waits for that answer instead of computing it again
(:class:`_once`, one lock per workspace and figure; functools.cached_property would hold one lock per
figure for *every* workspace, so two datasets' figures would wait for each other). The pages keep what
they draw from the figures (table rows, charts, the chain's HTML) here too, through :meth:`Workspace.shared`,
keyed on what it depends on (the language, a filter, the expiring days). The index is compiled straight from
the dataset; the networkx graph (``G``) is built only if something asks for it. Nothing here imports
Streamlit: the pages do.
"""

from __future__ import annotations

import datetime as dt
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from tracegraph._index import Index, Item, compile_dataset
from tracegraph._resources import ROOT  # the checkout, or the wheel's copy of cypher/ and data/standards/
from tracegraph.algorithms.chains import Chain, chain_in, traceable_in
from tracegraph.algorithms.coverage import CoverageReport, coverage_in, covering_in
from tracegraph.algorithms.gaps import GapReport, gaps_in
from tracegraph.algorithms.impact import FailureImpacts, failure_impacts_in
from tracegraph.algorithms.targets import TargetResult, evaluate_in
from tracegraph.models import Dataset

if TYPE_CHECKING:
    import networkx as nx

SAMPLES = {"zaozhuang": ROOT / "data" / "standards" / "zaozhuang", "shandong": ROOT / "data" / "standards" / "shandong"}
PLANNING_TARGETS = {"zaozhuang": ROOT / "data" / "standards" / "targets" / "planning-2030-zaozhuang.csv",
                    "shandong": ROOT / "data" / "standards" / "targets" / "planning-2030-shandong.csv"}
TEMPLATES = ROOT / "data" / "standards" / "template"
KEEP = 64  # artefacts kept per kind (a chain's HTML is ~0.6 MB: a few dozen standards' worth, not every one)

T = TypeVar("T")


class _once(Generic[T]):  # lower case: used like cached_property
    """A figure computed on first use, once per workspace even when several sessions ask at the same time.

    Once computed it sits in the instance's ``__dict__`` under its own name, where attribute lookup finds it
    before this (non-data) descriptor: reading a computed figure takes no lock at all."""

    def __init__(self, compute: Callable[[Any], T]) -> None:
        self.compute = compute
        self.__doc__ = compute.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, ws: Workspace | None, owner: type | None = None) -> T:
        if ws is None:
            return self  # type: ignore[return-value]
        return ws._compute_once(self.name, lambda: self.compute(ws))


@dataclass
class Workspace:
    key: str  # where the dataset came from: a sample name, "upload:<names>:<hash>" or "neo4j:<uri> v<version>"
    dataset: Dataset
    as_of: dt.date
    ix: Index = field(init=False)
    # What the pages drew from it, and the locks that make each figure or artefact once: not part of its value.
    _artefacts: dict[str, OrderedDict[Hashable, Any]] = field(default_factory=dict, init=False, repr=False,
                                                             compare=False)
    _guard: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False, compare=False)
    _locks: weakref.WeakValueDictionary = field(default_factory=weakref.WeakValueDictionary, init=False,
                                                repr=False, compare=False)

    def __post_init__(self) -> None:
        self.ix = compile_dataset(self.dataset)

    # --- computing once, whoever asks ----------------------------------------------------------------------
    def _lock(self, what: Hashable) -> threading.Lock:
        """The lock of one figure or artefact (alive while someone holds or waits for it)."""
        with self._guard:
            lock = self._locks.get(what)
            if lock is None:
                lock = self._locks[what] = threading.Lock()
            return lock

    def _compute_once(self, name: str, compute: Callable[[], T]) -> T:
        if name in self.__dict__:
            return self.__dict__[name]
        with self._lock(name):  # a second session waits here for the first one's answer
            if name not in self.__dict__:
                self.__dict__[name] = compute()
        return self.__dict__[name]

    def shared(self, kind: str, key: Hashable, build: Callable[[], T], keep: int = KEEP) -> T:
        """What ``build`` makes of this workspace for ``key`` (e.g. a page's rows in one language), made once for
        every session; the ``keep`` most recently used of each ``kind`` are kept. Whatever is returned is shared:
        callers must not change it."""
        found = self._recall(kind, key)
        if found is not _MISSING:
            return found
        with self._lock((kind, key)):
            found = self._recall(kind, key)
            if found is _MISSING:
                found = build()
                with self._guard:
                    store = self._artefacts.setdefault(kind, OrderedDict())
                    store[key] = found
                    while len(store) > keep:
                        store.popitem(last=False)
        return found

    def _recall(self, kind: str, key: Hashable) -> Any:
        with self._guard:
            store = self._artefacts.get(kind)
            if store is None or key not in store:
                return _MISSING
            store.move_to_end(key)
            return store[key]

    # --- the figures -----------------------------------------------------------------------------------------
    @_once
    def G(self) -> nx.MultiDiGraph:
        """The dataset's networkx graph (built on first use: no figure needs it)."""
        from tracegraph.graph import build_graph

        return build_graph(self.dataset)

    @_once
    def traceable(self) -> set[str]:
        return traceable_in(self.ix, self.as_of)

    @_once
    def covering(self) -> dict[Item, list[str]]:
        """Item → covering standards, as a dict (the figures below share the index's arrays instead)."""
        return covering_in(self.ix, self.traceable)

    @_once
    def coverage(self) -> CoverageReport:
        return coverage_in(self.ix, self.as_of, traceable=self.traceable)

    @_once
    def targets(self) -> list[TargetResult]:
        return evaluate_in(self.ix, self.as_of, self.dataset.targets, figures=self.coverage)

    @_once
    def impacts(self) -> FailureImpacts:
        return failure_impacts_in(self.ix, self.as_of, self.traceable)

    def gaps(self, expiring_days: int) -> GapReport:
        return self.shared("gaps", expiring_days, lambda: self._gap_report(expiring_days))

    def _gap_report(self, expiring_days: int) -> GapReport:
        return gaps_in(self.ix, self.as_of, expiring_days, self.traceable, None, self.impacts)

    def chain(self, standard: str) -> Chain:
        return self.shared("chain", standard, lambda: chain_in(self.ix, standard, self.as_of, self.traceable),
                           keep=4 * KEEP)

    def standards_for_item(self, county: str, instrument_type: str) -> list[str]:
        """Every standard (valid or not) that verifies the type at an institution serving the county."""
        return sorted(s for inst in self.ix.serving.get(county, ()) for s in self.ix.held.get(inst, ())
                      if instrument_type in self.ix.verifies.get(s, ()))

    def region_label(self, code: str) -> str:
        return f"{code} {self.ix.regions[code]['name']}"


_MISSING: Any = object()
