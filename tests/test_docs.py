"""The generated parts of docs/ (template columns, validation codes, the Cypher reference, the glossary,
the command reference) match the code: scripts/make_docs.py --check rewrites nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_generated_docs_are_current():
    res = subprocess.run([sys.executable, str(ROOT / "scripts" / "make_docs.py"), "--check"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "docs up to date" in res.stdout


def test_every_cypher_file_is_documented():
    text = (ROOT / "docs" / "cypher.md").read_text(encoding="utf-8")
    for path in (ROOT / "cypher").glob("*.cypher"):
        assert f"`{path.name}`" in text or path.stem in text, path.name
