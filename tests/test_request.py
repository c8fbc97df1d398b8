"""The budget request (预算申报) from plans built by hand: the workbook's three sheets, exact money, the
绩效目标申报表's merged cells and indicators, the Markdown, and a plan that has no solution."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.cell.cell import MergedCell

from tracegraph.algorithms.coverage import Figures
from tracegraph.algorithms.targets import TargetResult
from tracegraph.planning.plan import Plan, PlannedAction, Uncoverable, Unmet, YearFigures
from tracegraph.planning.request import RequestHeader, request_markdown, write_request

AS_OF = dt.date(2026, 1, 1)
YEARS = [2026, 2027, 2028, 2029, 2030]

# (kind, name, institution, level, cost, year, new instruments): a five-year programme for Zaozhuang
ACTIONS = [
    ("build", "F2等级砝码标准装置（新建，县级）", "山亭区市场监管局计量所", "county", 20.0, 2026, 1840),
    ("build", "出租汽车计价器检定装置（新建，市级）", "枣庄市计量测试所", "city", 38.5, 2026, 2210),
    ("renew", "E2等级砝码标准装置（第1套）", "枣庄市计量测试所", "city", 10.2, 2026, 0),
    ("renew", "活塞式压力计标准装置（第1套）", "枣庄市计量测试所", "city", 20.4, 2026, 0),
    ("build", "燃气表检定装置（新建，市级）", "枣庄市计量测试所", "city", 64.3, 2027, 15320),
    ("build", "F2等级砝码标准装置（新建，县级）", "台儿庄区市场监管局计量所", "county", 20.0, 2027, 960),
    ("renew", "一等标准金属量器（第1套）", "滕州市市场监管局计量所", "county", 8.7, 2027, 0),
    ("build", "血压计（表）检定装置（新建，县级）", "滕州市市场监管局计量所", "county", 12.6, 2028, 4100),
    ("build", "医用注射泵和输液泵检测仪校准装置（新建，市级）", "枣庄市计量测试所", "city", 45.1, 2028, 380),
    ("renew", "数字压力计标准装置", "薛城区市场监管局计量所", "county", 6.35, 2028, 0),
    ("build", "烟气分析仪检定装置（新建，市级）", "枣庄市计量测试所", "city", 52.45, 2029, 210),
    ("renew", "汽车衡检定装置（M1等级大砝码）", "枣庄市计量测试所", "city", 18.9, 2029, 0),
    ("renew", "机动车安全检测设备检定装置", "枣庄市计量测试所", "city", 15.15, 2029, 0),
    ("build", "电子计价秤检定装置（新建，县级）", "峄城区市场监管局计量所", "county", 9.8, 2030, 2630),
    ("renew", "眼压计检定装置", "枣庄市计量测试所", "city", 4.6, 2030, 0),
]


def figures(covered_items: int, covered: int, capacity: float | None = 0.93) -> Figures:
    return Figures(items=600, covered_items=covered_items, coverage=covered_items / 600, instruments=300_000,
                   covered_instruments=covered, weighted_coverage=covered / 300_000, annual_load=180_000.0,
                   capacity_rate=capacity)


def action(k: int, kind: str, name: str, inst: str, level: str, cost: float, year: int, gained: int) -> PlannedAction:
    return PlannedAction(
        kind=kind, candidate=f"C-{k}" if kind == "build" else None, name=name, institution=f"I-{k}",
        institution_name=inst, level=level, region="370400", region_name="枣庄市", standard=f"S-{k:02d}",
        cost=cost, year=year, new_items=gained // 400, new_instruments=gained,
        counties=["370402", "370406"] if gained else [], items=[],
        targets=["ZZ-2030-coverage", "ZZ-2030-weighted-mandatory"] if gained else [],
        calibrated_by=["PROV-M-E2-01"] if kind == "build" else ["PROV-M-E1-01", "NIM-P01"],
    )


def target(id: str, metric: str, threshold: float, value: float | None, *, filter: str = "all",
           level: str | None = None, year: int | None = 2030) -> TargetResult:
    return TargetResult(id=id, region="370400", region_name="枣庄市", metric=metric, filter=filter, level=level,
                        threshold=threshold, year=year, value=value, met=None if value is None else value >= threshold)


TARGETS_AFTER = [
    target("ZZ-2030-coverage", "coverage", 0.95, 0.9617),
    target("ZZ-2030-weighted-mandatory", "weighted_coverage", 0.98, 0.9852, filter="mandatory"),
    target("ZZ-2030-capacity-household", "capacity_rate", 0.98, 0.9833, filter="household_meter"),
    target("ZZ-2020-standards_count-city", "standards_count", 120, 126.0, level="city", year=2020),
    target("ZZ-2030-standards_count-city", "standards_count", 140, 141.0, level="city"),
    target("ZZ-2030-service", "service_items", 410, 415.0),
]


def programme_plan(actions=ACTIONS, *, status: str = "optimal", mode: str = "targets", gap: float | None = 0.0,
                   unmet: list[Unmet] | None = None, caps: list[float] | None = None) -> Plan:
    planned = [action(k, *a) for k, a in enumerate(actions)]
    by_year = []
    covered = 250_000
    for y in YEARS:
        mine = [a for a in planned if a.year == y]
        covered += sum(a.new_instruments for a in mine)
        builds = [a for a in mine if a.kind == "build"]
        renewals = [a for a in mine if a.kind == "renew"]
        by_year.append(YearFigures(
            year=y, evaluated_on=dt.date(y, 12, 31), cost=float(sum(Decimal(str(a.cost)) for a in mine)),
            build_cost=sum(a.cost for a in builds), renewal_cost=sum(a.cost for a in renewals),
            builds=len(builds), renewals=len(renewals), actions=[a.standard for a in mine],
            figures=figures(520 + len(mine), covered), baseline=figures(520, 250_000), targets=[]))
    before = figures(520, 250_000, 0.8421)
    after = by_year[-1].figures if planned else before
    return Plan(
        mode=mode, status=status, gap=gap, method="milp", as_of=AS_OF, programme=True, certificate_years=5,
        budget=None, budget_per_year=caps, years=YEARS, objective=None,
        total_cost=sum(a.cost for a in planned),  # binary-float noise on purpose: the request rounds it away
        actions=planned, before=before, after=after, by_year=by_year,
        targets_before=[r.model_copy(update={"value": 0.5, "met": False}) for r in TARGETS_AFTER],
        targets_after=TARGETS_AFTER if planned else [], unmet=unmet or [], ranking=[], seconds=1.0)


HEADER = RequestHeader(project_name="枣庄市社会公用计量标准建设项目", department="枣庄市市场监督管理局",
                       implementer="枣庄市计量测试所", attribute="延续", satisfaction="≥95%")


@pytest.fixture(scope="module")
def plan() -> Plan:
    return programme_plan()


@pytest.fixture(scope="module")
def book(plan, tmp_path_factory):
    return load_workbook(write_request(plan, tmp_path_factory.mktemp("req") / "request.xlsx", header=HEADER))


def rows_of(ws) -> list[tuple]:
    return list(ws.iter_rows(values_only=True))


def find(ws, text: str) -> tuple[int, int]:
    for row in ws.iter_rows():
        for cell in row:
            if cell.value == text:
                return cell.row, cell.column
    raise AssertionError(f"{text!r} not in {ws.title}")


def indicators(ws, heading: str = "三级指标") -> dict[str, tuple]:
    """三级指标 → (一级, 二级, 指标值, its cell) read with the merged cells resolved."""
    head, _ = find(ws, heading)
    out, l1, l2 = {}, None, None
    for r in range(head + 1, ws.max_row + 1):
        if ws.cell(r, 3).value is None:
            break
        l1 = ws.cell(r, 1).value or l1
        l2 = ws.cell(r, 2).value or l2
        out[ws.cell(r, 3).value] = (l1, l2, ws.cell(r, 4).value, ws.cell(r, 4))
    return out


def test_three_sheets(book):
    assert book.sheetnames == ["项目清单", "分年度预算", "绩效目标"]


def test_actions_sheet_one_line_per_action_by_year_and_a_total(book, plan):
    rows = rows_of(book["项目清单"])
    assert rows[0][:5] == ("项目名称", "建设单位", "级别", "投资估算(万元)", "年度")
    assert len(rows) == len(plan.actions) + 2
    body = rows[1:-1]
    assert [r[4] for r in body] == sorted(a.year for a in plan.actions)
    assert rows[1][0] == "F2等级砝码标准装置（新建，县级）" and rows[3][0] == "E2等级砝码标准装置（第1套）复查"
    assert rows[-1][0] == "合计" and rows[-1][3] == 347.05  # exact: the plan's float sum is 347.04999999999995
    assert plan.total_cost != 347.05
    assert rows[-1][5] == sum(a.new_instruments for a in plan.actions)
    ws = book["项目清单"]
    for r in range(2, ws.max_row + 1):
        assert ws.cell(r, 4).number_format == "#,##0.00"
    assert ws.print_title_rows == "$1:$1" and ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1


def test_budget_by_year_totals_are_the_plans_and_exact(book, plan):
    ws = book["分年度预算"]
    rows = rows_of(ws)
    head = rows.index(("年度", "新建项目数(项)", "新建金额(万元)", "复查项目数(项)", "复查金额(万元)",
                       "年度合计(万元)"))
    years = {r[0]: r for r in rows[head + 1:-1]}
    assert list(years) == YEARS
    for y in plan.by_year:
        _, builds, build_cost, renewals, renewal_cost, total = years[y.year]
        assert (builds, renewals) == (y.builds, y.renewals)
        assert total == round(y.cost, 2) and build_cost + renewal_cost == pytest.approx(total)
    assert years[2026][4] == 30.6  # 10.2 + 20.4 = 30.599999999999998 in binary floats
    assert years[2026][5] == 89.1 and years[2029][5] == 86.5
    assert rows[-1] == ("合计", 8, 262.75, 7, 84.3, 347.05)
    for row in ws.iter_rows(min_row=head + 2):
        for c in (3, 5, 6):
            assert row[c - 1].number_format == "#,##0.00"
    assert ("A1:F1" in {str(m) for m in ws.merged_cells.ranges})


def test_performance_header_block(book):
    ws = book["绩效目标"]
    assert ws["A1"].value == "项目支出绩效目标申报表" and ws["A1"].alignment.horizontal == "center"
    merged = {str(m) for m in ws.merged_cells.ranges}
    assert "A1:D1" in merged
    expected = {"项目名称": "枣庄市社会公用计量标准建设项目", "主管部门": "枣庄市市场监督管理局",
                "实施单位": "枣庄市计量测试所", "项目属性": "延续", "项目期": "2026—2030年",
                "资金总额（万元）": 347.05, "其中：2026年（万元）": 89.1, "其中：2027年（万元）": 93.0,
                "其中：2030年（万元）": 14.4}
    for label, value in expected.items():
        r, c = find(ws, label)
        assert c == 1 and ws.cell(r, 3).value == value
        assert {f"A{r}:B{r}", f"C{r}:D{r}"} <= merged, label
    r, _ = find(ws, "资金总额（万元）")
    assert ws.cell(r, 3).number_format == "#,##0.00"
    r, _ = find(ws, "总体目标")
    goal = ws.cell(r, 3).value
    assert f"C{r}:D{r}" in merged and ws.cell(r, 3).alignment.wrap_text
    assert "2026—2030年" in goal and "新建" in goal and "复查到期计量标准7项" in goal and "347.05万元" in goal
    assert "量传溯源体系覆盖率由86.67%提高到" in goal and "新增覆盖在用计量器具27,650台件" in goal
    assert "2026年89.10万元" in goal


def test_indicator_table_rows_and_values(book, plan):
    ws = book["绩效目标"]
    got = indicators(ws)
    assert got["新建社会公用计量标准"][:3] == ("产出指标", "数量指标", 8)
    assert got["复查计量标准"][:3] == ("产出指标", "数量指标", 7)
    assert got["新建社会公用计量标准"][3].number_format == '#,##0"项"'
    assert got["完成时限"][:3] == ("产出指标", "时效指标", "2030年12月31日前")
    total = got["项目总投资"]
    assert total[:3] == ("产出指标", "成本指标", 347.05) and "#,##0.00" in total[3].number_format
    assert total[3].number_format.startswith('"≤"')
    k = sum(a.new_instruments for a in plan.actions)
    assert got["新增覆盖在用计量器具"][:3] == ("效益指标", "社会效益指标", k) and k == 27_650
    assert got["服务对象满意度"][:3] == ("满意度指标", "服务对象满意度指标", "≥95%")
    quality = {name: v for name, v in got.items() if v[1] == "质量指标"}
    assert quality["枣庄市量传溯源体系覆盖率"][2] == 0.95
    assert quality["枣庄市量传溯源体系覆盖率"][3].number_format == '"≥"0.00%'
    assert quality["枣庄市强制检定在用计量器具溯源覆盖率"][2] == 0.98
    assert quality["枣庄市民用四表检定能力满足率"][2] == 0.98
    count = quality["枣庄市市级社会公用计量标准数（市级地区平均）"]
    assert count[2] == 140 and count[3].number_format == '"≥"#,##0"项"'  # the 2030 target, not the weaker 2020 one
    assert quality["枣庄市检定、校准项目数"][2] == 410
    assert len(quality) == 5


def test_indicator_levels_are_merged_over_their_rows(book):
    ws = book["绩效目标"]
    head, _ = find(ws, "一级指标")
    assert [ws.cell(head, c).value for c in range(1, 5)] == ["一级指标", "二级指标", "三级指标", "指标值"]
    first = head + 1
    merged = {str(m) for m in ws.merged_cells.ranges}
    # 产出指标: 2 数量 + 5 质量 + 1 时效 + 1 成本 = 9 rows
    assert f"A{first}:A{first + 8}" in merged
    assert f"B{first}:B{first + 1}" in merged  # 数量指标
    assert f"B{first + 2}:B{first + 6}" in merged  # 质量指标
    assert ws.cell(first + 9, 1).value == "效益指标" and ws.cell(first + 10, 1).value == "满意度指标"
    for r in range(head, first + 11):
        for c in range(1, 5):
            cell = ws.cell(r, c)
            if isinstance(cell, MergedCell):  # inside a merged range: only its outline is drawn
                continue
            assert cell.border.left.style == cell.border.top.style == cell.border.right.style == "thin", (r, c)
    assert ws.cell(first + 8, 1).border.bottom.style == "thin"  # the merged 产出指标's outline
    assert ws.cell(head, 1).font.bold


def test_money_is_exact_for_any_float_noise(tmp_path):
    actions = [("build", "A装置（新建，市级）", "X所", "city", 10.2, 2026, 10),
               ("renew", "B装置", "X所", "city", 20.4, 2026, 0),
               ("build", "C装置（新建，市级）", "X所", "city", 0.1, 2027, 5),
               ("build", "D装置（新建，市级）", "X所", "city", 0.2, 2027, 5)]
    plan = programme_plan(actions)
    wb = load_workbook(write_request(plan, tmp_path / "r.xlsx"))
    years = {r[0]: r for r in rows_of(wb["分年度预算"]) if isinstance(r[0], int)}
    assert years[2026][5] == 30.6 and years[2027][5] == 0.3
    assert rows_of(wb["项目清单"])[-1][3] == 30.9
    md = request_markdown(plan)
    assert "30.60" in md and "0.30" in md and "30.599" not in md and "0.30000" not in md


def test_markdown_has_the_same_numbers(plan):
    md = request_markdown(plan, header=HEADER)
    assert md.startswith("# 预算申报：枣庄市社会公用计量标准建设项目")
    for part in ("## 项目清单", "## 分年度预算", "## 绩效目标"):
        assert part in md
    assert md.count("\n| ") >= len(plan.actions) + 5 + 9
    assert "| 2026 | 2 | 58.50 | 2 | 30.60 | 89.10 |" in md
    assert "| **合计** | 8 | 262.75 | 7 | 84.30 | **347.05** |" in md
    assert "| 产出指标 | 数量指标 | 新建社会公用计量标准 | 8项 |" in md
    assert "|  |  | 复查计量标准 | 7项 |" in md
    assert "≤347.05万元" in md and "27,650台件" in md and "≥95.00%" in md and "≥140项" in md
    assert "| 主管部门 | 枣庄市市场监督管理局 |" in md and "| 项目属性 | 延续 |" in md
    assert "| 资金总额（万元） | 347.05 |" in md
    assert "2030年12月31日前" in md and "≥95%" in md


def test_default_header_and_english(plan, tmp_path):
    zh = load_workbook(write_request(plan, tmp_path / "zh.xlsx"))["绩效目标"]
    r, _ = find(zh, "项目名称")
    assert zh.cell(r, 3).value == "计量标准建设与复查项目"
    assert zh.cell(find(zh, "主管部门")[0], 3).value == "（填写主管部门）"
    assert zh.cell(find(zh, "项目属性")[0], 3).value == "新增"
    assert indicators(zh)["服务对象满意度"][2] == "≥90%"
    en = load_workbook(write_request(plan, tmp_path / "en.xlsx", "en"))
    assert en.sheetnames == ["Actions", "Budget by year", "Performance targets"]
    ws = en["Performance targets"]
    assert ws["A1"].value == "Project expenditure performance targets"
    got = indicators(ws, "Indicator")
    assert got["New public measurement standards built"][:3] == ("Output", "Quantity", 8)
    assert got["Total investment"][2] == 347.05 and got["Completion"][2] == "by 31 December 2030"
    assert "Budget request" in request_markdown(plan, "en")


def test_header_attribute_aliases():
    assert RequestHeader(attribute="continuing").attribute == "延续"
    assert RequestHeader(attribute="新增").attribute == "新增"
    with pytest.raises(ValueError):
        RequestHeader(attribute="改造")


def test_budget_mode_without_met_targets_states_what_the_plan_reaches(tmp_path):
    plan = programme_plan(mode="budget", caps=[100.0] * 5).model_copy(update={"targets_after": []})
    ws = load_workbook(write_request(plan, tmp_path / "b.xlsx"))
    quality = {n: v for n, v in indicators(ws["绩效目标"]).items() if v[1] == "质量指标"}
    assert set(quality) == {"量传溯源体系覆盖率", "在用计量器具溯源覆盖率"}
    assert quality["量传溯源体系覆盖率"][2] <= plan.after.coverage  # a floor, so the promise holds
    caps = rows_of(ws["分年度预算"])
    assert caps[2][-1] == "年度预算控制数(万元)" and caps[-1][-1] == 500.0


def test_feasible_plan_states_its_gap(tmp_path):
    plan = programme_plan(status="feasible", gap=0.0123)
    md = request_markdown(plan)
    assert "可行（未证明最优）" in md and "1.23%" in md


def unmet() -> list[Unmet]:
    items = [Uncoverable(county="370406", county_name="山亭区", instrument_type="IT301", type_name="眼镜片顶焦度计",
                         reason="no_standard_or_candidate")]
    m = Unmet(target="ZZ-2030-coverage", region="370400", metric="coverage", filter="all", threshold=0.99,
              best=0.9733, items=items)
    return [m.model_copy(update={"reasons": m.describe("en")})]


@pytest.mark.parametrize("status", ["infeasible", "no_solution"])
def test_no_plan_says_so_and_asks_for_nothing(status, tmp_path):
    plan = programme_plan([], status=status, gap=None, unmet=unmet() if status == "infeasible" else [])
    wb = load_workbook(write_request(plan, tmp_path / "x.xlsx", header=HEADER))
    assert wb.sheetnames == ["项目清单", "分年度预算", "绩效目标"]
    assert wb.active.title == "绩效目标"
    ws = wb["绩效目标"]
    text = "\n".join(str(v) for row in rows_of(ws) for v in row if v is not None)
    assert "本表不构成预算申报" in text
    assert "一级指标" not in text and "资金总额" not in text and "项目总投资" not in text
    assert "枣庄市社会公用计量标准建设项目" in text
    md = request_markdown(plan, header=HEADER)
    assert "本表不构成预算申报" in md and "一级指标" not in md
    if status == "infeasible":
        assert "规划无解" in text and "ZZ-2030-coverage：枣庄市量传溯源体系覆盖率" in text
        assert "97.33%" in text and "眼镜片顶焦度计" in text
        assert "ZZ-2030-coverage" in md and "眼镜片顶焦度计" in md
    else:
        assert "未找到方案" in text and "未找到方案" in md
    listing = rows_of(wb["项目清单"])
    assert listing[1][0] == "合计" and listing[1][3] == 0.0 and "本表不构成预算申报" in listing[-1][0]
    assert "本表不构成预算申报" in rows_of(wb["分年度预算"])[-1][0]


def test_budget_shortfall_reason(tmp_path):
    short = Unmet(target="*", region="*", metric="budget", filter="all", threshold=0.0, best=None, needed_cost=412.35)
    plan = programme_plan([], status="infeasible", gap=None, unmet=[short])
    md = request_markdown(plan)
    assert "达成目标的最低费用为 412.35 万元，超出预算" in md
    wb = load_workbook(write_request(plan, tmp_path / "s.xlsx"))
    assert any("万元" in str(v) for row in rows_of(wb["绩效目标"]) for v in row if v)


def test_cli_header_options(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from tracegraph import cli
    from tracegraph.planning import problem

    plan = programme_plan()
    monkeypatch.setattr(problem.PlanningProblem, "solve", lambda self, *a, **k: plan)
    out = tmp_path / "request.xlsx"
    data = Path(__file__).resolve().parents[1] / "data" / "standards" / "zaozhuang"
    res = CliRunner().invoke(cli.app, ["plan", str(data), "--targets", "--as-of", "2026-09-30", "--out", str(out),
                                       "--project-name", "测试项目", "--department", "某局", "--implementer", "某所",
                                       "--attribute", "延续", "--satisfaction", "≥98%"])
    assert res.exit_code == 0, res.output
    ws = load_workbook(out)["绩效目标"]
    assert ws.cell(find(ws, "项目名称")[0], 3).value == "测试项目"
    assert ws.cell(find(ws, "主管部门")[0], 3).value == "某局"
    assert ws.cell(find(ws, "实施单位")[0], 3).value == "某所"
    assert ws.cell(find(ws, "项目属性")[0], 3).value == "延续"
    assert indicators(ws)["服务对象满意度"][2] == "≥98%"
    md = out.with_suffix(".md").read_text(encoding="utf-8")
    assert "测试项目" in md and "某局" in md
    bad = CliRunner().invoke(cli.app, ["plan", str(data), "--targets", "--as-of", "2026-09-30", "--out", str(out),
                                       "--attribute", "改造"])
    assert bad.exit_code == 2


def test_instruments_kept_covered_are_not_counted_as_new(tmp_path):
    """Without the renewals, certificates expire and coverage falls: the plan's benefit is then the
    instruments it newly covers (after − before) and, apart, those it keeps covered (before − baseline)."""
    plan = programme_plan()
    last = plan.by_year[-1].model_copy(update={"baseline": figures(300, 180_000)})
    plan = plan.model_copy(update={"by_year": [*plan.by_year[:-1], last]})
    got = indicators(load_workbook(write_request(plan, tmp_path / "k.xlsx"))["绩效目标"])
    assert got["新增覆盖在用计量器具"][:3] == ("效益指标", "社会效益指标", 27_650)
    assert got["保持溯源覆盖的在用计量器具"][:3] == ("效益指标", "社会效益指标", 70_000)
    md = request_markdown(plan)
    assert "使70,000台件在用计量器具保持溯源覆盖" in md and "| 保持溯源覆盖的在用计量器具 | 70,000台件 |" in md
    assert "保持溯源覆盖" not in request_markdown(programme_plan())  # nothing would be lost: no such row
