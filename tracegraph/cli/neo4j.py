"""Neo4j: ``load`` a dataset into the server, run a read-only ``cypher`` query, and the bundled server
(``neo4j start`` / ``stop`` / ``status``)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from tracegraph._raw import UnreadableDataset, read_raw, relabel
from tracegraph.cli._app import app, err, out, say_error
from tracegraph.cli._common import (
    AsOf,
    ColumnsOpt,
    DatasetArg,
    Fmt,
    FmtOpt,
    LangOpt,
    PasswordOpt,
    UriOpt,
    UserOpt,
    cell_text,
    dump_json,
    fail_unknown,
    load_dataset,
    open_store,
    parse_date,
    parse_lang,
    print_report,
    progress,
    read_column_map,
    unreadable,
    write_csv,
)
from tracegraph.cli._tables import add_column, print_table

if TYPE_CHECKING:
    from tracegraph.i18n import Lang
    from tracegraph.models import Dataset

PANEL = "Neo4j"
TimeoutOpt = Annotated[float | None, typer.Option(
    "--timeout", metavar="SECONDS", min=0.001, help="stop the query after SECONDS (default 30, or "
    "TRACEGRAPH_NEO4J_QUERY_TIMEOUT)")]
MaxRowsOpt = Annotated[int | None, typer.Option(
    "--max-rows", metavar="N", min=1, help="show at most N rows (default 1000, or TRACEGRAPH_NEO4J_MAX_ROWS)")]


@app.command("load", rich_help_panel=PANEL)
def load_cmd(dataset: DatasetArg, replace: Annotated[bool, typer.Option(
        help="write again even if the server already holds this exact dataset")] = False,
        part: Annotated[str | None, typer.Option("--part", metavar="REGION", help="DATASET is REGION's part: "
                                                 "replace only REGION's subtree in the server's data")] = None,
        as_of: AsOf = None, lang: LangOpt = "zh", columns: ColumnsOpt = None, uri: UriOpt = None,
        user: UserOpt = None, password: PasswordOpt = None) -> None:
    """Validate, then load a dataset into Neo4j as a new version (atomic switch; idempotent)."""
    lg = parse_lang(lang)
    if part is None:
        data, _ = load_dataset(dataset, parse_date(as_of), lg, columns=columns)
    store = open_store(uri, user, password)
    try:
        if part is not None:
            data = _replaced(store, dataset, part, parse_date(as_of), lg, columns)
        with progress("loading") as bar:
            task = bar.add_task("", total=None)
            source = str(dataset) if part is None else f"{dataset} (--part {part})"
            result = store.load(data, replace=replace, source=source,
                                progress=lambda k, n: bar.update(task, completed=k, total=n))
    finally:
        store.close()
    out.print(f"{result.message}: {result.nodes} nodes, {result.relationships} relationships")


def _replaced(store: Any, path: Path, region: str, as_of: dt.date | None, lang: Lang,
              columns: Path | None) -> Dataset:
    """The server's dataset with REGION's part replaced by the one at ``path`` (changes.md, load --part); an
    invalid result prints its report and exits 1, changing nothing."""
    from tracegraph.changes import replace_region

    try:
        current = store.read_dataset()
    except LookupError as exc:
        say_error(exc)
        raise typer.Exit(1) from None
    try:
        raw = relabel(read_raw(path), str(path))
        data, report = replace_region(current, raw, region, name=str(path), as_of=as_of,
                                      columns=read_column_map(columns))
    except UnreadableDataset as exc:
        unreadable(exc)
    except KeyError as exc:
        fail_unknown(exc)
    if data is None:
        print_report(report, lang, err)
        raise typer.Exit(1)
    return data


@app.command("cypher", rich_help_panel=PANEL)
def cypher_cmd(query: Annotated[str, typer.Argument(help="a cypher/ query name, a .cypher file, or query text")],
               param: Annotated[list[str] | None, typer.Option("--param", "-p", help="k=v (k:=JSON for JSON values)")]
               = None, fmt: FmtOpt = Fmt.table, timeout: TimeoutOpt = None, max_rows: MaxRowsOpt = None,
               uri: UriOpt = None, user: UserOpt = None, password: PasswordOpt = None) -> None:
    """Run a planner's query read-only: any write is refused and leaves the database unchanged."""
    from tracegraph import _cypher
    from tracegraph.store import QueryTimedOut, WriteRefused, run_read_only

    text = _cypher.query_text(query)
    if len(_cypher.statements(text)) > 1:
        err.print(f"[red]refused: {len(_cypher.statements(text))} statements; tracegraph cypher runs one read-only "
                  "query at a time (the schema is applied by `tracegraph load`)[/red]")
        raise typer.Exit(1)
    params = _cypher.parse_params(param or [], text)
    store = open_store(uri, user, password)
    try:
        result = run_read_only(store, _cypher.code_lines(text), params, timeout=timeout, max_rows=max_rows)
    except WriteRefused as exc:
        say_error(exc)
        raise typer.Exit(1) from None
    except QueryTimedOut as exc:  # a limit reached, like the input limits: exit 2
        say_error(exc)
        raise typer.Exit(2) from None
    except Exception as exc:  # a Cypher syntax or type error from the server: show it plainly
        say_error(f"{type(exc).__name__}: {getattr(exc, 'message', None) or exc}")
        raise typer.Exit(1) from None
    finally:
        store.close()
    _print_rows(result.keys, result.rows, fmt)
    if result.truncated:  # on stderr, so that JSON and CSV on stdout stay whole documents
        say_error(f"showing the first {len(result.rows)} rows; the query returned more (raise --max-rows N, "
                  "TRACEGRAPH_NEO4J_MAX_ROWS or max_rows under [neo4j] in the settings file)", style="yellow")


def _print_rows(keys: list[str], rows: list[dict], fmt: Fmt) -> None:
    if fmt == Fmt.json:
        dump_json(rows)
    elif fmt == Fmt.csv:
        write_csv(keys, ([cell_text(r[k]) for k in keys] for r in rows))
    else:
        table = Table()
        for k in keys:
            add_column(table, k)
        for r in rows:
            table.add_row(*(cell_text(r[k]) for k in keys))
        print_table(table)


@app.command("neo4j", rich_help_panel=PANEL,
             context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def neo4j_cmd(ctx: typer.Context, command: Annotated[str, typer.Argument(help="install | start | stop | status")]
              ) -> None:
    """The bundled Neo4j Community server (fetched from Maven Central into .neo4j/): start, stop, status.

    Extra options (--auth/--no-auth, --set-password, --bolt-port, --http-port) go to the server script.
    """
    from tracegraph._neo4j_server import main as server_main

    raise typer.Exit(server_main([command, *ctx.args]))
