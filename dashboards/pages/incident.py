"""One incident, opened from the Network operations queue: what happened and when (the alarm
timeline, root cause and symptoms), whom it hurt (services by type and segment, SLA exposure,
revenue at risk), why it ranks where it does, the KPIs of the resources involved, and the
proactive-care list to export (contact details for the care role only) with what that care
protected so far (marts.incident_protection: churn avoided by the care programmes' measured
effect, never an invented one), and its workflow
(:mod:`cxbridge.dashboards.workflow_view`): acknowledge, assign, notes and hand-over to a
TMF621 trouble ticket, for the operations role; read-only for the others.

An incident ranked by network impact (a snapshot that knows no customer services) shows what
can exist instead: the cells and ports it hurt with their sessions against their usual level,
its network impact in words, no care list; the KPI chart of its root resource stays.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, dcc, html
from dash.exceptions import PreventUpdate

from cxbridge.dashboards import labels
from cxbridge.dashboards.components import page_missing_notice, titled_card
from cxbridge.dashboards.context import (
    ROLE_ID,
    current_reader,
    current_role,
    needs_snapshot,
    role_input,
)
from cxbridge.dashboards.exports import care_control_note, care_href, outcomes_setup
from cxbridge.dashboards.figures import empty_figure
from cxbridge.dashboards.figures_network import (
    impact_figure,
    resource_kpis_figure,
    score_figure,
    timeline_figure,
)
from cxbridge.dashboards.network_view import (
    CARE_PREVIEW_ROWS,
    care_preview,
    exposure_stats,
    incident_header,
    is_degradation,
    is_network_ranked,
    kpis_note,
    resources_table,
    score_note,
)
from cxbridge.dashboards.protected_view import NO_TABLE, protected_text
from cxbridge.dashboards.roles import ROLE_LABELS, sees_contacts
from cxbridge.dashboards.workflow_view import ACTIONS, current_store, panel, panel_content, perform
from cxbridge.platform.errors import UserError
from cxbridge.platform.snapshot_reading import MissingTableError
from cxbridge.platform.warehouse import WarehouseError


def lookup(incident_id: str | None) -> dict | None | bool:
    """The incident's queue row; False when the snapshot has the incident tables but no such
    incident; None when it cannot tell (no id, no snapshot, no incident tables, no request)."""
    if not incident_id:
        return None
    try:
        reader = current_reader()
        if reader.missing_for("incident_detail"):
            return None
        return reader.incident(incident_id) or False
    except (RuntimeError, KeyError, WarehouseError, MissingTableError):
        return None


def page_title(incident_id: str | None = None) -> str:
    """The tab's title: "INC-00042 · Fibre cut · cxbridge", so that several incidents open in
    tabs can be told apart."""
    if not incident_id:
        return "Incident · cxbridge"
    incident = lookup(incident_id)
    kind = labels.code_label("kind", incident["kind"]) if incident else None
    return " · ".join(p for p in (incident_id, kind, "cxbridge") if p)


# the incident page shows one incident whole: the filter bar (dates, regions, segments) does
# not apply to it and is hidden; the queue's region share says how much of it is the region's
PATH = "/incident"
dash.register_page(__name__, path=PATH, path_template="/incident/<incident_id>",
                   name="Incident", title=page_title, order=25, nav=False,
                   nav_parent="/operations", uses_filters=False)

_GRAPH = {"displayModeBar": False}
KPI_HOURS_AROUND = 6
KPI_HOURLY_DAYS = 14
RESOURCE_ROWS = 8


def layout(incident_id: str | None = None, **_query: str) -> html.Div:
    """The page skeleton (always whole: Dash checks callbacks against it); without an
    incident it only points to the queue."""
    pick = html.Div(["Pick an incident in the ",
                     dcc.Link("Network operations queue", href="/operations"), "."],
                    className="empty-text")
    unknown = lookup(incident_id) is False
    header = pick if not incident_id else not_found(incident_id) if unknown else None
    return html.Div([
        dcc.Store(id="incident-id", data=None if unknown else incident_id),
        html.Div(header, id="incident-header", className="mb-3"),
        html.Div(_body(), hidden=not incident_id or unknown),
    ], className="incident")


def not_found(incident_id: str) -> html.Div:
    """An id the snapshot does not hold (a stale link, a typo): say so, and where to look."""
    return html.Div([f"There is no incident {incident_id} in this snapshot. ",
                     dcc.Link("Back to the incident queue", href="/operations"), "."],
                    className="empty-text", id="incident-not-found")


def _body() -> list:
    return [
        html.Div(panel(), className="mb-3"),
        dbc.Row([
            dbc.Col(titled_card("Exposure", [
                html.Div(id="incident-exposure"),
                html.Div("Why it ranks here: its impact score, in weighted service-minutes",
                         id="incident-score-note", className="card-note"),
                html.Div(graph("incident-score", "110px"), id="incident-score-box")]), lg=7),
            dbc.Col(titled_card("What it hurt", [
                html.Div(graph("incident-impact", "200px"), id="incident-impact-box"),
                html.Div(id="incident-resources")]), lg=5),
        ], className="g-3 mb-3"),
        dbc.Row([
            dbc.Col(titled_card("Alarm timeline", [graph("incident-timeline", "200px")]), lg=7,
                    id="incident-timeline-col"),
            dbc.Col(id="incident-care-col", lg=5, children=titled_card("Proactive care", [
                html.Div(id="incident-care"),
                html.Div(id="incident-protected", className="card-note"),
                html.Div([html.A("Export care list", id="incident-export", download="",
                                 href="", className="btn btn-primary btn-sm"),
                          html.Span(id="incident-export-note", className="export-note")],
                         className="export-row")])),
        ], className="g-3 mb-3"),
        titled_card("KPIs of the resources involved", [
            html.Div(id="incident-kpis-note", className="card-note"),
            dcc.Loading(graph("incident-kpis", "320px"), type="dot", delay_show=300)]),
    ]


def graph(graph_id: str, height: str) -> dcc.Graph:
    return dcc.Graph(id=graph_id, config=_GRAPH, responsive=True, style={"height": height})


def incident_end(incident: dict) -> datetime:
    """When it ended, or until when its impact is counted (open: the last data)."""
    return incident["ended_at"] or incident["impact_end"] or incident["started_at"]


def kpi_window(incident: dict) -> tuple[datetime, datetime, str]:
    """Hours to show around an incident, its whole span: from before it started to after it
    ended, per hour, or per day when hourly would be longer than ``KPI_HOURLY_DAYS`` (chronic
    congestion can last the whole data: every day of it shows)."""
    start = incident["started_at"] - timedelta(hours=KPI_HOURS_AROUND)
    end = incident_end(incident) + timedelta(hours=KPI_HOURS_AROUND)
    if end - start > timedelta(days=KPI_HOURLY_DAYS):
        day = datetime.combine(start.date(), datetime.min.time())
        return day, end, "day"
    return start, end, "hour"


@callback(Output("incident-header", "children"), Output("incident-exposure", "children"),
          Output("incident-score", "figure"), Output("incident-impact", "figure"),
          Output("incident-timeline", "figure"), Output("incident-care", "children"),
          Input("incident-id", "data"), Input("shell-url", "search"))
@needs_snapshot
def show_incident(incident_id, search):
    """Header, exposure, score, what it hurt, the alarm timeline and the care preview."""
    if not incident_id:
        raise PreventUpdate
    reader = current_reader()
    missing = reader.missing_for("incident_detail", "incident_breakdown", "care_preview")
    incident = None if missing else reader.incident(incident_id)
    if incident is None:
        notice = (page_missing_notice(reader, missing, PATH) if missing
                  else not_found(incident_id))
        return (notice, *[dash.no_update] * 5)
    ends = incident["ended_at"] or incident["impact_end"]
    return (incident_header(incident), exposure_stats(incident), score_figure(incident),
            impact_figure(reader.incident_breakdown(incident_id)),
            timeline_figure(reader.incident_timeline(incident_id), incident["started_at"], ends),
            care_preview(reader.care_preview(incident_id, CARE_PREVIEW_ROWS), search or "",
                         incident))


@callback(Output("incident-kpis", "figure"), Output("incident-kpis-note", "children"),
          Input("incident-id", "data"))
@needs_snapshot
def show_kpis(incident_id):
    """The root resource's hourly KPIs (or those of the access resources behind it)."""
    if not incident_id:
        raise PreventUpdate
    reader = current_reader()
    incident = None if reader.missing_for("incident_detail") else reader.incident(incident_id)
    if incident is None:
        return dash.no_update, dash.no_update
    missing = reader.missing_for("incident_kpis")
    if missing:  # a snapshot published before its tables: the rest of the page answers
        return (empty_figure("Not in this snapshot"),
                page_missing_notice(reader, missing, PATH))
    start, end, bucket = kpi_window(incident)
    kpis = reader.incident_kpis(incident_id, start, end, incident["started_at"],
                                incident_end(incident), bucket,
                                outage=not is_degradation(incident))
    figure = resource_kpis_figure(kpis, incident["started_at"], incident_end(incident))
    return figure, kpis_note(incident, kpis)


@callback(Output("incident-score-note", "children"), Output("incident-score-box", "hidden"),
          Output("incident-impact-box", "hidden"), Output("incident-resources", "children"),
          Output("incident-timeline-col", "lg"), Output("incident-care-col", "className"),
          Input("incident-id", "data"))
@needs_snapshot
def show_basis(incident_id):
    """Ranked by network impact (no customers known): the impact in words and the cells and
    ports hurt instead of the score's customer parts, the services hurt and the care list."""
    if not incident_id:
        raise PreventUpdate
    reader = current_reader()
    incident = None if reader.missing_for("incident_detail") else reader.incident(incident_id)
    if incident is None:
        raise PreventUpdate
    if not is_network_ranked(incident):
        return score_note(incident), False, False, None, 7, None
    resources = reader.incident_resources(incident_id, incident["started_at"],
                                          incident_end(incident), RESOURCE_ROWS)
    return score_note(incident), True, True, resources_table(resources), 12, "d-none"


@callback(Output("incident-protected", "children"), Input("incident-id", "data"))
@needs_snapshot
def show_protected(incident_id):
    """What this incident's care protected so far, or why that is not measured."""
    if not incident_id:
        raise PreventUpdate
    reader = current_reader()
    if reader.missing("incident_protection"):
        return NO_TABLE
    frame = reader.sql("incident_protection", incident_id=incident_id)
    return protected_text(frame.row(0, named=True) if frame.height else None)


@callback(Output("incident-export", "href"), Output("incident-export-note", "children"),
          Input("incident-id", "data"), role_input())
def export_link(incident_id, requested_role):
    """The download link of the care list; names, e-mails and phones for the care role only;
    the control group held out of it (recorded, not called) said beside it."""
    if not incident_id:
        raise PreventUpdate
    role = current_role(requested_role)
    note = ("With names, e-mails and phones" if sees_contacts(role, "care_list_export") else
            f"By customer id: contact details are exported for customer care only (you are "
            f"viewing as {ROLE_LABELS[role]})")
    held_out = care_control_note(outcomes_setup()[1])  # the care list's control group
    return care_href(incident_id, requested_role), f"{note} · {held_out}"


@callback(Output("workflow-state", "children"), Output("workflow-history", "children"),
          Output("workflow-controls", "hidden"), Output("workflow-role-note", "children"),
          Output("workflow-ack", "disabled"), Output("workflow-handover", "children"),
          Input("incident-id", "data"), Input("workflow-changed", "data"), role_input())
def show_workflow(incident_id, _changed, requested_role):
    """The incident's workflow state and history; the controls for the operations role only."""
    if not incident_id:
        raise PreventUpdate
    return panel_content(current_store(), incident_id, current_role(requested_role))


@callback(Output("workflow-message", "children"), Output("workflow-changed", "data"),
          Output("workflow-download", "data"), Output("workflow-note", "value"),
          *(Input(button, "n_clicks") for button in ACTIONS),
          State("incident-id", "data"), State("workflow-assignee", "value"),
          State("workflow-note", "value"), State("workflow-ticket", "value"),
          State("workflow-changed", "data"), State(ROLE_ID, "value"),
          prevent_initial_call=True)
def act(*values):
    """One button: acknowledge, assign, add a note or hand over (the TMF621 file downloads)."""
    incident_id, assignee, note, ticket, changed, requested_role = values[len(ACTIONS):]
    action = ACTIONS.get(ctx.triggered_id)
    store = current_store()
    if not incident_id or action is None or store is None:
        raise PreventUpdate
    incident = lookup(incident_id)
    if not incident:
        return (f"There is no incident {incident_id} in the current snapshot: nothing was "
                "recorded.", dash.no_update, None, dash.no_update)
    try:
        message, download = perform(store, action, incident, current_role(requested_role),
                                    assignee, note, ticket)
    except (UserError, PermissionError) as error:
        return html.Span(str(error), className="workflow-error"), dash.no_update, None, \
            dash.no_update
    return message, (changed or 0) + 1, download, "" if action == "note" else dash.no_update
