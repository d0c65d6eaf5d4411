"""Golden test of the alarm lifecycle model: events in → one row per alarm out."""

from __future__ import annotations

import json

import pytest

from cxbridge.models.service import alarms as service_alarms
from cxbridge.platform import ingest, warehouse
from cxbridge.platform.ingest.loader import ingest_file


def _event(alarm, etype, time, severity, state, **extra):
    alarm_body = {"id": alarm, "alarmType": "equipmentAlarm", "perceivedSeverity": severity,
                  "probableCause": "powerProblem", "state": state,
                  "alarmedObject": {"id": "PON-1", "@referredType": "pon_port"}, **extra}
    return {"eventId": f"{alarm}-{time}", "eventTime": time, "eventType": etype,
            "event": {"alarm": alarm_body}}


EVENTS = [
    # A: clear arrives before the raise and the change; the change is sent twice
    _event("A", "AlarmStateChangeEvent", "2026-10-01T01:00:00Z", "cleared", "cleared",
           alarmRaisedTime="2026-10-01T00:00:00Z", alarmClearedTime="2026-10-01T01:00:00Z"),
    _event("A", "AlarmCreateEvent", "2026-10-01T00:00:05Z", "major", "raised",
           alarmRaisedTime="2026-10-01T00:00:00Z", isRootCause=True),
    _event("A", "AlarmAttributeValueChangeEvent", "2026-10-01T00:20:00Z", "critical", "updated",
           alarmRaisedTime="2026-10-01T00:00:00Z"),
    _event("A", "AlarmAttributeValueChangeEvent", "2026-10-01T00:20:00Z", "critical", "updated",
           alarmRaisedTime="2026-10-01T00:00:00Z"),
    # B: raised, never cleared
    _event("B", "AlarmCreateEvent", "2026-10-01T02:00:00Z", "warning", "raised",
           alarmRaisedTime="2026-10-01T02:00:00Z", parentAlarm=[{"id": "A"}]),
    # C: only a clear ever arrived
    _event("C", "AlarmStateChangeEvent", "2026-10-01T03:00:00Z", "cleared", "cleared",
           alarmClearedTime="2026-10-01T03:00:00Z"),
]


@pytest.fixture
def alarms(settings, tiny_raw, tmp_path):
    path = tmp_path / "alarms.jsonl"
    path.write_text("\n".join(json.dumps(e) for e in EVENTS) + "\n")
    settings.ensure_dirs()
    with warehouse.connect(settings) as con:
        ingest.prepare(con)
        ingest_file(con, ingest.source("topology"), tiny_raw / "topology" / "resources.csv", "t")
        result = ingest_file(con, ingest.source("alarms"), path, "t")
        service_alarms.fold(con)
        rows = warehouse.query(con, "select * from core.alarms order by alarm_id")
    assert result.rows_read == 6 and result.rows_quarantined == 1  # the repeated change
    return {r["alarm_id"]: r for r in rows.iter_rows(named=True)}


def test_out_of_order_events_fold_into_one_lifecycle(alarms):
    a = alarms["A"]
    assert (a["status"], a["events"]) == ("cleared", 3)
    assert str(a["raised_at"]) == "2026-10-01 00:00:00"
    assert str(a["cleared_at"]) == "2026-10-01 01:00:00"
    assert a["duration_minutes"] == pytest.approx(60.0)
    assert a["worst_severity"] == "critical"  # by rank, not by X.733 code
    assert a["last_severity"] == "critical" and a["is_root_cause"]


def test_a_raise_never_cleared_stays_open(alarms):
    b = alarms["B"]
    assert b["status"] == "open" and b["cleared_at"] is None
    assert b["parent_alarm_id"] == "A" and b["worst_severity"] == "warning"
    # its root cleared (at 01:00, before B was even raised): B is taken to end with it
    assert b["clear_inferred"] and b["effective_cleared_at"] == b["raised_at"]


def test_a_clear_without_a_raise_is_flagged(alarms):
    c = alarms["C"]
    assert c["clear_without_raise"] and c["status"] == "cleared"
    assert c["worst_severity"] is None


def test_an_alarm_whose_clear_never_came_goes_stale_after_the_usual_time(settings, tiny_raw,
                                                                        tmp_path):
    # six power alarms cleared within 30 minutes, one whose clear is lost, and a feed that
    # carries on for three more days: the lost one counts for a day (the floor), not three
    usual = [e for k in range(6) for e in (
        _event(f"U{k}", "AlarmCreateEvent", f"2026-10-0{k + 1}T10:00:00Z", "major", "raised",
               alarmRaisedTime=f"2026-10-0{k + 1}T10:00:00Z"),
        _event(f"U{k}", "AlarmStateChangeEvent", f"2026-10-0{k + 1}T10:30:00Z", "cleared",
               "cleared", alarmRaisedTime=f"2026-10-0{k + 1}T10:00:00Z",
               alarmClearedTime=f"2026-10-0{k + 1}T10:30:00Z"))]
    lost = [_event("LOST", "AlarmCreateEvent", "2026-10-07T06:00:00Z", "critical", "raised",
                   alarmRaisedTime="2026-10-07T06:00:00Z")]
    later = [_event("LATER", "AlarmCreateEvent", "2026-10-10T06:00:00Z", "minor", "raised",
                    alarmRaisedTime="2026-10-10T06:00:00Z")]
    path = tmp_path / "alarms.jsonl"
    path.write_text("\n".join(json.dumps(e) for e in usual + lost + later) + "\n")
    settings.ensure_dirs()
    with warehouse.connect(settings) as con:
        ingest.prepare(con)
        ingest_file(con, ingest.source("topology"), tiny_raw / "topology" / "resources.csv", "t")
        ingest_file(con, ingest.source("alarms"), path, "t")
        service_alarms.fold(con)
        rows = {r["alarm_id"]: r for r in warehouse.query(
            con, "select * from core.alarms").iter_rows(named=True)}
    assert rows["LOST"]["status"] == "open" and rows["LOST"]["stale"]
    assert str(rows["LOST"]["effective_cleared_at"]) == "2026-10-08 06:00:00"
    # the newest alarm has not been open a day yet: still open, no end assumed
    assert rows["LATER"]["effective_cleared_at"] is None and not rows["LATER"]["stale"]
    assert rows["U0"]["effective_cleared_at"] == rows["U0"]["cleared_at"]
