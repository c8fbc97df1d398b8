"""The catalogue, the synthetic generator and the bundled samples: deterministic (in any process),
national-shaped, valid under the template's rules, and the committed samples (and the Shandong parts)
equal what ``scripts/make_samples.py`` generates, so the data on disk never drifts from the code."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tracegraph import catalogue as cat
from tracegraph.algorithms import coverage, dataset_figures
from tracegraph.graph import build_graph
from tracegraph.io import check_dataset, check_parts, read_dataset, write_dataset
from tracegraph.models import CERTIFICATE_YEARS, LEVEL_RANK, TABLES, Dataset, Region, Row
from tracegraph.synth import Sizes, synthesize, synthesize_country, synthetic_regions

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "standards"
AS_OF = dt.date(2026, 1, 1)
EXPECTED_WARNINGS = {"expired", "expiring", "verifies_nothing", "unverifiable"}


def _make_samples():
    spec = importlib.util.spec_from_file_location("make_samples", ROOT / "scripts" / "make_samples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _as_set(rows: list[Row]) -> Counter:
    """Rows regardless of order (a multiset, rows with lists not being hashable)."""
    return Counter(json.dumps(r.model_dump(mode="json"), sort_keys=True, ensure_ascii=False) for r in rows)


def _cells(path: Path) -> dict[str, list[tuple]]:
    book = load_workbook(path, read_only=True)
    try:
        return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}
    finally:
        book.close()


def _csv_bytes(ds: Dataset, folder: Path) -> dict[str, bytes]:
    write_dataset(ds, folder, "csv", include_optional=True)
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def country() -> Dataset:
    return synthesize_country(3, seed=7, as_of=AS_OF)


# --- catalogue --------------------------------------------------------------------------------------

def test_catalogue_shape():
    assert 110 <= len(cat.INSTRUMENTS) <= 140
    household = {t.name for t in cat.INSTRUMENTS if t.household_meter}
    assert household == {"电能表（单相）", "水表（DN15–DN25）", "水表（DN40–DN50）", "膜式燃气表", "热量表"}
    period = {t.name: t.period_months for t in cat.INSTRUMENTS}
    assert period["燃油加油机"] == 6 and period["呼出气体酒精含量检测仪"] == 6
    assert (period["水表（DN15–DN25）"], period["水表（DN40–DN50）"]) == (72, 48)
    assert period["膜式燃气表"] == 120 and period["电能表（单相）"] == 96
    assert {t.domain for t in cat.INSTRUMENTS} == {"trade", "safety", "medical", "environment", "other"}
    verified = {t for k in cat.KINDS for t in k.verifies}
    assert verified == set(cat.INSTRUMENTS_BY_CODE), "every type is verified by some kind somewhere"


def test_catalogue_chains_end_at_a_primary_of_the_same_quantity():
    for kind in cat.KINDS:
        chain = cat.upstream_chain(kind)
        assert chain[-1] in cat.PRIMARIES_BY_KEY
        assert {cat.PRIMARIES_BY_KEY[chain[-1]].quantity, *(cat.KINDS_BY_KEY[k].quantity for k in chain[:-1])} \
            == {kind.quantity}


def test_candidates_are_costed_per_level():
    candidates = cat.candidates()
    assert len({c.id for c in candidates}) == len(candidates)
    for c in candidates:
        (level,) = c.levels
        low, high = cat.COST_RANGE[level]
        assert low <= c.build_cost <= high
    assert cat.candidates(("county",)) and all(c.levels == ["county"] for c in cat.candidates(("county",)))


# --- determinism ------------------------------------------------------------------------------------

def test_same_seed_same_dataset(tmp_path):
    one = synthesize_country(2, seed=3, as_of=AS_OF)
    two = synthesize_country(2, seed=3, as_of=AS_OF)
    assert one == two
    assert _csv_bytes(one, tmp_path / "a") == _csv_bytes(two, tmp_path / "b")


def test_different_seed_different_dataset():
    one = synthesize_country(1, seed=3, as_of=AS_OF)
    two = synthesize_country(1, seed=4, as_of=AS_OF)
    assert one.regions != two.regions
    assert one.standards != two.standards and one.demand != two.demand


def test_same_bytes_whatever_the_hash_seed():
    """No set or hash order leaks into the output: two processes with different hash seeds agree."""
    code = (
        "import datetime, hashlib, pathlib, sys, tempfile\n"
        "from tracegraph.io import write_dataset\n"
        "from tracegraph.synth import synthesize_country\n"
        "d = pathlib.Path(tempfile.mkdtemp())\n"
        "write_dataset(synthesize_country(1, seed=5, as_of=datetime.date(2026, 1, 1)), d, include_optional=True)\n"
        "h = hashlib.sha256()\n"
        "[h.update(p.read_bytes()) for p in sorted(d.iterdir())]\n"
        "print(h.hexdigest())\n"
    )
    digests = set()
    for hash_seed in ("0", "1", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": str(ROOT)}
        out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True,
                             check=True)
        digests.add(out.stdout.strip())
    assert len(digests) == 1


# --- shape ------------------------------------------------------------------------------------------

def test_synthetic_regions_sized_like_china():
    regions = synthetic_regions(31, seed=1)
    levels = Counter(r.level for r in regions)
    assert levels["province"] == 31
    assert 280 <= levels["city"] <= 380
    assert 2400 <= levels["county"] <= 3200
    codes = {r.code: r for r in regions}
    assert len(codes) == len(regions)
    for r in regions:
        assert len(r.code) == 6 and r.code.isdigit()
        if r.level == "province":
            assert r.code.endswith("0000") and r.parent is None
        elif r.level == "city":
            assert r.code.endswith("00") and r.parent == r.code[:2] + "0000"
        else:
            assert codes[r.parent].level == "city" and r.parent == r.code[:4] + "00"
    assert regions[0].code == "110000" and regions[0].name == "第01省"


def test_national_shape_at_a_small_province_count(country):
    levels = Counter(r.level for r in country.regions)
    counties = levels["county"]
    assert len(country.instrument_types) == len(cat.INSTRUMENTS)
    # ≈ 65,000 standards for 31 provinces, i.e. about 2,100 per province
    assert 1500 * 3 <= len(country.standards) <= 2800 * 3
    assert 85 * counties <= len(country.demand) <= 115 * counties
    assert len(country.traceability) >= len(country.standards) - len(cat.PRIMARIES)
    kinds = Counter((i.level, i.kind) for i in country.institutions)
    assert kinds[("national", "legal")] == 1
    assert kinds[("province", "legal")] == kinds[("province", "authorized")] == 3
    assert kinds[("city", "legal")] == levels["city"] and kinds[("county", "legal")] == counties
    primaries = [s for s in country.standards if s.primary]
    assert len(primaries) == len(cat.PRIMARIES) and {s.institution for s in primaries} == {"NIM"}


def test_links_go_up_to_an_ancestor(country):
    regions = {r.code: r for r in country.regions}
    institutions = {i.id: i for i in country.institutions}
    standards = {s.id: s for s in country.standards}

    def ancestors(code: str) -> list[str]:
        out = [code]
        while regions[out[-1]].parent:
            out.append(regions[out[-1]].parent)
        return out

    upstreams = Counter()
    for link in country.traceability:
        low = institutions[standards[link.standard].institution]
        up = institutions[standards[link.upstream].institution]
        assert LEVEL_RANK[up.level] > LEVEL_RANK[low.level]
        assert up.level == "national" or up.region in ancestors(low.region)[1:]
        assert standards[link.upstream].quantity == standards[link.standard].quantity
        if low.level == "province":
            assert standards[link.upstream].primary
        upstreams[link.standard] += 1
    non_primary = [s.id for s in country.standards if not s.primary]
    assert all(1 <= upstreams[s] <= 2 for s in non_primary)
    assert 0.1 < sum(1 for s in non_primary if upstreams[s] == 2) / len(non_primary) < 0.4


def test_shares_of_expired_expiring_suspended(country):
    dated = [s for s in country.standards if not s.primary]
    expired = sum(s.certificate_expiry < AS_OF for s in dated) / len(dated)
    expiring = sum(AS_OF <= s.certificate_expiry <= AS_OF + dt.timedelta(days=180) for s in dated) / len(dated)
    links = sum(link.valid_until < AS_OF for link in country.traceability) / len(country.traceability)
    status = Counter(s.status for s in dated)
    assert 0.025 < expired < 0.06 and 0.06 < expiring < 0.11 and 0.015 < links < 0.05
    assert 0.003 < status["suspended"] / len(dated) < 0.02 and status["retired"] / len(dated) < 0.012
    # Certificates over one certificate cycle after the snapshot date, issued (a cycle earlier) before it.
    assert all(s.certificate_expiry <= AS_OF + dt.timedelta(days=CERTIFICATE_YEARS * 365) for s in dated)
    assert all(s.established <= AS_OF for s in country.standards)
    later = [s.certificate_expiry for s in dated if s.certificate_expiry > AS_OF + dt.timedelta(days=180)]
    assert max(later) > AS_OF + dt.timedelta(days=(CERTIFICATE_YEARS - 1) * 365), "spread over the whole cycle"


def test_links_on_a_yearly_calibration_cycle(country):
    """Links valid about one year (some two) after the snapshot date, calibrated one cycle before their
    expiry and never after the snapshot date; so most lapse within a year unless renewed."""
    assert country.snapshot_date == AS_OF and country.default_as_of() == AS_OF
    one_year = AS_OF + dt.timedelta(days=365)
    cycles = Counter()
    for link in country.traceability:
        assert link.calibrated_on <= AS_OF < link.valid_until or link.valid_until < AS_OF
        years = link.valid_until.year - link.calibrated_on.year
        same_day = (link.calibrated_on.month, link.calibrated_on.day) == (link.valid_until.month, link.valid_until.day)
        assert years in (1, 2) and (same_day or (link.valid_until.month, link.valid_until.day) == (2, 29))
        assert link.valid_until <= AS_OF + dt.timedelta(days=365 * years)
        cycles[years] += 1
    assert 0.05 < cycles[2] / len(country.traceability) < 0.15
    beyond = sum(link.valid_until > one_year for link in country.traceability) / len(country.traceability)
    assert beyond < 0.1


def test_demand_has_gaps_zeros_and_household_meters(country):
    counties = [r.code for r in country.regions if r.level == "county"]
    by_county = Counter(d.region for d in country.demand)
    assert set(by_county) == set(counties)
    assert 0.01 < sum(d.count == 0 for d in country.demand) / len(country.demand) < 0.06
    household = {t.code for t in country.instrument_types if t.household_meter}
    meters = [d.count for d in country.demand if d.instrument_type in household and d.count]
    assert max(meters) > 10_000  # tens of thousands of household meters in a county


def test_validation_passes_and_round_trips(country, tmp_path):
    write_dataset(country, tmp_path, "csv", include_optional=True)
    read, report = check_dataset(tmp_path, AS_OF)
    assert report.errors == []
    assert {p.code for p in report.warnings} <= EXPECTED_WARNINGS
    assert {"expired", "expiring"} <= {p.code for p in report.warnings}
    assert read == country


def test_planning_tables():
    ds = synthesize_country(1, seed=2, as_of=AS_OF)
    assert len(ds.candidates) == len(cat.candidates())
    metrics = {(t.metric, t.filter, t.level): t.threshold for t in ds.targets}
    assert metrics[("coverage", "all", None)] == 0.95
    assert metrics[("weighted_coverage", "household_meter", None)] == 0.98
    assert metrics[("capacity_rate", "household_meter", None)] == 0.98
    assert {lv for m, _, lv in metrics if m == "standards_count"} == {"province", "city", "county"}
    assert all(t.region is None for t in ds.targets)
    bare = synthesize_country(1, seed=2, as_of=AS_OF, with_planning=False)
    assert bare.candidates == [] and bare.targets == []


def test_sizes_shape_the_legal_institutions():
    """Default sizes follow Shandong's 2020 plan: province ≈320, city ≈140, county ≈30."""
    regions = [Region(code="370000", name="P", level="province", parent=None),
               Region(code="370100", name="C1", level="city", parent="370000"),
               Region(code="370200", name="C2", level="city", parent="370000"),
               *(Region(code=f"3701{n:02d}", name=f"X{n}", level="county", parent="370100") for n in range(1, 5))]
    ds = synthesize(regions, seed=1, as_of=AS_OF)
    held = Counter(s.institution for s in ds.standards)
    assert 240 <= held["PROV-370000"] <= 400
    assert all(105 <= held[f"CITY-{c}"] <= 175 for c in ("370100", "370200"))
    assert all(15 <= held[f"CNTY-3701{n:02d}"] <= 40 for n in range(1, 5))
    small = synthesize(regions, seed=1, as_of=AS_OF, sizes=Sizes().scaled(0.25))
    assert len(small.standards) < len(ds.standards) / 2


# --- the bundled samples ----------------------------------------------------------------------------

@pytest.mark.parametrize("which", ["zaozhuang", "shandong"])
def test_sample_on_disk_equals_a_fresh_run(which, tmp_path):
    folder = _make_samples().write_sample(which, tmp_path)
    committed = SAMPLES / which
    fresh = {p.name: p.read_bytes() for p in sorted(folder.iterdir())}
    on_disk = {p.name: p.read_bytes() for p in sorted(committed.iterdir()) if p.is_file()}
    assert sorted(on_disk) == sorted(fresh), "run scripts/make_samples.py"
    for name, data in fresh.items():
        assert on_disk[name] == data, f"{which}/{name} differs from scripts/make_samples.py's output: rerun it"


def test_shandong_parts_on_disk_equal_a_fresh_run(tmp_path):
    ms = _make_samples()
    folder = ms.write_parts(ms.shandong(), tmp_path)
    committed = SAMPLES / ms.PARTS
    fresh = sorted(p.name for p in folder.iterdir())
    assert sorted(p.name for p in committed.iterdir() if p.is_file()) == fresh, "run scripts/make_samples.py"
    for name in fresh:
        same = (committed / name).read_bytes() == (folder / name).read_bytes()
        if not same and name.endswith(".xlsx"):  # another openpyxl may zip the same cells differently
            same = _cells(committed / name) == _cells(folder / name)
        assert same, f"{ms.PARTS}/{name} differs from scripts/make_samples.py's output: rerun it"


@pytest.mark.parametrize("which", ["zaozhuang", "shandong"])
def test_sample_has_a_snapshot_date_and_unique_certificates(which):
    ms = _make_samples()
    ds = read_dataset(SAMPLES / which)
    assert ds.snapshot_date == ms.SNAPSHOT == ds.default_as_of(dt.date(2030, 1, 1))
    assert ds.meta[0].source and ds.meta[0].compiled_by
    numbers = Counter(s.certificate_no for s in ds.standards)
    assert max(numbers.values()) == 1 and not set(numbers) & {s.id for s in ds.standards}
    assert all(x.calibrated_on <= ds.snapshot_date for x in ds.traceability)


@pytest.mark.parametrize("which", ["zaozhuang", "shandong"])
def test_figures_look_like_the_plans_at_the_snapshot_and_decline_after(which):
    """Coverage at the snapshot date like the plans' situation (above 90 %, short of the 95–98 % targets
    being met everywhere), and falling, nothing being renewed, as certificates and calibrations lapse."""
    ms = _make_samples()
    ds = read_dataset(SAMPLES / which)
    G = build_graph(ds)
    rates = [dataset_figures(G, day).coverage for _, _, day in ms.HORIZONS]
    snapshot, after_stale, one_year, two_years = rates
    assert 0.9 <= snapshot <= 0.97
    assert snapshot > one_year and snapshot >= after_stale >= one_year >= two_years
    assert after_stale > one_year + 0.2, "annual calibrations lapse over the year after the snapshot"
    # The README quotes the same figures.
    readme = (SAMPLES / which / "README.md").read_text(encoding="utf-8")
    assert all(f"{100 * r:.2f}%" in readme for r in rates)


def test_shandong_parts_merge_to_the_whole_sample():
    """The province's and the cities' workbooks (registry headers, links by certificate number) merged
    give the Shandong sample: the same rows in every table and the same figures."""
    ms = _make_samples()
    whole = read_dataset(SAMPLES / "shandong")
    parts = sorted((SAMPLES / ms.PARTS).glob("*.xlsx"))
    assert [p.name.split("-")[0] for p in parts] == sorted(r.code for r in whole.regions if r.level != "county")
    merged, report = check_parts(parts)
    assert report.errors == [] and merged is not None
    for model in TABLES:
        assert _as_set(merged.rows(model)) == _as_set(whole.rows(model)), model.table
    assert merged.snapshot_date == whole.snapshot_date
    for day in (whole.snapshot_date, ms.HORIZONS[2][2]):
        assert coverage(build_graph(merged), day).to_contract() == coverage(build_graph(whole), day).to_contract()


def test_city_parts_are_in_registry_shape():
    ms = _make_samples()
    whole = read_dataset(SAMPLES / "shandong")
    certificates = {s.certificate_no for s in whole.standards}
    names = {i.name for i in whole.institutions}
    cells = _cells(SAMPLES / ms.PARTS / "370400-枣庄市.xlsx")
    standards, links = cells["standards"], cells["traceability"]
    assert {"标准编号", "计量标准名称", "计量标准证书号", "计量标准有效期", "建标日期", "建标单位"} <= set(standards[0])
    assert {"计量标准证书号", "溯源标准证书号", "溯源有效期至", "检定日期"} <= set(links[0])
    at = standards[0].index("建标单位")
    assert {row[at] for row in standards[1:]} <= names
    ends = [links[0].index("计量标准证书号"), links[0].index("溯源标准证书号")]
    assert {row[k] for row in links[1:] for k in ends} <= certificates
    assert len(standards) > 1 and len(links) > 1 and len(cells["demand"]) > 1


def test_zaozhuang_sample_is_shaped_like_the_plan():
    ds, report = check_dataset(SAMPLES / "zaozhuang")
    assert report.errors == [] and {p.code for p in report.warnings} <= EXPECTED_WARNINGS
    counties = {r.code for r in ds.regions if r.level == "county"}
    assert counties == {"370402", "370403", "370404", "370405", "370406", "370481"}
    held = Counter(s.institution for s in ds.standards)
    assert 105 <= held["CITY-370400"] <= 135
    assert 18 <= sum(held[f"CNTY-{c}"] for c in counties) / 6 <= 32
    assert 350 <= sum(d.count > 0 for d in ds.demand) <= 470
    assert [t.id for t in ds.targets][:2] == ["ZZ-2016-standards_count-city", "ZZ-2016-standards_count-county"]
    assert all(t.source for t in ds.targets)


def test_shandong_regions_are_the_real_divisions():
    ms = _make_samples()
    regions = ms.read_regions()
    levels = Counter(r.level for r in regions)
    assert (levels["province"], levels["city"], levels["county"]) == (1, 16, 136)
    names = {r.code: r.name for r in regions}
    assert names["370116"] == "莱芜区" and names["370117"] == "钢城区" and "371200" not in names  # Laiwu merged 2019
    assert names["370614"] == "蓬莱区" and "370634" not in names and "370684" not in names  # Changdao merged 2020
    assert names["370211"] == "黄岛区" and names["370215"] == "即墨区" and names["371003"] == "文登区"
    assert names["371503"] == "茌平区" and names["371681"] == "邹平市" and names["371703"] == "定陶区"
