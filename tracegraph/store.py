"""The Neo4j backend: load a dataset into a real Neo4j, read it back, run the cypher/ library.

Loads are versioned so that a reader never sees half a dataset: every node carries ``v``
(the load version) and ``uid`` (``v:id``); batches of ``UNWIND … MERGE`` write the new version
next to the current one, one small transaction moves ``(:TracegraphMeta {name:'current'})``
to it, and only then is the old version deleted. A failed or interrupted load leaves the
previous version current. A dataset whose content hash equals the current one is not
written again (``--replace`` forces it).

Every query is static text with parameters; nothing is assembled from strings.
"""

from __future__ import annotations

import hashlib
import json
import os
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
from neo4j import Driver, GraphDatabase

from tracegraph import _cypher
from tracegraph._index import compile_graph
from tracegraph.graph import build_graph, edges_of, node_id, nodes_of
from tracegraph.models import (
    Candidate,
    Dataset,
    Demand,
    Institution,
    InstrumentType,
    Region,
    Standard,
    Target,
    TraceLink,
)

BATCH = 5000
Progress = Callable[[int, int], None]

_NODE_WRITE = {
    "Region": "UNWIND $rows AS row MERGE (n:Region {uid: row.uid}) SET n = row",
    "Institution": "UNWIND $rows AS row MERGE (n:Institution {uid: row.uid}) SET n = row",
    "InstrumentType": "UNWIND $rows AS row MERGE (n:InstrumentType {uid: row.uid}) SET n = row",
    "Standard": "UNWIND $rows AS row MERGE (n:Standard {uid: row.uid}) SET n = row",
    "Candidate": "UNWIND $rows AS row MERGE (n:Candidate {uid: row.uid}) SET n = row",
    "Target": "UNWIND $rows AS row MERGE (n:Target {uid: row.uid}) SET n = row",
}
_REL_WRITE = {
    "PART_OF": "UNWIND $rows AS row MATCH (a:Region {uid: row.a}) MATCH (b:Region {uid: row.b}) "
               "MERGE (a)-[r:PART_OF]->(b) SET r = row.props",
    "LOCATED_IN": "UNWIND $rows AS row MATCH (a:Institution {uid: row.a}) MATCH (b:Region {uid: row.b}) "
                  "MERGE (a)-[r:LOCATED_IN]->(b) SET r = row.props",
    "SERVES": "UNWIND $rows AS row MATCH (a:Institution {uid: row.a}) MATCH (b:Region {uid: row.b}) "
              "MERGE (a)-[r:SERVES]->(b) SET r = row.props",
    "HOLDS": "UNWIND $rows AS row MATCH (a:Institution {uid: row.a}) MATCH (b:Standard {uid: row.b}) "
             "MERGE (a)-[r:HOLDS]->(b) SET r = row.props",
    "TRACES_TO": "UNWIND $rows AS row MATCH (a:Standard {uid: row.a}) MATCH (b:Standard {uid: row.b}) "
                 "MERGE (a)-[r:TRACES_TO]->(b) SET r = row.props",
    "VERIFIES": "UNWIND $rows AS row MATCH (a:Standard {uid: row.a}) MATCH (b:InstrumentType {uid: row.b}) "
                "MERGE (a)-[r:VERIFIES]->(b) SET r = row.props",
    "NEEDS": "UNWIND $rows AS row MATCH (a:Region {uid: row.a}) MATCH (b:InstrumentType {uid: row.b}) "
             "MERGE (a)-[r:NEEDS]->(b) SET r = row.props",
}
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
                "m.loaded_at = datetime(), m.source = $source, m.load_scale = $load_scale")
_MAX_VERSION = "MATCH (n) WHERE n.v IS NOT NULL RETURN coalesce(max(n.v), 0) AS v"
_DROP_OTHER_VERSIONS = ("MATCH (n) WHERE n.v IS NOT NULL AND n.v <> $keep "
                        "CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 5000 ROWS")


@dataclass(frozen=True)
class Settings:
    """Where the Neo4j server is. Never printed with the password."""

    uri: str = "bolt://127.0.0.1:7687"
    user: str = "neo4j"
    password: str | None = None
    database: str | None = None

    @classmethod
    def resolve(cls, uri: str | None = None, user: str | None = None, password: str | None = None,
                database: str | None = None, settings_file: Path | None = None) -> Settings:
        """Options beat ``TRACEGRAPH_NEO4J_*`` variables, which beat the settings file."""
        file = _read_settings_file(settings_file)
        env = os.environ

        def pick(option: str | None, name: str, default: str | None) -> str | None:
            return option or env.get(f"TRACEGRAPH_NEO4J_{name.upper()}") or file.get(name) or default

        return cls(uri=pick(uri, "uri", cls.uri) or cls.uri, user=pick(user, "user", cls.user) or cls.user,
                   password=pick(password, "password", None), database=pick(database, "database", None))

    def __repr__(self) -> str:
        return f"Settings(uri={self.uri!r}, user={self.user!r}, password={'***' if self.password else None})"


def _read_settings_file(path: Path | None) -> dict[str, str]:
    """``tracegraph.toml`` (here) or ``~/.config/tracegraph/settings.toml``, section ``[neo4j]``."""
    candidates = [path] if path else [Path("tracegraph.toml"), Path.home() / ".config/tracegraph/settings.toml"]
    for candidate in candidates:
        if candidate and candidate.is_file():
            return tomllib.loads(candidate.read_text(encoding="utf-8")).get("neo4j", {})
    return {}


@dataclass
class LoadResult:
    version: int
    changed: bool
    nodes: int
    relationships: int
    message: str


def dataset_hash(dataset: Dataset) -> str:
    return hashlib.sha256(json.dumps(dataset.model_dump(mode="json"), sort_keys=True).encode()).hexdigest()


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
        """Raise a clear error when the server cannot be reached."""
        self.driver.verify_connectivity()

    # --- low level -----------------------------------------------------------------
    def _session(self, read: bool = False) -> Any:
        mode = "READ" if read else "WRITE"
        return self.driver.session(database=self.settings.database, default_access_mode=mode)

    def read(self, query: str, **params: Any) -> list[dict[str, Any]]:
        """Run a static query in a read transaction (the server refuses writes in it)."""
        with self._session(read=True) as session:
            return session.execute_read(lambda tx: [r.data() for r in tx.run(query, params)])

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
            return LoadResult(int(meta["version"]), False, 0, 0, "unchanged: this dataset is already loaded")
        keep = int(meta["version"]) if meta else -1
        self._drop_versions(keep)  # leftovers of an interrupted load
        version = int(self.read(_MAX_VERSION)[0]["v"]) + 1
        G = build_graph(dataset)
        batches = list(_batches(G, dataset, version))
        total = sum(len(rows) for _, rows in batches)
        done = 0
        with self._session() as session:
            for query, rows in batches:
                session.execute_write(lambda tx, q=query, r=rows: tx.run(q, rows=r).consume())
                done += len(rows)
                if progress:
                    progress(done, total)
        scale = compile_graph(G).load_scale
        self.write(_META_SWITCH, version=version, hash=digest, source=source, load_scale=scale)
        self._drop_versions(version)
        nodes = G.number_of_nodes() + len(dataset.candidates) + len(dataset.targets)
        return LoadResult(version, True, nodes, G.number_of_edges(), f"loaded as version {version}")

    def _drop_versions(self, keep: int) -> None:
        with self._session() as session:
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
        return Dataset(regions=rows("Region", Region), institutions=rows("Institution", Institution),
                       instrument_types=rows("InstrumentType", InstrumentType),
                       standards=rows("Standard", Standard), traceability=links, demand=demand,
                       candidates=rows("Candidate", Candidate), targets=rows("Target", Target))

    def graph(self) -> nx.MultiDiGraph:
        return build_graph(self.read_dataset())

    # --- the cypher/ library -------------------------------------------------------
    def run_library(self, name: str, **params: Any) -> list[dict[str, Any]]:
        return self.read(_cypher.read_file(name), **params)


def _fields(props: dict[str, Any], model: type) -> dict[str, Any]:
    # Neo4j stores no nulls: a missing property is a blank cell.
    return {f: _native(props.get(f)) for f in model.model_fields}


def _native(value: Any) -> Any:
    """Neo4j temporal values back to Python dates."""
    return value.to_native() if hasattr(value, "to_native") else value


def _props(attrs: dict[str, Any], exclude: tuple[str, ...] = ("label",)) -> dict[str, Any]:
    return {k: v for k, v in attrs.items() if k not in exclude and v is not None}


def _batches(G: nx.MultiDiGraph, dataset: Dataset, version: int) -> Iterator[tuple[str, list[dict]]]:
    ix = compile_graph(G)
    for label in ("Region", "Institution", "InstrumentType", "Standard"):
        rows = []
        for k, (node, attrs) in enumerate(nodes_of(G, label)):
            row = {**_props(attrs), "uid": f"{version}:{node_id(node)}", "v": version, "ord": k}
            if label == "InstrumentType":
                # Materialised so Cypher sums annual loads in exact integers (see README, Exactness).
                row["load_factor"] = 12 * ix.load_scale // attrs["verification_period_months"]
            rows.append(row)
        yield from _chunks(_NODE_WRITE[label], rows)
    for label, items in (("Candidate", dataset.candidates), ("Target", dataset.targets)):
        rows = [{**_props(item.model_dump()), "uid": f"{version}:{item.id}", "v": version, "ord": k}
                for k, item in enumerate(items)]
        yield from _chunks(_NODE_WRITE[label], rows)
    for rel in _REL_WRITE:
        rows = [{"a": f"{version}:{node_id(u)}", "b": f"{version}:{node_id(w)}", "props": {"ord": k, **_props(a)}}
                for k, (u, w, a) in enumerate(edges_of(G, rel))]
        yield from _chunks(_REL_WRITE[rel], rows)


def _chunks(query: str, rows: list[dict]) -> Iterator[tuple[str, list[dict]]]:
    for start in range(0, len(rows), BATCH):
        yield query, rows[start:start + BATCH]



class WriteRefused(Exception):
    """A query given to the read-only runner would write, change the schema, or read files."""


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


def run_read_only(store: Neo4jStore, query: str, params: dict[str, Any]) -> tuple[list[str], list[dict[str, Any]]]:
    """Run a planner's query so that it cannot change the database.

    Three locks, because an access-mode hint alone is not proof: the query is EXPLAINed first
    and refused unless the planner calls it read-only ('r') with no LOAD CSV, no
    CALL {…} IN TRANSACTIONS and no procedure that is not READ mode; then it runs inside a
    READ transaction, where the server itself rejects any write.
    """
    with store._session() as session:
        summary = session.run(_explain(query), params).consume()
        modes = {r["name"]: r["mode"] for r in session.run(_PROCEDURE_MODES)}
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

    def work(tx: Any) -> tuple[list[str], list[dict[str, Any]]]:
        result = tx.run(query, params)
        return list(result.keys()), [r.data() for r in result]

    with store._session(read=True) as session:
        return session.execute_read(work)


_QUERY_TYPES = {"w": "write", "rw": "write", "s": "change the schema"}


def _explain(query: str) -> str:
    # EXPLAIN compiles without running: the one place a keyword is put in front of a query's text.
    return "EXPLAIN " + query
