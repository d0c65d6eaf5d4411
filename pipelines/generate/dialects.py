"""The two vendor PM dialects of the same 15-minute counters.

Vendor A: comma-separated, ISO 8601 UTC with ``Z``, one file per UTC day, Mbit/s, %, ms, seconds
of unavailability. Vendor B: semicolon-separated, Europe/Dublin local time with its offset, one
file per local day (92, 96 or 100 intervals), ``NE=`` distinguished names, upper-case object
types, kbit/s, per-mille load, microseconds, loss as a 0–1 ratio, availability in %. B's values
are converted from A's exact values, so the two never disagree by more than rounding.
"""

from __future__ import annotations

import polars as pl

from .clock import INTERVAL_S, Clock

A_COLUMNS = ("START_TIME", "MO_ID", "MO_CLASS", "DL_THP_MBPS", "UTIL_PCT", "LAT_MS",
             "JITTER_MS", "PKT_LOSS_PCT", "UNAVAIL_S", "ACC_ATT", "ACC_SUCC", "DROPS", "SESSIONS")
B_COLUMNS = ("PERIOD_START_TIME", "DN", "OBJ_TYPE", "THRPUT_DL_KBPS", "LOAD_PERMILLE",
             "AVG_RTT_US", "JITTER_US", "LOSS_RATIO", "AVAIL_PCT", "SETUP_ATT", "SETUP_SUCC",
             "ABN_REL", "ACTIVE_SESS")


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
