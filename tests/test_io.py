"""Reading and writing the template (``spec/dataset.md``): export → import is the identity in
every format, the blank template reads back, uploads work, unreadable input says why."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import tempfile
import zipfile
from pathlib import Path

import builders as b
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracegraph._raw import UnreadableDataset
from tracegraph.io import check_dataset, check_upload, read_dataset, write_dataset, write_template
from tracegraph.models import (
    FILTERS,
    OPTIONAL_TABLES,
    REQUIRED_TABLES,
    TABLES,
    Candidate,
    Dataset,
    Demand,
    Institution,
    InstrumentType,
    Region,
    Standard,
    Target,
    TraceLink,
)
from tracegraph.validation import DatasetError

AS_OF = b.AS_OF
FORMATS = {"csv": "ds", "xlsx": "ds.xlsx", "json": "ds.json"}


# --------------------------------------------------------------------------------------------
# datasets built by hand
# --------------------------------------------------------------------------------------------


def small() -> Dataset:
    return b.dataset(
        standards=[b.std("P", "NIM", ["T1"], primary=True), b.std("S1", "PROV", ["T1", "T2"]),
                   b.std("S2", "CTY402", ["T2"], capacity=120)],
        links=[b.link("S1", "P"), b.link("S2", "S1")],
        demand=[b.need("370402", "T1", 10), b.need("370403", "T2", 0), b.need("370502", "T1", 3)],
    )


def full() -> Dataset:
    """Every optional field filled somewhere and left blank somewhere else, Chinese text, lists."""
    regions = [
        b.region("110000", "province", name="北京市"),
        b.region("110100", "city", "110000", name="市辖区"),
        b.region("110101", "county", "110100", name="东城区"),
        b.region("110102", "county", "110100", name="西城区"),
        b.region("420000", "province", name="湖北省"),
        b.region("429000", "city", "420000", name="省直辖县级行政区划"),
        b.region("429004", "county", "429000", name="仙桃市"),
    ]
    institutions = [
        Institution(id="NIM", name="中国计量科学研究院", level="national", region=None, serves=["110000", "420000"]),
        Institution(id="BJ", name="北京市计量检测科学研究院", level="province", region="110000"),
        Institution(id="HB", name="湖北省计量测试技术研究院", level="province", region="420000", kind="legal"),
        Institution(id="XT", name="仙桃市计量所", level="county", region="429004", kind="authorized",
                    serves=["110101"]),
        Institution(id="DC", name="东城区计量所", level="county", region="110101"),
    ]
    types = [
        InstrumentType(code="JJ001", name="电能表", quantity="电能", domain="trade", mandatory=True,
                       household_meter=True, verification_period_months=96),
        InstrumentType(code="JJ002", name="血压计", quantity="压力", domain="medical", mandatory=True,
                       household_meter=False, verification_period_months=12),
        InstrumentType(code="JJ003", name="烟尘采样器", quantity="流量", domain="environment", mandatory=False,
                       household_meter=False, verification_period_months=7),
    ]
    standards = [
        Standard(id="NIM-001", name="电能计量基准", institution="NIM", quantity="电能", certificate_no="",
                 certificate_expiry=None, status="in_service", primary=True, capacity_per_year=None,
                 verifies=[]),
        Standard(id="BJ-01", name="电能表检定装置", institution="BJ", quantity="电能",
                 certificate_no="［2023］京量标法证字第001号", certificate_expiry=dt.date(2027, 5, 31),
                 status="in_service", primary=False, capacity_per_year=20000, verifies=["JJ001"],
                 renewal_cost=12.5),
        Standard(id="HB-01", name="血压计检定装置", institution="HB", quantity="压力", certificate_no="鄂-01",
                 certificate_expiry=dt.date(2026, 3, 1), status="suspended", primary=False,
                 capacity_per_year=0, verifies=["JJ002", "JJ001"], renewal_cost=None),
        Standard(id="XT-01", name="烟尘采样器检定装置", institution="XT", quantity="流量", certificate_no="0012",
                 certificate_expiry=dt.date(2025, 1, 1), status="retired", primary=False,
                 capacity_per_year=None, verifies=["JJ003"], renewal_cost=3.0),
    ]
    links = [
        TraceLink(standard="BJ-01", upstream="NIM-001", valid_until=dt.date(2027, 1, 1),
                  calibrated_on=dt.date(2025, 1, 2), certificate_no="DLj2025-0001"),
        TraceLink(standard="HB-01", upstream="BJ-01", valid_until=dt.date(2025, 12, 31)),
        TraceLink(standard="XT-01", upstream="HB-01", valid_until=dt.date(2026, 6, 30),
                  calibrated_on=dt.date(2025, 6, 30), certificate_no=None),
    ]
    demand = [
        Demand(region="110101", instrument_type="JJ001", count=120000),
        Demand(region="110102", instrument_type="JJ002", count=0),
        Demand(region="429004", instrument_type="JJ003", count=17),
    ]
    candidates = [
        Candidate(id="K1", name="新建电能表标准", quantity="电能", verifies=["JJ001"], levels=["county", "city"],
                  build_cost=35.5, capacity_per_year=8000),
        Candidate(id="K2", name="新建流量标准", quantity="流量", verifies=["JJ003", "JJ002"], levels=["province"],
                  build_cost=120.0),
    ]
    targets = [
        Target(id="G1", region="110000", metric="coverage", filter="household_meter", threshold=0.98, year=2027,
               source="北京市计量发展规划", note="民用四表"),
        Target(id="G2", region=None, metric="weighted_coverage", filter="domain:medical", threshold=0.95),
        Target(id="G3", region="420000", metric="standards_count", filter="all", level="county", threshold=30,
               year=2025),
    ]
    return Dataset(regions=regions, institutions=institutions, instrument_types=types, standards=standards,
                   traceability=links, demand=demand, candidates=candidates, targets=targets)


def leading_zeros() -> Dataset:
    regions = [b.region("010000", "province", name="甲省"), b.region("010100", "city", "010000", name="乙市"),
               b.region("010101", "county", "010100", name="丙县")]
    return b.dataset(standards=[b.std("P", "NIM", ["T1"], primary=True)], links=[],
                     demand=[b.need("010101", "T1", 4)], regions=regions,
                     institutions=[b.inst("NIM", "national", None, serves=["010000"]),
                                   b.inst("C1", "county", "010101", serves=["010100"])])


BUILT = {"small": small, "full": full, "leading_zeros": leading_zeros}


def roundtrip(dataset: Dataset, folder: Path, fmt: str, lang: str = "en") -> Dataset:
    path = write_dataset(dataset, folder / FORMATS[fmt], fmt, lang=lang, include_optional=True)
    dataset_back, report = check_dataset(path, AS_OF)
    assert report.errors == [], "\n".join(str(p) for p in report.errors)
    assert dataset_back is not None
    return dataset_back


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("fmt", list(FORMATS))
@pytest.mark.parametrize("name", list(BUILT))
def test_export_import_identity(tmp_path: Path, name: str, fmt: str, lang: str) -> None:
    dataset = BUILT[name]()
    assert roundtrip(dataset, tmp_path, fmt, lang) == dataset


def test_export_import_through_every_format(tmp_path: Path) -> None:
    dataset = full()
    step = dataset
    for k, (fmt, lang) in enumerate([("csv", "zh"), ("xlsx", "en"), ("json", "en"), ("xlsx", "zh"), ("csv", "en")]):
        step = roundtrip(step, tmp_path / str(k), fmt, lang)
        assert step == dataset, f"changed after step {k} ({fmt}, {lang})"


def test_csv_export_is_utf8_with_bom_and_keeps_codes_as_text(tmp_path: Path) -> None:
    folder = write_dataset(leading_zeros(), tmp_path / "ds", "csv")
    raw = (folder / "regions.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:4] == ["code", "name", "level", "parent"]
    assert [r[0] for r in rows[1:]] == ["010000", "010100", "010101"]


def test_xlsx_export_keeps_codes_as_text(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    path = write_dataset(leading_zeros(), tmp_path / "ds.xlsx", "xlsx")
    book = load_workbook(path)
    assert set(book.sheetnames) >= {m.table for m in REQUIRED_TABLES}
    codes = [row[0] for row in book["regions"].iter_rows(min_row=2, values_only=True)]
    assert codes == ["010000", "010100", "010101"]


def test_read_dataset_returns_the_dataset_and_refuses_a_bad_one(tmp_path: Path) -> None:
    path = write_dataset(small(), tmp_path / "ds.json", "json")
    assert read_dataset(path, AS_OF) == small()
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["demand"][0]["count"] = -1
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(DatasetError) as caught:
        read_dataset(path, AS_OF)
    problem = caught.value.report.errors[0]
    # JSON rows are numbered like the same data written as CSV (header = row 1).
    assert (problem.row, problem.column, problem.value) == (2, "count", "-1")
    assert "demand" in problem.file


# --------------------------------------------------------------------------------------------
# random valid datasets
# --------------------------------------------------------------------------------------------

CJK = "山东省枣庄市薛城区滕州市计量测试所标准装置电子台秤血压计水表燃气表质量压力温度（）·、"
NAME = st.text(alphabet=CJK + "ABCxyz0123-", min_size=1, max_size=8)
OPT_NAME = st.none() | NAME
ID = st.text(alphabet="ABCDEFGHJK0123456789-_甲乙丙", min_size=1, max_size=5)
DATE = st.dates(dt.date(2000, 1, 1), dt.date(2040, 12, 31))
# Money and rates as planners write them (Excel itself keeps 15 significant digits).
MONEY = st.integers(1, 10_000_000).map(lambda c: c / 100)
RATE = st.integers(0, 1000).map(lambda k: k / 1000)


@st.composite
def datasets(draw: st.DrawFn) -> Dataset:
    regions: list[Region] = []
    for p in draw(st.lists(st.integers(0, 99), min_size=1, max_size=2, unique=True)):
        province = f"{p:02d}0000"
        regions.append(Region(code=province, name=draw(NAME), level="province", parent=None))
        for c in range(1, draw(st.integers(1, 2)) + 1):
            city = f"{p:02d}{c:02d}00"
            regions.append(Region(code=city, name=draw(NAME), level="city", parent=province))
            for k in range(1, draw(st.integers(1, 2)) + 1):
                regions.append(Region(code=f"{p:02d}{c:02d}{k:02d}", name=draw(NAME), level="county", parent=city))
    codes = [r.code for r in regions]
    counties = [r.code for r in regions if r.level == "county"]
    some_codes = st.lists(st.sampled_from(codes), max_size=3, unique=True)

    institutions = [Institution(id="NIM", name=draw(NAME), level="national",
                                region=draw(st.none() | st.sampled_from(codes)), serves=draw(some_codes))]
    for r in regions:
        if draw(st.booleans()):
            institutions.append(Institution(
                id=f"I{r.code}", name=draw(NAME), level=r.level, region=r.code,
                kind=draw(st.sampled_from(["legal", "authorized"])), serves=draw(some_codes)))
    inst_ids = [i.id for i in institutions]

    type_codes = draw(st.lists(ID, min_size=1, max_size=3, unique=True))
    types = [InstrumentType(code=code, name=draw(NAME), quantity=draw(NAME),
                            domain=draw(st.sampled_from(["trade", "safety", "medical", "environment", "other"])),
                            mandatory=draw(st.booleans()), household_meter=draw(st.booleans()),
                            verification_period_months=draw(st.integers(1, 120))) for code in type_codes]
    some_types = st.lists(st.sampled_from(type_codes), max_size=3, unique=True)

    standards = []
    for sid in draw(st.lists(ID, min_size=1, max_size=5, unique=True)):
        primary = draw(st.booleans())
        standards.append(Standard(
            id=sid, name=draw(NAME), institution=draw(st.sampled_from(inst_ids)), quantity=draw(NAME),
            certificate_no=draw(st.just("") | NAME.map(lambda n, sid=sid: f"{n}-{sid}")),  # unique: spec
            certificate_expiry=draw(st.none() | DATE) if primary else draw(DATE),
            status=draw(st.sampled_from(["in_service", "suspended", "retired"])), primary=primary,
            capacity_per_year=draw(st.none() | st.integers(0, 100_000)), verifies=draw(some_types),
            renewal_cost=draw(st.none() | MONEY)))
    ids = [s.id for s in standards]
    pairs = [(ids[i], ids[j]) for i in range(len(ids)) for j in range(i)]  # downward only: no cycle
    links = []
    for s, u in (draw(st.lists(st.sampled_from(pairs), unique=True, max_size=4)) if pairs else []):
        until = draw(DATE)  # a calibration after the link's own valid_until is a validation error
        links.append(TraceLink(standard=s, upstream=u, valid_until=until,
                               calibrated_on=draw(st.none() | st.dates(dt.date(2000, 1, 1), until)),
                               certificate_no=draw(OPT_NAME)))

    demand = [Demand(region=c, instrument_type=t, count=draw(st.integers(0, 1_000_000)))
              for c, t in draw(st.lists(st.tuples(st.sampled_from(counties), st.sampled_from(type_codes)),
                                        unique=True, max_size=5))]

    candidates = [Candidate(id=cid, name=draw(NAME), quantity=draw(NAME), verifies=draw(some_types),
                            levels=draw(st.lists(st.sampled_from(["province", "city", "county"]), min_size=1,
                                                 max_size=3, unique=True)),
                            build_cost=draw(MONEY), capacity_per_year=draw(st.none() | st.integers(0, 50_000)))
                  for cid in draw(st.lists(ID, max_size=2, unique=True))]
    targets = []
    for tid in draw(st.lists(ID, max_size=3, unique=True)):
        metric = draw(st.sampled_from(["coverage", "weighted_coverage", "capacity_rate", "standards_count"]))
        counted = metric == "standards_count"
        targets.append(Target(
            id=tid, region=draw(st.none() | st.sampled_from(codes)), metric=metric,
            filter=draw(st.sampled_from(FILTERS)),
            level=draw(st.sampled_from(["province", "city", "county"])) if counted else None,
            threshold=draw(st.integers(0, 400).map(float) if counted else RATE),
            year=draw(st.none() | st.integers(2015, 2035)), source=draw(OPT_NAME), note=draw(OPT_NAME)))
    return Dataset(regions=regions, institutions=institutions, instrument_types=types, standards=standards,
                   traceability=links, demand=demand, candidates=candidates, targets=targets)


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("fmt", list(FORMATS))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dataset=datasets())
def test_export_import_identity_random(fmt: str, lang: str, dataset: Dataset) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        assert roundtrip(dataset, Path(tmp), fmt, lang) == dataset


# --------------------------------------------------------------------------------------------
# the blank template
# --------------------------------------------------------------------------------------------


def _headers(model, lang: str) -> list[str]:
    columns = model.columns()
    return list(columns.values()) if lang == "zh" else list(columns)


def _empty() -> Dataset:
    return Dataset(**{m.table: [] for m in REQUIRED_TABLES})


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_blank_template_csv(tmp_path: Path, lang: str) -> None:
    write_template(tmp_path)
    folder = tmp_path / f"csv-{lang}"
    assert sorted(p.name for p in folder.glob("*.csv")) == sorted(f"{m.table}.csv" for m in TABLES)
    for model in TABLES:
        rows = list(csv.reader(io.StringIO((folder / f"{model.table}.csv").read_text(encoding="utf-8-sig"))))
        assert rows == [_headers(model, lang)], model.table
    dataset, report = check_dataset(folder, AS_OF)
    assert report.errors == [] and report.warnings == []
    assert dataset == _empty()
    # Writing the empty dataset again gives the same files.
    again = write_dataset(dataset, tmp_path / "again", "csv", lang=lang, include_optional=True)
    for model in TABLES:
        assert (again / f"{model.table}.csv").read_bytes() == (folder / f"{model.table}.csv").read_bytes()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_blank_template_xlsx(tmp_path: Path, lang: str) -> None:
    from openpyxl import load_workbook

    write_template(tmp_path)
    path = tmp_path / f"template-{lang}.xlsx"
    book = load_workbook(path, read_only=True)
    assert set(book.sheetnames) == {m.table for m in TABLES}
    for model in TABLES:
        rows = [list(r) for r in book[model.table].iter_rows(values_only=True)]
        assert rows == [_headers(model, lang)], model.table
    book.close()
    dataset, report = check_dataset(path, AS_OF)
    assert report.errors == [] and report.warnings == []
    assert dataset == _empty()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_filled_in_template_reads_back(tmp_path: Path, lang: str) -> None:
    """A planner fills the blank template's rows in; the reader takes the template as it ships."""
    write_template(tmp_path)
    template = tmp_path / f"csv-{lang}"
    filled = write_dataset(full(), tmp_path / "filled", "csv", lang=lang, include_optional=True)
    for model in TABLES:
        header = (template / f"{model.table}.csv").read_text(encoding="utf-8-sig")
        body = (filled / f"{model.table}.csv").read_text(encoding="utf-8-sig").split("\n", 1)[1]
        (template / f"{model.table}.csv").write_text(header + body, encoding="utf-8-sig")
    assert read_dataset(template, AS_OF) == full()


def test_template_lists_every_column_of_the_spec(tmp_path: Path) -> None:
    write_template(tmp_path)
    spec_columns = {
        "regions": ["code", "name", "level", "parent"],
        "institutions": ["id", "name", "level", "region", "kind", "serves"],
        "instrument_types": ["code", "name", "quantity", "domain", "mandatory", "household_meter",
                             "verification_period_months"],
        "standards": ["id", "name", "institution", "quantity", "certificate_no", "certificate_expiry", "status",
                      "primary", "capacity_per_year", "verifies", "renewal_cost"],
        "traceability": ["standard", "upstream", "valid_until", "calibrated_on", "certificate_no"],
        "demand": ["region", "instrument_type", "count"],
        "candidates": ["id", "name", "quantity", "verifies", "levels", "build_cost", "capacity_per_year"],
        "targets": ["id", "region", "metric", "filter", "level", "threshold", "year"],
        "meta": ["snapshot_date", "source", "compiled_by"],  # changes.md, Snapshot date
    }
    spec_zh = {
        "regions": ["代码", "名称", "级别", "上级代码"],
        "institutions": ["机构编号", "机构名称", "级别", "所在地区", "类型", "服务地区"],
        "instrument_types": ["器具代码", "器具名称", "量", "领域", "强制检定", "民用四表", "检定周期月"],
        "standards": ["标准编号", "标准名称", "机构编号", "量", "证书编号", "证书有效期至", "状态", "基准",
                      "年检定能力", "可检器具", "复查费用"],
        "traceability": ["标准编号", "上级标准编号", "溯源有效期至", "检定/校准日期", "溯源证书编号"],
        "demand": ["地区代码", "器具代码", "在用数量"],
        "meta": ["数据截至日期", "数据来源", "填报单位"],
    }
    for table, columns in spec_columns.items():
        header = (tmp_path / "csv-en" / f"{table}.csv").read_text(encoding="utf-8-sig").splitlines()[0].split(",")
        assert set(columns) <= set(header), f"{table}: missing {set(columns) - set(header)}"
    for table, columns in spec_zh.items():
        header = (tmp_path / "csv-zh" / f"{table}.csv").read_text(encoding="utf-8-sig").splitlines()[0].split(",")
        assert header[:len(columns)] == columns, table
    assert {m.table for m in OPTIONAL_TABLES} == {"candidates", "targets", "meta"}


# --------------------------------------------------------------------------------------------
# uploads
# --------------------------------------------------------------------------------------------


def _zip(folder: Path, prefix: str = "", encoding: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.glob("*.csv")):
            data = path.read_bytes()
            if encoding:
                data = data.decode("utf-8-sig").encode(encoding)
            archive.writestr(prefix + path.name, data)
    return buffer.getvalue()


@pytest.mark.parametrize("prefix", ["", "数据集/", "a/b/"], ids=["root", "chinese-folder", "nested"])
def test_zip_upload(tmp_path: Path, prefix: str) -> None:
    folder = write_dataset(full(), tmp_path / "ds", "csv", include_optional=True)
    dataset, report = check_upload("数据.zip", _zip(folder, prefix), AS_OF)
    assert report.errors == []
    assert dataset == full()


def test_zip_upload_gb18030_chinese_headers(tmp_path: Path) -> None:
    folder = write_dataset(full(), tmp_path / "ds", "csv", lang="zh", include_optional=True)
    dataset, report = check_upload("upload.ZIP", _zip(folder, encoding="gb18030"), AS_OF)
    assert report.errors == []
    assert dataset == full()


def test_zip_upload_with_errors_reports_them(tmp_path: Path) -> None:
    folder = write_dataset(small(), tmp_path / "ds", "csv")
    (folder / "demand.csv").unlink()
    text = (folder / "traceability.csv").read_text(encoding="utf-8-sig").replace("S2,S1,", "S2,S2,")
    (folder / "traceability.csv").write_text(text, encoding="utf-8-sig")
    dataset, report = check_upload("ds.zip", _zip(folder), AS_OF)
    assert dataset is None
    assert any(p.file == "demand.csv" for p in report.errors)
    assert any(p.file == "traceability.csv" and p.row == 3 and p.value == "S2" for p in report.errors)


@pytest.mark.parametrize("fmt", ["xlsx", "json"])
def test_upload_xlsx_and_json(tmp_path: Path, fmt: str) -> None:
    path = write_dataset(full(), tmp_path / FORMATS[fmt], fmt, lang="zh", include_optional=True)
    dataset, report = check_upload(f"规划数据.{fmt}", path.read_bytes(), AS_OF)
    assert report.errors == []
    assert dataset == full()


def test_zip_file_on_disk(tmp_path: Path) -> None:
    folder = write_dataset(small(), tmp_path / "ds", "csv")
    (tmp_path / "ds.zip").write_bytes(_zip(folder))
    assert read_dataset(tmp_path / "ds.zip", AS_OF) == small()


def test_empty_zip_reports_every_required_file(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "nothing here")
    dataset, report = check_upload("empty.zip", buffer.getvalue(), AS_OF)
    assert dataset is None
    assert {m.table + ".csv" for m in REQUIRED_TABLES} <= {p.file for p in report.errors}


# --------------------------------------------------------------------------------------------
# unreadable input
# --------------------------------------------------------------------------------------------


def _assert_clear(exc: UnreadableDataset, *names: str) -> None:
    message = str(exc)
    assert message.strip(), "empty message"
    assert "Traceback" not in message
    for name in names:
        assert name in message, f"{name!r} not named in {message!r}"


def test_unreadable_missing_path(tmp_path: Path) -> None:
    with pytest.raises(UnreadableDataset) as caught:
        read_dataset(tmp_path / "nowhere", AS_OF)
    _assert_clear(caught.value, "nowhere")


def test_unreadable_unknown_format(tmp_path: Path) -> None:
    path = tmp_path / "data.txt"
    path.write_text("code,name\n", encoding="utf-8")
    with pytest.raises(UnreadableDataset) as caught:
        read_dataset(path, AS_OF)
    _assert_clear(caught.value, "data.txt")


@pytest.mark.parametrize(("name", "data"), [
    ("broken.zip", b"PK\x03\x04 this is not really a zip"),
    ("broken.xlsx", b"not a workbook at all"),
    ("broken.json", b'{"regions": [ {"code": '),
    ("array.json", b'[{"code": "370000"}]'),
    ("table.json", b'{"regions": {"code": "370000"}}'),
], ids=["zip", "xlsx", "json-syntax", "json-array", "json-table-not-list"])
def test_unreadable_broken_file(tmp_path: Path, name: str, data: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(UnreadableDataset) as caught:
        read_dataset(path, AS_OF)
    if not name.endswith(".zip"):
        _assert_clear(caught.value, name)
    else:
        _assert_clear(caught.value, "zip")
    with pytest.raises(UnreadableDataset) as caught:
        check_upload(name, data, AS_OF)
    _assert_clear(caught.value, "zip" if name.endswith(".zip") else name)


def test_unreadable_csv_encoding(tmp_path: Path) -> None:
    folder = write_dataset(small(), tmp_path / "ds", "csv")
    (folder / "regions.csv").write_bytes(b"code,name\n\xff\xfe\xff\xfe,\x81\x30\xff\n")
    with pytest.raises(UnreadableDataset) as caught:
        read_dataset(folder, AS_OF)
    _assert_clear(caught.value, "regions.csv")


def test_unreadable_upload_name(tmp_path: Path) -> None:
    with pytest.raises(UnreadableDataset) as caught:
        check_upload("dataset.rar", b"Rar!\x1a\x07\x00", AS_OF)
    _assert_clear(caught.value, "dataset.rar")
