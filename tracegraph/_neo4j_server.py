"""Assemble and run a real Neo4j Community server from Maven Central jars (no Docker, no tarball).

Neo4j's tarball is a ``lib/`` folder of Maven Central jars plus a launcher, so ``install()`` lets
Maven copy the same jars into ``<home>/lib`` and ``start()`` runs the official launcher
(``org.neo4j.server.startup.Neo4jCommand start``) against a generated ``<home>/conf/neo4j.conf``.

    python -m tracegraph._neo4j_server start|stop|status|install      (or scripts/neo4j.sh)

Only the stdlib plus the ``neo4j`` driver (for the readiness check) are used.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import getpass
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from tracegraph._resources import state_dir

DEFAULT_VERSION = "5.26.30"  # newest 5.26 LTS patch on Central; 5.26 still runs on Java 17
BROWSER_VERSION = "5.24.0"  # newest org.neo4j.client:neo4j-browser on Central (it is versioned apart)
SUPPORTED_JAVA = (17, 21)  # Neo4j 5.26 supports these; 2025.x+ would need 21
HOME_ENV = "TRACEGRAPH_NEO4J_HOME"
PASSWORD_ENV = "TRACEGRAPH_NEO4J_PASSWORD"
REPO_HOME = state_dir("neo4j")  # the checkout's .neo4j/ (git-ignored), or the user's data folder when installed
DEFAULT_HOME = Path(os.environ.get(HOME_ENV) or REPO_HOME)

_POM_TEMPLATE = Path(__file__).with_name("_neo4j_pom.xml")
_MARKER = ".tracegraph-installed.json"  # inside lib/: written last, so it only exists for a full copy
_STATE = "tracegraph-server.json"  # ports/auth of the last start(), so status() can report them
_LAUNCHER = "org.neo4j.server.startup.Neo4jCommand"
_ADMIN = "org.neo4j.cli.AdminTool"  # what neo4j-admin runs; called directly so no child JVM re-execs

# The Browser's Content-Security-Policy (Neo4j sends it with every static file). Neo4j's default allows
# cdn.segment.com and canny.io scripts, guides.neo4j.com images, Google Fonts and connections to any http(s)/ws
# host; this one allows only this server (and Bolt's WebSocket on a loopback port), so Chromium refuses
# the Browser's hard-wired product-analytics script, feedback widget and web-font stylesheet before any
# request leaves the machine. (Browser 5.24 on a Community server loads those scripts whatever the settings
# say: it treats every Community server as allowing outgoing connections.)
BROWSER_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self' ws://127.0.0.1:* ws://localhost:* http://127.0.0.1:* "
    "http://localhost:*; base-uri 'none'; object-src 'none'; frame-ancestors 'none'"
)
# "Nothing calls out" (each key checked by starting the server: strict validation refuses unknown keys).
# browser.allow_outgoing_connections is no Community 5.26 setting (the server refuses to start with it), and
# Browser 5.24 ignores it on Community anyway: hence the content policy.
_NO_CALLING_OUT = (
    "dbms.usage_report.enabled=false",  # the server's own anonymous usage report (UDC ping)
    "client.allow_telemetry=false",  # Browser/Bloom product analytics + crash reports; no consent banner
    "browser.remote_content_hostname_whitelist=127.0.0.1",  # :play and guides fetch from nowhere else
    f"dbms.security.http_static_content_security_policy_header={BROWSER_CSP}",
    # LOAD CSV FROM 'http(s)://…' (a Browser user could type one) would make the server fetch a URL:
    # every address is blocked. Internal (no public key exists in 5.26), accepted under strict validation.
    "internal.dbms.cypher_ip_blocklist=0.0.0.0/0,::/0",
)


@dataclass(frozen=True)
class ServerInfo:
    uri: str
    http_url: str
    pid: int
    home: Path
    version: str
    auth: bool = False

    @property
    def browser_url(self) -> str:
        return f"{self.http_url}/browser/"


def _home(home: Path | str | None) -> Path:
    # Read the env var at call time too, so a test can point at another home after import.
    return Path(home or os.environ.get(HOME_ENV) or DEFAULT_HOME).expanduser().resolve()


@contextlib.contextmanager
def _locked(home: Path) -> Iterator[None]:
    """Serialise install/start/stop on one home (e.g. parallel pytest workers)."""
    home.mkdir(parents=True, exist_ok=True)
    with open(home / ".tracegraph.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        yield


# --------------------------------------------------------------------------- java / maven


def _java_major(java: str) -> int | None:
    try:
        out = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30).stderr
    except (OSError, subprocess.SubprocessError):
        return None
    m = re.search(r'version "(\d+)(?:\.(\d+))?', out)
    if not m:
        return None
    major = int(m.group(1))
    return int(m.group(2) or 0) if major == 1 else major  # "1.8.0" is Java 8


def find_java() -> Path:
    """A Java 17/21 binary: $TRACEGRAPH_JAVA_HOME, $JAVA_HOME, PATH, then /usr/lib/jvm/*.

    JAVA_HOME is often unset in a fresh shell, or points at a JDK Neo4j 5.26 doesn't support
    (this machine also has Temurin 25), so candidates are probed rather than trusted.
    """
    cands = [os.environ.get(v) for v in ("TRACEGRAPH_JAVA_HOME", "JAVA_HOME")]
    paths = [str(Path(c) / "bin" / "java") for c in cands if c]
    paths.append(shutil.which("java") or "")
    paths += sorted(str(p) for p in Path("/usr/lib/jvm").glob("*/bin/java"))
    found: dict[str, int | None] = {}
    for p in paths:
        if p and os.access(p, os.X_OK) and p not in found:
            found[p] = _java_major(p)
            if found[p] in SUPPORTED_JAVA:
                return Path(p)
    newer = [p for p, v in found.items() if v and v > max(SUPPORTED_JAVA)]
    if newer:  # runs (with warnings) but isn't supported by Neo4j 5.26: better than nothing
        return Path(newer[0])
    raise RuntimeError(f"No Java {SUPPORTED_JAVA} found (tried {found or 'nothing'}); install openjdk-17")


def _java_env(java: Path, home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["JAVA_HOME"] = str(java.resolve().parent.parent)
    env["PATH"] = f"{java.resolve().parent}{os.pathsep}{env.get('PATH', '')}"
    env["NEO4J_HOME"] = str(home)
    env["NEO4J_CONF"] = str(home / "conf")
    env.pop("JAVA_OPTS", None)  # the launcher would pass these to its own JVM; keep runs reproducible
    return env


def installed_version(home: Path | None = None) -> str | None:
    try:
        return json.loads((_home(home) / "lib" / _MARKER).read_text())["neo4j"]
    except (OSError, ValueError, KeyError):
        return None


def install(
    home: Path | None = None,
    version: str = DEFAULT_VERSION,
    progress: Callable[[str], None] | None = None,
) -> Path:
    """Copy every Neo4j runtime jar into ``<home>/lib`` with Maven (cached in ~/.m2). Idempotent."""
    home = _home(home)
    say = progress or (lambda _msg: None)
    pom = _POM_TEMPLATE.read_text().replace("@NEO4J_VERSION@", version)
    pom = pom.replace("@BROWSER_VERSION@", BROWSER_VERSION)
    want = {"neo4j": version, "browser": BROWSER_VERSION, "pom": pom}
    with _locked(home):
        lib = home / "lib"
        try:
            if json.loads((lib / _MARKER).read_text()) == want:
                say(f"Neo4j {version} already installed in {lib}")
                return lib
        except (OSError, ValueError):
            pass
        if _server_pid(home):  # swapping jars under a running JVM would crash it
            raise RuntimeError(f"Neo4j is running from {home}; stop it before installing {version}")
        if lib.is_symlink():  # another home's jars (share_lib): replacing them here would pull them from under it
            raise RuntimeError(f"{lib} is shared from {lib.resolve()}: install {version} there instead")
        mvn = shutil.which("mvn") or shutil.which("mvn", path="/usr/share/maven/bin")
        if not mvn:
            raise RuntimeError("Maven ('mvn') not found on PATH; install maven")
        build, staging = home / "build", home / "lib.partial"
        build.mkdir(parents=True, exist_ok=True)
        (build / "pom.xml").write_text(pom)
        shutil.rmtree(staging, ignore_errors=True)
        say(f"Resolving Neo4j {version} + Browser {BROWSER_VERSION} from Maven Central into {lib} ...")
        t0 = time.monotonic()
        cmd = [
            mvn,
            "-q",
            "-B",
            "-Dstyle.color=never",  # Maven 3.8 still emits ANSI codes in -B mode
            "-f",
            str(build / "pom.xml"),
            "dependency:copy-dependencies",
            f"-DoutputDirectory={staging}",
            "-DincludeScope=runtime",
        ]
        run = subprocess.run(
            cmd, cwd=build, env=_java_env(find_java(), home), capture_output=True, text=True, stdin=subprocess.DEVNULL
        )
        if run.returncode != 0 or not any(staging.glob(f"neo4j-{version}.jar")):
            tail = "\n".join((run.stdout + run.stderr).splitlines()[-40:])
            raise RuntimeError(f"Maven failed (exit {run.returncode}): {' '.join(cmd)}\n{tail}")
        # Copy into a staging dir then swap, so an interrupted or version-changing install
        # never leaves a lib/ mixing two Neo4j versions (copy-dependencies never deletes).
        (staging / _MARKER).write_text(json.dumps(want))
        shutil.rmtree(lib, ignore_errors=True)
        staging.rename(lib)
        size = sum(f.stat().st_size for f in lib.glob("*.jar")) / 2**20
        say(f"Installed {len(list(lib.glob('*.jar')))} jars ({size:.0f} MiB) in {time.monotonic() - t0:.0f} s")
        return lib


def share_lib(home: Path | None, source: Path, progress: Callable[[str], None] | None = None) -> Path:
    """Let ``home`` run the jars installed in ``source`` (installed there first if needed) through a symlink
    ``<home>/lib``: a second server with its own data and ports, without a second download or copy."""
    home, source = _home(home), _home(source)
    target = install(source, progress=progress)
    lib = home / "lib"
    if lib.is_symlink() and lib.resolve() == target.resolve():
        return lib
    if lib.exists() or lib.is_symlink():
        raise RuntimeError(f"{lib} exists already (jars of its own or shared from elsewhere); remove it to share "
                           f"{target}")
    home.mkdir(parents=True, exist_ok=True)
    lib.symlink_to(target, target_is_directory=True)
    return lib


# --------------------------------------------------------------------------- process helpers


def _pid_file(home: Path) -> Path:
    return home / "run" / "neo4j.pid"


def _is_our_server(pid: int, home: Path) -> bool:
    """Alive, not a zombie, and really a Neo4j for this home (pid files outlive crashes and
    pids get reused, so a bare "pid exists" check could block a start or kill a stranger)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    proc = Path(f"/proc/{pid}")
    if not proc.exists():  # no procfs: trust the signal check
        return True
    try:
        if (proc / "stat").read_text().rsplit(")", 1)[1].split()[0] in ("Z", "X"):
            return False
        cmd = (proc / "cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return b"org.neo4j.server.CommunityEntryPoint" in cmd and f"--home-dir={home}".encode() in cmd


def _server_pid(home: Path) -> int | None:
    with contextlib.suppress(OSError, ValueError):
        pid = int(_pid_file(home).read_text().strip())
        if _is_our_server(pid, home):
            return pid
    # No (valid) pid file: the launcher may have been killed between spawning the server and
    # writing the file, or someone removed run/. Look for the process itself.
    for proc in Path("/proc").glob("[0-9]*"):
        if _is_our_server(int(proc.name), home):
            return int(proc.name)
    return None


def _drop_stale_pid_file(home: Path) -> None:
    # After a crash or kill -9 the launcher's pid file stays behind; if that pid is dead or
    # now belongs to another program, the launcher would refuse to start ("already running").
    if _pid_file(home).exists() and _server_pid(home) is None:
        _pid_file(home).unlink(missing_ok=True)


def _port_busy(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _log_tail(home: Path, lines: int = 40) -> str:
    out = []
    for name in ("logs/launcher.out", "logs/neo4j.log"):
        with contextlib.suppress(OSError):
            text = (home / name).read_text(errors="replace").splitlines()[-lines:]
            out.append(f"--- {home / name} (last {len(text)} lines) ---\n" + "\n".join(text))
    return "\n".join(out) or f"(no logs under {home / 'logs'})"


# --------------------------------------------------------------------------- bolt readiness


def _bolt_check(uri: str, auth: tuple[str, str] | None) -> str:
    """'ok' if RETURN 1 ran, 'auth' if the server answered but refused the credentials,
    otherwise the error text (not up yet)."""
    from neo4j import GraphDatabase  # imported lazily: `stop` and `--help` don't need it
    from neo4j.exceptions import AuthError

    try:
        with GraphDatabase.driver(uri, auth=auth, connection_timeout=3, connection_acquisition_timeout=5) as drv:
            recs = drv.execute_query("RETURN 1 AS ok").records
            return "ok" if recs and recs[0]["ok"] == 1 else f"unexpected {recs!r}"
    except AuthError:
        return "auth"
    except Exception as exc:  # ServiceUnavailable, DatabaseUnavailable, ... while starting
        return f"{type(exc).__name__}: {exc}"


def _read_state(home: Path) -> dict:
    try:
        return json.loads((home / _STATE).read_text())
    except (OSError, ValueError):
        return {}


def _info(home: Path, pid: int, state: dict) -> ServerInfo:
    return ServerInfo(
        uri=f"bolt://127.0.0.1:{state.get('bolt_port', 7687)}",
        http_url=f"http://127.0.0.1:{state.get('http_port', 7474)}",
        pid=pid,
        home=home,
        version=installed_version(home) or "?",
        auth=bool(state.get("auth")),
    )


# --------------------------------------------------------------------------- config + start/stop


def _write_conf(home: Path, bolt_port: int, http_port: int, auth: bool) -> None:
    d = {k: home / k for k in ("data", "logs", "run", "plugins", "import")}
    for p in d.values():
        p.mkdir(parents=True, exist_ok=True)
    # Strict validation is on: an unknown or repeated key (except server.jvm.additional) aborts start.
    lines = [
        "# Generated by tracegraph._neo4j_server.start(); edits are overwritten on the next start.",
        "server.default_listen_address=127.0.0.1",  # never reachable from other machines
        "server.default_advertised_address=127.0.0.1",
        f"server.bolt.listen_address=127.0.0.1:{bolt_port}",
        f"server.http.listen_address=127.0.0.1:{http_port}",
        # Advertised ports don't follow the listen ports: without these, a non-default Bolt port
        # is still announced as 7687 in the discovery JSON and the Browser connects to the wrong one.
        f"server.bolt.advertised_address=127.0.0.1:{bolt_port}",
        f"server.http.advertised_address=127.0.0.1:{http_port}",
        "server.bolt.enabled=true",
        "server.http.enabled=true",
        "server.https.enabled=false",
        f"dbms.security.auth_enabled={'true' if auth else 'false'}",
        *_NO_CALLING_OUT,
        "server.memory.heap.initial_size=512m",
        "server.memory.heap.max_size=1g",
        "server.memory.pagecache.size=256m",
        # Otherwise every database (system + neo4j) pre-allocates a 256 MiB transaction log file:
        # 0.5 GB of disk for an empty store. Our graphs are small.
        "db.tx_log.preallocate=false",
        *(f"server.directories.{k}={v}" for k, v in d.items()),
        f"server.directories.lib={home / 'lib'}",
        # The JVM flags the tarball's neo4j.conf ships (minus AlwaysPreTouch, which would commit
        # the whole heap up front); the --add-opens are required on Java 17+.
        *(
            f"server.jvm.additional={flag}"
            for flag in (
                "-XX:+UseG1GC",
                "-XX:-OmitStackTraceInFastThrow",
                "-XX:+DisableExplicitGC",
                "-Djdk.nio.maxCachedBufferSize=1024",
                "-Dio.netty.tryReflectionSetAccessible=true",
                "--add-opens=java.base/java.nio=ALL-UNNAMED",
                "--add-opens=java.base/java.io=ALL-UNNAMED",
                "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
                "-Dlog4j2.disable.jmx=true",
            )
        ),
    ]
    (home / "conf").mkdir(parents=True, exist_ok=True)
    (home / "conf" / "neo4j.conf").write_text("\n".join(lines) + "\n")


def _set_initial_password(home: Path, java: Path, password: str) -> None:
    """`neo4j-admin dbms set-initial-password`, with the password in a 0600 @argfile so it never
    shows up in `ps`, after ``--`` so that one starting with "-" (1 in 64 of ``secrets.token_urlsafe``'s) is
    not read as an option. Takes effect at the next start while user neo4j still has the default
    password; otherwise it is a no-op and the login check in start() reports the mismatch."""
    if len(password) < 8 or "\n" in password or "\r" in password:
        raise ValueError("Neo4j password must be at least 8 characters, on one line")

    def quote(arg: str) -> str:  # java @argfile syntax
        return '"' + arg.replace("\\", "\\\\").replace('"', '\\"') + '"'

    fd, argfile = tempfile.mkstemp(prefix="setpw-", dir=home / "run")  # mkstemp => mode 0600
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write("\n".join(map(quote, [_ADMIN, "dbms", "set-initial-password", "--", password])) + "\n")
        run = subprocess.run(
            [str(java), "-cp", f"{home / 'lib'}/*", f"@{argfile}"],
            env=_java_env(java, home),
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=120,
        )
    finally:
        os.unlink(argfile)
    if run.returncode != 0:  # output is the tool's own message, which never echoes the password
        raise RuntimeError(f"set-initial-password failed:\n{run.stdout}{run.stderr}".replace(password, "***"))


def start(
    home: Path | None = None,
    bolt_port: int = 7687,
    http_port: int = 7474,
    auth: bool = False,
    password: str | None = None,
    timeout: float = 180,
) -> ServerInfo:
    """Start Neo4j in the background (installing it first if needed) and wait until Bolt runs
    ``RETURN 1``. If it is already running, return its info (ports/auth of *that* run)."""
    home = _home(home)
    deadline = time.monotonic() + timeout
    if installed_version(home) is None:
        install(home, progress=lambda m: print(m, file=sys.stderr))
    with _locked(home):
        creds = ("neo4j", password) if auth and password else None
        pid = _server_pid(home)
        launched = pid is None
        if pid:
            state = _read_state(home)
            creds = creds if state.get("auth") else None
        else:
            _drop_stale_pid_file(home)
            for port in (bolt_port, http_port):
                if _port_busy(port):
                    raise RuntimeError(f"127.0.0.1:{port} is already in use by another process")
            java = find_java()
            _write_conf(home, bolt_port, http_port, auth)
            if creds:
                _set_initial_password(home, java, password or "")
            state = {"bolt_port": bolt_port, "http_port": http_port, "auth": auth}
            (home / _STATE).write_text(json.dumps(state))
            # New session: the server must outlive this Python process and not get the
            # terminal's SIGINT/SIGHUP. Output goes to a file: the JVM child inherits the
            # launcher's stdout, so a pipe would never reach EOF.
            rc: int | str
            try:
                with open(home / "logs" / "launcher.out", "w") as out:
                    rc = subprocess.run(
                        [str(java), "-cp", f"{home / 'lib'}/*", f"-Dbasedir={home}", _LAUNCHER, "start"],
                        cwd=home,
                        env=_java_env(java, home),
                        stdin=subprocess.DEVNULL,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                        timeout=max(deadline - time.monotonic(), 1),
                    ).returncode
            except subprocess.TimeoutExpired:
                rc = "timeout"
            pid = _server_pid(home)
            if rc != 0 or pid is None:
                if pid:  # launcher timed out after spawning the server: don't leave it behind
                    _terminate(home, pid, 30)
                raise RuntimeError(f"Neo4j launcher failed (exit {rc})\n{_log_tail(home)}")
        info = _info(home, pid, state)
        last = ""
        while time.monotonic() < deadline:
            if not _is_our_server(pid, home):
                raise RuntimeError(f"Neo4j (pid {pid}) exited during start-up\n{_log_tail(home)}")
            last = _bolt_check(info.uri, creds)
            if last == "ok" or (last == "auth" and not creds):  # auth refusal = server is up
                if creds:
                    # The hash was only needed for that first start; don't leave it lying around.
                    (home / "data" / "dbms" / "auth.ini").unlink(missing_ok=True)
                return info
            if last == "auth":
                raise RuntimeError(
                    f"Neo4j is running (pid {pid}) but refused the given password for user neo4j. "
                    "The initial password only applies while neo4j still has the default one: use "
                    "the password set earlier (or ALTER CURRENT USER in the Browser), or stop the "
                    f"server and delete {home / 'data'} to start from an empty database."
                )
            time.sleep(1)
        tail = _log_tail(home)
        if launched:  # don't leave a half-started server holding the ports and the store lock
            _terminate(home, pid, 30)
        raise RuntimeError(
            f"Neo4j (pid {pid}) did not answer on {info.uri} within {timeout:.0f} s "
            f"(last: {last}){'; stopped it' if launched else ''}\n{tail}"
        )


def stop(home: Path | None = None, timeout: float = 120) -> bool:
    """SIGTERM the server (what `neo4j stop` does) and wait; SIGKILL after ``timeout``.
    Returns False if it wasn't running."""
    home = _home(home)
    with _locked(home):
        pid = _server_pid(home)
        if pid is None:
            _drop_stale_pid_file(home)
            return False
        _terminate(home, pid, timeout)
        return True


def _terminate(home: Path, pid: int, timeout: float) -> None:
    os.kill(pid, signal.SIGTERM)  # clean shutdown: checkpoint, then exit (~10 s, mostly Bolt/Netty)
    deadline = time.monotonic() + timeout
    while _is_our_server(pid, home):
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)  # the next start recovers the store from the tx log
            deadline = time.monotonic() + 30
        time.sleep(0.5)
    _pid_file(home).unlink(missing_ok=True)


def status(home: Path | None = None) -> ServerInfo | None:
    """Info if the server process is alive and Bolt answers (an auth refusal counts), else None."""
    home = _home(home)
    pid = _server_pid(home)
    if pid is None:
        return None
    info = _info(home, pid, _read_state(home))
    return info if _bolt_check(info.uri, None) in ("ok", "auth") else None


# --------------------------------------------------------------------------- CLI


def _describe(info: ServerInfo) -> str:
    auth = "auth on (user neo4j)" if info.auth else "auth OFF"
    return (
        f"Neo4j {info.version} running, pid {info.pid}, {auth}\n"
        f"  bolt:    {info.uri}\n  browser: {info.browser_url}\n  home:    {info.home}"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tracegraph._neo4j_server", description=__doc__.split("\n")[0])
    ap.add_argument("command", choices=["install", "start", "stop", "status"])
    ap.add_argument("--home", type=Path, help=f"default ${HOME_ENV} or {REPO_HOME}")
    ap.add_argument(
        "--share-lib",
        type=Path,
        metavar="HOME",
        help="start: run the jars installed in HOME (symlinked into --home's lib/), e.g. a second server",
    )
    ap.add_argument("--version", default=DEFAULT_VERSION, help="Neo4j version for install")
    ap.add_argument("--bolt-port", type=int, default=7687)
    ap.add_argument("--http-port", type=int, default=7474)
    # Auth defaults to on exactly when a password is configured: scripts/test.sh runs a bare
    # `start` and the tests (same env var) then connect without or with that password.
    auth = ap.add_mutually_exclusive_group()
    auth.add_argument("--auth", dest="auth", action="store_true", default=None, help="require login (user neo4j)")
    auth.add_argument("--no-auth", dest="auth", action="store_false", help="no login (tests, throwaway data)")
    ap.add_argument(
        "--set-password",
        action="store_true",
        help=f"prompt for the initial neo4j password (implies --auth; else ${PASSWORD_ENV}, else neo4j/neo4j)",
    )
    ap.add_argument("--timeout", type=float, default=180)
    args = ap.parse_args(argv)
    try:
        if args.command == "install":
            print(install(args.home, args.version, progress=print))
        elif args.command == "start":
            if args.share_lib:
                share_lib(args.home, args.share_lib, progress=lambda m: print(m, file=sys.stderr))
            password = os.environ.get(PASSWORD_ENV) or None
            if args.set_password and args.auth is not False:
                password = getpass.getpass("Initial password for user neo4j (min 8 chars): ")
            use_auth = args.auth if args.auth is not None else bool(password) or args.set_password
            t0 = time.monotonic()
            info = start(
                args.home,
                args.bolt_port,
                args.http_port,
                auth=use_auth,
                password=password,
                timeout=args.timeout,
            )
            print(f"{_describe(info)}\n  ready in {time.monotonic() - t0:.1f} s")
            if info.auth and not password:
                print("  (no password given: if none was ever set, log in as neo4j/neo4j and choose one)")
        elif args.command == "stop":
            print("Neo4j stopped" if stop(args.home) else "Neo4j was not running")
        else:
            info = status(args.home)
            print(_describe(info) if info else "Neo4j is not running")
            return 0 if info else 3  # 3 = "not running", as in LSB init scripts and `neo4j status`
    except (RuntimeError, ValueError, OSError, subprocess.SubprocessError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
