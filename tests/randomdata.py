"""Seeded random datasets with every feature the figures depend on (for backend parity tests).

Region trees of 1–2 provinces, legal and authorized institutions with cross-cutting ``serves``
(a national one included), primaries, statuses, expiries and link dates around D, capacities
blank / zero / bounded, several verification periods (a non-trivial load scale), and targets.
"""

from __future__ import annotations

import datetime as dt
import random

from builders import AS_OF, inst, itype, link, need, region, std

from tracegraph.models import Dataset, Target

RANK = {"county": 1, "city": 2, "province": 3, "national": 4}
OFFSETS = [-400, -1, 0, 1, 30, 180, 181, 400, 800]
PERIODS = [6, 12, 24, 72, 96, 120]


def random_dataset(seed: int) -> Dataset:
    rnd = random.Random(seed)
    regions = _regions(rnd)
    codes = [r.code for r in regions]
    institutions = [inst("NIM", "national", None, serves=rnd.sample(codes, rnd.randint(0, 1)))]
    for r in regions:
        if rnd.random() < 0.8:
            institutions.append(inst(f"L{r.code}", r.level, r.code, serves=rnd.sample(codes, rnd.randint(0, 1))))
        if rnd.random() < 0.25:
            institutions.append(inst(f"A{r.code}", r.level, r.code, kind="authorized",
                                     serves=rnd.sample(codes, rnd.randint(0, 1))))
    types = [itype(f"T{k}", period=rnd.choice(PERIODS), domain=rnd.choice(["trade", "safety", "medical", "other"]),
                   mandatory=rnd.random() < 0.6, household=rnd.random() < 0.3) for k in range(rnd.randint(2, 5))]
    standards, links = _standards(rnd, institutions, [t.code for t in types])
    counties = [r.code for r in regions if r.level == "county"]
    demand = [need(c, t.code, rnd.choice([0, *range(1, 80)])) for c in counties for t in types if rnd.random() < 0.7]
    targets = [
        Target(id="cov", metric="coverage", filter="all", threshold=0.9),
        Target(id="hm", region=codes[0], metric="weighted_coverage", filter="household_meter", threshold=0.98),
        Target(id="cap", metric="capacity_rate", filter="mandatory", threshold=0.95),
        Target(id="city", region=codes[0], metric="standards_count", level="city", threshold=2),
        Target(id="county", metric="standards_count", level="county", threshold=1),
    ]
    return Dataset(regions=regions, institutions=institutions, instrument_types=types, standards=standards,
                   traceability=links, demand=demand, targets=targets)


def _regions(rnd: random.Random) -> list:
    regions = []
    for p in range(rnd.randint(1, 2)):
        pc = f"{37 + p}0000"
        regions.append(region(pc, "province", name=f"省{p}"))
        for c in range(1, rnd.randint(1, 3) + 1):
            cc = f"{37 + p}{c:02d}00"
            regions.append(region(cc, "city", pc, name=f"市{p}{c}"))
            for k in range(1, rnd.randint(0, 3) + 1):
                regions.append(region(f"{37 + p}{c:02d}{k:02d}", "county", cc, name=f"县{p}{c}{k}"))
    return regions


def _standards(rnd: random.Random, institutions: list, tcodes: list[str]) -> tuple[list, list]:
    standards, links, level_of = [], [], {}
    day = lambda offset: AS_OF + dt.timedelta(days=offset)  # noqa: E731 - a tiny local helper
    for i in sorted(institutions, key=lambda i: -RANK[i.level]):
        for k in range(rnd.randint(1 if i.level == "national" else 0, 3)):
            sid = f"{i.id}.{k}"
            primary = (i.level == "national" and k == 0) or (i.level in ("national", "province")
                                                             and rnd.random() < 0.2)
            ups = [s.id for s in standards if RANK[level_of[s.id]] > RANK[i.level] or s.primary]
            standards.append(std(sid, i.id, rnd.sample(tcodes, rnd.randint(0, 2)), primary=primary,
                                 status=rnd.choice(["in_service"] * 8 + ["suspended", "retired"]),
                                 expiry=day(rnd.choice([*OFFSETS, 400, 400, 400])),
                                 capacity=rnd.choice([None, None, 0, *range(1, 60)])))
            level_of[sid] = i.level
            if not primary and ups:
                for u in rnd.sample(ups, min(len(ups), rnd.randint(0, 2))):
                    links.append(link(sid, u, day(rnd.choice([*OFFSETS, 400, 400, 400]))))
    return standards, links


# Days from D for the dated variant: calibrations before, on and after D; standards established likewise.
DATED_OFFSETS = [-800, -400, -30, -1, 0, 1, 30, 400]


def random_dated_dataset(seed: int) -> Dataset:
    """:func:`random_dataset` (the same seed gives the same tables) with dates added: about half the
    links get a ``calibrated_on`` (before, on or after D, never after their own ``valid_until``, so the
    dataset stays valid), and about half the standards an ``established`` date (some after D: such a
    standard does not exist at D). A second random stream is used, so ``random_dataset(seed)`` is
    unchanged."""
    ds = random_dataset(seed)
    rnd = random.Random(f"dated-{seed}")
    day = lambda offset: AS_OF + dt.timedelta(days=offset)  # noqa: E731 - a tiny local helper
    standards = []
    for s in ds.standards:
        if rnd.random() < 0.5:
            # Primaries too: a primary established after D makes its whole tree untraceable at D.
            s = s.model_copy(update={"established": day(rnd.choice([*DATED_OFFSETS, -3000, -3000]))})
        standards.append(s)
    links = []
    for lk in ds.traceability:
        if rnd.random() < 0.5:
            choices = [o for o in DATED_OFFSETS if day(o) <= lk.valid_until]
            if choices:
                lk = lk.model_copy(update={"calibrated_on": day(rnd.choice(choices))})
        links.append(lk)
    return ds.model_copy(update={"standards": standards, "traceability": links})
