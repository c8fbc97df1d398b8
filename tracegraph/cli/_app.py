"""The typer application every command module registers on, and the consoles they print to."""

from __future__ import annotations

import atexit
import gc
import os
import sys

import typer
from rich.console import Console
from rich.text import Text

app = typer.Typer(help="tracegraph: traceability graph and measurement-standard planner (量传溯源体系规划)",
                  no_args_is_help=True, pretty_exceptions_enable=False)
out = Console(soft_wrap=True)
err = Console(stderr=True)


def say_error(message: object, style: str = "red") -> None:
    """An error (or, ``style="yellow"``, a warning) on stderr: one line however long (never wrapped at the
    terminal's width), and never read as rich markup (a message may quote ``[limits]`` or a cell with brackets)."""
    err.print(Text(str(message), style=style), soft_wrap=True)


@app.callback()
def _check_settings() -> None:
    # Before any command: a malformed limit or settings file is one line and exit 2, not a traceback halfway
    # through reading a dataset. (The Neo4j settings are checked where a command opens the server.)
    from tracegraph.limits import Limits, SettingError

    try:
        Limits.resolve()
    except SettingError as exc:
        say_error(exc)
        raise typer.Exit(2) from None


def main() -> None:
    """The ``tracegraph`` console script: the app, then an exit without the interpreter's teardown.

    A command over a national dataset ends holding millions of objects, and freeing them one by one at exit
    took 0.8 s of the 7.9 s of ``coverage``, after its output was complete. So the exit handlers run (temporary
    files, logging, threads), the streams are flushed, and the process ends there.

    The cyclic garbage collector is off for the command: a command runs once, and what it builds (rows, dicts,
    arrays) is freed by reference counting; the collector only rescanned those millions of objects, 1.1 s of
    national ``gaps``, for no memory back (peak RSS equal; a 60 s programme plan 3 % higher).
    """
    gc.disable()
    _small_pages()
    try:
        app(prog_name="tracegraph")
        code: int = 0
    except SystemExit as exc:
        code = _exit_code(exc.code)
    atexit._run_exitfuncs()  # what sys.exit would run, in the same order (the stdlib has no public name for it)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, ValueError):  # a closed pipe (`| head`) or stream: nothing left to deliver
            code = code or 1
    os._exit(code)


def _small_pages() -> None:
    """numpy asks the kernel for huge pages for its large arrays (madvise); a command makes its arrays once and
    drops them, and where the kernel compacts memory to find a huge page on demand (``defrag`` = ``madvise``,
    a common default) that costs more than it saves: national ``coverage`` spent 0.7–0.9 s in the kernel
    with huge pages and 0.45 s without (3.6 s → 3.3 s whole). ``NUMPY_MADVISE_HUGEPAGE``, when set, decides."""
    if "NUMPY_MADVISE_HUGEPAGE" in os.environ:
        return
    try:
        from numpy._core import multiarray  # numpy's own switch for the variable (numpy 2; no public name)
    except ImportError:
        return
    set_hugepage = getattr(multiarray, "_set_madvise_hugepage", None)
    if set_hugepage is not None:
        set_hugepage(False)


def _exit_code(value: object) -> int:
    """sys.exit's reading of its argument: None is 0, an int itself, anything else printed and 1."""
    if value is None or isinstance(value, int):
        return value or 0
    print(value, file=sys.stderr)
    return 1
