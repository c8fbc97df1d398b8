"""The cypher/ library as files: find, read, split into statements, list parameters."""

from __future__ import annotations

import os
import re
from pathlib import Path

LIBRARY = Path(os.environ.get("TRACEGRAPH_CYPHER_DIR") or Path(__file__).resolve().parent.parent / "cypher")
_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_STATEMENT_END = re.compile(r";\s*(?:\n|$)")


def library() -> dict[str, Path]:
    """Query name → file, for every ``.cypher`` file of the library."""
    return {p.stem: p for p in sorted(LIBRARY.glob("*.cypher"))}


def read_file(name: str) -> str:
    path = Path(name)
    if path.suffix != ".cypher" or not path.is_file():
        path = LIBRARY / f"{name}.cypher"
    if not path.is_file():
        raise FileNotFoundError(f"no query named {name!r} in {LIBRARY}")
    return path.read_text(encoding="utf-8")


def code_lines(text: str) -> str:
    """The query without its // comment lines (Neo4j Browser keeps them; the driver needs none)."""
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("//")).strip()


def statements(text: str) -> list[str]:
    return [s.strip() for s in _STATEMENT_END.split(code_lines(text)) if s.strip()]


def parameters(text: str) -> list[str]:
    """Parameter names a query uses, in order of first use."""
    return list(dict.fromkeys(_PARAM.findall(code_lines(text))))


def header(text: str) -> str:
    """The leading comment block: what the query returns and a :param example."""
    lines = []
    for line in text.splitlines():
        if not line.lstrip().startswith("//"):
            break
        lines.append(line.lstrip()[2:].strip())
    return "\n".join(lines)
