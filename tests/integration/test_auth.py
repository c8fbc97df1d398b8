"""Neo4j with authentication on: the server script, the CLI and the app against a real server with auth
enabled. The password comes from the environment or the settings file and is never printed or logged; a
wrong one is one clear message (the CLI: one line naming the server, the user and where the password came
from, exit 2; the app: a banner naming the server).

A server of its own (the test server's jars shared by a symlink, a temporary home, free ports, a generated
password), started and stopped through `tracegraph neo4j`: Neo4j locks a user for 5 s after repeated wrong
passwords, which must never touch the server the other tests use.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from neo4j import GraphDatabase
from streamlit.testing.v1 import AppTest

from tracegraph import _neo4j_server as server
from tracegraph.i18n import t
from tracegraph.store import Settings

pytestmark = pytest.mark.neo4j
ROOT = Path(__file__).resolve().parents[2]
ZAOZHUANG = ROOT / "data" / "standards" / "zaozhuang"
TRACEGRAPH = Path(sys.executable).with_name("tracegraph")  # the console script, as a user runs it
WRONG = "wrong-" + secrets.token_hex(8)


@dataclass(frozen=True)
class AuthServer:
    uri: str
    password: str
    home: Path
    start_output: str
    no_settings: Path  # TRACEGRAPH_SETTINGS for a run that must not read a settings file (a missing file)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(srv: AuthServer, **extra: str) -> dict[str, str]:
    """The environment of a user with no Neo4j settings of their own, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACEGRAPH_NEO4J_") and k != "TRACEGRAPH_SETTINGS"}
    return {**env, "TRACEGRAPH_SETTINGS": str(srv.no_settings), "COLUMNS": "250", **extra}


def _cli(env: dict[str, str], *args: object) -> subprocess.CompletedProcess:
    return subprocess.run([str(TRACEGRAPH), *map(str, args)], capture_output=True, text=True, timeout=600, env=env,
                          cwd=ROOT, stdin=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def auth_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AuthServer]:
    home = tmp_path_factory.mktemp("neo4j-auth")
    bolt, http = _free_port(), _free_port()
    # A password that starts with "-" (as 1 in 64 random ones do): it must not be read as an option anywhere.
    srv = AuthServer(f"bolt://127.0.0.1:{bolt}", "-" + secrets.token_urlsafe(18), home, "", home / "no-settings.toml")
    started = _cli(_env(srv, TRACEGRAPH_NEO4J_PASSWORD=srv.password), "neo4j", "start", "--auth", "--home", home,
                   "--share-lib", server._home(None), "--bolt-port", bolt, "--http-port", http)
    try:
        if started.returncode != 0:
            pytest.fail(f"auth-enabled Neo4j did not start:\n{started.stdout}{started.stderr}", pytrace=False)
        yield replace(srv, start_output=started.stdout + started.stderr)
    finally:
        _cli(_env(srv), "neo4j", "stop", "--home", home)


@pytest.fixture(scope="module")
def loaded(auth_server: AuthServer) -> AuthServer:
    """The Zaozhuang sample in the auth server, loaded through the CLI with the password from the environment."""
    env = _env(auth_server, TRACEGRAPH_NEO4J_URI=auth_server.uri, TRACEGRAPH_NEO4J_PASSWORD=auth_server.password)
    res = _cli(env, "load", ZAOZHUANG)
    assert res.returncode == 0, res.stdout + res.stderr
    assert auth_server.password not in res.stdout + res.stderr
    return auth_server


def wait_unlocked(srv: AuthServer) -> AuthServer:
    """Wait until the right password logs in again (Neo4j locks user neo4j for 5 s after wrong passwords in a
    row; a good login resets the count), so that the next wrong password is the first of a series."""
    deadline = time.monotonic() + 30
    while True:
        try:
            with GraphDatabase.driver(srv.uri, auth=("neo4j", srv.password)) as driver:
                driver.verify_connectivity()
            return srv
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)


@pytest.fixture
def unlocked(auth_server: AuthServer) -> AuthServer:
    return wait_unlocked(auth_server)


def _refused(uri: str, source: str) -> str:
    return (f"Neo4j at {uri} refused user 'neo4j' with the password from {source}: check that password "
            "(and --user / TRACEGRAPH_NEO4J_USER)")


def test_start_and_status_say_auth_on_and_never_show_the_password(auth_server):
    assert "auth on (user neo4j)" in auth_server.start_output
    status = _cli(_env(auth_server), "neo4j", "status", "--home", auth_server.home)
    assert status.returncode == 0 and "auth on (user neo4j)" in status.stdout, status.stdout + status.stderr
    assert auth_server.password not in auth_server.start_output + status.stdout + status.stderr


def test_cli_reads_with_the_password_from_the_environment(loaded):
    env = _env(loaded, TRACEGRAPH_NEO4J_URI=loaded.uri, TRACEGRAPH_NEO4J_PASSWORD=loaded.password)
    res = _cli(env, "coverage", "--neo4j", "--as-of", "2026-09-30", "--format", "json")
    assert res.returncode == 0, res.stdout + res.stderr
    assert '"370400"' in res.stdout and loaded.password not in res.stdout + res.stderr


def test_cli_reads_with_the_password_from_the_settings_file(loaded, tmp_path):
    settings = tmp_path / "tracegraph.toml"
    settings.write_text(f'[neo4j]\nuri = "{loaded.uri}"\npassword = "{loaded.password}"\n', encoding="utf-8")
    res = _cli(_env(loaded, TRACEGRAPH_SETTINGS=str(settings)), "cypher", "targets", "--format", "json")
    assert res.returncode == 0, res.stdout + res.stderr
    assert "ZZ-2020-coverage" in res.stdout and loaded.password not in res.stdout + res.stderr


@pytest.mark.parametrize("command", [["coverage", "--neo4j"], ["cypher", "targets"], ["load", ZAOZHUANG],
                                     ["export", "--neo4j", "{tmp}/out"], ["plan", "--neo4j", "--budget", "100"]],
                         ids=["coverage", "cypher", "load", "export", "plan"])
def test_wrong_password_is_one_line_exit_2(unlocked, tmp_path, command):
    env = _env(unlocked, TRACEGRAPH_NEO4J_URI=unlocked.uri, TRACEGRAPH_NEO4J_PASSWORD=WRONG)
    res = _cli(env, *(str(c).format(tmp=tmp_path) for c in command))
    assert (res.returncode, res.stdout, res.stderr) == (2, "", _refused(unlocked.uri, "TRACEGRAPH_NEO4J_PASSWORD")
                                                        + "\n")
    assert not (tmp_path / "out").exists()  # export wrote nothing


def test_wrong_password_names_the_option_or_the_file_it_came_from(unlocked, tmp_path):
    base = _env(unlocked, TRACEGRAPH_NEO4J_URI=unlocked.uri)
    res = _cli(base, "coverage", "--neo4j", "--password", WRONG)
    assert (res.returncode, res.stderr) == (2, _refused(unlocked.uri, "--password") + "\n")
    wait_unlocked(unlocked)
    settings = tmp_path / "settings.toml"
    settings.write_text(f'[neo4j]\npassword = "{WRONG}"\n', encoding="utf-8")
    res = _cli({**base, "TRACEGRAPH_SETTINGS": str(settings)}, "gaps", "--neo4j")
    assert (res.returncode, res.stderr) == (2, _refused(unlocked.uri, str(settings)) + "\n")
    assert WRONG not in res.stdout + res.stderr


def test_no_password_says_one_is_needed(unlocked):
    res = _cli(_env(unlocked, TRACEGRAPH_NEO4J_URI=unlocked.uri), "targets", "--neo4j")
    assert res.returncode == 2 and res.stdout == "", res.stdout + res.stderr
    assert res.stderr == (f"Neo4j at {unlocked.uri} requires a login and no password is set for user 'neo4j': set "
                          "TRACEGRAPH_NEO4J_PASSWORD, or password under [neo4j] in the settings file\n")


def test_help_shows_no_password(auth_server):
    res = _cli(_env(auth_server, TRACEGRAPH_NEO4J_PASSWORD=auth_server.password), "coverage", "--help")
    assert res.returncode == 0 and "--password" in res.stdout and auth_server.password not in res.stdout


def test_settings_never_show_the_password(auth_server, monkeypatch):
    monkeypatch.setenv("TRACEGRAPH_NEO4J_PASSWORD", auth_server.password)
    monkeypatch.setenv("TRACEGRAPH_SETTINGS", str(auth_server.no_settings))
    settings = Settings.resolve(uri=auth_server.uri)
    assert settings.password == auth_server.password and settings.password_from == "TRACEGRAPH_NEO4J_PASSWORD"
    assert auth_server.password not in repr(settings) + str(settings) + f"{settings}"


def _app(monkeypatch: pytest.MonkeyPatch, srv: AuthServer, password: str) -> AppTest:
    monkeypatch.setenv("TRACEGRAPH_SETTINGS", str(srv.no_settings))
    monkeypatch.setenv("TRACEGRAPH_NEO4J_URI", srv.uri)
    monkeypatch.setenv("TRACEGRAPH_NEO4J_PASSWORD", password)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.run()
    at.sidebar.radio(key="backend").set_value("neo4j").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _shown(at: AppTest) -> str:
    """Everything the app put on the page: every element's protobuf as text."""
    def walk(node: object) -> Iterator[str]:
        if getattr(node, "proto", None) is not None:
            yield str(node.proto)  # type: ignore[attr-defined]
        for child in getattr(node, "children", {}).values():
            yield from walk(child)

    return "\n".join(walk(at._tree))


def test_app_reads_with_the_right_password(loaded, monkeypatch):
    at = _app(monkeypatch, loaded, loaded.password)
    assert not at.error, [e.value for e in at.error]
    assert any(f"neo4j:{loaded.uri}" in c.value for c in at.sidebar.caption)
    assert loaded.password not in _shown(at)


def test_app_banner_for_a_wrong_password(unlocked, monkeypatch):
    at = _app(monkeypatch, unlocked, WRONG)
    banner = t("neo4j_auth_refused", "zh", uri=unlocked.uri, user="neo4j", source="TRACEGRAPH_NEO4J_PASSWORD")
    assert [e.value for e in at.error] == [banner] and unlocked.uri in banner
    assert any("数据：zaozhuang" in c.value for c in at.sidebar.caption)  # the embedded data instead
    assert WRONG not in _shown(at) and unlocked.password not in _shown(at)


def test_server_logs_never_hold_a_password(auth_server):
    """Last: after every login above, right and wrong, the server's logs hold neither password."""
    logs = [p for p in (auth_server.home / "logs").iterdir() if p.is_file()]
    assert logs
    for path in logs:
        text = path.read_text(errors="replace")
        assert auth_server.password not in text and WRONG not in text, path
