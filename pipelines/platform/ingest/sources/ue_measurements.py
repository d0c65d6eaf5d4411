"""UE measurements: per-second logs from phones on a live network, one file per trace (a
session), in the layout of the G-NetTrack Pro exports of the Irish 4G/5G data set (Raca et al.,
"Beyond Throughput, The Next Generation: A 5G Dataset with Channel and Context Metrics", ACM
MMSys 2020). Timestamps are the phone's local time (Europe/Dublin). Rows are staged one-to-one;
``models/experience/sql/measured/`` turns them into sessions and cells scored like the SEI, and
``core.ue_cell_kpi_15min`` into cell × 15-minute KPIs.

**No value.** The app writes ``-`` where it has no value and ``-200`` where a radio reading could
not be taken. Both mean "not measured" (NULL), never a quarantined row and never a value: a
reading of −200 is physically impossible in every radio column (RSRP reaches down to −140 dBm,
RSRQ to about −43 dB, SINR to about −23 dB; CQI is 0–15). In the Irish data set only RSRP
carries it (73 of 188,711 samples); every radio column is treated alike for other exports.

**Context from the path.** The data set files its traces as
``<app>/<Driving|Static>/[<content>/]<trace>.csv`` (``Netflix/Driving/Season3-StrangerThings/
B_2019.11.25_15.34.34.csv``, ``Download/Static/B_2020.02.14_13.21.26.csv``). Where a file's path
has a mobility folder, the folder before it is the app, the folders after it are the content,
and the activity follows from the app (video for streaming apps, download for file downloads);
elsewhere these stay NULL and the trace is just the file name. The trace id keeps that context
(``Netflix/Driving/Season3-StrangerThings/B_2019.11.25_15.34.34``) so that two exports with the
same file name in different folders are two sessions.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandera.polars as pa
import polars as pl

from cxbridge.platform.ingest.base import LINE, Parsed, Source, Table, cast_or_reject
from cxbridge.platform.ingest.delimited import read_csv_strings

LOCAL_ZONE = "Europe/Dublin"
SOURCE_FOLDER = "ue_measurements"   # the raw folder: never taken for an app
NUMERIC = {"Longitude": "longitude", "Latitude": "latitude", "Speed": "speed_kmh",
           "RSRP": "rsrp_dbm", "RSRQ": "rsrq_db", "SNR": "snr_db", "CQI": "cqi",
           "DL_bitrate": "dl_bitrate_kbps", "UL_bitrate": "ul_bitrate_kbps",
           "PINGAVG": "ping_avg_ms", "PINGMIN": "ping_min_ms", "PINGMAX": "ping_max_ms",
           "PINGSTDEV": "ping_stdev_ms", "PINGLOSS": "ping_loss_pct"}
NO_VALUE = "-"
# the app's marker for a radio reading it could not take: missing in these columns
NO_READING = r"^-200(\.0*)?$"
RADIO_COLUMNS = ("RSRP", "RSRQ", "SNR", "CQI", "RSSI", "NRxRSRP", "NRxRSRQ")

# Folder names that say how the phone moved (lower case) → the stored mobility.
MOBILITY_FOLDERS = {"driving": "driving", "car": "driving", "static": "static",
                    "stationary": "static", "walking": "walking", "train": "train",
                    "bus": "bus"}
# App folder names (lower case, without separators) → activity; any other app is unknown.
ACTIVITY_OF_APP = {"netflix": "video", "amazonprime": "video", "primevideo": "video",
                   "youtube": "video", "disneyplus": "video", "video": "video",
                   "download": "download", "filedownload": "download", "ftp": "download",
                   "http": "download", "speedtest": "download"}


class UeMeasurementContract(pa.DataFrameModel):
    """One row per UE measurement sample (about one per second)."""

    measured_at: datetime = pa.Field(nullable=False)
    trace: str = pa.Field(nullable=False)
    sample_line: int = pa.Field(nullable=False, ge=1)   # line in the file: the sample order
    app: str = pa.Field(nullable=True)
    activity: str = pa.Field(nullable=True, isin=["video", "download"])
    mobility: str = pa.Field(nullable=True, isin=sorted(set(MOBILITY_FOLDERS.values())))
    content: str = pa.Field(nullable=True)
    operator: str = pa.Field(nullable=True)
    cell_id: str = pa.Field(nullable=False)
    network_mode: str = pa.Field(nullable=True)
    state: str = pa.Field(nullable=True)
    longitude: float = pa.Field(nullable=True, ge=-180, le=180)
    latitude: float = pa.Field(nullable=True, ge=-90, le=90)
    speed_kmh: float = pa.Field(nullable=True, ge=0, le=400)
    rsrp_dbm: float = pa.Field(nullable=True, ge=-160, le=-20)
    rsrq_db: float = pa.Field(nullable=True, ge=-45, le=20)
    snr_db: float = pa.Field(nullable=True, ge=-30, le=60)
    cqi: float = pa.Field(nullable=True, ge=0, le=15)
    dl_bitrate_kbps: float = pa.Field(nullable=True, ge=0)
    ul_bitrate_kbps: float = pa.Field(nullable=True, ge=0)
    ping_avg_ms: float = pa.Field(nullable=True, ge=0)
    ping_min_ms: float = pa.Field(nullable=True, ge=0)
    ping_max_ms: float = pa.Field(nullable=True, ge=0)
    ping_stdev_ms: float = pa.Field(nullable=True, ge=0)
    ping_loss_pct: float = pa.Field(nullable=True, ge=0, le=100)


def trace_context(path: Path) -> dict[str, str | None]:
    """The session's context from where its file sits: ``trace`` (the id), ``app``,
    ``activity``, ``mobility`` and ``content`` (NULL where the path does not say)."""
    parts = path.with_suffix("").parts
    at = next((i for i in range(len(parts) - 2, 0, -1)
               if parts[i].lower() in MOBILITY_FOLDERS), None)
    if at is None:
        return {"trace": path.stem, "app": None, "activity": None, "mobility": None,
                "content": None}
    app = parts[at - 1] if parts[at - 1] != SOURCE_FOLDER else None
    content = "/".join(parts[at + 1:-1]) or None
    key = "".join(ch for ch in (app or "").lower() if ch.isalnum())
    return {"trace": "/".join(parts[at - (app is not None):]), "app": app,
            "activity": ACTIVITY_OF_APP.get(key), "mobility": MOBILITY_FOLDERS[parts[at].lower()],
            "content": content}


def _missing_as_null(frame: pl.DataFrame) -> pl.DataFrame:
    """``-`` anywhere and ``-200`` in the radio columns become NULL (not measured)."""
    return frame.with_columns(
        *(pl.col(c).replace(NO_VALUE, None) for c in frame.columns
          if c != LINE and c not in RADIO_COLUMNS),
        *(pl.when((pl.col(c).str.strip_chars() == NO_VALUE)
                  | pl.col(c).str.strip_chars().str.contains(NO_READING))
          .then(None).otherwise(pl.col(c)).alias(c)
          for c in RADIO_COLUMNS if c in frame.columns))


def _text(frame: pl.DataFrame, column: str, name: str) -> pl.Expr:
    return pl.col(column).alias(name) if column in frame.columns \
        else pl.lit(None, pl.String).alias(name)


def parse(path: Path) -> dict[str, Parsed]:
    raw = read_csv_strings(path, ("Timestamp", "CellID", "DL_bitrate"))
    frame = _missing_as_null(raw.frame)
    context = trace_context(path)
    cell = pl.coalesce(pl.col("RAWCELLID") if "RAWCELLID" in frame.columns else None,
                       pl.concat_str([pl.col("NODEHEX"), pl.col("CELLHEX")], separator="-")
                       if "NODEHEX" in frame.columns else pl.col("CellID"))
    frame = frame.select(
        pl.col(LINE), pl.col("Timestamp").alias("measured_at"),
        pl.lit(context["trace"]).alias("trace"),
        pl.col(LINE).cast(pl.Int64).alias("sample_line"),
        *(pl.lit(context[c], pl.String).alias(c)
          for c in ("app", "activity", "mobility", "content")),
        _text(frame, "Operatorname", "operator"),
        pl.concat_str([pl.lit("ECI-"), cell]).alias("cell_id"),
        _text(frame, "NetworkMode", "network_mode"),
        _text(frame, "State", "state"),
        *(_text(frame, src, dst) for src, dst in NUMERIC.items()),
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
    folder=SOURCE_FOLDER,
    patterns=("**/*.csv",),
    tables=(Table("stg.ue_measurements", UeMeasurementContract),),
    parse=parse,
    description="per-second UE measurement logs (Irish 4G/5G data set layout: "
                "<app>/<Driving|Static>/[<content>/]<trace>.csv)",
)
