"""The campaign logic of the Marketing page on inline frames: quadrants, offers, hold-back,
the export."""

from __future__ import annotations

import polars as pl
import pytest

from cxbridge.dashboards import campaign
from cxbridge.dashboards.campaign import CampaignChoice
from cxbridge.dashboards.filters import Filters

# experience target is the registry's 90 points
ATTRIBUTES = pl.DataFrame({
    "customer_id": ["A", "B", "C", "D", "E", "F"],
    "segment": ["consumer", "smb", "consumer", "enterprise", "consumer", "consumer"],
    "region": ["Dublin", "Munster", "Munster", "Dublin", "Ulster", "Dublin"],
    "cfs_types": [["ftth"], ["ftth", "mobile_data"], ["mobile_data"], ["enterprise_vpn"],
                  ["iptv"], ["ftth"]],
})
PERIOD = pl.DataFrame({  # row for row with ATTRIBUTES; F was not in service in the period
    "experience": [70.0, 95.0, 96.0, 80.0, 99.0, None],
    "poor_days": [3, 0, 0, 1, 0, 0],
    "days_active": [7, 7, 7, 7, 2, 0],
    "outage_minutes": [30.0, 0.0, 0.0, 5.0, 0.0, 0.0],
})
SCORES = pl.DataFrame({
    "customer_id": ["A", "B", "C", "D"],
    "churn_probability": [0.35, 0.40, 0.05, 0.10], "risk_band": ["high", "high", "low", "medium"],
    "revenue_at_risk_eur": [14.0, 40.0, 1.0, 50.0],
    "reason_1": ["Poor days", "Price", "Price", "Poor days"],
    "reason_2": ["Price", None, None, None], "reason_3": [None, None, None, None],
    "network_reason": [True, False, False, True],
})
HELD = pl.DataFrame({"customer_id": ["B"], "open_incident_id": ["INC-1"]})


@pytest.fixture
def frame() -> pl.DataFrame:
    return campaign.outlook(campaign.customer_base(ATTRIBUTES, SCORES, HELD), PERIOD, Filters())


def test_quadrants_offers_and_hold_back(frame):
    by_id = {r["customer_id"]: r for r in frame.iter_rows(named=True)}
    assert [by_id[c]["quadrant"] for c in "ABCDE"] == [
        "poor_high", "good_high", "good_low", "poor_low", "good_low"]
    assert [by_id[c]["offer"] for c in "ABCDE"] == [
        "service_recovery", "retention", "upsell", "service_recovery", "upsell"]
    assert [c for c in "ABCDE" if by_id[c]["held_back"]] == ["B"]
    assert "F" not in by_id  # no day in service in the period
    assert by_id["E"]["churn_probability"] is None  # not scored: no longer in service


def test_outlook_without_model_tables():
    frame = campaign.outlook(campaign.customer_base(ATTRIBUTES, None, None), PERIOD, Filters())
    assert frame["churn_probability"].null_count() == 5 and not frame["held_back"].any()
    assert set(frame["offer"]) == {"service_recovery", "upsell"}
    assert campaign.campaign(frame, CampaignChoice()).height == 5  # nobody scored: keep all


@pytest.mark.parametrize("filters", [Filters(), Filters(regions=("Dublin",)),
                                     Filters(cfs_types=("ftth",), segments=("consumer",)),
                                     Filters(regions=("Ulster",))])  # nobody in view scored
def test_a_customer_view_gives_what_the_outlook_gives(filters):
    """The Marketing page reads a customer view (every customer, ``in_view``) instead of the
    outlook (the rows in view, copied): every figure it draws, and the campaign, are the
    same either way."""
    base = campaign.customer_base(ATTRIBUTES, SCORES, HELD)
    view = campaign.customer_view(base, PERIOD, filters)
    outlook = campaign.outlook(base, PERIOD, filters)
    assert view.height == ATTRIBUTES.height and view["in_view"].sum() == outlook.height > 0
    assert campaign.viewed(view, *outlook.columns).equals(outlook)
    for by in ("region", "segment", "cfs_type"):
        assert campaign.quadrants_by(view, by).equals(campaign.quadrants_by(outlook, by))
    assert campaign.risk_grid(view).equals(campaign.risk_grid(outlook))
    assert campaign.churn_drivers(view).equals(campaign.churn_drivers(outlook))
    assert campaign.network_share(view) == campaign.network_share(outlook)
    for choice in (CampaignChoice(), CampaignChoice(offers=("upsell",), risk_bands=("low",))):
        assert campaign.campaign(view, choice).equals(campaign.campaign(outlook, choice))
        narrow = campaign.campaign(view, choice, columns=campaign.COUNT_COLUMNS)
        assert narrow.columns == [*campaign.COUNT_COLUMNS, "expected_effect"]
        assert campaign.campaign_counts(narrow) == campaign.campaign_counts(
            campaign.campaign(outlook, choice))


def test_outlook_follows_the_filter_bar():
    base = campaign.customer_base(ATTRIBUTES, SCORES, HELD)

    def ids(**chosen) -> list[str]:
        return sorted(campaign.outlook(base, PERIOD, Filters(**chosen))["customer_id"])

    assert ids(regions=("Munster",)) == ["B", "C"]
    assert ids(segments=("consumer",), regions=("Dublin",)) == ["A"]
    assert ids(cfs_types=("mobile_data", "iptv")) == ["B", "C", "E"]


def test_campaign_keeps_scored_customers_of_the_chosen_offers_and_bands(frame):
    everyone = campaign.campaign(frame, CampaignChoice())
    assert everyone["customer_id"].to_list() == ["D", "B", "A", "C"]  # most at risk first
    assert campaign.first_to_contact(everyone, 2)["customer_id"].to_list() == ["D", "A"]
    recovery_high = campaign.campaign(frame, CampaignChoice(("service_recovery",), ("high",)))
    assert recovery_high["customer_id"].to_list() == ["A"]


def test_counts_leave_the_held_back_out(frame):
    counts = campaign.campaign_counts(campaign.campaign(frame, CampaignChoice()))
    assert counts["reached"] == 3 and counts["held_back"] == 1
    assert counts["revenue_at_risk_eur"] == pytest.approx(65.0)
    assert (counts["service_recovery"], counts["retention"], counts["upsell"]) == (2, 0, 1)


def test_export_never_holds_held_back_customers_and_contacts_only_when_given(frame):
    selected = campaign.campaign(frame, CampaignChoice())
    plain = campaign.export_frame(selected, None)
    assert plain["customer_id"].to_list() == ["D", "A", "C"]  # B is held back
    assert not {"name", "email", "phone"} & set(plain.columns)
    assert plain["offer"].to_list() == ["Service recovery", "Service recovery", "Upsell"]
    contacts = pl.DataFrame({"customer_id": ["A", "C", "D"], "name": ["a", "c", "d"],
                             "email": ["a@x.ie", "c@x.ie", "d@x.ie"], "phone": ["1", "3", "4"],
                             "marketing_opt_in": [True, True, True],
                             "consent_email": [True, False, None]})
    rich = campaign.export_frame(selected, campaign.contact_details(contacts, frame))
    # only a consented e-mail goes out (unknown consent is none); contacts without the consent
    # columns give no details at all
    assert rich["email"].to_list() == [None, "a@x.ie", None]
    bare = campaign.export_frame(selected, campaign.contact_details(
        contacts.select("customer_id", "name", "email"), frame))
    assert bare["email"].null_count() == bare.height == 3


def test_summaries(frame):
    summary = campaign.quadrant_summary(frame)
    assert summary["quadrant"].to_list() == list(campaign.QUADRANTS)
    assert dict(zip(summary["quadrant"], summary["customers"], strict=True)) == {
        "poor_high": 1, "poor_low": 1, "good_high": 1, "good_low": 2}
    by_type = campaign.quadrants_by(frame, "cfs_type")
    mobile = by_type.filter(pl.col("cfs_type") == "mobile_data")
    assert dict(zip(mobile["quadrant"], mobile["customers"], strict=True)) == {
        "good_high": 1, "good_low": 1}  # B and C hold mobile data
    grid = campaign.risk_grid(frame)
    assert grid["customers"].sum() == 4  # the scored ones
    assert (70.0, 0.35) in set(zip(grid["experience_bin"], grid["risk_bin"], strict=True))
    drivers = campaign.churn_drivers(frame)
    assert drivers.row(0) == ("Price", 3)
    assert campaign.network_share(frame) == pytest.approx(0.5)


def test_the_files_services_are_each_customers_types_in_words_sorted():
    frame = pl.DataFrame({"cfs_types": [["mobile_data", "ftth"], ["ftth", "mobile_data"],
                                        ["weird_new", None], [], None]},
                         schema={"cfs_types": pl.List(pl.String)})
    worded = frame.select(campaign._services_worded(frame).alias("services"))["services"]
    assert worded.to_list() == ["FTTH broadband, Mobile data", "FTTH broadband, Mobile data",
                                "Weird new", "", None]


def _crowd(n: int = 400, seed: int = 7) -> pl.DataFrame:
    """A customer view of ``n`` customers whose revenue at risk and expected effects tie
    often and are sometimes missing, some held back, some suppressed, some out of view."""
    import numpy as np

    rng = np.random.default_rng(seed)
    offers, reasons = list(campaign.OFFERS), list(campaign.SUPPRESSIONS)
    frame = pl.DataFrame({
        "customer_id": [f"C{i:04d}" for i in range(n)],
        "offer": rng.choice(offers, n),
        "churn_probability": rng.uniform(0, 1, n),
        "risk_band": rng.choice(["high", "medium", "low"], n),
        "revenue_at_risk_eur": rng.choice([5.0, 10.0, 20.0, 40.0, np.nan], n),
        "held_back": rng.uniform(0, 1, n) < 0.1,
        "suppressed": [None if draw < 0.8 else reasons[int(draw * 10) % len(reasons)]
                       for draw in rng.uniform(0, 1, n)],
        "phone_unusable": rng.uniform(0, 1, n) < 0.05,
        "in_view": rng.uniform(0, 1, n) < 0.9,
        **{column: rng.choice([0.01, 0.02, 0.05, np.nan], n)
           for column in campaign.EFFECT_COLUMNS.values()},
    }).with_columns(pl.col("revenue_at_risk_eur", *campaign.EFFECT_COLUMNS.values())
                    .fill_nan(None))
    return frame


@pytest.mark.parametrize("rows", [1, 8, 50, 1000])
@pytest.mark.parametrize("choice", [CampaignChoice(), CampaignChoice(rank="effect"),
                                    CampaignChoice(offers=("upsell",), risk_bands=("low",))])
def test_the_preview_is_the_campaigns_counts_and_first_rows(rows, choice):
    """The builder's preview (counts and first customers to contact, without ordering the
    whole campaign) is what ordering it all gives, ties and missing values included."""
    view = _crowd()
    columns = ("customer_id", "offer", "revenue_at_risk_eur")
    counts, first = campaign.preview(view, choice, rows, columns)
    whole = campaign.campaign(view, choice)
    assert counts == campaign.campaign_counts(whole)
    assert first.equals(campaign.first_to_contact(whole, rows).select(*columns,
                                                                       "expected_effect"))
    assert 0 < first.height <= rows
