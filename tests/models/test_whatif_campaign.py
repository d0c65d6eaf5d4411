"""The campaign projection (models/whatif/campaign.py) on inline frames: the extra busy-hour
load through the traffic shares, the threshold flag, the customers affected by their share,
the verdict per region, the phased list that keeps the first phase within the threshold, and
where the assumptions come from (learned, configured, defaults)."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from cxbridge.models.whatif import campaign

LOAD_SCHEMA = {"service_id": pl.String, "customer_id": pl.String, "cfs_type": pl.String,
               "customer_region": pl.String, "resource_id": pl.String,
               "resource_type": pl.String, "region": pl.String, "share": pl.Float64,
               "mb_per_day": pl.Float64, "monthly_price_eur": pl.Float64}
RES_SCHEMA = {"resource_id": pl.String, "resource_type": pl.String, "region": pl.String,
              "capacity_mbps": pl.Float64, "busy_util_pct": pl.Float64,
              "days_measured": pl.Int64}


def _load(rows) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=LOAD_SCHEMA, orient="row")


def _resources(rows) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=RES_SCHEMA, orient="row")


# CELL1 (Dublin, busy hour 60 %) carries 1,000 MB a day: T1 and T2 (targets) 200 MB each,
# E1 (not targeted) 600 MB. CELL2 (Cork, 30 %) carries T3's 500 MB of 1,000. PON1 carries T1's
# fixed line, which the data offer does not touch.
LOAD = _load([
    ("S-T1", "T1", "mobile_data", "Dublin", "CELL1", "cell", "Dublin", 1.0, 200.0, 20.0),
    ("S-T2", "T2", "mobile_data", "Dublin", "CELL1", "cell", "Dublin", 0.5, 200.0, 20.0),
    ("S-E1", "E1", "mobile_data", "Dublin", "CELL1", "cell", "Dublin", 0.8, 600.0, 30.0),
    ("S-E2", "E2", "mobile_data", "Dublin", "CELL1", "cell", "Dublin", 0.1, 0.0, 25.0),
    ("S-T3", "T3", "mobile_data", "Cork", "CELL2", "cell", "Cork", 1.0, 500.0, 20.0),
    ("S-E3", "E3", "mobile_data", "Cork", "CELL2", "cell", "Cork", 1.0, 500.0, 20.0),
    ("F-T1", "T1", "ftth", "Dublin", "PON1", "pon_port", "Dublin", 1.0, 9000.0, 50.0),
])
RESOURCES = _resources([("CELL1", "cell", "Dublin", 100.0, 60.0, 7),
                        ("CELL2", "cell", "Cork", 100.0, 30.0, 7),
                        ("PON1", "pon_port", "Dublin", 2500.0, 10.0, 7)])
TARGETS = pl.DataFrame({"customer_id": ["T1", "T2", "T3"], "offer": ["Data_Boost"] * 3})
ASSUME = pl.DataFrame([("data_boost", "mobile_data", 0.5, 3.0, "learned", 1.0)],
                      schema=campaign.ASSUMPTION_SCHEMA, orient="row")


def _project(threshold: float = 80.0, targets: pl.DataFrame = TARGETS) -> campaign.Projection:
    return campaign.project(targets, LOAD, RESOURCES, ASSUME, threshold, share_min=0.3)


def test_the_extra_load_goes_through_the_traffic_shares():
    res = {r["resource_id"]: r for r in _project().resources.iter_rows(named=True)}
    # CELL1: 400 MB of targets × take-up 0.5 × (3 − 1) = 400 extra MB on 1,000 → 60 % × 1.4
    assert res["CELL1"]["extra_util_pct"] == pytest.approx(24.0)
    assert res["CELL1"]["after_util_pct"] == pytest.approx(84.0)
    assert res["CELL1"]["targets"] == 2 and res["CELL1"]["expected_takers"] == 1.0
    # CELL2: 500 of 1,000 MB → 30 % × (1 + 0.5) = 45 %
    assert res["CELL2"]["after_util_pct"] == pytest.approx(45.0)
    # the fixed line serves a target but the data offer adds nothing there
    assert res["PON1"]["extra_util_pct"] == 0 and not res["PON1"]["flagged"]
    assert [r for r in res if res[r]["flagged"]] == ["CELL1"]


def test_an_unproven_offer_is_a_range_and_its_high_end_may_congest():
    # the same guess, unproven: up to 1.5 × its extra load. CELL2 45 % → up to 52.5 %; CELL1
    # 84 % → up to 96 %. At 90 % CELL1 is not flagged by the guess but may congest.
    guess = ASSUME.with_columns(extra_high=pl.lit(1.5), source=pl.lit("configured"))
    res = {r["resource_id"]: r for r in campaign.project(TARGETS, LOAD, RESOURCES, guess, 90.0,
                                                         0.3).resources.iter_rows(named=True)}
    assert res["CELL1"]["after_high_util_pct"] == pytest.approx(96.0)
    assert res["CELL1"]["may_congest"] and not res["CELL1"]["flagged"]
    assert not res["CELL2"]["may_congest"]
    assert not res["PON1"]["may_congest"]  # no extra load: no range either
    # a learned point has no range; a flagged resource is flagged, not "may"
    point = {r["resource_id"]: r for r in _project(90.0).resources.iter_rows(named=True)}
    assert not point["CELL1"]["may_congest"] and not point["CELL1"]["flagged"]
    assert not {r["resource_id"]: r for r in campaign.project(
        TARGETS, LOAD, RESOURCES, guess, 80.0, 0.3).resources.iter_rows(named=True)
    }["CELL1"]["may_congest"]
    # the verdict follows the flags; the region counts what may congest
    dublin = campaign.project(TARGETS, LOAD, RESOURCES, guess, 90.0, 0.3).regions.filter(
        pl.col("region") == "Dublin").row(0, named=True)
    assert (dublin["verdict"], dublin["flagged"], dublin["may_congest"]) == ("ready", 0, 1)


def test_a_resource_within_the_planning_margin_may_congest():
    # a learned point puts CELL1 at 84 %, 6 points under a 90 % threshold: within a 7-point
    # margin it may congest, within 5 it does not; the margin never makes a flag
    def cell1(margin):
        return campaign.project(TARGETS, LOAD, RESOURCES, ASSUME, 90.0, 0.3, margin).resources \
            .filter(pl.col("resource_id") == "CELL1").row(0, named=True)
    assert cell1(7.0)["may_congest"] and not cell1(7.0)["flagged"]
    assert not cell1(5.0)["may_congest"]
    settings = campaign.configured_offers({"campaign_margin_pts": 7})
    assert settings.margin_pts == 7.0
    assert campaign.configured_offers({}).margin_pts == campaign.DEFAULT_MARGIN_PTS
    with pytest.raises(campaign.CampaignError, match="campaign_margin_pts is -1"):
        campaign.configured_offers({"campaign_margin_pts": -1})


def test_customers_on_flagged_resources_count_by_their_share_with_their_revenue():
    affected = _project().affected
    # E2 carries only 10 % of its traffic on CELL1 (under cell_share_min 0.3): not hurt
    assert affected["customer_id"].to_list() == ["E1", "T1", "T2"]
    assert affected["monthly_revenue_eur"].sum() == pytest.approx(70.0)


def test_verdict_per_region_ready_needs_capacity_hold():
    regions = {r["region"]: r for r in _project().regions.iter_rows(named=True)}
    assert regions["Dublin"]["verdict"] == "needs capacity"
    assert regions["Dublin"]["customers_affected"] == 3
    assert regions["Dublin"]["revenue_at_stake_eur"] == pytest.approx(70.0)
    assert regions["Dublin"]["targets"] == 2
    assert regions["Cork"]["verdict"] == "ready" and regions["Cork"]["flagged"] == 0
    # past 100 % the cell is offered more than it can carry: hold
    heavy = ASSUME.with_columns(uplift=pl.lit(5.0))
    hold = campaign.project(TARGETS, LOAD, RESOURCES, heavy, 80.0, 0.3).regions
    assert hold.filter(pl.col("region") == "Dublin")["verdict"].item() == "hold"


def test_the_first_phase_stays_within_the_threshold():
    projection = _project(threshold=75.0)
    phases = dict(projection.phased.select("customer_id", "phase").iter_rows())
    # CELL1 has 15 points of headroom = 250 MB; T1 adds 200 (fits), T2 200 more (does not);
    # T3's cell is not flagged
    assert phases == {"T1": 1, "T2": 2, "T3": 1}
    first = TARGETS.filter(pl.col("customer_id").is_in(["T1", "T3"]))
    again = campaign.project(first, LOAD, RESOURCES, ASSUME, 75.0, 0.3)
    assert not again.resources["flagged"].any()


def test_priority_decides_who_goes_first():
    ranked = TARGETS.with_columns(priority=pl.Series([2.0, 1.0, 3.0]))
    phases = dict(_project(75.0, ranked).phased.select("customer_id", "phase").iter_rows())
    assert phases == {"T1": 2, "T2": 1, "T3": 1}


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.floats(0, 500)), min_size=1, max_size=25),
       st.floats(40, 95), st.floats(65, 99))
def test_phase_one_alone_never_crosses_the_threshold(lines, busy, threshold):
    load = _load([(f"S{k}", f"C{k}", "mobile_data", "R", f"CELL{cell}", "cell", "R", 1.0, mb,
                   10.0) for k, (cell, mb) in enumerate(lines)]
                 + [(f"X{c}", f"X{c}", "mobile_data", "R", f"CELL{c}", "cell", "R", 1.0, 500.0,
                     10.0) for c in range(4)])
    resources = _resources([(f"CELL{c}", "cell", "R", 100.0, busy, 7) for c in range(4)])
    targets = pl.DataFrame({"customer_id": [f"C{k}" for k in range(len(lines))],
                            "offer": "data_boost"})
    full = campaign.project(targets, load, resources, ASSUME, threshold, 0.3)
    first = full.phased.filter(pl.col("phase") == 1).select("customer_id", "offer")
    phase_one = campaign.project(first, load, resources, ASSUME, threshold, 0.3)
    crossing = phase_one.resources.filter(pl.col("flagged") & ~pl.col("already_congested"))
    assert crossing.is_empty()


def test_assumptions_learned_where_past_campaigns_exist_else_configured():
    learned = pl.DataFrame({"offer": ["data_boost", "data_boost"],
                            "cfs_type": ["mobile_data", "ftth"], "campaigns": [2, 2],
                            "targets": [300, 300], "takers": [150, 150],
                            "take_up": [0.5, 0.5], "uplift": [2.7, 1.04]})
    configured = campaign.configured_offers({"campaign_take_up": 0.2, "offers": {
        "speed_upgrade": {"take_up": 0.3, "uplift": 1.5, "services": ["ftth"]}}})
    rows = campaign.assumption_rows(("data_boost", "speed_upgrade", "bundle_x"), learned,
                                    configured)
    got = {(r["offer"], r["cfs_type"]): (r["take_up"], r["uplift"], r["source"])
           for r in rows.iter_rows(named=True)}
    # the ftth uplift of 1.04 is noise (under UPLIFT_FLOOR): dropped
    assert got[("data_boost", "mobile_data")] == (0.5, 2.7, "learned from 2 past campaigns")
    assert ("data_boost", "ftth") not in got
    assert got[("speed_upgrade", "ftth")] == (0.3, 1.5, "configured")
    assert got[("bundle_x", "ftth")][:2] == (0.2, campaign.DEFAULT_UPLIFT)
    assert got[("bundle_x", "ftth")][2] == "configured (any offer)"
    ranges = {(r["offer"], r["cfs_type"]): r["extra_high"] for r in rows.iter_rows(named=True)}
    assert ranges[("data_boost", "mobile_data")] == 1.0  # learned: a point
    assert ranges[("speed_upgrade", "ftth")] == campaign.DEFAULT_EXTRA_HIGH  # a guess: a range
    narrow = campaign.configured_offers({"campaign_extra_high": 1.2, "offers": {
        "tv_bundle": {"extra_high": 3}}})
    assert narrow["speed_upgrade"].extra_high == 1.2 and narrow["tv_bundle"].extra_high == 3.0


def test_a_bad_whatif_setting_names_the_file_and_key():
    with pytest.raises(campaign.CampaignError, match=r"x.toml: \[whatif\] campaign_take_up"):
        campaign.configured_offers({"config_file": "x.toml", "campaign_take_up": 1.5})
    with pytest.raises(campaign.CampaignError, match="unknown key"):
        campaign.configured_offers({"campaign_takeup": 0.3})
    with pytest.raises(campaign.CampaignError, match=r"offers.data_boost uplift"):
        campaign.configured_offers({"offers": {"data_boost": {"uplift": 0.5}}})
    with pytest.raises(campaign.CampaignError, match=r"campaign_extra_high is 0.5"):
        campaign.configured_offers({"campaign_extra_high": 0.5})


@pytest.mark.parametrize("targets", [
    {"customer_id": ["C3", "C1", "C2"], "offer": ["Upsell", "retention", "upsell"],
     "priority": [0.0, 1.0, 2.0]},                       # in order, once each: kept as given
    {"customer_id": ["C3", "C1", "C3", "C2"], "offer": ["upsell", "retention", "x", "upsell"],
     "priority": [0.0, 1.0, 2.0, 3.0]},                  # a customer twice: the first row
    {"customer_id": ["C3", "C1", "C2"], "offer": ["upsell"] * 3,
     "priority": [2.0, 1.0, 1.0]},                       # out of order, a tie: by id
    {"customer_id": ["C3", "C1", "C2"], "offer": ["upsell"] * 3,
     "priority": [0.0, None, 1.0]},                      # no priority
])
def test_targets_in_order_once_skip_nothing_the_full_ordering_would_do(targets):
    frame = pl.DataFrame(targets, schema_overrides={"priority": pl.Float64})
    fully = (frame.with_columns(pl.col("offer").str.to_lowercase())
             .unique("customer_id", keep="first", maintain_order=True)
             .sort(["priority", "customer_id"]).with_row_index("rank"))
    assert_frame_equal(campaign._ordered_targets(frame), fully)


def test_targets_keyed_by_the_caller_project_as_targets_looked_up():
    """The dashboard keeps each customer's key in the load rows per snapshot (``ck``) and
    hands it with the targets: the same projection as the targets' ids looked up, a target
    without load rows (X9, key null) included."""
    prepared = campaign.prepare(LOAD, RESOURCES)
    targets = pl.DataFrame({"customer_id": ["T3", "X9", "T1", "T2"],
                            "offer": ["data_boost"] * 4, "priority": [0.0, 1.0, 2.0, 3.0],
                            "region": [None, "Galway", "Dublin", None]})
    keyed = targets.join(prepared.customers.select("customer_id", "ck"), on="customer_id",
                         how="left", maintain_order="left")
    assert keyed["ck"].null_count() == 1
    looked_up, given_keys = (campaign.project_prepared(t, prepared, ASSUME, 70.0, 0.3)
                             for t in (targets, keyed))
    assert given_keys.resources["flagged"].any()
    # keys made for other rows (another snapshot's) are not used: the ids are looked up
    shifted = keyed.with_columns(ck=(pl.col("ck") + 1) % prepared.customers.height)
    mismatched = campaign.project_prepared(shifted, prepared, ASSUME, 70.0, 0.3)
    for part in ("resources", "regions", "phased", "affected"):
        assert_frame_equal(getattr(given_keys, part), getattr(looked_up, part))
        assert_frame_equal(getattr(mismatched, part), getattr(looked_up, part))
