"""Nothing calls out: the bundled Neo4j Browser, opened in Debian's chromium, connects to the test server,
runs a query of the cypher/ library, and no request leaves 127.0.0.1.

Neo4j Browser 5.24 on a Community server always tries three outside hosts, whatever the server settings
(it treats every Community server as allowing outgoing connections, and its stylesheet @imports a web
font): the Segment product-analytics script, the Canny feedback widget and a Google Fonts stylesheet. The
Content-Security-Policy the server sends (``_neo4j_server.BROWSER_CSP``) makes chromium refuse all three
before any DNS lookup or connection. So the test records every request the page makes to another host and
asserts that each is exactly one of those three, refused by the policy ("csp"), and that none reaches the
network (a route aborts and records anything that would). ``client.allow_telemetry=false`` turns the
product-analytics consent banner off: the page must not show it. The screenshot
(build/screenshots/neo4j-browser.png) shows the query's table.
"""

from __future__ import annotations

import shutil
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tracegraph import _cypher
from tracegraph import _neo4j_server as server
from tracegraph.io import read_dataset

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOT = ROOT / "build" / "screenshots" / "neo4j-browser.png"
LOCAL = ("127.0.0.1", "localhost", "::1")
# What the Browser tries whatever the settings (see the docstring), each refused by the server's CSP.
HARD_WIRED = {"fonts.googleapis.com": "web-font stylesheet", "cdn.segment.com": "product-analytics script",
              "canny.io": "feedback widget"}
BANNER = "collect information on product usage"
pytestmark = [pytest.mark.neo4j, pytest.mark.browser]


@pytest.fixture
def browser_url(store) -> str:
    """The test server's Browser, with the Zaozhuang sample current (loaded unless it already is)."""
    store.load(read_dataset(ROOT / "data" / "standards" / "zaozhuang"))
    config = {r["name"]: r["value"] for r in store.driver.execute_query("CALL dbms.clientConfig()").records}
    if config.get("client.allow_telemetry") != "false":
        pytest.fail("the Neo4j server runs an older neo4j.conf (client.allow_telemetry is not false): restart it "
                    "(scripts/neo4j.sh stop; scripts/neo4j.sh start --no-auth)", pytrace=False)
    if config.get("dbms.security.auth_enabled") != "false":
        pytest.fail("this test connects without a login: run it against the no-auth test server", pytrace=False)
    records = store.driver.execute_query(
        "SHOW SETTINGS YIELD name, value WHERE name = 'server.http.listen_address' RETURN value").records
    return f"http://{records[0]['value']}/browser/"


def test_server_sends_the_strict_content_security_policy(browser_url):
    with urllib.request.urlopen(browser_url, timeout=30) as response:
        assert response.headers["Content-Security-Policy"] == server.BROWSER_CSP
    assert all(host not in server.BROWSER_CSP for host in HARD_WIRED)


def _run(page, command: str, *, multiline: bool = False) -> None:
    """Type ``command`` into the Browser's editor and run it (Ctrl+Enter runs a multi-line query)."""
    page.locator("[data-testid='activeEditor']").click()
    page.keyboard.insert_text(command)  # as a paste: no auto-closed brackets or quotes
    page.keyboard.press("Control+Enter" if multiline else "Enter")


def _browse(page, url: str, bolt: str) -> str:
    """Connect, set the parameters with :param, run coverage.cypher; the result frame's text."""
    from playwright.sync_api import expect

    text = _cypher.read_file("coverage")
    page.goto(f"{url}?dbms={bolt}&preselectAuthMethod=NO_AUTH")
    page.get_by_text("Connected to Neo4j").first.wait_for(timeout=120_000)
    done = page.get_by_text("Successfully set your parameters")
    for n, (name, value) in enumerate(_cypher._param_lines(text).items(), 1):  # the file's own :param lines
        _run(page, f":param {name} => {value}")
        expect(done).to_have_count(n, timeout=60_000)
    _run(page, _cypher.code_lines(text), multiline=True)
    page.get_by_text("Started streaming").first.wait_for(timeout=180_000)
    return page.locator("[data-testid='frame']").first.inner_text()


def _settings_drawer_text(page) -> str:
    page.locator("[data-testid='navigationSettings']").click()
    analytics = page.get_by_text("Product Analytics").first
    analytics.scroll_into_view_if_needed()
    return analytics.locator("xpath=..").inner_text()


def test_neo4j_browser_runs_a_library_query_and_calls_out_to_nothing(browser_url, neo4j_uri):
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: scripts/setup.sh installs it"
    SHOT.parent.mkdir(parents=True, exist_ok=True)
    tried: dict[str, str | None] = {}  # every request to another host → how it failed (None: it did not)
    escaped: list[str] = []  # requests that got as far as the network

    def only_local(route) -> None:
        if urlparse(route.request.url).hostname in LOCAL or route.request.url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            escaped.append(route.request.url)
            route.abort()

    def outside(url: str) -> bool:
        return not url.startswith(("data:", "blob:", "about:")) and urlparse(url).hostname not in LOCAL

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        context = browser.new_context(viewport={"width": 1500, "height": 1000})
        context.route("**/*", only_local)
        context.on("request", lambda r: tried.setdefault(r.url, None) if outside(r.url) else None)
        context.on("requestfailed", lambda r: tried.update({r.url: r.failure}) if outside(r.url) else None)
        page = context.new_page()
        page.on("websocket", lambda ws: escaped.append(ws.url) if outside(ws.url) else None)
        frame = _browse(page, browser_url, neo4j_uri)
        page.wait_for_timeout(3000)  # late scripts and the banner, which comes a few seconds after connecting
        banner = page.get_by_text(BANNER).count()
        page.screenshot(path=str(SHOT))
        analytics = _settings_drawer_text(page)
        browser.close()

    assert "Started streaming" in frame and "370400" in frame and "枣庄市" in frame  # the query ran, rows shown
    assert escaped == [], f"requests reached the network: {escaped}"
    assert {urlparse(u).hostname for u in tried} <= set(HARD_WIRED), f"unexpected outside requests: {tried}"
    assert all(failure == "csp" for failure in tried.values()), f"not refused by the policy: {tried}"
    assert banner == 0, "the product-usage consent banner is shown"
    assert "Your database is not configured to send product analytics data" in analytics, analytics
