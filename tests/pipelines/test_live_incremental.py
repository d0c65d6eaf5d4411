"""The live path's incremental work is exact: after a stream of alarm batches, each refreshed
incrementally (only the batch's alarms folded again; an incident's impact recomputed only when
what it is computed from changed), the alarm and incident tables equal a full build from scratch
of the same warehouse; and a live overlay built
from the previous one (only the changed incidents' rows replaced) holds exactly the warehouse's
tables."""

from __future__ import annotations

import shutil
from datetime import datetime

import duckdb
import polars as pl

import cxbridge.models.incidents as incidents
from cxbridge.lab.alarm_freshness import EVENT_SCHEMA, ingest_batch
from cxbridge.models.service import alarms as service_alarms
from cxbridge.platform import ingest, overlay, warehouse
from cxbridge.platform.settings import load_settings
from tests.models.incidents_world import build_core, write_world

# every incident table a refresh writes, with the columns that are the result (not the run's
# stamps: run_id, scored_at)
TABLES = {
    "incidents": "*",
    "incident_windows": "*",
    "incident_episodes": "*",
    "incident_services": "*",
    "incident_network": "*",
    "incident_impact": "*",
    "impact_breakdown": "*",
    "incident_access": "*",
    "incident_hours": "*",
    "care_list": "*",
    "queue": "* exclude (run_id, scored_at)",
}


def _row(batch: str, n: int, alarm_id: str, resource: str, resource_type: str, at: str,
         raised: str, cause: str, *, cleared: bool = False, affecting: bool = True,
         root: bool = False, parent: str | None = None) -> dict:
    """One row of stg.alarm_events, as ingest loads a TMF642 event."""
    when, raised_at = datetime.fromisoformat(at), datetime.fromisoformat(raised)
    return {"event_id": f"{batch}-{n}", "event_time": when, "alarm_id": alarm_id,
            "event_type": "AlarmStateChangeEvent" if cleared else "AlarmCreateEvent",
            "external_alarm_id": f"T:{alarm_id}", "alarm_type": "communicationsAlarm",
            "perceived_severity": "cleared" if cleared else "major", "probable_cause": cause,
            "specific_problem": f"{cause} on {resource}", "alarmed_object_id": resource,
            "alarmed_object_type": resource_type, "source_system_id": "EMS-T",
            "state": "cleared" if cleared else "raised", "raised_time": raised_at,
            "changed_time": when, "cleared_time": when if cleared else None,
            "service_affecting": affecting, "is_root_cause": root, "planned_outage": False,
            "parent_alarm_id": parent, "_file_id": batch}


def _alarm(batch: str, alarm_id: str, resource: str, resource_type: str, raised: str,
           cleared: str | None, cause: str = "lossOfSignal", **kw) -> list[dict]:
    """The rows of one alarm: its raise, and its clear unless ``cleared`` is None."""
    out = [_row(batch, 0, alarm_id, resource, resource_type, raised, raised, cause, **kw)]
    if cleared:
        out.append(_row(batch, 1, alarm_id, resource, resource_type, cleared, raised, cause,
                        cleared=True, **kw))
    return out


BATCHES = {
    # a warning on the OLT while the line card incident A is on (not service-affecting: no
    # window, no incident)
    "noise": _alarm("noise", "N-OLT", "OLT", "olt", "2026-10-02T10:30:00",
                    "2026-10-02T10:40:00", cause="temperatureUnacceptable", affecting=False),
    # a second alarm of PON2 over exactly the stretch A-PON2 had: the same window again
    "again": _alarm("again", "A-PON2-bis", "PON2", "pon_port", "2026-10-02T10:00:30",
                    "2026-10-02T12:00:05", parent="A-ROOT"),
    # the site incident E goes on: CELL1 down again until 20:30, past its end at 20:00
    "extend": _alarm("extend", "E-CELL1-bis", "CELL1", "cell", "2026-10-02T19:59:00",
                     "2026-10-02T20:30:00", cause="underlyingResourceUnavailable",
                     parent="E-SITE"),
    # the clear of A's root, lost until now
    "clear": _alarm("clear", "A-ROOT", "OLT", "olt", "2026-10-02T10:00:00",
                    "2026-10-02T12:30:00", cause="lineCardProblem", root=True)[1:],
}


def _tables(con) -> dict[str, pl.DataFrame]:
    return {t: warehouse.query(con, f"select {cols} from incidents.{t} order by all")
            for t, cols in TABLES.items()}


def _alarms(con) -> dict[str, pl.DataFrame]:
    return {t: warehouse.query(con, f"select * from core.{t} order by all")
            for t in ("alarm_lifecycles", "alarms")}


def _settings(home):
    return load_settings({"CXBRIDGE_HOME": str(home), "CXBRIDGE_CONFIG": ""})


def _built(settings, tmp_path):
    write_world(tmp_path / "raw")
    settings.ensure_dirs()
    with warehouse.connect(settings) as con:
        ingest.ingest_many(con, ingest.discover(tmp_path / "raw"), "t")
        build_core(con)
        incidents.build(con)


def _rebuilt_from_scratch(settings, tmp_path, name: str) -> dict[str, pl.DataFrame]:
    """Every alarm folded again and a full build of the incident models, on a copy of the
    warehouse as it is now."""
    other = _settings(tmp_path / name)
    other.warehouse_path.parent.mkdir(parents=True)
    shutil.copyfile(settings.warehouse_path, other.warehouse_path)
    with warehouse.connect(other) as con:
        service_alarms.fold(con)
        incidents.build(con)
        return _tables(con) | _alarms(con)


def test_a_stream_of_batches_refreshed_incrementally_equals_a_full_build(settings, tmp_path):
    _built(settings, tmp_path)
    summaries = {}
    for name, events in BATCHES.items():
        with warehouse.connect(settings) as con:
            ingest_batch(con, pl.DataFrame(events, schema=EVENT_SCHEMA))
            # as cxbridge live refreshes: only the batch's alarms folded again
            summaries[name] = incidents.refresh(con, alarm_ids={e["alarm_id"] for e in events})
            refreshed = _tables(con) | _alarms(con)
        rebuilt = _rebuilt_from_scratch(settings, tmp_path, f"rebuilt-{name}")
        for table in [*TABLES, "alarm_lifecycles", "alarms"]:
            assert refreshed[table].equals(rebuilt[table]), (name, table)
    # a batch that adds no window to an incident leaves its impact as it was, computed once
    assert summaries["noise"].incidents_recomputed == 0
    assert summaries["again"].alarms_touched == 1 and summaries["again"].incidents_kept >= 1
    assert summaries["again"].incidents_recomputed == 0
    # one that moves an incident's end, or clears it, recomputes it
    assert summaries["extend"].incidents_recomputed >= 1
    assert summaries["clear"].incidents_recomputed >= 1
    with warehouse.connect(settings) as con:
        ended = dict(warehouse.rows(con, "select root_resource_id, ended_at "
                                         "from incidents.incidents where source = 'alarm'"))
    assert ended["SITE"] == datetime(2026, 10, 2, 20, 30)
    assert ended["OLT"] is not None


def _overlay_tables(path) -> dict[str, pl.DataFrame]:
    with duckdb.connect(str(path), read_only=True) as con:
        return {q: con.sql(f"select * from {q.rpartition('.')[2]} order by all").pl()
            for q in overlay.overlay_tables() if q != "incidents.detection_thresholds"}


def _stamp(path) -> tuple[int, int, list[str]]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("select seq, full_seq, incident_ids from overlay_info").fetchone()


def test_an_overlay_built_from_the_previous_one_holds_the_warehouse_tables(settings,
                                                                          tmp_path):
    _built(settings, tmp_path)
    with warehouse.connect(settings) as con:
        present = [t for t in overlay.overlay_tables() if warehouse.table_exists(con, t)]
        warehouse.publish_snapshot(con, settings, "run-base", present)
        first = overlay.publish_overlay(con, settings, run_id="live-0")
    assert _stamp(first.path)[:2] == (1, 1)  # the first over a snapshot: a full copy
    for n, name in enumerate(BATCHES, start=1):
        with warehouse.connect(settings) as con:
            ingest_batch(con, pl.DataFrame(BATCHES[name], schema=EVENT_SCHEMA))
            incidents.refresh(con)
            info = overlay.publish_overlay(con, settings, run_id=f"live-{n}")
            expected = {q: warehouse.query(con, f"select * from {q} order by all")
                        for q in overlay.overlay_tables()
                        if q != "incidents.detection_thresholds"}
        seq, full_seq, _ = _stamp(info.path)
        assert (seq, full_seq) == (n + 1, 1), name  # built from the previous overlay
        got = _overlay_tables(info.path)
        for table, frame in expected.items():
            assert got[table].equals(frame), (name, table)
    # a full build is a new generation of fingerprints: the next overlay is a full copy
    with warehouse.connect(settings) as con:
        incidents.build(con)
        info = overlay.publish_overlay(con, settings, run_id="live-full")
    assert _stamp(info.path)[:2] == (len(BATCHES) + 2, len(BATCHES) + 2)
