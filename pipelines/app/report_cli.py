"""``cxbridge report …``: reports written to a folder, for a schedule (cron, a systemd timer).

``cxbridge report weekly [--week 2026-W48] [--out DIR]`` writes the weekly executive report of
an ISO week (default: the last complete one in the current snapshot) as
``cx-weekly-<week>.html`` (one self-contained file) and ``.pdf``, replacing an earlier report of
the same week atomically, and prints both paths. The report holds aggregates only.

Imports only typer and rich at module level; the dashboard's reader and kaleido load when the
command runs, so ``cxbridge --help`` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

report_app = typer.Typer(help="Reports written to a folder (for a schedule): the weekly "
                              "executive report as HTML and PDF.",
                         no_args_is_help=True, add_completion=False)
console = Console()


@report_app.command()
def weekly(
    week: Annotated[str | None, typer.Option(
        help="ISO week, YYYY-Www (e.g. 2026-W48).",
        show_default="the last complete week in the snapshot")] = None,
    out: Annotated[Path | None, typer.Option(
        help="Folder to write the report to.", show_default="<home>/reports")] = None,
    browser: Annotated[Path | None, typer.Option(
        help="Chromium to draw the charts and print the PDF with.",
        show_default="chromium on the PATH")] = None,
) -> None:
    """Write the weekly executive report (every KPI against target and the week before,
    eight-week trends, churn and revenue at risk, the week's worst incidents, what was not
    measured) as HTML and PDF; print both paths."""
    from cxbridge.dashboards.report_render import write_weekly
    from cxbridge.platform.settings import load_settings

    html_path, pdf_path = write_weekly(load_settings(), week, out, browser)
    print(html_path)
    print(pdf_path)
