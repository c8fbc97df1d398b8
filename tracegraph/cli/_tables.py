"""Terminal tables that fit the terminal (80 columns and up) without cutting a header."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Console, JustifyMethod
from rich.measure import Measurement
from rich.table import Table

from tracegraph.cli._app import out
from tracegraph.i18n import Lang, header


def new_table(title: str, columns: Sequence[str], lang: Lang) -> Table:
    """A terminal table whose headers (the short ones of :func:`header`) are never cut: each column is at least
    as wide as its header's longest word, and cells fold onto more lines rather than end in an ellipsis."""
    table = Table(title=title, show_lines=False)
    for c in columns:
        add_column(table, header(c, lang))
    return table


def add_column(table: Table, label: str, justify: JustifyMethod = "left") -> None:
    table.add_column(label, justify=justify, overflow="fold")


def print_table(table: Table, console: Console | None = None) -> None:
    """Print ``table`` within the terminal's width, no header cut: when the columns do not fit, each gets at
    least its header's longest word (then its cells' longest word, if there is room), the narrow columns whole and
    the wide ones cut to a common width (:func:`share`); the cells fold onto more lines."""
    console = console or out
    columns = table.columns
    avail = console.width - (3 * len(columns) + 1)  # the rules between and beside the columns, one space of padding
    opts = console.options

    def measure(renderable: Any) -> tuple[int, int]:
        m = Measurement.get(console, opts, renderable)
        return m.minimum, m.maximum

    heads = [measure(c.header) for c in columns]
    cells = [[measure(x) for x in c.cells] for c in columns]
    most = [max([h[1], *(x[1] for x in cs)]) for h, cs in zip(heads, cells, strict=True)]
    if sum(most) <= avail:
        console.print(table)
        return
    floor = [h[0] for h in heads]
    words = [min(m, max([f, *(x[0] for x in cs)])) for f, m, cs in zip(floor, most, cells, strict=True)]
    if sum(floor) <= avail:
        low, high = (words, most) if sum(words) <= avail else (floor, words)
        widths = share(low, high, avail)
        for column, w in zip(columns, widths, strict=True):
            column.width = w
    console.print(table)


def share(low: list[int], high: list[int], avail: int) -> list[int]:
    """Each column between ``low`` and ``high``, within ``avail`` in all: the narrow ones whole, the wide ones
    cut to one common cap (the widest that fits), what is left over one cell each to the cut ones."""
    def fill(cap: int) -> list[int]:
        return [max(lo, min(hi, cap)) for lo, hi in zip(low, high, strict=True)]

    cap = max(high)
    while cap > 0 and sum(fill(cap)) > avail:
        cap -= 1
    widths = fill(cap)
    left = avail - sum(widths)
    for i in range(len(widths)):
        if left > 0 and widths[i] < high[i]:
            widths[i] += 1
            left -= 1
    return widths
