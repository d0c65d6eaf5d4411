"""Reading one mapping file, key by key, into the values of
:mod:`cxbridge.platform.ingest.mapping_types`: every key is validated, and an error names the file,
the key, what it holds and what is allowed (:class:`MappingError`)."""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from cxbridge.platform.ingest.mapping_types import (
    GUIDE,
    INTERVAL_MINUTES,
    NUMBER_FORMATS,
    OF_INTERVAL,
    PM_COUNTERS,
    AlarmMapping,
    ColumnMapping,
    Counter,
    Field,
    Layout,
    MappingError,
    PmDialect,
    Timestamp,
    ValueMap,
    timestamp_format,
)


def read_mapping(path: Path, kind: str) -> PmDialect | AlarmMapping:
    """One mapping file of ``kind`` (kpis or alarms), validated."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise MappingError(f"{path} is not valid YAML ({exc}); fix the file ({GUIDE})") from exc
    if not isinstance(document, dict):
        raise MappingError(f"{path}: expected a YAML mapping of keys (name, timestamp, "
                           f"counters, …), found {type(document).__name__}; {GUIDE}")
    doc = _Document(path, document)
    if kind in COLUMNS:
        return _column_mapping(doc, kind)
    return _pm_dialect(doc) if kind == "kpis" else _alarm_mapping(doc)


# --- reading one file, key by key, with errors a person can act on -------------------------

_PM_KEYS = ("name", "vendor", "description", "match", "separator", "decimal", "header_row",
            "timestamp", "time_zone", "resource_id", "resource_type", "counters",
            "extra_counters", "interval_minutes", "null_values", "thousands",
            "value_suffixes", "units_row", "footer_rows")
_ALARM_KEYS = ("name", "description", "match", "separator", "decimal", "header_row",
               "alarm_id", "event_time", "time_zone", "managed_object", "managed_object_type",
               "perceived_severity", "probable_cause", "event_type", "specific_problem",
               "event_kind", "cleared", "event_id", "source_system")


class _Document:
    def __init__(self, path: Path, data: dict) -> None:
        self.path, self.data = path, data

    def error(self, key: str, problem: str) -> MappingError:
        return MappingError(f"{self.path}: `{key}` {problem}. Fix the mapping file ({GUIDE})")

    def check_keys(self, allowed: Sequence[str]) -> None:
        unknown = [k for k in self.data if k not in allowed]
        if unknown:
            raise self.error(unknown[0], f"is not a key of this kind of mapping; allowed keys: "
                                         f"{', '.join(allowed)}")

    def text(self, key: str, default: str | None = None, value: Any = None) -> str | None:
        value = self.data.get(key) if value is None else value
        if value is None:
            return default
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise self.error(key, f"must be text, found {value!r}")
        return str(value)

    def required(self, key: str, what: str) -> Any:
        if self.data.get(key) in (None, "", {}):
            raise self.error(key, f"is missing: it names {what}")
        return self.data[key]


def _layout(doc: _Document, default_match: tuple[str, ...]) -> Layout:
    match = doc.data.get("match", list(default_match))
    if isinstance(match, str):
        match = [match]
    if not isinstance(match, list) or not match or not all(isinstance(m, str) for m in match):
        raise doc.error("match", f"must be a list of column names, found {match!r}")
    separator = doc.text("separator")
    if separator in ("tab", "\\t"):
        separator = "\t"
    if separator is not None and len(separator) != 1:
        raise doc.error("separator", f"is {separator!r}: it must be one character, e.g. ',' "
                                     "';' '|' or 'tab' (leave it out to sniff it)")
    decimal = doc.text("decimal", ".")
    if decimal not in (".", ","):
        raise doc.error("decimal", f"is {decimal!r}; allowed: '.' or ','")
    if decimal == separator:
        raise doc.error("decimal", f"is the separator too ({separator!r})")
    header_row = doc.data.get("header_row", 1)
    if not isinstance(header_row, int) or isinstance(header_row, bool) or header_row < 1:
        raise doc.error("header_row", f"is {header_row!r}: it must be a line number ≥ 1")
    return Layout(tuple(match), separator, decimal, header_row, *_value_layout(doc, separator,
                                                                              decimal))


def _value_layout(doc: _Document, separator: str | None, decimal: str
                  ) -> tuple[tuple[str, ...], str | None, tuple[str, ...], int, int]:
    """``null_values``, ``thousands``, ``value_suffixes``, ``units_row``, ``footer_rows``."""
    nulls = _texts(doc, "null_values", 'e.g. ["NULL", "N/A", "NIL", "-", "#DIV/0!"]')
    thousands = doc.data.get("thousands")
    if thousands is not None:
        thousands = " " if thousands in ("space", " ") else doc.text("thousands")
        if thousands not in (",", ".", " ", "'", "_"):
            raise doc.error("thousands", f"is {thousands!r}; allowed: ',' '.' \"'\" '_' or "
                                         "space (any blank is dropped from numbers anyway)")
        if thousands == decimal:
            raise doc.error("thousands", f"is the decimal mark too ({decimal!r})")
    suffixes = _texts(doc, "value_suffixes", 'e.g. ["%"] or ["%", " ms"]')
    units = doc.data.get("units_row", False)
    if units is True or units is False:
        units = int(units)
    footer = doc.data.get("footer_rows", 0)
    for key, value in (("units_row", units), ("footer_rows", footer)):
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 20:
            raise doc.error(key, f"is {value!r}: it must be a number of lines from 0 to 20"
                                 + (" (or true for one line of units under the header)"
                                    if key == "units_row" else ""))
    return nulls, thousands, suffixes, units, footer


def _texts(doc: _Document, key: str, example: str) -> tuple[str, ...]:
    """A list of texts (a single text is a list of one); YAML reads an unquoted NULL or N/A
    as text, but ``null``/``~`` as nothing: quote those."""
    value = doc.data.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(
            isinstance(v, str | int | float) and not isinstance(v, bool) for v in value):
        raise doc.error(key, f"must be a list of texts, {example}; found {value!r} (quote "
                             "values YAML reads otherwise: \"null\", \"yes\", \"~\")")
    return tuple(str(v) for v in value)


def _zone(doc: _Document) -> str:
    zone = doc.text("time_zone", "UTC")
    try:
        zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise doc.error("time_zone", f"is {zone!r}, which is not a time zone name; use an "
                                     "IANA name such as Europe/Dublin, America/New_York or "
                                     "UTC") from exc
    return zone


def _column(doc: _Document, key: str, value: Any, extra: Sequence[str] = ()) -> dict:
    """``{column: NAME, …}`` (or the bare column name) with only the keys allowed."""
    if isinstance(value, str):
        value = {"column": value}
    if not isinstance(value, dict) or not isinstance(value.get("column"), str):
        raise doc.error(key, f"must be {{column: NAME}}, found {value!r}")
    unknown = [k for k in value if k not in ("column", *extra)]
    if unknown:
        raise doc.error(f"{key}.{unknown[0]}", f"is not allowed here; allowed: "
                                               f"{', '.join(('column', *extra))}")
    return value


def _value_map(doc: _Document, key: str, required: str | None = None,
               extra: Sequence[str] = (), constant: bool = False) -> ValueMap:
    """A ``{column: …}`` (or ``{value: …}`` when ``constant``) key, absent → empty."""
    value = doc.data.get(key)
    if value is None:
        if required:
            doc.required(key, required)
        return ValueMap()
    if constant and isinstance(value, dict) and "value" in value:
        if set(value) != {"value"}:
            raise doc.error(key, "takes either {column: NAME} or {value: CONSTANT}, not both")
        return ValueMap(value=doc.text(f"{key}.value", value=value["value"]))
    spec = _column(doc, key, value, ("values", "prefix", "pattern", "join", *extra))
    values = spec.get("values", {})
    if not isinstance(values, dict):
        raise doc.error(f"{key}.values", f"must map file values to ours, found {values!r}")
    pattern = doc.text(f"{key}.pattern", None, spec.get("pattern"))
    if pattern is not None:
        try:
            groups = re.compile(pattern).groups
        except re.error as exc:
            raise doc.error(f"{key}.pattern", f"is not a regular expression ({exc})") from exc
        if groups < 1:
            raise doc.error(f"{key}.pattern", f"{pattern!r} has no group: put the part to "
                                              "keep in parentheses, e.g. 'Cell Name=([^,]+)'")
    join = doc.text(f"{key}.join", None, spec.get("join"))
    if join is not None and pattern is None:
        raise doc.error(f"{key}.join", "joins the groups of a `pattern`: add one, e.g. "
                                       "'ManagedElement=([^,]+),.*NRCellDU=([^,]+)'")
    return ValueMap(column=spec["column"], values={str(k): str(v) for k, v in values.items()},
                    prefix=doc.text(f"{key}.prefix", "", spec.get("prefix")) or "",
                    pattern=pattern, join=join)


def _timestamp(doc: _Document, key: str) -> Timestamp:
    value = doc.required(key, "the column(s) holding the time: {column: NAME, format: …} or "
                              "{date: {column, format}, time: {column, format}}")
    if isinstance(value, str):
        value = {"column": value}
    if not isinstance(value, dict):
        raise doc.error(key, f"must be {{column, format}} or {{date, time}}, found {value!r}")
    if "column" in value:
        spec = _column(doc, key, value, ("format",))
        stamp = Timestamp(column=spec["column"], format=doc.text(f"{key}.format",
                                                                 value=spec.get("format")))
    elif "date" in value and "time" in value:
        if set(value) - {"date", "time"}:
            raise doc.error(key, "takes date and time only when the time is split in two "
                                 "columns")
        date = _column(doc, f"{key}.date", value["date"], ("format",))
        time = _column(doc, f"{key}.time", value["time"], ("format",))
        stamp = Timestamp(date=date["column"], date_format=date.get("format"),
                          time=time["column"], time_format=time.get("format"))
    else:
        raise doc.error(key, f"needs either `column` or both `date` and `time`; found "
                             f"{', '.join(value) or 'nothing'}")
    _check_format(doc, key, stamp)
    return stamp


def _check_format(doc: _Document, key: str, stamp: Timestamp) -> None:
    """A format must read back what it writes (polars' strptime dialect)."""
    fmt = timestamp_format(stamp)
    if fmt is None or (stamp.column and fmt in NUMBER_FORMATS):
        return
    sample = datetime(2026, 10, 25, 13, 45, 30, tzinfo=UTC)
    try:
        text = sample.strftime(fmt)
        parsed = pl.Series([text]).str.to_datetime(fmt, strict=False, time_zone=(
            "UTC" if "%z" in fmt else None))
        ok = parsed.null_count() == 0
    except (ValueError, pl.exceptions.PolarsError):
        ok = False
    if not ok or "%" not in fmt:
        raise doc.error(key, f"has the format {fmt!r}, which cannot read a timestamp; use "
                             "strptime codes, e.g. '%Y-%m-%d %H:%M:%S' or '%m/%d/%Y %H:%M' "
                             "(and for split columns a date format and a time format)")




def _number(doc: _Document, key: str, value: Any, default: float) -> float:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise doc.error(key, f"must be a number, found {value!r}")
    return float(value)


def _counters(doc: _Document) -> dict[str, Counter]:
    spec = doc.data.get("counters") or {}
    if not isinstance(spec, dict):
        raise doc.error("counters", f"must map warehouse counters to columns, found {spec!r}")
    counters = {}
    for name, value in spec.items():
        if name not in PM_COUNTERS:
            raise doc.error(f"counters.{name}", "is not a warehouse counter; allowed: "
                            + ", ".join(f"{c} ({u})" for c, u in PM_COUNTERS.items())
                            + " (a column that is none of them is kept as an extra counter)")
        counters[name] = _counter(doc, name, value)
    return counters


def _counter(doc: _Document, name: str, value: Any) -> Counter:
    """``{column, scale, offset, per, minus, of_interval}``; ``column`` may list columns to
    add up."""
    key = f"counters.{name}"
    summed: tuple[str, ...] = ()
    if isinstance(value, dict) and isinstance(value.get("column"), list):
        summed = _names(doc, f"{key}.column", value["column"])
        value = {**value, "column": summed[0]}
    column = _column(doc, key, value, ("scale", "offset", "per", "minus", "of_interval"))
    per = column.get("per")
    if per is not None and not isinstance(per, str):
        raise doc.error(f"{key}.per", f"must be a column name, found {per!r}")
    of_interval = column.get("of_interval")
    if of_interval is not None and (name != "unavailable_s" or of_interval not in OF_INTERVAL):
        raise doc.error(f"{key}.of_interval", f"is {of_interval!r}; it reads a percentage "
                        "of the row's interval as seconds, so it belongs to unavailable_s "
                        f"only and is one of: {', '.join(OF_INTERVAL)}")
    minus = column.get("minus")
    return Counter(column["column"],
                   _number(doc, f"{key}.scale", column.get("scale"), 1),
                   _number(doc, f"{key}.offset", column.get("offset"), 0), per,
                   plus=summed[1:], minus=_names(doc, f"{key}.minus", minus) if minus else (),
                   of_interval=of_interval)


def _names(doc: _Document, key: str, value: Any) -> tuple[str, ...]:
    """One column name or a non-empty list of them."""
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise doc.error(key, f"must be a column name or a list of them, found {value!r}")
    return tuple(names)


def _interval(doc: _Document) -> tuple[int, str | None]:
    """``interval_minutes``: a number (every row) or ``{column: NAME}`` (each row's own)."""
    value = doc.data.get("interval_minutes", 15)
    if isinstance(value, dict):
        return 15, _column(doc, "interval_minutes", value)["column"]
    if value not in INTERVAL_MINUTES or isinstance(value, bool):
        raise doc.error("interval_minutes", f"is {value!r}; allowed: "
                        f"{', '.join(map(str, INTERVAL_MINUTES))} (minutes one row measures), "
                        "or {column: NAME} when a column says it")
    return int(value), None


def _pm_dialect(doc: _Document) -> PmDialect:
    doc.check_keys(_PM_KEYS)
    name = doc.text("name", doc.path.stem)
    stamp = _timestamp(doc, "timestamp")
    resource_id = _value_map(doc, "resource_id", "the column of the measured object's id")
    resource_type = _value_map(doc, "resource_type", constant=True)
    extras = doc.text("extra_counters", "keep")
    if extras not in ("keep", "drop"):
        raise doc.error("extra_counters", f"is {extras!r}; allowed: keep, drop")
    counters = _counters(doc)
    interval_minutes, interval_column = _interval(doc)
    if not counters and extras == "drop":
        raise doc.error("counters", "is empty and extra_counters is drop: nothing would load")
    return PmDialect(
        name=name, vendor=doc.text("vendor", name), description=doc.text("description", ""),
        origin=doc.path, layout=_layout(doc, (*stamp.columns, resource_id.column)),
        timestamp=stamp, time_zone=_zone(doc), resource_id=resource_id,
        resource_type=resource_type, counters=counters, keep_extras=extras == "keep",
        interval_minutes=interval_minutes, interval_column=interval_column)


def _alarm_mapping(doc: _Document) -> AlarmMapping:
    doc.check_keys(_ALARM_KEYS)
    stamp = _timestamp(doc, "event_time")
    alarm_id = _value_map(doc, "alarm_id", "the column of the alarm's id")
    managed = _value_map(doc, "managed_object", "the column of the alarmed resource's id")
    cleared = doc.data.get("cleared")
    cleared_values: tuple[str, ...] = ()
    kind = _value_map(doc, "event_kind")
    if cleared is not None:
        if kind.column:
            raise doc.error("cleared", "and event_kind both say whether an event clears: "
                                       "keep one")
        spec = _column(doc, "cleared", cleared, ("when",))
        when = spec.get("when", [True, "cleared"])
        cleared_values = tuple(_flag_spellings(when if isinstance(when, list) else [when]))
        kind = ValueMap(column=spec["column"])
    for value in kind.values.values() if not cleared_values else ():
        if value not in ("raised", "updated", "cleared"):
            raise doc.error("event_kind.values", f"maps to {value!r}; allowed: raised, "
                                                 "updated, cleared")
    return AlarmMapping(
        name=doc.text("name", doc.path.stem), description=doc.text("description", ""),
        origin=doc.path,
        layout=_layout(doc, (*stamp.columns, alarm_id.column, managed.column)),
        alarm_id=alarm_id, event_time=stamp, time_zone=_zone(doc), managed_object=managed,
        managed_object_type=_value_map(doc, "managed_object_type", constant=True),
        perceived_severity=_value_map(doc, "perceived_severity",
                                      "the column of the perceived severity", constant=True),
        probable_cause=_value_map(doc, "probable_cause", constant=True),
        event_type=_value_map(doc, "event_type", constant=True),
        specific_problem=_value_map(doc, "specific_problem", constant=True),
        event_kind=kind, cleared_values=cleared_values,
        event_id=_value_map(doc, "event_id"),
        source_system=_value_map(doc, "source_system", constant=True))


def _flag_spellings(values: list) -> list[str]:
    """A cleared flag's values as text; YAML reads an unquoted yes/true/on as a boolean, which
    stands for every way of writing it."""
    found = []
    for value in values:
        if value is True:
            found += ["true", "yes", "y", "on", "1"]
        elif value is False:
            found += ["false", "no", "n", "off", "0"]
        else:
            found.append(str(value))
    return found


# --- an export's columns onto a table's (CRM customers, care tickets) ----------------------

_COLUMN_KEYS = ("name", "description", "match", "separator", "decimal", "header_row",
                "time_zone", "columns")
# each kind's warehouse columns (its source's contract) and the ones an export must give, from
# a column or as a constant
COLUMNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "customers": (("customer_id", "name", "email", "phone", "segment", "region", "city",
                   "contract_type", "payment_method", "customer_since", "monthly_charges_eur",
                   "status", "marketing_opt_in", "consent_email", "consent_sms",
                   "consent_phone", "preferred_language", "preferred_channel"),
                  ("customer_id", "segment", "region", "contract_type", "customer_since")),
    "tickets": (("ticket_id", "customer_id", "service_id", "created_at", "resolved_at",
                 "status", "channel", "category", "severity", "description", "location"),
                ("ticket_id", "created_at", "status")),
}


def _column_mapping(doc: _Document, kind: str) -> ColumnMapping:
    doc.check_keys(_COLUMN_KEYS)
    known, required = COLUMNS[kind]
    spec = doc.required("columns", "each warehouse column's file column or constant, e.g. "
                                   f"{{{required[0]}: ID, {required[-1]}: {{value: …}}}}")
    if not isinstance(spec, dict):
        raise doc.error("columns", f"must map warehouse columns to file columns, found {spec!r}")
    fields = {name: _field(doc, name, value, known, kind) for name, value in spec.items()}
    missing = [c for c in required if c not in fields]
    if missing:
        raise doc.error("columns", f"lacks {', '.join(missing)}: every row of {kind} needs "
                                   "them; map a file column or give a constant ({value: …})")
    match = tuple(f.column for f in fields.values() if f.column)
    return ColumnMapping(name=doc.text("name", doc.path.stem),
                         description=doc.text("description", ""), origin=doc.path,
                         layout=_layout(doc, match), fields=fields, time_zone=_zone(doc))


def _field(doc: _Document, name: str, value: Any, known: tuple[str, ...], kind: str) -> Field:
    key = f"columns.{name}"
    if name not in known:
        raise doc.error(key, f"is not a column of {kind}; allowed: " + ", ".join(known))
    if isinstance(value, dict) and "value" in value:
        if set(value) != {"value"}:
            raise doc.error(key, "takes either {column: NAME, …} or {value: CONSTANT}, not both")
        return Field(value=doc.text(f"{key}.value", value=value["value"]))
    spec = _column(doc, key, value, ("values", "format", "months_before"))
    values = spec.get("values", {})
    if not isinstance(values, dict):
        raise doc.error(f"{key}.values", f"must map file values to ours, found {values!r}")
    months_before = spec.get("months_before")
    if months_before is not None:
        try:
            datetime.strptime(str(months_before), "%Y-%m-%d")
        except ValueError as exc:
            raise doc.error(f"{key}.months_before", f"is {months_before!r}: the day the "
                            "months count back from, as YYYY-MM-DD") from exc
    formats = _formats(doc, f"{key}.format", spec.get("format"))
    return Field(column=spec["column"], values={str(k): str(v) for k, v in values.items()},
                 format=formats[0] if formats else None, formats=formats,
                 months_before=None if months_before is None else str(months_before))


def _formats(doc: _Document, key: str, value: Any) -> tuple[str, ...]:
    """A column's date or time format, or a list of them (an export whose rows were written
    by several systems: each value is read by the first format that reads it); each a
    strptime format or one of the number formats (``excel``, ``epoch``, ``epoch_ms``)."""
    if value is None:
        return ()
    values = value if isinstance(value, list) else [value]
    if not values:
        raise doc.error(key, "is an empty list: give a format, or a list of formats")
    formats = tuple(doc.text(key, value=v) for v in values)
    for fmt in formats:
        if fmt not in NUMBER_FORMATS and "%" not in fmt:
            raise doc.error(key, f"has {fmt!r}, which is no format: use strptime codes "
                                 "('%d/%m/%Y', '%m/%d/%Y %H:%M') or one of "
                                 f"{', '.join(NUMBER_FORMATS)}")
    return formats
