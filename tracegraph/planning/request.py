"""The budget request: an ``.xlsx`` workbook a planner attaches, and a Markdown summary to paste.

Chinese by default (the request goes to a Chinese finance bureau), English on request.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from tracegraph.i18n import Lang, pct, t
from tracegraph.planning.problem import Plan, PlannedAction

FIGURES = ("items", "covered_items", "coverage", "instruments", "covered_instruments", "weighted_coverage",
           "annual_load", "capacity_rate")
RATES = {"coverage", "weighted_coverage", "capacity_rate"}
COLUMNS = ("project", "builder", "level", "cost_10k", "year", "new_instruments", "plan_targets", "calibrated_by",
           "kind", "standard", "new_items", "counties")


def project_name(a: PlannedAction, lang: Lang) -> str:
    if a.kind == "build" and lang == "zh" and "新建" in a.name:
        return a.name  # the catalogue's names already say 新建
    return t(f"{a.kind}_project", lang, name=a.name)


def action_row(a: PlannedAction, lang: Lang) -> list:
    return [project_name(a, lang), a.institution_name, t(a.level, lang), round(a.cost, 4), a.year,
            a.new_instruments, "；".join(a.targets), "；".join(a.calibrated_by), t(a.kind, lang), a.standard,
            a.new_items, "；".join(a.counties)]


def write_request(plan: Plan, path: Path, lang: Lang = "zh") -> Path:
    """One line per action with totals, the figures before and after (and per year), the targets."""
    wb = Workbook()
    ws = wb.active
    ws.title = t("sheet_actions", lang)
    _header(ws, [t(c, lang) for c in COLUMNS])
    for a in plan.actions:
        ws.append(action_row(a, lang))
    ws.append([t("total", lang), "", "", round(plan.total_cost, 4), "", sum(a.new_instruments for a in plan.actions),
               "", "", "", "", sum(a.new_items for a in plan.actions), ""])
    ws.cell(ws.max_row, 1).font = Font(bold=True)
    _widths(ws, [36, 28, 8, 14, 8, 16, 40, 24, 8, 28, 12, 40])

    fs = wb.create_sheet(t("sheet_figures", lang))
    _header(fs, [t("metric", lang), t("before", lang), t("after", lang), *(str(y.year) for y in plan.by_year)])
    for key in FIGURES:
        values = [getattr(plan.before, key), getattr(plan.after, key), *(getattr(y.figures, key) for y in plan.by_year)]
        fs.append([t(key, lang), *values])
        if key in RATES:
            for cell in fs[fs.max_row][1:]:
                cell.number_format = "0.00%"
    fs.append([t("cost_10k", lang), 0, round(plan.total_cost, 4), *(round(y.cost, 4) for y in plan.by_year)])
    _widths(fs, [20] + [16] * (2 + len(plan.by_year)))

    ts = wb.create_sheet(t("sheet_targets", lang))
    _header(ts, [t("target", lang), t("region", lang), t("metric", lang), t("filter", lang), t("threshold", lang),
                 t("before", lang), t("after", lang), t("met", lang)])
    for b, a in zip(plan.targets_before, plan.targets_after, strict=True):
        ts.append([a.id, a.region_name, t(a.metric, lang), t(a.filter, lang), a.threshold, b.value, a.value,
                   "" if a.met is None else t("yes" if a.met else "no", lang)])
    _widths(ts, [40, 12, 16, 12, 10, 12, 12, 8])
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _header(ws, names: list[str]) -> None:
    ws.append(names)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"


def _widths(ws, widths: list[int]) -> None:
    for k, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(k)].width = w


def request_markdown(plan: Plan, lang: Lang = "zh", title: str | None = None) -> str:
    """A summary a planner pastes into the request: the ask, the gain, the actions, the targets."""
    lines = [f"# {title or t('request_title', lang)}", ""]
    lines.append(t("request_summary", lang, n=len(plan.actions), cost=f"{plan.total_cost:,.1f}",
                   before=pct(plan.before.weighted_coverage), after=pct(plan.after.weighted_coverage),
                   cov_before=pct(plan.before.coverage), cov_after=pct(plan.after.coverage),
                   gained=f"{plan.after.covered_instruments - plan.before.covered_instruments:,}",
                   status=t(plan.status, lang)))
    if plan.gap:
        lines.append(t("request_gap", lang, gap=f"{plan.gap:.2%}"))
    lines += ["", "| " + " | ".join(t(c, lang) for c in COLUMNS[:8]) + " |", "|" + "---|" * 8]
    for a in plan.actions:
        lines.append("| " + " | ".join(str(v) for v in action_row(a, lang)[:8]) + " |")
    lines += ["", f"## {t('sheet_figures', lang)}", "",
              f"| {t('metric', lang)} | {t('before', lang)} | {t('after', lang)} |", "|---|---|---|"]
    for key in FIGURES:
        b, a = getattr(plan.before, key), getattr(plan.after, key)
        show = pct if key in RATES else (lambda v: f"{v:,}" if isinstance(v, int) else f"{v:,.1f}")
        lines.append(f"| {t(key, lang)} | {show(b)} | {show(a)} |")
    if plan.targets_after:
        lines += ["", f"## {t('sheet_targets', lang)}", ""]
        for b, a in zip(plan.targets_before, plan.targets_after, strict=True):
            rate = a.metric != "standards_count"
            show = pct if rate else (lambda v: "—" if v is None else f"{v:.1f}")
            mark = "—" if a.met is None else ("✓" if a.met else "✗")
            lines.append(f"- {mark} {a.id}（{a.region_name} {t(a.metric, lang)}·{t(a.filter, lang)} ≥ "
                         f"{show(a.threshold)}）：{show(b.value)} → {show(a.value)}")
    for m in plan.unmet:
        lines.append(f"- ✗ {m.target}: " + "；".join(m.describe(lang)[:5]))
    lines += ["", t("request_note", lang), ""]
    return "\n".join(lines)
