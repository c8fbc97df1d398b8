"""Words shown to people, in Chinese (default) and English; the glossary the docs cite."""

from __future__ import annotations

from typing import Literal

Lang = Literal["zh", "en"]

_WORDS: dict[str, tuple[str, str]] = {
    # figures
    "items": ("需求项", "items"),
    "covered_items": ("已覆盖项", "covered items"),
    "coverage": ("覆盖率", "coverage"),
    "instruments": ("器具数", "instruments"),
    "covered_instruments": ("已覆盖器具", "covered instruments"),
    "weighted_coverage": ("器具覆盖率", "weighted coverage"),
    "annual_load": ("年检定量", "annual load"),
    "capacity_rate": ("能力满足率", "capacity rate"),
    "standards_count": ("计量标准数", "standards count"),
    # filters
    "all": ("全部", "all"),
    "household_meter": ("民用四表", "household meters"),
    "mandatory": ("强制检定", "mandatory"),
    "domain:trade": ("贸易结算", "trade"),
    "domain:safety": ("安全防护", "safety"),
    "domain:medical": ("医疗卫生", "medical"),
    "domain:environment": ("环境监测", "environment"),
    "domain:other": ("其他", "other"),
    # levels
    "national": ("国家", "national"),
    "province": ("省级", "province"),
    "city": ("市级", "city"),
    "county": ("县级", "county"),
    # table headings
    "region": ("地区", "region"),
    "code": ("代码", "code"),
    "name": ("名称", "name"),
    "level": ("级别", "level"),
    "filter": ("范围", "filter"),
    "standard": ("计量标准", "standard"),
    "institution": ("机构", "institution"),
    "instrument_type": ("器具", "instrument type"),
    "count": ("在用数量", "count"),
    "reason": ("原因", "reason"),
    "detail": ("详情", "detail"),
    "expires": ("到期日", "expires"),
    "days_left": ("剩余天数", "days left"),
    "kind": ("类别", "kind"),
    "broken_standards": ("断链标准", "broken standards"),
    "lost_items": ("失去覆盖项", "items lost"),
    "lost_instruments": ("失去覆盖器具", "instruments lost"),
    "target": ("目标", "target"),
    "metric": ("指标", "metric"),
    "threshold": ("目标值", "threshold"),
    "value": ("现值", "value"),
    "met": ("达标", "met"),
    "year": ("年度", "year"),
    "file": ("文件", "file"),
    "row": ("行", "row"),
    "column": ("列", "column"),
    "message": ("说明", "message"),
    "valid": ("有效", "valid"),
    "traceable": ("可溯源", "traceable"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "n/a": ("无数据", "n/a"),
    # gap reasons and problems
    "no_standard": ("无任何标准可检该器具", "no standard anywhere verifies the type"),
    "not_served": ("有标准但不服务该县", "standards exist but none serves the county"),
    "invalid": ("服务该县的标准均失效", "the standards serving the county are invalid"),
    "expired_certificate": ("考核证书过期", "certificate expired"),
    "suspended": ("暂停", "suspended"),
    "retired": ("撤销", "retired"),
    "chain_broken": ("溯源链断裂", "chain broken"),
    "no_upstream": ("无上级溯源", "no upstream link"),
    "expired_link": ("溯源证书过期", "link expired"),
    "certificate": ("考核证书", "certificate"),
    "link": ("溯源证书", "traceability link"),
    # headings and sentences
    "coverage_title": ("量传溯源体系覆盖率（截至 {as_of}）", "Traceability coverage as of {as_of}"),
    "valid_dataset": (
        "数据集有效：{errors} 个错误，{warnings} 个警告",
        "dataset valid: {errors} errors, {warnings} warnings",
    ),
    "invalid_dataset": (
        "数据集无效：{errors} 个错误，{warnings} 个警告，未导入任何数据",
        "dataset invalid: {errors} errors, {warnings} warnings; nothing was loaded",
    ),
    "errors": ("错误", "errors"),
    "warnings": ("警告", "warnings"),
    "uncovered_title": ("未覆盖需求项（{n} 项）", "Uncovered items ({n})"),
    "expiring_title": ("{days} 天内到期（{n} 项）", "Expiring within {days} days ({n})"),
    "spof_title": ("单点失效（{n} 项，按失去覆盖器具排序）", "Single points of failure ({n}, by instruments lost)"),
    "chain_title": ("{id} 的溯源链（截至 {as_of}）：{state}", "Chain of {id} as of {as_of}: {state}"),
    "breaks": ("断点", "break points"),
    "impact_title": ("{id} 失效的影响（截至 {as_of}）", "Impact of {id} failing as of {as_of}"),
    "targets_title": ("规划目标达成情况（截至 {as_of}）", "Plan targets as of {as_of}"),
    "computing": ("计算覆盖率", "computing coverage"),
    # planning and the budget request
    "build": ("新建", "build"),
    "renew": ("复查", "renew"),
    "build_project": ("新建{name}", "Build {name}"),
    "renew_project": ("{name}复查", "Renew {name}"),
    "project": ("项目名称", "Project"),
    "builder": ("建设单位", "Institution"),
    "cost_10k": ("投资估算(万元)", "Estimated cost (10k CNY)"),
    "new_instruments": ("新增覆盖器具数", "New instruments covered"),
    "new_items": ("新增覆盖项", "New items covered"),
    "plan_targets": ("对应规划目标", "Plan targets advanced"),
    "calibrated_by": ("溯源上级", "Calibrated by"),
    "counties": ("覆盖县区", "Counties"),
    "total": ("合计", "Total"),
    "before": ("规划前", "before"),
    "after": ("规划后", "after"),
    "sheet_actions": ("项目清单", "Actions"),
    "sheet_figures": ("规划前后指标", "Figures before and after"),
    "sheet_targets": ("规划目标", "Targets"),
    "optimal": ("已证明最优", "proven optimal"),
    "feasible": ("可行（未证明最优）", "feasible (not proven optimal)"),
    "infeasible": ("无解", "infeasible"),
    "request_title": ("社会公用计量标准建设项目预算申请（规划方案）", "Budget request: public measurement standards"),
    "request_summary": (
        "本方案共 {n} 项，投资估算 {cost} 万元（{status}）。实施后新增覆盖在用器具 {gained} 台（件），"
        "器具覆盖率由 {before} 提高到 {after}，量传溯源体系覆盖率由 {cov_before} 提高到 {cov_after}。",
        "The plan has {n} actions costing {cost} (10k CNY), {status}. It brings {gained} more instruments in "
        "use under a traceable standard: weighted coverage {before} → {after}, coverage {cov_before} → {cov_after}.",
    ),
    "request_gap": ("（与最优解的差距至多 {gap}）", "(at most {gap} from the optimum)"),
    "request_note": (
        "注：投资估算为候选目录中的示意费用；覆盖指标按《figures.md》口径由 tracegraph 计算。",
        "Note: costs are the candidate catalogue's illustrative estimates; figures computed by tracegraph as "
        "defined in figures.md.",
    ),
    "plan_title": ("规划方案（截至 {as_of}，{status}）", "Plan as of {as_of} ({status})"),
    "unmet_title": ("无法达成的目标", "Targets no plan can meet"),
    "solving": ("求解中", "solving"),
}


def t(key: str, lang: Lang = "zh", **values: object) -> str:
    """The word for ``key`` in ``lang``; unknown keys pass through unchanged."""
    pair = _WORDS.get(key)
    word = key if pair is None else pair[0 if lang == "zh" else 1]
    return word.format(**values) if values else word


def glossary() -> list[tuple[str, str]]:
    """The zh/en pairs, for the docs."""
    return [(zh, en) for zh, en in _WORDS.values() if "{" not in zh]
