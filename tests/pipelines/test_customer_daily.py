"""marts.customer_daily on hand-made rows: a customer's day is as bad as their worst service,
whose type and reason it names together; the service types are the set of those in service."""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl
import pytest

from cxbridge.models.service import SQL as SERVICE_SQL
from cxbridge.platform import warehouse

DAY = date(2026, 10, 1)
# service → (customer, type, price, experience index, poor, reason)
SERVICES = {
    "S-1": ("C-1", "ftth", 40.0, 35.0, True, None),  # the worst, with no reason worded
    "S-2": ("C-1", "mobile_data", 20.0, 60.0, True, "Speed: 3 Mbit/s in the worst hour"),
    "S-3": ("C-1", "mobile_data", 10.0, 80.0, False, None),
    "S-4": ("C-2", "iptv", 15.0, 50.0, True, "TV streaming: 4 stalls"),
    "S-5": ("C-2", "ftth", 30.0, 50.0, True, "Availability: 30 min"),  # a tie with S-4
    "S-6": ("C-3", "mobile_voice", 12.0, None, None, None),  # nothing measured
}


def _table(con, name: str, frame: pl.DataFrame) -> None:
    con.register("_rows", frame)
    con.execute(f"create or replace table {name} as select * from _rows")
    con.unregister("_rows")


@pytest.fixture(scope="module")
def days() -> dict[str, dict]:
    con = duckdb.connect()
    try:
        warehouse.execute_sql_file(con, "macros.sql")
        for schema in ("stg", "core", "marts"):
            con.execute(f"create schema {schema}")
        ids = list(SERVICES)
        values = list(SERVICES.values())
        _table(con, "core.cfs", pl.DataFrame({
            "service_id": ids, "monthly_price_eur": [v[2] for v in values]}))
        _table(con, "marts.service_daily", pl.DataFrame({
            "date": [DAY] * len(ids), "service_id": ids, "customer_id": [v[0] for v in values],
            "cfs_type": [v[1] for v in values], "outage_minutes": [0.0, 30.0, 0.0, 0.0, 30.0, 0.0],
            "data_volume_mb": [1.0] * len(ids), "voice_minutes": [0.0] * len(ids),
            "sessions": [10] * len(ids), "session_failures": [0] * len(ids)}))
        _table(con, "marts.service_experience_daily", pl.DataFrame({
            "date": [DAY] * len(ids), "service_id": ids, "sei": [v[3] for v in values],
            "poor": [v[4] for v in values], "driver_text": [v[5] for v in values]},
            schema_overrides={"sei": pl.Float64, "poor": pl.Boolean, "driver_text": pl.String}))
        _table(con, "stg.customers", pl.DataFrame({
            "customer_id": ["C-1", "C-2"], "segment": ["consumer", "business"],
            "region": ["Dublin", "Cork"], "contract_type": ["month-to-month", "two-year"]}))
        con.execute("create table stg.tickets (customer_id varchar, created_at timestamp, "
                    "category varchar)")
        con.execute("insert into stg.tickets values ('C-1', '2026-10-01 09:00', 'slow_speed'),"
                    " ('C-1', '2026-10-01 10:00', 'billing')")
        con.execute("create table stg.surveys (customer_id varchar, responded_at timestamp, "
                    "score double)")
        con.execute("create temp table _scope as select date '2026-10-01' as date")
        frame = warehouse.query(con, warehouse.read_sql(SERVICE_SQL / "marts/customer_daily.sql"))
    finally:
        con.close()
    return {row["customer_id"]: row for row in frame.iter_rows(named=True)}


def test_the_worst_service_names_the_days_type_and_reason_together(days):
    one = days["C-1"]
    assert one["sei_worst"] == 35.0 and one["worst_cfs_type"] == "ftth"
    # the worst service had no reason worded: none, not another service's reason
    assert one["worst_reason"] is None
    assert one["services_active"] == 3 and one["poor"] is True
    assert one["worst_outage_minutes"] == 30.0 and one["services_with_fault"] == 1
    assert one["monthly_revenue_eur"] == 70.0
    assert (one["tickets_opened"], one["network_tickets_opened"]) == (2, 1)


def test_a_tie_goes_to_the_smallest_service_id(days):
    two = days["C-2"]
    assert (two["worst_cfs_type"], two["worst_reason"]) == ("iptv", "TV streaming: 4 stalls")


def test_the_service_types_are_the_sorted_set_in_service(days):
    assert days["C-1"]["cfs_types"] == ["ftth", "mobile_data"]  # two mobile lines count once
    assert days["C-2"]["cfs_types"] == ["ftth", "iptv"]


def test_a_customer_unknown_to_the_crm_and_unmeasured_keeps_their_day(days):
    three = days["C-3"]
    assert (three["segment"], three["region"], three["contract_type"]) == (
        "unknown", "unknown", None)
    assert three["sei_worst"] is None and three["poor"] is False
    assert (three["worst_cfs_type"], three["cfs_types"]) == ("mobile_voice", ["mobile_voice"])
