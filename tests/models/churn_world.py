"""Hand-made warehouse rows for the churn model's tests (no generator, no ingest: fast).

:func:`write_tables` creates the tables ``models/churn/sql/*.sql`` reads, from plain rows.
:func:`simulated_world` makes a small population whose churn has known causes: a chronic
poor-experience group (network), month-to-month contracts (commercial) and a baseline, so the
model has something real to learn and its reasons something to name.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np
import polars as pl

START = date(2026, 10, 1)

SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    "stg.customers": {"customer_id": pl.String, "segment": pl.String, "region": pl.String,
                      "contract_type": pl.String, "payment_method": pl.String,
                      "customer_since": pl.Date, "extra_attributes": pl.String,
                      "status": pl.String},
    "stg.services": {"service_id": pl.String, "category": pl.String,
                     "characteristics": pl.String},
    "core.cfs": {"service_id": pl.String, "customer_id": pl.String, "cfs_type": pl.String,
                 "segment": pl.String, "start_date": pl.Date, "end_date": pl.Date,
                 "monthly_price_eur": pl.Float64, "plan_download_mbps": pl.Float64,
                 "sla_tier": pl.String},
    "marts.customer_daily": {"date": pl.Date, "customer_id": pl.String, "poor": pl.Boolean,
                             "sei_worst": pl.Float64, "worst_outage_minutes": pl.Float64,
                             "sessions": pl.Int64, "session_failures": pl.Int64},
    "marts.service_experience_daily": {"date": pl.Date, "service_id": pl.String,
                                       "customer_id": pl.String, "cfs_type": pl.String,
                                       "poor": pl.Boolean, "driver": pl.String},
    "core.service_fault_intervals": {"service_id": pl.String, "date": pl.Date,
                                     "starts": pl.Datetime, "ends": pl.Datetime,
                                     "first_resource_id": pl.String},
    "stg.tickets": {"ticket_id": pl.String, "customer_id": pl.String, "service_id": pl.String,
                    "created_at": pl.Datetime, "resolved_at": pl.Datetime,
                    "category": pl.String},
    "stg.surveys": {"customer_id": pl.String, "responded_at": pl.Datetime, "score": pl.Int64},
}


def write_tables(con, tables: dict[str, list[dict] | pl.DataFrame]) -> None:
    """Create every table the churn SQL reads (empty unless given rows)."""
    for name, schema in SCHEMAS.items():
        given = tables.get(name, [])
        frame = given if isinstance(given, pl.DataFrame) else pl.DataFrame(given, schema=schema)
        frame = frame.select([pl.col(c).cast(t) if c in frame.columns else
                              pl.lit(None, dtype=t).alias(c) for c, t in schema.items()])
        con.execute(f"create schema if not exists {name.split('.')[0]}")
        con.register("_rows", frame)
        con.execute(f"create or replace table {name} as select * from _rows")
        con.unregister("_rows")


@dataclass
class World:
    tables: dict[str, pl.DataFrame]
    churn: pl.DataFrame            # customer_id, churn_date, main_cause, network_caused
    days: int
    chronic: set[str] = field(default_factory=set)


def simulated_world(customers: int = 800, days: int = 100, seed: int = 5) -> World:
    """Customers with one broadband line each over ``days`` days from :data:`START`.

    A fifth sit behind a chronically bad access (40 % poor days, low index, outages that fail
    half the day's sessions, network complaints); each customer-day's hazard of deciding to
    leave grows with the poor days of the last ten days and with a month-to-month contract;
    after deciding, usage falls for 1–8 days and the service ends. The main cause is the larger
    of the two contributions.
    """
    rng = np.random.default_rng(seed)
    ids = [f"C{i:04d}" for i in range(customers)]
    chronic = rng.random(customers) < 0.2
    monthly = rng.random(customers) < 0.35
    churn_day = np.full(customers, 10 ** 6)
    cause = np.array([""] * customers, dtype=object)
    poor = rng.random((customers, days)) < np.where(chronic, 0.4, 0.02)[:, None]
    for day in range(days):
        recent = poor[:, max(0, day - 9):day + 1].sum(axis=1)
        network, commercial = 0.5 * recent, np.where(monthly, 1.6, 0.0)
        hazard = 0.001 * np.exp(network + commercial)
        leaving = (churn_day == 10 ** 6) & (rng.random(customers) < hazard)
        churn_day[leaving] = day + 1 + rng.integers(1, 9, customers)[leaving]
        cause[leaving] = np.where(network > commercial, "poor_experience", "contract")[leaving]
    churned = churn_day < days
    customer_rows = pl.DataFrame({
        "customer_id": ids, "segment": "consumer",
        "region": rng.choice(["Dublin", "Munster"], customers),
        "contract_type": np.where(monthly, "month-to-month", "one_year"),
        "payment_method": "direct_debit",
        "customer_since": [START - timedelta(days=int(d)) for d in rng.integers(60, 2000,
                                                                                 customers)],
        "extra_attributes": json.dumps({"loyalty_tier": "none"}),
        "status": np.where(churned, "terminated", "active")})
    services = pl.DataFrame({"service_id": [f"S{c}" for c in ids], "category": "CFS",
                             "characteristics": json.dumps({"downloadSpeedMbps": 500})})
    ends = [START + timedelta(days=int(d)) if d < days else None for d in churn_day]
    cfs = pl.DataFrame({"service_id": [f"S{c}" for c in ids], "customer_id": ids,
                        "cfs_type": "ftth", "segment": "consumer",
                        "start_date": customer_rows["customer_since"], "end_date": ends,
                        "monthly_price_eur": rng.choice([49.99, 54.99], customers),
                        "plan_download_mbps": 500.0}, schema_overrides={"end_date": pl.Date})
    cust, day = np.nonzero(np.arange(days)[None, :] < churn_day[:, None])
    bad = poor[cust, day]
    decided = churn_day[cust] - 5
    decline = np.clip(1 - 0.1 * (day - decided + 1), 0.4, 1.0)
    dates = [START + timedelta(days=int(d)) for d in day]
    sei = np.where(bad, rng.uniform(30, 65, cust.size), rng.uniform(88, 99, cust.size))
    outage = bad & (rng.random(cust.size) < 0.5)
    sessions = rng.poisson(40 * decline)   # the draws in the order they always were
    daily = pl.DataFrame({
        "date": dates, "customer_id": [ids[c] for c in cust], "poor": bad, "sei_worst": sei,
        "worst_outage_minutes": np.where(outage, 90.0, 0.0),
        "sessions": sessions, "session_failures": np.where(outage, sessions // 2, 0)})
    experience = daily.filter("poor").select(
        "date", service_id=pl.concat_str(pl.lit("S"), "customer_id"), customer_id="customer_id",
        cfs_type=pl.lit("ftth"), poor="poor", driver=pl.lit("throughput"))
    outages = daily.filter(pl.col("worst_outage_minutes") > 0).select(
        service_id=pl.concat_str(pl.lit("S"), "customer_id"), date="date",
        starts=pl.col("date").cast(pl.Datetime) + pl.duration(hours=20),
        ends=pl.col("date").cast(pl.Datetime) + pl.duration(hours=21, minutes=30))
    complaints = daily.filter(pl.col("poor") & (pl.Series(rng.random(daily.height)) < 0.3))
    tickets = complaints.select(
        ticket_id=pl.format("T{}", pl.int_range(pl.len())), customer_id="customer_id",
        service_id=pl.concat_str(pl.lit("S"), "customer_id"),
        created_at=pl.col("date").cast(pl.Datetime) + pl.duration(hours=21),
        resolved_at=pl.col("date").cast(pl.Datetime) + pl.duration(days=2),
        category=pl.lit("slow_speed"))
    truth = pl.DataFrame({"customer_id": ids, "churn_date": ends, "main_cause": cause,
                          "network_caused": cause == "poor_experience"},
                         schema_overrides={"churn_date": pl.Date}).filter(
        pl.col("churn_date").is_not_null())
    return World({"stg.customers": customer_rows, "stg.services": services, "core.cfs": cfs,
                  "marts.customer_daily": daily, "marts.service_experience_daily": experience,
                  "core.service_fault_intervals": outages, "stg.tickets": tickets},
                 truth, days, {c for c, ch in zip(ids, chronic, strict=True) if ch})


def at(day: int, hour: int = 12) -> datetime:
    """A timestamp ``day`` days after :data:`START`."""
    return datetime.combine(START + timedelta(days=day), datetime.min.time()) + timedelta(
        hours=hour)
