"""The Service Experience Index on hand-made service-days: components, index, poor days and
the reason in words."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
import pytest

from cxbridge.models.experience import sei

BASE = {
    "date": date(2026, 10, 5), "service_id": "S", "customer_id": "C", "cfs_type": "ftth",
    "segment": "consumer", "region": "Dublin", "access_resource_id": "PON-1",
    "outage_minutes": 0.0, "fault_resource_id": None, "first_fault_at": None,
    "sessions": 40, "session_failures": 0, "access_attempts": None, "drops": None,
    "throughput_mbps_worst_hour": 480.0, "plan_download_mbps": 500.0,
    "latency_ms_worst_hour": 12.0, "jitter_ms": 1.0, "packet_loss_pct_worst_hour": 0.01,
    "video_stall_count": 0, "video_stall_seconds": 0.0,
}


def _score(*changes: dict) -> pl.DataFrame:
    rows = [BASE | {"service_id": f"S{i}"} | change for i, change in enumerate(changes)]
    return sei.score(pl.DataFrame(rows, infer_schema_length=None))


def test_a_clean_day_scores_high_and_is_not_poor():
    day = _score({}).row(0, named=True)
    assert day["sei"] > 95 and not day["poor"]
    assert day["score_voice"] is None and day["score_video"] is None  # not an FTTH component


def test_an_outage_pulls_the_index_down_and_is_named_with_resource_and_time():
    day = _score({"outage_minutes": 120.0, "fault_resource_id": "OLT-7",
                  "first_fault_at": datetime(2026, 10, 5, 18, 0)}).row(0, named=True)
    assert day["score_availability"] == pytest.approx(50.0)  # linear, 0 at 240 min
    assert day["sei"] < 80 and day["driver"] == "availability"
    assert day["driver_text"] == ("Availability: 120 min of service-affecting faults, on OLT-7 "
                                  "from 18:00 UTC")


def test_a_whole_day_out_is_poor_whatever_the_other_components_say():
    day = _score({"outage_minutes": 1440.0}).row(0, named=True)
    assert day["poor"] and day["sei"] < 20


def test_one_failed_session_in_a_few_is_not_a_poor_day_but_many_are():
    few, many = _score({"sessions": 11, "session_failures": 1},
                       {"sessions": 22, "session_failures": 6}).iter_rows(named=True)
    assert few["score_accessibility"] > 80 and not few["poor"]
    assert many["score_accessibility"] < 40 and many["poor"]
    assert many["driver"] == "accessibility"


def test_an_unmeasured_component_is_left_out_not_counted_as_perfect():
    measured, unmeasured = _score({"latency_ms_worst_hour": 400.0},
                                  {"latency_ms_worst_hour": None}).iter_rows(named=True)
    assert unmeasured["score_latency"] is None
    assert measured["sei"] < unmeasured["sei"]


def test_voice_uses_the_e_model_and_degrades_with_delay_and_loss():
    good, bad = _score(
        {"cfs_type": "mobile_voice", "latency_ms_worst_hour": 40.0, "jitter_ms": 2.0,
         "packet_loss_pct_worst_hour": 0.1},
        {"cfs_type": "mobile_voice", "latency_ms_worst_hour": 400.0, "jitter_ms": 30.0,
         "packet_loss_pct_worst_hour": 5.0}).iter_rows(named=True)
    assert good["score_voice"] > 80 > bad["score_voice"]
    assert good["score_throughput"] is None  # voice has no speed component
