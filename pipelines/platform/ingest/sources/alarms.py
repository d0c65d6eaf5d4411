"""Alarms: TMF642 / X.733 notification events, as JSON lines or as a CSV export.

JSON lines, one event per line: accepts the TMF642 v4 shape (``alarmedObject`` an object,
``parentAlarm`` a list) and the MEF variant (``alarmedObject`` a list, ``parentAlarm`` a single
object), and events that are a bare alarm rather than wrapped in ``{"event": {"alarm": …}}``.

CSV exports (a fault manager's alarm log) are read through a declared mapping
(``<mappings>/alarms/*.yaml``, see :mod:`cxbridge.platform.ingest.mappings` and
:mod:`cxbridge.platform.ingest.sources.alarm_csv`) onto the same X.733 fields.

Every event is kept as it came; folding events into alarm lifecycles happens in the SQL
models.

:class:`AlarmEventContract` is the one definition of an alarm event as the warehouse holds it
(``stg.alarm_events``): its columns and types (:data:`SCHEMA`), the X.733 severities and the
states an event may carry, and the TMF642 event type of each state. The CSV exports
(:mod:`.alarm_csv`), the empty staging table (:mod:`cxbridge.platform.ingest.staging`), the
generator's TMF642 feed and the freshness bench's batches (``cxbridge.lab``) take them from
here."""

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

# ITU-T X.733 perceived severities (RFC 3877), worst first, and an event's states
SEVERITIES = ("critical", "major", "minor", "warning", "indeterminate", "cleared")
STATES = ("raised", "updated", "cleared")
# the TMF642 event type of each state, as the JSON feeds send them
TMF642_EVENTS = {"raised": "AlarmCreateEvent", "updated": "AlarmAttributeValueChangeEvent",
                 "cleared": "AlarmStateChangeEvent"}


class AlarmEventContract(pa.DataFrameModel):
    """One row per alarm event as received."""

    event_id: str = pa.Field(nullable=True)
    event_type: str = pa.Field(nullable=True)
    event_time: datetime = pa.Field(nullable=False)
    alarm_id: str = pa.Field(nullable=False)
    external_alarm_id: str = pa.Field(nullable=True)
    alarm_type: str = pa.Field(nullable=True)
    perceived_severity: str = pa.Field(isin=list(SEVERITIES))
    probable_cause: str = pa.Field(nullable=True)
    specific_problem: str = pa.Field(nullable=True)
    alarmed_object_id: str = pa.Field(nullable=False)
    alarmed_object_type: str = pa.Field(nullable=True)
    source_system_id: str = pa.Field(nullable=True)
    state: str = pa.Field(isin=list(STATES))
    raised_time: datetime = pa.Field(nullable=True)
    changed_time: datetime = pa.Field(nullable=True)
    cleared_time: datetime = pa.Field(nullable=True)
    service_affecting: bool = pa.Field(nullable=True)
    is_root_cause: bool = pa.Field(nullable=True)
    planned_outage: bool = pa.Field(nullable=True)
    parent_alarm_id: str = pa.Field(nullable=True)


# stg.alarm_events' columns and their types (besides _file_id), as the contract gives them
SCHEMA: dict[str, pl.DataType] = {
    name: column.dtype.type for name, column in AlarmEventContract.to_schema().columns.items()}
COLUMNS = tuple(SCHEMA)
TIMES = tuple(name for name, dtype in SCHEMA.items() if isinstance(dtype, pl.Datetime))


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
    # the times as they came (text, any zone), the rest as the contract types them
    schema = {LINE: pl.Int64, **{name: pl.String if name in TIMES else dtype
                                 for name, dtype in SCHEMA.items()}}
    parsed = Parsed(pl.DataFrame(rows, schema=schema), rejects)
    typed = cast_or_reject(parsed, {name: SCHEMA[name] for name in TIMES})  # any zone → UTC
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
