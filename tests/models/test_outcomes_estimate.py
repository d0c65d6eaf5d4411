"""The effect estimator of models/outcomes on inline frames: the intervals against published
values, an interval that covers a known effect as often as it says, the too-few rule, and money
kept net of the offer's cost."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
import pytest

from cxbridge.models.outcomes import (
    MIN_PER_ARM,
    newcombe_interval,
    programme_outcomes,
    wilson_interval,
)


def _interval(function, *values):
    columns = {f"v{k}": [v] for k, v in enumerate(values)}
    low, high = function(*(pl.col(name) for name in columns))
    return pl.DataFrame(columns).select(low=low, high=high).row(0)


def test_the_intervals_are_the_published_ones():
    # Newcombe (1998), Statistics in Medicine 17, table II: 81/263 → Wilson 0.2553–0.3662;
    # 56/70 − 48/80 → hybrid score interval 0.0524–0.3339
    assert _interval(wilson_interval, 81, 263) == pytest.approx((0.2553, 0.3662), abs=1e-4)
    assert _interval(newcombe_interval, 56, 70, 48, 80) == pytest.approx((0.0524, 0.3339),
                                                                           abs=1e-4)
    # no events in either group: the interval still has width, and holds 0
    low, high = _interval(newcombe_interval, 0, 40, 0, 40)
    assert low < 0 < high


def _followed(rng: np.random.Generator, treated: int, control: int, p_treated: float,
              p_control: float, programme: str = "offer") -> pl.DataFrame:
    arm = np.array(["treated"] * treated + ["control"] * control)
    churned = np.concatenate([rng.random(treated) < p_treated, rng.random(control) < p_control])
    n = treated + control
    return pl.DataFrame({
        "programme": programme, "arm": arm, "window_days": 30,
        "action_date": date(2026, 10, 8), "segment": np.where(np.arange(n) % 2, "smb",
                                                              "consumer"),
        "churned": churned, "tickets": rng.poisson(1.0, n),
        "revenue_eur": np.where(churned, 20.0, 50.0), "cost_eur": np.where(
            arm == "treated", 5.0, 0.0)})


def test_the_churn_interval_covers_a_known_effect_about_95_times_in_100():
    rng = np.random.default_rng(7)
    covered = 0
    for _ in range(200):
        row = programme_outcomes(_followed(rng, 400, 100, 0.05, 0.15)).filter(
            pl.col("breakdown") == "all").row(0, named=True)
        covered += row["churn_effect_low"] <= -0.10 <= row["churn_effect_high"]
    assert 0.92 <= covered / 200 <= 0.99


def test_a_clear_effect_is_told_with_money_kept_net_of_cost():
    frame = _followed(np.random.default_rng(3), 2000, 500, 0.05, 0.15)
    row = programme_outcomes(frame).filter(pl.col("breakdown") == "all").row(0, named=True)
    assert row["verdict"] == "fewer left"
    assert row["churn_effect_high"] < 0
    treated = frame.filter(pl.col("arm") == "treated")
    control = frame.filter(pl.col("arm") == "control")
    kept = (treated["revenue_eur"].mean() - control["revenue_eur"].mean()) * treated.height
    assert row["revenue_kept_eur"] == pytest.approx(kept)
    assert row["cost_eur"] == pytest.approx(5.0 * treated.height)
    assert row["net_kept_eur"] == pytest.approx(kept - 5.0 * treated.height)
    assert row["customers_kept"] == pytest.approx(-row["churn_effect"] * treated.height)


def test_experience_is_compared_over_the_customers_with_a_scored_day():
    """Treated customers' experience 2 points above control's: the Welch interval holds the
    difference of the means of the customers scored (those with no scored day are left out of
    the mean and of the count), and a frame without experience has no experience effect."""
    rng = np.random.default_rng(5)
    frame = _followed(rng, 600, 200, 0.05, 0.05)
    scored = rng.random(frame.height) > 0.2
    level = np.where(frame["arm"].to_numpy() == "treated", 92.0, 90.0) + rng.normal(0, 3,
                                                                                  frame.height)
    frame = frame.with_columns(experience=pl.Series(np.where(scored, level, np.nan))
                               .fill_nan(None))
    row = programme_outcomes(frame).filter(pl.col("breakdown") == "all").row(0, named=True)
    treated = frame.filter(pl.col("arm") == "treated")["experience"].drop_nulls()
    control = frame.filter(pl.col("arm") == "control")["experience"].drop_nulls()
    assert row["experience_effect"] == pytest.approx(treated.mean() - control.mean())
    half = 1.959963984540054 * (treated.var() / treated.len()
                                + control.var() / control.len()) ** 0.5
    assert row["experience_effect_low"] == pytest.approx(row["experience_effect"] - half)
    assert row["experience_effect_low"] <= 2.0 <= row["experience_effect_high"]
    bare = programme_outcomes(_followed(rng, 600, 200, 0.05, 0.05))
    assert bare["experience_effect"].is_null().all()


def test_too_few_in_either_arm_gives_no_effect_only_counts():
    rng = np.random.default_rng(1)
    frame = _followed(rng, 200, MIN_PER_ARM - 1, 0.05, 0.5)
    outcomes = programme_outcomes(frame)
    whole = outcomes.filter(pl.col("breakdown") == "all").row(0, named=True)
    assert whole["verdict"] == "too few to tell"
    assert whole["churn_effect"] is None and whole["churn_effect_low"] is None
    assert whole["net_kept_eur"] is None
    assert whole["control_customers"] == MIN_PER_ARM - 1
    assert whole["control_churn_rate"] == pytest.approx(
        frame.filter(pl.col("arm") == "control")["churned"].mean())
    enough = programme_outcomes(_followed(rng, 200, MIN_PER_ARM, 0.05, 0.5))
    assert enough.filter(pl.col("breakdown") == "all")["verdict"][0] != "too few to tell"


def test_every_segment_is_measured_apart_and_an_absent_arm_counts_zero():
    frame = pl.concat([
        _followed(np.random.default_rng(2), 300, 100, 0.1, 0.1),
        _followed(np.random.default_rng(3), 50, 0, 0.1, 0.1, programme="no_control")])
    outcomes = programme_outcomes(frame)
    segments = outcomes.filter(pl.col("breakdown") == "segment", pl.col("programme") == "offer")
    assert sorted(segments["group_value"]) == ["consumer", "smb"]
    assert segments["treated_customers"].sum() == 300
    lonely = outcomes.filter(pl.col("programme") == "no_control", pl.col("breakdown") == "all")
    assert lonely.row(0, named=True)["control_customers"] == 0
    assert lonely["verdict"][0] == "too few to tell"
