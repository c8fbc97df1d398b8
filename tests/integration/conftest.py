"""The real Neo4j server for integration tests: started if needed, never mocked, never skipped.

If the server cannot be reached or started, every test that needs it FAILS with the reason.
The tests replace the tracegraph data of that server: run them against the bundled test
server (`scripts/neo4j.sh start --no-auth`, which `scripts/test.sh` does), not your own.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tracegraph import _neo4j_server as server
from tracegraph.store import Neo4jStore, Settings


@pytest.fixture(scope="session")
def neo4j_uri() -> Iterator[str]:
    password = os.environ.get(server.PASSWORD_ENV) or None
    was_running = server.status() is not None
    try:
        info = server.start(auth=bool(password), password=password, timeout=180)
    except Exception as exc:
        pytest.fail(f"Neo4j server could not be started: {type(exc).__name__}: {exc}", pytrace=False)
    yield info.uri
    if not was_running:
        server.stop()


@pytest.fixture(scope="session")
def store(neo4j_uri: str) -> Iterator[Neo4jStore]:
    settings = Settings.resolve(uri=neo4j_uri, password=os.environ.get(server.PASSWORD_ENV) or None)
    with Neo4jStore(settings) as s:
        try:
            s.verify()
        except Exception as exc:
            pytest.fail(f"Neo4j at {neo4j_uri} does not answer: {exc}", pytrace=False)
        yield s
