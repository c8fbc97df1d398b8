#!/usr/bin/env bash
# Installs everything (venv, packages, the Neo4j server), then runs the whole test suite; then, when no
# pytest arguments were given (CI), the parity suite and the app's Neo4j tests once more against a second
# server with authentication on.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
auth_home=""
cleanup() {
  scripts/neo4j.sh stop >/dev/null 2>&1 || true
  if [ -n "$auth_home" ]; then
    scripts/neo4j.sh stop --home "$auth_home" >/dev/null 2>&1 || true
    rm -rf "$auth_home"
  fi
}
trap cleanup EXIT
scripts/neo4j.sh start --no-auth   # a throwaway test server on 127.0.0.1 only
.venv/bin/python -m pytest -q "$@"
[ $# -eq 0 ] || exit 0

# Auth on: its own data in a fresh temporary home (so the initial password always applies), the first
# server's jars (--share-lib: no second download), Bolt 7688 / HTTP 7475, and a throwaway password that only
# this run knows, given to the server and the tests the way a user gives it: in TRACEGRAPH_NEO4J_PASSWORD.
# The tests use the server TRACEGRAPH_NEO4J_URI names and never touch the first one.
auth_home="$(mktemp -d "${TMPDIR:-/tmp}/tracegraph-neo4j-auth.XXXXXX")"
password="$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(18))')"
TRACEGRAPH_NEO4J_PASSWORD="$password" scripts/neo4j.sh start --auth --home "$auth_home" \
  --share-lib "${TRACEGRAPH_NEO4J_HOME:-.neo4j}" --bolt-port 7688 --http-port 7475
TRACEGRAPH_NEO4J_PASSWORD="$password" TRACEGRAPH_NEO4J_URI=bolt://127.0.0.1:7688 TRACEGRAPH_NEO4J_HOME="$auth_home" \
  .venv/bin/python -m pytest -q -p no:cacheprovider tests/integration/test_parity.py tests/integration/test_app_neo4j.py
