"""Planning: which standards to build or renew next, where, when and at what cost (spec: Planning).

- :mod:`.problem` — :class:`PlanningProblem` (build from a dataset, ``solve()``)
- :mod:`.plan` — the :class:`Plan` it returns (actions by year, figures per year, statuses)
- :mod:`.request` — the budget request: an ``.xlsx`` workbook and a Markdown summary
"""

from tracegraph.models import CERTIFICATE_YEARS, DEFAULT_RENEWAL_COST  # defined once, with the data
from tracegraph.planning.plan import Plan, PlannedAction, RankedAction, Unmet, YearFigures, YearTarget
from tracegraph.planning.problem import PlanningProblem

__all__ = ["CERTIFICATE_YEARS", "DEFAULT_RENEWAL_COST", "Plan", "PlannedAction", "PlanningProblem", "RankedAction",
           "Unmet", "YearFigures", "YearTarget"]
