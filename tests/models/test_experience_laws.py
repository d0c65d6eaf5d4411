"""The quality laws: reference points, monotonicity, bounds, missing values and bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cxbridge.models.experience import emodel as em
from cxbridge.models.experience import laws

GRID = np.linspace(0, 1, 101)


def _within_bounds(scores) -> bool:
    scores = np.asarray(scores)
    return bool(np.all((scores >= 0) & (scores <= 100)))


def test_iqx_and_wql_are_the_published_forms():
    assert laws.iqx(0.0, 3.0, 0.5, 1.0) == pytest.approx(4.0)
    assert laws.iqx(2.0, 3.0, 0.5, 1.0) == pytest.approx(3 * math.exp(-1) + 1)
    assert laws.wql(math.e, 2.0, 1.0) == pytest.approx(3.0)
    with pytest.raises(ValueError, match="x > 0"):
        laws.wql([1.0, 0.0], 1.0, 0.0)


def test_throughput_follows_the_logarithmic_law():
    assert laws.throughput_score(100.0, 100.0) == 100.0
    assert laws.throughput_score(250.0, 100.0) == 100.0          # above plan: no bonus
    assert laws.throughput_score(5.0, 100.0) == pytest.approx(0.0)
    assert laws.throughput_score(0.0, 100.0) == 0.0
    # Weber–Fechner: the geometric midpoint of [zero_ratio, 1] scores half.
    assert laws.throughput_score(math.sqrt(0.05), 1.0) == pytest.approx(50.0)
    # ...and every halving costs the same.
    halvings = np.diff(laws.throughput_score(np.array([1.0, 0.5, 0.25, 0.125]), 1.0))
    assert halvings == pytest.approx(np.full(3, halvings[0]))
    scores = laws.throughput_score(GRID, 1.0)
    assert np.all(np.diff(scores) >= 0) and _within_bounds(scores)


def test_latency_and_loss_follow_iqx():
    assert laws.latency_score(20.0) == 100.0
    assert laws.latency_score(220.0) == pytest.approx(50.0)
    assert laws.latency_score(420.0) == pytest.approx(25.0)
    assert laws.loss_score(0.0) == 100.0
    assert laws.loss_score(2.0) == pytest.approx(50.0)
    assert laws.loss_score(1.0) == pytest.approx(100 / math.sqrt(2))
    latency = laws.latency_score(np.linspace(0, 2000, 201))
    loss = laws.loss_score(np.linspace(0, 100, 201))
    for scores in (latency, loss):
        assert np.all(np.diff(scores) <= 0) and _within_bounds(scores)
    # IQX: the sensitivity is proportional to the remaining quality, dQoE/dx = −β·QoE.
    x, h = 300.0, 1e-3
    slope = (laws.latency_score(x + h) - laws.latency_score(x - h)) / (2 * h)
    assert slope == pytest.approx(-math.log(2) / 200 * laws.latency_score(x), rel=1e-6)


def test_stalling_model_reference_points():
    assert laws.stalling_mos(0, 0) == pytest.approx(5.0)
    assert laws.stalling_mos(1, 1.0) == pytest.approx(3.5 * math.exp(-0.34) + 1.5)
    assert laws.stalling_mos(3, 4.0) == pytest.approx(3.5 * math.exp(-(0.6 + 0.19) * 3) + 1.5)
    assert laws.stalling_score(0, 0) == 100.0
    assert laws.stalling_score(1000, 10) == pytest.approx(12.5)  # the model's floor MOS 1.5
    by_count = laws.stalling_score(np.arange(0, 10), 2.0)
    by_length = laws.stalling_score(2, np.linspace(0, 30, 50))
    for scores in (by_count, by_length):
        assert np.all(np.diff(scores) < 0) and _within_bounds(scores)


def test_accessibility_and_retainability_are_linear_between_thresholds():
    assert laws.accessibility_score(0.0) == 100.0
    assert laws.accessibility_score(0.075) == pytest.approx(50.0)
    assert laws.accessibility_score(0.5) == 0.0
    assert laws.retainability_score(0.05) == pytest.approx(50.0)
    assert laws.retainability_score(0.02, bad=0.04) == pytest.approx(50.0)
    for law in (laws.accessibility_score, laws.retainability_score):
        scores = law(GRID)
        assert np.all(np.diff(scores) <= 0) and _within_bounds(scores)
    with pytest.raises(ValueError, match="failed_share"):
        laws.accessibility_score([0.1, 1.2])


def test_linear_kpi_score_works_both_ways():
    assert laws.linear_kpi_score(92.5, bad=85.0, good=100.0) == pytest.approx(50.0)
    assert laws.linear_kpi_score(0.05, bad=0.10, good=0.0) == pytest.approx(50.0)
    with pytest.raises(ValueError, match="differ"):
        laws.linear_kpi_score(1.0, bad=1.0, good=1.0)


def test_availability_is_the_ts_32450_ratio():
    assert laws.availability_score(0, 60) == 100.0
    assert laws.availability_score(6, 60) == pytest.approx(90.0)
    assert laws.availability_score(60, 60) == 0.0
    assert laws.availability_score(1.44, 1440, bad_pct=99.0) == pytest.approx(90.0)
    scores = laws.availability_score(np.linspace(0, 1440, 50), 1440)
    assert np.all(np.diff(scores) < 0) and _within_bounds(scores)
    with pytest.raises(ValueError, match="exceed"):
        laws.availability_score(61, 60)


def test_voice_score_is_r_on_its_own_scale():
    default = em.emodel()
    assert laws.voice_score(default.R) == pytest.approx(default.R)
    assert laws.voice_score(-4.0) == 0.0 and laws.voice_score(104.0) == 100.0
    wideband = em.emodel_wb()
    assert laws.voice_score(wideband.R, wideband=True) == pytest.approx(wideband.R / 1.29)
    r, _ = em.score_measurements([20, 200, 400], [2, 20, 60], [0, 2, 8], "G.711+PLC")
    scores = laws.voice_score(r)
    assert np.all(np.diff(scores) < 0) and _within_bounds(scores)


def test_mos_score_maps_1_to_5_onto_0_to_100():
    assert laws.mos_score([1.0, 3.0, 5.0]) == pytest.approx([0.0, 50.0, 100.0])
    with pytest.raises(ValueError, match="mos"):
        laws.mos_score(0.5)


def test_missing_values_stay_missing_and_arrays_keep_their_shape():
    out = laws.loss_score(np.array([[np.nan, 1.0], [2.0, 0.0]]))
    assert out.shape == (2, 2) and math.isnan(out[0, 0]) and out[1, 1] == 100.0
    assert math.isnan(laws.throughput_score(np.nan, 100.0))
    assert math.isnan(laws.stalling_score(np.nan, 1.0))
    assert isinstance(laws.latency_score(30.0), float)


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="loss_pct"):
        laws.loss_score(-1.0)
    with pytest.raises(ValueError, match="plan rate"):
        laws.throughput_score(10.0, 0.0)
    with pytest.raises(ValueError, match="n_stalls"):
        laws.stalling_score(-1, 1.0)
