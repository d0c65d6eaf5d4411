"""Metrics against values worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from cxbridge.models.churn import metrics

Y = np.array([0, 0, 1, 1])
P = np.array([0.1, 0.4, 0.35, 0.8])


def test_ranking_and_probability_scores_match_hand_computation():
    # Pairs (churner, stayer): 0.35>0.1 yes, 0.35>0.4 no, 0.8>both yes: 3 of 4.
    assert metrics.roc_auc(Y, P) == pytest.approx(0.75)
    # Ranked: 0.8 (churner) precision 1 at recall .5; 0.35 (churner) precision 2/3 at recall 1.
    assert metrics.pr_auc(Y, P) == pytest.approx(0.5 * 1 + 0.5 * 2 / 3)
    assert metrics.brier(Y, P) == pytest.approx((0.01 + 0.16 + 0.4225 + 0.04) / 4)


def test_roc_auc_equals_the_share_of_correctly_ordered_pairs():
    rng = np.random.default_rng(7)
    y = rng.integers(0, 2, 60)
    p = rng.integers(0, 10, 60) / 10  # many ties, each worth half a pair
    pos, neg = p[y == 1], p[y == 0]
    pairs = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    assert metrics.roc_auc(y, p) == pytest.approx(pairs / (len(pos) * len(neg)))


def test_calibration_table_bins_by_predicted_probability():
    table = metrics.calibration_table(np.array([0, 1, 0, 1, 1]),
                                      np.array([0.05, 0.15, 0.12, 0.95, 1.0]))
    assert [(row["lower"], row["count"]) for row in table] == [(0.0, 1), (0.1, 2),
                                                               (pytest.approx(0.9), 2)]
    assert table[1]["mean_predicted"] == pytest.approx(0.135)
    assert table[1]["observed_rate"] == pytest.approx(0.5)
    assert table[2]["observed_rate"] == 1.0


def test_lift_and_gains_by_decile():
    scores = np.arange(20, 0, -1) / 20  # row i has the (i+1)-th highest score
    y = np.zeros(20)
    y[[0, 1, 4, 14]] = 1  # base rate 0.2
    table = metrics.lift_table(y, scores)
    assert [row["count"] for row in table] == [2] * 10
    assert [row["positives"] for row in table[:3]] == [2, 0, 1]
    assert [row["lift"] for row in table[:3]] == pytest.approx([5.0, 0.0, 2.5])
    assert table[2]["cumulative_gain"] == pytest.approx(0.75)
    assert table[2]["cumulative_lift"] == pytest.approx(2.5)
    assert table[-1]["cumulative_gain"] == pytest.approx(1.0)
    assert table[-1]["cumulative_lift"] == pytest.approx(1.0)
    assert metrics.lift_top_decile(y, scores) == pytest.approx(5.0)


def test_summary_has_the_headline_figures():
    figures = metrics.summary(np.tile(Y, 5), np.tile(P, 5))
    assert figures["roc_auc"] == pytest.approx(0.75)
    assert figures["rows"] == 20 and figures["positive_rate"] == 0.5


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="both churners and stayers"):
        metrics.roc_auc(np.zeros(4), P)
    with pytest.raises(ValueError, match="4 outcomes but 3 scores"):
        metrics.brier(Y, P[:3])
    with pytest.raises(ValueError, match="cannot be cut into 10 groups"):
        metrics.lift_table(Y, P)
