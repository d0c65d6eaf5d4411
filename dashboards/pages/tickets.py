"""Care tickets: what customers complain about and how care deals with it — tickets over time by
family with the network's share in the accent colour, categories, regions (or states), status
and time to resolve, and the phrases network complaints share most.

It reads the ticket marts (``marts.ticket_daily``, ``marts.ticket_phrases``, ``marts.tickets``),
which a care system's tickets or a complaints export fill, with or without known customers. It
shows counts and shared phrases only, never one ticket's text, so every role may open it
(:mod:`cxbridge.dashboards.roles`); without tickets it says which feed would bring them.
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Output, callback, dcc, html

from cxbridge.dashboards import tickets_view as view
from cxbridge.dashboards.components import titled_card
from cxbridge.dashboards.context import current_reader, needs_snapshot
from cxbridge.dashboards.figures import empty_figure
from cxbridge.dashboards.figures_tickets import (
    category_figure,
    region_figure,
    resolve_figure,
    volume_figure,
)
from cxbridge.dashboards.filters import Filters, filter_inputs
from cxbridge.platform.snapshot_metrics import previous_period

dash.register_page(__name__, path="/tickets", name="Care tickets",
                   title="Care tickets · cxbridge", order=40)

_GRAPH = {"config": {"displayModeBar": False}, "responsive": True}


def _graph(graph_id: str, height: int) -> dcc.Graph:
    return dcc.Graph(id=graph_id, style={"height": f"{height}px"}, **_GRAPH)


def layout(**_query: str) -> html.Div:
    body = html.Div([
        html.Div(id="tickets-stats"),
        html.Div(id="tickets-period-note", className="card-note mb-2"),
        dbc.Row([
            dbc.Col(titled_card("Tickets over time, by family", [
                _graph("tickets-volume", 240)]), lg=7),
            dbc.Col(titled_card("Categories", [_graph("tickets-categories", 240)]), lg=5),
        ], className="g-3 mb-3"),
        dbc.Row([
            dbc.Col(titled_card("Where: tickets by region or state", [
                _graph("tickets-regions", 280)]), lg=4),
            dbc.Col(titled_card("Status and time to resolve", [
                html.Div(id="tickets-status"), _graph("tickets-resolve", 170)]), lg=4),
            dbc.Col(titled_card("What network complaints say", [
                html.Div(id="tickets-phrases")]), lg=4),
        ], className="g-3"),
    ], id="tickets-body")
    return html.Div([html.Div(id="tickets-notice"), body], className="tickets")


@callback(Output("tickets-notice", "children"), Output("tickets-body", "hidden"),
          Output("tickets-stats", "children"), Output("tickets-period-note", "children"),
          Output("tickets-volume", "figure"), Output("tickets-categories", "figure"),
          Output("tickets-regions", "figure"), Output("tickets-status", "children"),
          Output("tickets-resolve", "figure"), Output("tickets-phrases", "children"),
          *filter_inputs())
@needs_snapshot
def show_tickets(start, end, regions, segments, cfs_types):
    """Every part of the page for the filter bar's period, regions and segments."""
    filters = Filters.from_inputs(start, end, regions, segments, cfs_types)
    reader = current_reader()
    whole = view.span(reader) if view.has_tickets(reader) else None
    if whole is None or not whole.tickets:
        blank = empty_figure("")
        return (view.no_tickets_notice(), True, None, None, blank, blank, blank, None, blank,
                None)
    summary = view.summary(reader, filters)
    earlier = previous_period(filters, whole.first_date, whole.last_date)
    before = view.summary(reader, earlier) if earlier else None
    return (None, False, view.stats_row(summary, before, earlier),
            view.period_note(summary, whole, filters),
            volume_figure(view.by_day(reader, filters)),
            category_figure(view.by_category(reader, filters)),
            region_figure(view.by_region(reader, filters)),
            view.status_table(view.by_status(reader, filters)),
            resolve_figure(view.resolve_bands(reader, filters)),
            view.phrases_table(view.phrases(reader, filters)))
