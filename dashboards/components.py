"""Small layout pieces shared by pages: KPI tiles, titled cards, notices."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import polars as pl
from dash import dcc, html

from dashboards import labels, theme
from dashboards.figures import sparkline_figure
from pipelines.metrics import Metric

_STATIC_GRAPH = {"displayModeBar": False, "staticPlot": True}


def glossary_anchor(metric_name: str) -> str:
    """The element id of a metric's entry on the glossary page."""
    return f"glossary-{metric_name.replace('_', '-')}"


def glossary_href(metric_name: str, query: str = "") -> str:
    """A link to a metric's glossary entry that keeps the filter state in ``query``."""
    return f"/glossary{query}#{glossary_anchor(metric_name)}"


def kpi_tile(metric: Metric, value: float | None, series: pl.DataFrame, query: str,
             id_prefix: str) -> dbc.Card:
    """A tile: label, value over the range, status against target, sparkline, glossary link."""
    status = metric.status(value)
    colour = theme.status_colour(status)
    return dbc.Card(
        dbc.CardBody(
            [
                html.Div(metric.label, className="kpi-label"),
                html.Div(
                    [
                        html.Span(
                            [html.Span(labels.format_number(metric, value),
                                       className="kpi-number"),
                             html.Span(metric.unit, className="kpi-unit")],
                            id=f"{id_prefix}-value-{metric.name}",
                        ),
                        dbc.Badge(theme.status_label(status), color=colour,
                                  className="kpi-status") if status != "unknown" else None,
                    ],
                    className="kpi-value",
                ),
                html.Div(labels.target_text(metric), className="kpi-target"),
                dcc.Graph(figure=sparkline_figure(metric, series, colour), config=_STATIC_GRAPH,
                          responsive=True, style={"height": "48px"}, className="kpi-sparkline"),
                dcc.Link("What this measures", href=glossary_href(metric.name, query),
                         className="kpi-link"),
            ]
        ),
        className="kpi-tile h-100",
        style={"borderTopColor": colour},
        id=f"{id_prefix}-tile-{metric.name}",
    )


def titled_card(title: str, body: list, controls: object | None = None) -> dbc.Card:
    """A card with a title row (and optional controls on the right) over its body."""
    heading = [html.H2(title, className="card-title-text")]
    if controls is not None:  # a component with no children is falsy
        heading.append(controls)
    header = html.Div(heading, className="card-title-row")
    return dbc.Card(dbc.CardBody([header, *body]), className="panel h-100")


def no_snapshot_notice(message: str) -> dbc.Alert:
    """What the user sees while no snapshot is published."""
    return dbc.Alert(
        [html.Strong("No data to show yet. "), html.Span(message)],
        color="warning",
        className="mt-3",
    )
