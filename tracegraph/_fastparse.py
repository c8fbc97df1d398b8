"""Whole columns turned into rows, with the models' own validators.

A table's cells repeat heavily (dates, codes, yes/no words, enum words, the ids other rows reference), so
each *distinct* cell of a column is validated once, with the validator pydantic compiled for that field of
the model: it is taken from the model's core schema, so the schema stays defined once, in
:mod:`tracegraph.models`, and nothing here restates it. The rows whose cells all validated are then made as
``model_validate`` makes them, without validating again; the positions of the others are returned, for the
caller to validate one by one and report.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from functools import cache
from itertools import compress, repeat
from operator import is_, not_
from typing import Any, NamedTuple

from pydantic import ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import SchemaValidator, core_schema

from tracegraph import _parse
from tracegraph._construct import construct_many
from tracegraph._raw import Coded
from tracegraph.models import Row

#: A cell that failed its field's validation.
FAIL: Any = object()
#: A blank optional cell: the column's default.
BLANK: Any = object()

# Equal cells of these types always validate alike, so such a column is validated once per distinct value.
# Cells equal across types but validated differently (True == 1, 1 == 1.0) are never in one such column.
_BY_VALUE = ({str, type(None), int, dt.date}, {str, type(None), bool, dt.date})
_TEXT = {str, type(None), dt.date}  # (no number: no cell equal to another of another type)
_MUTABLE = (list, dict, set)
_IMMUTABLE = (str, int, float, dt.date, type(None), tuple, frozenset)




class Field:
    """One field of a model: the validator pydantic compiled for it, and its default."""

    def __init__(self, name: str, info: FieldInfo, schema: dict[str, Any], config: Any) -> None:
        self.name = name
        self.info = info
        self.required = info.is_required()
        if schema["type"] == "default":  # an optional field: a blank cell takes the default, unvalidated
            schema = schema["schema"]
        self.validator = SchemaValidator(schema, config)
        self.many = SchemaValidator(core_schema.list_schema(schema), config)  # cells in one call
        # A parser marked _parse.strips_text: text cells are stripped in one pass, the rest of the schema checks them.
        # (An optional field's parser may say so only of filled cells: check_all takes its blanks out first.)
        parser = schema["function"]["function"] if schema["type"] == "function-before" else None
        self.on_text = getattr(parser, "on_text", None) or (None if self.required else
                                                             getattr(parser, "on_filled_text", None))
        self.after_text = None if self.on_text is None else SchemaValidator(core_schema.list_schema(schema["schema"]),
                                                                           config)
        # A default that is a new object per row (a list…) is made per row, as pydantic does.
        self.fresh = not self.required and (info.default_factory is not None
                                            or not isinstance(info.default, _IMMUTABLE))

    def default(self) -> Any:
        return self.info.get_default(call_default_factory=True) if self.fresh else self.info.default

    def check(self, value: Any) -> Any:
        """The cell's value; ``BLANK`` for a blank optional cell; ``FAIL``."""
        if not self.required and _parse.is_blank(value):
            return BLANK
        try:
            return self.validator.validate_python(value)
        except ValidationError:
            return FAIL

    def check_all(self, values: list[Any]) -> list[Any]:
        """:meth:`check` of each value, validated in one call when all are valid."""
        blank = [] if self.required else blanks(values)
        given = list(compress(values, map(not_, blank))) if any(blank) else values
        try:
            if self.on_text is not None and set(map(type, given)) <= {str}:
                done = self.after_text.validate_python(list(map(self.on_text, given)))  # type: ignore[union-attr]
            else:
                done = self.many.validate_python(given)
        except ValidationError:
            return list(map(self.check, values))  # which ones fail: one by one
        if given is values:
            return done
        results = iter(done)
        return [BLANK if b else next(results) for b in blank]


@cache
def fields(model: type[Row]) -> dict[str, Field]:
    """The model's fields with their compiled validators.

    A model can be read a column at a time only if a row is nothing but its fields, each validated on its
    own: no model validator, no validator that is shown the other fields, no alias, no private attribute.
    The template's models are all such; another one is a programming error, said here rather than misread.
    """
    schema = model.__pydantic_core_schema__
    decorators = model.__pydantic_decorators__
    inner = schema.get("schema", {})
    if (schema.get("type") != "model" or inner.get("type") != "model-fields" or decorators.model_validators
            or decorators.root_validators or model.__private_attributes__ or model.__pydantic_root_model__
            or model.__pydantic_post_init__ or model.model_config.get("extra") == "allow"
            or any(f.alias or f.validation_alias for f in model.model_fields.values()) or _sees_others(inner)):
        raise TypeError(f"{model.__name__}: its rows cannot be validated a column at a time")
    config = schema.get("config")
    return {name: Field(name, info, inner["fields"][name]["schema"], config)
            for name, info in model.model_fields.items()}


def _sees_others(schema: Any) -> bool:
    """Whether a validator in a core schema is given the other fields' values (a ``with-info`` function)."""
    if isinstance(schema, dict):
        return schema.get("type") == "with-info" or any(_sees_others(v) for v in schema.values())
    if isinstance(schema, (list, tuple)):
        return any(_sees_others(v) for v in schema)
    return False


def blanks(cells: Sequence[Any]) -> list[bool]:
    """:func:`~tracegraph._parse.is_blank` of each cell (of text cells, by whole lists)."""
    if set(map(type, cells)) <= {str}:
        return list(map(not_, map(str.strip, cells)))
    return list(map(_parse.is_blank, cells))


def any_blank(cells: Sequence[Any]) -> bool:
    if set(map(type, cells)) <= {str}:
        return not all(map(str.strip, cells))
    return any(map(_parse.is_blank, cells))


def check_column(field: Field, column: Sequence[Any]) -> tuple[list[Any], list[Any]]:
    """Each cell's :meth:`Field.check`, and the distinct results; equal cells are validated once. (For a
    :class:`Coded` column the distinct results are its cells', in the order of ``column.cells``.)"""
    if isinstance(column, Coded):  # text cells, distinct ones listed by the reader
        results = field.check_all(column.cells)
        return column.take(results), results
    try:
        distinct = list(set(column))
    except TypeError:  # a list or another unhashable cell
        distinct = None
    # Equal cells of different types (1, 1.0, True) are one cell of the set: its types show whether any may be.
    if distinct is not None and (set(map(type, distinct)) <= _TEXT or any(map(set(map(type, column)).__le__,
                                                                                 _BY_VALUE))):
        if len(distinct) == len(column):  # no cell repeats (ids): no lookup
            checked = field.check_all(list(column))
            return checked, checked
        results = dict(zip(distinct, field.check_all(distinct), strict=True))
        return list(map(results.__getitem__, column)), list(results.values())
    # Typed cells (a workbook's numbers and dates, JSON lists): by type and value where that decides.
    memo: dict[Any, Any] = {}
    out = []
    for value in column:
        key = _key(value)
        if key is None:
            out.append(field.check(value))
        elif key in memo:
            out.append(memo[key])
        else:
            out.append(memo.setdefault(key, field.check(value)))
    return out, out


def _key(value: Any) -> Any:
    kind = type(value)
    if kind in (str, int, bool, dt.date, type(None)) or (kind is float and value == value and value != 0):
        return kind, value
    return None  # a datetime (equal across time zones), a zero or NaN float, a list: validated on its own


class Checked(NamedTuple):
    """A table's cells, validated a column at a time: every field's values in row order (a blank optional
    cell holds the field's default), which optional fields each row filled, and the rows that failed."""

    values: dict[str, list[Any]]  # every field of the model, in its order
    always: set[str]  # the fields every row gives (required, or a column with no blank cell)
    filled: dict[str, list[bool]]  # optional columns with a blank cell: the rows that fill them
    count: int
    failed: list[int]  # positions of the rows with a cell that failed (their values there are FAIL)


def check_table(model: type[Row], columns: dict[str, Sequence[Any]], count: int) -> Checked:
    """``count`` rows' cells checked: each mapped field's cells (``None`` where a row has no cell; a required
    field the table lacks comes as a column of ``None``)."""
    values: dict[str, list[Any]] = {}
    always = {n for n, f in fields(model).items() if f.required or n in columns}
    filled: dict[str, list[bool]] = {}
    failed: set[int] = set()
    for name, field in fields(model).items():
        if name not in columns:
            values[name] = [field.default() for _ in range(count)] if field.fresh else [field.default()] * count
            continue
        column = columns[name]
        checked, distinct = check_column(field, column)
        if any(map(is_, distinct, repeat(FAIL))):
            failed.update(i for i, v in enumerate(checked) if v is FAIL)
        if any(map(is_, distinct, repeat(BLANK))):
            always.discard(name)
            if isinstance(column, Coded) and not field.fresh:  # once per distinct cell (``distinct`` is per cell)
                filled[name] = column.take([v is not BLANK for v in distinct])
                checked = column.take([field.default() if v is BLANK else v for v in distinct])
            else:
                filled[name] = [v is not BLANK for v in checked]
                checked = [field.default() if v is BLANK else v for v in checked]
        if any(map(isinstance, distinct, repeat(_MUTABLE))):
            checked = [v.copy() if isinstance(v, _MUTABLE) else v for v in checked]  # each row its own list
        values[name] = checked
    return Checked(values, always, filled, count, sorted(failed))


def make_rows(model: type[Row], checked: Checked) -> list[Row | None]:
    """The rows of a checked table, as ``model_validate`` makes them; ``None`` where a row failed."""
    names = list(checked.values)
    rows: list[Row | None] = construct_many(  # type: ignore[assignment]  # (the failed rows are set to None)
        model, map(dict, map(zip, repeat(names), zip(*checked.values.values(), strict=True))),
        _fields_sets(checked.always, checked.filled, checked.count), checked.count)
    for i in checked.failed:
        rows[i] = None
    return rows


def _fields_sets(always: set[str], filled: dict[str, list[bool]], count: int) -> Iterable[set[str]]:
    """Each row's ``model_fields_set``: the fields given a cell, as ``model_validate`` records them. Rows that
    fill the same columns share one set (the rows are frozen, and ``model_copy`` copies the set)."""
    if not filled:
        return repeat(set(always), count)
    patterns = list(zip(*filled.values(), strict=True))
    sets = {p: always | {n for n, given in zip(filled, p, strict=True) if given} for p in set(patterns)}
    return map(sets.__getitem__, patterns)
