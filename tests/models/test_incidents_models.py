"""Golden tests of the incident models on the hand-made network of ``incidents_world``: alarm
events in → incidents, roots, windows, affected services, impact and the queue out."""

from __future__ import annotations

from datetime import datetime

import pytest

import cxbridge.models.incidents as incidents
from cxbridge.models.incidents.queue import read_queue
from cxbridge.platform import ingest, warehouse
from tests.models.incidents_world import build_core, write_world


def build_world(settings, raw, **world) -> None:
    write_world(raw, **world)
    settings.ensure_dirs()
    with warehouse.connect(settings) as con:
        ingest.ingest_many(con, ingest.discover(raw), "t")
        build_core(con)
        incidents.build(con)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from cxbridge.platform.settings import load_settings

    home = tmp_path_factory.mktemp("incidents")
    settings = load_settings({"CXBRIDGE_HOME": str(home / "home"), "CXBRIDGE_CONFIG": ""})
    build_world(settings, home / "raw")
    with warehouse.connect(settings, read_only=True) as con:
        tables = {name: warehouse.query(con, f"select * from incidents.{name}")
                  for name in ("incidents", "incident_episodes", "episodes", "incident_services",
                               "incident_windows", "incident_impact", "queue")}
    return settings, tables


def _incident(world, root_alarm: str) -> dict:
    rows = world[1]["incidents"].filter(incident_id=f"PRB-{root_alarm}").to_dicts()
    assert rows, f"no incident rooted at {root_alarm}"
    return rows[0]


def _minutes(world, root_alarm: str) -> dict[str, float]:
    services = world[1]["incident_services"].filter(incident_id=f"PRB-{root_alarm}")
    return {r["service_id"]: round(r["impact_minutes"], 3) for r in services.to_dicts()}


def _roles(world, incident_id: str) -> dict[str, str]:
    ie = world[1]["incident_episodes"].filter(incident_id=incident_id)
    return dict(ie.select("episode_id", "role").iter_rows())


def test_alarms_become_one_incident_per_fault_and_noise_none(world):
    found = sorted(world[1]["incidents"]["incident_id"].to_list())
    assert found == ["PRB-A-ROOT", "PRB-B1", "PRB-C-L1", "PRB-D-DNS2", "PRB-E-SITE",
                     "PRB-G-OLT"]


def test_a_line_card_is_the_root_of_its_ports_and_only_they_are_hurt(world):
    line_card = _incident(world, "A-ROOT")
    assert line_card["root_resource_id"] == "OLT"
    assert _roles(world, "PRB-A-ROOT") == {"A-ROOT": "root", "A-PON1": "symptom",
                                           "A-PON2": "symptom"}
    # the root's clear was lost; its symptoms cleared, so it ends with the last of them
    assert (line_card["status"], line_card["end_basis"]) == ("cleared", "symptoms_cleared")
    assert line_card["ended_at"] == datetime(2026, 10, 2, 12, 0, 10)
    # PON3 (CFS-3) had no alarm: the OLT's own alarm does not spread to it
    assert _minutes(world, "A-ROOT") == {"CFS-1": round(119 + 50 / 60, 3),
                                         "CFS-2": round(119 + 35 / 60, 3)}


def test_flapping_is_one_episode_and_counts_only_the_seconds_down(world):
    flap = _incident(world, "B1")
    assert flap["flapping"] and flap["n_flaps"] == 4 and flap["n_episodes"] == 1
    assert _minutes(world, "B1") == {"CFS-3": round(100 / 60, 3)}


def test_a_protected_uplink_failure_hurts_nobody_and_keeps_the_olt_warning(world):
    uplink = _incident(world, "C-L1")
    assert uplink["root_resource_id"] == "L1" and uplink["n_attached"] == 1
    assert _roles(world, "PRB-C-L1") == {"C-L1": "root", "C-OLT": "attached"}
    assert _minutes(world, "C-L1") == {}


def test_a_pool_is_down_only_while_both_resolvers_are(world):
    dns = _incident(world, "D-DNS2")
    assert dns["root_resource_id"] == "DNS2"  # the source's root-cause flag breaks the tie
    # 17:00:10 → 17:20:00, both FTTH lines; the VPN and the mobile line do not use DNS
    assert _minutes(world, "D-DNS2") == {"CFS-1": round(19 + 50 / 60, 3),
                                         "CFS-2": round(19 + 50 / 60, 3)}


def test_a_site_power_loss_hurts_from_when_its_cells_die(world):
    power = _incident(world, "E-SITE")
    assert power["root_resource_id"] == "SITE" and power["n_symptoms"] == 2
    # CELL1 carries 90 % of CFS-4's traffic: hurt 18:40 → 19:58
    assert _minutes(world, "E-SITE") == {"CFS-4": 78.0}


def test_planned_maintenance_is_marked_and_kept_out_of_the_default_queue(world):
    assert _incident(world, "G-OLT")["planned"]
    settings, _ = world
    with warehouse.connect(settings, read_only=True) as con:
        default = read_queue(con, include_cleared=True)
        everything = read_queue(con, include_cleared=True,
                                                include_planned=True)
    assert "PRB-G-OLT" not in default["incident_id"].to_list()
    assert "PRB-G-OLT" in everything["incident_id"].to_list()


def test_impact_counts_customers_segments_sla_and_revenue(world):
    impact = {r["incident_id"]: r for r in world[1]["incident_impact"].to_dicts()}
    line_card = impact["PRB-A-ROOT"]
    assert (line_card["affected_services"], line_card["affected_customers"]) == (2, 2)
    assert (line_card["consumer_customers"], line_card["smb_customers"]) == (1, 1)
    assert line_card["monthly_revenue_eur"] == 150.0
    assert line_card["revenue_at_risk_eur"] == pytest.approx(150.0 * incidents.Params().churn_prior)
    assert line_card["experience_drop"] is None  # no experience mart in this warehouse
    flap = impact["PRB-B1"]
    # the VPN's 99.9 % SLA allows 43.2 minutes a month: 100 seconds do not breach it
    assert (flap["sla_services"], flap["sla_breached_services"]) == (1, 0)


def test_the_queue_ranks_by_impact_with_components_that_add_up(world):
    queue = world[1]["queue"].sort("rank")
    for row in queue.to_dicts():
        parts = (row["score_customer_minutes"] + row["score_business"] + row["score_sla"]
                 + row["score_revenue"] + row["score_experience"])
        assert row["priority_score"] == pytest.approx(parts, abs=0.3)
    order = queue["incident_id"].to_list()
    assert order[0] == "PRB-A-ROOT"
    # hurting nobody, the protected uplink ranks below every incident that hurt someone,
    # although its alarm is critical
    hurting = queue.filter(queue["affected_services"] > 0)["rank"].max()
    assert queue.filter(incident_id="PRB-C-L1")["rank"][0] > hurting
    assert queue.filter(incident_id="PRB-C-L1")["worst_severity"][0] == "critical"


def test_root_cause_without_the_sources_flags_falls_back_on_time(world):
    settings, _ = world
    from cxbridge.lab.incident_evaluation import _roots_without_hints

    with warehouse.connect(settings, read_only=True) as con:
        roots = _roots_without_hints(con)
    assert roots["PRB-A-ROOT"] == "OLT"     # topology alone decides
    assert roots["PRB-D-DNS2"] == "DNS1"    # a tie: the earlier crash


def test_an_open_alarm_past_its_usual_length_is_stale(settings, tmp_path):
    from tests.models.incidents_world import ALARMS, alarm

    lost = alarm("H-BNG", "PON3", "2026-10-02T21:00:00Z", None, cause="degradedSignal")
    build_world(settings, tmp_path / "raw", alarms=[*ALARMS, *lost])
    with warehouse.connect(settings, read_only=True) as con:
        row = warehouse.query(con, "select status, end_basis, impact_end, "
                                   "(select as_of from incidents.params) as as_of "
                                   "from incidents.incidents where incident_id = 'PRB-H-BNG'"
                              ).to_dicts()[0]
    assert (row["status"], row["end_basis"]) == ("stale", "estimated")
    assert row["as_of"] == datetime(2026, 10, 4)
    assert row["impact_end"] < row["as_of"]


def test_churn_scores_and_measured_experience_are_used_when_present(settings, tmp_path):
    write_world(tmp_path / "raw")
    settings.ensure_dirs()
    with warehouse.connect(settings) as con:
        ingest.ingest_many(con, ingest.discover(tmp_path / "raw"), "t")
        build_core(con)
        con.execute("create schema if not exists marts")
        con.execute("create table marts.churn_scores as select * from (values "
                    "('C1', 0.2, 50.0), ('C2', 0.5, 100.0)) "
                    "t(customer_id, churn_probability, monthly_revenue_eur)")
        # the week before: CFS-1 at 90, CFS-2 at 80; on the day of the line card: 60 and 70
        con.execute("create table marts.service_experience_daily as "
                    "select s.service_id, d::date as date, "
                    "case when d::date = date '2026-10-02' then s.hit else s.usual end as sei "
                    "from (values ('CFS-1', 90.0, 60.0), ('CFS-2', 80.0, 70.0)) "
                    "s(service_id, usual, hit), "
                    "generate_series(date '2026-09-25', date '2026-10-02', interval 1 day) g(d)")
        incidents.build(con)
        row = warehouse.query(con, "select * from incidents.incident_impact "
                                   "where incident_id = 'PRB-A-ROOT'").to_dicts()[0]
        queue = warehouse.query(con, "select * from incidents.queue "
                                     "where incident_id = 'PRB-A-ROOT'").to_dicts()[0]
    assert row["revenue_at_risk_eur"] == pytest.approx(0.2 * 50 + 0.5 * 100)
    assert row["revenue_basis"].startswith("marts.churn_scores")
    assert row["experience_drop"] == pytest.approx((30 + 10) / 2)
    params = incidents.Params()
    assert queue["score_experience"] == pytest.approx(params.experience_weight * 20 * 2, abs=0.1)
    assert queue["score_revenue"] == pytest.approx(params.revenue_weight * 60, abs=0.1)
