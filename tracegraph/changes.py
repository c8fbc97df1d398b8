"""Change over time (``changes.md``): a region's part of a dataset, a resubmitted part put in place of the old
one, and the differences between two datasets with the figures that moved.

Everything here works on :class:`~tracegraph.models.Dataset` values; the Neo4j store only loads the result.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from tracegraph._raw import RawDataset, raw_from_json
from tracegraph.i18n import Lang, t
from tracegraph.models import TABLES, Dataset, Demand, Institution, Row, Standard, TraceLink
from tracegraph.validation import ColumnMap, Report, parse_table, validate_parts

# --- a region's part ---------------------------------------------------------------

def subtree(dataset: Dataset, region: str) -> set[str]:
    """``region`` and every region below it; ``KeyError`` for a code the dataset does not have."""
    children: dict[str, list[str]] = {}
    for r in dataset.regions:
        children.setdefault(r.parent or "", []).append(r.code)
    if region not in {r.code for r in dataset.regions}:
        raise KeyError(f"unknown region code {region!r}")
    found, todo = set(), [region]
    while todo:
        code = todo.pop()
        found.add(code)
        todo.extend(children.get(code, []))
    return found


def _owned(dataset: Dataset, codes: set[str]) -> tuple[set[str], set[str]]:
    """The institutions located in ``codes`` and the standards they hold: what a region's part replaces."""
    institutions = {i.id for i in dataset.institutions if i.region in codes}
    return institutions, {s.id for s in dataset.standards if s.institution in institutions}


def region_part(dataset: Dataset, region: str, *, shared: bool = False) -> Dataset:
    """What REGION's institute submits: the institutions located in its subtree, their standards, the links
    out of those standards, the demand of its counties, and its own regions with their ancestors.

    ``shared`` adds what every part may carry alike (instrument types, candidates, targets, meta): the
    province's own part carries them. The part is not checked: its links may point into other parts.
    """
    codes = subtree(dataset, region)
    institutions, standards = _owned(dataset, codes)
    parents = {r.code: r.parent for r in dataset.regions}
    keep = set(codes)
    code: str | None = region
    while code:
        keep.add(code)
        code = parents.get(code)
    rows: dict[str, list[Any]] = {
        "regions": [r for r in dataset.regions if r.code in keep],
        "institutions": [i for i in dataset.institutions if i.id in institutions],
        "standards": [s for s in dataset.standards if s.id in standards],
        "traceability": [x for x in dataset.traceability if x.standard in standards],
        "demand": [d for d in dataset.demand if d.region in codes],
        "instrument_types": list(dataset.instrument_types) if shared else [],
    }
    if shared:
        rows |= {"candidates": dataset.candidates, "targets": dataset.targets, "meta": dataset.meta}
    return Dataset.model_construct(**{m.table: rows.get(m.table, []) for m in TABLES})


def without_region(dataset: Dataset, region: str) -> Dataset:
    """The dataset less what REGION's part replaces (:func:`region_part`, without its regions)."""
    codes = subtree(dataset, region)
    institutions, standards = _owned(dataset, codes)
    return dataset.model_copy(update={
        "institutions": [i for i in dataset.institutions if i.id not in institutions],
        "standards": [s for s in dataset.standards if s.id not in standards],
        "traceability": [x for x in dataset.traceability if x.standard not in standards],
        "demand": [d for d in dataset.demand if d.region not in codes],
    })


def replace_region(current: Dataset, part: RawDataset, region: str, *, name: str = "part",
                   as_of: dt.date | None = None, columns: ColumnMap | None = None) -> tuple[Dataset | None, Report]:
    """``load PART --part REGION``: ``current`` with REGION's part replaced by ``part``, checked as a whole.

    Links from the rest into the replaced part are resolved again: by the same id, else by the old standard's
    certificate number; one left dangling is an error. A part's institution, standard or demand row that does
    not belong to REGION's subtree is an error. Nothing is returned when there is any error.
    """
    codes = subtree(current, region)
    rest = without_region(current, region)
    _, replaced = _owned(current, codes)
    certificate = {s.id: s.certificate_no for s in current.standards if s.id in replaced}
    kept = _ids(part, columns)
    links = [x.model_copy(update={"upstream": certificate[x.upstream]})
             if x.upstream in replaced and x.upstream not in kept and certificate[x.upstream] else x
             for x in rest.traceability]
    doc = {m.table: [row.model_dump(mode="json") for row in rest.rows(m)] for m in TABLES}
    doc["traceability"] = [x.model_dump(mode="json") for x in links]
    merged, report = validate_parts([("(current)", raw_from_json(doc, "(current)")), (name, part)], as_of,
                                    columns)
    if merged is None:
        return None, report
    _check_belongs(merged, rest, codes, name, report)
    return (merged if report.ok else None), report


def _ids(part: RawDataset, columns: ColumnMap | None) -> set[str]:
    """The standard ids a part gives (a blank id being the certificate number)."""
    if "standards" not in part:
        return set()
    rows, _ = parse_table(part["standards"], Standard, (columns or {}).get("standards"))
    return {s.id for s in rows}


def _check_belongs(merged: Dataset, rest: Dataset, codes: set[str], name: str, report: Report) -> None:
    located = {i.id: i.region for i in merged.institutions}
    rest_institutions = {i.id for i in rest.institutions}
    outside = sorted(i for i, r in located.items() if i not in rest_institutions and r not in codes)
    rest_standards = {x.id for x in rest.standards}
    held = sorted(s.id for s in merged.standards if s.id not in rest_standards and located[s.institution] not in codes)
    demand = sorted(f"{d.region}/{d.instrument_type}" for d in merged.demand
                    if d.region not in codes and d not in set(rest.demand))
    for what, ids, zh in (("institutions located outside the region", outside, "所在地区不在该地区内的机构"),
                          ("standards held by an institution outside the region", held, "由该地区以外机构持有的标准"),
                          ("demand of counties outside the region", demand, "该地区以外县的需求")):
        if ids:
            report.add("error", "outside_part", name, f"{what}: {', '.join(ids[:20])}"
                       + (f" … ({len(ids)})" if len(ids) > 20 else ""), zh=f"{zh}：{'、'.join(ids[:20])}")


# --- differences -------------------------------------------------------------------

class Changed(BaseModel):
    id: str
    fields: dict[str, list[Any]]


class LinkChanged(BaseModel):
    standard: str
    upstream: str
    fields: dict[str, list[Any]]


class TableDiff(BaseModel):
    added: list[str] = []
    removed: list[str] = []
    changed: list[Changed] = []


class LinkDiff(BaseModel):
    added: list[tuple[str, str]] = []
    removed: list[tuple[str, str]] = []
    changed: list[LinkChanged] = []


class DemandChange(BaseModel):
    region: str
    instrument_type: str
    old: int
    new: int


class DemandDiff(BaseModel):
    changed: list[DemandChange] = []


class DatasetDiff(BaseModel):
    """``tracegraph diff OLD NEW`` (``changes.md``): rows added, removed and changed, and the figures that moved
    (region → filter → figure → [old, new], at ``as_of`` for both)."""

    as_of: dt.date
    standards: TableDiff
    links: LinkDiff
    institutions: TableDiff
    demand: DemandDiff
    figures: dict[str, dict[str, dict[str, list[Any]]]]

    def to_contract(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    @property
    def renewed(self) -> list[str]:
        """Standards whose certificate now runs later (复查换证): the changes a quarter is mostly made of."""
        return [c.id for c in self.standards.changed
                if (e := c.fields.get("certificate_expiry")) and e[0] and e[1] and e[1] > e[0]]

    def summary(self) -> dict[str, int]:
        """Counts per kind of change, for a heading or a log line."""
        return {"standards_added": len(self.standards.added), "standards_removed": len(self.standards.removed),
                "standards_changed": len(self.standards.changed), "standards_renewed": len(self.renewed),
                "links_added": len(self.links.added), "links_removed": len(self.links.removed),
                "links_changed": len(self.links.changed), "institutions_added": len(self.institutions.added),
                "institutions_removed": len(self.institutions.removed),
                "institutions_changed": len(self.institutions.changed), "demand_changed": len(self.demand.changed),
                "regions_with_changed_figures": len(self.figures)}

    def rows(self) -> list[tuple[str, str, str, str, str]]:
        """Every change as (what, change, key, field, old → new): the readable table and the xlsx sheet."""
        out: list[tuple[str, str, str, str, str]] = []
        for what, table in (("standard", self.standards), ("institution", self.institutions)):
            out += [(what, "added", k, "", "") for k in table.added]
            out += [(what, "removed", k, "", "") for k in table.removed]
            out += [(what, "changed", c.id, f, _arrow(v)) for c in table.changed for f, v in c.fields.items()]
        out += [("link", "added", f"{a} → {b}", "", "") for a, b in self.links.added]
        out += [("link", "removed", f"{a} → {b}", "", "") for a, b in self.links.removed]
        out += [("link", "changed", f"{c.standard} → {c.upstream}", f, _arrow(v))
                for c in self.links.changed for f, v in c.fields.items()]
        out += [("demand", "changed", f"{d.region} {d.instrument_type}", "count", f"{d.old} → {d.new}")
                for d in self.demand.changed]
        return out

    @property
    def empty(self) -> bool:
        return not any((self.standards.added, self.standards.removed, self.standards.changed, self.links.added,
                        self.links.removed, self.links.changed, self.institutions.added, self.institutions.removed,
                        self.institutions.changed, self.demand.changed, self.figures))


def _arrow(values: list[Any]) -> str:
    def show(v: Any) -> str:
        return "" if v is None else ";".join(map(str, v)) if isinstance(v, list) else str(v)

    return f"{show(values[0])} → {show(values[1])}"


def write_diff_xlsx(d: DatasetDiff, path: str | Path, lang: Lang = "zh") -> Path:
    """The differences as a workbook: a summary, every change, and the figures that moved (old, new)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    summary = book.active
    summary.title = t("diff_summary", lang)
    summary.append([t("as_of", lang), d.as_of.isoformat()])
    for key, n in d.summary().items():
        summary.append([t(key, lang), n])
    changes_sheet = book.create_sheet(t("diff_changes", lang))
    changes_sheet.append([t(k, lang) for k in ("diff_what", "diff_change", "diff_key", "diff_field", "diff_values")])
    for what, change, key, field, values in d.rows():
        changes_sheet.append([t(f"diff_{what}", lang), t(f"diff_{change}", lang), key,
                              t(field, lang) if field else "", values])
    figures = book.create_sheet(t("diff_figures", lang))
    figures.append([t(k, lang) for k in ("code", "filter", "metric", "diff_before", "diff_after")])
    for code, by_filter in d.figures.items():
        for flt, moved in by_filter.items():
            for key, (old, new) in moved.items():
                figures.append([code, t(flt, lang), t(key, lang), old, new])
    for sheet, widths in ((summary, (28, 14)), (changes_sheet, (12, 10, 34, 22, 44)),
                          (figures, (10, 14, 20, 14, 14))):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for i, w in enumerate(widths):
            sheet.column_dimensions[chr(65 + i)].width = w
        sheet.freeze_panes = "A2"
        # Printed as a finance office prints it: landscape, every column on the page, the header on each page.
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
        sheet.print_title_rows = "1:1"
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def _fields(old: Row, new: Row, skip: Iterable[str]) -> dict[str, list[Any]]:
    a, b = old.model_dump(mode="json"), new.model_dump(mode="json")
    return {f: [a[f], b[f]] for f in sorted(a) if f not in skip and a[f] != b[f]}


def _table_diff(old: list[Standard] | list[Institution], new: list[Standard] | list[Institution]) -> TableDiff:
    a, b = {x.id: x for x in old}, {x.id: x for x in new}
    changed = [Changed(id=k, fields=f) for k in sorted(a.keys() & b.keys()) if (f := _fields(a[k], b[k], ("id",)))]
    return TableDiff(added=sorted(b.keys() - a.keys()), removed=sorted(a.keys() - b.keys()), changed=changed)


def _link_diff(old: list[TraceLink], new: list[TraceLink]) -> LinkDiff:
    a, b = _links_by_pair(old), _links_by_pair(new)
    changed = [LinkChanged(standard=k[0], upstream=k[1], fields=f) for k in sorted(a.keys() & b.keys())
               if (f := _fields(a[k], b[k], ("standard", "upstream")))]
    return LinkDiff(added=sorted(b.keys() - a.keys()), removed=sorted(a.keys() - b.keys()), changed=changed)


def _links_by_pair(links: list[TraceLink]) -> dict[tuple[str, str], TraceLink]:
    """One link per pair: of repeated calibrations, the one valid longest (the one that counts)."""
    out: dict[tuple[str, str], TraceLink] = {}
    for x in links:
        key = (x.standard, x.upstream)
        if key not in out or x.valid_until > out[key].valid_until:
            out[key] = x
    return out


def _demand_diff(old: list[Demand], new: list[Demand]) -> DemandDiff:
    a = {(d.region, d.instrument_type): d.count for d in old}
    b = {(d.region, d.instrument_type): d.count for d in new}
    return DemandDiff(changed=[DemandChange(region=k[0], instrument_type=k[1], old=a.get(k, 0), new=b.get(k, 0))
                               for k in sorted(a.keys() | b.keys()) if a.get(k, 0) != b.get(k, 0)])


def _figure_diff(old: Dataset, new: Dataset, as_of: dt.date) -> dict[str, dict[str, dict[str, list[Any]]]]:
    from tracegraph._index import compile_dataset  # the figures need the index; the rest of the diff does not
    from tracegraph.algorithms.coverage import coverage_in

    a = coverage_in(compile_dataset(old), as_of).to_contract()["regions"]
    b = coverage_in(compile_dataset(new), as_of).to_contract()["regions"]
    out: dict[str, dict[str, dict[str, list[Any]]]] = {}
    for code in sorted(a.keys() | b.keys()):
        fa, fb = a.get(code, {}).get("figures", {}), b.get(code, {}).get("figures", {})
        for flt in sorted(fa.keys() | fb.keys()):
            x, y = fa.get(flt, {}), fb.get(flt, {})
            moved = {k: [x.get(k), y.get(k)] for k in (x or y) if x.get(k) != y.get(k)}
            if moved:
                out.setdefault(code, {})[flt] = moved
    return out


def diff(old: Dataset, new: Dataset, as_of: dt.date | None = None) -> DatasetDiff:
    """What changed from ``old`` to ``new``; ``as_of`` defaults to the new dataset's snapshot date, else today."""
    day = as_of or new.default_as_of()
    return DatasetDiff(as_of=day, standards=_table_diff(old.standards, new.standards),
                       links=_link_diff(old.traceability, new.traceability),
                       institutions=_table_diff(old.institutions, new.institutions),
                       demand=_demand_diff(old.demand, new.demand), figures=_figure_diff(old, new, day))


__all__ = ["DatasetDiff", "diff", "region_part", "replace_region", "subtree", "without_region", "write_diff_xlsx"]
