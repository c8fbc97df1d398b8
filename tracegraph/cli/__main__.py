"""``python -m tracegraph.cli``: the ``tracegraph`` command, for a venv whose scripts are not on PATH."""

from tracegraph.cli import main

main()
