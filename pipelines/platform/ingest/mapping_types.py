"""The shapes of declared mappings (:mod:`cxbridge.platform.ingest.mappings`): plain frozen values a
source reads, the warehouse's PM counters, and the error a mapping file that cannot be used
raises. No I/O here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cxbridge.platform.errors import UserError

BUILTIN_DIR = Path(__file__).with_name("builtin_mappings")
RAW_MAPPINGS = "_mappings"  # a raw folder's own mappings (folders starting with _ are no feed)
KINDS = ("kpis", "alarms", "customers", "tickets")
GUIDE = "see data/README.md, 'Mappings'"

# the warehouse's PM counters and their units (stg.kpi_15min)
PM_COUNTERS = {
    "dl_throughput_mbps": "Mbit/s", "utilisation_pct": "%", "latency_ms": "ms",
    "jitter_ms": "ms", "packet_loss_pct": "%", "unavailable_s": "s of the 900-s interval",
    "access_attempts": "count", "access_successes": "count", "drops": "count",
    "sessions": "count",
}
SEPARATORS = (",", ";", "\t", "|")


class MappingError(UserError, ValueError):
    """A mapping file that cannot be used: the message names the file, the key, and what is
    allowed."""


@dataclass(frozen=True)
class Timestamp:
    """Where a row's time is: one column (``column``, ``format``) or a date column and a
    time-of-day column (``date``/``date_format``, ``time``/``time_format``). A format of
    ``None`` means ISO 8601, with or without a zone."""

    column: str | None = None
    format: str | None = None
    date: str | None = None
    date_format: str | None = None
    time: str | None = None
    time_format: str | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.column,) if self.column else (self.date, self.time)

    def describe(self) -> str:
        if self.column:
            return f"{self.column} ({self.format or 'ISO 8601'})"
        return (f"{self.date} ({self.date_format or '%Y-%m-%d'}) + "
                f"{self.time} ({self.time_format or '%H:%M:%S'})")


@dataclass(frozen=True)
class Counter:
    """One warehouse counter read from a file column: value × scale + offset, or, for a KPI
    a vendor exports as two counters, ``column`` ÷ ``per`` × scale + offset (throughput as
    bits ÷ transfer time, utilisation as used ÷ available PRBs); NULL where ``per`` is 0.

    ``plus`` and ``minus`` add and subtract further columns before the division (Ericsson's
    throughput is (volume − last-TTI volume) ÷ time; its downtime is automatic + manual
    seconds): a missing one counts as 0, a missing ``column`` makes the counter NULL.
    ``of_interval`` reads a percentage of the row's own interval (``available_pct`` or
    ``unavailable_pct``) as seconds unavailable, whatever minutes the row measures."""

    column: str
    scale: float = 1.0
    offset: float = 0.0
    per: str | None = None
    plus: tuple[str, ...] = ()
    minus: tuple[str, ...] = ()
    of_interval: str | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        """Every file column the counter reads."""
        return (self.column, *self.plus, *self.minus, *((self.per,) if self.per else ()))


@dataclass(frozen=True)
class ValueMap:
    """A column (or a constant ``value``) whose values may be renamed (``values``)."""

    column: str | None = None
    value: str | None = None
    values: Mapping[str, str] = field(default_factory=dict)
    prefix: str = ""
    pattern: str | None = None  # a regular expression whose first group is the value
    join: str | None = None     # … or whose groups, joined by this, are the value


@dataclass(frozen=True)
class Layout:
    """How a delimited export is laid out, and which columns say that a mapping applies."""

    match: tuple[str, ...]
    separator: str | None = None
    decimal: str = "."
    header_row: int = 1
    # how values are written (PM exports): markers meaning "no value", a thousands separator,
    # text after a number ("%"), lines under the header that are not rows (units), and
    # lines at the end that are not rows (a "Total" row)
    null_values: tuple[str, ...] = ()
    thousands: str | None = None
    value_suffixes: tuple[str, ...] = ()
    units_rows: int = 0
    footer_rows: int = 0


@dataclass(frozen=True)
class PmDialect:
    """One vendor PM export dialect (``<mappings>/kpis/<name>.yaml``)."""

    name: str
    vendor: str
    description: str
    origin: Path
    layout: Layout
    timestamp: Timestamp
    time_zone: str
    resource_id: ValueMap
    resource_type: ValueMap
    counters: Mapping[str, Counter]
    keep_extras: bool = True
    # how long one row measures: 15 (the warehouse's grain), 30 or 60 minutes, for every row
    # or read from a column (``interval_column``)
    interval_minutes: int = 15
    interval_column: str | None = None

    @property
    def key_columns(self) -> tuple[str, ...]:
        """The columns besides the counters that the dialect reads."""
        return (*self.timestamp.columns, self.resource_id.column,
                *([self.resource_type.column] if self.resource_type.column else []),
                *([self.interval_column] if self.interval_column else []))


@dataclass(frozen=True)
class AlarmMapping:
    """One alarm CSV export mapped onto X.733 fields (``<mappings>/alarms/<name>.yaml``)."""

    name: str
    description: str
    origin: Path
    layout: Layout
    alarm_id: ValueMap
    event_time: Timestamp
    time_zone: str
    managed_object: ValueMap
    managed_object_type: ValueMap
    perceived_severity: ValueMap
    probable_cause: ValueMap
    event_type: ValueMap
    specific_problem: ValueMap
    event_kind: ValueMap          # raised / updated / cleared, from an event-kind column …
    cleared_values: tuple[str, ...] = ()  # … or the values of a cleared flag column
    event_id: ValueMap = field(default_factory=ValueMap)
    source_system: ValueMap = field(default_factory=ValueMap)

    @property
    def key_columns(self) -> tuple[str, ...]:
        return (*self.event_time.columns, self.alarm_id.column, self.managed_object.column)


# time formats that are numbers, not text (``format: epoch``): seconds or milliseconds since
# 1970-01-01 UTC (Unix time, always UTC), and the day numbers of a spreadsheet (Excel's 1900
# date system: 45231 is 2023-11-01, a fraction is the time of day, local like any naive time)
NUMBER_FORMATS = {"epoch": "seconds since 1970-01-01 UTC",
                  "epoch_ms": "milliseconds since 1970-01-01 UTC",
                  "excel": "spreadsheet day number, 45231 = 2023-11-01"}


@dataclass(frozen=True)
class Field:
    """One warehouse column of an export: a file column (its values renamed by ``values``,
    a date or timestamp read with ``format``, or a number of months before ``months_before``:
    a tenure), or a constant ``value`` for a column the export does not have."""

    column: str | None = None
    value: str | None = None
    values: Mapping[str, str] = field(default_factory=dict)
    format: str | None = None
    months_before: str | None = None  # YYYY-MM-DD: the column is months before this day
    # every format to try, in order (``format`` is the first); a value takes the first that
    # reads it
    formats: tuple[str, ...] = ()


@dataclass(frozen=True)
class ColumnMapping:
    """An export's columns onto a table's (``<mappings>/customers/<name>.yaml`` for a CRM,
    ``<mappings>/tickets/<name>.yaml`` for care tickets); ``time_zone`` is the zone of naive
    timestamps."""

    name: str
    description: str
    origin: Path
    layout: Layout
    fields: Mapping[str, Field]
    time_zone: str = "UTC"

    @property
    def key_columns(self) -> tuple[str, ...]:
        return tuple(f.column for f in self.fields.values() if f.column)


@dataclass(frozen=True)
class Mappings:
    """Every mapping in force: PM dialects and alarm feeds, each best first (a user's before
    the built-ins), the folders they came from, and notes (which file replaced which)."""

    kpis: tuple[PmDialect, ...] = ()
    alarms: tuple[AlarmMapping, ...] = ()
    customers: tuple[ColumnMapping, ...] = ()
    tickets: tuple[ColumnMapping, ...] = ()
    folders: tuple[Path, ...] = ()
    notes: tuple[str, ...] = ()

    def named(self, kind: str, name: str) -> PmDialect | AlarmMapping:
        """The mapping of ``kind`` called ``name``; a clear error listing the others."""
        found = [m for m in getattr(self, kind) if m.name == name]
        if not found:
            known = ", ".join(m.name for m in getattr(self, kind)) or "none"
            raise MappingError(f"no {kind} mapping called {name!r} (known: {known}; looked in "
                               f"{self.where(kind)})")
        return found[0]

    def where(self, kind: str) -> str:
        return ", ".join(str(f / kind) for f in self.folders) or "(no folder)"

OF_INTERVAL = ("available_pct", "unavailable_pct")
INTERVAL_MINUTES = (15, 30, 60)  # a row may measure one or several 15-minute intervals

def timestamp_format(stamp: Timestamp) -> str | None:
    """The strptime format of the timestamp's text (split columns are joined by a space);
    ``None`` for ISO 8601."""
    if stamp.column:
        return stamp.format
    return f"{stamp.date_format or '%Y-%m-%d'} {stamp.time_format or '%H:%M:%S'}"
