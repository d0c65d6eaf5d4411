"""Times as the dashboard shows them: in the ``[dashboard] timezone`` setting's zone, with its
abbreviation ('Sun 15 Mar 06:00 GMT'), and in CSV files as ISO 8601 with an explicit UTC
offset ('2026-03-15T06:00:00+00:00').

The snapshot keeps every timestamp in UTC, naive (DuckDB ``TIMESTAMP``); a naive time is
therefore taken as UTC here. The zone of the running dashboard is read from the Flask app
(:func:`use_zone` sets it when the app is built, :func:`zone` reads it); outside a request it
is UTC. Formatting is pure: every function takes the zone it formats for.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import flask
import polars as pl

DEFAULT_ZONE = "UTC"
_CONFIG_KEY = "CXBRIDGE_TIMEZONE"


def parse_zone(name: str) -> tzinfo:
    """The IANA zone ``name`` ('Europe/Dublin'); ``ValueError`` when there is no such zone.
    'UTC' needs no time zone database."""
    if str(name).strip() == DEFAULT_ZONE:
        return UTC
    try:
        return ZoneInfo(str(name).strip())
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise ValueError(f"{name!r} is not an IANA time zone name") from exc


def use_zone(app: flask.Flask, name: str) -> None:
    """Show the dashboard served by ``app`` in zone ``name`` (checked: ``ValueError``)."""
    parse_zone(name)
    app.config[_CONFIG_KEY] = name


def zone() -> tzinfo:
    """The zone of the dashboard serving the current request (UTC outside one)."""
    if not flask.has_app_context():
        return UTC
    return parse_zone(flask.current_app.config.get(_CONFIG_KEY, DEFAULT_ZONE))


def local(value: datetime, where: tzinfo | None = None) -> datetime:
    """``value`` (naive: UTC) as an aware time in ``where`` (default: :func:`zone`)."""
    aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value
    return aware.astimezone(where or zone())


def format_time(value: datetime | None, where: tzinfo | None = None) -> str:
    """'Sun 15 Mar 06:00 GMT': the day, date, time and zone abbreviation ('–' for none)."""
    if value is None:
        return "–"
    shown = local(value, where)
    return f"{shown:%a} {shown.day} {shown:%b %H:%M} {abbreviation(shown)}"


def format_day_time(value: datetime | None, where: tzinfo | None = None) -> str:
    """'15 Mar 2026 06:00 GMT' (with the year: a snapshot's build time)."""
    if value is None:
        return "–"
    shown = local(value, where)
    return f"{shown.day} {shown:%b %Y %H:%M} {abbreviation(shown)}"


def abbreviation(value: datetime) -> str:
    """The zone's abbreviation at ``value`` ('GMT', 'IST', 'UTC'; '+04' where it has none)."""
    return value.tzname() or value.strftime("%z")


def zone_label(where: tzinfo | None = None) -> str:
    """The zone's name for axis titles and notes ('Europe/Dublin', 'UTC')."""
    where = where or zone()
    return getattr(where, "key", None) or str(where)


def iso_utc(value: datetime | None) -> str | None:
    """ISO 8601 with an explicit offset, in UTC: '2026-03-15T06:00:00+00:00' (for files: a
    spreadsheet or script reads the instant without knowing the dashboard's zone)."""
    if value is None:
        return None
    aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return aware.isoformat(timespec="seconds")


def with_utc_offsets(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with every timestamp column written as ISO 8601 text with its UTC offset
    ('2026-03-15T06:00:00+00:00'; a naive column is UTC, as the snapshot keeps it): what a
    CSV export carries, so nobody reads a local time into it."""
    stamps = [name for name, dtype in frame.schema.items() if isinstance(dtype, pl.Datetime)]
    if not stamps:
        return frame
    as_utc = {name: (pl.col(name).dt.replace_time_zone("UTC")
                     if frame.schema[name].time_zone is None
                     else pl.col(name).dt.convert_time_zone("UTC")) for name in stamps}
    return frame.with_columns(expr.dt.strftime("%Y-%m-%dT%H:%M:%S+00:00").alias(name)
                              for name, expr in as_utc.items())


def plotted(value: datetime | None, where: tzinfo | None = None) -> datetime | None:
    """``value`` (naive: UTC) as the naive local time a chart's date axis shows (plotly draws
    times as given, without zones); title the axis with :func:`zone_label`."""
    return None if value is None else local(value, where).replace(tzinfo=None)
