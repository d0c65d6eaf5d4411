"""Absent is not bad: every input of the Service Experience Index dropped in turn, on inline
service-days. A missing input makes only the component(s) it feeds "not measured" (NULL); the
other components keep their scores and the index is the geometric mean of the rest with their
weights renormalised. Also: the coverage figures and the per-technology reference rates."""

from __future__ import annotations

import math
from datetime import date, datetime

import polars as pl
import pytest

from cxbridge.models.experience import laws, sei

# Every input present, every component a little short of perfect, so that losing one shows.
FULL = {
    "date": date(2026, 10, 5), "service_id": "S", "customer_id": "C", "cfs_type": "ftth",
    "segment": "consumer", "region": "Dublin", "access_resource_id": "ACC-1",
    "outage_minutes": 20.0, "pm_unavailable_minutes": 12.0, "fault_resource_id": "OLT-1",
    "first_fault_at": datetime(2026, 10, 5, 18, 0), "sessions": 50, "session_failures": 3,
    "access_attempts": 200, "drops": 4, "throughput_mbps_worst_hour": 150.0,
    "plan_download_mbps": 500.0, "latency_ms_worst_hour": 80.0, "jitter_ms": 8.0,
    "packet_loss_pct_worst_hour": 0.6, "video_stall_count": 2, "video_stall_seconds": 6.0,
}
MOBILE = {"plan_download_mbps": None, "throughput_mbps_worst_hour": 15.0}
CFS_ROWS = {
    "ftth": FULL,
    "mobile_data": FULL | MOBILE | {"cfs_type": "mobile_data"},
    "mobile_voice": FULL | MOBILE | {"cfs_type": "mobile_voice"},
    "iptv": FULL | {"cfs_type": "iptv", "plan_download_mbps": None},
    "enterprise_vpn": FULL | {"cfs_type": "enterprise_vpn", "plan_download_mbps": None},
}
# The inputs set to NULL together → the components that must be lost (where they apply).
DROPS: dict[str, tuple[tuple[str, ...], set[str]]] = {
    "no alarm feed, no PM availability counter": (
        ("outage_minutes", "pm_unavailable_minutes"), {"availability"}),
    "no usage sessions": (("sessions",), {"accessibility", "video"}),
    "no usage session failures": (("session_failures",), {"accessibility"}),
    "no set-up attempts counter": (("access_attempts",), {"retainability"}),
    "no drops counter": (("drops",), {"retainability"}),
    "no throughput counter": (("throughput_mbps_worst_hour",), {"throughput"}),
    "no latency counter": (("latency_ms_worst_hour",), {"latency", "voice"}),
    "no jitter counter": (("jitter_ms",), {"voice"}),
    "no packet-loss counter": (("packet_loss_pct_worst_hour",), {"loss", "voice"}),
    "no video stall count": (("video_stall_count",), {"video"}),
    "no video stall seconds": (("video_stall_seconds",), {"video"}),
    "no plan rate": (("plan_download_mbps",), {"throughput"}),  # mobile has a reference rate
}


def _scored(*rows: dict) -> list[dict]:
    frame = pl.DataFrame([r | {"service_id": f"S{i}"} for i, r in enumerate(rows)],
                         infer_schema_length=None)
    return list(sei.score(frame).iter_rows(named=True))


def _renormalised(scores: dict[str, float], cfs_type: str) -> float:
    """The index by its definition: the weighted geometric mean over the given components."""
    weights = {name: sei.WEIGHTS[cfs_type][name] for name in scores}
    total = sum(weights.values())
    return 100 * math.exp(sum(weights[n] / total * math.log(max(s, 1.0) / 100)
                              for n, s in scores.items()))


def _measured(day: dict) -> dict[str, float]:
    return {n: day[f"score_{n}"] for n in sei.COMPONENTS if day[f"score_{n}"] is not None}


@pytest.mark.parametrize("cfs_type", list(CFS_ROWS))
@pytest.mark.parametrize("drop", list(DROPS))
def test_a_missing_input_loses_only_its_components(cfs_type, drop):
    columns, feeds = DROPS[drop]
    full_row = CFS_ROWS[cfs_type]
    full, absent = _scored(full_row, full_row | dict.fromkeys(columns))
    applying = set(sei.WEIGHTS[cfs_type])
    assert set(_measured(full)) == applying  # the full day measures every component
    lost = feeds & applying
    if cfs_type != "ftth" and columns == ("plan_download_mbps",):
        lost = set()                         # judged against its technology's reference rate
    for name in sei.COMPONENTS:
        if name in lost:
            assert absent[f"score_{name}"] is None, f"{name} should be not measured"
        else:
            assert absent[f"score_{name}"] == full[f"score_{name}"], name
    rest = _measured(absent)
    assert set(rest) == applying - lost
    assert absent["sei"] == pytest.approx(_renormalised(rest, cfs_type), abs=1e-9)
    assert absent["components_measured"] == full["components_measured"] - len(lost)
    lost_weight = sum(sei.WEIGHTS[cfs_type][n] for n in lost)
    assert absent["coverage"] == pytest.approx(full["coverage"] - lost_weight
                                               / sum(sei.WEIGHTS[cfs_type].values()))
    # what is left is never scored lower for the absence: the index stays inside the measured
    # components' range, where a missing measure read as the worst value would fall below it
    assert min(rest.values()) - 1e-9 <= absent["sei"] <= max(rest.values()) + 1e-9


def test_the_full_day_is_the_renormalised_mean_of_all_its_components():
    for cfs_type, row in CFS_ROWS.items():
        (day,) = _scored(row)
        assert day["coverage"] == pytest.approx(1.0) and day["components_measured"] == len(
            sei.WEIGHTS[cfs_type])
        assert day["sei"] == pytest.approx(_renormalised(_measured(day), cfs_type))


def test_availability_without_an_alarm_feed_comes_from_the_pm_counter():
    alarms, pm_only, neither = _scored(
        FULL, FULL | {"outage_minutes": None},
        FULL | {"outage_minutes": None, "pm_unavailable_minutes": None})
    assert alarms["score_availability"] == pytest.approx(100 * (1 - 20 / 240))
    assert pm_only["score_availability"] == pytest.approx(100 * (1 - 12 / 240))
    assert neither["score_availability"] is None  # not 100: nothing said it was up
    # with an alarm feed loaded, a day without a fault is a measured 0 minutes
    (quiet,) = _scored(FULL | {"outage_minutes": 0.0, "pm_unavailable_minutes": None})
    assert quiet["score_availability"] == 100.0


def test_the_pm_availability_drag_is_named_in_words():
    (day,) = _scored(FULL | {"outage_minutes": None, "pm_unavailable_minutes": 180.0})
    assert day["driver"] == "availability"
    assert day["driver_text"] == "Availability: 180 min unavailable by the PM counters on ACC-1"


def test_a_day_with_nothing_measured_has_no_index_and_is_not_judged():
    nothing = dict.fromkeys(("outage_minutes", "pm_unavailable_minutes", "sessions",
                             "session_failures", "throughput_mbps_worst_hour",
                             "latency_ms_worst_hour", "packet_loss_pct_worst_hour"))
    (day,) = _scored(FULL | nothing)
    assert day["sei"] is None and day["poor"] is None
    assert day["components_measured"] == 0 and day["coverage"] == 0.0


def test_coverage_is_the_measured_share_of_the_weights_of_its_type():
    only_availability = dict.fromkeys(("sessions", "throughput_mbps_worst_hour",
                                       "latency_ms_worst_hour", "packet_loss_pct_worst_hour"))
    (day,) = _scored(FULL | only_availability)
    assert day["components_measured"] == 1
    assert day["coverage"] == pytest.approx(sei.WEIGHTS["ftth"]["availability"])
    assert day["sei"] == pytest.approx(day["score_availability"])


# --- reference rates per technology -----------------------------------------------------------

def _throughput(cfs_type: str, measured: float, technology: str | None = None,
                plan: float | None = None) -> float:
    (day,) = _scored(FULL | {"cfs_type": cfs_type, "throughput_mbps_worst_hour": measured,
                             "plan_download_mbps": plan, "access_technology": technology})
    return day["score_throughput"]


def test_a_mobile_service_is_judged_against_its_technology_reference_rate():
    lte = sei.REFERENCE_DOWNLINK["lte"].mbps
    assert lte == 30.0  # what every mobile service was judged against before the table
    assert _throughput("mobile_data", 15.0) == pytest.approx(laws.throughput_score(15.0, lte))
    assert _throughput("mobile_data", 15.0, "LTE") == _throughput("mobile_data", 15.0)
    five_g = _throughput("mobile_data", 15.0, "5G")
    assert five_g == pytest.approx(laws.throughput_score(15.0, 100.0)) and five_g < 80
    assert _throughput("mobile_data", 15.0, "HSPA+") == 100.0   # 10 Mbit/s reference
    assert _throughput("mobile_data", 15.0, "wimax") == _throughput("mobile_data", 15.0)


def test_a_mobile_plan_that_states_a_rate_caps_the_reference():
    assert _throughput("mobile_data", 20.0, "5g_sa", plan=20.0) == 100.0


def test_fixed_access_is_judged_against_its_plan_rate():
    assert _throughput("ftth", 250.0, plan=500.0) == pytest.approx(
        laws.throughput_score(250.0, 500.0))
    # a line the input says is carried by radio (fixed wireless on 5G) is judged like one
    assert _throughput("ftth", 50.0, "5G", plan=500.0) == pytest.approx(
        laws.throughput_score(50.0, 100.0))
    assert _throughput("ftth", 250.0) is None  # no plan rate: nothing to judge against


def test_every_reference_rate_names_its_source_and_every_technology_resolves():
    for name, rate in sei.REFERENCE_DOWNLINK.items():
        assert len(rate.source) > 40, name
        assert rate.mbps is None or rate.mbps > 0
    assert set(sei.CFS_TECHNOLOGY.values()) <= set(sei.REFERENCE_DOWNLINK)
    assert set(sei.TECHNOLOGY_ALIASES.values()) <= set(sei.REFERENCE_DOWNLINK)
    assert sei.DEFAULT_TECHNOLOGY in sei.REFERENCE_DOWNLINK
