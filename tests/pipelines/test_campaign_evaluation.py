"""The campaign figures of ``cxbridge evaluate`` (section ``what_if``) on inline frames: the
error, the flags' precision and recall, and the same told apart for campaigns projected with
learned and with configured take-up and uplift."""

from __future__ import annotations

import polars as pl
import pytest

from cxbridge.lab.campaign_evaluation import by_assumptions, compare

THRESHOLD = 95.0


def _truth(rows):
    return pl.DataFrame(rows, schema=["campaign_id", "resource_id", "resource_type",
                                      "busy_util_before_pct", "busy_util_after_pct"],
                        orient="row")


def _projected(rows):
    return pl.DataFrame(rows, schema=["campaign_id", "resource_id", "busy_util_pct",
                                      "after_util_pct"], orient="row")


TRUTH = _truth([
    ("A", "C1", "cell", 60.0, 97.0),   # truly congests; projected → hit
    ("A", "C2", "cell", 50.0, 70.0),   # neither
    ("A", "P1", "pon", 8.0, 9.0),      # neither
    ("B", "C3", "cell", 60.0, 96.0),   # truly congests; projected under → miss
    ("B", "C4", "cell", 70.0, 80.0),   # projected over → false flag
])
PROJECTED = _projected([
    ("A", "C1", 61.0, 104.0),  # capped at 100 for the error: 3 points
    ("A", "C2", 50.0, 72.0),   # 2 points
    ("A", "P1", 8.0, 9.5),     # 0.5 points
    ("B", "C3", 60.0, 80.0),   # 16 points
    ("B", "C4", 70.0, 96.0),   # 16 points
])


def test_flags_and_the_median_error_count_each_resource_once():
    figures = compare(TRUTH, PROJECTED, THRESHOLD)
    assert figures["campaign_resources"] == 5 and figures["campaign_resources_unseen"] == 0
    assert figures["campaign_util_mae_pts"] == pytest.approx(3.0)  # median of 3, 2, .5, 16, 16
    assert figures["campaign_util_mae_pts_cells"] == pytest.approx(9.5)  # of 3, 2, 16, 16
    assert (figures["campaign_flags_true"], figures["campaign_flags_projected"]) == (2, 2)
    assert figures["campaign_flag_precision"] == 0.5 and figures["campaign_flag_recall"] == 0.5


def test_learned_and_configured_campaigns_are_scored_apart():
    campaigns = [{"campaign_id": "A", "assumptions": "learned from 2 past campaigns"},
                 {"campaign_id": "B", "assumptions": "configured"}]
    figures = by_assumptions(TRUTH, PROJECTED, campaigns, THRESHOLD)
    assert figures["campaign_learned_campaigns"] == 1
    assert figures["campaign_configured_campaigns"] == 1
    assert figures["campaign_learned_flag_precision"] == 1.0
    assert figures["campaign_learned_flag_recall"] == 1.0
    assert figures["campaign_configured_flag_precision"] == 0.0
    assert figures["campaign_configured_flag_recall"] == 0.0
    assert figures["campaign_configured_util_mae_pts_cells"] == pytest.approx(16.0)


def test_a_kind_with_no_campaign_is_counted_and_has_no_figures():
    campaigns = [{"campaign_id": "A", "assumptions": "configured (any offer)"},
                 {"campaign_id": "B", "assumptions": "configured"}]
    figures = by_assumptions(TRUTH, PROJECTED, campaigns, THRESHOLD)
    assert figures["campaign_learned_campaigns"] == 0
    assert "campaign_learned_flag_recall" not in figures
    assert figures["campaign_configured_flag_recall"] == 0.5


def test_resources_that_may_congest_count_as_checked_not_as_flagged():
    # B's guess put C3 at 80 % but its range reaches the threshold: operations check it
    projected = PROJECTED.with_columns(may_congest=pl.col("resource_id") == "C3")
    figures = compare(TRUTH, projected, THRESHOLD)
    assert figures["campaign_flag_recall"] == 0.5  # the flags alone are unchanged
    assert figures["campaign_flags_or_may_projected"] == 3
    assert figures["campaign_flag_or_may_recall"] == 1.0
    assert figures["campaign_flag_or_may_precision"] == pytest.approx(0.667)
    # a projection without the column (a learned point) is read as no range
    assert compare(TRUTH, PROJECTED, THRESHOLD)["campaign_flag_or_may_recall"] == 0.5


def test_the_residual_splits_into_the_level_and_the_extra_load():
    # every cell: the truth's level 2 points over the projected one, its extra 1.5× the
    # projected extra (30 → 45 points over a projected 20); a cell the counter saturates and a
    # PON port are left out
    truth = _truth([
        ("A", "C1", "cell", 52.0, 52.0 + 30.0),
        ("A", "C2", "cell", 42.0, 42.0 + 24.0),
        ("B", "C3", "cell", 62.0, 62.0 + 12.0),
        ("B", "C4", "cell", 70.0, 98.5),       # saturated: out
        ("B", "P1", "pon_port", 8.0, 30.0),    # not a cell: out
    ])
    projected = _projected([
        ("A", "C1", 50.0, 50.0 + 20.0),
        ("A", "C2", 40.0, 40.0 + 16.0),
        ("B", "C3", 60.0, 60.0 + 8.0),
        ("B", "C4", 68.0, 90.0),
        ("B", "P1", 8.0, 9.0),
    ])
    figures = compare(truth, projected, THRESHOLD)
    assert figures["campaign_residual_cells"] == 3
    assert figures["campaign_before_error_median_pts_cells"] == pytest.approx(2.0)
    assert figures["campaign_extra_ratio_median_cells"] == pytest.approx(1.5)
    # residuals 12, 10, 6: the level's 2 points plus half the projected extra
    assert figures["campaign_residual_median_pts_cells"] == pytest.approx(10.0)
    assert figures["campaign_residual_sd_pts_cells"] == pytest.approx(3.06, abs=0.01)


def test_an_unbiased_projection_has_a_zero_median_residual_and_the_split_is_per_kind():
    # noise only: residuals −6, 0, +6 around the projection (level ±2, extra ±4 points)
    truth = _truth([
        ("A", "C1", "cell", 48.0, 48.0 + 26.0),
        ("A", "C2", "cell", 50.0, 50.0 + 30.0),
        ("A", "C3", "cell", 52.0, 52.0 + 34.0),
        ("B", "C4", "cell", 60.0, 60.0 + 40.0 - 3.0),
    ])
    projected = _projected([
        ("A", "C1", 50.0, 80.0),
        ("A", "C2", 50.0, 80.0),
        ("A", "C3", 50.0, 80.0),
        ("B", "C4", 60.0, 80.0),  # B: a guess at half the extra load
    ])
    campaigns = [{"campaign_id": "A", "assumptions": "learned from 1 past campaign"},
                 {"campaign_id": "B", "assumptions": "configured"}]
    figures = by_assumptions(truth, projected, campaigns, THRESHOLD)
    assert figures["campaign_learned_residual_median_pts_cells"] == pytest.approx(0.0)
    assert figures["campaign_learned_residual_sd_pts_cells"] == pytest.approx(6.0)
    assert figures["campaign_learned_before_error_median_pts_cells"] == pytest.approx(0.0)
    assert figures["campaign_learned_extra_ratio_median_cells"] == pytest.approx(1.0)
    assert figures["campaign_configured_residual_median_pts_cells"] == pytest.approx(17.0)
    assert figures["campaign_configured_extra_ratio_median_cells"] == pytest.approx(1.85)
    assert figures["campaign_configured_residual_sd_pts_cells"] is None  # one cell: no spread
