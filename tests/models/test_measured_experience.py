"""Measured experience scored by the SEI's laws, on inline session and cell frames."""

from __future__ import annotations

import polars as pl
import pytest

from cxbridge.models.experience import laws, measured, sei


def _session(**values) -> dict:
    row = {"session_id": "S1", "active_samples": 100, "active_5g": 0, "active_4g": 100,
           "active_3g": 0, "active_2g": 0, "active_video": 0, "dl_mean_mbps": 15.0,
           "rtt_ms": None, "loss_pct": None, "ping_samples": 0, "rsrp_dbm": -85.0,
           "rsrq_db": -11.0, "sinr_db": 15.0, "share_legacy": 0.0, "stalled_share": 0.0}
    return {**row, **values}


def _score(*rows: dict) -> pl.DataFrame:
    return measured.score_sessions(pl.DataFrame(list(rows), schema_overrides={
        "rtt_ms": pl.Float64, "loss_pct": pl.Float64}))


def test_without_pings_latency_and_loss_are_left_out_not_bad():
    scored = _score(_session()).row(0, named=True)
    assert scored["score_latency"] is None and scored["score_loss"] is None
    assert scored["components_measured"] == 1
    assert scored["coverage"] == pytest.approx(sei.WEIGHTS["mobile_data"]["throughput"])
    # the index is the throughput score alone: 15 Mbit/s against LTE's 30
    assert scored["score"] == pytest.approx(laws.throughput_score(15.0, 30.0))
    assert scored["reference_mbps"] == 30.0 and scored["scored_technology"] == "4G"


def test_pings_add_latency_and_loss_by_the_seis_weights():
    with_pings = _score(_session(rtt_ms=250.0, loss_pct=1.0, ping_samples=20)).row(0, named=True)
    weights = sei.WEIGHTS["mobile_data"]
    parts = {"throughput": laws.throughput_score(15.0, 30.0),
             "latency": laws.latency_score(250.0), "loss": laws.loss_score(1.0)}
    total = sum(weights[c] for c in parts)
    expected = 100.0
    for name, value in parts.items():
        expected *= (value / 100) ** (weights[name] / total)
    assert with_pings["score"] == pytest.approx(expected)
    assert with_pings["score_latency"] == pytest.approx(parts["latency"])
    assert with_pings["components_measured"] == 3


def test_a_few_ping_rounds_are_too_little_evidence():
    scored = _score(_session(rtt_ms=900.0, loss_pct=50.0, ping_samples=2)).row(0, named=True)
    assert scored["score_latency"] is None and scored["score_loss"] is None


def test_reference_follows_the_technology_transferred_on_most():
    rows = _score(_session(session_id="5G", active_5g=60, active_4g=40),
                  _session(session_id="3G", active_4g=0, active_3g=100))
    assert rows["scored_technology"].to_list() == ["5G", "3G"]
    assert rows["reference_mbps"].to_list() == [100.0, 10.0]


def test_video_is_judged_against_the_hd_rate():
    video = _score(_session(active_video=100, dl_mean_mbps=5.0, active_5g=100, active_4g=0))
    assert video["reference_mbps"][0] == measured.VIDEO_HD_MBPS
    assert video["score"][0] == pytest.approx(100.0)
    # a cell with both: the references weighted by the seconds of each
    mixed = measured.score_cells(pl.DataFrame([{**_session(active_video=25), "cell_id": "C"}],
                                              schema_overrides={"rtt_ms": pl.Float64,
                                                                "loss_pct": pl.Float64}))
    assert mixed["reference_mbps"][0] == pytest.approx(0.75 * 30.0 + 0.25 * 5.0)


@pytest.mark.parametrize(("values", "starts"), [
    ({"rsrp_dbm": -112.0}, "Poor coverage: RSRP -112 dBm"),
    ({"sinr_db": -3.0}, "Interference: RSRQ -11 dB, SINR -3 dB with RSRP -85 dBm"),
    ({"share_legacy": 0.8}, "On 3G/2G 80 % of the time"),
    ({"rsrp_dbm": -78.0}, "Congested: good radio (RSRP -78 dBm), yet 2.0 Mbit/s against the 30 "
                          "Mbit/s 4G reference"),
    ({"rsrp_dbm": None, "rsrq_db": None, "sinr_db": None}, "Slow: 2.0 Mbit/s"),
])
def test_a_slow_session_is_explained_by_its_radio(values, starts):
    reason = _score(_session(dl_mean_mbps=2.0, **values))["reason"][0]
    assert reason.startswith(starts), reason


def test_no_reason_when_the_session_is_good():
    assert _score(_session(dl_mean_mbps=40.0))["reason"][0] is None


def test_radio_bands():
    frame = pl.DataFrame({"rsrp_dbm": [-70.0, -85.0, -95.0, -101.0, None]})
    bands = frame.select(measured.radio_band(pl.col("rsrp_dbm"), "rsrp_dbm")).to_series()
    assert bands.to_list() == ["excellent", "good", "fair", "poor", None]


def test_cells_with_little_evidence_rank_near_the_overall_score():
    cells = pl.DataFrame([
        {**_session(dl_mean_mbps=1.0, active_samples=10, active_4g=10), "cell_id": "brief"},
        {**_session(dl_mean_mbps=1.0, active_samples=3600, active_4g=3600), "cell_id": "hour"},
        {**_session(dl_mean_mbps=30.0, active_samples=3600, active_4g=3600), "cell_id": "good"},
    ], schema_overrides={"rtt_ms": pl.Float64, "loss_pct": pl.Float64})
    ranked = {r["cell_id"]: r for r in measured.score_cells(cells).iter_rows(named=True)}
    assert ranked["brief"]["score"] == pytest.approx(ranked["hour"]["score"])
    assert ranked["hour"]["rank_score"] < ranked["brief"]["rank_score"]
    assert ranked["brief"]["evidence"] == "little" and ranked["hour"]["evidence"] == "ample"


def test_no_rows_give_typed_empty_columns():
    empty = measured.score_cells(pl.DataFrame(schema={
        "cell_id": pl.String, **{c: pl.Float64 for c in measured.MEASURES}}))
    assert empty.is_empty()
    assert empty.schema["score"] == pl.Float64 and empty.schema["reason"] == pl.String


def test_missing_columns_are_named():
    with pytest.raises(ValueError, match="active_video"):
        measured.score_sessions(pl.DataFrame([_session()]).drop("active_video"))


def test_a_first_row_with_nothing_measured_is_scored_as_not_measured():
    rows = _score(_session(session_id="idle", active_samples=0, active_4g=0, dl_mean_mbps=None),
                  _session(session_id="fine", dl_mean_mbps=40.0), _session(session_id="slow"))
    assert rows["score"][0] is None and rows["poor"][0] is None and rows["driver"][0] is None
    assert rows["score"][1] == 100.0 and rows["driver"][2] == "throughput"
