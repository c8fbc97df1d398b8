"""The budget request (预算申报): an ``.xlsx`` workbook a finance department receives, and the same in Markdown.

Three parts (spec/programme.md, "The budget request"):

- 项目清单: one line per action with its year, and a 合计 line;
- 分年度预算: per plan year, the number and cost of builds and of renewals, the year's total;
- 绩效目标: the 项目支出绩效目标申报表 — a header block, 总体目标, the indicator table
  (一级指标 | 二级指标 | 三级指标 | 指标值).

Money is exact to 0.01 万元 everywhere: every amount is rounded with :class:`~decimal.Decimal` and sums are
taken over the rounded amounts, so a year of 10.2 + 20.4 shows 30.60, never 30.599999999999998. An
``infeasible`` or ``no_solution`` plan still gives a workbook, which says so plainly instead of asking for money.

Chinese by default (the request goes to a Chinese finance bureau), English on request.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Annotated, Literal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from pydantic import BaseModel, BeforeValidator

from tracegraph.algorithms.targets import TargetResult
from tracegraph.i18n import Lang, pct, t
from tracegraph.models import COUNT_METRICS
from tracegraph.planning.plan import Plan, PlannedAction

COLUMNS = ("project", "builder", "level", "cost_10k", "year", "new_instruments", "plan_targets", "calibrated_by",
           "kind", "standard", "new_items", "counties")
MONEY = "#,##0.00"
RATE = "0.00%"
CENT = Decimal("0.01")

_ATTRIBUTES = {"新增": "新增", "new": "新增", "延续": "延续", "continuing": "延续", "continued": "延续"}


def _attribute(value: object) -> object:
    return _ATTRIBUTES.get(str(value).strip().lower(), value) if isinstance(value, str) else value


class RequestHeader(BaseModel):
    """The names a 绩效目标申报表 carries that the plan does not know (``tracegraph plan --project-name`` …)."""

    project_name: str = t("req_default_project")
    department: str = t("req_default_department")  # 主管部门
    implementer: str = t("req_default_implementer")  # 实施单位
    attribute: Annotated[Literal["新增", "延续"], BeforeValidator(_attribute)] = "新增"  # 项目属性
    satisfaction: str = "≥90%"  # 服务对象满意度指标


def money(value: float | Decimal) -> Decimal:
    """An amount in 万元, exact to 0.01 (binary-float noise rounded away)."""
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def _cells(value: Decimal) -> float:
    return float(value)  # float(Decimal("30.60")) == 30.6 exactly as typed


def _money_text(value: Decimal) -> str:
    return f"{value:,.2f}"


# --- the content, once, for both renderings -------------------------------------------------------------
def project_name(a: PlannedAction, lang: Lang) -> str:
    if a.kind == "build" and lang == "zh" and "新建" in a.name:
        return a.name  # the catalogue's names already say 新建
    return t(f"{a.kind}_project", lang, name=a.name)


def action_row(a: PlannedAction, lang: Lang) -> list:
    """One line of 项目清单 (the columns of :data:`COLUMNS`)."""
    return [project_name(a, lang), a.institution_name, t(a.level, lang), _cells(money(a.cost)), a.year,
            a.new_instruments, "；".join(a.targets), "；".join(a.calibrated_by), t(a.kind, lang), a.standard,
            a.new_items, "；".join(a.counties)]


@dataclass
class YearRow:
    year: int
    builds: int = 0
    build_cost: Decimal = Decimal("0.00")
    renewals: int = 0
    renewal_cost: Decimal = Decimal("0.00")
    cap: Decimal | None = None

    @property
    def total(self) -> Decimal:
        return self.build_cost + self.renewal_cost


@dataclass
class Indicator:
    l1: str
    l2: str
    l3: str
    value: float | int | str
    number_format: str | None  # None: text
    text: str  # as shown (Markdown)


@dataclass
class Request:
    """Everything the request shows, in the words of one language."""

    lang: Lang
    header: RequestHeader
    ok: bool  # a plan to ask money for (not infeasible / no_solution)
    period: str
    actions: list[PlannedAction]
    years: list[YearRow]
    total: Decimal
    overall: str = ""
    indicators: list[Indicator] = field(default_factory=list)
    notice: str = ""
    unmet: list[tuple[str, list[str]]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def header_block(self) -> list[tuple[str, str | float, str | None]]:
        """(label, value, number format) of the block above 总体目标."""
        h, lang = self.header, self.lang
        rows: list[tuple[str, str | float, str | None]] = [
            (t("req_project_name", lang), _localise(h.project_name, "req_default_project", lang), None),
            (t("req_department", lang), _localise(h.department, "req_default_department", lang), None),
            (t("req_implementer", lang), _localise(h.implementer, "req_default_implementer", lang), None),
            (t("req_attribute", lang), t(f"req_attr_{h.attribute}", lang), None),
            (t("req_period", lang), self.period, None),
        ]
        if self.ok:
            rows.append((t("req_funds", lang), _cells(self.total), MONEY))
            rows += [(t("req_funds_year", lang, year=y.year), _cells(y.total), MONEY) for y in self.years]
        return rows


def _localise(value: str, default_key: str, lang: Lang) -> str:
    """A header field left at its Chinese default reads in the request's language."""
    return t(default_key, lang) if value == t(default_key, "zh") else value


def build_request(plan: Plan, lang: Lang = "zh", header: RequestHeader | None = None) -> Request:
    header = header or RequestHeader()
    years = sorted(set(plan.years) | {a.year for a in plan.actions})
    first, last = (years[0], years[-1]) if years else (plan.as_of.year, plan.as_of.year)
    period = t("req_period_one", lang, year=first) if first == last else t("req_period_span", lang, first=first,
                                                                           last=last)
    rows = {y: YearRow(y) for y in years}
    caps = plan.budget_per_year or []
    for y, cap in zip(plan.years, caps, strict=False):
        rows[y].cap = money(cap)
    for a in plan.actions:
        row = rows[a.year]
        if a.kind == "build":
            row.builds, row.build_cost = row.builds + 1, row.build_cost + money(a.cost)
        else:
            row.renewals, row.renewal_cost = row.renewals + 1, row.renewal_cost + money(a.cost)
    ordered = sorted(plan.actions, key=lambda a: a.year)  # stable: the plan's order within a year
    total = sum((r.total for r in rows.values()), Decimal("0.00"))
    req = Request(lang=lang, header=header, ok=plan.status in ("optimal", "feasible"), period=period,
                  actions=ordered, years=[rows[y] for y in years], total=total)
    status = t("req_no_solution_status", lang) if plan.status == "no_solution" else t(plan.status, lang)
    if not req.ok:
        req.notice = t("req_infeasible" if plan.status == "infeasible" else "req_no_solution", lang)
        places = {r.region: r.region_name for r in [*plan.targets_before, *plan.targets_after]}
        for m in plan.unmet:
            if m.metric == "budget":  # the yearly caps are too small: what the targets need, to the 0.01 万元
                req.unmet.append((t("unmet_budget_unknown", lang) if m.needed_cost is None else
                                  t("unmet_budget", lang, cost=_money_text(money(m.needed_cost))), []))
                continue
            name = f"{places.get(m.region, m.region)}{_sep(lang)}{_metric_name(m.metric, m.filter, None, lang)}"
            shown = pct if m.metric not in COUNT_METRICS else (lambda v: f"{v:g}")
            head = t("req_unmet_target_nobest", lang, id=m.target, name=name, threshold=shown(m.threshold)) \
                if m.best is None else t("req_unmet_target", lang, id=m.target, name=name,
                                         threshold=shown(m.threshold), best=shown(m.best))
            req.unmet.append((head, m.describe(lang)[:10]))
        req.notes = [t("req_note_status", lang, status=status)]
        return req
    n = sum(1 for a in plan.actions if a.kind == "build")
    m = len(plan.actions) - n
    k, kept = gained_and_kept(plan)
    quality = _quality(plan, lang)
    ind = req.indicators
    out, l2q = t("req_output", lang), t("req_quantity", lang)
    ind.append(_count(out, l2q, t("req_ind_builds", lang), n, "req_u_item", lang))
    ind.append(_count(out, l2q, t("req_ind_renewals", lang), m, "req_u_item", lang))
    ind += [Indicator(out, t("req_quality", lang), name, value, fmt, text) for name, value, fmt, text in quality]
    deadline = t("req_deadline", lang, year=last)
    ind.append(Indicator(out, t("req_timeliness", lang), t("req_ind_deadline", lang), deadline, None, deadline))
    unit = t("req_u_money", lang)
    ind.append(Indicator(out, t("req_costs", lang), t("req_ind_total_cost", lang), _cells(total),
                         _fmt("≤", MONEY, unit, lang), f"≤{_money_text(total)}{_sep(lang)}{unit}"))
    ind.append(_count(t("req_benefit", lang), t("req_social", lang), t("req_ind_instruments", lang), k,
                      "req_u_piece", lang))
    if kept:
        ind.append(_count(t("req_benefit", lang), t("req_social", lang), t("req_ind_kept", lang), kept,
                          "req_u_piece", lang))
    ind.append(Indicator(t("req_satisfaction_l1", lang), t("req_satisfaction_l2", lang),
                         t("req_ind_satisfaction", lang), header.satisfaction, None, header.satisfaction))
    req.overall = _overall(plan, req, n, m, (k, kept, last), quality, lang)
    req.notes = [t("req_note_money", lang),
                 t("req_note_programme", lang, first=first, last=last) if plan.programme
                 else t("req_note_snapshot", lang, date=plan.as_of.isoformat()),
                 t("req_note_gap", lang, status=status, gap=f"{plan.gap:.2%}") if plan.gap
                 else t("req_note_status", lang, status=status)]
    return req


def _sep(lang: Lang) -> str:
    return "" if lang == "zh" else " "


def _fmt(prefix: str, number: str, unit: str, lang: Lang) -> str:
    """An Excel number format: the number with its comparison sign and unit around it."""
    head = f'"{prefix}"' if prefix else ""
    return f'{head}{number}"{_sep(lang)}{unit}"'


def _count(l1: str, l2: str, l3: str, value: int, unit_key: str, lang: Lang) -> Indicator:
    unit = t(unit_key, lang)
    return Indicator(l1, l2, l3, value, _fmt("", "#,##0", unit, lang), f"{value:,}{_sep(lang)}{unit}")


def _metric_name(metric: str, filter_: str, level: str | None, lang: Lang) -> str:
    if metric == "standards_count":
        name = t("req_m_standards_count", lang, level=t(level or "province", lang))
    else:
        name = t(f"req_m_{metric}", lang)
    if filter_ != "all":
        name = f"{t(filter_, lang)}{name}" if lang == "zh" else f"{name} ({t(filter_, lang)})"
    return name


def _quality(plan: Plan, lang: Lang) -> list[tuple[str, float, str, str]]:
    """(三级指标, value, number format, text) of 质量指标: one per planned target the plan meets (the strongest
    threshold of each region, metric, filter and level); without any, the coverage the plan reaches."""
    best: dict[tuple, TargetResult] = {}
    for r in plan.targets_after:
        key = (r.region, r.metric, r.filter, r.level)
        if r.met is True and (key not in best or r.threshold > best[key].threshold):
            best[key] = r
    out = []
    for r in best.values():
        name = f"{r.region_name}{_sep(lang)}{_metric_name(r.metric, r.filter, r.level, lang)}"
        out.append(_threshold(name, r.metric, r.threshold, lang))
    if not out:
        for metric in ("coverage", "weighted_coverage"):
            value = getattr(plan.after, metric)
            if value is not None:
                floor = float(Decimal(str(value)).quantize(Decimal("0.0001"), rounding=ROUND_FLOOR))
                out.append(_threshold(_metric_name(metric, "all", None, lang), metric, floor, lang))
    return out


def _threshold(name: str, metric: str, threshold: float, lang: Lang) -> tuple[str, float, str, str]:
    if metric in COUNT_METRICS:
        number = "#,##0" if float(threshold).is_integer() else "#,##0.00"
        unit = t("req_u_item", lang)
        shown = f"{threshold:,.0f}" if number == "#,##0" else f"{threshold:,.2f}"
        return name, threshold, _fmt("≥", number, unit, lang), f"≥{shown}{_sep(lang)}{unit}"
    return name, threshold, f'"≥"{RATE}', f"≥{pct(threshold)}"


def gained_and_kept(plan: Plan) -> tuple[int, int]:
    """Instruments in use newly covered by the end of the plan (after − before), and those the plan keeps
    covered that would have lost coverage by then without it (before − the last year's no-action baseline)."""
    before, after = plan.before.covered_instruments, plan.after.covered_instruments
    baseline = plan.by_year[-1].baseline.covered_instruments if plan.by_year else before
    return max(after - before, 0), max(min(before, after) - baseline, 0)


def _overall(plan: Plan, req: Request, n: int, m: int, effect: tuple[int, int, int], quality: list,
             lang: Lang) -> str:
    """总体目标: what is built and renewed, what it costs per year, coverage before → after."""
    lang_sep = "、" if lang == "zh" else ", "
    names = []
    for a in req.actions:
        if a.kind == "build":
            short = re.sub(r"[（(][^（）()]*[)）]$", "", a.name).strip()
            if short not in names:
                names.append(short)
    what = []
    if n:
        what.append(t("req_goal_builds", lang, n=n, names=lang_sep.join(names[:3])))
    if m:
        what.append(t("req_goal_renewals", lang, m=m))
    doing = lang_sep.join(what) if what else t("req_goal_nothing", lang)
    text = f"{req.period}，{doing}" if lang == "zh" else f"{req.period}: {doing}"
    if len(req.years) > 1:
        per_year = lang_sep.join(t("req_goal_year", lang, year=y.year, cost=_money_text(y.total))
                                 for y in req.years if y.total)
        text += t("req_goal_cost", lang, cost=_money_text(req.total), per_year=per_year or "—")
    else:
        text += t("req_goal_cost_one", lang, cost=_money_text(req.total))
    changes = []
    for metric in ("coverage", "weighted_coverage", "capacity_rate"):
        before, after = getattr(plan.before, metric), getattr(plan.after, metric)
        if before is None or after is None:
            continue
        name = t(f"req_m_{metric}", lang)
        key = "req_rise" if round(after, 4) > round(before, 4) else (
            "req_fall" if round(after, 4) < round(before, 4) else "req_hold")
        changes.append(t(key, lang, name=name, before=pct(before), after=pct(after)))
    k, kept, last = effect
    text += t("req_goal_effect", lang, changes=("，" if lang == "zh" else ", ").join(changes), k=f"{k:,}")
    if kept:
        text += t("req_goal_kept", lang, kept=f"{kept:,}", last=last)
    if plan.mode == "targets" and quality:
        text += t("req_goal_targets", lang, targets=lang_sep.join(f"{q[0]}{_sep(lang)}{q[3]}" for q in quality))
    return text + ("。" if lang == "zh" else ".")


# --- the workbook -----------------------------------------------------------------------------------------
THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(horizontal="left", vertical="center", wrap_text=True, indent=1)
CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = WRAP
RIGHT = Alignment(horizontal="right", vertical="center", indent=1)
LINE_PT = 14.5  # one line of 11 pt text, CJK included


def write_request(plan: Plan, path: Path, lang: Lang = "zh", header: RequestHeader | None = None) -> Path:
    """项目清单, 分年度预算 and 绩效目标, laid out to print on A4."""
    req = build_request(plan, lang, header)
    wb = Workbook()
    font = "宋体" if lang == "zh" else "Calibri"
    _actions_sheet(wb.active, req, font)
    _years_sheet(wb.create_sheet(t("req_sheet_years", lang)), req, plan, font)
    perf = wb.create_sheet(t("req_sheet_performance", lang))
    _performance_sheet(perf, req, font)
    if not req.ok:
        wb.active = wb.index(perf)  # open where it says there is no plan
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _width(text: object) -> float:
    """Display width in Excel column units: a CJK character counts two, a Latin one a little less than one."""
    return sum(2.0 if unicodedata.east_asian_width(ch) in "WFA" else 0.95 for ch in str(text))


def _longest_word(text: object) -> float:
    """The widest piece a wrap cannot break (a Latin word; CJK breaks between any two characters)."""
    return max((_width(w) for w in re.findall(r"[A-Za-z0-9\-.()_]+|\S", str(text))), default=0)


def _lines(text: object, width: float, pad: float = 2.5) -> int:
    """Lines a wrapped cell ``width`` wide needs (the indent and the padding taken off): greedy wrapping
    between words, and between any two CJK characters."""
    usable = max(width - pad, 1)
    total = 0
    for part in str(text).split("\n"):
        lines, used = 1, 0.0
        for token in re.findall(r"[^\s\u2e80-\uffef-]*-\s*|[^\s\u2e80-\uffef-]+\s*|[\u2e80-\uffef]|\s+", part):
            w = _width(token.rstrip())
            if used and used + w > usable:
                lines, used = lines + 1, 0.0
            lines += int(max(w - 1e-9, 0) // usable) if w > usable else 0  # a word wider than the column
            used = (used + _width(token)) if w <= usable else w % usable
        total += lines
    return total


def _style(ws: Worksheet, rows: Iterable[int], cols: int, font: str, *, bold: bool = False,
           align: Alignment = WRAP, size: int = 11) -> None:
    for r in rows:
        for c in range(1, cols + 1):
            cell = ws.cell(r, c)
            cell.border, cell.alignment = BOX, align
            cell.font = Font(name=font, bold=bold, size=size)


def _print_setup(ws: Worksheet, lang: Lang, *, landscape: bool, title_rows: str | None) -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top, ws.page_margins.bottom = 0.7, 0.7
    if title_rows:
        ws.print_title_rows = title_rows
    ws.oddFooter.center.text = t("req_page", lang)
    ws.oddFooter.center.size = 9


def _fit_rows(ws: Worksheet, first: int, widths: list[float]) -> None:
    """Row heights for wrapped text (neither Excel nor LibreOffice grows a row for a merged cell)."""
    for r in range(first, ws.max_row + 1):
        lines = max((_lines(ws.cell(r, c).value, w) for c, w in enumerate(widths, 1)
                     if ws.cell(r, c).value is not None), default=1)
        if lines > 1:
            ws.row_dimensions[r].height = lines * LINE_PT + 4


def _actions_sheet(ws: Worksheet, req: Request, font: str) -> None:
    lang = req.lang
    ws.title = t("sheet_actions", lang)
    ws.append([t(c, lang) for c in COLUMNS])
    for a in req.actions:
        ws.append(action_row(a, lang))
    ws.append([t("total", lang), "", "", _cells(req.total), "", sum(a.new_instruments for a in req.actions),
               "", "", "", "", sum(a.new_items for a in req.actions), ""])
    last = ws.max_row
    # widths from the content, capped; capped columns wrap
    caps = {"project": 34, "builder": 22, "plan_targets": 24, "calibrated_by": 20, "standard": 18, "counties": 26}
    least = {"project": 24, "builder": 18, "cost_10k": 12, "new_instruments": 10, "plan_targets": 14,
             "calibrated_by": 12, "new_items": 8, "counties": 14}
    widths = []
    for c, key in enumerate(COLUMNS, 1):
        name = ws.cell(1, c).value
        head = max(_width(name) / 2, _longest_word(name)) + 3  # the header wraps onto two lines, not mid-word
        body = max((_width(f"{v:,}" if isinstance(v := ws.cell(r, c).value, int | float) else v or "")
                    for r in range(2, last + 1)), default=0) + 3
        widths.append(round(min(max(head, body, least.get(key, 6)), caps.get(key, 40)), 1))
    for c, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(c)].width = w
    _style(ws, [1], len(COLUMNS), font, bold=True, align=CENTRE)
    _style(ws, range(2, last + 1), len(COLUMNS), font)
    _style(ws, [last], len(COLUMNS), font, bold=True)
    for r in range(2, last + 1):
        for c, key in enumerate(COLUMNS, 1):
            cell = ws.cell(r, c)
            if key == "cost_10k":
                cell.number_format = MONEY
                cell.alignment = RIGHT
            elif key in ("new_instruments", "new_items"):
                cell.number_format = "#,##0"
                cell.alignment = RIGHT
            elif key in ("level", "year", "kind"):
                cell.alignment = CENTRE
    ws.row_dimensions[1].height = max(_lines(ws.cell(1, c).value, w, 1) for c, w in enumerate(widths, 1)) * LINE_PT + 4
    _fit_rows(ws, 2, widths)
    ws.row_dimensions[last].height = 20
    if not req.ok:
        _sheet_notice(ws, last + 2, req.notice, len(COLUMNS), sum(widths), font)
    ws.freeze_panes = "A2"
    ws.oddHeader.center.text = f"{t('sheet_actions', lang)}（{req.period}）" if lang == "zh" else \
        f"{t('sheet_actions', lang)} ({req.period})"
    ws.oddHeader.center.size = 12
    ws.oddHeader.center.font = "-,Bold"
    _print_setup(ws, lang, landscape=True, title_rows="1:1")


YEAR_COLUMNS = ("year", "req_builds_n", "req_builds_cost", "req_renewals_n", "req_renewals_cost", "req_year_total")


def _years_sheet(ws: Worksheet, req: Request, plan: Plan, font: str) -> None:
    lang = req.lang
    cols = list(YEAR_COLUMNS) + (["req_year_cap"] if plan.budget_per_year else [])
    n = len(cols)
    ws.cell(1, 1, t("req_years_title", lang, period=req.period))
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=n)
    ws.cell(1, 1).font = Font(name=font, bold=True, size=14)
    ws.cell(1, 1).alignment = CENTRE
    ws.row_dimensions[1].height = 26
    ws.cell(2, n, t("req_unit_money", lang)).alignment = Alignment(horizontal="right")
    ws.cell(2, n).font = Font(name=font, size=10)
    ws.append([t(c, lang) for c in cols])
    for y in req.years:
        row = [y.year, y.builds, _cells(y.build_cost), y.renewals, _cells(y.renewal_cost), _cells(y.total)]
        ws.append(row + ([None if y.cap is None else _cells(y.cap)] if plan.budget_per_year else []))
    tot = [t("total", lang), sum(y.builds for y in req.years),
           _cells(sum((y.build_cost for y in req.years), Decimal("0.00"))), sum(y.renewals for y in req.years),
           _cells(sum((y.renewal_cost for y in req.years), Decimal("0.00"))), _cells(req.total)]
    if plan.budget_per_year:
        tot.append(_cells(sum((y.cap for y in req.years if y.cap is not None), Decimal("0.00"))))
    ws.append(tot)
    last = ws.max_row
    _style(ws, [3], n, font, bold=True, align=CENTRE)
    _style(ws, range(4, last + 1), n, font, align=RIGHT)
    _style(ws, [last], n, font, bold=True, align=RIGHT)
    for r in range(4, last + 1):
        ws.cell(r, 1).alignment = CENTRE
        for c, key in enumerate(cols, 1):
            if key.endswith("_cost") or key in ("req_year_total", "req_year_cap"):
                ws.cell(r, c).number_format = MONEY
    # wide enough for the words before "(万元)" on one line, the unit wrapping under them
    widths = [10] + [max(14, *(_width(part) + 3 for part in re.split(r"(?=\()", t(c, lang)))) for c in cols[1:]]
    for c, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(c)].width = w
    for r in range(4, last + 1):
        ws.row_dimensions[r].height = 20
    if not req.ok:
        _sheet_notice(ws, last + 2, req.notice, n, sum(widths), font)
    ws.row_dimensions[3].height = 2 * LINE_PT + 4
    _print_setup(ws, lang, landscape=False, title_rows="3:3")


PERF_WIDTHS = [12, 20, 46, 22]  # 一级 | 二级 | 三级 | 指标值


def _performance_sheet(ws: Worksheet, req: Request, font: str) -> None:
    lang, ncol = req.lang, len(PERF_WIDTHS)
    for c, w in enumerate(PERF_WIDTHS, 1):
        ws.column_dimensions[get_column_letter(c)].width = w
    label_w, value_w = sum(PERF_WIDTHS[:2]), sum(PERF_WIDTHS[2:])
    ws.cell(1, 1, t("req_form_title", lang))
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncol)
    ws.cell(1, 1).font = Font(name=font, bold=True, size=16)
    ws.cell(1, 1).alignment = CENTRE
    ws.row_dimensions[1].height = 30
    ws.cell(2, 1, t("req_form_period", lang, period=req.period))  # the amounts' labels say 万元
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=ncol)
    ws.cell(2, 1).alignment = CENTRE
    ws.cell(2, 1).font = Font(name=font, size=11)
    ws.row_dimensions[2].height = 20
    r = 3
    block_top = r
    for label, value, fmt in req.header_block:
        _pair(ws, r, label, value, fmt, font, label_w, value_w)
        r += 1
    if not req.ok:
        _notice(ws, r, req, font, label_w + value_w)
        return
    _pair(ws, r, t("req_overall", lang), req.overall, None, font, label_w, value_w)
    r += 1
    _style_block(ws, block_top, r, req, font)
    head = r
    for c, key in enumerate(("req_l1", "req_l2", "req_l3", "req_value"), 1):
        ws.cell(r, c, t(key, lang))
    _style(ws, [r], ncol, font, bold=True, align=CENTRE)
    ws.row_dimensions[r].height = 22
    r += 1
    first = r
    for ind in req.indicators:
        ws.cell(r, 1, ind.l1)
        ws.cell(r, 2, ind.l2)
        ws.cell(r, 3, ind.l3)
        cell = ws.cell(r, 4, ind.value)
        if ind.number_format:
            cell.number_format = ind.number_format
        r += 1
    _style(ws, range(first, r), ncol, font)
    for rr in range(first, r):
        ws.cell(rr, 1).alignment = ws.cell(rr, 2).alignment = CENTRE
        ws.cell(rr, 4).alignment = CENTRE
        lines = max(_lines(ws.cell(rr, c).value, w) for c, w in enumerate(PERF_WIDTHS, 1))
        if lines > 1:
            ws.row_dimensions[rr].height = lines * LINE_PT + 4
        else:
            ws.row_dimensions[rr].height = 20
    for col, key in ((1, lambda i: i.l1), (2, lambda i: (i.l1, i.l2))):  # 一级 / 二级指标 merged over their rows
        for start, end in _runs([key(i) for i in req.indicators]):
            if end > start:
                ws.merge_cells(start_row=first + start, start_column=col, end_row=first + end, end_column=col)
    ws.print_title_rows = f"{head}:{head}"
    r += 1
    _note_rows(ws, r, req, font, label_w + value_w)
    _print_setup(ws, lang, landscape=False, title_rows=None)


def _style_block(ws: Worksheet, top: int, end: int, req: Request, font: str) -> None:
    """The header block: bold centred labels (the per-year lines plain, under 资金总额), values left."""
    _style(ws, range(top, end), len(PERF_WIDTHS), font)
    per_year = {t("req_funds_year", req.lang, year=y.year) for y in req.years}
    for rr in range(top, end):
        ws.cell(rr, 1).font = Font(name=font, bold=ws.cell(rr, 1).value not in per_year)
        ws.cell(rr, 1).alignment = CENTRE
        ws.cell(rr, 3).alignment = LEFT


def _sheet_notice(ws: Worksheet, r: int, text: str, ncol: int, width: float, font: str) -> None:
    """No plan: one red line under the (empty) table."""
    ws.cell(r, 1, text)
    ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=ncol)
    ws.cell(r, 1).font = Font(name=font, bold=True, color="C00000", size=12)
    ws.cell(r, 1).alignment = LEFT
    ws.row_dimensions[r].height = _lines(text, width * 11 / 12) * LINE_PT * 12 / 11 + 6


def _runs(keys: list) -> list[tuple[int, int]]:
    """(first, last) index of each run of equal keys."""
    out: list[tuple[int, int]] = []
    for k, key in enumerate(keys):
        if out and keys[out[-1][0]] == key:
            out[-1] = (out[-1][0], k)
        else:
            out.append((k, k))
    return out


def _pair(ws: Worksheet, r: int, label: str, value: object, fmt: str | None, font: str, label_w: float,
          value_w: float) -> None:
    """A label over 一级+二级 and its value over 三级+指标值, merged across the table's width."""
    ws.cell(r, 1, label)
    ws.cell(r, 3, value)
    ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=2)
    ws.merge_cells(start_row=r, start_column=3, end_row=r, end_column=4)
    if fmt:
        ws.cell(r, 3).number_format = fmt
    lines = max(_lines(label, label_w), _lines(value, value_w))
    ws.row_dimensions[r].height = lines * LINE_PT + 6 if lines > 1 else 20


def _notice(ws: Worksheet, r: int, req: Request, font: str, width: float) -> None:
    """No plan: say so where the indicators would be, with the targets it could not meet and why."""
    _style_block(ws, 3, r, req, font)
    r = _merged_line(ws, r, req.notice, font, width, bold=True, colour="C00000", size=12)
    if req.unmet:
        r = _merged_line(ws, r + 1, t("req_unmet_heading", req.lang), font, width, bold=True)
        for head, reasons in req.unmet:
            r = _merged_line(ws, r, head, font, width, bold=True)
            for reason in reasons:
                r = _merged_line(ws, r, f"  · {reason}", font, width)
    _note_rows(ws, r + 1, req, font, width)
    _print_setup(ws, req.lang, landscape=False, title_rows=None)


def _merged_line(ws: Worksheet, r: int, text: str, font: str, width: float, *, bold: bool = False,
                 colour: str | None = None, size: int = 11) -> int:
    ws.cell(r, 1, text)
    ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=len(PERF_WIDTHS))
    ws.cell(r, 1).font = Font(name=font, bold=bold, color=colour, size=size)
    ws.cell(r, 1).alignment = LEFT
    lines = _lines(text, width * 11 / size)
    ws.row_dimensions[r].height = lines * LINE_PT * size / 11 + 6
    return r + 1


def _note_rows(ws: Worksheet, r: int, req: Request, font: str, width: float) -> None:
    lang, notes = req.lang, req.notes
    r = _merged_line(ws, r, t("req_notes", lang) + ("：" if lang == "zh" else ":"), font, width, bold=True, size=10)
    for k, note in enumerate(notes, 1):
        r = _merged_line(ws, r, f"{k}. {note}", font, width, size=10)


# --- Markdown ------------------------------------------------------------------------------------------
def _md(cells: Iterable[object]) -> str:
    return "| " + " | ".join(str(c).replace("|", "\\|").replace("\n", " ") for c in cells) + " |"


def request_markdown(plan: Plan, lang: Lang = "zh", header: RequestHeader | None = None) -> str:
    """The three parts of the request as Markdown tables, with the same numbers as the workbook."""
    req = build_request(plan, lang, header)
    name = req.header_block[0][1]
    lines = [f"# {t('req_md_title', lang, name=name)}", ""]
    if req.notice:
        lines += [f"**{req.notice}**", ""]
    lines += [f"## {t('sheet_actions', lang)}", "", _md(t(c, lang) for c in COLUMNS), "|" + "---|" * len(COLUMNS)]
    for a in req.actions:
        row = action_row(a, lang)
        row[3], row[5], row[10] = _money_text(money(a.cost)), f"{a.new_instruments:,}", f"{a.new_items:,}"
        lines.append(_md(row))
    lines.append(_md([f"**{t('total', lang)}**", "", "", f"**{_money_text(req.total)}**", "",
                      f"{sum(a.new_instruments for a in req.actions):,}", "", "", "", "",
                      f"{sum(a.new_items for a in req.actions):,}", ""]))
    cols = list(YEAR_COLUMNS) + (["req_year_cap"] if plan.budget_per_year else [])
    lines += ["", f"## {t('req_sheet_years', lang)}", "", f"{t('req_unit_money', lang)}", "",
              _md(t(c, lang) for c in cols), "|" + "---|" * len(cols)]
    for y in req.years:
        row = [y.year, y.builds, _money_text(y.build_cost), y.renewals, _money_text(y.renewal_cost),
               _money_text(y.total)]
        lines.append(_md(row + ([("—" if y.cap is None else _money_text(y.cap))] if plan.budget_per_year else [])))
    tot = [f"**{t('total', lang)}**", sum(y.builds for y in req.years),
           _money_text(sum((y.build_cost for y in req.years), Decimal("0.00"))), sum(y.renewals for y in req.years),
           _money_text(sum((y.renewal_cost for y in req.years), Decimal("0.00"))), f"**{_money_text(req.total)}**"]
    if plan.budget_per_year:
        tot.append(_money_text(sum((y.cap for y in req.years if y.cap is not None), Decimal("0.00"))))
    lines.append(_md(tot))
    lines += ["", f"## {t('req_sheet_performance', lang)}：{t('req_form_title', lang)}" if lang == "zh"
              else f"## {t('req_sheet_performance', lang)}: {t('req_form_title', lang)}", ""]
    for k, (label, value, fmt) in enumerate(req.header_block):
        lines.append(_md([label, _money_text(money(value)) if fmt == MONEY else value]))  # type: ignore[arg-type]
        if k == 0:
            lines.append("|---|---|")
    if req.ok:
        lines.append(_md([t("req_overall", lang), req.overall]))
        lines += ["", _md(t(k, lang) for k in ("req_l1", "req_l2", "req_l3", "req_value")), "|---|---|---|---|"]
        prev: tuple[str, str] = ("", "")
        for ind in req.indicators:
            l1 = ind.l1 if ind.l1 != prev[0] else ""
            l2 = ind.l2 if (ind.l1, ind.l2) != prev else ""
            lines.append(_md([l1, l2, ind.l3, ind.text]))
            prev = (ind.l1, ind.l2)
    else:
        lines += ["", f"**{req.notice}**"]
        if req.unmet:
            lines += ["", f"### {t('req_unmet_heading', lang)}", ""]
            for head, reasons in req.unmet:
                lines.append(f"- {head}")
                lines += [f"  - {reason}" for reason in reasons]
    lines += ["", f"{t('req_notes', lang)}：" if lang == "zh" else f"{t('req_notes', lang)}:", ""]
    lines += [f"{k}. {note}" for k, note in enumerate(req.notes, 1)]
    lines.append("")
    return "\n".join(lines)
