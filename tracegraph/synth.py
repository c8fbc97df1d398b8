"""Deterministic synthetic datasets shaped like a real province (or the whole country).

``synthesize(regions, seed=…, as_of=…)`` builds, for any province → city → county tree:

- institutions: 中国计量科学研究院 (national, holds the primaries); per province a legal
  ``…计量科学研究院`` and an authorized grid-company metering centre; per city a legal
  ``…计量测试所`` and, for some cities, an authorized water-company meter station; per county
  a legal ``…市场监管局计量所``;
- standards per institution from :mod:`tracegraph.catalogue` (province: high-end and upstream
  kinds, city: key items, county: high-volume mandatory items), sized by :class:`Sizes`;
- traceability links: each non-primary standard to one upstream (sometimes two) held at a
  strictly higher level by an institution of an ancestor region, province standards to the
  national primaries — so the graph is acyclic by construction;
- ``as_of`` is the snapshot date (``meta``): certificate expiries spread over the
  :data:`~tracegraph.models.CERTIFICATE_YEARS`-year certificate cycle after it (~4 % already
  expired, ~8 % expiring within 180 days), establishment dates (建标日期) a whole number of
  certificate cycles before the current certificate, spread over 2005 to ``as_of``;
- links on a calibration cycle of about one year (~10 % on two years): each link's
  ``valid_until`` within one cycle after ``as_of`` (~3 % already lapsed), ``calibrated_on`` one
  cycle before it (never after ``as_of``) — so the figures at ``as_of`` look like a province
  that renews on time, and they decline after it as calibrations lapse unrenewed;
- ~1 % suspended, ~0.5 % retired, renewal costs, and capacities sized to each set's planned
  share of the demand it serves (so ``capacity_rate`` falls below 1 where sets are missing or
  broken);
- demand per county for most instrument types, with realistic gaps;
- optionally the planning tables: candidates (catalogue) and illustrative targets.

Everything but region names/codes and catalogue names is ILLUSTRATIVE. Determinism: each
phase draws from its own ``random.Random`` seeded with a string derived from ``seed`` (string
seeding is hash-independent), and nothing iterates over a set, so the same seed gives
byte-identical CSV output in any process.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, replace

from tracegraph import catalogue as cat
from tracegraph.models import (
    CERTIFICATE_YEARS,
    LEVEL_RANK,
    Dataset,
    Demand,
    Institution,
    InstrumentType,
    Meta,
    Region,
    Standard,
    Target,
    TraceLink,
)

# Shares of the generated population (illustrative, see metrology-facts.md).
EXPIRED_SHARE = 0.04  # certificate already expired at as_of
EXPIRING_SHARE = 0.08  # certificate expires within 180 days of as_of
LINK_EXPIRED_SHARE = 0.03  # calibration overdue at as_of (the link has lapsed)
LINK_LAPSED_DAYS = 120  # … by at most this many days
LINK_YEARS = 1  # the usual calibration interval of a standard (检定/校准周期), years
LINK_LONG_SHARE = 0.1  # links on a two-year interval instead
SUSPENDED_SHARE = 0.01
RETIRED_SHARE = 0.005
REDUNDANT_LINK_SHARE = 0.25  # a second upstream for redundancy
ZERO_COUNT_SHARE = 0.03  # demand rows that exist but count 0
UPSTREAM_PRESENT = 0.97  # chance the province holds an upstream kind needed below it
RENEWAL_COST_SHARE = 0.6
ESTABLISHED_FROM = 2005  # the earliest first certificate (建标日期) of a generated non-primary standard

#: How the annual load of a county is shared among the institutions able to take it (illustrative).
_WORKLOAD_WEIGHT = {"county": 0.6, "city": 0.3, "province": 0.1, "grid": 3.0, "water": 0.5}
#: Prevalence multiplier of kinds at legal institutes: below 1 leaves realistic gaps (illustrative).
_PRESENCE = {"province": 0.85, "city": 0.9, "county": 1.0}
_RENEWAL_COST = {"county": (0.5, 3.0), "city": (1.0, 5.0), "province": (2.0, 8.0)}

#: GB/T 2260 province prefixes in code order (31 mainland provinces first).
_REAL_PREFIXES = ("11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41",
                  "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65")
_PROVINCE_ABBR = dict(zip(_REAL_PREFIXES, "京津冀晋蒙辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝川黔滇藏陕甘青宁新",
                          strict=True))


@dataclass(frozen=True)
class Sizes:
    """How big the generated world is. Defaults are shaped like Shandong's plan for 2020
    (province 320 public standards, city average 140, county average 30).

    ``province=None`` means: only the kinds needed by the institutions and demand below it
    (one set each, sometimes two) — a province trimmed to what serves a sample city.
    """

    province: int | None = 320
    city: int = 140
    county: int = 30
    grid: int = 40  # the authorized grid-company metering centre of each province
    water: int = 4  # an authorized water-company meter station
    water_share: float = 0.25  # share of cities with such a station
    spread: float = 0.25  # each institution's size varies by ± this share
    demand_types: int = 90  # instrument types with demand rows per county (mean)

    @classmethod
    def shandong(cls) -> Sizes:
        return cls()

    @classmethod
    def national(cls) -> Sizes:
        """A national average province: about 65,000 public standards for 31 provinces."""
        return cls(province=260, city=60, county=13, grid=30, demand_types=100)

    def scaled(self, factor: float) -> Sizes:
        """Fewer (or more) standards everywhere; demand is unchanged."""
        def s(n: int) -> int:
            return max(1, round(n * factor))
        return replace(self, province=None if self.province is None else s(self.province), city=s(self.city),
                       county=s(self.county), grid=s(self.grid), water=s(self.water))


@dataclass
class _Std:
    """A standard being generated (turned into a :class:`Standard` at the end)."""

    id: str
    name: str
    kind: str  # kind key or primary key
    institution: Institution
    sets: int  # sets of this kind at the institution
    primary: bool = False


class _Generator:
    def __init__(self, regions: list[Region], seed: int, as_of: dt.date, sizes: Sizes):
        self.regions = list(regions)
        self.seed, self.as_of, self.sizes = seed, as_of, sizes
        self.region = {r.code: r for r in self.regions}
        self.children: dict[str, list[str]] = defaultdict(list)
        for r in self.regions:
            if r.parent:
                self.children[r.parent].append(r.code)

    def rng(self, phase: str) -> random.Random:
        return random.Random(f"tracegraph.synth:{self.seed}:{phase}")

    def ancestors(self, code: str) -> list[str]:
        chain = [code]
        while self.region[chain[-1]].parent:
            chain.append(self.region[chain[-1]].parent)
        return chain

    def province_of(self, code: str) -> str:
        return self.ancestors(code)[-1]

    # --- institutions ----------------------------------------------------------------------
    def make_institutions(self) -> None:
        rng = self.rng("institutions")
        name_count: dict[str, int] = defaultdict(int)
        for r in self.regions:
            name_count[r.name] += 1
        self.institutions = [Institution(id="NIM", name=cat.NATIONAL_INSTITUTION, level="national", region=None)]
        self.authorized_kind: dict[str, str] = {}
        for r in self.regions:
            # Two counties may share a name (市中区 in Jinan and Zaozhuang): prefix the city then.
            place = r.name if name_count[r.name] == 1 or not r.parent else self.region[r.parent].name + r.name
            if r.level == "province":
                self.institutions.append(Institution(id=f"PROV-{r.code}", name=f"{place}计量科学研究院",
                                                     level="province", region=r.code))
                if self.sizes.grid > 0:
                    self._authorized(f"GRID-{r.code}", f"国网{place}电力公司计量中心", r, "grid")
            elif r.level == "city":
                self.institutions.append(Institution(id=f"CITY-{r.code}", name=f"{place}计量测试所", level="city",
                                                     region=r.code))
                if self.sizes.water > 0 and rng.random() < self.sizes.water_share:
                    self._authorized(f"WATER-{r.code}", f"{place}供水公司水表检定站", r, "water")
            else:
                self.institutions.append(Institution(id=f"CNTY-{r.code}", name=f"{place}市场监管局计量所",
                                                     level="county", region=r.code))
        self.at_region: dict[str, list[Institution]] = defaultdict(list)
        for inst in self.institutions:
            if inst.region:
                self.at_region[inst.region].append(inst)

    def _authorized(self, id: str, name: str, region: Region, kind: str) -> None:
        self.institutions.append(Institution(id=id, name=name, level=region.level, region=region.code,
                                             kind="authorized"))
        self.authorized_kind[id] = kind

    # --- demand ----------------------------------------------------------------------------
    def make_demand(self) -> None:
        rng = self.rng("demand")
        types = cat.INSTRUMENTS
        self.demand: list[Demand] = []
        self.load: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        self.demanded: dict[str, set[str]] = defaultdict(set)  # province → types with demand (lookup only)
        # A county has type t with probability prevalence(t) ** g, g chosen so that a county has
        # about `demand_types` types: types of prevalence 1 (single-phase electricity meters, small
        # water meters, price scales, fuel dispensers, …) are in every county.
        g = _exponent([t.prevalence for t in types], self.sizes.demand_types)
        presence = [t.prevalence ** g for t in types]
        for r in self.regions:
            if r.level != "county":
                continue
            size = min(3.0, max(0.25, rng.lognormvariate(0.0, 0.45)))  # population relative to ~500,000
            for t, p in zip(types, presence, strict=True):
                if rng.random() >= p:
                    continue
                zero = rng.random() < ZERO_COUNT_SHARE
                count = 0 if zero else max(1, round(t.typical_count * size * rng.lognormvariate(0.0, 0.4)))
                self.demand.append(Demand(region=r.code, instrument_type=t.code, count=count))
                if count:
                    load = count * 12 / t.period_months
                    for a in self.ancestors(r.code):
                        self.load[a][t.code] += load
                    self.demanded[self.province_of(r.code)].add(t.code)

    # --- which standards each institution holds ------------------------------------------------
    def _size(self, rng: random.Random, mean: int) -> int:
        return max(1, round(mean * rng.uniform(1 - self.sizes.spread, 1 + self.sizes.spread)))

    def _pick(self, rng: random.Random, level: str, n: int | None, forced: dict[str, bool],
              only: set[str] | None = None) -> list[tuple[cat.StandardKind, int]]:
        """Kinds an institution holds (with the number of sets). ``forced`` kinds are held
        when their value is true; ``only`` restricts the others; ``n`` None = no fill."""
        chosen: list[cat.StandardKind] = []
        for k in cat.KINDS:
            if k.key in forced:
                if forced[k.key]:
                    chosen.append(k)
                continue
            p = k.prevalence.get(level, 0) * _PRESENCE[level]
            if p > 0 and (only is None or k.key in only) and rng.random() < p:
                chosen.append(k)
        if n is None:  # upstream kinds often come in two sets, so one expiry does not cut a whole chain
            return [(k, 2 if rng.random() < (0.8 if k.key in forced else 0.15) else 1) for k in chosen]
        if len(chosen) > n:
            ranked = sorted(chosen, key=lambda k: -(k.prevalence.get(level, 0) + (k.key in forced)
                                                    + 0.2 * rng.random()))
            keep = {k.key for k in ranked[:n]}
            chosen = [k for k in chosen if k.key in keep]
        sets = {k.key: 1 for k in chosen}
        # More sets of the same kind (other ranges, or more benches) up to the target size:
        # upstream and high-volume kinds often come in several sets, specialised ones rarely.
        room = [k for k in chosen if _max_sets(k) > 1]
        for _ in range(n - len(chosen)):
            if not room:
                break
            k = rng.choices(room, [_set_weight(k) for k in room])[0]
            sets[k.key] += 1
            if sets[k.key] >= _max_sets(k):
                room.remove(k)
        return [(k, sets[k.key]) for k in chosen]

    def _profile(self, rng: random.Random, profile: tuple[tuple[str, int], ...],
                 n: int) -> list[tuple[cat.StandardKind, int]]:
        kinds = [cat.KINDS_BY_KEY[key] for key, _ in profile][:n]
        sets = {k.key: 1 for k in kinds}
        if n > len(kinds):
            for k in rng.choices(kinds, [w for _, w in profile][: len(kinds)], k=n - len(kinds)):
                sets[k.key] += 1
        return [(k, sets[k.key]) for k in kinds]

    def choose_kinds(self) -> None:
        self.holdings: dict[str, list[tuple[cat.StandardKind, int]]] = {}
        below: dict[str, list[str]] = defaultdict(list)  # province → kinds held below it (with repeats)
        by_level = sorted(self.institutions[1:], key=lambda i: LEVEL_RANK[i.level])  # counties first (stable)
        for inst in by_level:
            rng = self.rng(f"kinds:{inst.id}")
            role = self.authorized_kind.get(inst.id)
            if role == "grid":
                held = self._profile(rng, cat.GRID_PROFILE, self._size(rng, self.sizes.grid))
            elif role == "water":
                held = self._profile(rng, cat.WATER_PROFILE, self._size(rng, self.sizes.water))
            elif inst.level == "province":
                held = self._province(rng, inst, below[inst.region])
            else:
                held = self._pick(rng, inst.level, self._size(rng, getattr(self.sizes, inst.level)), {})
            self.holdings[inst.id] = held
            if inst.level != "province":
                below[self.province_of(inst.region)].extend(k.key for k, _ in held)

    def _province(self, rng: random.Random, inst: Institution, below: list[str]) -> list[tuple[cat.StandardKind, int]]:
        needed: dict[str, bool] = {}
        for key in dict.fromkeys(below):
            for up in cat.upstream_chain(cat.KINDS_BY_KEY[key])[:-1]:
                if "province" in cat.KINDS_BY_KEY[up].levels and cat.KINDS_BY_KEY[up].prevalence["province"] > 0:
                    needed.setdefault(up, False)
        for key in [k.key for k in cat.KINDS if k.key in needed]:  # catalogue order: deterministic draws
            needed[key] = rng.random() < UPSTREAM_PRESENT
        if self.sizes.province is not None:
            return self._pick(rng, "province", self._size(rng, self.sizes.province), needed)
        demanded = self.demanded.get(inst.region, set())
        useful = {k.key for k in cat.KINDS if any(t in demanded for t in k.verifies)}
        return self._pick(rng, "province", None, needed, only=useful)

    # --- standards -------------------------------------------------------------------------
    def make_standards(self) -> None:
        self.stds: list[_Std] = []
        self.by_inst_kind: dict[tuple[str, str], list[_Std]] = defaultdict(list)
        nim = self.institutions[0]
        self.primary: dict[str, _Std] = {}
        for n, p in enumerate(cat.PRIMARIES, start=1):
            s = _Std(f"NIM-P{n:02d}", p.name, p.key, nim, 1, primary=True)
            self.stds.append(s)
            self.primary[p.key] = s
        for inst in self.institutions[1:]:
            seq = 0
            for kind, sets in self.holdings[inst.id]:
                for j in range(sets):
                    seq += 1
                    name = kind.name if sets == 1 else f"{kind.name}（第{j + 1}套）"
                    s = _Std(f"{inst.id}-{seq:03d}", name, kind.key, inst, sets)
                    self.stds.append(s)
                    self.by_inst_kind[(inst.id, kind.key)].append(s)

    # --- traceability ------------------------------------------------------------------------
    def _upstreams(self, s: _Std) -> tuple[list[_Std], list[_Std]]:
        """(candidates at the nearest higher level, candidates at every higher level) of the
        nearest kind up the chain that anyone above holds; the primary when nobody does."""
        rank = LEVEL_RANK[s.institution.level]
        regions = self.ancestors(s.institution.region)[1:]
        for key in cat.upstream_chain(cat.KINDS_BY_KEY[s.kind]):
            if key in self.primary:
                return [self.primary[key]], [self.primary[key]]
            nearest: list[_Std] = []
            every: list[_Std] = []
            for code in regions:
                here = [u for i in self.at_region[code] if LEVEL_RANK[i.level] > rank
                        for u in self.by_inst_kind.get((i.id, key), ())]
                if here and not nearest:
                    nearest = here
                every.extend(here)
            if nearest:
                return nearest, every
        raise AssertionError("unreachable: every chain ends at a primary")

    def make_links(self) -> None:
        rng = self.rng("links")
        self.links: list[TraceLink] = []
        number = 0
        for s in self.stds:
            if s.primary:
                continue
            nearest, every = self._upstreams(s)
            ups = [rng.choice(nearest)]
            others = [u for u in every if u is not ups[0]]
            if others and rng.random() < REDUNDANT_LINK_SHARE:
                ups.append(rng.choice(others))
            for u in ups:
                number += 1
                # Calibrations fall due all through the cycle; a few are overdue at as_of.
                years = 2 * LINK_YEARS if rng.random() < LINK_LONG_SHARE else LINK_YEARS
                if rng.random() < LINK_EXPIRED_SHARE:
                    until = self.as_of - dt.timedelta(days=rng.randint(1, LINK_LAPSED_DAYS))
                else:
                    until = self.as_of + dt.timedelta(days=rng.randint(1, 365 * years))
                calibrated = _years_before(until, years)  # ≤ as_of: a calendar year has ≥ 365 days
                self.links.append(TraceLink(standard=s.id, upstream=u.id, valid_until=until, calibrated_on=calibrated,
                                            certificate_no=f"JD{calibrated.year}-{number:06d}"))

    # --- attributes of each standard ------------------------------------------------------------
    def plan_workload(self) -> None:
        """Share each county's annual load of each type among the institutions above it that
        hold a standard verifying the type (county first, then city, then province; the grid
        centre takes most electricity meters): a set's capacity is sized to its share."""
        verifying: dict[str, dict[str, list[_Std]]] = defaultdict(lambda: defaultdict(list))
        for s in self.stds:
            if not s.primary:
                for t in cat.KINDS_BY_KEY[s.kind].verifies:
                    verifying[s.institution.id][t].append(s)
        self.workload: dict[str, float] = defaultdict(float)
        for d in self.demand:
            if not d.count:
                continue
            load = d.count * 12 / cat.INSTRUMENTS_BY_CODE[d.instrument_type].period_months
            serving = [i for code in self.ancestors(d.region) for i in self.at_region[code]
                       if verifying[i.id].get(d.instrument_type)]
            weights = [_WORKLOAD_WEIGHT[self.authorized_kind.get(i.id, i.level)] for i in serving]
            total = sum(weights)
            for inst, w in zip(serving, weights, strict=True):
                bounded = [s for s in verifying[inst.id][d.instrument_type]
                           if cat.KINDS_BY_KEY[s.kind].capacity_per_year is not None]
                for s in bounded:
                    self.workload[s.id] += load * w / total / len(bounded)

    def _capacity(self, rng: random.Random, s: _Std) -> int | None:
        kind = cat.KINDS_BY_KEY[s.kind]
        if kind.capacity_per_year is None:
            return None
        planned = self.workload.get(s.id, 0.0)
        if planned <= 0:
            planned = kind.capacity_per_year * rng.uniform(0.3, 1.0)
        return max(50, _round2(planned * rng.uniform(0.7, 1.4)))

    def _established(self, rng: random.Random, issued: dt.date) -> dt.date:
        """建标日期: the current certificate was issued on ``issued``; before it, a whole number of
        earlier certificate cycles (uniformly 0 up to what fits after ``ESTABLISHED_FROM``)."""
        cycles = max(0, (issued.year - ESTABLISHED_FROM) // CERTIFICATE_YEARS)
        return min(_years_before(issued, CERTIFICATE_YEARS * rng.randint(0, cycles)), self.as_of)

    def finish_standards(self) -> list[Standard]:
        rng = self.rng("attributes")
        # A phase of its own, so the other attributes draw exactly what they drew before it existed.
        founding = self.rng("established")
        counters: dict[str, int] = defaultdict(int)
        out = []
        for s in self.stds:
            if s.primary:
                p = cat.PRIMARIES_BY_KEY[s.kind]
                year = rng.randint(1990, 2020)
                established = dt.date(year, founding.randint(1, 12), founding.randint(1, 28))
                out.append(Standard(id=s.id, name=s.name, institution="NIM", quantity=p.quantity,
                                    certificate_no=f"国基证[{year}]第{s.id[-2:]}号",
                                    certificate_expiry=None, status="in_service", primary=True,
                                    capacity_per_year=None, verifies=[], established=established))
                continue
            kind = cat.KINDS_BY_KEY[s.kind]
            r = rng.random()
            if r < EXPIRED_SHARE:
                expiry = self.as_of - dt.timedelta(days=rng.randint(1, 540))
            elif r < EXPIRED_SHARE + EXPIRING_SHARE:
                expiry = self.as_of + dt.timedelta(days=rng.randint(0, 180))
            else:
                expiry = self.as_of + dt.timedelta(days=rng.randint(181, 365 * CERTIFICATE_YEARS))
            r = rng.random()
            status = "suspended" if r < SUSPENDED_SHARE else "retired" if r < SUSPENDED_SHARE + RETIRED_SHARE \
                else "in_service"
            province = self.province_of(s.institution.region)
            counters[province] += 1
            word = "社量标" if s.institution.kind == "legal" else "量标"
            year = expiry.year - CERTIFICATE_YEARS
            certificate = f"[{year}]{self._abbr(province)}{word}证字第{counters[province]:04d}号"
            cost = None
            if rng.random() < RENEWAL_COST_SHARE:
                low, high = _RENEWAL_COST[s.institution.level]
                cost = round(rng.uniform(low, high), 1)
            out.append(Standard(id=s.id, name=s.name, institution=s.institution.id, quantity=kind.quantity,
                                certificate_no=certificate, certificate_expiry=expiry, status=status, primary=False,
                                capacity_per_year=self._capacity(rng, s), verifies=list(kind.verifies),
                                renewal_cost=cost,
                                established=self._established(founding, _years_before(expiry, CERTIFICATE_YEARS))))
        return out

    def _abbr(self, province: str) -> str:
        r = self.region[province]
        prefix = province[:2]
        return _PROVINCE_ABBR[prefix] if prefix in _PROVINCE_ABBR and not r.name.startswith("第") else f"P{prefix}"

    # --- planning tables ---------------------------------------------------------------------
    def targets(self) -> list[Target]:
        year = self.as_of.year
        note = "illustrative target of a synthetic dataset, shaped like the provincial plans (鲁政发〔2013〕27号 etc.)"
        rows = [
            Target(id="SYN-coverage", metric="coverage", filter="all", threshold=0.95, year=year,
                   source="量传溯源体系覆盖率达到95%以上 (shape of the provincial plans)", note=note),
            Target(id="SYN-weighted_coverage-household_meter", metric="weighted_coverage", filter="household_meter",
                   threshold=0.98, year=year, source="民用四表受检率达到98%以上 (shape of the Jilin/Jiangsu plans)",
                   note=note),
            Target(id="SYN-capacity_rate-household_meter", metric="capacity_rate", filter="household_meter",
                   threshold=0.98, year=year, source="民用四表受检率达到98%以上 (capacity side)", note=note),
        ]
        counts = {"province": self.sizes.province, "city": self.sizes.city, "county": self.sizes.county}
        for level, count in counts.items():
            if count is not None:
                rows.append(Target(id=f"SYN-standards_count-{level}", metric="standards_count", filter="all",
                                   level=level, threshold=float(count), year=year,
                                   source="社会公用计量标准数量 (shape of 鲁政发〔2013〕27号)", note=note))
        return rows

    def run(self, with_planning: bool) -> Dataset:
        self.make_institutions()
        self.make_demand()
        self.choose_kinds()
        self.make_standards()
        self.make_links()
        self.plan_workload()
        standards = self.finish_standards()
        types = [InstrumentType(code=t.code, name=t.name, quantity=t.quantity, domain=t.domain, mandatory=t.mandatory,
                                household_meter=t.household_meter, verification_period_months=t.period_months)
                 for t in cat.INSTRUMENTS]
        return Dataset(regions=self.regions, institutions=self.institutions, instrument_types=types,
                       standards=standards, traceability=self.links, demand=self.demand,
                       candidates=cat.candidates() if with_planning else [],
                       targets=self.targets() if with_planning else [],
                       meta=[Meta(snapshot_date=self.as_of,
                                  source=f"tracegraph 合成数据 (tracegraph.synth, seed {self.seed})")])


_UPSTREAM_KINDS = frozenset(k.upstream for k in cat.KINDS)


def _set_weight(kind: cat.StandardKind) -> int:
    return 3 if kind.capacity_per_year or kind.key in _UPSTREAM_KINDS else 1


def _max_sets(kind: cat.StandardKind) -> int:
    return 8 if _set_weight(kind) > 1 else 3


def _exponent(prevalences: list[float], n: float) -> float:
    """g such that sum(p ** g) = n (bisection; sum falls as g grows)."""
    low, high = 0.01, 50.0
    for _ in range(60):
        mid = (low + high) / 2
        if sum(p ** mid for p in prevalences) > n:
            low = mid
        else:
            high = mid
    return (low + high) / 2


def _years_before(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` years earlier (29 February becomes the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _round2(x: float) -> int:
    """Round to two significant digits (capacities are planning figures, not counts)."""
    if x < 100:
        return round(x)
    digits = len(str(int(x))) - 2
    return int(round(x, -digits))


def synthesize(regions: list[Region], *, seed: int, as_of: dt.date, sizes: Sizes | None = None,
               with_planning: bool = True) -> Dataset:
    """A synthetic dataset over ``regions`` (a valid province → city → county tree), as it stands
    on ``as_of``: its snapshot date (``meta``), which certificates and links are dated around.

    The same arguments always give the same dataset (and byte-identical CSV output).
    """
    return _Generator(regions, seed, as_of, sizes or Sizes()).run(with_planning)


def synthetic_regions(provinces: int, *, seed: int) -> list[Region]:
    """A fake but GB/T 2260-shaped tree: province ``pp0000``, cities ``ppcc00``, counties
    ``ppccdd``, named 第01省 / 第0101市 / 第010101县; sized like China (for 31 provinces about
    330 cities and 2,800 counties). Province prefixes are the real ones (11, 12, … 65) first."""
    extra = [f"{n:02d}" for n in range(10, 100) if f"{n:02d}" not in _REAL_PREFIXES and f"{n:02d}" not in
             ("71", "81", "82")]
    prefixes = list(_REAL_PREFIXES) + extra
    if not 1 <= provinces <= len(prefixes):
        raise ValueError(f"provinces must be between 1 and {len(prefixes)}")
    rng = random.Random(f"tracegraph.synth:{seed}:regions")
    out: list[Region] = []
    for p in range(provinces):
        pp, pn = prefixes[p], f"{p + 1:02d}"
        province = f"{pp}0000"
        out.append(Region(code=province, name=f"第{pn}省", level="province", parent=None))
        for c in range(1, rng.randint(4, 17) + 1):
            city = f"{pp}{c:02d}00"
            out.append(Region(code=city, name=f"第{pn}{c:02d}市", level="city", parent=province))
            for d in range(1, rng.randint(3, 14) + 1):
                out.append(Region(code=f"{pp}{c:02d}{d:02d}", name=f"第{pn}{c:02d}{d:02d}县", level="county",
                                  parent=city))
    return out


def synthesize_country(provinces: int, seed: int, as_of: dt.date, sizes: Sizes | None = None,
                       with_planning: bool = True) -> Dataset:
    """A national-shaped dataset: at 31 provinces about 330 cities, 2,800 counties, 65,000
    standards and 280,000 demand rows (:meth:`Sizes.national`)."""
    return synthesize(synthetic_regions(provinces, seed=seed), seed=seed, as_of=as_of,
                      sizes=sizes or Sizes.national(), with_planning=with_planning)


__all__ = ["Sizes", "synthesize", "synthesize_country", "synthetic_regions"]
