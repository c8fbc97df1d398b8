"""A plan applied to the dataset, year by year: the figures after a plan come from the ordinary
figure functions run on these datasets at each evaluation date, so they never depend on the
optimisation model being right."""

from __future__ import annotations

from collections.abc import Mapping

from tracegraph.algorithms.chains import traceable_in
from tracegraph.models import LEVEL_RANK, Dataset, Standard, TraceLink
from tracegraph.planning._universe import Universe

PLANNED_CERTIFICATE = "规划"  # certificate number of a planned standard: it has none yet


def calibrators_of(u: Universe, k: int, builds: list[str], renewed: set[str]) -> dict[str, str | None]:
    """Each build in force at year k → the standard that calibrates it there: among those traceable
    at that date once the renewals and the builds of higher levels are done, the nearest level
    first (a city build is calibrated in its province before Beijing), existing before planned,
    then by id."""
    traceable = traceable_in(u.ix, u.dates[k], renewed=renewed)
    by_place = u.by_place(traceable)
    out: dict[str, str | None] = {}
    for b in sorted(builds, key=lambda s: (-LEVEL_RANK[u.level(s)], s)):
        found = u.calibrators_among(b, by_place)
        found.sort(key=lambda x: (LEVEL_RANK[u.level(x)], x in u.builds, x))
        out[b] = found[0] if found else None
        if found:
            by_place[(u.holder(b), u.quantity(b))].append(b)
    return out


def in_force(u: Universe, taken: Mapping[str, int], k: int) -> dict[str, int]:
    """The actions in force at year k (taken in a year of its window) → their year."""
    window = set(u.window(k))
    return {a: j for a, j in taken.items() if j in window}


def apply_plan(u: Universe, taken: Mapping[str, int], k: int = -1) -> tuple[Dataset, dict[str, str | None]]:
    """The dataset at year k's evaluation date with the actions in force there, and each build's
    calibrator. Judge it with the ordinary figures at ``u.dates[k]``."""
    k = k % len(u.dates)
    active = in_force(u, taken, k)
    renewed = {a for a in active if a in u.renewable}
    builds = [a for a in active if a in u.builds]
    calibrator = calibrators_of(u, k, builds, renewed)
    ds, last = u.current, u.dates[-1]
    standards = [_renewed(s, u, active[s.id]) if s.id in renewed else s for s in ds.standards]
    # A renewal includes recalibration: every link of the standard counts again.
    links = [link.model_copy(update={"valid_until": max(link.valid_until, last),
                                     "calibrated_on": u.dates[active[link.standard]]})
             if link.standard in renewed else link for link in ds.traceability]
    for b in sorted(builds):
        standards.append(_new_standard(u, b, active[b]))
        if calibrator[b] is not None:
            links.append(TraceLink(standard=b, upstream=calibrator[b], valid_until=last,
                                   calibrated_on=u.dates[active[b]]))
    return ds.model_copy(update={"standards": standards, "traceability": links}), calibrator


def _renewed(s: Standard, u: Universe, j: int) -> Standard:
    expiry = u.expiry(j)
    if s.certificate_expiry is not None:
        expiry = max(expiry, s.certificate_expiry)
    return s.model_copy(update={"certificate_expiry": expiry})


def _new_standard(u: Universe, b: str, j: int) -> Standard:
    action = u.builds[b]
    k = u.candidates[action.candidate]
    return Standard(id=b, name=k.name, institution=action.institution, quantity=k.quantity,
                    certificate_no=PLANNED_CERTIFICATE, certificate_expiry=u.expiry(j),
                    status="in_service", primary=False, capacity_per_year=k.capacity_per_year,
                    verifies=list(k.verifies), established=u.dates[j])  # 建标日期: its plan year's date
