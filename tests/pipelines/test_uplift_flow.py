"""The uplift model end to end on a small generated world with past actions (built once for the
module): the run publishes each programme's uplift status, its holdout Qini curves and every
customer's expected effect, and ``cxbridge evaluate``'s ``outcomes`` section holds the uplift
and risk Qini coefficients with their counts."""

from __future__ import annotations

import polars as pl
import pytest

from cxbridge.jobs import flow
from cxbridge.lab.evaluate import TARGETS
from cxbridge.lab.generate import WorldConfig
from cxbridge.lab.outcome_evaluation import evaluate_outcomes
from cxbridge.models.outcomes import uplift
from cxbridge.platform import warehouse
from tests.pipelines.actions_world import actions_world

# 100 days: the first waves' actions have their 60 days inside the window; the network's own
# feeds are left out (the actions and churn do not need them), so the run takes seconds
WORLD = WorldConfig(scale=0.02, days=100, seed=5, actions=True)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    settings, raw = actions_world(tmp_path_factory.mktemp("uplift"), WORLD)
    summary = flow.run(settings, raw)
    return settings, raw, summary


def test_the_run_publishes_uplift_where_enough_outcomes_allow(built):
    settings, raw, summary = built
    assert summary.outcomes["status"] == "built"
    snapshot = warehouse.open_snapshot(summary.snapshot.path)
    try:
        models = warehouse.query(snapshot, "select * from uplift_programmes")
        scored = warehouse.query(snapshot, "select * from customer_uplift")
        curves = warehouse.query(snapshot, "select * from uplift_qini")
    finally:
        snapshot.close()
    programmes = models.filter(pl.col("programme") != "all")
    assert set(programmes["programme"]) <= set(pl.read_csv(
        raw / "_truth" / "actions.csv")["programme"])
    assert set(programmes["window_days"]) == {uplift.WINDOW}
    # the fallback: published exactly when both arms reach the threshold
    enough = ((programmes["treated_outcomes"] >= uplift.MIN_PER_ARM)
              & (programmes["control_outcomes"] >= uplift.MIN_PER_ARM))
    assert (programmes["published"] == enough).all()
    assert programmes.filter(~pl.col("published"))["reason"].is_not_null().all()
    assert set(scored["programme"]) == set(programmes.filter("published")["programme"])
    assert scored.group_by("programme").len()["len"].n_unique() <= 1  # the same customers each
    assert scored["expected_churn_reduction"].is_between(-1, 1).all()
    scored_holdouts = programmes.filter(pl.col("holdout_status") == "scored")
    assert set(curves["programme"]) == (set(scored_holdouts["programme"])
                                        | ({"all"} if scored_holdouts.height else set()))


def test_evaluate_reports_both_qini_coefficients_with_their_counts(built):
    settings, raw, _ = built
    with warehouse.connect(settings, read_only=True) as con:
        section = evaluate_outcomes(con, raw / "_truth")
    for key in ("uplift_qini", "risk_qini", "uplift_beats_risk", "holdout_treated",
                "holdout_control", "uplift_programmes_scored", "uplift_by_programme"):
        assert key in section
    assert section["uplift_window_days"] == uplift.WINDOW
    by = section["uplift_by_programme"]
    assert sum(p["holdout"] == "scored" for p in by.values()) == \
        section["uplift_programmes_scored"]
    if section["uplift_programmes_scored"]:
        assert section["holdout_treated"] == sum(
            p["holdout_treated"] for p in by.values() if p["holdout"] == "scored")
        assert section["uplift_beats_risk"] == (section["uplift_qini"] > section["risk_qini"])
    else:
        assert all(p["why_not"] for p in by.values())
    assert TARGETS[("outcomes", "uplift_qini")].bound == "risk_qini"
