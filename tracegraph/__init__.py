"""tracegraph — traceability-chain graph and measurement-standard planner (量传溯源体系规划).

The public API in one place::

    import tracegraph as tg
    ds = tg.read_dataset("data/standards/zaozhuang")
    G = tg.build_graph(ds)
    report = tg.coverage(G, as_of=ds.default_as_of())
    plan = tg.PlanningProblem.from_dataset(ds, ds.default_as_of(), budget=300).solve()

Names are imported on first use (PEP 562), so ``import tracegraph`` — and every command line run —
pays only for the modules it touches.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_ALGORITHMS = (
    "Chain", "CoverageReport", "Figures", "GapReport", "Impact", "TargetResult", "chain", "coverage",
    "covering_standards", "dataset_figures", "evaluate_targets", "expiring", "failure_impacts", "gaps", "impact",
    "is_valid", "service_items", "single_points_of_failure", "standards_built", "standards_count",
    "traceable_standards", "uncovered_items", "valid_standards",
)
_WHERE: dict[str, str] = {
    **dict.fromkeys(_ALGORITHMS, "tracegraph.algorithms"),
    "build_graph": "tracegraph.graph", "graph_to_dataset": "tracegraph.graph",
    "check_dataset": "tracegraph.io", "check_parts": "tracegraph.io", "merge_parts": "tracegraph.io",
    "read_dataset": "tracegraph.io", "write_dataset": "tracegraph.io", "write_template": "tracegraph.io",
    "Dataset": "tracegraph.models",
    "Plan": "tracegraph.planning", "PlanningProblem": "tracegraph.planning",
    "request_markdown": "tracegraph.planning.request", "write_request": "tracegraph.planning.request",
    "DatasetError": "tracegraph.validation", "Problem": "tracegraph.validation", "Report": "tracegraph.validation",
    "DatasetDiff": "tracegraph.changes", "diff": "tracegraph.changes",
}

__version__ = "0.1.0"
__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'tracegraph' has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name]), name)
    globals()[name] = value  # once imported, an ordinary attribute
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])


if TYPE_CHECKING:  # for type checkers and IDEs: the same names, imported eagerly
    from tracegraph.algorithms import *  # noqa: F403
    from tracegraph.changes import DatasetDiff, diff  # noqa: F401
    from tracegraph.graph import build_graph, graph_to_dataset  # noqa: F401
    from tracegraph.io import (  # noqa: F401
        check_dataset,
        check_parts,
        merge_parts,
        read_dataset,
        write_dataset,
        write_template,
    )
    from tracegraph.models import Dataset  # noqa: F401
    from tracegraph.planning import Plan, PlanningProblem  # noqa: F401
    from tracegraph.planning.request import request_markdown, write_request  # noqa: F401
    from tracegraph.validation import DatasetError, Problem, Report  # noqa: F401
