"""Why and when customers leave.

Each day every customer has a hazard of deciding to leave: a base rate times exp(sum of
contributions) from what the data shows: short tenure, a month-to-month contract or a contract
within 30 days of its renewal date, paying above today's list price, recent outage hours and
poor-experience days (remembered with a ten-day half-life, so last month matters and last
quarter does not), open and repeated tickets, and a latent grumpiness that also shows in
tickets and surveys. Contributions are strong enough that churn concentrates in a risky minority
(a model that knew the true hazards would rank next month's churners with an AUC of about 0.87).
The largest contribution is the recorded cause; outage and poor experience make the churn
network-caused. After deciding, a customer serves a notice of 1–8 days, using the service less
and less, and then all of their services end on the churn date.

The base rate calibrates itself on the population at the start so that churn without network
trouble is about 1 % a month; network experience adds the rest (about a third of churn).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import numpy as np
import polars as pl

CAUSES = ("tenure", "contract", "price", "outage", "poor_experience", "ticket_friction", "other")
NETWORK_CAUSES = frozenset({"outage", "poor_experience"})
MEMORY = np.exp(-np.log(2) / 10)  # ten-day half-life
NON_NETWORK_MONTHLY = 0.0105
SEGMENT_SHIFT = {"consumer": 0.0, "smb": -0.3, "enterprise": -0.9}
TERM_DAYS = {"month-to-month": 30, "one_year": 365, "two_year": 730}
NOT_DECIDED = np.iinfo(np.int32).max
NOTICE_DAYS = (1, 9)


@dataclass(frozen=True)
class Exposure:
    """What each customer remembers of recent experience."""

    outage_h: np.ndarray
    poor_days: np.ndarray
    tickets: np.ndarray
    unresolved: np.ndarray

    @classmethod
    def none(cls, n: int) -> Exposure:
        return cls(np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n))

    def remember(self, outage_h, poor, tickets, unresolved) -> Exposure:
        return Exposure(self.outage_h * MEMORY + outage_h, self.poor_days * MEMORY + poor,
                        self.tickets * MEMORY + tickets, unresolved.astype(float))


@dataclass(frozen=True)
class ChurnState:
    decided_day: np.ndarray  # day the customer decided to leave, NOT_DECIDED otherwise
    churn_day: np.ndarray  # first day without service
    cause: np.ndarray  # index into CAUSES, -1 if none
    # the network causes' share of the log-hazard contributions when deciding (0 if none):
    # the recorded cause is only the largest one, and a price churner may also have had
    # outages
    network_share: np.ndarray

    @classmethod
    def start(cls, n: int) -> ChurnState:
        return cls(np.full(n, NOT_DECIDED, dtype=np.int64), np.full(n, NOT_DECIDED,
                                                                    dtype=np.int64),
                   np.full(n, -1, dtype=np.int8), np.zeros(n))

    def active(self, day: int) -> np.ndarray:
        return self.churn_day > day

    def usage_decline(self, day: int) -> np.ndarray:
        """1 normally; falling to 0.4 over the notice period."""
        span = np.maximum(self.churn_day - self.decided_day, 1)
        progress = np.clip((day - self.decided_day) / span, 0, 1)
        return np.where(self.decided_day <= day, 1 - 0.6 * progress, 1.0)


@dataclass(frozen=True)
class ChurnDrivers:
    """Static customer traits the hazard needs."""

    tenure_days: np.ndarray
    since: np.ndarray  # datetime64[D]
    term_days: np.ndarray
    month_to_month: np.ndarray
    premium: np.ndarray
    disposition: np.ndarray
    segment_shift: np.ndarray
    start: date

    @classmethod
    def of(cls, customers: pl.DataFrame, premium: np.ndarray, start: date) -> ChurnDrivers:
        contract = customers["contract_type"]
        return cls(
            tenure_days=customers["_tenure_days"].to_numpy(),
            since=customers["customer_since"].to_numpy().astype("datetime64[D]"),
            term_days=contract.replace_strict(TERM_DAYS, return_dtype=pl.Int64).to_numpy(),
            month_to_month=(contract == "month-to-month").to_numpy(),
            premium=premium, disposition=customers["_disposition"].to_numpy(),
            segment_shift=customers["segment"].replace_strict(
                SEGMENT_SHIFT, return_dtype=pl.Float64).to_numpy(),
            start=start)


def contributions(drivers: ChurnDrivers, exposure: Exposure, day: int) -> np.ndarray:
    """Log-hazard contributions (len(CAUSES), customers), each ≥ 0."""
    tenure_years = (drivers.tenure_days + day) / 365.0
    today = np.datetime64(drivers.start) + np.timedelta64(day, "D")
    elapsed = (today - drivers.since).astype(np.int64)
    to_renewal = drivers.term_days - np.mod(elapsed, drivers.term_days)
    contract = np.where(drivers.month_to_month, 2.0, np.where(to_renewal <= 30, 2.4, 0.0))
    return np.vstack([
        2.5 * np.exp(-tenure_years / 0.6),
        contract,
        6.0 * np.maximum(drivers.premium, 0),
        1.6 * np.log1p(exposure.outage_h),
        1.3 * np.log1p(exposure.poor_days),
        1.0 * np.log1p(exposure.unresolved) + 0.5 * np.log1p(exposure.tickets),
        1.2 * np.maximum(drivers.disposition, 0),
    ])


@dataclass(frozen=True)
class ChurnModel:
    drivers: ChurnDrivers
    base_hazard: float

    @classmethod
    def of(cls, customers: pl.DataFrame, premium: np.ndarray, start: date) -> ChurnModel:
        drivers = ChurnDrivers.of(customers, premium, start)
        return cls(drivers, calibrate_base(drivers))


def calibrate_base(drivers: ChurnDrivers) -> float:
    """Daily base hazard giving ~NON_NETWORK_MONTHLY churn on the starting population."""
    contrib = contributions(drivers, Exposure.none(drivers.premium.size), 0)
    relative = np.exp(drivers.segment_shift + contrib.sum(axis=0)).mean()
    return NON_NETWORK_MONTHLY / 30 / relative


def decide(state: ChurnState, drivers: ChurnDrivers, exposure: Exposure, base: float, day: int,
           rng: np.random.Generator) -> ChurnState:
    """Who decides to leave at the end of ``day`` (their churn day follows the notice)."""
    contrib = contributions(drivers, exposure, day)
    hazard = base * np.exp(drivers.segment_shift + contrib.sum(axis=0))
    candidates = (state.decided_day == NOT_DECIDED)
    leaving = candidates & (rng.random(hazard.size) < hazard)
    notice = rng.integers(*NOTICE_DAYS, hazard.size)
    return replace(
        state,
        decided_day=np.where(leaving, day, state.decided_day),
        churn_day=np.where(leaving, day + 1 + notice, state.churn_day),
        cause=np.where(leaving, np.argmax(contrib, axis=0), state.cause).astype(np.int8),
        network_share=np.where(leaving, network_share(contrib), state.network_share))


def network_share(contrib: np.ndarray) -> np.ndarray:
    """Per customer, the network causes' share of the contributions (0 when all are 0)."""
    network = sum(contrib[CAUSES.index(c)] for c in sorted(NETWORK_CAUSES))
    total = contrib.sum(axis=0)
    return np.divide(network, total, out=np.zeros_like(total), where=total > 0)


def burn_in(drivers: ChurnDrivers, base: float, days: int, rng: np.random.Generator
            ) -> ChurnState:
    """Decisions taken before the window whose churn day falls inside it (no network memory
    before the window, so these are never network-caused)."""
    state = ChurnState.start(drivers.premium.size)
    none = Exposure.none(drivers.premium.size)
    for day in range(-days, 0):
        state = decide(state, drivers, none, base, day, rng)
    gone_before = state.churn_day <= 0
    return replace(state, decided_day=np.where(gone_before, NOT_DECIDED, state.decided_day),
                   churn_day=np.where(gone_before, NOT_DECIDED, state.churn_day),
                   cause=np.where(gone_before, -1, state.cause).astype(np.int8),
                   network_share=np.where(gone_before, 0.0, state.network_share))
