"""The typer application every command module registers on, and the consoles they print to."""

from __future__ import annotations

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


def main() -> None:  # pragma: no cover - console entry point
    app()
