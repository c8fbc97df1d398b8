"""A plan applied to the dataset: the figures after a plan come from the ordinary figure functions
run on this dataset, so they never depend on the optimisation model being right."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from tracegraph.algorithms.chains import traceable_in
from tracegraph.models import LEVEL_RANK, Dataset, Standard, TraceLink
from tracegraph.planning._universe import Universe

CERTIFICATE_YEARS = 4  # 计量标准考核证书 validity (metrology-facts: believed 4 years)
CALIBRATION_DAYS = 365  # a fresh traceability link: a yearly calibration
PLANNED_CERTIFICATE = "规划"  # certificate number of a planned standard: it has none yet


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def calibrators_of(u: Universe, builds: list[str], renewed: set[str]) -> dict[str, str | None]:
    """Each build → the standard that will calibrate it: among those traceable once the renewals and
    the builds of higher levels are done, the nearest level first (a city build is calibrated in its
    province before Beijing), existing before planned, then by id."""
    traceable = traceable_in(u.ix, u.as_of, renewed=renewed)
    by_place = u.by_place(traceable)
    out: dict[str, str | None] = {}
    for b in sorted(builds, key=lambda s: (-LEVEL_RANK[u.level(s)], s)):
        found = u.calibrators(b, by_place)
        found.sort(key=lambda x: (LEVEL_RANK[u.level(x)], x in u.builds, x))
        out[b] = found[0] if found else None
        if found:
            by_place[(u.holder(b), u.quantity(b))].append(b)
    return out


def apply_plan(u: Universe, taken: Mapping[str, int], through: int | None = None) -> tuple[Dataset, dict]:
    """The dataset once the actions taken in plan years ≤ ``through`` (all when None) are done, and
    each build's calibrator."""
    chosen = [a for a, k in taken.items() if through is None or k <= through]
    renewed = {a for a in chosen if a in u.renewable}
    builds = [a for a in chosen if a in u.builds]
    calibrator = calibrators_of(u, builds, renewed)
    ds = u.dataset
    standards = [_renewed(s, u.as_of) if s.id in renewed else s for s in ds.standards]
    links = [_fresh(link, u.as_of) if link.standard in renewed and link.valid_until < u.as_of else link
             for link in ds.traceability]
    for b in sorted(builds):
        standards.append(_new_standard(u, b))
        if calibrator[b] is not None:
            links.append(TraceLink(standard=b, upstream=calibrator[b],
                                   valid_until=u.as_of + dt.timedelta(days=CALIBRATION_DAYS)))
    return ds.model_copy(update={"standards": standards, "traceability": links}), calibrator


def _renewed(s: Standard, as_of: dt.date) -> Standard:
    expiry = max(s.certificate_expiry or as_of, add_years(as_of, CERTIFICATE_YEARS))
    return s.model_copy(update={"certificate_expiry": expiry})


def _fresh(link: TraceLink, as_of: dt.date) -> TraceLink:
    return link.model_copy(update={"valid_until": as_of + dt.timedelta(days=CALIBRATION_DAYS), "calibrated_on": as_of})


def _new_standard(u: Universe, b: str) -> Standard:
    action = u.builds[b]
    k = u.candidates[action.candidate]
    return Standard(id=b, name=k.name, institution=action.institution, quantity=k.quantity,
                    certificate_no=PLANNED_CERTIFICATE, certificate_expiry=add_years(u.as_of, CERTIFICATE_YEARS),
                    status="in_service", primary=False, capacity_per_year=k.capacity_per_year,
                    verifies=list(k.verifies))
