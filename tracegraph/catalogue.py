"""A realistic domain catalogue, as plain data: instrument types, standard kinds, national primaries.

What is real and what is illustrative
-------------------------------------
- **Real (H/M)**: the instrument names (the catalogue of instruments under compulsory
  administration, SAMR 2019 No.48 as adjusted 2020 No.42, plus well-known calibration
  items), the standard names (JJF 1022 style: E2等级砝码标准装置, 水表检定装置, …), the
  discipline codes (JJF 1022 first level: 01 几何量, 04 热学, 12 力学, 15 电磁学, 25 时间频率,
  28 光学, 33 声学, 37 电离辐射, 46 物理化学), the typical chain shapes (NIM primary →
  province → city → county) and the periods marked H or M in
  ``shared/reference/metrology-facts.md`` (fuel dispensers 6 months, household water meters
  6/4 years' life, gas meters 10 years, electricity meters 8 years, breathalysers 6 months).
- **Illustrative (L)**: every other period (12 or 24 months where unknown, as the facts file
  says to do), ``typical_count`` and ``prevalence`` of instruments in a county, which level
  holds which standard kind and how often (``prevalence``), capacities and build costs. They
  shape synthetic data (:mod:`tracegraph.synth`) so that it looks like a real province; they
  are not measurements of any real province.

Level roles follow Shandong's 2013 opinion: 省级求高端，市级促重点，县级抓基础 — the
province holds the high-end and upstream standards, the city the key items, the county the
high-volume mandatory items (scales, fuel dispensers, pressure gauges, blood-pressure meters).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from tracegraph.models import Candidate

LEVELS: tuple[str, ...] = ("province", "city", "county")

#: JJF 1022-2014 first-level discipline codes (H).
DISCIPLINES: Mapping[str, str] = MappingProxyType({
    "01": "几何量", "04": "热学", "12": "力学", "15": "电磁学", "23": "无线电", "25": "时间频率",
    "28": "光学", "33": "声学", "37": "电离辐射", "46": "物理化学",
})

#: National primary standards and provincial legal institutes trace per quantity.
QUANTITIES: tuple[str, ...] = ("质量", "力值", "压力", "流量", "温度", "长度", "时间频率", "电能", "电磁",
                               "声学", "光学", "电离辐射", "物理化学")


@dataclass(frozen=True)
class InstrumentSpec:
    """One instrument type. ``typical_count`` (in service in a county of about 500,000
    people) and ``prevalence`` (chance that a county has any) are illustrative."""

    code: str
    name: str
    quantity: str
    domain: str  # trade / safety / medical / environment / other
    mandatory: bool
    household_meter: bool
    period_months: int
    period_confidence: str  # H / M / L as in metrology-facts.md; L = illustrative
    typical_count: int
    prevalence: float


def _it(code: str, name: str, quantity: str, domain: str, period: int, conf: str, count: int, prevalence: float,
        *, mandatory: bool = True, household: bool = False) -> InstrumentSpec:
    return InstrumentSpec(code, name, quantity, domain, mandatory, household, period, conf, count, prevalence)


# fmt: off
INSTRUMENTS: tuple[InstrumentSpec, ...] = (
    # --- 贸易结算 (trade) -------------------------------------------------------------------
    _it("IT001", "电子计价秤", "质量", "trade", 12, "L", 1500, 1.0),
    _it("IT002", "电子台案秤", "质量", "trade", 12, "L", 900, 1.0),
    _it("IT003", "机械台案秤", "质量", "trade", 12, "L", 300, 0.85),
    _it("IT004", "电子吊秤", "质量", "trade", 12, "L", 60, 0.8),
    _it("IT005", "汽车衡", "质量", "trade", 12, "L", 80, 0.98),
    _it("IT006", "轨道衡", "质量", "trade", 12, "L", 2, 0.2),
    _it("IT007", "动态公路车辆自动衡器", "质量", "trade", 12, "L", 6, 0.6),
    _it("IT008", "重力式自动装料衡器", "质量", "trade", 12, "L", 30, 0.7),
    _it("IT009", "连续累计自动衡器（皮带秤）", "质量", "trade", 12, "L", 10, 0.6),
    _it("IT010", "天平（贸易结算用）", "质量", "trade", 12, "L", 40, 0.8),
    _it("IT011", "砝码（工作用）", "质量", "trade", 12, "L", 200, 0.9),
    _it("IT012", "粮食容重器", "质量", "trade", 12, "L", 15, 0.5),
    _it("IT013", "电能表（单相）", "电能", "trade", 96, "M", 150000, 1.0, household=True),
    _it("IT014", "电能表（三相）", "电能", "trade", 96, "M", 8000, 1.0),
    _it("IT015", "电流互感器（电能计量用）", "电能", "trade", 24, "L", 1500, 0.9),
    _it("IT016", "电压互感器（电能计量用）", "电能", "trade", 24, "L", 300, 0.8),
    _it("IT017", "电动汽车交流充电桩", "电能", "trade", 24, "L", 300, 0.85),
    _it("IT018", "电动汽车非车载充电机", "电能", "trade", 24, "L", 150, 0.8),
    _it("IT019", "水表（DN15–DN25）", "流量", "trade", 72, "M", 90000, 1.0, household=True),
    _it("IT020", "水表（DN40–DN50）", "流量", "trade", 48, "M", 2000, 0.95, household=True),
    _it("IT021", "大口径水表（DN50以上）", "流量", "trade", 24, "L", 300, 0.8, mandatory=False),
    _it("IT022", "膜式燃气表", "流量", "trade", 120, "H", 60000, 0.95, household=True),
    _it("IT023", "燃气流量计（工商业用）", "流量", "trade", 24, "L", 400, 0.85),
    _it("IT024", "热量表", "流量", "trade", 24, "L", 5000, 0.5, household=True),
    _it("IT025", "燃油加油机", "流量", "trade", 6, "H", 300, 1.0),
    _it("IT026", "压缩天然气加气机", "流量", "trade", 12, "L", 20, 0.7),
    _it("IT027", "液化天然气加气机", "流量", "trade", 12, "L", 6, 0.4),
    _it("IT028", "液化石油气加气机", "流量", "trade", 12, "L", 5, 0.35),
    _it("IT029", "液体流量计（贸易结算用）", "流量", "trade", 12, "L", 40, 0.7),
    _it("IT030", "蒸汽流量计", "流量", "trade", 24, "L", 15, 0.5),
    _it("IT031", "汽车油罐车", "流量", "trade", 12, "L", 20, 0.5),
    _it("IT032", "立式金属罐", "流量", "trade", 48, "M", 10, 0.35),
    _it("IT033", "卧式金属罐", "流量", "trade", 48, "L", 30, 0.5),
    _it("IT034", "出租汽车计价器", "长度", "trade", 12, "M", 500, 0.9),
    _it("IT035", "谷物水分测定仪", "物理化学", "trade", 12, "L", 60, 0.85),
    _it("IT036", "石油密度计", "物理化学", "trade", 12, "L", 10, 0.4),
    _it("IT037", "酒精计", "物理化学", "trade", 12, "L", 10, 0.4),
    # --- 安全防护 (safety) ------------------------------------------------------------------
    _it("IT038", "一般压力表", "压力", "safety", 6, "M", 8000, 1.0),
    _it("IT039", "氧气、乙炔压力表", "压力", "safety", 6, "L", 800, 0.9),
    _it("IT040", "压力变送器", "压力", "safety", 12, "L", 1500, 0.9),
    _it("IT041", "数字压力计", "压力", "safety", 12, "L", 100, 0.7),
    _it("IT042", "可燃气体检测报警器", "物理化学", "safety", 12, "M", 1200, 0.95),
    _it("IT043", "有毒有害气体检测仪", "物理化学", "safety", 12, "M", 600, 0.9),
    _it("IT044", "氧气检测报警器", "物理化学", "safety", 12, "L", 200, 0.7),
    _it("IT045", "呼出气体酒精含量检测仪", "物理化学", "safety", 6, "M", 80, 0.95),
    _it("IT046", "机动车雷达测速仪", "时间频率", "safety", 12, "L", 30, 0.95),
    _it("IT047", "机动车激光测速仪", "时间频率", "safety", 12, "L", 10, 0.5),
    _it("IT048", "机动车前照灯检测仪", "光学", "safety", 12, "L", 8, 0.8),
    _it("IT049", "汽车制动检验台", "力值", "safety", 12, "L", 8, 0.8),
    _it("IT050", "汽车侧滑检验台", "长度", "safety", 12, "L", 8, 0.8),
    _it("IT051", "轴（轮）重仪", "质量", "safety", 12, "L", 8, 0.7),
    _it("IT052", "照度计", "光学", "safety", 12, "L", 30, 0.7),
    _it("IT053", "绝缘电阻表", "电磁", "safety", 12, "M", 400, 0.95),
    _it("IT054", "接地电阻表", "电磁", "safety", 12, "M", 200, 0.95),
    _it("IT055", "耐电压测试仪", "电磁", "safety", 12, "L", 60, 0.7),
    _it("IT056", "X、γ辐射剂量当量率仪", "电离辐射", "safety", 12, "L", 15, 0.7),
    _it("IT057", "个人剂量计", "电离辐射", "safety", 12, "L", 100, 0.5),
    _it("IT058", "光干涉式甲烷测定器", "物理化学", "safety", 12, "L", 50, 0.25),
    _it("IT059", "粉尘浓度测量仪", "物理化学", "safety", 12, "L", 20, 0.5),
    _it("IT060", "压力式温度计", "温度", "safety", 12, "L", 200, 0.6, mandatory=False),
    # --- 医疗卫生 (medical) -----------------------------------------------------------------
    _it("IT061", "血压计（表）", "压力", "medical", 12, "M", 400, 1.0),
    _it("IT062", "无创自动测量血压计", "压力", "medical", 12, "L", 300, 0.95),
    _it("IT063", "体温计（玻璃）", "温度", "medical", 12, "L", 1500, 0.9),
    _it("IT064", "电子体温计", "温度", "medical", 12, "L", 300, 0.8),
    _it("IT065", "红外耳（额）温计", "温度", "medical", 12, "L", 200, 0.85),
    _it("IT066", "眼压计", "压力", "medical", 12, "L", 8, 0.7),
    _it("IT067", "心电图仪", "电磁", "medical", 12, "M", 60, 1.0),
    _it("IT068", "脑电图仪", "电磁", "medical", 12, "L", 5, 0.6),
    _it("IT069", "多参数监护仪", "电磁", "medical", 12, "L", 150, 0.95),
    _it("IT070", "心脏除颤器", "电磁", "medical", 12, "L", 20, 0.85),
    _it("IT071", "医用诊断X射线设备", "电离辐射", "medical", 12, "M", 20, 1.0),
    _it("IT072", "X射线计算机断层摄影装置（CT）", "电离辐射", "medical", 12, "L", 4, 0.9),
    _it("IT073", "乳腺X射线摄影设备", "电离辐射", "medical", 12, "L", 2, 0.5),
    _it("IT074", "医用电子加速器", "电离辐射", "medical", 12, "L", 1, 0.2),
    _it("IT075", "放射性活度计", "电离辐射", "medical", 12, "L", 1, 0.2),
    _it("IT076", "医用超声诊断仪超声源", "声学", "medical", 12, "M", 40, 1.0),
    _it("IT077", "超声多普勒胎儿心率仪", "声学", "medical", 12, "L", 40, 0.8),
    _it("IT078", "听力计", "声学", "medical", 12, "L", 3, 0.5),
    _it("IT079", "验光仪", "光学", "medical", 12, "L", 30, 0.9),
    _it("IT080", "焦度计", "光学", "medical", 12, "L", 30, 0.9),
    _it("IT081", "验光镜片组", "光学", "medical", 24, "L", 30, 0.85),
    _it("IT082", "医用激光源", "光学", "medical", 12, "L", 5, 0.5),
    _it("IT083", "婴儿培养箱", "温度", "medical", 12, "L", 15, 0.8),
    _it("IT084", "医用注射泵和输液泵", "流量", "medical", 12, "L", 200, 0.85),
    _it("IT085", "医用呼吸机", "流量", "medical", 12, "L", 30, 0.85),
    _it("IT086", "血细胞分析仪", "物理化学", "medical", 12, "L", 15, 0.9),
    _it("IT087", "全自动生化分析仪", "物理化学", "medical", 12, "L", 15, 0.9),
    _it("IT088", "酶标分析仪", "光学", "medical", 12, "L", 10, 0.7),
    _it("IT089", "尿液分析仪", "物理化学", "medical", 12, "L", 15, 0.8),
    _it("IT090", "脉搏血氧仪", "光学", "medical", 12, "L", 100, 0.7),
    _it("IT091", "身高体重秤（医用）", "质量", "medical", 12, "L", 80, 0.8),
    _it("IT092", "婴儿秤", "质量", "medical", 12, "L", 30, 0.7),
    # --- 环境监测 (environment) -------------------------------------------------------------
    _it("IT093", "汽车排放气体测试仪", "物理化学", "environment", 12, "L", 10, 0.8),
    _it("IT094", "透射式烟度计", "光学", "environment", 12, "M", 8, 0.8),
    _it("IT095", "声级计", "声学", "environment", 12, "M", 30, 0.95),
    _it("IT096", "烟气分析仪", "物理化学", "environment", 12, "L", 15, 0.8),
    _it("IT097", "化学需氧量（COD）在线自动监测仪", "物理化学", "environment", 12, "L", 10, 0.8),
    _it("IT098", "氨氮在线自动监测仪", "物理化学", "environment", 12, "L", 8, 0.75),
    _it("IT099", "酸度计", "物理化学", "environment", 12, "L", 40, 0.9),
    _it("IT100", "电导率仪", "物理化学", "environment", 12, "L", 15, 0.7),
    _it("IT101", "溶解氧测定仪", "物理化学", "environment", 12, "L", 8, 0.6),
    _it("IT102", "浊度计", "光学", "environment", 12, "L", 10, 0.6),
    _it("IT103", "环境空气颗粒物监测仪", "物理化学", "environment", 12, "L", 6, 0.85),
    _it("IT104", "二氧化硫气体检测仪", "物理化学", "environment", 12, "L", 6, 0.7),
    _it("IT105", "氮氧化物分析仪", "物理化学", "environment", 12, "L", 5, 0.6),
    _it("IT106", "臭氧分析仪", "物理化学", "environment", 12, "L", 3, 0.6),
    _it("IT107", "大气采样器", "流量", "environment", 12, "L", 15, 0.7),
    _it("IT108", "明渠流量计", "流量", "environment", 12, "L", 8, 0.6),
    _it("IT109", "环境γ辐射剂量率仪", "电离辐射", "environment", 12, "L", 2, 0.4),
    # --- 其他 (other: calibration items, not under compulsory verification) -------------------
    _it("IT110", "工作用玻璃液体温度计", "温度", "other", 12, "L", 200, 0.6, mandatory=False),
    _it("IT111", "工业用热电偶", "温度", "other", 12, "L", 300, 0.6, mandatory=False),
    _it("IT112", "游标卡尺", "长度", "other", 12, "L", 500, 0.7, mandatory=False),
    _it("IT113", "千分尺", "长度", "other", 12, "L", 300, 0.6, mandatory=False),
    _it("IT114", "全站仪", "长度", "other", 12, "L", 20, 0.4, mandatory=False),
    _it("IT115", "数字多用表", "电磁", "other", 12, "L", 200, 0.6, mandatory=False),
    _it("IT116", "秒表", "时间频率", "other", 12, "L", 100, 0.5, mandatory=False),
    _it("IT117", "材料试验机", "力值", "other", 12, "L", 30, 0.5, mandatory=False),
    _it("IT118", "压力试验机", "力值", "other", 12, "L", 40, 0.6, mandatory=False),
    _it("IT119", "电子天平（实验室用）", "质量", "other", 12, "L", 150, 0.6, mandatory=False),
    _it("IT120", "玻璃量器", "质量", "other", 36, "L", 500, 0.5, mandatory=False),
    _it("IT121", "紫外可见分光光度计", "物理化学", "other", 12, "L", 20, 0.5, mandatory=False),
    _it("IT122", "硬度计", "力值", "other", 12, "L", 20, 0.4, mandatory=False),
    _it("IT123", "温湿度计", "温度", "other", 12, "L", 200, 0.6, mandatory=False),
    _it("IT124", "水准仪", "长度", "other", 12, "L", 20, 0.4, mandatory=False),
    _it("IT125", "百分表", "长度", "other", 12, "L", 200, 0.5, mandatory=False),
    _it("IT126", "气相色谱仪", "物理化学", "other", 24, "L", 10, 0.4, mandatory=False),
    _it("IT127", "原子吸收分光光度计", "物理化学", "other", 24, "L", 5, 0.3, mandatory=False),
)
# fmt: on

INSTRUMENTS_BY_CODE: Mapping[str, InstrumentSpec] = MappingProxyType({t.code: t for t in INSTRUMENTS})
_CODE_OF_NAME: dict[str, str] = {t.name: t.code for t in INSTRUMENTS}


def _types(*names: str) -> tuple[str, ...]:
    """Instrument codes from names: a typo fails at import, not in a dataset."""
    return tuple(_CODE_OF_NAME[n] for n in names)


@dataclass(frozen=True)
class PrimarySpec:
    """A national primary standard (计量基准), held by 中国计量科学研究院 (NIM)."""

    key: str
    name: str
    quantity: str
    discipline: str


PRIMARIES: tuple[PrimarySpec, ...] = (
    PrimarySpec("PRI-MASS", "质量基准（千克）", "质量", "12"),
    PrimarySpec("PRI-FORCE", "力值基准", "力值", "12"),
    PrimarySpec("PRI-PRESS", "压力基准", "压力", "12"),
    PrimarySpec("PRI-WFLOW", "水流量基准", "流量", "12"),
    PrimarySpec("PRI-GFLOW", "气体流量基准", "流量", "12"),
    PrimarySpec("PRI-TEMP", "温度基准（ITS-90固定点）", "温度", "04"),
    PrimarySpec("PRI-LEN", "长度基准", "长度", "01"),
    PrimarySpec("PRI-TF", "时间频率基准", "时间频率", "25"),
    PrimarySpec("PRI-AE", "交流电能基准", "电能", "15"),
    PrimarySpec("PRI-DC", "直流电压与电阻基准", "电磁", "15"),
    PrimarySpec("PRI-ACOU", "声学基准（声压）", "声学", "33"),
    PrimarySpec("PRI-OPT", "光学基准（发光强度）", "光学", "28"),
    PrimarySpec("PRI-ION", "电离辐射基准（空气比释动能）", "电离辐射", "37"),
    PrimarySpec("PRI-CHEM", "物理化学基准（pH与气体成分）", "物理化学", "46"),
)
PRIMARIES_BY_KEY: Mapping[str, PrimarySpec] = MappingProxyType({p.key: p for p in PRIMARIES})
NATIONAL_INSTITUTION = "中国计量科学研究院"


@dataclass(frozen=True)
class StandardKind:
    """A template of a public standard (社会公用计量标准).

    ``prevalence``: level → chance that a legal institute of that level holds it (its keys are
    the levels where it may exist; 0 = only authorized institutions hold it today, but it may
    be built there). ``capacity_per_year``: verifications a year of one set (None = not a
    bottleneck, unlimited). ``upstream``: the kind (or primary) that calibrates it; chains run
    national primary → province → city → county. ``cost_tier`` 1–5 sets the illustrative
    build cost per level. All but the names and chain shapes are illustrative.
    """

    key: str
    name: str
    quantity: str
    discipline: str
    verifies: tuple[str, ...]
    prevalence: Mapping[str, float]
    capacity_per_year: int | None
    upstream: str
    cost_tier: int
    levels: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "prevalence", MappingProxyType(dict(self.prevalence)))
        object.__setattr__(self, "levels", tuple(lv for lv in LEVELS if lv in self.prevalence))


def _k(key: str, name: str, quantity: str, discipline: str, verifies: tuple[str, ...], prevalence: dict[str, float],
       capacity: int | None, upstream: str, cost: int) -> StandardKind:
    return StandardKind(key, name, quantity, discipline, verifies, prevalence, capacity, upstream, cost)


P, C, X = "province", "city", "county"

# fmt: off
KINDS: tuple[StandardKind, ...] = (
    # --- 质量 (mass): kilogram → E2 (province) → F1/F2 (city) → M1 (county) → 电子计价秤 -------------
    _k("K-M-E2", "E2等级砝码标准装置", "质量", "12",
       _types("砝码（工作用）", "天平（贸易结算用）", "电子天平（实验室用）"), {P: .98, C: .55}, None, "PRI-MASS", 3),
    _k("K-M-F1", "F1等级砝码标准装置", "质量", "12",
       _types("砝码（工作用）", "天平（贸易结算用）", "电子天平（实验室用）", "电子计价秤", "电子台案秤"),
       {P: .9, C: .95, X: .1}, None, "K-M-E2", 2),
    _k("K-M-F2", "F2等级砝码标准装置", "质量", "12",
       _types("电子计价秤", "电子台案秤", "机械台案秤", "电子吊秤", "身高体重秤（医用）", "婴儿秤", "粮食容重器",
              "砝码（工作用）"), {C: .75, X: .5}, 8000, "K-M-F1", 2),
    _k("K-M-M1", "M1等级砝码标准装置", "质量", "12",
       _types("电子计价秤", "电子台案秤", "机械台案秤", "电子吊秤", "身高体重秤（医用）", "婴儿秤"),
       {C: .9, X: .97}, 6000, "K-M-F1", 1),
    _k("K-M-TRUCK", "汽车衡检定装置（M1等级大砝码）", "质量", "12",
       _types("汽车衡", "轴（轮）重仪", "电子吊秤"), {P: .7, C: .9, X: .35}, 1500, "K-M-F1", 3),
    _k("K-M-RAIL", "轨道衡检定装置（检衡车）", "质量", "12", _types("轨道衡"), {P: .5}, None, "K-M-E2", 5),
    _k("K-M-AUTO", "自动衡器检定装置", "质量", "12",
       _types("动态公路车辆自动衡器", "重力式自动装料衡器", "连续累计自动衡器（皮带秤）"), {P: .85, C: .55},
       None, "K-M-F1", 3),
    _k("K-M-E1", "E1等级砝码标准装置", "质量", "12",
       _types("砝码（工作用）", "天平（贸易结算用）", "电子天平（实验室用）"), {P: .6}, None, "PRI-MASS", 4),
    _k("K-M-GLASS", "玻璃量器检定装置（衡量法）", "质量", "12", _types("玻璃量器"), {P: .9, C: .6}, None, "K-M-E2", 2),
    # --- 力值 (force) ---------------------------------------------------------------------------------
    _k("K-F-STD", "0.3级标准测力仪", "力值", "12", _types("材料试验机", "压力试验机"), {P: .95, C: .8},
       None, "PRI-FORCE", 2),
    _k("K-F-MACH", "0.03级叠加式力标准机", "力值", "12", _types("材料试验机", "压力试验机"), {P: .7}, None,
       "PRI-FORCE", 5),
    _k("K-F-HARD", "洛氏硬度计标准装置", "力值", "12", _types("硬度计"), {P: .9, C: .5}, None, "PRI-FORCE", 2),
    _k("K-F-VEH", "机动车安全检测设备检定装置", "力值", "12",
       _types("汽车制动检验台", "汽车侧滑检验台", "轴（轮）重仪"), {P: .8, C: .65}, None, "K-F-STD", 3),
    # --- 压力 (pressure): piston gauge (province) → precision gauges (city/county) → 一般压力表 -----------
    _k("K-P-PIST", "活塞式压力计标准装置", "压力", "12",
       _types("压力变送器", "数字压力计", "一般压力表", "氧气、乙炔压力表"), {P: .98, C: .7}, None, "PRI-PRESS", 3),
    _k("K-P-LOW", "补偿式微压计标准装置", "压力", "12", _types("数字压力计", "压力变送器"), {P: .75, C: .3}, None,
       "K-P-PIST", 2),
    _k("K-P-PREC", "精密压力表标准装置", "压力", "12", _types("一般压力表", "氧气、乙炔压力表"), {C: .95, X: .85},
       15000, "K-P-PIST", 1),
    _k("K-P-DIG", "数字压力计标准装置", "压力", "12", _types("压力变送器", "数字压力计", "一般压力表"),
       {P: .8, C: .75, X: .3}, 5000, "K-P-PIST", 2),
    _k("K-P-BP", "血压计（表）检定装置", "压力", "12", _types("血压计（表）", "无创自动测量血压计"), {C: .95, X: .85},
       6000, "K-P-PIST", 1),
    _k("K-P-NIBP", "无创自动测量血压计检定装置", "压力", "12", _types("无创自动测量血压计"), {P: .8, C: .55},
       None, "K-P-PIST", 2),
    _k("K-P-EYE", "眼压计检定装置", "压力", "12", _types("眼压计"), {P: .8, C: .3}, None, "K-P-PIST", 2),
    # --- 流量/容量 (flow and volume) --------------------------------------------------------------------
    _k("K-V-1", "一等标准金属量器", "流量", "12", _types("汽车油罐车", "卧式金属罐"), {P: .95, C: .2}, None,
       "PRI-WFLOW", 2),
    _k("K-V-2", "燃油加油机检定装置（二等标准金属量器）", "流量", "12", _types("燃油加油机", "汽车油罐车"),
       {C: .95, X: .9}, 2000, "K-V-1", 1),
    _k("K-V-TANK", "立式金属罐容量检定装置", "流量", "12", _types("立式金属罐", "卧式金属罐"), {P: .75}, None,
       "K-V-1", 4),
    _k("K-W-STD", "液体流量标准装置（静态质量法）", "流量", "12",
       _types("液体流量计（贸易结算用）", "大口径水表（DN50以上）", "明渠流量计"), {P: .95, C: .3}, None,
       "PRI-WFLOW", 5),
    _k("K-W-METER", "水表检定装置", "流量", "12", _types("水表（DN15–DN25）", "水表（DN40–DN50）"),
       {P: .5, C: .95, X: .55}, 40000, "K-W-STD", 2),
    _k("K-W-BIG", "大口径水表检定装置", "流量", "12", _types("大口径水表（DN50以上）", "水表（DN40–DN50）"),
       {P: .6, C: .5}, 3000, "K-W-STD", 3),
    _k("K-H-HEAT", "热量表检定装置", "流量", "12", _types("热量表"), {P: .8, C: .5}, 20000, "K-W-STD", 3),
    _k("K-G-BELL", "钟罩式气体流量标准装置", "流量", "12", _types("膜式燃气表", "燃气流量计（工商业用）"),
       {P: .9, C: .6}, 30000, "PRI-GFLOW", 3),
    _k("K-G-METER", "膜式燃气表检定装置", "流量", "12", _types("膜式燃气表"), {C: .85, X: .3}, 40000, "K-G-BELL", 2),
    _k("K-G-SONIC", "临界流文丘里喷嘴法气体流量标准装置", "流量", "12", _types("燃气流量计（工商业用）", "蒸汽流量计"),
       {P: .85, C: .25}, None, "PRI-GFLOW", 5),
    _k("K-G-CNG", "加气机检定装置", "流量", "12", _types("压缩天然气加气机", "液化天然气加气机", "液化石油气加气机"),
       {P: .75, C: .55}, None, "K-G-SONIC", 3),
    _k("K-MED-PUMP", "输液泵、注射泵检测仪检定装置", "流量", "12", _types("医用注射泵和输液泵"), {P: .8, C: .45},
       None, "K-W-STD", 2),
    _k("K-MED-VENT", "呼吸机检测仪校准装置", "流量", "12", _types("医用呼吸机"), {P: .75, C: .35}, None,
       "K-G-SONIC", 3),
    _k("K-AIR-SAMP", "大气采样器检定装置（皂膜流量计）", "流量", "12", _types("大气采样器", "粉尘浓度测量仪"),
       {P: .85, C: .6}, None, "K-G-BELL", 2),
    _k("K-OPEN", "明渠流量计检定装置", "流量", "12", _types("明渠流量计"), {P: .5}, None, "K-W-STD", 3),
    # --- 温度 (temperature) -----------------------------------------------------------------------------
    _k("K-T-SPRT", "一等标准铂电阻温度计标准装置", "温度", "04", _types("工作用玻璃液体温度计", "压力式温度计"),
       {P: .98, C: .6}, None, "PRI-TEMP", 3),
    _k("K-T-TC1", "二等标准铂铑10-铂热电偶标准装置", "温度", "04", _types("工业用热电偶"), {P: .9, C: .6}, None,
       "PRI-TEMP", 2),
    _k("K-T-HUM", "湿度标准装置", "温度", "04", _types("温湿度计"), {P: .9, C: .5}, None, "K-T-SPRT", 3),
    _k("K-T-RAD", "辐射温度计标准装置", "温度", "04", _types("红外耳（额）温计"), {P: .7}, None, "K-T-SPRT", 3),
    _k("K-T-GLASS", "二等标准水银温度计标准装置", "温度", "04",
       _types("工作用玻璃液体温度计", "体温计（玻璃）", "压力式温度计"), {C: .85, X: .4}, None, "K-T-SPRT", 1),
    _k("K-T-CLIN", "体温计检定装置", "温度", "04", _types("体温计（玻璃）", "电子体温计"), {C: .8, X: .55}, 30000,
       "K-T-SPRT", 1),
    _k("K-T-IR", "红外耳温计检定装置（黑体辐射源）", "温度", "04", _types("红外耳（额）温计"), {P: .85, C: .5}, None,
       "K-T-SPRT", 2),
    _k("K-T-TC", "工作用热电偶检定装置", "温度", "04", _types("工业用热电偶"), {P: .9, C: .7, X: .15}, None,
       "K-T-SPRT", 2),
    _k("K-T-INCU", "婴儿培养箱检定装置", "温度", "04", _types("婴儿培养箱"), {P: .8, C: .55}, None, "K-T-SPRT", 2),
    # --- 长度 (length) ----------------------------------------------------------------------------------
    _k("K-L-GB", "二等量块标准装置", "长度", "01", _types("游标卡尺", "千分尺"), {P: .98, C: .85}, None, "PRI-LEN", 3),
    _k("K-L-GB1", "一等量块标准装置", "长度", "01", _types("游标卡尺", "千分尺", "百分表"), {P: .7}, None,
       "PRI-LEN", 4),
    _k("K-L-IND", "指示表检定装置", "长度", "01", _types("百分表"), {P: .8, C: .7, X: .2}, None, "K-L-GB", 1),
    _k("K-L-LEVEL", "水准仪检定装置", "长度", "01", _types("水准仪"), {P: .85, C: .35}, None, "K-L-GB", 3),
    _k("K-L-CAL", "通用卡尺检定装置（三等量块）", "长度", "01", _types("游标卡尺", "千分尺"), {C: .75, X: .4}, None,
       "K-L-GB", 1),
    _k("K-L-TAXI", "出租汽车计价器检定装置", "长度", "01", _types("出租汽车计价器"), {C: .9, X: .45}, 5000,
       "K-L-GB", 1),
    _k("K-L-SURV", "全站仪检定装置", "长度", "01", _types("全站仪"), {P: .9, C: .4}, None, "K-L-GB", 4),
    # --- 时间频率 (time and frequency) -------------------------------------------------------------------
    _k("K-TF-STD", "铷原子频率标准装置", "时间频率", "25", _types("秒表"), {P: .95, C: .5}, None, "PRI-TF", 3),
    _k("K-TF-SW", "秒表检定装置（时间检定仪）", "时间频率", "25", _types("秒表"), {C: .7, X: .4}, None, "K-TF-STD", 1),
    _k("K-TF-RADAR", "机动车雷达测速仪检定装置", "时间频率", "25", _types("机动车雷达测速仪"), {P: .9, C: .6}, 1000,
       "K-TF-STD", 3),
    _k("K-TF-LASER", "机动车激光测速仪检定装置", "时间频率", "25", _types("机动车激光测速仪"), {P: .6, C: .2}, None,
       "K-TF-STD", 3),
    # --- 电能 (electrical energy): AC energy primary → 0.01 standard meter → 检定装置 → household meters -----
    _k("K-E-REF", "三相电能标准装置（0.01级标准电能表）", "电能", "15", _types("电能表（三相）", "电能表（单相）"),
       {P: .95}, None, "PRI-AE", 4),
    _k("K-E-1P", "单相电能表检定装置", "电能", "15", _types("电能表（单相）"), {C: .55, X: .2}, 60000, "K-E-REF", 2),
    _k("K-E-3P", "三相电能表检定装置", "电能", "15", _types("电能表（三相）", "电能表（单相）"), {C: .75, X: .2}, 20000,
       "K-E-REF", 3),
    _k("K-E-LINE", "智能电能表自动化检定流水线", "电能", "15", _types("电能表（单相）", "电能表（三相）"), {P: 0.0},
       1500000, "K-E-REF", 5),
    _k("K-E-CT", "互感器检定装置", "电能", "15", _types("电流互感器（电能计量用）", "电压互感器（电能计量用）"),
       {P: .9, C: .55}, 5000, "K-E-REF", 3),
    _k("K-E-EV", "电动汽车充电桩检定装置", "电能", "15", _types("电动汽车交流充电桩", "电动汽车非车载充电机"),
       {P: .85, C: .5, X: .1}, 3000, "K-E-REF", 3),
    # --- 电磁 (electromagnetism) ------------------------------------------------------------------------
    _k("K-D-MM", "多功能校准源标准装置", "电磁", "15", _types("数字多用表", "绝缘电阻表", "接地电阻表"),
       {P: .98, C: .85}, None, "PRI-DC", 3),
    _k("K-D-RES", "标准电阻标准装置", "电磁", "15", _types("数字多用表", "接地电阻表"), {P: .9, C: .4}, None,
       "PRI-DC", 3),
    _k("K-D-INS", "绝缘电阻表、接地电阻表检定装置", "电磁", "15", _types("绝缘电阻表", "接地电阻表"), {C: .9, X: .7},
       8000, "K-D-MM", 1),
    _k("K-D-HV", "耐电压测试仪检定装置", "电磁", "15", _types("耐电压测试仪"), {P: .85, C: .55}, None, "K-D-MM", 2),
    _k("K-D-ECG", "心电图仪检定装置", "电磁", "15", _types("心电图仪", "脑电图仪", "多参数监护仪"), {C: .9, X: .5},
       3000, "K-D-MM", 1),
    _k("K-D-MON", "多参数监护仪检定装置", "电磁", "15", _types("多参数监护仪"), {P: .85, C: .5}, None, "K-D-MM", 2),
    _k("K-D-DEFIB", "心脏除颤器检定装置", "电磁", "15", _types("心脏除颤器"), {P: .75, C: .35}, None, "K-D-MM", 2),
    _k("K-D-EEG", "脑电图仪检定装置", "电磁", "15", _types("脑电图仪"), {P: .7, C: .3}, None, "K-D-MM", 2),
    # --- 声学 (acoustics) -------------------------------------------------------------------------------
    _k("K-A-STD", "声校准器检定装置（标准传声器）", "声学", "33", _types("声级计"), {P: .95, C: .6}, None,
       "PRI-ACOU", 3),
    _k("K-A-SLM", "声级计检定装置", "声学", "33", _types("声级计"), {C: .8, X: .25}, None, "K-A-STD", 2),
    _k("K-A-US", "医用超声源检定装置", "声学", "33", _types("医用超声诊断仪超声源", "超声多普勒胎儿心率仪"),
       {P: .9, C: .6}, None, "K-A-STD", 3),
    _k("K-A-FETAL", "超声多普勒胎儿心率仪检定装置", "声学", "33", _types("超声多普勒胎儿心率仪"), {C: .5, X: .2},
       None, "K-A-STD", 1),
    _k("K-A-AUD", "听力计检定装置", "声学", "33", _types("听力计"), {P: .7}, None, "K-A-STD", 3),
    # --- 光学 (optics) ----------------------------------------------------------------------------------
    _k("K-O-PHOT", "发光强度、照度标准装置", "光学", "28", _types("照度计"), {P: .95, C: .4}, None, "PRI-OPT", 3),
    _k("K-O-HEAD", "机动车前照灯检测仪检定装置", "光学", "28", _types("机动车前照灯检测仪"), {P: .8, C: .6}, None,
       "K-O-PHOT", 2),
    _k("K-O-SMOKE", "透射式烟度计检定装置", "光学", "28", _types("透射式烟度计"), {P: .85, C: .55}, None,
       "K-O-PHOT", 2),
    _k("K-O-REF", "验光仪、焦度计检定装置（标准镜片组）", "光学", "28", _types("验光仪", "焦度计", "验光镜片组"),
       {P: .9, C: .7, X: .2}, None, "K-O-PHOT", 2),
    _k("K-O-LASER", "医用激光源检定装置", "光学", "28", _types("医用激光源"), {P: .7}, None, "K-O-PHOT", 3),
    _k("K-O-SPEC", "紫外可见分光光度计标准装置（标准滤光片）", "光学", "28",
       _types("紫外可见分光光度计", "酶标分析仪", "浊度计"), {P: .95, C: .7}, None, "PRI-OPT", 2),
    _k("K-O-SPO2", "脉搏血氧仪检定装置", "光学", "28", _types("脉搏血氧仪"), {P: .55, C: .2}, None, "K-O-PHOT", 2),
    # --- 电离辐射 (ionising radiation) -------------------------------------------------------------------
    _k("K-R-XG", "X、γ射线空气比释动能标准装置", "电离辐射", "37",
       _types("X、γ辐射剂量当量率仪", "个人剂量计", "环境γ辐射剂量率仪"), {P: .9}, None, "PRI-ION", 5),
    _k("K-R-XRAY", "医用诊断X射线辐射源检定装置", "电离辐射", "37", _types("医用诊断X射线设备", "乳腺X射线摄影设备"),
       {P: .9, C: .7}, 1000, "K-R-XG", 3),
    _k("K-R-CT", "CT剂量检测装置", "电离辐射", "37", _types("X射线计算机断层摄影装置（CT）"), {P: .85, C: .45}, None,
       "K-R-XG", 3),
    _k("K-R-LINAC", "医用电子加速器辐射源检定装置", "电离辐射", "37", _types("医用电子加速器"), {P: .6}, None,
       "K-R-XG", 4),
    _k("K-R-ACT", "放射性活度计检定装置", "电离辐射", "37", _types("放射性活度计"), {P: .5}, None, "K-R-XG", 4),
    # --- 物理化学 (physical chemistry) -------------------------------------------------------------------
    _k("K-C-GAS", "气体检测仪器检定装置（标准气体）", "物理化学", "46",
       _types("可燃气体检测报警器", "有毒有害气体检测仪", "氧气检测报警器", "光干涉式甲烷测定器"),
       {P: .95, C: .85, X: .45}, 8000, "PRI-CHEM", 2),
    _k("K-C-ALC", "呼出气体酒精含量检测仪检定装置", "物理化学", "46", _types("呼出气体酒精含量检测仪"),
       {P: .9, C: .85, X: .3}, 2000, "K-C-GAS", 2),
    _k("K-C-EXH", "机动车排放气体测试仪检定装置", "物理化学", "46", _types("汽车排放气体测试仪"), {P: .85, C: .6},
       None, "K-C-GAS", 2),
    _k("K-C-FLUE", "烟气分析仪检定装置", "物理化学", "46", _types("烟气分析仪", "二氧化硫气体检测仪", "氮氧化物分析仪"),
       {P: .85, C: .5}, None, "K-C-GAS", 3),
    _k("K-C-AIR", "环境空气质量监测仪器检定装置", "物理化学", "46",
       _types("臭氧分析仪", "环境空气颗粒物监测仪", "二氧化硫气体检测仪", "氮氧化物分析仪"), {P: .8, C: .3}, None,
       "K-C-GAS", 4),
    _k("K-C-PH", "酸度计检定装置（pH标准物质）", "物理化学", "46", _types("酸度计", "电导率仪", "溶解氧测定仪"),
       {P: .95, C: .8, X: .3}, None, "PRI-CHEM", 1),
    _k("K-C-COND", "电导率仪检定装置", "物理化学", "46", _types("电导率仪"), {P: .8, C: .4}, None, "K-C-PH", 2),
    _k("K-C-GC", "气相色谱仪检定装置", "物理化学", "46", _types("气相色谱仪"), {P: .85, C: .4}, None, "PRI-CHEM", 3),
    _k("K-C-AAS", "原子吸收分光光度计检定装置", "物理化学", "46", _types("原子吸收分光光度计"), {P: .85, C: .35},
       None, "PRI-CHEM", 3),
    _k("K-C-WQ", "水质在线监测仪检定装置", "物理化学", "46",
       _types("化学需氧量（COD）在线自动监测仪", "氨氮在线自动监测仪"), {P: .8, C: .45}, None, "K-C-PH", 3),
    _k("K-C-MOIST", "谷物水分测定仪检定装置", "物理化学", "46", _types("谷物水分测定仪"), {P: .85, C: .6, X: .35},
       None, "PRI-CHEM", 1),
    _k("K-C-DENS", "标准密度计组", "物理化学", "46", _types("石油密度计", "酒精计"), {P: .9, C: .5}, None,
       "PRI-CHEM", 1),
    _k("K-C-CLIN", "医用临床检验分析仪器检定装置", "物理化学", "46",
       _types("血细胞分析仪", "全自动生化分析仪", "尿液分析仪"), {P: .8, C: .55}, None, "PRI-CHEM", 3),
    _k("K-C-DUST", "粉尘浓度测量仪检定装置", "物理化学", "46", _types("粉尘浓度测量仪"), {P: .6}, None, "PRI-CHEM", 3),
)
# fmt: on

KINDS_BY_KEY: Mapping[str, StandardKind] = MappingProxyType({k.key: k for k in KINDS})

#: What authorized institutions hold: kind → relative number of sets (illustrative).
GRID_PROFILE: tuple[tuple[str, int], ...] = (("K-E-REF", 2), ("K-E-LINE", 4), ("K-E-3P", 3), ("K-E-1P", 2),
                                             ("K-E-CT", 2))
WATER_PROFILE: tuple[tuple[str, int], ...] = (("K-W-METER", 3), ("K-W-BIG", 1))

#: Illustrative build cost (万元) per level: cost tier 1 → low end, 5 → high end.
COST_RANGE: Mapping[str, tuple[float, float]] = MappingProxyType({
    "province": (80.0, 300.0), "city": (30.0, 120.0), "county": (10.0, 50.0),
})


def build_cost(kind: StandardKind, level: str) -> float:
    """Illustrative cost (万元) of building one set of ``kind`` at ``level``."""
    low, high = COST_RANGE[level]
    return round(low + (high - low) * (kind.cost_tier - 1) / 4, 1)


def upstream_chain(kind: StandardKind) -> list[str]:
    """The kinds above ``kind`` up to its primary, nearest first (the last one is a primary key)."""
    chain, key = [], kind.upstream
    while key not in PRIMARIES_BY_KEY:
        chain.append(key)
        key = KINDS_BY_KEY[key].upstream
    chain.append(key)
    return chain


_LEVEL_TAG = {"province": "P", "city": "C", "county": "X"}
_LEVEL_ZH = {"province": "省级", "city": "市级", "county": "县级"}


def candidates(levels: tuple[str, ...] = LEVELS) -> list[Candidate]:
    """The candidate catalogue for planning: one candidate per (standard kind, level where it may
    be built), costed with the illustrative per-level range (province 80–300 万元, city 30–120,
    county 10–50). Build costs and capacities are illustrative, not quotations."""
    out = []
    for kind in KINDS:
        for level in kind.levels:
            if level not in levels:
                continue
            out.append(Candidate(
                id=f"C-{kind.key.removeprefix('K-')}-{_LEVEL_TAG[level]}",
                name=f"{kind.name}（新建，{_LEVEL_ZH[level]}）",
                quantity=kind.quantity, verifies=list(kind.verifies), levels=[level],
                build_cost=build_cost(kind, level), capacity_per_year=kind.capacity_per_year,
            ))
    return out


def _check() -> None:
    """Consistency of the catalogue, checked at import: chains end at a primary of the same quantity."""
    assert len(INSTRUMENTS_BY_CODE) == len(INSTRUMENTS), "duplicate instrument codes"
    assert len(_CODE_OF_NAME) == len(INSTRUMENTS), "duplicate instrument names"
    assert len(KINDS_BY_KEY) == len(KINDS), "duplicate kind keys"
    for kind in KINDS:
        chain = upstream_chain(kind)
        assert PRIMARIES_BY_KEY[chain[-1]].quantity == kind.quantity, kind.key
        assert all(KINDS_BY_KEY[k].quantity == kind.quantity for k in chain[:-1]), kind.key
        assert kind.verifies and kind.levels, kind.key
    for key, _ in GRID_PROFILE + WATER_PROFILE:
        assert key in KINDS_BY_KEY, key


_check()

__all__ = [
    "COST_RANGE", "DISCIPLINES", "GRID_PROFILE", "INSTRUMENTS", "INSTRUMENTS_BY_CODE", "KINDS", "KINDS_BY_KEY",
    "LEVELS", "NATIONAL_INSTITUTION", "PRIMARIES", "PRIMARIES_BY_KEY", "QUANTITIES", "WATER_PROFILE",
    "InstrumentSpec", "PrimarySpec", "StandardKind", "build_cost", "candidates", "upstream_chain",
]
