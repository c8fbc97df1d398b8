"""The ``tracegraph`` command line (typer + rich). Human output in Chinese by default.

One module per concern, each command a thin layer over a library function: :mod:`.data` (validate, template,
export, synth), :mod:`.figures` (coverage, chain, gaps, impact, targets), :mod:`.planning` (plan) and
:mod:`.neo4j` (load, cypher, neo4j). Importing them registers their commands on :data:`app`.
"""

from __future__ import annotations

from tracegraph.cli import data, figures, neo4j, planning
from tracegraph.cli._app import app, main

# The commands' order in `tracegraph --help` (grouped by panel) and in the reference of docs/guide.*.md.
_ORDER = ("validate", "coverage", "chain", "gaps", "impact", "targets", "plan", "template", "export", "load",
          "cypher", "neo4j", "synth")
app.registered_commands.sort(key=lambda c: _ORDER.index(c.name) if c.name in _ORDER else len(_ORDER))

__all__ = ["app", "data", "figures", "main", "neo4j", "planning"]
