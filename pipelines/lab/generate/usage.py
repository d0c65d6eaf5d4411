"""Daily xDR aggregates per service (per serving cell for mobile).

Volume depends on the plan (speed tier, data allowance), the segment (businesses use more on
weekdays), the weekday, a persistent per-service appetite, and on experience: minutes without
service carry no traffic and sessions attempted during an outage fail; degradation adds
failures and video stalls and dampens use. Customers who have decided to leave use the service
less and less until they go (the falling-usage signal churn models look for).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from .network import NetworkIndex

DAY_MIN = 1440.0
# per CFS type: daily data MB, voice minutes, sessions, base failure rate, stalls per day
BASE = {
    "ftth": (9000.0, 0.0, 24.0, 0.004, 0.25),
    "iptv": (3500.0, 0.0, 8.0, 0.003, 0.35),
    "mobile_data": (450.0, 0.0, 30.0, 0.006, 0.15),
    "mobile_voice": (0.0, 14.0, 7.0, 0.008, 0.0),
    "enterprise_vpn": (40000.0, 0.0, 180.0, 0.002, 0.0),
}
TIER_FACTOR = {100: 0.6, 300: 0.9, 500: 1.1, 1000: 1.4}
ALLOWANCE_FACTOR = {10: 0.35, 30: 0.8, 60: 1.3, 200: 2.2}


@dataclass(frozen=True)
class UsageProfile:
    """Static per service (rows of the bound services frame)."""

    service_id: pl.Series
    volume_mb: np.ndarray
    voice_min: np.ndarray
    sessions: np.ndarray
    failure: np.ndarray
    stalls: np.ndarray
    business: np.ndarray
    cells: np.ndarray  # (services, 3) resource index, -1 = none
    shares: np.ndarray  # (services, 3)


def usage_profile(bound: pl.DataFrame, net: NetworkIndex,
                  rng: np.random.Generator) -> UsageProfile:
    kind = bound["cfs_type"].to_numpy()
    base = np.array([BASE[k] for k in kind]) if kind.size else np.zeros((0, 5))
    plan = (bound["download_mbps"].replace_strict(TIER_FACTOR, default=None)
            .fill_null(bound["data_allowance_gb"].replace_strict(ALLOWANCE_FACTOR, default=None))
            .fill_null(1.0).to_numpy())
    business = (bound["_segment"] != "consumer").to_numpy()
    appetite = rng.lognormal(-0.18, 0.6, kind.size) * np.where(business, 1.5, 1.0)
    cells = np.full((bound.height, 3), -1, dtype=np.int64)
    for k in range(3):
        ids = bound[f"cell_{k + 1}"]
        present = ids.is_not_null().to_numpy()
        cells[present, k] = net.index_of(ids.drop_nulls().to_list())
    shares = bound.select(pl.col(f"w_{k}").fill_null(0.0) for k in (1, 2, 3)).to_numpy()
    return UsageProfile(service_id=bound["service_id"], volume_mb=base[:, 0] * plan * appetite,
                        voice_min=base[:, 1] * appetite, sessions=base[:, 2] * appetite ** 0.5,
                        failure=base[:, 3], stalls=base[:, 4], business=business,
                        cells=cells, shares=shares)


def daily_usage(profile: UsageProfile, day_date, weekday: int, experience: dict[str, np.ndarray],
                active: np.ndarray, decline: np.ndarray, cell_factor: np.ndarray,
                rng: np.random.Generator) -> pl.DataFrame:
    """Usage rows of every active service for one day.

    ``experience`` holds per service outage and degraded minutes and degradation severity;
    ``decline`` multiplies volume (1 normally, falling for customers about to leave);
    ``cell_factor`` is each cell's share of normal traffic that day (0 when down, ~0 asleep).
    """
    rows = np.flatnonzero(active)
    n = rows.size
    outage = experience["outage_min"][rows] / DAY_MIN
    degraded = experience["degraded_min"][rows] / DAY_MIN
    severity = experience["severity"][rows]
    weekend = weekday >= 5
    day_factor = np.where(profile.business[rows], 0.55 if weekend else 1.1,
                          1.12 if weekend else 0.97)
    quality = (1 - 0.95 * np.minimum(1, 1.3 * outage)) * (1 - 0.5 * np.minimum(1, 2 * degraded
                                                                                * severity))
    scale = day_factor * quality * decline[rows] * rng.lognormal(-0.045, 0.3, n)
    volume = profile.volume_mb[rows] * scale
    minutes = profile.voice_min[rows] * scale
    sessions = rng.poisson(profile.sessions[rows] * day_factor * decline[rows] * (1 - outage))
    retries = rng.poisson(outage * DAY_MIN / 15 * 1.5 * (profile.sessions[rows] > 0))
    fail_p = np.clip(profile.failure[rows] + 0.7 * severity * np.minimum(1, 1.5 * degraded),
                     0, 0.95)
    failures = rng.binomial(sessions, fail_p) + retries
    stalls = rng.poisson(profile.stalls[rows] * (1 + 160 * degraded * severity) * quality)
    stall_s = np.round(stalls * rng.lognormal(np.log(6), 0.5, n) * (1 + 2 * severity), 1)
    frame = pl.DataFrame({
        "row": rows, "data_volume_mb": volume, "voice_minutes": minutes,
        "sessions": sessions + retries, "session_failures": failures,
        "video_stall_count": stalls, "video_stall_seconds": stall_s})
    return _split_by_cell(frame, profile, cell_factor, day_date)


def _split_by_cell(frame: pl.DataFrame, profile: UsageProfile, cell_factor: np.ndarray,
                   day_date) -> pl.DataFrame:
    """Mobile services get one row per serving cell, in proportion to where traffic went."""
    rows = frame["row"].to_numpy()
    cells = profile.cells[rows]
    mobile = cells[:, 0] >= 0
    weights = profile.shares[rows] * np.where(cells >= 0, cell_factor[np.maximum(cells, 0)], 0)
    total = weights.sum(axis=1, keepdims=True)
    weights = np.where(total > 0, weights / np.where(total > 0, total, 1), profile.shares[rows])
    parts = [frame.filter(pl.Series(~mobile)).with_columns(cell=pl.lit(-1, pl.Int64),
                                                            share=pl.lit(1.0))]
    for k in range(3):
        keep = mobile & (cells[:, k] >= 0) & (weights[:, k] > 0.001)
        parts.append(frame.filter(pl.Series(keep)).with_columns(
            cell=pl.Series(cells[keep, k]), share=pl.Series(weights[keep, k])))
    split = pl.concat(parts)
    counts = ("sessions", "session_failures", "video_stall_count")
    return split.with_columns(
        *(pl.col(c) * pl.col("share") for c in ("data_volume_mb", "voice_minutes",
                                                 "video_stall_seconds")),
        *((pl.col(c) * pl.col("share")).round(0).cast(pl.Int64) for c in counts),
        date=pl.lit(day_date),
    ).sort("row", "cell")
