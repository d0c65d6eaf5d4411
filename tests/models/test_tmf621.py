"""The TMF621 TroubleTicket of a hand-over, checked against the official v5 examples: the fields
a create request carries, the shape of each part, severity and priority from the impact."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

import pytest

from cxbridge.models.incidents.tmf621 import notes_of, trouble_ticket
from cxbridge.platform.workflow import Event

EXAMPLES = (Path(__file__).resolve().parents[3] / "shared" / "standards" / "tmf"
            / "TMF621_TroubleTicket_v5")
CREATE = "TMF621__TroubleTicket_create_example_request.json"
RETRIEVE = "TMF621__TroubleTicket_retrieve_example_response.json"
# what the create example carries that a hand-over has nothing for (no bill, no due date)
NOT_OURS = {"attachment", "expectedResolutionDate", "requestedResolutionDate"}
ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z")


def _incident(**changes) -> dict:
    incident = {
        "incident_id": "PRB-ALM-00000084", "title": "OLT main control board failure on OLT-1",
        "status": "open", "started_at": datetime(2026, 10, 12, 1, 40, 42),
        "root_resource_id": "OLT-1", "priority_score": 77_849.7, "effect": "outage",
        "affected_customers": 128, "affected_services": 176, "sla_services": 30,
        "sla_breached_services": 2, "revenue_at_risk_eur": 607.96, "duration_minutes": 194.95,
        "region": "Leinster", "queue_section": "acute"}
    return {**incident, **changes}


def _events() -> list[Event]:
    def event(n: int, action: str, note: str | None = None) -> Event:
        return Event(n, "PRB-ALM-00000084", f"2026-10-12T02:0{n}:00.000Z", f"user{n}",
                     "operations", action, None, note, None)
    return [event(3, "note", "crew on site"), event(2, "assign"), event(1, "note", "seen")]


@pytest.fixture(scope="module")
def examples() -> tuple[dict, dict]:
    if not (EXAMPLES / CREATE).is_file():
        pytest.skip(f"TMF621 examples not found at {EXAMPLES} (../shared is absent)")
    return (json.loads((EXAMPLES / CREATE).read_text()),
            json.loads((EXAMPLES / RETRIEVE).read_text()))


def test_the_ticket_has_the_create_examples_fields_and_no_unknown_ones(examples):
    create, retrieve = examples
    ticket = trouble_ticket(_incident(), notes_of(_events()), "CXB-TT-PRB-ALM-00000084", "ana",
                            assignee="carla")
    assert set(create) - NOT_OURS <= set(ticket)
    assert set(ticket) <= set(create) | set(retrieve)
    assert "id" not in ticket  # the ticketing tool gives the id when it creates the ticket
    assert ticket["@type"] == "TroubleTicket"
    for field in ("name", "description", "severity", "ticketType", "priority", "status"):
        assert isinstance(ticket[field], str) and ticket[field]
    json.dumps(ticket)  # plain JSON: no datetimes left


def test_each_part_is_shaped_like_the_examples(examples):
    create, retrieve = examples
    ticket = trouble_ticket(_incident(), notes_of(_events()), "T-1", "ana", assignee="carla")
    assert ticket["note"][0].keys() == create["note"][0].keys()
    assert ticket["channel"].keys() == create["channel"].keys()
    assert ticket["relatedEntity"][0].keys() == create["relatedEntity"][0].keys()
    assert ticket["relatedEntity"][0]["entity"].keys() == create["relatedEntity"][0][
        "entity"].keys()
    assert ticket["relatedParty"][0].keys() == create["relatedParty"][0].keys()
    assert ticket["relatedParty"][0]["partyOrPartyRole"].keys() == create["relatedParty"][0][
        "partyOrPartyRole"].keys()
    assert ticket["externalIdentifier"][0].keys() == retrieve["externalIdentifier"][0].keys()
    plain = {k for c in retrieve["troubleTicketCharacteristic"] for k in c} - {
        "characteristicRelationship"}
    assert all(c.keys() == plain for c in ticket["troubleTicketCharacteristic"])
    assert all(ISO.fullmatch(n["date"]) for n in ticket["note"])


def test_it_names_the_problem_the_resource_the_notes_and_the_counts():
    ticket = trouble_ticket(_incident(), notes_of(_events()), "INC0012345", "ana")
    problem, resource = ticket["relatedEntity"]
    assert (problem["role"], problem["entity"]["id"], problem["entity"]["@referredType"]) == (
        "serviceProblem", "PRB-ALM-00000084", "ServiceProblem")
    assert problem["entity"]["href"].endswith("/serviceProblem/PRB-ALM-00000084")
    assert (resource["role"], resource["entity"]["id"]) == ("affectedResource", "OLT-1")
    assert [(n["author"], n["text"]) for n in ticket["note"]] == [
        ("user1", "seen"), ("user3", "crew on site")]
    values = {c["name"]: c["value"] for c in ticket["troubleTicketCharacteristic"]}
    assert (values["affectedCustomers"], values["affectedServices"], values["slaServices"],
            values["revenueAtRiskEurPerMonth"]) == (128, 176, 30, 607.96)
    assert [e["id"] for e in ticket["externalIdentifier"]] == ["PRB-ALM-00000084", "INC0012345"]
    assert "128 customers and 176 services" in ticket["description"]
    assert [p["role"] for p in ticket["relatedParty"]] == ["reporter"]


@pytest.mark.parametrize(("score", "severity", "priority"), [
    (250_000, "Critical", "1"), (20_000, "Major", "2"), (2_000, "Minor", "3"),
    (5, "Minor", "4"), (None, "Minor", "5")])
def test_severity_and_priority_follow_the_impact(score, severity, priority):
    ticket = trouble_ticket(_incident(priority_score=score), [], "T", "ana")
    assert (ticket["severity"], ticket["priority"]) == (severity, priority)


def test_a_degradation_without_customers_or_root_resource():
    ticket = trouble_ticket(_incident(effect="degradation", affected_services=None,
                                      affected_customers=None, root_resource_id=None,
                                      title="x" * 300), [], "T", "ana")
    assert ticket["ticketType"] == "Network degradation"
    assert [e["role"] for e in ticket["relatedEntity"]] == ["serviceProblem"]
    assert "customers" not in ticket["description"]
    assert len(ticket["name"]) == 120 and ticket["name"].endswith("…")
