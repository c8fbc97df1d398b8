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


def construct_many(model: type[_M], values: Iterable[dict[str, Any]], fields_sets: Iterable[set[str]],
                   count: int) -> list[_M]:
    """``count`` instances of ``model``, each from a dict giving every field (under its name, not an alias) and
    the set of fields recorded as given. By ``map``, a column at a time: a Python loop per instance would cost
    more than the rest. A model with its own ``__new__``, private attributes or extra fields is made by
    ``model_construct`` instead, which knows what they need."""
    if (model.__new__ is not object.__new__ or model.__private_attributes__
            or model.model_config.get("extra") == "allow"):
        return [model.model_construct(s, **v) for v, s in zip(values, fields_sets, strict=True)]
    made = list(map(object.__new__, repeat(model, count)))
    for name, column in (("__dict__", values), ("__pydantic_fields_set__", fields_sets),
                         ("__pydantic_extra__", repeat(None)), ("__pydantic_private__", repeat(None))):
        deque(map(object.__setattr__, made, repeat(name), column), maxlen=0)
    return made
