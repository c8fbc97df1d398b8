"""The programme planner (spec: programme.md) checked against an independent oracle and brute force.

The oracle below is written from ``figures.md`` and ``programme.md`` alone: it shares no code with
``tracegraph.planning`` (only :class:`PlanningProblem` is imported, as the thing under test) nor
with the figure algorithms. Given a dataset, the as-of date D, a plan year y and the actions
effective by E(y) = 31 December of y, it computes the traceable set (least fixpoint from the valid
primaries), the covered items and the figures (coverage-type and count figures; capacity is left
out on purpose).

Random instances have at most five actions that can change anything, so every assignment of each
action to {not taken, 2026, 2027, 2028} (≤ 4⁵ = 1024 programmes) is tried.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pytest
from builders import AS_OF, EARLIER, base_institutions, dataset, inst, itype, link, need, std

from tracegraph.models import Candidate, Dataset, Standard, Target
from tracegraph.planning import PlanningProblem

YEARS = [2026, 2027, 2028]
FAR = dt.date(2033, 12, 31)
RANK = {"county": 1, "city": 2, "province": 3, "national": 4}

Action = tuple[str, str, str]  # ("build", candidate, institution) or ("renew", standard, "")
Programme = Mapping[Action, int]  # action → its year


def eoy(year: int) -> dt.date:
    return dt.date(year, 12, 31)


def candidate(id: str, verifies: list[str], levels: list[str], cost: float, quantity: str = "mass") -> Candidate:
    return Candidate(id=id, name=f"Cand {id}", quantity=quantity, verifies=verifies, levels=levels,
                     build_cost=cost, capacity_per_year=None)


def flow(s: Standard) -> Standard:
    return s.model_copy(update={"quantity": "flow"})


def cents(x: float) -> int:
    return round(x * 100)


# --- the oracle ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Node:
    id: str
    institution: str
    quantity: str
    verifies: tuple[str, ...]
    primary: bool
    established: dt.date | None
    built: bool


class Snapshot:
    """Everything at E(y) for one programme."""

    def __init__(self, o: Oracle, year: int, valid: dict[str, Node], traceable: set[str]) -> None:
        self.o, self.year, self.valid, self.traceable = o, year, valid, traceable
        self.covered = {
            (d.region, d.instrument_type) for d in o.ds.demand if d.count > 0 and any(
                d.instrument_type in valid[s].verifies and o.serves(o.inst[valid[s].institution], d.region)
                for s in traceable)}

    def figures(self, region: str | None = None, filter: str = "all") -> dict:
        o = self.o
        items = [d for d in o.ds.demand if d.count > 0 and o.within(d.region, region)
                 and o.matches(o.types[d.instrument_type], filter)]
        hit = [d for d in items if (d.region, d.instrument_type) in self.covered]
        n, m = sum(d.count for d in items), sum(d.count for d in hit)
        return {"items": len(items), "covered_items": len(hit), "coverage": len(hit) / len(items) if items else None,
                "instruments": n, "covered_instruments": m, "weighted_coverage": m / n if n else None}

    def _counted(self, s: Node) -> bool:
        """A valid, non-primary standard of a legal institution."""
        return not s.primary and self.o.inst[s.institution].kind == "legal"

    def standards_count(self, region: str, level: str) -> float | None:
        o = self.o
        places = [r for r in o.region if o.within(r, region) and o.region[r].level == level]
        if not places:
            return None
        total = sum(1 for s in self.valid.values() if self._counted(s)
                    and o.inst[s.institution].level == level and o.inst[s.institution].region in places)
        return total / len(places)

    def _in(self, s: Node, region: str, level: str | None) -> bool:
        i = self.o.inst[s.institution]
        return i.region is not None and self.o.within(i.region, region) and (level is None or i.level == level)

    def standards_built(self, region: str, level: str | None, since: int) -> int:
        start = dt.date(since, 1, 1)
        return sum(1 for s in self.valid.values() if self._counted(s) and self._in(s, region, level)
                   and (s.built or (s.established is not None and s.established >= start)))

    def service_items(self, region: str, level: str | None) -> int:
        pairs = {(self.valid[s].institution, t) for s in self.traceable
                 if self._counted(self.valid[s]) and self._in(self.valid[s], region, level)
                 for t in self.valid[s].verifies}
        return len(pairs)

    def value(self, target: Target, region: str) -> float | None:
        if target.metric == "standards_count":
            return self.standards_count(region, target.level or "province")
        if target.metric == "standards_built":
            return self.standards_built(region, target.level, target.since)
        if target.metric == "service_items":
            return self.service_items(region, target.level)
        return self.figures(region, target.filter)[target.metric]

    def values(self, target: Target) -> list[tuple[str, float | None]]:
        regions = [target.region] if target.region else [r for r, x in self.o.region.items() if not x.parent]
        return [(r, self.value(target, r)) for r in regions]

    def meets(self, target: Target) -> bool:
        return all(v is not None and v >= target.threshold for _, v in self.values(target))


class Oracle:
    def __init__(self, ds: Dataset, as_of: dt.date = AS_OF, certificate_years: int = 5,
                 renewal_cost: float = 5.0) -> None:
        self.ds, self.D, self.V, self.renewal_cost = ds, as_of, certificate_years, renewal_cost
        self.region = {r.code: r for r in ds.regions}
        self.inst = {i.id: i for i in ds.institutions}
        self.types = {t.code: t for t in ds.instrument_types}
        self.cands = {k.id: k for k in ds.candidates}
        self.stds = {s.id: s for s in ds.standards}
        self._cache: dict = {}

    # reach
    def within(self, code: str | None, root: str | None) -> bool:
        """``code`` is ``root`` or below it (``root`` None: everywhere)."""
        if root is None:
            return True
        while code is not None:
            if code == root:
                return True
            code = self.region[code].parent
        return False

    def serves(self, i, county: str) -> bool:
        roots = list(i.serves) + ([i.region] if i.level != "national" and i.region else [])
        return any(self.within(county, r) for r in roots)

    def can_calibrate(self, upper, lower) -> bool:
        return RANK[upper.level] > RANK[lower.level] and (
            upper.level == "national" or (upper.region is not None and self.within(lower.region, upper.region)))

    @staticmethod
    def matches(t, filter: str) -> bool:
        if filter == "all":
            return True
        if filter == "household_meter":
            return t.household_meter
        if filter == "mandatory":
            return t.mandatory
        return t.domain == filter.removeprefix("domain:")

    @staticmethod
    def link_current(lk, day: dt.date) -> bool:
        return lk.valid_until >= day and (lk.calibrated_on is None or lk.calibrated_on <= day)

    # actions
    def builds(self) -> list[Action]:
        return [("build", k.id, i.id) for k in self.ds.candidates for i in self.ds.institutions
                if i.kind == "legal" and i.level in k.levels]

    def renewals(self, years: Sequence[int] = YEARS, useful_only: bool = True) -> list[Action]:
        """In-service non-primary standards; ``useful_only``: those a renewal changes something for
        (certificate expiring before E(Yn) or a link not current at D) — renewing any other one
        changes no figure in any year and only costs money."""
        out = []
        for s in self.ds.standards:
            if s.status != "in_service" or s.primary:
                continue
            broken = any(not self.link_current(lk, self.D) for lk in self.ds.traceability if lk.standard == s.id)
            if not useful_only or broken or s.certificate_expiry < eoy(years[-1]):
                out.append(("renew", s.id, ""))
        return out

    def actions(self, years: Sequence[int] = YEARS, renewals: bool = True) -> list[Action]:
        return self.builds() + (self.renewals(years) if renewals else [])

    def cost(self, a: Action) -> int:
        """In cents."""
        if a[0] == "build":
            return cents(self.cands[a[1]].build_cost)
        own = self.stds[a[1]].renewal_cost
        return cents(self.renewal_cost if own is None else own)

    @staticmethod
    def standard_id(a: Action) -> str:
        return f"{a[1]}@{a[2]}" if a[0] == "build" else a[1]

    # state
    def snapshot(self, year: int, programme: Programme) -> Snapshot:
        done = frozenset((a, y) for a, y in programme.items() if y <= year)
        key = (year, done)
        if key not in self._cache:
            self._cache[key] = self._snapshot(year, dict(done))
        return self._cache[key]

    def _snapshot(self, year: int, done: dict[Action, int]) -> Snapshot:
        day = eoy(year)
        renewed = {a[1]: y for a, y in done.items() if a[0] == "renew"}
        valid: dict[str, Node] = {}
        for s in self.ds.standards:
            established = getattr(s, "established", None)
            if s.status != "in_service" or (established is not None and established > day):
                continue
            r = renewed.get(s.id)
            if (s.primary or (s.certificate_expiry is not None and s.certificate_expiry >= day)
                    or (r is not None and r <= year <= r + self.V)):
                valid[s.id] = Node(s.id, s.institution, s.quantity, tuple(s.verifies), s.primary, established, False)
        for a, y in done.items():
            if a[0] == "build" and y <= year <= y + self.V:
                k = self.cands[a[1]]
                sid = self.standard_id(a)
                valid[sid] = Node(sid, a[2], k.quantity, tuple(k.verifies), False, dt.date(y, 12, 31), True)
        ups: dict[str, list[str]] = {}
        for lk in self.ds.traceability:
            if self.link_current(lk, self.D) or renewed.get(lk.standard, year + 1) <= year:
                ups.setdefault(lk.standard, []).append(lk.upstream)
        traceable = {s for s, n in valid.items() if n.primary}
        grew = True
        while grew:
            grew = False
            for s, n in valid.items():
                if s in traceable:
                    continue
                if n.built:
                    ok = any(valid[t].quantity == n.quantity
                             and self.can_calibrate(self.inst[valid[t].institution], self.inst[n.institution])
                             for t in traceable)
                else:
                    ok = any(u in traceable for u in ups.get(s, ()))
                if ok:
                    traceable.add(s)
                    grew = True
        return Snapshot(self, year, valid, traceable)

    # the programme
    def objective(self, programme: Programme, years: Sequence[int] = YEARS) -> int:
        return sum(self.snapshot(y, programme).figures()["covered_instruments"] for y in years)

    @staticmethod
    def enforced(target: Target, year: int, years: Sequence[int] = YEARS) -> bool:
        return target.year is None or (target.year <= years[-1] and year >= target.year)

    def holds(self, targets: Sequence[Target], programme: Programme, years: Sequence[int] = YEARS) -> bool:
        return all(self.snapshot(y, programme).meets(t) for y in years for t in targets if self.enforced(t, y, years))

    def year_costs(self, programme: Programme, years: Sequence[int] = YEARS) -> list[int]:
        return [sum(self.cost(a) for a, y in programme.items() if y == year) for year in years]


def programmes(actions: Sequence[Action], years: Sequence[int] = YEARS):
    for choice in itertools.product([None, *years], repeat=len(actions)):
        yield {a: y for a, y in zip(actions, choice, strict=True) if y is not None}


def within_caps(o: Oracle, p: Programme, caps: Sequence[float] | None, budget: float | None = None,
                years: Sequence[int] = YEARS) -> bool:
    spent = o.year_costs(p, years)
    return (caps is None or all(c <= cents(b) for c, b in zip(spent, caps, strict=True))) and (
        budget is None or sum(spent) <= cents(budget))


def as_programme(plan) -> dict[Action, int]:
    out: dict[Action, int] = {}
    for a in plan.actions:
        key: Action = ("build", a.candidate, a.institution) if a.kind == "build" else ("renew", a.standard, "")
        assert key not in out, f"action {key} taken twice"
        out[key] = a.year
    return out


def same_figures(reported, mine: dict) -> None:
    for key in ("items", "covered_items", "instruments", "covered_instruments"):
        assert getattr(reported, key) == mine[key], key
    for key in ("coverage", "weighted_coverage"):
        assert getattr(reported, key) == pytest.approx(mine[key]), key


def check_reported(o: Oracle, plan, targets: Sequence[Target] = (), caps: Sequence[float] | None = None,
                   budget: float | None = None, years: Sequence[int] = YEARS) -> dict[Action, int]:
    """Whatever the plan is, its reported figures are the oracle's figures for its own actions."""
    mine = as_programme(plan)
    for a in plan.actions:
        key = next(k for k in mine if o.standard_id(k) == a.standard and k[0] == a.kind)
        assert a.standard == o.standard_id(key)
        assert a.year in years
        assert cents(a.cost) == o.cost(key)
    spent = o.year_costs(mine, years)
    assert cents(plan.total_cost) == sum(spent)
    assert within_caps(o, mine, caps, budget, years), (spent, caps, budget)
    assert [y.year for y in plan.by_year] == list(years)
    for k, year in enumerate(years):
        by = plan.by_year[k]
        assert by.evaluated_on == eoy(year)
        assert cents(by.cost) == spent[k]
        same_figures(by.figures, o.snapshot(year, mine).figures())
        same_figures(by.baseline, o.snapshot(year, {}).figures())
        values = {(t.id, r): v for t in targets for r, v in o.snapshot(year, mine).values(t)}
        for yt in by.targets:
            target = next(t for t in targets if t.id == yt.id)
            assert yt.enforced == o.enforced(target, year, years), (year, yt)
            mine_value = values[yt.id, yt.region]
            assert yt.value is None if mine_value is None else yt.value == pytest.approx(mine_value), (year, yt)
            if yt.enforced:
                assert yt.met is True, (year, yt)
        assert {(t.id, r) for t in targets for r, _ in o.snapshot(year, {}).values(t)} == {
            (yt.id, yt.region) for yt in by.targets}
    same_figures(plan.before, o.snapshot(years[0], {}).figures())
    same_figures(plan.after, o.snapshot(years[-1], mine).figures())
    return mine


# --- the oracle on hand-computed datasets --------------------------------------------------
def expiring(expiry: dt.date = dt.date(2027, 4, 30), cost: float = 3.0) -> Dataset:
    """P (primary, NIM) ← S (PROV, verifies T1, certificate to ``expiry``); 10 T1 in 370402."""
    standards = [std("P", "NIM", [], primary=True), std("S", "PROV", ["T1"], expiry=expiry, renewal_cost=cost)]
    return dataset(standards, [link("S", "P", FAR)], [need("370402", "T1", 10)])


def broken_and_current() -> Dataset:
    """S1 (PROV, T1): link expired at D; S2 (CITY4, T2): link valid to 2026-06-30, current at D."""
    standards = [std("P", "NIM", [], primary=True), std("S1", "PROV", ["T1"], expiry=FAR, renewal_cost=2.5),
                 std("S2", "CITY4", ["T2"], expiry=FAR)]
    links = [link("S1", "P", EARLIER), link("S2", "P", dt.date(2026, 6, 30))]
    return dataset(standards, links, [need("370402", "T1", 10), need("370403", "T2", 7)])


def one_build(cost: float = 4.0) -> Dataset:
    """Nothing covers 10 T1 in 370402; a county candidate K (cost 4) can."""
    return dataset([std("P", "NIM", [], primary=True)], [], [need("370402", "T1", 10)],
                   candidates=[candidate("K", ["T1"], ["county"], cost)])


def test_oracle_certificate_expiry_and_renewal():
    o = Oracle(expiring())
    assert o.snapshot(2026, {}).traceable == {"P", "S"}
    assert o.snapshot(2027, {}).traceable == {"P"}
    renew = {("renew", "S", ""): 2027}
    assert [o.snapshot(y, renew).figures()["covered_instruments"] for y in YEARS] == [10, 10, 10]
    assert [o.snapshot(y, {("renew", "S", ""): 2028}).figures()["covered_instruments"] for y in YEARS] == [10, 0, 10]
    assert o.objective({}) == 10 and o.objective(renew) == 30
    assert o.renewals() == [("renew", "S", "")] and o.cost(("renew", "S", "")) == 300
    # V = 1: renewed in 2026, valid at E(2027) but not at E(2028)
    short = Oracle(expiring(EARLIER), certificate_years=1)
    assert [bool(short.snapshot(y, {("renew", "S", ""): 2026}).covered) for y in YEARS] == [True, True, False]
    # a certificate to 2033 with current links: renewing it changes nothing, so it is no action
    assert Oracle(expiring(FAR)).renewals() == []


def test_oracle_links_broken_at_the_as_of_date():
    o = Oracle(broken_and_current())
    assert o.snapshot(2026, {}).traceable == {"P", "S2"}
    assert o.snapshot(2030, {}).traceable == {"P", "S2"}  # current at D: routine recalibration continues
    renew = {("renew", "S1", ""): 2028}
    assert [o.snapshot(y, renew).figures()["covered_instruments"] for y in range(2026, 2031)] == [7, 7, 17, 17, 17]
    assert o.renewals() == [("renew", "S1", "")]
    f = o.snapshot(2028, renew).figures()
    assert f == {"items": 2, "covered_items": 2, "coverage": 1.0, "instruments": 17, "covered_instruments": 17,
                 "weighted_coverage": 1.0}
    f = o.snapshot(2026, renew).figures("370400")
    assert (f["covered_items"], f["coverage"], f["weighted_coverage"]) == (1, 0.5, 7 / 17)


def test_oracle_least_fixpoint_and_statuses():
    standards = [std("P", "NIM", [], primary=True), std("A", "PROV", ["T1"], expiry=FAR),
                 std("B", "CITY4", ["T1"], expiry=FAR), std("C", "CTY402", ["T2"], expiry=FAR, status="suspended"),
                 std("D", "CTY403", ["T2"], expiry=FAR)]
    links = [link("A", "B", FAR), link("B", "A", FAR), link("D", "C", FAR)]  # a cycle; D hangs off a suspended C
    o = Oracle(dataset(standards, links, [need("370402", "T1", 3), need("370403", "T2", 4)]))
    assert o.snapshot(2026, {}).traceable == {"P"}
    assert o.renewals(useful_only=False) == [("renew", "A", ""), ("renew", "B", ""), ("renew", "D", "")]
    assert o.snapshot(2026, {("renew", "A", ""): 2026}).traceable == {"P"}  # renewal does not break a cycle


def test_oracle_builds_reach_serves_and_years():
    o = Oracle(one_build())
    assert o.builds() == [("build", "K", "CTY402"), ("build", "K", "CTY403"), ("build", "K", "CTY502")]
    b = ("build", "K", "CTY402")
    assert [o.snapshot(y, {b: 2027}).figures()["covered_instruments"] for y in YEARS] == [0, 10, 10]
    assert o.snapshot(2026, {("build", "K", "CTY403"): 2026}).covered == set()  # CTY403 does not serve 370402
    short = Oracle(one_build(), certificate_years=1)
    assert [short.snapshot(y, {b: 2026}).figures()["covered_instruments"] for y in YEARS] == [10, 10, 0]
    # a flow build needs a flow calibrator of a higher level above it: SF at CITY4 serves 370402/403 only
    standards = [std("P", "NIM", [], primary=True), flow(std("SF", "CITY4", [], expiry=FAR))]
    ds = dataset(standards, [link("SF", "P", FAR)], [need("370402", "T1", 5), need("370502", "T1", 6)],
                 candidates=[candidate("F", ["T1"], ["city", "county"], 1.0, quantity="flow"),
                             candidate("M", ["T1"], ["county"], 1.0)])
    o = Oracle(ds)
    all_builds = dict.fromkeys(o.builds(), 2026)
    assert o.snapshot(2026, all_builds).traceable == {"P", "SF", "F@CTY402", "F@CTY403", "M@CTY402", "M@CTY403",
                                                       "M@CTY502"}
    # a national institution serves only its `serves` regions
    nim = inst("NIM", "national", None, serves=["370500"])
    assert o.serves(nim, "370502") and not o.serves(nim, "370402")
    assert not o.serves(o.inst["NIM"], "370402")
    assert o.can_calibrate(o.inst["PROV"], o.inst["CTY502"]) and not o.can_calibrate(o.inst["CITY4"], o.inst["CTY502"])
    assert not o.can_calibrate(o.inst["CTY402"], o.inst["CTY403"])


def test_oracle_count_figures():
    ins = [*base_institutions(), inst("AUTH", "county", "370403", kind="authorized")]
    standards = [std("P", "NIM", ["T1"], primary=True),
                 std("A", "CTY402", ["T1", "T2"], expiry=FAR), std("B", "CTY402", ["T1"], expiry=FAR),
                 std("C", "CTY403", ["T2"], expiry=EARLIER), std("X", "AUTH", ["T2"], expiry=FAR),
                 std("Q", "CITY4", ["T2"], expiry=FAR)]
    links = [link(s, "P", FAR) for s in ("A", "C", "X", "Q")]  # B has no link: valid, not traceable
    ds = dataset(standards, links, [need("370402", "T1", 1)], institutions=ins,
                 candidates=[candidate("K", ["T2"], ["county"], 1.0)])
    o = Oracle(ds)
    s = o.snapshot(2026, {})
    assert s.standards_count("370000", "county") == 2 / 3  # A, B at 402; C expired; X authorized
    assert s.standards_count("370400", "county") == 1.0
    assert s.standards_count("370000", "city") == 0.5  # Q in 370400, nothing in 370500
    assert s.standards_count("370402", "city") is None
    assert s.service_items("370000", None) == 3  # (CTY402, T1), (CTY402, T2), (CITY4, T2)
    assert s.service_items("370000", "county") == 2 and s.service_items("370500", None) == 0
    built = o.snapshot(2027, {("build", "K", "CTY502"): 2027})
    assert built.standards_count("370000", "county") == 1.0
    assert built.service_items("370000", "county") == 3
    assert built.standards_built("370000", None, 2026) == 1 and built.standards_built("370400", None, 2026) == 0
    assert o.snapshot(2026, {("build", "K", "CTY502"): 2027}).standards_built("370000", None, 2026) == 0


def test_oracle_standards_built_since():
    standards = [std("P", "NIM", [], primary=True),
                 std("A", "CTY402", ["T1"], expiry=FAR, established=dt.date(2019, 12, 31)),
                 std("B", "CTY402", ["T1"], expiry=FAR, established=dt.date(2020, 1, 1)),
                 std("C", "CITY4", ["T1"], expiry=FAR), std("D", "CTY403", ["T1"], expiry=FAR,
                                                            established=dt.date(2027, 3, 1))]
    s = Oracle(dataset(standards, [], [need("370402", "T1", 1)])).snapshot(2026, {})
    assert s.standards_built("370000", None, 2020) == 1  # B; C has no date; D does not exist yet
    assert s.standards_built("370000", None, 2019) == 2
    assert s.standards_built("370000", "city", 2000) == 0
    later = Oracle(dataset(standards, [], [need("370402", "T1", 1)])).snapshot(2027, {})
    assert later.standards_built("370000", None, 2020) == 2


# --- random instances against brute force --------------------------------------------------
EXPIRIES = [FAR, FAR, FAR, dt.date(2027, 6, 30), dt.date(2026, 4, 30), dt.date(2028, 3, 31), EARLIER]
LINK_DATES = [FAR, FAR, dt.date(2026, 6, 30), EARLIER]
ESTABLISHED = [None, dt.date(2012, 5, 1), dt.date(2019, 3, 1), dt.date(2023, 8, 1), dt.date(2025, 12, 31)]
COSTS = [1.5, 2.0, 3.2, 4.0, 5.5]
CAPS = [0.0, 2.0, 3.5, 5.0, 8.0]


@dataclass
class Instance:
    seed: int
    ds: Dataset
    renewal_cost: float
    oracle: Oracle
    actions: list[Action]


def _random_dataset(rnd: random.Random) -> tuple[Dataset, float]:
    types = [itype(f"T{k}", domain=rnd.choice(["trade", "safety"]), mandatory=rnd.random() < 0.6,
                   household=rnd.random() < 0.4) for k in (1, 2, 3)]
    codes = [t.code for t in types]
    institutions = base_institutions()
    institutions[0] = inst("NIM", "national", None, serves=rnd.choice([[], [], ["370500"]]))
    if rnd.random() < 0.5:
        institutions.append(inst("CITY5", "city", "370500"))
    if rnd.random() < 0.4:
        institutions.append(inst("AUTH4", "city", "370400", kind="authorized", serves=["370502"]))
    standards = [std("P", "NIM", [], primary=True)]
    has_flow = rnd.random() < 0.5
    if has_flow and rnd.random() < 0.5:  # else flow builds need a flow standard of a higher level above them
        standards.append(flow(std("PF", "NIM", [], primary=True)))
    links = []
    level = {i.id: i.level for i in institutions}
    holders = sorted(rnd.sample([i.id for i in institutions if i.level != "national"], rnd.randint(2, 4)),
                     key=lambda h: -RANK[level[h]])
    for n, holder in enumerate(holders):
        s = std(f"S{n}", holder, rnd.sample(codes, rnd.randint(1, 2)), expiry=rnd.choice(EXPIRIES),
                status=rnd.choice(["in_service"] * 6 + ["suspended"]), renewal_cost=rnd.choice([None, 1.2, 2.5]),
                established=rnd.choice(ESTABLISHED))
        if has_flow and rnd.random() < 0.4:
            s = flow(s)
        ups = [u.id for u in standards if u.primary or RANK[level[u.institution]] > RANK[level[holder]]]
        for u in rnd.sample(ups, min(len(ups), rnd.choice([1, 1, 2]))):
            links.append(link(s.id, u, rnd.choice(LINK_DATES)))
        standards.append(s)
    cands = [candidate(f"K{k}", rnd.sample(codes, rnd.randint(1, 2)), rnd.sample(["province", "city", "county"],
                       rnd.choice([1, 1, 2])), rnd.choice(COSTS), "flow" if rnd.random() < 0.3 else "mass")
             for k in range(rnd.randint(1, 3))]
    demand = []
    for county in ("370402", "370403", "370502"):
        row = [need(county, t, c) for t in codes if (c := rnd.choice([0, 0, 3, 5, 8, 12, 20]))]
        demand += row or [need(county, "T1", 4)]
    ds = dataset(standards, links, demand, types=types, institutions=institutions, candidates=cands)
    return ds, rnd.choice([2.0, 5.0])


@functools.cache
def instance(seed: int) -> Instance:
    """The ``seed``-th random dataset with 2–5 actions that may change a figure, and something to gain."""
    found, attempt = -1, 0
    while True:
        rnd = random.Random(1000 + attempt)
        ds, renewal_cost = _random_dataset(rnd)
        o = Oracle(ds, renewal_cost=renewal_cost)
        actions = o.actions()
        if 2 <= len(actions) <= 5 and o.objective(dict.fromkeys(actions, YEARS[0])) > o.objective({}):
            found += 1
            if found == seed:
                return Instance(seed, ds, renewal_cost, o, actions)
        attempt += 1


SEEDS = range(8)


def budget_setting(case: Instance, kind: str) -> tuple[list[float], float | None]:
    """``random``: caps drawn from CAPS, sometimes a total too; ``spread``: each year can pay for about
    one action, so the order over the years matters; ``short``: as ``random`` with 1-year certificates."""
    o, rnd = case.oracle, random.Random(f"{case.seed}-{kind}")
    if kind == "spread":
        costs = sorted(o.cost(a) for a in case.actions)
        return [costs[len(costs) // 2] / 100] * len(YEARS), None
    total = sum(o.cost(a) for a in case.actions) / 100
    return [rnd.choice(CAPS) for _ in YEARS], rnd.choice([None, round(total / 2, 1)])


@pytest.mark.parametrize("kind", ["random", "spread", "short"])
@pytest.mark.parametrize("seed", SEEDS)
def test_budget_mode_matches_brute_force(seed, kind):
    case = instance(seed)
    years_valid = 1 if kind == "short" else 5
    o = case.oracle if kind != "short" else Oracle(case.ds, renewal_cost=case.renewal_cost, certificate_years=1)
    caps, budget = budget_setting(case, kind)
    best: tuple[int, int] | None = None  # (objective, −cost)
    for p in programmes(case.actions):
        if within_caps(o, p, caps, budget):
            key = (o.objective(p), -sum(o.year_costs(p)))
            best = key if best is None or key > best else best
    assert best is not None
    plan = PlanningProblem.from_dataset(case.ds, AS_OF, mode="budget", budget=budget, years=YEARS,
                                        budget_per_year=caps, renewal_cost=case.renewal_cost,
                                        certificate_years=years_valid).solve()
    assert plan.status == "optimal"
    assert plan.objective == best[0]
    assert plan.total_cost == pytest.approx(-best[1] / 100)
    mine = check_reported(o, plan, caps=caps, budget=budget)
    assert o.objective(mine) == plan.objective


def pick(rnd: random.Random, lo: float, hi: float, grid: Sequence[float]) -> float:
    """A threshold: mostly one that some programme meets and doing nothing does not (lo < t ≤ hi),
    sometimes one beyond every programme, sometimes one already met."""
    inside = [g for g in grid if lo < g <= hi]
    above = [g for g in grid if g > hi]
    below = [g for g in grid if 0 < g <= lo]
    roll = rnd.random()
    for choice in ((inside, above, below) if roll < 0.75 else (above, inside, below) if roll < 0.9
                   else (below, inside, above)):
        if choice:
            return rnd.choice(choice)
    return grid[-1]


def spread(o: Oracle, actions: Sequence[Action], target: Target) -> tuple[float, float]:
    """The lowest value doing nothing (over the years, all regions) and the highest value any
    programme reaches (everything in Y1: figures only grow with actions, and V = 5 outlasts 2028)."""
    everything = dict.fromkeys(actions, YEARS[0])
    lo = min(v or 0 for y in YEARS for _, v in o.snapshot(y, {}).values(target))
    hi = min(v or 0 for _, v in o.snapshot(YEARS[0], everything).values(target))
    return lo, hi


def with_threshold(o: Oracle, actions, rnd: random.Random, grid: Sequence[float], **fields) -> Target:
    draft = Target(threshold=0, **fields)
    return draft.model_copy(update={"threshold": pick(rnd, *spread(o, actions, draft), grid)})


def movable(make):
    """Draw a target up to five times, keeping the first that some programme can move."""
    def draw(o: Oracle, actions, rnd: random.Random, *args) -> Target:
        for _ in range(5):
            target = make(o, actions, rnd, *args)
            lo, hi = spread(o, actions, target)
            if lo < hi:
                break
        return target
    return draw


@movable
def coverage_target(o: Oracle, actions, rnd: random.Random, id: str) -> Target:
    region = rnd.choice([None, "370000", "370400", "370500"])
    filter = rnd.choice(["all", "mandatory", "household_meter"])
    if not o.snapshot(2026, {}).figures(region, filter)["items"]:
        filter = "all"
    return with_threshold(o, actions, rnd, [k / 20 for k in range(1, 21)], id=id, region=region,
                          metric=rnd.choice(["coverage", "weighted_coverage"]), filter=filter,
                          year=rnd.choice([None, None, 2025, 2027, 2028, 2031]))


@movable
def count_target(o: Oracle, actions, rnd: random.Random, metric: str) -> Target:
    year = rnd.choice([None, 2025, 2027, 2028, 2030])
    if metric == "standards_count":
        return with_threshold(o, actions, rnd, [k / 6 for k in range(1, 19)], id="count",
                              region=rnd.choice([None, "370000"]), metric=metric,
                              level=rnd.choice(["county", "city", "province"]), year=year)
    if metric == "standards_built":
        return with_threshold(o, actions, rnd, range(1, 7), id="built", region=rnd.choice(["370000", "370400"]),
                              metric=metric, level=rnd.choice([None, "county", "city"]),
                              since=rnd.choice([2015, 2020, 2026]), year=year)
    return with_threshold(o, actions, rnd, range(1, 12), id="service", region=rnd.choice([None, "370400"]),
                          metric=metric, level=rnd.choice([None, "county", "city"]), year=year)


COUNTS = ["standards_count", "standards_built", "service_items"]
TARGET_SETS = {
    "coverage": lambda o, a, rnd: [coverage_target(o, a, rnd, f"cov{n}") for n in range(rnd.randint(1, 2))],
    "counts": lambda o, a, rnd: [count_target(o, a, rnd, m) for m in COUNTS],
    "mixed": lambda o, a, rnd: [coverage_target(o, a, rnd, "cov"), count_target(o, a, rnd, rnd.choice(COUNTS))],
}


def target_setting(case: Instance, kind: str) -> tuple[list[Target], list[float] | None]:
    o, rnd = case.oracle, random.Random(f"{case.seed}-{kind}")
    targets = TARGET_SETS[kind](o, case.actions, rnd)
    return targets, rnd.choice([None, [rnd.choice(CAPS[1:]) for _ in YEARS]])


@pytest.mark.parametrize("kind", sorted(TARGET_SETS))
@pytest.mark.parametrize("seed", SEEDS)
def test_target_mode_matches_brute_force(seed, kind):
    case = instance(seed)
    o = case.oracle
    targets, caps = target_setting(case, kind)
    cheapest = min((sum(o.year_costs(p)) for p in programmes(case.actions)
                    if within_caps(o, p, caps) and o.holds(targets, p)), default=None)
    plan = PlanningProblem.from_dataset(case.ds, AS_OF, mode="targets", targets=targets, years=YEARS,
                                        budget_per_year=caps, renewal_cost=case.renewal_cost).solve()
    if cheapest is None:
        assert plan.status == "infeasible", [(a.standard, a.year) for a in plan.actions]
        assert plan.actions == [] and plan.unmet
    else:
        assert plan.status == "optimal", plan.unmet
        assert cents(plan.total_cost) == cheapest
        mine = check_reported(o, plan, targets, caps=caps)
        assert o.holds(targets, mine)


def test_random_instances_are_varied():
    """The brute force is only worth something if the instances exercise what the spec names."""
    cases = [instance(s) for s in SEEDS]
    kinds = [a[0] for c in cases for a in c.actions]
    assert kinds.count("build") >= 8 and kinds.count("renew") >= 4
    expiring_during = [a for c in cases for a in c.actions if a[0] == "renew"
                       and AS_OF < c.oracle.stds[a[1]].certificate_expiry < eoy(YEARS[-1])]
    broken_links = [a for c in cases for a in c.actions if a[0] == "renew" and any(
        lk.standard == a[1] and lk.valid_until < AS_OF for lk in c.ds.traceability)]
    assert expiring_during and broken_links
    # the baseline really declines over the programme in some instance
    assert any(c.oracle.objective({}) < 3 * c.oracle.snapshot(2026, {}).figures()["covered_instruments"]
               for c in cases)


# --- cases a person can check ---------------------------------------------------------------
def budget_plan(ds: Dataset, caps=None, years=YEARS, **kw):
    return PlanningProblem.from_dataset(ds, AS_OF, mode="budget", years=years, budget_per_year=caps, **kw).solve()


def covered(plan) -> list[int]:
    return [y.figures.covered_instruments for y in plan.by_year]


@pytest.mark.parametrize(("caps", "actions", "figures"), [
    ([0, 3, 0], [("renew", "S", 2027)], [10, 10, 10]),
    ([3, 0, 0], [("renew", "S", 2026)], [10, 10, 10]),
    ([0, 0, 3], [("renew", "S", 2028)], [10, 0, 10]),
    ([0, 2.99, 0], [], [10, 0, 0]),
    ([0, 0, 0], [], [10, 0, 0]),
])
def test_certificate_expiring_in_april_2027(caps, actions, figures):
    """Valid at E(2026), expired at E(2027): the renewal keeps the coverage from its year on."""
    plan = budget_plan(expiring(), caps)
    assert plan.status == "optimal"
    assert [(a.kind, a.standard, a.year) for a in plan.actions] == actions
    assert covered(plan) == figures and plan.objective == sum(figures)
    assert [y.baseline.covered_instruments for y in plan.by_year] == [10, 0, 0]
    assert plan.before.covered_instruments == 10 and plan.after.covered_instruments == figures[-1]
    check_reported(Oracle(expiring()), plan, caps=caps)


def test_certificate_expiring_without_renewals():
    plan = budget_plan(expiring(), [3, 3, 3], renewals=False)
    assert plan.actions == [] and covered(plan) == [10, 0, 0]


def test_expired_link_breaks_until_renewal_current_link_holds():
    years = list(range(2026, 2031))
    plan = budget_plan(broken_and_current(), [0, 0, 2.5, 0, 0], years=years)
    assert [(a.kind, a.standard, a.year) for a in plan.actions] == [("renew", "S1", 2028)]
    assert covered(plan) == [7, 7, 17, 17, 17]
    assert [y.baseline.covered_instruments for y in plan.by_year] == [7] * 5  # S2's link holds through 2030
    check_reported(Oracle(broken_and_current()), plan, caps=[0, 0, 2.5, 0, 0], years=years)


def test_build_counts_from_its_year_only():
    plan = budget_plan(one_build(), [0, 4, 0])
    assert [(a.kind, a.standard, a.year) for a in plan.actions] == [("build", "K@CTY402", 2027)]
    assert covered(plan) == [0, 10, 10] and plan.objective == 20
    assert plan.by_year[0].figures == plan.by_year[0].baseline
    assert [y.cost for y in plan.by_year] == [0, 4.0, 0]


def test_short_certificates_lapse_within_the_programme():
    plan = budget_plan(one_build(), [4, 0, 0], certificate_years=1)
    assert [(a.standard, a.year) for a in plan.actions] == [("K@CTY402", 2026)]
    assert covered(plan) == [10, 10, 0] and plan.objective == 20
    check_reported(Oracle(one_build(), certificate_years=1), plan, caps=[4, 0, 0])


def test_a_build_needs_a_calibrator_above_it():
    """The only flow standard is SF at CITY4: it can calibrate a county build in 370402 but not one
    in 370502 (another city), so the 10 instruments of 370502 are out of reach and the 3 of 370402
    are what one build buys."""
    standards = [std("P", "NIM", [], primary=True), flow(std("SF", "CITY4", [], expiry=FAR))]
    ds = dataset(standards, [link("SF", "P", FAR)], [need("370402", "T1", 3), need("370502", "T1", 10)],
                 candidates=[candidate("F", ["T1"], ["county"], 1.0, quantity="flow")])
    plan = budget_plan(ds, [1, 0, 0])
    assert [(a.standard, a.year) for a in plan.actions] == [("F@CTY402", 2026)]
    assert covered(plan) == [3, 3, 3]
    check_reported(Oracle(ds), plan, caps=[1, 0, 0])


def counting() -> Dataset:
    """A (authorized AUTH402, T1, established 2021), B (CTY403, T2, 2019), C (CITY4, T2, 2020), all
    traceable; K (T1, county, 2 万元)."""
    ins = [*base_institutions(), inst("AUTH402", "county", "370402", kind="authorized")]
    standards = [std("P", "NIM", [], primary=True),
                 std("A", "AUTH402", ["T1"], expiry=FAR, established=dt.date(2021, 1, 1)),
                 std("B", "CTY403", ["T2"], expiry=FAR, established=dt.date(2019, 6, 1)),
                 std("C", "CITY4", ["T2"], expiry=FAR, established=dt.date(2020, 1, 1))]
    return dataset(standards, [link(s, "P", FAR) for s in "ABC"], [need("370402", "T1", 5)], institutions=ins,
                   candidates=[candidate("K", ["T1"], ["county"], 2.0)])


@pytest.mark.parametrize("targets", [
    # counties of 370400: 0 (A is authorized) and 1 (B) → 0.5; one county build makes it 1.0
    [Target(id="count", region="370400", metric="standards_count", level="county", threshold=1.0)],
    # (CTY403, T2) only, A being authorized; a county build in 370400 adds (it, T1)
    [Target(id="service", region="370400", metric="service_items", level="county", threshold=2)],
    # C only (B is from 2019, A authorized); every build counts
    [Target(id="built", region="370000", metric="standards_built", since=2020, threshold=2)],
], ids=["standards_count", "service_items", "standards_built"])
def test_count_targets_need_one_build(targets):
    ds = counting()
    o = Oracle(ds)
    assert not any(o.snapshot(y, {}).meets(t) for y in YEARS for t in targets)
    plan = PlanningProblem.from_dataset(ds, AS_OF, mode="targets", targets=targets, years=YEARS).solve()
    assert plan.status == "optimal" and plan.total_cost == 2.0
    [action] = plan.actions
    assert action.year == 2026 and action.candidate == "K"
    assert o.holds(targets, check_reported(o, plan, targets))


def test_greedy_below_the_optimum_does_not_claim_optimal():
    """A knapsack: KA has the best ratio (7 per 6 万元) but blocks KB + KC (10 per 10 万元)."""
    types = [itype("T1"), itype("T2"), itype("T3")]
    cands = [candidate("KA", ["T1"], ["county"], 6.0), candidate("KB", ["T2"], ["county"], 5.0),
             candidate("KC", ["T3"], ["county"], 5.0)]
    ds = dataset([std("P", "NIM", [], primary=True)], [],
                 [need("370402", "T1", 7), need("370403", "T2", 5), need("370502", "T3", 5)],
                 types=types, candidates=cands)
    o = Oracle(ds)
    exact = budget_plan(ds, budget=10)
    assert exact.status == "optimal" and exact.objective == 30 and exact.total_cost == 10
    assert {a.standard for a in exact.actions} == {"KB@CTY403", "KC@CTY502"}
    greedy = PlanningProblem.from_dataset(ds, AS_OF, years=YEARS, budget=10).solve("greedy")
    mine = check_reported(o, greedy, budget=10)
    assert greedy.objective == o.objective(mine) <= 30
    if greedy.objective < 30:
        assert greedy.status == "feasible"
        assert greedy.gap is not None and greedy.gap > 0
    else:
        assert greedy.total_cost == 10


def test_greedy_keeps_no_build_that_adds_nothing():
    """X (1 万元) covers 5 T1 at 370402; Y (3 万元, CITY4) covers those and 9 T2 at 370403: greedy
    takes X first by ratio, then Y, after which X adds nothing."""
    cands = [candidate("X", ["T1"], ["county"], 1.0), candidate("Y", ["T1", "T2"], ["city"], 3.0)]
    ds = dataset([std("P", "NIM", [], primary=True)], [], [need("370402", "T1", 5), need("370403", "T2", 9)],
                 candidates=cands)
    o = Oracle(ds)
    exact = budget_plan(ds, budget=4)
    assert exact.objective == 42 and [a.standard for a in exact.actions] == ["Y@CITY4"]
    for plan in (exact, PlanningProblem.from_dataset(ds, AS_OF, years=YEARS, budget=4).solve("greedy")):
        mine = check_reported(o, plan, budget=4)
        for a in mine:
            without = {b: y for b, y in mine.items() if b != a}
            assert o.objective(without) < o.objective(mine), f"{plan.method} keeps {a} for nothing"
        if plan.objective == 42:
            assert plan.total_cost == 3.0


def test_yearly_cap_too_small_for_the_targets():
    target = Target(id="full", metric="coverage", filter="all", threshold=1.0)
    ds = one_build(8.0)
    plan = PlanningProblem.from_dataset(ds, AS_OF, mode="targets", targets=[target], years=YEARS,
                                        budget_per_year=5).solve()
    assert plan.status == "infeasible" and plan.actions == []
    assert any(u.needed_cost == pytest.approx(8.0) for u in plan.unmet), plan.unmet
    assert all(u.reasons for u in plan.unmet)


@pytest.mark.parametrize(("year", "caps", "expected"), [
    (2027, [0, 8, 0], [("K@CTY402", 2027)]),  # met from 2027: the money of 2027 suffices
    (None, [0, 8, 0], None),  # every year, 2026 included: nothing can be built in 2026
    (2025, [0, 8, 0], None),  # a year before Y1 holds from Y1
    (2031, [0, 0, 0], []),  # after Yn: reported, not enforced
])
def test_target_years(year, caps, expected):
    target = Target(id="full", metric="coverage", filter="all", threshold=1.0, year=year)
    ds = one_build(8.0)
    plan = PlanningProblem.from_dataset(ds, AS_OF, mode="targets", targets=[target], years=YEARS,
                                        budget_per_year=caps).solve()
    if expected is None:
        assert plan.status == "infeasible" and plan.actions == [] and plan.unmet
        return
    assert plan.status == "optimal"
    assert [(a.standard, a.year) for a in plan.actions] == expected
    check_reported(Oracle(ds), plan, [target], caps=caps)
    assert [(t.enforced, t.met) for y in plan.by_year for t in y.targets] == (
        [(False, False), (True, True), (True, True)] if year == 2027 else [(False, False)] * 3)


def test_money_is_exact():
    types = [itype("T1"), itype("T2"), itype("T3"), itype("T4")]
    cands = [candidate("A", ["T1"], ["county"], 10.2), candidate("B", ["T2"], ["county"], 20.4),
             candidate("C", ["T3"], ["county"], 0.1), candidate("D", ["T4"], ["county"], 0.2)]
    ds = dataset([std("P", "NIM", [], primary=True)], [], [need("370402", t.code, 5) for t in types],
                 types=types, candidates=cands)
    plan = budget_plan(ds, [30.6, 0.3, 0])  # 10.2 + 20.4 and 0.1 + 0.2 each fit their year exactly
    assert sorted((a.standard, a.year) for a in plan.actions if a.year == 2026) == [
        ("A@CTY402", 2026), ("B@CTY402", 2026)]
    assert sorted((a.standard, a.year) for a in plan.actions if a.year == 2027) == [
        ("C@CTY402", 2027), ("D@CTY402", 2027)]
    assert [y.cost for y in plan.by_year] == [30.6, 0.3, 0]
    assert plan.total_cost == 30.9 and repr(plan.total_cost) == "30.9"
    out = plan.to_contract()
    assert out["total_cost"] == 30.9 and [y["cost"] for y in out["by_year"]] == [30.6, 0.3, 0]


@pytest.mark.parametrize("limit", [1e-6, 1e-3, None])
def test_time_limit_statuses_are_honest(limit):
    """A target-mode problem (48 builds, feasible) cut short: without a
    plan, ``no_solution`` with nothing in it (HiGHS stops before any at 1 µs here); with one, it is
    stated as it is and really meets the targets within the caps."""
    rnd = random.Random(7)
    types = [itype(f"T{k}") for k in range(8)]
    cands = [candidate(f"K{k}", rnd.sample([t.code for t in types], 3), ["county", "city"], rnd.choice(COSTS))
             for k in range(12)]
    demand = [need(c, t.code, rnd.randint(1, 30)) for c in ("370402", "370403", "370502") for t in types]
    ds = dataset([std("P", "NIM", [], primary=True)], [], demand, types=types, candidates=cands)
    targets = [Target(id="c", metric="coverage", filter="all", threshold=0.9),
               Target(id="w", region="370400", metric="weighted_coverage", filter="all", threshold=0.95, year=2027)]
    plan = PlanningProblem.from_dataset(ds, AS_OF, mode="targets", targets=targets, years=YEARS,
                                        budget_per_year=12).solve(time_limit=limit)
    assert plan.status in ({"optimal"} if limit is None else {"no_solution", "feasible", "optimal"})
    if plan.status == "no_solution":
        assert plan.actions == [] and plan.gap is None and plan.total_cost == 0
        return
    o = Oracle(ds)
    assert o.holds(targets, check_reported(o, plan, targets, caps=[12] * 3))
    assert plan.gap is not None and plan.gap >= 0
    if plan.status == "optimal":
        assert plan.gap <= 1e-6


# --- target mode under yearly caps: the uncapped optimum packed, or the capped model ------------
def three_renewals(costs: Sequence[float]) -> Dataset:
    """Three county standards whose certificates run out in 2026, to renew for a count target."""
    standards = [std("P", "NIM", [], primary=True)]
    standards += [std(f"S{k}", "CTY402", ["T1"], expiry=dt.date(2026, 6, 30), renewal_cost=c)
                  for k, c in enumerate(costs)]
    return dataset(standards, [link(f"S{k}", "P") for k in range(len(costs))], [need("370402", "T1", 5)])


COUNT3 = Target(id="n", region="370402", metric="standards_count", level="county", threshold=3.0, year=2027)


@pytest.mark.parametrize(("caps", "years"), [
    ((10.0, 0.0), {"S0": 2026, "S1": 2026, "S2": 2026}),  # all fits the first year: packed, proven at once
    ((6.0, 4.0), None),  # earliest-deadline packing (4 → 2026, 3 → 2027, 3 → nowhere) fails; {3, 3} + {4} fits
])
def test_capped_targets_meet_the_uncapped_optimum_when_it_fits(caps, years):
    plan = PlanningProblem.from_dataset(three_renewals([3.0, 3.0, 4.0]), AS_OF, mode="targets", targets=[COUNT3],
                                        years=range(2026, 2028), budget_per_year=list(caps)).solve()
    assert plan.status == "optimal" and plan.total_cost == 10.0
    spent = {y.year: y.cost for y in plan.by_year}
    assert all(spent[y] <= cap for y, cap in zip((2026, 2027), caps, strict=True))
    if years is not None:
        assert {a.standard: a.year for a in plan.actions} == years
    else:  # the two cheap renewals share a year, the dear one has the other
        by_year = {y.year: sorted(a.cost for a in plan.actions if a.year == y.year) for y in plan.by_year}
        assert sorted(by_year.values()) == [[3.0, 3.0], [4.0]]
    assert all(t.met for y in plan.by_year for t in y.targets if t.enforced)


def test_capped_targets_too_small_say_what_they_need():
    plan = PlanningProblem.from_dataset(three_renewals([3.0, 3.0, 4.0]), AS_OF, mode="targets", targets=[COUNT3],
                                        years=range(2026, 2028), budget_per_year=[4.0, 4.0]).solve()
    assert plan.status == "infeasible" and not plan.actions
    assert plan.unmet and plan.unmet[0].metric == "budget" and plan.unmet[0].needed_cost == 10.0
    assert plan.unmet[0].caps


def test_a_link_calibrated_after_the_as_of_date_stays_broken_until_renewal():
    """programme.md: a link counts at E(y) when it is valid at D (or its standard was renewed); one
    calibrated only after D is not valid at D, whatever its dates say about the later years."""
    from tracegraph.models import TraceLink

    standards = [std("P", "NIM", [], primary=True), std("S", "CTY402", ["T1"], expiry=dt.date(2030, 1, 1),
                                                       renewal_cost=2.0)]
    later = TraceLink(standard="S", upstream="P", valid_until=dt.date(2027, 6, 30),
                      calibrated_on=dt.date(2026, 3, 1))
    ds = dataset(standards, [later], [need("370402", "T1", 5)])
    idle = PlanningProblem.from_dataset(ds, AS_OF, mode="budget", budget=0.0, years=range(2026, 2028)).solve()
    assert [y.figures.covered_instruments for y in idle.by_year] == [0, 0]
    plan = PlanningProblem.from_dataset(ds, AS_OF, mode="budget", budget=2.0, years=range(2026, 2028)).solve()
    assert plan.status == "optimal" and [(a.kind, a.standard, a.year) for a in plan.actions] == [("renew", "S", 2026)]
    assert [y.figures.covered_instruments for y in plan.by_year] == [5, 5]


def test_a_cancelled_solve_answers_as_a_time_limit_would():
    """``solve(cancel=event)``: setting the event from another thread stops HiGHS; the answer is the best
    plan so far with its true gap (or no_solution), never a plan called optimal."""
    import threading
    from pathlib import Path

    from tracegraph.io import read_dataset

    ds = read_dataset(Path(__file__).resolve().parents[1] / "data" / "standards" / "zaozhuang")
    problem = PlanningProblem.from_dataset(ds, ds.default_as_of(), mode="budget", years=range(2026, 2031),
                                           budget_per_year=100)
    stop = threading.Event()
    threading.Timer(0.3, stop.set).start()
    plan = problem.solve(cancel=stop)
    assert plan.status in ("feasible", "no_solution")
    if plan.status == "no_solution":
        assert plan.gap is None and not plan.actions
    else:  # stopped before the solver knew a bound, the gap is unknown (None), never a made-up 0
        assert plan.gap is None or plan.gap > 0
    assert all(y.cost <= 100 for y in plan.by_year)
