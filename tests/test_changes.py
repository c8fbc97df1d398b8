"""Real data in and change over time (``spec/changes.md``), on hand-made datasets: registry headers and
certificate numbers, ``--columns`` maps, the snapshot date, merging parts, replacing a region's part, and
the differences between two datasets."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import builders as b
import pytest

from tracegraph import changes
from tracegraph._raw import UnreadableDataset, read_raw
from tracegraph.algorithms import coverage
from tracegraph.graph import build_graph
from tracegraph.io import check_dataset, check_parts, merge_parts, read_columns, read_dataset, write_dataset
from tracegraph.models import STALE_DAYS, Dataset, Meta, Standard, TraceLink

AS_OF = b.AS_OF


def whole() -> Dataset:
    """A province part (NIM, PROV) and two city parts (370400: CITY4, CTY402, CTY403; 370500: CTY502)."""
    return b.dataset(
        standards=[b.std("P", "NIM", ["T1"], primary=True), b.std("S1", "PROV", ["T1", "T2"]),
                   b.std("S2", "CITY4", ["T2"]), b.std("S3", "CTY402", ["T1"]), b.std("S4", "CTY502", ["T2"])],
        links=[b.link("S1", "P"), b.link("S2", "S1"), b.link("S3", "S2"), b.link("S4", "S1")],
        demand=[b.need("370402", "T1", 10), b.need("370403", "T2", 4), b.need("370502", "T2", 3),
                b.need("370502", "T1", 5)],
        meta=[Meta(snapshot_date=AS_OF, source="test")],
    )


def figures(ds: Dataset, day: dt.date = AS_OF) -> dict:
    return coverage(build_graph(ds), day).to_contract()


def as_sets(ds: Dataset) -> dict[str, set[str]]:
    return {t: {r.model_dump_json() for r in getattr(ds, t)} for t in Dataset.model_fields}


def write_parts(ds: Dataset, folder: Path, fmt: str = "xlsx") -> list[Path]:
    """The province's own institutions as one part, each city's subtree as another."""
    province = changes.region_part(ds, "370000", shared=True)
    own = {i.id for i in ds.institutions if i.region in (None, "370000")}
    held = {s.id for s in ds.standards if s.institution in own}
    province = province.model_copy(update={
        "institutions": [i for i in ds.institutions if i.id in own],
        "standards": [s for s in ds.standards if s.id in held],
        "traceability": [x for x in ds.traceability if x.standard in held], "demand": []})
    suffix = ".xlsx" if fmt == "xlsx" else ""
    paths = [write_dataset(province, folder / f"370000{suffix}", include_optional=True)]
    for city in ("370400", "370500"):
        paths.append(write_dataset(changes.region_part(ds, city), folder / f"{city}{suffix}", lang="zh"))
    return paths


# --- registry shapes ---------------------------------------------------------------


def registry_folder(tmp_path: Path) -> Path:
    """The standards table in a registry's columns with blank ids; links named by certificate number."""
    ds = whole()
    folder = write_dataset(ds, tmp_path / "reg", "csv", include_optional=True)
    with (folder / "standards.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["计量标准名称", "建标单位", "量", "计量标准证书号", "计量标准有效期", "状态", "基准", "可检器具",
                    "建标日期"])
        for s in ds.standards:
            w.writerow([s.name, s.institution, s.quantity, s.certificate_no, s.certificate_expiry or "",
                        s.status, s.primary, ";".join(s.verifies), ""])
    with (folder / "traceability.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["计量标准证书号", "溯源标准证书号", "溯源有效期至", "检定日期"])
        for x in ds.traceability:
            w.writerow([f"C-{x.standard}", f"C-{x.upstream}", x.valid_until, ""])
    return folder


def test_registry_headers_and_certificate_numbers(tmp_path: Path) -> None:
    ds, report = check_dataset(registry_folder(tmp_path), AS_OF)
    assert report.ok, report.errors
    assert not [w for w in report.warnings if w.code == "unknown_column"]
    assert {s.id for s in ds.standards} == {f"C-{s.id}" for s in whole().standards}
    assert {(x.standard, x.upstream) for x in ds.traceability} == {
        (f"C-{x.standard}", f"C-{x.upstream}") for x in whole().traceability}
    assert figures(ds) == figures(whole())


def test_an_id_wins_over_a_certificate_number(tmp_path: Path) -> None:
    # S9's certificate number is "S1": a link to "S1" means the standard whose id is S1.
    ds = whole()
    ds = ds.model_copy(update={"standards": [*ds.standards, b.std("S9", "PROV", ["T1"]).model_copy(
        update={"certificate_no": "S1"})], "traceability": [*ds.traceability, b.link("S9", "P")]})
    folder = write_dataset(ds, tmp_path / "ds", "csv", include_optional=True)
    read = read_dataset(folder, AS_OF)
    assert ("S2", "S1") in {(x.standard, x.upstream) for x in read.traceability}


def test_a_certificate_number_held_twice_names_both_rows(tmp_path: Path) -> None:
    ds = whole()
    twin = ds.standards[2].model_copy(update={"certificate_no": ds.standards[1].certificate_no})
    ds = ds.model_copy(update={"standards": [*ds.standards[:2], twin, *ds.standards[3:]]})
    _, report = check_dataset(write_dataset(ds, tmp_path / "ds", "csv"), AS_OF)
    [problem] = [p for p in report.errors if p.code == "duplicate_certificate"]
    assert (problem.row, problem.value) == (4, "C-S1")
    assert "row 3" in problem.message and "S1" in problem.message


def test_institution_named_by_its_name(tmp_path: Path) -> None:
    folder = write_dataset(whole(), tmp_path / "ds", "csv")
    text = (folder / "standards.csv").read_text(encoding="utf-8-sig").replace(",CITY4,", ",Inst CITY4,")
    (folder / "standards.csv").write_text(text, encoding="utf-8")
    ds = read_dataset(folder, AS_OF)
    assert {s.id: s.institution for s in ds.standards}["S2"] == "CITY4"


def test_column_map(tmp_path: Path) -> None:
    folder = write_dataset(whole(), tmp_path / "ds", "csv")
    text = (folder / "standards.csv").read_text(encoding="utf-8-sig")
    (folder / "standards.csv").write_text(text.replace("certificate_expiry", "到期日", 1), encoding="utf-8")
    _, report = check_dataset(folder, AS_OF)
    assert "missing_column" in {p.code for p in report.errors}
    mapping = tmp_path / "map.csv"
    mapping.write_text("file,column,header\nstandards.csv,certificate_expiry,到期日\n", encoding="utf-8")
    ds, report = check_dataset(folder, AS_OF, read_columns(mapping))
    assert report.ok and ds == whole()


@pytest.mark.parametrize(("row", "why"), [("nosuch,name,x", "not a table"), ("standards,nosuch,x", "not a column"),
                                          ("standards,name,", "blank")])
def test_bad_column_map(tmp_path: Path, row: str, why: str) -> None:
    mapping = tmp_path / "map.csv"
    mapping.write_text(f"file,column,header\n{row}\n", encoding="utf-8")
    with pytest.raises(UnreadableDataset, match=why):
        read_columns(mapping)


# --- snapshot date -----------------------------------------------------------------


def test_snapshot_date_is_the_default_as_of(tmp_path: Path) -> None:
    folder = write_dataset(whole(), tmp_path / "ds", "csv", include_optional=True)
    ds, report = check_dataset(folder)
    assert ds.snapshot_date == AS_OF and ds.default_as_of() == AS_OF
    assert not [w for w in report.warnings if w.code == "stale_snapshot"]
    late = AS_OF + dt.timedelta(days=STALE_DAYS + 1)
    _, report = check_dataset(folder, late)
    [stale] = [w for w in report.warnings if w.code == "stale_snapshot"]
    assert f"{STALE_DAYS + 1} days" in stale.message
    _, report = check_dataset(folder, AS_OF + dt.timedelta(days=STALE_DAYS))
    assert not [w for w in report.warnings if w.code == "stale_snapshot"]


def test_meta_has_one_row(tmp_path: Path) -> None:
    folder = write_dataset(whole(), tmp_path / "ds", "csv", include_optional=True)
    with (folder / "meta.csv").open("a", encoding="utf-8") as f:
        f.write("2026-02-01,,\n")
    _, report = check_dataset(folder)
    assert [(p.code, p.row) for p in report.errors] == [("meta_rows", 3)]


# --- merging -----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_parts_merge_into_the_whole(tmp_path: Path, fmt: str) -> None:
    parts = write_parts(whole(), tmp_path, fmt)
    merged, report = check_parts(parts)
    assert report.ok, report.errors
    assert as_sets(merged) == as_sets(whole())
    assert figures(merged) == figures(whole())


def test_merge_writes_nothing_when_invalid(tmp_path: Path) -> None:
    parts = write_parts(whole(), tmp_path)
    out = tmp_path / "out"
    ds, report = merge_parts(out, parts[1:])  # without the province's part: S2 → S1 dangles
    assert ds is None and not out.exists()
    unknown = [p for p in report.errors if p.code == "unknown_reference"]
    assert {(p.file, p.value) for p in unknown} >= {(f"{parts[1]}:traceability", "S1")}
    ds, report = merge_parts(out, parts)
    assert report.ok and read_dataset(out) == ds


def test_identical_rows_merge_differing_rows_conflict(tmp_path: Path) -> None:
    ds = whole()
    parts = write_parts(ds, tmp_path)
    again = write_dataset(changes.region_part(ds, "370500"), tmp_path / "again.xlsx")
    merged, report = check_parts([*parts, again])
    assert report.ok and as_sets(merged) == as_sets(ds)
    other = changes.region_part(ds, "370500")
    other = other.model_copy(update={"standards": [other.standards[0].model_copy(update={"status": "suspended"})]})
    changed = write_dataset(other, tmp_path / "changed.xlsx")
    _, report = check_parts([*parts, changed])
    [conflict] = [p for p in report.errors if p.code == "conflict"]
    assert conflict.file == f"{changed}:standards" and conflict.row == 2 and conflict.value == "S4"
    assert f"{parts[2]}:standards, row 2" in conflict.message and "status" in conflict.message


def test_problem_in_the_whole_points_at_the_part(tmp_path: Path) -> None:
    ds = whole()
    bad = changes.region_part(ds, "370500")
    bad = bad.model_copy(update={"demand": [*bad.demand, b.need("370502", "T9", 1)]})
    parts = write_parts(ds, tmp_path)
    broken = write_dataset(bad, tmp_path / "bad.xlsx")
    _, report = check_parts([parts[0], parts[1], broken])
    [p] = report.errors
    assert (p.code, p.file, p.row, p.column, p.value) == (
        "unknown_reference", f"{broken}:demand", 4, "instrument_type", "T9")


def test_merged_meta_takes_the_earliest_snapshot(tmp_path: Path) -> None:
    ds = whole()
    parts = write_parts(ds, tmp_path)
    later = changes.region_part(ds, "370500").model_copy(update={"meta": [
        Meta(snapshot_date=AS_OF + dt.timedelta(days=30), source="city")]})
    merged, report = check_parts([parts[0], parts[1], write_dataset(later, tmp_path / "l.xlsx")])
    assert report.ok and merged.snapshot_date == AS_OF and merged.meta[0].source == "test；city"


# --- replacing a region's part -------------------------------------------------------


def test_resubmitted_city_replaces_only_itself(tmp_path: Path) -> None:
    ds = whole()
    part = changes.region_part(ds, "370400")
    renewed = [s.model_copy(update={"certificate_expiry": dt.date(2031, 3, 1)}) if s.id == "S3" else s
               for s in part.standards]
    part = part.model_copy(update={"standards": renewed, "demand": [b.need("370402", "T1", 12)]})
    new, report = changes.replace_region(ds, read_raw(write_dataset(part, tmp_path / "p.xlsx")), "370400")
    assert report.ok, report.errors
    expected = changes.without_region(ds, "370400")
    expected = expected.model_copy(update={"standards": [*expected.standards, *part.standards],
                                           "traceability": [*expected.traceability, *part.traceability],
                                           "institutions": [*expected.institutions, *part.institutions],
                                           "demand": [*expected.demand, *part.demand]})
    assert as_sets(new) == as_sets(expected)
    merged, _ = check_parts([*write_parts(ds, tmp_path / "a")[::2], write_dataset(part, tmp_path / "p2.xlsx")])
    assert figures(new) == figures(merged)


def test_links_into_the_part_resolve_again_by_certificate(tmp_path: Path) -> None:
    # 370500's S4 traces to S1 (the province's); replace the province's... here: CTY502 traces into 370400.
    ds = whole()
    ds = ds.model_copy(update={"traceability": [*ds.traceability, b.link("S4", "S2")]})
    part = changes.region_part(ds, "370400")
    renamed = [s.model_copy(update={"id": "S2-NEW"}) if s.id == "S2" else s for s in part.standards]
    links = [x.model_copy(update={"standard": "S2-NEW"}) if x.standard == "S2" else
             x.model_copy(update={"upstream": "S2-NEW"}) if x.upstream == "S2" else x for x in part.traceability]
    part = part.model_copy(update={"standards": renamed, "traceability": links})
    new, report = changes.replace_region(ds, read_raw(write_dataset(part, tmp_path / "p.xlsx")), "370400")
    assert report.ok, report.errors
    assert ("S4", "S2-NEW") in {(x.standard, x.upstream) for x in new.traceability}
    gone = part.model_copy(update={"standards": [s for s in renamed if s.id != "S2-NEW"],
                                   "traceability": [x for x in links if "S2-NEW" not in (x.standard, x.upstream)]})
    new, report = changes.replace_region(ds, read_raw(write_dataset(gone, tmp_path / "g.xlsx")), "370400")
    assert new is None
    assert {(p.code, p.value) for p in report.errors} == {("unknown_reference", "C-S2")}


def test_a_part_may_not_reach_outside_its_region(tmp_path: Path) -> None:
    ds = whole()
    part = changes.region_part(ds, "370400")
    part = part.model_copy(update={"institutions": [*part.institutions, b.inst("X502", "county", "370502")],
                                   "standards": [*part.standards, b.std("SX", "X502", ["T1"])]})
    new, report = changes.replace_region(ds, read_raw(write_dataset(part, tmp_path / "p.xlsx")), "370400", name="p")
    assert new is None
    assert [(p.code, p.file) for p in report.errors] == [("outside_part", "p")] * 2
    assert "X502" in report.errors[0].message and "SX" in report.errors[1].message
    with pytest.raises(KeyError):
        changes.replace_region(ds, read_raw(tmp_path / "p.xlsx"), "999999")


# --- differences -------------------------------------------------------------------


def test_diff_of_a_dataset_with_itself_is_empty() -> None:
    d = changes.diff(whole(), whole())
    assert d.empty and d.as_of == AS_OF
    assert d.to_contract() == {"as_of": AS_OF.isoformat(),
                               "standards": {"added": [], "removed": [], "changed": []},
                               "links": {"added": [], "removed": [], "changed": []},
                               "institutions": {"added": [], "removed": [], "changed": []},
                               "demand": {"changed": []}, "figures": {}}


def test_diff_names_every_change() -> None:
    old = whole()
    standards = [s.model_copy(update={"certificate_expiry": dt.date(2025, 6, 1)}) if s.id == "S3" else s
                 for s in old.standards if s.id != "S4"]
    standards.append(Standard(**{**b.std("S5", "CTY502", ["T2"]).model_dump(), "name": "新"}))
    links = [TraceLink(standard="S5", upstream="S1", valid_until=b.LATER)] + [
        x for x in old.traceability if x.standard != "S4"]
    demand = [d for d in old.demand if (d.region, d.instrument_type) != ("370502", "T1")] + [
        b.need("370403", "T1", 7)]
    new = old.model_copy(update={"standards": standards, "traceability": links, "demand": demand})
    d = changes.diff(old, new).to_contract()
    assert d["standards"] == {"added": ["S5"], "removed": ["S4"], "changed": [
        {"id": "S3", "fields": {"certificate_expiry": [b.LATER.isoformat(), "2025-06-01"]}}]}
    assert d["links"] == {"added": [["S5", "S1"]], "removed": [["S4", "S1"]], "changed": []}
    assert d["demand"]["changed"] == [
        {"region": "370403", "instrument_type": "T1", "old": 0, "new": 7},
        {"region": "370502", "instrument_type": "T1", "old": 5, "new": 0}]
    assert d["figures"]["370403"]["all"]["items"] == [1, 2]  # the new demand row
    assert "370402" not in d["figures"]  # S3 expired, but S1 (the province's) still covers T1 there
    a, b_ = figures(old), figures(new)
    for code, by_filter in d["figures"].items():
        for flt, moved in by_filter.items():
            for key, (x, y) in moved.items():
                assert a["regions"][code]["figures"][flt][key] == x and b_["regions"][code]["figures"][flt][key] == y
