"""What each customer buys: CFS instances with their plan, price and start date.

Consumers mostly hold one FTTH line (IPTV only ever rides on FTTH) or a mobile plan; SMBs add a
few mobile lines; enterprises hold several VPN sites and mobile lines. A mobile line is two CFS
(voice and data) sharing the same radio access, except data-only SIMs (tablets, mobile
broadband). Prices deviate from the list price the way real bases do: long-standing customers
often pay a "loyalty penalty" above today's list, new ones a promotional discount; the churn
model is meant to find that overpaying customers leave.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from .catalog import cfs_spec
from .config import WorldConfig
from .products import (
    DATA_PLANS,
    FTTH_TIERS,
    IPTV_PACKAGES,
    SEGMENT_PRICE_FACTOR,
    VOICE_PLAN,
    VPN_SLA_TIERS,
    shares,
)

TYPE_ORDER = {"ftth": 0, "iptv": 1, "enterprise_vpn": 2, "mobile_voice": 3, "mobile_data": 4}
DATA_ONLY_SHARE = 0.2


def _holdings(rng: np.random.Generator, segment: np.ndarray) -> dict[str, np.ndarray]:
    """How many of each product every customer holds (mobile lines, VPN sites, …)."""
    n = segment.size
    consumer, smb, enterprise = (segment == s for s in ("consumer", "smb", "enterprise"))
    ftth = np.where(consumer, rng.random(n) < 0.60,
                    np.where(smb, rng.random(n) < 0.85, rng.random(n) < 0.30))
    iptv = ftth & consumer & (rng.random(n) < 0.25)
    consumer_lines = np.where(ftth, (rng.random(n) < 0.20).astype(int),
                              1 + (rng.random(n) < 0.10).astype(int))
    smb_lines = np.where(rng.random(n) < 0.6, 1 + rng.poisson(0.4, n), 0)
    smb_lines = np.where(~ftth & (smb_lines == 0), 1, smb_lines)
    lines = np.select([consumer, smb], [consumer_lines, smb_lines], 2 + rng.poisson(1.0, n))
    vpn_sites = np.where(enterprise, 2 + rng.poisson(0.8, n), 0)
    data_only = rng.binomial(lines, DATA_ONLY_SHARE)
    return {"ftth": ftth.astype(int), "iptv": iptv.astype(int), "lines": lines,
            "voice_lines": lines - data_only, "vpn_sites": vpn_sites}


def _price_premium(rng: np.random.Generator, tenure_days: np.ndarray) -> np.ndarray:
    """Relative deviation from list price: legacy pricing for old customers, promotions for new
    ones, and some noise from past deals."""
    years = tenure_days / 365.0
    legacy = np.where(years > 4, rng.uniform(0.05, 0.30, years.size), 0.0)
    promo = np.where(years < 1, rng.uniform(0.05, 0.20, years.size), 0.0)
    return np.clip(rng.normal(0, 0.05, years.size) + legacy - promo, -0.25, 0.35)


def _service_rows(customers: pl.DataFrame, holdings: dict[str, np.ndarray]) -> pl.DataFrame:
    """One row per CFS instance (mobile lines expanded into voice + data)."""
    cust = np.arange(customers.height)
    parts = []
    for cfs_type, counts in (("ftth", holdings["ftth"]), ("iptv", holdings["iptv"]),
                             ("enterprise_vpn", holdings["vpn_sites"]),
                             ("mobile_voice", holdings["voice_lines"]),
                             ("mobile_data", holdings["lines"])):
        owner = np.repeat(cust, counts)
        ordinal = np.arange(owner.size) - np.repeat(np.cumsum(counts) - counts, counts)
        parts.append(pl.DataFrame({"_cust": owner, "cfs_type": cfs_type, "_ordinal": ordinal},
                                  schema={"_cust": pl.Int64, "cfs_type": pl.String,
                                          "_ordinal": pl.Int64}))
    return (pl.concat(parts)
            .with_columns(_type_rank=pl.col("cfs_type").replace_strict(TYPE_ORDER))
            .sort("_cust", "_type_rank", "_ordinal"))


def _plan_columns(rng: np.random.Generator, rows: pl.DataFrame) -> pl.DataFrame:
    n = rows.height
    tier_idx = rng.choice(len(FTTH_TIERS), n, p=shares(FTTH_TIERS))
    tier = np.array([p.value for p in FTTH_TIERS])[tier_idx]
    allowance_idx = rng.choice(len(DATA_PLANS), n, p=shares(DATA_PLANS))
    iptv_idx = rng.choice(len(IPTV_PACKAGES), n, p=shares(IPTV_PACKAGES))
    sla_idx = rng.choice(len(VPN_SLA_TIERS), n, p=[t.share for t in VPN_SLA_TIERS])
    kind = rows["cfs_type"].to_numpy()
    list_price = np.select(
        [kind == "ftth", kind == "iptv", kind == "mobile_data", kind == "mobile_voice"],
        [np.array([p.list_price_eur for p in FTTH_TIERS])[tier_idx],
         np.array([p.list_price_eur for p in IPTV_PACKAGES])[iptv_idx],
         np.array([p.list_price_eur for p in DATA_PLANS])[allowance_idx],
         np.full(n, VOICE_PLAN.list_price_eur)],
        np.array([t.list_price_eur for t in VPN_SLA_TIERS])[sla_idx])
    return rows.with_columns(
        download_mbps=pl.when(pl.col("cfs_type") == "ftth").then(pl.Series(tier)),
        data_allowance_gb=pl.when(pl.col("cfs_type") == "mobile_data").then(
            pl.Series(np.array([p.value for p in DATA_PLANS])[allowance_idx])),
        sla_tier=pl.when(pl.col("cfs_type") == "enterprise_vpn").then(
            pl.Series(np.array([t.name for t in VPN_SLA_TIERS])[sla_idx])),
        sla_availability_pct=pl.when(pl.col("cfs_type") == "enterprise_vpn").then(
            pl.Series(np.array([t.availability_pct for t in VPN_SLA_TIERS])[sla_idx])),
        list_price_eur=pl.Series(list_price),
    )


def build_services(config: WorldConfig, customers: pl.DataFrame,
                   rng: np.random.Generator) -> pl.DataFrame:
    """The CFS instances of every customer, sorted by ``service_id``.

    ``line_key`` groups the CFS that share one access line (FTTH + IPTV of a household, voice +
    data of a SIM); the binding step gives each line its resources.
    """
    segment = customers["segment"].to_numpy()
    holdings = _holdings(rng, segment)
    premium = _price_premium(rng, customers["_tenure_days"].to_numpy())
    rows = _plan_columns(rng, _service_rows(customers, holdings))
    cust = rows["_cust"].to_numpy()
    tenure = customers["_tenure_days"].to_numpy()[cust]
    first_of_customer = np.r_[True, cust[1:] != cust[:-1]]
    added_after = np.where(first_of_customer, 0,
                           np.floor(rng.random(cust.size) ** 2 * tenure)).astype(np.int64)
    factor = customers["segment"].replace_strict(SEGMENT_PRICE_FACTOR).to_numpy()[cust]
    price = np.maximum(np.round(rows["list_price_eur"].to_numpy() * factor * (1 + premium[cust]))
                       - 0.01, 4.99)
    seq = np.arange(cust.size) - np.searchsorted(cust, cust)
    frame = rows.with_columns(
        customer_id=customers["customer_id"].gather(pl.Series(cust)),
        _seq=pl.Series(seq + 1),
        _price_premium=pl.Series(premium[cust]),
        price_eur=pl.Series(np.round(price, 2)),
        start_date=customers["customer_since"].gather(pl.Series(cust))
        + pl.duration(days=pl.Series(added_after)),
        _region_code=customers["_region_code"].gather(pl.Series(cust)),
        _segment=customers["segment"].gather(pl.Series(cust)),
    )
    ordinal = pl.col("_ordinal").cast(pl.String)
    return frame.with_columns(
        service_id=pl.concat_str(pl.lit("CFS-"), pl.col("customer_id").str.slice(1),
                                 pl.lit("-"), pl.col("_seq").cast(pl.String).str.zfill(2)),
        spec_id=pl.col("cfs_type").replace_strict({t: cfs_spec(t).id for t in TYPE_ORDER}),
        line_key=pl.when(pl.col("cfs_type").is_in(["ftth", "iptv"]))
        .then(pl.concat_str("customer_id", pl.lit("-fixed")))
        .when(pl.col("cfs_type") == "enterprise_vpn")
        .then(pl.concat_str("customer_id", pl.lit("-vpn"), ordinal))
        .otherwise(pl.concat_str("customer_id", pl.lit("-sim"), ordinal)),
    ).drop("_seq", "_type_rank").sort("service_id")
