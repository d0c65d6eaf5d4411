"""The data-access queries of the Marketing, Network operations and Customer 360 pages on the
mini operator (tests/dashboards/world.py), and what happens when model tables are missing."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
import pytest

from cxbridge.dashboards import period_index
from cxbridge.dashboards.data_access import MissingTableError, SnapshotReader
from cxbridge.dashboards.filters import Filters
from tests.dashboards.world import (
    CLEARED_BNG,
    FIRST_DAY,
    LAST_DAY,
    OPEN_FIBRE,
    PII_CUSTOMER,
    SILENT_CELL,
)

PERIOD = Filters(start=FIRST_DAY, end=LAST_DAY)


@pytest.fixture
def reader(settings, publish, demo_rows, world) -> SnapshotReader:
    publish("world-run", demo_rows, world)
    return SnapshotReader(settings)


def test_outlook_has_one_row_per_customer_with_score_and_hold_back(reader, world):
    frame = reader.customer_outlook(PERIOD)
    assert frame.height == world["customers"].height
    assert frame["customer_id"].is_unique().all()
    held = set(frame.filter(pl.col("held_back"))["customer_id"])
    in_open = world["incident_services"].filter(
        pl.col("incident_id").is_in([OPEN_FIBRE, SILENT_CELL]))["customer_id"]
    assert held == set(in_open)
    assert frame.filter(pl.col("customer_id") == "C0000004")["risk_band"].item() == "high"


def test_outlook_follows_the_filter_bar(reader, world):
    munster = reader.customer_outlook(Filters(start=FIRST_DAY, end=LAST_DAY,
                                              regions=("Munster",)))
    assert set(munster["region"]) == {"Munster"}
    iptv = reader.customer_outlook(Filters(start=FIRST_DAY, end=LAST_DAY, cfs_types=("iptv",)))
    holders = world["customers"].filter(pl.col("cfs_types").list.contains("iptv"))
    assert set(iptv["customer_id"]) == set(holders["customer_id"])


def test_experience_is_the_mean_of_the_worst_service_per_day(reader):
    # Dublin FTTH had a 60-point day on 03-09; the period is that day and the next
    two_days = Filters(start=date(2026, 3, 9), end=date(2026, 3, 10), regions=("Dublin",))
    frame = reader.customer_outlook(two_days).filter(pl.col("customer_id") == "C0000001")
    assert frame["experience"].item() == pytest.approx((60.0 + 93.0) / 2)
    assert frame["poor_days"].item() == 1


def test_incident_queue_filters(reader):
    everything = reader.incident_queue(PERIOD)
    assert everything["incident_id"].to_list() == [OPEN_FIBRE, SILENT_CELL, CLEARED_BNG]
    assert reader.incident_queue(PERIOD, only_open=True)["incident_id"].to_list() == [
        OPEN_FIBRE, SILENT_CELL]
    assert reader.incident_queue(PERIOD, source="silent")["incident_id"].to_list() == [
        SILENT_CELL]
    dublin = Filters(start=FIRST_DAY, end=LAST_DAY, regions=("Dublin",))
    assert reader.incident_queue(dublin)["incident_id"].to_list() == [CLEARED_BNG]
    mobile = Filters(start=FIRST_DAY, end=LAST_DAY, cfs_types=("mobile_data",))
    assert reader.incident_queue(mobile)["incident_id"].to_list() == [SILENT_CELL]
    before = Filters(start=FIRST_DAY, end=date(2026, 3, 8))
    assert reader.incident_queue(before).is_empty()


def test_incident_detail_timeline_breakdown_and_kpis(reader, world):
    incident = reader.incident(OPEN_FIBRE)
    assert incident["status"] == "open" and incident["is_open"]
    assert reader.incident("nope") is None
    timeline = reader.incident_timeline(OPEN_FIBRE)
    assert timeline["role"].to_list() == ["root", "symptom"]
    breakdown = reader.incident_breakdown(OPEN_FIBRE)
    hurt = world["incident_services"].filter(pl.col("incident_id") == OPEN_FIBRE)
    assert breakdown["services"].sum() == hurt.height
    # the root (an OLT) has no hourly KPIs of its own: its PON port's are shown
    kpis = reader.incident_kpis(OPEN_FIBRE, datetime(2026, 3, 15, 0),
                                datetime(2026, 3, 15, 23))
    assert kpis.height == 24
    assert kpis["resources"].to_list() == [1] * 24
    assert kpis["unavailable_minutes"].to_list() == [0.0] * 6 + [60.0] * 18


def test_care_list_has_contacts_only_when_asked(reader):
    plain = reader.care_list(OPEN_FIBRE)
    assert not {"name", "email", "phone"} & set(plain.columns)
    assert set(plain["segment"]) <= {"consumer", "smb", "enterprise"}
    with_contacts = reader.care_list(OPEN_FIBRE, with_contacts=True)
    assert with_contacts["email"].null_count() == 0
    assert with_contacts["customer_id"].to_list() == plain["customer_id"].to_list()


def test_find_customers_by_contact_only_when_allowed(reader):
    assert reader.find_customers("c000000")["customer_id"].to_list()[:2] == [
        "C0000001", "C0000002"]
    assert reader.find_customers("Aoife").is_empty()
    assert "name" not in reader.find_customers("C0000001").columns
    by_name = reader.find_customers("aoife", by_contact=True)
    assert PII_CUSTOMER["customer_id"] in by_name["customer_id"].to_list()
    by_phone = reader.find_customers("087 100 0001", by_contact=True)
    assert by_phone["customer_id"].to_list() == [PII_CUSTOMER["customer_id"]]
    by_email = reader.find_customers(PII_CUSTOMER["email"].upper(), by_contact=True)
    assert PII_CUSTOMER["customer_id"] in by_email["customer_id"].to_list()
    assert reader.find_customers(PII_CUSTOMER["email"]).is_empty()  # not for other roles


def test_customer_360_queries(reader):
    cid = PII_CUSTOMER["customer_id"]
    assert "email" not in reader.customer(cid)
    assert reader.customer(cid, with_contacts=True)["email"] == PII_CUSTOMER["email"]
    days = reader.customer_days(cid, PERIOD)
    assert days.height == 14 and days.filter(pl.col("poor"))["date"].to_list() == [
        date(2026, 3, 9)]
    services = reader.customer_services(cid, PERIOD)
    assert services["cfs_type"].to_list() == ["ftth"]
    assert services["outage_minutes"].item() == 180.0
    assert reader.customer_incidents(cid)["incident_id"].to_list() == [CLEARED_BNG]
    assert "description" not in reader.customer_tickets(cid).columns
    assert PII_CUSTOMER["phone"] in reader.customer_tickets(cid, with_text=True)[
        "description"].item()
    assert reader.customer_churn(cid)["risk_band"] == "medium"


def test_churn_and_restore_kpis_read_their_published_tables(reader, world):
    # churn_kpi_daily and incident_kpi_daily, built by their own SQL models from the churn
    # scores and the incidents as the job publishes (tests/dashboards/conftest.py)
    scores = world["churn_scores"]
    expected = 100 * scores["churn_probability"].sum() / scores.height
    assert reader.kpi_value("churn_risk", PERIOD) == pytest.approx(expected)
    assert reader.kpi_value("revenue_at_risk", PERIOD) == pytest.approx(
        scores["revenue_at_risk_eur"].sum())
    assert reader.kpi_value("time_to_restore", PERIOD) == pytest.approx(3.0)  # BNG: 10:00-13:00
    # a filter on a dimension the source does not have is left out, not an error
    ftth = Filters(start=FIRST_DAY, end=LAST_DAY, cfs_types=("ftth",))
    assert reader.kpi_value("time_to_restore", ftth) == pytest.approx(3.0)


def test_missing_model_tables_are_reported_not_fatal(settings, publish, demo_rows, world):
    marts_only = {k: v for k, v in world.items()
                  if k not in ("churn_scores", "churn_score_history", "queue", "incidents",
                               "incident_services",
                               "impact_breakdown", "incident_episodes", "episodes")}
    publish("marts-only", demo_rows, marts_only)
    reader = SnapshotReader(settings)
    assert reader.missing("churn_scores", "queue", "customers") == ("churn_scores", "queue")
    assert not reader.source_available("churn_risk")
    with pytest.raises(MissingTableError, match="churn_kpi_daily"):
        reader.kpi_series("churn_risk", PERIOD)
    frame = reader.customer_outlook(PERIOD)
    assert frame["churn_probability"].null_count() == frame.height
    assert not frame["held_back"].any()
    assert reader.customer_incidents("C0000001").is_empty()
    assert reader.customer_churn("C0000001") is None


def test_care_preview_is_the_head_of_the_care_list(reader):
    whole = reader.care_list(OPEN_FIBRE)
    head = reader.care_preview(OPEN_FIBRE, rows=3)
    assert head["customer_id"].to_list() == whole["customer_id"].head(3).to_list()
    assert head["customers"].to_list() == [whole.height] * 3
    assert [sorted(t) for t in head["cfs_types"].to_list()] == [
        sorted(t.split()) for t in whole["cfs_types"].head(3).to_list()]


def test_a_new_snapshot_is_warmed_in_the_background_when_asked(settings, publish, demo_rows,
                                                               world, monkeypatch):
    publish("world-run", demo_rows, world)
    built = []
    monkeypatch.setattr(period_index, "build",
                        lambda days, real=period_index.build: built.append(1) or real(days))
    served = SnapshotReader(settings, warm_new_snapshots=True)
    assert served.snapshot_info().run_id == "world-run"  # the first read opens the snapshot
    served.warming().join(timeout=30)
    assert built == [1]  # the period index was built without a Marketing request
    served.customer_outlook(PERIOD)
    assert built == [1]  # … and the first Marketing view used it
    quiet = SnapshotReader(settings)
    quiet.snapshot_info()
    assert quiet.warming() is None and built == [1]
