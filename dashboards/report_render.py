"""The weekly executive report's I/O: read the snapshot, draw the figures, write HTML and PDF.

* **Reading** (:func:`read_report`) goes through the dashboard's
  :class:`~cxbridge.dashboards.data_access.SnapshotReader` and the same calls as the Overview's
  tiles (:func:`cxbridge.dashboards.components.kpi_tiles`): ``kpi_overview`` for the week,
  ``kpi_previous`` for the week before, ``churn_scorings`` and ``no_value_reason`` for why a KPI
  has no value; the incident queue as the Network operations page reads it; the feed notices'
  capabilities table for what was not measured. So the report shows the dashboard's numbers.
* **Figures** are drawn by plotly's static export, kaleido (≥ 1), which drives a headless
  Chromium: the system's (:data:`BROWSERS`), never a downloaded one. Each figure becomes an
  inline SVG, so the HTML is one file that opens offline.
* **PDF**: the HTML printed by that Chromium (``--print-to-pdf``, A4 from the page's CSS).
* **Writing** replaces both files atomically (written beside them under a temporary name, then
  renamed), so a scheduled re-run for the same week never leaves half a report. The report holds
  aggregates only, so it is not an export of personal data and is not audited.

Without Chromium (or kaleido) the HTML is still written, without charts, and a
:class:`ReportBrowserError` says what to install.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from cxbridge.dashboards import feed_notices
from cxbridge.dashboards.components import no_value_reason, waiting_text
from cxbridge.dashboards.data_access import SnapshotReader
from cxbridge.dashboards.filters import Filters
from cxbridge.dashboards.report import (
    HEADLINE,
    KpiLine,
    Week,
    WeeklyReport,
    check_week_has_data,
    kpi_order,
    last_complete_week,
    parse_week,
    render_html,
    report_figures,
    top_incidents,
    trend_weeks,
)
from cxbridge.platform.errors import UserError
from cxbridge.platform.metrics import metric
from cxbridge.platform.settings import Settings
from cxbridge.platform.snapshot_reading import Selection

# The system's Chromium, first found wins (kaleido would otherwise look for, or download, its
# own Chrome).
BROWSERS = ("chromium", "chromium-browser", "google-chrome")
KALEIDO_PIN = "kaleido==1.5.2"
INSTALL_BROWSER = "install Chromium (apt-get install chromium) or give --browser PATH"
# Figure sizes in CSS pixels: two charts side by side across an A4 page, the churn chart across.
SMALL, WIDE = (340, 170), (690, 230)
PRINT_TIMEOUT_S = 120


class ReportBrowserError(UserError):
    """The report's charts or PDF could not be made for want of a browser (or kaleido); the
    HTML was written."""


# --- reading -------------------------------------------------------------------------------

def read_report(reader: SnapshotReader, week_text: str | None, now: datetime) -> WeeklyReport:
    """Everything the report of ``week_text`` ('2026-W48'; ``None``: the last complete ISO
    week of the snapshot) shows; a :class:`UserError` for a week the snapshot has no data of."""
    info = reader.snapshot_info()
    if week_text is None:
        week = last_complete_week(info.first_date, info.last_date)
    else:
        week = parse_week(week_text)
        check_week_has_data(week, info.first_date, info.last_date)
    notes = []
    if week.start < (info.first_date or week.start) or week.end > (info.last_date or week.end):
        notes.append(f"Week {week.label} is only partly in the snapshot (data from "
                     f"{info.first_date} to {info.last_date}): its KPIs cover those days only.")
    incidents = pl.DataFrame()
    if reader.missing_for("incident_queue"):
        notes.append("The incident queue is not in this snapshot: `cxbridge run` builds it.")
    else:
        incidents = top_incidents(reader.incident_queue(Filters(start=week.start,
                                                                end=week.end)))
    return WeeklyReport(
        week=week, run_id=info.run_id, built_at=info.built_at, first_date=info.first_date,
        last_date=info.last_date, generated_at=now, kpis=kpi_lines(reader, week),
        trends=weekly_trends(reader, week), churn=churn_history(reader, week),
        incidents=incidents, not_measured=not_measured(reader.capabilities()), notes=notes)


def kpi_lines(reader: SnapshotReader, week: Week) -> list[KpiLine]:
    """Every KPI for the week, as the Overview's tiles read it (kpi_tiles)."""
    selection = Selection(start=week.start, end=week.end)
    names = [m.name for m in kpi_order()]
    read = reader.kpi_readings(names, selection)
    capabilities = reader.capabilities()
    lines = []
    for name in names:
        m = metric(name)
        if name not in read.ready:
            lines.append(KpiLine(m, None, None, waiting=waiting_text(m, capabilities)))
            continue
        lines.append(KpiLine(m, read.summary[name][0], read.previous[name],
                             why_none=no_value_reason(m, selection, read.scorings)))
    return lines


def weekly_trends(reader: SnapshotReader, week: Week) -> dict[str, pl.DataFrame]:
    """Each headline KPI the snapshot has, week by week over the last eight weeks: ``week``
    ('W47'), ``start``, ``value`` (the registry's ratio of sums over the week, as a tile)."""
    ready = [n for n in HEADLINE if reader.source_available(n)]
    by_source: dict[str, list[str]] = {}
    for name in ready:
        by_source.setdefault(metric(name).source, []).append(name)
    rows: dict[str, list[dict]] = {name: [] for name in ready}
    for w in trend_weeks(week):
        selection = Selection(start=w.start, end=w.end)
        for names in by_source.values():
            values = reader.kpi_values(names, selection)
            for name in names:
                rows[name].append({"week": f"W{w.number:02d}", "start": w.start,
                                   "value": values[name]})
    schema = {"week": pl.String, "start": pl.Date, "value": pl.Float64}
    return {name: pl.DataFrame(rows[name], schema=schema) for name in ready}


def churn_history(reader: SnapshotReader, week: Week) -> pl.DataFrame:
    """Churn risk and revenue at risk at each scoring of the last eight weeks (``date``: the
    last day of data it saw); empty without scorings."""
    if not (reader.source_available("churn_risk") and reader.source_available("revenue_at_risk")):
        return pl.DataFrame(schema={"date": pl.Date, "churn_risk": pl.Float64,
                                    "revenue_at_risk": pl.Float64})
    selection = Selection(start=trend_weeks(week)[0].start, end=week.end)
    risk = reader.kpi_series("churn_risk", selection).rename({"value": "churn_risk"})
    revenue = reader.kpi_series("revenue_at_risk", selection).rename(
        {"value": "revenue_at_risk"})
    return risk.join(revenue, on="date", how="full", coalesce=True).sort("date").with_columns(
        pl.col("churn_risk", "revenue_at_risk").cast(pl.Float64))


def not_measured(capabilities: pl.DataFrame) -> list[dict]:
    """The outputs the loaded feeds do not (fully) build, not built first, as the feed
    notices list them."""
    if capabilities.is_empty():
        return []
    return capabilities.filter(pl.col("status") != feed_notices.BUILT).sort(
        pl.col("status") != feed_notices.NOT_BUILT).to_dicts()


# --- drawing and printing ------------------------------------------------------------------

def find_browser(given: Path | None = None) -> Path | None:
    """The Chromium to draw and print with: ``given``, else the first of :data:`BROWSERS` on
    the PATH; ``None`` when there is none (or ``given`` is not an executable file)."""
    if given is not None:
        return given if given.is_file() and os.access(given, os.X_OK) else None
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return Path(found)
    return None


def draw_svgs(figs: Mapping[str, dict], browser: Path) -> dict[str, str]:
    """Each figure as an SVG document (text) by key, drawn by kaleido in ``browser`` (one
    browser for all); figures are sized for the page (:data:`SMALL`, :data:`WIDE`)."""
    try:
        import kaleido
        from kaleido.errors import BrowserFailedError, ChromeNotFoundError, KaleidoError
    except ImportError as missing:
        raise ReportBrowserError(f"the report's charts need kaleido: pip install "
                                 f"'{KALEIDO_PIN}'") from missing

    async def draw() -> dict[str, str]:
        out = {}
        async with kaleido.Kaleido(n=1, timeout=60, path=str(browser), mathjax=False) as k:
            for key, fig in figs.items():
                width, height = WIDE if key == "churn" else SMALL
                svg = await k.calc_fig(fig, opts={"format": "svg", "width": width,
                                                  "height": height})
                out[key] = svg.decode("utf-8")
        return out

    try:
        return asyncio.run(draw())
    except (BrowserFailedError, ChromeNotFoundError, KaleidoError, TimeoutError) as failed:
        first = str(failed.args[0]) if failed.args else type(failed).__name__
        raise ReportBrowserError(f"{browser} could not draw the charts ({first}); "
                                 f"{INSTALL_BROWSER}") from failed


def print_pdf(html_path: Path, pdf_path: Path, browser: Path) -> None:
    """Print ``html_path`` to ``pdf_path`` with headless ``browser`` (A4: the page's
    ``@page`` rule), no header or footer; a :class:`ReportBrowserError` when it fails."""
    with tempfile.TemporaryDirectory(prefix="cxbridge-print-") as profile:
        command = [str(browser), "--headless", "--no-sandbox", "--disable-gpu",
                   "--disable-dev-shm-usage", "--no-first-run", "--disable-extensions",
                   f"--user-data-dir={profile}", "--no-pdf-header-footer",
                   f"--print-to-pdf={pdf_path}", html_path.resolve().as_uri()]
        try:
            done = subprocess.run(command, capture_output=True, text=True,
                                  timeout=PRINT_TIMEOUT_S, check=False)
        except (OSError, subprocess.TimeoutExpired) as failed:
            raise ReportBrowserError(f"{browser} could not print {html_path} to PDF "
                                     f"({failed}); {INSTALL_BROWSER}") from failed
    if done.returncode != 0 or not pdf_path.is_file() or pdf_path.stat().st_size == 0:
        tail = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise ReportBrowserError(f"{browser} could not print {html_path} to PDF (exit "
                                 f"{done.returncode}: {tail}); {INSTALL_BROWSER}")


# --- writing -------------------------------------------------------------------------------

def report_paths(out_dir: Path, week: Week) -> tuple[Path, Path]:
    """``<out>/cx-weekly-<week>.html`` and ``.pdf``."""
    stem = out_dir / f"cx-weekly-{week.label}"
    return stem.with_suffix(".html"), stem.with_suffix(".pdf")


def write_weekly(settings: Settings, week_text: str | None = None, out_dir: Path | None = None,
                 browser: Path | None = None, now: datetime | None = None
                 ) -> tuple[Path, Path | None]:
    """Write the weekly report of ``week_text`` (default: the last complete ISO week) to
    ``out_dir`` (default ``<home>/reports``) as HTML and PDF, each replacing an earlier one
    atomically; returns both paths. Without a browser the HTML is written without charts, then
    a :class:`ReportBrowserError` is raised."""
    reader = SnapshotReader(settings)
    report = read_report(reader, week_text, now or datetime.now(UTC).replace(tzinfo=None))
    out_dir = out_dir or settings.home / "reports"
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path, pdf_path = report_paths(out_dir, report.week)
    chromium = find_browser(browser)
    problem: ReportBrowserError | None = None
    svgs: dict[str, str] = {}
    if chromium is None:
        problem = ReportBrowserError(
            f"no Chromium found ({browser or ', '.join(BROWSERS)}): {INSTALL_BROWSER}")
    else:
        try:
            svgs = draw_svgs(report_figures(report), chromium)
        except ReportBrowserError as failed:
            problem = failed
    if problem is not None:
        svgs = {"_why": f"Chart not drawn: {problem}"}
    html_tmp = _temporary(html_path)
    html_tmp.write_text(render_html(report, svgs), encoding="utf-8")
    if problem is None:
        pdf_tmp = _temporary(pdf_path)
        try:
            print_pdf(html_tmp, pdf_tmp, chromium)
            pdf_tmp.replace(pdf_path)
        except ReportBrowserError as failed:
            problem = failed
        finally:
            pdf_tmp.unlink(missing_ok=True)
    html_tmp.replace(html_path)
    if problem is not None:
        drawn = "" if svgs.get("_why") is None else " without charts"
        raise ReportBrowserError(f"{problem}; {html_path} was written{drawn}, no PDF")
    return html_path, pdf_path


def _temporary(path: Path) -> Path:
    """A name beside ``path`` (same folder, so a rename replaces it atomically), hidden, with
    the same suffix (Chromium prints a file not named .html as plain text)."""
    return path.with_name(f".{path.stem}.{os.getpid()}.tmp{path.suffix}")
