"""The settings file: ``tracegraph.toml`` in the current folder, else ``~/.config/tracegraph/settings.toml``.

One reader for every section (``[neo4j]`` for the server, ``[limits]`` for input limits), so that a user
keeps one file. ``TRACEGRAPH_SETTINGS`` names another file. Each section's own code decides how options,
``TRACEGRAPH_*`` variables and the file rank (always: option, then variable, then file, then default).
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

SETTINGS_ENV = "TRACEGRAPH_SETTINGS"


class SettingError(ValueError):
    """A setting that cannot be used (a settings file that is not TOML, a limit that is not a number): its
    message names the setting and where it came from."""


def settings_path(path: Path | None = None) -> Path | None:
    """The settings file in use, or None when there is none."""
    if path is not None:
        return path
    if os.environ.get(SETTINGS_ENV):
        return Path(os.environ[SETTINGS_ENV])
    for candidate in (Path("tracegraph.toml"), Path.home() / ".config" / "tracegraph" / "settings.toml"):
        if candidate.is_file():
            return candidate
    return None


def section(name: str, path: Path | None = None) -> dict[str, Any]:
    """One section of the settings file ({} when there is no file or no such section)."""
    found = settings_path(path)
    if found is None or not found.is_file():
        return {}
    try:
        return tomllib.loads(found.read_text(encoding="utf-8")).get(name, {})
    except tomllib.TOMLDecodeError as exc:
        raise SettingError(f"{found}: not a valid settings file ({exc})") from None
