"""What the incident models hand out: the TMF656 ServiceProblem, the proactive-care list, the
``cxbridge incidents`` command, and the evaluation's matching and NDCG."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

import cxbridge.models.incidents as incidents
from cxbridge.app.cli import app
from cxbridge.lab.incident_evaluation import match_incidents, ndcg_at
from cxbridge.models.incidents.care import UnknownIncidentError, care_list
from cxbridge.models.incidents.tmf656 import priority_of, problem_for, service_problem
from cxbridge.platform import ingest, warehouse
from tests.models.incidents_world import build_core, write_world

TMF656_EXAMPLE = (Path(__file__).resolve().parents[3] / "shared" / "standards" / "tmf"
                  / "TMF656_ServiceProblemManagement_v5"
                  / "TMF656__ServiceProblem_retrieve_example_response.json")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from cxbridge.platform.settings import load_settings

    home = tmp_path_factory.mktemp("outputs")
    settings = load_settings({"CXBRIDGE_HOME": str(home / "home"), "CXBRIDGE_CONFIG": ""})
    write_world(home / "raw")
    settings.ensure_dirs()
    with warehouse.connect(settings) as con:
        ingest.ingest_many(con, ingest.discover(home / "raw"), "t")
        build_core(con)
        incidents.build(con)
    return settings


def test_a_problem_names_its_services_alarms_root_and_impact(built):
    with warehouse.connect(built, read_only=True) as con:
        problem = problem_for(con, "PRB-A-ROOT")
    assert problem["@type"] == "ServiceProblem" and problem["status"] == "resolved"
    assert [s["id"] for s in problem["affectedService"]] == ["CFS-1", "CFS-2"]
    assert problem["affectedNumberOfServices"] == 2
    assert [r["id"] for r in problem["rootCauseResource"]] == ["OLT"]
    assert [a["id"] for a in problem["underlyingAlarm"]] == ["A-ROOT", "A-PON1", "A-PON2"]
    assert {r["id"] for r in problem["affectedResource"]} == {"PON1", "PON2"}
    figures = {c["name"]: c["value"] for c in problem["impactPattern"]["characteristic"]}
    assert figures["affected_customers"] == 2 and figures["worstAlarmSeverity"] == "critical"
    assert problem["resolutionDate"] == "2026-10-02T12:00:10Z"
    assert problem["priority"] == 4  # a few hundred service-minutes


def test_a_problem_uses_only_fields_of_the_tmf656_example(built):
    if not TMF656_EXAMPLE.is_file():
        pytest.skip(f"TMF656 example not found at {TMF656_EXAMPLE} (../shared is absent)")
    example = json.loads(TMF656_EXAMPLE.read_text())
    with warehouse.connect(built, read_only=True) as con:
        problem = problem_for(con, "PRB-E-SITE")
    assert set(problem) <= set(example)
    assert problem["underlyingAlarm"][0].keys() == example["underlyingAlarm"][0].keys()
    assert problem["affectedService"][0].keys() == example["affectedService"][0].keys()


def test_priority_bands_follow_the_score():
    assert [priority_of(s) for s in (250_000, 20_000, 2_000, 3, 0, None)] == [1, 2, 3, 4, 5, 5]


def test_a_silent_problem_has_no_alarms_and_is_network_detected():
    incident = {"incident_id": "SIL-X", "source": "silent", "title": "t", "detection": "d",
                "status": "open", "started_at": datetime(2026, 10, 1), "root_resource_id": "C",
                "region": None, "kind": "sleeping_cell", "worst_severity": None,
                "planned": False}
    problem = service_problem(incident, {}, {"priority_score": 0.0}, [], ["C"], [],
                              datetime(2026, 10, 2))
    assert problem["category"] == "network.detected" and problem["underlyingAlarm"] == []
    assert problem["status"] == "acknowledged" and "resolutionDate" not in problem


def test_the_care_list_gives_contacts_only_when_asked(built):
    with warehouse.connect(built, read_only=True) as con:
        plain = care_list(con, "PRB-A-ROOT")
        with_contacts = care_list(con, "PRB-A-ROOT", with_contacts=True)
        with pytest.raises(UnknownIncidentError):
            care_list(con, "PRB-NOPE")
    assert plain["customer_id"].to_list() == ["C2", "C1"]  # SMB before consumer
    assert not {"name", "email", "phone"} & set(plain.columns)
    assert with_contacts.filter(customer_id="C1")["email"][0] == "aoife@example.ie"


def test_the_command_prints_the_queue_and_a_problem(built, monkeypatch):
    monkeypatch.setenv("CXBRIDGE_HOME", str(built.home))
    monkeypatch.setenv("CXBRIDGE_CONFIG", "")
    runner = CliRunner()
    listed = runner.invoke(app, ["incidents", "--all", "--json"])
    assert listed.exit_code == 0, listed.output
    ids = [row["incident_id"] for row in json.loads(listed.output)]
    assert ids[0] == "PRB-A-ROOT" and "PRB-G-OLT" not in ids
    planned = runner.invoke(app, ["incidents", "--all", "--json", "--include-planned"])
    assert "PRB-G-OLT" in [row["incident_id"] for row in json.loads(planned.output)]
    open_only = runner.invoke(app, ["incidents"])
    assert open_only.exit_code == 0 and "No open incidents" in open_only.output
    problem = runner.invoke(app, ["incidents", "--problem", "PRB-D-DNS2"])
    assert json.loads(problem.output)["rootCauseResource"][0]["id"] == "DNS2"
    care = runner.invoke(app, ["incidents", "--care", "PRB-A-ROOT", "--export", "--json"])
    assert care.exit_code == 0, care.output
    assert [c["customer_id"] for c in json.loads(care.stdout)] == ["C2", "C1"]
    written = (built.exports_dir / "care" / "PRB-A-ROOT.csv").read_text().splitlines()
    assert written[0].startswith("customer_id,segment") and len(written) == 3
    exported = runner.invoke(app, ["incidents", "--all", "--export", "--limit", "2"])
    assert exported.exit_code == 0, exported.output
    assert sorted(p.name for p in (built.exports_dir / "tmf656").iterdir()) == sorted(
        f"{i}.json" for i in ids[:2])
    missing = runner.invoke(app, ["incidents", "--care", "PRB-NOPE"])
    assert missing.exit_code == 1


def test_matching_pairs_by_shared_resources_and_overlapping_time():
    t = datetime(2026, 10, 2, 10)
    predicted = pl.DataFrame({"incident_id": ["P1", "P2", "P3"],
                              "started_at": [t, t, t + timedelta(days=2)],
                              "ended_at": [t + timedelta(hours=1)] * 2
                              + [t + timedelta(days=2, hours=1)]})
    truth = pl.DataFrame({"incident_id": ["T1", "T2"], "start": [t, t + timedelta(days=2)],
                          "end": [t + timedelta(hours=1), t + timedelta(days=2, hours=1)]})
    p_res = pl.DataFrame({"incident_id": ["P1", "P1", "P2", "P3"],
                          "resource_id": ["OLT", "PON1", "PON1", "OLT"]})
    t_res = pl.DataFrame({"incident_id": ["T1", "T1", "T2"],
                          "resource_id": ["OLT", "PON1", "PON9"]})
    matches = match_incidents(predicted, p_res, truth, t_res)
    # P1 shares two resources with T1, P2 one: P1 wins; P3 shares OLT with T1 but days later
    assert matches.rows() == [("P1", "T1")]


def test_ndcg_is_one_for_the_ideal_order_and_lower_otherwise():
    assert ndcg_at([100, 10, 1], [1, 10, 100]) == 1.0
    assert ndcg_at([1, 10, 100], [1, 10, 100]) < 0.7
    assert ndcg_at([0, 0], [0, 0]) is None


def test_a_refresh_from_the_command_line_is_a_run_of_its_own(tmp_path, monkeypatch):
    from cxbridge.platform.settings import load_settings

    settings = load_settings({"CXBRIDGE_HOME": str(tmp_path / "home"), "CXBRIDGE_CONFIG": ""})
    write_world(tmp_path / "raw")
    settings.ensure_dirs()
    with warehouse.connect(settings) as con:
        ingest.ingest_many(con, ingest.discover(tmp_path / "raw"), "t")
        build_core(con)
    monkeypatch.setenv("CXBRIDGE_HOME", str(settings.home))
    monkeypatch.setenv("CXBRIDGE_CONFIG", "")
    result = CliRunner().invoke(app, ["incidents", "--refresh", "--json"])
    assert result.exit_code == 0, result.output
    with warehouse.connect(settings, read_only=True) as con:
        (run_id, command, status), = warehouse.rows(
            con, "select run_id, command, status from meta.runs")
        stamped = warehouse.rows(con, "select distinct run_id from incidents.params union "
                                      "select distinct run_id from incidents.queue")
    assert (command, status) == ("incidents refresh", "ok") and stamped == [(run_id,)]
