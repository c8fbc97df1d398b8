"""tracegraph — traceability-chain graph and measurement-standard planner (量传溯源体系规划).

The public API in one place::

    import tracegraph as tg
    ds = tg.read_dataset("data/standards/zaozhuang")
    G = tg.build_graph(ds)
    report = tg.coverage(G, as_of=datetime.date(2026, 1, 1))
    plan = tg.PlanningProblem.from_dataset(ds, datetime.date(2026, 1, 1), budget=300).solve()
"""

from tracegraph.algorithms import *  # noqa: F403 - the algorithms are the public API
from tracegraph.algorithms import __all__ as _algorithms
from tracegraph.graph import build_graph, graph_to_dataset
from tracegraph.io import check_dataset, read_dataset, write_dataset, write_template
from tracegraph.models import Dataset
from tracegraph.planning import Plan, PlanningProblem
from tracegraph.planning.request import request_markdown, write_request
from tracegraph.validation import DatasetError, Problem, Report

__version__ = "0.1.0"
__all__ = [
    *_algorithms, "Dataset", "DatasetError", "Plan", "PlanningProblem", "Problem", "Report", "build_graph",
    "check_dataset", "graph_to_dataset", "read_dataset", "request_markdown", "write_dataset", "write_request",
    "write_template",
]
