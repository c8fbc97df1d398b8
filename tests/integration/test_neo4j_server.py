"""The real Neo4j server assembled by tracegraph._neo4j_server: Bolt round trip and the Browser.

No mocks. The server is started through the module (installed first if needed) and stopped again
afterwards if this module started it. If it can't start, every test FAILS with the reason and the
server log tail: a missing database must never look like a green run.

Runs with auth disabled unless TRACEGRAPH_NEO4J_PASSWORD is set (then auth on, user neo4j).
"""

from __future__ import annotations

import json
import os
import urllib.request
import uuid
from collections.abc import Iterator

import pytest
from neo4j import GraphDatabase, RoutingControl

from tracegraph import _neo4j_server as server

pytestmark = pytest.mark.neo4j

LABEL = "TracegraphServerSmokeTest"  # a label no real data uses, so cleanup can't touch user nodes


@pytest.fixture(scope="module")
def neo4j_server() -> Iterator[tuple[server.ServerInfo | None, tuple[str, str] | None, str]]:
    password = os.environ.get(server.PASSWORD_ENV) or None
    auth = ("neo4j", password) if password else None
    was_running = server.status() is not None
    info, error = None, ""
    try:
        info = server.start(auth=bool(password), password=password, timeout=180)
    except Exception as exc:  # reported by each test as a failure, not as a fixture error/skip
        error = f"{type(exc).__name__}: {exc}"
    yield info, auth, error
    if info is not None and not was_running:
        server.stop()


def _up(neo4j_server) -> tuple[server.ServerInfo, tuple[str, str] | None]:
    info, auth, error = neo4j_server
    if info is None:
        pytest.fail(f"Neo4j server could not be started:\n{error}", pytrace=False)
    if info.auth and auth is None:
        pytest.fail(
            f"The Neo4j server at {info.home} is running with auth on; set {server.PASSWORD_ENV} "
            "or stop it (scripts/neo4j.sh stop) so the tests can start one without auth.",
            pytrace=False,
        )
    return info, auth


def test_bolt_write_read_back_and_clean_up(neo4j_server) -> None:
    info, auth = _up(neo4j_server)
    marker = f"test-{uuid.uuid4()}"
    with GraphDatabase.driver(info.uri, auth=auth) as driver:
        driver.verify_connectivity()
        try:
            driver.execute_query(f"CREATE (:{LABEL} {{marker: $m, value: 42}})", m=marker)
            records, _, _ = driver.execute_query(
                f"MATCH (n:{LABEL} {{marker: $m}}) RETURN n.value AS value",
                m=marker,
                routing_=RoutingControl.READ,
            )
            assert [r["value"] for r in records] == [42]
        finally:
            driver.execute_query(f"MATCH (n:{LABEL} {{marker: $m}}) DELETE n", m=marker)
        records, _, _ = driver.execute_query(f"MATCH (n:{LABEL} {{marker: $m}}) RETURN count(n) AS c", m=marker)
        assert records[0]["c"] == 0


def test_throwaway_transaction_is_rolled_back(neo4j_server) -> None:
    info, auth = _up(neo4j_server)
    marker = f"test-{uuid.uuid4()}"
    with GraphDatabase.driver(info.uri, auth=auth) as driver, driver.session() as session:
        tx = session.begin_transaction()
        try:
            tx.run(f"CREATE (:{LABEL} {{marker: $m}})", m=marker).consume()
            seen = tx.run(f"MATCH (n:{LABEL} {{marker: $m}}) RETURN count(n) AS c", m=marker).single()
            assert seen is not None and seen["c"] == 1  # visible inside its own transaction
        finally:
            tx.rollback()
        after = session.run(f"MATCH (n:{LABEL} {{marker: $m}}) RETURN count(n) AS c", m=marker).single()
        assert after is not None and after["c"] == 0


def test_server_is_community_at_installed_version(neo4j_server) -> None:
    info, auth = _up(neo4j_server)
    with GraphDatabase.driver(info.uri, auth=auth) as driver:
        records, _, _ = driver.execute_query("CALL dbms.components() YIELD versions, edition")
    assert records[0]["edition"] == "community"
    assert records[0]["versions"] == [info.version]
    assert info.version.startswith("5.26.")


def test_browser_is_served(neo4j_server) -> None:
    info, _ = _up(neo4j_server)
    with urllib.request.urlopen(info.browser_url, timeout=30) as resp:
        assert resp.status == 200
        assert resp.headers.get_content_type() == "text/html"
        html = resp.read().decode("utf-8")
    assert "<title>Neo4j Browser</title>" in html
    # The Browser discovers Bolt from the HTTP root; it must point at our loopback server.
    with urllib.request.urlopen(f"{info.http_url}/", timeout=30) as resp:
        discovery = json.load(resp)
    assert discovery["bolt_direct"] == info.uri
    assert discovery["neo4j_edition"] == "community"
