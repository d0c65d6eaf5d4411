"""Network KPIs: vendor PM CSV exports, one row per resource per 15 minutes.

Each vendor names, lays out and scales the same counters differently. A dialect's mapping file
(:mod:`cxbridge.platform.ingest.mappings`: the built-in vendors A and B, or a user's own under the
mappings folder) says which columns hold the time, the object and each warehouse counter
(units: Mbit/s, %, ms, seconds, counts), so onboarding a vendor is one YAML file, no code.
Timestamps become naive UTC whatever zone the file used. A counter the dialect does not carry
stays NULL ("not measured"), never 0. Numeric columns the dialect does not name are kept as
extra counters (``extra_counters``, a JSON object per row; ``stg.kpi_extra`` lists them long)
rather than dropped."""

from __future__ import annotations

import re
from dataclasses import dataclass
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
    original_json,
)
from cxbridge.platform.ingest.delimited import read_csv_strings
from cxbridge.platform.ingest.mapped_values import (
    describe_time,
    number_expression,
    strip_prefix,
    timestamp_text,
    utc_expression,
    without_null_markers,
)
from cxbridge.platform.ingest.mappings import (
    INTERVAL_MINUTES,
    PM_COUNTERS,
    Counter,
    Mappings,
    PmDialect,
    builtin_mappings,
    choose_mapping,
    timestamp_format,
)

COUNTERS = tuple(PM_COUNTERS)
_INTEGER_COUNTERS = {"access_attempts", "access_successes", "drops", "sessions"}
# events counted in an interval: a fraction of one (ACC_ATT = 1.5) is a broken value, never
# rounded. (``sessions`` is not among them: vendors export it as the interval's mean number of
# active users, "Avg act UEs DL", RRC.ConnMean, and it is rounded to the nearest whole.)
_EVENT_COUNTS = ("access_attempts", "access_successes", "drops")


class KpiContract(pa.DataFrameModel):
    """One row per resource per 15-minute interval (start, UTC)."""

    interval_start: datetime = pa.Field(nullable=False)
    resource_id: str = pa.Field(nullable=False, str_length={"min_value": 1})
    resource_type: str = pa.Field(nullable=True)
    vendor: str = pa.Field(nullable=False)
    dl_throughput_mbps: float = pa.Field(nullable=True, ge=0, le=100_000)
    utilisation_pct: float = pa.Field(nullable=True, ge=0, le=100)
    latency_ms: float = pa.Field(nullable=True, ge=0, le=60_000)
    jitter_ms: float = pa.Field(nullable=True, ge=0, le=60_000)
    packet_loss_pct: float = pa.Field(nullable=True, ge=0, le=100)
    unavailable_s: float = pa.Field(nullable=True, ge=0, le=3600)  # of the row's interval
    access_attempts: int = pa.Field(nullable=True, ge=0)
    access_successes: int = pa.Field(nullable=True, ge=0)
    drops: int = pa.Field(nullable=True, ge=0)
    sessions: int = pa.Field(nullable=True, ge=0)
    # counters the dialect does not map, as they came: {"file column": value, …}
    extra_counters: str = pa.Field(nullable=True)
    # minutes the row measures from interval_start (an hourly export's rows: 60); NULL is 15
    interval_minutes: int = pa.Field(nullable=True, isin=list(INTERVAL_MINUTES))


@dataclass(frozen=True)
class ColumnPlan:
    """What to read from one file: the dialect, the mapped counters present, the columns
    kept as extras, and what the file note says."""

    dialect: PmDialect
    counters: dict[str, str]   # warehouse counter → file column (present in the file)
    extras: tuple[str, ...]
    ignored: tuple[str, ...]
    absent: tuple[str, ...]    # mapped columns the file lacks
    notes: tuple[str, ...]


def parse(path: Path, mappings: Mappings | None = None) -> dict[str, Parsed]:
    """One PM export as rows of ``stg.kpi_15min`` (and rejects, with reasons), in the dialect
    its header matches."""
    match = choose_mapping(path, mappings or builtin_mappings(), "kpis")
    spec = match.mapping
    required = tuple(dict.fromkeys((*spec.layout.match, *spec.timestamp.columns,
                                    spec.resource_id.column)))
    layout = spec.layout
    raw = read_csv_strings(path, required, match.separator, layout.header_row,
                           layout.units_rows, layout.footer_rows)
    return {"stg.kpi_15min": to_kpi_rows(raw, spec)}


def to_kpi_rows(raw: Parsed, dialect: PmDialect) -> Parsed:
    """Text rows of a PM export in ``dialect`` as typed warehouse rows (pure)."""
    text = without_null_markers(raw.frame, dialect.layout.null_values)
    plan = plan_columns(text, dialect)
    frame = text.select(
        pl.col(LINE),
        timestamp_text(dialect.timestamp).alias("interval_start"),
        _resource_id(dialect).alias("resource_id"),
        _resource_type(text, dialect).alias("resource_type"),
        pl.lit(dialect.vendor).alias("vendor"),
        *(pl.col(plan.counters[c]).alias(c) if c in plan.counters
          else pl.lit(None, pl.String).alias(c) for c in COUNTERS),
        _extras_json(plan.extras, dialect).alias("extra_counters"),
        (pl.col(dialect.interval_column) if dialect.interval_column
         else pl.lit(str(dialect.interval_minutes))).alias("interval_minutes"),
        *(pl.col(column).alias(part) for part, column in _parts(dialect, plan).items()),
    )
    parts = _parts(dialect, plan)
    typed = cast_or_reject(
        Parsed(frame, raw.rejects, (*raw.notes, *plan.notes)),
        {"interval_start": pl.Datetime("us"), **dict.fromkeys((*COUNTERS, *parts), pl.Float64),
         "interval_minutes": pl.Int64},
        converters=_converters(dialect, plan),
        labels={"interval_start": describe_time(dialect.timestamp, dialect.time_zone),
                "interval_minutes": "number of minutes (15, 30 or 60)",
                **{c: f"{'whole number' if c in _INTEGER_COUNTERS else 'number'} (column "
                      f"{plan.counters[c]})" for c in plan.counters},
                **{part: f"number (column {column})" for part, column in parts.items()}})
    return _off_the_grid(_in_warehouse_units(typed, frame, dialect), frame)


_FINER = ("rows finer than 15 minutes (5-minute rows, say) are not read: aggregate them to 15, "
          "30 or 60 minutes first, or correct interval_minutes in the mapping")


def _off_the_grid(parsed: Parsed, text: pl.DataFrame) -> Parsed:
    """Rows that cannot measure the interval they would be stored as: a start off the quarter
    hour (10:20, or 10:14:59 for 10:15), or an object's rows closer together than each says it
    measures (5-minute rows read as 15-minute ones would count every minute three times in the
    hourly roll-up). Each is quarantined with its time and what to do, never loaded as if it were a
    15-minute row."""
    frame = parsed.frame
    if frame.is_empty():
        return parsed
    start = pl.col("interval_start")
    minutes = pl.col("interval_minutes").fill_null(15)
    # cheap first: rows off the quarter hour, and objects with more rows than their span holds
    # at the minutes each row claims; only those objects' rows are ordered and compared
    span = frame.group_by("resource_id").agg(
        rows=pl.len(), fits=((start.max() - start.min()).dt.total_minutes()
                                     / minutes.min()).floor() + 1)
    crowded = span.filter(pl.col("rows") > pl.col("fits"))["resource_id"]
    off_quarter = frame.select(start.dt.minute() % 15 != 0).to_series().fill_null(False)
    suspects = pl.concat([crowded, frame["resource_id"].filter(off_quarter)]).unique()
    if suspects.is_empty():
        return parsed
    ordered = frame.filter(pl.col("resource_id").is_in(suspects.implode())
                           ).select(LINE, "resource_id", "interval_start",
                                    minutes.alias("__minutes")).sort("resource_id",
                                                                     "interval_start")
    gap = (start.diff().over("resource_id").dt.total_seconds() / 60)
    ordered = ordered.with_columns(
        __previous=start.shift(1).over("resource_id"),
        __gap_before=gap,
        __gap_after=gap.shift(-1).over("resource_id"),
        __minutes_before=pl.col("__minutes").shift(1).over("resource_id"))
    # (seconds are left alone: a stamp a fraction of a second late is still its interval)
    off_grid = start.dt.minute() % 15 != 0
    # (a gap of 0 is the same interval twice: the duplicate check names that)
    close_before = (pl.col("__gap_before") > 0) & (pl.col("__gap_before")
                                                    < pl.col("__minutes_before"))
    close_after = (pl.col("__gap_after") > 0) & (pl.col("__gap_after") < pl.col("__minutes"))
    bad = ordered.filter(off_grid | close_before.fill_null(False)
                         | close_after.fill_null(False))
    if bad.is_empty():
        return parsed
    when = start.dt.strftime("%Y-%m-%d %H:%M:%S")
    gaps = pl.coalesce(pl.when(close_before.fill_null(False)).then(pl.col("__gap_before")),
                       pl.col("__gap_after"))
    reasons = bad.with_columns(pl.concat_str([
        pl.when(off_grid).then(pl.format(
            "interval_start {} UTC is not on a quarter hour (:00, :15, :30, :45)", when)),
        pl.when(close_before.fill_null(False) | close_after.fill_null(False)).then(pl.format(
            "the rows of {} are {} minutes apart (this one at {} UTC) but each is read as "
            "measuring {} minutes", pl.col("resource_id"),
            pl.when(gaps == gaps.round(0)).then(gaps.cast(pl.Int64).cast(pl.String))
            .otherwise(gaps.round(2).cast(pl.String)), when,
            pl.col("__minutes"))),
        pl.lit(_FINER)], separator="; ", ignore_nulls=True).alias("reason"))
    rejects = reasons.select(LINE, "reason").join(
        text.select(LINE, original_json(text).alias("original")), on=LINE)
    keep = ~pl.col(LINE).is_in(bad[LINE].implode())
    return Parsed(frame.filter(keep), pl.concat([parsed.rejects, rejects.select(
        pl.col(LINE).cast(pl.Int64), "reason", "original")]), parsed.notes)


_PER = "__per_"  # the denominator of a counter mapped as a ratio of two columns
_PLUS, _MINUS = "__plus_", "__minus_"  # columns added to / taken from a counter's column


def _parts(dialect: PmDialect, plan: ColumnPlan) -> dict[str, str]:
    """The further columns of the mapped counters present in the file (added, subtracted,
    divided by), each under a working name → its file column."""
    parts = {}
    for name in plan.counters:
        spec = dialect.counters[name]
        parts.update({f"{_PLUS}{i}_{name}": c for i, c in enumerate(spec.plus)})
        parts.update({f"{_MINUS}{i}_{name}": c for i, c in enumerate(spec.minus)})
        if spec.per:
            parts[_PER + name] = spec.per
    return parts


def _resource_id(dialect: PmDialect) -> pl.Expr:
    """The measured object's id: its column, less a prefix, or the first group of a pattern
    (e.g. the cell name inside "eNodeB Function Name=…, Cell Name=ABC"), or all its groups
    joined (``join``: "gNB0301" and "1" of "ManagedElement=gNB0301,…,NRCellDU=1")."""
    spec = dialect.resource_id
    if spec.pattern and spec.join is not None:
        groups = pl.col(spec.column).str.extract_groups(spec.pattern)
        count = re.compile(spec.pattern).groups
        return pl.concat_str([groups.struct[i].str.strip_chars() for i in range(count)],
                             separator=spec.join)
    if spec.pattern:
        return pl.col(spec.column).str.extract(spec.pattern, 1).str.strip_chars()
    return strip_prefix(spec.column, spec.prefix)


def plan_columns(text: pl.DataFrame, dialect: PmDialect) -> ColumnPlan:
    """Which of a file's columns feed which counter, which are kept as extras, which are
    ignored, and the file note saying so."""
    columns = [c for c in text.columns if c != LINE]
    counters = {name: c.column for name, c in dialect.counters.items()
                if all(col in columns for col in c.columns)}
    absent = sorted({col for name, c in dialect.counters.items() if name not in counters
                     for col in c.columns if col not in columns})
    used = {*dialect.key_columns,
            *(col for name in counters for col in dialect.counters[name].columns)}
    others = [c for c in columns if c not in used]
    numeric = [c for c in others if _is_numeric(text[c], dialect)]
    extras = tuple(numeric) if dialect.keep_extras else ()
    notes = [f"dialect {dialect.name} ({dialect.origin.name})"]
    if extras:
        notes.append(f"extra counters kept: {', '.join(extras)}")
    dropped = [c for c in others if c not in extras]
    if dropped:
        why = "not numeric" if dialect.keep_extras else "extra_counters: drop"
        notes.append(f"column(s) not in its mapping, ignored ({why}): {', '.join(dropped)}")
    if absent:
        notes.append(f"mapped column(s) absent from the file, not measured: {', '.join(absent)}")
    return ColumnPlan(dialect, counters, extras, tuple(dropped), tuple(absent),
                      ("; ".join(notes),))


def _is_numeric(values: pl.Series, dialect: PmDialect) -> bool:
    """At least 90 % of the present values of a text column read as numbers (and there is
    one): a column of counts with a stray 'n/a' is still a counter (that value is left out)."""
    present = values.drop_nulls().str.strip_chars()
    present = present.filter(present != "")
    if present.is_empty():
        return False
    numbers = present.to_frame("v").select(_number(dialect, "v")).to_series()
    return numbers.null_count() <= 0.1 * present.len()


def _resource_type(text: pl.DataFrame, dialect: PmDialect) -> pl.Expr:
    spec = dialect.resource_type
    if spec.value is not None:
        return pl.lit(spec.value.lower())
    if spec.column and spec.column in text.columns:
        return pl.col(spec.column).str.strip_chars().str.to_lowercase()
    return pl.lit(None, pl.String)


def _number(dialect: PmDialect, column: str) -> pl.Expr:
    """A text column as numbers, written the dialect's way (decimal mark, thousands,
    suffixes)."""
    layout = dialect.layout
    return number_expression(column, layout.decimal, layout.thousands, layout.value_suffixes)


def _extras_json(columns: tuple[str, ...], dialect: PmDialect) -> pl.Expr:
    """The extra counters of a row as one JSON object (null when there are none)."""
    if not columns:
        return pl.lit(None, pl.String)
    values = [_number(dialect, c).alias(c) for c in columns]
    return pl.when(pl.any_horizontal(v.is_not_null() for v in values)).then(
        pl.struct(values).struct.json_encode())


def _converters(dialect: PmDialect, plan: ColumnPlan) -> dict[str, pl.Expr]:
    """Typing that needs more than a cast: a timestamp format or local zone, decimal commas."""
    converters = {}
    fmt = timestamp_format(dialect.timestamp)
    if fmt is not None or dialect.time_zone != "UTC":
        # the first time an object's local time appears is the earlier of a repeated hour
        occurrence = pl.int_range(pl.len()).over("resource_id", "interval_start")
        converters["interval_start"] = utc_expression(
            pl.col("interval_start"), fmt, dialect.time_zone, occurrence)
    layout = dialect.layout
    if layout.decimal == "," or layout.thousands is not None or layout.value_suffixes:
        converters.update({c: _number(dialect, c)
                           for c in (*plan.counters, *_parts(dialect, plan))})
    return converters


def _in_warehouse_units(typed: Parsed, text: pl.DataFrame, dialect: PmDialect) -> Parsed:
    """Scale each counter as the dialect says (value × scale + offset); counts become whole
    numbers, and a count that is not one (1.5 attempts; infinite, too large) rejects its row,
    never rounded."""
    present = typed.frame.columns
    frame = typed.frame.with_columns(
        _counter_value(name, spec, present) for name, spec in dialect.counters.items()
    ).drop(c for c in present if c.startswith((_PER, _PLUS, _MINUS)))
    counts = sorted(_INTEGER_COUNTERS)
    # (a count scaled by the mapping may carry a float's rounding error: 1e-9 of it is whole)
    unusable = [pl.col(c).is_not_null() & ~((pl.col(c).abs() < 2.0 ** 53) & (
        (pl.col(c) - pl.col(c).round(0)).abs() <= 1e-9 * pl.max_horizontal(pl.col(c).abs(), 1)
        if c in _EVENT_COUNTS else pl.col(c).abs() < 2.0 ** 53)) for c in counts]
    bad_lines = frame.filter(pl.any_horizontal(unusable))[LINE]
    rejects = typed.rejects
    if bad_lines.len():
        bad = text.filter(pl.col(LINE).is_in(bad_lines.implode()))
        problems = [pl.when(u).then(pl.format("{} = '{}' is not a valid whole number",
                                              pl.lit(c), pl.col(f"__text_{c}")))
                    for c, u in zip(counts, unusable, strict=True)]
        bad = frame.join(bad.select(LINE, *(pl.col(c).alias(f"__text_{c}") for c in counts)),
                         on=LINE).rechunk().select(LINE, pl.concat_str(
                             problems, separator="; ", ignore_nulls=True).alias("reason"))
        rejects = pl.concat([rejects, bad.join(text.select(LINE, original_json(text)
                                                           .alias("original")), on=LINE)])
        frame = frame.filter(~pl.col(LINE).is_in(bad_lines.implode()))
    frame = frame.with_columns(pl.col(c).round(0).cast(pl.Int64) for c in counts)
    return Parsed(frame, rejects, typed.notes)


def _counter_value(name: str, spec: Counter, present: list[str]) -> pl.Expr:
    """One counter in warehouse units: (column + plus − minus) [÷ per] × scale + offset, a
    missing plus or minus column counting as 0; a percentage of the row's interval as
    seconds (``of_interval``)."""
    value = pl.col(name)
    for i in range(len(spec.plus)):
        if f"{_PLUS}{i}_{name}" in present:
            value = value + pl.col(f"{_PLUS}{i}_{name}").fill_null(0)
    for i in range(len(spec.minus)):
        if f"{_MINUS}{i}_{name}" in present:
            value = value - pl.col(f"{_MINUS}{i}_{name}").fill_null(0)
    if spec.per and _PER + name in present:
        value = value / pl.when(pl.col(_PER + name) != 0).then(pl.col(_PER + name))
    value = value * spec.scale + spec.offset
    if spec.of_interval:
        seconds = pl.col("interval_minutes").fill_null(15) * 60
        share = (100 - value) if spec.of_interval == "available_pct" else value
        value = share / 100 * seconds
    return value.alias(name)


SOURCE = Source(
    name="kpis",
    folder="kpis",
    patterns=("**/*.csv", "**/*.tsv"),
    tables=(Table("stg.kpi_15min", KpiContract, key=("resource_id", "interval_start"),
                  range_column="interval_start",
                  references=(Reference("resource_id", "stg.resources", "resource_id",
                                        "resource"),)),),
    parse=parse,
    description="network PM counters per resource per 15 minutes (vendor CSV dialects, "
                "declared in mapping files)",
)
