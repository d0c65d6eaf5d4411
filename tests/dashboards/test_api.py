"""The REST API (dashboards/api.py) on the mini operator: every endpoint for every role with
its refusals (401, 403, 404, 400), paging headers, filters, what it returns against what the
snapshot holds, no contact details anywhere, the audit of customer ids, token revocation, and
its place behind the dashboard's log-in and Host allow-list."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from types import SimpleNamespace

import polars as pl
import pytest
from typer.testing import CliRunner

from cxbridge.app.cli import app as cli_app
from cxbridge.dashboards.api_auth import add_token, read_tokens, revoke_token
from cxbridge.dashboards.api_spec import ENDPOINTS, PARAMS, openapi
from cxbridge.dashboards.app import create_app
from cxbridge.dashboards.auth import hash_password
from cxbridge.dashboards.context import current_reader
from cxbridge.dashboards.filters import Filters
from cxbridge.dashboards.roles import ROLES, Account
from cxbridge.dashboards.workflow_view import current_store
from cxbridge.platform.audit import read_events
from cxbridge.platform.metrics import METRICS
from cxbridge.platform.workflow import Actor
from tests.dashboards.api_world import (
    CLEARED_ROOT_ALARM,
    EXPECTED_CONFORMANCE,
    ROOT_ALARM,
    SYMPTOM_ALARM,
    bearer,
    published_home,
)
from tests.dashboards.world import CLEARED_BNG, OPEN_FIBRE, SILENT_CELL

PROBLEMS = "/tmf-api/serviceProblemManagement/v5/serviceProblem"
ALARMS = "/tmf-api/alarmManagement/v4/alarm"
QUALITY = "/tmf-api/serviceQualityManagement/v4"
PATH_ARGS = {"problem_id": OPEN_FIBRE, "alarm_id": ROOT_ALARM, "spec_id": "enterprise_vpn-gold",
             "objective_id": "enterprise_vpn-gold-availability",
             "metric_name": "experience_index"}


@pytest.fixture(scope="module")
def api_home(tmp_path_factory, world) -> SimpleNamespace:
    return published_home(tmp_path_factory.mktemp("api"), world)


@pytest.fixture(scope="module")
def api(api_home) -> SimpleNamespace:
    app = create_app(api_home.settings)
    return SimpleNamespace(app=app, client=app.server.test_client(), **vars(api_home))


def _url(endpoint) -> str:
    return re.sub(r"<(\w+)>", lambda m: PATH_ARGS[m.group(1)], endpoint.path)


def _get(api, url: str, role: str | None = "operations"):
    return api.client.get(url, headers=bearer(api.tokens[role] if role else None))


def _contacts(world) -> list[str]:
    people = world["customers"]
    return [v for column in ("name", "email", "phone") for v in people[column].to_list() if v]


def test_every_endpoint_answers_each_role_as_declared_and_never_with_contacts(api):
    contacts = _contacts(api.world)
    assert "Aoife Byrne" in contacts
    audit_file = api.settings.dashboard.audit_file
    before = len(read_events(audit_file))
    refused = api.client.get(PROBLEMS, headers=bearer("cxb_0123456789ab_" + "x" * 43))
    assert refused.status_code == 401 and "unknown or was revoked" in refused.json["message"]
    seen = 0
    for endpoint in ENDPOINTS:
        url = _url(endpoint)
        response = _get(api, url, None)
        assert response.status_code == 401 and response.json["reason"] == "Unauthorized", url
        for role in ROLES:
            response = _get(api, url, role)
            assert response.content_type == "application/json", (url, role)
            if role in endpoint.roles:
                assert response.status_code == 200, (url, role, response.json)
                body = response.get_data(as_text=True)
                assert not [c for c in contacts if c in body], (url, role)
                if endpoint.paged:
                    assert int(response.headers["X-Result-Count"]) == len(response.json)
                    assert int(response.headers["X-Total-Count"]) >= len(response.json) > 0
                seen += 1
            else:
                assert response.status_code == 403, (url, role)
                error = response.json
                assert set(error) == {"code", "reason", "message", "status"}
                assert error["status"] == "403" and role in error["message"]
                assert all(r in error["message"] for r in endpoint.roles)
    assert seen == sum(len(e.roles) for e in ENDPOINTS)
    # customer ids leave only with an audit line: who, which endpoint, how many
    reads = [e for e in read_events(audit_file)[before:] if e["event"] == "api_read"]
    customer_endpoints = [e for e in ENDPOINTS if e.customer_ids]
    assert len(reads) == sum(len(e.roles) for e in customer_endpoints)
    care = next(e for e in reads if e["endpoint"] == "list_affected_customers"
                and e["role"] == "care")
    assert care["user"] == "api-care" and care["incident_id"] == OPEN_FIBRE
    assert care["rows"] == api.world["care_list"].filter(
        pl.col("incident_id") == OPEN_FIBRE).height


def test_problems_filter_sort_and_page_as_the_queue_does(api):
    def ids(query: str) -> list[str]:
        response = _get(api, f"{PROBLEMS}{query}")
        assert response.status_code == 200, response.json
        return [p["id"] for p in response.json]

    # open first, then by impact rank (the queue's order)
    assert ids("") == [OPEN_FIBRE, SILENT_CELL, CLEARED_BNG]
    assert ids("?sort=timeRaised") == [CLEARED_BNG, SILENT_CELL, OPEN_FIBRE]
    assert ids("?sort=-timeRaised") == [OPEN_FIBRE, SILENT_CELL, CLEARED_BNG]
    assert ids("?status=acknowledged") == [OPEN_FIBRE, SILENT_CELL]
    assert ids("?status=resolved") == [CLEARED_BNG]
    assert ids("?category=network.detected") == [SILENT_CELL]
    # priority from the score: 1000 → 3, 500 and 333 → 4
    assert ids("?priority=3") == [OPEN_FIBRE]
    assert ids("?priority=4&status=acknowledged") == [SILENT_CELL]
    page = _get(api, f"{PROBLEMS}?offset=1&limit=1")
    assert [p["id"] for p in page.json] == [SILENT_CELL]
    assert (page.headers["X-Total-Count"], page.headers["X-Result-Count"]) == ("3", "1")
    beyond = _get(api, f"{PROBLEMS}?offset=10")
    assert beyond.json == [] and beyond.headers["X-Total-Count"] == "3"
    only = _get(api, f"{PROBLEMS}?fields=priority,status").json
    assert all(set(p) == {"id", "href", "@type", "priority", "status"} for p in only)

    one = _get(api, f"{PROBLEMS}/{OPEN_FIBRE}").json
    services = api.world["incident_services"].filter(pl.col("incident_id") == OPEN_FIBRE)
    assert one["affectedNumberOfServices"] == services.height and "affectedService" not in one
    assert one["underlyingAlarm"][0]["id"] == ROOT_ALARM
    assert one["underlyingAlarm"][0]["href"] == f"{ALARMS}/{ROOT_ALARM}"
    first = _get(api, f"{PROBLEMS}/{OPEN_FIBRE}/affectedService?limit=2")
    assert first.headers["X-Total-Count"] == str(services.height)
    assert [s["id"] for s in first.json] == sorted(services["service_id"])[:2]
    customers = _get(api, f"{PROBLEMS}/{OPEN_FIBRE}/affectedCustomer?offset=1&limit=3").json
    care = api.world["care_list"].filter(pl.col("incident_id") == OPEN_FIBRE).sort("position")
    assert [c["id"] for c in customers] == care["customer_id"].to_list()[1:4]
    assert [c["carePosition"] for c in customers] == [2, 3, 4]


def test_bad_values_and_unknown_ids_say_what_is_allowed(api):
    cases = {
        f"{PROBLEMS}?limit=0": ("limit", "1 to 1000"),
        f"{PROBLEMS}?limit=ten": ("limit", "whole number"),
        f"{PROBLEMS}?offset=-1": ("offset", "from 0"),
        f"{PROBLEMS}?status=open": ("status", "acknowledged, pending, resolved"),
        f"{PROBLEMS}?priority=9": ("priority", "1 to 5"),
        f"{PROBLEMS}?sort=size": ("sort", "impact, timeRaised, -timeRaised"),
        f"{PROBLEMS}?region=Munster": ("region", "status, priority, category"),
        f"{ALARMS}?perceivedSeverity=bad": ("perceivedSeverity", "critical, major"),
        f"{ALARMS}?alarmRaisedTime.gte=yesterday": ("alarmRaisedTime.gte", "ISO 8601"),
        f"{QUALITY}/serviceLevelConformance?from=2026-13-01": ("from", "ISO 8601"),
        f"{QUALITY}/serviceLevelConformance?from=2026-03-10&to=2026-03-02": ("from", "after"),
        f"{QUALITY}/serviceLevelConformance?conformance=ok": ("conformance", "atRisk"),
        "/api/v1/metrics/experience_index?region=Atlantis": ("Atlantis", "Dublin"),
    }
    for url, words in cases.items():
        response = _get(api, url)
        assert response.status_code == 400, url
        assert response.json["code"] == "400" and response.json["reason"] == "Bad parameter"
        assert all(w in response.json["message"] for w in words), (url, response.json)
    for url in (f"{PROBLEMS}/NOPE", f"{PROBLEMS}/NOPE/affectedService",
                f"{PROBLEMS}/NOPE/affectedCustomer", f"{ALARMS}/NOPE",
                f"{QUALITY}/serviceLevelSpecification/NOPE",
                f"{QUALITY}/serviceLevelObjective/NOPE", "/api/v1/metrics/NOPE",
                "/tmf-api/nothingHere"):
        response = _get(api, url)
        assert response.status_code == 404, url
        assert "NOPE" in response.json["message"] or "nothingHere" in response.json["message"]
    assert api.client.post(ALARMS, headers=bearer(api.tokens["operations"])).status_code == 405


def test_alarms_filter_by_severity_state_object_time_and_acknowledgement(api_home, tmp_path):
    settings = api_home.settings
    own_store = replace(settings, dashboard=replace(
        settings.dashboard, workflow_file=tmp_path / "workflow.sqlite"))
    app = create_app(own_store)
    api = SimpleNamespace(app=app, client=app.server.test_client(), **vars(api_home))

    def ids(query: str) -> list[str]:
        response = _get(api, f"{ALARMS}{query}")
        assert response.status_code == 200, response.json
        return [a["id"] for a in response.json]

    every = ids("")
    assert sorted(every) == sorted(api.world["episodes"]["episode_id"]) and len(every) == 4
    assert every[:2] == sorted([ROOT_ALARM, SYMPTOM_ALARM])  # newest first (same start)
    assert sorted(ids("?perceivedSeverity=critical")) == sorted(
        [ROOT_ALARM, CLEARED_ROOT_ALARM])
    assert sorted(ids("?state=raised")) == sorted([ROOT_ALARM, SYMPTOM_ALARM])
    assert ids("?state=cleared&perceivedSeverity=critical") == [CLEARED_ROOT_ALARM]
    assert ids("?alarmedObject.id=OLT-M01") == [ROOT_ALARM]
    assert sorted(ids("?alarmRaisedTime.gte=2026-03-10T00:00:00Z")) == sorted(
        [ROOT_ALARM, SYMPTOM_ALARM])
    assert ids("?alarmRaisedTime.lt=2026-03-10T00:00:00%2B01:00") == [
        a for a in every if "DONE" in a]
    assert ids("?ackState=acknowledged") == []
    symptom = _get(api, f"{ALARMS}/{SYMPTOM_ALARM}").json
    assert symptom["parentAlarm"][0]["id"] == ROOT_ALARM and not symptom["isRootCause"]
    assert symptom["perceivedSeverity"] == "minor" and symptom["state"] == "raised"
    # acknowledged in the incident workflow → its alarms are acknowledged, by whom
    with api.app.server.app_context():
        current_store().acknowledge(OPEN_FIBRE, Actor("noc-ana", "operations"))
    assert sorted(ids("?ackState=acknowledged")) == sorted([ROOT_ALARM, SYMPTOM_ALARM])
    assert ids("?ackState=unacknowledged") == [a for a in every if "DONE" in a]
    root = _get(api, f"{ALARMS}/{ROOT_ALARM}").json
    assert (root["ackState"], root["ackUserId"], root["isRootCause"]) == (
        "acknowledged", "noc-ana", True)


def test_sla_objectives_and_measured_conformance(api):
    specs = _get(api, f"{QUALITY}/serviceLevelSpecification", "executive").json
    assert [s["id"] for s in specs] == ["enterprise_vpn-gold", "enterprise_vpn-silver",
                                        "enterprise_vpn-bronze"]
    objective = _get(api, f"{QUALITY}/serviceLevelObjective/enterprise_vpn-silver-availability",
                     "marketing").json
    assert (objective["conformanceTarget"], objective["thresholdTarget"]) == ("99.95", "99.96")
    url = f"{QUALITY}/serviceLevelConformance"
    measured = {c["relatedEntity"][0]["id"]: c for c in _get(api, url).json}
    assert {k: c["conformance"] for k, c in measured.items()} == EXPECTED_CONFORMANCE
    silver = measured["CFS-0000020-01"]
    assert silver["measuredValue"] == f"{100 * (1 - 30 / 20160):.4f}"
    assert (silver["unplannedOutageMinutes"], silver["allowedOutageMinutes"]) == (30.0, 10.1)
    planned = measured["CFS-0000040-01"]
    assert (planned["outageMinutes"], planned["unplannedOutageMinutes"]) == (600.0, 0.0)
    first = _get(api, url).json[0]  # the one using most of its allowance first
    assert first["relatedEntity"][0]["id"] == "CFS-0000020-01"
    ids = [c["relatedEntity"][0]["id"] for c in _get(api, f"{url}?conformance=violated").json]
    assert ids == ["CFS-0000020-01"]
    assert len(_get(api, f"{url}?tier=gold").json) == 2
    # a period without the outage: met
    calm = _get(api, f"{url}?service.id=CFS-0000020-01&from=2026-03-11&to=2026-03-15").json
    assert calm[0]["conformance"] == "met" and calm[0]["daysMeasured"] == 5
    assert _get(api, f"{url}?region=Munster").json == []


def test_metric_values_are_the_overviews(api):
    listed = _get(api, "/api/v1/metrics?limit=100", "marketing")
    assert [m["name"] for m in listed.json] == [m.name for m in METRICS]
    assert listed.headers["X-Total-Count"] == str(len(METRICS))
    reading = _get(api, "/api/v1/metrics/experience_index?from=2026-03-09&to=2026-03-15"
                        "&region=Munster,Dublin&service=ftth", "executive").json
    with api.app.server.app_context():
        reader = current_reader()
        selection = Filters(start=date(2026, 3, 9), end=date(2026, 3, 15),
                            regions=("Munster", "Dublin"), cfs_types=("ftth",))
        expected = reader.kpi_value("experience_index", selection)
        before = reader.kpi_previous(["experience_index"], selection)[1]["experience_index"]
    assert reading["value"] == pytest.approx(expected) and expected is not None
    assert reading["previous"]["value"] == pytest.approx(before)
    assert reading["previous"]["to"] == "2026-03-08"
    assert len(reading["series"]) == 7 and reading["ignoredFilters"] == []
    restore = _get(api, "/api/v1/metrics/time_to_restore?segment=smb").json
    assert restore["ignoredFilters"] == ["segment"] and restore["dimensions"] == ["region"]


def test_a_revoked_token_is_refused_at_its_next_call(api):
    path = api.settings.dashboard.api_tokens_file
    assert path.stat().st_mode & 0o777 == 0o600
    assert all(api.tokens[r] not in path.read_text() for r in ROLES)  # only hashes kept
    token = add_token(path, "itsm", "operations")
    assert _get_with(api, token).status_code == 200
    assert _get_with(api, token).status_code == 200  # remembered: no second hash check
    revoke_token(path, "itsm")
    assert _get_with(api, token).status_code == 401
    assert _get_with(api, api.tokens["operations"]).status_code == 200  # the others stay


def _get_with(api, token: str):
    return api.client.get(PROBLEMS, headers=bearer(token))


def test_the_command_line_issues_lists_and_revokes(settings, monkeypatch):
    monkeypatch.setenv("CXBRIDGE_HOME", str(settings.home))
    runner = CliRunner()
    added = runner.invoke(cli_app, ["api", "token", "add", "itsm", "--role", "care"])
    assert added.exit_code == 0, added.output
    token = added.stdout.strip().splitlines()[0]
    assert re.fullmatch(r"cxb_[0-9a-f]{12}_[\w-]{43}", token)
    listed = runner.invoke(cli_app, ["api", "token", "list"])
    assert "itsm" in listed.output and "care" in listed.output and token not in listed.output
    again = runner.invoke(cli_app, ["api", "token", "add", "itsm", "--role", "care"])
    assert again.exit_code == 1 and "exists already" in again.output
    assert runner.invoke(cli_app, ["api", "token", "revoke", "itsm"]).exit_code == 0
    assert read_tokens(settings.home / "ops" / "api_tokens.json") == {}
    events = [e["event"] for e in read_events(settings.home / "audit" / "audit.jsonl")]
    assert events == ["api_token_add", "api_token_revoke"]


def test_behind_the_login_the_api_takes_tokens_and_the_host_allow_list_holds(api_home):
    token = api_home.tokens["operations"]
    app = create_app(api_home.settings,
                     users={"ana": Account(hash_password("s3cret pass"), "care")})
    client = app.server.test_client()
    answered = client.get(PROBLEMS, headers=bearer(token))
    assert answered.status_code == 200 and answered.json[0]["id"] == OPEN_FIBRE
    assert answered.headers["X-Content-Type-Options"] == "nosniff"  # the server's headers
    refused = client.get(PROBLEMS)  # no redirect to the log-in form: a TMF 401
    assert refused.status_code == 401 and refused.json["code"] == "401"
    assert client.get("/", headers={"Accept": "text/html"}).status_code == 302
    assert client.get(PROBLEMS, headers={**bearer(token), "Host": "evil.example"}
                      ).status_code == 400
    big = client.get(PROBLEMS, headers=bearer(token), data="x" * (600 * 1024))
    assert big.status_code == 413
    assert client.get("/tmf-api/openapi.json").status_code == 200
    docs = client.get("/tmf-api/docs")
    assert docs.status_code == 200 and "<script" not in docs.get_data(as_text=True)
    assert "/api/v1/metrics/{metric_name}" in docs.get_data(as_text=True)


def test_a_snapshot_without_incidents_or_slas_says_so(settings, publish, tiny_rows):
    publish("kpis-only", tiny_rows)
    tokens = {"operations": add_token(settings.dashboard.api_tokens_file, "noc", "operations")}
    api = SimpleNamespace(client=create_app(settings).server.test_client(), tokens=tokens)
    for url in (PROBLEMS, f"{PROBLEMS}/{OPEN_FIBRE}", ALARMS,
                f"{QUALITY}/serviceLevelSpecification", f"{QUALITY}/serviceLevelConformance"):
        response = _get(api, url)
        assert response.status_code == 404, url
        assert response.json["reason"] == "Not in this snapshot"
        assert "feeds" in response.json["message"]
    metrics = _get(api, "/api/v1/metrics/experience_index?fields=value")
    assert metrics.status_code == 200 and set(metrics.json) == {"name", "href", "value"}


def test_the_openapi_document_describes_every_endpoint_parameter_and_refusal():
    from openapi_spec_validator import validate

    spec = openapi()
    assert spec["openapi"].startswith("3.1")
    validate(spec)  # a valid OpenAPI 3.1 document
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    for endpoint in ENDPOINTS:
        operation = spec["paths"][endpoint.openapi_path]["get"]
        names = [p["name"] for p in operation["parameters"] if p["in"] == "query"]
        assert names == list(endpoint.params)
        assert all(PARAMS[n].description in p["description"]
                   for n, p in zip(names, [p for p in operation["parameters"]
                                           if p["in"] == "query"], strict=True))
        assert {"200", "400", "401", "403"} <= set(operation["responses"])
        assert ("404" in operation["responses"]) == bool(endpoint.path_params)
        assert f"Roles: {', '.join(sorted(endpoint.roles))}." in operation["description"]
        if endpoint.paged:
            assert set(operation["responses"]["200"]["headers"]) == {"X-Total-Count",
                                                                     "X-Result-Count"}
