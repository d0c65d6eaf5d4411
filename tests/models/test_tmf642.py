"""TMF642 alarms from alarm episodes (models/incidents/tmf642.py): pure functions on rows."""

from __future__ import annotations

from datetime import datetime

from cxbridge.models.incidents.tmf642 import alarm, severity_of

RAISED = datetime(2026, 10, 8, 10, 37, 19)


def _episode(**changes) -> dict:
    row = {"episode_id": "ALM-00000059", "resource_id": "OLT-M01", "resource_type": "olt",
           "probable_cause": "lossOfSignal", "alarm_type": "communicationsAlarm",
           "specific_problem": "LOS on PON tree", "started_at": RAISED, "ended_at": None,
           "n_alarms": 3, "flapping": True, "service_affecting": True, "planned": False,
           "severity_rank": 5, "root_hint": True, "incident_id": "PRB-ALM-00000059",
           "role": "root", "root_episode_id": "ALM-00000059"}
    return row | changes


def test_a_raised_root_alarm():
    out = alarm(_episode())
    assert out["id"] == "ALM-00000059"
    assert out["href"] == "/tmf-api/alarmManagement/v4/alarm/ALM-00000059"
    assert (out["state"], out["perceivedSeverity"], out["ackState"]) == (
        "raised", "critical", "unacknowledged")
    assert out["alarmRaisedTime"] == "2026-10-08T10:37:19Z"
    assert "alarmClearedTime" not in out and "parentAlarm" not in out
    assert out["isRootCause"] and out["serviceAffecting"]
    assert out["alarmedObject"]["id"] == "OLT-M01" and out["alarmedObjectType"] == "olt"
    assert "3 raises folded" in out["alarmDetails"] and "flapping" in out["alarmDetails"]
    assert "PRB-ALM-00000059" in out["alarmDetails"]


def test_a_cleared_acknowledged_symptom_points_at_its_root():
    cleared = datetime(2026, 10, 8, 11, 0)
    out = alarm(_episode(episode_id="ALM-00000060", role="symptom", severity_rank=3,
                         ended_at=cleared, planned=True, alarm_type=None),
                {"acknowledged_at": "2026-10-08T10:40:00Z", "acknowledged_by": "ana"})
    assert (out["state"], out["perceivedSeverity"]) == ("cleared", "minor")
    assert out["alarmClearedTime"] == "2026-10-08T11:00:00Z"
    assert (out["ackState"], out["ackUserId"]) == ("acknowledged", "ana")
    assert out["parentAlarm"][0]["id"] == "ALM-00000059" and not out["isRootCause"]
    assert out["plannedOutageIndicator"] == "OutOfService" and "alarmType" not in out


def test_an_alarm_outside_any_incident_and_unknown_severities():
    out = alarm({"episode_id": "E1", "resource_id": "R1", "started_at": RAISED,
                 "severity_rank": None, "root_hint": False})
    assert out["perceivedSeverity"] == "indeterminate" and not out["isRootCause"]
    assert out["probableCause"] == "unknown" and out["alarmDetails"].startswith("1 raise ")
    assert [severity_of(r) for r in (5, 4, 3, 2, 1, 0, 9)] == [
        "critical", "major", "minor", "warning", "indeterminate", "indeterminate",
        "indeterminate"]
