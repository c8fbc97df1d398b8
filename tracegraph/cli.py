"""The ``tracegraph`` command line (typer + rich). Human output in Chinese by default."""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import json
import sys
from collections.abc import Iterable, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console, JustifyMethod
from rich.measure import Measurement
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from tracegraph import algorithms as alg
from tracegraph._raw import UnreadableDataset, read_raw, read_table_file
from tracegraph.graph import build_graph
from tracegraph.i18n import Lang, figure, header, pct, t
from tracegraph.models import Dataset
from tracegraph.planning import CERTIFICATE_YEARS, DEFAULT_RENEWAL_COST
from tracegraph.validation import Report, validate

DEFAULT_TIME_LIMIT = 600.0  # s: a run that cannot prove its plan by then still answers, with its gap

app = typer.Typer(help="tracegraph: traceability graph and measurement-standard planner (量传溯源体系规划)",
                  no_args_is_help=True, pretty_exceptions_enable=False)
out = Console(soft_wrap=True)
err = Console(stderr=True)


class Fmt(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


DatasetArg = Annotated[Path, typer.Argument(help="dataset: CSV folder, .zip, .xlsx or .json")]
AsOf = Annotated[str | None, typer.Option("--as-of", help="date the figures hold at (YYYY-MM-DD, default today)")]
LangOpt = Annotated[str, typer.Option("--lang", help="zh (default) or en")]
FmtOpt = Annotated[Fmt, typer.Option("--format", help="table, json or csv")]


def _date(value: str | None) -> dt.date:
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"not a date: {value!r} (write YYYY-MM-DD)", param_hint="--as-of") from None


def _lang(value: str) -> Lang:
    if value not in ("zh", "en"):
        raise typer.BadParameter("choose zh or en", param_hint="--lang")
    return value  # type: ignore[return-value]


def _check(path: Path, as_of: dt.date, targets: Path | None = None) -> tuple[Dataset | None, Report]:
    try:
        raw = read_raw(path)
        if targets is not None:
            # A separate targets file is checked against the dataset's regions like its own table.
            raw["targets"] = read_table_file(targets, "targets")
    except UnreadableDataset as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    return validate(raw, as_of)


def _load(path: Path, as_of: dt.date, lang: Lang, targets: Path | None = None) -> Dataset:
    dataset, report = _check(path, as_of, targets)
    if dataset is None:
        _print_report(report, lang, err)
        raise typer.Exit(1)
    return dataset


def _print_report(report: Report, lang: Lang, console: Console) -> None:
    key = "valid_dataset" if report.ok else "invalid_dataset"
    for title, problems in ((t("errors", lang), report.errors), (t("warnings", lang), report.warnings)):
        if problems:
            table = _table(title, ["file", "row", "column", "cell_value", "message"], lang)
            for p in problems:
                table.add_row(p.file, str(p.row or ""), p.column or "", p.value or "", p.text(lang))
            _print_table(table, console)
    console.print(t(key, lang, errors=len(report.errors), warnings=len(report.warnings)))


def _table(title: str, columns: Sequence[str], lang: Lang) -> Table:
    """A terminal table whose headers (the short ones of :func:`header`) are never cut: each column is at least
    as wide as its header's longest word, and cells fold onto more lines rather than end in an ellipsis."""
    table = Table(title=title, show_lines=False)
    for c in columns:
        _column(table, header(c, lang))
    return table


def _column(table: Table, label: str, justify: JustifyMethod = "left") -> None:
    table.add_column(label, justify=justify, overflow="fold")


def _print_table(table: Table, console: Console | None = None) -> None:
    """Print ``table`` within the terminal's width, no header cut: when the columns do not fit, each gets at
    least its header's longest word (then its cells' longest word, if there is room), the narrow columns whole and
    the wide ones cut to a common width (:func:`_share`); the cells fold onto more lines."""
    console = console or out
    columns = table.columns
    avail = console.width - (3 * len(columns) + 1)  # the rules between and beside the columns, one space of padding
    opts = console.options

    def measure(renderable: Any) -> tuple[int, int]:
        m = Measurement.get(console, opts, renderable)
        return m.minimum, m.maximum

    heads = [measure(c.header) for c in columns]
    cells = [[measure(x) for x in c.cells] for c in columns]
    most = [max([h[1], *(x[1] for x in cs)]) for h, cs in zip(heads, cells, strict=True)]
    if sum(most) <= avail:
        console.print(table)
        return
    floor = [h[0] for h in heads]
    words = [min(m, max([f, *(x[0] for x in cs)])) for f, m, cs in zip(floor, most, cells, strict=True)]
    if sum(floor) <= avail:
        low, high = (words, most) if sum(words) <= avail else (floor, words)
        widths = _share(low, high, avail)
        for column, w in zip(columns, widths, strict=True):
            column.width = w
    console.print(table)


def _share(low: list[int], high: list[int], avail: int) -> list[int]:
    """Each column between ``low`` and ``high``, within ``avail`` in all: the narrow ones whole, the wide ones
    cut to one common cap (the widest that fits), what is left over one cell each to the cut ones."""
    def fill(cap: int) -> list[int]:
        return [max(lo, min(hi, cap)) for lo, hi in zip(low, high, strict=True)]

    cap = max(high)
    while cap > 0 and sum(fill(cap)) > avail:
        cap -= 1
    widths = fill(cap)
    left = avail - sum(widths)
    for i in range(len(widths)):
        if left > 0 and widths[i] < high[i]:
            widths[i] += 1
            left -= 1
    return widths


def _dump(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=None, default=str) + "\n")


def _write_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)


Neo4jFlag = Annotated[bool, typer.Option("--neo4j", help="read from the Neo4j server instead of a dataset file")]
UriOpt = Annotated[str | None, typer.Option("--uri", help="Neo4j URI (or TRACEGRAPH_NEO4J_URI)")]
UserOpt = Annotated[str | None, typer.Option("--user", help="Neo4j user (or TRACEGRAPH_NEO4J_USER)")]
PasswordOpt = Annotated[str | None, typer.Option("--password", help="prefer TRACEGRAPH_NEO4J_PASSWORD")]
OptDatasetArg = Annotated[Path | None, typer.Argument(help="dataset (omit with --neo4j)")]


def _store(uri: str | None, user: str | None, password: str | None) -> Any:
    from tracegraph.store import Neo4jStore, Settings

    settings = Settings.resolve(uri, user, password)
    store = Neo4jStore(settings)
    try:
        store.verify()
    except Exception as exc:  # the driver raises several types for "no server there"
        store.close()
        err.print(f"[red]cannot reach Neo4j at {settings.uri}: {type(exc).__name__}: {exc}[/red]\n"
                  "Start the bundled server with `tracegraph neo4j start`, or point --uri / TRACEGRAPH_NEO4J_URI "
                  "at yours.")
        raise typer.Exit(3) from None
    return store


def _backend(dataset: Path | None, neo4j: bool, day: dt.date, lang: Lang, uri: str | None = None,
             user: str | None = None, password: str | None = None) -> Any:
    """The networkx backend over a dataset file, or the Neo4j backend over a server."""
    from tracegraph.backends import Neo4jBackend, NetworkxBackend

    if neo4j:
        return Neo4jBackend(_store(uri, user, password))
    if dataset is None:
        err.print("[red]give a DATASET, or --neo4j to read the Neo4j server[/red]")
        raise typer.Exit(2)
    return NetworkxBackend(build_graph(_load(dataset, day, lang)))


def _fail_unknown(exc: KeyError) -> None:
    err.print(f"[red]{exc.args[0]}[/red]")
    raise typer.Exit(2) from None


@app.command("validate")
def validate_cmd(dataset: DatasetArg, as_of: AsOf = None, fmt: FmtOpt = Fmt.table, lang: LangOpt = "zh") -> None:
    """Check a dataset against the template; exit 0 when valid (warnings allowed), 1 when not."""
    _, report = _check(dataset, _date(as_of))
    if fmt == Fmt.json:
        _dump({"valid": report.ok, **report.model_dump(mode="json")})
    elif fmt == Fmt.csv:
        _write_csv(["severity", "code", "file", "row", "column", "value", "message", "message_zh"],
                   ([p.severity, p.code, p.file, p.row, p.column, p.value, p.message, p.message_zh]
                    for p in report.errors + report.warnings))
    else:
        _print_report(report, _lang(lang), out)
    raise typer.Exit(0 if report.ok else 1)


def _progress(label: str) -> Progress:
    return Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err,
                    transient=True)


@app.command("coverage")
def coverage_cmd(dataset: OptDatasetArg = None, as_of: AsOf = None, region: Annotated[str | None, typer.Option(
        help="only this region and its subtree")] = None, fmt: FmtOpt = Fmt.table, lang: LangOpt = "zh",
        neo4j: Neo4jFlag = False, uri: UriOpt = None, user: UserOpt = None, password: PasswordOpt = None) -> None:
    """Coverage figures of every region and filter (JSON exactly as spec/figures.md)."""
    day, lg = _date(as_of), _lang(lang)
    backend = _backend(dataset, neo4j, day, lg, uri, user, password)
    with _progress(t("computing", lg)) as bar:
        bar.add_task("", total=None)
        try:
            report = backend.coverage(day, region)
        except KeyError as exc:
            _fail_unknown(exc)
    if fmt == Fmt.json:
        _dump(report.to_contract())
    elif fmt == Fmt.csv:
        _coverage_csv(report)
    else:
        _coverage_table(report, lg)


def _coverage_csv(report: alg.CoverageReport) -> None:
    keys = list(alg.Figures.model_fields)
    rows = ([code, r.name, r.level, flt, *(getattr(f, k) for k in keys)]
            for code, r in report.regions.items() for flt, f in r.figures.items())
    _write_csv(["region", "name", "level", "filter", *keys], rows)


def _coverage_table(report: alg.CoverageReport, lang: Lang) -> None:
    filters = ["all", "household_meter", "mandatory"]
    table = _table(t("coverage_title", lang, as_of=report.as_of), ["code", "name", "level"], lang)
    for key in [*(f"coverage·{flt}" for flt in filters), "weighted_coverage·household_meter",
                "capacity_rate·household_meter"]:
        _column(table, header(key, lang), justify="right")
    for code, r in report.regions.items():
        f = r.figures
        table.add_row(code, r.name, t(r.level, lang), *(pct(f[x].coverage) for x in filters),
                      pct(f["household_meter"].weighted_coverage), pct(f["household_meter"].capacity_rate))
    _print_table(table)


@app.command("chain")
def chain_cmd(first: Annotated[str, typer.Argument(metavar="[DATASET] STANDARD_ID", help="dataset, then standard id")],
              second: Annotated[str | None, typer.Argument(hidden=True)] = None, as_of: AsOf = None,
              fmt: FmtOpt = Fmt.table, lang: LangOpt = "zh", neo4j: Neo4jFlag = False, uri: UriOpt = None,
              user: UserOpt = None, password: PasswordOpt = None) -> None:
    """The chain of a standard up to the primary standards, with each break point marked."""
    day, lg = _date(as_of), _lang(lang)
    dataset, standard = (None, first) if neo4j else (Path(first), second)
    if standard is None:
        err.print("[red]give the DATASET and the STANDARD_ID[/red]")
        raise typer.Exit(2)
    try:
        result = _backend(dataset, neo4j, day, lg, uri, user, password).chain(standard, day)
    except KeyError as exc:
        _fail_unknown(exc)
    if fmt == Fmt.json:
        _dump(result.model_dump(mode="json"))
        return
    if fmt == Fmt.csv:  # one line per standard of the chain, its upstream links beside it
        ups = {n.id: [x for x in result.links if x.standard == n.id] for n in result.nodes}
        _write_csv(["id", "name", "institution", "level", "primary", "status", "certificate_expiry", "valid",
                    "traceable", "problem", "upstream"],
                   ([n.id, n.name, n.institution, n.level, n.primary, n.status, n.certificate_expiry, n.valid,
                     n.traceable, n.problem or "", _cell_text([x.model_dump(mode="json") for x in ups[n.id]])]
                    for n in result.nodes))
        return
    state = t("traceable", lg) if result.traceable else t("chain_broken", lg)
    out.print(t("chain_title", lg, id=standard, as_of=day, state=state))
    nodes = {n.id: n for n in result.nodes}
    links = {(x.standard, x.upstream): x for x in result.links}
    for path in result.paths:
        parts = [_node_text(nodes[path[0]], lg)]
        for lower, upper in itertools.pairwise(path):
            mark = "──▶" if links[(lower, upper)].valid else "[red]─✗─▶[/red]"
            parts.append(f"{mark} {_node_text(nodes[upper], lg)}")
        out.print("  " + " ".join(parts))
    for b in result.breaks:
        out.print(f"  [red]✗ {t('breaks', lg)}: {b.describe(lg)}[/red]")


def _node_text(node: alg.chains.ChainNode, lang: Lang) -> str:
    colour = "green" if node.traceable else "yellow" if node.valid else "red"
    problem = f" ({t(node.problem, lang)})" if node.problem else ""
    return f"[{colour}]{node.id} {node.name}[/{colour}]{problem}"


@app.command("gaps")
def gaps_cmd(dataset: OptDatasetArg = None, as_of: AsOf = None,
             expiring_days: Annotated[int, typer.Option("--expiring-days", min=0)] = 180,
             region: Annotated[str | None, typer.Option(
                 help="only this region's subtree: its uncovered items, and the expiring certificates and links "
                      "and single points of standards held by institutions located there or serving a county "
                      "of it")] = None,
             fmt: FmtOpt = Fmt.table, lang: LangOpt = "zh", neo4j: Neo4jFlag = False, uri: UriOpt = None,
             user: UserOpt = None, password: PasswordOpt = None) -> None:
    """Uncovered items with reasons, certificates expiring soon, single points of failure."""
    day, lg = _date(as_of), _lang(lang)
    backend = _backend(dataset, neo4j, day, lg, uri, user, password)
    with _progress(t("computing", lg)) as bar:
        bar.add_task("", total=None)
        report = backend.gaps(day, expiring_days, region)
    if fmt == Fmt.json:
        _dump(report.model_dump(mode="json"))
    elif fmt == Fmt.csv:
        _write_csv(["county", "county_name", "instrument_type", "type_name", "count", "reason", "detail"],
                   ([g.county, g.county_name, g.instrument_type, g.type_name, g.count, g.reason, _detail(g, "en")]
                    for g in report.uncovered))
    else:
        _gaps_tables(report, expiring_days, lg)


def _detail(gap: alg.gaps.Gap, lang: Lang) -> str:
    return "; ".join(f"{p.standard}: {t(p.problem, lang)}"
                     + (f" [{', '.join(b.describe(lang) for b in p.breaks)}]" if p.breaks else "")
                     for p in gap.standards)


def _gaps_tables(report: alg.GapReport, days: int, lang: Lang) -> None:
    table = _table(t("uncovered_title", lang, n=len(report.uncovered)),
                   ["region", "instrument_type", "count", "reason", "detail"], lang)
    for g in report.uncovered:
        table.add_row(f"{g.county} {g.county_name}", f"{g.instrument_type} {g.type_name}", str(g.count),
                      t(g.reason, lang), _detail(g, lang))
    _print_table(table)
    table = _table(t("expiring_title", lang, days=days, n=len(report.expiring)),
                   ["kind", "standard", "institution", "expires", "days_left", "broken_standards", "lost_items",
                    "lost_instruments"], lang)
    for e in report.expiring:
        what = e.standard + (f" → {e.upstream}" if e.upstream else "")
        table.add_row(t(e.kind, lang), what, e.institution, str(e.expires), str(e.days_left),
                      str(len(e.broken_standards)), str(e.lost_items), str(e.lost_instruments))
    _print_table(table)
    table = _table(t("spof_title", lang, n=len(report.single_points)),
                   ["standard", "institution", "level", "broken_standards", "lost_items", "lost_instruments"], lang)
    for p in report.single_points:
        table.add_row(f"{p.standard} {p.name}", p.institution, t(p.level, lang), str(p.broken_standards),
                      str(p.lost_items), str(p.lost_instruments))
    _print_table(table)


@app.command("impact")
def impact_cmd(dataset: DatasetArg, standard: Annotated[str, typer.Argument(help="standard id")],
               as_of: AsOf = None, fmt: FmtOpt = Fmt.table, lang: LangOpt = "zh") -> None:
    """What breaks downstream when one standard fails (the reverse trace)."""
    day, lg = _date(as_of), _lang(lang)
    G = build_graph(_load(dataset, day, lg))
    try:
        result = alg.impact(G, standard, day)
    except KeyError as exc:
        err.print(f"[red]{exc.args[0]}[/red]")
        raise typer.Exit(2) from None
    if fmt == Fmt.json:
        _dump(result.model_dump(mode="json"))
        return
    if fmt == Fmt.csv:  # the items that lose coverage (the broken standards are in the json)
        _write_csv(["county", "instrument_type", "count"],
                   ([i.county, i.instrument_type, i.count] for i in result.lost_items))
        return
    out.print(t("impact_title", lg, id=standard, as_of=day))
    out.print(f"{t('broken_standards', lg)}: {len(result.broken_standards)}  {' '.join(result.broken_standards)}")
    table = _table(f"{t('lost_items', lg)}: {len(result.lost_items)}, {t('lost_instruments', lg)}: "
                   f"{result.lost_instruments}", ["region", "instrument_type", "count"], lg)
    for item in result.lost_items:
        table.add_row(item.county, item.instrument_type, str(item.count))
    _print_table(table)


@app.command("targets")
def targets_cmd(dataset: OptDatasetArg = None, targets: Annotated[Path | None, typer.Option(
        help="targets CSV (default: the dataset's own targets table)")] = None,
        as_of: AsOf = None, fmt: FmtOpt = Fmt.table, lang: LangOpt = "zh", neo4j: Neo4jFlag = False,
        uri: UriOpt = None, user: UserOpt = None, password: PasswordOpt = None) -> None:
    """Plan targets against the figures, standards counted per level included."""
    day, lg = _date(as_of), _lang(lang)
    if neo4j:
        rows = _targets_file(targets, lg) if targets else None
        try:
            results = _backend(None, True, day, lg, uri, user, password).targets(day, rows)
        except KeyError as exc:
            _fail_unknown(exc)
    else:
        if dataset is None:
            err.print("[red]give a DATASET, or --neo4j to read the Neo4j server[/red]")
            raise typer.Exit(2)
        results = alg.evaluate_targets(build_graph(_load(dataset, day, lg, targets)), day)
    if fmt == Fmt.json:
        _dump({"as_of": day.isoformat(), "targets": [r.model_dump(mode="json") for r in results]})
        return
    if fmt == Fmt.csv:
        keys = list(alg.TargetResult.model_fields)
        _write_csv(keys, ([getattr(r, k) for k in keys] for r in results))
        return
    table = _table(t("targets_title", lg, as_of=day),
                   ["target", "region", "metric", "filter", "level", "year", "threshold", "value", "met"], lg)
    for r in results:
        met = t("n/a", lg) if r.met is None else ("[green]✓[/green]" if r.met else "[red]✗[/red]")
        table.add_row(r.id, f"{r.region} {r.region_name}", t(r.metric, lg), t(r.filter, lg),
                      t(r.level, lg) if r.level else "", str(r.year or ""), figure(r.metric, r.threshold),
                      figure(r.metric, r.value), met)
    _print_table(table)


def _targets_file(path: Path, lang: Lang) -> list:
    from tracegraph.io import read_targets

    try:
        rows, report = read_targets(path)
    except UnreadableDataset as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    if not report.ok:
        _print_report(report, lang, err)
        raise typer.Exit(1)
    return rows


class Method(StrEnum):
    milp = "milp"
    greedy = "greedy"


@app.command("plan")
def plan_cmd(dataset: OptDatasetArg = None,
             budget: Annotated[float | None, typer.Option(help="budget mode: total budget (万元)")] = None,
             targets: Annotated[bool, typer.Option("--targets", help="target mode: cheapest plan meeting every "
                                                   "target (coverage-type and count targets)")] = False,
             targets_file: Annotated[Path | None, typer.Option(help="targets CSV instead of the dataset's own")] = None,
             years: Annotated[str | None, typer.Option(help="programme years, e.g. 2026:2030: each judged at 31 "
                                                       "December, certificates expiring on the way")] = None,
             budget_per_year: Annotated[float | None, typer.Option(help="cap on each plan year's spending (万元)")]
             = None,
             certificate_years: Annotated[int, typer.Option(help="years a new or renewed certificate is valid")]
             = CERTIFICATE_YEARS,
             as_of: AsOf = None,
             no_renewals: Annotated[bool, typer.Option("--no-renewals", help="plan builds only")] = False,
             renewal_cost: Annotated[float, typer.Option(help="renewal cost (万元) of a standard without "
                                                         "renewal_cost")] = DEFAULT_RENEWAL_COST,
             method: Annotated[Method, typer.Option(help="milp (exact) or greedy (budget mode, with a bound)")]
             = Method.milp,
             time_limit: Annotated[float, typer.Option(help="seconds before the best plan found is returned, with "
                                                   "its gap (0: no limit)")] = DEFAULT_TIME_LIMIT,
             fmt: Annotated[Fmt, typer.Option("--format", help="table or json")] = Fmt.table,
             out_file: Annotated[Path | None, typer.Option("--out", help="budget request .xlsx (a .md summary is "
                                                            "written beside it)")] = None,
             project_name: Annotated[str | None, typer.Option(help="request: 项目名称")] = None,
             department: Annotated[str | None, typer.Option(help="request: 主管部门")] = None,
             implementer: Annotated[str | None, typer.Option(help="request: 实施单位")] = None,
             attribute: Annotated[str | None, typer.Option(help="request: 项目属性, 新增 (new) or 延续 (continuing)")]
             = None,
             satisfaction: Annotated[str | None, typer.Option(help="request: 服务对象满意度指标 (default ≥90%)")]
             = None,
             lang: LangOpt = "zh", neo4j: Neo4jFlag = False, uri: UriOpt = None, user: UserOpt = None,
             password: PasswordOpt = None) -> None:
    """Which standards to build or renew next: within a budget, or the cheapest plan meeting the targets."""
    from tracegraph.planning import PlanningProblem
    from tracegraph.planning.request import RequestHeader, request_markdown, write_request

    day, lg = _date(as_of), _lang(lang)
    given = {"project_name": project_name, "department": department, "implementer": implementer,
             "attribute": attribute, "satisfaction": satisfaction}
    try:
        header = RequestHeader(**{k: v for k, v in given.items() if v is not None})
    except ValueError:
        raise typer.BadParameter(f"not 新增 or 延续: {attribute!r}", param_hint="--attribute") from None
    if fmt == Fmt.csv:
        raise typer.BadParameter("plan prints a table or json (the request workbook is --out)", param_hint="--format")
    if targets == (budget is not None or (budget_per_year is not None and not targets)):
        err.print("[red]choose one mode: --budget B (or --budget-per-year B with --years) or --targets[/red]")
        raise typer.Exit(2)
    ds = _plan_dataset(dataset, neo4j, day, lg, targets_file, uri, user, password)
    try:
        problem = PlanningProblem.from_dataset(
            ds, day, mode="targets" if targets else "budget", budget=budget, years=_years(years),
            budget_per_year=budget_per_year, renewals=not no_renewals, renewal_cost=renewal_cost,
            certificate_years=certificate_years)
        with err.status(t("solving", lg)) as status:
            plan = problem.solve(method.value, time_limit=time_limit or None,
                                 progress=lambda stage: status.update(f"{t('solving', lg)}: {stage}"))
    except ValueError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    if out_file is not None:
        write_request(plan, out_file, lg, header)
        out_file.with_suffix(".md").write_text(request_markdown(plan, lg, header), encoding="utf-8")
        err.print(f"{out_file} + {out_file.with_suffix('.md')}")
    if fmt == Fmt.json:
        _dump(plan.to_contract())
        return
    _plan_tables(plan, lg)


def _plan_dataset(dataset: Path | None, neo4j: bool, day: dt.date, lang: Lang, targets_file: Path | None,
                  uri: str | None, user: str | None, password: str | None) -> Dataset:
    """The dataset to plan on: a file, or the one loaded in Neo4j (with a targets file's rows if given)."""
    if not neo4j:
        if dataset is None:
            err.print("[red]give a DATASET, or --neo4j to read the Neo4j server[/red]")
            raise typer.Exit(2)
        return _load(dataset, day, lang, targets_file)
    store = _store(uri, user, password)
    try:
        ds = store.read_dataset()
    except LookupError as exc:  # nothing loaded yet
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    finally:
        store.close()
    return ds if targets_file is None else ds.model_copy(update={"targets": _targets_file(targets_file, lang)})


def _years(value: str | None) -> list[int] | None:
    if value is None:
        return None
    try:
        first, _, last = value.partition(":")
        span = list(range(int(first), int(last or first) + 1))
    except ValueError:
        span = []
    if not span:
        raise typer.BadParameter(f"not a span of years: {value!r} (write 2026:2030)", param_hint="--years")
    return span


def _plan_tables(plan: Any, lang: Lang) -> None:
    from tracegraph.planning.request import COLUMNS, action_row

    table = _table(t("plan_title", lang, as_of=plan.as_of, status=t(plan.status, lang)), COLUMNS[:8], lang)
    for a in plan.actions:
        table.add_row(*(f"{v:,.2f}" if isinstance(v, float) else str(v).replace("；", "\n")
                        for v in action_row(a, lang)[:8]))
    _print_table(table)
    if plan.programme:
        years = _table("", ["year", "cost_10k", "builds", "renewals", "coverage_without", "coverage_with"], lang)
        for y in plan.by_year:
            years.add_row(str(y.year), f"{y.cost:,.2f}", str(y.builds), str(y.renewals), pct(y.baseline.coverage),
                          pct(y.figures.coverage))
        _print_table(years)
    figures = _table("", ["metric", "before", "after"], lang)
    for key in ("coverage", "weighted_coverage", "capacity_rate", "covered_instruments"):
        b, a = getattr(plan.before, key), getattr(plan.after, key)
        show = str if key == "covered_instruments" else pct
        figures.add_row(t(key, lang), show(b), show(a))
    _print_table(figures)
    if plan.unmet:
        out.print(f"[red]{t('unmet_title', lang)}[/red]")
        for m in plan.unmet:
            if m.metric != "budget":  # a budget shortfall is its reason alone
                out.print(f"  {m.target} {m.region} {t(m.metric, lang)} {t(m.filter, lang)} "
                          f"≥ {figure(m.metric, m.threshold)}: {figure(m.metric, m.best)}")
            for r in m.describe(lang)[:10]:
                out.print(f"    - {r}")
    out.print(f"{t('cost_10k', lang)}: {plan.total_cost:,.2f}")
    if plan.status == "feasible":
        out.print(t("plan_gap", lang, gap="—" if plan.gap is None else f"{plan.gap:.4%}"))


@app.command("template")
def template_cmd(out_dir: Annotated[Path, typer.Argument(help="folder for the blank template")]) -> None:
    """Write the blank import template (CSV and xlsx, English and Chinese headers)."""
    from tracegraph.io import write_template

    for path in write_template(out_dir):
        out.print(str(path))


@app.command("export")
def export_cmd(first: Annotated[Path, typer.Argument(metavar="[DATASET] OUT", help="dataset, then the output")],
               second: Annotated[Path | None, typer.Argument(hidden=True)] = None,
               lang: Annotated[str, typer.Option("--lang", help="headers of the written tables: en (default) or zh")]
               = "en",
               neo4j: Neo4jFlag = False, uri: UriOpt = None, user: UserOpt = None,
               password: PasswordOpt = None) -> None:
    """Write a dataset (or, with --neo4j, the server's current one) as a CSV folder, .xlsx or .json."""
    from tracegraph.io import write_dataset

    if neo4j:
        store = _store(uri, user, password)
        try:
            data, target = store.read_dataset(), first
        except LookupError as exc:
            err.print(f"[red]{exc}[/red]")
            raise typer.Exit(1) from None
        finally:
            store.close()
    elif second is None:
        err.print("[red]give the DATASET and the OUT path[/red]")
        raise typer.Exit(2)
    else:
        data, target = _load(first, dt.date.today(), _lang(lang)), second
    out.print(str(write_dataset(data, target, lang=_lang(lang), include_optional=True)))


@app.command("load")
def load_cmd(dataset: DatasetArg, replace: Annotated[bool, typer.Option(
        help="write again even if the server already holds this exact dataset")] = False,
        as_of: AsOf = None, lang: LangOpt = "zh", uri: UriOpt = None, user: UserOpt = None,
        password: PasswordOpt = None) -> None:
    """Validate, then load a dataset into Neo4j as a new version (atomic switch; idempotent)."""
    lg = _lang(lang)
    data = _load(dataset, _date(as_of), lg)
    store = _store(uri, user, password)
    try:
        with _progress("loading") as bar:
            task = bar.add_task("", total=None)
            result = store.load(data, replace=replace, source=str(dataset),
                                progress=lambda k, n: bar.update(task, completed=k, total=n))
    finally:
        store.close()
    out.print(f"{result.message}: {result.nodes} nodes, {result.relationships} relationships")


@app.command("cypher")
def cypher_cmd(query: Annotated[str, typer.Argument(help="a cypher/ query name, a .cypher file, or query text")],
               param: Annotated[list[str] | None, typer.Option("--param", "-p", help="k=v (k:=JSON for JSON values)")]
               = None, fmt: FmtOpt = Fmt.table, uri: UriOpt = None, user: UserOpt = None,
               password: PasswordOpt = None) -> None:
    """Run a planner's query read-only: any write is refused and leaves the database unchanged."""
    from tracegraph import _cypher
    from tracegraph.store import WriteRefused, run_read_only

    text = _cypher.query_text(query)
    if len(_cypher.statements(text)) > 1:
        err.print(f"[red]refused: {len(_cypher.statements(text))} statements; tracegraph cypher runs one read-only "
                  "query at a time (the schema is applied by `tracegraph load`)[/red]")
        raise typer.Exit(1)
    params = _cypher.parse_params(param or [], text)
    store = _store(uri, user, password)
    try:
        keys, rows = run_read_only(store, _cypher.code_lines(text), params)
    except WriteRefused as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    except Exception as exc:  # a Cypher syntax or type error from the server: show it plainly
        err.print(f"[red]{type(exc).__name__}: {getattr(exc, 'message', None) or exc}[/red]")
        raise typer.Exit(1) from None
    finally:
        store.close()
    _print_rows(keys, rows, fmt)


def _print_rows(keys: list[str], rows: list[dict], fmt: Fmt) -> None:
    if fmt == Fmt.json:
        _dump(rows)
    elif fmt == Fmt.csv:
        _write_csv(keys, ([_cell_text(r[k]) for k in keys] for r in rows))
    else:
        table = Table()
        for k in keys:
            _column(table, k)
        for r in rows:
            table.add_row(*(_cell_text(r[k]) for k in keys))
        _print_table(table)


def _cell_text(value: Any) -> str:
    """Lists and maps as JSON, dates as ISO text: the same in a table and in CSV."""
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    return "" if value is None else str(value)


@app.command("neo4j", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def neo4j_cmd(ctx: typer.Context, command: Annotated[str, typer.Argument(help="install | start | stop | status")]
              ) -> None:
    """The bundled Neo4j Community server (fetched from Maven Central into .neo4j/): start, stop, status.

    Extra options (--auth/--no-auth, --set-password, --bolt-port, --http-port) go to the server script.
    """
    from tracegraph._neo4j_server import main as server_main

    raise typer.Exit(server_main([command, *ctx.args]))


@app.command("synth")
def synth_cmd(target: Annotated[Path, typer.Argument(help="output folder (CSV) or .xlsx/.json")],
              provinces: Annotated[int, typer.Option(min=1, max=31)] = 1,
              seed: Annotated[int, typer.Option()] = 1, as_of: AsOf = None) -> None:
    """A deterministic synthetic dataset shaped like China's (31 provinces ≈ national size)."""
    from tracegraph.io import write_dataset
    from tracegraph.synth import synthesize_country

    with _progress("synthesising") as bar:
        bar.add_task("", total=None)
        data = synthesize_country(provinces, seed=seed, as_of=_date(as_of))
    write_dataset(data, target, include_optional=True)
    ix_sizes = {m: len(getattr(data, m)) for m in ("regions", "institutions", "standards", "traceability", "demand")}
    out.print(f"{target}: " + ", ".join(f"{k} {v}" for k, v in ix_sizes.items()))


def main() -> None:  # pragma: no cover - console entry point
    app()

