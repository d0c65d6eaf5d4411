"""Own faults against shared ones, from hand-made warehouse rows: every figure checked by hand.

Snapshot 2026-10-31 (day 30), lookback 30 days. Eight customers A–H hold one broadband line
each. On day 10 a resolver pool (``DNS``) is down two hours for all eight: a shared fault,
everyone's. A's own fibre port (``PON-1``, one line in eight) fails twice: day 20 22:00 to day
21 01:00 (one outage across midnight, three hours) and day 27 10:00–14:00 (four hours), and
half of A's sessions fail on those days. C's port fails on day 15 but C's sessions all work
(the fault only degraded the line): not felt. D's port fails on day 16, a day without usage
measured: it cannot be refuted, so it counts. E's fault (felt) has no known origin: it is taken
for E's own. An aggregation node (``AGG``) cuts F and G for an hour on day 12: two lines in
eight, a quarter, enough to be shared.
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest

from cxbridge.models.churn.features import (
    Schedule,
    feature_spec,
    features,
    labelled,
    sentence,
    unusual,
)
from cxbridge.platform import warehouse
from cxbridge.platform.settings import load_settings
from tests.models.churn_world import START, at, write_tables

SNAPSHOT = START + timedelta(days=30)
CUSTOMERS = "ABCDEFGH"
OWN = ("own_fault_hours", "own_fault_hours_7d", "own_outages", "longest_own_outage_hours",
       "hours_since_own_outage", "shared_fault_hours")


def day(n: int) -> date:
    return START + timedelta(days=n)


def fault(customer: str, start: tuple[int, int], end: tuple[int, int], origin: str | None):
    return {"service_id": f"{customer}-BB", "date": day(start[0]), "starts": at(*start),
            "ends": at(*end), "first_resource_id": origin}


def usage(customer: str, n: int, failures: int = 0) -> dict:
    return {"date": day(n), "customer_id": customer, "poor": False, "sei_worst": 90.0,
            "worst_outage_minutes": 0.0, "sessions": 10, "session_failures": failures}


DNS = [fault(c, (10, 8), (10, 10), "DNS") for c in CUSTOMERS]
OWN_FAULTS = [fault("A", (20, 22), (21, 0), "PON-1"), fault("A", (21, 0), (21, 1), "PON-1"),
              fault("A", (27, 10), (27, 14), "PON-1"),
              fault("C", (15, 9), (15, 12), "PON-3"),
              fault("D", (16, 9), (16, 11), "PON-4"),
              fault("E", (18, 9), (18, 10), None),
              fault("F", (12, 9), (12, 10), "AGG"), fault("G", (12, 9), (12, 10), "AGG")]
FELT_DAYS = {("A", 20), ("A", 21), ("A", 27), ("E", 18), ("F", 12), ("G", 12)}
DAILY = [usage(c, n, 5 if (c, n) in FELT_DAYS else 0)
         for c in CUSTOMERS for n in range(30) if (c, n) != ("D", 16)]


def tables(faults: list[dict]) -> dict:
    return {
        "stg.customers": [{"customer_id": c, "segment": "consumer", "region": "Dublin",
                           "contract_type": "one_year", "payment_method": "direct_debit",
                           "customer_since": day(-400), "extra_attributes": "{}",
                           "status": "active"} for c in CUSTOMERS],
        "core.cfs": [{"service_id": f"{c}-BB", "customer_id": c, "cfs_type": "ftth",
                      "segment": "consumer", "start_date": day(-400), "end_date": None,
                      "monthly_price_eur": 50.0, "plan_download_mbps": 500.0}
                     for c in CUSTOMERS],
        "stg.services": [{"service_id": f"{c}-BB", "category": "CFS", "characteristics": "{}"}
                         for c in CUSTOMERS],
        "marts.customer_daily": DAILY,
        "core.service_fault_intervals": faults,
    }


@pytest.fixture(scope="module")
def rows(tmp_path_factory):
    home = tmp_path_factory.mktemp("churn-own-faults")
    settings = load_settings({"CXBRIDGE_HOME": str(home), "CXBRIDGE_CONFIG": ""})
    with warehouse.connect(settings) as con:
        write_tables(con, tables(DNS + OWN_FAULTS))
        frame = features(con, [SNAPSHOT], Schedule())
    return {r["customer_id"]: r for r in frame.to_dicts()}


def test_a_fault_that_hit_everyone_is_shared_not_the_customers_own(rows):
    # the resolver pool hit eight lines in eight, at least SHARED_FROM of them
    for customer in "ABCDEH":
        assert rows[customer]["shared_fault_hours"] == pytest.approx(2.0)
    b = rows["B"]
    assert (b["own_fault_hours"], b["own_outages"], b["longest_own_outage_hours"]) == (0, 0, 0)
    # a quarter of the lines is shared (SHARED_FROM), felt or not
    assert rows["F"]["shared_fault_hours"] == pytest.approx(3.0)
    assert rows["F"]["own_outages"] == 0
    # the total still counts the shared fault, as before
    assert b["outages"] == 1


def test_own_outages_hours_longest_and_the_last_week(rows):
    a = rows["A"]
    assert a["own_fault_hours"] == pytest.approx(7.0)
    assert a["own_outages"] == 2                  # the stretch after midnight continues one
    assert a["longest_own_outage_hours"] == pytest.approx(4.0)
    assert a["own_fault_hours_7d"] == pytest.approx(4.0)   # days 23–29: only day 27's
    assert a["own_outage_service"] == "ftth"


def test_hours_since_the_last_own_outage_and_none_is_the_window(rows):
    assert rows["A"]["hours_since_own_outage"] == pytest.approx(3 * 24 - 14)  # day 27 14:00
    assert rows["B"]["hours_since_own_outage"] == pytest.approx(30 * 24)      # none at all


def test_a_fault_the_customer_did_not_feel_is_no_outage(rows):
    c = rows["C"]
    assert (c["own_fault_hours"], c["own_outages"]) == (0, 0)
    assert c["hours_since_own_outage"] == pytest.approx(30 * 24)


def test_a_fault_on_a_day_without_usage_and_one_of_unknown_origin_count(rows):
    assert (rows["D"]["own_fault_hours"], rows["D"]["own_outages"]) == (pytest.approx(2.0), 1)
    assert (rows["E"]["own_fault_hours"], rows["E"]["own_outages"]) == (pytest.approx(1.0), 1)


def test_without_fault_data_the_features_are_left_out_not_an_error(tmp_path):
    settings = load_settings({"CXBRIDGE_HOME": str(tmp_path), "CXBRIDGE_CONFIG": ""})
    with warehouse.connect(settings) as con:
        write_tables(con, tables([]))       # the alarm feed never arrived
        frame = labelled(con, [SNAPSHOT], Schedule())
    assert frame.height == len(CUSTOMERS)
    assert set(frame.get_column("hours_since_own_outage").to_list()) == {720.0}
    assert set(frame.get_column("own_fault_hours").to_list()) == {0.0}
    assert not set(OWN) & set(feature_spec(frame).names)   # constant: no input, no reason


def test_own_outage_reasons_are_worded_and_network_rooted(rows):
    a = rows["A"]
    schedule = Schedule()
    assert sentence("own_outages", a, schedule) == (
        "2 local outages on broadband in the last 30 days")
    assert sentence("longest_own_outage_hours", a, schedule) == (
        "a local outage on broadband of 4.0 hours in the last 30 days")
    assert sentence("hours_since_own_outage", a, schedule) == (
        "last local outage on broadband ended 2 days ago")
    assert sentence("hours_since_own_outage", {"hours_since_own_outage": 3.0}, schedule) == (
        "last local outage ended 3.0 hours ago")
    frame = pl.DataFrame([{**a, "churned": 1}, {**rows["B"], "churned": 0},
                          {**rows["C"], "churned": 0}], infer_schema_length=None)
    spec = feature_spec(frame)
    assert {f.name for f in spec.features if f.network} >= {
        "own_fault_hours", "own_outages", "longest_own_outage_hours", "hours_since_own_outage"}


@pytest.mark.parametrize(("value", "norm", "expected"), [
    (58.0, [720.0, 720.0, 720.0], True),    # most had no own outage: a recent one stands out
    (700.0, [720.0, 720.0, 720.0], False),  # under a day from typical
    (300.0, [50.0, 400.0, 720.0], False),   # recent, but not among the most recent tenth
])
def test_a_recent_own_outage_is_unusual_only_on_the_recent_side(value, norm, expected):
    assert unusual("hours_since_own_outage", value, norm) is expected
