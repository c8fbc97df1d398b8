#!/usr/bin/env bash
# Run the local Neo4j Community server assembled from Maven Central (see docs/neo4j-server.md).
#   scripts/neo4j.sh start [--auth|--no-auth] [--set-password] [--bolt-port N] [--http-port N]
#     (auth is on when $TRACEGRAPH_NEO4J_PASSWORD is set or --auth/--set-password is given)
#   scripts/neo4j.sh stop | status | install
# Works from any directory; the exit status is the module's (status: 0 running, 3 not running).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ $# -lt 1 ]]; then
  echo "usage: $0 start|stop|status|install [options]   (--help for options)" >&2
  exit 2
fi
cd "$root"  # `-m tracegraph...` must find the package of this checkout
exec "$root/.venv/bin/python" -m tracegraph._neo4j_server "$@"
