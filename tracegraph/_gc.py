"""The cyclic garbage collector paused while a pass builds many acyclic containers.

Reading, validating and indexing a national dataset creates millions of dicts, lists, tuples and rows, none
of them in a cycle: every full collection they would trigger scans all live objects and frees nothing.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """The collector off for the duration (usable as a decorator); restored to its previous state after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
