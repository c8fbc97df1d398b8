"""A long solve in a real browser: the planner page shows its progress and a Cancel button while another session
keeps browsing, and Cancel ends the solver's process. Screenshots: build/screenshots/planner-solving.png and
planner-cancelled.png."""

from __future__ import annotations

import time
from urllib.parse import urlparse

import pytest
from test_browser import CHROMIUM, SHOTS, app_url  # noqa: F401 (app_url: the fixture, started once here)

pytestmark = pytest.mark.browser
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


def _offline(blocked: list[str]):
    def route(r):
        if r.request.url.startswith(("data:", "blob:", "about:")) or urlparse(r.request.url).hostname == "127.0.0.1":
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()
    return route


def test_a_long_solve_shows_progress_and_cancels(app_url):  # noqa: F811
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    blocked: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        planner = browser.new_page(viewport={"width": 1500, "height": 1300})
        planner.route("**/*", _offline(blocked))
        planner.goto(app_url, wait_until="networkidle")
        sidebar = planner.locator('[data-testid="stSidebar"]')
        sidebar.locator('[data-testid="stSelectbox"]').first.click()
        planner.get_by_role("option", name="示例：山东省规模").click()
        planner.locator(".js-plotly-plot").first.wait_for(timeout=120_000)
        sidebar.get_by_text("规划", exact=True).click()
        planner.get_by_text("设总预算").click()  # no total: within 100 万元 a year only (about a minute to solve)
        planner.get_by_label("每年预算上限（万元，可不填）").fill("100")
        planner.get_by_label("每年预算上限（万元，可不填）").press("Enter")
        planner.get_by_label("求解时限（秒，到时给出当前最优方案及差距）").fill("900")
        planner.get_by_label("求解时限（秒，到时给出当前最优方案及差距）").press("Enter")
        planner.wait_for_timeout(1500)
        planner.get_by_role("button", name="求解", exact=True).click()
        cancel = planner.get_by_role("button", name="取消求解")
        cancel.wait_for(timeout=60_000)
        planner.wait_for_timeout(3000)  # a few polls: the elapsed time moves on
        progress = planner.locator('[data-testid="stProgress"]').inner_text()
        # Meanwhile another session opens the chain page: it does not wait for the plan.
        other = browser.new_page(viewport={"width": 1400, "height": 1000})
        other.route("**/*", _offline(blocked))
        other.goto(app_url, wait_until="networkidle")
        started = time.monotonic()
        other.locator('[data-testid="stSidebar"]').get_by_text("溯源链", exact=True).click()
        other.frame_locator("iframe").first.locator("canvas").first.wait_for(timeout=60_000)
        other_seconds = time.monotonic() - started
        cancel.scroll_into_view_if_needed()
        planner.screenshot(path=str(SHOTS / "planner-solving.png"), full_page=True)
        assert cancel.is_visible() and planner.get_by_role("button", name="求解", exact=True).is_disabled()
        cancel.click()
        planner.get_by_text("已取消求解").wait_for(timeout=30_000)
        planner.screenshot(path=str(SHOTS / "planner-cancelled.png"), full_page=True)
        errors = planner.locator('[data-testid="stException"]').count()
        browser.close()
    assert "求解中" in progress and "时限 900 秒" in progress, progress
    assert other_seconds < 30, other_seconds  # seconds, not the solve's minute
    assert errors == 0
    assert blocked == [], f"the app tried to reach the network: {blocked}"
