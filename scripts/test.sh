#!/usr/bin/env bash
# Installs everything (venv, packages, the Neo4j server), then runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
if [ -x scripts/neo4j.sh ]; then
  scripts/neo4j.sh start --no-auth   # a throwaway test server on 127.0.0.1 only
  trap 'scripts/neo4j.sh stop >/dev/null 2>&1 || true' EXIT
fi
.venv/bin/python -m pytest -q "$@"
