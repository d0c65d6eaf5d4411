"""The incident workflow on the dashboard: the panel of the incident page (state, assignee,
ticket, notes newest first; Acknowledge, Assign, Add note, Hand over) and the queue's Workflow
column, over the store of :mod:`cxbridge.platform.workflow` (beside the snapshots: a new run
keeps it).

Who may act: :data:`ACTING_ROLES` (``operations``), the one rule, checked again on the server
for every action (a disabled button is a courtesy, not the check); every other role sees the
panel read-only. Who acts: the login's user name (:func:`cxbridge.dashboards.auth.logged_in_user`);
without a login (loopback, a role picked in the header or fixed for everybody) the role's name
with "(no login)", e.g. ``operations (no login)``: nobody is named who did not log in.

:func:`cxbridge.dashboards.app.create_app` attaches one :class:`WorkflowStore` to the server
(:func:`attach_store`); the page asks for it with :func:`current_store`. The queue reads the
state of the incidents it lists in one read by key (:func:`queue_states`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime

import dash_bootstrap_components as dbc
import flask
from dash import dcc, html

from cxbridge.dashboards import labels
from cxbridge.dashboards.auth import logged_in_user
from cxbridge.dashboards.components import status_badge, titled_card
from cxbridge.dashboards.roles import ROLE_LABELS
from cxbridge.models.incidents.tmf621 import hand_over
from cxbridge.platform.workflow import (
    NAME_MAX_CHARS,
    NOTE_MAX_CHARS,
    Actor,
    Event,
    IncidentState,
    WorkflowStore,
    WorkflowStoreError,
)

ACTING_ROLES = frozenset({"operations"})
ACTIONS = {"workflow-ack": "acknowledge", "workflow-assign": "assign",
           "workflow-note-add": "note", "workflow-handover": "handover"}
_STORE = "cxbridge.workflow_store"
_STATE_STATUS = {"new": "poor", "acknowledged": "watch", "handed_over": "good"}
_ACTION_WORDS = {"acknowledge": "acknowledged", "assign": "assigned to",
                 "note": "noted", "handover": "handed over as ticket"}


def may_act(role: str) -> bool:
    """May ``role`` acknowledge, assign, note and hand over incidents?"""
    return role in ACTING_ROLES


def attach_store(server: flask.Flask, store: WorkflowStore) -> None:
    """Make ``store`` the workflow store of the app's pages."""
    server.extensions[_STORE] = store


def current_store() -> WorkflowStore | None:
    """The workflow store of the app serving the current request (None outside one)."""
    if not flask.has_app_context():
        return None
    return flask.current_app.extensions.get(_STORE)


def actor_for(role: str) -> Actor:
    """Who acts in the current request (see the module's docstring)."""
    user = logged_in_user() or f"{role} (no login)"
    client = flask.request.remote_addr if flask.has_request_context() else "local"
    return Actor(user, role, client or "unknown", "dashboard")


def queue_states(incident_ids: Iterable[str]) -> dict[str, IncidentState]:
    """The workflow state of the listed incidents (one read by key; none without a store)."""
    store = current_store()
    return store.states(incident_ids) if store is not None else {}


def state_text(state: IncidentState | None) -> str:
    """The queue's Workflow value: "New", "Acknowledged · carla" (the ticket id is on the
    incident's page)."""
    if state is None:
        return "New"
    return " · ".join(p for p in (state.label, state.assignee) if p)


def workflow_cell(text: str) -> html.Div:
    """The queue's Workflow cell: the state, the assignee below it."""
    label, _, assignee = text.partition(" · ")
    return html.Div([html.Div(label, className="workflow-state-label"),
                     *([html.Div(assignee, className="muted")] if assignee else [])])


# --- the incident page's panel ------------------------------------------------------------

def panel() -> dbc.Card:
    """The workflow card's skeleton; :func:`panel_content` fills it."""
    controls = html.Div([
        html.Div([
            dbc.Button("Acknowledge", id="workflow-ack", size="sm", color="primary"),
            dbc.Input(id="workflow-assignee", placeholder="Name", size="sm",
                      maxLength=NAME_MAX_CHARS, className="workflow-name"),
            dbc.Button("Assign to", id="workflow-assign", size="sm", color="secondary"),
        ], className="workflow-row"),
        dbc.Textarea(id="workflow-note", placeholder="A note: what was done or found",
                     maxLength=NOTE_MAX_CHARS, rows=2, className="workflow-note"),
        html.Div([
            dbc.Button("Add note", id="workflow-note-add", size="sm", color="secondary"),
            dbc.Input(id="workflow-ticket", placeholder="Ticket id (optional)", size="sm",
                      maxLength=64, className="workflow-name"),
            dbc.Button("Hand over (TMF621)", id="workflow-handover", size="sm",
                       color="secondary"),
        ], className="workflow-row"),
        html.Div(id="workflow-message", className="card-note", role="status"),
    ], id="workflow-controls")
    return titled_card("Workflow", [
        dcc.Store(id="workflow-changed", data=0),
        dcc.Download(id="workflow-download"),
        dbc.Row([
            dbc.Col([html.Div(id="workflow-state"), controls], lg=5),
            dbc.Col(html.Div(id="workflow-history", className="workflow-history"), lg=7),
        ], className="g-3"),
    ], controls=html.Span(id="workflow-role-note", className="card-note"))


def panel_content(store: WorkflowStore | None, incident_id: str, role: str) -> tuple:
    """The state line, the history, whether the controls are hidden (a role that may not
    act), the role note, whether Acknowledge is disabled (done already) and the hand-over
    button's words (handed over: the same file again)."""
    try:
        events = store.history(incident_id) if store else []
        state = store.state(incident_id) if events else IncidentState(incident_id)
        history = history_list(events)
    except WorkflowStoreError as error:  # the page still shows the incident, and says why not
        state = IncidentState(incident_id)
        history = html.Div(str(error), className="workflow-error")
    acting = may_act(role)
    note = (None if acting else f"Read-only: only Network operations acts on incidents (you "
                                f"are viewing as {ROLE_LABELS.get(role, role)})")
    handover = ("Download TMF621 again" if state.state == "handed_over"
                else "Hand over (TMF621)")
    return (state_line(state), history, not acting, note, state.state != "new",
            handover)


def state_line(state: IncidentState) -> html.Div:
    facts = [status_badge(state.label, _STATE_STATUS[state.state])]
    facts.append(html.Span(f"Assigned to {state.assignee}" if state.assignee else "Unassigned",
                           id="workflow-assignee-text"))
    if state.ticket_id:
        facts.append(html.Span(f"Ticket {state.ticket_id}", id="workflow-ticket-text"))
    return html.Div(facts, className="workflow-state", id="workflow-state-line")


def when(at: str) -> str:
    """An event's time (stored in UTC) as the dashboard shows times (its zone)."""
    return labels.format_time(datetime.fromisoformat(at).astimezone(UTC).replace(tzinfo=None))


def history_list(events: list[Event]) -> html.Div:
    """Every action, newest first: when, who, what."""
    if not events:
        return html.Div("Nobody has acted on this incident yet.", className="empty-text")
    items = []
    for event in events:
        what = _ACTION_WORDS[event.action]
        if event.action in ("assign", "handover"):
            what = f"{what} {event.value}"
        head = html.Div([html.Span(when(event.at), className="workflow-when"),
                         html.Strong(event.user), html.Span(what)],
                        className="workflow-event-head")
        body = [head] + ([html.Div(event.note, className="workflow-note-text")]
                         if event.action == "note" else [])
        items.append(html.Li(body, className=f"workflow-event workflow-{event.action}"))
    return html.Ol(items, className="workflow-events", id="workflow-events")


def perform(store: WorkflowStore, action: str, incident: dict, role: str, assignee: str | None,
            note: str | None, ticket_id: str | None) -> tuple[str, dict | None]:
    """Do ``action`` on ``incident`` (its snapshot row) for ``role``: the message to show, and
    for a hand-over the TMF621 file to download. Raises a UserError (shown as the message) for
    what cannot be recorded, a PermissionError for a role that may not act."""
    if not may_act(role):
        raise PermissionError(f"only Network operations acts on incidents (you are viewing as "
                              f"{ROLE_LABELS.get(role, role)})")
    actor = actor_for(role)
    incident_id = incident["incident_id"]
    if action == "acknowledge":
        return store.acknowledge(incident_id, actor).message, None
    if action == "assign":
        return store.assign(incident_id, assignee or "", actor).message, None
    if action == "note":
        return store.add_note(incident_id, note or "", actor).message, None
    outcome, payload = hand_over(store, incident, actor, ticket_id)
    download = {"content": json.dumps(payload, indent=2, ensure_ascii=False),
                "filename": f"{incident_id}.tmf621.json", "type": "application/json"}
    return outcome.message + " (TMF621 TroubleTicket downloaded)", download
