"""Pure figure functions of Customer 360: one customer's experience over time with the
incidents that hurt them marked. Frames in, a plotly figure (a dict, see
:mod:`cxbridge.dashboards.figures`) out; no I/O."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import polars as pl

from cxbridge.dashboards import labels, theme
from cxbridge.dashboards.figures import Figure, empty_figure, reference_lines
from cxbridge.models.experience.sei import COMPONENT_FAIL_BELOW, POOR_BELOW
from cxbridge.platform.metrics import metric


def _day_edge(day: date, hours: int) -> datetime:
    """``hours`` from the midnight that starts ``day`` (where the day's point stands)."""
    return datetime.combine(day, time()) + timedelta(hours=hours)


def customer_experience_figure(days: pl.DataFrame, incidents: pl.DataFrame) -> Figure:
    """Each day's experience of the customer's worst service, poor days in the poor colour,
    the registry's experience target and the poor-day threshold as lines, and every incident
    that hurt them shaded and marked with a triangle (hover for what happened)."""
    if days.is_empty():
        return empty_figure("No days in service in the selected period")
    experience = metric("experience_index")
    traces = [{
        "type": "scatter", "mode": "lines+markers", "name": experience.label,
        "x": days["date"].to_list(), "y": days["sei_worst"].to_list(),
        "line": {"color": theme.ACCENT, "width": 2},
        "marker": {"size": 9, "color": [theme.status_colour("poor" if p else "good")
                                        for p in days["poor"].to_list()]},
        "customdata": [r or "" for r in days["worst_reason"].to_list()],
        "hovertemplate": "%{x|%a %d %b}<br>Experience %{y:.0f}<br>%{customdata}"
                         "<extra></extra>",
    }]
    shapes, notes = reference_lines(experience, horizontal=True, poor=(
        POOR_BELOW, f"Poor day below {POOR_BELOW:.0f} points (or any part below "
                    f"{COMPONENT_FAIL_BELOW:.0f})"))
    first, last = days["date"].min(), days["date"].max()
    marks_x, marks_text = [], []
    for row in incidents.unique("incident_id", maintain_order=True).iter_rows(named=True):
        start, end = row["first_at"], row["last_at"] or row["first_at"]
        if end.date() < first or start.date() > last:
            continue
        # each day's point stands at its midnight for the whole day: shade the days the
        # incident touched, centred on their points (the exact times are in the hover), so
        # the shading sits on the dip it caused rather than half a day after it
        shapes.append({"type": "rect", "xref": "x", "x0": _day_edge(start.date(), -12),
                       "x1": _day_edge(max(end, start).date(), 12),
                       "yref": "paper", "y0": 0, "y1": 1, "line": {"width": 0},
                       "fillcolor": theme.status_colour("poor"), "opacity": 0.15})
        marks_x.append(start.date())
        marks_text.append(f"{row['incident_id']}: {row['title']}<br>"
                          f"{labels.format_time(start)} – {labels.format_time(end)}")
    if marks_x:
        traces.append({"type": "scatter", "mode": "markers", "name": "Incidents",
                       "x": marks_x, "y": [101] * len(marks_x), "text": marks_text,
                       "marker": {"symbol": "triangle-down", "size": 11,
                                  "color": theme.status_colour("poor")},
                       "hovertemplate": "%{text}<extra></extra>"})
    # the key: the markers' colours (poor day or not) and the incidents' triangles
    key = theme.colour_key([("Poor day", theme.status_colour("poor")),
                            ("Good day", theme.status_colour("good"))], symbol="circle")
    traces[0]["showlegend"] = False
    return {"data": [*traces, *key], "layout": theme.layout(
        shapes=shapes, annotations=notes, margin={"l": 8, "r": 8, "t": 24, "b": 8},
        showlegend=True, legend=theme.KEY_LEGEND,
        yaxis={"title": {"text": f"{experience.label} ({experience.unit})"},
               "range": [0, 104]},
        xaxis={"tickformat": "%d %b", "title": {"text": "Day"}, "type": "date"})}
