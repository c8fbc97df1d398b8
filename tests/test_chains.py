"""Chains (spec/figures.md § Chains): validity, traceability as a least fixpoint, chain paths and breaks.

Every graph here is small enough to check by hand; each docstring shows the reasoning.
Graphs are built straight from a ``Dataset`` with ``build_graph`` (no validation), so the
algorithms are also exercised on inputs the validator would refuse (cycles).
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from builders import AS_OF, EARLIER, LATER, calibrated_link, dataset, link, std

from tracegraph._index import compile_graph
from tracegraph.algorithms import chain, is_valid, traceable_standards, valid_standards
from tracegraph.algorithms.chains import traceable_in
from tracegraph.graph import build_graph
from tracegraph.models import Standard

DAY = dt.timedelta(days=1)


def graph(standards: list[Standard], links=()):
    return build_graph(dataset(standards, list(links), []))


def traced(standards: list[Standard], links=(), as_of: dt.date = AS_OF) -> set[str]:
    return traceable_standards(graph(standards, links), as_of)


def primary(id: str = "P", institution: str = "NIM", **kw) -> Standard:
    return std(id, institution, primary=True, **kw)


# --- validity ----------------------------------------------------------------------------


def test_in_service_primary_is_valid_and_traceable():
    """P: in_service, primary → valid (no expiry needed) and traceable by itself."""
    assert traced([primary()]) == {"P"}
    assert valid_standards(graph([primary()]), AS_OF) == {"P"}


def test_primary_with_past_certificate_expiry_is_still_valid():
    """Valid = in_service and (primary OR expiry ≥ D): a primary's expiry (2025-06-01 < D) does not matter,
    so P is valid, traceable, and A → P is traceable too."""
    p = primary().model_copy(update={"certificate_expiry": EARLIER})
    assert p.certificate_expiry == EARLIER
    assert is_valid(p.model_dump(), AS_OF)
    assert traced([p, std("A", "PROV")], [link("A", "P")]) == {"P", "A"}
    c = chain(graph([p]), "P", AS_OF)
    assert c.traceable and c.breaks == []


def test_certificate_expiring_exactly_on_d_is_valid():
    """expiry == D satisfies expiry ≥ D: A valid, A → P traceable. expiry == D−1 day: A invalid, not traceable."""
    on_d = std("A", "PROV", expiry=AS_OF)
    day_before = std("A", "PROV", expiry=AS_OF - DAY)
    assert is_valid(on_d.model_dump(), AS_OF)
    assert not is_valid(day_before.model_dump(), AS_OF)
    assert traced([primary(), on_d], [link("A", "P")]) == {"P", "A"}
    assert traced([primary(), day_before], [link("A", "P")]) == {"P"}
    assert valid_standards(graph([primary(), day_before]), AS_OF) == {"P"}


def test_link_valid_until_exactly_d_is_valid():
    """valid_until == D satisfies valid_until ≥ D: A traceable. valid_until == D−1: A is valid but not traceable."""
    assert traced([primary(), std("A", "PROV")], [link("A", "P", AS_OF)]) == {"P", "A"}
    G = graph([primary(), std("A", "PROV")], [link("A", "P", AS_OF - DAY)])
    assert traceable_standards(G, AS_OF) == {"P"}
    assert valid_standards(G, AS_OF) == {"P", "A"}


@pytest.mark.parametrize("status", ["suspended", "retired"])
@pytest.mark.parametrize("is_primary", [True, False])
def test_suspended_or_retired_is_never_valid(status, is_primary):
    """status ≠ in_service → invalid whatever else holds (primary, far expiry). Standard X with status
    suspended/retired: X is not valid, not traceable, and B → X is not traceable either."""
    p = primary()
    x = std("X", "PROV", primary=is_primary, status=status, expiry=LATER)
    b = std("B", "CITY4")
    links = [link("B", "X")] + ([] if is_primary else [link("X", "P")])
    G = graph([p, x, b], links)
    assert not is_valid(x.model_dump(), AS_OF)
    assert "X" not in valid_standards(G, AS_OF)
    assert traceable_standards(G, AS_OF) == {"P"}


def test_valid_but_unlinked_non_primary_is_not_traceable():
    """A: in_service, expiry 2028 → valid; non-primary with no link → not traceable."""
    G = graph([primary(), std("A", "PROV")])
    assert valid_standards(G, AS_OF) == {"P", "A"}
    assert traceable_standards(G, AS_OF) == {"P"}


def test_traceability_is_transitive_and_breaks_propagate_down():
    """C → B → A → P, all valid links: {P, A, B, C}. Expire B's certificate: B invalid, so B and C
    (whose only path runs through B) drop: {P, A}."""
    links = [link("A", "P"), link("B", "A"), link("C", "B")]
    ok = [primary(), std("A", "PROV"), std("B", "CITY4"), std("C", "CTY402")]
    assert traced(ok, links) == {"P", "A", "B", "C"}
    bad = [primary(), std("A", "PROV"), std("B", "CITY4", expiry=EARLIER), std("C", "CTY402")]
    assert traced(bad, links) == {"P", "A"}


# --- least fixpoint --------------------------------------------------------------------------


def test_cycle_without_primary_is_not_traceable():
    """A → B → A, both valid, no primary anywhere in reach. The greatest fixpoint would call both
    traceable (each justifies the other); the least fixpoint calls neither. C → A hangs off the cycle:
    also untraceable. P is an unrelated primary: {P}."""
    standards = [primary(), std("A", "PROV"), std("B", "PROV"), std("C", "CITY4")]
    links = [link("A", "B"), link("B", "A"), link("C", "A")]
    G = graph(standards, links)
    assert valid_standards(G, AS_OF) == {"P", "A", "B", "C"}
    assert traceable_standards(G, AS_OF) == {"P"}
    assert chain(G, "A", AS_OF).traceable is False
    assert chain(G, "C", AS_OF).traceable is False


def test_cycle_with_an_exit_to_a_primary_is_traceable():
    """A → B, B → A and also A → P: A traceable through P, then B through A: {P, A, B}."""
    standards = [primary(), std("A", "PROV"), std("B", "PROV")]
    assert traced(standards, [link("A", "B"), link("B", "A"), link("A", "P")]) == {"P", "A", "B"}


def test_self_loop_is_not_traceable():
    """A → A (refused by the validator) does not justify A: {P}."""
    assert traced([primary(), std("A", "PROV")], [link("A", "A")]) == {"P"}


# --- redundancy ----------------------------------------------------------------------------


def test_two_upstreams_one_expired_link_still_traceable():
    """A → U1 (link expired 2025-06-01) and A → U2 (valid), U1, U2 → P: A traceable through U2.
    Its chain has no break, and marks A→U1 invalid, A→U2 valid."""
    standards = [primary(), std("U1", "NIM"), std("U2", "NIM"), std("A", "PROV")]
    links = [link("U1", "P"), link("U2", "P"), link("A", "U1", EARLIER), link("A", "U2")]
    G = graph(standards, links)
    assert traceable_standards(G, AS_OF) == {"P", "U1", "U2", "A"}
    c = chain(G, "A", AS_OF)
    assert c.traceable and c.breaks == []
    marks = {(lk.standard, lk.upstream): lk.valid for lk in c.links}
    assert marks == {("A", "U1"): False, ("A", "U2"): True, ("U1", "P"): True, ("U2", "P"): True}


def test_both_upstreams_broken_is_not_traceable():
    """A → U1 (expired link), A → U2 where U2's certificate expired: no path left, A not traceable."""
    standards = [primary(), std("U1", "NIM"), std("U2", "NIM", expiry=EARLIER), std("A", "PROV")]
    links = [link("U1", "P"), link("U2", "P"), link("A", "U1", EARLIER), link("A", "U2")]
    assert traced(standards, links) == {"P", "U1"}


# --- the chain of a standard -----------------------------------------------------------------


def diamond():
    """C → A1 → P, C → A2 → P (a diamond): two paths."""
    standards = [primary(), std("A1", "PROV"), std("A2", "PROV"), std("C", "CTY402")]
    links = [link("A1", "P"), link("A2", "P"), link("C", "A1"), link("C", "A2")]
    return graph(standards, links)


def test_chain_paths_nodes_and_links():
    """The diamond: paths {C-A1-P, C-A2-P}; nodes {C, A1, A2, P} all valid and traceable; 4 links all valid.
    Node levels follow the holder: C county, A1/A2 province, P national."""
    c = chain(diamond(), "C", AS_OF)
    assert c.standard == "C" and c.as_of == AS_OF and c.traceable
    assert sorted(map(tuple, c.paths)) == [("C", "A1", "P"), ("C", "A2", "P")]
    nodes = {n.id: n for n in c.nodes}
    assert set(nodes) == {"C", "A1", "A2", "P"}
    assert all(n.valid and n.traceable and n.problem is None for n in nodes.values())
    assert {k: n.level for k, n in nodes.items()} == {"C": "county", "A1": "province", "A2": "province",
                                                       "P": "national"}
    assert nodes["P"].primary and not nodes["C"].primary
    assert {(lk.standard, lk.upstream, lk.valid) for lk in c.links} == {
        ("C", "A1", True), ("C", "A2", True), ("A1", "P", True), ("A2", "P", True)}
    assert c.breaks == []


def test_chain_of_a_primary_is_itself():
    """P's chain: one path [P], one node, no link, no break."""
    c = chain(diamond(), "P", AS_OF)
    assert c.paths == [["P"]] and [n.id for n in c.nodes] == ["P"] and c.links == [] and c.breaks == []


def test_chain_only_goes_up():
    """A1's chain holds A1 and P only, not the downstream C nor the sibling A2."""
    c = chain(diamond(), "A1", AS_OF)
    assert {n.id for n in c.nodes} == {"A1", "P"}
    assert c.paths == [["A1", "P"]]


def test_break_expired_link_names_the_link():
    """C → A → P with A → P valid until 2025-06-01 < D: one break, the expired link A → P.
    C and A are valid but untraceable; the link is marked invalid in the chain."""
    standards = [primary(), std("A", "PROV"), std("C", "CTY402")]
    G = graph(standards, [link("A", "P", EARLIER), link("C", "A")])
    c = chain(G, "C", AS_OF)
    assert not c.traceable
    assert [(b.kind, b.standard, b.upstream) for b in c.breaks] == [("expired_link", "A", "P")]
    text = c.breaks[0].describe()
    assert "A" in text and "P" in text
    marks = {(lk.standard, lk.upstream): lk.valid for lk in c.links}
    assert marks == {("C", "A"): True, ("A", "P"): False}
    nodes = {n.id: n for n in c.nodes}
    assert nodes["A"].valid and not nodes["A"].traceable
    assert nodes["P"].traceable


@pytest.mark.parametrize(("kw", "reason"), [
    ({"expiry": EARLIER}, "expired_certificate"),
    ({"status": "suspended"}, "suspended"),
    ({"status": "retired"}, "retired"),
])
def test_break_invalid_standard_names_the_standard_and_reason(kw, reason):
    """C → M → P, links valid, M invalid (expired / suspended / retired): the break is M with that reason;
    nothing past M (P is fine) and nothing below it (C is valid) is reported."""
    standards = [primary(), std("M", "PROV", **kw), std("C", "CTY402")]
    G = graph(standards, [link("M", "P"), link("C", "M")])
    c = chain(G, "C", AS_OF)
    assert not c.traceable
    assert [(b.kind, b.standard, b.reason) for b in c.breaks] == [("invalid_standard", "M", reason)]
    nodes = {n.id: n for n in c.nodes}
    assert not nodes["M"].valid and nodes["M"].problem == reason
    assert nodes["C"].valid and not nodes["C"].traceable


def test_break_at_the_standard_itself_when_it_is_invalid():
    """C (certificate expired) → P: C's own invalidity is the break."""
    G = graph([primary(), std("C", "CTY402", expiry=EARLIER)], [link("C", "P")])
    c = chain(G, "C", AS_OF)
    assert [(b.kind, b.standard, b.reason) for b in c.breaks] == [("invalid_standard", "C", "expired_certificate")]


def test_break_no_upstream():
    """C → A, A valid non-primary with no link at all: the break is A having no upstream."""
    G = graph([primary(), std("A", "PROV"), std("C", "CTY402")], [link("C", "A")])
    c = chain(G, "C", AS_OF)
    assert [(b.kind, b.standard) for b in c.breaks] == [("no_upstream", "A")]
    assert {n.id: n.problem for n in c.nodes}["A"] == "no_upstream"
    assert c.paths == [["C", "A"]]


def test_every_broken_branch_is_reported():
    """C → U1 (link expired), C → U2 (U2 retired), C → U3 → nothing: three breaks, one of each kind;
    the sound part (U2 → P link, P itself) is not a break."""
    standards = [primary(), std("U1", "NIM"), std("U2", "NIM", status="retired"), std("U3", "PROV"),
                 std("C", "CTY402")]
    links = [link("U1", "P"), link("U2", "P"), link("C", "U1", EARLIER), link("C", "U2"), link("C", "U3")]
    c = chain(graph(standards, links), "C", AS_OF)
    assert not c.traceable
    got = {(b.kind, b.standard, b.upstream) for b in c.breaks}
    assert got == {("expired_link", "C", "U1"), ("invalid_standard", "U2", None), ("no_upstream", "U3", None)}


def test_traceable_standard_has_no_break_even_with_a_broken_side_branch():
    """C → A (valid) → P and C → B (link expired): C is traceable, so its chain has no break."""
    standards = [primary(), std("A", "PROV"), std("B", "PROV"), std("C", "CTY402")]
    links = [link("A", "P"), link("B", "P"), link("C", "A"), link("C", "B", EARLIER)]
    c = chain(graph(standards, links), "C", AS_OF)
    assert c.traceable and c.breaks == []


def test_chain_depends_on_as_of():
    """A → P valid until 2026-01-01: traceable at D, broken (expired link) on 2026-01-02."""
    G = graph([primary(), std("A", "PROV")], [link("A", "P", AS_OF)])
    assert chain(G, "A", AS_OF).traceable
    later = chain(G, "A", AS_OF + DAY)
    assert not later.traceable
    assert [(b.kind, b.standard, b.upstream) for b in later.breaks] == [("expired_link", "A", "P")]


def test_unknown_standard_is_an_error():
    with pytest.raises(KeyError):
        chain(diamond(), "NOPE", AS_OF)


# --- dates of links and standards (calibrated_on, established) -------------------------------------


def test_link_calibrated_after_d_does_not_count_yet():
    """A → P calibrated on D+1 (valid until 2028): at D the link does not count, A is valid but not traceable;
    from D+1 on, A is traceable. Calibrated on D exactly counts at D."""
    G = graph([primary(), std("A", "PROV")], [calibrated_link("A", "P", AS_OF + DAY)])
    assert traceable_standards(G, AS_OF) == {"P"}
    assert valid_standards(G, AS_OF) == {"P", "A"}
    assert traceable_standards(G, AS_OF + DAY) == {"P", "A"}
    assert traced([primary(), std("A", "PROV")], [calibrated_link("A", "P", AS_OF)]) == {"P", "A"}
    assert traced([primary(), std("A", "PROV")], [calibrated_link("A", "P", None)]) == {"P", "A"}


def test_chain_marks_a_link_calibrated_after_d_not_yet_valid():
    """C → A (valid) → P calibrated 2026-03-01 (after D): the chain marks A → P not valid with problem
    not_yet_valid, and the break is that link with reason not_yet_valid, naming the calibration date."""
    march = dt.date(2026, 3, 1)
    G = graph([primary(), std("A", "PROV"), std("C", "CTY402")],
              [calibrated_link("A", "P", march), link("C", "A")])
    c = chain(G, "C", AS_OF)
    assert not c.traceable
    marks = {(lk.standard, lk.upstream): (lk.valid, lk.problem, lk.calibrated_on) for lk in c.links}
    assert marks == {("C", "A"): (True, None, None), ("A", "P"): (False, "not_yet_valid", march)}
    [b] = c.breaks
    assert (b.kind, b.standard, b.upstream, b.reason, b.calibrated_on) == ("expired_link", "A", "P",
                                                                            "not_yet_valid", march)
    assert b.describe("en") == "A → P (not yet valid, calibrated 2026-03-01)"
    assert "2026-03-01" in b.describe("zh") and "尚未生效" in b.describe("zh")
    assert chain(G, "C", march).traceable and chain(G, "C", march).breaks == []


def test_expired_link_keeps_its_reason_and_date():
    """A → P valid until 2025-06-01, calibrated 2024-06-01: expired at D (reason expired_link), not
    'not yet valid'; the link's problem in the chain is expired_link."""
    G = graph([primary(), std("A", "PROV")], [calibrated_link("A", "P", dt.date(2024, 6, 1), EARLIER)])
    c = chain(G, "A", AS_OF)
    assert [(b.reason, b.valid_until) for b in c.breaks] == [("expired_link", EARLIER)]
    assert [lk.problem for lk in c.links] == ["expired_link"]
    assert c.breaks[0].describe("en") == "A → P (link expired 2025-06-01)"


def test_not_yet_valid_wins_over_expired_when_both_hold():
    """Calibrated after D and valid_until before D (refused by the validator): reason not_yet_valid."""
    G = graph([primary(), std("A", "PROV")], [calibrated_link("A", "P", AS_OF + DAY, EARLIER)])
    assert [b.reason for b in chain(G, "A", AS_OF).breaks] == ["not_yet_valid"]


def test_standard_established_after_d_does_not_exist_yet():
    """A established on D+1, link A → P valid: at D, A is not valid (problem not_established) and not
    traceable, and B → A breaks at A (reason not_established). Established on D: exists at D."""
    later_a = std("A", "PROV", established=AS_OF + DAY)
    standards = [primary(), later_a, std("B", "CITY4")]
    G = graph(standards, [link("A", "P"), link("B", "A")])
    assert not is_valid(later_a.model_dump(), AS_OF) and is_valid(later_a.model_dump(), AS_OF + DAY)
    assert valid_standards(G, AS_OF) == {"P", "B"}
    assert traceable_standards(G, AS_OF) == {"P"}
    assert traceable_standards(G, AS_OF + DAY) == {"P", "A", "B"}
    c = chain(G, "B", AS_OF)
    assert [(b.kind, b.standard, b.reason) for b in c.breaks] == [("invalid_standard", "A", "not_established")]
    nodes = {n.id: n for n in c.nodes}
    assert (nodes["A"].valid, nodes["A"].problem, nodes["A"].established) == (False, "not_established", AS_OF + DAY)
    on_d = std("A", "PROV", established=AS_OF)
    assert traced([primary(), on_d], [link("A", "P")]) == {"P", "A"}


def test_primary_established_after_d_makes_nothing_traceable():
    """P (primary) established 2027: at D nothing traces to it; its own chain's break is P, not established."""
    p = primary(established=dt.date(2027, 1, 1))
    G = graph([p, std("A", "PROV")], [link("A", "P")])
    assert traceable_standards(G, AS_OF) == set()
    assert [(b.standard, b.reason) for b in chain(G, "A", AS_OF).breaks] == [("P", "not_established")]
    assert traceable_standards(G, dt.date(2027, 1, 1)) == {"P", "A"}


def test_not_established_comes_before_status_and_expiry():
    """A standard that does not exist yet is 'not established', whatever its status or certificate."""
    x = std("X", "PROV", status="retired", expiry=EARLIER, established=LATER)
    c = chain(graph([primary(), x], [link("X", "P")]), "X", AS_OF)
    assert [b.reason for b in c.breaks] == ["not_established"]


def test_renewed_standard_keeps_fresh_links_but_must_exist():
    """Planning's renewal: A → P calibrated after D (or expired) counts for a renewed A, but a renewal
    does not make a standard established after D exist."""
    ix = compile_graph(graph([primary(), std("A", "PROV"), std("B", "PROV", established=LATER)],
                             [calibrated_link("A", "P", AS_OF + DAY), link("B", "P", EARLIER)]))
    assert traceable_in(ix, AS_OF) == {"P"}
    assert traceable_in(ix, AS_OF, renewed={"A", "B"}) == {"P", "A"}
    assert traceable_in(ix, LATER, renewed={"A", "B"}) == {"P", "A", "B"}
    assert isinstance(ix.upstream["A"]["P"], dt.date) and ix.calibrated_on == {("A", "P"): AS_OF + DAY}


def test_the_chain_view_cuts_a_long_name_with_an_ellipsis():
    """A node's box shows at most 14 characters of its name; a cut one ends in '…' (the tooltip has it whole)."""
    from tracegraph.ui.chainview import chain_html

    long_name = "活塞式压力计标准装置（第1套）"  # 15 characters: the closing bracket used to vanish silently
    named = [std("P", "NIM", primary=True).model_copy(update={"name": "压力基准"}),
             std("S", "PROV").model_copy(update={"name": long_name})]
    ds = dataset(named, [link("S", "P")], [])
    page = chain_html([chain(build_graph(ds), "S", AS_OF)])
    def shown(text: str) -> bool:  # as the page's node data holds it (JSON, non-ASCII escaped)
        return json.dumps(text) in page

    assert shown("S\n活塞式压力计标准装置（第1…") and shown("P\n压力基准")
    assert shown(f"S {long_name}")  # the tooltip
