"""From resource condition to what each service truly experienced, per 15-minute interval.

A resource-interval is *out* for the share of the interval it was unavailable and *degraded*
with a severity 0–1 from incident effects or from congestion (an access resource, cell or PON
port, offered more than ~85 % of its capacity). Services take the worst of their anchor groups
(see :mod:`anchors`). A service-interval counts as degraded from severity 0.3 on. Every bad
minute keeps the cause that produced it: an incident index, or ``CONGESTION`` for busy-hour
congestion outside any injected incident.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from .anchors import ALL_MUST_FAIL, N_OF_M, SINGLE, WEIGHTED, AnchorGroups
from .clock import INTERVAL_S
from .impairments import CONGESTION, NO_CAUSE, DayImpairments
from .network import NetworkIndex

DEGRADED_AT = 0.3
CONGESTION_ONSET = 0.85


@dataclass(frozen=True)
class ResourceCondition:
    """Arrays (resources + 1, 96); the extra last row is a never-impaired placeholder."""

    out: np.ndarray
    severity: np.ndarray
    cause: np.ndarray


def resource_condition(net: NetworkIndex, imp: DayImpairments, rho: np.ndarray,
                       chronic_cause: np.ndarray) -> ResourceCondition:
    """Outage share, degradation severity and cause of every resource-interval."""
    access = np.isin(net.types, ["cell", "pon_port"])[:, None]
    congestion = np.clip((rho - CONGESTION_ONSET) / 0.15, 0, 1) * access
    severity = np.maximum(imp.severity, congestion)
    congestion_cause = np.where(chronic_cause[:, None] >= 0, chronic_cause[:, None], CONGESTION)
    degradation_cause = np.where(imp.severity >= congestion, imp.degradation_cause,
                                 congestion_cause)
    cause = np.where(imp.unavailable > 0, imp.outage_cause,
                     np.where(severity > 0, degradation_cause, NO_CAUSE))
    pad = np.zeros((1, rho.shape[1]))
    return ResourceCondition(out=np.vstack([imp.unavailable, pad]),
                             severity=np.vstack([severity, pad]),
                             cause=np.vstack([cause, pad - 1]).astype(np.int32))


def _group_state(groups: AnchorGroups, sel: np.ndarray, cond: ResourceCondition):
    """Outage share, severity and cause per interval for the selected groups."""
    placeholder = cond.out.shape[0] - 1
    members = groups.members[sel]
    real = members >= 0
    idx = np.where(real, members, placeholder)
    out_m, sev_m, cause_m = cond.out[idx], cond.severity[idx], cond.cause[idx]
    realf = real[:, :, None]
    all_out = np.where(realf, out_m, 1.0).min(axis=1)
    survivors = (sev_m * (1 - out_m) * realf).max(axis=1)
    up = ((1 - out_m) * realf).sum(axis=1)
    need = groups.min_up[sel][:, None].astype(float)
    deficit = np.clip((need - up) / need, 0, 1)
    weighted = (groups.weights[sel][:, :, None] * np.maximum(out_m, sev_m)).sum(axis=1)
    mode = groups.mode[sel][:, None]
    out = np.where(mode == SINGLE, out_m[:, 0], all_out)
    severity = np.select([mode == SINGLE, mode == ALL_MUST_FAIL, mode == N_OF_M,
                          mode == WEIGHTED],
                         [sev_m[:, 0], survivors, np.maximum(deficit, survivors), weighted])
    worst = np.argmax((out_m + sev_m) * realf, axis=1)
    cause = np.take_along_axis(cause_m, worst[:, None, :], axis=1)[:, 0, :]
    return out, severity, cause


def service_intervals(groups: AnchorGroups, cond: ResourceCondition,
                      active: np.ndarray) -> pl.DataFrame:
    """Every bad service-interval of the day: service row, slot, cause, outage and degraded
    seconds, severity. Only groups with an impaired member are evaluated, and only their bad
    (group, slot) pairs are spread to the active services that depend on them."""
    bad_resource = ((cond.out > 0) | (cond.severity >= DEGRADED_AT)).any(axis=1)
    sel = np.flatnonzero(bad_resource[groups.members].any(axis=1))
    if sel.size == 0:
        return _empty_intervals()
    g_out, g_sev, g_cause = _group_state(groups, sel, cond)
    g, slot = np.nonzero((g_out > 0) | (g_sev >= DEGRADED_AT))
    bad_slots = pl.DataFrame({"gid": sel[g], "slot": slot.astype(np.int32),
                              "out": g_out[g, slot], "sev": g_sev[g, slot],
                              "cause": g_cause[g, slot]})
    hits = groups.membership.join(bad_slots, on="gid")
    hits = hits.filter(pl.Series(active[hits["row"].to_numpy()]))
    per = (hits.sort("row", "slot", pl.col("out") * 2 + pl.col("sev"), "cause",
                     descending=[False, False, True, False])
           .group_by("row", "slot", maintain_order=True)
           .agg(pl.col("cause").first(), pl.col("out").max(), pl.col("sev").max()))
    outage_s = (pl.col("out") * INTERVAL_S).round(0).cast(pl.Int64)
    return per.select(
        "row", "slot", "cause", outage_s=outage_s,
        degraded_s=pl.when(pl.col("sev") >= DEGRADED_AT).then(INTERVAL_S - outage_s)
        .otherwise(0),
        severity="sev")


def _empty_intervals() -> pl.DataFrame:
    return pl.DataFrame(schema={"row": pl.Int64, "slot": pl.Int32, "cause": pl.Int32,
                                "outage_s": pl.Int64, "degraded_s": pl.Int64,
                                "severity": pl.Float64})


def service_day_causes(intervals: pl.DataFrame) -> pl.DataFrame:
    """Per service row and cause: outage and degraded seconds (whole seconds, so sums are
    exact in any order), peak severity while degraded, and the first bad slot of the day."""
    return (intervals.group_by("row", "cause")
            .agg(pl.col("outage_s").sum(), pl.col("degraded_s").sum(),
                 pl.col("severity").filter(pl.col("degraded_s") > 0).max().fill_null(0.0),
                 pl.col("slot").min().alias("first_slot"))
            .sort("row", "cause"))
