"""Overview (executives): the shared customer-experience KPIs against their targets.

The headline tiles are the KPIs both departments are judged on (experience, customers with a
poor day, customers hurt by faults, churn risk, revenue at risk, time to restore, and what
operations' care after incidents protected: revenue protected); below them a daily trend and
a breakdown of any metric, then the network and care KPIs. Everything follows the filter bar;
each tile links to its definition in the glossary.
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
import flask
from dash import Input, Output, callback, dcc, html

from cxbridge.dashboards import feed_notices, figures
from cxbridge.dashboards.components import kpi_tiles, titled_card
from cxbridge.dashboards.context import current_reader, needs_snapshot
from cxbridge.dashboards.data_access import DIMENSIONS
from cxbridge.dashboards.filters import Filters, filter_inputs
from cxbridge.dashboards.labels import dimension_label
from cxbridge.dashboards.page_state import Control, PageState, one_of
from cxbridge.platform.metrics import HEADLINE, METRICS, metric
from cxbridge.platform.warehouse import WarehouseError

dash.register_page(__name__, path="/", name="Overview", title="Overview · cxbridge", order=0)

MORE = tuple(m.name for m in METRICS if m.name not in HEADLINE)
DEFAULT_KPI = "experience_index"
_GRAPH_CONFIG = {"displayModeBar": False}
_TILE_ROW = "row row-cols-2 row-cols-md-3 row-cols-xl-7 g-3 mb-3"


def _by_of_kpi(values: dict) -> dict:
    """The breakdown offers only the dimensions the chosen KPI is split by (its first one
    when the asked one is not)."""
    dims = metric(values["kpi"]).dimensions
    return values if values["by"] in dims else {**values, "by": dims[0]}


# the page's controls in the URL (?kpi=churn_risk&by=segment), defaults left out
STATE = PageState("overview", (
    Control("kpi", "overview-kpi", DEFAULT_KPI, one_of(m.name for m in METRICS)),
    Control("by", "overview-breakdown-by", "region", one_of(DIMENSIONS)),
), fix=_by_of_kpi)
STATE.register()


def layout(**query: str) -> html.Div:
    """The page skeleton, its controls as the URL asks (:data:`STATE`); the callbacks below
    fill it for the current filters. While the loaded feeds cannot build the customer views,
    every output as a card instead (what the data gives, and what would bring the rest)."""
    cards = _output_cards()
    chosen = STATE.values(query)
    kpi = chosen["kpi"]
    kpi_picker = dcc.Dropdown(
        id="overview-kpi",
        options=[{"label": m.label, "value": m.name} for m in METRICS],
        value=kpi, clearable=False, className="overview-kpi-picker",
    )
    by_picker = dbc.RadioItems(id="overview-breakdown-by", inline=True,
                               value=chosen["by"],
                               options=_by_options(kpi), className="overview-by-picker")
    kpis = html.Div(
        [
            html.Div(id="overview-tiles", className=_TILE_ROW),
            dbc.Row(
                [
                    dbc.Col(titled_card("Daily trend", [_graph("overview-trend")], kpi_picker),
                            lg=7),
                    dbc.Col(titled_card("Breakdown", [_graph("overview-breakdown")], by_picker),
                            lg=5),
                ],
                className="g-3 mb-3",
            ),
            html.H2("Network and care", className="section-title"),
            html.Div(id="overview-more-tiles",
                     className=_TILE_ROW.replace("row-cols-xl-7", "row-cols-xl-4")),
        ],
        # kept (hidden) while the cards stand in, so the page's callbacks find their outputs
        hidden=cards is not None,
    )
    return html.Div([STATE.location(), *([cards, kpis] if cards else [kpis])],
                    className="overview")


def _output_cards() -> html.Div | None:
    """Every output as a card while the customer views are not built, else ``None``."""
    if not flask.has_request_context():
        return None
    try:
        capabilities = current_reader().capabilities()
    except WarehouseError:
        return None
    if feed_notices.built(capabilities, "customer_views"):
        return None
    return feed_notices.output_cards(capabilities)


def _graph(graph_id: str) -> dcc.Loading:
    graph = dcc.Graph(id=graph_id, config=_GRAPH_CONFIG, responsive=True,
                      style={"height": "300px"}, className="panel-graph")
    return dcc.Loading(graph, type="dot", delay_show=300)


def _by_options(metric_name: str) -> list[dict]:
    dims = metric(metric_name).dimensions
    return [{"label": dimension_label(d), "value": d, "disabled": d not in dims}
            for d in DIMENSIONS]


@callback(Output("overview-tiles", "children"), *filter_inputs())
@needs_snapshot
def show_tiles(start, end, regions, segments, cfs_types):
    """The headline KPIs: value over the range, status, target, sparkline, glossary link."""
    filters = Filters.from_inputs(start, end, regions, segments, cfs_types)
    return kpi_tiles(current_reader(), HEADLINE, filters, "overview")


@callback(Output("overview-more-tiles", "children"), *filter_inputs())
@needs_snapshot
def show_more_tiles(start, end, regions, segments, cfs_types):
    """The network and care KPIs, the same way."""
    filters = Filters.from_inputs(start, end, regions, segments, cfs_types)
    return kpi_tiles(current_reader(), MORE, filters, "overview")


@callback(Output("overview-breakdown-by", "options"), Input("overview-kpi", "value"))
def follow_metric(metric_name):
    """Offer only the dimensions the chosen metric is split by (the page state moves the
    choice off one it is not split by: :func:`_by_of_kpi`)."""
    return _by_options(metric_name)


@callback(Output("overview-trend", "figure"), Input("overview-kpi", "value"), *filter_inputs())
@needs_snapshot
def show_trend(metric_name, start, end, regions, segments, cfs_types):
    """The chosen KPI, day by day."""
    filters = Filters.from_inputs(start, end, regions, segments, cfs_types)
    reader = current_reader()
    if not reader.source_available(metric_name):
        return figures.empty_figure(f"No {metric(metric_name).label.lower()} in this snapshot")
    return figures.trend_figure(metric(metric_name), reader.kpi_series(metric_name, filters))


@callback(Output("overview-breakdown", "figure"), Input("overview-kpi", "value"),
          Input("overview-breakdown-by", "value"), *filter_inputs())
@needs_snapshot
def show_breakdown(metric_name, by, start, end, regions, segments, cfs_types):
    """The chosen KPI over the range, one bar per region, segment or service type."""
    filters = Filters.from_inputs(start, end, regions, segments, cfs_types)
    m, reader = metric(metric_name), current_reader()
    if not reader.source_available(metric_name):
        return figures.empty_figure(f"No {m.label.lower()} in this snapshot")
    if by not in m.dimensions:
        return figures.empty_figure(f"{m.label} is not split by {dimension_label(by).lower()}")
    return figures.breakdown_figure(m, reader.breakdown(metric_name, by, filters), by)
