"""The Measured experience page's data and layout pieces: what phones measured (the UE logs'
sessions and cells, ``measured.*`` in the warehouse), read through the
:class:`~cxbridge.dashboards.data_access.SnapshotReader`'s public methods, and turned into tables
and headline figures. Data functions take a reader and return frames; layout functions take frames
and return components; neither knows about callbacks.
"""

from __future__ import annotations

from dataclasses import dataclass

import dash_bootstrap_components as dbc
import polars as pl
from dash import html

from cxbridge.dashboards import labels
from cxbridge.dashboards.components import Column, data_table, stat, with_commands
from cxbridge.dashboards.data_access import SnapshotReader
from cxbridge.platform.snapshot import snapshot_names

MEASURED_TABLES: tuple[str, ...] = snapshot_names("measured.ue_sessions", "measured.ue_cells")
NO_LOGS = ("No UE measurement logs loaded: put phone drive-test / app logs under "
           "raw/ue_measurements/ to see measured experience.")
NO_LOGS_DETAIL = ("The layout the logs are read in: one CSV per session, "
                  "<app>/<Driving|Static>/[<content>/]<trace>.csv, as the G-NetTrack Pro "
                  "exports of the Irish 4G/5G data set; then run `cxbridge run`.")
ACTIVITIES = ("all", "video", "download")
CELL_ROWS = 12
WORST_SESSIONS = 8
POOR_BELOW = 70.0   # models.experience.sei.POOR_BELOW, kept apart so the page loads no model code
WATCH_BELOW = 80.0


@dataclass(frozen=True)
class MeasuredData:
    """Everything the page shows, for one choice of activity."""

    summary: dict
    sessions: pl.DataFrame
    groups: pl.DataFrame
    cells: pl.DataFrame


def measured_data(reader: SnapshotReader, activity: str = "all",
                  cell_rows: int = CELL_ROWS) -> MeasuredData | None:
    """The page's frames, or None when the snapshot holds no measured session (no UE logs
    were loaded, or the snapshot predates the measured models)."""
    if activity not in ACTIVITIES:
        raise ValueError(f"activity must be one of {', '.join(ACTIVITIES)}; got {activity!r}")
    if reader.missing(*MEASURED_TABLES):
        return None
    summary = reader.sql("measured_summary").row(0, named=True)
    if not summary["sessions"]:
        return None
    return MeasuredData(summary=summary,
                        sessions=reader.sql("measured_sessions", activity=activity),
                        groups=reader.sql("measured_groups"),
                        cells=reader.sql("measured_cells", rows=cell_rows))


def worst_sessions(sessions: pl.DataFrame, rows: int = WORST_SESSIONS) -> pl.DataFrame:
    """The lowest-scoring sessions with a reason, worst first (ties: the earlier)."""
    return (sessions.filter(pl.col("score").is_not_null())
            .sort(["score", "started_at", "session_id"]).head(rows))


def score_status(score: float | None) -> str:
    """'poor' below the SEI's poor line, 'watch' below 80, else 'good' (None: 'unknown')."""
    if score is None:
        return "unknown"
    return "poor" if score < POOR_BELOW else "watch" if score < WATCH_BELOW else "good"


def _score(value: float | None) -> html.Span:
    status = score_status(value)
    return html.Span("–" if value is None else f"{value:.0f}", className=f"status-{status}")


def _mbps(value: float | None) -> str:
    return "not measured" if value is None else f"{value:.1f}"


def _dbm(value: float | None, band: str | None) -> str:
    return "not measured" if value is None else f"{value:.0f} ({band})"


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.0f} %"


def summary_stats(summary: dict) -> html.Div:
    """Sessions, hours, cells, time on 5G, median score and poor sessions in one row."""
    median = summary["median_score"]
    return html.Div([
        stat("Sessions measured", labels.format_count(summary["sessions"])),
        stat("Hours of logs", f"{summary['hours']:.1f}"),
        stat("Cells seen", labels.format_count(summary["cells"])),
        stat("Time on 5G", _percent(summary["share_5g"])),
        stat("Median session score", "–" if median is None else f"{median:.0f}",
             score_status(median)),
        stat("Poor sessions", labels.format_count(summary["poor_sessions"]),
             "poor" if summary["poor_sessions"] else "good"),
        stat("Logged between", f"{labels.format_day(summary['first_at'])} and "
                               f"{labels.format_day(summary['last_at'])}"),
    ], className="stat-row", id="measured-summary")


def session_label(row: dict) -> html.Div:
    """App, mobility and content, the start time underneath."""
    what = " · ".join(labels.humanise(v) if k != "content" else v
                      for k, v in (("app", row["app"]), ("mobility", row["mobility"]),
                                   ("content", row["content"])) if v) or row["session_id"]
    return html.Div([html.Span(what), html.Span(labels.format_time(row["started_at"]),
                                                className="cell-sub")])


def worst_sessions_table(sessions: pl.DataFrame) -> html.Div:
    """The worst sessions and why, in words."""
    columns = (
        Column("session", "Session", session_label),
        Column("main_technology", "Mostly on", nowrap=True),
        Column("score", "Score", _score, numeric=True),
        Column("dl_mean_mbps", "Mbit/s", _mbps, numeric=True),
        Column("reason", "Why", lambda r: r or "No single drag"),
    )
    shown = worst_sessions(sessions).with_columns(
        session=pl.struct("session_id", "app", "mobility", "content", "started_at"))
    return data_table(shown, columns, "measured-worst-table", "No scored session")


def cells_table(cells: pl.DataFrame) -> html.Div:
    """Cells worst first, with the evidence the rank rests on."""
    columns = (
        Column("cell", "Cell", lambda r: html.Div([
            html.Span(r["cell_id"]), html.Span(r["main_technology"] or "technology not known",
                                               className="cell-sub")]), nowrap=True),
        Column("ranked", "Score", lambda r: html.Div([
            _score(r["rank_score"]), html.Span(f"own {r['score']:.0f}", className="cell-sub")]),
            numeric=True, nowrap=True),
        Column("seen", "Seen", lambda r: html.Div([
            html.Span(f"{r['active_samples']:,} s"),
            html.Span(f"{r['sessions']} session{'s' if r['sessions'] != 1 else ''}",
                      className="cell-sub")]), numeric=True, nowrap=True),
        Column("dl_mean_mbps", "Mbit/s", _mbps, numeric=True),
        Column("rsrp", "RSRP dBm", lambda r: _dbm(r["rsrp_dbm"], r["rsrp_band"]),
               numeric=True, nowrap=True),
        Column("reason", "Why", lambda r: r or "No single drag"),
    )
    shown = cells.with_columns(
        cell=pl.struct("cell_id", "main_technology"), ranked=pl.struct("rank_score", "score"),
        seen=pl.struct("active_samples", "sessions"), rsrp=pl.struct("rsrp_dbm", "rsrp_band"))
    table = data_table(shown, columns, "measured-cells-table", "No scored cell")
    note = html.Div(
        "Ranked by score weighted by evidence: a cell's own score counts in proportion to its "
        "seconds of transfer against two minutes' worth of the overall score, so a cell seen "
        "for 10 s stays near the overall score and one seen for an hour keeps its own.",
        className="card-note")
    return html.Div([note, table])


def groups_table(groups: pl.DataFrame) -> html.Div:
    """Video vs download, driving vs static: the numbers behind the figure."""
    columns = (
        Column("group", "Activity · mobility", nowrap=True),
        Column("sessions", "Sessions", labels.format_count, numeric=True),
        Column("median_score", "Median score", _score, numeric=True),
        Column("poor_share", "Poor", _percent, numeric=True),
        Column("dl_mean_mbps", "Mean Mbit/s", _mbps, numeric=True),
        Column("median_dl_p10_mbps", "10th pct Mbit/s", _mbps, numeric=True),
        Column("share_5g", "On 5G", _percent, numeric=True),
        Column("handovers_per_hour", "Cell changes /h",
               lambda v: "–" if v is None else f"{v:.0f}", numeric=True),
    )
    shown = groups.with_columns(group=pl.format("{} · {}", pl.col("activity").str.to_titlecase(),
                                                pl.col("mobility").str.to_titlecase()))
    return data_table(shown, columns, "measured-groups-table", "No session")


def no_logs_notice() -> dbc.Alert:
    """What the page says when there are no measured sessions, and what to do."""
    return dbc.Alert([html.Strong(NO_LOGS),
                      html.Div(with_commands(NO_LOGS_DETAIL), className="mt-1")],
                     color="info", className="missing-notice", id="measured-no-logs")
