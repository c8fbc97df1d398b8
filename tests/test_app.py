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


def test_planner_solves_within_a_budget():
    at = app("planner")
    at.number_input(key="plan_budget").set_value(150.0)
    at.button(key="plan_solve").click().run()
    assert not at.exception and not at.error
    assert "已证明最优" in at.success[0].value
    assert len(at.dataframe[0].value) >= 1
    assert {b.label for b in at.get("download_button")} >= {"下载预算申请（Excel）", "下载申请摘要（Markdown）"}


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
