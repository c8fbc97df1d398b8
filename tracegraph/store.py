"""The Neo4j backend: load a dataset into a real Neo4j, read it back, run the cypher/ library.

Loads are versioned so that a reader never sees half a dataset: every node carries ``v``
(the load version) and ``uid`` (``v:id``); large batches of ``UNWIND … CREATE`` write the new
version next to the current one (a fresh version needs no ``MERGE``), one small transaction moves
``(:TracegraphMeta {name:'current'})`` to it, and only then is the old version deleted. A failed,
interrupted or killed load (even ``kill -9`` of the server) leaves the previous version current
and whole; the next load deletes what it left. A dataset whose content hash equals the current
one is not written again (``--replace`` forces it).

Every query is static text with parameters; nothing is assembled from strings.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import os
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import networkx as nx
from neo4j import Driver, GraphDatabase, Query, unit_of_work
from neo4j.exceptions import Neo4jError

from tracegraph import _cypher
from tracegraph._settings import SettingError, section, settings_path
from tracegraph.graph import build_graph
from tracegraph.models import (
    Candidate,
    Dataset,
    Demand,
    Institution,
    InstrumentType,
    Meta,
    Region,
    Standard,
    Target,
    TraceLink,
)

BATCH = 20_000  # rows per UNWIND transaction (a few MB of parameters; the server's heap is 1 GiB)
Progress = Callable[[int, int], None]

# A fresh version is written with CREATE: nothing of it exists yet (leftovers of an interrupted load are
# deleted first), and the uid constraints would refuse a duplicate. The nodes' uid, v and ord are set
# here from the batch's prefix and offset, so the rows carry only the dataset's own fields.
_NODE_CREATE = {
    "Region": ("UNWIND range(0, size($rows) - 1) AS k WITH k, $rows[k] AS row CREATE (n:Region) "
                 "SET n = row, n.uid = $prefix + row.code, n.v = $v, n.ord = $base + k"),
    "Institution": ("UNWIND range(0, size($rows) - 1) AS k WITH k, $rows[k] AS row CREATE (n:Institution) "
                 "SET n = row, n.uid = $prefix + row.id, n.v = $v, n.ord = $base + k"),
    "InstrumentType": ("UNWIND range(0, size($rows) - 1) AS k WITH k, $rows[k] AS row CREATE (n:InstrumentType) "
                 "SET n = row, n.uid = $prefix + row.code, n.v = $v, n.ord = $base + k"),
    "Standard": ("UNWIND range(0, size($rows) - 1) AS k WITH k, $rows[k] AS row CREATE (n:Standard) "
                 "SET n = row, n.uid = $prefix + row.id, n.v = $v, n.ord = $base + k"),
    "Candidate": ("UNWIND range(0, size($rows) - 1) AS k WITH k, $rows[k] AS row CREATE (n:Candidate) "
                 "SET n = row, n.uid = $prefix + row.id, n.v = $v, n.ord = $base + k"),
    "Target": ("UNWIND range(0, size($rows) - 1) AS k WITH k, $rows[k] AS row CREATE (n:Target) "
                 "SET n = row, n.uid = $prefix + row.id, n.v = $v, n.ord = $base + k"),
}
# The bulk of a national dataset (standards, links, demand) crosses the wire as one string per row,
# fields joined by \x1f and list entries by \x1d, split and typed by the server: the driver packs one
# value per row instead of one per cell, several times faster. '' is a blank cell (null, or an empty
# list). A dataset whose text holds those control characters is sent as maps instead (_NODE_CREATE).
FIELD, ITEM = "\x1f", "\x1d"
_PACKED_CREATE = {
    "Standard": ("UNWIND range(0, size($rows) - 1) AS k WITH k, split($rows[k], $field) AS f "
                 "CREATE (:Standard {id: f[0], name: f[1], institution: f[2], quantity: f[3], certificate_no: f[4], "
                 "certificate_expiry: CASE f[5] WHEN '' THEN null ELSE date(f[5]) END, status: f[6], "
                 "primary: f[7] = 'true', capacity_per_year: CASE f[8] WHEN '' THEN null ELSE toInteger(f[8]) END, "
                 "verifies: CASE f[9] WHEN '' THEN [] ELSE split(f[9], $item) END, "
                 "renewal_cost: CASE f[10] WHEN '' THEN null ELSE toFloat(f[10]) END, "
                 "established: CASE f[11] WHEN '' THEN null ELSE date(f[11]) END, "
                 "uid: $prefix + f[0], v: $v, ord: $base + k})"),
    "TRACES_TO": ("UNWIND range(0, size($rows) - 1) AS k WITH k, split($rows[k], $field) AS f "
                  "MATCH (a:Standard {uid: $prefix + f[0]}) MATCH (b:Standard {uid: $prefix + f[1]}) "
                  "CREATE (a)-[:TRACES_TO {ord: $base + k, valid_until: date(f[2]), "
                  "calibrated_on: CASE f[3] WHEN '' THEN null ELSE date(f[3]) END, "
                  "certificate_no: CASE f[4] WHEN '' THEN null ELSE f[4] END}]->(b)"),
    "NEEDS": ("UNWIND range(0, size($rows) - 1) AS k WITH k, split($rows[k], $field) AS f "
              "MATCH (a:Region {uid: $prefix + f[0]}) MATCH (b:InstrumentType {uid: $prefix + f[1]}) "
              "CREATE (a)-[:NEEDS {count: toInteger(f[2]), ord: $base + k}]->(b)"),
}
# The same relationships from rows of values, when packing is not possible.
_REL_CREATE = {
    "TRACES_TO": ("UNWIND range(0, size($rows) - 1) AS k WITH k, $rows[k] AS row "
                  "MATCH (a:Standard {uid: $prefix + row[0]}) MATCH (b:Standard {uid: $prefix + row[1]}) "
                  "CREATE (a)-[:TRACES_TO {ord: $base + k, valid_until: row[2], calibrated_on: row[3], "
                  "certificate_no: row[4]}]->(b)"),
    "NEEDS": ("UNWIND range(0, size($rows) - 1) AS k WITH k, $rows[k] AS row "
              "MATCH (a:Region {uid: $prefix + row[0]}) MATCH (b:InstrumentType {uid: $prefix + row[1]}) "
              "CREATE (a)-[:NEEDS {count: row[2], ord: $base + k}]->(b)"),
}
# Relationships the new nodes' own properties name (parent, region, serves, institution, verifies):
# derived by the server, so nothing more crosses the wire. Run in batches of their own transactions.
_DERIVED = (
    "MATCH (a:Region {v: $v}) WHERE a.parent IS NOT NULL "
    "CALL (a) { MATCH (b:Region {uid: $prefix + a.parent}) CREATE (a)-[:PART_OF]->(b) } "
    "IN TRANSACTIONS OF 50000 ROWS",
    "MATCH (a:Institution {v: $v}) WHERE a.region IS NOT NULL "
    "CALL (a) { MATCH (b:Region {uid: $prefix + a.region}) CREATE (a)-[:LOCATED_IN]->(b) } "
    "IN TRANSACTIONS OF 50000 ROWS",
    "MATCH (a:Institution {v: $v}) UNWIND a.serves AS code WITH DISTINCT a, code "
    "CALL (a, code) { MATCH (b:Region {uid: $prefix + code}) CREATE (a)-[:SERVES]->(b) } "
    "IN TRANSACTIONS OF 50000 ROWS",
    "MATCH (b:Standard {v: $v}) "
    "CALL (b) { MATCH (a:Institution {uid: $prefix + b.institution}) CREATE (a)-[:HOLDS]->(b) } "
    "IN TRANSACTIONS OF 50000 ROWS",
    "MATCH (a:Standard {v: $v}) UNWIND a.verifies AS code WITH DISTINCT a, code "
    "CALL (a, code) { MATCH (b:InstrumentType {uid: $prefix + code}) CREATE (a)-[:VERIFIES]->(b) } "
    "IN TRANSACTIONS OF 50000 ROWS",
)
_NODE_READ = {
    "Region": "MATCH (n:Region {v: $v}) RETURN properties(n) AS p ORDER BY n.ord",
    "Institution": "MATCH (n:Institution {v: $v}) RETURN properties(n) AS p ORDER BY n.ord",
    "InstrumentType": "MATCH (n:InstrumentType {v: $v}) RETURN properties(n) AS p ORDER BY n.ord",
    "Standard": "MATCH (n:Standard {v: $v}) RETURN properties(n) AS p ORDER BY n.ord",
    "Candidate": "MATCH (n:Candidate {v: $v}) RETURN properties(n) AS p ORDER BY n.ord",
    "Target": "MATCH (n:Target {v: $v}) RETURN properties(n) AS p ORDER BY n.ord",
}
_REL_READ = {
    "TRACES_TO": "MATCH (a:Standard {v: $v})-[r:TRACES_TO]->(b:Standard) "
                 "RETURN a.id AS a, b.id AS b, properties(r) AS p ORDER BY r.ord",
    "NEEDS": "MATCH (a:Region {v: $v})-[r:NEEDS]->(b:InstrumentType) "
             "RETURN a.code AS a, b.code AS b, properties(r) AS p ORDER BY r.ord",
}
_META_READ = "MATCH (m:TracegraphMeta {name: 'current'}) RETURN properties(m) AS meta"
_META_SWITCH = ("MERGE (m:TracegraphMeta {name: 'current'}) SET m.version = $version, m.hash = $hash, "
                "m.loaded_at = datetime(), m.source = $source, m.load_scale = $load_scale, "
                "m.snapshot_date = $snapshot_date, m.data_source = $data_source, m.compiled_by = $compiled_by")
# Relationships first, in bounded transactions (a node's DETACH DELETE would take all of an instrument
# type's tens of thousands of NEEDS into one transaction), then the nodes.
_DROP_OTHER_RELATIONSHIPS = ("MATCH (n)-[r]->() WHERE n.v IS NOT NULL AND n.v <> $keep "
                             "CALL (r) { DELETE r } IN TRANSACTIONS OF 20000 ROWS")
_DROP_OTHER_VERSIONS = ("MATCH (n) WHERE n.v IS NOT NULL AND n.v <> $keep "
                        "CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 20000 ROWS")


@dataclass(frozen=True)
class Settings:
    """Where the Neo4j server is. Never printed with the password."""

    uri: str = "bolt://127.0.0.1:7687"
    user: str = "neo4j"
    password: str | None = None
    database: str | None = None
    query_timeout: float = 30.0  # seconds the server lets one query of the read-only runner run
    max_rows: int = 1000  # rows the read-only runner fetches for display; the rest are never pulled
    # Where the password came from ('--password', the variable, the settings file's path): for messages that
    # must say which password was refused without showing it.
    password_from: str | None = None

    @classmethod
    def resolve(cls, uri: str | None = None, user: str | None = None, password: str | None = None,
                database: str | None = None, settings_file: Path | None = None) -> Settings:
        """Options beat ``TRACEGRAPH_NEO4J_*`` variables, which beat the settings file."""
        file = section("neo4j", settings_file)
        env = os.environ

        def pick(option: str | None, name: str, default: str | None) -> str | None:
            return option or env.get(f"TRACEGRAPH_NEO4J_{name.upper()}") or file.get(name) or default

        return cls(uri=pick(uri, "uri", cls.uri) or cls.uri, user=pick(user, "user", cls.user) or cls.user,
                   password=pick(password, "password", None), database=pick(database, "database", None),
                   password_from=_password_source(password, file, settings_file),
                   **_query_limits(env, file))

    def __repr__(self) -> str:
        return f"Settings(uri={self.uri!r}, user={self.user!r}, password={'***' if self.password else None})"


def _password_source(option: str | None, file: dict[str, Any], settings_file: Path | None) -> str | None:
    """Where :meth:`Settings.resolve` takes the password from, in its order (option, variable, file)."""
    if option:
        return "--password"
    if os.environ.get("TRACEGRAPH_NEO4J_PASSWORD"):
        return "TRACEGRAPH_NEO4J_PASSWORD"
    return str(settings_path(settings_file)) if file.get("password") else None


class AuthRefused(Exception):
    """The server answered but refused the login: a wrong password, none given to a server with auth on, or
    too many wrong ones in a row (Neo4j then locks the user for a few seconds). The message names the server,
    the user and where the password came from, never the password itself."""

    def __init__(self, settings: Settings, reason: str):
        self.uri, self.user, self.reason = settings.uri, settings.user, reason
        self.source = settings.password_from or "the Settings given"
        where = "set TRACEGRAPH_NEO4J_PASSWORD, or password under [neo4j] in the settings file"
        super().__init__({
            "missing": f"Neo4j at {self.uri} requires a login and no password is set for user {self.user!r}: {where}",
            "refused": f"Neo4j at {self.uri} refused user {self.user!r} with the password from {self.source}: "
                       "check that password (and --user / TRACEGRAPH_NEO4J_USER)",
            "locked": f"Neo4j at {self.uri} refused user {self.user!r}: too many wrong passwords in a row lock it "
                      f"for a few seconds; check the password from {self.source}",
        }[reason])


# The server's codes for a refused login (AuthenticationRateLimit: after repeated wrong passwords).
_AUTH_CODES = {"Neo.ClientError.Security.Unauthorized": "refused",
               "Neo.ClientError.Security.AuthenticationRateLimit": "locked"}


def _query_limits(env: Mapping[str, str], file: dict[str, Any]) -> dict[str, Any]:
    """``query_timeout`` and ``max_rows`` from a variable (text), else the settings file (a number; a 0 there is
    an error, not a fall-through to the default), else the defaults."""
    def value(name: str, default: float) -> Any:
        return env.get(f"TRACEGRAPH_NEO4J_{name.upper()}") or file.get(name, default)

    return {"query_timeout": _positive(value("query_timeout", Settings.query_timeout), "query_timeout", float),
            "max_rows": _positive(value("max_rows", Settings.max_rows), "max_rows", int)}


def _positive(value: Any, name: str, kind: type[int] | type[float]) -> Any:
    """A limit as ``kind``; anything else (0, negative, not a number, a fraction of a row) is a clear error,
    not a silent default: a limit the user believes is set must be the one in force."""
    try:
        number = kind(float(value)) if not isinstance(value, bool) else None
    except (TypeError, ValueError, OverflowError):
        number = None
    if number is None or not math.isfinite(number) or number <= 0 or number != float(value):
        raise SettingError(f"{name} must be a positive {'whole ' if kind is int else ''}number, not {value!r} "
                         f"(TRACEGRAPH_NEO4J_{name.upper()}, or {name} under [neo4j] in the settings file)")
    return number


@dataclass
class LoadResult:
    version: int
    changed: bool
    nodes: int
    relationships: int
    message: str


def dataset_hash(dataset: Dataset) -> str:
    """The content hash a load compares (pydantic's JSON: fields in model order, so stable)."""
    return hashlib.sha256(dataset.model_dump_json().encode()).hexdigest()


class Neo4jStore:
    """A tracegraph dataset in a Neo4j database."""

    def __init__(self, settings: Settings | None = None, driver: Driver | None = None):
        self.settings = settings or Settings.resolve()
        auth = (self.settings.user, self.settings.password) if self.settings.password else None
        # Planner queries legitimately name labels an empty dataset lacks: no server warnings on stderr.
        self.driver = driver or GraphDatabase.driver(self.settings.uri, auth=auth, notifications_min_severity="OFF")

    def close(self) -> None:
        self.driver.close()

    def __enter__(self) -> Neo4jStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def verify(self) -> None:
        """Raise the driver's error when the server cannot be reached, :class:`AuthRefused` when it refuses
        the login."""
        try:
            self.driver.verify_connectivity()
        except Neo4jError as exc:
            reason = _AUTH_CODES.get(exc.code or "")
            if reason is None:
                raise
            raise AuthRefused(self.settings, "missing" if not self.settings.password else reason) from None

    # --- low level -----------------------------------------------------------------
    def _session(self, read: bool = False) -> Any:
        mode = "READ" if read else "WRITE"
        return self.driver.session(database=self.settings.database, default_access_mode=mode)

    def read(self, query: str, **params: Any) -> list[dict[str, Any]]:
        """Run a static query in a read transaction (the server refuses writes in it)."""
        with self._session(read=True) as session:
            return session.execute_read(lambda tx: [r.data() for r in tx.run(query, params)])

    def read_rows(self, query: str, **params: Any) -> list[dict[str, Any]]:
        """As :meth:`read`, for results of plain values (strings, numbers, lists of them): each record
        zipped with its keys, without the driver's recursive ``data()`` conversion (seconds for
        100,000 list entries)."""
        def work(tx: Any) -> list[dict[str, Any]]:
            result = tx.run(query, params)
            keys = result.keys()
            return [dict(zip(keys, record, strict=True)) for record in result]

        with self._session(read=True) as session:
            return session.execute_read(work)

    def write(self, query: str, **params: Any) -> None:
        with self._session() as session:
            session.execute_write(lambda tx: tx.run(query, params).consume())

    def meta(self) -> dict[str, Any] | None:
        rows = self.read(_META_READ)
        return rows[0]["meta"] if rows else None

    def current_version(self) -> int:
        meta = self.meta()
        if meta is None:
            raise LookupError("the Neo4j database holds no tracegraph dataset yet: run `tracegraph load DATASET`")
        return int(meta["version"])

    # --- load ----------------------------------------------------------------------
    def apply_schema(self) -> None:
        with self._session() as session:
            for statement in _cypher.statements(_cypher.read_file("schema")):
                session.run(statement).consume()

    def load(self, dataset: Dataset, *, replace: bool = False, source: str = "",
             progress: Progress | None = None) -> LoadResult:
        """Write ``dataset`` as a new version and switch to it; nothing visible changes on failure."""
        digest = dataset_hash(dataset)
        self.apply_schema()
        meta = self.meta()
        if meta is not None and meta.get("hash") == digest and not replace:
            self._drop_versions(int(meta["version"]))  # leftovers of a load killed after its switch
            return LoadResult(int(meta["version"]), False, 0, 0, "unchanged: this dataset is already loaded")
        keep = int(meta["version"]) if meta else -1
        self._drop_versions(keep)  # leftovers of an interrupted load: only the current version remains
        version = max(keep, 0) + 1
        prefix = f"{version}:"
        links = _links(dataset)
        total = (len(dataset.regions) + len(dataset.institutions) + len(dataset.instrument_types)
                 + len(dataset.standards) + len(dataset.candidates) + len(dataset.targets) + len(links)
                 + len(dataset.demand))
        steps = _steps(dataset, links)
        done = 0
        # The next step's rows are made in a second thread while the server writes the current one.
        with ThreadPoolExecutor(max_workers=1) as prepare, self._session() as session:
            upcoming = prepare.submit(next, steps, None)
            while (step := upcoming.result()) is not None:
                upcoming = prepare.submit(next, steps, None)
                query, rows, n = step
                if rows is None:  # derived on the server, in transactions of its own
                    session.run(query, v=version, prefix=prefix).consume()
                else:
                    for start in range(0, len(rows), BATCH):
                        session.execute_write(lambda tx, q=query, r=rows[start:start + BATCH], b=start: tx.run(
                            q, rows=r, base=b, v=version, prefix=prefix, field=FIELD, item=ITEM).consume())
                done += n
                if progress:
                    progress(done, total)
        meta = dataset.meta[0] if dataset.meta else None  # meta.csv rides on the switch: it is the version's
        self.write(_META_SWITCH, version=version, hash=digest, source=source, load_scale=_load_scale(dataset),
                   snapshot_date=meta and meta.snapshot_date, data_source=meta and meta.source,
                   compiled_by=meta and meta.compiled_by)
        self._drop_versions(version)
        nodes = (len(dataset.regions) + len(dataset.institutions) + len(dataset.instrument_types)
                 + len(dataset.standards) + len(dataset.candidates) + len(dataset.targets))
        return LoadResult(version, True, nodes, _relationships(dataset),
                          f"loaded as version {version}")

    def _drop_versions(self, keep: int) -> None:
        with self._session() as session:
            session.run(_DROP_OTHER_RELATIONSHIPS, keep=keep).consume()
            session.run(_DROP_OTHER_VERSIONS, keep=keep).consume()

    # --- export --------------------------------------------------------------------
    def read_dataset(self) -> Dataset:
        """The current version back as a :class:`Dataset` (export)."""
        v = self.current_version()

        def rows(label: str, model: type) -> list[Any]:
            return [model(**_fields(r["p"], model)) for r in self.read(_NODE_READ[label], v=v)]

        links = [TraceLink(**{**_fields(r["p"], TraceLink), "standard": r["a"], "upstream": r["b"]})
                 for r in self.read(_REL_READ["TRACES_TO"], v=v)]
        demand = [Demand(region=r["a"], instrument_type=r["b"], count=r["p"]["count"])
                  for r in self.read(_REL_READ["NEEDS"], v=v)]
        meta = self.meta() or {}
        snapshot = [Meta(snapshot_date=_native(meta["snapshot_date"]), source=meta.get("data_source"),
                         compiled_by=meta.get("compiled_by"))] if meta.get("snapshot_date") else []
        return Dataset(regions=rows("Region", Region), institutions=rows("Institution", Institution),
                       instrument_types=rows("InstrumentType", InstrumentType),
                       standards=rows("Standard", Standard), traceability=links, demand=demand,
                       candidates=rows("Candidate", Candidate), targets=rows("Target", Target), meta=snapshot)

    def snapshot_date(self) -> dt.date | None:
        """The loaded dataset's snapshot date (``meta.csv``), the default as-of date of figures read here."""
        value = (self.meta() or {}).get("snapshot_date")
        return None if value is None else _native(value)

    def graph(self) -> nx.MultiDiGraph:
        return build_graph(self.read_dataset())

    # --- the cypher/ library -------------------------------------------------------
    def run_library(self, name: str, *, plain: bool = False, **params: Any) -> list[dict[str, Any]]:
        """Rows of a cypher/ file; ``plain`` for results of plain values only (see :meth:`read_rows`)."""
        return (self.read_rows if plain else self.read)(_cypher.read_file(name), **params)


def _fields(props: dict[str, Any], model: type) -> dict[str, Any]:
    # Neo4j stores no nulls: a missing property is a blank cell.
    return {f: _native(props.get(f)) for f in model.model_fields}


def _native(value: Any) -> Any:
    """Neo4j temporal values back to Python dates."""
    return value.to_native() if hasattr(value, "to_native") else value


def _props(attrs: dict[str, Any], exclude: tuple[str, ...] = ("label",)) -> dict[str, Any]:
    return {k: v for k, v in attrs.items() if k not in exclude and v is not None}


def _load_scale(dataset: Dataset) -> int:
    """As ``Index.load_scale``: annual loads n·12/p are integers once multiplied by it."""
    scale = 1
    for t in dataset.instrument_types:
        p = t.verification_period_months
        scale = math.lcm(scale, p // math.gcd(12, p))
    return scale


def _links(dataset: Dataset) -> list[list[Any]]:
    """One row per (standard, upstream), as ``build_graph`` keeps them: repeated rows for one link are
    successive calibrations, the latest expiry holds, in the place of the first."""
    kept: dict[tuple[str, str], TraceLink] = {}
    for link in dataset.traceability:
        key = (link.standard, link.upstream)
        if key not in kept or link.valid_until > kept[key].valid_until:
            kept[key] = link
    return [[a, b, x.valid_until, x.calibrated_on, x.certificate_no] for (a, b), x in kept.items()]


def _relationships(dataset: Dataset) -> int:
    return (sum(1 for r in dataset.regions if r.parent) + sum(1 for i in dataset.institutions if i.region)
            + sum(len(set(i.serves)) for i in dataset.institutions) + len(dataset.standards)
            + sum(len(set(s.verifies)) for s in dataset.standards) + len(_links(dataset)) + len(dataset.demand))


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)  # the shortest text that reads back as the same double
    if isinstance(value, list):
        return ITEM.join(value)
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _packed(rows: list[list[Any]]) -> list[str] | None:
    """Rows of cells as one string each, or None when some text holds a separator (or an empty
    list entry / a list of one blank entry, which '' could not tell apart)."""
    out = []
    for row in rows:
        cells = [_cell(v) for v in row]
        for v, c in zip(row, cells, strict=True):
            if FIELD in c or (isinstance(v, list) and (ITEM in "".join(v) or "" in v)):
                return None
            if isinstance(v, str) and ITEM in v:
                return None
        out.append(FIELD.join(cells))
    return out


_STANDARD_FIELDS = ("id", "name", "institution", "quantity", "certificate_no", "certificate_expiry", "status",
                    "primary", "capacity_per_year", "verifies", "renewal_cost", "established")


def _steps(dataset: Dataset, links: list[list[Any]]) -> Iterator[tuple[str, list | None, int]]:
    """(query, rows or None for a server-side step, rows it stands for in the progress count)."""
    for label, items in (("Region", dataset.regions), ("Institution", dataset.institutions),
                         ("InstrumentType", dataset.instrument_types), ("Standard", dataset.standards),
                         ("Candidate", dataset.candidates), ("Target", dataset.targets)):
        if label == "Standard" and set(Standard.model_fields) == set(_STANDARD_FIELDS):
            packed = _packed([[getattr(x, f) for f in _STANDARD_FIELDS] for x in items])
            if packed is not None:
                yield _PACKED_CREATE[label], packed, len(packed)
                continue
        rows = [_props(item.model_dump()) for item in items]
        if label == "InstrumentType":
            scale = _load_scale(dataset)
            for row in rows:
                # Materialised so Cypher sums annual loads in exact integers (see README, Exactness).
                row["load_factor"] = 12 * scale // row["verification_period_months"]
        yield _NODE_CREATE[label], rows, len(rows)
    for query in _DERIVED:
        yield query, None, 0
    for rel, rows in (("TRACES_TO", links),
                      ("NEEDS", [[d.region, d.instrument_type, d.count] for d in dataset.demand])):
        packed = _packed(rows)
        yield (_REL_CREATE[rel], rows, len(rows)) if packed is None else (_PACKED_CREATE[rel], packed, len(rows))


class WriteRefused(Exception):
    """A query given to the read-only runner would write, change the schema, or read files."""


class QueryTimedOut(Exception):
    """The server stopped a query of the read-only runner at its time limit (``query_timeout``)."""

    def __init__(self, limit: float, elapsed: float):
        self.limit, self.elapsed = limit, elapsed
        super().__init__(
            f"query stopped after {elapsed:.1f} s: it reached the time limit of {limit:g} s (the server ended it "
            "and is free again); to allow longer, use --timeout SECONDS, TRACEGRAPH_NEO4J_QUERY_TIMEOUT, or "
            "query_timeout under [neo4j] in the settings file")


class ReadOnlyResult(NamedTuple):
    """What the read-only runner returns: at most ``max_rows`` rows, and whether the query had more."""

    keys: list[str]
    rows: list[dict[str, Any]]
    truncated: bool


# How the server ends a transaction at its time limit: the one the client gave (Query/unit_of_work timeout),
# or the server's own db.transaction.timeout when that is lower.
_TIMED_OUT = ("Neo.ClientError.Transaction.TransactionTimedOutClientConfiguration",
              "Neo.ClientError.Transaction.TransactionTimedOut")


# Plan operators that are never allowed in a planner's read-only query, whatever the query type says.
_FORBIDDEN_OPERATORS = ("LoadCSV", "TransactionForeach", "TransactionApply")
_PROCEDURE_MODES = "SHOW PROCEDURES YIELD name, mode RETURN name, mode"


def _operators(plan: Any) -> list[tuple[str, dict]]:
    if plan is None:
        return []
    out = [(str(plan.get("operatorType", "")).split("@")[0], plan.get("args", {}))]
    for child in plan.get("children", []):
        out.extend(_operators(child))
    return out


def run_read_only(store: Neo4jStore, query: str, params: dict[str, Any], *, timeout: float | None = None,
                  max_rows: int | None = None) -> ReadOnlyResult:
    """Run a planner's query so that it cannot change the database, nor hold the server.

    Three locks, because an access-mode hint alone is not proof: the query is EXPLAINed first
    and refused unless the planner calls it read-only ('r') with no LOAD CSV, no
    CALL {…} IN TRANSACTIONS and no procedure that is not READ mode; then it runs inside a
    READ transaction, where the server itself rejects any write.

    Limits (``timeout`` and ``max_rows``, else the store's settings): every transaction of the run carries
    a server-side timeout, so that the server itself ends a runaway query (QueryTimedOut) and is free
    again; at most ``max_rows`` rows are fetched, the rest are never pulled from the server.
    """
    limit = timeout or store.settings.query_timeout
    started = time.monotonic()

    def left() -> float:  # the whole run, EXPLAIN included, stays within one limit
        return max(limit - (time.monotonic() - started), 0.001)

    try:
        _refuse_writes(store, query, params, left)
        return _fetch(store, query, params, left(), max_rows or store.settings.max_rows)
    except Neo4jError as exc:
        if exc.code in _TIMED_OUT:
            raise QueryTimedOut(limit, time.monotonic() - started) from None
        raise


def _refuse_writes(store: Neo4jStore, query: str, params: dict[str, Any], left: Callable[[], float]) -> None:
    """The EXPLAIN lock of :func:`run_read_only`: WriteRefused unless the plan only reads."""
    with store._session() as session:
        summary = session.run(Query(_explain(query), timeout=left()), params).consume()
        modes = {r["name"]: r["mode"] for r in session.run(Query(_PROCEDURE_MODES, timeout=left()))}
    if summary.query_type != "r":
        raise WriteRefused(f"refused: this query would {_QUERY_TYPES.get(summary.query_type, 'write')}; "
                           "tracegraph cypher runs read-only queries only")
    for operator, args in _operators(summary.plan):
        if operator.startswith(_FORBIDDEN_OPERATORS):
            raise WriteRefused(f"refused: {operator} is not allowed in a read-only query")
        if operator.startswith("ProcedureCall"):
            name = str(args.get("Signature", args.get("Details", ""))).split("(")[0].strip()
            if modes.get(name, "READ") != "READ":
                raise WriteRefused(f"refused: procedure {name} runs in {modes[name]} mode")


def _fetch(store: Neo4jStore, query: str, params: dict[str, Any], timeout: float, max_rows: int) -> ReadOnlyResult:
    """The query in a READ transaction with a server-side timeout; one row past ``max_rows`` tells that there
    were more, and committing then discards the rest on the server instead of pulling it."""
    @unit_of_work(timeout=timeout)
    def work(tx: Any) -> ReadOnlyResult:
        result = tx.run(query, params)
        records = result.fetch(max_rows + 1)
        return ReadOnlyResult(list(result.keys()), [r.data() for r in records[:max_rows]], len(records) > max_rows)

    with store._session(read=True) as session:
        return session.execute_read(work)


_QUERY_TYPES = {"w": "write", "rw": "write", "s": "change the schema"}


def _explain(query: str) -> str:
    # EXPLAIN compiles without running: the one place a keyword is put in front of a query's text.
    return "EXPLAIN " + query
