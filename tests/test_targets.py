"""Targets (spec/figures.md § Targets): coverage-type targets and standards_count per level."""

from __future__ import annotations

import datetime as dt

import pytest
from builders import AS_OF, EARLIER, base_institutions, dataset, inst, itype, link, need, region, std, tree

from tracegraph.algorithms import evaluate_targets, standards_count
from tracegraph.graph import build_graph
from tracegraph.models import Target

P = std("P", "NIM", primary=True)


def target(id: str, metric: str, threshold: float, region: str | None = None, flt: str = "all",
           level: str | None = None) -> Target:
    return Target(id=id, region=region, metric=metric, filter=flt, level=level, threshold=threshold)


# --- coverage-type targets ---------------------------------------------------------------------


def coverage_graph(targets=()):
    """S at CTY402 verifies T1 (household meter) with capacity 30; traceable.
    Demand: (402,T1) 60 covered, (402,T2) 40 uncovered; nothing in 370403/370502.
    370402: coverage 1/2 = 0.5; weighted 60/100 = 0.6; load 100, flow min(60, 30) = 30 → capacity_rate 0.3.
    household_meter (T1 only): coverage 1.0, weighted 1.0, capacity 30/60 = 0.5.
    370000 (province): the same figures (all demand is in 370402). 370502: no demand → null."""
    types = [itype("T1", household=True), itype("T2")]
    return build_graph(dataset([P, std("S", "CTY402", ["T1"], capacity=30)], [link("S", "P")],
                               [need("370402", "T1", 60), need("370402", "T2", 40)], types=types,
                               targets=list(targets)))


@pytest.mark.parametrize(("metric", "flt", "value"), [
    ("coverage", "all", 0.5), ("weighted_coverage", "all", 0.6), ("capacity_rate", "all", 0.3),
    ("coverage", "household_meter", 1.0), ("capacity_rate", "household_meter", 0.5),
])
def test_coverage_type_targets_met_and_unmet(metric, flt, value):
    """metric ≥ threshold: met when the threshold equals the value (≥, not >), unmet just above it."""
    at = target("at", metric, value, "370402", flt)
    above = target("above", metric, value + 0.01, "370402", flt)
    below = target("below", metric, value - 0.01, "370402", flt)
    res = {r.id: r for r in evaluate_targets(coverage_graph(), AS_OF, [at, above, below])}
    assert res["at"].value == pytest.approx(value)
    assert res["at"].met is True
    assert res["above"].met is False
    assert res["below"].met is True
    assert all(r.region == "370402" and r.metric == metric and r.filter == flt for r in res.values())


def test_target_on_a_region_without_demand_is_undecided():
    """370502 has no demand: coverage is null, so the target is neither met nor unmet (None)."""
    [r] = evaluate_targets(coverage_graph(), AS_OF, [target("t", "coverage", 0.95, "370502")])
    assert r.value is None and r.met is None


def test_targets_default_to_the_datasets_own_table():
    """Targets riding in the dataset: 95% coverage of 370402 (0.5 → unmet), 50% of household meters (1.0 → met)."""
    G = coverage_graph([target("a", "coverage", 0.95, "370402"),
                        target("b", "coverage", 0.5, "370402", "household_meter")])
    res = {r.id: r.met for r in evaluate_targets(G, AS_OF)}
    assert res == {"a": False, "b": True}


def test_blank_region_means_every_top_level_region():
    """Two provinces: 370000 (covered as in coverage_graph: 0.5) and 320000 whose county 320102 has T1 demand 10
    nobody serves (0.0). A blank-region coverage target ≥ 0.4 gives one result per province — not per city —
    370000 met, 320000 unmet."""
    regions = [*tree(), region("320000", "province"), region("320100", "city", "320000"),
               region("320102", "county", "320100")]
    G = build_graph(dataset([P, std("S", "CTY402", ["T1"])], [link("S", "P")],
                            [need("370402", "T1", 60), need("370402", "T2", 60), need("320102", "T1", 10)],
                            regions=regions))
    res = {r.region: r for r in evaluate_targets(G, AS_OF, [target("t", "coverage", 0.4)])}
    assert set(res) == {"370000", "320000"}
    assert res["370000"].value == pytest.approx(0.5) and res["370000"].met is True
    assert res["320000"].value == 0.0 and res["320000"].met is False


# --- standards_count ------------------------------------------------------------------------------


def count_graph(targets=()):
    """Standards (no links at all: standards_count counts *valid*, not traceable):
    PROV (legal, 370000): PS1, PS2 valid; PS3 certificate expired; PS4 suspended; PP primary → 2.
    AUTHP (authorized, province, 370000): 3 valid → not counted (legal only).
    NIM (national): 2 valid → not a province institution.
    CITY4 (legal, 370400): C1, C2 valid, C3 expiring exactly on D (valid), C4 retired → 3.
    AUTHC (authorized, city, 370400): 1 valid → not counted. City 370500 has no institution → 0.
    CTY402: K1 valid → 1.  CTY403: K2, K3 valid, K4 expired → 2.  CTY502: none → 0.
    province count (370000, L=province) = 2
    city average over ALL cities of 370000 = (3 + 0) / 2 = 1.5
    county average over 370402, 370403, 370502 = (1 + 2 + 0) / 3 = 1.0
    """
    insts = [*base_institutions(), inst("AUTHP", "province", "370000", kind="authorized"),
             inst("AUTHC", "city", "370400", kind="authorized")]
    standards = [
        std("PS1", "PROV"), std("PS2", "PROV"), std("PS3", "PROV", expiry=EARLIER),
        std("PS4", "PROV", status="suspended"), std("PP", "PROV", primary=True),
        std("AP1", "AUTHP"), std("AP2", "AUTHP"), std("AP3", "AUTHP"),
        std("N1", "NIM"), std("N2", "NIM"),
        std("C1", "CITY4"), std("C2", "CITY4"), std("C3", "CITY4", expiry=AS_OF), std("C4", "CITY4", status="retired"),
        std("AC1", "AUTHC"),
        std("K1", "CTY402"), std("K2", "CTY403"), std("K3", "CTY403"), std("K4", "CTY403", expiry=EARLIER),
    ]
    return build_graph(dataset(standards, [], [], institutions=insts, targets=list(targets)))


def test_standards_count_province_is_its_own_count():
    """370000, L=province: PS1, PS2 only → 2."""
    assert standards_count(count_graph(), AS_OF, "370000", "province") == 2


def test_standards_count_city_average_includes_cities_without_standards():
    """370000, L=city: (CITY4's 3 + 370500's 0) / 2 = 1.5 — not 3 (the average over cities having standards)."""
    assert standards_count(count_graph(), AS_OF, "370000", "city") == pytest.approx(1.5)


def test_standards_count_county_average():
    """370000, L=county: (1 + 2 + 0) / 3 = 1.0.  Inside city 370400 only: (1 + 2) / 2 = 1.5."""
    assert standards_count(count_graph(), AS_OF, "370000", "county") == pytest.approx(1.0)
    assert standards_count(count_graph(), AS_OF, "370400", "county") == pytest.approx(1.5)


def test_standards_count_region_itself_when_its_level_is_l():
    """R = 370400 with L = city: the only city region in R is 370400 itself → 3.
    R = 370403 with L = county → 2. R = 370500, L = city → 0 (a city with nothing counts as 0)."""
    G = count_graph()
    assert standards_count(G, AS_OF, "370400", "city") == 3
    assert standards_count(G, AS_OF, "370403", "county") == 2
    assert standards_count(G, AS_OF, "370500", "city") == 0


def test_standards_count_no_region_of_that_level_is_undefined():
    """R = 370402 (a county), L = city: there is no city inside R → no average (None)."""
    assert standards_count(count_graph(), AS_OF, "370402", "city") is None


def test_standards_count_depends_on_as_of():
    """On 2026-01-02 C3's certificate (2026-01-01) has expired: CITY4 counts 2 → city average (2 + 0) / 2 = 1."""
    assert standards_count(count_graph(), AS_OF + dt.timedelta(days=1), "370000", "city") == pytest.approx(1.0)


def test_standards_count_targets():
    """Shandong-style targets on 370000: province ≥ 2 (2 → met), city ≥ 2 (1.5 → unmet),
    county ≥ 1 (1.0 → met); a blank-region county target applies to the one top-level region 370000."""
    targets = [target("p", "standards_count", 2, "370000", level="province"),
               target("c", "standards_count", 2, "370000", level="city"),
               target("k", "standards_count", 1, "370000", level="county"),
               target("kb", "standards_count", 1, None, level="county")]
    res = {r.id: r for r in evaluate_targets(count_graph(targets), AS_OF)}
    assert {k: (r.value, r.met) for k, r in res.items()} == {
        "p": (2, True), "c": (1.5, False), "k": (1.0, True), "kb": (1.0, True)}
    assert res["kb"].region == "370000"
