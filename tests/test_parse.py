"""The parsers' marks the fast validation relies on (``_parse.strips_text``).

A field whose parser is marked is validated, for a column of text cells, by stripping the cells in one pass
and checking them with the rest of the field's schema; that must be what the field's own validator does with
each cell, for any text (and, for an optional field, any text that is not blank).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from tracegraph import _parse
from tracegraph._fastparse import Field, fields
from tracegraph.models import TABLES

MARKED = [(model.__name__, name, f) for model in TABLES for name, f in fields(model).items() if f.on_text]
TEXT = st.text(st.sampled_from(" \t\u3000\u00a0abcXYZ019-_.;；:/是否在用撤销"), max_size=12)


def outcome(validate: Callable[[Any], Any], value: Any) -> tuple[str, Any]:
    try:
        return ("ok", validate(value))
    except ValidationError as exc:
        return ("error", [e["type"] for e in exc.errors()])


def test_the_text_fields_are_marked() -> None:
    marked = {(m, n) for m, n, _ in MARKED}
    assert {("Standard", "id"), ("Standard", "name"), ("Standard", "certificate_no"), ("Region", "code"),
            ("TraceLink", "certificate_no")} <= marked


@pytest.mark.parametrize(("model", "name", "field"), MARKED, ids=[f"{m}.{n}" for m, n, _ in MARKED])
@given(cells=st.lists(TEXT, min_size=1, max_size=6))
def test_stripping_then_the_rest_of_the_schema_is_the_fields_validator(model: str, name: str, field: Field,
                                                                      cells: list[str]) -> None:
    if not field.required:
        cells = [c for c in cells if not _parse.is_blank(c)]  # check_all takes an optional field's blanks out first
    for cell in cells:
        alone = outcome(field.validator.validate_python, cell)
        assert field.after_text is not None and field.on_text is not None
        fast = outcome(field.after_text.validate_python, [field.on_text(cell)])
        if alone[0] == "ok":
            assert fast == ("ok", [alone[1]]), (model, name, cell)
        else:
            assert fast[0] == "error", (model, name, cell)
