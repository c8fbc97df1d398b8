"""Algorithms over the traceability graph, grouped by problem (like networkx.algorithms).

- :mod:`.chains`   — validity, traceability (least fixpoint), the chain of a standard and its breaks
- :mod:`.coverage` — the coverage figures of every region and filter, capacity by max-flow
- :mod:`.gaps`     — uncovered items with reasons, expiring certificates, single points of failure
- :mod:`.impact`   — what fails downstream when one standard fails
- :mod:`.targets`  — plan targets against the figures; standards counted per level, standards built
  since a year, service items (检定、校准项目)
"""

from tracegraph.algorithms.chains import Chain, chain, is_valid, traceable_standards, valid_standards
from tracegraph.algorithms.coverage import (
    CoverageReport,
    Figures,
    coverage,
    covering_standards,
    dataset_figures,
)
from tracegraph.algorithms.gaps import (
    GapReport,
    expiring,
    gaps,
    single_points_of_failure,
    uncovered_items,
)
from tracegraph.algorithms.impact import Impact, failure_impacts, impact
from tracegraph.algorithms.targets import (
    TargetResult,
    evaluate_targets,
    service_items,
    standards_built,
    standards_count,
)

__all__ = [
    "Chain", "CoverageReport", "Figures", "GapReport", "Impact", "TargetResult", "chain", "coverage",
    "covering_standards", "dataset_figures", "evaluate_targets", "expiring", "failure_impacts", "gaps", "impact",
    "is_valid", "service_items", "single_points_of_failure", "standards_built", "standards_count",
    "traceable_standards", "uncovered_items", "valid_standards",
]
