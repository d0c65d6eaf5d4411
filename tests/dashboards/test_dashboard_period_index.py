"""The customer period index: any period's sums from running sums, checked against a plain
aggregation of the same rows."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest

from cxbridge.dashboards.period_index import PeriodIndex, build

D = date(2026, 3, 1)
DAYS = pl.DataFrame({
    "date": [D, D + timedelta(1), D + timedelta(2), D, D + timedelta(2), D + timedelta(1)],
    "customer_id": ["B", "B", "B", "A", "A", "C"],
    "sei_worst": [90.0, 60.0, None, 80.0, 100.0, 50.0],
    "poor": [False, True, False, False, False, True],
    "worst_outage_minutes": [0.0, 30.0, 0.0, 5.0, 0.0, 600.0],
})


def _window(index: PeriodIndex, start: date, end: date) -> pl.DataFrame:
    """The customers in service in the period, as the Marketing page keeps them."""
    return (index.columns(start, end).with_columns(customer_id=index.customer_ids)
            .filter(pl.col("days_active") > 0))


def _plain(start: date, end: date) -> pl.DataFrame:
    return (DAYS.filter(pl.col("date").is_between(start, end)).group_by("customer_id")
            .agg(experience=pl.col("sei_worst").mean(), poor_days=pl.col("poor").sum(),
                 days_active=pl.len(), outage_minutes=pl.col("worst_outage_minutes").sum())
            .sort("customer_id"))


@pytest.mark.parametrize(("start", "end"), [
    (D, D + timedelta(2)), (D + timedelta(1), D + timedelta(1)),
    (D + timedelta(2), D + timedelta(2)),
    (D - timedelta(5), D + timedelta(9)),  # beyond the data: clamped
])
def test_any_window_equals_a_plain_aggregation(start, end):
    window = _window(build(DAYS), start, end).sort("customer_id")
    expected = _plain(start, end)
    assert window["customer_id"].to_list() == expected["customer_id"].to_list()
    assert window["experience"].to_list() == pytest.approx(expected["experience"].to_list(),
                                                           nan_ok=True)
    for column in ("poor_days", "days_active", "outage_minutes"):
        assert window[column].to_list() == pytest.approx(
            expected[column].cast(pl.Float64).to_list()), column


def test_a_day_without_score_is_active_but_has_no_experience():
    window = _window(build(DAYS), D + timedelta(2), D + timedelta(2))
    b = window.filter(pl.col("customer_id") == "B").row(0, named=True)
    assert b["days_active"] == 1 and b["experience"] is None


def test_empty_windows():
    index = build(DAYS)
    assert _window(index, D + timedelta(5), D + timedelta(9)).is_empty()
    assert _window(index, D + timedelta(2), D).is_empty()
    assert _window(build(DAYS.clear()), D, D).is_empty()


def test_an_index_aligned_with_chosen_customers_follows_their_order_and_knows_strangers():
    index = build(DAYS)
    assert index.rows_of(pl.Series(["C", "X", "A"])).tolist() == [2, -1, 0]
    aligned = index.aligned(pl.Series(["C", "X", "A"]))
    picked = aligned.columns(D, D + timedelta(2))
    assert aligned.customer_ids.to_list() == ["C", "X", "A"]
    assert picked["days_active"].to_list() == [1, 0, 2]
    assert picked["experience"].to_list() == [50.0, None, 90.0]
    whole = index.columns(D, D + timedelta(4))  # any window: the aligned one is the same rows
    assert aligned.columns(D, D + timedelta(4)).row(0) == whole.row(2)
    assert build(DAYS.clear()).aligned(pl.Series(["A"])).columns(D, D)[
        "days_active"].to_list() == [0]
