"""Many users at once: page times in a real browser while several sessions browse and another one plans.

    .venv/bin/python benchmarks/bench_load.py [--sessions 10] [--rounds 4] [--pause 0] [--option NAME=VALUE]

The app is started on 127.0.0.1 (a free port); ONE chromium (Debian's, through Playwright) opens a
browser context per session. Every session first opens the app and visits each page once (warm-up,
not timed: the browser loads Streamlit's scripts, the server computes the figures). Then, in phases:

1. one session alone browses overview → chain → gaps, ``--rounds`` times;
2. ``--sessions`` sessions do the same at once, nobody planning;
3. the same again while one more session solves plans on the planner page, one after the other, all along;
4. one session, then (5.) ``--sessions`` of them while the planner solves, driven over Streamlit's websocket
   with no browser at all (:class:`Direct`): what the server alone takes, chromium's CPU out of the picture.

A page's time runs from the click on its name in the sidebar to its content drawn (overview: the treemap;
chain: the graph's canvas inside its frame; gaps: a table inside the tabs) and Streamlit's script state
back to "not running"; without a browser, from asking for the page to the server's "script finished".
Each phase also reports the CPU seconds used by the server (its Python process), by the solver processes
it started, by chromium and by Playwright's driver, read from /proc, so that a slow page can be put down
to the server or to the browser. Every request leaving 127.0.0.1 is aborted and counted (there should be
none). A measurement, never a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Awaitable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import websockets
from playwright.async_api import Browser, BrowserContext, Page, Route, async_playwright
from playwright.async_api import TimeoutError as PlaywrightTimeout

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TIMEOUT = 180_000  # ms: a page that takes longer than this is a failure, not a figure
BROWSED = ["overview", "chain", "gaps"]
LABELS = {"overview": "概览", "chain": "溯源链", "gaps": "缺口", "planner": "规划"}
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
PLAN_DONE = "下载预算申请（Excel）"  # the request download: shown once a plan is on the page
CANCEL = "取消求解"  # the button beside a running solve
THINK = random.Random(13)  # the same reading times in every run


# --- the server and the processes' CPU -------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(port: int, options: list[str]) -> subprocess.Popen:
    """The app as ``streamlit run`` serves it; ``options``: NAME=VALUE, Streamlit options other than the config's."""
    env = {**os.environ, "TRACEGRAPH_NEO4J_URI": "bolt://127.0.0.1:9"}  # no Neo4j: the embedded samples
    extra = [arg for option in options for arg in (f"--{option.split('=', 1)[0]}", option.split("=", 1)[1])]
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port",
                             str(port), "--server.address", "127.0.0.1", "--server.headless", "true", *extra],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 90
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2)
            return proc
        except OSError:
            if time.time() > deadline or proc.poll() is not None:
                proc.kill()
                raise SystemExit("streamlit did not start") from None
            time.sleep(0.5)


def _stat(pid: int) -> tuple[int, str, float] | None:
    """(parent pid, command name, CPU seconds of the process and its reaped children)."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name = raw[raw.index("(") + 1:raw.rindex(")")]
    fields = raw[raw.rindex(")") + 2:].split()
    ticks = sum(int(v) for v in fields[11:15])  # utime, stime, cutime, cstime
    return int(fields[1]), name, ticks / os.sysconf("SC_CLK_TCK")


def cpu_by_part(server: int) -> dict[str, float]:
    """CPU seconds so far of every process under this one: the server, its solver processes, chromium and
    Playwright's driver (node)."""
    procs = {int(p): s for p in os.listdir("/proc") if p.isdigit() and (s := _stat(int(p))) is not None}
    out = {"server": 0.0, "solver": 0.0, "chromium": 0.0, "driver": 0.0}
    for pid, (_, name, seconds) in procs.items():
        chain, up = [], pid
        while up in procs and up != os.getpid():
            chain.append(up)
            up = procs[up][0]
        if up != os.getpid() or pid == os.getpid():
            continue  # not ours
        if pid == server:
            out["server"] += seconds
        elif server in chain:
            out["solver"] += seconds
        else:
            out["chromium" if "chrom" in name else "driver"] += seconds
    return out


def think(pause: float) -> float:
    """A person reading the page before the next click: ``pause`` s on average, anywhere from none to twice
    that, so that ten sessions do not click in step (0: straight on, everyone at once)."""
    return THINK.uniform(0.0, 2.0 * pause)


# --- one session ---------------------------------------------------------------------------------------
@dataclass
class Session:
    context: BrowserContext
    page: Page
    times: dict[str, list[float]] = field(default_factory=lambda: {p: [] for p in BROWSED})

    async def browse(self, rounds: int, pause: float) -> None:
        for _ in range(rounds):
            for name in BROWSED:
                self.times[name].append(await visit(self.page, name))
                await asyncio.sleep(think(pause))


@dataclass
class Outside:
    """Every request that tried to leave 127.0.0.1 (aborted)."""

    urls: list[str] = field(default_factory=list)

    async def route(self, route: Route) -> None:
        url = route.request.url
        if url.startswith(("data:", "blob:", "about:")) or urlparse(url).hostname == "127.0.0.1":
            await route.continue_()
        else:
            self.urls.append(url)
            await route.abort()


async def drawn(page: Page, name: str) -> None:
    """Wait for the element that is there only once ``name`` has been drawn."""
    if name == "overview":
        await page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=TIMEOUT)
    elif name == "chain":
        frame = page.frame_locator("iframe").first
        await frame.locator("canvas").first.wait_for(timeout=TIMEOUT)
    elif name == "gaps":
        await page.locator('[data-testid="stTabs"] [data-testid="stDataFrame"]').first.wait_for(timeout=TIMEOUT)
    else:
        await page.locator('[data-testid="stNumberInput"]').first.wait_for(timeout=TIMEOUT)
    await page.locator(IDLE).wait_for(timeout=TIMEOUT)


async def visit(page: Page, name: str) -> float:
    """Click the page's name in the sidebar; seconds until it is drawn and the script has stopped (infinity:
    not within TIMEOUT, counted as the worst time rather than ending the run)."""
    started = time.perf_counter()
    await page.locator('[data-testid="stSidebar"]').get_by_text(LABELS[name], exact=True).first.click()
    try:
        await drawn(page, name)
    except PlaywrightTimeout:
        return math.inf
    return time.perf_counter() - started


async def open_session(browser: Browser, url: str, outside: Outside) -> Session:
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    await context.route("**/*", outside.route)
    page = await context.new_page()
    await page.goto(url, wait_until="networkidle")
    await drawn(page, "overview")
    return Session(context, page)


# --- a session without a browser -----------------------------------------------------------------------
class Direct:
    """A session driven over Streamlit's websocket as the browser would, with no browser: a page's time is
    from asking for it to the server saying its script finished, i.e. what the server alone takes."""

    def __init__(self, ws: websockets.ClientConnection) -> None:
        self.ws = ws
        self.page_radio = ""  # the sidebar's page radio's widget id, read from the first run
        self.times: dict[str, list[float]] = {p: [] for p in BROWSED}

    @classmethod
    async def open(cls, port: int) -> Direct:
        ws = await websockets.connect(f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=["streamlit"],
                                      max_size=None)
        session = cls(ws)
        await session.run(None)
        assert session.page_radio, "no page radio in the first run"
        return session

    async def run(self, page: str | None) -> float:
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        msg = BackMsg()
        msg.rerun_script.query_string = ""
        if page is not None:
            widget = msg.rerun_script.widget_states.widgets.add()
            widget.id, widget.string_value = self.page_radio, LABELS[page]
        started = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        while True:
            fwd = ForwardMsg()
            fwd.ParseFromString(await self.ws.recv())
            kind = fwd.WhichOneof("type")
            if kind == "delta" and fwd.delta.new_element.WhichOneof("type") == "radio":
                radio = fwd.delta.new_element.radio
                self.page_radio = radio.id if radio.id.endswith("-page") else self.page_radio
            elif kind == "script_finished":
                return time.perf_counter() - started

    async def browse(self, rounds: int, pause: float) -> None:
        for _ in range(rounds):
            for name in BROWSED:
                self.times[name].append(await self.run(name))
                await asyncio.sleep(think(pause))


# --- the planning session ------------------------------------------------------------------------------
async def open_planner(browser: Browser, url: str, outside: Outside) -> Session:
    session = await open_session(browser, url, outside)
    await visit(session.page, "planner")
    return session


async def solve_once(page: Page) -> float:
    """Click 求解; seconds until the plan is on the page (the last plan's is gone while the solve runs)."""
    started = time.perf_counter()
    await page.get_by_role("button", name="求解", exact=True).click()
    await page.get_by_role("button", name=CANCEL).wait_for(timeout=TIMEOUT)
    await page.get_by_role("button", name=CANCEL).wait_for(state="detached", timeout=TIMEOUT)
    await page.get_by_text(PLAN_DONE).wait_for(timeout=TIMEOUT)
    await page.locator(IDLE).wait_for(timeout=TIMEOUT)
    return time.perf_counter() - started


async def keep_solving(page: Page, running: asyncio.Event, stop: asyncio.Event, solves: list[float]) -> None:
    """Solve, and solve again, until ``stop``: someone planning all the while the others browse."""
    while not stop.is_set():
        task = asyncio.ensure_future(solve_once(page))
        await asyncio.sleep(1.0)  # the first solve is under way before the others start
        running.set()
        solves.append(await task)


# --- the phases ----------------------------------------------------------------------------------------
@dataclass
class Phase:
    name: str
    sessions: int
    times: dict[str, list[float]]
    wall: float
    cpu: dict[str, float]
    solves: list[float] = field(default_factory=list)

    @property
    def browser(self) -> bool:
        return "no browser" not in self.name


async def run_phase(name: str, sessions: list[Session] | list[Direct], rounds: int, pause: float, server: int,
                    planner: Session | None = None) -> Phase:
    for s in sessions:
        s.times = {p: [] for p in BROWSED}
    solves: list[float] = []
    stop, running = asyncio.Event(), asyncio.Event()
    planning: Awaitable | None = None
    if planner is not None:
        planning = asyncio.ensure_future(keep_solving(planner.page, running, stop, solves))
        await running.wait()
    before, started = cpu_by_part(server), time.perf_counter()
    await asyncio.gather(*(s.browse(rounds, pause) for s in sessions))
    wall, after = time.perf_counter() - started, cpu_by_part(server)
    stop.set()
    if planning is not None:
        await planning
    times = {p: [x for s in sessions for x in s.times[p]] for p in BROWSED}
    return Phase(name, len(sessions), times, wall, {k: after[k] - before[k] for k in after}, solves)


async def warm_up(sessions: list[Session]) -> None:
    """Each session visits every page once: the browser has the scripts, the server has the figures."""
    for s in sessions:
        for name in [*BROWSED[1:], BROWSED[0]]:
            await visit(s.page, name)


def report(phases: list[Phase], outside: Outside, notes: str) -> str:
    alone = {(kind, p): statistics.median(next(ph for ph in phases if ph.browser == kind).times[p])
             for kind in (True, False) for p in BROWSED}
    lines = ["| page | sessions | median (s) | worst (s) | median ÷ one session's | visits |",
             "|---|---|---|---|---|---|"]
    for p in BROWSED:
        for ph in phases:
            xs = ph.times[p]
            lines.append(f"| {p} | {ph.name} | {statistics.median(xs):.2f} | {max(xs):.2f} | "
                         f"{statistics.median(xs) / alone[(ph.browser, p)]:.1f}× | {len(xs)} |")
    lines += ["", "| phase | wall (s) | server CPU (s) | solver CPU (s) | chromium CPU (s) | driver CPU (s) | "
              "plans solved (median s) |", "|---|---|---|---|---|---|---|"]
    for ph in phases:
        c = ph.cpu
        solved = f"{len(ph.solves)} ({statistics.median(ph.solves):.1f})" if ph.solves else "—"
        lines.append(f"| {ph.name} | {ph.wall:.1f} | {c['server']:.1f} | {c['solver']:.1f} | {c['chromium']:.1f} | "
                     f"{c['driver']:.1f} | {solved} |")
    lines += ["", f"{notes}; plans: the planner page's defaults (Zaozhuang, 2026–2030, 300 万元), one after "
              f"another; {os.cpu_count()} cores; requests leaving 127.0.0.1: {len(outside.urls)}"
              + (f" {sorted(set(outside.urls))[:5]}" if outside.urls else "")]
    return "\n".join(lines)


async def main_async(args: argparse.Namespace) -> None:
    load = os.getloadavg()  # other work on the machine: the figures are only as quiet as it was
    port = free_port()
    server = start_app(port, args.option)
    url = f"http://127.0.0.1:{port}"
    outside = Outside()
    try:
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            sessions = [await open_session(browser, url, outside) for _ in range(args.sessions)]
            planner = await open_planner(browser, url, outside)
            await warm_up(sessions)
            await solve_once(planner.page)  # the planner's own warm-up
            print(f"{args.sessions} sessions open and warm; one more on the planner page", flush=True)
            direct = [await Direct.open(port) for _ in range(args.sessions)]
            n = args.sessions
            phases = []
            for name, group, plan in (("1", sessions[:1], None), (str(n), sessions, None),
                                      (f"{n} + plan", sessions, planner), ("1, no browser", direct[:1], None),
                                      (f"{n} + plan, no browser", direct, planner)):
                phases.append(await run_phase(name, group, args.rounds, args.pause, server.pid, plan))
                print(f"phase {name}: {phases[-1].wall:.1f} s", flush=True)
            await browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    print()
    options = ", ".join(args.option) or "the config's"
    notes = (f"pause between clicks: {args.pause:g} s on average; Streamlit options: {options}; load average "
             f"(1 min) before / after: {load[0]:.1f} / {os.getloadavg()[0]:.1f}")
    print(report(phases, outside, notes))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=4, help="overview → chain → gaps, this many times each")
    parser.add_argument("--pause", type=float, default=0.0,
                        help="mean seconds between a session's clicks (uniform from 0 to twice that)")
    parser.add_argument("--option", action="append", default=[], metavar="NAME=VALUE",
                        help="a Streamlit option instead of .streamlit/config.toml's, to see what it costs "
                             "(e.g. server.fileWatcherType=auto, runner.postScriptGC=true: Streamlit's defaults)")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
