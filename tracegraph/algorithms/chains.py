"""Chains: which standards are valid and traceable at a date, and where a chain breaks."""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Iterable
from typing import Literal

import networkx as nx
from pydantic import BaseModel

from tracegraph._index import Index, compile_graph
from tracegraph.i18n import Lang, t

Problem = Literal["expired_certificate", "suspended", "retired"]


def _invalid_reason(attrs: dict, as_of: dt.date) -> Problem | None:
    if attrs["status"] != "in_service":
        return attrs["status"]
    if attrs["primary"]:
        return None
    expiry = attrs.get("certificate_expiry")
    return "expired_certificate" if expiry is None or expiry < as_of else None


def is_valid(attrs: dict, as_of: dt.date) -> bool:
    """A standard is valid when in service and (primary or its certificate has not expired)."""
    return _invalid_reason(attrs, as_of) is None


def traceable_in(ix: Index, as_of: dt.date, *, failed: Iterable[str] = (),
                 renewed: Iterable[str] = ()) -> set[str]:
    """Least fixpoint: start from valid primaries and walk down links valid at ``as_of``.

    ``failed`` standards count as invalid (impact analysis); ``renewed`` ones have a fresh
    certificate and fresh upstream links (planning). Cycles never make anything traceable
    because only standards reached from a primary are ever added.
    """
    failed, renewed = set(failed), set(renewed)

    def valid(s: str) -> bool:
        attrs = ix.standards[s]
        if s in failed:
            return False
        if s in renewed:
            return attrs["status"] == "in_service"
        return is_valid(attrs, as_of)

    reached = {s for s, a in ix.standards.items() if a["primary"] and valid(s)}
    queue = deque(reached)
    while queue:
        u = queue.popleft()
        for s in ix.downstream.get(u, ()):
            if s not in reached and (ix.upstream[s][u] >= as_of or s in renewed) and valid(s):
                reached.add(s)
                queue.append(s)
    return reached


def valid_standards(G: nx.MultiDiGraph, as_of: dt.date) -> set[str]:
    return {s for s, a in compile_graph(G).standards.items() if is_valid(a, as_of)}


def traceable_standards(G: nx.MultiDiGraph, as_of: dt.date) -> set[str]:
    """Ids of the standards traceable to a primary standard at ``as_of``."""
    return traceable_in(compile_graph(G), as_of)


class ChainNode(BaseModel):
    id: str
    name: str
    institution: str
    level: str
    primary: bool
    status: str
    certificate_expiry: dt.date | None
    valid: bool
    traceable: bool
    problem: str | None = None  # expired_certificate / suspended / retired / no_upstream


class ChainLink(BaseModel):
    standard: str
    upstream: str
    valid_until: dt.date
    valid: bool


class Break(BaseModel):
    """Where a chain stops reaching a primary: an expired link, an invalid standard, or no upstream."""

    kind: Literal["expired_link", "invalid_standard", "no_upstream"]
    standard: str
    upstream: str | None = None
    reason: str  # expired_link / no_upstream / expired_certificate / suspended / retired
    valid_until: dt.date | None = None  # of the expired link

    def describe(self, lang: Lang = "en") -> str:
        reason = t(self.reason, lang)
        if self.kind == "expired_link":
            return f"{self.standard} → {self.upstream} ({reason} {self.valid_until})"
        return f"{self.standard} ({reason})"


class Chain(BaseModel):
    standard: str
    as_of: dt.date
    traceable: bool
    nodes: list[ChainNode]
    links: list[ChainLink]
    paths: list[list[str]]
    breaks: list[Break]


MAX_PATHS = 500


def chain_in(ix: Index, standard: str, as_of: dt.date, traceable: set[str] | None = None) -> Chain:
    if standard not in ix.standards:
        raise KeyError(f"unknown standard id: {standard}")
    traceable = traceable_in(ix, as_of) if traceable is None else traceable
    seen = _upstream_closure(ix, standard)
    nodes = [_chain_node(ix, s, as_of, traceable) for s in seen]
    links = [
        ChainLink(standard=s, upstream=u, valid_until=ix.upstream[s][u], valid=ix.upstream[s][u] >= as_of)
        for s in seen for u in sorted(ix.upstream.get(s, {}))
    ]
    return Chain(standard=standard, as_of=as_of, traceable=standard in traceable, nodes=nodes, links=links,
                 paths=_paths(ix, standard), breaks=breaks_in(ix, standard, as_of, traceable))


def chain(G: nx.MultiDiGraph, standard: str, as_of: dt.date) -> Chain:
    """The chain of a standard up to primary standards, each node and link marked."""
    return chain_in(compile_graph(G), standard, as_of)


def _upstream_closure(ix: Index, standard: str) -> list[str]:
    # Upstreams in id order: the same chain reads the same whichever backend built the index.
    seen, queue = {standard: None}, deque([standard])
    while queue:
        for u in sorted(ix.upstream.get(queue.popleft(), {})):
            if u not in seen:
                seen[u] = None
                queue.append(u)
    return list(seen)


def _chain_node(ix: Index, s: str, as_of: dt.date, traceable: set[str]) -> ChainNode:
    a = ix.standards[s]
    inst = ix.institutions[a["institution"]]
    problem = _invalid_reason(a, as_of)
    if problem is None and not a["primary"] and not ix.upstream.get(s):
        problem = "no_upstream"
    return ChainNode(id=s, name=a["name"], institution=a["institution"], level=inst["level"], primary=a["primary"],
                     status=a["status"], certificate_expiry=a.get("certificate_expiry"), valid=is_valid(a, as_of),
                     traceable=s in traceable, problem=problem)


def _paths(ix: Index, standard: str) -> list[list[str]]:
    """Upward paths ending at a primary or a dead end (at most MAX_PATHS, depth-first)."""
    paths: list[list[str]] = []
    stack: list[list[str]] = [[standard]]
    while stack and len(paths) < MAX_PATHS:
        path = stack.pop()
        ups = [u for u in sorted(ix.upstream.get(path[-1], {})) if u not in path]
        if not ups or ix.standards[path[-1]]["primary"]:
            paths.append(path)
        stack.extend([*path, u] for u in reversed(ups))
    return paths


def breaks_in(ix: Index, standard: str, as_of: dt.date, traceable: set[str]) -> list[Break]:
    """The nearest points where every upward path of an untraceable standard stops.

    Walking up from the standard: an invalid standard, an expired link, or a valid
    non-primary standard with no upstream is a break; a traceable upstream ends the walk.
    """
    if standard in traceable:
        return []
    breaks: list[Break] = []
    seen: set[str] = set()
    stack = [standard]
    while stack:
        s = stack.pop()
        if s in seen:
            continue
        seen.add(s)
        reason = _invalid_reason(ix.standards[s], as_of)
        if reason is not None:
            breaks.append(Break(kind="invalid_standard", standard=s, reason=reason))
            continue
        ups = ix.upstream.get(s, {})
        if not ups and not ix.standards[s]["primary"]:
            breaks.append(Break(kind="no_upstream", standard=s, reason="no_upstream"))
        for u, until in ups.items():
            if until < as_of:
                breaks.append(Break(kind="expired_link", standard=s, upstream=u, reason="expired_link",
                                    valid_until=until))
            elif u not in traceable:
                stack.append(u)
    return sorted(breaks, key=break_order)


def break_order(b: Break) -> tuple[str, str, str]:
    """One order for break points, whichever backend found them."""
    return (b.kind, b.standard, b.upstream or "")
