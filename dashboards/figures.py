"""Pure figure functions: a frame and a registry metric in, a plotly figure out. No I/O.

Every title, axis and hover text takes its words from the metric registry and
:mod:`dashboards.labels`; no column name reaches the screen. A metric with a target gets a
dashed target line, and one with a poor threshold a dotted one.
"""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from dashboards import labels, theme
from pipelines.metrics import Metric


def trend_figure(metric: Metric, series: pl.DataFrame) -> go.Figure:
    """The daily trend of one metric; ``series`` has columns ``date`` and ``value``."""
    if series.is_empty():
        return empty_figure("No data for the selected filters")
    figure = go.Figure(
        go.Scatter(
            x=series["date"].to_list(),
            y=series["value"].to_list(),
            mode="lines+markers",
            name=metric.label,
            line={"color": theme.ACCENT, "width": 2},
            marker={"size": 5},
            hovertemplate=f"%{{x|%a %d %b %Y}}<br>{metric.label}: %{{y:,.2f}} {metric.unit}"
            "<extra></extra>",
        ),
        layout={"template": theme.figure_template()},
    )
    _add_reference_lines(figure, metric, horizontal=True)
    one_day_ms = 86_400_000
    figure.update_xaxes(title_text="Day", tickformat="%d %b",
                        dtick=one_day_ms if series.height <= 8 else None)
    figure.update_yaxes(title_text=f"{metric.label} ({metric.unit})")
    figure.update_layout(margin={"t": 16})
    return figure


def breakdown_figure(metric: Metric, frame: pl.DataFrame, by: str) -> go.Figure:
    """One bar per region, segment or service type, coloured by status against the target;
    the worst is on top. ``frame`` has columns ``by`` and ``value``."""
    rows = frame.filter(pl.col("value").is_not_null())
    if rows.is_empty():
        return empty_figure("No data for the selected filters")
    rows = rows.sort("value", descending=metric.direction == "lower_is_better")
    values = rows["value"].to_list()
    names = [labels.value_label(by, v) for v in rows[by].to_list()]
    figure = go.Figure(
        go.Bar(
            x=values,
            y=names,
            orientation="h",
            marker={"color": [theme.status_colour(metric.status(v)) for v in values]},
            text=[labels.format_number(metric, v) for v in values],
            textposition="auto",
            hovertemplate=f"{labels.dimension_label(by)}: %{{y}}<br>{metric.label}: "
            f"%{{x:,.2f}} {metric.unit}<extra></extra>",
        ),
        layout={"template": theme.figure_template()},
    )
    _add_reference_lines(figure, metric, horizontal=False)
    figure.update_yaxes(autorange="reversed")  # the card's picker names the dimension
    figure.update_xaxes(title_text=f"{metric.label} ({metric.unit})", range=_bar_range(metric,
                                                                                       values))
    figure.update_layout(margin={"t": 16}, bargap=0.35)
    return figure


def sparkline_figure(metric: Metric, series: pl.DataFrame, colour: str) -> go.Figure:
    """A small axis-less trend for a KPI tile, with a faint target line."""
    figure = go.Figure(
        go.Scatter(
            x=series["date"].to_list() if not series.is_empty() else [],
            y=series["value"].to_list() if not series.is_empty() else [],
            mode="lines",
            line={"color": colour, "width": 2},
            hoverinfo="skip",
        ),
        layout={"template": theme.figure_template()},
    )
    if metric.target is not None:
        figure.add_hline(y=metric.target, line={"color": theme.MUTED, "width": 1, "dash": "dot"})
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)
    figure.update_layout(margin={"l": 0, "r": 0, "t": 2, "b": 2})
    return figure


def empty_figure(message: str) -> go.Figure:
    """A blank figure that says why it is blank."""
    figure = go.Figure(layout={"template": theme.figure_template()})
    figure.add_annotation(text=message, showarrow=False, font={"color": theme.MUTED, "size": 14},
                          xref="paper", yref="paper", x=0.5, y=0.5)
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)
    return figure


def _add_reference_lines(figure: go.Figure, metric: Metric, horizontal: bool) -> None:
    lines = [
        (metric.target, labels.target_text(metric), theme.status_colour("good"), "dash"),
        (metric.poor_threshold, labels.poor_text(metric), theme.status_colour("poor"), "dot"),
    ]
    for value, text, colour, dash in lines:
        if value is None:
            continue
        style = {"line": {"color": colour, "width": 1.5, "dash": dash},
                 "annotation": {"text": text, "font": {"color": colour, "size": 11}}}
        if horizontal:
            figure.add_hline(y=value, annotation_position="top left", **style)
        else:
            figure.add_vline(x=value, annotation_position="top", **style)


def _bar_range(metric: Metric, values: list[float]) -> list[float] | None:
    """Zoom the axis on the values and the reference lines when they sit far from zero
    (availability at 99.x %), else let plotly start at zero."""
    points = [v for v in (*values, metric.target, metric.poor_threshold) if v is not None]
    low, high = min(points), max(points)
    if low <= 0 or (high - low) > 0.2 * high:
        return None
    pad = max((high - low) * 0.15, high * 1e-4)
    return [low - pad, high + pad]
