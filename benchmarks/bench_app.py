"""First render time of each page of the app on a sample (default: the Shandong-scale province).

    .venv/bin/python benchmarks/bench_app.py [--sample shandong]
    .venv/bin/python benchmarks/bench_app.py --folder /tmp/nat      # e.g. `tracegraph synth /tmp/nat --provinces 31`

With ``--folder`` the dataset is read once beforehand (not timed) and handed to the app as an upload, as the
data page does after a planner uploads it.

Each page is rendered headless (streamlit.testing) twice in this process: "cold" right after the
app's caches are cleared (read the dataset, compile it, compute what the page shows), then "warm"
(a planner clicking back to the page). The planner page is timed without solving (that is the
planner benchmark's job). The test harness's own cost per run (measured on a one-line script) is
subtracted, so the figures are the app's. A measurement, never a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["overview", "chain", "gaps", "planner", "data", "changes", "cypher"]


UPLOAD: tuple[str, object] | None = None  # (key, Dataset) with --folder


def render(page: str, sample: str, lang: str = "中文") -> float:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    at.session_state["page"] = page
    at.session_state["dataset"] = sample
    at.session_state["lang"] = lang
    if UPLOAD is not None:
        at.session_state["uploaded"] = UPLOAD
    started = time.perf_counter()
    at.run()
    seconds = time.perf_counter() - started
    assert not at.exception, [e.value for e in at.exception]
    return seconds


def harness() -> float:
    """What streamlit.testing itself costs per run (a fresh script runner, component discovery)."""
    at = AppTest.from_string("import streamlit as st\nst.write('ok')", default_timeout=60)
    started = time.perf_counter()
    at.run()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sample", default="shandong", choices=["zaozhuang", "shandong"])
    parser.add_argument("--folder", type=Path, help="a dataset folder, handed to the app as an upload")
    parser.add_argument("--pages", nargs="*", default=PAGES)
    args = parser.parse_args()
    if args.folder is not None:
        global UPLOAD
        from tracegraph.io import read_dataset

        UPLOAD = (f"upload:{args.folder.name}", read_dataset(args.folder))
        args.sample = "upload"
    render("data", args.sample)  # imports and Streamlit's own start-up, so they are not charged to a page
    base = min(harness() for _ in range(5))
    print(f"streamlit.testing overhead per run: {base:.2f} s (subtracted below)")
    rows = []
    for page in args.pages:
        st.cache_resource.clear()
        cold = render(page, args.sample) - base
        warm = render(page, args.sample) - base
        rows.append((page, cold, warm))
        print(f"{page}: cold {cold:.2f} s, warm {warm:.2f} s", flush=True)
    print(f"\n| page ({args.sample}) | first render, cold (s) | again, warm (s) |\n|---|---|---|")
    for page, cold, warm in rows:
        print(f"| {page} | {cold:.2f} | {warm:.2f} |")


if __name__ == "__main__":
    main()
