"""Pure figure functions of the Network operations pages: experience by region and day, an
incident's alarm timeline, what it hurt, its score, and the KPIs of the resources involved.
Frames in, plotly figures (dicts, see :mod:`cxbridge.dashboards.figures`) out; no I/O. Words come
from the registry and :mod:`cxbridge.dashboards.labels`."""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl

from cxbridge.dashboards import clock, labels, theme
from cxbridge.dashboards.figures import Figure, empty_figure
from cxbridge.platform.metrics import Metric

ROLE_COLOURS = {"root": theme.status_colour("poor"), "symptom": theme.status_colour("watch"),
                "attached": theme.MUTED}
SEGMENT_COLOURS = {"consumer": theme.SERIES[0], "smb": theme.SERIES[1],
                   "enterprise": theme.SERIES[2]}
SCORE_PARTS = {
    "score_customer_minutes": "Customer minutes lost",
    "score_business": "Business customers",
    "score_sla": "SLA services",
    "score_revenue": "Revenue at risk",
    "score_experience": "Experience drop",
}
# The hourly panels of an incident's KPI chart, in this order; a counter the export does not
# carry (all NULL) gets no panel. Sessions carry their usual level as a dashed line.
KPI_PANELS = (("unavailable_minutes", "Minutes without service per {resolution}"),
              ("sessions", "Sessions"), ("utilisation_max_pct", "Peak utilisation (%)"),
              ("throughput_mbps", "Throughput (Mbit/s)"), ("latency_ms", "Latency (ms)"),
              ("packet_loss_pct", "Packet loss (%)"))
USUAL = ("usual_sessions", "Usual sessions")


def status_scale(metric: Metric, low: float, high: float) -> list[list]:
    """A stepped colour scale from ``low`` to ``high``: the poor colour below the metric's
    poor threshold, watch up to its target, good from it on (higher-is-better metrics), so a
    cell reads exactly like a tile or a bar."""
    poor, target = metric.poor_threshold, metric.target
    good, watch, bad = (theme.status_colour(s) for s in ("good", "watch", "poor"))
    if poor is None or target is None or high <= low:
        return [[0, good], [1, good]]

    def at(value: float) -> float:
        return min(max((value - low) / (high - low), 0.0), 1.0)

    return [[0, bad], [at(poor), bad], [at(poor), watch], [at(target), watch],
            [at(target), good], [1, good]]


def heatmap_by_day(metric: Metric, frame: pl.DataFrame, by: str) -> Figure:
    """``metric`` per day (x) and region, segment or service type (y), coloured by status."""
    rows = frame.filter(pl.col("value").is_not_null())
    if rows.is_empty():
        return empty_figure("No data for the selected filters")
    wide = rows.pivot(on="date", index=by, values="value").sort(by)
    days = [c for c in wide.columns if c != by]
    low = min(rows["value"].min(), metric.poor_threshold or 0) - 1
    high = max(rows["value"].max(), metric.target or 0)
    trace = {
        "type": "heatmap", "z": wide.select(days).to_numpy().tolist(), "x": days,
        "y": [labels.value_label(by, v) for v in wide[by].to_list()],
        "zmin": low, "zmax": high, "colorscale": status_scale(metric, low, high),
        "xgap": 2, "ygap": 2, "colorbar": {"title": {"text": metric.unit}, "thickness": 10},
        "hovertemplate": f"%{{y}} · %{{x}}<br>{metric.label}: %{{z:.1f}} {metric.unit}"
                         "<extra></extra>",
    }
    return {"data": [trace], "layout": theme.layout(
        xaxis={"tickformat": "%d %b", "title": {"text": "Day"}, "type": "date"},
        yaxis={"autorange": "reversed"})}


def timeline_figure(episodes: pl.DataFrame, started: datetime, ends: datetime) -> Figure:
    """The incident's alarms as bars over time, root cause first; without alarms (a silent
    degradation), the stretch of time the counters showed it."""
    traces = []
    if episodes.is_empty():
        traces.append({"type": "bar", "orientation": "h", "base": [clock.plotted(started)],
                       "x": [(ends - started).total_seconds() * 1000],
                       "y": ["Seen in the counters (no alarm)"],
                       "marker": {"color": theme.ACCENT}, "hoverinfo": "skip"})
    for row in episodes.iter_rows(named=True):
        end = row["ended_at"] or ends
        role = labels.code_label("role", row["role"])
        traces.append({
            "type": "bar", "orientation": "h", "base": [clock.plotted(row["started_at"])],
            "x": [max((end - row["started_at"]).total_seconds(), 60) * 1000],
            "y": [f"{role} · {row['resource_id']}"],
            "marker": {"color": ROLE_COLOURS.get(row["role"], theme.MUTED)},
            "hovertemplate": f"{role}: {row['specific_problem'] or ''}<br>"
                             f"{labels.format_time(row['started_at'])} → "
                             f"{labels.format_time(row['ended_at'])}<extra></extra>",
        })
    return {"data": traces, "layout": theme.layout(
        barmode="overlay", bargap=0.35,
        xaxis={"type": "date", "title": {"text": f"Time ({clock.zone_label()})"}},
        yaxis={"autorange": "reversed", "tickfont": {"size": 11}})}


def impact_figure(breakdown: pl.DataFrame) -> Figure:
    """Services hurt per service type, stacked by customer segment."""
    if breakdown.is_empty():
        return empty_figure("No services hurt")
    traces = []
    for segment in ("consumer", "smb", "enterprise"):
        part = breakdown.filter(pl.col("segment") == segment)
        if part.is_empty():
            continue
        traces.append({
            "type": "bar", "name": labels.value_label("segment", segment),
            "x": [labels.value_label("cfs_type", c) for c in part["cfs_type"].to_list()],
            "y": part["services"].to_list(), "marker": {"color": SEGMENT_COLOURS[segment]},
            "hovertemplate": "%{x}: %{y:,} services<extra>%{fullData.name}</extra>"})
    return {"data": traces, "layout": theme.layout(
        barmode="stack", showlegend=True, yaxis={"title": {"text": "Services hurt"}},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0})}


def score_figure(incident: dict) -> Figure:
    """Why the incident ranks where it does: its score's parts, stacked, in service-minutes
    (of a degradation, minutes degraded: no service was lost)."""
    degraded = incident.get("effect") == "degradation"
    parts = {**SCORE_PARTS, **({"score_customer_minutes": "Customer minutes degraded"}
                               if degraded else {})}
    traces = [{"type": "bar", "orientation": "h", "x": [incident.get(key) or 0],
               "y": ["Score"], "name": name, "marker": {"color": colour},
               "hovertemplate": f"{name}: %{{x:,.0f}}<extra></extra>"}
              for (key, name), colour in zip(parts.items(), theme.SERIES, strict=False)]
    return {"data": traces, "layout": theme.layout(
        barmode="stack", showlegend=True, margin={"l": 8, "r": 8, "t": 4, "b": 4},
        legend={"orientation": "h", "yanchor": "top", "y": -0.45, "x": 0,
                "font": {"size": 11}, "traceorder": "normal"},
        yaxis={"visible": False})}


def measured_panels(kpis: pl.DataFrame) -> tuple[tuple[str, str], ...]:
    """The panels of :data:`KPI_PANELS` whose counter has at least one value."""
    return tuple((column, title) for column, title in KPI_PANELS
                 if column in kpis.columns and kpis[column].drop_nulls().len() > 0)


def unmeasured_panels(kpis: pl.DataFrame) -> tuple[str, ...]:
    """The titles of the panels left out because the counter was never reported."""
    shown = {column for column, _ in measured_panels(kpis)}
    return tuple(title.format(resolution="hour") for column, title in KPI_PANELS
                 if column not in shown)


def _panel_domains(count: int) -> list[tuple[list[float], list[float]]]:
    """(x, y) paper domains of ``count`` small panels: two a row up to four, else three."""
    per_row = 2 if count <= 4 else 3
    rows = max((count + per_row - 1) // per_row, 1)
    width, height = 1 / per_row, 1 / rows
    return [([(i % per_row) * width + (0.04 if i % per_row else 0),
              (i % per_row + 1) * width - (0.04 if i % per_row < per_row - 1 else 0)],
             [1 - (i // per_row + 1) * height + (0.08 if i // per_row < rows - 1 else 0),
              1 - (i // per_row) * height - (0.08 if i // per_row else 0)])
            for i in range(count)]


def resource_kpis_figure(kpis: pl.DataFrame, started: datetime, ends: datetime) -> Figure:
    """Small panels of hourly KPIs around the incident (the counters measured), its time
    shaded; the sessions panel shows the usual level dashed beside what was carried."""
    panels = measured_panels(kpis)
    if kpis.is_empty() or not panels:
        return empty_figure("No hourly measurements around this incident")
    daily = "resolution" in kpis.columns and kpis["resolution"][0] == "day"
    hours = kpis["hour"].to_list()
    first, last = hours[0], hours[-1] + (timedelta(days=1) if daily else timedelta(hours=1))
    shade = (max(started, first), min(ends, last))
    if not daily:  # the hours in the dashboard's zone, as the alarm timeline beside it
        hours = [clock.plotted(h) for h in hours]
        shade = (clock.plotted(shade[0]), clock.plotted(shade[1]))
    traces, notes, shapes, axes = [], [], [], {}
    for n, ((column, title), (x_domain, y_domain)) in enumerate(
            zip(panels, _panel_domains(len(panels)), strict=True), 1):
        title = title.format(resolution="day" if daily else "hour")
        suffix = "" if n == 1 else str(n)
        axes[f"xaxis{suffix}"] = {"domain": x_domain, "anchor": f"y{suffix}", "type": "date",
                                  "tickformat": "%d %b" if daily else "%d %b %H:%M",
                                  "nticks": 4,
                                  "matches": None if n == 1 else "x"}
        axes[f"yaxis{suffix}"] = {"domain": y_domain, "anchor": f"x{suffix}",
                                  "rangemode": "tozero"}
        series = [(column, title, {"color": theme.ACCENT, "width": 2})]
        if column == "sessions" and USUAL[0] in kpis.columns \
                and kpis[USUAL[0]].drop_nulls().len() > 0:
            series.append((*USUAL, {"color": theme.MUTED, "width": 1.5, "dash": "dash"}))
        for key, name, line in series:
            traces.append({"type": "scatter", "mode": "lines", "name": name,
                           "x": hours, "y": kpis[key].to_list(), "connectgaps": False,
                           "xaxis": f"x{suffix}", "yaxis": f"y{suffix}", "line": line,
                           "hovertemplate": f"%{{x|%d %b %H:%M}}<br>{name}: %{{y:,.1f}}"
                                            "<extra></extra>"})
        label = f"{title} · {USUAL[1].lower()} dashed" if len(series) > 1 else title
        notes.append({"text": label, "showarrow": False, "font": {"size": 11},
                      "xref": "paper", "x": sum(x_domain) / 2, "xanchor": "center",
                      "yref": "paper", "y": y_domain[1], "yanchor": "bottom"})
        if shade[0] < shade[1]:
            shapes.append({"type": "rect", "xref": f"x{suffix}", "x0": shade[0],
                           "x1": shade[1], "yref": f"y{suffix} domain", "y0": 0, "y1": 1,
                           "line": {"width": 0}, "fillcolor": theme.status_colour("poor"),
                           "opacity": 0.08})
    return {"data": traces, "layout": theme.layout(
        annotations=notes, shapes=shapes, margin={"l": 8, "r": 8, "t": 24, "b": 8}, **axes)}
