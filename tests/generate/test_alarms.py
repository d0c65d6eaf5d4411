"""The alarm feed: TMF642 / X.733 events, root and symptom alarms, and silent incidents."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest

from cxbridge.lab.generate.alarm_feed import alarm_events, number_and_bucket
from cxbridge.lab.generate.alarm_specs import AlarmSpec
from cxbridge.lab.generate.clock import Clock
from cxbridge.lab.generate.topology import Topology
from cxbridge.platform.settings import load_settings

SEVERITIES = {"critical", "major", "minor", "warning", "indeterminate", "cleared"}
RANK = {"cleared": 0, "indeterminate": 1, "warning": 2, "minor": 3, "major": 4, "critical": 5}
EVENT_TYPES = {"AlarmCreateEvent", "AlarmAttributeValueChangeEvent", "AlarmStateChangeEvent"}


def _time(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def _object_id(alarm: dict) -> str:
    obj = alarm["alarmedObject"]
    return (obj[0] if isinstance(obj, list) else obj)["id"]


def _parent_id(alarm: dict) -> str | None:
    parent = alarm["parentAlarm"]
    if isinstance(parent, list):
        return parent[0]["id"] if parent else None
    return parent["id"] if parent else None


def _x733_names() -> tuple[set[str], set[str]]:
    path = load_settings().shared_dir / "standards" / "x733" / "itu_alarm_enums_rfc3877.json"
    if not path.is_file():
        pytest.skip(f"X.733 reference enums not found at {path}")
    enums = json.loads(path.read_text())
    causes = {name for group in enums["IANAItuProbableCause"].values()
              if isinstance(group, dict) for name in group}
    return set(enums["IANAItuEventType"]), causes


def test_events_are_tmf642_with_x733_values(world):
    events = world.alarm_events()
    assert events
    event_types, causes = _x733_names()
    for event in events:
        assert event["eventType"] in EVENT_TYPES
        alarm = event["event"]["alarm"]
        assert alarm["alarmType"] in event_types
        assert alarm["probableCause"] in causes
        assert alarm["perceivedSeverity"] in SEVERITIES
        assert alarm["plannedOutageIndicator"] in {"inService", "inPlannedMaintenance"}
        mef = alarm["sourceSystemId"] == "EMS-MBH"
        assert isinstance(alarm["alarmedObject"], list) == mef
        assert isinstance(alarm["parentAlarm"], list) != mef
        if event["eventType"] == "AlarmStateChangeEvent":
            assert alarm["state"] == "cleared" and alarm["perceivedSeverity"] == "cleared"
            assert alarm["alarmClearedTime"] >= alarm["alarmRaisedTime"]
    ids = [e["eventId"] for e in events]
    assert len(set(ids)) == len(ids)  # a clean world carries no duplicate deliveries


def test_escalations_only_raise_severity(world):
    created = {}
    for event in world.alarm_events():
        alarm = event["event"]["alarm"]
        if event["eventType"] == "AlarmCreateEvent":
            created[alarm["id"]] = alarm["perceivedSeverity"]
    changes = [e["event"]["alarm"] for e in world.alarm_events()
               if e["eventType"] == "AlarmAttributeValueChangeEvent"]
    for alarm in changes:
        if alarm["id"] in created:
            assert RANK[alarm["perceivedSeverity"]] > RANK[created[alarm["id"]]]


def test_alarmed_incidents_raise_a_root_and_symptoms_pointing_at_it(world):
    events = world.alarm_events()
    alarms = {e["event"]["alarm"]["id"]: e["event"]["alarm"] for e in events}
    window_end = datetime.combine(world.config.end, datetime.min.time(), UTC)
    children = defaultdict(set)
    for alarm in alarms.values():
        parent = _parent_id(alarm)
        if parent:
            assert parent in alarms and alarms[parent]["isRootCause"]
            children[parent].add(alarm["id"])
    incidents = world.incidents().filter(pl.col("alarmed"))
    checked = 0
    for row in incidents.iter_rows(named=True):
        if _time(row["end"]) > window_end - timedelta(hours=9):
            continue  # late reports of the last hours are not delivered within the window
        roots = [a for a in alarms.values() if a["isRootCause"]
                 and _object_id(a) == row["root_resource_id"]
                 and _time(row["start"]) <= _time(a["alarmRaisedTime"])
                 <= _time(row["start"]) + timedelta(minutes=5)]
        assert len(roots) == 1, row["incident_id"]
        root = roots[0]
        assert root["plannedOutageIndicator"] == ("inPlannedMaintenance" if row["planned"]
                                                  else "inService")
        assert 1 + len(children[root["id"]]) == row["n_alarms"], row["incident_id"]
        checked += 1
    assert checked >= 5


def test_silent_degradations_raise_no_incident_alarm(world):
    alarms = [e["event"]["alarm"] for e in world.alarm_events()]
    silent = world.incidents().filter(~pl.col("alarmed"))
    assert silent.height > 0 and (silent["n_alarms"] == 0).all()
    for cell in silent["root_resource_id"]:
        on_cell = [a for a in alarms if _object_id(a) == cell]
        # nothing on the cell is a root cause; service-affecting alarms there can only be
        # symptoms of another incident upstream (a site that lost power, a cut backhaul)
        assert not any(a["isRootCause"] for a in on_cell)
        assert all(_parent_id(a) for a in on_cell if a["serviceAffecting"])


def test_background_noise_alarms_are_minor_and_clear_themselves(world):
    alarms = [e["event"]["alarm"] for e in world.alarm_events()
              if e["eventType"] == "AlarmCreateEvent"]
    noise = [a for a in alarms if not a["serviceAffecting"] and not a["isRootCause"]
             and _parent_id(a) is None]
    assert len(noise) >= 10
    assert {a["perceivedSeverity"] for a in noise} <= {"minor", "warning"}
    assert {a["probableCause"] for a in noise} & {"highTemperature", "enclosureDoorOpen"}


def test_feed_loses_some_clears_duplicates_and_delays_some_events():
    clock = Clock(datetime(2026, 10, 1).date(), 30)
    topology = Topology(pl.DataFrame({"resource_id": ["CELL-D-0001-1"],
                                      "resource_type": ["cell"], "region": ["Dublin"]}),
                        pl.DataFrame(schema={"resource_id": pl.String,
                                             "depends_on_id": pl.String,
                                             "protection_group": pl.String}),
                        pl.DataFrame())
    from cxbridge.lab.generate.network import build_index
    net = build_index(topology)
    rng = np.random.default_rng(5)
    events = []
    for k in range(4000):
        start = float(rng.uniform(0, 25 * 86400))
        spec = AlarmSpec(0, start, start + 600, "qualityOfServiceAlarm", "thresholdCrossed",
                         "test", "warning", service_affecting=False)
        events += alarm_events(spec, f"ALM-{k:08d}", None, net, "A", clock, rng)
    clears = sum(e.event["eventType"] == "AlarmStateChangeEvent" for e in events)
    assert 0.95 < clears / 4000 < 0.99  # ~3 % of clears never arrive
    late = sum(e.reported_s - _seconds(e.event["eventTime"], clock) > 3000 for e in events)
    assert 0.01 < late / len(events) < 0.03
    by_day = number_and_bucket(events, clock, rng)
    delivered = [e for day in by_day.values() for e in day]
    duplicates = sum(e.duplicate for e in delivered)
    assert 0.005 < duplicates / len(delivered) < 0.02
    out_of_order = sum(a.event["eventTime"] > b.event["eventTime"]
                       for day in by_day.values() for a, b in zip(day, day[1:], strict=False))
    assert out_of_order > 0


def _seconds(text: str, clock: Clock) -> float:
    return (_time(text) - clock.origin).total_seconds()
