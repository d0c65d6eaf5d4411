"""Network KPIs: vendor PM CSV exports, one row per resource per 15 minutes.

Each vendor names and scales the same counters differently; ``kpi_dialects.yaml`` maps every
dialect onto the warehouse's counters (units: Mbit/s, %, ms, seconds), so adding a vendor is a
configuration change. Timestamps become naive UTC whatever zone the file used."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

import pandera.polars as pa
import polars as pl
import yaml

from pipelines.ingest.base import (
    LINE,
    Parsed,
    Reference,
    Source,
    Table,
    UnparseableFileError,
    cast_or_reject,
    original_json,
)
from pipelines.ingest.delimited import read_csv_strings

DIALECTS_FILE = Path(__file__).with_name("kpi_dialects.yaml")
COUNTERS = ("dl_throughput_mbps", "utilisation_pct", "latency_ms", "jitter_ms",
            "packet_loss_pct", "unavailable_s", "access_attempts", "access_successes", "drops",
            "sessions")
_INTEGER_COUNTERS = {"access_attempts", "access_successes", "drops", "sessions"}


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
    unavailable_s: float = pa.Field(nullable=True, ge=0, le=900)
    access_attempts: int = pa.Field(nullable=True, ge=0)
    access_successes: int = pa.Field(nullable=True, ge=0)
    drops: int = pa.Field(nullable=True, ge=0)
    sessions: int = pa.Field(nullable=True, ge=0)


@dataclass(frozen=True)
class Dialect:
    name: str
    timestamp: str
    resource_id: str
    resource_id_prefix: str
    resource_type: str
    counters: dict[str, dict]


@cache
def dialects() -> tuple[Dialect, ...]:
    document = yaml.safe_load(DIALECTS_FILE.read_text(encoding="utf-8"))
    return tuple(Dialect(name=name, **{k: v for k, v in spec.items() if k != "description"})
                 for name, spec in document["dialects"].items())


def detect_dialect(header: list[str], path: Path) -> Dialect:
    for dialect in dialects():
        if dialect.timestamp in header and dialect.resource_id in header:
            return dialect
    known = "; ".join(f"{d.name}: {d.timestamp} + {d.resource_id}" for d in dialects())
    raise UnparseableFileError(
        f"{path}: the header ({', '.join(header[:8])}…) matches no known PM dialect ({known}). "
        f"Add the vendor's mapping to {DIALECTS_FILE.name}")


def parse(path: Path) -> dict[str, Parsed]:
    with path.open("rb") as handle:
        first = handle.read(4096).decode("utf-8-sig", errors="replace").split("\n", 1)[0]
    separator = max((",", ";", "\t", "|"), key=first.count)
    header = [c.strip() for c in first.split(separator)]
    dialect = detect_dialect(header, path)
    raw = read_csv_strings(path, (dialect.timestamp, dialect.resource_id), separator)
    frame = raw.frame
    renames = {dialect.timestamp: "interval_start", dialect.resource_id: "resource_id"}
    if dialect.resource_type in frame.columns:
        renames[dialect.resource_type] = "resource_type"
    columns = {spec["column"]: name for name, spec in dialect.counters.items()}
    ignored = [c for c in frame.columns
               if c != LINE and c not in renames and c not in columns]
    frame = frame.rename({**renames, **{c: n for c, n in columns.items() if c in frame.columns}})
    for counter in COUNTERS:
        if counter not in frame.columns:
            frame = frame.with_columns(pl.lit(None, pl.String).alias(counter))
    if "resource_type" not in frame.columns:
        frame = frame.with_columns(pl.lit(None, pl.String).alias("resource_type"))
    frame = frame.with_columns(
        resource_id=pl.col("resource_id").str.strip_chars()
        .str.strip_prefix(dialect.resource_id_prefix),
        resource_type=pl.col("resource_type").str.to_lowercase(),
        vendor=pl.lit(dialect.name),
    ).select([LINE, "interval_start", "resource_id", "resource_type", "vendor", *COUNTERS])
    notes = (f"dialect {dialect.name}; column(s) not in its mapping, ignored: "
             f"{', '.join(ignored)}",) if ignored else ()
    typed = cast_or_reject(Parsed(frame, raw.rejects, notes),
                           {"interval_start": pl.Datetime("us"),
                            **dict.fromkeys(COUNTERS, pl.Float64)},
                           labels=dict.fromkeys(_INTEGER_COUNTERS, "whole number"))
    return {"stg.kpi_15min": _in_warehouse_units(typed, frame, dialect)}


def _in_warehouse_units(typed: Parsed, text: pl.DataFrame, dialect: Dialect) -> Parsed:
    """Scale each counter as the dialect says (value × scale + offset); counts become whole
    numbers, and a count that cannot be one (infinite, too large) rejects its row."""
    frame = typed.frame.with_columns(
        pl.col(name) * spec.get("scale", 1) + spec.get("offset", 0)
        for name, spec in dialect.counters.items())
    counts = sorted(_INTEGER_COUNTERS)
    unusable = [pl.col(c).is_not_null() & ~(pl.col(c).abs() < 2.0 ** 62) for c in counts]
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


SOURCE = Source(
    name="kpis",
    folder="kpis",
    patterns=("**/*.csv",),
    tables=(Table("stg.kpi_15min", KpiContract, key=("resource_id", "interval_start"),
                  range_column="interval_start",
                  references=(Reference("resource_id", "stg.resources", "resource_id",
                                        "resource"),)),),
    parse=parse,
    description="network PM counters per resource per 15 minutes (vendor CSV dialects)",
)
