"""A small sparse MILP builder on HiGHS (through ``scipy.optimize.milp``), with lexicographic goals.

The planner states its problem as variables and rows here, then solves a list of goals in order:
each goal's optimum is fixed as a row before the next (e.g. most instruments covered, then the
least cost among those plans). Fixing rows rather than weighting the goals keeps every stage
exact: no big-M weight can be too small for a large dataset.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_array

Expr = dict[int, float]
Sense = Literal["max", "min"]


@dataclass
class Goal:
    name: str
    expr: Expr
    sense: Sense
    slack: float = 0.0  # how far below (max) / above (min) the optimum the next stages may go


@dataclass
class Outcome:
    status: Literal["optimal", "feasible", "infeasible"]
    x: np.ndarray | None
    values: dict[str, float] = field(default_factory=dict)  # goal → value reached
    gap: float = 0.0  # relative gap of the first goal not proven optimal (0 when all are)
    bound: float | None = None  # that goal's proven bound
    seconds: float = 0.0


class LinearModel:
    def __init__(self) -> None:
        self.lb: list[float] = []
        self.ub: list[float] = []
        self.integer: list[int] = []
        self.rows: list[tuple[Expr, float, float]] = []

    @property
    def n(self) -> int:
        return len(self.lb)

    def var(self, lb: float = 0.0, ub: float = 1.0, integer: bool = False) -> int:
        self.lb.append(lb)
        self.ub.append(ub)
        self.integer.append(1 if integer else 0)
        return self.n - 1

    def row(self, expr: Expr, lo: float = -math.inf, hi: float = math.inf) -> None:
        expr = {k: v for k, v in expr.items() if v}
        if expr:
            self.rows.append((expr, lo, hi))
        elif lo > 1e-9 or hi < -1e-9:
            self.rows.append(({}, lo, hi))  # an empty row that cannot hold: kept so the model is infeasible

    def solve(self, goals: list[Goal], *, time_limit: float | None = None, relax: bool = False,
              on_stage: Callable[[str], None] | None = None) -> Outcome:
        """Solve ``goals`` lexicographically. ``relax`` drops integrality (the LP bound)."""
        started, values = time.perf_counter(), {}
        if not self.n:
            self.var(0.0, 0.0)  # HiGHS wants at least one column; a plan with no decision to make has this one
        rows = list(self.rows)
        x = None
        for goal in goals:
            if on_stage:
                on_stage(goal.name)
            left = None if time_limit is None else max(1.0, time_limit - (time.perf_counter() - started))
            res = self._milp(goal, rows, left, relax)
            if res.status == 2 or res.x is None:  # infeasible, or the limit hit before any solution
                status = "infeasible" if res.status == 2 else "feasible"
                return Outcome(status, None if res.status == 2 else x, values, seconds=time.perf_counter() - started)
            x = res.x
            value = _value(goal.expr, x)
            values[goal.name] = value
            if res.status != 0:
                bound = -res.mip_dual_bound if goal.sense == "max" else res.mip_dual_bound
                return Outcome("feasible", x, values, gap=float(res.mip_gap or 0.0), bound=bound,
                               seconds=time.perf_counter() - started)
            rows.append(_fix(goal, value))
        return Outcome("optimal", x, values, seconds=time.perf_counter() - started)

    def _milp(self, goal: Goal, rows: list[tuple[Expr, float, float]], time_limit: float | None, relax: bool):
        c = np.zeros(self.n)
        sign = -1.0 if goal.sense == "max" else 1.0
        for k, v in goal.expr.items():
            c[k] = sign * v
        constraints = []
        if rows:
            data, ri, ci = [], [], []
            for r, (expr, _, _) in enumerate(rows):
                for k, v in expr.items():
                    data.append(v)
                    ri.append(r)
                    ci.append(k)
            A = csr_array((data, (ri, ci)), shape=(len(rows), self.n))
            constraints.append(LinearConstraint(A, [r[1] for r in rows], [r[2] for r in rows]))
        options: dict = {"mip_rel_gap": 1e-9, "presolve": True}
        if time_limit is not None:
            options["time_limit"] = time_limit
        integrality = np.zeros(self.n) if relax else np.array(self.integer)
        with _quiet():
            return milp(c, integrality=integrality, bounds=Bounds(self.lb, self.ub), constraints=constraints,
                        options=options)


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """HiGHS prints some diagnostics straight to the C stdout, past ``disp=False``: silence them."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def _value(expr: Expr, x: np.ndarray) -> float:
    return float(sum(v * x[k] for k, v in expr.items()))


def _fix(goal: Goal, value: float) -> tuple[Expr, float, float]:
    if goal.sense == "max":
        return goal.expr, value - goal.slack, math.inf
    return goal.expr, -math.inf, value + goal.slack
