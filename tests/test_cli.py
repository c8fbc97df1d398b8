"""The command line on a tiny dataset whose figures are worked out by hand from ``spec/figures.md``.

The dataset (as of 2026-01-01)::

    370000 province ── 370400 city ── 370402, 370403 counties
                    └─ 370500 city ── 370502, 370503 counties (370503 has no demand)

    P  primary at NIM (national, serves nothing)     verifies T3
    S1 at PROV   capacity 100   S1 → P   valid        verifies T1      traceable
    S2 at CITY4  unbounded      S2 → S1  EXPIRED link verifies T2      not traceable
    S3 at CTY402 capacity 30    S3 → S1  valid        verifies T2      traceable
    S4 at CTY502 certificate EXPIRED, S4 → S1         verifies T3      not valid
    S5 at CTY403 (authorized)   S5 → S1  valid        verifies nothing traceable

    T1 trade, mandatory, household meter, period 12 → load = n
    T2 medical, mandatory, period 6                 → load = 2n
    T3 environment, period 24                       → load = n/2

    demand            n   load  covered by
    370402 T1        60    60   S1
    370402 T2        10    20   S3
    370403 T1        40    40   S1
    370403 T2         5    10   — (S2 not traceable, S3 does not serve 370403)
    370502 T1       100   100   S1
    370502 T3        24    12   — (S4 invalid, P's national institute serves nothing)
    370502 T2         0         not an item (n = 0)
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from pathlib import Path

import builders as b
import pytest
from typer.testing import CliRunner

from tracegraph.cli import app
from tracegraph.io import read_dataset, write_dataset
from tracegraph.models import Dataset, Target

AS_OF = "2026-01-01"
ZAOZHUANG = Path(__file__).resolve().parents[1] / "data" / "standards" / "zaozhuang"
SAMPLE_AS_OF = read_dataset(ZAOZHUANG).default_as_of().isoformat()  # the sample's snapshot date (meta.csv)
FIGURE_KEYS = {"items", "covered_items", "coverage", "instruments", "covered_instruments", "weighted_coverage",
               "annual_load", "capacity_rate"}
SPEC_FILTERS = {"all", "household_meter", "mandatory", "domain:trade", "domain:safety", "domain:medical",
                "domain:environment", "domain:other"}
REGIONS = {"370000": "province", "370400": "city", "370402": "county", "370403": "county", "370500": "city",
           "370502": "county", "370503": "county"}

# (region, filter) → items, covered_items, instruments, covered_instruments, annual_load, max flow
EXPECTED = {
    ("370000", "all"): (6, 4, 239, 210, 242, 120),
    ("370400", "all"): (4, 3, 115, 110, 130, 120),
    ("370402", "all"): (2, 2, 70, 70, 80, 80),
    ("370403", "all"): (2, 1, 45, 40, 50, 40),
    ("370500", "all"): (2, 1, 124, 100, 112, 100),
    ("370502", "all"): (2, 1, 124, 100, 112, 100),
    ("370503", "all"): (0, 0, 0, 0, 0, None),
    # S1 (capacity 100) is shared by every T1 item: alone in 370400 it suffices, for 370000 it does not.
    ("370000", "household_meter"): (3, 3, 200, 200, 200, 100),
    ("370400", "household_meter"): (2, 2, 100, 100, 100, 100),
    ("370500", "household_meter"): (1, 1, 100, 100, 100, 100),
    ("370000", "mandatory"): (5, 4, 215, 210, 230, 120),
    ("370403", "mandatory"): (2, 1, 45, 40, 50, 40),
    ("370502", "mandatory"): (1, 1, 100, 100, 100, 100),
    ("370000", "domain:trade"): (3, 3, 200, 200, 200, 100),
    ("370000", "domain:medical"): (2, 1, 15, 10, 30, 20),
    ("370400", "domain:medical"): (2, 1, 15, 10, 30, 20),
    ("370000", "domain:environment"): (1, 0, 24, 0, 12, 0),
    ("370502", "domain:environment"): (1, 0, 24, 0, 12, 0),
}
UNCOVERED = {("370403", "T2"), ("370502", "T3")}


def tiny() -> Dataset:
    regions = [*b.tree(), b.region("370503", "county", "370500")]
    institutions = [i.model_copy(update={"kind": "authorized"}) if i.id == "CTY403" else i
                    for i in b.base_institutions()]
    types = [b.itype("T1", 12, "trade", mandatory=True, household=True),
             b.itype("T2", 6, "medical", mandatory=True, household=False),
             b.itype("T3", 24, "environment", mandatory=False, household=False)]
    standards = [
        b.std("P", "NIM", ["T3"], primary=True),
        b.std("S1", "PROV", ["T1"], capacity=100),
        b.std("S2", "CITY4", ["T2"]),
        b.std("S3", "CTY402", ["T2"], capacity=30),
        b.std("S4", "CTY502", ["T3"], expiry=b.EARLIER),
        b.std("S5", "CTY403", []),
    ]
    links = [b.link("S1", "P"), b.link("S2", "S1", b.EARLIER), b.link("S3", "S1"), b.link("S4", "S1"),
             b.link("S5", "S1")]
    demand = [b.need("370402", "T1", 60), b.need("370402", "T2", 10), b.need("370403", "T1", 40),
              b.need("370403", "T2", 5), b.need("370502", "T1", 100), b.need("370502", "T3", 24),
              b.need("370502", "T2", 0)]
    targets = [
        Target(id="G1", region="370000", metric="coverage", filter="all", threshold=0.6, year=2027),
        Target(id="G2", region="370400", metric="weighted_coverage", filter="household_meter", threshold=0.95),
        Target(id="G3", region="370000", metric="standards_count", level="county", threshold=1),
        Target(id="G4", region=None, metric="capacity_rate", filter="all", threshold=0.9),
        Target(id="G5", region="370000", metric="standards_count", level="city", threshold=1),
        Target(id="G6", region="370000", metric="standards_count", level="province", threshold=1),
    ]
    return b.dataset(standards, links, demand, types=types, institutions=institutions, regions=regions,
                     targets=targets)


# Targets by hand: id → (region, value, met)
#  G1 coverage 370000 = 4/6 ≥ 0.6; G2 weighted household 370400 = 100/100 ≥ 0.95;
#  G3 county standards in 370000: CTY402 holds S3 (1), CTY403 is authorized, S4 is invalid, 370503 has
#     no institute → (1 + 0 + 0 + 0) / 4 = 0.25 < 1;
#  G4 blank region = every top-level region (370000): capacity rate 120/242 < 0.9;
#  G5 city standards: CITY4 holds S2 (valid: in service, certificate not expired — traceability is not
#     asked) = 1, 370500 has no city institute = 0 → 0.5 < 1;  G6 province: PROV holds S1 → 1 ≥ 1.
TARGETS = {"G1": ("370000", 4 / 6, True), "G2": ("370400", 1.0, True), "G3": ("370000", 0.25, False),
           "G4": ("370000", 120 / 242, False), "G5": ("370000", 0.5, False), "G6": ("370000", 1.0, True)}

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "250"})


@pytest.fixture
def ds(tmp_path: Path) -> Path:
    return write_dataset(tiny(), tmp_path / "tiny", "csv", include_optional=True)


@pytest.fixture
def bad(tmp_path: Path) -> Path:
    """The same dataset with a negative count in demand.csv, row 5 (370403 T2)."""
    folder = write_dataset(tiny(), tmp_path / "bad", "csv", include_optional=True)
    path = folder / "demand.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert rows[4][:2] == ["370403", "T2"]
    rows[4][2] = "-5"
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8-sig")
    return folder


# --------------------------------------------------------------------------------------------
# language of the human output
# --------------------------------------------------------------------------------------------

_CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]")


def _data_words() -> set[str]:
    """ASCII words the dataset itself holds (ids, names, codes): these may appear in any language."""
    return set(re.findall(r"[A-Za-z_]{2,}", tiny().model_dump_json()))


def assert_zh(text: str) -> None:
    assert _CJK.search(text), f"no Chinese in the default (zh) output:\n{text}"
    foreign = set(re.findall(r"[A-Za-z_]{3,}", text)) - _data_words()
    assert not foreign, f"untranslated words in the zh output: {sorted(foreign)}\n{text}"


def assert_en(text: str) -> None:
    assert not _CJK.search(text), f"Chinese in the --lang en output:\n{text}"
    raw_codes = set(re.findall(r"\b[a-z]+_[a-z_]+\b", text)) - _data_words()
    assert not raw_codes, f"internal codes instead of words in the en output: {sorted(raw_codes)}\n{text}"


# --------------------------------------------------------------------------------------------
# validate
# --------------------------------------------------------------------------------------------


def test_validate_valid_with_warnings_exits_0(ds: Path) -> None:
    result = run("validate", ds, "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    # The expired certificate of S4 (standards.csv row 6) is shown as a warning.
    assert "standards.csv" in result.stdout and "2025-06-01" in result.stdout


def test_validate_json_lists_warnings(ds: Path) -> None:
    result = run("validate", ds, "--as-of", AS_OF, "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["errors"] == []
    warnings = {(w["file"], w["row"], w["column"], w["value"]) for w in report["warnings"]}
    assert ("standards.csv", 6, "certificate_expiry", "2025-06-01") in warnings  # S4 expired
    assert any(w[:3] == ("standards.csv", 7, "verifies") for w in warnings)  # S5 verifies nothing
    assert all(w["message"] for w in report["warnings"])


def test_validate_invalid_exits_1(bad: Path) -> None:
    result = run("validate", bad, "--as-of", AS_OF, "--lang", "en")
    assert result.exit_code == 1
    assert "demand.csv" in result.output and "-5" in result.output


def test_validate_json_lists_errors(bad: Path) -> None:
    result = run("validate", bad, "--as-of", AS_OF, "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    errors = [(e["file"], e["row"], e["column"], e["value"]) for e in report["errors"]]
    assert errors == [("demand.csv", 5, "count", "-5")]
    assert report["errors"][0]["message"]


# --------------------------------------------------------------------------------------------
# coverage: the JSON contract
# --------------------------------------------------------------------------------------------


def coverage_json(ds: Path, *extra: str) -> dict:
    result = run("coverage", ds, "--as-of", AS_OF, "--format", "json", *extra)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _rate(part: float, whole: float) -> float | None:
    return None if whole == 0 else part / whole


def assert_contract(doc: dict, regions: dict[str, str]) -> None:
    assert set(doc) == {"as_of", "regions"}
    assert doc["as_of"] == AS_OF
    assert set(doc["regions"]) == set(regions)
    names = {r.code: r.name for r in tiny().regions}
    for code, region in doc["regions"].items():
        assert set(region) == {"name", "level", "figures"}, code
        assert region["name"] == names[code]
        assert region["level"] == regions[code]
        figures = region["figures"]
        assert "all" in figures, code
        assert set(figures) <= SPEC_FILTERS, f"{code}: unknown filters {set(figures) - SPEC_FILTERS}"
        for flt, fig in figures.items():
            assert set(fig) == FIGURE_KEYS, f"{code}/{flt}: keys {sorted(fig)}"
            for key in ("items", "covered_items", "instruments", "covered_instruments"):
                assert isinstance(fig[key], int) and not isinstance(fig[key], bool), (code, flt, key)
            assert isinstance(fig["annual_load"], int | float)
            # A rate whose denominator is 0 is null, never 0 or 1.
            for rate, whole in (("coverage", "items"), ("weighted_coverage", "instruments"),
                                ("capacity_rate", "annual_load")):
                if fig[whole] == 0:
                    assert fig[rate] is None, f"{code}/{flt}: {rate} must be null, got {fig[rate]}"
                else:
                    assert isinstance(fig[rate], float | int) and 0 <= fig[rate] <= 1, (code, flt, rate)


def assert_figures(doc: dict, expected: dict) -> None:
    for (code, flt), (items, covered, n, covered_n, load, flow) in expected.items():
        if code not in doc["regions"]:
            continue
        figures = doc["regions"][code]["figures"]
        if items == 0 and flt not in figures:
            continue  # a filter with no items may be omitted
        assert flt in figures, f"{code}: filter {flt} has items but is missing"
        fig = figures[flt]
        assert (fig["items"], fig["covered_items"], fig["instruments"], fig["covered_instruments"]) == (
            items, covered, n, covered_n), f"{code}/{flt}: {fig}"
        assert fig["annual_load"] == pytest.approx(load, rel=1e-12, abs=1e-12), f"{code}/{flt}"
        for rate, want in (("coverage", _rate(covered, items)), ("weighted_coverage", _rate(covered_n, n)),
                           ("capacity_rate", None if flow is None else _rate(flow, load))):
            if want is None:
                assert fig[rate] is None, f"{code}/{flt}: {rate} = {fig[rate]}, expected null"
            else:
                assert fig[rate] == pytest.approx(want, rel=1e-12), f"{code}/{flt}: {rate} = {fig[rate]}, want {want}"


def test_coverage_json_contract_shape(ds: Path) -> None:
    assert_contract(coverage_json(ds), REGIONS)


def test_coverage_json_numbers(ds: Path) -> None:
    assert_figures(coverage_json(ds), EXPECTED)


def test_coverage_json_filters_with_items_are_present(ds: Path) -> None:
    doc = coverage_json(ds)
    for code in REGIONS:
        # Every region carries the three headline filters whenever they have items.
        for flt in ("all", "household_meter", "mandatory"):
            key = (code, flt)
            if key in EXPECTED and EXPECTED[key][0] > 0:
                assert flt in doc["regions"][code]["figures"], key
    # A filter with no items anywhere, if given, carries nulls, not 0 or 1.
    safety = doc["regions"]["370000"]["figures"].get("domain:safety")
    if safety is not None:
        assert safety["items"] == 0 and safety["coverage"] is None and safety["capacity_rate"] is None


def test_coverage_region_restricts_to_subtree(ds: Path) -> None:
    doc = coverage_json(ds, "--region", "370400")
    subtree = {c: REGIONS[c] for c in ("370400", "370402", "370403")}
    assert_contract(doc, subtree)
    assert_figures(doc, EXPECTED)
    county = coverage_json(ds, "--region", "370503")
    assert set(county["regions"]) == {"370503"}
    assert_figures(county, EXPECTED)


def test_coverage_region_unknown(ds: Path) -> None:
    result = run("coverage", ds, "--as-of", AS_OF, "--format", "json", "--region", "379999")
    assert result.exit_code != 0
    assert "379999" in result.output
    assert "regions" not in result.stdout


def test_coverage_csv(ds: Path) -> None:
    result = run("coverage", ds, "--as-of", AS_OF, "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    header, body = rows[0], rows[1:]
    assert set(header) >= FIGURE_KEYS, header
    # The region and filter columns are whichever hold the region codes and filter names.
    region_col = next(k for k in range(len(header)) if {r[k] for r in body} >= set(REGIONS))
    filter_col = next(k for k in range(len(header)) if {"all", "household_meter"} <= {r[k] for r in body})
    table = {(r[region_col], r[filter_col]): dict(zip(header, r, strict=True)) for r in body}
    assert {code for code, flt in table if flt == "all"} == set(REGIONS)
    for (code, flt), (items, covered, n, covered_n, load, flow) in EXPECTED.items():
        if (code, flt) not in table:
            assert items == 0, (code, flt)
            continue
        row = table[(code, flt)]
        assert (int(row["items"]), int(row["covered_items"]), int(row["instruments"]),
                int(row["covered_instruments"])) == (items, covered, n, covered_n), (code, flt)
        assert float(row["annual_load"]) == pytest.approx(load)
        if items:
            assert float(row["coverage"]) == pytest.approx(covered / items)
            assert float(row["capacity_rate"]) == pytest.approx(flow / load)
        else:
            assert row["coverage"] in ("", "null"), f"null rate written as {row['coverage']!r}"
            assert row["capacity_rate"] in ("", "null")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_coverage_table(ds: Path, lang: str) -> None:
    result = run("coverage", ds, "--as-of", AS_OF, "--lang", lang)
    assert result.exit_code == 0, result.output
    for code in REGIONS:
        assert code in result.stdout
    (assert_zh if lang == "zh" else assert_en)(result.stdout)


def test_coverage_default_lang_is_zh(ds: Path) -> None:
    result = run("coverage", ds, "--as-of", AS_OF)
    assert result.exit_code == 0
    assert result.stdout == run("coverage", ds, "--as-of", AS_OF, "--lang", "zh").stdout
    assert_zh(result.stdout)


# --------------------------------------------------------------------------------------------
# chain, gaps, impact
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize(("standard", "ids"), [
    ("S3", ["S3", "S1", "P"]),  # traceable
    ("S2", ["S2", "S1", "P"]),  # breaks at the expired link S2 → S1
    ("S4", ["S4", "S1", "P"]),  # breaks at S4 itself (certificate expired)
])
def test_chain(ds: Path, lang: str, standard: str, ids: list[str]) -> None:
    result = run("chain", ds, standard, "--as-of", AS_OF, "--lang", lang)
    assert result.exit_code == 0, result.output
    for sid in ids:
        assert re.search(rf"\b{sid}\b", result.stdout), f"{sid} missing from the chain of {standard}"
    for other in {"S2", "S3", "S4", "S5"} - set(ids):
        assert not re.search(rf"\b{other}\b", result.stdout), f"{other} is not on the chain of {standard}"
    (assert_zh if lang == "zh" else assert_en)(result.stdout)


def test_chain_marks_the_break(ds: Path) -> None:
    broken = run("chain", ds, "S2", "--as-of", AS_OF, "--lang", "en").stdout
    whole = run("chain", ds, "S3", "--as-of", AS_OF, "--lang", "en").stdout
    assert "expired" in broken.lower() and "2025-06-01" in broken  # the link S2 → S1 and when it lapsed
    assert "2025-06-01" not in whole
    assert broken.splitlines()[0] != whole.splitlines()[0].replace("S3", "S2")  # traceable vs broken


def test_chain_json(ds: Path) -> None:
    result = run("chain", ds, "S2", "--as-of", AS_OF, "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["traceable"] is False
    links = {(x["standard"], x["upstream"]): x["valid"] for x in doc["links"]}
    assert links == {("S2", "S1"): False, ("S1", "P"): True}
    nodes = {n["id"]: (n["valid"], n["traceable"]) for n in doc["nodes"]}
    assert nodes == {"S2": (True, False), "S1": (True, True), "P": (True, True)}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_gaps(ds: Path, lang: str) -> None:
    result = run("gaps", ds, "--as-of", AS_OF, "--lang", lang)
    assert result.exit_code == 0, result.output
    for county, t in UNCOVERED:
        assert re.search(rf"\b{county}\b.*\b{t}\b", result.stdout), f"uncovered {county} {t} not shown"
    (assert_zh if lang == "zh" else assert_en)(result.stdout)


def test_gaps_json_uncovered_items(ds: Path) -> None:
    result = run("gaps", ds, "--as-of", AS_OF, "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert {(g["county"], g["instrument_type"]) for g in doc["uncovered"]} == UNCOVERED
    assert {g["count"] for g in doc["uncovered"]} == {5, 24}
    region = json.loads(run("gaps", ds, "--as-of", AS_OF, "--format", "json", "--region", "370400").stdout)
    assert {(g["county"], g["instrument_type"]) for g in region["uncovered"]} == {("370403", "T2")}


# S1 failing: S3 and S5 lose their chain (S2 never had one); the items covered only through S1
# are lost: 370402 T1 (60), 370402 T2 (10, via S3), 370403 T1 (40), 370502 T1 (100) = 210.
IMPACTS = {
    "S1": ({"S3", "S5"}, {("370402", "T1"), ("370402", "T2"), ("370403", "T1"), ("370502", "T1")}, 210),
    "P": ({"S1", "S3", "S5"}, {("370402", "T1"), ("370402", "T2"), ("370403", "T1"), ("370502", "T1")}, 210),
    "S3": (set(), {("370402", "T2")}, 10),
    "S2": (set(), set(), 0),  # already broken: nothing more is lost
}


@pytest.mark.parametrize("standard", list(IMPACTS))
def test_impact_json(ds: Path, standard: str) -> None:
    broken, lost, instruments = IMPACTS[standard]
    result = run("impact", ds, standard, "--as-of", AS_OF, "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert set(doc["broken_standards"]) == broken
    assert {(i["county"], i["instrument_type"]) for i in doc["lost_items"]} == lost
    assert doc["lost_instruments"] == instruments


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_impact(ds: Path, lang: str) -> None:
    result = run("impact", ds, "S1", "--as-of", AS_OF, "--lang", lang)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert re.search(r"\bS3\b", out) and re.search(r"\bS5\b", out)
    assert re.search(r"\b210\b", out)
    for county, t in IMPACTS["S1"][1]:
        assert re.search(rf"\b{county}\b.*\b{t}\b", out), f"lost item {county} {t} not shown"
    assert not re.search(r"\b370403\b.*\bT2\b", out)  # was never covered, so not lost
    (assert_zh if lang == "zh" else assert_en)(out)


@pytest.mark.parametrize("command", ["chain", "impact"])
def test_unknown_standard_exits_2(ds: Path, command: str) -> None:
    result = run(command, ds, "NO-SUCH-STD", "--as-of", AS_OF)
    assert result.exit_code == 2
    assert "NO-SUCH-STD" in result.output
    assert "Traceback" not in result.output


# --------------------------------------------------------------------------------------------
# targets
# --------------------------------------------------------------------------------------------


def targets_json(ds: Path, *extra: str) -> dict[str, dict]:
    result = run("targets", ds, "--as-of", AS_OF, "--format", "json", *extra)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    rows = doc["targets"] if isinstance(doc, dict) else doc
    return {r["id"]: r for r in rows}


def test_targets_of_the_dataset(ds: Path) -> None:
    results = targets_json(ds)
    assert set(results) == set(TARGETS)
    for tid, (region, value, met) in TARGETS.items():
        r = results[tid]
        assert r["region"] == region, tid
        assert r["value"] == pytest.approx(value, rel=1e-12), tid
        assert r["met"] is met, tid


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_targets_table(ds: Path, lang: str) -> None:
    result = run("targets", ds, "--as-of", AS_OF, "--lang", lang)
    assert result.exit_code == 0, result.output
    for tid in TARGETS:
        assert re.search(rf"\b{tid}\b", result.stdout), tid
    (assert_zh if lang == "zh" else assert_en)(result.stdout)


def _targets_file(tmp_path: Path) -> Path:
    # X1: coverage of 370400 = 3/4 ≥ 0.7; X2: mandatory coverage of 370403 = 1/2 < 0.9;
    # X3: province standards of 370000 = 1 ≥ 1.
    path = tmp_path / "plan-targets.csv"
    path.write_text("id,region,metric,filter,level,threshold,year\n"
                    "X1,370400,coverage,all,,0.7,2027\n"
                    "X2,370403,coverage,mandatory,,0.9,2027\n"
                    "X3,370000,standards_count,all,province,1,2025\n", encoding="utf-8")
    return path


def test_targets_from_file(ds: Path, tmp_path: Path) -> None:
    results = targets_json(ds, "--targets", _targets_file(tmp_path))
    assert {"X1", "X2", "X3"} <= set(results)
    assert results["X1"]["value"] == pytest.approx(0.75) and results["X1"]["met"] is True
    assert results["X2"]["value"] == pytest.approx(0.5) and results["X2"]["met"] is False
    assert results["X3"]["value"] == pytest.approx(1.0) and results["X3"]["met"] is True


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_targets_from_file_table(ds: Path, tmp_path: Path, lang: str) -> None:
    result = run("targets", ds, "--targets", _targets_file(tmp_path), "--as-of", AS_OF, "--lang", lang)
    assert result.exit_code == 0, result.output
    for tid in ("X1", "X2", "X3"):
        assert re.search(rf"\b{tid}\b", result.stdout), tid
    assert "370403" in result.stdout
    (assert_zh if lang == "zh" else assert_en)(result.stdout)


def test_targets_file_chinese_headers_gb18030(ds: Path, tmp_path: Path) -> None:
    path = tmp_path / "目标.csv"
    path.write_bytes("目标编号,地区代码,指标,范围,级别,目标值,年度\nZ1,370400,coverage,all,,0.7,2027\n"
                     .encode("gb18030"))
    results = targets_json(ds, "--targets", path)
    assert results["Z1"]["value"] == pytest.approx(0.75) and results["Z1"]["met"] is True


def test_targets_file_with_unknown_region_is_an_error(ds: Path, tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("id,region,metric,filter,level,threshold,year\nX1,379999,coverage,all,,0.7,2027\n",
                    encoding="utf-8")
    result = run("targets", ds, "--targets", path, "--as-of", AS_OF, "--format", "json")
    assert result.exit_code == 1
    assert "379999" in result.output
    assert '"targets"' not in result.stdout


# --------------------------------------------------------------------------------------------
# an invalid dataset: exit 1, nothing computed
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("args", [
    ["coverage", "--format", "json"], ["coverage"], ["chain", "S1"], ["gaps", "--format", "json"],
    ["impact", "S1", "--format", "json"], ["targets", "--format", "json"], ["export", "OUT"],
], ids=lambda a: "-".join(a).replace("--format-", ""))
def test_invalid_dataset_exits_1_and_computes_nothing(bad: Path, tmp_path: Path, args: list[str]) -> None:
    out = tmp_path / "exported.xlsx"
    command, *rest = args
    rest = [str(out) if a == "OUT" else a for a in rest]
    argv = [command, bad, *rest] if command == "export" else [command, bad, *rest, "--as-of", AS_OF]
    result = run(*argv)
    assert result.exit_code == 1, result.output
    assert "demand.csv" in result.output and "-5" in result.output  # the report says what is wrong
    for word in ('"regions"', '"uncovered"', '"broken_standards"', '"targets"', "S1 Std S1", "P Std P"):
        assert word not in result.stdout, f"{word} computed on an invalid dataset"
    assert not out.exists()


# --------------------------------------------------------------------------------------------
# template and export
# --------------------------------------------------------------------------------------------


def test_template_command(tmp_path: Path) -> None:
    result = run("template", tmp_path / "blank")
    assert result.exit_code == 0, result.output
    for name in ("csv-en", "csv-zh", "template-en.xlsx", "template-zh.xlsx"):
        assert (tmp_path / "blank" / name).exists(), name
    header = (tmp_path / "blank" / "csv-zh" / "regions.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert header.split(",")[:4] == ["代码", "名称", "级别", "上级代码"]


@pytest.mark.parametrize(("target", "lang"), [("out.xlsx", "en"), ("out.json", "en"), ("out-csv", "zh")])
def test_export_command(ds: Path, tmp_path: Path, target: str, lang: str) -> None:
    result = run("export", ds, tmp_path / target, "--lang", lang)
    assert result.exit_code == 0, result.output
    assert read_dataset(tmp_path / target, b.AS_OF) == tiny()


def test_plan_json_and_request(tmp_path):
    out = tmp_path / "req.xlsx"
    res = runner.invoke(app, ["plan", str(ZAOZHUANG), "--budget", "150", "--as-of", SAMPLE_AS_OF,
                              "--format", "json", "--out", str(out)])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout.strip().splitlines()[-1])
    assert data["status"] == "optimal" and data["total_cost"] <= 150
    assert data["after"]["covered_instruments"] >= data["before"]["covered_instruments"]
    assert out.exists() and out.with_suffix(".md").exists()


def test_plan_targets_mode_table():
    res = runner.invoke(app, ["plan", str(ZAOZHUANG), "--targets", "--as-of", SAMPLE_AS_OF, "--lang", "en"])
    assert res.exit_code == 0, res.output
    assert "proven optimal" in res.stdout


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_plan_table_names_targets_by_label_and_lists_them_at_80_columns(lang: str):
    """At 80 columns a target id in the table broke every few letters: the table shows T1, T2…, each id whole
    on a line of its own under it, and every target the plan serves is listed once."""
    from rich.cells import cell_len

    from tracegraph.planning import PlanningProblem

    res = runner.invoke(app, ["plan", str(ZAOZHUANG), "--targets", "--as-of", SAMPLE_AS_OF, "--lang", lang],
                        env={"COLUMNS": "80"})
    assert res.exit_code == 0, res.output
    assert max(cell_len(line) for line in res.stdout.splitlines()) <= 80, res.stdout
    listed = [line.split(" = ") for line in res.stdout.splitlines() if " = " in line and line.startswith("  T")]
    day = dt.date.fromisoformat(SAMPLE_AS_OF)
    plan = PlanningProblem.from_dataset(read_dataset(ZAOZHUANG, day), day, mode="targets").solve()
    served = list(dict.fromkeys(x for a in plan.actions for x in a.targets))
    assert served and [target for _, target in listed] == served
    assert [label.strip() for label, _ in listed] == [f"T{k}" for k in range(1, len(served) + 1)]
    rows = [line for line in res.stdout.splitlines() if line.startswith("│")]
    assert any("T1" in line for line in rows) and not any(t in line for t in served for line in rows)


def test_plan_needs_exactly_one_mode():
    assert runner.invoke(app, ["plan", str(ZAOZHUANG)]).exit_code == 2
    assert runner.invoke(app, ["plan", str(ZAOZHUANG), "--budget", "1", "--targets"]).exit_code == 2
    bad_years = runner.invoke(app, ["plan", str(ZAOZHUANG), "--budget-per-year", "1", "--years", "x:y"])
    assert bad_years.exit_code == 2


def test_chain_and_impact_csv():
    chain = runner.invoke(app, ["chain", str(ZAOZHUANG), "CNTY-370402-001", "--as-of", SAMPLE_AS_OF, "--format", "csv"])
    assert chain.exit_code == 0, chain.output
    rows = list(csv.DictReader(io.StringIO(chain.stdout)))
    assert rows[0]["id"] == "CNTY-370402-001" and {r["level"] for r in rows} >= {"county", "national"}
    assert json.loads(rows[0]["upstream"])[0]["standard"] == "CNTY-370402-001"
    impact = runner.invoke(app, ["impact", str(ZAOZHUANG), "NIM-P01", "--as-of", SAMPLE_AS_OF, "--format", "csv"])
    assert impact.exit_code == 0, impact.output
    lost = list(csv.DictReader(io.StringIO(impact.stdout)))
    assert lost and set(lost[0]) == {"county", "instrument_type", "count"}


NARROW_COMMANDS = {
    "coverage": ["coverage", str(ZAOZHUANG), "--as-of", SAMPLE_AS_OF],
    "gaps": ["gaps", str(ZAOZHUANG), "--as-of", SAMPLE_AS_OF],
    "targets": ["targets", str(ZAOZHUANG), "--as-of", SAMPLE_AS_OF],
    "plan": ["plan", str(ZAOZHUANG), "--budget", "100", "--as-of", SAMPLE_AS_OF],
    "plan-years": ["plan", str(ZAOZHUANG), "--years", "2026:2027", "--budget-per-year", "60", "--as-of", SAMPLE_AS_OF],
    "validate": ["validate", str(ZAOZHUANG), "--as-of", SAMPLE_AS_OF],
    "impact": ["impact", str(ZAOZHUANG), "NIM-P01", "--as-of", SAMPLE_AS_OF],
}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_chain_and_impact_lines_fit_80_columns(lang: str) -> None:
    """The chain's paths and impact's list of broken standards are plain lines: they wrap at the width too."""
    from rich.cells import cell_len

    for args in (["chain", str(ZAOZHUANG), "CNTY-370402-001", "--as-of", SAMPLE_AS_OF],
                 ["impact", str(ZAOZHUANG), "NIM-P01", "--as-of", SAMPLE_AS_OF]):
        res = runner.invoke(app, [*args, "--lang", lang], env={"COLUMNS": "80"})
        assert res.exit_code == 0, res.output
        assert max(cell_len(line) for line in res.stdout.splitlines()) <= 80, res.stdout
        wide = runner.invoke(app, [*args, "--lang", lang], env={"COLUMNS": "400"})
        assert "".join(res.stdout.split()) == "".join(wide.stdout.split())  # wrapped, nothing lost


def _header_lines(text: str) -> list[str]:
    """The header rows of every table in ``text``: the lines between a table's ┏ top and its ┡ rule."""
    heads, inside = [], False
    for line in text.splitlines():
        if line.startswith("┏"):
            inside = True
        elif line.startswith("┡"):
            inside = False
        elif inside:
            heads.append(line)
    return heads


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("name", list(NARROW_COMMANDS))
def test_tables_fit_80_columns_with_whole_headers(name: str, lang: str):
    from rich.cells import cell_len

    res = runner.invoke(app, [*NARROW_COMMANDS[name], "--lang", lang], env={"COLUMNS": "80"})
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert "┏" in res.stdout  # a table was printed
    too_wide = [line for line in lines if cell_len(line) > 80]
    assert not too_wide, too_wide
    heads = _header_lines(res.stdout)
    assert heads and not [h for h in heads if "…" in h], heads
    assert "…" not in res.stdout  # cells fold onto more lines instead of being cut


@pytest.mark.parametrize(("lang", "words"), [("zh", ["覆盖率", "民用四表", "强制检定", "器具", "能力", "满足率"]),
                                             ("en", ["cov.", "all", "meters", "mand.", "instr.", "capac."])])
def test_coverage_headers_at_80_columns_name_their_columns(lang: str, words: list[str]):
    res = runner.invoke(app, [*NARROW_COMMANDS["coverage"], "--lang", lang], env={"COLUMNS": "80"})
    cells = {c.strip() for h in _header_lines(res.stdout) for c in h.strip("┃").split("┃")}
    assert set(words) <= cells, cells


def test_thousands_of_problems_are_summed_up_by_code_in_a_terminal() -> None:
    """Past TABLE_ROWS, one line per code (how many, where first); a smaller report is listed row by row."""
    from rich.console import Console

    from tracegraph.cli._common import TABLE_ROWS, print_report
    from tracegraph.validation import Problem, Report

    def problem(code: str, row: int) -> Problem:
        return Problem(severity="warning", code=code, file="standards.csv", row=row, message=f"{code} here")

    many = Report(warnings=[problem("expiring", r) for r in range(2, 2 + TABLE_ROWS)] + [problem("expired", 999)])
    console = Console(width=80, record=True)
    print_report(many, "en", console)
    text = console.export_text()
    assert f"{TABLE_ROWS + 1:,}, summed up by problem code" in text and "--format csv" in text
    assert "expiring" in text and f"{TABLE_ROWS:,}" in text and "standards.csv:2 " in text
    assert "expired" in text and "standards.csv:999" in text and "standards.csv:3 " not in text
    few = Report(warnings=many.warnings[:TABLE_ROWS])
    console = Console(width=80, record=True)
    print_report(few, "en", console)
    listed = console.export_text()
    assert "summed up" not in listed and listed.count("expiring here") == TABLE_ROWS
