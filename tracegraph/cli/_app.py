"""The typer application every command module registers on, and the consoles they print to."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.text import Text

app = typer.Typer(help="tracegraph: traceability graph and measurement-standard planner (量传溯源体系规划)",
                  no_args_is_help=True, pretty_exceptions_enable=False)
out = Console(soft_wrap=True)
err = Console(stderr=True)


def say_error(message: object) -> None:
    """An error on stderr in red: one line however long (never wrapped at the terminal's width), and never
    read as rich markup (a message may quote ``[limits]`` or a cell holding brackets)."""
    err.print(Text(str(message), style="red"), soft_wrap=True)


def main() -> None:  # pragma: no cover - console entry point
    app()
