"""What the pages share: one dataset at one as-of date, compiled once, figures computed on demand.

Streamlit reruns the whole script on every click, so a Workspace is cached per (dataset, as-of)
and computes each figure once (cached_property). The index is compiled straight from the dataset;
the networkx graph (``G``) is built only if something asks for it. Nothing here imports Streamlit:
the pages do.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

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


@dataclass
class Workspace:
    key: str  # where the dataset came from: a sample name, "upload:<names>:<hash>" or "neo4j:<uri> v<version>"
    dataset: Dataset
    as_of: dt.date
    ix: Index = field(init=False)
    _gaps: dict[int, GapReport] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self.ix = compile_dataset(self.dataset)

    @cached_property
    def G(self) -> nx.MultiDiGraph:
        """The dataset's networkx graph (built on first use: no figure needs it)."""
        from tracegraph.graph import build_graph

        return build_graph(self.dataset)

    @cached_property
    def traceable(self) -> set[str]:
        return traceable_in(self.ix, self.as_of)

    @cached_property
    def covering(self) -> dict[Item, list[str]]:
        """Item → covering standards, as a dict (the figures below share the index's arrays instead)."""
        return covering_in(self.ix, self.traceable)

    @cached_property
    def coverage(self) -> CoverageReport:
        return coverage_in(self.ix, self.as_of, traceable=self.traceable)

    @cached_property
    def targets(self) -> list[TargetResult]:
        return evaluate_in(self.ix, self.as_of, self.dataset.targets, figures=self.coverage)

    @cached_property
    def impacts(self) -> FailureImpacts:
        return failure_impacts_in(self.ix, self.as_of, self.traceable)

    def gaps(self, expiring_days: int) -> GapReport:
        if expiring_days not in self._gaps:
            self._gaps[expiring_days] = self._gap_report(expiring_days)
        return self._gaps[expiring_days]

    def _gap_report(self, expiring_days: int) -> GapReport:
        return gaps_in(self.ix, self.as_of, expiring_days, self.traceable, None, self.impacts)

    def chain(self, standard: str) -> Chain:
        return chain_in(self.ix, standard, self.as_of, self.traceable)

    def standards_for_item(self, county: str, instrument_type: str) -> list[str]:
        """Every standard (valid or not) that verifies the type at an institution serving the county."""
        return sorted(s for inst in self.ix.serving.get(county, ()) for s in self.ix.held.get(inst, ())
                      if instrument_type in self.ix.verifies.get(s, ()))

    def region_label(self, code: str) -> str:
        return f"{code} {self.ix.regions[code]['name']}"
