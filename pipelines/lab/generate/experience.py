"""A day's experience per service and per customer, from the service-day causes.

A service-day's main cause is the cause behind most of its bad minutes. A customer's day is as
bad as their worst service (an outage of the broadband and of the mobile line on the same
evening is one bad evening, not two). A poor-experience day is 30+ minutes without service or
2+ hours degraded: the unit the churn and marketing views count.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from .faults import Incident
from .impairments import CONGESTION

POOR_OUTAGE_MIN, POOR_DEGRADED_MIN = 30.0, 120.0


@dataclass(frozen=True)
class ServiceExperience:
    """Dense arrays over all services (rows of the bound services frame) for one day."""

    outage_min: np.ndarray
    degraded_min: np.ndarray
    severity: np.ndarray
    first_slot: np.ndarray
    cause: np.ndarray  # main cause, -1 none, CONGESTION for unplanned congestion

    def as_dict(self) -> dict[str, np.ndarray]:
        return {"outage_min": self.outage_min, "degraded_min": self.degraded_min,
                "severity": self.severity}


def service_experience(causes: pl.DataFrame, n_services: int) -> ServiceExperience:
    per = (causes.with_columns(bad=pl.col("outage_s") + pl.col("degraded_s"))
           .sort("row", "bad", "cause", descending=[False, True, False])
           .group_by("row", maintain_order=True)
           .agg(pl.col("outage_s").sum(), pl.col("degraded_s").sum(),
                pl.col("severity").max(), pl.col("first_slot").min(),
                pl.col("cause").first()))
    rows = per["row"].to_numpy()
    out = ServiceExperience(np.zeros(n_services), np.zeros(n_services), np.zeros(n_services),
                            np.zeros(n_services, dtype=np.int64),
                            np.full(n_services, -1, dtype=np.int64))
    outage = np.minimum(per["outage_s"].to_numpy() / 60, 1440.0)
    out.outage_min[rows] = outage
    out.degraded_min[rows] = np.minimum(per["degraded_s"].to_numpy() / 60, 1440.0 - outage)
    out.severity[rows] = per["severity"].to_numpy()
    out.first_slot[rows] = per["first_slot"].to_numpy()
    out.cause[rows] = per["cause"].to_numpy()
    return out


@dataclass(frozen=True)
class CustomerDay:
    outage_h: np.ndarray
    degraded_h: np.ndarray
    poor: np.ndarray
    worst: pl.DataFrame  # customers with any bad minute: cust, row (their worst service), ...


def customer_day(exp: ServiceExperience, service_customer: np.ndarray, cfs_type: pl.Series,
                 incidents: tuple[Incident, ...], n_customers: int) -> CustomerDay:
    outage, degraded = np.zeros(n_customers), np.zeros(n_customers)
    np.maximum.at(outage, service_customer, exp.outage_min)
    np.maximum.at(degraded, service_customer, exp.degraded_min)
    poor = (outage >= POOR_OUTAGE_MIN) | (degraded >= POOR_DEGRADED_MIN)
    bad_rows = np.flatnonzero((exp.outage_min > 0) | (exp.degraded_min > 0))
    # congestion has no repair time; everything else is fixed when its incident ends
    ends = np.array([np.nan if i.kind == "chronic_congestion" else i.end_s for i in incidents]
                    + [np.nan])
    cause = exp.cause[bad_rows]
    worst = (pl.DataFrame({
        "cust": service_customer[bad_rows], "row": bad_rows,
        "cfs_type": cfs_type.gather(pl.Series(bad_rows)),
        "outage_min": exp.outage_min[bad_rows], "degraded_min": exp.degraded_min[bad_rows],
        "severity": exp.severity[bad_rows], "first_slot": exp.first_slot[bad_rows],
        "cause": cause,
        "cause_end_s": np.where((cause >= 0) & (cause < len(incidents)),
                                ends[np.clip(cause, 0, len(incidents))], np.nan)},
        schema_overrides={"cfs_type": pl.String})
        .with_columns(badness=pl.col("outage_min") * 3 + pl.col("degraded_min")
                      * pl.col("severity"))
        .sort("cust", "badness", "row", descending=[False, True, False])
        .unique("cust", keep="first", maintain_order=True))
    return CustomerDay(outage / 60, degraded / 60, poor, worst)


def cause_label(cause: np.ndarray, incidents: tuple[Incident, ...]) -> np.ndarray:
    kinds = np.array([i.kind for i in incidents] + ["congestion", "none"], dtype=object)
    index = np.where(cause >= 0, cause, np.where(cause == CONGESTION, len(incidents),
                                                 len(incidents) + 1))
    return kinds[index]
