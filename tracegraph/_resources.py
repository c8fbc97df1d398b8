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
