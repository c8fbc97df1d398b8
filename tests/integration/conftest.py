"""The real Neo4j server for integration tests: started if needed, never mocked, never skipped.

If the server cannot be reached or started, every test that needs it FAILS with the reason.
The tests replace the tracegraph data of that server: run them against the bundled test
server (`scripts/neo4j.sh start --no-auth`, which `scripts/test.sh` does), not your own.

``TRACEGRAPH_NEO4J_URI`` naming a server on this machine (127.0.0.1 / localhost) makes the tests use
that server as it is, started and stopped by the caller: `scripts/test.sh` runs the parity suite a second
time that way, against a server with auth on, its password in ``TRACEGRAPH_NEO4J_PASSWORD``. A URI of
another machine is ignored (the tests would overwrite its data): the bundled server is used.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from urllib.parse import urlparse

import pytest

from tracegraph import _neo4j_server as server
from tracegraph.store import Neo4jStore, Settings

URI_ENV = "TRACEGRAPH_NEO4J_URI"


def given_local_uri() -> str | None:
    """TRACEGRAPH_NEO4J_URI when it names a server on this machine, else None."""
    uri = os.environ.get(URI_ENV) or ""
    return uri if urlparse(uri).hostname in ("127.0.0.1", "localhost", "::1") else None


@pytest.fixture(scope="session")
def neo4j_uri() -> Iterator[str]:
    given = given_local_uri()
    if given:  # the caller's server (e.g. scripts/test.sh's auth-on run): used, never started or stopped here
        yield given
        return
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
    settings = Settings.resolve(uri=neo4j_uri)  # the password as a user gives it: variable, else settings file
    with Neo4jStore(settings) as s:
        try:
            s.verify()
        except Exception as exc:
            pytest.fail(f"Neo4j at {neo4j_uri} does not answer: {exc}", pytrace=False)
        yield s
