"""Figures: ``coverage``, ``chain``, ``gaps``, ``impact``, ``targets``, each over :mod:`tracegraph.algorithms`
(through a backend: networkx over a dataset file, or the Neo4j server)."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from tracegraph.cli._app import app, err, out
from tracegraph.cli._common import (
    AsOf,
    ColumnsOpt,
    DatasetArg,
    Fmt,
    FmtOpt,
    LangOpt,
    Neo4jFlag,
    OptDatasetArg,
    PasswordOpt,
    UriOpt,
    UserOpt,
    backend_for,
    cell_text,
    dump_json,
    fail_unknown,
    load_dataset,
    parse_date,
    parse_lang,
    progress,
    read_targets_file,
    require_dataset,
    write_csv,
)
from tracegraph.cli._tables import add_column, new_table, print_table
from tracegraph.i18n import Lang, figure, header, pct, t

if TYPE_CHECKING:  # the algorithms (networkx, scipy) load when a command runs, not for --help
    from tracegraph import algorithms as alg

PANEL = "Figures"


# --- coverage -------------------------------------------------------------------------------------------
@app.command("coverage", rich_help_panel=PANEL)
def coverage_cmd(dataset: OptDatasetArg = None, as_of: AsOf = None, region: Annotated[str | None, typer.Option(
        help="only this region and its subtree")] = None, fmt: FmtOpt = Fmt.table, lang: LangOpt = "zh",
        columns: ColumnsOpt = None, neo4j: Neo4jFlag = False, uri: UriOpt = None, user: UserOpt = None,
        password: PasswordOpt = None) -> None:
    """Coverage figures of every region and filter (JSON exactly as spec/figures.md)."""
    lg = parse_lang(lang)
    backend, day = backend_for(dataset, neo4j, parse_date(as_of), lg, uri, user, password, columns)
    with progress(t("computing", lg)) as bar:
        bar.add_task("", total=None)
        try:
            report = backend.coverage(day, region)
        except KeyError as exc:
            fail_unknown(exc)
    if fmt == Fmt.json:
        dump_json(report.to_contract())
    elif fmt == Fmt.csv:
        _coverage_csv(report)
    else:
        _coverage_table(report, lg)


def _coverage_csv(report: alg.CoverageReport) -> None:
    from tracegraph.algorithms import Figures

    keys = list(Figures.model_fields)
    rows = ([code, r.name, r.level, flt, *(getattr(f, k) for k in keys)]
            for code, r in report.regions.items() for flt, f in r.figures.items())
    write_csv(["region", "name", "level", "filter", *keys], rows)


def _coverage_table(report: alg.CoverageReport, lang: Lang) -> None:
    filters = ["all", "household_meter", "mandatory"]
    table = new_table(t("coverage_title", lang, as_of=report.as_of), ["code", "name", "level"], lang)
    for key in [*(f"coverage·{flt}" for flt in filters), "weighted_coverage·household_meter",
                "capacity_rate·household_meter"]:
        add_column(table, header(key, lang), justify="right")
    for code, r in report.regions.items():
        f = r.figures
        table.add_row(code, r.name, t(r.level, lang), *(pct(f[x].coverage) for x in filters),
                      pct(f["household_meter"].weighted_coverage), pct(f["household_meter"].capacity_rate))
    print_table(table)


# --- chain ----------------------------------------------------------------------------------------------
@app.command("chain", rich_help_panel=PANEL)
def chain_cmd(first: Annotated[str, typer.Argument(metavar="[DATASET] STANDARD_ID", help="dataset, then standard id")],
              second: Annotated[str | None, typer.Argument(hidden=True)] = None, as_of: AsOf = None,
              fmt: FmtOpt = Fmt.table, lang: LangOpt = "zh", columns: ColumnsOpt = None, neo4j: Neo4jFlag = False,
              uri: UriOpt = None, user: UserOpt = None, password: PasswordOpt = None) -> None:
    """The chain of a standard up to the primary standards, with each break point marked."""
    lg = parse_lang(lang)
    dataset, standard = (None, first) if neo4j else (Path(first), second)
    if standard is None:
        err.print("[red]give the DATASET and the STANDARD_ID[/red]")
        raise typer.Exit(2)
    try:
        backend, day = backend_for(dataset, neo4j, parse_date(as_of), lg, uri, user, password, columns)
        result = backend.chain(standard, day)
    except KeyError as exc:
        fail_unknown(exc)
    if fmt == Fmt.json:
        dump_json(result.model_dump(mode="json"))
    elif fmt == Fmt.csv:
        _chain_csv(result)
    else:
        _chain_text(result, standard, day, lg)


def _chain_csv(result: alg.Chain) -> None:
    """One line per standard of the chain, its upstream links beside it."""
    ups = {n.id: [x for x in result.links if x.standard == n.id] for n in result.nodes}
    write_csv(["id", "name", "institution", "level", "primary", "status", "certificate_expiry", "valid",
               "traceable", "problem", "upstream"],
              ([n.id, n.name, n.institution, n.level, n.primary, n.status, n.certificate_expiry, n.valid,
                n.traceable, n.problem or "", cell_text([x.model_dump(mode="json") for x in ups[n.id]])]
               for n in result.nodes))


def _chain_text(result: alg.Chain, standard: str, day: dt.date, lang: Lang) -> None:
    state = t("traceable", lang) if result.traceable else t("chain_broken", lang)
    out.print(t("chain_title", lang, id=standard, as_of=day, state=state))
    nodes = {n.id: n for n in result.nodes}
    links = {(x.standard, x.upstream): x for x in result.links}
    for path in result.paths:
        parts = [_node_text(nodes[path[0]], lang)]
        for lower, upper in itertools.pairwise(path):
            mark = "──▶" if links[(lower, upper)].valid else "[red]─✗─▶[/red]"
            parts.append(f"{mark} {_node_text(nodes[upper], lang)}")
        out.print("  " + " ".join(parts), soft_wrap=False)  # wrapped at the terminal's width, like the tables
    for b in result.breaks:
        out.print(f"  [red]✗ {t('breaks', lang)}: {b.describe(lang)}[/red]", soft_wrap=False)


def _node_text(node: alg.chains.ChainNode, lang: Lang) -> str:
    colour = "green" if node.traceable else "yellow" if node.valid else "red"
    problem = f" ({t(node.problem, lang)})" if node.problem else ""
    return f"[{colour}]{node.id} {node.name}[/{colour}]{problem}"


# --- gaps -----------------------------------------------------------------------------------------------
@app.command("gaps", rich_help_panel=PANEL)
def gaps_cmd(dataset: OptDatasetArg = None, as_of: AsOf = None,
             expiring_days: Annotated[int, typer.Option("--expiring-days", min=0)] = 180,
             region: Annotated[str | None, typer.Option(
                 help="only this region's subtree: its uncovered items, and the expiring certificates and links "
                      "and single points of standards held by institutions located there or serving a county "
                      "of it")] = None,
             fmt: FmtOpt = Fmt.table, lang: LangOpt = "zh", columns: ColumnsOpt = None, neo4j: Neo4jFlag = False,
             uri: UriOpt = None, user: UserOpt = None, password: PasswordOpt = None) -> None:
    """Uncovered items with reasons, certificates expiring soon, single points of failure."""
    lg = parse_lang(lang)
    backend, day = backend_for(dataset, neo4j, parse_date(as_of), lg, uri, user, password, columns)
    with progress(t("computing", lg)) as bar:
        bar.add_task("", total=None)
        report = backend.gaps(day, expiring_days, region)
    if fmt == Fmt.json:
        dump_json(report.model_dump(mode="json"))
    elif fmt == Fmt.csv:
        write_csv(["county", "county_name", "instrument_type", "type_name", "count", "reason", "detail"],
                  ([g.county, g.county_name, g.instrument_type, g.type_name, g.count, g.reason, _detail(g, "en")]
                   for g in report.uncovered))
    else:
        _gaps_tables(report, expiring_days, lg)


def _detail(gap: alg.gaps.Gap, lang: Lang) -> str:
    return "; ".join(f"{p.standard}: {t(p.problem, lang)}"
                     + (f" [{', '.join(b.describe(lang) for b in p.breaks)}]" if p.breaks else "")
                     for p in gap.standards)


def _gaps_tables(report: alg.GapReport, days: int, lang: Lang) -> None:
    table = new_table(t("uncovered_title", lang, n=len(report.uncovered)),
                      ["region", "instrument_type", "count", "reason", "detail"], lang)
    for g in report.uncovered:
        table.add_row(f"{g.county} {g.county_name}", f"{g.instrument_type} {g.type_name}", str(g.count),
                      t(g.reason, lang), _detail(g, lang))
    print_table(table)
    table = new_table(t("expiring_title", lang, days=days, n=len(report.expiring)),
                      ["kind", "standard", "institution", "expires", "days_left", "broken_standards", "lost_items",
                       "lost_instruments"], lang)
    for e in report.expiring:
        what = e.standard + (f" → {e.upstream}" if e.upstream else "")
        table.add_row(t(e.kind, lang), what, e.institution, str(e.expires), str(e.days_left),
                      str(len(e.broken_standards)), str(e.lost_items), str(e.lost_instruments))
    print_table(table)
    table = new_table(t("spof_title", lang, n=len(report.single_points)),
                      ["standard", "institution", "level", "broken_standards", "lost_items", "lost_instruments"], lang)
    for p in report.single_points:
        table.add_row(f"{p.standard} {p.name}", p.institution, t(p.level, lang), str(p.broken_standards),
                      str(p.lost_items), str(p.lost_instruments))
    print_table(table)


# --- impact ---------------------------------------------------------------------------------------------
@app.command("impact", rich_help_panel=PANEL)
def impact_cmd(dataset: DatasetArg, standard: Annotated[str, typer.Argument(help="standard id")],
               as_of: AsOf = None, fmt: FmtOpt = Fmt.table, lang: LangOpt = "zh", columns: ColumnsOpt = None) -> None:
    """What breaks downstream when one standard fails (the reverse trace)."""
    lg = parse_lang(lang)
    data, day = load_dataset(dataset, parse_date(as_of), lg, columns=columns)
    from tracegraph._index import compile_dataset
    from tracegraph.algorithms.impact import impact_in

    try:
        result = impact_in(compile_dataset(data), standard, day)
    except KeyError as exc:
        fail_unknown(exc)
    if fmt == Fmt.json:
        dump_json(result.model_dump(mode="json"))
        return
    if fmt == Fmt.csv:  # the items that lose coverage (the broken standards are in the json)
        write_csv(["county", "instrument_type", "count"],
                  ([i.county, i.instrument_type, i.count] for i in result.lost_items))
        return
    out.print(t("impact_title", lg, id=standard, as_of=day))
    out.print(f"{t('broken_standards', lg)}: {len(result.broken_standards)}  {' '.join(result.broken_standards)}",
              soft_wrap=False)
    table = new_table(f"{t('lost_items', lg)}: {len(result.lost_items)}, {t('lost_instruments', lg)}: "
                      f"{result.lost_instruments}", ["region", "instrument_type", "count"], lg)
    for item in result.lost_items:
        table.add_row(item.county, item.instrument_type, str(item.count))
    print_table(table)


# --- targets --------------------------------------------------------------------------------------------
@app.command("targets", rich_help_panel=PANEL)
def targets_cmd(dataset: OptDatasetArg = None, targets: Annotated[Path | None, typer.Option(
        help="targets CSV (default: the dataset's own targets table)")] = None,
        as_of: AsOf = None, fmt: FmtOpt = Fmt.table, lang: LangOpt = "zh", columns: ColumnsOpt = None,
        neo4j: Neo4jFlag = False, uri: UriOpt = None, user: UserOpt = None, password: PasswordOpt = None) -> None:
    """Plan targets against the figures, standards counted per level included."""
    lg = parse_lang(lang)
    if neo4j:
        rows = read_targets_file(targets, lg) if targets else None
        backend, day = backend_for(None, True, parse_date(as_of), lg, uri, user, password)
        try:
            results = backend.targets(day, rows)
        except KeyError as exc:
            fail_unknown(exc)
    else:
        data, day = load_dataset(require_dataset(dataset), parse_date(as_of), lg, targets, columns)
        from tracegraph.backends import NetworkxBackend

        results = NetworkxBackend.from_dataset(data).targets(day)
    if fmt == Fmt.json:
        dump_json({"as_of": day.isoformat(), "targets": [r.model_dump(mode="json") for r in results]})
        return
    if fmt == Fmt.csv:
        from tracegraph.algorithms import TargetResult

        keys = list(TargetResult.model_fields)
        write_csv(keys, ([getattr(r, k) for k in keys] for r in results))
        return
    table = new_table(t("targets_title", lg, as_of=day),
                      ["target", "region", "metric", "filter", "level", "year", "threshold", "value", "met"], lg)
    for r in results:
        met = t("n/a", lg) if r.met is None else ("[green]✓[/green]" if r.met else "[red]✗[/red]")
        table.add_row(r.id, f"{r.region} {r.region_name}", t(r.metric, lg), t(r.filter, lg),
                      t(r.level, lg) if r.level else "", str(r.year or ""), figure(r.metric, r.threshold),
                      figure(r.metric, r.value), met)
    print_table(table)
