"""Usage: xDR aggregates per service per day (per serving cell for mobile), Parquet."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandera.polars as pa
import polars as pl

from cxbridge.platform.ingest.base import (
    LINE,
    Parsed,
    Reference,
    Source,
    Table,
    UnparseableFileError,
    typed_columns,
)

COUNTS = ("sessions", "session_failures", "video_stall_count")
AMOUNTS = ("data_volume_mb", "voice_minutes", "video_stall_seconds")


class UsageContract(pa.DataFrameModel):
    """One row per service per day (per cell for mobile services)."""

    date: date = pa.Field(nullable=False)
    service_id: str = pa.Field(nullable=False)
    cell_id: str = pa.Field(nullable=True)
    data_volume_mb: float = pa.Field(nullable=True, ge=0)
    voice_minutes: float = pa.Field(nullable=True, ge=0)
    sessions: int = pa.Field(nullable=True, ge=0)
    session_failures: int = pa.Field(nullable=True, ge=0)
    video_stall_count: int = pa.Field(nullable=True, ge=0)
    video_stall_seconds: float = pa.Field(nullable=True, ge=0)


def parse(path: Path) -> dict[str, Parsed]:
    try:
        frame = pl.read_parquet(path)
    except Exception as exc:  # polars raises several kinds for a damaged file
        raise UnparseableFileError(f"{path} is not a readable Parquet file: {exc}") from exc
    missing = [c for c in ("date", "service_id") if c not in frame.columns]
    if missing:
        raise UnparseableFileError(f"{path}: missing required column(s) {', '.join(missing)}")
    for column in ("cell_id", *COUNTS, *AMOUNTS):
        if column not in frame.columns:
            frame = frame.with_columns(pl.lit(None).alias(column))
    frame = frame.with_row_index(LINE, offset=1).with_columns(pl.col(LINE).cast(pl.Int64))
    frame = frame.select([LINE, *UsageContract.to_schema().columns])
    # each column as the contract types it; a value of another type (text in ``date`` or
    # ``sessions``, a fraction of a session) rejects its row, as in a CSV file
    return {"stg.usage": typed_columns(Parsed(frame), _TYPES)}


_TYPES = {"date": pl.Date, "service_id": pl.String, "cell_id": pl.String,
          **dict.fromkeys(COUNTS, pl.Int64), **dict.fromkeys(AMOUNTS, pl.Float64)}


SOURCE = Source(
    name="usage",
    folder="usage",
    patterns=("*.parquet",),
    tables=(Table("stg.usage", UsageContract, key=("date", "service_id", "cell_id"),
                  range_column="date",
                  references=(Reference("service_id", "stg.services", "service_id", "service"),
                              Reference("cell_id", "stg.resources", "resource_id", "cell"))),),
    parse=parse,
    description="usage per service per day (xDR aggregates, Parquet)",
)
