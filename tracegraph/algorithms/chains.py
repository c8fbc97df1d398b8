"""Chains: which standards are valid and traceable at a date, and where a chain breaks."""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Iterable
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel

from tracegraph._index import Index, compile_graph
from tracegraph.i18n import Lang, t

if TYPE_CHECKING:
    import networkx as nx

Problem = Literal["not_established", "expired_certificate", "suspended", "retired"]
LinkProblem = Literal["expired_link", "not_yet_valid"]


def established_by(attrs: dict, as_of: dt.date) -> bool:
    """A standard whose ``established`` date is after ``as_of`` does not exist yet at ``as_of``."""
    established = attrs.get("established")
    return established is None or established <= as_of


def invalid_reason(attrs: dict, as_of: dt.date) -> Problem | None:
    """Why a standard is not valid at ``as_of`` (None when it is): the reason chains and gaps report."""
    # Not established yet comes first: at ``as_of`` the standard does not exist, whatever its status.
    if not established_by(attrs, as_of):
        return "not_established"
    if attrs["status"] != "in_service":
        return attrs["status"]
    if attrs["primary"]:
        return None
    expiry = attrs.get("certificate_expiry")
    return "expired_certificate" if expiry is None or expiry < as_of else None


def is_valid(attrs: dict, as_of: dt.date) -> bool:
    """A standard is valid when it exists (not established after ``as_of``), is in service, and is
    primary or its certificate has not expired."""
    return invalid_reason(attrs, as_of) is None


def link_problem(valid_until: dt.date, calibrated_on: dt.date | None, as_of: dt.date) -> LinkProblem | None:
    """Why a link does not count at ``as_of``: calibrated after it ("not_yet_valid", checked first) or
    ``valid_until`` before it ("expired_link"); None when the link is valid."""
    if calibrated_on is not None and calibrated_on > as_of:
        return "not_yet_valid"
    if valid_until < as_of:
        return "expired_link"
    return None


def link_valid_in(ix: Index, s: str, u: str, as_of: dt.date) -> bool:
    """The link s → u is valid at ``as_of``: calibrated_on (when given) ≤ as_of ≤ valid_until."""
    return ix.link_valid(s, u, as_of)


def traceable_in(ix: Index, as_of: dt.date, *, failed: Iterable[str] = (),
                 renewed: Iterable[str] = ()) -> set[str]:
    """Least fixpoint: start from valid primaries and walk down links valid at ``as_of``.

    ``failed`` standards count as invalid (impact analysis); ``renewed`` ones have a fresh
    certificate and fresh upstream links (planning: their links count whatever their dates), but
    a renewal does not make a standard established after ``as_of`` exist. Cycles never make
    anything traceable because only standards reached from a primary are ever added.
    """
    A = ix.arrays
    return A.ids(A.traceable(as_of, failed, renewed))


def traceable_walk(ix: Index, as_of: dt.date, *, failed: Iterable[str] = (),
                   renewed: Iterable[str] = ()) -> set[str]:
    """:func:`traceable_in` walked standard by standard (the definition; the tests compare the two)."""
    failed, renewed = set(failed), set(renewed)

    def valid(s: str) -> bool:
        attrs = ix.standards[s]
        if s in failed:
            return False
        if s in renewed:
            return attrs["status"] == "in_service" and established_by(attrs, as_of)
        return is_valid(attrs, as_of)

    reached = {s for s, a in ix.standards.items() if a["primary"] and valid(s)}
    queue = deque(reached)
    while queue:
        u = queue.popleft()
        for s in ix.downstream.get(u, ()):
            if s not in reached and (s in renewed or ix.link_valid(s, u, as_of)) and valid(s):
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
    problem: str | None = None  # not_established / expired_certificate / suspended / retired / no_upstream
    established: dt.date | None = None


class ChainLink(BaseModel):
    standard: str
    upstream: str
    valid_until: dt.date
    valid: bool
    calibrated_on: dt.date | None = None
    problem: LinkProblem | None = None  # why the link does not count at the chain's date


class Break(BaseModel):
    """Where a chain stops reaching a primary: an expired link, an invalid standard, or no upstream."""

    kind: Literal["expired_link", "invalid_standard", "no_upstream"]
    standard: str
    upstream: str | None = None
    # expired_link / not_yet_valid (a link calibrated after the date) / no_upstream /
    # not_established / expired_certificate / suspended / retired
    reason: str
    valid_until: dt.date | None = None  # of the link that does not count
    calibrated_on: dt.date | None = None  # of the link that does not count, when given

    def describe(self, lang: Lang = "en") -> str:
        reason = t(self.reason, lang)
        if self.kind == "expired_link":
            when = self.calibrated_on if self.reason == "not_yet_valid" else self.valid_until
            return f"{self.standard} → {self.upstream} ({reason} {when})"
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
    links = [_chain_link(ix, s, u, as_of) for s in seen for u in sorted(ix.upstream.get(s, {}))]
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


def _chain_link(ix: Index, s: str, u: str, as_of: dt.date) -> ChainLink:
    until, calibrated = ix.upstream[s][u], ix.calibrated_on.get((s, u))
    problem = link_problem(until, calibrated, as_of)
    return ChainLink(standard=s, upstream=u, valid_until=until, valid=problem is None, calibrated_on=calibrated,
                     problem=problem)


def _chain_node(ix: Index, s: str, as_of: dt.date, traceable: set[str]) -> ChainNode:
    a = ix.standards[s]
    inst = ix.institutions[a["institution"]]
    problem = invalid_reason(a, as_of)
    if problem is None and not a["primary"] and not ix.upstream.get(s):
        problem = "no_upstream"
    return ChainNode(id=s, name=a["name"], institution=a["institution"], level=inst["level"], primary=a["primary"],
                     status=a["status"], certificate_expiry=a.get("certificate_expiry"), valid=is_valid(a, as_of),
                     traceable=s in traceable, problem=problem, established=a.get("established"))


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

    Walking up from the standard: an invalid standard (not established yet included), a link
    that does not count (expired, or calibrated after ``as_of``: reason "not_yet_valid"), or a
    valid non-primary standard with no upstream is a break; a traceable upstream ends the walk.
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
        reason = invalid_reason(ix.standards[s], as_of)
        if reason is not None:
            breaks.append(Break(kind="invalid_standard", standard=s, reason=reason))
            continue
        ups = ix.upstream.get(s, {})
        if not ups and not ix.standards[s]["primary"]:
            breaks.append(Break(kind="no_upstream", standard=s, reason="no_upstream"))
        for u, until in ups.items():
            calibrated = ix.calibrated_on.get((s, u))
            problem = link_problem(until, calibrated, as_of)
            if problem is not None:
                breaks.append(Break(kind="expired_link", standard=s, upstream=u, reason=problem,
                                    valid_until=until, calibrated_on=calibrated))
            elif u not in traceable:
                stack.append(u)
    return sorted(breaks, key=break_order)


def break_order(b: Break) -> tuple[str, str, str]:
    """One order for break points, whichever backend found them."""
    return (b.kind, b.standard, b.upstream or "")
