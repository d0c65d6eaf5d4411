"""Customers react to what the network does: usage, tickets, surveys and churn."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
import pytest

from cxbridge.lab.generate.churn import CAUSES, ChurnModel, Exposure, contributions
from cxbridge.lab.generate.surveys import responses

from .conftest import build


@pytest.fixture(scope="module")
def month(tmp_path_factory):
    """A month of a slightly larger world, for statistics."""
    return build(tmp_path_factory, "month", scale=0.05, days=30, start=date(2026, 10, 1),
                 dirt_rate=0.0, seed=3)


def _usage(world) -> pl.DataFrame:
    frames = [pl.read_parquet(p) for p in sorted((world.path / "usage").glob("*.parquet"))]
    return pl.concat(frames).group_by("service_id", "date").agg(
        pl.col("data_volume_mb", "voice_minutes", "sessions", "session_failures",
               "video_stall_count").sum())


def test_outages_and_degradations_show_in_usage(month):
    usage = _usage(month)
    impact = pl.read_parquet(month.truth / "service_day_impact.parquet")
    days = usage.join(impact, on=["service_id", "date"], how="left").with_columns(
        pl.col("outage_minutes", "degraded_minutes").fill_null(0))
    normal = days.filter((pl.col("outage_minutes") == 0) & (pl.col("degraded_minutes") == 0))
    typical = normal.group_by("service_id").agg(pl.col("data_volume_mb").median().alias("usual"))
    outage = days.filter(pl.col("outage_minutes") >= 120).join(typical, on="service_id")
    outage = outage.filter(pl.col("usual") > 0)
    assert outage.height > 20
    assert (outage["data_volume_mb"] / outage["usual"]).median() < 0.9
    failure_rate = (pl.col("session_failures").sum() / pl.col("sessions").sum())
    assert outage.select(failure_rate).item() > 3 * normal.select(failure_rate).item()
    degraded = days.filter((pl.col("degraded_minutes") >= 120) & (pl.col("outage_minutes") == 0))
    assert degraded.select(failure_rate).item() > 2 * normal.select(failure_rate).item()
    stalls = pl.col("video_stall_count").mean()
    assert degraded.select(stalls).item() > 2 * normal.select(stalls).item()


def test_mobile_usage_is_split_over_the_serving_cells(month):
    serving = {}
    for service in month.services():
        if service.get("serviceType") in ("mobile_data", "mobile_voice"):
            serving[service["id"]] = {r["id"] for r in
                                      service["supportingService"][0]["supportingResource"]}
    usage = pl.read_parquet(sorted((month.path / "usage").glob("*.parquet"))[3])
    mobile = usage.filter(pl.col("service_id").is_in(list(serving)))
    assert mobile["cell_id"].null_count() == 0
    assert all(cell in serving[sid] for sid, cell in mobile.select("service_id", "cell_id")
               .iter_rows())
    assert mobile.group_by("service_id").len()["len"].max() > 1
    fixed = usage.filter(~pl.col("service_id").is_in(list(serving)))
    assert fixed["cell_id"].null_count() == fixed.height


def _tickets(world) -> pl.DataFrame:
    frames = [pl.read_csv(p, infer_schema=False) for p in (world.path / "tickets").glob("*.csv")]
    return pl.concat(frames)


def test_poor_experience_drives_tickets(month):
    tickets = _tickets(month).with_columns(date=pl.col("created_at").str.slice(0, 10)
                                           .str.to_date())
    impact = pl.read_parquet(month.truth / "service_day_impact.parquet")
    owner = {s["id"]: s["relatedParty"][0]["partyOrPartyRole"]["id"]
             for s in month.services() if s["category"] == "CFS"}
    bad = (impact.filter(pl.col("outage_minutes") >= 60)
           .with_columns(customer_id=pl.col("service_id").replace_strict(owner))
           .select("customer_id", "date").unique())
    customer_days = month.customers().height * month.config.days
    hit = bad.join(tickets, on=["customer_id", "date"], how="semi").height / bad.height
    base = tickets.filter(pl.col("category").is_in(["billing", "plan_change", "relocation"]))
    assert hit > 0.1 > 20 * base.height / customer_days
    assert tickets["description"].n_unique() > 25
    assert set(tickets["status"]) <= {"acknowledged", "inProgress", "pending", "resolved",
                                      "closed"}
    open_ones = tickets.filter(pl.col("resolved_at").is_null())
    assert 0 < open_ones.height < 0.5 * tickets.height
    assert set(open_ones["status"]) <= {"acknowledged", "inProgress", "pending"}


def test_churn_rate_causes_and_network_history_are_consistent(month):
    churn = pl.read_csv(month.truth / "churn.csv", try_parse_dates=True)
    customers = month.customers()
    rate = churn.height / customers.height
    assert 0.008 < rate < 0.035
    assert 0.05 < churn["network_caused"].mean() < 0.7
    impact = pl.read_parquet(month.truth / "service_day_impact.parquet")
    owner = {s["id"]: s["relatedParty"][0]["partyOrPartyRole"]["id"]
             for s in month.services() if s["category"] == "CFS"}
    history = impact.with_columns(customer_id=pl.col("service_id").replace_strict(owner))
    network = churn.filter(pl.col("network_caused"))
    earlier = history.join(network, on="customer_id").filter(pl.col("date") < pl.col(
        "churn_date"))
    assert set(earlier["customer_id"]) == set(network["customer_id"])
    churned = customers.join(churn, on="customer_id", how="semi")
    m2m = pl.col("contract_type") == "month-to-month"
    assert churned.select(m2m.mean()).item() > customers.select(m2m.mean()).item()


def test_hazard_contributions_name_the_right_cause():
    customers = pl.DataFrame({
        "customer_id": ["C1", "C2", "C3"], "segment": ["consumer"] * 3,
        "contract_type": ["two_year", "two_year", "month-to-month"],
        "customer_since": [date(2020, 3, 1)] * 3, "_tenure_days": [2000] * 3,
        "_disposition": [0.0, 0.0, 0.0]})
    model = ChurnModel.of(customers, np.array([0.0, 0.0, 0.0]), date(2026, 10, 1))
    exposure = Exposure(outage_h=np.array([0.0, 12.0, 0.0]), poor_days=np.zeros(3),
                        tickets=np.zeros(3), unresolved=np.zeros(3))
    contrib = contributions(model.drivers, exposure, 0)
    main = [CAUSES[i] for i in contrib.argmax(axis=0)]
    assert main[1] == "outage" and main[2] == "contract"
    assert contrib.sum(axis=0)[1] > contrib.sum(axis=0)[0] + 2
    assert model.base_hazard > 0


def test_surveys_score_lower_after_outages():
    n = 200_000
    rng = np.random.default_rng(1)
    quiet = Exposure.none(n)
    hurt = Exposure(np.full(n, 6.0), np.full(n, 3.0), np.zeros(n), np.zeros(n))
    args = (np.zeros(n), np.zeros(n), np.array(["consumer"] * n), np.zeros(n, bool),
            np.ones(n, bool), 0)
    calm = responses(quiet, *args, rng)
    angry = responses(hurt, *args, rng)
    assert calm.height > 100 and angry.height > 100
    assert angry["score"].mean() < calm["score"].mean() - 2
    assert angry["score"].min() >= 0 and calm["score"].max() <= 10
