"""A small sparse MILP builder on HiGHS (through ``highspy``), with lexicographic goals.

The planner states its problem as variables and rows here, then solves a list of goals in order:
each goal's optimum is fixed as a row before the next (e.g. most instruments covered, then the
least cost among those plans). Fixing rows rather than weighting the goals keeps every stage
exact: no big-M weight can be too small for a large dataset. Each stage starts from the previous
stage's solution (still feasible once its value is fixed), so later stages begin with a plan.

``highspy`` rather than ``scipy.optimize.milp``: the same HiGHS solver, but it takes a starting
solution (a heuristic's plan, the previous stage's), reports the dual bound of an interrupted
search, and can be interrupted from another thread (a planner run in the app can be cancelled).
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

import highspy
import numpy as np

Expr = dict[int, float]
Sense = Literal["max", "min"]
Status = Literal["optimal", "feasible", "infeasible", "no_solution"]
# What "proven optimal" means here (README: Planner, statuses): the solver's relative gap within
# 1e-6, or its absolute gap below 1. Every goal is a sum of integers at an integer solution
# (instruments, 0.01 万元), so an absolute gap below 1 proves the exact optimum.
MIP_REL_GAP = 1e-6
MIP_ABS_GAP = 0.999


@dataclass
class Goal:
    name: str
    expr: Expr
    sense: Sense
    slack: float = 0.0  # how far below (max) / above (min) the optimum the next stages may go
    bound: float | None = None  # a proven bound on the value known beforehand
    offset: float = 0.0  # a constant part of the value (what holds with no action)

    def value(self, x: np.ndarray) -> float:
        return float(sum(v * x[k] for k, v in self.expr.items())) + self.offset


@dataclass
class Outcome:
    status: Status
    x: np.ndarray | None
    values: dict[str, float] = field(default_factory=dict)  # goal → value reached
    gap: float | None = 0.0  # relative gap of the first goal not proven optimal (0 when all are)
    bound: float | None = None  # that goal's best bound
    seconds: float = 0.0
    unproven: str | None = None  # the goal whose optimality is not proven


def relative_gap(value: float, bound: float, sense: Sense) -> float:
    """(bound − value) / bound for a maximum, (value − bound) / value for a minimum: the share of
    the goal a better plan might still gain (save); 0 when both are 0."""
    if sense == "max":
        return 0.0 if bound <= 0 else max(0.0, (bound - value) / abs(bound))
    return 0.0 if value <= 0 else max(0.0, (value - bound) / abs(value))


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

    def copy(self, *, rows: list[tuple[Expr, float, float]] = (), zero: Sequence[int] = ()) -> LinearModel:
        """The same model with extra ``rows`` and the columns ``zero`` fixed at 0 (shares nothing mutable)."""
        out = LinearModel()
        out.lb, out.integer = list(self.lb), list(self.integer)
        out.ub = list(self.ub)
        for v in zero:
            out.ub[v] = 0.0
        out.rows = [*self.rows, *rows]
        return out

    def solve(self, goals: Sequence[Goal], *, time_limit: float | None = None, relax: bool = False,
              start: np.ndarray | dict[int, float] | None = None, on_stage: Callable[[str], None] | None = None,
              cancel: threading.Event | None = None) -> Outcome:
        """Solve ``goals`` lexicographically. ``relax`` drops integrality (the LP bound); ``start`` is
        a feasible solution to begin from (a dict: some columns, e.g. the integer ones, which HiGHS
        completes); ``cancel`` set from another thread stops the search (the
        answer is then what a time limit would give)."""
        started, values = time.perf_counter(), {}
        if not self.n:
            self.var(0.0, 0.0)  # HiGHS wants at least one column; a plan with no decision to make has this one
        h = self._highs(relax)
        x = start
        for goal in goals:
            if on_stage:
                on_stage(goal.name)
            left = None if time_limit is None else time_limit - (time.perf_counter() - started)
            if left is not None and left <= 0:
                return self._stopped(goal, x, values, None, started)
            status, res_x, bound = _run(h, self.n, goal, x, left, cancel)
            if status == "infeasible":
                return Outcome("infeasible", None, values, gap=None, seconds=time.perf_counter() - started)
            if res_x is None:
                return self._stopped(goal, x, values, bound, started)
            x = res_x
            value = goal.value(x)
            values[goal.name] = value
            if bound is not None:
                bound += goal.offset
            if status != "optimal":
                if goal.bound is not None:
                    bound = goal.bound if bound is None else (min if goal.sense == "max" else max)(bound, goal.bound)
                gap = relative_gap(value, bound, goal.sense) if bound is not None else None
                if gap is not None and gap <= MIP_REL_GAP:
                    status = "optimal"  # the prior bound closes it
                else:
                    return Outcome("feasible", x, values, gap=gap, bound=bound, unproven=goal.name,
                                   seconds=time.perf_counter() - started)
            lo, hi = _fixed(goal, value)
            idx = np.array(list(goal.expr), dtype=np.int32)
            h.addRow(lo, hi, len(idx), idx, np.array(list(goal.expr.values()), dtype=float))
        return Outcome("optimal", x, values, seconds=time.perf_counter() - started)

    def _stopped(self, goal: Goal, x: np.ndarray | None, values: dict, bound: float | None,
                 started: float) -> Outcome:
        """The limit ended a stage without a new solution: the previous stage's plan stands (its goal is
        optimal, this one is not proven), or there is no plan at all."""
        seconds = time.perf_counter() - started
        if x is None:
            return Outcome("no_solution", None, values, gap=None, seconds=seconds, unproven=goal.name)
        value = goal.value(x)
        values[goal.name] = value
        bound = None if bound is None else bound + goal.offset
        gap = relative_gap(value, bound, goal.sense) if bound is not None else None
        return Outcome("feasible", x, values, gap=gap, bound=bound, seconds=seconds, unproven=goal.name)

    def _highs(self, relax: bool) -> highspy.Highs:
        with _quiet():
            h = highspy.Highs()  # the first one in a process prints a banner straight to the C stdout
        h.setOptionValue("output_flag", False)
        h.setOptionValue("mip_rel_gap", MIP_REL_GAP)
        h.setOptionValue("mip_abs_gap", MIP_ABS_GAP)
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = self.n, len(self.rows)
        lp.col_cost_ = np.zeros(self.n)
        lp.col_lower_, lp.col_upper_ = np.array(self.lb), np.array(self.ub)
        lp.row_lower_ = np.array([r[1] for r in self.rows], dtype=float)
        lp.row_upper_ = np.array([r[2] for r in self.rows], dtype=float)
        starts, index, value = [0], [], []
        for expr, _, _ in self.rows:
            index.extend(expr)
            value.extend(expr.values())
            starts.append(len(index))
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.start_ = np.array(starts, dtype=np.int32)
        lp.a_matrix_.index_ = np.array(index, dtype=np.int32)
        lp.a_matrix_.value_ = np.array(value, dtype=float)
        if not relax and any(self.integer):
            lp.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
                               for i in self.integer]
        h.passModel(lp)
        return h


def _run(h: highspy.Highs, n: int, goal: Goal, start: np.ndarray | dict[int, float] | None, time_limit: float | None,
         cancel: threading.Event | None) -> tuple[str, np.ndarray | None, float | None]:
    """One stage: (status, solution or None, best bound in the goal's own sign)."""
    sign = -1.0 if goal.sense == "max" else 1.0
    cost = np.zeros(n)
    for k, v in goal.expr.items():
        cost[k] = sign * v
    h.changeColsCost(n, np.arange(n, dtype=np.int32), cost)
    h.setOptionValue("time_limit", math.inf if time_limit is None else max(time_limit, 0.01))
    if isinstance(start, dict):
        h.setSolution(len(start), np.array(list(start), dtype=np.int32), np.array(list(start.values()), dtype=float))
    elif start is not None:
        sol = highspy.HighsSolution()
        sol.col_value = list(map(float, start))
        h.setSolution(sol)
    watcher = _watch(h, cancel)
    try:
        h.run() if cancel is None else h.solve()  # solve(): the variant that honours cancelSolve
    finally:
        if watcher is not None:
            watcher.set()
    status = h.getModelStatus()
    info = h.getInfo()
    has_x = info.primal_solution_status == 2  # kSolutionStatusFeasible
    if status == highspy.HighsModelStatus.kInfeasible:
        return "infeasible", None, None
    x = np.array(h.getSolution().col_value) if has_x else None
    if status == highspy.HighsModelStatus.kOptimal:
        return "optimal", x, None
    bound = info.mip_dual_bound
    bound = None if bound is None or not math.isfinite(bound) else sign * bound
    return "stopped", x, bound


def _watch(h: highspy.Highs, cancel: threading.Event | None) -> threading.Event | None:
    """A thread that interrupts the solver when ``cancel`` is set; returns the event that ends it."""
    if cancel is None:
        return None
    h.HandleUserInterrupt = True  # installs the callback through which cancelSolve reaches the solver
    done = threading.Event()

    def loop() -> None:
        while not done.wait(0.1):
            if cancel.is_set():
                h.cancelSolve()
                return

    threading.Thread(target=loop, daemon=True).start()
    return done


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def _fixed(goal: Goal, value: float) -> tuple[float, float]:
    """The row that keeps a stage's optimum while the next stages solve (the offset is a constant)."""
    if goal.sense == "max":
        return value - goal.offset - goal.slack, math.inf
    return -math.inf, value - goal.offset + goal.slack
