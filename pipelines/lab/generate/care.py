"""Customer-care trouble tickets (TMF621-like): who calls, about what, and when it is solved.

Poor experience produces tickets: the longer and harder a customer's service was out or
degraded, the likelier a ticket, more so for businesses (enterprises report almost every
outage) and for easily annoyed customers. Network tickets are opened shortly after the trouble
starts and resolved after the fault is repaired; tickets about congestion often stay pending
(no fault found, capacity upgrade planned). A baseline of billing, plan, relocation and
equipment tickets arrives regardless. Customers whose ticket is still open call again.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from .clock import DAY_S

CHANNELS = ("phone", "chat", "email", "app", "store")
CHANNEL_P = {"consumer": (0.42, 0.22, 0.10, 0.18, 0.08), "smb": (0.55, 0.15, 0.20, 0.07, 0.03),
             "enterprise": (0.60, 0.0, 0.40, 0.0, 0.0)}
BASELINE_PER_DAY = 0.9 / 365
BASELINE_CATEGORIES = ("billing", "plan_change", "relocation", "equipment", "home_network",
                       "other")
BASELINE_P = (0.45, 0.15, 0.08, 0.12, 0.10, 0.10)
SEGMENT_PROPENSITY = {"consumer": 1.0, "smb": 1.6, "enterprise": 4.0}
OUTAGE_CATEGORY = {"ftth": "no_service", "enterprise_vpn": "no_service", "iptv": "tv_no_signal",
                   "mobile_data": "no_mobile_service", "mobile_voice": "no_mobile_service"}
DEGRADED_CATEGORY = {"ftth": "slow_speed", "enterprise_vpn": "vpn_performance",
                     "iptv": "tv_freezing", "mobile_data": "slow_mobile_data",
                     "mobile_voice": "call_drops"}
FOLLOW_UP_P = 0.12
NETWORK_CATEGORIES = frozenset(OUTAGE_CATEGORY.values()) | frozenset(DEGRADED_CATEGORY.values()) \
    | {"intermittent_connection"}


def network_tickets(worst: pl.DataFrame, customers: pl.DataFrame, day: int,
                    rng: np.random.Generator) -> pl.DataFrame:
    """Tickets from today's bad experience. ``worst`` has per customer row the worst service:
    cust, row, cfs_type, outage_min, degraded_min, severity, first_slot, cause, cause_end_s."""
    if worst.height == 0:
        return _empty()
    cust = worst["cust"].to_numpy()
    segment = customers["segment"].gather(pl.Series(cust))
    disposition = customers["_disposition"].to_numpy()[cust]
    pressure = (0.12 * worst["outage_min"].to_numpy() / 60
                + 0.015 * worst["degraded_min"].to_numpy() / 60 * worst["severity"].to_numpy())
    seg_factor = segment.replace_strict(SEGMENT_PROPENSITY, return_dtype=pl.Float64).to_numpy()
    p = np.clip((1 - np.exp(-pressure)) * seg_factor * np.exp(0.3 * disposition), 0, 0.95)
    called = rng.random(cust.size) < p
    calls = worst.filter(pl.Series(called))
    if calls.height == 0:
        return _empty()
    n = calls.height
    opened = day * DAY_S + calls["first_slot"].to_numpy() * 900 + np.clip(
        rng.lognormal(np.log(40 * 60), 0.7, n), 120, 6 * 3600)
    opened = np.minimum(opened, (day + 1) * DAY_S - 60)
    outage = calls["outage_min"].to_numpy() > 0
    kind = calls["cfs_type"]
    category = np.where(outage, kind.replace_strict(OUTAGE_CATEGORY).to_numpy(),
                        kind.replace_strict(DEGRADED_CATEGORY).to_numpy())
    category = np.where((category == "slow_speed") & (rng.random(n) < 0.3),
                        "intermittent_connection", category)
    repaired = calls["cause_end_s"].to_numpy()
    congestion = np.isnan(repaired)
    delay = rng.lognormal(np.log(np.where(outage, 1.5, 3.0) * 3600), 0.6)
    resolved = np.where(congestion, opened + rng.lognormal(np.log(48 * 3600), 0.8, n),
                        np.maximum(opened + 1200, np.nan_to_num(repaired) + delay))
    resolved = np.where(congestion & (rng.random(n) < 0.4), np.inf, resolved)
    enterprise = (segment.filter(pl.Series(called)) == "enterprise").to_numpy()
    severity = np.where(outage, np.where(enterprise, "critical", "major"), "minor")
    return calls.select("cust", "row").with_columns(
        created_s=pl.Series(opened), resolved_s=pl.Series(resolved),
        category=pl.Series(category, dtype=pl.String), severity=pl.Series(severity),
        network=pl.lit(True))


def baseline_tickets(customers: pl.DataFrame, active_customers: np.ndarray,
                     first_service_row: np.ndarray, day: int,
                     rng: np.random.Generator) -> pl.DataFrame:
    """Billing, plan, relocation and equipment contacts that have nothing to do with faults."""
    cust = active_customers[rng.random(active_customers.size) < BASELINE_PER_DAY]
    n = cust.size
    if n == 0:
        return _empty()
    opened = day * DAY_S + rng.uniform(7.5, 21.5, n) * 3600
    resolved = opened + rng.lognormal(np.log(18 * 3600), 1.0, n)
    resolved = np.where(rng.random(n) < 0.06, np.inf, resolved)
    category = np.asarray(BASELINE_CATEGORIES, dtype=object)[
        rng.choice(len(BASELINE_CATEGORIES), n, p=BASELINE_P)]
    return pl.DataFrame({"cust": cust, "row": first_service_row[cust], "created_s": opened,
                         "resolved_s": resolved, "category": category.astype(str),
                         "severity": "minor", "network": False},
                        schema_overrides={"category": pl.String})


def follow_up_tickets(open_tickets: pl.DataFrame, day: int,
                      rng: np.random.Generator) -> pl.DataFrame:
    """Customers chasing a ticket opened more than a day ago that is still open."""
    end = (day + 1) * DAY_S
    waiting = open_tickets.filter((pl.col("resolved_s") > end)
                                  & (pl.col("created_s") < day * DAY_S - 3600))
    waiting = waiting.unique("cust", keep="first", maintain_order=True)
    chase = waiting.filter(pl.Series(rng.random(waiting.height) < FOLLOW_UP_P))
    n = chase.height
    if n == 0:
        return _empty()
    opened = day * DAY_S + rng.uniform(8, 21, n) * 3600
    return chase.select("cust", "row", "network").with_columns(
        created_s=pl.Series(opened),
        resolved_s=pl.Series(np.maximum(chase["resolved_s"].to_numpy(), opened + 600)),
        category=pl.lit("follow_up"), severity=pl.lit("major"))


def _empty() -> pl.DataFrame:
    return pl.DataFrame(schema=TICKET_SCHEMA)


TICKET_SCHEMA = {"cust": pl.Int64, "row": pl.Int64, "created_s": pl.Float64,
                 "resolved_s": pl.Float64, "category": pl.String, "severity": pl.String,
                 "network": pl.Boolean}


def channels(segment: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    out = np.empty(segment.size, dtype=object)
    for name, probs in CHANNEL_P.items():
        mask = segment == name
        out[mask] = np.asarray(CHANNELS, dtype=object)[rng.choice(len(CHANNELS), int(mask.sum()),
                                                                  p=probs)]
    return out


def status_at(created_s: np.ndarray, resolved_s: np.ndarray, export_s: float,
              rng: np.random.Generator) -> np.ndarray:
    """TMF621 status as of the export: closed two days after resolution, else resolved; open
    tickets are acknowledged when fresh, otherwise in progress or pending."""
    open_state = np.where(export_s - created_s < 4 * 3600, "acknowledged",
                          np.where(rng.random(created_s.size) < 0.6, "inProgress", "pending"))
    return np.where(resolved_s <= export_s - 2 * DAY_S, "closed",
                    np.where(resolved_s <= export_s, "resolved", open_state))
