"""Overview (executives): the shared customer-experience KPIs against their targets.

Tiles for every registry metric read from ``kpi_daily``, a daily trend of a chosen KPI and a
breakdown of it by region, segment or service type. Everything follows the filter bar.
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, callback, dcc, html

from dashboards import figures
from dashboards.components import kpi_tile, titled_card
from dashboards.context import current_reader, needs_snapshot
from dashboards.data_access import DIMENSIONS
from dashboards.filters import Filters, filter_inputs
from dashboards.labels import dimension_label
from pipelines.metrics import METRICS, metric

dash.register_page(__name__, path="/", name="Overview", title="Overview · cxbridge", order=0)

KPI_NAMES = tuple(m.name for m in METRICS if m.source == "kpi_daily")
DEFAULT_KPI = "service_availability" if "service_availability" in KPI_NAMES else KPI_NAMES[0]
_GRAPH_CONFIG = {"displayModeBar": False}


def layout(**_query: str) -> html.Div:
    """The page skeleton; the callbacks below fill it for the current filters."""
    kpi_picker = dcc.Dropdown(
        id="overview-kpi",
        options=[{"label": metric(name).label, "value": name} for name in KPI_NAMES],
        value=DEFAULT_KPI,
        clearable=False,
        className="overview-kpi-picker",
    )
    by_picker = dbc.RadioItems(
        id="overview-breakdown-by",
        options=[{"label": dimension_label(d), "value": d} for d in DIMENSIONS],
        value="region",
        inline=True,
        className="overview-by-picker",
    )
    return html.Div(
        [
            html.Div(id="overview-tiles", className="row row-cols-1 row-cols-md-3 "
                                                     "row-cols-xl-5 g-3 mb-3"),
            dbc.Row(
                [
                    dbc.Col(titled_card("Daily trend", [_graph("overview-trend")], kpi_picker),
                            lg=7),
                    dbc.Col(titled_card("Breakdown", [_graph("overview-breakdown")], by_picker),
                            lg=5),
                ],
                className="g-3",
            ),
        ],
        className="overview",
    )


def _graph(graph_id: str) -> dcc.Loading:
    graph = dcc.Graph(id=graph_id, config=_GRAPH_CONFIG, responsive=True,
                      style={"height": "300px"}, className="panel-graph")
    return dcc.Loading(graph, type="dot", delay_show=300)


@callback(Output("overview-tiles", "children"), *filter_inputs())
@needs_snapshot
def show_tiles(start, end, regions, segments, cfs_types):
    """One tile per KPI: value over the range, status, target, sparkline, glossary link."""
    filters = Filters.from_inputs(start, end, regions, segments, cfs_types)
    reader = current_reader()
    values = reader.kpi_values(KPI_NAMES, filters)
    return [
        html.Div(kpi_tile(metric(name), values[name], reader.kpi_series(name, filters),
                          filters.to_query(), "overview"), className="col")
        for name in KPI_NAMES
    ]


@callback(Output("overview-trend", "figure"), Input("overview-kpi", "value"), *filter_inputs())
@needs_snapshot
def show_trend(metric_name, start, end, regions, segments, cfs_types):
    """The chosen KPI, day by day."""
    filters = Filters.from_inputs(start, end, regions, segments, cfs_types)
    series = current_reader().kpi_series(metric_name, filters)
    return figures.trend_figure(metric(metric_name), series)


@callback(Output("overview-breakdown", "figure"), Input("overview-kpi", "value"),
          Input("overview-breakdown-by", "value"), *filter_inputs())
@needs_snapshot
def show_breakdown(metric_name, by, start, end, regions, segments, cfs_types):
    """The chosen KPI over the range, one bar per region, segment or service type."""
    filters = Filters.from_inputs(start, end, regions, segments, cfs_types)
    frame = current_reader().breakdown(metric_name, by, filters)
    return figures.breakdown_figure(metric(metric_name), frame, by)
