"""Many pydantic instances from values already of the fields' types, made as ``model_construct`` makes them.

Validation (:mod:`tracegraph._fastparse`) and the figures (:mod:`tracegraph.algorithms.coverage`) both end with
tens of thousands of instances whose values are known to be valid: the rows of a checked table, and the figures
of every region and filter, computed as exact ints and floats. ``model_validate`` would check them again, and
``model_construct`` looks up every field per instance; here the attributes are set a column at a time.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from itertools import repeat
from typing import Any, TypeVar

from pydantic import BaseModel

_M = TypeVar("_M", bound=BaseModel)


def construct_many(model: type[_M], values: Iterable[dict[str, Any]], fields_sets: Iterable[set[str]] | None = None,
                   count: int | None = None) -> list[_M]:
    """Instances of ``model``, each from a dict giving every field (under its name, not an alias), and the set of
    fields each records as given: by default every field, in one set they share (assigning a field later adds
    a name already in it). ``count``: how many, when ``values`` is an iterator. By ``map``, a column at a time:
    a Python loop per instance would cost more than the rest. A model with its own ``__new__``, private
    attributes or extra fields is made by ``model_construct`` instead, which knows what they need."""
    n = len(values) if count is None else count  # type: ignore[arg-type]  # (a sized iterable without count)
    sets = repeat(set(model.model_fields)) if fields_sets is None else fields_sets
    if (model.__new__ is not object.__new__ or model.__private_attributes__
            or model.model_config.get("extra") == "allow"):
        return [model.model_construct(s, **v) for v, s in zip(values, sets, strict=False)]  # (sets may repeat)
    made = list(map(object.__new__, repeat(model, n)))
    for name, column in (("__dict__", values), ("__pydantic_fields_set__", sets),
                         ("__pydantic_extra__", repeat(None)), ("__pydantic_private__", repeat(None))):
        deque(map(object.__setattr__, made, repeat(name), column), maxlen=0)
    return made
