"""An incident handed over to a ticketing tool as a TMF621 (Trouble Ticket Management v5)
``TroubleTicket`` create payload, shaped after the official examples
(``../shared/standards/tmf/TMF621_TroubleTicket_v5/``
``TMF621__TroubleTicket_create_example_request.json`` and the retrieve response).

* ``name``: the incident id and title; ``description``: the title, what it hurt and since when;
* ``severity`` and ``priority`` from the impact: ``priority`` is the TMF656 ServiceProblem's
  (1 highest to 5, :func:`cxbridge.models.incidents.tmf656.priority_of`, as text), ``severity``
  1 → Critical, 2 → Major, 3 to 5 → Minor;
* ``ticketType``: ``Network outage`` or ``Network degradation`` (the queue's ``effect``);
* ``relatedEntity``: the ServiceProblem (the incident, TMF656) and its root resource;
* ``note``: the workflow's notes, oldest first, with author and date;
* ``troubleTicketCharacteristic``: customers, services, SLA services, revenue at risk, impact
  score, minutes, region, queue section;
* ``externalIdentifier``: the incident id (owner cxbridge) and the ticket id of the hand-over
  (ours, ``CXB-TT-<incident id>``, or the one the user took from the ticketing tool);
* ``relatedParty``: who handed it over (reporter) and the assignee, if any.

cxbridge does not POST it (no ticketing tool is configured): the dashboard downloads it, the
command line prints it or writes it to a file, and the workflow store keeps it
(:mod:`cxbridge.platform.workflow`).
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from cxbridge.models.incidents.tmf656 import API, priority_of
from cxbridge.platform.workflow import (
    Actor,
    Outcome,
    WorkflowStore,
    check_ticket_id,
    ticket_reference,
)

SEVERITY = {1: "Critical", 2: "Major"}  # 3 to 5: Minor
TICKET_TYPES = {"outage": "Network outage", "degradation": "Network degradation"}
NAME_LIMIT = 120
PARTY = f"{API}/partyManagement/v5/individual"
CHARACTERISTICS = (  # (name in the ticket, the incident's column, value type)
    ("affectedCustomers", "affected_customers", "integer"),
    ("affectedServices", "affected_services", "integer"),
    ("slaServices", "sla_services", "integer"),
    ("slaBreachedServices", "sla_breached_services", "integer"),
    ("revenueAtRiskEurPerMonth", "revenue_at_risk_eur", "number"),
    ("impactScore", "priority_score", "number"),
    ("durationMinutes", "duration_minutes", "number"),
    ("region", "region", "string"),
    ("queueSection", "queue_section", "string"),
    ("rootResourceId", "root_resource_id", "string"),
)
_KINDS = {"integer": "IntegerCharacteristic", "number": "NumberCharacteristic",
          "string": "StringCharacteristic"}


def _iso(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value is not None else None


def _party(role: str, name: str) -> dict:
    return {"role": role, "@type": "RelatedPartyRefOrPartyRoleRef",
            "partyOrPartyRole": {"id": name, "href": f"{PARTY}/{quote(name, safe='')}",
                                 "name": name, "@type": "PartyRef",
                                 "@referredType": "Individual"}}


def _entity(role: str, identifier: str, path: str, referred: str, name: str | None) -> dict:
    entity = {"id": identifier, "href": f"{API}/{path}/{identifier}", "@type": "EntityRef",
              "@referredType": referred}
    if name:
        entity["name"] = name
    return {"role": role, "@type": "RelatedEntity", "entity": entity}


def _characteristics(incident: dict) -> list[dict]:
    rows = []
    for number, (name, column, value_type) in enumerate(CHARACTERISTICS, start=1):
        value = incident.get(column)
        if value is None:
            continue
        value = (int(value) if value_type == "integer" else round(float(value), 2)
                 if value_type == "number" else str(value))
        rows.append({"id": str(number), "name": name, "valueType": value_type, "value": value,
                     "@type": _KINDS[value_type]})
    return rows


def description_of(incident: dict) -> str:
    """The ticket's description: what happened, on what, since when, and whom it hurt."""
    parts = [f"{incident['title']}.",
             f"Root resource {incident['root_resource_id']}." if incident.get(
                 "root_resource_id") else "",
             f"Started {_iso(incident.get('started_at'))}, status {incident.get('status')}."]
    if incident.get("affected_services"):
        parts.append(f"{incident.get('affected_customers') or 0:,} customers and "
                     f"{incident['affected_services']:,} services hurt, "
                     f"{incident.get('sla_services') or 0} with an SLA; "
                     f"EUR {incident.get('revenue_at_risk_eur') or 0:,.0f} monthly revenue "
                     "at risk.")
    parts.append(f"Handed over from cxbridge incident {incident['incident_id']}.")
    return " ".join(p for p in parts if p)


def trouble_ticket(incident: dict, notes: list[dict], ticket_id: str, handed_over_by: str,
                   assignee: str | None = None) -> dict:
    """The TroubleTicket create payload of one incident (pure: no database).

    ``incident``: its queue row and facts (``incident_id``, ``title``, ``status``,
    ``started_at``, ``root_resource_id``, ``priority_score``, ``effect``, the impact counts;
    the dashboard's ``incident_detail`` row has them all); ``notes``: ``{"id", "author",
    "date" (ISO text), "text"}`` oldest first; ``ticket_id``: the hand-over's ticket id."""
    incident_id = incident["incident_id"]
    priority = priority_of(incident.get("priority_score"))
    name = f"{incident_id}: {incident['title']}"
    ticket = {
        "name": name if len(name) <= NAME_LIMIT else name[:NAME_LIMIT - 1] + "…",
        "description": description_of(incident),
        "severity": SEVERITY.get(priority, "Minor"),
        "priority": str(priority),
        "status": "acknowledged",
        "ticketType": TICKET_TYPES.get(incident.get("effect") or "outage", "Network outage"),
        "channel": {"id": "cxbridge", "name": "cxbridge incident workflow",
                    "@type": "ChannelRef"},
        "note": [{"id": str(n["id"]), "author": n["author"], "date": n["date"],
                  "text": n["text"], "@type": "Note"} for n in notes],
        "relatedEntity": [
            _entity("serviceProblem", incident_id, "serviceProblemManagement/v5/serviceProblem",
                    "ServiceProblem", incident["title"]),
            *([_entity("affectedResource", incident["root_resource_id"],
                       "resourceInventory/v5/resource", "Resource", None)]
              if incident.get("root_resource_id") else []),
        ],
        "relatedParty": [_party("reporter", handed_over_by),
                         *([_party("assignee", assignee)] if assignee else [])],
        "troubleTicketCharacteristic": _characteristics(incident),
        "externalIdentifier": [
            {"id": incident_id, "owner": "cxbridge", "externalIdentifierType": "ServiceProblem",
             "@type": "ExternalIdentifier"},
            {"id": ticket_id, "owner": "cxbridge hand-over",
             "externalIdentifierType": "TroubleTicket", "@type": "ExternalIdentifier"},
        ],
        "@type": "TroubleTicket",
    }
    return ticket


def notes_of(events: list) -> list[dict]:
    """The notes of workflow events (:class:`cxbridge.platform.workflow.Event`, newest first
    as the store gives them), oldest first as a ticket lists them."""
    return [{"id": e.event_id, "author": e.user, "date": e.at, "text": e.note}
            for e in reversed(events) if e.action == "note"]


def hand_over(store: WorkflowStore, incident: dict, actor: Actor,
              ticket_id: str | None = None) -> tuple[Outcome, dict]:
    """Hand ``incident`` over as a TMF621 TroubleTicket and record it in the workflow
    ``store``: the ticket id given (a ticketing tool's), else ours (``CXB-TT-<incident id>``);
    the notes so far go in. Handed over already: nothing is recorded and the first payload is
    given again. The dashboard and the command line both hand over through here."""
    incident_id = incident["incident_id"]
    ticket = check_ticket_id(ticket_id) if ticket_id else ticket_reference(incident_id)
    payload = trouble_ticket(incident, notes_of(store.history(incident_id)), ticket,
                             actor.user, store.state(incident_id).assignee)
    outcome = store.hand_over(incident_id, ticket, payload, actor)
    if not outcome.changed:
        payload = store.handover_payload(incident_id) or payload
    return outcome, payload
