"""A Neo4j server killed (kill -9) in the middle of a load leaves the previous dataset current and
whole, and the next load succeeds.

Run against a real server of its own, started and killed through the project's server script
(scripts/neo4j.sh) on free ports with a home of its own (the installed jars shared by a symlink), so
the test server other tests use is never killed. The server is running again after the kill, and is
stopped at the end.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from neo4j.exceptions import DriverError, Neo4jError

from tracegraph import _neo4j_server as server
from tracegraph.io import read_dataset
from tracegraph.store import Neo4jStore, Settings

pytestmark = pytest.mark.neo4j
ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "neo4j.sh"
SAMPLES = ROOT / "data" / "standards"
AS_OF = dt.date(2026, 1, 1)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _script(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, timeout=300,
                          env={k: v for k, v in os.environ.items() if k != server.PASSWORD_ENV})


@pytest.fixture
def own_server(tmp_path: Path, neo4j_uri: str) -> Iterator[tuple[Path, list[str]]]:
    """A second real server: same jars (installed for the test server), own data, own ports."""
    home = tmp_path / "neo4j"
    home.mkdir()
    (home / "lib").symlink_to(server._home(None) / "lib", target_is_directory=True)
    ports = ["--bolt-port", str(_free_port()), "--http-port", str(_free_port())]
    args = ["--home", str(home), *ports]
    started = _script("start", "--no-auth", *args)
    if started.returncode != 0:
        pytest.fail(f"own Neo4j server did not start:\n{started.stdout}{started.stderr}", pytrace=False)
    try:
        yield home, args
    finally:
        _script("stop", "--home", str(home))


def _uri(status_output: str) -> str:
    return next(line.split()[-1] for line in status_output.splitlines() if line.strip().startswith("bolt:"))


def test_server_killed_mid_load_keeps_the_previous_dataset(own_server) -> None:
    home, args = own_server
    status = _script("status", "--home", str(home))
    assert status.returncode == 0, status.stdout + status.stderr
    uri = _uri(status.stdout)
    before, after = read_dataset(SAMPLES / "zaozhuang", AS_OF), read_dataset(SAMPLES / "shandong", AS_OF)

    with Neo4jStore(Settings(uri=uri)) as store:
        version = store.load(before).version
        killed: list[int] = []

        def kill_half_way(done: int, total: int) -> None:
            # The standards and their relationships are in, the links and the demand not yet.
            if not killed and done >= total // 4:
                info = server.status(home)
                assert info is not None
                os.kill(info.pid, signal.SIGKILL)
                killed.append(info.pid)

        with pytest.raises((Neo4jError, DriverError)):  # a dead server: ServiceUnavailable, SessionExpired, …
            store.load(after, progress=kill_half_way)
        assert killed, "the load finished before the server could be killed"
        assert server.status(home) is None  # really dead

    restarted = _script("start", "--no-auth", *args)
    assert restarted.returncode == 0, restarted.stdout + restarted.stderr
    assert server.status(home) is not None

    with Neo4jStore(Settings(uri=uri)) as store:
        # The killed load wrote part of a new version: invisible, the previous one current and whole.
        assert store.read("MATCH (n {v: $v}) RETURN count(n) AS c", v=version + 1)[0]["c"] > 0
        assert store.current_version() == version
        assert store.read_dataset() == before
        # A reload clears the half-written version and completes.
        result = store.load(after)
        assert result.changed and store.current_version() == result.version
        assert store.read_dataset() == after
        stale = store.read("MATCH (n) WHERE n.v IS NOT NULL AND n.v <> $v RETURN count(n) AS c", v=result.version)
        assert stale[0]["c"] == 0
    assert server.status(home) is not None  # running at the end (the fixture stops it)
