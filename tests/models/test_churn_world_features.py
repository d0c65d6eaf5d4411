"""Churn features and labels from hand-made warehouse rows: every figure checked by hand.

Snapshot 2026-10-31 (day 30), lookback 30 days: the window is days 0–29, the last week days
23–29. Customer A has a bad fortnight on broadband, tickets and a survey; B is month-to-month
and leaves on the snapshot date; C left before it; D starts on it; E leaves exactly when the
30-day horizon closes (not within it).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from cxbridge.models.churn.features import (
    NotEnoughHistoryError,
    Schedule,
    clip_to_ranges,
    feature_norms,
    feature_spec,
    features,
    history,
    holdout_split,
    labelled,
    labels,
    sentence,
    training_dates,
    unusual,
)
from cxbridge.models.churn.tabular import ChurnDataError
from cxbridge.platform import warehouse
from cxbridge.platform.settings import load_settings
from tests.models.churn_world import START, at, write_tables

SNAPSHOT = START + timedelta(days=30)
POOR = {5, 24, 25}


def day(n: int) -> date:
    return START + timedelta(days=n)


def cfs(service, customer, kind, price, *, speed=None, start=-400, end=None):
    return {"service_id": service, "customer_id": customer, "cfs_type": kind,
            "segment": "consumer", "start_date": day(start),
            "end_date": None if end is None else day(end), "monthly_price_eur": price,
            "plan_download_mbps": speed}


def customer(customer_id, contract, since):
    return {"customer_id": customer_id, "segment": "consumer", "region": "Dublin",
            "contract_type": contract, "payment_method": "direct_debit",
            "customer_since": day(since), "extra_attributes": '{"loyalty_tier": "gold"}',
            "status": "active"}


def a_days():
    return [{"date": day(n), "customer_id": "A", "poor": n in POOR,
             "sei_worst": 50.0 if n in POOR else 90.0,
             "worst_outage_minutes": 120.0 if n == 24 else 0.0,
             "sessions": 40 if n < 23 else 20, "session_failures": 0} for n in range(31)]


TABLES = {
    "stg.customers": [customer("A", "one_year", -400), customer("B", "month-to-month", -100),
                      customer("C", "one_year", -400), customer("D", "one_year", 30),
                      customer("E", "two_year", -50)],
    "core.cfs": [cfs("A-BB", "A", "ftth", 55.0, speed=500.0),
                 cfs("A-TV", "A", "iptv", 20.0, end=45),
                 cfs("B-BB", "B", "ftth", 45.0, speed=500.0, start=-100, end=30),
                 cfs("C-BB", "C", "ftth", 99.0, speed=500.0, end=20),
                 cfs("D-BB", "D", "ftth", 99.0, speed=500.0, start=30),
                 cfs("E-BB", "E", "ftth", 60.0, speed=1000.0, start=-50, end=60)],
    "stg.services": [{"service_id": s, "category": "CFS", "characteristics": "{}"}
                     for s in ("A-BB", "A-TV", "B-BB", "C-BB", "D-BB", "E-BB")],
    "marts.customer_daily": a_days(),
    "marts.service_experience_daily": [
        {"date": day(5), "service_id": "A-BB", "customer_id": "A", "cfs_type": "ftth",
         "poor": True, "driver": "availability"},
        {"date": day(24), "service_id": "A-BB", "customer_id": "A", "cfs_type": "ftth",
         "poor": True, "driver": "availability"},
        {"date": day(25), "service_id": "A-TV", "customer_id": "A", "cfs_type": "iptv",
         "poor": True, "driver": "video"},
        {"date": day(31), "service_id": "A-TV", "customer_id": "A", "cfs_type": "iptv",
         "poor": True, "driver": "video"}],
    "core.service_fault_intervals": [
        {"service_id": "A-BB", "date": day(-1), "starts": at(-1, 10), "ends": at(-1, 11)},
        {"service_id": "A-BB", "date": day(24), "starts": at(24, 22), "ends": at(25, 0)},
        {"service_id": "A-BB", "date": day(25), "starts": at(25, 0), "ends": at(25, 1)},
        {"service_id": "A-BB", "date": day(27), "starts": at(27, 10), "ends": at(27, 11)},
        {"service_id": "A-BB", "date": day(30), "starts": at(30, 10), "ends": at(30, 11)}],
    "stg.tickets": [
        {"ticket_id": "T1", "customer_id": "A", "service_id": "A-BB", "created_at": at(24, 10),
         "resolved_at": at(40), "category": "slow_speed"},
        {"ticket_id": "T2", "customer_id": "A", "service_id": "A-BB", "created_at": at(26, 9),
         "resolved_at": at(41), "category": "follow_up"},
        {"ticket_id": "T3", "customer_id": "A", "service_id": "A-BB", "created_at": at(10),
         "resolved_at": at(11), "category": "billing"},
        {"ticket_id": "T4", "customer_id": "A", "service_id": "A-BB", "created_at": at(30, 8),
         "resolved_at": None, "category": "billing"},
        {"ticket_id": "T5", "customer_id": "A", "service_id": "A-BB", "created_at": at(-5),
         "resolved_at": None, "category": "plan_change"}],
    "stg.surveys": [{"customer_id": "A", "responded_at": at(12), "score": 3},
                    {"customer_id": "A", "responded_at": at(31), "score": 9}],
}


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    home = tmp_path_factory.mktemp("churn-features")
    settings = load_settings({"CXBRIDGE_HOME": str(home), "CXBRIDGE_CONFIG": ""})
    with warehouse.connect(settings) as connection:
        write_tables(connection, TABLES)
        yield connection


def test_only_customers_in_service_at_the_snapshot_get_a_row(con):
    frame = features(con, [SNAPSHOT], Schedule())
    assert frame.get_column("customer_id").to_list() == ["A", "B", "E"]


def test_commercial_features(con):
    rows = {r["customer_id"]: r for r in features(con, [SNAPSHOT], Schedule()).to_dicts()}
    a, b = rows["A"], rows["B"]
    assert a["tenure_days"] == 430 and b["tenure_days"] == 130
    assert a["days_to_renewal"] == 365 - 430 % 365
    assert b["days_to_renewal"] == 0                       # month-to-month
    assert a["services_active"] == 2 and a["monthly_revenue_eur"] == pytest.approx(75.0)
    # A and B share the 500 Mbit/s plan (median 50); the TV plan is not identified
    assert a["price_premium_pct"] == pytest.approx(10.0)
    assert b["price_premium_pct"] == pytest.approx(-10.0)
    assert rows["E"]["price_premium_pct"] == pytest.approx(0.0)  # alone on its plan
    assert a["loyalty_tier"] == "gold" and a["contract_type"] == "one_year"


def test_experience_features_use_only_days_before_the_snapshot(con):
    a = features(con, [SNAPSHOT], Schedule()).row(0, named=True)
    assert a["days_observed"] == 30
    assert (a["poor_days"], a["poor_days_7d"]) == (3, 2)
    assert a["sei_mean"] == pytest.approx((27 * 90 + 3 * 50) / 30)
    assert a["sei_change_7d"] == pytest.approx((5 * 90 + 2 * 50) / 7 - (22 * 90 + 50) / 23)
    assert a["fault_hours"] == pytest.approx(2.0)
    # the stretch after midnight continues the one before it; day -1 and day 30 are outside
    assert a["outages"] == 2 and a["outage_service"] == "ftth"
    assert (a["poor_service"], a["poor_driver"]) == ("ftth", "availability")
    assert a["usage_change_7d_pct"] == pytest.approx(-50.0)


def test_care_features_as_they_stood_at_the_snapshot(con):
    a = features(con, [SNAPSHOT], Schedule()).row(0, named=True)
    # T1 is a network complaint, open at the snapshot; T2 only chases it (a repeat contact, no
    # second complaint, neither network nor other); T3 was solved; T4 came after the snapshot;
    # T5 (before the window) is still open
    assert (a["network_tickets"], a["unresolved_network_tickets"]) == (1, 1)
    assert (a["other_tickets"], a["unresolved_other_tickets"]) == (1, 1)
    assert a["repeat_tickets"] == 3          # T1, T2, T3 were opened while T5 was open
    assert a["survey_score"] == 3            # the answer of day 31 is not known yet


def test_labels_a_cfs_ending_within_the_horizon(con):
    got = {r["customer_id"]: (r["churned"], r["first_end_date"])
           for r in labels(con, [SNAPSHOT], Schedule()).to_dicts()}
    assert got == {"A": (True, day(45)),     # the TV service ends, broadband stays
                   "B": (True, day(30)),     # in service the day before, gone on the 31st
                   "E": (False, None)}       # ends on day 60: the horizon is days 30–59


def test_a_later_snapshot_moves_the_window(con):
    frame = features(con, [SNAPSHOT, day(31)], Schedule())
    later = frame.filter(frame["snapshot_date"] == day(31)).row(0, named=True)
    assert later["customer_id"] == "A" and later["survey_score"] == 3  # answered on day 31
    assert later["unresolved_other_tickets"] == 2                       # T4 is now known


def test_reasons_are_worded_from_the_row(con):
    a = features(con, [SNAPSHOT], Schedule()).row(0, named=True)
    assert sentence("own_outages", {"own_outages": 2, "own_outage_service": "ftth"},
                    Schedule()) == "2 local outages on broadband in the last 30 days"
    # a model saved before the own/shared split still words its inputs
    assert sentence("outages", a, Schedule()) == "2 outages on broadband in the last 30 days"
    assert sentence("poor_days", a, Schedule()) == (
        "3 poor-experience days in the last 30 days, mostly on broadband (outages)")
    assert sentence("unresolved_network_tickets", a, Schedule()) == (
        "1 complaint about the network still unresolved")
    assert sentence("usage_change_7d_pct", a, Schedule()) == (
        "uses the services 50 % less in the last week than the weeks before")
    assert sentence("days_to_renewal", {"days_to_renewal": 0,
                                        "contract_type": "month-to-month"}, Schedule()) == (
        sentence("contract_type", {"contract_type": "month-to-month"}, Schedule()))
    assert sentence("survey_score", {"survey_score": None}, Schedule()).endswith("unknown")


def test_snapshot_dates_count_back_from_the_newest_labelled_day(con):
    assert history(con).days == 31
    found = type(history(con))(START, START + timedelta(days=119))        # 120 days
    dates = training_dates(found, Schedule())
    assert dates == [day(30), day(60), day(90)]
    assert holdout_split(dates, Schedule()) == ([day(30), day(60)], day(90))
    assert training_dates(type(found)(START, day(59)), Schedule()) == [day(30)]
    assert holdout_split([day(30)], Schedule()) is None
    weekly = training_dates(found, Schedule(interval_days=7))
    assert weekly[-1] == day(90) and weekly[0] == day(34) and len(weekly) == 9


def test_too_little_history_says_how_much_is_needed(con):
    with pytest.raises(NotEnoughHistoryError) as caught:
        training_dates(history(con), Schedule())
    message = str(caught.value)
    assert "holds 31 days" in message and "at least 60" in message and "needs 90" in message
    assert "--days 90" in message
    with pytest.raises(ChurnDataError, match="at least 14 days"):
        Schedule(lookback_days=7)


def test_the_model_sees_features_within_their_training_range(con):
    frame = features(con, [SNAPSHOT], Schedule())
    ranges = {"fault_hours": [0.0, 1.5], "days_to_renewal": [10.0, 200.0]}
    held = clip_to_ranges(frame, ranges)
    assert held.get_column("fault_hours").to_list() == [1.5, 0.0, 0.0]
    assert held.get_column("days_to_renewal").to_list() == [200.0, 10.0, 200.0]
    assert held.get_column("outages").to_list() == frame.get_column("outages").to_list()


def test_norms_are_the_outer_tenths_and_the_median(con):
    frame = labelled(con, [SNAPSHOT], Schedule())
    norms = feature_norms(frame, feature_spec(frame))
    # A, B and E are in service, customers for 430, 130 and 80 days: nearest ranks
    assert norms["tenure_days"] == [80.0, 130.0, 430.0]
    assert set(norms) == set(feature_spec(frame).of_kind("numeric"))


@pytest.mark.parametrize(("feature", "value", "norm", "expected"), [
    ("own_outages", 4, [2.0, 2.0, 4.0], True),      # in the top tenth, two more than typical
    ("own_outages", 3, [2.0, 2.0, 4.0], False),     # worse than typical, not unusual
    ("own_fault_hours", 3.5, [3.5, 3.5, 10.0], False),    # what everybody had
    ("own_fault_hours", 10.4, [0.0, 10.0, 10.2], False),  # in the tail, under an hour more
    ("poor_days_7d", 1, [0.0, 0.0, 0.0], True),     # most had none
    ("sei_mean", 80.0, [87.0, 94.0, 98.0], True),
    ("sei_mean", 86.0, [87.0, 94.0, 98.0], True),
    ("sei_mean", 89.5, [89.8, 94.0, 98.0], False),  # lowest tenth, under 5 points off
    ("sei_mean", 88.9, [89.8, 94.0, 98.0], True),
    ("sei_mean", 90.0, [89.8, 94.0, 98.0], False),  # not in the lowest tenth
    ("sei_change_7d", -3.4, [-0.7, 1.6, 3.7], False),  # 5 below typical, but only a 3-point fall
    ("sei_change_7d", -6.7, [-0.7, 1.6, 3.7], True),
    ("usage_change_7d_pct", -12.0, [-8.8, 0.5, 10.9], False),
    ("usage_change_7d_pct", -25.0, [-8.8, 0.5, 10.9], True),
    ("tenure_days", 90, [148.0, 1017.0, 2523.0], True),
    ("own_outages", None, [2.0, 2.0, 4.0], False),  # blank: never a reason
    ("own_outages", 4, None, True),                 # a model saved without norms
])
def test_a_number_is_a_reason_only_when_unusual_for_the_customer(feature, value, norm,
                                                                 expected):
    assert unusual(feature, value, norm) is expected
