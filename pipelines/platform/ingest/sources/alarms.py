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
    Fields,
    Parsed,
    Reference,
    Source,
    Table,
    cast_or_reject,
    read_json_lines,
)
from cxbridge.platform.ingest.mappings import Mappings, builtin_mappings
from cxbridge.platform.warehouse import rows

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


def _flatten(event: Fields, line: int) -> dict:
    """One event as a row of ``stg.alarm_events`` (the times as text); a field of the wrong
    shape raises :class:`~cxbridge.platform.ingest.base.RecordShapeError`."""
    wrapped = event.obj("event").obj("alarm")
    alarm = wrapped or event
    obj = alarm.first("alarmedObject")  # MEF sends a list where TMF642 sends one object
    severity = (alarm.text("perceivedSeverity") or "").lower() or None
    state = (alarm.text("state") or "").lower() or None
    outage = alarm.text("plannedOutageIndicator")
    return {
        LINE: line, "event_id": event.text("eventId"), "event_type": event.text("eventType"),
        "event_time": event.text("eventTime") or alarm.text("alarmChangedTime")
        or alarm.text("alarmRaisedTime"),
        "alarm_id": alarm.text("id"), "external_alarm_id": alarm.text("externalAlarmId"),
        "alarm_type": alarm.text("alarmType"), "perceived_severity": severity,
        "probable_cause": alarm.text("probableCause"),
        "specific_problem": alarm.text("specificProblem"),
        "alarmed_object_id": obj.text("id"),
        "alarmed_object_type": alarm.text("alarmedObjectType") or obj.text("@referredType"),
        "source_system_id": alarm.text("sourceSystemId"), "state": state,
        "raised_time": alarm.text("alarmRaisedTime"),
        "changed_time": alarm.text("alarmChangedTime"),
        "cleared_time": alarm.text("alarmClearedTime"),
        "service_affecting": alarm.flag("serviceAffecting"),
        "is_root_cause": alarm.flag("isRootCause"),
        "planned_outage": None if outage is None else outage == "inPlannedMaintenance",
        "parent_alarm_id": alarm.first("parentAlarm").text("id"),
    }


def parse(path: Path, mappings: Mappings | None = None) -> dict[str, Parsed]:
    """One alarm feed file: a CSV export through its mapping, else TMF642 JSON lines."""
    if path.suffix.lower() == ".csv":
        from cxbridge.platform.ingest.sources.alarm_csv import parse_csv

        return {"stg.alarm_events": parse_csv(path, mappings or builtin_mappings())}
    rows: list[dict] = []
    _, rejects = read_json_lines(path, "a TMF642 event", lambda number, event: rows.append(
        _flatten(Fields(event), number)))
    return {"stg.alarm_events": events_frame(rows, rejects)}


def flatten_event(event: dict, line: int) -> dict:
    """One TMF642 event (a decoded JSON object) as a row of ``stg.alarm_events``, the times as
    text: the row check the JSON files use, for the alarm streams
    (:mod:`cxbridge.platform.alarm_stream`). A field of the wrong shape raises
    :class:`~cxbridge.platform.ingest.base.RecordShapeError` (its ``reason`` is the row's)."""
    return _flatten(Fields(event), line)


def events_frame(rows: list[dict], rejects: pl.DataFrame) -> Parsed:
    """Flattened events (:func:`flatten_event`) and the records already rejected, typed as the
    contract types them: the times as they came (text, any zone) cast to UTC, a time that does
    not parse a reject. Shared by the JSON files and the alarm streams."""
    schema = {LINE: pl.Int64, **{name: pl.String if name in TIMES else dtype
                                 for name, dtype in SCHEMA.items()}}
    parsed = Parsed(pl.DataFrame(rows, schema=schema), rejects)
    return cast_or_reject(parsed, {name: SCHEMA[name] for name in TIMES})  # any zone → UTC


def cleared_before_raised(con, file_id: str) -> str | None:
    """The note of an alarm file that makes alarms cleared before they were raised: how many
    (each alarm once, in the file that brought the contradiction: it was not there without
    the file's events), an example, what core.alarms does with them and what to check.
    Folds the events as ``core.alarms`` does (its raise: the alarm's own raise time, else its
    first non-clear event's; its clear: the latest clear's cleared time, else its event time).
    Such an alarm is kept: ``core.alarms`` takes its clear at a time not before its raise
    (``cleared_before_raised``): see models/service/sql/core/alarms.sql."""
    found = rows(con, """
        with touched as (
            select distinct alarm_id from stg.alarm_events where _file_id = $f
        ),
        events as (
            select e.* from stg.alarm_events e semi join touched using (alarm_id)
        ),
        folded as (
            select alarm_id, mine,
                   coalesce(min(raised_time), min(event_time) filter (where state <> 'cleared'))
                       as raised_at,
                   max(coalesce(cleared_time, event_time)) filter (where state = 'cleared')
                       as cleared_at
            from (select *, true as mine from events
                  union all
                  select *, false as mine from events where _file_id <> $f)
            group by alarm_id, mine
        )
        select alarm_id, strftime(raised_at, '%Y-%m-%d %H:%M:%S'),
               strftime(cleared_at, '%Y-%m-%d %H:%M:%S')
        from folded n
        where mine and cleared_at < raised_at
          and not exists (select 1 from folded o where o.alarm_id = n.alarm_id
                          and not o.mine and o.cleared_at < o.raised_at)
        order by alarm_id""", {"f": file_id})
    if not found:
        return None
    alarm, raised, cleared = found[0]
    return (f"{len(found):,} alarm(s) cleared before they were raised (e.g. {alarm}: raised "
            f"{raised}, clear sent as {cleared}; two clocks?): kept, each cleared at its clear "
            "event's time or at its raise, never a negative duration (core.alarms "
            "cleared_before_raised); check the clocks (NTP) of the elements that sent them")


SOURCE = Source(
    name="alarms",
    folder="alarms",
    patterns=("*.jsonl", "*.json", "*.csv"),
    tables=(Table("stg.alarm_events", AlarmEventContract,
                  key=("alarm_id", "event_type", "event_time", "perceived_severity"),
                  range_column="event_time",
                  references=(Reference("alarmed_object_id", "stg.resources", "resource_id",
                                        "alarmed resource"),),
                  after_insert=cleared_before_raised),),
    parse=parse,
    python_parser=True,
    description="alarm events: TMF642 / X.733 JSON lines (also the MEF variant), or CSV "
                "exports mapped onto X.733 fields",
)
