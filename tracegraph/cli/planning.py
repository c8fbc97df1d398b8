"""Planning: ``plan``, over :class:`tracegraph.planning.PlanningProblem` (and the budget request of
:mod:`tracegraph.planning.request` with ``--out``)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from tracegraph.cli._app import app, err, out, say_error
from tracegraph.cli._common import (
    AsOf,
    ColumnsOpt,
    Fmt,
    LangOpt,
    Neo4jFlag,
    OptDatasetArg,
    PasswordOpt,
    UriOpt,
    UserOpt,
    dump_json,
    load_dataset,
    parse_date,
    parse_lang,
    read_targets_file,
    require_dataset,
    server_dataset,
    warn_if_stale,
)
from tracegraph.cli._tables import new_table, print_table
from tracegraph.i18n import Lang, figure, pct, t
from tracegraph.models import CERTIFICATE_YEARS, DEFAULT_RENEWAL_COST, Dataset

if TYPE_CHECKING:
    from tracegraph.planning import Plan, PlanningProblem
    from tracegraph.planning.request import RequestHeader

PANEL = "Planning"
REQUEST = "Budget request (项目支出绩效目标申报表)"  # the options of the --out workbook
DEFAULT_TIME_LIMIT = 600.0  # s: a run that cannot prove its plan by then still answers, with its gap


class Method(StrEnum):
    milp = "milp"
    greedy = "greedy"


@app.command("plan", rich_help_panel=PANEL)
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
                                                            "written beside it)", rich_help_panel=REQUEST)] = None,
             project_name: Annotated[str | None, typer.Option(help="request: 项目名称", rich_help_panel=REQUEST)]
             = None,
             department: Annotated[str | None, typer.Option(help="request: 主管部门", rich_help_panel=REQUEST)]
             = None,
             implementer: Annotated[str | None, typer.Option(help="request: 实施单位", rich_help_panel=REQUEST)]
             = None,
             attribute: Annotated[str | None, typer.Option(help="request: 项目属性, 新增 (new) or 延续 (continuing)",
                                                           rich_help_panel=REQUEST)] = None,
             satisfaction: Annotated[str | None, typer.Option(help="request: 服务对象满意度指标 (default ≥90%)",
                                                              rich_help_panel=REQUEST)] = None,
             lang: LangOpt = "zh", columns: ColumnsOpt = None, neo4j: Neo4jFlag = False, uri: UriOpt = None,
             user: UserOpt = None, password: PasswordOpt = None) -> None:
    """Which standards to build or renew next: within a budget, or the cheapest plan meeting the targets."""
    lg = parse_lang(lang)
    header = _request_header(project_name=project_name, department=department, implementer=implementer,
                             attribute=attribute, satisfaction=satisfaction)
    if fmt == Fmt.csv:
        raise typer.BadParameter("plan prints a table or json (the request workbook is --out)", param_hint="--format")
    mode = _mode(budget, budget_per_year, targets)
    ds, day = _plan_dataset(dataset, neo4j, parse_date(as_of), lg, targets_file, columns, uri, user, password)
    try:
        from tracegraph.planning import PlanningProblem  # the solver loads when a plan is asked for

        problem = PlanningProblem.from_dataset(
            ds, day, mode=mode, budget=budget, years=_parse_years(years), budget_per_year=budget_per_year,
            renewals=not no_renewals, renewal_cost=renewal_cost, certificate_years=certificate_years)
        plan = _solve(problem, method, time_limit, lg)
    except ValueError as exc:
        say_error(exc)
        raise typer.Exit(2) from None
    if out_file is not None:
        _write_request(plan, out_file, lg, header)
    if fmt == Fmt.json:
        dump_json(plan.to_contract())
        return
    _plan_tables(plan, lg)


# --- from the options to the problem --------------------------------------------------------------------
def _request_header(**given: str | None) -> RequestHeader:
    """The budget request's header: the options given, the defaults of :class:`RequestHeader` for the rest."""
    from tracegraph.planning.request import RequestHeader

    try:
        return RequestHeader(**{k: v for k, v in given.items() if v is not None})
    except ValueError:
        raise typer.BadParameter(f"not 新增 or 延续: {given['attribute']!r}", param_hint="--attribute") from None


def _mode(budget: float | None, budget_per_year: float | None, targets: bool) -> Literal["budget", "targets"]:
    """Budget mode (``--budget``, or ``--budget-per-year`` alone) or target mode (``--targets``): one of them."""
    if targets == (budget is not None or (budget_per_year is not None and not targets)):
        err.print("[red]choose one mode: --budget B (or --budget-per-year B with --years) or --targets[/red]")
        raise typer.Exit(2)
    return "targets" if targets else "budget"


def _parse_years(value: str | None) -> list[int] | None:
    """``--years 2026:2030`` → 2026 … 2030 (``2026`` alone: that year); none: a snapshot at the as-of date."""
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


def _plan_dataset(dataset: Path | None, neo4j: bool, as_of: dt.date | None, lang: Lang, targets_file: Path | None,
                  columns: Path | None, uri: str | None, user: str | None,
                  password: str | None) -> tuple[Dataset, dt.date]:
    """The dataset to plan on: a file, or the one loaded in Neo4j (with a targets file's rows if given), and the
    as-of date (given, else the data's snapshot date, else today)."""
    if not neo4j:
        return load_dataset(require_dataset(dataset), as_of, lang, targets_file, columns)
    ds = server_dataset(uri, user, password, exit_code=2)
    day = as_of or ds.default_as_of()
    warn_if_stale(ds.snapshot_date, day, lang)
    if targets_file is not None:
        ds = ds.model_copy(update={"targets": read_targets_file(targets_file, lang)})
    return ds, day


def _solve(problem: PlanningProblem, method: Method, time_limit: float, lang: Lang) -> Plan:
    """The plan, the solver's stage shown on stderr meanwhile (``time_limit`` 0: no limit)."""
    with err.status(t("solving", lang)) as status:
        return problem.solve(method.value, time_limit=time_limit or None,
                             progress=lambda stage: status.update(f"{t('solving', lang)}: {stage}"))


# --- output ---------------------------------------------------------------------------------------------
def _write_request(plan: Plan, path: Path, lang: Lang, header: RequestHeader) -> None:
    """The budget request workbook at ``path`` and its .md summary beside it."""
    from tracegraph.planning.request import request_markdown, write_request

    write_request(plan, path, lang, header)
    path.with_suffix(".md").write_text(request_markdown(plan, lang, header), encoding="utf-8")
    err.print(f"{path} + {path.with_suffix('.md')}")


def _plan_tables(plan: Plan, lang: Lang) -> None:
    from tracegraph.planning.request import COLUMNS, action_row

    table = new_table(t("plan_title", lang, as_of=plan.as_of, status=t(plan.status, lang)), COLUMNS[:8], lang)
    # A target id (ZZ-2020-weighted_coverage-mandatory) folded into a narrow column broke every few letters:
    # the column shows short labels, and the ids are listed under the table, one a line.
    labels = {target: f"T{k}" for k, target in
              enumerate(dict.fromkeys(x for a in plan.actions for x in a.targets), start=1)}
    at = COLUMNS.index("plan_targets")
    for a in plan.actions:
        cells = [f"{v:,.2f}" if isinstance(v, float) else str(v).replace("；", "\n") for v in action_row(a, lang)[:8]]
        cells[at] = " ".join(map(labels.__getitem__, a.targets))
        table.add_row(*cells)
    print_table(table)
    if labels:
        out.print(f"{t('plan_targets', lang)}:", soft_wrap=True)
    for target, label in labels.items():
        out.print(f"  {label} = {target}", soft_wrap=True)
    if plan.programme:
        years = new_table("", ["year", "cost_10k", "builds", "renewals", "coverage_without", "coverage_with"], lang)
        for y in plan.by_year:
            years.add_row(str(y.year), f"{y.cost:,.2f}", str(y.builds), str(y.renewals), pct(y.baseline.coverage),
                          pct(y.figures.coverage))
        print_table(years)
    figures = new_table("", ["metric", "before", "after"], lang)
    for key in ("coverage", "weighted_coverage", "capacity_rate", "covered_instruments"):
        b, a = getattr(plan.before, key), getattr(plan.after, key)
        show = str if key == "covered_instruments" else pct
        figures.add_row(t(key, lang), show(b), show(a))
    print_table(figures)
    if plan.unmet:
        out.print(f"[red]{t('unmet_title', lang)}[/red]")
        for m in plan.unmet:
            if m.metric != "budget":  # a budget shortfall is its reason alone
                out.print(f"  {m.target} {m.region} {t(m.metric, lang)} {t(m.filter, lang)} "
                          f"≥ {figure(m.metric, m.threshold)}: {figure(m.metric, m.best)}", soft_wrap=False)
            for r in m.describe(lang)[:10]:
                out.print(f"    - {r}", soft_wrap=False)
    out.print(f"{t('cost_10k', lang)}: {plan.total_cost:,.2f}")
    if plan.status == "feasible":
        out.print(t("plan_gap", lang, gap="—" if plan.gap is None else f"{plan.gap:.4%}"))
