"""Network operations: the incident queue ranked by customer impact (alarm severity beside it),
experience by region and day, and the silent degradations no alarm announced.

On a snapshot that knows no customer services (PM counters only, perhaps alarms), the queue is
ranked by network impact and says so, and the cells and ports worst first take the place of
the experience index, which needs services. Each incident opens onto its own page
(:mod:`cxbridge.dashboards.pages.incident`). Operations sees customers by id and count only
(:mod:`cxbridge.dashboards.roles`).

Live mode: while ``cxbridge live`` publishes overlays (:mod:`cxbridge.platform.overlay`), the
page asks every ``[dashboard] live_refresh_seconds`` whether what it reads changed (a
:class:`dcc.Interval` whose callback only compares the reader's key, two small file reads, and
answers ``no_update`` when nothing changed); when it did, the queue and the silent degradations
are drawn again without a reload, the "updated" marker moves, and each open incident newly at or
above the notification threshold (``[live] notify_min_score``) shows a notice linking to its
page.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

import dash
import dash_bootstrap_components as dbc
import polars as pl
from dash import Input, Output, State, callback, dcc, html, no_update

from cxbridge.dashboards import clock
from cxbridge.dashboards.components import page_missing_notice, titled_card
from cxbridge.dashboards.context import current_reader, needs_snapshot
from cxbridge.dashboards.figures import empty_figure
from cxbridge.dashboards.figures_network import heatmap_by_day
from cxbridge.dashboards.filters import Filters, filter_inputs
from cxbridge.dashboards.network_view import (
    CELL_ORDERS,
    cells_table,
    live_notices,
    new_notable,
    queue_basis,
    queue_table,
    queue_title,
    silent_table,
    updated_marker,
)
from cxbridge.dashboards.page_state import Control, PageState, flag_dump, flag_parse, one_of
from cxbridge.platform.metrics import metric
from cxbridge.platform.snapshot_reading import MissingTableError
from cxbridge.platform.warehouse import WarehouseError

PATH = "/operations"
dash.register_page(__name__, path=PATH, name="Network operations",
                   title="Network operations · cxbridge", order=20)

EXPERIENCE = "experience_index"
CELL_ROWS = 10
# the page's controls in the URL (?view=open&planned=1&cells=…), defaults left out
STATE = PageState("operations", (
    Control("view", "operations-view", "all", one_of(("open", "all"))),
    Control("planned", "operations-planned", [], flag_parse("planned"), flag_dump),
    Control("cells", "operations-cells-order", "busy_hour", one_of(CELL_ORDERS)),
))
STATE.register()


def layout(**query: str) -> html.Div:
    """The page skeleton, its controls as the URL asks (:data:`STATE`)."""
    chosen = STATE.values(query)
    controls = html.Div([
        dbc.RadioItems(id="operations-view", value=chosen["view"], inline=True, options=[
            {"label": "Open now", "value": "open"},
            {"label": "Everything in the period", "value": "all"}]),
        dbc.Checklist(id="operations-planned", value=chosen["planned"], inline=True,
                      switch=True,
                      options=[{"label": "Planned maintenance", "value": "planned"}]),
    ], className="queue-controls")
    cell_order = dbc.Select(id="operations-cells-order", value=chosen["cells"], size="sm",
                            options=[{"label": f"Worst by {text.lower()}", "value": value}
                                     for value, text in CELL_ORDERS.items()],
                            className="cells-order")
    return html.Div([
        STATE.location(),
        *_live_parts(),
        html.Div(id="operations-notice"),
        html.Div(id="operations-live-notices"),
        dbc.Row(dbc.Col(titled_card(html.Span([
                        html.Span("Incident queue", id="operations-queue-title"),
                        html.Span(id="operations-updated",
                                  className="live-updated ms-2 text-muted small fw-normal")]),
                                    [dcc.Loading(html.Div(id="operations-queue"), type="dot",
                                                 delay_show=300)], controls)),
                className="g-3 mb-3"),
        dbc.Row([
            dbc.Col([
                html.Div(titled_card(f"{metric(EXPERIENCE).label} by region and day", [
                    dcc.Graph(id="operations-experience", config={"displayModeBar": False},
                              responsive=True, style={"height": "260px"})]),
                    id="operations-experience-box", className="h-100"),
                html.Div(titled_card("Cells and ports, worst first", [
                    html.Div(id="operations-cells")], cell_order),
                    id="operations-cells-box", className="h-100", hidden=True),
            ], lg=7),
            dbc.Col(titled_card("Silent degradations (no alarm)", [
                html.Div(id="operations-silent")]), lg=5),
        ], className="g-3"),
    ], className="operations")


def _live_parts() -> list:
    """The live refresh's timer (off when ``[dashboard] live_refresh_seconds`` is 0) and what
    the page knew when it was drawn: the reader's key and the notable incidents' ids."""
    reader = current_reader()
    dashboard = reader.settings.dashboard
    seconds = dashboard.live_refresh_seconds if dashboard else 0
    try:
        known = _live_state(reader)
    except (WarehouseError, MissingTableError):
        known = None  # no snapshot (or no queue) yet: the first tick learns it
    return [dcc.Interval(id="operations-live", interval=int(max(seconds, 1) * 1000),
                         disabled=not seconds),
            dcc.Store(id="operations-live-state", data=known)]


def _live_token(reader) -> str:
    """The reader's key (which snapshot, which overlay), as a short token for the browser
    (the server's paths stay on the server)."""
    return hashlib.sha256(repr(reader.key()).encode()).hexdigest()[:16]


def _live_state(reader) -> dict:
    """The key now and the notable incidents' ids (empty without the incident tables)."""
    token = _live_token(reader)
    notable = (reader.notable_incidents() if not reader.missing_for("live_notable_incidents")
               else None)
    return {"key": token,
            "notable": notable["incident_id"].to_list() if notable is not None else None}


@callback(Output("operations-live-state", "data"), Output("operations-live-notices", "children"),
          Input("operations-live", "n_intervals"), State("operations-live-state", "data"),
          State("operations-live-notices", "children"), prevent_initial_call=True)
@needs_snapshot
def follow_live(_ticks, known, shown):
    """Every few seconds: nothing (``no_update``) while the key is the same; after a new
    overlay or snapshot, the new key (which redraws the queue) and a notice for each open
    incident newly at or above the notification threshold."""
    reader = current_reader()
    if known and known.get("key") == _live_token(reader):
        return no_update, no_update
    now = _live_state(reader)
    if now["notable"] is None:
        return now, no_update
    new = new_notable(reader.notable_incidents(), (known or {}).get("notable"))
    return now, live_notices(new, shown) if not new.is_empty() else no_update


@callback(Output("operations-updated", "children"), Input("operations-live-state", "data"))
@needs_snapshot
def show_updated(_state):
    """When the queue shown was last updated, in the dashboard's zone."""
    return updated_marker(current_reader().updated_at(), clock.zone())


@callback(Output("operations-notice", "children"), Output("operations-queue", "children"),
          Output("operations-silent", "children"), Input("operations-view", "value"),
          Input("operations-planned", "value"), *filter_inputs(),
          Input("operations-live-state", "data"))
@needs_snapshot
def show_queue(view, planned, start, end, regions, segments, cfs_types, _live=None):
    """The ranked queue and the silent degradations for the filters (again when live mode
    changed what the reader reads)."""
    filters = Filters.from_inputs(start, end, regions, segments, cfs_types)
    reader = current_reader()
    missing = reader.missing_for("incident_queue")
    if missing:
        return page_missing_notice(reader, missing, PATH), None, None
    queue = reader.incident_queue(filters, only_open=view == "open",
                                  include_planned=bool(planned))
    silent = reader.incident_queue(filters, only_open=view == "open", source="silent")
    query = filters.to_query()
    return None, queue_table(queue, query), silent_table(silent, query)


@callback(Output("operations-queue-title", "children"), Input("operations-view", "value"),
          Input("operations-planned", "value"), *filter_inputs(),
          Input("operations-live-state", "data"))
@needs_snapshot
def show_queue_title(view, planned, start, end, regions, segments, cfs_types, _live=None):
    """What ranks the queue: customer impact, or network impact without customers."""
    filters = Filters.from_inputs(start, end, regions, segments, cfs_types)
    reader = current_reader()
    if reader.missing_for("incident_queue"):
        return "Incident queue"
    queue = reader.incident_queue(filters, only_open=view == "open",
                                  include_planned=bool(planned))
    return queue_title(queue_basis(queue, reader.knows_services()))


@callback(Output("operations-experience", "figure"), *filter_inputs())
@needs_snapshot
def show_experience(start, end, regions, segments, cfs_types):
    """The experience index per region and day: where customers felt the network."""
    filters = Filters.from_inputs(start, end, regions, segments, cfs_types)
    reader = current_reader()
    if not reader.knows_services():  # the cells and ports show instead
        return empty_figure("No customer services in this snapshot")
    frame = reader.breakdown_by_day(EXPERIENCE, "region", filters)
    return heatmap_by_day(metric(EXPERIENCE), frame, "region")


@callback(Output("operations-cells", "children"), Output("operations-experience-box", "hidden"),
          Output("operations-cells-box", "hidden"), Input("operations-cells-order", "value"),
          *filter_inputs())
@needs_snapshot
def show_cells(order, start, end, regions, segments, cfs_types):
    """Without customer services, the cells and ports worst first in place of the experience
    index (the region, segment and service filters do not apply to them)."""
    reader = current_reader()
    if reader.knows_services():
        return None, False, True
    filters = Filters.from_inputs(start, end, regions, segments, cfs_types)
    dates = replace(filters, regions=(), segments=(), cfs_types=())
    cells = reader.access_worst(dates, order if order in CELL_ORDERS else "busy_hour",
                                CELL_ROWS)
    open_now = (pl.DataFrame() if reader.missing_for("incident_queue")
                else reader.incident_queue(dates, only_open=True))
    return (cells_table(cells, open_now, filters.to_query(), reader.congestion_threshold()),
            True, False)
