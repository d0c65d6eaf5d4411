"""Pure figure functions of the Marketing page: the experience × churn-risk quadrants and the
churn drivers. Frames from :mod:`cxbridge.dashboards.campaign` in, plotly figures (dicts, see
:mod:`cxbridge.dashboards.figures`) out; no I/O.

Quadrant colours follow the status palette: below-target experience with high risk is *poor*,
below target with lower risk *watch*, on target with lower risk *good*; the fourth (on target
but at high risk) takes the accent colour, as nothing about the service is wrong there.
"""

from __future__ import annotations

import textwrap

import polars as pl

from cxbridge.dashboards import labels, theme
from cxbridge.dashboards.campaign import QUADRANTS
from cxbridge.dashboards.figures import Figure, empty_figure

QUADRANT_COLOURS: dict[str, str] = {
    "poor_high": theme.status_colour("poor"),
    "poor_low": theme.status_colour("watch"),
    "good_high": theme.ACCENT,
    "good_low": theme.status_colour("good"),
}
EXPERIENCE_STEP, RISK_STEP = 5.0, 0.05


def risk_map_figure(grid: pl.DataFrame, experience_target: float,
                    high_risk_floor: float | None) -> Figure:
    """Customers by experience (x) and churn probability (y) as a density (darker: more
    customers, on a square-root scale so that the few at risk still show), with the quadrant
    lines: the experience target and the lowest probability the model calls high risk.
    ``grid`` comes from :func:`cxbridge.dashboards.campaign.risk_grid`."""
    if grid.is_empty():
        return empty_figure("No scored customers for the selected filters")
    left = min(60.0, float(grid["experience_bin"].min()))
    xs = [left + EXPERIENCE_STEP * i for i in range(int((100 - left) // EXPERIENCE_STEP))]
    ys = [round(RISK_STEP * i, 4) for i in range(int(round(1 / RISK_STEP)))]
    cells = {(x, y): n for x, y, n in
             grid.select("experience_bin", "risk_bin", "customers").iter_rows()}
    counts = [[cells.get((x, y)) for x in xs] for y in ys]
    trace = {
        "type": "heatmap", "x": [x + EXPERIENCE_STEP / 2 for x in xs],
        "y": [100 * (y + RISK_STEP / 2) for y in ys],
        "z": [[None if n is None else n ** 0.5 for n in row] for row in counts],
        "text": counts, "xgap": 1, "ygap": 1, "hoverongaps": False, "showscale": False,
        "colorscale": [[0, "#dbe8f6"], [1, theme.BRAND]],
        "hovertemplate": "Experience %{x:.0f} ± 2.5<br>Churn probability %{y:.1f} % ± 2.5"
                         "<br>%{text:,} customers<extra></extra>",
    }
    line = {"color": theme.status_colour("poor"), "width": 1.5, "dash": "dash"}
    font = {"size": 11, "color": theme.status_colour("poor")}
    shapes = [{"type": "line", "xref": "x", "x0": experience_target, "x1": experience_target,
               "yref": "paper", "y0": 0, "y1": 1, "line": line}]
    notes = [{"text": "Darker: more customers", "xref": "paper", "x": 1, "xanchor": "right",
              "yref": "paper", "y": 1, "yanchor": "bottom", "showarrow": False,
              "font": {"size": 11, "color": theme.MUTED}},
             {"text": "Experience target", "xref": "x", "x": experience_target,
              "xanchor": "right", "yref": "paper", "y": 1, "yanchor": "top",
              "showarrow": False, "font": font}]
    if high_risk_floor is not None:
        shapes.append({"type": "line", "xref": "paper", "x0": 0, "x1": 1, "yref": "y",
                       "y0": 100 * high_risk_floor, "y1": 100 * high_risk_floor, "line": line})
        notes.append({"text": "High churn risk", "xref": "paper", "x": 0, "xanchor": "left",
                      "yref": "y", "y": 100 * high_risk_floor, "yanchor": "bottom",
                      "showarrow": False, "font": font})
    return {"data": [trace], "layout": theme.layout(
        xaxis={"title": {"text": "Experience index over the period (points)"},
               "range": [left, 100]},
        yaxis={"title": {"text": "Churn probability (%)"}, "range": [0, 100]},
        shapes=shapes, annotations=notes, margin={"l": 8, "r": 8, "t": 16, "b": 8})}


def quadrant_bars_figure(frame: pl.DataFrame, by: str) -> Figure:
    """Per region, segment or service type, its customers split by quadrant (stacked shares);
    ``frame`` has ``by``, ``quadrant``, ``customers``."""
    if frame.is_empty():
        return empty_figure("No customers for the selected filters")
    totals = frame.group_by(by).agg(total=pl.col("customers").sum())
    shares = frame.join(totals, on=by).with_columns(
        share=100 * pl.col("customers") / pl.col("total"))
    order = [labels.value_label(by, v) for v in sorted(totals[by].to_list())]
    traces = []
    for quadrant, name in QUADRANTS.items():
        part = shares.filter(pl.col("quadrant") == quadrant)
        traces.append({
            "type": "bar", "orientation": "h", "name": name,
            "y": [labels.value_label(by, v) for v in part[by].to_list()],
            "x": part["share"].to_list(), "customdata": part["customers"].to_list(),
            "marker": {"color": QUADRANT_COLOURS[quadrant]},
            "hovertemplate": f"%{{y}}<br>{name}: %{{customdata:,}} customers "
                             "(%{x:.1f} %)<extra></extra>",
        })
    return {"data": traces, "layout": theme.layout(
        barmode="stack", showlegend=True, bargap=0.3,
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0,
                "font": {"size": 11}, "traceorder": "normal"},
        yaxis={"categoryorder": "array", "categoryarray": list(reversed(order))},
        xaxis={"title": {"text": "Share of customers (%)"}, "range": [0, 100]})}


def drivers_figure(drivers: pl.DataFrame) -> Figure:
    """The churn model's most frequent reasons among customers at high risk, most customers on
    top; network-rooted reasons (a ``network`` column, when known) in the poor colour."""
    if drivers.is_empty():
        return empty_figure("No churn reasons for the selected customers")
    names = ["<br>".join(textwrap.wrap(labels.sentence_case(r), 40))
             for r in drivers["reason"].to_list()]
    network = (drivers["network"].fill_null(False).to_list() if "network" in drivers.columns
               else [False] * drivers.height)
    trace = {
        "type": "bar", "orientation": "h", "x": drivers["customers"].to_list(), "y": names,
        "showlegend": False,
        "marker": {"color": [theme.status_colour("poor") if n else theme.ACCENT
                             for n in network]},
        "customdata": ["Network" if n else "Commercial" for n in network],
        "text": drivers["customers"].to_list(), "texttemplate": "%{text:,}",
        "textposition": "auto",
        "hovertemplate": "%{y}<br>%{x:,} customers · %{customdata}<extra></extra>",
    }
    key = theme.colour_key([("Network", theme.status_colour("poor")),
                            ("Commercial", theme.ACCENT)])
    return {"data": [trace, *key], "layout": theme.layout(
        yaxis={"autorange": "reversed", "tickfont": {"size": 11}, "type": "category"},
        xaxis={"title": {"text": "Customers at high risk with this reason"}}, bargap=0.3,
        showlegend=True, legend=theme.KEY_LEGEND, margin={"l": 8, "r": 8, "t": 24, "b": 8})}
