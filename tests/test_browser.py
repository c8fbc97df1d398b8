"""One real browser: Debian's chromium, driven by Playwright, opens the app and draws a chain.

Every request that does not go to the app on 127.0.0.1 is aborted and recorded, so the test
proves the chain view needs no network (planners sit on intranets). The screenshot is kept in
build/screenshots/ for a person to look at.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = ROOT / "build" / "screenshots"
pytestmark = pytest.mark.browser


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app_url():
    port = free_port()
    env = {**os.environ, "TRACEGRAPH_NEO4J_URI": "bolt://127.0.0.1:9"}
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port",
                             str(port), "--server.address", "127.0.0.1", "--server.headless", "true"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                urllib.request.urlopen(url + "/_stcore/health", timeout=2)
                break
            except OSError:
                if time.time() > deadline or proc.poll() is not None:
                    pytest.fail("streamlit did not start")
                time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_chain_explorer_draws_offline(app_url):
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: scripts/setup.sh installs it"
    SHOTS.mkdir(parents=True, exist_ok=True)
    blocked: list[str] = []

    def only_local(route):
        host = urlparse(route.request.url).hostname
        if route.request.url.startswith(("data:", "blob:", "about:")) or host == "127.0.0.1":
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        page = browser.new_page(viewport={"width": 1500, "height": 1100})
        page.route("**/*", only_local)
        page.goto(app_url, wait_until="networkidle")
        page.get_by_text("概览").first.wait_for(timeout=60_000)
        page.get_by_text("溯源链", exact=True).first.click()
        frame_el = page.locator("iframe").first
        frame_el.wait_for(timeout=60_000)
        frame = frame_el.content_frame
        frame.locator("canvas").first.wait_for(timeout=30_000)
        drawn = frame.locator("body").evaluate("() => network.body.data.nodes.length")
        frame.locator("canvas").first.click()  # a click in the graph: the details box answers
        page.wait_for_timeout(1500)
        frame_el.scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / "chain-explorer.png"), full_page=True)
        browser.close()
    assert drawn >= 2  # the standard and at least one standard above it
    assert blocked == [], f"the app tried to reach the network: {blocked}"


# page label → an element that is there only once the page has fully rendered
PAGES = [("概览", ".js-plotly-plot"), ("缺口", '[data-testid="stDataFrame"]'),
         ("规划", '[data-testid="stNumberInput"]'), ("数据", '[data-testid="stFileUploader"]'),
         ("变化", '[data-testid="stFileUploader"]'), ("Cypher 查询", '[data-testid="stTextInput"]')]


def test_every_page_works_in_the_browser(app_url):
    """Each page opens with no error box; the planner solves and offers the request; all offline."""
    from playwright.sync_api import sync_playwright

    blocked: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        page = browser.new_page(viewport={"width": 1500, "height": 1100})
        page.route("**/*", lambda route: route.continue_() if urlparse(route.request.url).hostname == "127.0.0.1"
                   or route.request.url.startswith(("data:", "blob:", "about:"))
                   else (blocked.append(route.request.url), route.abort()))
        page.goto(app_url, wait_until="networkidle")
        for label, marker in PAGES:
            page.get_by_text(label, exact=True).first.click()
            # A visible one: the 变化 page's first uploader is the column map's, inside a closed expander.
            page.locator(f"{marker} >> visible=true").first.wait_for(timeout=60_000)
            if label == "规划":
                page.get_by_role("button", name="求解").click()
                page.get_by_text("下载预算申请（Excel）").wait_for(timeout=120_000)
            page.wait_for_timeout(1500)  # let the last elements paint before the screenshot
            assert page.locator('[data-testid="stException"]').count() == 0, label
            page.screenshot(path=str(SHOTS / f"page-{label.split()[0]}.png"), full_page=True)
        browser.close()
    assert blocked == [], f"the app tried to reach the network: {blocked}"


def test_changes_page_compares_two_uploads_in_the_browser(app_url, tmp_path):
    """The 变化 page on two quarters' workbooks: the counts, the tables and the figures before and after draw
    (Chinese text, no error box, offline); the screenshot is build/screenshots/changes-two-uploads.png."""
    from playwright.sync_api import sync_playwright
    from test_app import _next_quarter, sample, with_snapshot

    from tracegraph.io import write_dataset

    old = with_snapshot(sample())
    write_dataset(old, tmp_path / "2026Q3.xlsx")
    write_dataset(_next_quarter(old), tmp_path / "2026Q4.xlsx")
    SHOTS.mkdir(parents=True, exist_ok=True)
    blocked: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        # Streamlit scrolls inside its own container, so a full-page shot is the viewport: make it tall enough.
        page = browser.new_page(viewport={"width": 1500, "height": 3000})
        page.route("**/*", lambda route: route.continue_() if urlparse(route.request.url).hostname == "127.0.0.1"
                   or route.request.url.startswith(("data:", "blob:", "about:"))
                   else (blocked.append(route.request.url), route.abort()))
        page.goto(app_url, wait_until="networkidle")
        page.locator('[data-testid="stSidebar"]').get_by_text("变化", exact=True).first.click()
        page.get_by_text("两份上传的数据", exact=True).click()
        for n, (label, name) in enumerate((("原数据（旧）", "2026Q3.xlsx"), ("新数据", "2026Q4.xlsx"))):
            box = page.locator('[data-testid="stFileUploader"]').filter(has_text=label)
            box.locator('input[type="file"]').set_input_files(str(tmp_path / name))
            page.get_by_text("数据集有效").nth(n).wait_for(timeout=60_000)  # checked before the next one
        page.get_by_text("数据变化（2026Q3.xlsx → 2026Q4.xlsx").wait_for(timeout=120_000)
        page.get_by_text("各地区指标：变化前后").wait_for(timeout=60_000)
        page.wait_for_timeout(2500)  # let the tables paint
        metrics = page.locator('[data-testid="stMetric"]').count()
        tables = page.locator('[data-testid="stDataFrame"]').count()
        errors = page.locator('[data-testid="stException"]').count()
        page.screenshot(path=str(SHOTS / "changes-two-uploads.png"), full_page=True)
        browser.close()
    assert errors == 0
    assert metrics == 12  # every count of DatasetDiff.summary()
    assert tables >= 3  # the standards' changes, the renewals, the figures before and after
    assert blocked == [], f"the app tried to reach the network: {blocked}"
