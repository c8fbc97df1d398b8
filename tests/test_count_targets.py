"""Count targets (spec/figures.md § Count targets): standards_built since a year and service_items,
worked out by hand on small datasets; their validation, their columns in every format, the Neo4j
backend's calls into the cypher/ library, and the plan targets in data/standards/targets/."""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

import builders as b
import pytest
from test_validation import accepted, add_row, error_at, show

from tracegraph import _cypher
from tracegraph.algorithms import evaluate_targets, service_items, standards_built
from tracegraph.backends import Neo4jBackend
from tracegraph.graph import build_graph
from tracegraph.io import check_dataset, read_targets, write_dataset
from tracegraph.models import COUNT_METRICS, RATE_METRICS, Dataset, Target

AS_OF = b.AS_OF  # 2026-01-01
ROOT = Path(__file__).resolve().parents[1]
TARGETS = ROOT / "data" / "standards" / "targets"
SEEDS = ROOT.parent / "shared" / "seeds"


def d(year: int, month: int = 6, day: int = 1) -> dt.date:
    return dt.date(year, month, day)


def institutions():
    return [*b.base_institutions(), b.inst("AUTH402", "county", "370402", kind="authorized")]


# --------------------------------------------------------------------------------------------
# standards_built
# --------------------------------------------------------------------------------------------


def built_dataset() -> Dataset:
    """No links at all: standards_built counts *valid* standards, as standards_count does.

    province PROV: S-PROV (2015) counted; P-PROV is primary (2020): never counted
    city CITY4:    S-CITY-OLD (2013-12-31), S-CITY-NEW (2014-01-01), S-CITY-NONE (no date)
    county 402:    S-402 (2020) counted; S-402-EXP (2020) certificate expired; S-AUTH (2020) authorized
    county 403:    S-403-LATER established 2027 (after the as-of date); S-403-SUSP suspended (2018)
    county 502:    S-502 (2016) counted, outside 370400
    """
    return b.dataset(
        standards=[
            b.std("P", "NIM", primary=True, established=d(1990)),
            b.std("P-PROV", "PROV", primary=True, established=d(2020)),
            b.std("S-PROV", "PROV", established=d(2015)),
            b.std("S-CITY-OLD", "CITY4", established=dt.date(2013, 12, 31)),
            b.std("S-CITY-NEW", "CITY4", established=dt.date(2014, 1, 1)),
            b.std("S-CITY-NONE", "CITY4"),
            b.std("S-402", "CTY402", established=d(2020)),
            b.std("S-402-EXP", "CTY402", expiry=b.EARLIER, established=d(2020)),
            b.std("S-AUTH", "AUTH402", established=d(2020)),
            b.std("S-403-LATER", "CTY403", established=d(2027)),
            b.std("S-403-SUSP", "CTY403", status="suspended", established=d(2018)),
            b.std("S-502", "CTY502", established=d(2016)),
        ],
        links=[], demand=[], institutions=institutions(),
    )


def test_standards_built_counts_legal_valid_non_primary_standards_established_since():
    G = build_graph(built_dataset())
    # S-PROV, S-CITY-NEW, S-402, S-502: not the primaries, the standard without a date, the one
    # established in 2013, the expired, the authorized, the suspended, nor the one established after D.
    assert standards_built(G, AS_OF, "370000", 2014) == 4


def test_standards_built_since_is_inclusive_from_the_first_of_january():
    G = build_graph(built_dataset())
    assert standards_built(G, AS_OF, "370000", 2013) == 5  # S-CITY-OLD (2013-12-31) joins
    assert standards_built(G, AS_OF, "370000", 2015, "city") == 0  # both city dates are before 2015
    assert standards_built(G, AS_OF, "370000", 2014, "city") == 1  # S-CITY-NEW, established 2014-01-01


def test_standards_built_level_filter():
    G = build_graph(built_dataset())
    assert standards_built(G, AS_OF, "370000", 2014, "province") == 1
    assert standards_built(G, AS_OF, "370000", 2014, "city") == 1
    assert standards_built(G, AS_OF, "370000", 2014, "county") == 2


def test_standards_built_counts_the_subtree_of_the_region():
    G = build_graph(built_dataset())
    assert standards_built(G, AS_OF, "370400", 2014) == 2  # S-CITY-NEW, S-402
    assert standards_built(G, AS_OF, "370402", 2014) == 1  # S-402; S-AUTH is authorized
    assert standards_built(G, AS_OF, "370500", 2014) == 1  # S-502
    assert standards_built(G, AS_OF, "370403", 2014) == 0


def test_standards_built_only_what_exists_and_is_valid_at_the_date():
    G = build_graph(built_dataset())
    # On 2028-01-01 every certificate (LATER) still holds and S-403-LATER (2027) exists...
    assert standards_built(G, b.LATER, "370403", 2014) == 1
    # ...one day later every certificate has expired.
    assert standards_built(G, b.LATER + dt.timedelta(days=1), "370000", 2014) == 0
    # In 2025 S-402-EXP's certificate (expiring 2025-06-01) was still valid.
    assert standards_built(G, dt.date(2025, 1, 1), "370402", 2014) == 2


# --------------------------------------------------------------------------------------------
# service_items
# --------------------------------------------------------------------------------------------


def items_dataset() -> Dataset:
    """Types T1, T2, T3. Traceable (chain to P): S-PROV, S-CITY-A, S-CITY-B, S-402 (via S-CITY-A),
    S-AUTH, S-502. Not traceable: S-CITY-C (its link expired), S-402-EXP (certificate expired),
    S-403 (no upstream). P-PROV is a primary verifying T3: primaries are not service items.
    """
    return b.dataset(
        standards=[
            b.std("P", "NIM", ["T1"], primary=True),
            b.std("P-PROV", "PROV", ["T3"], primary=True),
            b.std("S-PROV", "PROV", ["T1", "T2"]),
            b.std("S-CITY-A", "CITY4", ["T1"]),
            b.std("S-CITY-B", "CITY4", ["T1", "T2"]),
            b.std("S-CITY-C", "CITY4", ["T3"]),
            b.std("S-402", "CTY402", ["T1"]),
            b.std("S-402-EXP", "CTY402", ["T2"], expiry=b.EARLIER),
            b.std("S-AUTH", "AUTH402", ["T1", "T2", "T3"]),
            b.std("S-403", "CTY403", ["T2"]),
            b.std("S-502", "CTY502", ["T3"]),
        ],
        links=[b.link("S-PROV", "P"), b.link("S-CITY-A", "P"), b.link("S-CITY-B", "S-PROV"),
               b.link("S-CITY-C", "P", until=b.EARLIER), b.link("S-402", "S-CITY-A"),
               b.link("S-402-EXP", "S-CITY-A"), b.link("S-AUTH", "P"), b.link("S-502", "P")],
        demand=[], types=[b.itype("T1"), b.itype("T2"), b.itype("T3")], institutions=institutions(),
    )


def test_service_items_counts_distinct_institution_type_pairs():
    G = build_graph(items_dataset())
    # (PROV, T1), (PROV, T2), (CITY4, T1), (CITY4, T2), (CTY402, T1), (CTY502, T3)
    assert service_items(G, AS_OF, "370000") == 6


def test_service_items_a_pair_counts_once_with_two_standards():
    G = build_graph(items_dataset())
    # S-CITY-A and S-CITY-B both verify T1 at CITY4: (CITY4, T1) once, plus (CITY4, T2).
    assert service_items(G, AS_OF, "370000", "city") == 2


def test_service_items_level_filter_and_subtree():
    G = build_graph(items_dataset())
    assert service_items(G, AS_OF, "370000", "province") == 2  # not P-PROV's T3: it is primary
    assert service_items(G, AS_OF, "370000", "county") == 2
    assert service_items(G, AS_OF, "370400") == 3  # CITY4's two and (CTY402, T1)
    assert service_items(G, AS_OF, "370402") == 1  # S-AUTH is authorized, S-402-EXP has expired
    assert service_items(G, AS_OF, "370403") == 0  # S-403 traces to nothing
    assert service_items(G, AS_OF, "370500") == 1


def test_service_items_need_a_traceable_standard():
    ds = items_dataset()
    G = build_graph(ds)
    # On 2025-01-01 S-CITY-C's link (valid until 2025-06-01) still held: (CITY4, T3); so did
    # S-402-EXP's certificate: (CTY402, T2).
    assert service_items(G, dt.date(2025, 1, 1), "370400") == 5
    # Without S-CITY-A's link, S-402 loses its only chain: (CTY402, T1) goes, while (CITY4, T1)
    # stays with S-CITY-B.
    links = [k for k in ds.traceability if k.standard != "S-CITY-A"]
    assert service_items(build_graph(ds.model_copy(update={"traceability": links})), AS_OF, "370400") == 2


# --------------------------------------------------------------------------------------------
# targets
# --------------------------------------------------------------------------------------------


def test_count_metrics_are_the_three_counts():
    assert COUNT_METRICS == ("standards_count", "standards_built", "service_items")
    assert not set(COUNT_METRICS) & set(RATE_METRICS)


def test_evaluate_targets_of_every_count_metric():
    ds = built_dataset()
    standards = [*ds.standards, b.std("S-T", "CTY502", ["T1"], established=d(2021))]
    ds = ds.model_copy(update={"standards": standards, "traceability": [b.link("S-T", "P")]})
    targets = [
        Target(id="B", region="370000", metric="standards_built", since=2014, threshold=4),
        Target(id="BC", region="370000", metric="standards_built", level="county", since=2021, threshold=2),
        Target(id="I", region="370000", metric="service_items", threshold=1),
        Target(id="IC", metric="service_items", level="city", threshold=1),
        Target(id="N", region="370000", metric="standards_count", level="city", threshold=1),
    ]
    got = {r.id: r for r in evaluate_targets(build_graph(ds), AS_OF, targets)}
    assert (got["B"].value, got["B"].met, got["B"].since) == (5.0, True, 2014)
    assert (got["BC"].value, got["BC"].met, got["BC"].level) == (1.0, False, "county")  # S-402 is from 2020
    assert (got["I"].value, got["I"].met) == (1.0, True)  # (CTY502, T1): the only traceable one
    assert (got["IC"].region, got["IC"].value, got["IC"].met) == ("370000", 0.0, False)
    # CITY4's three valid standards (dated or not) over the two cities; S-PROV is not city-level.
    assert got["N"].value == pytest.approx(1.5) and got["N"].met and got["N"].since is None
    assert isinstance(got["B"].value, float) and isinstance(got["I"].value, float)


def test_standards_built_target_without_since_has_no_figure():
    """Validation refuses it; built by hand it is undefined rather than a guess."""
    t = Target(id="B", region="370000", metric="standards_built", threshold=1)
    (result,) = evaluate_targets(build_graph(built_dataset()), AS_OF, [t])
    assert result.value is None and result.met is None


@pytest.mark.parametrize(("word", "metric"), [("standards_built", "standards_built"),
                                              ("新建计量标准数", "standards_built"),
                                              ("service_items", "service_items"), ("检定校准项目数", "service_items"),
                                              ("计量标准数", "standards_count")])
def test_metric_words(word: str, metric: str):
    assert Target(id="X", metric=word, level="city", threshold=3, since=2020).metric == metric


# --------------------------------------------------------------------------------------------
# validation
# --------------------------------------------------------------------------------------------


def _targets_dir(tmp_path: Path, *targets: Target) -> Path:
    ds = b.dataset(standards=[b.std("P", "NIM", ["T1"], primary=True), b.std("S1", "PROV", ["T1"],
                                                                           established=d(2020))],
                   links=[b.link("S1", "P")], demand=[b.need("370402", "T1", 10)], targets=list(targets))
    return write_dataset(ds, tmp_path / "ds", "csv", include_optional=True)


def test_standards_built_without_since_is_an_error(tmp_path: Path):
    folder = _targets_dir(tmp_path, Target(id="OK", metric="coverage", threshold=0.9))
    row = add_row(folder, "targets", id="B1", region="370000", metric="standards_built", threshold="50")
    problem = error_at(folder, "targets.csv", row, "since", None)
    assert problem.code == "missing_since"
    assert "since" in problem.message and "起算年度" in problem.message_zh


def test_standards_built_with_since_and_no_level_is_valid(tmp_path: Path):
    folder = _targets_dir(tmp_path, Target(id="B1", region="370000", metric="standards_built", since=2014,
                                           threshold=200),
                          Target(id="I1", region="370000", metric="service_items", threshold=20000))
    dataset, report = accepted(folder)
    assert [(t.id, t.since, t.level, t.threshold) for t in dataset.targets] == [("B1", 2014, None, 200.0),
                                                                              ("I1", None, None, 20000.0)]
    assert not [p for p in report.errors + report.warnings if p.file == "targets.csv"], show(report.warnings)


def test_standards_count_still_needs_a_level(tmp_path: Path):
    folder = _targets_dir(tmp_path, Target(id="OK", metric="coverage", threshold=0.9))
    row = add_row(folder, "targets", id="N1", metric="standards_count", threshold="30")
    assert error_at(folder, "targets.csv", row, "level", None).code == "missing_level"


@pytest.mark.parametrize("metric", COUNT_METRICS)
def test_count_thresholds_are_not_capped_at_one_but_not_negative(tmp_path: Path, metric: str):
    folder = _targets_dir(tmp_path, Target(id="OK", metric=metric, level="county", since=2014, threshold=500))
    accepted(folder)
    row = add_row(folder, "targets", id="NEG", metric=metric, level="county", since="2014", threshold="-1")
    problem = error_at(folder, "targets.csv", row, "threshold", "-1")
    assert problem.code == "bad_threshold" and problem.message_zh == "数量目标不能为负数"


def test_a_rate_above_one_is_still_an_error(tmp_path: Path):
    folder = _targets_dir(tmp_path, Target(id="OK", metric="coverage", threshold=0.9))
    row = add_row(folder, "targets", id="R", metric="coverage", threshold="95")
    assert error_at(folder, "targets.csv", row, "threshold", "95").code == "bad_threshold"


# --------------------------------------------------------------------------------------------
# the new columns in every format
# --------------------------------------------------------------------------------------------


def _columns_dataset() -> Dataset:
    return b.dataset(
        standards=[b.std("P", "NIM", ["T1"], primary=True, established=dt.date(1998, 3, 4)),
                   b.std("S1", "PROV", ["T1"], established=dt.date(2014, 1, 1)), b.std("S2", "CITY4", ["T1"])],
        links=[b.link("S1", "P"), b.link("S2", "S1")], demand=[b.need("370402", "T1", 10)],
        targets=[Target(id="B", region="370000", metric="standards_built", level="province", since=2014,
                        threshold=50, year=2020, source="新建50项省级社会公用计量标准"),
                 Target(id="I", region="370000", metric="service_items", threshold=20000, year=2020)],
    )


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize(("fmt", "name"), [("csv", "ds"), ("xlsx", "ds.xlsx"), ("json", "ds.json")])
def test_established_and_since_round_trip(tmp_path: Path, fmt: str, name: str, lang: str):
    ds = _columns_dataset()
    path = write_dataset(ds, tmp_path / name, fmt, lang=lang, include_optional=True)
    back, report = check_dataset(path, AS_OF)
    assert report.errors == [], show(report.errors)
    assert back == ds
    assert [s.established for s in back.standards] == [dt.date(1998, 3, 4), dt.date(2014, 1, 1), None]
    assert [t.since for t in back.targets] == [2014, None]


@pytest.mark.parametrize(("lang", "established", "since"), [("en", "established", "since"),
                                                            ("zh", "建标日期", "起算年度")])
def test_new_columns_in_the_csv_headers(tmp_path: Path, lang: str, established: str, since: str):
    folder = write_dataset(_columns_dataset(), tmp_path / "ds", "csv", lang=lang, include_optional=True)
    with open(folder / "standards.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r[established] for r in rows] == ["1998-03-04", "2014-01-01", ""]
    with open(folder / "targets.csv", encoding="utf-8-sig", newline="") as f:
        assert [r[since] for r in csv.DictReader(f)] == ["2014", ""]


def test_registry_header_for_established(tmp_path: Path):
    """建标日期 is the header registries export (spec/changes.md); blank cells stay blank."""
    folder = write_dataset(_columns_dataset(), tmp_path / "ds", "csv", lang="zh", include_optional=True)
    text = (folder / "standards.csv").read_text(encoding="utf-8-sig")
    assert "建标日期" in text.splitlines()[0]
    dataset, _ = check_dataset(folder, AS_OF)
    assert dataset is not None and dataset.standards[1].established == dt.date(2014, 1, 1)


def test_a_bad_established_date_is_reported_at_its_cell(tmp_path: Path):
    folder = write_dataset(_columns_dataset(), tmp_path / "ds", "csv", include_optional=True)
    row = add_row(folder, "standards", id="S9", name="x", institution="CITY4", quantity="mass",
                  certificate_no="C9", certificate_expiry="2027-01-01", status="in_service", verifies="T1",
                  established="2014/01/01")
    error_at(folder, "standards.csv", row, "established", "2014/01/01")


# --------------------------------------------------------------------------------------------
# the Neo4j backend calls the cypher/ library with exactly the parameters each file uses
# --------------------------------------------------------------------------------------------


class _FakeStore:
    """Records run_library calls and answers like the cypher/ files' RETURN clauses."""

    def __init__(self, targets: list[dict] | None = None):
        self.calls: list[tuple[str, dict]] = []
        self.stored_targets = targets or []

    def run_library(self, name: str, **params):
        self.calls.append((name, params))
        if name == "targets":
            return self.stored_targets
        return [{"standards_count": {"average": 2.5}, "standards_built": {"built": 7},
                 "service_items": {"items": 11}}[name]]

    def read(self, query: str, **params):
        return [{"code": "370000", "name": "山东省", "level": "province", "parent": None}]


def test_neo4j_backend_count_targets_use_their_library_files():
    store = _FakeStore()
    targets = [Target(id="N", metric="standards_count", level="city", threshold=2),
               Target(id="B", region="370000", metric="standards_built", since=2014, threshold=5),
               Target(id="I", region="370000", metric="service_items", level="county", threshold=20)]
    results = Neo4jBackend(store).targets(AS_OF, targets)  # type: ignore[arg-type]
    assert [(r.id, r.value, r.met, r.since) for r in results] == [("N", 2.5, True, None), ("B", 7.0, True, 2014),
                                                                 ("I", 11.0, False, None)]
    assert [name for name, _ in store.calls] == ["standards_count", "standards_built", "service_items"]
    for name, params in store.calls:
        assert set(params) == set(_cypher.parameters(_cypher.read_file(name))), name
    assert store.calls[1][1] == {"as_of": AS_OF, "region": "370000", "since": 2014, "level": None}
    assert store.calls[2][1] == {"as_of": AS_OF, "region": "370000", "level": "county"}


def test_neo4j_backend_reads_since_of_stored_targets():
    stored = [{"id": "B", "region": "370000", "metric": "standards_built", "filter": "all", "level": None,
               "threshold": 200.0, "year": 2020, "since": 2013, "source": None}]
    store = _FakeStore(stored)
    (result,) = Neo4jBackend(store).targets(AS_OF)  # type: ignore[arg-type]
    assert (result.since, result.value) == (2013, 7.0)
    assert "t.since AS since" in _cypher.read_file("targets")


@pytest.mark.parametrize(("name", "params"), [("standards_built", ["as_of", "region", "level", "since"]),
                                              ("service_items", ["as_of", "region", "level"])])
def test_cypher_files_declare_their_parameters(name: str, params: list[str]):
    text = _cypher.read_file(name)
    assert sorted(_cypher.parameters(text)) == sorted(params)
    assert set(_cypher.examples(text)) == set(params)  # every parameter has a :param example
    assert _cypher.example_types(text)["as_of"] == "date"
    if name == "standards_built":
        assert _cypher.example_types(text)["since"] == "int"


# --------------------------------------------------------------------------------------------
# the plans' targets in data/standards/targets/
# --------------------------------------------------------------------------------------------


def _rows(name: str) -> list[dict[str, str]]:
    with open(TARGETS / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _plan_targets() -> dict[str, Target]:
    out = {}
    for path in sorted(TARGETS.glob("*.csv")):
        if path.name == "unmapped.csv":
            continue
        rows, report = read_targets(path)
        assert report.ok, show(report.errors)
        out.update({t.id: t for t in rows})
    return out


def test_the_seed_count_sentences_are_encoded():
    got = {i: (t.metric, t.region, t.level, t.since, t.threshold, t.year) for i, t in _plan_targets().items()}
    assert got["JL-2020-standards_built"] == ("standards_built", "220000", None, 2013, 200, 2020)
    assert got["JS-2020-standards_built-province"] == ("standards_built", "320000", "province", 2014, 50, 2020)
    assert got["JS-2020-standards_built-county"] == ("standards_built", "320000", "county", 2014, 500, 2020)
    assert got["ZZ-2020-service_items"] == ("service_items", "370400", None, None, 410, 2020)
    assert got["SD-2020-service_items"] == ("service_items", "370000", None, None, 20000, 2020)


def test_encoded_sentences_left_unmapped_csv():
    sources = {r["source"] for r in _rows("unmapped.csv")}
    for sentence in ("新建覆盖全省各产业的计量标准２００项", "新建50项省级社会公用计量标准",
                     "新建省级社会公用计量标准50项以上", "全省县级计量技术机构新增社会公用计量标准500项以上",
                     "全市计量检定、校准项目总数达到 410 项",
                     "全省计量检定、校准项目数量逐年增长，到2020年总数达到20000项"):
        assert sentence not in sources


def test_every_standards_built_target_has_since():
    built = [t for t in _plan_targets().values() if t.metric == "standards_built"]
    assert built and all(t.since is not None for t in built)


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the seed plans are not beside this checkout")
def test_every_source_quotes_its_seed_verbatim():
    """Line breaks inside a quoted sentence are collapsed (README of data/standards/targets)."""
    text = "\n".join(re.sub(r"[ \t]*\n\s*", "", p.read_text(encoding="utf-8")) for p in SEEDS.glob("*.txt"))
    missing = [(p.name, r.get("id") or r.get("plan")) for p in sorted(TARGETS.glob("*.csv")) for r in _rows(p.name)
               if r["source"] not in text]
    assert missing == []


@pytest.mark.parametrize(("sample", "plan"), [("zaozhuang", "planning-2030-zaozhuang.csv"),
                                              ("shandong", "planning-2030-shandong.csv")])
def test_2030_count_targets_are_reachable_by_building_candidates(sample: str, plan: str):
    """Each 2030 count target is met at the as-of date once every candidate is built at every legal
    institution of a level in its ``levels`` (a new standard is traceable: the national primaries
    hold every quantity, and a national institution calibrates anything below it)."""
    from tracegraph.io import read_dataset

    ds = read_dataset(ROOT / "data" / "standards" / sample)
    day = ds.default_as_of()  # the sample's snapshot date
    rows, _ = read_targets(TARGETS / plan)
    counted = [t for t in rows if t.metric in COUNT_METRICS]
    assert {t.metric for t in counted} >= {"standards_count", "service_items"}
    primaries = {s.quantity for s in ds.standards if s.primary and s.status == "in_service"}
    assert {k.quantity for k in ds.candidates} <= primaries
    built = []
    for inst in ds.institutions:
        if inst.kind != "legal" or inst.level == "national":
            continue
        for k in ds.candidates:
            if inst.level in k.levels:
                sid = f"NEW-{k.id}-{inst.id}"
                built.append((b.std(sid, inst.id, list(k.verifies), established=day)
                              .model_copy(update={"quantity": k.quantity}), sid))
    nim = next(s.id for s in ds.standards if s.primary)
    full = ds.model_copy(update={"standards": [*ds.standards, *(s for s, _ in built)],
                                 "traceability": [*ds.traceability, *(b.link(sid, nim) for _, sid in built)]})
    before = {r.id: r for r in evaluate_targets(build_graph(ds), day, counted)}
    after = {r.id: r for r in evaluate_targets(build_graph(full), day, counted)}
    for t in counted:
        assert after[t.id].met, (t.id, after[t.id].value, t.threshold)
        assert before[t.id].value is not None and before[t.id].value < after[t.id].value
