"""Regenerate the bundled sample datasets, deterministically.

    .venv/bin/python scripts/make_samples.py            # both samples into data/standards/
    .venv/bin/python scripts/make_samples.py --only zaozhuang --out /tmp/samples

- ``data/standards/zaozhuang/``: 山东省 370000 → 枣庄市 370400 → its six real county-level
  divisions, sized like the 2015 Zaozhuang opinion (city ≈120 public standards, district
  average ≈25, ≈410 demand items); the province keeps only the standards that serve them.
- ``data/standards/shandong/``: the real divisions of ``data/regions/shandong.csv``, sized like
  Shandong's 2013 opinion (province ≈320, city average ≈140, county average ≈30).
- ``data/standards/shandong-parts/``: the same Shandong sample cut into the workbooks a province
  collects (``changes.md``): ``370000-山东省.xlsx`` (the provincial and national institutions, all
  regions and the shared tables) and one ``3701xx-<city>.xlsx`` per city (its institutions, standards,
  links and demand), in registry headers, standards named by certificate number in the links.
  Merging them gives the Shandong sample back.

Both samples have the snapshot date 2026-09-30 (``meta.csv``; the end of Q3), around which the
certificates (five-year cycle) and calibrations (about one year) are dated, and take their targets
verbatim from ``data/standards/targets/``. Each README quotes the coverage at the snapshot date and
after it. ``tests/test_synth.py`` checks that the committed samples and parts equal what this script
generates, so the data never drifts from the code: after changing the catalogue or the generator,
run this script and commit the result.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import sys
import zipfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere: use this checkout's package
    sys.path.insert(0, str(ROOT))

from tracegraph.algorithms import Figures, dataset_figures  # noqa: E402
from tracegraph.changes import region_part  # noqa: E402
from tracegraph.graph import build_graph  # noqa: E402
from tracegraph.io import write_dataset  # noqa: E402
from tracegraph.models import CERTIFICATE_YEARS, STALE_DAYS, Dataset, Meta, Region, Target  # noqa: E402
from tracegraph.synth import Sizes, synthesize  # noqa: E402

#: The samples' snapshot date (数据截至日期): the end of Q3 2026. Expiries and calibrations are dated around it.
SNAPSHOT = dt.date(2026, 9, 30)
AS_OF = SNAPSHOT
SOURCE = "tracegraph 合成样例数据 (scripts/make_samples.py)"
REGIONS = ROOT / "data" / "regions" / "shandong.csv"
TARGETS = ROOT / "data" / "standards" / "targets"
OUT = ROOT / "data" / "standards"

PROVINCE = "370000"
ZAOZHUANG = "370400"
PARTS = "shandong-parts"
ZAOZHUANG_SEED = 2015
SHANDONG_SEED = 2013
#: 2015 Zaozhuang opinion: city 120 standards, district average 25, 410 items (≈ 6 counties × 70 types).
ZAOZHUANG_SIZES = Sizes(province=None, city=120, county=25, grid=5, water=2, water_share=1.0, spread=0.1,
                        demand_types=70)
#: 2013 Shandong opinion, 2020 figures: province 320, city average 140, county average 30.
SHANDONG_SIZES = Sizes(province=320, city=140, county=30)


def read_regions(path: Path = REGIONS) -> list[Region]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return [Region(code=r["code"], name=r["name"], level=r["level"], parent=r["parent"] or None)
                for r in csv.DictReader(f)]


def read_targets(path: Path) -> list[Target]:
    """The plan's targets, row for row (columns id, region, metric, filter, level, threshold,
    year, source, note)."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        return [Target.model_validate({k: v for k, v in row.items() if v not in (None, "")})
                for row in csv.DictReader(f)]


def _meta(compiled_by: str) -> list[Meta]:
    return [Meta(snapshot_date=SNAPSHOT, source=SOURCE, compiled_by=compiled_by)]


def zaozhuang() -> Dataset:
    regions = [r for r in read_regions() if r.code in (PROVINCE, ZAOZHUANG) or r.parent == ZAOZHUANG]
    ds = synthesize(regions, seed=ZAOZHUANG_SEED, as_of=SNAPSHOT, sizes=ZAOZHUANG_SIZES)
    return ds.model_copy(update={"targets": read_targets(TARGETS / "zaozhuang-2015.csv"),
                                 "meta": _meta("枣庄市计量测试所（合成）")})


def shandong() -> Dataset:
    ds = synthesize(read_regions(), seed=SHANDONG_SEED, as_of=SNAPSHOT, sizes=SHANDONG_SIZES)
    return ds.model_copy(update={"targets": read_targets(TARGETS / "shandong-2013.csv"),
                                 "meta": _meta("山东省计量科学研究院（合成）")})


# --- the figures over time ------------------------------------------------------------------------

def _years_after(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


#: When the READMEs quote the figures: the snapshot date, the end of the warning-free window, a year and two on.
HORIZONS: tuple[tuple[str, str, dt.date], ...] = (
    ("数据截至日期", "snapshot date", SNAPSHOT),
    (f"+{STALE_DAYS} 天", f"+{STALE_DAYS} days", SNAPSHOT + dt.timedelta(days=STALE_DAYS)),
    ("+1 年", "+1 year", _years_after(SNAPSHOT, 1)),
    ("+2 年", "+2 years", _years_after(SNAPSHOT, 2)),
)


#: (label in Chinese, in English, date, figures of filter ``all``, of ``household_meter``).
Horizon = tuple[str, str, dt.date, Figures, Figures]


def decline(ds: Dataset) -> list[Horizon]:
    """The whole dataset's figures (filter ``all`` and ``household_meter``) at each of :data:`HORIZONS`,
    nothing renewed after the snapshot date."""
    G = build_graph(ds)
    return [(zh, en, day, dataset_figures(G, day), dataset_figures(G, day, "household_meter"))
            for zh, en, day in HORIZONS]


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.2f}%"


def _decline_table(rows: list[Horizon]) -> str:
    out = ["| 判断时点 / as of | 日期 date | 覆盖率 coverage | 加权覆盖率 weighted | 能力满足率 capacity rate "
           "| 民用四表加权覆盖率 household meters, weighted |", "|---|---|---:|---:|---:|---:|"]
    out += [f"| {zh} / {en} | {day.isoformat()} | {_pct(f.coverage)} | {_pct(f.weighted_coverage)} "
            f"| {_pct(f.capacity_rate)} | {_pct(h.weighted_coverage)} |" for zh, en, day, f, h in rows]
    return "\n".join(out)


# --- READMEs --------------------------------------------------------------------------------------

def _counts(ds: Dataset) -> list[tuple[str, str, int]]:
    inst = {i.id: i for i in ds.institutions}
    by_level = Counter(inst[s.institution].level for s in ds.standards)
    authorized = sum(1 for s in ds.standards if inst[s.institution].kind == "authorized")
    levels = Counter(r.level for r in ds.regions)
    return [
        ("地区（省/市/县）", "regions (province/city/county)", len(ds.regions)),
        ("　其中县级", "  of which counties", levels["county"]),
        ("机构", "institutions", len(ds.institutions)),
        ("　其中授权机构", "  of which authorized", sum(1 for i in ds.institutions if i.kind == "authorized")),
        ("计量标准（含国家基准）", "standards (incl. national primaries)", len(ds.standards)),
        ("　国家级（基准）", "  national (primaries)", by_level["national"]),
        ("　省级", "  province level", by_level["province"]),
        ("　市级", "  city level", by_level["city"]),
        ("　县级", "  county level", by_level["county"]),
        ("　其中授权机构持有", "  held by authorized institutions", authorized),
        ("溯源关系", "traceability links", len(ds.traceability)),
        ("需求行", "demand rows", len(ds.demand)),
        ("　需求项（数量>0）", "  items (count > 0)", sum(1 for d in ds.demand if d.count > 0)),
        ("器具种类", "instrument types", len(ds.instrument_types)),
        ("候选建设项目", "candidates", len(ds.candidates)),
        ("规划目标", "targets", len(ds.targets)),
    ]


def _table(ds: Dataset) -> str:
    rows = ["| 内容 | content | 数量 count |", "|---|---|---:|"]
    rows += [f"| {zh} | {en.strip()} | {n} |" for zh, en, n in _counts(ds)]
    return "\n".join(rows)


_COMMON_ZH = "\n".join([
    "**真实的部分**",
    "- 地区名称与代码（GB/T 2260，2020 年代区划，含 2019 年莱芜并入济南、2020 年长岛并入蓬莱区等调整）；",
    "- 规划目标（`targets.csv`）：逐行取自 `data/standards/targets/{targets}`，"
    "`source` 列逐字引用规划原文，`note` 列说明对应方式；",
    "- 器具名称（`instrument_types.csv`）：强制管理的计量器具目录（市场监管总局公告 2019 年第 48 号，"
    "2020 年第 42 号调整）中的项目和常见校准项目；标注 H/M 的检定周期或使用年限取自公开规程"
    "（燃油加油机 6 个月，水表 6 年/4 年，燃气表 10 年，电能表 8 年，呼出气体酒精含量检测仪 6 个月）；",
    "- 计量标准名称（JJF 1022 风格，如 E2等级砝码标准装置、水表检定装置、膜式燃气表检定装置）"
    "和典型溯源链形状（国家计量基准 → 省 → 市 → 县；“省级求高端，市级促重点，县级抓基础”）；",
    "- 机构名称的形式（如“山东省计量科学研究院”“国网山东省电力公司计量中心”确有其机构，"
    "但这里列出的计量标准并非其真实清单）。",
    "",
    "**示意（虚构）的部分**",
    "- 各机构持有哪些计量标准、各有几套，各级标准数量；",
    f"- 证书编号、证书有效期、建标日期（`established`，按 {CERTIFICATE_YEARS} 年证书周期回推，"
    "分布于 2005 年至数据截至日期）、溯源证书编号和日期、暂停/撤销状态；",
    "- 年检定能力、复查费用（`renewal_cost`）、候选项目建设费用"
    "（`build_cost`，省 80–300、市 30–120、县 10–50 万元）；",
    "- 各县在用器具数量（`demand.csv`）及器具缺口；",
    "- 其他检定周期（按 12 或 24 个月处理，置信度 L）。",
    "",
    "本数据只用于演示和测试，不代表任何机构或地区的真实情况，不得引用为事实。",
    "",
])

_COMMON_EN = """\
**Real**
- Region names and codes (GB/T 2260, divisions of the 2020s, including Laiwu's merger into Jinan in 2019 and
  Changdao's into Penglai district in 2020).
- Plan targets (`targets.csv`): the rows of `data/standards/targets/{targets}`, with the plan's sentence quoted
  verbatim in `source` and the mapping explained in `note`.
- Instrument names (`instrument_types.csv`): items of the catalogue of instruments under compulsory
  administration (SAMR 2019 No. 48, adjusted 2020 No. 42) and common calibration items; the periods or
  service lives marked H/M come from public regulations (fuel dispensers 6 months, water meters 6/4 years,
  gas meters 10 years, electricity meters 8 years, breathalysers 6 months).
- Standard names (JJF 1022 style) and the typical chain shapes (national primary → province → city →
  county; "province high-end, city key items, county basics").
- The form of institution names (the Shandong Institute of Metrology and the State Grid Shandong metering
  centre exist, but the standards listed here are not their real inventories).

**Illustrative (made up)**
- Which standards each institution holds, how many sets, the counts per level.
- Certificate numbers and expiries, establishment dates (`established`, whole {years}-year certificate cycles
  back from the current certificate, spread over 2005 to the snapshot date), calibration certificates and
  dates, suspended/retired statuses.
- Capacities, renewal costs, candidate build costs (province 80–300, city 30–120, county 10–50 万元).
- In-service instrument counts per county (`demand.csv`) and the gaps.
- All other verification periods (12 or 24 months, confidence L).

For demonstrations and tests only: it describes no real institution or region and must not be quoted as fact.
"""


def readme(ds: Dataset, which: str, figures: list[Horizon] | None = None) -> str:
    if which == "zaozhuang":
        title = "# 枣庄市样例数据集 / Zaozhuang sample dataset"
        zh = ("山东省枣庄市（370400）及其 6 个区（市）：市中区 370402、薛城区 370403、峄城区 370404、台儿庄区 370405、"
              "山亭区 370406、滕州市 370481，上级为山东省（370000）。规模按《枣庄市人民政府关于贯彻落实〈计量发展规划"
              "（2013—2020年）〉的实施意见》（2015 年）设定：市级约 120 项社会公用计量标准，区（市）级平均约 25 项，"
              "约 410 个需求项（6 个区（市）× 约 70 种器具）。省级只保留为其服务所需的标准（山东省计量科学研究院和电网"
              "计量中心，数量已缩减）。")
        en = ("Zaozhuang city (370400) in Shandong with its six real county-level divisions, under Shandong province "
              "(370000). Sized like the 2015 Zaozhuang opinion: about 120 public standards at the city institute, "
              "about 25 per district, about 410 demand items (6 divisions × about 70 instrument types). The "
              "province keeps only the standards that serve them (the provincial institute and the grid metering "
              "centre, scaled down).")
        targets, seed, sizes = "zaozhuang-2015.csv", ZAOZHUANG_SEED, ZAOZHUANG_SIZES
    else:
        title = "# 山东省样例数据集 / Shandong sample dataset"
        zh = ("山东省（370000）全部 16 个设区市和 136 个县级行政区（`data/regions/shandong.csv`）。"
              "规模按《山东省人民政府关于贯彻落实〈计量发展规划（2013-2020年）〉的实施意见》"
              "（鲁政发〔2013〕27号）2020 年目标设定：省级约 320 项社会公用计量标准，"
              "市级平均约 140 项，县级平均约 30 项。")
        en = ("All 16 prefecture-level cities and 136 county-level divisions of Shandong (370000), from "
              "`data/regions/shandong.csv`. Sized like the 2020 figures of Shandong's 2013 opinion "
              "(鲁政发〔2013〕27号): about 320 public standards at the province, 140 per city and 30 per "
              "county on average.")
        targets, seed, sizes = "shandong-2013.csv", SHANDONG_SEED, SHANDONG_SIZES
    how_zh = (f"`scripts/make_samples.py`（`tracegraph.synth.synthesize`，种子 {seed}，数据截至日期 "
              f"{SNAPSHOT.isoformat()}，`{sizes!r}`）")
    how_en = (f"`scripts/make_samples.py` (`tracegraph.synth.synthesize`, seed {seed}, snapshot date "
              f"{SNAPSHOT.isoformat()}, `{sizes!r}`)")
    parts_zh = parts_en = ""
    if which == "shandong":
        parts_zh = f"同一数据按省、市拆分成的填报工作簿见 `../{PARTS}/`，合并后与本数据集完全相同。"
        parts_en = (f" The same data cut into the workbooks the cities submit is in `../{PARTS}/`; merged, they "
                    "give this dataset.")
    rows = decline(ds) if figures is None else figures
    return "\n".join([
        title, "",
        "## 中文", "",
        zh + parts_zh, "",
        f"由 {how_zh} 确定性生成，请勿手工编辑；`tests/test_synth.py` 检查磁盘上的数据与重新生成的结果逐字节一致。", "",
        f"数据截至日期（`meta.csv` 的 `snapshot_date`）为 {SNAPSHOT.isoformat()}（第三季度末），"
        f"不给 `--as-of` 时即按此日期计算。计量标准考核证书按 {CERTIFICATE_YEARS} 年周期分布："
        "约 4% 在截至日期已过期，约 8% 在其后 180 天内到期（读入时会给出警告，属正常），其余在此后 5 年内陆续到期。"
        "溯源（检定/校准）按约 1 年的周期分布（约 10% 为 2 年）："
        "`valid_until` 大多在截至日期后一个周期内，约 3% 已逾期未检，`calibrated_on` 为其前一个周期、不晚于截至日期。"
        "因此截至日期的指标与规划所述现状相近（覆盖率九成以上）；此后若不更新数据、也不复查复校，指标随到期逐步下降（见下文“指标随时间的变化”）。"
        f"按晚于截至日期 {STALE_DAYS} 天以上的日期判断时会给出警告。", "",
        _COMMON_ZH.format(targets=targets),
        "## English", "",
        en + parts_en, "",
        f"Generated deterministically by {how_en}; do not edit by hand: `tests/test_synth.py` checks that the files "
        "on disk are byte-identical to a fresh run.", "",
        f"The snapshot date (`snapshot_date` in `meta.csv`) is {SNAPSHOT.isoformat()}, the end of Q3; it is "
        f"the default as-of date. Certificates follow a {CERTIFICATE_YEARS}-year cycle: about 4 % have expired "
        "at the snapshot date and 8 % expire within 180 days after it (so reading the dataset reports "
        "warnings: expected), the rest over the following five years. Calibrations (the links) follow a cycle "
        "of about one year (10 % two years): most `valid_until` fall within one cycle after the snapshot date, "
        "about 3 % have lapsed, and `calibrated_on` is one cycle earlier, never after the snapshot date. So "
        "the figures at the snapshot date look like the plans' situation (coverage above 90 %), and judged "
        "later they decline as certificates and calibrations lapse, nothing being renewed after the snapshot "
        f"(see The figures over time below); judging more than {STALE_DAYS} days after it draws a warning.", "",
        _COMMON_EN.format(targets=targets, years=CERTIFICATE_YEARS),
        "## 指标随时间的变化 / The figures over time", "",
        "全部数据（省级），截至日期后不作任何更新 / the whole dataset (the province), nothing renewed after the "
        "snapshot date:", "",
        _decline_table(rows), "",
        "## 规模 / Size", "",
        _table(ds), "",
    ])


# --- the Shandong parts ---------------------------------------------------------------------------

#: Registry headers (changes.md, Header aliases) the parts are written in; every other column in Chinese.
REGISTRY_HEADERS = {
    "standards": {"name": "计量标准名称", "certificate_no": "计量标准证书号", "certificate_expiry": "计量标准有效期",
                  "established": "建标日期", "institution": "建标单位"},
    "traceability": {"standard": "计量标准证书号", "upstream": "溯源标准证书号", "valid_until": "溯源有效期至",
                     "calibrated_on": "检定日期"},
}


def province_part(ds: Dataset, province: str = PROVINCE) -> Dataset:
    """The province's own submission: the institutions located at the province code and the national ones,
    their standards and the links out of them, every region, and the shared tables (no demand: counties')."""
    institutions = {i.id for i in ds.institutions if i.region == province or i.level == "national"}
    standards = {s.id for s in ds.standards if s.institution in institutions}
    return Dataset.model_construct(
        regions=list(ds.regions), institutions=[i for i in ds.institutions if i.id in institutions],
        instrument_types=list(ds.instrument_types), standards=[s for s in ds.standards if s.id in standards],
        traceability=[x for x in ds.traceability if x.standard in standards], demand=[],
        candidates=list(ds.candidates), targets=list(ds.targets), meta=list(ds.meta))


def registry_shape(part: Dataset, whole: Dataset) -> Dataset:
    """A part as a registry exports it: each standard's institution by name (when names identify institutions
    in ``whole``), and both ends of each link by certificate number (ids are kept in the standards' 标准编号)."""
    names = Counter(i.name for i in whole.institutions)
    ids = {i.id for i in whole.institutions}
    by_name = all(n == 1 for n in names.values()) and not ids & set(names)
    name = {i.id: i.name for i in whole.institutions}
    certificates = Counter(s.certificate_no for s in whole.standards)
    assert all(n == 1 for n in certificates.values()), "a certificate number held by two standards"
    assert not {s.id for s in whole.standards} & set(certificates), "a certificate number equal to an id"
    cert = {s.id: s.certificate_no for s in whole.standards}
    standards = [s.model_copy(update={"institution": name[s.institution]}) if by_name else s for s in part.standards]
    links = [x.model_copy(update={"standard": cert[x.standard], "upstream": cert[x.upstream]})
             for x in part.traceability]
    return part.model_copy(update={"standards": standards, "traceability": links})


def parts(ds: Dataset) -> dict[str, Dataset]:
    """File name → part: the province's, then one per city (code order)."""
    province = next(r for r in ds.regions if r.level == "province")
    out = {f"{province.code}-{province.name}.xlsx": province_part(ds, province.code)}
    for city in sorted((r for r in ds.regions if r.level == "city"), key=lambda r: r.code):
        out[f"{city.code}-{city.name}.xlsx"] = region_part(ds, city.code)
    return {name: registry_shape(part, ds) for name, part in out.items()}


def _pin_xlsx(path: Path, when: dt.date) -> None:
    """Make a workbook's bytes depend on its content only: fixed dates in its properties and zip entries."""
    stamp = f"{when.isoformat()}T00:00:00Z"
    with zipfile.ZipFile(path) as book:
        entries = [(info.filename, book.read(info.filename)) for info in book.infolist()]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as book:
        for filename, data in entries:
            if filename == "docProps/core.xml":
                text = data.decode("utf-8")
                for tag in ("dcterms:created", "dcterms:modified"):
                    start = text.find(f"<{tag}")
                    if start >= 0:
                        open_end = text.index(">", start) + 1
                        close = text.index(f"</{tag}>", open_end)
                        text = text[:open_end] + stamp + text[close:]
                data = text.encode("utf-8")
            info = zipfile.ZipInfo(filename, date_time=(when.year, when.month, when.day, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            book.writestr(info, data)
    path.write_bytes(buffer.getvalue())


def _count_line(file: str, part: Dataset) -> str:
    return (f"| `{file}` | {len(part.institutions)} | {len(part.standards)} | {len(part.traceability)} "
            f"| {len(part.demand)} |")


def parts_readme(written: dict[str, Dataset]) -> str:
    rows = ["| 文件 file | 机构 institutions | 计量标准 standards | 溯源关系 links | 需求行 demand rows |",
            "|---|---:|---:|---:|---:|", *(_count_line(f, p) for f, p in written.items())]
    province, first_city, *_ = written
    code = first_city.split("-")[0]
    headers_zh = "、".join(REGISTRY_HEADERS["standards"].values())
    links_zh = "、".join(REGISTRY_HEADERS["traceability"].values())
    return "\n".join([
        "# 山东省分市填报样例 / Shandong sample, as the cities submit it", "",
        "## 中文", "",
        f"`../shandong/` 样例数据集按填报单位拆分的工作簿（由 `scripts/make_samples.py` 生成，请勿手工编辑）："
        f"`{province}` 为省级部分（位于省本级的机构和国家级机构、其计量标准及溯源关系，全部地区，"
        "以及器具目录、候选项目、规划目标和 `meta`）；每个设区市一个工作簿（`changes.region_part`：该市辖区内的机构、"
        "其计量标准、由这些标准出发的溯源关系、其所辖县的需求，以及该市的地区和上级地区）。", "",
        f"工作簿使用计量标准管理系统导出的表头：`standards` 表为 {headers_zh}（建标单位填机构名称），并保留"
        f"“标准编号”列；`traceability` 表为 {links_zh}，两端都以计量标准证书号标识（上级标准可能在别的工作簿中）。"
        "其余列使用模板的中文表头。单个市的工作簿本身不完整（溯源到省级的标准在省级工作簿中），合并后才能校验。", "",
        "收集流程：", "",
        "```bash",
        "# 合并各部分并整体校验（有错误则不写出），再载入 Neo4j",
        f"tracegraph merge build/shandong.xlsx data/standards/{PARTS}/*.xlsx",
        "tracegraph load build/shandong.xlsx",
        "# 某市重报后：只替换 Neo4j 中该市的部分（其机构、计量标准、溯源关系和所辖县的需求），其余不变",
        f"tracegraph load data/standards/{PARTS}/{first_city} --part {code}",
        "```", "",
        "各部分中键相同的行（如每个工作簿都带的省级地区）必须完全一致，否则报错并指出两个部分。"
        "`tests/test_synth.py` 检查全部工作簿合并后与 `../shandong/` 的每一行、每个指标都相同。", "",
        "## English", "",
        f"The sample `../shandong/` cut into the workbooks a province collects (generated by "
        f"`scripts/make_samples.py`; do not edit by hand): `{province}` is the province's own part (the "
        "institutions located at the province code itself and the national ones, their standards and the links "
        "out of them, every region, and the instrument types, candidates, targets and `meta`); each city has one "
        "workbook (`changes.region_part`: the institutions located in the city's subtree, their standards, the "
        "links out of those standards, its counties' demand, and its regions with their ancestors).", "",
        f"The workbooks use registry headers (`changes.md`, Header aliases): `standards` has {headers_zh} "
        "(建标单位 holds the institution's name) and keeps 标准编号 so that ids are preserved; `traceability` "
        f"has {links_zh}, naming both ends by certificate number (an upstream may be in another workbook). "
        "Every other column has the template's Chinese header. A city's workbook alone is incomplete (the "
        "provincial standards it traces to are in the province's), so it is checked when merged.", "",
        "Collecting:", "",
        "```bash",
        "# merge the parts, validated as a whole (nothing is written on an error), then load into Neo4j",
        f"tracegraph merge build/shandong.xlsx data/standards/{PARTS}/*.xlsx",
        "tracegraph load build/shandong.xlsx",
        "# a city resubmits: replace only its part in Neo4j (its institutions, standards, links and its",
        "# counties' demand) and keep the rest",
        f"tracegraph load data/standards/{PARTS}/{first_city} --part {code}",
        "```", "",
        "Rows with the same key in several parts (such as the province's region, in every workbook) must be "
        "identical, else it is an error naming both parts. `tests/test_synth.py` checks that all the workbooks "
        "merged equal `../shandong/` row for row, with the same figures.", "",
        "## 各部分 / Parts", "",
        *rows, "",
    ])


def write_parts(ds: Dataset, out: Path = OUT) -> Path:
    """The Shandong sample as its parts (``out/shandong-parts``: one .xlsx per part, plus README.md)."""
    folder = out / PARTS
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.xlsx"):
        stale.unlink()
    written = parts(ds)
    for file, part in written.items():
        path = write_dataset(part, folder / file, "xlsx", lang="zh", headers=REGISTRY_HEADERS)
        _pin_xlsx(path, SNAPSHOT)
    (folder / "README.md").write_text(parts_readme(written), encoding="utf-8")
    return folder


# --- writing ----------------------------------------------------------------------------------------

BUILDERS = {"zaozhuang": zaozhuang, "shandong": shandong}


def _write(which: str, out: Path) -> tuple[Path, Dataset, list[Horizon]]:
    ds = BUILDERS[which]()
    folder = out / which
    write_dataset(ds, folder, "csv", include_optional=True)
    figures = decline(ds)
    (folder / "README.md").write_text(readme(ds, which, figures), encoding="utf-8")
    return folder, ds, figures


def write_sample(which: str, out: Path = OUT) -> Path:
    """Generate one sample into ``out/which`` (CSV tables, UTF-8, plus README.md)."""
    return _write(which, out)[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help="parent folder (default data/standards)")
    parser.add_argument("--only", choices=sorted(BUILDERS), action="append",
                        help="one sample (repeatable; shandong also writes shandong-parts)")
    args = parser.parse_args(argv)
    for which in args.only or list(BUILDERS):
        folder, ds, figures = _write(which, args.out)
        print(f"wrote {folder}")
        for _, en, day, f, h in figures:
            print(f"  {en:<14} {day}  coverage {_pct(f.coverage):>7}  weighted {_pct(f.weighted_coverage):>7}  "
                  f"capacity {_pct(f.capacity_rate):>7}  household weighted {_pct(h.weighted_coverage):>7}")
        if which == "shandong":
            print(f"wrote {write_parts(ds, args.out)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
