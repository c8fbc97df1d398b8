"""Coverage figures (spec/figures.md § Reach, § Coverage of demand) on hand-computed graphs.

The builders' tree: province 370000 → city 370400 (counties 370402, 370403), city 370500 (county 370502).
Institutions: NIM (national, no region), PROV (370000), CITY4 (370400), CTY402, CTY403, CTY502.
Unless said otherwise every type has a 12-month period, so an item's annual load equals its count,
and every standard traces to the primary P held by NIM through a valid link.
"""

from __future__ import annotations

import pytest
from builders import AS_OF, EARLIER, base_institutions, dataset, inst, itype, link, need, region, std, tree

from tracegraph.algorithms import coverage, covering_standards, dataset_figures
from tracegraph.graph import build_graph
from tracegraph.models import FILTERS

RATES = ("coverage", "weighted_coverage", "capacity_rate")


def traced_graph(standards, demand, types=None, institutions=None, regions=None, extra_links=()):
    """P (primary, NIM) plus ``standards``, each linked to P with a valid link."""
    links = [link(s.id, "P") for s in standards] + list(extra_links)
    return build_graph(dataset([std("P", "NIM", primary=True), *standards], links, demand, types=types,
                               institutions=institutions, regions=regions))


def figs(G, code, flt="all"):
    return coverage(G, AS_OF).regions[code].figures[flt]


def covered(G):
    return set(covering_standards(G, AS_OF))


# --- the basic figures -------------------------------------------------------------------------


def basic():
    """S1 at CTY402 verifies T1. Demand: 370402 T1 100, 370402 T2 50, 370403 T1 30."""
    return traced_graph([std("S1", "CTY402", ["T1"])],
                        [need("370402", "T1", 100), need("370402", "T2", 50), need("370403", "T1", 30)])


def test_county_figures():
    """370402: items (402,T1), (402,T2) → 2, covered (402,T1) → 1, coverage 1/2;
    instruments 100+50 = 150, covered 100, weighted 100/150 = 2/3;
    annual_load 100·12/12 + 50·12/12 = 150; S1 unbounded so maxflow = covered load 100 → capacity_rate 2/3."""
    f = figs(basic(), "370402")
    assert (f.items, f.covered_items, f.instruments, f.covered_instruments) == (2, 1, 150, 100)
    assert f.coverage == pytest.approx(0.5)
    assert f.weighted_coverage == pytest.approx(2 / 3)
    assert f.annual_load == pytest.approx(150.0)
    assert f.capacity_rate == pytest.approx(2 / 3)


def test_uncovered_county_is_zero_not_null():
    """370403: one item (403,T1) of 30, uncovered (CTY402 does not serve its sibling county):
    coverage 0/1 = 0.0, weighted 0/30 = 0.0, capacity 0/30 = 0.0: zero, not null (denominators > 0)."""
    f = figs(basic(), "370403")
    assert (f.items, f.covered_items, f.instruments, f.covered_instruments) == (1, 0, 30, 0)
    assert f.coverage == 0.0 and f.weighted_coverage == 0.0 and f.capacity_rate == 0.0
    assert f.annual_load == pytest.approx(30.0)


def test_city_and_province_aggregate_their_counties():
    """City 370400 = counties 370402 + 370403: items 3, covered 1 → 1/3; instruments 180, covered 100 → 5/9;
    load 180, flow 100 → 5/9. City 370500 has no demand. Province 370000 = union of both cities' counties:
    the same numbers as 370400."""
    rep = coverage(basic(), AS_OF)
    for code in ("370400", "370000"):
        f = rep.regions[code].figures["all"]
        assert (f.items, f.covered_items, f.instruments, f.covered_instruments) == (3, 1, 180, 100)
        assert f.coverage == pytest.approx(1 / 3)
        assert f.weighted_coverage == pytest.approx(5 / 9)
        assert f.annual_load == pytest.approx(180.0)
        assert f.capacity_rate == pytest.approx(5 / 9)
    assert rep.regions["370400"].level == "city" and rep.regions["370000"].level == "province"


def test_every_region_appears():
    """All six regions of the tree appear in the report, each with the 'all' filter."""
    rep = coverage(basic(), AS_OF)
    assert set(rep.regions) == {r.code for r in tree()}
    assert rep.as_of == AS_OF
    assert all("all" in r.figures for r in rep.regions.values())


def test_region_argument_limits_to_its_subtree():
    """coverage(region=370400) reports 370400, 370402, 370403 (its subtree) with the same figures."""
    G = basic()
    rep = coverage(G, AS_OF, region="370400")
    assert set(rep.regions) == {"370400", "370402", "370403"}
    assert rep.regions["370400"].figures["all"] == figs(G, "370400")


def test_province_is_the_union_of_its_cities():
    """Demand in all three counties: 402 T1 10 (covered by CTY402's S1), 403 T1 20 (uncovered),
    502 T1 40 (covered by CTY502's S5). 370400: 1/2 items, 10/30; 370500: 1/1, 40/40;
    370000: items 2+1 = 3, covered 1+1 = 2, instruments 30+40 = 70, covered 10+40 = 50."""
    G = traced_graph([std("S1", "CTY402", ["T1"]), std("S5", "CTY502", ["T1"])],
                     [need("370402", "T1", 10), need("370403", "T1", 20), need("370502", "T1", 40)])
    rep = coverage(G, AS_OF)
    c4, c5, p = (rep.regions[c].figures["all"] for c in ("370400", "370500", "370000"))
    assert (c4.items, c4.covered_items, c4.instruments, c4.covered_instruments) == (2, 1, 30, 10)
    assert (c5.items, c5.covered_items, c5.instruments, c5.covered_instruments) == (1, 1, 40, 40)
    assert (p.items, p.covered_items, p.instruments, p.covered_instruments) == (3, 2, 70, 50)
    assert p.coverage == pytest.approx(2 / 3) and p.weighted_coverage == pytest.approx(50 / 70)


def test_dataset_figures_cover_every_county():
    """Whole dataset of basic(): items 3, covered 1, instruments 180, covered 100."""
    f = dataset_figures(basic(), AS_OF)
    assert (f.items, f.covered_items, f.instruments, f.covered_instruments) == (3, 1, 180, 100)
    assert f.annual_load == pytest.approx(180.0)


def test_covering_standards_lists_every_covering_traceable_standard():
    """(402,T1) is covered by S1 (CTY402) and C (CITY4); (403,T1) by C only; X at CTY402 verifies T1 but its
    certificate expired, so it covers nothing; (402,T2) uncovered."""
    G = traced_graph([std("S1", "CTY402", ["T1"]), std("C", "CITY4", ["T1"]),
                      std("X", "CTY402", ["T1"], expiry=EARLIER)],
                     [need("370402", "T1", 5), need("370403", "T1", 5), need("370402", "T2", 5)])
    got = {k: sorted(v) for k, v in covering_standards(G, AS_OF).items()}
    assert got == {("370402", "T1"): ["C", "S1"], ("370403", "T1"): ["C"]}


def test_untraceable_standard_covers_nothing():
    """S1 at CTY402 verifies T1 and is valid, but its only link expired: (402,T1) uncovered, coverage 0."""
    G = build_graph(dataset([std("P", "NIM", primary=True), std("S1", "CTY402", ["T1"])],
                            [link("S1", "P", EARLIER)], [need("370402", "T1", 10)]))
    f = figs(G, "370402")
    assert (f.items, f.covered_items) == (1, 0) and f.coverage == 0.0


# --- demand items and nulls ------------------------------------------------------------------


def test_region_without_demand_has_null_rates():
    """370500/370502 have no demand: items 0, instruments 0, load 0, and every rate null (0/0), not 0 or 1."""
    G = basic()
    for code in ("370500", "370502"):
        f = figs(G, code)
        assert (f.items, f.covered_items, f.instruments, f.covered_instruments) == (0, 0, 0, 0)
        assert f.annual_load == 0
        assert f.coverage is None and f.weighted_coverage is None and f.capacity_rate is None


def test_count_zero_rows_are_not_items():
    """370402 T1 count 0 (no standard) and 370402 T2 count 5 (covered by S2): the count-0 row is no item,
    so items 1, covered 1, coverage 1.0 (not 1/2). 370403 T1 count 0 only: no item → all rates null."""
    G = traced_graph([std("S2", "CTY402", ["T2"])],
                     [need("370402", "T1", 0), need("370402", "T2", 5), need("370403", "T1", 0)])
    f = figs(G, "370402")
    assert (f.items, f.covered_items, f.instruments) == (1, 1, 5)
    assert f.coverage == 1.0 and f.weighted_coverage == 1.0 and f.capacity_rate == 1.0
    g = figs(G, "370403")
    assert g.items == 0 and g.coverage is None and g.weighted_coverage is None and g.capacity_rate is None
    assert ("370402", "T1") not in covering_standards(G, AS_OF)


def test_filter_with_no_items_is_null():
    """T1, T2 are trade + mandatory, not household meters: the household_meter and domain:medical filters
    hold no items, so their rates are null (if the filter is reported at all)."""
    rep = coverage(basic(), AS_OF)
    for flt in ("household_meter", "domain:medical", "domain:safety"):
        f = rep.regions["370402"].figures.get(flt)
        if f is not None:
            assert f.items == 0 and f.instruments == 0
            assert f.coverage is None and f.weighted_coverage is None and f.capacity_rate is None


# --- filters --------------------------------------------------------------------------------


FILTER_TYPES = [
    itype("TA", domain="trade", mandatory=True, household=True),
    itype("TB", domain="safety", mandatory=True, household=False),
    itype("TC", domain="medical", mandatory=False, household=False),
    itype("TD", domain="environment", mandatory=False, household=True),
]


def test_filters():
    """All in 370402; S at CTY402 verifies TA and TC. Demand TA 40 (covered), TB 30, TC 20 (covered), TD 10.
    all: 2/4 items, 60/100 instruments.
    household_meter = {TA, TD}: 1/2, 40/50 = 0.8.   mandatory = {TA, TB}: 1/2, 40/70 = 4/7.
    domain:trade = {TA}: 1/1.  domain:safety = {TB}: 0/1 → 0.0.  domain:medical = {TC}: 1/1.
    domain:environment = {TD}: 0/1.  domain:other: no items → null."""
    G = traced_graph([std("S", "CTY402", ["TA", "TC"])],
                     [need("370402", "TA", 40), need("370402", "TB", 30), need("370402", "TC", 20),
                      need("370402", "TD", 10)], types=FILTER_TYPES)
    rep = coverage(G, AS_OF).regions["370402"].figures
    expected = {  # filter: (items, covered_items, instruments, covered_instruments)
        "all": (4, 2, 100, 60),
        "household_meter": (2, 1, 50, 40),
        "mandatory": (2, 1, 70, 40),
        "domain:trade": (1, 1, 40, 40),
        "domain:safety": (1, 0, 30, 0),
        "domain:medical": (1, 1, 20, 20),
        "domain:environment": (1, 0, 10, 0),
    }
    for flt, (n, c, ni, ci) in expected.items():
        f = rep[flt]
        assert (f.items, f.covered_items, f.instruments, f.covered_instruments) == (n, c, ni, ci), flt
        assert f.coverage == pytest.approx(c / n), flt
        assert f.weighted_coverage == pytest.approx(ci / ni), flt
        assert f.annual_load == pytest.approx(ni), flt  # period 12: load = count
        assert f.capacity_rate == pytest.approx(ci / ni), flt  # S unbounded: flow = covered load
    other = rep.get("domain:other")
    if other is not None:
        assert other.items == 0 and other.coverage is None and other.capacity_rate is None
    assert set(rep) <= set(FILTERS)


# --- annual load and capacity_rate -----------------------------------------------------------------


def test_annual_load_is_not_rounded():
    """T96 (period 96) count 10: load 10·12/96 = 1.25. T18 (period 18) count 5: 5·12/18 = 10/3.
    T12 count 7: 7. annual_load of 370402 = 1.25 + 10/3 + 7 = 11.58333…"""
    types = [itype("T96", period=96), itype("T18", period=18), itype("T12", period=12)]
    G = traced_graph([], [need("370402", "T96", 10), need("370402", "T18", 5), need("370402", "T12", 7)],
                     types=types)
    assert figs(G, "370402").annual_load == pytest.approx(1.25 + 10 / 3 + 7)
    assert figs(G, "370402").capacity_rate == 0.0  # nothing covered


def test_capacity_below_a_fractional_load():
    """T96 count 10 → load 1.25; S verifies T96 with capacity 1/year: flow min(1.25, 1) = 1 → 1/1.25 = 0.8.
    Coverage counts the item as covered anyway: coverage 1.0."""
    G = traced_graph([std("S", "CTY402", ["T96"], capacity=1)], [need("370402", "T96", 10)],
                     types=[itype("T96", period=96)])
    f = figs(G, "370402")
    assert f.annual_load == pytest.approx(1.25)
    assert f.capacity_rate == pytest.approx(0.8)
    assert f.coverage == 1.0


def test_capacity_rate_is_a_max_flow_not_a_greedy_assignment():
    """Items X = (402,T1) load 10 and Y = (402,T2) load 10. A verifies T1 and T2, capacity 10;
    B verifies T1 only, capacity 5. Greedy "X to its first standard A" fills A with X, leaves Y nothing
    and B takes nothing more: 10/20 = 0.5. The max flow sends Y → A (10) and X → B (5): 15/20 = 0.75."""
    G = traced_graph([std("A", "CTY402", ["T1", "T2"], capacity=10), std("B", "CTY402", ["T1"], capacity=5)],
                     [need("370402", "T1", 10), need("370402", "T2", 10)])
    f = figs(G, "370402")
    assert f.annual_load == pytest.approx(20.0)
    assert f.capacity_rate == pytest.approx(0.75)


def test_capacity_rate_max_flow_saturates_both_sides():
    """X = (402,T1) 10, Y = (402,T2) 10; A verifies both, capacity 10; B verifies T1, capacity 10.
    Max flow X → B 10, Y → A 10 = 20 → 1.0 (greedy X → A fills A, Y gets nothing: 10/20 = 0.5)."""
    G = traced_graph([std("A", "CTY402", ["T1", "T2"], capacity=10), std("B", "CTY402", ["T1"], capacity=10)],
                     [need("370402", "T1", 10), need("370402", "T2", 10)])
    assert figs(G, "370402").capacity_rate == pytest.approx(1.0)


def test_one_item_split_over_two_standards():
    """X = (402,T1) load 10, covered by A (capacity 4) and B (capacity 4): flow 8 → 0.8."""
    G = traced_graph([std("A", "CTY402", ["T1"], capacity=4), std("B", "CITY4", ["T1"], capacity=4)],
                     [need("370402", "T1", 10)])
    assert figs(G, "370402").capacity_rate == pytest.approx(0.8)


def test_one_standard_shared_by_items():
    """A (capacity 12) at CITY4 verifies T1 for (402,T1) 10 and (403,T1) 10 → city flow 12/20 = 0.6."""
    G = traced_graph([std("A", "CITY4", ["T1"], capacity=12)], [need("370402", "T1", 10), need("370403", "T1", 10)])
    assert figs(G, "370400").capacity_rate == pytest.approx(0.6)


def test_blank_capacity_is_unbounded():
    """X = (402,T1) load 10 covered by A (capacity 5) and U (blank = unbounded): flow 10 → 1.0.
    Without U: 5/10 = 0.5."""
    with_u = traced_graph([std("A", "CTY402", ["T1"], capacity=5), std("U", "CITY4", ["T1"])],
                          [need("370402", "T1", 10)])
    assert figs(with_u, "370402").capacity_rate == pytest.approx(1.0)
    without = traced_graph([std("A", "CTY402", ["T1"], capacity=5)], [need("370402", "T1", 10)])
    assert figs(without, "370402").capacity_rate == pytest.approx(0.5)


def test_capacity_zero_covers_but_verifies_nothing():
    """A with capacity 0 is traceable and covers (402,T1): coverage 1.0, but flow 0 → capacity_rate 0.0 (not null,
    not blank-as-unbounded)."""
    G = traced_graph([std("A", "CTY402", ["T1"], capacity=0)], [need("370402", "T1", 10)])
    f = figs(G, "370402")
    assert f.coverage == 1.0 and f.weighted_coverage == 1.0
    assert f.capacity_rate == 0.0


def test_capacity_region_taken_in_isolation():
    """A at CITY4, capacity 10, verifies T1; demand (402,T1) 10 and (403,T1) 10.
    Each county alone: flow min(10, 10) = 10 → 1.0 (the other county's use of A does not count).
    City 370400: both items compete: flow 10/20 = 0.5. Province: the same 0.5."""
    G = traced_graph([std("A", "CITY4", ["T1"], capacity=10)], [need("370402", "T1", 10), need("370403", "T1", 10)])
    rep = coverage(G, AS_OF)
    assert rep.regions["370402"].figures["all"].capacity_rate == pytest.approx(1.0)
    assert rep.regions["370403"].figures["all"].capacity_rate == pytest.approx(1.0)
    assert rep.regions["370400"].figures["all"].capacity_rate == pytest.approx(0.5)
    assert rep.regions["370000"].figures["all"].capacity_rate == pytest.approx(0.5)


def test_capacity_filter_taken_in_isolation():
    """A at CTY402 capacity 10 verifies TA (household) and TB (not household), each demand 10 in 370402.
    all: 10/20 = 0.5; household_meter (TA alone): 10/10 = 1.0; domain:safety (TB alone): 1.0."""
    G = traced_graph([std("A", "CTY402", ["TA", "TB"], capacity=10)],
                     [need("370402", "TA", 10), need("370402", "TB", 10)], types=FILTER_TYPES)
    rep = coverage(G, AS_OF).regions["370402"].figures
    assert rep["all"].capacity_rate == pytest.approx(0.5)
    assert rep["household_meter"].capacity_rate == pytest.approx(1.0)
    assert rep["domain:safety"].capacity_rate == pytest.approx(1.0)


def test_capacity_is_per_year_against_annual_load():
    """T24 (period 24) count 30 → load 15/year; A capacity 12 → 12/15 = 0.8; weighted coverage is still 1.0."""
    G = traced_graph([std("A", "CTY402", ["T24"], capacity=12)], [need("370402", "T24", 30)],
                     types=[itype("T24", period=24)])
    f = figs(G, "370402")
    assert f.annual_load == pytest.approx(15.0)
    assert f.capacity_rate == pytest.approx(0.8)
    assert f.weighted_coverage == 1.0


# --- reach -----------------------------------------------------------------------------------


ALL_T1 = [need("370402", "T1", 1), need("370403", "T1", 1), need("370502", "T1", 1)]


def items_covered_by(holder, institutions=None):
    G = traced_graph([std("S", holder, ["T1"])], ALL_T1, institutions=institutions)
    return {c for c, _t in covered(G)}


def test_county_institution_serves_its_own_county_only():
    """CTY402's standard covers 370402; not its sibling 370403, not 370502."""
    assert items_covered_by("CTY402") == {"370402"}


def test_city_institution_serves_its_counties():
    """CITY4 (370400) serves 370402 and 370403 (below it), not 370502 (other city)."""
    assert items_covered_by("CITY4") == {"370402", "370403"}


def test_province_institution_serves_the_whole_province():
    assert items_covered_by("PROV") == {"370402", "370403", "370502"}


def test_national_institution_serves_nothing_without_serves():
    """NIM has no `serves`: it serves no region, so its standard covers nothing."""
    assert items_covered_by("NIM") == set()


def test_national_institution_serves_only_its_serves_regions():
    """NIM2 (national, region blank) serves [370500]: covers 370502 (below 370500) and nothing else."""
    insts = [*base_institutions(), inst("NIM2", "national", None, serves=["370500"])]
    assert items_covered_by("NIM2", insts) == {"370502"}


def test_national_institution_with_a_region_still_serves_only_serves():
    """NIM3 is national but has region 370000 filled in: still only its `serves` (370403)."""
    insts = [*base_institutions(), inst("NIM3", "national", "370000", serves=["370403"])]
    assert items_covered_by("NIM3", insts) == {"370403"}


def test_serves_adds_a_region_and_everything_below_it():
    """CTY402 with serves [370500] (a city): its own county 370402 plus 370502 below 370500; still not 370403."""
    insts = [inst("NIM", "national", None), inst("CTY402", "county", "370402", serves=["370500"])]
    assert items_covered_by("CTY402", insts) == {"370402", "370502"}


def test_serves_a_sibling_county():
    """CTY402 with serves [370403]: 370402 and 370403."""
    insts = [inst("NIM", "national", None), inst("CTY402", "county", "370402", serves=["370403"])]
    assert items_covered_by("CTY402", insts) == {"370402", "370403"}


def test_city_institution_does_not_serve_upward():
    """CITY5 (370500) serves 370502 only: not the province's other counties."""
    insts = [*base_institutions(), inst("CITY5", "city", "370500")]
    assert items_covered_by("CITY5", insts) == {"370502"}


def test_authorized_institution_covers():
    """AUTH403 (authorized, county 370403): its traceable standard covers 370403 like a legal one."""
    insts = [*base_institutions(), inst("AUTH403", "county", "370403", kind="authorized")]
    assert items_covered_by("AUTH403", insts) == {"370403"}


def test_reach_in_a_second_province():
    """Two provinces. PROV (370000) does not serve 320102 in province 320000."""
    regions = [*tree(), region("320000", "province"), region("320100", "city", "320000"),
               region("320102", "county", "320100")]
    G = traced_graph([std("S", "PROV", ["T1"])], [*ALL_T1, need("320102", "T1", 1)], regions=regions)
    assert {c for c, _t in covered(G)} == {"370402", "370403", "370502"}
    rep = coverage(G, AS_OF)
    assert rep.regions["320000"].figures["all"].coverage == 0.0
    assert rep.regions["370000"].figures["all"].coverage == 1.0
