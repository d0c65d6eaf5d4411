"""Measured outcomes end to end on a small generated world with past actions (built once for the
module): the run measures each programme (marts.programme_outcomes, published), its treated and
control churn counts are exactly what the truth's potential outcomes say for the actions it
followed, and ``cxbridge evaluate``'s ``outcomes`` section holds the measures to the truth."""

from __future__ import annotations

from datetime import timedelta

import polars as pl
import pytest

from cxbridge.jobs import flow
from cxbridge.lab.evaluate import TARGETS
from cxbridge.lab.generate import WorldConfig
from cxbridge.lab.outcome_evaluation import evaluate_outcomes
from cxbridge.models import outcomes
from cxbridge.platform import warehouse
from tests.pipelines.actions_world import actions_world

# 45 days: the first weeks' actions have their 30 days inside the window; the network's own
# feeds are left out (the actions and churn do not need them), so the run takes seconds
WORLD = WorldConfig(scale=0.02, days=45, seed=11, actions=True)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    settings, raw = actions_world(tmp_path_factory.mktemp("outcomes"), WORLD)
    summary = flow.run(settings, raw)
    return settings, raw, summary


def _truth(raw) -> pl.DataFrame:
    return pl.read_csv(raw / "_truth" / "actions.csv", try_parse_dates=True)


def test_the_run_measures_every_programme_and_publishes_it(built):
    settings, raw, summary = built
    assert summary.outcomes["status"] == "built"
    assert {c.name: c.status for c in summary.capabilities}["measured_outcomes"] == "built"
    snapshot = warehouse.open_snapshot(summary.snapshot.path)
    try:
        published = warehouse.query(snapshot, "select * from programme_outcomes")
    finally:
        snapshot.close()
    assert set(published["programme"]) == set(_truth(raw)["programme"])
    assert set(published["breakdown"]) == {"all", "segment", "region", "contract_type"}
    # 45 days of data: no 60- or 90-day window is observed yet
    assert set(published["window_days"]) == {30}


def test_treated_and_control_churn_are_exactly_the_truths_potential_outcomes(built):
    settings, raw, _ = built
    with warehouse.connect(settings, read_only=True) as con:
        followed = warehouse.query(con, "select customer_id, programme, arm, action_date, "
                                        "window_days from core.action_outcomes")
        measured = warehouse.query(con, "select * from marts.programme_outcomes "
                                        "where breakdown = 'all'")
        last_day = warehouse.scalar(con, "select max(cast(created_at as date)) from stg.tickets")
    assert last_day == WORLD.start + timedelta(days=WORLD.days - 1)
    end = pl.col("action_date") + pl.duration(days=pl.col("window_days"))
    realised = pl.when(pl.col("arm") == "treated").then(pl.col("churn_date_if_treated")) \
        .otherwise(pl.col("churn_date_if_not_treated"))
    truth = followed.join(_truth(raw).drop("arm"), on=["customer_id", "programme",
                                                        "action_date"])
    assert truth.height == followed.height  # every action followed is in the truth
    expected = truth.group_by("programme", "window_days").agg(
        treated=(pl.col("arm") == "treated").sum(), control=(pl.col("arm") == "control").sum(),
        treated_churned=((realised <= end).fill_null(False) & (pl.col("arm") == "treated"))
        .sum(),
        control_churned=((realised <= end).fill_null(False) & (pl.col("arm") == "control"))
        .sum())
    got = measured.join(expected, on=["programme", "window_days"])
    assert got.height == measured.height == 5
    for row in got.iter_rows(named=True):
        assert (row["treated_customers"], row["control_customers"]) == (
            row["treated"], row["control"]), row["programme"]
        assert (row["treated_churned"], row["control_churned"]) == (
            row["treated_churned_right"], row["control_churned_right"]), row["programme"]


def test_the_evaluation_section_holds_each_measure_to_its_true_effect(built):
    settings, raw, _ = built
    with warehouse.connect(settings, read_only=True) as con:
        section = evaluate_outcomes(con, raw / "_truth")
    assert ("outcomes", "within_interval_rate") in TARGETS
    per = section["by_programme_30d"]
    assert section["programmes"] == len(per) == 5
    told = [p for p in per.values() if p["verdict"] != "too few to tell"]
    assert section["programmes_measured"] == len(told) >= 1
    assert section["programmes_too_few"] == 5 - len(told)
    for p in told:
        assert p["within_interval"] == (p["interval_low"] <= p["true_effect"]
                                        <= p["interval_high"])
    assert section["within_interval_rate"] == pytest.approx(
        sum(p["within_interval"] for p in told) / len(told), abs=1e-4)
    for p in per.values():
        if p["verdict"] == "too few to tell":
            assert min(p["treated"], p["control"]) < outcomes.MIN_PER_ARM
            assert p["within_interval"] is None


def test_without_the_actions_feed_no_stale_outcomes_stay(built):
    settings, _, _ = built
    with warehouse.connect(settings) as con:
        result = outcomes.build(con, {"customers", "services"})
        assert result["status"] == "skipped" and "actions" in result["reason"]
        assert not warehouse.table_exists(con, "marts.programme_outcomes")
        assert outcomes.build(con, {"actions", "customers", "services"})["status"] == "built"
        assert warehouse.table_exists(con, "marts.programme_outcomes")
