"""Alarm CSV exports (a fault manager's alarm log) mapped onto X.733 fields, as rows of
``stg.alarm_events`` beside the TMF642 JSON events.

The mapping (``<mappings>/alarms/<name>.yaml``) names the columns of the alarm id, the event
time (format and zone), the managed object, the perceived severity (with a value map), the
probable cause, the X.733 event type, the specific problem, and how an event says it clears:
an event-kind column (raise / change / clear), a cleared flag, or else a ``cleared`` severity.
X.733 names are recognised in any case and in 3GPP TS 28.532's spelling (``MAJOR``,
``COMMUNICATIONS_ALARM``); numeric codes differ between managers, so they are mapped in the
file (``values``), never guessed. Enumerations: ITU-T X.733 as in RFC 3877 (IANA-ITU-ALARM-TC)
and 3GPP TS 28.532 (../shared/standards/x733/)."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from cxbridge.platform.ingest.base import LINE, Parsed, cast_or_reject
from cxbridge.platform.ingest.delimited import read_csv_strings
from cxbridge.platform.ingest.mapped_values import (
    describe_time,
    strip_prefix,
    timestamp_text,
    utc_expression,
)
from cxbridge.platform.ingest.mappings import (
    AlarmMapping,
    Mappings,
    ValueMap,
    choose_mapping,
    timestamp_format,
)
from cxbridge.platform.ingest.sources.alarms import SCHEMA, SEVERITIES, TMF642_EVENTS

# X.733 event types (RFC 3877 IANAItuEventType); TMF642 calls the field alarmType
EVENT_TYPES = ("other", "communicationsAlarm", "qualityOfServiceAlarm", "processingErrorAlarm",
               "equipmentAlarm", "environmentalAlarm", "integrityViolation",
               "operationalViolation", "physicalViolation",
               "securityServiceOrMechanismViolation", "timeDomainViolation")
# the words fault managers use for an event's kind
EVENT_KINDS = {
    "raised": ("raised", "raise", "new", "create", "created", "alarm", "active", "set", "on",
               "notifynewalarm"),
    "updated": ("updated", "update", "changed", "change", "modified", "notifychangedalarm"),
    "cleared": ("cleared", "clear", "clr", "closed", "cease", "ceased", "off", "resolved",
                "notifyclearedalarm"),
}


def _spellings(names: tuple[str, ...]) -> dict[str, str]:
    """Lower-case spellings (camelCase, SNAKE_CASE, spaced) of each X.733 name → the name."""
    found = {}
    for name in names:
        snake = "".join(f"_{c}" if c.isupper() else c for c in name).lower()
        for spelling in (name.lower(), snake, snake.replace("_", " ")):
            found[spelling] = name
    return found


_SEVERITY_SPELLINGS = _spellings(SEVERITIES)
_EVENT_TYPE_SPELLINGS = _spellings(EVENT_TYPES)
_KIND_SPELLINGS = {word: kind for kind, words in EVENT_KINDS.items() for word in words}


def parse_csv(path: Path, mappings: Mappings) -> Parsed:
    """One alarm CSV export as rows of ``stg.alarm_events`` (and rejects, with reasons)."""
    match = choose_mapping(path, mappings, "alarms")
    spec = match.mapping
    required = tuple(dict.fromkeys((*spec.layout.match, *spec.key_columns)))
    raw = read_csv_strings(path, required, match.separator, spec.layout.header_row)
    return to_alarm_events(raw, spec)


def to_alarm_events(raw: Parsed, spec: AlarmMapping) -> Parsed:
    """Text rows of an alarm export as typed ``stg.alarm_events`` rows (pure). What an export
    does not carry (an external id, the root-cause and planned flags, a parent) is null; the
    times are set from the event time and the state below."""
    text = raw.frame
    severity = _named(text, spec.perceived_severity, _SEVERITY_SPELLINGS)
    state = _state(text, spec, severity)
    mapped = {
        "event_id": _plain(text, spec.event_id),
        "event_type": state.replace_strict(TMF642_EVENTS, default=None),
        "event_time": timestamp_text(spec.event_time),
        "alarm_id": strip_prefix(spec.alarm_id.column, spec.alarm_id.prefix),
        "alarm_type": _named(text, spec.event_type, _EVENT_TYPE_SPELLINGS, lower=False),
        "perceived_severity": pl.when(state == "cleared").then(pl.lit("cleared"))
        .otherwise(severity),
        "probable_cause": _plain(text, spec.probable_cause),
        "specific_problem": _plain(text, spec.specific_problem),
        "alarmed_object_id": strip_prefix(spec.managed_object.column,
                                          spec.managed_object.prefix),
        "alarmed_object_type": _plain(text, spec.managed_object_type),
        "source_system_id": _plain(text, spec.source_system),
        "state": state,
    }
    times = ("raised_time", "changed_time", "cleared_time")  # derived below
    frame = text.select(
        pl.col(LINE),
        *(mapped[name].alias(name) if name in mapped else pl.lit(None, dtype).alias(name)
          for name, dtype in SCHEMA.items() if name not in times))
    converters = {}
    fmt = timestamp_format(spec.event_time)
    if fmt is not None or spec.time_zone != "UTC":
        occurrence = pl.int_range(pl.len()).over("alarm_id", "event_time")
        converters["event_time"] = utc_expression(pl.col("event_time"), fmt, spec.time_zone,
                                                  occurrence)
    typed = cast_or_reject(Parsed(frame, raw.rejects, (*raw.notes, _note(text, spec))),
                           {"event_time": SCHEMA["event_time"]}, converters=converters,
                           labels={"event_time": describe_time(spec.event_time,
                                                               spec.time_zone)})
    at = pl.col("event_time")
    return Parsed(typed.frame.with_columns(
        raised_time=pl.when(pl.col("state") == "raised").then(at),
        changed_time=at,
        cleared_time=pl.when(pl.col("state") == "cleared").then(at),
    ), typed.rejects, typed.notes)


def _plain(text: pl.DataFrame, spec: ValueMap) -> pl.Expr:
    """A column's text (blank → null, renamed by ``values``), a constant, or null."""
    if spec.value is not None:
        return pl.lit(spec.values.get(spec.value, spec.value))
    if not spec.column or spec.column not in text.columns:
        return pl.lit(None, pl.String)
    value = pl.col(spec.column).str.strip_chars()
    value = pl.when(value != "").then(value)
    return value.replace(dict(spec.values)) if spec.values else value


def _named(text: pl.DataFrame, spec: ValueMap, spellings: dict[str, str],
           lower: bool = True) -> pl.Expr:
    """A column of X.733 names: the file's values as ``values`` renames them, each known
    spelling as its X.733 name; an unknown value stays as it came (lower-cased when
    ``lower``), for the contract to name it."""
    value = _plain(text, spec)
    known = value.str.to_lowercase().replace_strict(spellings, default=None)
    return pl.coalesce(known, value.str.to_lowercase() if lower else value)


def _state(text: pl.DataFrame, spec: AlarmMapping, severity: pl.Expr) -> pl.Expr:
    """raised / updated / cleared: from the event-kind column, the cleared flag, or else the
    severity (a cleared severity is a clear, any other a raise). An unknown kind stays as it
    came, for the contract to name it."""
    kind = spec.event_kind
    if kind.column and spec.cleared_values:
        flag = pl.col(kind.column).str.strip_chars().str.to_lowercase()
        return pl.when(flag.is_in([v.lower() for v in spec.cleared_values])).then(
            pl.lit("cleared")).otherwise(pl.lit("raised"))
    if kind.column:
        value = _plain(text, kind)
        return pl.coalesce(value.str.to_lowercase().replace_strict(_KIND_SPELLINGS,
                                                                   default=None), value)
    return pl.when(severity == "cleared").then(pl.lit("cleared")).otherwise(pl.lit("raised"))


def _note(text: pl.DataFrame, spec: AlarmMapping) -> str:
    used = {*spec.key_columns, *(m.column for m in (
        spec.managed_object_type, spec.perceived_severity, spec.probable_cause,
        spec.event_type, spec.specific_problem, spec.event_kind, spec.event_id,
        spec.source_system) if m.column)}
    ignored = [c for c in text.columns if c != LINE and c not in used]
    note = f"alarm mapping {spec.name} ({spec.origin.name})"
    return note + (f"; column(s) not in its mapping, ignored: {', '.join(ignored)}"
                   if ignored else "")
