"""The cypher/ library as files: find, read, split into statements, list parameters."""

from __future__ import annotations

import os
import re
from pathlib import Path

from tracegraph._resources import ROOT

LIBRARY = Path(os.environ.get("TRACEGRAPH_CYPHER_DIR") or ROOT / "cypher")  # checkout or wheel: _resources
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


_PARAM_EXAMPLE = re.compile(r"^//\s*:param\s+(\w+)\s*=>\s*(.+?)\s*;?\s*$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def query_text(name_or_text: str) -> str:
    """A library name (``coverage``), a path to a .cypher file, or the query itself."""
    if re.fullmatch(r"[\w-]+", name_or_text) and name_or_text in library():
        return read_file(name_or_text)
    path = Path(name_or_text)
    if path.suffix == ".cypher" and path.is_file():
        return path.read_text(encoding="utf-8")
    return name_or_text


def _param_lines(text: str) -> dict[str, str]:
    """Parameter → the expression of its ``// :param name => expr`` header line."""
    found = {}
    for line in text.splitlines():
        match = _PARAM_EXAMPLE.match(line.strip())
        if match:
            found[match.group(1)] = match.group(2).strip()
    return found


def examples(text: str) -> dict[str, str]:
    """Parameter → its `:param` example as a ``k=v`` value would write it (quotes and date() removed)."""
    out = {}
    for name, expr in _param_lines(text).items():
        date = re.fullmatch(r"date\(\s*'([^']*)'\s*\)", expr)
        out[name] = date.group(1) if date else expr.strip("'\"")
    return out


def example_types(text: str) -> dict[str, str]:
    """Parameter → 'date' | 'int' | 'float' | 'string', read off the header's `:param` examples."""
    return {name: ("date" if expr.startswith("date(") else "int" if re.fullmatch(r"-?\d+", expr)
                   else "float" if re.fullmatch(r"-?\d+\.\d*", expr) else "string")
            for name, expr in _param_lines(text).items()}


def parse_params(pairs: list[str], text: str) -> dict[str, object]:
    """``k=v`` pairs typed like the query's :param examples (dates as dates, counts as integers);
    ``k:=JSON`` passes a JSON value as is; ``null`` is null. Unknown keys stay strings, or dates
    when they look like one. Every parameter the query uses and nobody gave is null."""
    import datetime as dt
    import json

    kinds = example_types(text)
    params: dict[str, object] = dict.fromkeys(parameters(text))
    for pair in pairs:
        if ":=" in pair:
            key, raw = pair.split(":=", 1)
            params[key.strip()] = json.loads(raw)
            continue
        if "=" not in pair:
            raise ValueError(f"--param {pair!r}: write key=value")
        key, raw = (x.strip() for x in pair.split("=", 1))
        kind = kinds.get(key) or ("date" if _ISO_DATE.match(raw) else "string")
        params[key] = (None if raw == "null" else dt.date.fromisoformat(raw) if kind == "date"
                       else int(raw) if kind == "int" else float(raw) if kind == "float" else raw)
    return params
