"""How busy each resource is: busy-hour demand, capacity plan, and daily load cycles.

Demand comes from the services bound to a resource (an FTTH line's busy-hour average grows with
its speed tier, a SIM's with its data allowance) and sums up the access tree (ports → OLT →
uplinks → aggregation → core). Radio capacity is planned the way operators do it, in carrier
steps sized for a target busy-hour utilisation, except for a few cells where demand has outgrown
the plan: they run above 95 % every evening (chronic congestion). Residential traffic peaks at
19–23h local, business traffic on weekday office hours.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from .clock import Clock
from .geography import REGIONS
from .network import NetworkIndex

FTTH_BUSY_HOUR_MBPS = {100: 3.0, 300: 5.0, 500: 7.0, 1000: 10.0}
SIM_BUSY_HOUR_MBPS = {10: 0.15, 30: 0.3, 60: 0.45, 200: 0.8}
IPTV_STREAM_MBPS, VPN_SITE_MBPS = 3.2, 12.0
ROUTER_TARGET_UTIL, ROUTER_STEP_MBPS = 0.55, 100_000
CELL_CAPACITY_STEPS = np.array([50, 75, 100, 150, 200, 300, 450, 600, 900], dtype=float)
CHRONIC_SHARE = 0.015
PLATFORM_TYPES = ("bng", "dns_resolver", "ims_core", "iptv_headend")
PLATFORM_PEAK_UTIL = {"dns_resolver": 0.35, "ims_core": 0.40, "iptv_headend": 0.50}

RESIDENTIAL_HOURLY = np.array([
    0.32, 0.22, 0.16, 0.13, 0.12, 0.14, 0.22, 0.36, 0.46, 0.52, 0.55, 0.58,
    0.60, 0.60, 0.60, 0.62, 0.67, 0.75, 0.86, 0.95, 1.00, 1.00, 0.92, 0.62])
BUSINESS_HOURLY = np.array([
    0.08, 0.06, 0.05, 0.05, 0.05, 0.08, 0.20, 0.50, 0.85, 0.98, 1.00, 1.00,
    0.90, 0.95, 1.00, 0.98, 0.90, 0.70, 0.45, 0.30, 0.22, 0.18, 0.14, 0.10])


@dataclass(frozen=True)
class LoadPlan:
    """Per resource (by index): busy-hour demand and capacity (Mbit/s), business share of the
    traffic, subscriber count behind it, and whether it is a chronically congested cell."""

    peak_demand_mbps: np.ndarray
    capacity_mbps: np.ndarray
    business_share: np.ndarray
    users: np.ndarray
    rurality: np.ndarray
    chronic: np.ndarray


def _line_demand(bound: pl.DataFrame) -> pl.DataFrame:
    """Busy-hour demand and user weight per (resource, service) for access resources."""
    business = pl.col("_segment") != "consumer"
    fixed = bound.filter(pl.col("pon_port").is_not_null()).select(
        resource_id="pon_port", business=business,
        demand=pl.when(pl.col("cfs_type") == "ftth")
        .then(pl.col("download_mbps").replace_strict(FTTH_BUSY_HOUR_MBPS, default=5.0))
        .when(pl.col("cfs_type") == "iptv").then(IPTV_STREAM_MBPS).otherwise(VPN_SITE_MBPS),
        users=(pl.col("cfs_type") != "iptv").cast(pl.Float64))
    data = bound.filter(pl.col("cfs_type") == "mobile_data")
    mobile = [data.select(resource_id=f"cell_{k}", business=business,
                          demand=pl.col("data_allowance_gb").replace_strict(
                              SIM_BUSY_HOUR_MBPS, default=0.3) * pl.col(f"w_{k}"),
                          users=pl.col(f"w_{k}"))
              .filter(pl.col("resource_id").is_not_null()) for k in (1, 2, 3)]
    return pl.concat([fixed, *mobile])


def _accumulate(net: NetworkIndex, links: pl.DataFrame, values: np.ndarray) -> np.ndarray:
    """Sum leaf values up the access tree (ports → OLT → uplinks → aggregation → core),
    splitting a child's traffic evenly over its parents (load-shared protected pairs)."""
    out = values.copy()
    child = net.index_of(links["resource_id"].to_list())
    parent = net.index_of(links["depends_on_id"].to_list())
    share = 1.0 / np.bincount(child, minlength=net.size)[child]
    carries = ~np.isin(net.types[child], PLATFORM_TYPES)
    for parent_type in ("olt", "site", "transport_link", "agg_router", "core_router"):
        sel = carries & (net.types[parent] == parent_type)
        np.add.at(out, parent[sel], out[child[sel]] * share[sel])
    return out


def plan_load(net: NetworkIndex, links: pl.DataFrame, bound: pl.DataFrame,
              capacity: np.ndarray, rng: np.random.Generator) -> LoadPlan:
    """Demand, capacity (radio planned here) and business share for every resource."""
    lines = _line_demand(bound)
    n = net.size
    idx = net.index_of(lines["resource_id"])
    # numpy sums run in row order, so the floats are the same on every machine
    demand = np.bincount(idx, weights=lines["demand"].to_numpy(), minlength=n)
    users = np.bincount(idx, weights=lines["users"].to_numpy(), minlength=n)
    business = np.bincount(idx, weights=(lines["demand"] * lines["business"]).to_numpy(),
                           minlength=n)
    demand, capacity, chronic = _plan_cells(net, demand, capacity, rng)
    demand, users, business = (_accumulate(net, links, v) for v in (demand, users, business))
    routers = np.union1d(net.of_type("agg_router"), net.of_type("core_router"))
    capacity[routers] = np.maximum(capacity[routers], ROUTER_STEP_MBPS * np.ceil(
        demand[routers] / ROUTER_TARGET_UTIL / ROUTER_STEP_MBPS))
    demand, users = _platform_demand(net, bound, demand, users, capacity)
    share = np.where(business > 0, business / np.maximum(demand, 1e-9), 0.2)
    rural = {r.name: r.rurality for r in REGIONS}
    return LoadPlan(peak_demand_mbps=demand, capacity_mbps=capacity,
                    business_share=np.clip(share, 0, 1), users=users,
                    rurality=np.array([rural.get(r, 0.3) for r in net.regions]),
                    chronic=chronic)


def _plan_cells(net: NetworkIndex, demand: np.ndarray, capacity: np.ndarray,
                rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Carrier capacity per cell for a target busy-hour utilisation, and the chronically
    congested cells with the extra demand that congests them: (demand, capacity, chronic)."""
    demand, capacity = demand.copy(), capacity.copy()
    cells = net.of_type("cell")
    target = np.clip(rng.lognormal(np.log(0.66), 0.25, cells.size), 0.2, 0.93)
    needed = demand[cells] / target
    step = np.minimum(np.searchsorted(CELL_CAPACITY_STEPS, needed), CELL_CAPACITY_STEPS.size - 1)
    capacity[cells] = CELL_CAPACITY_STEPS[step]
    chronic = np.zeros(net.size, dtype=bool)
    busy = cells[demand[cells] >= np.median(demand[cells])]
    n_chronic = max(1, round(CHRONIC_SHARE * cells.size))
    picked = rng.choice(busy, size=min(n_chronic, busy.size), replace=False)
    # demand has outgrown the plan (a new estate, a campus, visitors roaming in): the busy
    # hour offers 5–20 % more than the cell can carry
    demand[picked] = capacity[picked] * rng.uniform(1.05, 1.2, picked.size)
    chronic[picked] = True
    return demand, capacity, chronic


def _platform_demand(net, bound, demand, users, capacity) -> tuple[np.ndarray, np.ndarray]:
    """National platforms and BNGs: demand and users from the services that use them."""
    demand, users = demand.copy(), users.copy()
    for kind, util in PLATFORM_PEAK_UTIL.items():
        idx = net.of_type(kind)
        demand[idx] = capacity[idx] * util
    count = {"dns_resolver": (bound["cfs_type"].is_in(["ftth", "mobile_data"])).sum() / 3,
             "ims_core": (bound["cfs_type"] == "mobile_voice").sum() / 2,
             "iptv_headend": (bound["cfs_type"] == "iptv").sum()}
    for kind, value in count.items():
        users[net.of_type(kind)] = value
    bng_lines = bound.filter(pl.col("cfs_type") == "ftth").group_by("bng_id").agg(
        lines=pl.len(), demand=pl.col("download_mbps").replace_strict(
            FTTH_BUSY_HOUR_MBPS, default=5.0).sum())
    idx = net.index_of(bng_lines["bng_id"])
    demand[idx], users[idx] = bng_lines["demand"].to_numpy(), bng_lines["lines"].to_numpy()
    return demand, users


def daily_profiles(clock: Clock, day: int) -> tuple[np.ndarray, np.ndarray]:
    """Residential and business load (0–1 of busy hour) for the 96 UTC intervals of a day."""
    hours, weekday = clock.local_hour_and_weekday(day)
    wrap = np.r_[RESIDENTIAL_HOURLY, RESIDENTIAL_HOURLY[0]]
    residential = np.interp(hours, np.arange(25), wrap)
    business = np.interp(hours, np.arange(25), np.r_[BUSINESS_HOURLY, BUSINESS_HOURLY[0]])
    weekend = weekday >= 5
    residential = np.where(weekend & (hours > 9) & (hours < 18), residential + 0.1, residential)
    business = np.where(weekend, business * 0.3, business)
    return residential, business
