"""Churn score history: every scoring is recorded (``marts.churn_score_history``), so churn risk
and revenue at risk have a daily trend, past periods and a change against the previous period.

Scores are written with the scorer's own write (``models/churn/world.py``: ``history_table``,
``write`` and its SQL), the churn KPI table is built by its model as the job publishes, and the
values are read through the metric registry (``snapshot_metrics``), as the Overview and the
notebooks read them. No model is trained: the history does not depend on how scores are made.
"""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from cxbridge.models.churn.world import driver_table, history_table, write
from cxbridge.models.graph import model_graph
from cxbridge.platform import snapshot, snapshot_metrics, transform, warehouse
from cxbridge.platform.metrics import metric
from cxbridge.platform.snapshot_reading import Selection, SnapshotReading

REGIONS = {"C1": "Dublin", "C2": "Dublin", "C3": "Munster", "C4": "Munster"}
REVENUE = {"C1": 40.0, "C2": 60.0, "C3": 50.0, "C4": 50.0}


def _scores(scored_at: date, probabilities: dict[str, float], run_id: str) -> pl.DataFrame:
    ids = sorted(probabilities)
    p = [probabilities[c] for c in ids]
    return pl.DataFrame({
        "customer_id": ids,
        "scored_at_date": [scored_at] * len(ids),
        "churn_probability": p,
        "risk_band": ["high" if x >= 0.2 else "medium" if x >= 0.08 else "low" for x in p],
        "monthly_revenue_eur": [REVENUE[c] for c in ids],
        "revenue_at_risk_eur": [x * REVENUE[c] for c, x in zip(ids, p, strict=True)],
        "reason_1": [None] * len(ids), "reason_2": [None] * len(ids),
        "reason_3": [None] * len(ids), "network_reason": [False] * len(ids),
        "segment": ["consumer"] * len(ids), "model_version": ["v1"] * len(ids),
        "run_id": [run_id] * len(ids),
    }, schema_overrides={f"reason_{r}": pl.String for r in (1, 2, 3)})


def _score(con, scored_at: date, probabilities: dict[str, float], run_id: str) -> None:
    """What :func:`cxbridge.models.churn.world.score` writes, for given probabilities."""
    scores = _scores(scored_at, probabilities, run_id)
    frame = pl.DataFrame({"customer_id": list(REGIONS), "region": list(REGIONS.values())})
    reasons = pl.DataFrame(schema={"customer_id": pl.String, "rank": pl.Int32,
                                   "feature": pl.String, "contribution": pl.Float64,
                                   "network": pl.Boolean, "reason": pl.String})
    write(con, scores, driver_table(scores, reasons), history_table(scores, frame))


def _publish(con, settings, run_id: str, first: date, last: date) -> None:
    """Build the churn KPI table as the job does when it publishes, then publish."""
    transform.build_after_stages(con, model_graph())
    con.execute("create or replace table marts.snapshot_info as select $run as run_id, "
                "now() as built_at, '' as raw_dir, $first as first_date, $last as last_date",
                {"run": run_id, "first": first, "last": last})
    tables = [t.name for t in snapshot.PUBLISHED if warehouse.table_exists(con, t.name)]
    warehouse.publish_snapshot(con, settings, run_id, tables)


@pytest.fixture
def two_scorings(settings):
    """Scored on 2026-09-15 (data to the 14th) and on 2026-09-29 (data to the 28th); the
    first day was also scored twice, the second time replacing the first."""
    with warehouse.connect(settings) as con:
        _score(con, date(2026, 9, 15), {"C1": 0.5, "C2": 0.5, "C3": 0.5, "C4": 0.5}, "run-0")
        _score(con, date(2026, 9, 15), {"C1": 0.1, "C2": 0.3, "C3": 0.02, "C4": 0.02}, "run-1")
        _score(con, date(2026, 9, 29), {"C1": 0.2, "C2": 0.3, "C3": 0.05, "C4": 0.05}, "run-2")
        _publish(con, settings, "run-2", date(2026, 9, 1), date(2026, 9, 28))
    return SnapshotReading(settings)


def test_each_scoring_is_kept_once_per_day_across_runs(two_scorings):
    history = two_scorings.frame(
        "select scored_at_date, region, customers_scored, customers_high_risk, run_id "
        "from churn_score_history order by scored_at_date, region")
    assert history.rows() == [
        (date(2026, 9, 15), "Dublin", 2, 1, "run-1"),     # run-0's scoring of that day replaced
        (date(2026, 9, 15), "Munster", 2, 0, "run-1"),
        (date(2026, 9, 29), "Dublin", 2, 2, "run-2"),
        (date(2026, 9, 29), "Munster", 2, 0, "run-2"),
    ]
    # the latest scores themselves are still one row per customer, of the latest scoring
    assert two_scorings.frame("select distinct run_id from churn_scores").rows() == [("run-2",)]


def test_two_scorings_give_two_points_in_the_trend(two_scorings):
    series = snapshot_metrics.kpi_series(two_scorings, "churn_risk", Selection())
    assert series["date"].to_list() == [date(2026, 9, 14), date(2026, 9, 28)]
    assert series["value"].to_list() == pytest.approx([100 * 0.44 / 4, 100 * 0.6 / 4])
    revenue = snapshot_metrics.kpi_series(two_scorings, "revenue_at_risk", Selection())
    assert revenue["value"].to_list() == pytest.approx([
        0.1 * 40 + 0.3 * 60 + 0.02 * 100, 0.2 * 40 + 0.3 * 60 + 0.05 * 100])


def test_a_past_period_shows_its_scoring_and_the_change_is_the_registrys(two_scorings):
    past = Selection(start=date(2026, 9, 1), end=date(2026, 9, 14))
    assert snapshot_metrics.kpi_value(two_scorings, "churn_risk", past) == pytest.approx(11.0)
    now = Selection(start=date(2026, 9, 15), end=date(2026, 9, 28), regions=("Dublin",))
    earlier, previous = snapshot_metrics.kpi_previous(
        two_scorings, ["churn_risk", "revenue_at_risk", "experience_index"], now)
    assert (earlier.start, earlier.end, earlier.regions) == (
        date(2026, 9, 1), date(2026, 9, 14), ("Dublin",))
    assert previous["churn_risk"] == pytest.approx(20.0)           # Dublin: (0.1 + 0.3) / 2
    assert previous["experience_index"] is None                    # not in this snapshot
    value = snapshot_metrics.kpi_value(two_scorings, "churn_risk", now)
    assert value == pytest.approx(25.0)                            # (0.2 + 0.3) / 2
    change = metric("churn_risk").change(value, previous["churn_risk"])
    # a share: told in points; lower is better, so a rise is worse
    assert (change.delta, change.relative, change.sense) == (pytest.approx(5.0), False, "worse")
    revenue = metric("revenue_at_risk").change(
        snapshot_metrics.kpi_value(two_scorings, "revenue_at_risk", now),
        previous["revenue_at_risk"])
    # euros: told relative to the earlier value, (26 − 22) / 22
    assert (revenue.delta, revenue.relative, revenue.sense) == (
        pytest.approx(100 * 4 / 22), True, "worse")


def test_the_previous_period_has_the_same_length_just_before():
    chosen = Selection(start=date(2026, 9, 15), end=date(2026, 9, 28), segments=("smb",))
    earlier = snapshot_metrics.previous_period(chosen, None, None)
    assert (earlier.start, earlier.end, earlier.segments) == (
        date(2026, 9, 1), date(2026, 9, 14), ("smb",))
    whole = snapshot_metrics.previous_period(Selection(), date(2026, 9, 1), date(2026, 9, 10))
    assert (whole.start, whole.end) == (date(2026, 8, 22), date(2026, 8, 31))
    assert snapshot_metrics.previous_period(Selection(), None, None) is None


@pytest.mark.parametrize(("name", "value", "previous", "expected"), [
    ("experience_index", 91.0, 89.5, (1.5, False, "better")),       # points, higher is better
    ("poor_experience_share", 3.0, 2.0, (1.0, False, "worse")),     # %, lower is better
    ("access_latency", 27.0, 30.0, (-10.0, True, "better")),        # ms: relative, lower better
    ("data_volume_per_service", 1.0, 1.0, (0.0, True, "same")),
    ("customers_hurt", 5.0, 0.0, (5.0, False, "worse")),            # from 0: a difference
])
def test_change_follows_each_metrics_unit_and_direction(name, value, previous, expected):
    change = metric(name).change(value, previous)
    assert (change.delta, change.relative, change.sense) == (
        pytest.approx(expected[0]), expected[1], expected[2])
    assert metric(name).change(None, previous) is None
    assert metric(name).change(value, None) is None
