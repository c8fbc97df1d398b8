"""Plans solved in a process of their own, so that a long solve holds neither the session that asked for it
nor anyone else's.

Streamlit runs every session's script in a thread of one server process: a solve in that thread would hold the
session until its time limit and take the interpreter's lock from every other session whenever the planner runs
Python. Here it runs in a child process, started from a fork server (Streamlit's server is multithreaded, and
forking a multithreaded process is unsafe; the fork server is a fresh interpreter that has imported the planner
once, so a solve starts in milliseconds rather than re-importing it). The child sends its stages and then the
plan (or why there is none) through a pipe; the page polls the pipe. It can end the child at any time (cancel:
no plan), or ask it to stop searching and send the best plan found so far (stop: the library's own ``cancel``
event, which ends the search as a time limit would, so the plan says feasible with its true gap).
Nothing here imports Streamlit.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import multiprocessing
import os
import threading
import time
import weakref
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from tracegraph.models import Dataset
from tracegraph.planning import Plan, PlanningProblem

_CONTEXT = multiprocessing.get_context("forkserver")
_CONTEXT.set_forkserver_preload(["tracegraph.ui.solving"])  # the planner and its solver, imported once
NICE = 19  # the lowest priority: pages first, the plan in the CPU time they leave (its time limit still holds)


@dataclass
class Solve:
    """One plan being solved in its own process: its stage so far, then its outcome."""

    process: BaseProcess
    pipe: Connection  # the page's end: ("stage", name)..., then ("plan", the Plan or the library's message)
    control: Connection | None = None  # the page's end of the other pipe: "stop" asks for the best plan so far
    started: float = field(default_factory=time.monotonic)
    stage: str = "universe"
    outcome: Plan | str | None = None  # a plan, or why there is none (the library's message)
    cancelled: bool = False
    stopping: bool = False  # asked to stop: the best plan so far is on its way
    lost: bool = False  # the process ended without an outcome (killed, out of memory): see process.exitcode

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    @property
    def done(self) -> bool:
        return self.outcome is not None or self.cancelled or self.lost

    def poll(self) -> bool:
        """Read what the solver has sent, without waiting; True once it is over."""
        if self.done:
            return True
        try:
            while self.outcome is None and self.pipe.poll():
                self._read(*self.pipe.recv())
        except (EOFError, OSError):  # the child's end closed with nothing more: it is gone without a word
            self.lost = True
        if self.done:
            self._close()
        return self.done

    def _read(self, kind: str, value: Any) -> None:
        if kind == "stage":
            self.stage = value
        else:
            self.outcome = value

    def stop(self) -> None:
        """Ask the solver to end its search and send the best plan it has (poll until it arrives)."""
        if not self.done and not self.stopping and self.control is not None:
            self.stopping = True
            # (a child that has just ended cannot hear it: its outcome is in the other pipe already)
            with contextlib.suppress(BrokenPipeError, OSError):
                self.control.send("stop")

    def cancel(self) -> None:
        """End the solver now (what it found so far is dropped: a cancelled solve has no plan)."""
        if not self.done:
            self.cancelled = True
        _end(self.process)
        self._close()

    def _close(self) -> None:
        self.process.join(timeout=5)
        self.pipe.close()
        if self.control is not None:
            self.control.close()


def start(dataset: Dataset, as_of: dt.date, problem: dict, method: str, time_limit: float) -> Solve:
    """Solve ``PlanningProblem.from_dataset(dataset, as_of, **problem)`` with ``method`` in a new process."""
    mine, theirs = _CONTEXT.Pipe(duplex=False)
    orders, control = _CONTEXT.Pipe(duplex=False)
    process = _CONTEXT.Process(target=_work, args=(dataset, as_of, problem, method, time_limit, theirs, orders),
                               name="tracegraph-solve", daemon=True)
    process.start()
    theirs.close()  # only the child writes: its end closing is how a dead child shows
    orders.close()
    solve = Solve(process, mine, control)
    weakref.finalize(solve, _end, process)  # a session that goes away does not leave its solver running
    return solve


def _end(process: BaseProcess) -> None:
    if process.is_alive():
        process.terminate()
        process.join(timeout=3)
    if process.is_alive():
        process.kill()
        process.join(timeout=3)


def _work(dataset: Dataset, as_of: dt.date, problem: dict, method: str, time_limit: float, pipe: Connection,
          orders: Connection) -> None:
    os.nice(NICE)
    stop = threading.Event()
    threading.Thread(target=_listen, args=(orders, stop), daemon=True).start()
    try:
        built = PlanningProblem.from_dataset(dataset, as_of, **problem)
        plan: Plan | str = built.solve(method, time_limit=time_limit, cancel=stop,  # type: ignore[arg-type]
                                       progress=lambda stage: pipe.send(("stage", stage)))
    except ValueError as exc:  # what the library refuses to plan, in its words
        plan = str(exc)
    pipe.send(("plan", plan))
    pipe.close()


def _listen(orders: Connection, stop: threading.Event) -> None:
    """In the solver's process: the page's "stop" (or its end of the pipe closing) ends the search. The solver
    releases the interpreter lock while it searches, so this thread is heard at once."""
    with contextlib.suppress(EOFError, OSError):
        orders.recv()
    stop.set()
