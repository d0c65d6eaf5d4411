"""Alarms: TMF642 / X.733 notification events, as JSON lines or as a CSV export.

JSON lines, one event per line: accepts the TMF642 v4 shape (``alarmedObject`` an object,
``parentAlarm`` a list) and the MEF variant (``alarmedObject`` a list, ``parentAlarm`` a single
object), and events that are a bare alarm rather than wrapped in ``{"event": {"alarm": …}}``.

CSV exports (a fault manager's alarm log) are read through a declared mapping
(``<mappings>/alarms/*.yaml``, see :mod:`cxbridge.platform.ingest.mappings` and
:mod:`cxbridge.platform.ingest.sources.alarm_csv`) onto the same X.733 fields.

Every event is kept as it came; folding events into alarm lifecycles happens in the SQL
models."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandera.polars as pa
import polars as pl

from cxbridge.platform.ingest.base import (
    LINE,
    Parsed,
    Reference,
    Source,
    Table,
    cast_or_reject,
    read_json_lines,
)
from cxbridge.platform.ingest.mappings import Mappings, builtin_mappings

SEVERITIES = ["critical", "major", "minor", "warning", "indeterminate", "cleared"]
TIMES = ("event_time", "raised_time", "changed_time", "cleared_time")
COLUMNS = ("event_id", "event_type", "event_time", "alarm_id", "external_alarm_id",
           "alarm_type", "perceived_severity", "probable_cause", "specific_problem",
           "alarmed_object_id", "alarmed_object_type", "source_system_id", "state",
           "raised_time", "changed_time", "cleared_time", "service_affecting", "is_root_cause",
           "planned_outage", "parent_alarm_id")


class AlarmEventContract(pa.DataFrameModel):
    """One row per alarm event as received."""

    event_id: str = pa.Field(nullable=True)
    event_type: str = pa.Field(nullable=True)
    event_time: datetime = pa.Field(nullable=False)
    alarm_id: str = pa.Field(nullable=False)
    external_alarm_id: str = pa.Field(nullable=True)
    alarm_type: str = pa.Field(nullable=True)
    perceived_severity: str = pa.Field(isin=SEVERITIES)
    probable_cause: str = pa.Field(nullable=True)
    specific_problem: str = pa.Field(nullable=True)
    alarmed_object_id: str = pa.Field(nullable=False)
    alarmed_object_type: str = pa.Field(nullable=True)
    source_system_id: str = pa.Field(nullable=True)
    state: str = pa.Field(isin=["raised", "updated", "cleared"])
    raised_time: datetime = pa.Field(nullable=True)
    changed_time: datetime = pa.Field(nullable=True)
    cleared_time: datetime = pa.Field(nullable=True)
    service_affecting: bool = pa.Field(nullable=True)
    is_root_cause: bool = pa.Field(nullable=True)
    planned_outage: bool = pa.Field(nullable=True)
    parent_alarm_id: str = pa.Field(nullable=True)


def _first(value):
    """MEF sends a list where TMF642 sends one object (and the other way round)."""
    if isinstance(value, list):
        return value[0] if value else {}
    return value or {}


def _flatten(event: dict, line: int) -> dict:
    alarm = (event.get("event") or {}).get("alarm") or event
    obj = _first(alarm.get("alarmedObject"))
    severity = str(alarm.get("perceivedSeverity") or "").lower() or None
    state = str(alarm.get("state") or "").lower() or None
    return {
        LINE: line, "event_id": event.get("eventId"), "event_type": event.get("eventType"),
        "event_time": event.get("eventTime") or alarm.get("alarmChangedTime")
        or alarm.get("alarmRaisedTime"),
        "alarm_id": alarm.get("id"), "external_alarm_id": alarm.get("externalAlarmId"),
        "alarm_type": alarm.get("alarmType"), "perceived_severity": severity,
        "probable_cause": alarm.get("probableCause"),
        "specific_problem": alarm.get("specificProblem"),
        "alarmed_object_id": obj.get("id"),
        "alarmed_object_type": alarm.get("alarmedObjectType") or obj.get("@referredType"),
        "source_system_id": alarm.get("sourceSystemId"), "state": state,
        "raised_time": alarm.get("alarmRaisedTime"), "changed_time": alarm.get("alarmChangedTime"),
        "cleared_time": alarm.get("alarmClearedTime"),
        "service_affecting": alarm.get("serviceAffecting"),
        "is_root_cause": alarm.get("isRootCause"),
        "planned_outage": None if alarm.get("plannedOutageIndicator") is None
        else alarm.get("plannedOutageIndicator") == "inPlannedMaintenance",
        "parent_alarm_id": _first(alarm.get("parentAlarm")).get("id"),
    }


def parse(path: Path, mappings: Mappings | None = None) -> dict[str, Parsed]:
    """One alarm feed file: a CSV export through its mapping, else TMF642 JSON lines."""
    if path.suffix.lower() == ".csv":
        from cxbridge.platform.ingest.sources.alarm_csv import parse_csv

        return {"stg.alarm_events": parse_csv(path, mappings or builtin_mappings())}
    events, rejects = read_json_lines(path, "a TMF642 event")
    rows = [_flatten(event, number) for number, event in events]
    schema = {LINE: pl.Int64, **dict.fromkeys(COLUMNS, pl.String)}
    for flag in ("service_affecting", "is_root_cause", "planned_outage"):
        schema[flag] = pl.Boolean
    parsed = Parsed(pl.DataFrame(rows, schema=schema), rejects)
    typed = cast_or_reject(parsed, dict.fromkeys(TIMES, pl.Datetime("us")))  # any zone → UTC
    return {"stg.alarm_events": typed}


SOURCE = Source(
    name="alarms",
    folder="alarms",
    patterns=("*.jsonl", "*.json", "*.csv"),
    tables=(Table("stg.alarm_events", AlarmEventContract,
                  key=("alarm_id", "event_type", "event_time", "perceived_severity"),
                  range_column="event_time",
                  references=(Reference("alarmed_object_id", "stg.resources", "resource_id",
                                        "alarmed resource"),)),),
    parse=parse,
    python_parser=True,
    description="alarm events: TMF642 / X.733 JSON lines (also the MEF variant), or CSV "
                "exports mapped onto X.733 fields",
)
