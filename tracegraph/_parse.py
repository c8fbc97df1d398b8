"""Cell parsers shared by every reader: one place that turns a spreadsheet cell into a value.

Cells arrive as text (CSV), as typed values (xlsx: int, float, datetime, bool) or as JSON
values. Each parser accepts all three and raises ``ValueError`` with a plain message the
validation report shows to the planner next to the file, row, column and value.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])
_TRUE = {"true", "1", "yes", "y", "是", "t"}
_FALSE = {"false", "0", "no", "n", "否", "f"}
_INT = re.compile(r"^[+-]?\d+$")
_LIST_SPLIT = re.compile(r"[;；]")


def strips_text(parser: F) -> F:
    """Mark a parser that, given a ``str``, returns it stripped (and accepts it: the constraints after it decide).

    :mod:`tracegraph._fastparse` then strips a column of text cells in one pass of ``str.strip`` and leaves the
    field's remaining checks to pydantic-core, instead of a Python call per cell (``tests/test_parse.py``
    holds every marked parser to this on arbitrary text).
    """
    parser.on_text = str.strip  # type: ignore[attr-defined]
    return parser


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


@strips_text
def text(value: Any) -> str:
    """Canonical text of a cell: integral floats lose their '.0' (Excel stores 12 as 12.0)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if is_blank(value):
        return False
    word = text(value).lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ValueError("not a yes/no value: write true/false, 1/0, yes/no or 是/否")


def parse_int(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("not a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    word = text(value)
    if _INT.match(word):
        return int(word)
    raise ValueError("not a whole number")


def parse_float(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError("not a number")
    if isinstance(value, (int, float)):
        return float(value)
    word = text(value).replace(",", "")
    try:
        return float(word)
    except ValueError:
        raise ValueError("not a number") from None


def parse_rate(value: Any) -> float:
    """Thresholds may be written 0.95 or 95%; a bare 95 is rejected rather than guessed."""
    word = text(value)
    if word.endswith("%"):
        return parse_float(word[:-1]) / 100
    return parse_float(value)


def parse_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    word = text(value)
    try:
        if len(word) != 10:
            raise ValueError
        return dt.date.fromisoformat(word)
    except ValueError:
        raise ValueError("not a date: write YYYY-MM-DD, e.g. 2026-01-31") from None


def parse_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [text(v) for v in value if not is_blank(v)]
    if is_blank(value):
        return []
    return [part.strip() for part in _LIST_SPLIT.split(text(value)) if part.strip()]


@strips_text
def parse_code(value: Any) -> str:
    """GB/T 2260 codes stay strings; a number from Excel that lost its leading zeros gets them back."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return text(value).zfill(6)
    return text(value)


@strips_text
def text_or_blank(value: Any) -> str:
    """A text cell whose blank is the empty string (not a missing value)."""
    return "" if is_blank(value) else text(value)


def parse_enum(value: Any, aliases: dict[str, str]) -> str:
    word = text(value)
    key = aliases.get(word) or aliases.get(word.lower())
    if key is None:
        allowed = sorted({v for v in aliases.values()})
        raise ValueError(f"not one of {', '.join(allowed)}")
    return key
