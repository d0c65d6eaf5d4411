"""Freshness: a new batch of alarm events → the queue updated, without rebuilding the warehouse.

:func:`cxbridge.models.incidents.refresh` does the work (only the alarms the batch changed, their
episodes and incidents, and the incidents still open are recomputed). This module measures it:
:func:`alarm_batch` makes a realistic batch (a line card failing on the busiest OLT, its ports
losing signal, and clears for alarms left open), :func:`bench_new_alarm_batch` times batch →
updated queue on an already-built warehouse.
"""

from __future__ import annotations

import os
import time
from datetime import datetime, timedelta

import polars as pl

from cxbridge.models.incidents.build import build, refresh
from cxbridge.platform import runs, warehouse
from cxbridge.platform.ingest.sources import alarms
from cxbridge.platform.ingest.staging import empty_frame
from cxbridge.platform.settings import load_settings

# a row of stg.alarm_events, as ingest loads it: the alarm contract's columns and _file_id
EVENT_SCHEMA = empty_frame(alarms.SOURCE, "stg.alarm_events").schema
RAISED, CLEARED = alarms.TMF642_EVENTS["raised"], alarms.TMF642_EVENTS["cleared"]


def _event(batch: str, n: int, alarm_id: str, kind: str, at: datetime, resource: str,
           resource_type: str, severity: str, cause: str, problem: str, *, raised: datetime,
           root: bool = False, parent: str | None = None, cleared: bool = False,
           affecting: bool = True, planned: bool = False) -> dict:
    return {
        "event_id": f"{batch}-E{n:05d}", "event_type": kind, "event_time": at,
        "alarm_id": alarm_id, "external_alarm_id": f"BENCH:{alarm_id}",
        "alarm_type": "equipmentAlarm" if cause == "lineCardProblem" else "communicationsAlarm",
        "perceived_severity": "cleared" if cleared else severity, "probable_cause": cause,
        "specific_problem": problem, "alarmed_object_id": resource,
        "alarmed_object_type": resource_type, "source_system_id": "EMS-BENCH",
        "state": "cleared" if cleared else "raised", "raised_time": raised,
        "changed_time": at, "cleared_time": at if cleared else None,
        "service_affecting": affecting, "is_root_cause": root, "planned_outage": planned,
        "parent_alarm_id": parent, "_file_id": batch,
    }


def alarm_batch(con, batch: str, ports: int = 8, clears: int = 5) -> pl.DataFrame:
    """Events as ingest would have loaded them into ``stg.alarm_events``: a line card failing
    on the OLT with the most ports one minute after the newest data, ``ports`` of its ports
    losing signal, and clears for up to ``clears`` alarms still open (no clear, and not taken
    to have ended with their root)."""
    now = warehouse.scalar(con, "select max(t) from (select max(event_time) as t from "
                                "stg.alarm_events union all select max(interval_start) + "
                                "interval 15 minute from stg.kpi_15min)")
    start = now + timedelta(minutes=1)
    olt = warehouse.rows(con, "select l.depends_on_id, count(*) as n from stg.resource_links l "
                              "join core.resources r on r.resource_id = l.resource_id "
                              "where r.resource_type = 'pon_port' group by 1 "
                              "order by n desc, 1 limit 1")
    events = []
    if olt:
        olt_id = olt[0][0]
        root = f"{batch}-ROOT"
        events.append(_event(batch, 0, root, RAISED, start, olt_id, "olt",
                             "critical", "lineCardProblem", "GPON line card failed",
                             raised=start, root=True))
        port_ids = [r[0] for r in warehouse.rows(
            con, "select resource_id from stg.resource_links where depends_on_id = $olt "
                 "order by resource_id limit $n", {"olt": olt_id, "n": ports})]
        for k, port in enumerate(port_ids, start=1):
            at = start + timedelta(seconds=10 + k)
            events.append(_event(batch, k, f"{batch}-P{k:02d}", RAISED, at, port,
                                 "pon_port", "critical", "lossOfSignal",
                                 "PON LOS: all ONUs lost", raised=at, parent=root))
    open_alarms = warehouse.rows(
        con, "select alarm_id, alarmed_object_id, alarmed_object_type, probable_cause, "
             "raised_at, coalesce(service_affecting, false), coalesce(is_root_cause, false), "
             "coalesce(planned_outage, false), parent_alarm_id from core.alarms "
             "where effective_cleared_at is null and raised_at is not null "
             "order by raised_at desc, alarm_id limit $n", {"n": clears})
    for k, row in enumerate(open_alarms):
        alarm_id, resource, resource_type, cause, raised, affecting, root, planned, parent = row
        events.append(_event(batch, 100 + k, alarm_id, CLEARED,
                             start + timedelta(minutes=2), resource, resource_type, "cleared",
                             cause, None, raised=raised, cleared=True, affecting=affecting,
                             root=root, planned=planned, parent=parent))
    return pl.DataFrame(events, schema=EVENT_SCHEMA)


def ingest_batch(con, events: pl.DataFrame) -> None:
    """Load a batch into ``stg.alarm_events`` the way ingest's loader does (by name)."""
    con.register("bench_alarm_events", events)
    try:
        con.execute("insert into stg.alarm_events by name select * from bench_alarm_events")
    finally:
        con.unregister("bench_alarm_events")


def measure_new_alarm_batch(con, keep: bool = True) -> dict:
    """Build the incident tables if absent, then time one batch → refreshed queue. Unless
    ``keep``, the batch is taken out again afterwards (and the queue refreshed, untimed)."""
    if not warehouse.table_exists(con, "incidents.queue"):
        build(con)
    batch = "bench-" + runs.new_run_id()
    events = alarm_batch(con, batch)
    started = time.perf_counter()
    ingest_batch(con, events)
    summary = refresh(con)
    seconds = time.perf_counter() - started
    if not keep:
        con.execute("delete from stg.alarm_events where _file_id = $batch", {"batch": batch})
        refresh(con)
    return {"events": events.height, "seconds": round(seconds, 3),
            "alarms_touched": summary.alarms_touched,
            "episodes_recomputed": summary.episodes_recomputed,
            "incidents_recomputed": summary.incidents_recomputed,
            "incidents_total": summary.incidents_total}


def bench_new_alarm_batch(home: str) -> int:
    """For ``pipelines/lab/bench.py``: on the already-built warehouse under ``home``, load a batch
    of alarm events and refresh the incident queue from it. Returns the events processed."""
    settings = load_settings({"CXBRIDGE_HOME": home, "CXBRIDGE_CONFIG": ""}
                             | {k: v for k, v in os.environ.items()
                                if k.startswith("CXBRIDGE_DUCKDB_")})
    with warehouse.connect(settings) as con:
        return measure_new_alarm_batch(con)["events"]
