"""``cxbridge sources``: look at a feed file before loading it.

``cxbridge sources check FILE --as kpis`` reads a sample of the file as an ingest would and
loads nothing: which mapping matched (or why none did), what would load, what would be
quarantined and why, which columns become which counter, and for an unknown header a
suggested mapping file. Exit status 0 when the sample would load, 2 when nothing would."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from cxbridge.platform.errors import UserError

sources_app = typer.Typer(help="Check feed files (and their mappings) before loading them.",
                          no_args_is_help=True)
console = Console()
errors = Console(stderr=True)


@sources_app.command("check")
def check(
    file: Annotated[Path, typer.Argument(help="The file to check (nothing is loaded).")],
    as_source: Annotated[str, typer.Option("--as", help="The feed it is: kpis, alarms, "
                                                        "topology, customers, …")],
    mapping: Annotated[str | None, typer.Option(
        help="Use this mapping only: a name, or a mapping file (.yaml).")] = None,
    mappings: Annotated[Path | None, typer.Option(
        help="Mappings folder (default: the settings' mappings_dir).")] = None,
    rows: Annotated[int, typer.Option(help="Rows of the file to read.")] = 200,
) -> None:
    """Read the first rows of FILE as feed --as would and say what would load and why not."""
    from cxbridge.platform import ingest
    from cxbridge.platform.ingest.mappings import raw_root_of
    from cxbridge.platform.ingest.sample_check import check_sample
    from cxbridge.platform.settings import load_settings

    settings = load_settings()
    src = ingest.source(as_source)
    kind = ingest.special_kind(file)
    if kind:  # reading a named pipe or a device could block for ever
        raise UserError(f"{file} is {kind}, not a regular file: there is nothing to check "
                        "(it is never opened); give the export file itself")
    found = ingest.mappings_for(mappings or settings.mappings_dir, raw_root_of(file))
    report = check_sample(src, file.resolve(), found, rows, mapping)
    _print_report(report)
    if not report.would_load:
        raise typer.Exit(2)


def _print_report(report) -> None:
    from cxbridge.platform.ingest.base import printable

    console.print(f"[bold]{escape(str(report.path))}[/bold] as [bold]{report.source}[/bold]")
    if report.mapping:
        console.print(f"Mapping: [green]{escape(report.mapping)}[/green]"
                      + (f" (also matched: {', '.join(report.also_matched)})"
                         if report.also_matched else ""))
    if report.problem:
        errors.print(f"[red]Nothing would load:[/red] {escape(printable(report.problem, 1000))}",
                     soft_wrap=True)
    else:
        style = "green" if report.loaded else "red"
        console.print(f"Sample of {report.sampled:,} row(s): [{style}]{report.loaded:,} would "
                      f"load[/{style}], {report.quarantined:,} would be quarantined")
    for note in report.notes:
        console.print(f"Note: {escape(note)}", soft_wrap=True)
    if report.columns:
        table = Table("file column", "becomes", title="Columns", title_justify="left")
        for column, role in report.columns:
            table.add_row(escape(column), escape(role))
        console.print(table)
    if report.reasons:
        console.print("[bold]Would be quarantined[/bold], by reason:")
        for group in report.reasons:
            console.print(f"  {group.rows:,} row(s): {escape(printable(group.reason, 300))}\n"
                          f"      e.g. line {group.line}: "
                          f"{escape(printable(group.original, 160))}",
                          soft_wrap=True, highlight=False)
    if report.source in ("kpis", "alarms") and report.sampled:
        console.print("References (the resource inventory) are checked when the file loads.")
    if report.suggestion:
        console.print("\nSuggested mapping (save it in your mappings folder, check it, run "
                      "this again):")
        console.print(escape(report.suggestion), highlight=False, soft_wrap=True)
        if report.suggestion_result:
            loaded, sampled = report.suggestion_result
            console.print(f"With this suggestion, {loaded:,} of {sampled:,} sample row(s) "
                          "would load.")
