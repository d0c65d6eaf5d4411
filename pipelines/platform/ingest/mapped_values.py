"""What a declared mapping means for a frame of text: timestamps in a format and zone to UTC,
numbers with a decimal comma, prefixes stripped (polars expressions, pure)."""

from __future__ import annotations

import re
from datetime import datetime

import polars as pl

from cxbridge.platform.ingest.mappings import Timestamp

_OFFSET = r"(Z|[+-]\d{2}:?\d{2})$"


_EXCEL_DAY_ZERO = datetime(1899, 12, 30)


def number_time(text: pl.Expr, fmt: str) -> pl.Expr:
    """A time written as a number (``epoch``, ``epoch_ms``, ``excel``) to naive datetime:
    UTC for the epochs, the spreadsheet's own (local) time for ``excel``; null for anything
    else (a blank, text, a number out of range)."""
    number = text.str.strip_chars().cast(pl.Float64, strict=False)
    number = pl.when(number.is_finite()).then(number)
    if fmt == "excel":
        # day 60 is the 29 February 1900 that never was; later day numbers are as given
        number = pl.when((number >= 61) & (number < 2_958_466)).then(number)
        return pl.lit(_EXCEL_DAY_ZERO).dt.cast_time_unit("us") + pl.duration(
            microseconds=(number * 86_400_000_000).round(0).cast(pl.Int64))
    unit = 1_000_000 if fmt == "epoch" else 1_000
    # (whole seconds or milliseconds within the years 1970-2200; a stray count is no time)
    number = pl.when((number >= 0) & (number * unit < 7.3e15)).then(number)
    return pl.from_epoch((number * unit).round(0).cast(pl.Int64), time_unit="us")


def utc_expression(text: pl.Expr, fmt: str | None, zone: str,
                   occurrence: pl.Expr | None = None) -> pl.Expr:
    """Timestamps as text to naive UTC. Text with an explicit offset (``Z``, ``+01:00``) is
    taken at its offset whatever the format; naive text is local time in ``zone`` (a local
    time that does not exist, in the spring-forward gap, gives null). In the repeated hour
    when summer time ends, ``occurrence`` (0 for the first time a row's local time appears
    in the file, 1 for the second) picks the earlier instant first, then the later."""
    text = text.str.strip_chars()
    if fmt in ("epoch", "epoch_ms"):
        return number_time(text, fmt)
    if fmt == "excel":  # local time like any naive time: through the zone below
        text = number_time(text, fmt).dt.strftime("%Y-%m-%d %H:%M:%S%.f")
        fmt = "%Y-%m-%d %H:%M:%S%.f"
    with_offset = text.str.contains(_OFFSET)
    aware = (text.str.replace(r"Z$", "+00:00").str.replace("T", " ")
             .str.to_datetime("%Y-%m-%d %H:%M:%S%.f%z", strict=False, time_zone="UTC")
             .dt.replace_time_zone(None))
    if fmt is None:
        naive = pl.coalesce(
            text.str.replace("T", " ").str.to_datetime("%Y-%m-%d %H:%M:%S%.f", strict=False),
            text.str.replace("T", " ").str.to_datetime("%Y-%m-%d %H:%M", strict=False),
            pl.when(text.str.len_chars() == 10).then(
                text.str.to_datetime("%Y-%m-%d", strict=False)))
    elif "%z" in fmt:
        return (text.str.to_datetime(fmt, strict=False, time_zone="UTC")
                .dt.replace_time_zone(None))
    else:
        naive = text.str.to_datetime(fmt, strict=False)
    if zone != "UTC":
        ambiguous = ("earliest" if occurrence is None else
                     pl.when(occurrence == 0).then(pl.lit("earliest")).otherwise(pl.lit("latest")))
        naive = (naive.dt.replace_time_zone(zone, ambiguous=ambiguous, non_existent="null")
                 .dt.convert_time_zone("UTC").dt.replace_time_zone(None))
    return pl.when(with_offset).then(aware).otherwise(naive)


def timestamp_text(stamp: Timestamp) -> pl.Expr:
    """The text of a row's time: its column, or its date and time-of-day joined by a space."""
    if stamp.column:
        return pl.col(stamp.column)
    return pl.concat_str([pl.col(stamp.date).str.strip_chars(),
                          pl.col(stamp.time).str.strip_chars()], separator=" ")


def number_expression(column: str, decimal: str, thousands: str | None = None,
                      suffixes: tuple[str, ...] = ()) -> pl.Expr:
    """A text column as numbers, with a decimal comma when the export uses one, a thousands
    separator (only where the digits are grouped by three: "1,234" with ``thousands=","``
    is 1234, but "1,23" is no number rather than 123) and text after the number to drop
    (``suffixes``, e.g. "%")."""
    text = pl.col(column).str.strip_chars()
    for suffix in suffixes:
        text = text.str.strip_suffix(suffix).str.strip_chars()
    if thousands is not None:
        mark = " " if thousands.isspace() else thousands
        if mark == " ":
            text = text.str.replace_all(r"[\s\u00a0\u202f]+", " ")
        grouped = (rf"^[+-]?\d{{1,3}}({re.escape(mark)}\d{{3}})+"
                   rf"({re.escape(decimal)}\d*)?$")
        text = (pl.when(text.str.contains(mark, literal=True))
                .then(pl.when(text.str.contains(grouped))
                      .then(text.str.replace_all(mark, "", literal=True)))
                .otherwise(text))
    if decimal == ",":
        text = text.str.replace_all(r"\s", "").str.replace(",", ".", literal=True)
    return text.cast(pl.Float64, strict=False)


def without_null_markers(frame: pl.DataFrame, markers: tuple[str, ...]) -> pl.DataFrame:
    """Every text column with the export's "no value" markers ("NULL", "N/A", "NIL", "-",
    "#DIV/0!") as nulls, compared after trimming blanks; other columns as they are."""
    if not markers:
        return frame
    return frame.with_columns(
        pl.when(pl.col(c).str.strip_chars().is_in(list(markers))).then(None)
        .otherwise(pl.col(c)).alias(c)
        for c, dtype in frame.schema.items() if dtype == pl.String)


def describe_time(stamp: Timestamp, zone: str) -> str:
    """The expected time, for reasons: e.g. 'timestamp DATE (%d.%m.%Y) + TIME (%H:%M), local
    time in Europe/Dublin'."""
    where = "UTC unless it carries an offset" if zone == "UTC" else (
        f"local time in {zone} unless it carries an offset; a time skipped when clocks go "
        "forward does not exist")
    return f"timestamp: {stamp.describe()}, {where}"


def strip_prefix(column: str, prefix: str) -> pl.Expr:
    return pl.col(column).str.strip_chars().str.strip_prefix(prefix) if prefix else (
        pl.col(column).str.strip_chars())


def looks_like_name(text: str) -> str:
    """A file column as a YAML-friendly mapping name: lower case, words joined by _."""
    return re.sub(r"[^0-9a-z]+", "_", text.lower()).strip("_") or "export"
