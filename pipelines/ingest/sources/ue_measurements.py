"""UE measurements: per-second logs from phones on a live network (the Irish 4G/5G data set of
Raca et al., MMSys 2020), one file per trace. ``-`` marks a missing value; timestamps are the
phone's local time (Europe/Dublin). Rows are staged one-to-one; the cell × 15-minute KPIs are
aggregated across all traces by the SQL model ``core.ue_cell_kpi_15min``."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandera.polars as pa
import polars as pl

from pipelines.ingest.base import LINE, Parsed, Source, Table, cast_or_reject
from pipelines.ingest.delimited import read_csv_strings

LOCAL_ZONE = "Europe/Dublin"
NUMERIC = {"Longitude": "longitude", "Latitude": "latitude", "Speed": "speed_kmh",
           "RSRP": "rsrp_dbm", "RSRQ": "rsrq_db", "SNR": "snr_db", "CQI": "cqi",
           "DL_bitrate": "dl_bitrate_kbps", "UL_bitrate": "ul_bitrate_kbps",
           "PINGAVG": "ping_avg_ms", "PINGMIN": "ping_min_ms", "PINGMAX": "ping_max_ms",
           "PINGSTDEV": "ping_stdev_ms", "PINGLOSS": "ping_loss_pct"}


class UeMeasurementContract(pa.DataFrameModel):
    """One row per UE measurement sample (about one per second)."""

    measured_at: datetime = pa.Field(nullable=False)
    trace: str = pa.Field(nullable=False)
    operator: str = pa.Field(nullable=True)
    cell_id: str = pa.Field(nullable=False)
    network_mode: str = pa.Field(nullable=True)
    state: str = pa.Field(nullable=True)
    longitude: float = pa.Field(nullable=True, ge=-180, le=180)
    latitude: float = pa.Field(nullable=True, ge=-90, le=90)
    speed_kmh: float = pa.Field(nullable=True, ge=0, le=400)
    rsrp_dbm: float = pa.Field(nullable=True, ge=-160, le=-20)
    rsrq_db: float = pa.Field(nullable=True, ge=-40, le=10)
    snr_db: float = pa.Field(nullable=True, ge=-30, le=60)
    cqi: float = pa.Field(nullable=True, ge=0, le=15)
    dl_bitrate_kbps: float = pa.Field(nullable=True, ge=0)
    ul_bitrate_kbps: float = pa.Field(nullable=True, ge=0)
    ping_avg_ms: float = pa.Field(nullable=True, ge=0)
    ping_min_ms: float = pa.Field(nullable=True, ge=0)
    ping_max_ms: float = pa.Field(nullable=True, ge=0)
    ping_stdev_ms: float = pa.Field(nullable=True, ge=0)
    ping_loss_pct: float = pa.Field(nullable=True, ge=0, le=100)


def parse(path: Path) -> dict[str, Parsed]:
    raw = read_csv_strings(path, ("Timestamp", "CellID", "DL_bitrate"))
    frame = raw.frame.with_columns(
        pl.col(c).replace("-", None) for c in raw.frame.columns if c != LINE)
    cell = pl.coalesce(pl.col("RAWCELLID") if "RAWCELLID" in frame.columns else None,
                       pl.concat_str([pl.col("NODEHEX"), pl.col("CELLHEX")], separator="-")
                       if "NODEHEX" in frame.columns else pl.col("CellID"))
    frame = frame.select(
        pl.col(LINE), pl.col("Timestamp").alias("measured_at"),
        pl.lit(path.stem).alias("trace"),
        pl.col("Operatorname").alias("operator") if "Operatorname" in frame.columns
        else pl.lit(None, pl.String).alias("operator"),
        pl.concat_str([pl.lit("ECI-"), cell]).alias("cell_id"),
        pl.col("NetworkMode").alias("network_mode") if "NetworkMode" in frame.columns
        else pl.lit(None, pl.String).alias("network_mode"),
        pl.col("State").alias("state") if "State" in frame.columns
        else pl.lit(None, pl.String).alias("state"),
        *(pl.col(src).alias(dst) if src in frame.columns else pl.lit(None, pl.String).alias(dst)
          for src, dst in NUMERIC.items()),
    )
    typed = cast_or_reject(Parsed(frame, raw.rejects),
                           {"measured_at": pl.Datetime("us"),
                            **dict.fromkeys(NUMERIC.values(), pl.Float64)},
                           {"measured_at": _utc_from_local("measured_at")})
    return {"stg.ue_measurements": typed}


def _utc_from_local(column: str) -> pl.Expr:
    """``YYYY.MM.DD_HH.MM.SS`` phone-local time to naive UTC; the ambiguous hour at the end of
    summer time is taken as its first occurrence."""
    local = pl.col(column).str.strip_chars().str.to_datetime("%Y.%m.%d_%H.%M.%S", strict=False)
    return (local.dt.replace_time_zone(LOCAL_ZONE, ambiguous="earliest", non_existent="null")
            .dt.convert_time_zone("UTC").dt.replace_time_zone(None))


SOURCE = Source(
    name="ue-measurements",
    folder="ue_measurements",
    patterns=("**/*.csv",),
    tables=(Table("stg.ue_measurements", UeMeasurementContract),),
    parse=parse,
    description="per-second UE measurement logs (Irish 4G/5G data set layout)",
)
