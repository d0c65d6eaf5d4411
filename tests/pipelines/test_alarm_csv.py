"""Alarm feeds as CSV exports, mapped onto X.733 fields, land as events in stg.alarm_events
beside the TMF642 JSON events, and fold into alarm lifecycles the same way."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from cxbridge.models.service import alarms as service_alarms
from cxbridge.platform import ingest, warehouse
from cxbridge.platform.ingest.loader import ingest_file

NOC_MAPPING = """\
description: "NOC fault manager alarm log"
separator: ";"
alarm_id: {column: Alarm No}
event_time: {column: Time, format: "%d/%m/%Y %H:%M:%S"}
time_zone: Europe/Dublin
managed_object: {column: Managed Object, prefix: "NE="}
managed_object_type: {value: cell}
perceived_severity:
  column: Sev
  values: {"1": critical, "2": major, "3": minor, "4": warning, "0": cleared}
probable_cause: {column: Cause}
event_type: {column: Category}
specific_problem: {column: Text}
event_kind: {column: Action, values: {NEW: raised, UPD: updated, CLR: cleared}}
source_system: {value: noc-fm}
"""

NOC_LOG = """\
Alarm No;Time;Managed Object;Sev;Cause;Category;Text;Action;Operator
9001;01/10/2026 10:00:00;NE=CELL-1;2;lossOfSignal;COMMUNICATIONS_ALARM;Rx LOS;NEW;ops1
9001;01/10/2026 10:05:00;NE=CELL-1;1;lossOfSignal;COMMUNICATIONS_ALARM;Rx LOS;UPD;ops1
9001;01/10/2026 10:40:00;NE=CELL-1;2;lossOfSignal;COMMUNICATIONS_ALARM;Rx LOS;CLR;ops2
9002;01/10/2026 11:00:00;NE=CELL-2;9;powerProblem;equipment alarm;Mains;NEW;ops1
"""


def _write(folder: Path, relative: str, text: str) -> Path:
    path = folder / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _load(settings, tiny_raw, path: Path, mappings_folder: Path):
    settings.ensure_dirs()
    with warehouse.connect(settings) as con:
        ingest.prepare(con)
        ingest_file(con, ingest.source("topology"), tiny_raw / "topology" / "resources.csv", "t")
        (result,) = ingest.ingest_many(con, [(ingest.source("alarms"), path)], "t",
                                       mappings=ingest.mappings_for(mappings_folder))
        events = warehouse.query(con, "select * exclude (_file_id) from stg.alarm_events "
                                      "order by event_time")
        held = warehouse.query(con, "select line, reason from meta.quarantine order by line")
    assert result.rows_read == result.rows_loaded + result.rows_quarantined
    return result, events, held


def test_alarm_csv_rows_land_as_x733_events(settings, tiny_raw, tmp_path):
    maps = tmp_path / "maps"
    _write(maps, "alarms/noc.yaml", NOC_MAPPING)
    path = _write(tmp_path, "feeds/noc_alarms.csv", NOC_LOG)
    result, events, held = _load(settings, tiny_raw, path, maps)
    assert (result.rows_loaded, result.rows_quarantined) == (3, 1)
    assert "alarm mapping noc" in result.message and "Operator" in result.message
    first, change, clear = events.iter_rows(named=True)
    # Dublin summer time: 10:00 local is 09:00 UTC
    assert first["event_time"] == datetime(2026, 10, 1, 9, 0)
    assert (first["alarm_id"], first["alarmed_object_id"], first["state"],
            first["perceived_severity"], first["event_type"], first["alarm_type"]) == (
        "9001", "CELL-1", "raised", "major", "AlarmCreateEvent", "communicationsAlarm")
    assert first["raised_time"] == first["event_time"] and first["cleared_time"] is None
    assert (change["state"], change["perceived_severity"]) == ("updated", "critical")
    assert (clear["state"], clear["perceived_severity"]) == ("cleared", "cleared")
    assert clear["cleared_time"] == datetime(2026, 10, 1, 9, 40)
    assert {e["source_system_id"] for e in events.iter_rows(named=True)} == {"noc-fm"}
    assert {e["probable_cause"] for e in events.iter_rows(named=True)} == {"lossOfSignal"}
    # a severity the mapping does not know is quarantined with the value named
    assert held["line"].to_list() == [5]
    assert "perceived_severity is '9', expected one of" in held["reason"][0]


def test_alarm_csv_events_fold_into_one_alarm_lifecycle(settings, tiny_raw, tmp_path):
    maps = tmp_path / "maps"
    _write(maps, "alarms/noc.yaml", NOC_MAPPING)
    _load(settings, tiny_raw, _write(tmp_path, "noc.csv", NOC_LOG), maps)
    with warehouse.connect(settings) as con:
        service_alarms.fold(con)
        alarm = warehouse.query(con, "select raised_at, cleared_at, worst_severity, status "
                                     "from core.alarms where alarm_id = '9001'")
    assert alarm.rows() == [(datetime(2026, 10, 1, 9, 0), datetime(2026, 10, 1, 9, 40),
                             "critical", "cleared")]


def test_a_cleared_flag_column_and_upper_case_3gpp_severities(settings, tiny_raw, tmp_path):
    maps = tmp_path / "maps"
    _write(maps, "alarms/flagged.yaml",
           "alarm_id: {column: id}\nevent_time: {column: time}\n"
           "managed_object: {column: object}\nperceived_severity: {column: severity}\n"
           "cleared: {column: is_cleared, when: [Y, yes]}\n")
    path = _write(tmp_path, "flagged.csv",
                  "id,time,object,severity,is_cleared\n"
                  "A1,2026-10-01T08:00:00Z,PON-1,MAJOR,N\n"
                  "A1,2026-10-01T08:30:00Z,PON-1,MAJOR,Y\n")
    result, events, _ = _load(settings, tiny_raw, path, maps)
    assert result.rows_loaded == 2
    assert events.select("state", "perceived_severity", "event_type").rows() == [
        ("raised", "major", "AlarmCreateEvent"), ("cleared", "cleared", "AlarmStateChangeEvent")]


def test_an_alarm_csv_no_mapping_matches_is_rejected_with_what_to_do(settings, tiny_raw,
                                                                     tmp_path):
    path = _write(tmp_path, "unknown.csv", "when,what\n2026-10-01,x\n")
    settings.ensure_dirs()
    with warehouse.connect(settings) as con:
        (result,) = ingest.ingest_many(con, [(ingest.source("alarms"), path)], "t",
                                       mappings=ingest.mappings_for(tmp_path / "no-maps"))
    assert result.status == "rejected"
    assert "matches no alarms mapping" in result.message and "sources check" in result.message
