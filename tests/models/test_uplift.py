"""The uplift model (models/outcomes/uplift.py): Qini on frames with a known ordering, the
T-learner on a planted per-segment effect, the temporal holdout and the fallback rule."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl
import pytest

from cxbridge.models.outcomes import uplift


def _arms(n: int, rng: np.random.Generator) -> np.ndarray:
    return rng.random(n) < 0.5


def test_qini_of_a_perfect_ranking_is_one_and_random_is_near_zero():
    rng = np.random.default_rng(7)
    n = 4000
    treated = _arms(n, rng)
    responds = rng.random(n) < 0.3  # kept when treated, leave when not
    churned = np.where(treated, False, responds) | (rng.random(n) < 0.05)
    perfect = np.where(treated, 1.0 - churned, -(1.0 - churned))
    assert uplift.qini_coefficient(perfect, churned, treated) == pytest.approx(1.0)
    # knowing who responds is far from the perfect ranking (that one also knows the outcome of
    # everyone's coin toss) but far above random
    knows = uplift.qini_coefficient(responds.astype(float), churned, treated)
    assert knows > 0.15
    randoms = [uplift.qini_coefficient(rng.random(n), churned, treated) for _ in range(20)]
    assert abs(float(np.mean(randoms))) < 0.05
    # ranking the responders last is worse than random
    assert uplift.qini_coefficient(-responds.astype(float), churned, treated) < -0.15


def test_qini_curve_counts_tied_scores_together():
    churned = np.array([0, 1, 0, 1])
    treated = np.array([True, False, False, True])
    x, y = uplift.qini_curve(np.zeros(4), churned, treated)
    assert x.tolist() == [0.0, 4.0]  # one group: whatever order the rows came in
    # stayers: treated 1 of 2, control 1 of 2: nobody kept
    assert y.tolist() == [0.0, 0.0]
    x, y = uplift.qini_curve(np.array([3.0, 2.0, 1.0, 0.0]), churned, treated)
    # top 1: a treated stayer and no control yet (ratio 0): Q = 1; top 3: 1 − 1 · 1/2
    assert x.tolist() == [0, 1, 2, 3, 4] and y.tolist() == [0, 1, 1, 0.5, 0]


def _planted(n: int, seed: int, treated_consumers: float = 0.1,
             start: date = date(2026, 9, 1)) -> pl.DataFrame:
    """Actions over 20 days: consumers leave at 40 % untreated and ``treated_consumers``
    treated; SMBs at 20 % either way (no effect); numbers are noise."""
    rng = np.random.default_rng(seed)
    segment = np.where(rng.random(n) < 0.5, "consumer", "smb")
    treated = rng.random(n) < 0.7
    base = np.where(segment == "consumer", 0.4, 0.2)
    rate = np.where(treated & (segment == "consumer"), treated_consumers, base)
    frame = pl.DataFrame({
        "customer_id": [f"C{i:05d}" for i in range(n)], "programme": "offer",
        "arm": np.where(treated, "treated", "control"),
        "action_date": [start + timedelta(days=int(d)) for d in rng.integers(0, 20, n)],
        "churned": rng.random(n) < rate, "segment": segment, "region": "north",
        "contract_type": "monthly", "payment_method": "card"})
    return frame.with_columns(**{c: pl.Series(rng.normal(0, 1, n)) for c in uplift.NUMERIC})


@pytest.mark.parametrize("kind", ["t", "interaction"])
def test_learners_recover_a_planted_per_segment_effect(kind):
    frame = _planted(3000, seed=1)
    learner = uplift.fit(frame, kind=kind)
    effect = frame.with_columns(effect=pl.Series(learner.uplift(frame))).group_by(
        "segment").agg(pl.col("effect").mean())
    by = dict(effect.iter_rows())
    assert by["consumer"] == pytest.approx(0.3, abs=0.06)
    assert by["smb"] == pytest.approx(0.0, abs=0.06)


def test_temporal_holdout_trains_on_earlier_actions_and_ranks_by_effect_above_risk():
    frame = _planted(3000, seed=2)
    figures, scored = uplift.temporal_holdout(frame)
    cut = date.fromisoformat(figures["cut_date"])
    assert figures["status"] == "scored"
    assert scored["action_date"].min() > cut
    assert figures["holdout_treated"] + figures["holdout_control"] == scored.height
    # as good as ranking by the planted effect itself (consumers first)
    truth = uplift.qini_coefficient((scored["segment"] == "consumer").cast(pl.Float64)
                                    .to_numpy(), scored["churned"].to_numpy(),
                                    (scored["arm"] == "treated").to_numpy())
    assert truth > 0.05
    assert figures["uplift_qini"] >= 0.9 * truth
    assert figures["uplift_beats_risk"] == (figures["uplift_qini"] > figures["risk_qini"])


def test_backfire_ranks_last_by_effect_but_first_by_risk():
    """An offer that makes consumers (already the likelier leavers) leave more: risk ranks them
    first, the uplift model last."""
    frame = _planted(3000, seed=3, treated_consumers=0.7)
    figures, _ = uplift.temporal_holdout(frame)
    assert figures["status"] == "scored"
    assert figures["risk_qini"] < 0 < figures["uplift_qini"]
    assert figures["uplift_beats_risk"] is True


def test_fallback_publishes_no_uplift_for_a_programme_with_too_few_outcomes():
    frame = pl.concat([
        _planted(400, seed=4),
        _planted(400, seed=5).with_columns(programme=pl.lit("retention_discount")).filter(
            (pl.col("arm") == "treated") | (pl.int_range(pl.len()) < 200)).head(
            300 + uplift.MIN_PER_ARM - 1)])
    small = frame.filter(pl.col("programme") == "retention_discount")
    # keep exactly MIN_PER_ARM - 1 controls
    controls = small.filter(pl.col("arm") == "control").head(uplift.MIN_PER_ARM - 1)
    frame = pl.concat([frame.filter(pl.col("programme") == "offer"),
                       small.filter(pl.col("arm") == "treated"), controls])
    models, learners = uplift.programme_models(frame)
    rows = {r["programme"]: r for r in models.iter_rows(named=True)}
    assert rows["offer"]["published"] and "offer" in learners
    assert not rows["retention_discount"]["published"]
    assert "retention_discount" not in learners
    assert f"at least {uplift.MIN_PER_ARM}" in rows["retention_discount"]["reason"]
    assert rows["retention_discount"]["offer"] == "retention"
    scored = uplift.customer_uplift(frame.head(5), learners)
    assert scored["programme"].unique().to_list() == ["offer"] and scored.height == 5


def test_one_wave_programme_has_no_temporal_holdout():
    frame = _planted(500, seed=6).with_columns(action_date=pl.lit(date(2026, 9, 3)))
    figures, scored = uplift.temporal_holdout(frame)
    assert figures["status"] == "not scored" and "one day" in figures["reason"]
    assert scored.height == 0
