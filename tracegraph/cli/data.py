"""Data in and out: ``validate``, ``merge``, ``diff``, ``template``, ``export``, ``synth``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from tracegraph._raw import UnreadableDataset
from tracegraph.cli._app import app, err, out
from tracegraph.cli._common import (
    AsOf,
    ColumnsOpt,
    DatasetArg,
    Fmt,
    FmtOpt,
    LangOpt,
    Neo4jFlag,
    PasswordOpt,
    UriOpt,
    UserOpt,
    check_dataset,
    dump_json,
    load_dataset,
    parse_date,
    parse_lang,
    print_report,
    progress,
    read_column_map,
    server_dataset,
    unreadable,
    write_csv,
)
from tracegraph.cli._tables import new_table, print_table
from tracegraph.i18n import Lang, pct, t

if TYPE_CHECKING:
    from tracegraph.changes import DatasetDiff
    from tracegraph.models import Dataset
    from tracegraph.validation import Report

PANEL = "Data in and out"


@app.command("validate", rich_help_panel=PANEL)
def validate_cmd(dataset: DatasetArg, as_of: AsOf = None, fmt: FmtOpt = Fmt.table, lang: LangOpt = "zh",
                 columns: ColumnsOpt = None) -> None:
    """Check a dataset against the template; exit 0 when valid (warnings allowed), 1 when not."""
    _, report = check_dataset(dataset, parse_date(as_of), columns=columns)
    _print_check(report, fmt, parse_lang(lang))


def _print_check(report: Report, fmt: Fmt, lang: Lang) -> None:
    """A validation report as JSON, CSV or tables; exit 0 when valid, 1 when not."""
    if fmt == Fmt.json:
        dump_json({"valid": report.ok, **report.model_dump(mode="json")})
    elif fmt == Fmt.csv:
        write_csv(["severity", "code", "file", "row", "column", "value", "message", "message_zh"],
                  ([p.severity, p.code, p.file, p.row, p.column, p.value, p.message, p.message_zh]
                   for p in report.errors + report.warnings))
    else:
        print_report(report, lang, out)
    raise typer.Exit(0 if report.ok else 1)


@app.command("merge", rich_help_panel=PANEL)
def merge_cmd(out_path: Annotated[Path, typer.Argument(metavar="OUT", help="the merged dataset: folder, .xlsx or "
                                                       ".json")],
              parts: Annotated[list[Path], typer.Argument(metavar="PART...", help="submissions: folders, .zip, "
                                                          ".xlsx or .json")],
              as_of: AsOf = None, fmt: FmtOpt = Fmt.table, lang: LangOpt = "zh", columns: ColumnsOpt = None,
              out_lang: Annotated[str, typer.Option("--out-lang", help="headers of the written tables: en or zh")]
              = "en") -> None:
    """Merge the institutes' submissions into one dataset; nothing is written when the whole is invalid."""
    from tracegraph.io import merge_parts

    if out_path in parts:
        raise typer.BadParameter(f"OUT {out_path} is also a PART", param_hint="OUT")
    try:
        dataset, report = merge_parts(out_path, parts, parse_date(as_of), read_column_map(columns),
                                      parse_lang(out_lang))
    except UnreadableDataset as exc:
        unreadable(exc)
    if dataset is not None:
        err.print(t("merged", parse_lang(lang), out=out_path, parts=len(parts), standards=len(dataset.standards)))
    _print_check(report, fmt, parse_lang(lang))


@app.command("diff", rich_help_panel=PANEL)
def diff_cmd(first: Annotated[Path, typer.Argument(metavar="[OLD] NEW", help="the old dataset (omit with --neo4j), "
                                                   "then the new one")],
             second: Annotated[Path | None, typer.Argument(hidden=True)] = None,
             as_of: AsOf = None, fmt: Annotated[str, typer.Option("--format", help="table, json or xlsx")] = "table",
             out_file: Annotated[Path | None, typer.Option("--out", help="the .xlsx to write (--format xlsx)")]
             = None, lang: LangOpt = "zh", columns: ColumnsOpt = None, neo4j: Neo4jFlag = False,
             uri: UriOpt = None, user: UserOpt = None, password: PasswordOpt = None) -> None:
    """What changed between two datasets (OLD may be --neo4j: the server's current one), figures included."""
    from tracegraph.changes import diff, write_diff_xlsx

    lg, day = parse_lang(lang), parse_date(as_of)
    if fmt not in ("table", "json", "xlsx"):
        raise typer.BadParameter("choose table, json or xlsx", param_hint="--format")
    old, old_name, new_path = _diff_inputs(first, second, neo4j, lg, columns, uri, user, password)
    new, day = load_dataset(new_path, day, lg, columns=columns)
    result = diff(old, new, day)
    if fmt == "json":
        dump_json(result.to_contract())
    elif fmt == "xlsx":
        target = out_file or Path("diff.xlsx")
        out.print(str(write_diff_xlsx(result, target, lg)))
    else:
        _diff_tables(result, old_name, str(new_path), lg)


def _diff_inputs(first: Path, second: Path | None, neo4j: bool, lang: Lang, columns: Path | None,
                 uri: str | None, user: str | None, password: str | None) -> tuple[Dataset, str, Path]:
    """(OLD, its name, NEW's path): OLD from a file, or the server's current dataset with --neo4j."""
    if neo4j:
        if second is not None:
            raise typer.BadParameter("with --neo4j give only NEW", param_hint="NEW")
        return server_dataset(uri, user, password), "neo4j", first
    if second is None:
        err.print("[red]give OLD and NEW (or --neo4j and NEW)[/red]")
        raise typer.Exit(2)
    old, _ = load_dataset(first, None, lang, columns=columns)
    return old, str(first), second


def _diff_tables(result: DatasetDiff, old: str, new: str, lang: Lang) -> None:
    out.print(t("diff_title", lang, old=old, new=new, as_of=result.as_of), soft_wrap=False)
    if result.empty:
        out.print(t("diff_none", lang))
        return
    counts = new_table("", ["diff_what", "diff_count"], lang)
    for key, n in result.summary().items():
        if n:
            counts.add_row(t(key, lang), str(n))
    print_table(counts)
    rows = result.rows()
    if rows:
        table = new_table(t("diff_changes", lang), ["diff_what", "diff_change", "diff_key", "diff_field",
                                                    "diff_values"], lang)
        for what, change, key, field, values in rows:
            table.add_row(t(f"diff_{what}", lang), t(f"diff_{change}", lang), key, t(field, lang) if field else "",
                          values)
        print_table(table)
    if result.figures:
        table = new_table(t("diff_figures", lang), ["code", "filter", "metric", "diff_before", "diff_after"], lang)
        for code, by_filter in result.figures.items():
            for flt, moved in by_filter.items():
                if flt not in _TABLE_FILTERS:
                    continue
                for key, (a, b) in moved.items():
                    if key not in _TABLE_FIGURES:
                        continue
                    show = pct if key in ("coverage", "weighted_coverage", "capacity_rate") else _number
                    table.add_row(code, t(flt, lang), t(key, lang), show(a), show(b))
        print_table(table)


# The readable table keeps the headline figures; --format json or xlsx has every figure and filter.
_TABLE_FILTERS = ("all", "household_meter", "mandatory")
_TABLE_FIGURES = ("items", "covered_items", "coverage", "weighted_coverage", "capacity_rate")


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


@app.command("template", rich_help_panel=PANEL)
def template_cmd(out_dir: Annotated[Path, typer.Argument(help="folder for the blank template")]) -> None:
    """Write the blank import template (CSV and xlsx, English and Chinese headers)."""
    from tracegraph.io import write_template

    for path in write_template(out_dir):
        out.print(str(path))


@app.command("export", rich_help_panel=PANEL)
def export_cmd(first: Annotated[Path, typer.Argument(metavar="[DATASET] OUT", help="dataset, then the output")],
               second: Annotated[Path | None, typer.Argument(hidden=True)] = None,
               lang: Annotated[str, typer.Option("--lang", help="headers of the written tables: en (default) or zh")]
               = "en", columns: ColumnsOpt = None,
               neo4j: Neo4jFlag = False, uri: UriOpt = None, user: UserOpt = None,
               password: PasswordOpt = None) -> None:
    """Write a dataset (or, with --neo4j, the server's current one) as a CSV folder, .xlsx or .json."""
    from tracegraph.io import write_dataset

    if neo4j:
        data, target = server_dataset(uri, user, password), first
    elif second is None:
        err.print("[red]give the DATASET and the OUT path[/red]")
        raise typer.Exit(2)
    else:
        (data, _), target = load_dataset(first, None, parse_lang(lang), columns=columns), second
    out.print(str(write_dataset(data, target, lang=parse_lang(lang), include_optional=True)))


@app.command("synth", rich_help_panel=PANEL)
def synth_cmd(target: Annotated[Path, typer.Argument(help="output folder (CSV) or .xlsx/.json")],
              provinces: Annotated[int, typer.Option(min=1, max=31)] = 1,
              seed: Annotated[int, typer.Option()] = 1, as_of: AsOf = None) -> None:
    """A deterministic synthetic dataset shaped like China's (31 provinces ≈ national size)."""
    from tracegraph.io import write_dataset
    from tracegraph.synth import synthesize_country

    with progress("synthesising") as bar:
        bar.add_task("", total=None)
        data = synthesize_country(provinces, seed=seed, as_of=parse_date(as_of) or dt.date.today())
    write_dataset(data, target, include_optional=True)
    ix_sizes = {m: len(getattr(data, m)) for m in ("regions", "institutions", "standards", "traceability", "demand")}
    out.print(f"{target}: " + ", ".join(f"{k} {v}" for k, v in ix_sizes.items()))
