"""Regenerate the bundled sample datasets, deterministically.

    .venv/bin/python scripts/make_samples.py            # both samples into data/standards/
    .venv/bin/python scripts/make_samples.py --only zaozhuang --out /tmp/samples

- ``data/standards/zaozhuang/``: 山东省 370000 → 枣庄市 370400 → its six real county-level
  divisions, sized like the 2015 Zaozhuang opinion (city ≈120 public standards, district
  average ≈25, ≈410 demand items); the province keeps only the standards that serve them.
- ``data/standards/shandong/``: the real divisions of ``data/regions/shandong.csv``, sized like
  Shandong's 2013 opinion (province ≈320, city average ≈140, county average ≈30).

Both use 2026-01-01 as the reference date for expiries and take their targets verbatim from
``data/standards/targets/``. ``tests/test_synth.py`` checks that the committed Zaozhuang sample
equals what this script generates, so the data never drifts from the code: after changing the
catalogue or the generator, run this script and commit the result.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere: use this checkout's package
    sys.path.insert(0, str(ROOT))

from tracegraph.io import write_dataset  # noqa: E402
from tracegraph.models import Dataset, Region, Target  # noqa: E402
from tracegraph.synth import Sizes, synthesize  # noqa: E402

AS_OF = dt.date(2026, 1, 1)
REGIONS = ROOT / "data" / "regions" / "shandong.csv"
TARGETS = ROOT / "data" / "standards" / "targets"
OUT = ROOT / "data" / "standards"

ZAOZHUANG = "370400"
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


def zaozhuang() -> Dataset:
    regions = [r for r in read_regions() if r.code in ("370000", ZAOZHUANG) or r.parent == ZAOZHUANG]
    ds = synthesize(regions, seed=ZAOZHUANG_SEED, as_of=AS_OF, sizes=ZAOZHUANG_SIZES)
    return ds.model_copy(update={"targets": read_targets(TARGETS / "zaozhuang-2015.csv")})


def shandong() -> Dataset:
    ds = synthesize(read_regions(), seed=SHANDONG_SEED, as_of=AS_OF, sizes=SHANDONG_SIZES)
    return ds.model_copy(update={"targets": read_targets(TARGETS / "shandong-2013.csv")})


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
    "- 证书编号、证书有效期、建标日期（`established`，按 4 年证书周期回推，分布于 2005 年至参考日期）、"
    "溯源证书编号和日期、暂停/撤销状态；",
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
- Certificate numbers and expiries, establishment dates (`established`, whole 4-year certificate cycles back
  from the current certificate, spread over 2005 to the reference date), calibration certificates and dates,
  suspended/retired statuses.
- Capacities, renewal costs, candidate build costs (province 80–300, city 30–120, county 10–50 万元).
- In-service instrument counts per county (`demand.csv`) and the gaps.
- All other verification periods (12 or 24 months, confidence L).

For demonstrations and tests only: it describes no real institution or region and must not be quoted as fact.
"""


def readme(ds: Dataset, which: str) -> str:
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
    how_zh = (f"`scripts/make_samples.py`（`tracegraph.synth.synthesize`，种子 {seed}，参考日期 {AS_OF.isoformat()}，"
              f"`{sizes!r}`）")
    how_en = (f"`scripts/make_samples.py` (`tracegraph.synth.synthesize`, seed {seed}, as-of {AS_OF.isoformat()}, "
              f"`{sizes!r}`)")
    return "\n".join([
        title, "",
        "## 中文", "",
        zh, "",
        f"由 {how_zh} 确定性生成，请勿手工编辑；`tests/test_synth.py` 检查磁盘上的数据与重新生成的结果逐字节一致。"
        "证书到期日围绕参考日期分布：约 4% 已过期，约 8% 在 180 天内到期（读入时会给出警告，属正常）。", "",
        _COMMON_ZH.format(targets=targets),
        "## English", "",
        en, "",
        f"Generated deterministically by {how_en}; do not edit by hand: `tests/test_synth.py` checks that the files "
        "on disk are byte-identical to a fresh run. Certificate expiries are spread around the reference date "
        "(about 4 % expired, 8 % expiring within 180 days), so reading the dataset reports warnings: expected.", "",
        _COMMON_EN.format(targets=targets),
        "## 规模 / Size", "",
        _table(ds), "",
    ])


# --- writing ----------------------------------------------------------------------------------------

BUILDERS = {"zaozhuang": zaozhuang, "shandong": shandong}


def write_sample(which: str, out: Path = OUT) -> Path:
    """Generate one sample into ``out/which`` (CSV tables, UTF-8, plus README.md)."""
    ds = BUILDERS[which]()
    folder = out / which
    write_dataset(ds, folder, "csv", include_optional=True)
    (folder / "README.md").write_text(readme(ds, which), encoding="utf-8")
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help="parent folder (default data/standards)")
    parser.add_argument("--only", choices=sorted(BUILDERS), action="append", help="one sample (repeatable)")
    args = parser.parse_args(argv)
    for which in args.only or list(BUILDERS):
        folder = write_sample(which, args.out)
        print(f"wrote {folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
