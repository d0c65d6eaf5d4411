"""One day of the world: the network runs, customers experience it, use it, complain, answer
surveys and decide to stay or leave.

:func:`network_day` is the network half (impairments and counters); :func:`customer_day_step`
the customer half. Both are pure given their inputs; the carried-over state (churn decisions,
remembered experience, open tickets) is returned anew each day.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from .care import TICKET_SCHEMA, baseline_tickets, follow_up_tickets, network_tickets
from .churn import ChurnModel, ChurnState, Exposure, decide
from .config import Component, component_rng
from .experience import customer_day, service_experience
from .impact import resource_condition, service_day_causes, service_intervals
from .impairments import DayImpairments, day_impairments
from .kpis import DayNetwork, simulate_day
from .surveys import responses
from .usage import daily_usage
from .world import StaticWorld


@dataclass(frozen=True)
class CarriedState:
    churn: ChurnState
    exposure: Exposure
    open_tickets: pl.DataFrame  # tickets not yet resolved (cust, row, created_s, resolved_s, …)


@dataclass(frozen=True)
class CustomerDayResult:
    state: CarriedState
    causes: pl.DataFrame  # row, cause, outage_s, degraded_s, severity, first_slot
    usage: pl.DataFrame
    tickets: pl.DataFrame
    surveys: pl.DataFrame


def network_day(world: StaticWorld, day: int) -> tuple[DayImpairments, DayNetwork]:
    imp = day_impairments(world.incidents, day, world.net.size)
    rng = component_rng(world.config.seed, Component.KPIS, day)
    return imp, simulate_day(world.net, world.plan, world.tables, world.clock, day, imp, rng)


def _cell_factor(imp: DayImpairments) -> np.ndarray:
    """Each resource's share of normal traffic over the day (0 down all day, ~0 asleep)."""
    return (1 - imp.unavailable.mean(axis=1)) * np.minimum(imp.traffic.mean(axis=1), 1.0)


def customer_day_step(world: StaticWorld, state: CarriedState, imp: DayImpairments,
                      rho: np.ndarray, day: int, churn_model: ChurnModel,
                      usage_uplift: np.ndarray | None = None) -> CustomerDayResult:
    """``rho``: the day's offered utilisation per resource-interval (``DayNetwork.rho``).
    ``usage_uplift``: per service row, a multiplier of its traffic (offers taken up in
    past campaigns, :mod:`.campaigns`); None leaves usage as it is."""

    seed, clock = world.config.seed, world.clock
    n_customers = world.customers.height
    customer_active = state.churn.active(day)
    service_active = customer_active[world.service_customer]
    cond = resource_condition(world.net, imp, rho, world.chronic_cause)
    causes = service_day_causes(service_intervals(world.groups, cond, service_active))
    experience = service_experience(causes, world.services.height)
    decline = state.churn.usage_decline(day)[world.service_customer]
    usage = daily_usage(world.usage, clock.date_of(day), clock.date_of(day).weekday(),
                        experience.as_dict(), service_active,
                        decline if usage_uplift is None else decline * usage_uplift,
                        _cell_factor(imp), component_rng(seed, Component.USAGE, day))
    per_customer = customer_day(experience, world.service_customer, world.services["cfs_type"],
                                world.incidents, n_customers)
    tickets, open_tickets = _tickets(world, state, per_customer.worst, customer_active, day)
    unresolved = np.bincount(open_tickets["cust"].to_numpy(), minlength=n_customers)
    exposure = state.exposure.remember(
        per_customer.outage_h, per_customer.poor,
        np.bincount(tickets["cust"].to_numpy(), minlength=n_customers), unresolved)
    leaving = (state.churn.decided_day <= day) & customer_active
    surveys = responses(exposure, world.premium, world.customers["_disposition"].to_numpy(),
                        world.customers["segment"].to_numpy(), leaving, customer_active, day,
                        component_rng(seed, Component.SURVEYS, day))
    churn = decide(state.churn, churn_model.drivers, exposure, churn_model.base_hazard, day,
                   component_rng(seed, Component.CHURN, day))
    return CustomerDayResult(CarriedState(churn, exposure, open_tickets), causes, usage,
                             tickets, surveys)


def _tickets(world: StaticWorld, state: CarriedState, worst: pl.DataFrame,
             customer_active: np.ndarray, day: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Today's tickets, and the tickets of active customers still open at the end of the day."""
    rng = component_rng(world.config.seed, Component.TICKETS, day)
    worst = worst.filter(pl.Series(customer_active[worst["cust"].to_numpy()]))
    still_customers = state.open_tickets.filter(
        pl.Series(customer_active[state.open_tickets["cust"].to_numpy()]))
    today = pl.concat([
        network_tickets(worst, world.customers, day, rng),
        baseline_tickets(world.customers, np.flatnonzero(customer_active),
                         world.first_service_row, day, rng),
        follow_up_tickets(still_customers, day, rng),
    ], how="diagonal_relaxed").select(TICKET_SCHEMA.keys())
    still_open = pl.concat([still_customers, today]).filter(
        pl.col("resolved_s") > (day + 1) * 86400)
    return today, still_open
