"""Pure figure functions: a frame and a registry metric in, a plotly figure out. No I/O.

Figures are plain dicts in plotly's JSON form (``{"data": [...], "layout": {...}}``): Dash
sends them as they are, and building them costs microseconds where ``graph_objects`` spend
tens of milliseconds validating (wrap one in ``plotly.graph_objects.Figure`` to inspect it).

Every title, axis and hover text takes its words from the metric registry and
:mod:`cxbridge.dashboards.labels`; no column name reaches the screen. A metric with a target gets a
dashed target line, and one with a poor threshold a dotted one.
"""

from __future__ import annotations

import polars as pl

from cxbridge.dashboards import labels, theme
from cxbridge.platform.metrics import Metric

Figure = dict
ONE_DAY_MS = 86_400_000


def trend_figure(metric: Metric, series: pl.DataFrame) -> Figure:
    """The daily trend of one metric; ``series`` has columns ``date`` and ``value``."""
    if series.is_empty():
        return empty_figure("No data for the selected filters")
    shapes, notes = reference_lines(metric, horizontal=True)
    trace = {
        "type": "scatter", "mode": "lines+markers", "name": metric.label,
        "x": series["date"].to_list(), "y": series["value"].to_list(),
        "line": {"color": theme.ACCENT, "width": 2}, "marker": {"size": 5},
        "hovertemplate": f"%{{x|%a %d %b %Y}}<br>{metric.label}: %{{y:,.2f}} {metric.unit}"
                         "<extra></extra>",
    }
    x_axis = {"title": {"text": "Day"}, "tickformat": "%d %b", "type": "date"}
    days = series["date"].drop_nulls()
    if not days.is_empty() and (days.max() - days.min()).days < 8:  # a tick a day, when few
        x_axis["dtick"] = ONE_DAY_MS
    return {"data": [trace], "layout": theme.layout(
        xaxis=x_axis, yaxis={"title": {"text": f"{metric.label} ({metric.unit})"}},
        shapes=shapes, annotations=notes, margin={"l": 8, "r": 8, "t": 16, "b": 8})}


def breakdown_figure(metric: Metric, frame: pl.DataFrame, by: str) -> Figure:
    """One bar per region, segment or service type, coloured by status against the target;
    the worst is on top. ``frame`` has columns ``by`` and ``value``."""
    rows = frame.filter(pl.col("value").is_not_null())
    if rows.is_empty():
        return empty_figure("No data for the selected filters")
    rows = rows.sort("value", descending=metric.direction == "lower_is_better")
    values = rows["value"].to_list()
    trace = {
        "type": "bar", "orientation": "h", "x": values,
        "y": [labels.value_label(by, v) for v in rows[by].to_list()],
        "marker": {"color": [theme.status_colour(metric.status(v)) for v in values]},
        "text": [labels.format_number(metric, v) for v in values], "textposition": "auto",
        "hovertemplate": f"{labels.dimension_label(by)}: %{{y}}<br>{metric.label}: "
                         f"%{{x:,.2f}} {metric.unit}<extra></extra>",
    }
    shapes, notes = reference_lines(metric, horizontal=False)
    x_axis: dict = {"title": {"text": f"{metric.label} ({metric.unit})"}}
    zoom = _bar_range(metric, values)
    if zoom:
        x_axis["range"] = zoom
    return {"data": [trace], "layout": theme.layout(
        xaxis=x_axis, yaxis={"autorange": "reversed"}, shapes=shapes, annotations=notes,
        bargap=0.35, margin={"l": 8, "r": 8, "b": 8,
                             "t": 16 + LABEL_ROW * any(n.get("yshift") for n in notes)})}


def sparkline_figure(metric: Metric, series: pl.DataFrame, colour: str) -> Figure:
    """A small axis-less trend for a KPI tile, with a faint target line."""
    trace = {
        "type": "scatter", "mode": "lines" if series.height > 2 else "lines+markers",
        "x": series["date"].to_list() if not series.is_empty() else [],
        "y": series["value"].to_list() if not series.is_empty() else [],
        "line": {"color": colour, "width": 2}, "marker": {"size": 7}, "hoverinfo": "skip",
    }
    shapes = [] if metric.target is None else [_hline(metric.target, {
        "color": theme.MUTED, "width": 1, "dash": "dot"})]
    return {"data": [trace], "layout": theme.layout(
        xaxis={"visible": False}, yaxis={"visible": False}, shapes=shapes,
        margin={"l": 0, "r": 0, "t": 2, "b": 2})}


def empty_figure(message: str) -> Figure:
    """A blank figure that says why it is blank."""
    note = {"text": message, "showarrow": False, "font": {"color": theme.MUTED, "size": 14},
            "xref": "paper", "yref": "paper", "x": 0.5, "y": 0.5}
    return {"data": [], "layout": theme.layout(
        xaxis={"visible": False}, yaxis={"visible": False}, annotations=[note])}


def reference_lines(metric: Metric, horizontal: bool,
                    poor: tuple[float, str] | None = None) -> tuple[list[dict], list[dict]]:
    """The target (dashed, good colour) and poor (dotted, poor colour) lines of a metric, as
    shapes and their labels (on a light backing, readable over the data); horizontal across
    a trend, vertical across bars. ``poor`` replaces the metric's poor line (value, label):
    a chart of single days shows where a *day* is poor, not an average.

    With both lines, two close thresholds (churn risk's 2 % and 4 %) must not print their
    labels over each other: across a trend the higher value's label sits above its line and the
    lower's below; across bars the target's label is raised a row above the poor line's
    (:data:`LABEL_ROW` pixels: a chart with both leaves that much more room at its top)."""
    shapes, notes = [], []
    poor_value, poor_label = poor or (metric.poor_threshold, labels.poor_text(metric))
    lines = [
        (metric.target, labels.target_text(metric), theme.status_colour("good"), "dash"),
        (poor_value, poor_label, theme.status_colour("poor"), "dot"),
    ]
    drawn = [v for v, *_ in lines if v is not None]
    for value, text, colour, dash in lines:
        if value is None:
            continue
        side = ("centre" if len(drawn) < 2 or drawn[0] == drawn[1]
                else "high" if value == max(drawn) else "low")
        style = {"color": colour, "width": 1.5, "dash": dash}
        font = {"color": colour, "size": 11}
        if horizontal:
            shapes.append(_hline(value, style))
            notes.append({"text": text, "font": font, "showarrow": False, "xref": "paper",
                          "x": 0, "xanchor": "left", "yref": "y", "y": value,
                          "yanchor": "top" if side == "low" else "bottom",
                          "bgcolor": _BACKING})
        else:
            shapes.append({"type": "line", "xref": "x", "x0": value, "x1": value,
                           "yref": "paper", "y0": 0, "y1": 1, "line": style})
            raised = side != "centre" and len(notes) == 0  # the target, listed first
            notes.append({"text": text, "font": font, "showarrow": False, "xref": "x",
                          "x": value, "xanchor": "center", "yref": "paper", "y": 1,
                          "yanchor": "bottom", "yshift": LABEL_ROW if raised else 0,
                          "bgcolor": _BACKING})
    return shapes, notes


LABEL_ROW = 15  # pixels between the two label rows above a bar chart's reference lines


_BACKING = "rgba(255, 255, 255, 0.85)"


def _hline(value: float, line: dict) -> dict:
    return {"type": "line", "xref": "paper", "x0": 0, "x1": 1, "yref": "y", "y0": value,
            "y1": value, "line": line}


def _bar_range(metric: Metric, values: list[float]) -> list[float] | None:
    """Zoom the axis on the values and the reference lines when they sit far from zero
    (availability at 99.x %), else let plotly start at zero."""
    points = [v for v in (*values, metric.target, metric.poor_threshold) if v is not None]
    low, high = min(points), max(points)
    if low <= 0 or (high - low) > 0.2 * high:
        return None
    pad = max((high - low) * 0.15, high * 1e-4)
    return [low - pad, high + pad]
