"""Where the Cypher library (``cypher/``) and the samples (``data/standards/``) are.

In a checkout (editable install included) they are the top-level folders, where planners read and
edit them. An installed wheel carries copies under ``tracegraph/_bundled/`` in the same layout
(``setup.py`` puts them there), so ``ROOT / "cypher"`` and ``ROOT / "data" / "standards"`` work in both.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_BUNDLED = _PACKAGE / "_bundled"


def resource_root() -> Path:
    """The folder holding ``cypher/`` and ``data/standards/``: the wheel's copy, else the checkout."""
    return _BUNDLED if (_BUNDLED / "cypher").is_dir() else _PACKAGE.parent


ROOT = resource_root()
#: Installed from a wheel (no checkout around the package): state goes to the user's data folder.
INSTALLED = ROOT == _BUNDLED


def state_dir(name: str) -> Path:
    """Where tracegraph keeps what it downloads and runs (the bundled Neo4j server): ``.{name}`` in a checkout
    (git-ignored), else ``$XDG_DATA_HOME/tracegraph/{name}`` (``~/.local/share``) — never inside site-packages."""
    if not INSTALLED:
        return _PACKAGE.parent / f".{name}"
    import os

    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "tracegraph" / name
