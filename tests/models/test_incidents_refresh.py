"""Freshness: a batch of alarm events after a build → the incremental refresh gives exactly what
a full rebuild would, while recomputing only what the batch touched; with nothing new, nothing
is recomputed."""

from __future__ import annotations

import polars as pl

import cxbridge.models.incidents as incidents
from cxbridge.lab.alarm_freshness import alarm_batch, ingest_batch
from cxbridge.platform import ingest, warehouse
from tests.models.incidents_world import build_core, write_world

TABLES = {
    "incidents": "incident_id, status, end_basis, root_resource_id, started_at, ended_at, "
                 "impact_end, n_alarms, n_symptoms, n_attached",
    "incident_episodes": "incident_id, episode_id, role",
    "incident_services": "incident_id, service_id, round(impact_minutes, 6)",
    "incident_impact": "incident_id, affected_services, affected_customers, "
                       "round(service_minutes, 6), sla_breached_services, duration_minutes",
    "queue": "rank, incident_id, priority_score",
    "care_list": "incident_id, position, customer_id, services, cfs_types, impact_minutes",
    "incident_access": "incident_id, resource_id, services",
    "incident_hours": "*",
}


def _snapshot(con) -> dict[str, pl.DataFrame]:
    return {t: warehouse.query(con, f"select {cols} from incidents.{t} order by all")
            for t, cols in TABLES.items()}


def test_a_batch_refresh_equals_a_full_rebuild(settings, tmp_path):
    write_world(tmp_path / "raw")
    settings.ensure_dirs()
    with warehouse.connect(settings) as con:
        ingest.ingest_many(con, ingest.discover(tmp_path / "raw"), "t")
        build_core(con)
        incidents.build(con)
        before = _snapshot(con)
        batch = alarm_batch(con, "B", ports=2, clears=5)
        # a line card on the OLT, two ports losing signal, and a clear for the line card
        # alarm A-ROOT, whose own clear had been lost
        assert batch.height == 4
        assert batch.filter(state="cleared")["alarm_id"].to_list() == ["A-ROOT"]
        ingest_batch(con, batch)
        summary = incidents.refresh(con)
        refreshed = _snapshot(con)
        incidents.build(con)
        rebuilt = _snapshot(con)
        idle = incidents.refresh(con)  # nothing new since: nothing recomputed, nothing changed
        after_idle = _snapshot(con)
    assert (idle.alarms_touched, idle.incidents_recomputed) == (0, 0)
    assert all(after_idle[t].equals(rebuilt[t]) for t in TABLES)
    assert summary.alarms_touched == 4
    # the new incident, the line card incident its clear changed, nothing else
    assert summary.incidents_recomputed == 2
    for table in TABLES:
        assert refreshed[table].equals(rebuilt[table]), table
    new = set(refreshed["incidents"]["incident_id"]) - set(before["incidents"]["incident_id"])
    assert new == {"PRB-B-ROOT"}
