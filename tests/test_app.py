"""The Streamlit app, headless (streamlit.testing): every page, both languages, every error path."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["overview", "chain", "gaps", "planner", "data", "cypher"]
AS_OF = "2026-01-01"


def app(page: str = "overview", lang: str = "中文") -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.run()
    at.sidebar.radio(key="lang").set_value(lang)
    at.sidebar.date_input(key="as_of").set_value(AS_OF)
    at.sidebar.radio(key="page").set_value(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("lang", ["中文", "English"])
@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders(page, lang):
    at = app(page, lang)
    assert at.title[0].value  # the page's heading, in the chosen language
    words = {"中文": {"overview": "概览", "chain": "溯源链", "gaps": "缺口", "planner": "规划", "data": "数据",
                      "cypher": "Cypher"},
             "English": {"overview": "Overview", "chain": "Chain", "gaps": "Gaps", "planner": "Planner",
                         "data": "Data", "cypher": "Cypher"}}
    assert words[lang][page] in at.title[0].value


def test_overview_shows_percentages_with_targets_beside():
    at = app("overview")
    assert any("2026-01-01" in c.value for c in at.sidebar.caption)  # the samples' reference date
    metrics = at.metric
    assert len(metrics) == 3 and all(m.value.endswith("%") for m in metrics)
    targets = at.dataframe[0].value
    assert "ZZ-2020-coverage" in set(targets["目标"]) and set(targets["达标"]) <= {"✓", "✗", "—"}
    regions = at.dataframe[1].value
    assert "370400" in set(regions["代码"]) and regions["覆盖率"].str.endswith("%").all()


def test_chain_explorer_by_standard_and_by_item():
    at = app("chain")
    assert at.error or at.success  # the chain's verdict: where it breaks, or that it reaches a primary
    at.radio(key="chain_by").set_value("item").run()
    assert not at.exception
    at.selectbox(key="chain_county").set_value("370402").run()
    assert at.selectbox(key="chain_type").options  # the county's instrument types
    assert at.error or at.success


def test_gaps_tables_filter_and_download():
    at = app("gaps")
    assert len(at.tabs) == 3
    before = len(at.dataframe[0].value)
    at.multiselect(key="gaps_reasons").set_value(["no_standard"]).run()
    after = at.dataframe[0].value
    assert 0 < len(after) <= before and set(after["原因"]) == {"无任何标准可检该器具"}
    labels = [b.label for b in at.get("download_button")]
    assert labels.count("下载 CSV") == 3 and labels.count("下载 Excel") == 3


def test_planner_snapshot_solves_within_a_budget():
    """The single snapshot keeps the old behaviour: one plan judged at the as-of date, before/after bars."""
    at = app("planner")
    at.checkbox(key="plan_snapshot").check().run()
    assert not _has(at, "plan_budget_per_year") and not _has(at, "plan_first")  # no years, no yearly cap
    at.number_input(key="plan_budget").set_value(150.0)
    at.button(key="plan_solve").click().run()
    assert not at.exception and not at.error
    plan = _library_plan(mode="budget", budget=150.0, targets=_planning_targets())
    assert plan.status == "optimal" and "已证明最优" in at.success[0].value
    assert f"{plan.total_cost:,.2f} 万元" in at.success[0].value
    assert len(_table(at, "投资估算(万元)").value) == len(plan.actions) >= 1
    assert _chart_keys(at) == {"plan_chart"}  # no year-by-year charts for a snapshot
    assert {b.label for b in at.get("download_button")} >= {"下载预算申请（Excel）", "下载申请摘要（Markdown）"}


def test_planner_solves_a_programme_as_the_library_does():
    """Zaozhuang 2026–2027 within 60 万元 a year and 100 万元 in all: what the page shows is the library's plan."""
    at = _programme(app("planner"), last=2027, cap=60.0, budget=100.0)
    at.button(key="plan_solve").click().run()
    assert not at.exception and not at.error
    plan = _library_plan(mode="budget", years=range(2026, 2028), budget_per_year=60.0, budget=100.0,
                         targets=_planning_targets())
    status = {"optimal": "已证明最优", "feasible": "可行（未证明最优）"}[plan.status]
    shown = (at.success or at.warning)[0].value
    assert status in shown and f"投资估算 {plan.total_cost:,.2f} 万元" in shown and f"{len(plan.actions)} 项" in shown
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["总投资（万元）"] == f"{plan.total_cost:,.2f}"
    assert metrics["新建（项）"] == str(len(plan.builds))
    assert metrics["覆盖率（2027年末）"] == f"{plan.after.coverage:.2%}"
    # the action table: one row per action, year by year, money to the 0.01 万元
    actions = _table(at, "投资估算(万元)")
    rows = actions.value
    assert len(rows) == len(plan.actions) >= 1
    assert list(rows.columns[:6]) == ["年度", "类别", "项目名称", "建设单位", "投资估算(万元)", "新增覆盖器具数"]
    assert list(rows["年度"]) == sorted(rows["年度"]) and set(rows["年度"]) <= {2026, 2027}
    assert round(rows["投资估算(万元)"].sum(), 2) == plan.total_cost
    assert set(rows["类别"]) <= {"新建", "复查"}
    assert _format(actions, "投资估算(万元)") == "%.2f"
    # the year table: spending split as the library splits it, each year within its cap
    years = _table(at, "年度合计(万元)")
    table = years.value
    assert list(table["年度"]) == [2026, 2027]
    assert list(table["年度合计(万元)"]) == [y.cost for y in plan.by_year]
    assert list(table["新建（项）"]) == [y.builds for y in plan.by_year]
    assert list(table["复查（项）"]) == [y.renewals for y in plan.by_year]
    assert list(table["新建金额(万元)"]) == [y.build_cost for y in plan.by_year]
    assert list(table["复查金额(万元)"]) == [y.renewal_cost for y in plan.by_year]
    assert (table["年度合计(万元)"] <= 60.0).all() and list(table["每年上限"]) == [60.0, 60.0]
    assert _format(years, "年度合计(万元)") == "%.2f"
    assert list(table["覆盖率（不实施 → 实施规划）"]) == [
        f"{y.baseline.coverage:.2%} → {y.figures.coverage:.2%}" for y in plan.by_year]
    # the charts: each year without and with the programme; spending stacked by builds and renewals
    assert _chart_keys(at) == {"plan_years_chart", "plan_spending_chart"}
    lines = _traces(at, "plan_years_chart")
    assert lines["覆盖率 · 不实施"]["y"] == [y.baseline.coverage for y in plan.by_year]
    assert lines["覆盖率 · 实施规划"]["y"] == [y.figures.coverage for y in plan.by_year]
    assert lines["器具覆盖率 · 不实施"]["y"] == [y.baseline.weighted_coverage for y in plan.by_year]
    assert lines["器具覆盖率 · 实施规划"]["y"] == [y.figures.weighted_coverage for y in plan.by_year]
    assert lines["覆盖率 · 实施规划"]["x"] == [2026, 2027]
    bars = _traces(at, "plan_spending_chart")
    assert bars["新建金额(万元)"]["type"] == "bar" and bars["复查金额(万元)"]["type"] == "bar"
    assert bars["新建金额(万元)"]["y"] == [y.build_cost for y in plan.by_year]
    assert bars["复查金额(万元)"]["y"] == [y.renewal_cost for y in plan.by_year]
    assert _layout(at, "plan_spending_chart")["barmode"] == "stack"
    # each year's targets, met or not as the library judges them (budget mode: reported, not enforced)
    targets = _table(at, "达标").value
    assert len(targets) == sum(len(y.targets) for y in plan.by_year) > 0
    expected = ["—" if x.met is None else "✓" if x.met else "✗" for y in plan.by_year for x in y.targets]
    assert list(targets["达标"]) == expected and "约束" not in targets.columns
    assert any("目标只报告，不作约束" in c.value for c in at.caption)
    assert {b.label for b in at.get("download_button")} == {"下载预算申请（Excel）", "下载申请摘要（Markdown）"}


def test_planner_target_mode_within_an_impossible_cap_says_why():
    """The dataset's own targets within 1 万元 a year: infeasible, with the library's reason (the cost needed)."""
    at = _programme(app("planner"), last=2027, cap=1.0)
    at.radio(key="plan_mode").set_value("targets").run()
    at.selectbox(key="plan_targets_zaozhuang").set_value("dataset").run()
    assert not _has(at, "plan_budget")  # target mode asks for no total budget
    at.button(key="plan_solve").click().run()
    assert not at.exception
    plan = _library_plan(mode="targets", years=range(2026, 2028), budget_per_year=1.0)
    assert plan.status == "infeasible" and plan.unmet
    assert any("没有任何方案能达成" in e.value for e in at.error)
    reasons = [r for m in plan.unmet for r in m.describe("zh")]
    assert any("年度预算上限" in r for r in reasons)
    shown = "\n".join(m.value for m in at.markdown)
    assert all(r in shown for r in reasons)
    assert not at.get("download_button") and not _chart_keys(at) and not at.metric


def test_planner_target_mode_meets_the_targets_year_by_year():
    """Target mode: each year's targets say whether they are enforced that year, and the enforced ones hold."""
    at = _programme(app("planner"), last=2026)
    at.radio(key="plan_mode").set_value("targets").run()
    at.selectbox(key="plan_targets_zaozhuang").set_value("zaozhuang-2015.csv").run()
    at.button(key="plan_solve").click().run()
    assert not at.exception and not at.error
    plan = _library_plan(mode="targets", years=range(2026, 2027),
                         targets=_planning_targets("zaozhuang-2015.csv"))
    assert plan.status in ("optimal", "feasible")
    assert f"{plan.total_cost:,.2f}" in (at.success or at.warning)[0].value
    targets = _table(at, "达标").value
    assert set(targets["约束"]) <= {"是", "仅报告"}
    enforced = targets[targets["约束"] == "是"]
    assert len(enforced) > 0 and set(enforced["达标"]) <= {"✓", "—"}


def test_planner_in_english():
    at = _programme(app("planner", "English"), last=2027, cap=60.0, budget=100.0)
    assert at.checkbox(key="plan_snapshot").label.startswith("Single snapshot")
    assert at.number_input(key="plan_cert_years").value == 5 and at.number_input(key="plan_time").value == 120
    at.button(key="plan_solve").click().run()
    assert not at.exception and not at.error
    plan = _library_plan(mode="budget", years=range(2026, 2028), budget_per_year=60.0, budget=100.0,
                         targets=_planning_targets())
    assert "proven optimal" in at.success[0].value and f"{plan.total_cost:,.2f}" in at.success[0].value
    assert {m.label for m in at.metric} >= {"Total cost (10k CNY)", "coverage (end of 2027)"}
    assert list(_table(at, "Estimated cost (10k CNY)").value.columns[:6]) == [
        "year", "kind", "Project", "Institution", "Estimated cost (10k CNY)", "New instruments covered"]
    assert set(_table(at, "Estimated cost (10k CNY)").value["kind"]) <= {"build", "renew"}
    assert set(_traces(at, "plan_years_chart")) == {
        "coverage · without it", "coverage · with the programme", "weighted coverage · without it",
        "weighted coverage · with the programme"}
    assert {b.label for b in at.get("download_button")} == {"Download the budget request (XLSX)",
                                                           "Download the summary (Markdown)"}


def test_planner_checks_its_inputs_before_solving():
    at = app("planner")
    assert [at.number_input(key=k).value for k in ("plan_first", "plan_last")] == [2026, 2030]  # the as-of year + 4
    offered = at.selectbox(key="plan_targets_zaozhuang").options
    assert any("planning-2030-zaozhuang.csv" in o for o in offered) and any("数据集自带目标" in o for o in offered)
    assert not any(n in o for o in offered for n in ("jiangsu", "jilin", "unmapped"))  # other regions, not targets
    assert "planning-2030-zaozhuang.csv" in at.selectbox(key="plan_targets_zaozhuang").value
    at.checkbox(key="plan_limit_total").uncheck().run()
    assert not _has(at, "plan_budget")
    assert any("须设总预算或每年预算上限" in w.value for w in at.warning)
    assert at.button(key="plan_solve").disabled
    at.number_input(key="plan_budget_per_year").set_value(50.0).run()
    assert not at.warning and not at.button(key="plan_solve").disabled
    at.number_input(key="plan_last").set_value(2025).run()
    assert any("不早于起始年度" in w.value for w in at.warning) and at.button(key="plan_solve").disabled
    at.number_input(key="plan_first").set_value(2025).run()
    assert any("2026年" in w.value for w in at.warning)  # before the as-of year


def _programme(at: AppTest, last: int, cap: float | None = None, budget: float | None = None) -> AppTest:
    at.number_input(key="plan_first").set_value(2026)
    at.number_input(key="plan_last").set_value(last)
    if cap is not None:  # empty by default (AppTest's set_value(None) means "unchanged")
        at.number_input(key="plan_budget_per_year").set_value(cap)
    if budget is not None:
        at.number_input(key="plan_budget").set_value(budget)
    elif _has(at, "plan_budget"):
        at.checkbox(key="plan_limit_total").uncheck()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _table(at: AppTest, column: str):
    """The table that has this column (tables carry no key)."""
    found = [d for d in at.dataframe if column in d.value.columns]
    assert len(found) == 1, [list(d.value.columns) for d in at.dataframe]
    return found[0]


def _has(at: AppTest, key: str) -> bool:
    return any(w.key == key for w in at.number_input)


def _library_plan(**settings):
    import datetime as dt

    from tracegraph.io import read_dataset
    from tracegraph.planning import PlanningProblem

    ds = read_dataset(ROOT / "data" / "standards" / "zaozhuang")
    return PlanningProblem.from_dataset(ds, dt.date.fromisoformat(AS_OF), **settings).solve("milp", time_limit=120)


def _planning_targets(name: str = "planning-2030-zaozhuang.csv"):
    from tracegraph.io import read_targets

    return read_targets(ROOT / "data" / "standards" / "targets" / name)[0]


def _charts(at: AppTest) -> dict[str, dict]:
    import json

    return {c.proto.id.rsplit("-", 1)[-1]: json.loads(c.proto.spec) for c in at.get("plotly_chart")}


def _chart_keys(at: AppTest) -> set[str]:
    return set(_charts(at))


def _traces(at: AppTest, key: str) -> dict[str, dict]:
    return {tr["name"]: tr for tr in _charts(at)[key]["data"] if tr.get("name")}


def _layout(at: AppTest, key: str) -> dict:
    return _charts(at)[key]["layout"]


def _format(table, column: str) -> str:
    import json

    return json.loads(table.proto.columns)[column]["type_config"]["format"]


def test_planner_reports_an_infeasible_plan(tmp_path):
    """A target no candidate can reach: the page names it and why, and offers no request."""
    at = upload(app("data"), "impossible.zip", _zip(_impossible_dataset(tmp_path)))
    at.button(key="data_use").click().run()
    at.sidebar.radio(key="page").set_value("planner").run()
    at.radio(key="plan_mode").set_value("targets").run()
    at.button(key="plan_solve").click().run()
    assert not at.exception
    assert any("没有任何方案能达成" in e.value for e in at.error)
    assert any("没有任何计量标准或候选标准能检定此类器具" in m.value for m in at.markdown)
    assert not at.get("download_button")


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.get("file_uploader")[0].set_value((name, data, "application/octet-stream"))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _zip(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for f in folder.glob("*.csv"):
            z.write(f, f.name)
    return buffer.getvalue()


def _impossible_dataset(tmp_path: Path) -> Path:
    from tracegraph.io import read_dataset, write_dataset
    from tracegraph.models import Demand, InstrumentType, Target

    ds = read_dataset(ROOT / "data" / "standards" / "zaozhuang")
    orphan = InstrumentType(code="IT-NONE", name="无人可检的器具", quantity="质量", domain="trade", mandatory=True,
                            household_meter=False, verification_period_months=12)
    ds = ds.model_copy(update={
        "instrument_types": [*ds.instrument_types, orphan],
        "demand": [*ds.demand, Demand(region="370402", instrument_type="IT-NONE", count=3)],
        "targets": [Target(id="ALL", region="370400", metric="coverage", filter="all", threshold=1.0)]})
    write_dataset(ds, tmp_path / "ds")
    return tmp_path / "ds"


def test_bad_upload_loads_nothing(tmp_path):
    folder = _impossible_dataset(tmp_path)
    text = (folder / "demand.csv").read_text(encoding="utf-8-sig").splitlines()
    text[1] = text[1].rsplit(",", 1)[0] + ",-5"  # a negative count
    (folder / "demand.csv").write_text("\n".join(text) + "\n", encoding="utf-8")
    at = upload(app("data"), "bad.zip", _zip(folder))
    assert any("未导入任何数据" in e.value for e in at.error)
    problems = at.dataframe[0].value
    assert "demand.csv" in set(problems["文件"]) and "-5" in set(problems["填写值"].astype(str))
    assert not at.button  # no way to use it
    assert "uploaded" not in at.session_state


def test_unreadable_upload_says_so():
    at = upload(app("data"), "broken.xlsx", b"this is not a workbook")
    assert any("broken.xlsx" in e.value and "未导入任何数据" in e.value for e in at.error)
    assert "uploaded" not in at.session_state


def test_good_upload_becomes_the_dataset(tmp_path):
    from tracegraph.io import read_dataset, write_dataset

    write_dataset(read_dataset(ROOT / "data" / "standards" / "zaozhuang"), tmp_path / "ok.xlsx")
    at = upload(app("data"), "ok.xlsx", (tmp_path / "ok.xlsx").read_bytes())
    assert at.success
    at.button(key="data_use").click().run()
    assert at.sidebar.selectbox(key="dataset").value == "upload"
    assert "upload:ok.xlsx" in at.sidebar.caption[0].value


def test_dead_neo4j_falls_back_with_a_banner(monkeypatch):
    monkeypatch.setenv("TRACEGRAPH_NEO4J_URI", "bolt://127.0.0.1:9")
    at = app("overview")
    at.sidebar.radio(key="backend").set_value("neo4j").run()
    assert not at.exception
    assert any("无法连接 Neo4j" in e.value and "127.0.0.1:9" in e.value for e in at.error)
    assert at.metric  # the overview still shows the embedded sample
    at.sidebar.radio(key="page").set_value("cypher").run()
    at.button(key="cypher_run").click().run()
    assert not at.exception and any("无法连接 Neo4j" in e.value for e in at.error)


def test_downloads_are_excel_friendly():
    from openpyxl import load_workbook

    from tracegraph.ui.pages._tables import csv_bytes, xlsx_bytes

    rows = [{"县区": "370402 市中区", "在用数量": 12}, {"县区": "370403 薛城区", "在用数量": 0}]
    assert csv_bytes(rows).startswith("\ufeff县区,在用数量\n".encode())  # a BOM: Excel reads UTF-8
    ws = load_workbook(io.BytesIO(xlsx_bytes(rows, "uncovered"))).active
    assert list(ws.iter_rows(values_only=True)) == [("县区", "在用数量"), ("370402 市中区", 12), ("370403 薛城区", 0)]
