"""Pure campaign logic for the Marketing page: frames in, frames out, no I/O.

A customer's *outlook* puts their experience over the chosen period (from the period index)
beside their *base*, built once per snapshot: attributes, latest churn score
(``churn_latest``) and whether they are inside an open incident
(``open_incident_customers``). From it:

* the **quadrant**: experience on or below the registry's experience-index target ×
  high churn risk (the model's ``high`` band) or not;
* the **offer** each customer should get: *service recovery* after experience below target,
  *retention* when experience was fine but the risk is high, *upsell* otherwise;
* the **hold-back**: customers inside an open incident get nothing now (an upsell or a
  survey during an outage backfires); they are counted, never exported.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from cxbridge.dashboards.filters import Filters
from cxbridge.platform.metrics import metric

OFFERS: dict[str, str] = {
    "service_recovery": "Service recovery",
    "retention": "Retention",
    "upsell": "Upsell",
}
OFFER_WHY: dict[str, str] = {
    "service_recovery": "experience below target in the period: apologise, fix, credit",
    "retention": "good experience but a high churn risk: a loyalty or contract offer",
    "upsell": "good experience and no high churn risk: a better plan or an add-on",
}
QUADRANTS: dict[str, str] = {
    "poor_high": "Experience below target · high churn risk",
    "poor_low": "Experience below target · lower churn risk",
    "good_high": "Experience on target · high churn risk",
    "good_low": "Experience on target · lower churn risk",
}
RISK_BANDS: tuple[str, ...] = ("high", "medium", "low")
RISK_LABELS: dict[str, str] = {"high": "High", "medium": "Medium", "low": "Low"}

_SCORE_COLUMNS = {"churn_probability": pl.Float64, "risk_band": pl.String,
                  "revenue_at_risk_eur": pl.Float64, "reason_1": pl.String,
                  "reason_2": pl.String, "reason_3": pl.String, "network_reason": pl.Boolean}


@dataclass(frozen=True)
class CampaignChoice:
    """What the campaign builder asks for: which offers and which risk bands."""

    offers: tuple[str, ...] = tuple(OFFERS)
    risk_bands: tuple[str, ...] = RISK_BANDS


def experience_target() -> float:
    """The experience-index target from the registry: below it, a customer needs recovery."""
    target = metric("experience_index").target
    return 90.0 if target is None else target


def customer_base(attributes: pl.DataFrame, scores: pl.DataFrame | None,
                  held: pl.DataFrame | None) -> pl.DataFrame:
    """What does not change with the dates, one row per customer of ``attributes`` (segment,
    region, ``cfs_types``, revenue): their latest churn score (null when unscored) and the
    open incident they are inside (null when none). Built once per snapshot."""
    frame = attributes
    if scores is not None:
        frame = frame.join(scores.select("customer_id", *_SCORE_COLUMNS), on="customer_id",
                           how="left", maintain_order="left")
    else:
        frame = frame.with_columns(pl.lit(None, dtype).alias(c) for c, dtype in
                                   _SCORE_COLUMNS.items())
    if held is not None:
        frame = frame.join(held.select("customer_id", "open_incident_id"), on="customer_id",
                           how="left", maintain_order="left")
    else:
        frame = frame.with_columns(open_incident_id=pl.lit(None, pl.String))
    return frame


def outlook(base: pl.DataFrame, period: pl.DataFrame, filters: Filters) -> pl.DataFrame:
    """The customers of ``base`` in service in the period and matching the filter bar (a
    customer matches a service type they hold), with their experience over the period and
    their quadrant, offer and hold-back. ``period`` is row for row with ``base``
    (``experience``, ``poor_days``, ``days_active``, ``outage_minutes``:
    :meth:`cxbridge.dashboards.period_index.PeriodIndex.columns`)."""
    frame = pl.concat([base, period], how="horizontal").filter(
        (pl.col("days_active") > 0) & _matches(filters))
    below = pl.col("experience") < experience_target()
    high = pl.col("risk_band") == "high"
    return frame.with_columns(
        quadrant=pl.when(below & high).then(pl.lit("poor_high"))
        .when(below).then(pl.lit("poor_low"))
        .when(high).then(pl.lit("good_high"))
        .otherwise(pl.lit("good_low")),
        offer=pl.when(below).then(pl.lit("service_recovery"))
        .when(high).then(pl.lit("retention"))
        .otherwise(pl.lit("upsell")),
        held_back=pl.col("open_incident_id").is_not_null(),
    )


def _matches(filters: Filters) -> pl.Expr:
    """The filter bar's regions, segments and service types as one condition."""
    condition = pl.lit(True)
    if filters.regions:
        condition &= pl.col("region").is_in(list(filters.regions))
    if filters.segments:
        condition &= pl.col("segment").is_in(list(filters.segments))
    if filters.cfs_types:
        wanted = pl.lit(list(filters.cfs_types), dtype=pl.List(pl.String))
        condition &= pl.col("cfs_types").list.set_intersection(wanted).list.len() > 0
    return condition


def quadrant_summary(frame: pl.DataFrame) -> pl.DataFrame:
    """One row per quadrant (all four, zero when empty): customers, revenue at risk."""
    counted = frame.group_by("quadrant").agg(
        customers=pl.len(), revenue_at_risk_eur=pl.col("revenue_at_risk_eur").sum())
    return (pl.DataFrame({"quadrant": list(QUADRANTS)})
            .join(counted, on="quadrant", how="left")
            .with_columns(pl.col("customers").fill_null(0),
                          pl.col("revenue_at_risk_eur").fill_null(0.0)))


def quadrants_by(frame: pl.DataFrame, by: str) -> pl.DataFrame:
    """Customers per value of ``by`` (region, segment, or cfs_type: a customer counts under
    every service type they hold) and quadrant: ``<by>``, ``quadrant``, ``customers``."""
    source = frame.explode("cfs_types").rename({"cfs_types": "cfs_type"}) \
        if by == "cfs_type" else frame
    return (source.filter(pl.col(by).is_not_null())
            .group_by(by, "quadrant").agg(customers=pl.len())
            .sort(by, "quadrant"))


def risk_grid(frame: pl.DataFrame, experience_step: float = 5.0,
              risk_step: float = 0.05) -> pl.DataFrame:
    """Customers binned by experience (``experience_bin``, lower edge) and churn probability
    (``risk_bin``): a density, cheap to draw whatever the number of customers."""
    scored = frame.filter(pl.col("churn_probability").is_not_null()
                          & pl.col("experience").is_not_null())
    return (scored.with_columns(
        experience_bin=(pl.col("experience").clip(0, 99.999) / experience_step).floor()
        * experience_step,
        risk_bin=((pl.col("churn_probability").clip(0, 0.999) / risk_step).floor() * risk_step)
        .round(4))
        .group_by("experience_bin", "risk_bin").agg(customers=pl.len())
        .sort("experience_bin", "risk_bin"))


def churn_drivers(frame: pl.DataFrame, top: int = 8) -> pl.DataFrame:
    """The reasons the churn model gives most often for the customers of ``frame`` (any of
    their top three): ``reason``, ``customers``, best first."""
    reasons = (frame.filter(pl.col("churn_probability").is_not_null())
               .select("customer_id",
                       pl.concat_list("reason_1", "reason_2", "reason_3").alias("reason"))
               .explode("reason").filter(pl.col("reason").is_not_null()))
    counted = reasons.group_by("reason").agg(customers=pl.col("customer_id").n_unique())
    return counted.sort(["customers", "reason"], descending=[True, False]).head(top)


def network_share(frame: pl.DataFrame) -> float | None:
    """The share of scored customers whose churn reasons include the network, 0–1."""
    scored = frame.filter(pl.col("churn_probability").is_not_null())
    if scored.is_empty():
        return None
    return float(scored["network_reason"].fill_null(False).mean())


def campaign(frame: pl.DataFrame, choice: CampaignChoice) -> pl.DataFrame:
    """The customers the campaign would reach or hold back: the chosen offers and risk bands,
    most revenue at risk first (ties in the order of ``frame``). When the snapshot has churn
    scores, customers without one are left out (the model scores everybody still in
    service); without scores, nobody is."""
    picked = frame.filter(pl.col("offer").is_in(list(choice.offers)))
    if frame["churn_probability"].is_not_null().any():
        picked = picked.filter(pl.col("risk_band").is_in(list(choice.risk_bands)))
    return picked.sort("revenue_at_risk_eur", descending=True, nulls_last=True,
                       maintain_order=True)


def first_to_contact(selected: pl.DataFrame, rows: int) -> pl.DataFrame:
    """The first ``rows`` customers of a campaign that are not held back."""
    return selected.filter(~pl.col("held_back")).head(rows)


def campaign_counts(selected: pl.DataFrame) -> dict[str, float]:
    """Headline numbers of a campaign: reached, held back, revenue at risk reached, per offer."""
    reached = selected.filter(~pl.col("held_back"))
    counts: dict[str, float] = {
        "reached": reached.height,
        "held_back": selected.height - reached.height,
        "revenue_at_risk_eur": float(reached["revenue_at_risk_eur"].fill_null(0).sum()),
    }
    for offer in OFFERS:
        counts[offer] = reached.filter(pl.col("offer") == offer).height
    return counts


def export_frame(selected: pl.DataFrame, contacts: pl.DataFrame | None) -> pl.DataFrame:
    """The campaign file: only customers not held back, with the recommended offer, what it
    rests on and the main churn reason; contact details only when ``contacts`` is given
    (roles that may export them)."""
    reached = selected.filter(~pl.col("held_back"))
    out = reached.select(
        "customer_id", "segment", "region",
        pl.col("offer").replace_strict(OFFERS, default=None).alias("offer"),
        pl.col("experience").round(1).alias("experience_index"),
        "poor_days",
        pl.col("churn_probability").round(4),
        "risk_band",
        pl.col("revenue_at_risk_eur").round(2),
        pl.col("reason_1").alias("main_reason"),
    )
    if contacts is not None:
        out = out.join(contacts.select("customer_id", "name", "email", "phone"),
                       on="customer_id", how="left")
    return out

