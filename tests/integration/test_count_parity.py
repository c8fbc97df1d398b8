"""The count targets standards_built and service_items (figures.md, Count targets) from Cypher
(standards_built.cypher, service_items.cypher, read through targets.cypher) equal networkx exactly:
on a hand-made dataset whose every figure is also worked out by hand, on random datasets with
`established` dates around the as-of date, and on the samples.

The hand-made figures are asserted on the Neo4j side as well as compared with networkx, so a wrong
query fails here even if the reference implementation went wrong the same way.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import builders as b
import pytest
from randomdata import random_dataset, random_dated_dataset

from tracegraph.backends import Neo4jBackend, NetworkxBackend
from tracegraph.graph import build_graph
from tracegraph.io import read_dataset
from tracegraph.models import Dataset, Standard, Target
from tracegraph.store import Neo4jStore

pytestmark = pytest.mark.neo4j
AS_OF = b.AS_OF  # 2026-01-01
DAY = dt.timedelta(days=1)
SAMPLES = Path(__file__).resolve().parents[2] / "data" / "standards"
LEVELS = (None, "province", "city", "county")


def d(year: int, month: int = 6, day: int = 1) -> dt.date:
    return dt.date(year, month, day)


# --------------------------------------------------------------------------------------------
# a hand-made dataset
# --------------------------------------------------------------------------------------------


def hand_dataset() -> Dataset:
    """Province 370000 → city 370400 (counties 370402, 370403), city 370500 (county 370502).
    Types T1–T3; certificates and links run to 2028-01-01 unless marked EARLIER (2025-06-01).

    standard     holder   verifies  established  what it is at 2026-01-01
    P            NIM      T1        1990         primary (never counted)
    P-PROV       PROV     T3        2020         primary with a certificate too (never counted)
    S-PROV       PROV     T1 T2     2015         traceable (→ P)
    S-CITY-OLD   CITY4    T1        2013-12-31   traceable (→ P)
    S-CITY-NEW   CITY4    T1 T2     2014-01-01   traceable (→ S-PROV)
    S-CITY-NONE  CITY4    T3        —            valid, link expired EARLIER: not traceable
    S-402        CTY402   T1        2020         traceable (→ S-CITY-OLD)
    S-402-EXP    CTY402   T2        2020         certificate expired EARLIER
    S-AUTH       AUTH402  T1 T2 T3  2020         traceable, but an authorized institution's
    S-403-LATER  CTY403   —         2027-03-01   established after the as-of date
    S-403-SUSP   CTY403   T1        2018         suspended
    S-403-UNTR   CTY403   T1        2019         valid, no upstream: counted built, no service item
    S-502        CTY502   T3        2016         traceable (→ P)
    """
    standards = [
        b.std("P", "NIM", ["T1"], primary=True, established=d(1990)),
        Standard(**{**b.std("P-PROV", "PROV", ["T3"], primary=True, established=d(2020)).model_dump(),
                    "certificate_expiry": b.LATER}),
        b.std("S-PROV", "PROV", ["T1", "T2"], established=d(2015)),
        b.std("S-CITY-OLD", "CITY4", ["T1"], established=dt.date(2013, 12, 31)),
        b.std("S-CITY-NEW", "CITY4", ["T1", "T2"], established=dt.date(2014, 1, 1)),
        b.std("S-CITY-NONE", "CITY4", ["T3"]),
        b.std("S-402", "CTY402", ["T1"], established=d(2020)),
        b.std("S-402-EXP", "CTY402", ["T2"], expiry=b.EARLIER, established=d(2020)),
        b.std("S-AUTH", "AUTH402", ["T1", "T2", "T3"], established=d(2020)),
        b.std("S-403-LATER", "CTY403", established=dt.date(2027, 3, 1)),
        b.std("S-403-SUSP", "CTY403", ["T1"], status="suspended", established=d(2018)),
        b.std("S-403-UNTR", "CTY403", ["T1"], established=d(2019)),
        b.std("S-502", "CTY502", ["T3"], established=d(2016)),
    ]
    links = [b.link("S-PROV", "P"), b.link("S-CITY-OLD", "P"), b.link("S-CITY-NEW", "S-PROV"),
             b.link("S-CITY-NONE", "P", until=b.EARLIER), b.link("S-402", "S-CITY-OLD"),
             b.link("S-402-EXP", "P"), b.link("S-AUTH", "P"), b.link("S-403-LATER", "P"),
             b.link("S-403-SUSP", "P"), b.link("S-502", "P")]
    institutions = [*b.base_institutions(), b.inst("AUTH402", "county", "370402", kind="authorized")]
    return b.dataset(standards=standards, links=links, demand=[b.need("370402", "T1", 10)],
                     types=[b.itype("T1"), b.itype("T2"), b.itype("T3")], institutions=institutions)


# (as_of, metric, region, level, since) → the figure worked out by hand from hand_dataset's table.
HAND = {
    # standards_built: valid, non-primary, legal, established in [1 Jan since, as_of]
    (AS_OF, "standards_built", "370000", None, 2014): 5,  # S-PROV, S-CITY-NEW, S-402, S-403-UNTR, S-502
    (AS_OF, "standards_built", "370000", None, 2013): 6,  # + S-CITY-OLD (2013-12-31)
    (AS_OF, "standards_built", "370000", None, 2016): 3,  # S-402, S-403-UNTR, S-502
    (AS_OF, "standards_built", "370000", None, 2026): 0,
    (AS_OF, "standards_built", "370000", "province", 2014): 1,  # S-PROV
    (AS_OF, "standards_built", "370000", "city", 2014): 1,  # S-CITY-NEW
    (AS_OF, "standards_built", "370000", "city", 2013): 2,  # + S-CITY-OLD
    (AS_OF, "standards_built", "370000", "county", 2014): 3,  # S-402, S-403-UNTR, S-502
    (AS_OF, "standards_built", "370400", None, 2014): 3,  # S-CITY-NEW, S-402, S-403-UNTR
    (AS_OF, "standards_built", "370400", "province", 2014): 0,
    (AS_OF, "standards_built", "370402", None, 2014): 1,  # S-402 (S-AUTH is authorized)
    (AS_OF, "standards_built", "370403", None, 2014): 1,  # S-403-UNTR (LATER not yet, SUSP suspended)
    (AS_OF, "standards_built", "370500", None, 2014): 1,  # S-502
    # 2025-01-01: S-402-EXP's certificate still held
    (dt.date(2025, 1, 1), "standards_built", "370000", None, 2014): 6,
    (dt.date(2025, 1, 1), "standards_built", "370402", None, 2014): 2,
    # 2027-03-01: S-403-LATER exists (from that very day on); 2027-02-28 it does not
    (dt.date(2027, 3, 1), "standards_built", "370403", None, 2014): 2,
    (dt.date(2027, 3, 1), "standards_built", "370403", None, 2027): 1,
    (dt.date(2027, 2, 28), "standards_built", "370403", None, 2027): 0,
    # after 2028-01-01 every certificate has expired
    (b.LATER + DAY, "standards_built", "370000", None, 2014): 0,
    # service_items: distinct (legal institution, type) with a traceable non-primary standard
    (AS_OF, "service_items", "370000", None, None): 6,  # PROV T1 T2, CITY4 T1 T2, CTY402 T1, CTY502 T3
    (AS_OF, "service_items", "370000", "province", None): 2,  # not P-PROV's T3: it is primary
    (AS_OF, "service_items", "370000", "city", None): 2,  # (CITY4, T1) once for two standards
    (AS_OF, "service_items", "370000", "county", None): 2,
    (AS_OF, "service_items", "370400", None, None): 3,
    (AS_OF, "service_items", "370402", None, None): 1,  # not S-AUTH, not S-402-EXP
    (AS_OF, "service_items", "370403", None, None): 0,  # S-403-UNTR traces to nothing
    (AS_OF, "service_items", "370500", None, None): 1,
    # 2025-01-01: S-CITY-NONE's link and S-402-EXP's certificate still held
    (dt.date(2025, 1, 1), "service_items", "370400", None, None): 5,
    (dt.date(2025, 1, 1), "service_items", "370000", None, None): 8,
    (b.LATER + DAY, "service_items", "370000", None, None): 0,
}


def _target(metric: str, region: str | None, level: str | None, since: int | None, k: int) -> Target:
    return Target(id=f"{metric}-{k}", region=region, metric=metric, level=level, since=since, threshold=1)


def test_count_targets_by_hand(store: Neo4jStore) -> None:
    ds = hand_dataset()
    store.load(ds, replace=True)
    neo, nx_ = Neo4jBackend(store), NetworkxBackend(build_graph(ds))
    for as_of in sorted({key[0] for key in HAND}):
        cases = {key: want for key, want in HAND.items() if key[0] == as_of}
        targets = [_target(metric, region, level, since, k)
                   for k, (_, metric, region, level, since) in enumerate(cases)]
        ours, theirs = neo.targets(as_of, targets), nx_.targets(as_of, targets)
        assert ours == theirs, as_of
        assert {key: r.value for key, r in zip(cases, ours, strict=True)} == {k: float(v) for k, v in cases.items()}


def test_standards_built_without_since_has_no_figure(store: Neo4jStore) -> None:
    ds = hand_dataset()
    store.load(ds, replace=True)
    t = [Target(id="B", region="370000", metric="standards_built", threshold=1)]
    (ours,) = Neo4jBackend(store).targets(AS_OF, t)
    assert ours == NetworkxBackend(build_graph(ds)).targets(AS_OF, t)[0]
    assert ours.value is None and ours.met is None


def test_stored_count_targets_round_trip_and_evaluate(store: Neo4jStore) -> None:
    """`since` and `established` survive the load; targets.cypher hands `since` to the evaluation."""
    stored = [Target(id="B", region="370000", metric="standards_built", since=2014, threshold=5, year=2020),
              Target(id="BC", metric="standards_built", level="county", since=2016, threshold=4),
              Target(id="I", region="370400", metric="service_items", threshold=4, source="plan"),
              Target(id="IC", metric="service_items", level="city", threshold=2)]
    ds = hand_dataset().model_copy(update={"targets": stored})
    store.load(ds, replace=True)
    assert store.read_dataset() == ds
    ours = Neo4jBackend(store).targets(AS_OF)
    assert ours == NetworkxBackend(build_graph(ds)).targets(AS_OF)
    assert [(r.id, r.region, r.since, r.value, r.met) for r in ours] == [
        ("B", "370000", 2014, 5.0, True), ("BC", "370000", 2016, 3.0, False),
        ("I", "370400", None, 3.0, False), ("IC", "370000", None, 2.0, True)]


# --------------------------------------------------------------------------------------------
# random datasets and the samples
# --------------------------------------------------------------------------------------------

ESTABLISHED = [None, dt.date(2013, 12, 31), dt.date(2014, 1, 1), dt.date(2020, 6, 1), AS_OF - DAY, AS_OF,
               AS_OF + DAY, dt.date(2027, 3, 1)]
SINCE = [2014, 2020, 2026]
DATES = [AS_OF - DAY, AS_OF, AS_OF + DAY, dt.date(2027, 3, 1)]


def with_established(ds: Dataset, seed: int) -> Dataset:
    """``ds`` with `established` dates around AS_OF and a few stored count targets."""
    rnd = random.Random(f"established-{seed}")
    standards = [Standard(**{**s.model_dump(), "established": rnd.choice(ESTABLISHED)}) for s in ds.standards]
    stored = [Target(id="built", metric="standards_built", since=rnd.choice(SINCE), threshold=3),
              Target(id="built-county", region=ds.regions[-1].code, metric="standards_built", level="county",
                     since=rnd.choice(SINCE), threshold=1),
              Target(id="items", metric="service_items", threshold=4),
              Target(id="items-city", region=ds.regions[0].code, metric="service_items", level="city", threshold=2)]
    return ds.model_copy(update={"standards": standards, "targets": [*ds.targets, *stored]})


def count_grid(regions: list[str | None]) -> list[Target]:
    """standards_built (every level and since) and service_items (every level) for each region."""
    grid = []
    for region in regions:
        for level in LEVELS:
            grid += [_target("standards_built", region, level, since, len(grid)) for since in SINCE]
            grid.append(_target("service_items", region, level, None, len(grid)))
    return grid


@pytest.mark.parametrize(("make", "seed"), [*((random_dataset, s) for s in range(20)),
                                            *((random_dated_dataset, s) for s in range(0, 20, 4))],
                         ids=[*(f"undated{s}" for s in range(20)), *(f"dated{s}" for s in range(0, 20, 4))])
def test_random_count_target_parity(store: Neo4jStore, make, seed: int) -> None:
    """Random datasets, undated and dated (links calibrated before, on or after D: service_items
    counts only standards traceable through links valid at D)."""
    ds = with_established(make(seed), seed)
    store.load(ds, replace=True)
    neo, nx_ = Neo4jBackend(store), NetworkxBackend(build_graph(ds))
    regions = [None, *(r.code for r in ds.regions)]
    grid = count_grid(random.Random(seed).sample(regions, min(4, len(regions))))
    for as_of in DATES:
        assert neo.targets(as_of) == nx_.targets(as_of), as_of
        assert neo.targets(as_of, grid) == nx_.targets(as_of, grid), as_of


def test_random_count_targets_are_not_all_zero() -> None:
    """The random parity above compares real numbers: both metrics take several values across seeds."""
    values: dict[str, set[float | None]] = {"standards_built": set(), "service_items": set()}
    for seed in range(20):
        ds = with_established(random_dataset(seed), seed)
        for r in NetworkxBackend(build_graph(ds)).targets(AS_OF):
            if r.metric in values:
                values[r.metric].add(r.value)
    assert len(values["standards_built"]) >= 3 and len(values["service_items"]) >= 3, values


@pytest.mark.parametrize(("name", "every_region"), [("zaozhuang", True), ("shandong", False)])
def test_sample_count_target_parity(store: Neo4jStore, name: str, every_region: bool) -> None:
    ds = read_dataset(SAMPLES / name, AS_OF)
    store.load(ds)
    regions = [r.code for r in ds.regions if every_region or r.level != "county"]
    grid = count_grid(regions)
    ours = Neo4jBackend(store).targets(AS_OF, grid)
    assert ours == NetworkxBackend(build_graph(ds)).targets(AS_OF, grid)
    assert max(r.value or 0 for r in ours if r.metric == "standards_built") > 0
    assert max(r.value or 0 for r in ours if r.metric == "service_items") > 0
