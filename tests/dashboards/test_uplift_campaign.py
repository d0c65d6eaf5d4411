"""The campaign builder's "rank by expected effect" (pure): the ranking in the URL, the order
of a campaign by its customers' own offer's expected churn reduction, and the export's column."""

from __future__ import annotations

import polars as pl

from cxbridge.dashboards import campaign
from cxbridge.dashboards.campaign import CampaignChoice


def _base() -> pl.DataFrame:
    return pl.DataFrame({
        "customer_id": ["A", "B", "C", "D"],
        "offer": ["retention", "upsell", "retention", "service_recovery"],
        "risk_band": ["high"] * 4, "churn_probability": [0.5, 0.4, 0.3, 0.2],
        "revenue_at_risk_eur": [40.0, 30.0, 20.0, 10.0]})


def _uplift() -> pl.DataFrame:
    return pl.DataFrame({"customer_id": ["A", "B", "C", "A", "D"],
                         "offer": ["retention", "upsell", "retention", "upsell", "nothing"],
                         "expected_churn_reduction": [0.05, -0.2, 0.3, 0.9, 0.99]})


def test_the_ranking_travels_in_the_url_and_unknown_values_fall_back_to_risk():
    choice = CampaignChoice(rank="effect")
    assert ("rank", "effect") in campaign.choice_to_pairs(choice)
    assert campaign.choice_from_query("?rank=effect").rank == "effect"
    assert campaign.choice_from_query("?rank=lucky").rank == "risk"
    assert campaign.choice_to_pairs(CampaignChoice()) == []  # the default is left out
    assert "rank" in campaign.CHOICE_KEYS


def test_effect_ranking_orders_by_the_customers_own_offer_and_risk_after():
    frame = campaign.with_effects(_base(), _uplift())
    by_risk = campaign.campaign(frame, CampaignChoice())
    assert by_risk["customer_id"].to_list() == ["A", "B", "C", "D"]
    by_effect = campaign.campaign(frame, CampaignChoice(rank="effect"))
    # A's upsell effect (0.9) is not A's offer; D's offer has none published: last
    assert by_effect["customer_id"].to_list() == ["C", "A", "B", "D"]
    assert by_effect["expected_effect"].to_list() == [0.3, 0.05, -0.2, None]


def test_without_uplift_effect_ranking_keeps_the_risk_order():
    frame = campaign.with_effects(_base(), None)
    assert campaign.campaign(frame, CampaignChoice(rank="effect"))["customer_id"].to_list() \
        == ["A", "B", "C", "D"]
