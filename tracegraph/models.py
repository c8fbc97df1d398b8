"""The data, defined once: one pydantic model per table of the import template.

Each field's ``zh`` extra is the Chinese column header planners may use instead of the
English one (see ``../shared/spec/dataset.md``). Readers, writers, the validator, the
graph builder and the Neo4j loader all derive what they need from these classes.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from functools import partial
from operator import attrgetter
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from tracegraph import _parse

RegionLevel = Literal["province", "city", "county"]
InstitutionLevel = Literal["national", "province", "city", "county"]
Domain = Literal["trade", "safety", "medical", "environment", "other"]
Status = Literal["in_service", "suspended", "retired"]
Metric = Literal["coverage", "weighted_coverage", "capacity_rate", "standards_count", "standards_built",
                 "service_items"]

DOMAINS: tuple[str, ...] = ("trade", "safety", "medical", "environment", "other")
FILTERS: tuple[str, ...] = ("all", "household_meter", "mandatory", *(f"domain:{d}" for d in DOMAINS))
RATE_METRICS: tuple[str, ...] = ("coverage", "weighted_coverage", "capacity_rate")
#: Targets that count standards or service items (figures.md, Count targets): ``level`` applies, the
#: threshold is a number (not a rate), and the figure is not read off the coverage report.
COUNT_METRICS: tuple[str, ...] = ("standards_count", "standards_built", "service_items")
#: Years a new or renewed 计量标准考核证书 is valid (programme.md's V; JJF 1033 editions differ: 4 or 5).
CERTIFICATE_YEARS = 5
#: 万元 (illustrative): the planner's cost of a re-examination (复查) of a standard without ``renewal_cost``.
DEFAULT_RENEWAL_COST = 5.0
#: Judging more than this many days after a dataset's snapshot date draws a warning (``changes.md``).
STALE_DAYS = 92
LEVEL_RANK = {"county": 1, "city": 2, "province": 3, "national": 4}

_LEVEL_ALIASES = {
    "national": "national", "国家": "national", "国家级": "national",
    "province": "province", "省": "province", "省级": "province",
    "city": "city", "市": "city", "市级": "city",
    "county": "county", "县": "county", "县级": "county", "区": "county",
}
_REGION_LEVEL_ALIASES = {k: v for k, v in _LEVEL_ALIASES.items() if v != "national"}
_KIND_ALIASES = {"legal": "legal", "法定": "legal", "authorized": "authorized", "授权": "authorized"}
_DOMAIN_ALIASES = {
    "trade": "trade", "贸易结算": "trade", "safety": "safety", "安全防护": "safety",
    "medical": "medical", "医疗卫生": "medical", "environment": "environment",
    "环境监测": "environment", "other": "other", "其他": "other",
}
_STATUS_ALIASES = {
    "in_service": "in_service", "在用": "in_service", "suspended": "suspended",
    "暂停": "suspended", "retired": "retired", "撤销": "retired",
}
_METRIC_ALIASES = {
    **{m: m for m in RATE_METRICS + COUNT_METRICS},
    "计量标准数": "standards_count", "新建计量标准数": "standards_built", "检定校准项目数": "service_items",
}


def _enum(aliases: dict[str, str]) -> BeforeValidator:
    return BeforeValidator(partial(_parse.parse_enum, aliases=aliases))


def _optional(parser: Any) -> BeforeValidator:
    def parse(value: Any) -> Any:
        return None if _parse.is_blank(value) else parser(value)

    if hasattr(parser, "on_text"):  # what it does to a text cell that is not blank (_parse.strips_text)
        parse.on_filled_text = parser.on_text  # type: ignore[attr-defined]
    return BeforeValidator(parse)


def _parse_filter(value: Any) -> str:
    word = _parse.text(value) or "all"
    if word.startswith("domain:"):
        word = "domain:" + _parse.parse_enum(word[7:], _DOMAIN_ALIASES)
    if word not in FILTERS:
        raise ValueError(f"not one of {', '.join(FILTERS)}")
    return word


def _positive_int(value: Any) -> int:
    number = _parse.parse_int(value)
    if number <= 0:
        raise ValueError("must be greater than 0")
    return number


def _non_negative_int(value: Any) -> int:
    number = _parse.parse_int(value)
    if number < 0:
        raise ValueError("must not be negative")
    return number


def _positive_float(value: Any) -> float:
    number = _parse.parse_float(value)
    if number <= 0:
        raise ValueError("must be greater than 0")
    return number


def _non_negative_float(value: Any) -> float:
    number = _parse.parse_float(value)
    if number < 0:
        raise ValueError("must not be negative")
    return number


# The length constraint comes first so that pydantic-core checks it on the str itself, not with a Python function
# after the parser (the messages do not change: a cell too short is a blank one, reported as such).
Text = Annotated[str, Field(min_length=1), BeforeValidator(_parse.text)]
Code = Annotated[str, Field(min_length=1), BeforeValidator(_parse.parse_code)]
OptCode = Annotated[str | None, _optional(_parse.parse_code)]
Bool = Annotated[bool, BeforeValidator(_parse.parse_bool)]
TextList = Annotated[list[str], BeforeValidator(_parse.parse_list)]


def _code_list(value: Any) -> list[str]:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return [_parse.parse_code(value)]  # one code that Excel stored as a number
    return [_parse.parse_code(c) for c in _parse.parse_list(value)]


CodeList = Annotated[list[str], BeforeValidator(_code_list)]
Date = Annotated[dt.date, BeforeValidator(_parse.parse_date)]
OptDate = Annotated[dt.date | None, _optional(_parse.parse_date)]
Count = Annotated[int, BeforeValidator(_non_negative_int)]
OptCapacity = Annotated[int | None, _optional(_non_negative_int)]
OptMoney = Annotated[float | None, _optional(_non_negative_float)]


def col(zh: str, default: Any = ..., *, aliases: tuple[str, ...] = (), **kw: Any) -> Any:
    """A column: its Chinese header rides along so readers accept either language, and ``aliases`` are the
    headers registries export for it (``changes.md``, Header aliases)."""
    return Field(default, json_schema_extra={"zh": zh, "aliases": list(aliases)}, **kw)


class Row(BaseModel):
    """A row of one table of the template."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    table: ClassVar[str]
    key: ClassVar[tuple[str, ...]]

    @classmethod
    def columns(cls) -> dict[str, str]:
        """English column → Chinese alias, in template order."""
        return {name: (f.json_schema_extra or {}).get("zh", name) for name, f in cls.model_fields.items()}

    @classmethod
    def aliases(cls) -> dict[str, list[str]]:
        """English column → the registry headers also accepted for it (none for most columns)."""
        return {name: list((f.json_schema_extra or {}).get("aliases", [])) for name, f in cls.model_fields.items()}

    @classmethod
    def required_columns(cls) -> list[str]:
        return [name for name, f in cls.model_fields.items() if f.is_required()]


class Region(Row):
    table = "regions"
    key = ("code",)
    code: Code = col("代码")
    name: Text = col("名称")
    level: Annotated[RegionLevel, _enum(_REGION_LEVEL_ALIASES)] = col("级别")
    parent: OptCode = col("上级代码")


class Institution(Row):
    table = "institutions"
    key = ("id",)
    id: Text = col("机构编号")
    name: Text = col("机构名称")
    level: Annotated[InstitutionLevel, _enum(_LEVEL_ALIASES)] = col("级别")
    region: OptCode = col("所在地区")
    kind: Annotated[Literal["legal", "authorized"], _enum(_KIND_ALIASES)] = col("类型", "legal")
    serves: CodeList = col("服务地区", [])


class InstrumentType(Row):
    table = "instrument_types"
    key = ("code",)
    code: Text = col("器具代码")
    name: Text = col("器具名称")
    quantity: Text = col("量")
    domain: Annotated[Domain, _enum(_DOMAIN_ALIASES)] = col("领域")
    mandatory: Bool = col("强制检定")
    household_meter: Bool = col("民用四表")
    verification_period_months: Annotated[int, BeforeValidator(_positive_int)] = col("检定周期月")


class Standard(Row):
    table = "standards"
    key = ("id",)
    #: A blank id is the certificate number (``changes.md``, Identity by certificate number).
    id_fallback: ClassVar[str] = "certificate_no"
    id: Text = col("标准编号")
    name: Text = col("标准名称", aliases=("计量标准名称",))
    institution: Text = col("机构编号", aliases=("建标单位", "所属机构"))
    quantity: Text = col("量")
    certificate_no: Annotated[str, BeforeValidator(_parse.text_or_blank)] = col(
        "证书编号", aliases=("计量标准证书号", "计量标准考核证书号", "证书号")
    )
    certificate_expiry: OptDate = col("证书有效期至", aliases=("计量标准有效期", "有效期至", "证书有效期"))
    status: Annotated[Status, _enum(_STATUS_ALIASES)] = col("状态")
    primary: Bool = col("基准", False)
    capacity_per_year: OptCapacity = col("年检定能力", None)
    verifies: TextList = col("可检器具")
    renewal_cost: OptMoney = col("复查费用", None)
    established: OptDate = col("建标日期", None)  # date of the first certificate (建标日期 is also the registry's)


class TraceLink(Row):
    table = "traceability"
    key = ("standard", "upstream")
    # Either may be a standard's id or its certificate number; an id wins where both match.
    standard: Text = col("标准编号", aliases=("计量标准证书号", "计量标准考核证书号"))
    upstream: Text = col("上级标准编号", aliases=("溯源标准证书号", "上级计量标准证书号"))
    valid_until: Date = col("溯源有效期至")
    calibrated_on: OptDate = col("检定/校准日期", None, aliases=("检定日期", "校准日期"))
    certificate_no: Annotated[str | None, _optional(_parse.text)] = col("溯源证书编号", None)


class Demand(Row):
    table = "demand"
    key = ("region", "instrument_type")
    region: Code = col("地区代码")
    instrument_type: Text = col("器具代码")
    count: Count = col("在用数量")


class Candidate(Row):
    table = "candidates"
    key = ("id",)
    id: Text = col("候选编号")
    name: Text = col("候选名称")
    quantity: Text = col("量")
    verifies: TextList = col("可检器具")
    levels: Annotated[list[RegionLevel], BeforeValidator(
        lambda v: [_parse.parse_enum(x, _REGION_LEVEL_ALIASES) for x in _parse.parse_list(v)]
    ), Field(min_length=1)] = col("建设级别")
    build_cost: Annotated[float, BeforeValidator(_positive_float)] = col("建设费用")
    capacity_per_year: OptCapacity = col("年检定能力", None)


class Target(Row):
    table = "targets"
    key = ("id",)
    id: Text = col("目标编号")
    region: OptCode = col("地区代码", None)
    metric: Annotated[Metric, _enum(_METRIC_ALIASES)] = col("指标")
    filter: Annotated[str, BeforeValidator(_parse_filter)] = col("范围", "all")
    level: Annotated[RegionLevel | None, _optional(partial(_parse.parse_enum, aliases=_REGION_LEVEL_ALIASES))] = col(
        "级别", None
    )
    threshold: Annotated[float, BeforeValidator(_parse.parse_rate)] = col("目标值")
    year: Annotated[int | None, _optional(_parse.parse_int)] = col("年度", None)
    since: Annotated[int | None, _optional(_parse.parse_int)] = col("起算年度", None)  # standards_built only
    source: Annotated[str | None, _optional(_parse.text)] = col("依据", None)
    note: Annotated[str | None, _optional(_parse.text)] = col("说明", None)


class Meta(Row):
    """The dataset's one row about itself (``changes.md``, Snapshot date)."""

    table = "meta"
    key = ()
    snapshot_date: Date = col("数据截至日期")
    source: Annotated[str | None, _optional(_parse.text)] = col("数据来源", None)
    compiled_by: Annotated[str | None, _optional(_parse.text)] = col("填报单位", None)


REQUIRED_TABLES: tuple[type[Row], ...] = (Region, Institution, InstrumentType, Standard, TraceLink, Demand)
OPTIONAL_TABLES: tuple[type[Row], ...] = (Candidate, Target, Meta)
TABLES: tuple[type[Row], ...] = REQUIRED_TABLES + OPTIONAL_TABLES
#: Table name → its model.
MODELS: dict[str, type[Row]] = {m.table: m for m in TABLES}


#: A table held as columns until its rows are asked for: every field's values in row order, and how to make
#: the rows (:meth:`Dataset.of_columns`).
PendingTable = tuple[dict[str, list[Any]], Callable[[], list[Any]]]


class Dataset(BaseModel):
    """A whole template, already validated: what the graph, figures and planner start from.

    Validation may hand over tables as validated columns (:meth:`of_columns`): their rows are made on first
    use, and :meth:`column` reads a field without making them. Either way the dataset is the same value:
    anything that looks at it whole (comparison, dumps, copies, pickling) makes the rows first.
    """

    model_config = ConfigDict(frozen=True)
    regions: list[Region]
    institutions: list[Institution]
    instrument_types: list[InstrumentType]
    standards: list[Standard]
    traceability: list[TraceLink]
    demand: list[Demand]
    candidates: list[Candidate] = []
    targets: list[Target] = []
    meta: list[Meta] = []  # at most one row

    @classmethod
    def of_columns(cls, rows: dict[str, list[Any]], pending: dict[str, PendingTable]) -> Dataset:
        """A dataset of already validated tables: ``rows`` made, ``pending`` as columns (every table once)."""
        dataset = cls.model_construct(set(rows) | set(pending), **rows)
        for table in pending:
            dataset.__dict__.pop(table, None)  # (the default model_construct gave an optional table)
        if pending:
            object.__setattr__(dataset, "__pydantic_private__", {"pending": dict(pending),
                                                                 "lock": threading.RLock()})
        return dataset

    def __getattr__(self, name: str) -> Any:
        # Reached only for an attribute not set: a table still held as columns.
        private = object.__getattribute__(self, "__pydantic_private__")
        if private and name in type(self).model_fields:
            with private["lock"]:  # the app's sessions share a dataset: its rows are made once
                if name not in self.__dict__:
                    self.__dict__[name] = private["pending"].pop(name)[1]()
            return self.__dict__[name]
        return super().__getattr__(name)  # type: ignore[misc]

    def column(self, table: str, field: str) -> list[Any]:
        """``field`` of every row of ``table``, in row order, without making the rows where they are not made
        yet (a list the dataset may hold: read it, do not change it)."""
        private = self.__pydantic_private__
        pending = private["pending"].get(table) if private else None
        if pending is not None:
            return pending[0][field]
        return list(map(attrgetter(field), getattr(self, table)))

    def _whole(self) -> Dataset:
        """Every table's rows made, in the fields' order (what pydantic's own methods read)."""
        private = self.__pydantic_private__
        if private:
            with private["lock"]:
                if self.__pydantic_private__:  # (not made whole meanwhile)
                    for table, (_, make) in list(private["pending"].items()):
                        self.__dict__[table] = make()
                    object.__setattr__(self, "__dict__", {n: self.__dict__[n] for n in type(self).model_fields})
                    object.__setattr__(self, "__pydantic_private__", None)
        return self

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Dataset):
            other._whole()
        return super(Dataset, self._whole()).__eq__(other)

    __hash__ = None  # type: ignore[assignment] - lists: unhashable, as pydantic makes it

    def __iter__(self) -> Any:
        return super(Dataset, self._whole()).__iter__()

    def __repr_args__(self) -> Any:
        return super(Dataset, self._whole()).__repr_args__()

    def __getstate__(self) -> dict[Any, Any]:
        return super(Dataset, self._whole()).__getstate__()

    def __copy__(self) -> Dataset:
        return super(Dataset, self._whole()).__copy__()

    def __deepcopy__(self, memo: dict[int, Any] | None = None) -> Dataset:
        return super(Dataset, self._whole()).__deepcopy__(memo)

    def model_dump(self, **kwargs: Any) -> dict[str, Any]:
        return super(Dataset, self._whole()).model_dump(**kwargs)

    def model_dump_json(self, **kwargs: Any) -> str:
        return super(Dataset, self._whole()).model_dump_json(**kwargs)

    def rows(self, model: type[Row]) -> list[Row]:
        return getattr(self, model.table)

    @property
    def snapshot_date(self) -> dt.date | None:
        """The date the data describe (``meta.csv``); the default as-of date when there is one."""
        return self.meta[0].snapshot_date if self.meta else None

    def default_as_of(self, today: dt.date | None = None) -> dt.date:
        return self.snapshot_date or today or dt.date.today()
