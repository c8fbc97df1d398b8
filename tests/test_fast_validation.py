"""The column-at-a-time reader (``tracegraph._fastparse``) against a straightforward one.

The reference below is the per-item implementation the validator had before: every row given to
``Model.model_validate`` on its own, names resolved, keys, standards and links checked row by row over the
rows (the fast path reads the tables as columns and makes no row), the cycle check on a networkx graph
always built. On random datasets, in CSV (text cells) and JSON (typed cells), and on random
corruptions of them (bad dates and numbers, blank required cells, unknown enum words, negative counts,
repeated keys, unknown references, cycles, missing, repeated and unknown columns, short and long
rows, typed cells of every kind), both must give exactly the same dataset (field values and their
types, the fields each row was given, equal and equally hashed rows) and the same report (every
problem's code, file, row, column, value and messages, in the same order).
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import gc
import io
import pickle
import threading
import zipfile
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, ClassVar
from unittest import mock

import builders as b
import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError, model_validator
from randomdata import random_dated_dataset
from test_io import datasets

from tracegraph import _fastparse, _parse, _raw
from tracegraph import io as tio
from tracegraph import validation as V
from tracegraph._gc import paused_gc
from tracegraph.models import LEVEL_RANK, MODELS, TABLES, Dataset, Meta, Region, Row, Standard, Target
from tracegraph.synth import synthesize, synthetic_regions

AS_OF = b.AS_OF


# --------------------------------------------------------------------------------------------
# the reference: one row, one link, one key at a time
# --------------------------------------------------------------------------------------------


def ref_parse_table(model, table, parsed, report, extra=None) -> None:
    parsed.files[model.table] = table.file
    mapping = V._map_headers(model, table, report, extra)
    if mapping is None:
        return
    parsed.headers[model.table] = {f: h for f, h in zip(mapping, table.headers, strict=False) if f}
    required = set(model.required_columns())
    rows = parsed.rows[model.table]
    for number, cells in table.rows:
        data = {f: c for f, c in zip(mapping, cells, strict=False) if f and (f in required or not _parse.is_blank(c))}
        for field in required:
            data.setdefault(field, None)
        fallback = getattr(model, "id_fallback", None)
        if fallback and _parse.is_blank(data.get("id")) and not _parse.is_blank(data.get(fallback)):
            data["id"] = data[fallback]
        try:
            rows.append((number, model.model_validate(data)))
        except ValidationError as exc:
            V._report_cell_errors(exc, data, table, number, parsed.headers[model.table], report)
            if len(model.key) == 1 and not _parse.is_blank(data.get(model.key[0])):
                parsed.broken[model.table].add(_parse.parse_code(data[model.key[0]]))


def ref_unique(parsed, table, report) -> dict[Any, Row]:
    index: dict[Any, Row] = {}
    first: dict[Any, int] = {}
    for number, row in parsed.rows[table]:
        key = tuple(getattr(row, k) for k in row.key)
        key = key[0] if len(key) == 1 else key
        if key in index:
            file, column = parsed.where(table, row.key[0])
            shown = key if isinstance(key, str) else " / ".join(key)
            report.add("error", "duplicate_key", file, f"duplicate of {parsed.cite(table, first[key])[0]}", number,
                       column if len(row.key) == 1 else ", ".join(row.key), shown,
                       zh=f"与{parsed.cite(table, first[key])[1]}重复")
            continue
        index[key] = row
        first[key] = number
    return index


def ref_check_traceability(parsed, report, as_of) -> None:
    standards = {row.id for _, row in parsed.rows["standards"]} | parsed.broken["standards"]
    standards_by_id: dict[str, Any] = {}
    for _, row in parsed.rows["standards"]:
        standards_by_id.setdefault(row.id, row)
    level_of: dict[str, str] = {}
    for _, row in parsed.rows["institutions"]:
        level_of.setdefault(row.id, row.level)
    graph = nx.DiGraph()
    seen: dict[tuple[str, str], int] = {}
    for number, link in parsed.rows["traceability"]:
        file, _ = parsed.where("traceability", "standard")
        for field in ("standard", "upstream"):
            if getattr(link, field) not in standards:
                V._unknown(parsed, report, "traceability", field, number, getattr(link, field), "standard id")
        if link.standard == link.upstream:
            report.add("error", "self_link", file, "a standard cannot trace to itself", number,
                       parsed.where("traceability", "upstream")[1], link.upstream, zh="标准不能溯源到自身")
            continue
        pair = (link.standard, link.upstream)
        if pair in seen:
            report.add("warning", "repeated_link", file,
                       f"same link as {parsed.cite('traceability', seen[pair])[0]}; the later expiry counts", number,
                       parsed.where("traceability", "upstream")[1], link.upstream,
                       zh=f"与{parsed.cite('traceability', seen[pair])[1]}是同一溯源关系；以较晚的有效期为准")
        seen.setdefault(pair, number)
        graph.add_edge(*pair)
        ref_check_link_dates(parsed, report, as_of, number, link)
        ref_check_link_upstream(parsed, report, number, link, standards_by_id, level_of)
    for component in nx.strongly_connected_components(graph):
        if len(component) < 2:
            continue
        cycle = [u for u, _ in nx.find_cycle(graph.subgraph(component))]
        path = " → ".join([*cycle, cycle[0]])
        file, column = parsed.where("traceability", "upstream")
        report.add("error", "cycle", file, f"traceability cycle: {path}", seen[(cycle[0], cycle[1 % len(cycle)])],
                   column, cycle[1 % len(cycle)], zh=f"溯源关系成环：{path}")


def ref_check_link_upstream(parsed, report, number, link, standards, level_of) -> None:
    s, up = standards.get(link.standard), standards.get(link.upstream)
    if s is None or up is None:
        return
    file, column = parsed.where("traceability", "upstream")
    if s.quantity != up.quantity:
        report.add("warning", "upstream_quantity", file,
                   f"upstream standard measures {up.quantity}, this standard {s.quantity}", number, column,
                   link.upstream, zh=f"上级标准的量（{up.quantity}）与本标准的量（{s.quantity}）不同")
    low, high = level_of.get(s.institution), level_of.get(up.institution)
    if low is None or high is None or up.primary or high == "national":
        return
    if LEVEL_RANK[high] <= LEVEL_RANK[low]:
        report.add("warning", "upstream_level", file,
                   f"upstream standard is held at {high} level, not above this standard's {low} level", number,
                   column, link.upstream,
                   zh=f"上级标准所在机构为{V._LEVEL_ZH[high]}，不高于本标准所在机构的级别（{V._LEVEL_ZH[low]}）")


def ref_check_demand(parsed, report, as_of) -> None:
    ref_unique(parsed, "demand", report)
    regions = V._region_codes(parsed)
    types = {row.code for _, row in parsed.rows["instrument_types"]} | parsed.broken["instrument_types"]
    verified = {code for _, s in parsed.rows["standards"] for code in s.verifies}
    for number, d in parsed.rows["demand"]:
        file, column = parsed.where("demand", "region")
        if d.region not in regions:
            V._unknown(parsed, report, "demand", "region", number, d.region, "region code")
        elif regions[d.region] not in ("", "county"):
            report.add("error", "not_county", file, f"demand must be for a county, not a {regions[d.region]}",
                       number, column, d.region,
                       zh=f"需求只能填写到县级地区，该地区是{V._LEVEL_ZH.get(regions[d.region], regions[d.region])}")
        type_column = parsed.where("demand", "instrument_type")[1]
        if d.instrument_type not in types:
            V._unknown(parsed, report, "demand", "instrument_type", number, d.instrument_type, "instrument type code")
        elif d.instrument_type not in verified and d.instrument_type not in parsed.broken["instrument_types"]:
            report.add("warning", "unverifiable", file, "no standard anywhere verifies this instrument type", number,
                       type_column, d.instrument_type, zh="没有任何标准能检定这类器具")


def ref_check_link_dates(parsed, report, as_of, number, link) -> None:
    if link.calibrated_on is None:
        return
    file, column = parsed.where("traceability", "calibrated_on")
    if link.calibrated_on > link.valid_until:
        report.add("error", "calibrated_after_expiry", file,
                   f"calibrated on a date after the link's valid_until ({link.valid_until})", number, column,
                   link.calibrated_on, zh=f"检定/校准日期晚于溯源有效期至（{link.valid_until}）")
    if link.calibrated_on > as_of:
        report.add("warning", "calibrated_after_as_of", file,
                   f"calibration dated after the as-of date {as_of}: the link does not count until then", number,
                   column, link.calibrated_on, zh=f"检定/校准日期晚于评估日期 {as_of}：在该日期之前此溯源关系不计入")


def ref_known(parsed, table, key) -> set[str]:
    return {getattr(row, key) for _, row in parsed.rows[table]} | parsed.broken[table]


def ref_resolve_identities(parsed, report) -> None:
    ids = ref_known(parsed, "standards", "id")
    by_certificate: dict[str, tuple[int, str]] = {}
    for number, s in parsed.rows["standards"]:
        if not s.certificate_no:
            continue
        if s.certificate_no in by_certificate and by_certificate[s.certificate_no][1] != s.id:
            first, other = by_certificate[s.certificate_no]
            file, column = parsed.where("standards", "certificate_no")
            report.add("error", "duplicate_certificate", file,
                       f"certificate number also held by {parsed.cite('standards', first)[0]} (standard {other})",
                       number, column, s.certificate_no,
                       zh=f"证书编号与{parsed.cite('standards', first)[1]}（标准 {other}）重复")
            continue
        by_certificate.setdefault(s.certificate_no, (number, s.id))
    links = parsed.rows["traceability"]
    for i, (number, link) in enumerate(links):
        update = {f: by_certificate[getattr(link, f)][1] for f in ("standard", "upstream")
                  if getattr(link, f) not in ids and getattr(link, f) in by_certificate}
        if update:
            links[i] = (number, link.model_copy(update=update))
    institutions = ref_known(parsed, "institutions", "id")
    named: dict[str, list[str]] = {}
    for _, inst in parsed.rows["institutions"]:
        named.setdefault(inst.name, []).append(inst.id)
    rows = parsed.rows["standards"]
    for i, (number, s) in enumerate(rows):
        if s.institution not in institutions and len(named.get(s.institution, [])) == 1:
            rows[i] = (number, s.model_copy(update={"institution": named[s.institution][0]}))


def ref_check_verifies(parsed, report, table) -> None:
    types = ref_known(parsed, "instrument_types", "code")
    for number, row in parsed.rows[table]:
        for code in row.verifies:
            if code not in types:
                V._unknown(parsed, report, table, "verifies", number, code, "instrument type code")


def ref_check_standards(parsed, report, as_of) -> None:
    ref_unique(parsed, "standards", report)
    institutions = ref_known(parsed, "institutions", "id")
    ref_check_verifies(parsed, report, "standards")
    soon = as_of + dt.timedelta(days=V.EXPIRY_WARNING_DAYS)
    file, column = parsed.where("standards", "certificate_expiry")
    for number, s in parsed.rows["standards"]:
        if s.institution not in institutions:
            V._unknown(parsed, report, "standards", "institution", number, s.institution, "institution id")
        if s.certificate_expiry is None and not s.primary:
            report.add("error", "missing_expiry", file, "a non-primary standard needs a certificate expiry date",
                       number, column, "", zh="非计量基准的标准必须填写考核证书有效期")
        elif s.certificate_expiry is not None and s.certificate_expiry < as_of:
            report.add("warning", "expired", file, f"certificate expired (as of {as_of})", number, column,
                       s.certificate_expiry, zh=f"考核证书已过期（截至 {as_of}）")
        elif s.certificate_expiry is not None and s.certificate_expiry <= soon:
            report.add("warning", "expiring", file, f"certificate expires within {V.EXPIRY_WARNING_DAYS} days",
                       number, column, s.certificate_expiry, zh=f"考核证书将在 {V.EXPIRY_WARNING_DAYS} 天内到期")
        if not s.verifies and not s.primary:
            report.add("warning", "verifies_nothing", file, "standard verifies no instrument type", number,
                       parsed.where("standards", "verifies")[1], "", zh="该标准未填写可检器具")


def ref_check_candidates(parsed, report, as_of) -> None:
    ref_unique(parsed, "candidates", report)
    ref_check_verifies(parsed, report, "candidates")


@contextmanager
def reference():
    with mock.patch.multiple(V, _parse_table=ref_parse_table, _unique=ref_unique, _known=ref_known,
                             _resolve_identities=ref_resolve_identities, _check_standards=ref_check_standards,
                             _check_candidates=ref_check_candidates, _check_traceability=ref_check_traceability,
                             _check_demand=ref_check_demand):
        yield


# --------------------------------------------------------------------------------------------
# comparing the two
# --------------------------------------------------------------------------------------------


def snapshot(rows: list[Row]) -> list[tuple]:
    """Everything a row is: its class, field values with their types (repr), the fields it was given."""
    return [(type(r), repr(r.__dict__), list(r.__dict__), sorted(r.model_fields_set), r.__pydantic_extra__,
             r.__pydantic_private__) for r in rows]


def assert_same_rows(fast: list[Row], ref: list[Row]) -> None:
    assert snapshot(fast) == snapshot(ref)
    assert fast == ref
    for a, r in zip(fast, ref, strict=True):
        assert a.model_dump_json() == r.model_dump_json()
        try:
            assert hash(a) == hash(r)
        except TypeError:  # a row with a list field is not hashable, made either way
            with pytest.raises(TypeError):
                hash(r)
    # Each row has its own lists, as model_validate gives them.
    lists = [id(v) for row in fast for v in row.__dict__.values() if isinstance(v, list)]
    assert len(lists) == len(set(lists))


def assert_same(fast: tuple[Any, V.Report], ref: tuple[Any, V.Report]) -> None:
    """(dataset or None, report) of each, or (rows, report) of ``parse_table``."""
    (fast_ds, fast_report), (ref_ds, ref_report) = fast, ref
    assert [p.model_dump() for p in fast_report.errors] == [p.model_dump() for p in ref_report.errors]
    assert [p.model_dump() for p in fast_report.warnings] == [p.model_dump() for p in ref_report.warnings]
    assert (fast_ds is None) == (ref_ds is None)
    if isinstance(fast_ds, list):
        assert_same_rows(fast_ds, ref_ds)
    elif fast_ds is not None:
        for table in Dataset.model_fields:
            assert_same_rows(getattr(fast_ds, table), getattr(ref_ds, table))
        assert fast_ds == ref_ds
        assert fast_ds.model_fields_set == ref_ds.model_fields_set


def both(run):
    fast = run()
    with reference():
        ref = run()
    assert_same(fast, ref)
    return fast


def check(raw: _raw.RawDataset, columns: V.ColumnMap | None = None) -> tuple[Dataset | None, V.Report]:
    return both(lambda: V.validate(copy.deepcopy(raw), AS_OF, columns))


# --------------------------------------------------------------------------------------------
# datasets as read: CSV text, JSON values
# --------------------------------------------------------------------------------------------


def csv_raw(dataset: Dataset, lang: str = "en") -> _raw.RawDataset:
    files = {}
    for model in TABLES:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(tio._headers(model, lang))
        writer.writerows(tio._records(model, dataset))
        files[f"{model.table}.csv"] = buffer.getvalue().encode("utf-8-sig")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return _raw.read_raw_bytes("ds.zip", archive.getvalue())


def json_raw(dataset: Dataset) -> _raw.RawDataset:
    return _raw.raw_from_json(dataset.model_dump(mode="json"), "ds.json")


def dated(seed: int) -> Dataset:
    ds = random_dated_dataset(seed)
    return ds.model_copy(update={"meta": [Meta(snapshot_date=AS_OF)]}) if seed % 2 else ds


DATASETS = st.one_of(datasets(), st.integers(0, 10_000).map(dated))

# Cells as planners (and workbooks, and JSON) write them: good, bad and odd.
ODD = ["", "   ", None, "abc", "2026-02-30", "2026-1-1", "20260101", "2025-12-31", "2027-06-30", " 2026-01-01 ",
       "-1", "0", "7", "1.5", "1e3", "12,5", "95%", "150%", "-5%", "true", "FALSE", "否", "是", "maybe", "national",
       "county", "city", "province", "省级", "县", "in_service", "retired", "撤销", "授权", "legal", "trade",
       "医疗卫生", "coverage", "standards_count", "all", "domain:medical", "domain:xx", "mandatory", "T1;T2",
       "T1；ZZ", "；", "370000", "370400", "999999", "NIM", "P", "S1", " S1 ", 0, 1, -3, 12, 370000, 2.0, 2.5, -0.0,
       0.0, 1e20, True, False, dt.date(2026, 1, 1), dt.datetime(2026, 1, 1, 12, 30), [], ["a", "b"], ["370000"],
       [1, 2], {"a": 1}]


@st.composite
def corrupted(draw: st.DrawFn, raw: _raw.RawDataset) -> _raw.RawDataset:
    raw = copy.deepcopy(raw)
    for _ in range(draw(st.integers(0, 6))):
        if not raw:
            break
        op = draw(st.sampled_from(["cell", "cell", "cell", "copy_cell", "blank", "drop_column", "rename", "short",
                                   "long", "repeat_row", "reverse_link", "self_link", "drop_table", "blank_row"]))
        links = op in ("reverse_link", "self_link") and "traceability" in raw
        name = "traceability" if links else draw(st.sampled_from(sorted(raw)))
        table = raw[name]
        width = len(table.headers)
        if op == "drop_table":
            del raw[name]
        elif op == "rename" and width:
            j = draw(st.integers(0, width - 1))
            model = MODELS[name]
            table.headers[j] = draw(st.sampled_from(["junk", "", *table.headers, *model.columns().values(),
                                                     *(a for al in model.aliases().values() for a in al),
                                                     table.headers[j].upper()]))
        elif op == "drop_column" and width:
            j = draw(st.integers(0, width - 1))
            del table.headers[j]
            for _, cells in table.rows:
                del cells[j:j + 1]
        elif op == "blank_row":
            table.rows.append((len(table.rows) + 2, [""] * width))
        elif not table.rows or not width:
            continue
        else:
            i = draw(st.integers(0, len(table.rows) - 1))
            _, cells = table.rows[i]
            j = draw(st.integers(0, width - 1))
            if op == "cell":
                cells[j:j + 1] = [draw(st.sampled_from(ODD))]
            elif op == "copy_cell":  # another row's cell: repeated keys, other rows' references
                _, other = table.rows[draw(st.integers(0, len(table.rows) - 1))]
                k = draw(st.integers(0, width - 1))
                if k < len(other):
                    cells[j:j + 1] = [other[k]]
            elif op == "blank":
                cells[j:j + 1] = [draw(st.sampled_from(["", " ", None]))]
            elif op == "short":
                del cells[j:]
            elif op == "long":
                cells.append(draw(st.sampled_from(ODD)))
            elif op == "repeat_row":
                table.rows.append((len(table.rows) + 2, list(cells)))
            elif links and {"standard", "upstream"} <= set(table.headers):
                s, u = table.headers.index("standard"), table.headers.index("upstream")
                if max(s, u) < len(cells) and op == "self_link":
                    cells[u] = cells[s]
                elif max(s, u) < len(cells):  # a cycle (when the link is valid)
                    back = list(cells)
                    back[s], back[u] = cells[u], cells[s]
                    table.rows.append((len(table.rows) + 2, back))
    return raw


SETTINGS = settings(max_examples=200, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@SETTINGS
@given(dataset=DATASETS, lang=st.sampled_from(["en", "zh"]))
def test_valid_datasets_read_alike(dataset: Dataset, lang: str) -> None:
    for raw in (csv_raw(dataset, lang), json_raw(dataset)):
        read, report = check(raw)
        assert read == dataset, report.errors


@SETTINGS
@given(data=st.data(), dataset=DATASETS, as_json=st.booleans())
def test_corrupted_datasets_report_alike(data: st.DataObject, dataset: Dataset, as_json: bool) -> None:
    raw = data.draw(corrupted(json_raw(dataset) if as_json else csv_raw(dataset)))
    check(raw)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), dataset=DATASETS)
def test_parts_and_single_tables_alike(data: st.DataObject, dataset: Dataset) -> None:
    """Merging (``validate_parts``), a table on its own (``parse_table``), the user's headers (``--columns``)."""
    first, second = data.draw(corrupted(csv_raw(dataset))), data.draw(corrupted(json_raw(dataset)))
    parts = [("a", _raw.relabel(first, "a")), ("b.json", _raw.relabel(second, "b.json"))]
    both(lambda: V.validate_parts(copy.deepcopy(parts), AS_OF))
    if "targets" in first:
        both(lambda: V.parse_table(copy.deepcopy(first["targets"]), Target))
    renamed = copy.deepcopy(first)
    if "standards" in renamed and "name" in renamed["standards"].headers:
        renamed["standards"].headers[renamed["standards"].headers.index("name")] = "装置名称"
    check(renamed, {"standards": {"装置名称": "name"}})


def test_a_synthetic_province_reads_alike() -> None:
    """Realistic sizes and repetitions: a synthetic province, valid, then with a broken row in each table."""
    dataset = synthesize(synthetic_regions(1, seed=3), seed=3, as_of=AS_OF)
    raw = csv_raw(dataset, "zh")
    read, report = check(raw)
    assert read == dataset and report.warnings
    for k, table in enumerate(raw.values()):
        for number, cells in table.rows[k::97]:
            cells[number % len(cells)] = ["", "bad", "-1", "2026-13-01"][number % 4]
    assert not check(raw)[1].ok


def test_a_dataset_holds_its_tables_as_columns_until_asked() -> None:
    """Validation hands over the tables as columns: a field read a column at a time makes no row, and the
    dataset, once anything looks at it whole, is the reference's (equal, dumped, pickled, copied alike)."""
    raw = csv_raw(synthesize(synthetic_regions(1, seed=5), seed=5, as_of=AS_OF))
    with reference():
        ref, _ = V.validate(copy.deepcopy(raw), AS_OF)
    fast, _ = V.validate(copy.deepcopy(raw), AS_OF)
    held = set(fast.__pydantic_private__["pending"])
    assert {"standards", "traceability", "demand"} <= held
    for table in Dataset.model_fields:
        for field in MODELS[table].model_fields:
            assert fast.column(table, field) == [getattr(r, field) for r in getattr(ref, table)], (table, field)
    assert set(fast.__pydantic_private__["pending"]) == held  # reading columns made no row
    assert fast.standards == ref.standards and "standards" not in fast.__pydantic_private__["pending"]
    for whole in (lambda d: d, lambda d: pickle.loads(pickle.dumps(d)), copy.copy, copy.deepcopy):
        other, _ = V.validate(copy.deepcopy(raw), AS_OF)
        assert whole(other) == ref
    for look in (lambda d: d.model_dump(), lambda d: d.model_dump_json(), repr, lambda d: [k for k, _ in d],
                 lambda d: pickle.loads(pickle.dumps(d)), lambda d: d.model_copy(update={"targets": []}).demand):
        other, _ = V.validate(copy.deepcopy(raw), AS_OF)
        assert look(other) == look(ref)
        assert other.__pydantic_private__ is None  # made whole first
    assert fast.column("demand", "count") == [d.count for d in ref.demand]  # from the rows, once made


def test_threads_asking_for_a_table_see_one_set_of_rows() -> None:
    raw = csv_raw(synthesize(synthetic_regions(1, seed=6), seed=6, as_of=AS_OF))
    fast, _ = V.validate(raw, AS_OF)
    barrier = threading.Barrier(6)

    def ask(k: int) -> list[Row]:
        barrier.wait()
        return fast._whole().demand if k % 2 else fast.demand

    with ThreadPoolExecutor(6) as pool:
        seen = list(pool.map(ask, range(6)))
    assert len({id(rows) for rows in seen}) == 1 and seen[0] == fast.demand


# --------------------------------------------------------------------------------------------
# the column reader itself
# --------------------------------------------------------------------------------------------


def test_rows_are_what_model_validate_makes() -> None:
    cells = {"id": ["S1", "S2", "S3"], "name": ["a", "a", "b"], "institution": ["I", "I", "I"],
             "quantity": ["m", "m", "m"], "certificate_no": ["", "C2", " "], "certificate_expiry": ["2027-01-01"] * 3,
             "status": ["在用", "in_service", "retired"], "primary": ["", "是", "0"],
             "capacity_per_year": ["", "12", ""], "verifies": ["T1;T2", "", "T1；T2"]}
    checked = _fastparse.check_table(Standard, cells, 3)
    rows, failed = _fastparse.make_rows(Standard, checked), checked.failed
    assert failed == []
    expected = [Standard.model_validate({f: c[i] for f, c in cells.items()
                                         if Standard.model_fields[f].is_required() or not _parse.is_blank(c[i])})
                for i in range(3)]
    assert_same_rows(rows, expected)
    assert rows[0].verifies is not rows[2].verifies  # equal lists, each row its own


def test_coded_columns_check_as_their_lists_do() -> None:
    """A column read a column at a time (distinct cells and codes, a cell listed twice when two blocks of the
    file both have it) gives the values, blanks and failures its plain list gives."""
    import numpy as np

    def coded(column: list[str]) -> _raw.Coded:
        cells = [*dict.fromkeys(column), column[0]]  # a repeat, as two blocks would list it
        codes = np.array([len(cells) - 1 if i % 2 and c == column[0] else cells.index(c)
                          for i, c in enumerate(column)], np.int32)
        return _raw.Coded(cells, codes)

    cells = {"id": ["S1", "S2", "S3", "S4"], "name": ["a", "a", "b", "a"], "institution": ["I"] * 4,
             "quantity": ["m"] * 4, "certificate_no": ["", "C2", " ", ""],
             "certificate_expiry": ["2027-01-01", "2027-13-01", "2027-01-01", ""],
             "status": ["在用", "in_service", "retired", "在用"], "primary": ["", "是", "0", "maybe"],
             "capacity_per_year": ["", "12", "-1", ""], "verifies": ["T1;T2", "", "T1；T2", "T1;T2"]}
    plain = _fastparse.check_table(Standard, cells, 4)
    fast = _fastparse.check_table(Standard, {f: coded(c) for f, c in cells.items()}, 4)
    assert fast == plain and fast.failed == [1, 2, 3]
    assert coded(cells["name"]) == cells["name"] and list(coded(cells["name"])) == cells["name"]
    verifies = fast.values["verifies"]
    assert verifies[0] == verifies[3] and verifies[0] is not verifies[3]  # equal lists, each row its own


def test_failed_rows_are_named() -> None:
    checked = _fastparse.check_table(Region, {"code": ["1", "2", "3"], "name": ["a", "", "c"],
                                              "level": ["city", "city", "town"], "parent": [None, None, None]}, 3)
    rows, failed = _fastparse.make_rows(Region, checked), checked.failed
    assert failed == [1, 2] and rows[1:] == [None, None] and rows[0] == Region(code="1", name="a", level="city",
                                                                                    parent=None)


class _Checked(Row):
    table: ClassVar[str] = "checked"
    key: ClassVar[tuple[str, ...]] = ("a",)
    a: int
    b: int

    @model_validator(mode="after")
    def _ordered(self) -> _Checked:
        if self.a > self.b:
            raise ValueError("a after b")
        return self


def test_a_model_that_checks_rows_as_a_whole_is_refused() -> None:
    with pytest.raises(TypeError, match="column at a time"):
        _fastparse.fields(_Checked)


def test_the_collector_is_paused_and_restored() -> None:
    assert gc.isenabled()
    with paused_gc():
        assert not gc.isenabled()
        with paused_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(_raw.UnreadableDataset), paused_gc():
        _raw.read_raw("/nonexistent/dataset")
    assert gc.isenabled()


def test_trace_links_keep_their_order_after_resolution() -> None:
    """Links named by certificate number resolve to ids, rows in order (``model_copy`` keeps the rest)."""
    dataset = b.dataset(standards=[b.std("P", "NIM", ["T1"], primary=True), b.std("S1", "PROV", ["T1"])],
                        links=[b.link("S1", "P")], demand=[b.need("370402", "T1", 1)])
    standards = [s.model_copy(update={"certificate_no": f"C-{s.id}"}) for s in dataset.standards]
    raw = csv_raw(dataset.model_copy(update={"standards": standards}))
    table = raw["traceability"]
    table.rows[0][1][table.headers.index("upstream")] = "C-P"
    read, _ = check(raw)
    assert read is not None and [(k.standard, k.upstream) for k in read.traceability] == [("S1", "P")]
