"""Small hand-made datasets for tests: every figure on them can be worked out by hand."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tracegraph.models import Dataset, Demand, Institution, InstrumentType, Region, Standard, TraceLink

AS_OF = dt.date(2026, 1, 1)
LATER = dt.date(2028, 1, 1)
EARLIER = dt.date(2025, 6, 1)


def region(code: str, level: str, parent: str | None = None, name: str | None = None) -> Region:
    return Region(code=code, name=name or f"R{code}", level=level, parent=parent)


def inst(id: str, level: str, region: str | None, kind: str = "legal", serves: list[str] | None = None) -> Institution:
    return Institution(id=id, name=f"Inst {id}", level=level, region=region, kind=kind, serves=serves or [])


def itype(code: str, period: int = 12, domain: str = "trade", mandatory: bool = True,
          household: bool = False) -> InstrumentType:
    return InstrumentType(code=code, name=f"Type {code}", quantity="mass", domain=domain, mandatory=mandatory,
                          household_meter=household, verification_period_months=period)


def std(id: str, institution: str, verifies: list[str] | None = None, *, primary: bool = False,
        expiry: dt.date | None = LATER, status: str = "in_service", capacity: int | None = None,
        **extra: Any) -> Standard:
    return Standard(id=id, name=f"Std {id}", institution=institution, quantity="mass", certificate_no=f"C-{id}",
                    certificate_expiry=None if primary else expiry, status=status, primary=primary,
                    capacity_per_year=capacity, verifies=verifies or [], **extra)


def link(s: str, u: str, until: dt.date = LATER) -> TraceLink:
    return TraceLink(standard=s, upstream=u, valid_until=until)


def calibrated_link(s: str, u: str, on: dt.date | None, until: dt.date = LATER) -> TraceLink:
    """A link with the date of the calibration behind it (``calibrated_on``)."""
    return TraceLink(standard=s, upstream=u, valid_until=until, calibrated_on=on)


def need(county: str, t: str, count: int) -> Demand:
    return Demand(region=county, instrument_type=t, count=count)


def tree() -> list[Region]:
    """Province 370000 → city 370400 → counties 370402, 370403; city 370500 → county 370502."""
    return [
        region("370000", "province"),
        region("370400", "city", "370000"),
        region("370402", "county", "370400"),
        region("370403", "county", "370400"),
        region("370500", "city", "370000"),
        region("370502", "county", "370500"),
    ]


def base_institutions() -> list[Institution]:
    return [
        inst("NIM", "national", None),
        inst("PROV", "province", "370000"),
        inst("CITY4", "city", "370400"),
        inst("CTY402", "county", "370402"),
        inst("CTY403", "county", "370403"),
        inst("CTY502", "county", "370502"),
    ]


def dataset(standards: list[Standard], links: list[TraceLink], demand: list[Demand],
            types: list[InstrumentType] | None = None, institutions: list[Institution] | None = None,
            regions: list[Region] | None = None, **extra: Any) -> Dataset:
    return Dataset(regions=regions or tree(), institutions=institutions or base_institutions(),
                   instrument_types=types or [itype("T1"), itype("T2")], standards=standards,
                   traceability=links, demand=demand, **extra)
