"""The static part of a world: people, products, network, bindings, load plan and incidents.

Everything here is decided before the first day runs; :mod:`daily` then lets the days happen.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from .anchors import AnchorGroups, build_anchor_groups
from .binding import bind_services
from .clock import Clock
from .config import Component, WorldConfig, component_rng
from .customers import build_customers
from .faults import Incident, schedule_incidents
from .kpis import CounterTables
from .network import NetworkIndex, build_index
from .network_load import LoadPlan, plan_load
from .subscriptions import build_services
from .topology import Topology, build_topology
from .usage import UsageProfile, usage_profile


@dataclass(frozen=True)
class StaticWorld:
    config: WorldConfig
    clock: Clock
    customers: pl.DataFrame
    services: pl.DataFrame  # CFS bound to resources, sorted by service_id
    service_customer: np.ndarray  # customer row of every service row
    topology: Topology
    net: NetworkIndex
    plan: LoadPlan
    tables: CounterTables
    incidents: tuple[Incident, ...]
    groups: AnchorGroups
    usage: UsageProfile
    chronic_cause: np.ndarray  # per resource: index of its chronic-congestion incident, or -1
    premium: np.ndarray  # per customer: price premium over list

    @property
    def vendors(self) -> np.ndarray:
        return self.topology.resources["vendor"].to_numpy()

    @property
    def first_service_row(self) -> np.ndarray:
        """Per customer, the row of their first service (what account-level contacts are
        filed against)."""
        first = np.zeros(self.customers.height, dtype=np.int64)
        rows = np.arange(self.service_customer.size)
        first[self.service_customer[::-1]] = rows[::-1]
        return first


def _network_for(customers: pl.DataFrame, services: pl.DataFrame,
                 rng: np.random.Generator) -> Topology:
    fixed = (services.filter(pl.col("cfs_type").is_in(["ftth", "iptv", "enterprise_vpn"]))
             .group_by("_region_code").agg(pl.col("line_key").n_unique()).sort("_region_code"))
    people = customers.group_by("_region_code").len().sort("_region_code")
    return build_topology(dict(fixed.iter_rows()), dict(people.iter_rows()), rng)


def build_static_world(config: WorldConfig) -> StaticWorld:
    """Customers, their services, the network sized to them, bindings, load and incidents."""
    seed = config.seed
    clock = Clock(config.start, config.days)
    customers = build_customers(config, component_rng(seed, Component.CUSTOMERS))
    services = build_services(config, customers, component_rng(seed, Component.SUBSCRIPTIONS))
    topology = _network_for(customers, services, component_rng(seed, Component.TOPOLOGY))
    bound = bind_services(services, topology, component_rng(seed, Component.BINDING))
    net = build_index(topology)
    plan = plan_load(net, topology.links, bound, topology.resources["capacity_mbps"].to_numpy(),
                     component_rng(seed, Component.NETWORK_LOAD))
    topology = Topology(
        resources=topology.resources.with_columns(capacity_mbps=pl.Series(plan.capacity_mbps)
                                                  .round(1)),
        links=topology.links, pon_plan=topology.pon_plan)
    incidents = schedule_incidents(net, clock, np.flatnonzero(plan.chronic),
                                   component_rng(seed, Component.FAULTS))
    chronic_cause = np.full(net.size, -1, dtype=np.int32)
    for k, incident in enumerate(incidents):
        if incident.kind == "chronic_congestion":
            chronic_cause[incident.root] = k
    service_customer = (bound.select("customer_id")
                        .join(customers.select("customer_id").with_row_index("row"),
                              on="customer_id", how="left", maintain_order="left")
                        ["row"].cast(pl.Int64).to_numpy())
    premium = np.zeros(customers.height)
    premium[service_customer] = bound["_price_premium"].to_numpy()
    return StaticWorld(
        config=config, clock=clock, customers=customers, services=bound,
        service_customer=service_customer, topology=topology, net=net, plan=plan,
        tables=CounterTables.build(net), incidents=incidents,
        groups=build_anchor_groups(bound, net),
        usage=usage_profile(bound, net, component_rng(seed, Component.USAGE)),
        chronic_cause=chronic_cause, premium=premium)
