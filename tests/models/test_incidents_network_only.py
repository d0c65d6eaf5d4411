"""A network that knows no customers: the topology of ``incidents_world``, its alarms and PM
counters, but no catalog, customers, services or usage. Every incident hurts zero customers, so
the queue is ranked by network impact: minutes behind each fault × the usual active sessions
of the resources it hurt (incidents/incident_network.sql). Without even a topology, the
resources are derived from the PM export and each alarm hurts the object it is raised on.

Each resource reports a constant number of active sessions every 15 minutes from 2026-09-30 to
2026-10-03, so the weights are known: PON1 10, PON2 20, PON3 30, CELL1 40, CELL2 50.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

import cxbridge.models.incidents as incidents
from cxbridge.models.graph import model_graph
from cxbridge.platform import ingest, transform, warehouse
from cxbridge.platform.settings import load_settings
from tests.models.incidents_world import ALARMS, LINKS, RESOURCES

SESSIONS = {"PON1": 10, "PON2": 20, "PON3": 30, "CELL1": 40, "CELL2": 50}


def _pm() -> str:
    lines = ["START_TIME,MO_ID,MO_CLASS,UTIL_PCT,SESSIONS"]
    start = datetime(2026, 9, 30)
    for k in range(4 * 96):
        t = start + timedelta(minutes=15 * k)
        for resource, sessions in SESSIONS.items():
            kind = "cell" if resource.startswith("CELL") else "pon_port"
            lines.append(f"{t:%Y-%m-%dT%H:%M:%SZ},{resource},{kind},20,{sessions}")
    return "\n".join(lines) + "\n"


def _queue(tmp_path_factory, name: str, topology: bool):
    home = tmp_path_factory.mktemp(name)
    settings = load_settings({"CXBRIDGE_HOME": str(home / "home"), "CXBRIDGE_CONFIG": ""})
    raw = home / "raw"
    files = {"kpis/A_PM.csv": _pm(),
             "alarms/alarms.jsonl": "\n".join(json.dumps(e) for e in ALARMS) + "\n"}
    if topology:
        files |= {"topology/resources.csv": RESOURCES, "topology/resource_links.csv": LINKS}
    for path, text in files.items():
        (raw / path).parent.mkdir(parents=True, exist_ok=True)
        (raw / path).write_text(text, encoding="utf-8")
    settings.ensure_dirs()
    with warehouse.connect(settings) as con:
        results = ingest.ingest_many(con, ingest.discover(raw), "t")
        transform.build(con, model_graph(), full=True)
        incidents.build(con)
        queue = warehouse.query(con, "select incident_id, rank, priority_basis, priority_score, "
                                     "score_network, affected_customers, network_resources "
                                     "from incidents.queue order by rank")
        access = warehouse.query(con, "select incident_id, resource_id, services "
                                      "from incidents.incident_access")
    assert all(r.rows_quarantined == 0 for r in results)   # nothing waits for a topology
    return queue, access


@pytest.fixture(scope="module")
def with_topology(tmp_path_factory):
    return _queue(tmp_path_factory, "network-only", topology=True)


def test_with_no_services_the_queue_is_ranked_by_network_impact(with_topology):
    queue, _ = with_topology
    assert set(queue["priority_basis"]) == {"network"}
    assert set(queue["affected_customers"]) == {0}
    assert queue["priority_score"].to_list() == queue["score_network"].to_list()
    scores = {r["incident_id"]: r["score_network"] for r in queue.iter_rows(named=True)}
    # E: the site's cells, 78 and 77.5 minutes, × 40 and 50 sessions
    assert scores["PRB-E-SITE"] == pytest.approx(78 * 40 + 77.5 * 50, abs=0.05)
    # A: the line card's ports, PON1 119m50s × 10 and PON2 119m35s × 20
    assert scores["PRB-A-ROOT"] == pytest.approx((119 + 50 / 60) * 10 + (119 + 35 / 60) * 20,
                                                 abs=0.05)
    # G: planned work on the OLT takes PON1 down for 59m40s; B: PON3 flaps 100 s
    assert scores["PRB-G-OLT"] == pytest.approx((59 + 40 / 60) * 10, abs=0.05)
    assert scores["PRB-B1"] == pytest.approx(100 / 60 * 30, abs=0.05)
    # C: one protected uplink hurts nothing
    assert scores["PRB-C-L1"] == 0
    assert queue["incident_id"].to_list()[:4] == ["PRB-E-SITE", "PRB-A-ROOT", "PRB-G-OLT",
                                                  "PRB-B1"]


def test_a_fault_above_no_access_resource_hurts_the_resource_itself(with_topology):
    queue, _ = with_topology
    scores = {r["incident_id"]: (r["network_resources"], r["score_network"])
              for r in queue.iter_rows(named=True)}
    # with no service inventory the two resolvers are no known pool: one incident each; they
    # report no counters, so each weighs 1 a minute (DNS2 19m50s, DNS1 30 minutes)
    assert scores["PRB-D-DNS2"] == (1, pytest.approx(19 + 50 / 60, abs=0.05))
    assert scores["PRB-D-DNS1"] == (1, pytest.approx(30, abs=0.05))


def test_the_access_resources_behind_an_incident_are_listed_without_services(with_topology):
    _, access = with_topology
    behind = access.filter(incident_id="PRB-A-ROOT").sort("resource_id")
    assert behind.rows() == [("PRB-A-ROOT", "PON1", 0), ("PRB-A-ROOT", "PON2", 0)]


def test_without_a_topology_each_alarm_hurts_its_measured_object(tmp_path_factory):
    queue, _ = _queue(tmp_path_factory, "no-topology", topology=False)
    assert set(queue["priority_basis"]) == {"network"}
    ranked = queue["score_network"].to_list()
    assert ranked == sorted(ranked, reverse=True)
    scores = {r["incident_id"]: r["score_network"] for r in queue.iter_rows(named=True)}
    # no topology, no links: the cells' alarms are incidents of their own
    assert scores["PRB-E-CELL2"] == pytest.approx(77.5 * 50, abs=0.05)
    assert scores["PRB-E-CELL1"] == pytest.approx(78 * 40, abs=0.05)
    assert queue["incident_id"].to_list()[:2] == ["PRB-E-CELL2", "PRB-E-CELL1"]
