"""Past marketing campaigns and what they did to the network (issue 19, the truth to test
the campaign projection against).

A campaign sends one offer (a bigger data plan, a speed upgrade, a TV bundle) to a target list
on one day: most customers with the offer's service in one region. Each target takes the offer
up with the offer's take-up probability; for a taker, every service the offer upgrades carries
``uplift`` times its usual traffic from that day on. That extra traffic flows into the usage
records (the volume of the taker's services) and into the busy-hour demand of the cells and PON
ports serving them, summed up the access tree like the rest of the load
(:mod:`.network_load`), so busy-hour utilisation rises where many take the offer up and the
customers already there feel it (the counters, then experience, follow from the load).

Opt-in (``WorldConfig.campaigns``, default 0): without campaigns no random number is drawn
and no array changes, so a world and its figures stay byte-identical.

The truth per campaign and access resource is the busy-hour utilisation the resource would
have had on the days after the campaign without it (``before``) and with it (``after``),
measured the way the warehouse measures it (the highest hourly mean of the 15-minute
utilisation counter of each day, the median over the days): offered load is linear in demand,
so the counterfactual is the simulated load scaled by the demand without the campaign.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from .clock import INTERVALS_PER_DAY, Clock
from .network import NetworkIndex
from .network_load import FTTH_BUSY_HOUR_MBPS, SIM_BUSY_HOUR_MBPS, LoadPlan, _accumulate

ACCESS_TYPES = ("cell", "pon_port")
UTIL_CAP = 0.985  # the utilisation counter saturates here (kpis.simulate_day)
TARGET_SHARE = 0.75  # of the eligible customers in the campaign's region


@dataclass(frozen=True)
class Offer:
    """An offer: the CFS types it upgrades, their traffic multiplier for a taker, and the
    probability a target takes it up."""

    services: tuple[str, ...]
    uplift: float
    take_up: float


OFFERS: dict[str, Offer] = {
    "data_boost": Offer(("mobile_data",), 2.8, 0.5),
    "speed_upgrade": Offer(("ftth",), 1.6, 0.35),
    "tv_bundle": Offer(("ftth",), 1.35, 0.25),
}
# the offers in turn: data offers (the ones that load cells) every other campaign
OFFER_ORDER = ("data_boost", "speed_upgrade", "data_boost", "tv_bundle")


@dataclass(frozen=True)
class Campaign:
    """One past campaign: its offer, region, day (index in the window), the target customers
    (rows) and which of them took it up, and the taker service rows it upgrades."""

    campaign_id: str
    offer: str
    region: str
    day: int
    targets: np.ndarray  # customer rows
    took_up: np.ndarray  # bool per target
    taker_services: np.ndarray  # service rows
    extra_mbps: np.ndarray  # per resource: extra busy-hour demand from the takers
    resources: np.ndarray  # access resources (index) serving the campaign's targets


@dataclass
class CampaignRecord:
    """Per campaign and access resource, the daily busy-hour utilisation (%) without and with
    the campaign, over the days since it went out."""

    before: dict[int, list[np.ndarray]] = field(default_factory=dict)
    after: dict[int, list[np.ndarray]] = field(default_factory=dict)


def _service_demand(bound: pl.DataFrame, net: NetworkIndex
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Busy-hour demand of each service row on each access resource it uses, as (service row,
    resource index, Mbit/s) arrays: an FTTH line on its PON port, a SIM's data over its cells
    in proportion to its traffic shares (the same figures the load plan sums)."""
    rows = bound.with_row_index("row")
    fixed = rows.filter((pl.col("cfs_type") == "ftth") & pl.col("pon_port").is_not_null()).select(
        "row", resource="pon_port", mbps=pl.col("download_mbps").replace_strict(
            FTTH_BUSY_HOUR_MBPS, default=5.0).cast(pl.Float64))
    data = rows.filter(pl.col("cfs_type") == "mobile_data")
    mobile = [data.select("row", resource=f"cell_{k}", mbps=pl.col("data_allowance_gb")
                          .replace_strict(SIM_BUSY_HOUR_MBPS, default=0.3)
                          .cast(pl.Float64) * pl.col(f"w_{k}"))
              .filter(pl.col("resource").is_not_null()) for k in (1, 2, 3)]
    lines = pl.concat([fixed, *mobile])
    return (lines["row"].to_numpy().astype(np.int64), net.index_of(lines["resource"].to_list()),
            lines["mbps"].fill_null(0.0).to_numpy())


def plan_campaigns(n: int, bound: pl.DataFrame, customers: pl.DataFrame,
                   service_customer: np.ndarray, net: NetworkIndex, links: pl.DataFrame,
                   days: int, rng: np.random.Generator) -> tuple[Campaign, ...]:
    """``n`` campaigns, offers in turn, each in its own region (while regions last) on a day in
    the second half of the window, so that a week of history precedes it and days follow."""
    if n <= 0:
        return ()
    svc_row, svc_res, svc_mbps = _service_demand(bound, net)
    cfs_type = bound["cfs_type"].to_numpy()
    region = customers["region"].to_numpy()
    regions = np.unique(region)
    order = rng.permutation(regions.size)
    first, last = max(7, days // 2), max(max(7, days // 2), days - 4)
    campaigns = []
    for k in range(n):
        name = OFFER_ORDER[k % len(OFFER_ORDER)]
        offer = OFFERS[name]
        where = regions[order[k % regions.size]]
        eligible_rows = np.flatnonzero(np.isin(cfs_type, offer.services))
        eligible = np.unique(service_customer[eligible_rows])
        eligible = eligible[region[eligible] == where]
        targets = eligible[rng.random(eligible.size) < TARGET_SHARE]
        took = rng.random(targets.size) < offer.take_up
        takers = np.zeros(customers.height, dtype=bool)
        takers[targets[took]] = True
        upgraded = eligible_rows[takers[service_customer[eligible_rows]]]
        is_target = np.zeros(customers.height, dtype=bool)
        is_target[targets] = True
        target_rows = eligible_rows[is_target[service_customer[eligible_rows]]]
        leaf = np.zeros(net.size)
        picked = np.isin(svc_row, upgraded)
        np.add.at(leaf, svc_res[picked], svc_mbps[picked] * (offer.uplift - 1))
        serving = np.unique(svc_res[np.isin(svc_row, target_rows) & (svc_mbps > 0)])
        campaigns.append(Campaign(
            campaign_id=f"CMP-{k + 1:03d}", offer=name, region=str(where),
            day=int(rng.integers(first, last + 1)), targets=targets, took_up=took,
            taker_services=upgraded, extra_mbps=_accumulate(net, links, leaf),
            resources=serving[np.isin(net.types[serving], ACCESS_TYPES)]))
    return tuple(campaigns)


def usage_uplift(campaigns: tuple[Campaign, ...], n_services: int, day: int
                 ) -> np.ndarray | None:
    """Per service row, the traffic multiplier of the offers taken up by ``day`` (None when no
    campaign has gone out yet: nothing changes)."""
    live = [c for c in campaigns if c.day <= day]
    if not live:
        return None
    factor = np.ones(n_services)
    for c in live:
        factor[c.taker_services] *= OFFERS[c.offer].uplift
    return factor


def load_plan_for(plan: LoadPlan, campaigns: tuple[Campaign, ...], day: int) -> LoadPlan:
    """The load plan of ``day``: the takers' extra busy-hour demand of every campaign that has
    gone out by then added to the resources carrying it (the plan itself when none has)."""
    live = [c for c in campaigns if c.day <= day]
    if not live:
        return plan
    extra = np.sum([c.extra_mbps for c in live], axis=0)
    return LoadPlan(peak_demand_mbps=plan.peak_demand_mbps + extra,
                    capacity_mbps=plan.capacity_mbps, business_share=plan.business_share,
                    users=plan.users, rurality=plan.rurality, chronic=plan.chronic)


def _busy_hour_pct(rho: np.ndarray) -> np.ndarray:
    """The day's busy-hour utilisation (%) per row of ``rho`` (resources × 96 intervals): the
    highest hourly mean of the saturating utilisation counter."""
    hourly = np.minimum(rho, UTIL_CAP).reshape(rho.shape[0], INTERVALS_PER_DAY // 4, 4)
    return 100 * hourly.mean(axis=2).max(axis=1)


def record_day(record: CampaignRecord, campaigns: tuple[Campaign, ...], plan: LoadPlan,
               rho: np.ndarray, up: np.ndarray, day: int) -> None:
    """Add ``day``'s busy-hour utilisation without and with each live campaign, for the access
    resources serving its targets. ``rho`` is the simulated offered load with every live
    campaign; the load without a campaign's (and later campaigns') takers is that scaled by the
    demand ratio, since offered load is linear in demand. ``up`` is the available share."""
    live = sorted((c for c in campaigns if c.day <= day), key=lambda c: (c.day, c.campaign_id))
    if not live:
        return
    peak = plan.peak_demand_mbps
    total = peak + np.sum([c.extra_mbps for c in live], axis=0)
    earlier = np.zeros_like(peak)
    for c in live:
        res = c.resources
        base = rho[res] * up[res]
        scale = np.where(total[res] > 0, 1 / np.maximum(total[res], 1e-12), 0)
        without = base * ((peak[res] + earlier[res]) * scale)[:, None]
        with_it = base * ((peak[res] + earlier[res] + c.extra_mbps[res]) * scale)[:, None]
        index = campaigns.index(c)
        record.before.setdefault(index, []).append(_busy_hour_pct(without))
        record.after.setdefault(index, []).append(_busy_hour_pct(with_it))
        earlier = earlier + c.extra_mbps


def campaigns_frame(campaigns: tuple[Campaign, ...], customers: pl.DataFrame,
                    clock: Clock) -> pl.DataFrame:
    """The campaigns feed: one row per target (campaign id, offer, the day it went out, the
    customer, whether they took it up)."""
    ids = customers["customer_id"].to_numpy()
    parts = [pl.DataFrame({
        "campaign_id": [c.campaign_id] * c.targets.size,
        "offer": [c.offer] * c.targets.size,
        "sent_on": [clock.date_of(c.day).isoformat()] * c.targets.size,
        "customer_id": ids[c.targets].astype(str),
        "took_up": np.where(c.took_up, "yes", "no"),
    }, schema={"campaign_id": pl.String, "offer": pl.String, "sent_on": pl.String,
               "customer_id": pl.String, "took_up": pl.String}) for c in campaigns]
    return pl.concat(parts).sort("campaign_id", "customer_id")


def truth_frames(campaigns: tuple[Campaign, ...], record: CampaignRecord, net: NetworkIndex,
                 plan: LoadPlan, clock: Clock) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``_truth/campaigns.csv`` (one row per campaign: offer, region, date, targets, takers,
    the true uplift and take-up probability) and ``_truth/campaign_resources.csv`` (per
    campaign and access resource serving its targets: capacity, the takers' extra busy-hour
    demand, and the median busy-hour utilisation over the days since, without and with it)."""
    summary = pl.DataFrame([{
        "campaign_id": c.campaign_id, "offer": c.offer, "region": c.region,
        "sent_on": clock.date_of(c.day).isoformat(), "targets": int(c.targets.size),
        "takers": int(c.took_up.sum()), "uplift": OFFERS[c.offer].uplift,
        "take_up_probability": OFFERS[c.offer].take_up,
        "days_after": len(record.after.get(k, [])),
    } for k, c in enumerate(campaigns)])
    parts = []
    for k, c in enumerate(campaigns):
        if k not in record.after or c.resources.size == 0:
            continue
        before = np.median(np.vstack(record.before[k]), axis=0)
        after = np.median(np.vstack(record.after[k]), axis=0)
        parts.append(pl.DataFrame({
            "campaign_id": [c.campaign_id] * c.resources.size,
            "resource_id": net.ids[c.resources].astype(str),
            "resource_type": net.types[c.resources].astype(str),
            "capacity_mbps": np.round(plan.capacity_mbps[c.resources], 1),
            "extra_busy_hour_mbps": np.round(c.extra_mbps[c.resources], 3),
            "busy_util_before_pct": np.round(before, 2),
            "busy_util_after_pct": np.round(after, 2),
        }))
    schema = {"campaign_id": pl.String, "resource_id": pl.String, "resource_type": pl.String,
              "capacity_mbps": pl.Float64, "extra_busy_hour_mbps": pl.Float64,
              "busy_util_before_pct": pl.Float64, "busy_util_after_pct": pl.Float64}
    resources = pl.concat(parts) if parts else pl.DataFrame(schema=schema)
    return summary, resources.sort("campaign_id", "resource_id")
