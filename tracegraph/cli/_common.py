"""What the command modules share: the option types, reading a dataset (or the Neo4j server) with the
command line's messages and exit codes, and writing JSON, CSV and reports.

Exit codes: 1 an invalid dataset (or a refused query), 2 a usage error, an unreadable input or a Neo4j login the
server refuses, 3 no Neo4j server.
"""

from __future__ import annotations

import csv
import datetime as dt
import gc
import json
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from tracegraph._raw import UnreadableDataset
from tracegraph.cli._app import err, say_error
from tracegraph.cli._tables import new_table, print_table
from tracegraph.i18n import Lang, t
from tracegraph.io import read_columns
from tracegraph.models import STALE_DAYS, Dataset, Target
from tracegraph.validation import ColumnMap, Problem, Report

NEO4J_PANEL = "Neo4j"  # the options that read a Neo4j server instead of a dataset file


class Fmt(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


DatasetArg = Annotated[Path, typer.Argument(help="dataset: CSV folder, .zip, .xlsx or .json")]
OptDatasetArg = Annotated[Path | None, typer.Argument(help="dataset (omit with --neo4j)")]
AsOf = Annotated[str | None, typer.Option("--as-of", help="date the figures hold at (YYYY-MM-DD; default the "
                                                          "dataset's snapshot date, else today)")]
ColumnsOpt = Annotated[Path | None, typer.Option("--columns", help="CSV (file, column, header) mapping other "
                                                                  "headers to template columns")]
LangOpt = Annotated[str, typer.Option("--lang", help="zh (default) or en")]
FmtOpt = Annotated[Fmt, typer.Option("--format", help="table, json or csv")]
Neo4jFlag = Annotated[bool, typer.Option("--neo4j", help="read from the Neo4j server instead of a dataset file",
                                         rich_help_panel=NEO4J_PANEL)]
UriOpt = Annotated[str | None, typer.Option("--uri", help="Neo4j URI (or TRACEGRAPH_NEO4J_URI)",
                                            rich_help_panel=NEO4J_PANEL)]
UserOpt = Annotated[str | None, typer.Option("--user", help="Neo4j user (or TRACEGRAPH_NEO4J_USER)",
                                             rich_help_panel=NEO4J_PANEL)]
PasswordOpt = Annotated[str | None, typer.Option("--password", help="prefer TRACEGRAPH_NEO4J_PASSWORD",
                                                 rich_help_panel=NEO4J_PANEL)]


# --- arguments ------------------------------------------------------------------------------------------
def parse_date(value: str | None) -> dt.date | None:
    """``--as-of``: a YYYY-MM-DD date; None when not given (the dataset's snapshot date, else today)."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"not a date: {value!r} (write YYYY-MM-DD)", param_hint="--as-of") from None


def parse_lang(value: str) -> Lang:
    if value not in ("zh", "en"):
        raise typer.BadParameter("choose zh or en", param_hint="--lang")
    return value  # type: ignore[return-value]


def require_dataset(dataset: Path | None) -> Path:
    """The DATASET argument, which only ``--neo4j`` lets a command go without."""
    if dataset is None:
        err.print("[red]give a DATASET, or --neo4j to read the Neo4j server[/red]")
        raise typer.Exit(2)
    return dataset


def fail_unknown(exc: KeyError) -> NoReturn:
    """An unknown region or standard id: its message, exit 2."""
    say_error(exc.args[0])
    raise typer.Exit(2) from None


# --- reading --------------------------------------------------------------------------------------------
def unreadable(exc: Exception) -> NoReturn:
    say_error(exc)
    raise typer.Exit(2) from None


def read_column_map(path: Path | None) -> ColumnMap | None:
    """``--columns MAP.csv``; an unreadable map exits 2."""
    if path is None:
        return None
    try:
        return read_columns(path)
    except UnreadableDataset as exc:
        unreadable(exc)


def check_dataset(path: Path, as_of: dt.date | None, targets: Path | None = None,
                  columns: Path | None = None) -> tuple[Dataset | None, Report]:
    """The dataset at ``path`` (with a separate targets file, if given) and its validation report; an
    unreadable file exits 2."""
    from tracegraph import io

    mapping = read_column_map(columns)
    try:
        return io.check_dataset(path, as_of, mapping, targets)
    except UnreadableDataset as exc:
        unreadable(exc)


def load_dataset(path: Path, as_of: dt.date | None, lang: Lang, targets: Path | None = None,
                 columns: Path | None = None) -> tuple[Dataset, dt.date]:
    """The valid dataset at ``path`` and the date to judge it at (``as_of``, else its snapshot date, else today);
    an invalid one prints its report and exits 1."""
    dataset, report = check_dataset(path, as_of, targets, columns)
    if dataset is None:
        print_report(report, lang, err)
        raise typer.Exit(1)
    day = as_of or dataset.default_as_of()
    warn_if_stale(dataset.snapshot_date, day, lang)
    # The dataset lives as long as the command: keep the collector from re-scanning its (national: millions of)
    # objects on every collection; reference counting still frees them.
    gc.freeze()
    return dataset, day


def warn_if_stale(snapshot: dt.date | None, day: dt.date, lang: Lang) -> None:
    """changes.md: judging long after the snapshot date is allowed, with a warning (on stderr)."""
    if snapshot is not None and (day - snapshot).days > STALE_DAYS:
        err.print("[yellow]" + t("stale_snapshot", lang, as_of=day, snapshot=snapshot, days=(day - snapshot).days,
                                 limit=STALE_DAYS) + "[/yellow]")


def read_targets_file(path: Path, lang: Lang) -> list[Target]:
    """The rows of a separate targets file (exit 2 when unreadable, 1 when invalid)."""
    from tracegraph.io import read_targets

    try:
        rows, report = read_targets(path)
    except UnreadableDataset as exc:
        unreadable(exc)
    if not report.ok:
        print_report(report, lang, err)
        raise typer.Exit(1)
    return rows


def open_store(uri: str | None, user: str | None, password: str | None) -> Any:
    """A connected :class:`~tracegraph.store.Neo4jStore`; a refused login exits 2 (one line, naming where the
    password came from, never the password), no server there exits 3."""
    from tracegraph.store import AuthRefused, Neo4jStore, Settings

    try:
        settings = Settings.resolve(uri, user, password)
    except ValueError as exc:  # a malformed setting (a query limit, the settings file): its message says which
        say_error(exc)
        raise typer.Exit(2) from None
    store = Neo4jStore(settings)
    try:
        store.verify()
    except AuthRefused as exc:  # the server is there: a wrong setting to fix, not a server to start
        store.close()
        say_error(exc)
        raise typer.Exit(2) from None
    except Exception as exc:  # the driver raises several types for "no server there"
        store.close()
        err.print(f"[red]cannot reach Neo4j at {settings.uri}: {type(exc).__name__}: {exc}[/red]\n"
                  "Start the bundled server with `tracegraph neo4j start`, or point --uri / TRACEGRAPH_NEO4J_URI "
                  "at yours.")
        raise typer.Exit(3) from None
    return store


def server_dataset(uri: str | None, user: str | None, password: str | None, exit_code: int = 1) -> Dataset:
    """The server's current dataset; none loaded yet exits ``exit_code`` with the server's message."""
    store = open_store(uri, user, password)
    try:
        return store.read_dataset()
    except LookupError as exc:  # nothing loaded yet
        say_error(exc)
        raise typer.Exit(exit_code) from None
    finally:
        store.close()


def backend_for(dataset: Path | None, neo4j: bool, as_of: dt.date | None, lang: Lang, uri: str | None = None,
                user: str | None = None, password: str | None = None,
                columns: Path | None = None) -> tuple[Any, dt.date]:
    """The networkx backend over a dataset file, or the Neo4j backend over a server, and the date to judge at
    (``as_of``, else the data's snapshot date, else today)."""
    from tracegraph.backends import Neo4jBackend, NetworkxBackend

    if neo4j:
        store = open_store(uri, user, password)
        snapshot = store.snapshot_date()
        day = as_of or snapshot or dt.date.today()
        warn_if_stale(snapshot, day, lang)
        return Neo4jBackend(store), day
    data, day = load_dataset(require_dataset(dataset), as_of, lang, columns=columns)
    return NetworkxBackend.from_dataset(data), day  # the figures need no networkx graph


# --- writing --------------------------------------------------------------------------------------------
TABLE_ROWS = 200  # problems a terminal lists one by one; past that, one line per code (every one: csv, json)


def print_report(report: Report, lang: Lang, console: Console) -> None:
    key = "valid_dataset" if report.ok else "invalid_dataset"
    for title, problems in ((t("errors", lang), report.errors), (t("warnings", lang), report.warnings)):
        if len(problems) > TABLE_ROWS:
            _print_by_code(t("problems_by_code", lang, title=title, n=f"{len(problems):,}"), problems, lang, console)
        elif problems:
            table = new_table(title, ["file", "row", "column", "cell_value", "message"], lang)
            for p in problems:
                table.add_row(p.file, str(p.row or ""), p.column or "", p.value or "", p.text(lang))
            print_table(table, console)
    console.print(t(key, lang, errors=len(report.errors), warnings=len(report.warnings)))


def _print_by_code(title: str, problems: list[Problem], lang: Lang, console: Console) -> None:
    """A national dataset's thousands of warnings as one line per code: how many, where first, what it says (a
    table of 7,871 rows took 4 s to print and nobody reads it in a terminal)."""
    first: dict[str, Problem] = {}
    counts: Counter[str] = Counter()
    for p in problems:
        first.setdefault(p.code, p)
        counts[p.code] += 1
    table = new_table(title, ["problem_code", "problem_count", "first_where", "message"], lang)
    for code, n in counts.most_common():
        p = first[code]
        table.add_row(code, f"{n:,}", p.file + (f":{p.row}" if p.row else ""), p.text(lang))
    print_table(table, console)
    console.print(t("problems_all_in", lang))


def progress(label: str) -> Progress:
    """A transient progress bar on stderr (stdout stays the command's output)."""
    return Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err,
                    transient=True)


def dump_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=None, default=str) + "\n")


def write_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)


def cell_text(value: Any) -> str:
    """Lists and maps as JSON, dates as ISO text: the same in a table and in CSV."""
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    return "" if value is None else str(value)
