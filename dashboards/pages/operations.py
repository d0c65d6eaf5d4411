"""Network operations: the incident queue ranked by customer impact (alarm severity beside it),
experience by region and day, and the silent degradations no alarm announced.

Each incident opens onto its own page (:mod:`dashboards.pages.incident`). Operations sees
customers by id and count only (:mod:`dashboards.roles`).
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, callback, dcc, html

from dashboards.components import missing_notice, titled_card
from dashboards.context import current_reader, needs_snapshot
from dashboards.data_access import INCIDENT_TABLES
from dashboards.figures_network import heatmap_by_day
from dashboards.filters import Filters, filter_inputs
from dashboards.network_view import queue_table, silent_table
from dashboards.registry import metric

dash.register_page(__name__, path="/operations", name="Network operations",
                   title="Network operations · cxbridge", order=20)

EXPERIENCE = "experience_index"


def layout(**_query: str) -> html.Div:
    controls = html.Div([
        dbc.RadioItems(id="operations-view", value="all", inline=True, options=[
            {"label": "Open now", "value": "open"},
            {"label": "Everything in the period", "value": "all"}]),
        dbc.Checklist(id="operations-planned", value=[], inline=True, switch=True,
                      options=[{"label": "Planned maintenance", "value": "planned"}]),
    ], className="queue-controls")
    return html.Div([
        html.Div(id="operations-notice"),
        dbc.Row(dbc.Col(titled_card("Incident queue, by customer impact",
                                    [dcc.Loading(html.Div(id="operations-queue"), type="dot",
                                                 delay_show=300)], controls)),
                className="g-3 mb-3"),
        dbc.Row([
            dbc.Col(titled_card(f"{metric(EXPERIENCE).label} by region and day", [
                dcc.Graph(id="operations-experience", config={"displayModeBar": False},
                          responsive=True, style={"height": "260px"})]), lg=7),
            dbc.Col(titled_card("Silent degradations (no alarm)", [
                html.Div(id="operations-silent")]), lg=5),
        ], className="g-3"),
    ], className="operations")


@callback(Output("operations-notice", "children"), Output("operations-queue", "children"),
          Output("operations-silent", "children"), Input("operations-view", "value"),
          Input("operations-planned", "value"), *filter_inputs())
@needs_snapshot
def show_queue(view, planned, start, end, regions, segments, cfs_types):
    """The ranked queue and the silent degradations for the filters."""
    filters = Filters.from_inputs(start, end, regions, segments, cfs_types)
    reader = current_reader()
    missing = reader.missing(*INCIDENT_TABLES)
    if missing:
        return missing_notice(missing), None, None
    queue = reader.incident_queue(filters, only_open=view == "open",
                                  include_planned=bool(planned))
    silent = reader.incident_queue(filters, only_open=view == "open", source="silent")
    query = filters.to_query()
    return None, queue_table(queue, query), silent_table(silent, query)


@callback(Output("operations-experience", "figure"), *filter_inputs())
@needs_snapshot
def show_experience(start, end, regions, segments, cfs_types):
    """The experience index per region and day: where customers felt the network."""
    filters = Filters.from_inputs(start, end, regions, segments, cfs_types)
    frame = current_reader().breakdown_by_day(EXPERIENCE, "region", filters)
    return heatmap_by_day(metric(EXPERIENCE), frame, "region")
