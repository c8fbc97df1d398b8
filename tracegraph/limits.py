"""Limits on what a reader accepts, so that a hostile or broken file is refused in bounded time and memory.

The app sits on an intranet where anyone can upload: a 3 MB zip may inflate to gigabytes, a workbook may
claim a million columns. Every reader (:mod:`tracegraph._raw`) checks these while it streams, before it
inflates or parses anything the limits would refuse, and a breach is one line naming the file and the limit.

The defaults fit a national dataset with room to spare (measured on ``tracegraph synth --provinces 31``:
its largest table is a 48 MB worksheet, 11 MB as CSV, ≈ 290,000 demand rows, compressed about 10:1).
Set them in the settings file's ``[limits]`` section or ``TRACEGRAPH_LIMIT_<NAME>`` variables; the app's
upload limit must also be Streamlit's ``server.maxUploadSize`` (``.streamlit/config.toml``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path

from tracegraph._settings import SettingError, section

ENV_PREFIX = "TRACEGRAPH_LIMIT_"
MIB = 1024 * 1024
RATIO_FLOOR = 1 * MIB  # a small member's ratio says nothing (a 2 KB CSV of blanks compresses 50:1)


@dataclass(frozen=True)
class Limits:
    max_file_mb: float = 256  # one table's file (a CSV, a zip member, a worksheet) uncompressed
    max_ratio: float = 100  # uncompressed : compressed, per archive member larger than RATIO_FLOOR
    max_rows: int = 1_000_000  # rows per table, header and blank rows included
    max_columns: int = 200  # cells per row of a worksheet
    max_cell_chars: int = 10_000  # characters in one cell
    max_upload_mb: int = 200  # one uploaded file in the app: Streamlit's server.maxUploadSize (MB)

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * MIB)

    @classmethod
    def resolve(cls, settings_file: Path | None = None) -> Limits:
        """``TRACEGRAPH_LIMIT_<NAME>`` beats the settings file's ``[limits]``, which beats the default."""
        file = section("limits", settings_file)
        values = {}
        for f in fields(cls):
            raw = os.environ.get(ENV_PREFIX + f.name.upper(), file.get(f.name))
            if raw is None:
                continue
            kind = int if f.type == "int" else float
            try:
                values[f.name] = kind(raw)
            except (TypeError, ValueError):
                raise SettingError(f"limit {f.name}: {raw!r} is not a number ({_where(f.name)})") from None
            if values[f.name] <= 0:
                raise SettingError(f"limit {f.name}: {raw!r} must be more than 0 ({_where(f.name)})")
        return cls(**values)

    def hint(self, name: str) -> str:
        """How to raise a limit, for the one-line message that says it was reached."""
        value = getattr(self, name)
        shown = f"{value:,}" if isinstance(value, int) else f"{value:g}"
        return f"limit {name} = {shown}; raise it with {_where(name)}"


def _where(name: str) -> str:
    return f"{name} in the settings file's [limits] or {ENV_PREFIX}{name.upper()}"


__all__ = ["Limits", "SettingError"]
