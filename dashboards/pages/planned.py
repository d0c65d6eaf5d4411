"""Planned work: what taking some resources down would do to customers, before it happens.

Pick resources (searchable), a start and a duration: the services, customers, enterprise SLAs
and monthly revenue the work hurts (the incident rules, redundancy honoured: one member of a
redundant pair hurts nobody, both do), the harm of every start over the next 14 days with the
least-harm window marked, and the customers to notify (ids for operations; the export carries
names, e-mails and phones for the care role only, and is recorded in the audit log).

For operations, readable by every role. The controls are in the URL (``?res=…&start=…&hours=…``)
so a link shows the same projection. Every read is a lookup of what the run precomputed
(:mod:`cxbridge.dashboards.planned_reader`); times are shown in the dashboard's zone.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime

import dash
import dash_bootstrap_components as dbc
import flask
import plotly.graph_objects as go
from dash import Input, Output, State, callback, dcc, html
from dash.exceptions import PreventUpdate

from cxbridge.dashboards import planned_reader as reads
from cxbridge.dashboards.auth import logged_in_user
from cxbridge.dashboards.clock import format_time, plotted, zone, zone_label
from cxbridge.dashboards.components import (
    Column,
    data_table,
    page_missing_notice,
    stat,
    titled_card,
)
from cxbridge.dashboards.context import current_reader, current_role, needs_snapshot, role_input
from cxbridge.dashboards.page_state import Control, PageState, join
from cxbridge.dashboards.roles import ROLE_LABELS, sees_contacts
from cxbridge.dashboards.workflow_view import current_store
from cxbridge.models.whatif.planned import least_harm
from cxbridge.platform import audit
from cxbridge.platform.csv_export import write_csv

PATH = "/planned"
dash.register_page(__name__, path=PATH, name="Planned work", nav_group="Plan",
                   title="Planned work · cxbridge", order=25, uses_filters=False)

NOTIFY_ROWS = 12
_GRAPH = {"displayModeBar": False}


def _resource_list(raw: str) -> list[str]:
    return list(dict.fromkeys(r.strip() for r in raw.split(",") if r.strip()))


def _start(raw: str) -> str:
    return "" if not raw else datetime.fromisoformat(raw).strftime("%Y-%m-%dT%H:%M")


def _hours(raw: str) -> float:
    value = float(raw)
    if not 0 < value <= 24 * 14:
        raise ValueError(f"{raw} hours is out of range")
    return value


STATE = PageState("planned", (
    Control("res", "planned-resources", [], _resource_list, join),
    Control("start", "planned-start", "", _start),
    Control("hours", "planned-hours", 2.0, _hours, lambda v: f"{float(v):g}"),
))
STATE.register()


def layout(**query: str) -> html.Div:
    """The controls as the URL asks; the callbacks fill the rest."""
    chosen = STATE.values(query)
    controls = dbc.Row([
        dbc.Col([html.Label("Resources taken down", htmlFor="planned-resources"),
                 dcc.Dropdown(id="planned-resources", multi=True, searchable=True,
                              value=chosen["res"], placeholder="Search a resource id…")], lg=6),
        dbc.Col([html.Label(f"Start ({zone_label()})", htmlFor="planned-start"),
                 dcc.Input(id="planned-start", type="datetime-local", value=chosen["start"],
                           debounce=True, className="form-control")], lg=3),
        dbc.Col([html.Label("Duration (hours)", htmlFor="planned-hours"),
                 dcc.Input(id="planned-hours", type="number", min=0.25, max=336, step=0.25,
                           value=chosen["hours"], debounce=True, className="form-control")],
                lg=3),
    ], className="g-3 mb-3")
    return html.Div([STATE.location(), html.Div(id="planned-notice"), controls,
                     html.Div(id="planned-stats", className="mb-3"),
                     dbc.Row([
                         dbc.Col(titled_card("Harm of each start over the next 14 days", [
                             html.Div(id="planned-best", className="card-note"),
                             dcc.Graph(id="planned-harm", config=_GRAPH, responsive=True,
                                       style={"height": "260px"})]), lg=8),
                         dbc.Col(titled_card("Customers to notify", [
                             html.Div(id="planned-notify"),
                             html.Button("Export notify list", id="planned-export",
                                         className="btn btn-outline-primary btn-sm mt-2"),
                             html.Div(id="planned-export-note", className="card-note"),
                             dcc.Download(id="planned-download")]), lg=4),
                     ], className="g-3")], className="planned")


@callback(Output("planned-resources", "options"), Input("planned-resources", "search_value"),
          State("planned-resources", "value"))
@needs_snapshot
def resource_options(search, chosen):
    """The picker's options: the ids matching what is typed (and those chosen), with what each
    takes down alone."""
    reader = current_reader()
    if reads.missing(reader):
        return []
    options = reads.resource_options(reader)
    text = (search or "").strip().lower()
    wanted = set(chosen or [])
    rows = [r for r in options.iter_rows(named=True)
            if r["resource_id"] in wanted or not text or text in r["resource_id"].lower()]
    return [{"label": f"{r['resource_id']} · {r['resource_type']} · {r['customers']:,} "
                      "customers alone", "value": r["resource_id"]} for r in rows[:200]]


@callback(Output("planned-notice", "children"), Output("planned-stats", "children"),
          Output("planned-harm", "figure"), Output("planned-best", "children"),
          Output("planned-notify", "children"), Output("planned-export-note", "children"),
          Input("planned-resources", "value"), Input("planned-start", "value"),
          Input("planned-hours", "value"), role_input())
@needs_snapshot
def show_projection(resources, start, hours, requested_role):
    """The projection of the chosen work."""
    reader = current_reader()
    absent = reads.missing(reader)
    if absent:
        return (page_missing_notice(reader, absent, PATH, "planned_work"), None,
                _empty_figure(), None, None, None)
    if not resources or not hours or hours <= 0:
        note = dbc.Alert("Pick the resources the work takes down, and how long it lasts.",
                         color="info")
        return note, None, _empty_figure(), None, None, None
    now = datetime.now(UTC)
    view = reads.planned_view(reader, resources, float(hours), now, notify_rows=NOTIFY_ROWS)
    chosen = _chosen_start(start)
    notice = (dbc.Alert("That start is in the past: planned work is projected before it "
                        "happens.", color="warning")
              if chosen is not None and chosen < now.replace(tzinfo=None) else None)
    role = current_role(requested_role)
    note = ("With names, e-mails and phones" if sees_contacts(role, "care_list_export") else
            "By customer id: contact details are exported for customer care only (you are "
            f"viewing as {ROLE_LABELS[role]})")
    harmless = not view.harm["session_minutes"].max()
    return (notice, _stats(view.summary),
            _empty_figure() if harmless else harm_figure(view.harm, chosen),
            _best_text(view, chosen), _notify_table(view.notify, view.summary["customers"]), note)


@callback(Output("planned-download", "data"), Input("planned-export", "n_clicks"),
          State("planned-resources", "value"), State("planned-hours", "value"), role_input(),
          prevent_initial_call=True)
def export_notify(clicks, resources, hours, requested_role):
    """The notify list as CSV (formulas neutralised); contact details for care only, audited."""
    if not clicks or not resources or not hours:
        raise PreventUpdate
    reader = current_reader()
    notify = reads.planned_view(reader, resources, float(hours), datetime.now(UTC)).notify
    role = current_role(requested_role)
    contacts = sees_contacts(role, "care_list_export")
    if contacts:
        notify = notify.join(reader.contacts(notify), on="customer_id", how="left",
                             maintain_order="left")
    buffer = io.BytesIO()
    rows = write_csv(notify, buffer)
    store = current_store()
    if store is not None and store.audit_file is not None:
        audit.record(store.audit_file, "export", user=logged_in_user(), role=role,
                     client=flask.request.remote_addr, export="planned_notify_list", rows=rows,
                     contacts=contacts, via="dashboard", resources=" ".join(resources))
    return dcc.send_bytes(buffer.getvalue(), f"planned-notify-{'-'.join(resources)[:60]}.csv")


def _chosen_start(start: str | None) -> datetime | None:
    """The start control's local time as naive UTC (None when not set)."""
    if not start:
        return None
    local = datetime.fromisoformat(start).replace(tzinfo=zone())
    return local.astimezone(UTC).replace(tzinfo=None)


def _stats(summary: dict) -> dbc.Row:
    types = ", ".join(f"{n:,} {t}" for t, n in summary["by_cfs_type"].items()) or "none"
    parts = [("Services hurt", f"{summary['services']:,}", "planned-services"),
             ("Customers hurt", f"{summary['customers']:,}", "planned-customers"),
             ("Enterprise SLAs (breached)", f"{summary['sla_services']:,} "
              f"({summary['sla_breached_services']:,})", "planned-sla"),
             ("Monthly revenue", f"€{summary['monthly_revenue_eur']:,.0f}", "planned-revenue")]
    return dbc.Row([*[dbc.Col(stat(label, value, stat_id=sid), md=3)
                      for label, value, sid in parts],
                    html.Div(f"By service: {types}", className="card-note")], className="g-2")


def harm_figure(harm, chosen: datetime | None) -> dict:
    """Session-minutes of each candidate start, the least harmful marked (pure). A plain
    figure dict, as Dash sends it: plotly's validating objects (and ``add_vline``) cost this
    callback more than its reads."""
    best = least_harm(harm)
    data = [{"type": "bar", "x": [plotted(s) for s in harm["start"].to_list()],
             "y": harm["session_minutes"].to_list(), "name": "harm",
             "marker": {"color": "#9aa5b1"},
             "hovertemplate": "%{x}<br>%{y:,.0f} session-minutes<extra></extra>"}]
    shapes, annotations = [], []

    def mark(at: datetime, colour: str, text: str, side: str, dash: str = "solid") -> None:
        x = plotted(at)
        shapes.append({"type": "line", "x0": x, "x1": x, "xref": "x", "y0": 0, "y1": 1,
                       "yref": "y domain", "line": {"color": colour, "width": 2,
                                                    "dash": dash}})
        annotations.append({"x": x, "xref": "x", "y": 1, "yref": "y domain", "text": text,
                            "showarrow": False, "xanchor": "right" if side == "left" else "left",
                            "yanchor": "top"})

    if best is not None:
        data.append({"type": "bar", "x": [plotted(best["start"])],
                     "y": [best["session_minutes"]], "name": "least harm",
                     "marker": {"color": "#1a7f37"}})
        mark(best["start"], "#1a7f37", "least harm", "left")
    if chosen is not None:
        mark(chosen, "#b42318", "chosen", "right", dash="dot")
    return {"data": data, "layout": {
        "margin": {"l": 50, "r": 10, "t": 10, "b": 40}, "showlegend": False, "bargap": 0,
        "xaxis": {"title": {"text": zone_label()}},
        "yaxis": {"title": {"text": "session-minutes"}}, "barmode": "overlay",
        "plot_bgcolor": "white", "shapes": shapes, "annotations": annotations}}


def _best_text(view: reads.PlannedView, chosen: datetime | None) -> str:
    best = least_harm(view.harm)
    if not view.access_resources and not view.summary["services"]:
        return "Nobody loses service and no cell or PON port loses traffic: any window will do."
    if best is None or not view.harm["session_minutes"].max():
        return ("None of the cells and PON ports it touches counts sessions: the harm cannot be "
                "told hour by hour.")
    text = (f"Least harm: start {format_time(best['start'])}, "
            f"{best['session_minutes']:,.0f} session-minutes on {view.access_resources:,} "
            "cells and ports.")
    if chosen is not None:
        at = view.harm.filter(view.harm["start"] == chosen)
        if at.height:
            text += f" The start chosen: {at['session_minutes'][0]:,.0f}."
    return text


def _notify_table(notify, customers: int) -> html.Div:
    columns = [Column("customer_id", "Customer", nowrap=True), Column("segment", "Segment"),
               Column("region", "Region"), Column("cfs_types", "Services")]
    more = customers - NOTIFY_ROWS
    return html.Div([data_table(notify.head(NOTIFY_ROWS), columns, "planned-notify-table",
                                empty_text="Nobody: no customer service is hurt"),
                     html.Div(f"… and {more:,} more in the export" if more > 0 else "",
                              className="card-note")])


def _empty_figure() -> go.Figure:
    return go.Figure().update_layout(xaxis_visible=False, yaxis_visible=False,
                                     plot_bgcolor="white", margin={"l": 0, "r": 0, "t": 0,
                                                                   "b": 0})
