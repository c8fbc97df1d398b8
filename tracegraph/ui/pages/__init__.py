"""One module per page, each a ``render(workspace, lang)``."""

from tracegraph.ui.pages.chain import render as chain
from tracegraph.ui.pages.changes import render as changes
from tracegraph.ui.pages.cypher import render as cypher
from tracegraph.ui.pages.data import render as data
from tracegraph.ui.pages.gaps import render as gaps
from tracegraph.ui.pages.overview import render as overview
from tracegraph.ui.pages.planner import render as planner

__all__ = ["chain", "changes", "cypher", "data", "gaps", "overview", "planner"]
