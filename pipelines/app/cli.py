"""The ``cxbridge`` command line: thin wiring of the pipeline's entry points, with progress.

Errors: a user error (:class:`cxbridge.platform.errors.UserError`) is one line and exit status
1; anything else is a bug, shown with its traceback and how to report it, exit status 70
(:mod:`cxbridge.app.errors`, applied to every command by the app's group). A file rejected by
``cxbridge run`` or ``cxbridge ingest`` is exit status 2."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from cxbridge.app.api_cli import api_app
from cxbridge.app.audit_cli import audit
from cxbridge.app.churn_cli import churn_app
from cxbridge.app.errors import ReportingGroup
from cxbridge.app.incidents_cli import incidents_app
from cxbridge.app.live_cli import live_app
from cxbridge.app.outcomes_cli import outcomes_app
from cxbridge.app.report_cli import report_app
from cxbridge.app.sources_cli import sources_app
from cxbridge.app.users_cli import users_app
from cxbridge.app.whatif_campaign_cli import campaign as whatif_campaign
from cxbridge.app.whatif_cli import whatif_app
from cxbridge.platform.errors import UserError
from cxbridge.platform.settings import Settings, load_settings

app = typer.Typer(
    help="cxbridge: customer-experience analytics and service assurance for telecom operators.",
    no_args_is_help=True,
    add_completion=False,
    cls=ReportingGroup,
)
app.add_typer(churn_app, name="churn")
app.add_typer(sources_app, name="sources")
app.add_typer(users_app, name="users")
app.add_typer(incidents_app, name="incidents")
app.add_typer(live_app, name="live")
app.add_typer(report_app, name="report")
app.add_typer(whatif_app, name="whatif")
whatif_app.command("campaign")(whatif_campaign)  # issue 19: a campaign's network impact
app.add_typer(api_app, name="api")
app.add_typer(outcomes_app, name="outcomes")  # issue 20: the recorded exports
app.command("audit")(audit)
console = Console()
errors = Console(stderr=True)


def _print_version(asked: bool) -> None:
    """``--version``: the installed package's version (its metadata, not a copy in the code)."""
    if asked:
        from importlib.metadata import version

        print(f"cxbridge {version('cxbridge')}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[bool, typer.Option(
        "--version", help="Print the installed version and exit.", callback=_print_version,
        is_eager=True)] = False,
) -> None:
    """cxbridge: customer-experience analytics and service assurance for telecom operators."""

DEMO_SCALE = 0.02
DEMO_DAYS = 90


@contextmanager
def _progress() -> Iterator[Callable[[str, float, float], None]]:
    """A progress display; yields ``update(step, done, total)``."""
    columns = (TextColumn("{task.description:<12}"), BarColumn(),
               TextColumn("{task.percentage:>3.0f}%"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        tasks: dict[str, int] = {}

        def update(step: str, done: float, total: float) -> None:
            if step not in tasks:
                tasks[step] = progress.add_task(step, total=total)
            progress.update(tasks[step], completed=done, total=total)

        yield update


@app.command()
def generate(
    scale: Annotated[float, typer.Option(help="Scale factor: 1 ≈ 100,000 customers.")] = 0.05,
    days: Annotated[int, typer.Option(help="Days of network, usage and care history.")] = 30,
    seed: Annotated[int, typer.Option(help="Random seed: same seed, same files.")] = 42,
    start: Annotated[str, typer.Option(help="First day (UTC), YYYY-MM-DD.")] = "2026-10-01",
    dirt: Annotated[float, typer.Option(help="Share of dirty rows.")] = 0.002,
    out: Annotated[Path | None, typer.Option(help="Output folder.",
                                             show_default="the data dir's raw/")] = None,
    feeds: Annotated[str | None, typer.Option(
        help="Feeds to write, comma-separated (customers, services, catalog, topology, kpis, "
             "alarms, usage, tickets, surveys); _truth/ is always complete.",
        show_default="all")
    ] = None,
    pm_dialects: Annotated[str, typer.Option(
        help="PM dialects to write, comma-separated: A, B and C (a RAN export with DATE + TIME "
             "in local time and decimal commas, and its mapping in _mappings/kpis/).")
    ] = "A,B",
    actions: Annotated[bool, typer.Option(
        "--actions", help="Also run past programmes (offers, care contacts) with control "
                          "groups: raw/actions/ and their true effect in _truth/.")] = False,
    campaigns: Annotated[int, typer.Option(
        help="Past marketing campaigns to run (offers whose takers load the network): "
             "raw/campaigns/ and their true network impact in _truth/.")] = 0,
) -> None:
    """Generate a realistic synthetic operator: every source in its real format, plus _truth/."""
    settings = load_settings()
    report = _generate(settings, scale, days, seed, start, dirt, out, feeds, pm_dialects,
                       actions, campaigns)
    console.print(f"[green]Generated[/green] {(out or settings.raw_dir).resolve()} "
                  f"in {report.seconds:.1f} s")
    if feeds:
        console.print(f"Feeds written: {feeds} (the counts below are the whole world's)")
    _print_counts({k: v for k, v in asdict(report).items() if k != "seconds"})


def _generate(settings: Settings, scale: float, days: int, seed: int, start: str, dirt: float,
              out: Path | None, feeds: str | None = None, pm_dialects: str | None = None,
              actions: bool = False, campaigns: int = 0):
    from cxbridge.lab.generate import WorldConfig, generate_world
    from cxbridge.lab.generate.delivery import Delivery

    if scale <= 0 or days < 1:
        raise UserError("--scale must be > 0 and --days ≥ 1")
    try:
        first_day = date.fromisoformat(start)
    except ValueError as exc:
        raise UserError(f"--start {start!r} is not a date (YYYY-MM-DD)") from exc
    _check_world_window(settings, first_day, days)
    config = WorldConfig(scale=scale, days=days, seed=seed, start=first_day, dirt_rate=dirt,
                         actions=actions, campaigns=campaigns)
    delivery = Delivery.parse(feeds, pm_dialects)
    with _progress() as update:
        return generate_world(config, out_dir=(out or settings.raw_dir).resolve(),
                              progress=lambda step, fraction: update("generate", fraction, 1.0),
                              delivery=delivery)


def _check_world_window(settings: Settings, first_day: date, days: int) -> None:
    """Refuse a world that ingest would then quarantine in part: events after now + ``[ingest]
    future_days`` (or before ``earliest``) are held as implausible (issue 16), so a world whose
    days run past that would load only its first part, silently for whoever reads the figures."""
    last_day = first_day + timedelta(days=days - 1)
    latest = (datetime.now(UTC) + timedelta(days=settings.ingest_future_days)).date()
    if last_day > latest:
        fits = latest - timedelta(days=days - 1)
        raise UserError(f"a {days}-day world from {first_day} ends on {last_day}, after the "
                        f"latest day ingest accepts ({latest}: now + [ingest] future_days = "
                        f"{settings.ingest_future_days:g}); start it on {fits} or earlier "
                        f"(--start {fits}), or raise [ingest] future_days in cxbridge.toml")
    if first_day < settings.ingest_earliest:
        raise UserError(f"--start {first_day} is before the earliest day ingest accepts "
                        f"([ingest] earliest = {settings.ingest_earliest})")


def _print_models(summary) -> None:
    """What the run did after ingest: which days the marts rebuilt, and the churn scoring."""
    if summary.build:
        days = summary.build.days
        span = f"{len(days)} day(s), {days[0]} … {days[-1]}" if days else "nothing"
        console.print(f"Marts: {summary.build.mode} build ({summary.build.reason}): {span}")
    churn = summary.churn or {}
    if churn.get("status") == "scored":
        console.print(f"Churn risk: {churn['customers']:,} customers scored with model "
                      f"{churn['model_version']}" + (" (trained now)" if churn["trained"] else "")
                      + f"; revenue at risk €{churn['revenue_at_risk_eur']:,.0f}/month")
    elif churn.get("status") == "skipped":
        console.print(f"Churn risk: not scored: {churn['reason']}")
    outcomes = getattr(summary, "outcomes", None) or {}
    if outcomes.get("status") == "built":
        console.print(f"Outcomes: {outcomes['programmes']} programme(s) measured against their "
                      f"control groups from {outcomes['actions']:,} actions (data to "
                      f"{outcomes['observed_until']})")


def _print_capabilities(table) -> None:
    """What the loaded feeds allow: each output built, partial or not built, and for the
    others which feed is missing and which files would bring it."""
    if not table:
        return
    view = Table("output", "status", "missing → the files that would add it",
                 title="What your data gives", title_justify="left")
    styles = {"built": "green", "partial": "yellow", "not built": "red"}
    for c in table:
        if c.status == "built":
            detail = ""
        elif c.status == "partial":
            added = ", ".join(part.split(":", 1)[0] for part in c.would_add)
            detail = f"would add with {added} → {c.how_to_enable}"
        elif c.missing:
            detail = f"needs {', '.join(c.missing)} → {c.how_to_enable}"
        else:  # the stage's own message (printed above in full) up to its first clause
            detail = c.note.split(";")[0]
        view.add_row(c.label, f"[{styles[c.status]}]{c.status}[/{styles[c.status]}]", detail)
    console.print(view)


def _print_counts(counts: dict[str, int]) -> None:
    table = Table("what", "rows", box=None)
    for name, value in counts.items():
        table.add_row(name, f"{value:,}")
    console.print(table)


@app.command()
def run(
    raw: Annotated[Path | None, typer.Option(help="Raw folder.",
                                             show_default="the data dir's raw/")] = None,
    full: Annotated[bool, typer.Option(
        help="Rebuild every day, not only the days the new data touches.")] = False,
    mappings: Annotated[Path | None, typer.Option(
        help="Mappings folder (PM dialects, alarm CSV feeds).",
        show_default="the data dir's mappings/")] = None,
    accept_shrink: Annotated[bool, typer.Option(
        help="Let re-delivered files replace their earlier versions however much smaller "
             "(else one that removes more than the config file's ingest.max_shrink of the "
             "rows is held).")
    ] = False,
    engine: Annotated[str | None, typer.Option(
        help="Run the models on duckdb or spark (PySpark: the spark extra of the package; "
             "where Spark runs: the engine table's spark key in cxbridge.toml).",
        show_default="the config file's engine name, else duckdb")] = None,
) -> None:
    """Ingest everything new under the raw folder, update the marts and publish a snapshot."""
    from cxbridge.jobs import flow

    settings = load_settings()
    with _progress() as update:
        summary = flow.run(settings, raw, on_step=update, full=full, mappings_dir=mappings,
                           accept_shrink=accept_shrink, engine=engine)
    _print_file_summary(summary.files)
    _print_models(summary)
    _print_capabilities(summary.capabilities)
    if summary.published:
        console.print(f"Run [bold]{summary.run_id}[/bold]: snapshot {summary.snapshot.path}")
    else:
        console.print(f"Run [bold]{summary.run_id}[/bold]: nothing new: snapshot "
                      f"{summary.snapshot.run_id} stays current (--full rebuilds and "
                      "publishes anyway)", soft_wrap=True)
    if summary.rejected:
        errors.print(f"[red]{len(summary.rejected)} file(s) rejected[/red]; the rest was loaded.")
    if summary.held:
        errors.print(f"[yellow]{len(summary.held)} re-delivered file(s) held[/yellow]: their "
                     "loaded versions are kept (accept with --accept-shrink).")
    if summary.rejected or summary.held:
        raise typer.Exit(2)


@app.command()
def ingest(
    source: Annotated[str, typer.Argument(help="customers, services, catalog, topology, kpis, "
                                          "alarms, usage, tickets, surveys, actions, "
                                          "ue-measurements or complaints")],
    paths: Annotated[list[Path], typer.Argument(help="Files or folders.")],
    mappings: Annotated[Path | None, typer.Option(
        help="Mappings folder (PM dialects, alarm CSV feeds).",
        show_default="the data dir's mappings/")] = None,
    accept_shrink: Annotated[bool, typer.Option(
        help="Let these files replace their earlier versions however much smaller (else one "
             "that removes more than the config file's ingest.max_shrink of the rows is "
             "held).")] = False,
) -> None:
    """Ingest files of one source (folders are searched for that source's files). A file is
    known by its path relative to its raw folder: the one with its own _mappings, else the
    data dir's raw/ when it lies there, else the folder above the one named after the source."""
    from cxbridge.platform import ingest as ingest_jobs
    from cxbridge.platform import runs, warehouse
    from cxbridge.platform.ingest.mappings import raw_root_of

    settings = load_settings()
    settings.ensure_dirs()
    src = ingest_jobs.source(source)
    work = [(src, f) for f in ingest_jobs.files_of(src, paths)]
    if not work:
        raise UserError(f"no {source} files in {', '.join(map(str, paths))} "
                        f"(looked for {', '.join(src.patterns)})")
    raw_root = raw_root_of(paths[0])
    found = ingest_jobs.mappings_for(mappings or settings.mappings_dir, raw_root)
    with warehouse.connect(settings) as con, runs.recorded(con, f"ingest {src.name}") as run:
        results = ingest_jobs.ingest_many(con, work, run.run_id, mappings=found,
                                          raw_root=raw_root or settings.raw_dir,
                                          max_shrink=settings.ingest_max_shrink,
                                          accept_shrink=accept_shrink,
                                          window=ingest_jobs.window_of(settings))
        if any(r.status in ("rejected", "held") for r in results):
            run.status = "rejected_files"
    _print_file_summary(results)
    if any(r.status in ("rejected", "held") for r in results):
        raise typer.Exit(2)


def _print_file_summary(results) -> None:
    table = Table("source", "file", "status", "read", "loaded", "quarantined", "note",
                  title="Ingest summary", title_justify="left")
    shown = [r for r in results if r.status != "unchanged" or r.message != "already loaded"]
    # a file's name is never cut short: the note column wraps instead
    table.columns[1].min_width = min(40, max((len(Path(r.path).name) for r in shown), default=4))
    for r in shown[:60]:
        style = {"rejected": "red", "held": "yellow", "unchanged": "dim"}.get(r.status, "")
        table.add_row(r.source, _shown(Path(r.path).name, 80), f"[{style}]{r.status}[/{style}]"
                      if style else r.status, f"{r.rows_read:,}", f"{r.rows_loaded:,}",
                      f"{r.rows_quarantined:,}",
                      "see below" if r.status in ("rejected", "held", "skipped")
                      else _shown(r.message, 80))
    if len(shown) > 60:
        table.add_row("…", f"{len(shown) - 60} more files", "", "", "", "", "")
    unchanged = sum(r.status == "unchanged" for r in results)
    console.print(table)
    for rejected in (r for r in results if r.status == "rejected"):
        errors.print(f"[red]Rejected[/red] {_shown(rejected.path)}:\n  "
                     f"{_shown(rejected.message, 1000)}", highlight=False)
    for skipped in (r for r in results if r.status == "skipped"):
        errors.print(f"Skipped {_shown(skipped.path)}: {_shown(skipped.message)}",
                     highlight=False)
    held = [r for r in results if r.status == "held"]
    for version in held:
        errors.print(f"[yellow]Held[/yellow] {_shown(version.path)}:\n  "
                     f"{_shown(version.message, 1000)}", highlight=False)
    console.print(f"{len(results)} file(s): {unchanged} unchanged, "
                  + (f"{len(held)} held, " if held else "") +
                  f"{sum(r.rows_loaded for r in results):,} rows loaded, "
                  f"{sum(r.rows_quarantined for r in results):,} quarantined")


def _shown(text: str, limit: int = 300) -> str:
    """Text from a file or about one, safe to print: control characters escaped, cut to
    ``limit`` characters, and no rich markup (a file may name itself "[red]…")."""
    from cxbridge.platform.ingest.base import printable

    return escape(printable(text, limit))


quarantine_app = typer.Typer(
    help="What is held in quarantine, and releasing the rows whose cause was fixed.",
    invoke_without_command=True)
app.add_typer(quarantine_app, name="quarantine")


@quarantine_app.callback()
def quarantine(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(help="Examples to show per reason.")] = 3,
) -> None:
    """List what is held in quarantine, grouped by source and kind of reason, with distinct
    example rows and their values (release rows whose cause was fixed: `cxbridge quarantine
    release`)."""
    if ctx.invoked_subcommand is not None:
        return
    from cxbridge.platform import ingest as ingest_jobs
    from cxbridge.platform import warehouse

    settings = load_settings()
    with warehouse.connect(settings) as con:
        ingest_jobs.prepare(con)
        held = warehouse.query(con, warehouse.read_sql("meta/quarantine_summary.sql"),
                               {"limit": limit})
    if held.is_empty():
        console.print("Nothing is held in quarantine.")
        return
    console.print(quarantine_table(held))
    console.print("A cause fixed (a mapping, the time window, a missing file)? Load what now "
                  "passes: cxbridge quarantine release [--source S] [--reason TEXT] "
                  "[--file NAME]", highlight=False, markup=False)


def quarantine_table(held) -> Table:
    """The quarantine summary (meta/quarantine_summary.sql) as a table: per source and kind of
    reason, the rows held and the examples, each ``file:line`` with its reason and values."""
    table = Table("source", "rows", "reason (… a value) · examples: file:line  their values",
                  title="Quarantine", title_justify="left")
    table.columns[1].no_wrap = True
    table.columns[1].justify = "right"
    for row in held.iter_rows(named=True):
        examples = "\n".join(
            f"  {_shown(e['file'], 80)}:{e['line']}  [cyan]{_example_values(e)}[/cyan]"
            for e in row["examples"] or [])
        table.add_row(row["source"], f"{row['rows']:,}",
                      f"[bold]{_shown(row['reason_kind'])}[/bold]\n{examples}")
    return table


def _example_values(example: dict) -> str:
    """What makes one quarantined row's reason its own: the values its kind shows as … (in
    order), or, when the reason holds none (a required field left empty), the row's original
    values."""
    if example["reason_values"]:
        return _shown(", ".join(example["reason_values"]), 120)
    return _shown(example["original"] or "", 100)


@quarantine_app.command("release")
def quarantine_release(
    source: Annotated[str | None, typer.Option(help="Only this source's rows.",
                                               show_default="every source")] = None,
    reason: Annotated[str | None, typer.Option(
        help="Only rows whose reason contains this text (case insensitive).",
        show_default="every reason")] = None,
    file: Annotated[str | None, typer.Option(
        help="Only this file's rows: its path, its path under the raw folder, or its name.",
        show_default="every file")] = None,
    raw: Annotated[Path | None, typer.Option(
        help="The raw folder whose _mappings the files are read with.",
        show_default="the nearest folder above each file with its own _mappings")] = None,
    mappings: Annotated[Path | None, typer.Option(
        help="Mappings folder (PM dialects, alarm CSV feeds).",
        show_default="the data dir's mappings/")] = None,
) -> None:
    """Check the chosen quarantined rows again against today's mappings, contracts, time
    window and references, and load those that now pass (one transaction); the others stay,
    with today's reason. Then `cxbridge run` rebuilds the marts and publishes."""
    from cxbridge.platform import ingest as ingest_jobs
    from cxbridge.platform import runs, warehouse
    from cxbridge.platform.ingest.mappings import raw_root_of
    from cxbridge.platform.ingest.release import release

    settings = load_settings()
    if source is not None:
        ingest_jobs.source(source)  # an unknown name is a user error listing the sources
    window = ingest_jobs.window_of(settings)
    found: dict = {}  # raw folder → its mappings, read (and checked) once

    def bind(name: str, path: Path):
        """The source as it reads ``path`` today: its mappings and the time window."""
        root = raw.resolve() if raw else raw_root_of(path)
        if root not in found:
            found[root] = ingest_jobs.mappings_for(mappings or settings.mappings_dir, root)
        return ingest_jobs.with_window(
            ingest_jobs.with_mappings(ingest_jobs.source(name), found[root]), window)

    with warehouse.connect(settings) as con, runs.recorded(con, "quarantine release") as run:
        ingest_jobs.prepare(con)
        report = release(con, bind, run.run_id, source, reason, file)
        run.message = f"{report.released} of {report.chosen} quarantined row(s) released"
    if not report.chosen:
        console.print("No quarantined row matches: see `cxbridge quarantine`.")
        return
    console.print(release_summary(report), highlight=False)


def release_summary(report) -> str:
    """What a release did, in words: released and kept, per file, and why the rest stay."""
    lines = [f"Released {report.released:,} of {report.chosen:,} quarantined row(s)"
             + (": run `cxbridge run` to rebuild the marts and publish them."
                if report.released else ".")]
    for path, (chosen, out) in sorted(report.per_file.items()):
        if out:
            lines.append(f"  {_shown(Path(path).name, 80)}: {out:,} of {chosen:,} loaded")
    if report.kept:
        lines.append(f"{sum(report.kept.values()):,} stay in quarantine:")
        lines += [f"  {n:,} × {_shown(why, 300)}" for why, n in report.kept.most_common(10)]
        if len(report.kept) > 10:
            lines.append(f"  … and {len(report.kept) - 10} other reason(s): cxbridge quarantine")
    return "\n".join(lines)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8050,
    certfile: Annotated[Path | None, typer.Option(
        help="PEM certificate: serve HTTPS (with --keyfile).",
        show_default="the config file's [dashboard] certfile")]
    = None,
    keyfile: Annotated[Path | None, typer.Option(help="PEM private key of --certfile.")] = None,
) -> None:
    """Serve the dashboard over the current published snapshot (beyond 127.0.0.1 only with
    users: `cxbridge users add`)."""
    from cxbridge.dashboards.app import serve as serve_dashboard

    settings = load_settings()
    tls = certfile is not None or (settings.dashboard is not None and settings.dashboard.tls)
    console.print(f"Dashboard on [bold]{'https' if tls else 'http'}://{host}:{port}/[/bold]  "
                  "(Ctrl+C to stop)")
    serve_dashboard(settings, host=host, port=port, certfile=certfile, keyfile=keyfile)


@app.command()
def demo(
    scale: Annotated[float, typer.Option(help="Scale factor of the demo world.")] = DEMO_SCALE,
    days: Annotated[int, typer.Option(help="Days of history (90: enough for the churn model "
                                            "to train and hold out a month).")] = DEMO_DAYS,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 42,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8050,
) -> None:
    """Generate a small world, build it and serve the dashboard: the whole product in one go."""
    from cxbridge.jobs import flow

    settings = load_settings()
    console.rule("1/3 generate")
    _generate(settings, scale, days, seed, "2026-10-01", 0.002, None)
    console.rule("2/3 ingest, transform, publish")
    with _progress() as update:
        summary = flow.run(settings, None, on_step=update)
    _print_file_summary(summary.files)
    _print_models(summary)
    _print_capabilities(summary.capabilities)
    console.rule("3/3 serve")
    serve(host=host, port=port)


@app.command()
def evaluate(
    truth: Annotated[Path, typer.Option(help="The world's _truth/ folder.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Compare what the pipeline built with the generated world's ground truth."""
    from cxbridge.lab.evaluate import evaluate as run_evaluation

    settings = load_settings()
    report = run_evaluation(settings, truth)
    if as_json:
        print(json.dumps(report, indent=2, default=str))
        return
    for table in evaluation_tables(report):
        console.print(table)


def evaluation_tables(report: dict) -> list[Table]:
    """One table per section of an evaluation report: each figure rounded to be read (ratios
    to 4 decimals, other numbers to 3 significant digits), nested figures indented below their
    name, and the target (``cxbridge.lab.evaluate.TARGETS``) with met / not met beside the
    figures that have one."""
    from cxbridge.lab.evaluate import TARGETS

    tables = []
    for section, figures in report.items():
        table = Table("figure", "value", "target", "", title=section, title_justify="left")
        table.columns[0].no_wrap = True
        for name, value in figures.items():
            target = TARGETS.get((section, name))
            met = target.met(value, figures) if target else None
            verdict = ("" if met is None else "[green]met[/green]" if met
                       else "[red]not met[/red]")
            if isinstance(value, dict) and "holds" in value:
                value = {"holds": value["holds"], **value}
            nested = isinstance(value, dict) and bool(value)
            table.add_row(escape(name), "" if nested else escape(_figure(value)),
                          target.describe() if target else "", verdict)
            if nested:
                for key, inner in value.items():
                    table.add_row(f"  {escape(str(key))}", escape(_figure(inner)), "", "")
        tables.append(table)
    return tables


def _figure(value) -> str:
    """A figure to be read: yes / no, integers with separators, ratios (|x| ≤ 1) to 4
    decimals, other numbers to 3 significant digits, lists shortened, records in one line."""
    if isinstance(value, bool) or value is None:
        return {True: "yes", False: "no", None: "–"}[value]
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if value != value:  # NaN
            return "–"
        if abs(value) <= 1:
            return f"{value:.4f}"
        digits = len(str(int(abs(value))))
        return f"{round(value, 3 - digits):,.{max(0, 3 - digits)}f}"
    if isinstance(value, dict):
        return ", ".join(f"{k} {_figure(v)}" for k, v in value.items()) or "–"
    if isinstance(value, list | tuple):
        if not value:
            return "none"
        shown = ("\n" if isinstance(value[0], dict) else "; ").join(
            _figure(v) for v in value[:5])
        return shown + (f" … ({len(value):,} in all, --json for every one)"
                        if len(value) > 5 else "")
    return str(value)


@app.command()
def bench(
    scale: Annotated[float, typer.Option(help="Scale factor to benchmark.")] = 1.0,
    days: Annotated[int, typer.Option(help="Days of history.")] = 30,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    serve_load: Annotated[bool, typer.Option(
        "--serve", help="Instead: load the served dashboard of the current snapshot "
        "(loopback, behind a login) with --users users for --seconds.")] = False,
    users: Annotated[int, typer.Option(help="With --serve: concurrent users.")] = 20,
    seconds: Annotated[float, typer.Option(help="With --serve: how long.")] = 60.0,
) -> None:
    """Time every pipeline stage on a fresh world (in a scratch data directory); with
    --serve, load-test the served dashboard instead."""
    if serve_load:
        from cxbridge.lab.serve_load import run_serve_load

        served = run_serve_load(load_settings(), users=users, seconds=seconds)
        print(json.dumps(served, indent=2))
        if served["errors"]:
            raise typer.Exit(1)
        return
    from cxbridge.lab.bench import run_benchmark

    report = run_benchmark(scale=scale, days=days,
                           on_stage=None if as_json else
                           lambda name: console.print(f"… {name}"))
    if as_json:
        print(json.dumps(report, indent=2))
        if report["failed_stage"]:
            raise typer.Exit(1)
        return
    table = Table("stage", "seconds", "CPU s", "rows", "rows/s", "peak RSS MB",
                  title=f"cxbridge bench, scale {scale}, {days} days", title_justify="left")
    for name, stage in report["stages"].items():
        if "error" in stage:
            table.add_row(name, f"{stage['seconds']:.2f}", "", "failed", "", "")
            continue
        cpu = f"{stage['cpu_seconds']:.1f}" if "cpu_seconds" in stage else ""
        table.add_row(name, f"{stage['seconds']:.2f}", cpu, f"{stage['rows']:,}",
                      f"{stage['rows_per_second']:,.0f}", f"{stage['peak_rss_mb']:,.0f}")
    console.print(table)
    if report["failed_stage"]:
        console.print(f"[red]Stage {report['failed_stage']} failed[/red] (the stages after it "
                      f"need its output and were not run): "
                      f"{escape(report['stages'][report['failed_stage']]['error'])}")
        raise typer.Exit(1)
    ingest_figures = report["ingest"]
    console.print(f"Ingest {ingest_figures['seconds']:.1f} s against "
                  f"{ingest_figures['floor_seconds']:.1f} s for DuckDB merely reading the same "
                  f"files: {ingest_figures['ratio_to_floor']:.2f}× the floor; "
                  f"{ingest_figures['store_floor_seconds']:.1f} s for DuckDB reading and storing "
                  f"them: {ingest_figures['ratio_to_store_floor']:.2f}× that floor"
                  + (f" ({ingest_figures['cpu_ratio_to_store_floor']:.2f}× in CPU seconds, "
                     f"{ingest_figures['cpu_seconds']:.1f} against "
                     f"{ingest_figures['store_floor_cpu_seconds']:.1f})"
                     if "cpu_ratio_to_store_floor" in ingest_figures else ""))
    per_source = Table("source", "rows", "seconds", "rows/s", title="Ingest by source",
                       title_justify="left")
    for name, figures in ingest_figures["per_source"].items():
        per_source.add_row(name, f"{figures['rows']:,}", f"{figures['seconds']:.2f}",
                           f"{figures['rows_per_second']:,.0f}")
    console.print(per_source)
    models = report["stages"]["transform"].get("models", {})
    if models:
        slowest = sorted(models.items(), key=lambda item: -item[1])[:5]
        console.print("Transform, slowest models: " + ", ".join(f"{m} {s:.1f} s"
                                                              for m, s in slowest))
    churn = report["stages"].get("churn", {})
    if churn.get("skipped"):
        console.print(f"Churn model not timed: {churn['skipped']}")
    dashboard = report["stages"].get("dashboard", {}).get("dashboard", {})
    if dashboard:
        slow = Table("interaction", "p50 ms", "p95 ms", title="Dashboard, first request with "
                     "each filter set", title_justify="left")
        for name, figures in dashboard["interactions"].items():
            cold = figures["cold"]
            slow.add_row(name, f"{cold['p50_ms']:.0f}", f"{cold['p95_ms']:.0f}")
        console.print(slow)
    day = report["stages"].get("new_day")
    if day:
        console.print(f"A new day of data: ingest {day['ingest_seconds']:.1f} s, then the "
                      f"{day['mode']} build of {len(day['days_rebuilt'])} day(s) in "
                      f"{day['transform_seconds']:.1f} s")
    live_figures = report.get("live") or {}
    if live_figures:
        live_table = Table("live phase", "events", "p50 s", "p95 s", "unanswered",
                           title="Live: broker publish → overlay current (the dashboard sees "
                                 "the queue)", title_justify="left")
        for phase in ("storm", "steady"):
            if phase in live_figures:
                figures = live_figures[phase]
                live_table.add_row(phase, f"{figures['events']:,}",
                                   _seconds(figures["p50_s"]), _seconds(figures["p95_s"]),
                                   f"{figures['unanswered']:,}")
        console.print(live_table)
        console.print(f"Live events lost {live_figures['lost']}, doubled "
                      f"{live_figures['doubled']} (by count and id); overlay publish p95 "
                      f"{_seconds(live_figures['overlay_publish_p95_s'])} s")


def _seconds(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


@app.command()
def emodel(
    ta: Annotated[float | None, typer.Option("--ta", help="Mouth-to-ear delay Ta, ms.")] = None,
    t: Annotated[float | None, typer.Option("--t", help="Echo path delay T, ms [Ta].")] = None,
    tr: Annotated[float | None, typer.Option("--tr", help="Round-trip delay Tr, ms [2·T].")] = None,
    ppl: Annotated[float | None, typer.Option("--ppl", help="Packet loss Ppl, percent.")] = None,
    burstr: Annotated[float | None, typer.Option("--burstr", help="Burst ratio BurstR.")] = None,
    ie: Annotated[float | None, typer.Option("--ie", help="Equipment impairment Ie.")] = None,
    bpl: Annotated[float | None, typer.Option("--bpl", help="Loss robustness Bpl.")] = None,
    a: Annotated[float | None, typer.Option("--a", help="Advantage factor A.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help='Print {"R": …, "mos": …}.')] = False,
) -> None:
    """ITU-T G.107 E-model R and MOS-CQE; G.107 Table 3 defaults for whatever is not given."""
    from cxbridge.models.experience.emodel import emodel as compute_emodel
    from cxbridge.models.experience.emodel import g109_row

    t_ms = (ta or 0.0) if t is None else t
    given = {"Ta": ta, "T": t_ms, "Tr": 2 * t_ms if tr is None else tr, "Ppl": ppl,
             "BurstR": burstr, "Ie": ie, "Bpl": bpl, "A": a}
    result = compute_emodel(**{k: v for k, v in given.items() if v is not None})
    if as_json:
        print(json.dumps({"R": result.R, "mos": result.MOS_CQE}))
        return
    category, satisfaction = g109_row(result.R)
    table = Table("", "value", title="ITU-T G.107 E-model", title_justify="left", box=None)
    for name, value in (("R", f"{result.R:.4f}"), ("MOS-CQE", f"{result.MOS_CQE:.4f}"),
                        ("G.109 category", f"{category} ({satisfaction})"),
                        ("Ro (signal-to-noise)", f"{result.Ro:.4f}"),
                        ("Is (simultaneous)", f"{result.Is:.4f}"),
                        ("Id (delay) = Idte + Idle + Idd",
                         f"{result.Id:.4f} = {result.Idte:.4f} + {result.Idle:.4f} + "
                         f"{result.Idd:.4f}"),
                        ("Ie,eff (codec and loss)", f"{result.Ie_eff:.4f}"),
                        ("A (advantage)", f"{result.A:.4f}")):
        table.add_row(name, value)
    console.print(table)


@incidents_app.callback()
def incidents(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(help="Incidents (or customers) to show.")] = 20,
    include_planned: Annotated[bool, typer.Option(help="Show planned maintenance too.")] = False,
    show_all: Annotated[bool, typer.Option("--all", help="Cleared incidents too.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    problem: Annotated[str | None, typer.Option(help="Print this incident as TMF656.")] = None,
    care: Annotated[str | None, typer.Option(help="Customers to inform for this incident.")]
    = None,
    contacts: Annotated[bool, typer.Option(help="With --care: names, e-mails, phones.")] = False,
    export: Annotated[bool, typer.Option(help="Write TMF656 / care files to exports/.")] = False,
    refresh: Annotated[bool, typer.Option(help="First update from new alarm events.")] = False,
) -> None:
    """The fault queue: acute incidents (every outage, degradations younger than
    chronic_after_days) before chronic degradations, then incidents that hurt nobody; within
    each, by customer impact (network impact while no customer services are loaded), with
    score components and alarm severity. The workflow of one incident: ack, assign, note,
    handover, history (`cxbridge incidents ack --help`)."""
    if ctx.invoked_subcommand is not None:
        return
    from cxbridge.app.incidents_cli import Options
    from cxbridge.app.incidents_cli import run as run_incidents

    settings = load_settings()
    # a console made now measures the terminal as it is now (the queue's layout depends on it)
    run_incidents(settings, Options(limit, include_planned, show_all, as_json, problem, care,
                                    contacts, export, refresh), Console())


if __name__ == "__main__":
    app()
