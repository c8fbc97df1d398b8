"""Gaps: uncovered items and why, expiring certificates and links, single points of failure, impact.

Tree and institutions are the builders' (see tests/builders.py); P is a primary held by NIM.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest
from builders import AS_OF, EARLIER, LATER, base_institutions, calibrated_link, dataset, inst, itype, link, need, std

from tracegraph.algorithms import (
    expiring,
    failure_impacts,
    gaps,
    impact,
    single_points_of_failure,
    traceable_standards,
    uncovered_items,
)
from tracegraph.algorithms.coverage import covering_standards
from tracegraph.algorithms.impact import link_node
from tracegraph.graph import build_graph
from tracegraph.models import Dataset, TraceLink

DAY = dt.timedelta(days=1)
P = std("P", "NIM", primary=True)


def by_key(gap_list):
    return {(g.county, g.instrument_type): g for g in gap_list}


# --- uncovered items and their reasons -----------------------------------------------------------


def test_no_standard():
    """T2 is verified by no standard anywhere: (402,T2) is uncovered with reason no_standard and no standards."""
    G = build_graph(dataset([P, std("S", "CTY402", ["T1"])], [link("S", "P")],
                            [need("370402", "T1", 5), need("370402", "T2", 7)]))
    gaps_ = by_key(uncovered_items(G, AS_OF))
    assert set(gaps_) == {("370402", "T2")}
    g = gaps_[("370402", "T2")]
    assert g.reason == "no_standard" and g.standards == [] and g.count == 7


def test_not_served():
    """S (traceable) at CTY403 verifies T1, but nobody serving 370402 does: (402,T1) not_served.
    (403,T1) is covered, so not listed."""
    G = build_graph(dataset([P, std("S", "CTY403", ["T1"])], [link("S", "P")],
                            [need("370402", "T1", 5), need("370403", "T1", 3)]))
    gaps_ = by_key(uncovered_items(G, AS_OF))
    assert set(gaps_) == {("370402", "T1")}
    assert gaps_[("370402", "T1")].reason == "not_served"


def test_not_served_even_if_the_far_standard_is_invalid():
    """The only T1 standard (CTY403) is suspended and does not serve 370402: still not_served for 402."""
    G = build_graph(dataset([P, std("S", "CTY403", ["T1"], status="suspended")], [link("S", "P")],
                            [need("370402", "T1", 5)]))
    assert uncovered_items(G, AS_OF)[0].reason == "not_served"


def invalid_case():
    """Four standards serve 370402 and verify T1, none traceable:
    E at CTY402, certificate expired 2025-06-01   → expired_certificate
    U at CITY4, suspended                         → suspended
    R at PROV, retired                            → retired
    B at CTY402, valid, B → MID (valid) → P with MID → P expired 2025-06-01 → chain_broken at link MID → P
    and F at CTY403 (does not serve 370402), retired: not listed for 402."""
    standards = [P, std("MID", "PROV"), std("E", "CTY402", ["T1"], expiry=EARLIER),
                 std("U", "CITY4", ["T1"], status="suspended"), std("R", "PROV", ["T1"], status="retired"),
                 std("B", "CTY402", ["T1"]), std("F", "CTY403", ["T1"], status="retired")]
    links = [link("MID", "P", EARLIER), link("B", "MID"), link("E", "P"), link("U", "P"), link("R", "P"),
             link("F", "P")]
    return build_graph(dataset(standards, links, [need("370402", "T1", 9)]))


def test_invalid_lists_each_serving_standards_problem():
    """See invalid_case: reason invalid, standards {E: expired_certificate, U: suspended, R: retired,
    B: chain_broken}; F is not serving 370402 so not listed."""
    [g] = uncovered_items(invalid_case(), AS_OF)
    assert g.reason == "invalid" and (g.county, g.instrument_type, g.count) == ("370402", "T1", 9)
    problems = {p.standard: p.problem for p in g.standards}
    assert problems == {"E": "expired_certificate", "U": "suspended", "R": "retired", "B": "chain_broken"}
    institutions = {p.standard: p.institution for p in g.standards}
    assert institutions == {"E": "CTY402", "U": "CITY4", "R": "PROV", "B": "CTY402"}


def test_chain_broken_names_the_broken_link():
    """B's chain breaks at the expired link MID → P (not at B, whose own link B → MID is valid)."""
    [g] = uncovered_items(invalid_case(), AS_OF)
    [b] = [p for p in g.standards if p.standard == "B"]
    assert len(b.breaks) == 1
    text = b.breaks[0].describe()
    assert "MID" in text and "P" in text.replace("MID", "")
    assert "B" not in text.replace("MID", "")  # the link B → MID is fine


def test_chain_broken_by_an_invalid_upstream_names_it():
    """B → UP where UP (PROV) is suspended: B is valid, its problem is chain_broken, and the break names UP."""
    G = build_graph(dataset([P, std("UP", "PROV", status="suspended"), std("B", "CTY402", ["T1"])],
                            [link("UP", "P"), link("B", "UP")], [need("370402", "T1", 1)]))
    [g] = uncovered_items(G, AS_OF)
    [b] = g.standards
    assert b.problem == "chain_broken"
    assert any("UP" in brk.describe() for brk in b.breaks)


def test_uncovered_items_region_filter():
    """No T1 standard at all: all three counties' items are uncovered; region=370400 keeps 370402 and 370403."""
    G = build_graph(dataset([P], [], [need("370402", "T1", 1), need("370403", "T1", 1), need("370502", "T1", 1)]))
    assert {g.county for g in uncovered_items(G, AS_OF)} == {"370402", "370403", "370502"}
    assert {g.county for g in uncovered_items(G, AS_OF, region="370400")} == {"370402", "370403"}
    assert {g.county for g in gaps(G, AS_OF, region="370500").uncovered} == {"370502"}


def test_count_zero_rows_are_never_gaps():
    """(402,T1) count 0 with no standard: not a demand item, so not uncovered."""
    G = build_graph(dataset([P], [], [need("370402", "T1", 0)]))
    assert uncovered_items(G, AS_OF) == []


# --- expiring within N days -----------------------------------------------------------------------


def expiring_case():
    """D = 2026-01-01, window 30 days (up to 2026-01-31 inclusive).
    M at PROV, certificate 2026-01-21 (D+20), M → P valid 2028.
    A at CTY402 verifies T1, certificate 2026-01-31 (D+30, exactly in), A → M.
    B at CTY403 verifies T1, certificate 2026-02-01 (D+31, out), B → M.
    C at CTY502 verifies T1, certificate 2025-12-31 (already expired, not listed), C → M.
    K at CITY4 verifies T2, certificate 2026-01-01 (D+0, still valid today → listed), K → M valid until
    2026-01-11 (D+10, a link expiring).
    Demand: (402,T1) 100 [A], (403,T1) 50 [B], (402,T2) 20 [K], (403,T2) 7 [K], (502,T1) 5 [uncovered]."""
    standards = [P, std("M", "PROV", expiry=AS_OF + 20 * DAY),
                 std("A", "CTY402", ["T1"], expiry=AS_OF + 30 * DAY),
                 std("B", "CTY403", ["T1"], expiry=AS_OF + 31 * DAY),
                 std("C", "CTY502", ["T1"], expiry=AS_OF - DAY),
                 std("K", "CITY4", ["T2"], expiry=AS_OF)]
    links = [link("M", "P"), link("A", "M"), link("B", "M"), link("C", "M"), link("K", "M", AS_OF + 10 * DAY)]
    demand = [need("370402", "T1", 100), need("370403", "T1", 50), need("370402", "T2", 20),
              need("370403", "T2", 7), need("370502", "T1", 5)]
    return build_graph(dataset(standards, links, demand))


def test_expiring_within_n_days_with_what_they_would_uncover():
    """Listed (by date): K certificate D+0 (loses (402,T2)+(403,T2) = 27), link K→M D+10 (breaks K, same 27),
    M certificate D+20 (breaks A, B, K: loses all 4 covered items, 100+50+20+7 = 177),
    A certificate D+30 (loses (402,T1) = 100). B (D+31) and C (expired) are not listed."""
    got = [(e.kind, e.standard, e.upstream, e.days_left, sorted(e.broken_standards), e.lost_items, e.lost_instruments)
           for e in expiring(expiring_case(), AS_OF, 30)]
    assert got == [
        ("certificate", "K", None, 0, [], 2, 27),
        ("link", "K", "M", 10, ["K"], 2, 27),
        ("certificate", "M", None, 20, ["A", "B", "K"], 4, 177),
        ("certificate", "A", None, 30, [], 1, 100),
    ]


def test_expiring_dates_and_holders():
    """Each entry carries its date and the holder of the standard."""
    e = {(x.kind, x.standard): x for x in expiring(expiring_case(), AS_OF, 30)}
    assert e[("certificate", "A")].expires == AS_OF + 30 * DAY and e[("certificate", "A")].institution == "CTY402"
    assert e[("link", "K")].expires == AS_OF + 10 * DAY and e[("link", "K")].institution == "CITY4"


def test_expiring_window_boundaries():
    """A expires at D+30: in with days=30, out with days=29. B at D+31: in only from days=31."""
    G = expiring_case()
    ids = lambda days: {x.standard for x in expiring(G, AS_OF, days) if x.kind == "certificate"}  # noqa: E731
    assert ids(29) == {"K", "M"}
    assert ids(30) == {"K", "M", "A"}
    assert ids(31) == {"K", "M", "A", "B"}
    assert "C" not in ids(3650)  # already expired: never "expiring"
    assert ids(0) == {"K"}  # expiring today: still valid today


def test_expiring_primary_has_no_certificate_entry():
    """A primary needs no certificate: even with an expiry date inside the window, it is not listed."""
    p = P.model_copy(update={"certificate_expiry": AS_OF + 5 * DAY})
    G = build_graph(dataset([p], [], []))
    assert [x for x in expiring(G, AS_OF, 30) if x.kind == "certificate"] == []


# --- single points of failure and impact ------------------------------------------------------------


def spof_case():
    """P1, P2 primaries (NIM). M1 at PROV links to both (redundant upstream).
    S1 at CTY402 verifies T1, S1 → M1.  S2 at CITY4 verifies T1, T2, S2 → M1.
    Demand: (402,T1) 100 [S1, S2], (403,T1) 40 [S2], (402,T2) 10 [S2], (502,T1) 3 [nobody].
    Failing P1 or P2: M1 still traces through the other → loses nothing.
    Failing M1: S1 and S2 break → loses 3 items, 150 instruments.
    Failing S2: (403,T1), (402,T2) lost → 2 items, 50; (402,T1) still has S1.
    Failing S1: nothing (S2 covers (402,T1))."""
    standards = [std("P1", "NIM", primary=True), std("P2", "NIM", primary=True), std("M1", "PROV"),
                 std("S1", "CTY402", ["T1"]), std("S2", "CITY4", ["T1", "T2"])]
    links = [link("M1", "P1"), link("M1", "P2"), link("S1", "M1"), link("S2", "M1")]
    demand = [need("370402", "T1", 100), need("370403", "T1", 40), need("370402", "T2", 10), need("370502", "T1", 3)]
    return build_graph(dataset(standards, links, demand))


def test_single_points_ranked_by_instruments_lost():
    """Only M1 (150) and S2 (50) lose anything alone, in that order."""
    got = [(p.standard, p.lost_items, p.lost_instruments, p.broken_standards)
           for p in single_points_of_failure(spof_case(), AS_OF)]
    assert got == [("M1", 3, 150, 2), ("S2", 2, 50, 0)]


def test_gaps_report_bundles_the_three_views():
    G = spof_case()
    rep = gaps(G, AS_OF, expiring_days=30)
    assert [(g.county, g.instrument_type) for g in rep.uncovered] == [("370502", "T1")]
    assert rep.uncovered[0].reason == "not_served"
    assert [p.standard for p in rep.single_points] == ["M1", "S2"]
    assert rep.expiring == []  # every date is 2028


def test_impact_of_a_shared_upstream():
    """impact(M1): S1, S2 break; lost (402,T1) 100, (402,T2) 10, (403,T1) 40 → 150."""
    imp = impact(spof_case(), "M1", AS_OF)
    assert imp.was_traceable
    assert imp.broken_standards == ["S1", "S2"]
    assert {(i.county, i.instrument_type, i.count) for i in imp.lost_items} == {
        ("370402", "T1", 100), ("370402", "T2", 10), ("370403", "T1", 40)}
    assert imp.lost_instruments == 150


def test_impact_with_redundancy_loses_nothing():
    """impact(P1): M1 keeps P2 → no broken standard, nothing lost. impact(S1): S2 still covers (402,T1)."""
    for s in ("P1", "S1"):
        imp = impact(spof_case(), s, AS_OF)
        assert imp.was_traceable and imp.broken_standards == [] and imp.lost_items == [] and imp.lost_instruments == 0


def test_impact_of_a_leaf_standard():
    """impact(S2): nothing downstream; lost (403,T1) 40 and (402,T2) 10 → 50."""
    imp = impact(spof_case(), "S2", AS_OF)
    assert imp.broken_standards == []
    assert {(i.county, i.instrument_type) for i in imp.lost_items} == {("370403", "T1"), ("370402", "T2")}
    assert imp.lost_instruments == 50


def test_impact_of_an_untraceable_standard_is_nothing():
    """X (PROV) verifies T1 but has no link: not traceable, so its failure changes nothing."""
    G = build_graph(dataset([P, std("X", "PROV", ["T1"])], [], [need("370402", "T1", 4)]))
    imp = impact(G, "X", AS_OF)
    assert not imp.was_traceable and imp.broken_standards == [] and imp.lost_instruments == 0
    assert failure_impacts(G, AS_OF).lost_instruments("X") == 0


def test_impact_breaks_only_what_has_no_other_path():
    """C → A1 → P, C → A2 → P, D → A1 only. impact(A1): D breaks (sole path), C does not (A2)."""
    standards = [P, std("A1", "PROV"), std("A2", "PROV"), std("C", "CITY4", ["T1"]), std("D", "CTY402", ["T2"])]
    links = [link("A1", "P"), link("A2", "P"), link("C", "A1"), link("C", "A2"), link("D", "A1")]
    G = build_graph(dataset(standards, links, [need("370402", "T1", 6), need("370402", "T2", 8)]))
    imp = impact(G, "A1", AS_OF)
    assert imp.broken_standards == ["D"] and imp.lost_instruments == 8
    fi = failure_impacts(G, AS_OF)
    assert fi.broken_standards("A1") == ["D"] and fi.lost_instruments("A1") == 8
    assert fi.lost_instruments("P") == 14 and fi.broken_standards("P") == ["A1", "A2", "C", "D"]


# --- failure_impacts (dominator tree) agrees with impact (recomputation) ----------------------------------


LEVEL_INSTS = {"national": ["NIM"], "province": ["PROV"], "city": ["CITY4", "CITY5"],
               "county": ["CTY402", "CTY403", "CTY502", "AUTH403"]}
RANK = ["county", "city", "province", "national"]
DATES = [EARLIER, AS_OF - DAY, AS_OF, AS_OF + DAY, LATER]


def random_dataset(seed: int) -> Dataset:
    """A random but valid dataset: standards link only to standards of strictly higher-level institutions
    (so the links form a DAG), random statuses, expiries and link dates around D, random demand."""
    rnd = random.Random(seed)
    institutions = [*base_institutions(), inst("CITY5", "city", "370500"),
                    inst("AUTH403", "county", "370403", kind="authorized", serves=["370402"])]
    types = ["T1", "T2", "T3"]
    standards, by_level = [], {lvl: [] for lvl in RANK}
    for k in range(rnd.randint(1, 3)):
        standards.append(std(f"P{k}", "NIM", primary=True, status=rnd.choice(["in_service"] * 5 + ["suspended"]),
                             verifies=rnd.sample(types, rnd.randint(0, 1))))
        by_level["national"].append(f"P{k}")
    links = []
    for level in ("national", "province", "city", "county"):
        for k in range(rnd.randint(1, 4)):
            sid = f"{level[:2].upper()}{k}"
            standards.append(std(sid, rnd.choice(LEVEL_INSTS[level]), rnd.sample(types, rnd.randint(0, 2)),
                                 expiry=rnd.choice(DATES[1:] * 3 + [EARLIER]),
                                 status=rnd.choice(["in_service"] * 8 + ["suspended", "retired"])))
            higher = [s for lvl in RANK[RANK.index(level) + (level != "national"):] for s in by_level[lvl]
                      if level != "national" or s.startswith("P")]
            for u in rnd.sample(higher, min(len(higher), rnd.randint(1, 3))):
                links.append(link(sid, u, rnd.choice([*DATES[2:], LATER, LATER, AS_OF - DAY])))
            by_level[level].append(sid)
    demand = [need(c, t, rnd.randint(0, 30)) for c in ("370402", "370403", "370502") for t in types
              if rnd.random() < 0.8]
    return dataset(standards, links, demand, types=[itype(t) for t in types], institutions=institutions)


def covered_instruments(ds: Dataset, G) -> int:
    counts = {(d.region, d.instrument_type): d.count for d in ds.demand}
    return sum(counts[i] for i in covering_standards(G, AS_OF))


@pytest.mark.parametrize("seed", range(25))
def test_failure_impacts_agree_with_impact_for_every_standard(seed):
    """For every standard s: the dominator-tree answer equals the recomputed one (instruments, items, broken)."""
    ds = random_dataset(seed)
    G = build_graph(ds)
    fi = failure_impacts(G, AS_OF)
    for s in ds.standards:
        imp = impact(G, s.id, AS_OF)
        assert fi.lost_instruments(s.id) == imp.lost_instruments, s.id
        assert fi.broken_standards(s.id) == imp.broken_standards, s.id
        assert fi.lost_items(s.id) == sorted((i.county, i.instrument_type) for i in imp.lost_items), s.id


@pytest.mark.parametrize("seed", range(25))
def test_failure_impacts_of_a_link_agree_with_expiring_it(seed):
    """For every valid link s → u between traceable standards: the instruments its failure loses equal
    covered instruments before − after setting the link's valid_until to D − 1 day and recomputing."""
    ds = random_dataset(seed)
    G = build_graph(ds)
    traceable = traceable_standards(G, AS_OF)
    fi = failure_impacts(G, AS_OF)
    before = covered_instruments(ds, G)
    for k, lk in enumerate(ds.traceability):
        if not (lk.standard in traceable and lk.upstream in traceable and lk.valid_until >= AS_OF):
            continue
        links = list(ds.traceability)
        links[k] = TraceLink(standard=lk.standard, upstream=lk.upstream, valid_until=AS_OF - DAY)
        after_G = build_graph(ds.model_copy(update={"traceability": links}))
        assert fi.lost_instruments(link_node(lk.standard, lk.upstream)) == before - covered_instruments(ds, after_G)
        assert set(fi.broken_standards(link_node(lk.standard, lk.upstream))) == (
            traceable - traceable_standards(after_G, AS_OF))


def test_random_datasets_are_not_trivial():
    """Guard for the two tests above: across the seeds some standard's failure loses instruments and
    some standard is untraceable, so the agreement is checked on real cases."""
    lost, untraceable = 0, 0
    for seed in range(25):
        ds = random_dataset(seed)
        G = build_graph(ds)
        fi = failure_impacts(G, AS_OF)
        lost += sum(fi.lost_instruments(s.id) > 0 for s in ds.standards)
        untraceable += len({s.id for s in ds.standards} - traceable_standards(G, AS_OF))
    assert lost > 10 and untraceable > 10


# --- dates: standards established after D, links calibrated after D ----------------------------------


def test_standard_established_after_d_counts_nowhere_in_the_uncovered_list():
    """N at CTY402 verifies T1, N → P valid, but N is established on D+1: at D nothing verifies T1, so
    (402,T1) is no_standard with no standard listed; from D+1 it is covered."""
    G = build_graph(dataset([P, std("N", "CTY402", ["T1"], established=AS_OF + DAY)], [link("N", "P")],
                            [need("370402", "T1", 5)]))
    [g] = uncovered_items(G, AS_OF)
    assert (g.reason, g.standards) == ("no_standard", [])
    assert uncovered_items(G, AS_OF + DAY) == []


def test_standard_established_after_d_is_not_a_candidate_of_an_invalid_item():
    """E (CTY402, T1, certificate expired) and N (CTY402, T1, established D+1): (402,T1) is invalid and
    lists E alone."""
    G = build_graph(dataset([P, std("E", "CTY402", ["T1"], expiry=EARLIER),
                             std("N", "CTY402", ["T1"], established=AS_OF + DAY)],
                            [link("E", "P"), link("N", "P")], [need("370402", "T1", 5)]))
    [g] = uncovered_items(G, AS_OF)
    assert g.reason == "invalid"
    assert [(p.standard, p.problem) for p in g.standards] == [("E", "expired_certificate")]


def test_chain_broken_by_a_link_not_yet_valid():
    """B (CTY402, T1) → MID → P where MID → P was calibrated on 2026-02-01, after D: B is chain_broken,
    the break is MID → P with reason not_yet_valid (not expired_link), and the reason reads 'not yet valid'."""
    G = build_graph(dataset([P, std("MID", "PROV"), std("B", "CTY402", ["T1"])],
                            [calibrated_link("MID", "P", dt.date(2026, 2, 1)), link("B", "MID")],
                            [need("370402", "T1", 3)]))
    [g] = uncovered_items(G, AS_OF)
    [b] = g.standards
    assert b.problem == "chain_broken"
    assert [(x.kind, x.standard, x.upstream, x.reason) for x in b.breaks] == [
        ("expired_link", "MID", "P", "not_yet_valid")]
    assert "not yet valid" in b.breaks[0].describe("en")
    assert uncovered_items(G, dt.date(2026, 2, 1)) == []


def test_expiring_skips_what_does_not_exist_or_count_yet():
    """Window 30 days from D. N (CTY402) established D+1, certificate D+10, link N → P until D+10: neither
    listed (N does not exist at D). A (CTY402): link A → P calibrated D+1 and valid until D+20: not valid at D,
    not listed. L (CITY4): link L → N (valid dates, until D+5) to the not-yet-established N: not listed.
    K (CTY403): certificate D+15, K → P until D+25: both listed."""
    standards = [P, std("N", "CTY402", ["T1"], expiry=AS_OF + 10 * DAY, established=AS_OF + DAY),
                 std("A", "CTY402", ["T1"]), std("L", "CITY4", ["T1"]),
                 std("K", "CTY403", ["T1"], expiry=AS_OF + 15 * DAY)]
    links = [link("N", "P", AS_OF + 10 * DAY), calibrated_link("A", "P", AS_OF + DAY, AS_OF + 20 * DAY),
             link("L", "N", AS_OF + 5 * DAY), link("K", "P", AS_OF + 25 * DAY)]
    G = build_graph(dataset(standards, links, [need("370403", "T1", 4)]))
    got = [(e.kind, e.standard, e.upstream, e.days_left, e.lost_instruments) for e in expiring(G, AS_OF, 30)]
    assert got == [("certificate", "K", None, 15, 4), ("link", "K", "P", 25, 4)]


def test_standard_established_after_d_is_no_single_point():
    """S (CTY402, T1) → P is the only cover of (402,T1): a single point from the day it exists (D+1)."""
    G = build_graph(dataset([P, std("S", "CTY402", ["T1"], established=AS_OF + DAY)], [link("S", "P")],
                            [need("370402", "T1", 8)]))
    assert single_points_of_failure(G, AS_OF) == []
    assert [(p.standard, p.lost_instruments) for p in single_points_of_failure(G, AS_OF + DAY)] == [
        ("P", 8), ("S", 8)]


# --- gaps --region restricts every list ------------------------------------------------------------------


def test_region_restricts_expiring_to_standards_held_or_serving_there():
    """expiring_case, 30 days. An entry is in region R when its standard's holder is located in R's subtree
    or serves a county of it.
    370500 (county 370502): CTY502 (located), PROV (serves every county): M's certificate only (C, at CTY502,
    has already expired).
    370403: CTY403 (B, D+31: out), CITY4 and PROV serve it: K's certificate, the link K → M, M.
    370400: also CTY402: A's certificate too. 370000: everything."""
    G = expiring_case()
    listed = lambda region: [(e.kind, e.standard) for e in gaps(G, AS_OF, 30, region).expiring]  # noqa: E731
    whole = [(e.kind, e.standard) for e in gaps(G, AS_OF, 30).expiring]
    assert listed("370500") == [("certificate", "M")]
    assert listed("370403") == [("certificate", "K"), ("link", "K"), ("certificate", "M")]
    assert listed("370400") == whole == listed("370000")
    assert [(e.kind, e.standard) for e in expiring(G, AS_OF, 30, region="370500")] == [("certificate", "M")]


def test_region_restricts_single_points_and_keeps_their_whole_figures():
    """spof_case: M1 at PROV (serves everything), S2 at CITY4 (serves 370402, 370403).
    370500 keeps M1 only; 370400 keeps both. M1's figures stay the whole dataset's (150 instruments)."""
    G = spof_case()
    assert [(p.standard, p.lost_instruments) for p in gaps(G, AS_OF, region="370500").single_points] == [("M1", 150)]
    assert [p.standard for p in gaps(G, AS_OF, region="370400").single_points] == ["M1", "S2"]
    assert [p.standard for p in single_points_of_failure(G, AS_OF, region="370500")] == ["M1"]


def test_region_includes_a_national_institution_only_through_its_serves():
    """P at NIM (national, serves 370502 only), S at CTY402 (T1) → P, demand (402,T1) 6. Both P and S are
    single points (6 each) and S → P expires at D+10.
    370400: S (located there) and its link; P is not (NIM neither sits in 370400 nor serves a county of it).
    370500: P (NIM serves 370502); S and its link are not (CTY402 serves only 370402)."""
    institutions = [*base_institutions()[1:], inst("NIM", "national", None, serves=["370502"])]
    G = build_graph(dataset([P, std("S", "CTY402", ["T1"])], [link("S", "P", AS_OF + 10 * DAY)],
                            [need("370402", "T1", 6)], institutions=institutions))
    east, west = gaps(G, AS_OF, 30, "370400"), gaps(G, AS_OF, 30, "370500")
    assert [p.standard for p in east.single_points] == ["S"]
    assert [(e.kind, e.standard, e.upstream) for e in east.expiring] == [("link", "S", "P")]
    assert [(p.standard, p.lost_instruments) for p in west.single_points] == [("P", 6)]
    assert west.expiring == [] and west.uncovered == []
    assert [p.standard for p in gaps(G, AS_OF, 30).single_points] == ["P", "S"]
