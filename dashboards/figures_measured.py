"""Pure figure functions of the Measured experience page: sessions on a time line coloured by
technology, and video vs download, driving vs static side by side. Frames in, plotly figures
(dicts, see :mod:`cxbridge.dashboards.figures`) out; no I/O."""

from __future__ import annotations

import polars as pl

from cxbridge.dashboards import clock, theme
from cxbridge.dashboards.figures import Figure, empty_figure

TECHNOLOGY_COLOURS = {"5G": theme.SERIES[0], "4G": theme.SERIES[1], "3G": theme.SERIES[3],
                      "2G": theme.SERIES[5]}
UNKNOWN_TECHNOLOGY = "Not known"
MOBILITY_COLOURS = {"driving": theme.SERIES[0], "static": theme.SERIES[2]}
POOR_LINE = 70.0  # the SEI's poor line (cxbridge.models.experience.sei.POOR_BELOW)


def _poor_line() -> list[dict]:
    """The dotted poor line (the card says what it is: a label would sit on the points)."""
    return [{"type": "line", "xref": "paper", "x0": 0, "x1": 1, "y0": POOR_LINE,
             "y1": POOR_LINE, "line": {"color": theme.status_colour("poor"), "width": 1,
                                       "dash": "dot"}}]


def sessions_timeline(sessions: pl.DataFrame) -> Figure:
    """Each session's score at its start time (in the dashboard's zone), one colour per
    technology it was mostly on."""
    zone = clock.zone_label()
    scored = sessions.filter(pl.col("score").is_not_null())
    if scored.is_empty():
        return empty_figure("No scored session")
    scored = scored.with_columns(pl.col("main_technology").fill_null(UNKNOWN_TECHNOLOGY),
                                 pl.format("{} · {} · {}", pl.col("app").fill_null("app?"),
                                           pl.col("mobility").fill_null("–"),
                                           pl.col("content").fill_null("")).alias("what"),
                                 pl.col("reason").fill_null("no single drag"))
    traces = []
    for technology in [*TECHNOLOGY_COLOURS, UNKNOWN_TECHNOLOGY]:
        part = scored.filter(pl.col("main_technology") == technology)
        if part.is_empty():
            continue
        traces.append({
            "type": "scatter", "mode": "markers", "name": technology,
            "x": [clock.plotted(t) for t in part["started_at"].to_list()],
            "y": part["score"].to_list(),
            "marker": {"color": TECHNOLOGY_COLOURS.get(technology, theme.MUTED), "size": 9,
                       "opacity": 0.85, "line": {"color": theme.SURFACE, "width": 1}},
            "customdata": part.select("what", "dl_mean_mbps", "reason").rows(),
            "hovertemplate": "%{customdata[0]}<br>%{x|%d %b %Y %H:%M} " + zone + "<br>"
                             "Score %{y:.0f} · %{customdata[1]:.1f} Mbit/s<br>"
                             "%{customdata[2]}<extra>" + technology + "</extra>",
        })
    return {"data": traces, "layout": theme.layout(
        showlegend=True, legend={"orientation": "h", "y": 1.12, "x": 0,
                                 "title": {"text": "Mostly on "}},
        xaxis={"type": "date", "title": {"text": f"Session start ({zone})"}},
        yaxis={"title": {"text": "Experience score"}, "range": [0, 103]},
        shapes=_poor_line(), margin={"l": 8, "r": 8, "t": 24, "b": 8})}


def groups_figure(groups: pl.DataFrame) -> Figure:
    """Median session score for video and download, driving and static side by side, with
    the number of sessions on each bar."""
    if groups.is_empty():
        return empty_figure("No session")
    traces = []
    for mobility in groups["mobility"].unique(maintain_order=True).to_list():
        part = groups.filter(pl.col("mobility") == mobility)
        traces.append({
            "type": "bar", "name": mobility.title(),
            "x": [a.title() for a in part["activity"].to_list()],
            "y": part["median_score"].to_list(),
            "text": [f"{n} sessions" for n in part["sessions"].to_list()],
            "textposition": "inside", "insidetextanchor": "end", "textangle": 0,
            "textfont": {"size": 11},
            "marker": {"color": MOBILITY_COLOURS.get(mobility, theme.MUTED)},
            "customdata": part.select("dl_mean_mbps", "share_5g").rows(),
            "hovertemplate": "%{x} · " + mobility + "<br>Median score %{y:.0f}<br>"
                             "%{customdata[0]:.1f} Mbit/s while transferring<br>"
                             "%{customdata[1]:.0%} of the time on 5G<extra></extra>",
        })
    return {"data": traces, "layout": theme.layout(
        barmode="group", showlegend=True, legend={"orientation": "h", "y": 1.12, "x": 0},
        yaxis={"title": {"text": "Median session score"}, "range": [0, 103]},
        shapes=_poor_line(), margin={"l": 8, "r": 8, "t": 24, "b": 8})}
