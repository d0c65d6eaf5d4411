"""The vendor PM dialects of the same 15-minute counters.

Vendor A: comma-separated, ISO 8601 UTC with ``Z``, one file per UTC day, Mbit/s, %, ms, seconds
of unavailability. Vendor B: semicolon-separated, Europe/Dublin local time with its offset, one
file per local day (92, 96 or 100 intervals), ``NE=`` distinguished names, upper-case object
types, kbit/s, per-mille load, microseconds, loss as a 0–1 ratio, availability in %. B's values
are converted from A's exact values, so the two never disagree by more than rounding.

Vendor C (written only when asked) is a RAN export of the kind real element managers produce:
semicolon-separated with decimal commas, separate ``DATE`` (``25.10.2026``) and ``TIME``
(``01:45``) columns in naive Europe/Dublin local time (the repeated hour of the change to winter
time appears twice, earliest first, as rows are in time order), RAN counter names (PRB
utilisation, average active UEs, RRC set-ups, E-RAB drops, throughput in kbit/s), counters the
warehouse does not know (uplink throughput, average CQI, peak RRC connections) and none for
packet loss or jitter. Its values are the world's values: the extras are derived from them.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from .clock import INTERVAL_S, Clock

A_COLUMNS = ("START_TIME", "MO_ID", "MO_CLASS", "DL_THP_MBPS", "UTIL_PCT", "LAT_MS",
             "JITTER_MS", "PKT_LOSS_PCT", "UNAVAIL_S", "ACC_ATT", "ACC_SUCC", "DROPS", "SESSIONS")
B_COLUMNS = ("PERIOD_START_TIME", "DN", "OBJ_TYPE", "THRPUT_DL_KBPS", "LOAD_PERMILLE",
             "AVG_RTT_US", "JITTER_US", "LOSS_RATIO", "AVAIL_PCT", "SETUP_ATT", "SETUP_SUCC",
             "ABN_REL", "ACTIVE_SESS")
C_COLUMNS = ("DATE", "TIME", "CELL_NAME", "PRB_UTIL_DL_PCT", "ACTIVE_UE_AVG", "RRC_CONN_MAX",
             "DL_THP_KBPS", "UL_THP_KBPS", "PDCP_LAT_DL_MS", "RRC_SETUP_ATT", "RRC_SETUP_SUCC",
             "ERAB_DROPS", "CELL_AVAIL_PCT", "CQI_AVG")
C_DATE_FORMAT, C_TIME_FORMAT = "%d.%m.%Y", "%H:%M"
UPLINK_SHARE = 0.18  # uplink over downlink throughput per user, typical of a busy LTE cell
CELL_PEAK_RATE_MBPS = 45.0  # the cell's per-user rate at top CQI (kpis.MODELS["cell"])


def _labels(frame: pl.DataFrame, mapping: dict[int, str]) -> pl.Expr:
    return pl.col("t_s").replace_strict(mapping, return_dtype=pl.String)


def vendor_a(frame: pl.DataFrame, ids: pl.Series, types: pl.Series, clock: Clock) -> pl.DataFrame:
    """Canonical counter rows (res, t_s, counters) in dialect A."""
    times = frame["t_s"].unique().sort().to_list()
    mapping = {t: clock.iso(t) for t in times}
    return frame.select(
        START_TIME=_labels(frame, mapping),
        MO_ID=ids.gather(frame["res"]), MO_CLASS=types.gather(frame["res"]),
        DL_THP_MBPS="dl_thp_mbps", UTIL_PCT="util_pct", LAT_MS="lat_ms", JITTER_MS="jitter_ms",
        PKT_LOSS_PCT="loss_pct", UNAVAIL_S="unavail_s", ACC_ATT="acc_att", ACC_SUCC="acc_succ",
        DROPS="drops", SESSIONS="sessions")


def vendor_b(frame: pl.DataFrame, ids: pl.Series, types: pl.Series, clock: Clock) -> pl.DataFrame:
    """Canonical counter rows in dialect B (local time with offset, converted units)."""
    times = frame["t_s"].unique().sort().to_list()
    mapping = dict(zip(times, clock.local_labels(times), strict=True))
    as_int = pl.Int64
    return frame.select(
        PERIOD_START_TIME=_labels(frame, mapping),
        DN=pl.concat_str(pl.lit("NE="), ids.gather(frame["res"])),
        OBJ_TYPE=types.gather(frame["res"]).str.to_uppercase(),
        THRPUT_DL_KBPS=(pl.col("dl_thp_mbps") * 1000).round(0).cast(as_int),
        LOAD_PERMILLE=(pl.col("util_pct") * 10).round(0).cast(as_int),
        AVG_RTT_US=(pl.col("lat_ms") * 1000).round(0).cast(as_int),
        JITTER_US=(pl.col("jitter_ms") * 1000).round(0).cast(as_int),
        LOSS_RATIO=(pl.col("loss_pct") / 100).round(6),
        AVAIL_PCT=(100 * (1 - pl.col("unavail_s") / INTERVAL_S)).round(2),
        SETUP_ATT="acc_att", SETUP_SUCC="acc_succ", ABN_REL="drops", ACTIVE_SESS="sessions")


def vendor_c(frame: pl.DataFrame, ids: pl.Series, clock: Clock,
             rng: np.random.Generator) -> pl.DataFrame:
    """Canonical cell counter rows in dialect C (naive local date and time, RAN names).

    ``rng`` draws only the extras' own variation (uplink share, average-UE fraction, peak
    connections, CQI noise); the counters the warehouse knows are the world's values, converted.
    Average active UEs carry a fraction that rounds back to the world's session count."""
    times = frame["t_s"].unique().sort().to_list()
    local = clock.local_times(np.asarray(times))
    dates = dict(zip(times, (t.strftime(C_DATE_FORMAT) for t in local), strict=True))
    clocks = dict(zip(times, (t.strftime(C_TIME_FORMAT) for t in local), strict=True))
    n = frame.height
    sessions = pl.col("sessions").cast(pl.Float64)
    fraction = pl.Series(rng.uniform(-0.4, 0.4, n))
    uplink = pl.Series(UPLINK_SHARE * rng.lognormal(0, 0.15, n))
    peak = pl.Series(1.2 + 0.6 * rng.random(n))
    cqi_noise = pl.Series(rng.normal(0, 0.4, n))
    quality = (pl.col("dl_thp_mbps") / CELL_PEAK_RATE_MBPS).clip(0, 1) ** 0.6
    return frame.select(
        DATE=_labels(frame, dates), TIME=_labels(frame, clocks),
        CELL_NAME=ids.gather(frame["res"]),
        PRB_UTIL_DL_PCT=pl.col("util_pct"),
        ACTIVE_UE_AVG=(sessions + fraction).clip(lower_bound=0).round(2),
        RRC_CONN_MAX=(sessions * peak).ceil().cast(pl.Int64),
        DL_THP_KBPS=(pl.col("dl_thp_mbps") * 1000).round(1),
        UL_THP_KBPS=(pl.col("dl_thp_mbps") * 1000 * uplink).round(1),
        PDCP_LAT_DL_MS=pl.col("lat_ms"),
        RRC_SETUP_ATT="acc_att", RRC_SETUP_SUCC="acc_succ", ERAB_DROPS="drops",
        CELL_AVAIL_PCT=(100 * (1 - pl.col("unavail_s") / INTERVAL_S)).round(3),
        CQI_AVG=(2 + 11 * quality + cqi_noise).clip(1, 15).round(1))
