"""World parameters, the generation report, and the seeding scheme.

A world is fully determined by its :class:`WorldConfig`. Every component draws from its own
``numpy.random.Generator`` seeded with ``[seed, component]`` (and the day, for day-by-day
components), so adding draws to one component never shifts the random stream of another, and
the same seed always gives the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import IntEnum

import numpy as np
import polars as pl

from cxbridge.platform.errors import UserError

GENERATOR_NAME = "cxbridge.generate"
GENERATOR_VERSION = "1.0.0"
LOCAL_TIMEZONE = "Europe/Dublin"
CUSTOMERS_AT_SCALE_ONE = 100_000


class WorldConfigError(UserError, ValueError):
    """A size, window, seed or dirt rate the generator cannot use; the message says why."""


@dataclass(frozen=True)
class WorldConfig:
    """What to generate: size (``scale`` 1 ≈ 100,000 customers), window, seed and dirt.

    ``start`` defaults to 2026-10-01 so that a 30-day window crosses the Europe/Dublin change
    from summer to winter time on 2026-10-25, which vendor B's local-time files must survive.
    ``dirt_rate`` is the share of rows per file that are damaged the way real feeds are (0 turns
    dirt off). ``actions``: run past programmes with control groups (:mod:`.actions`), which
    change the churn of the customers they treat; off, the world is as it always was.
    ``campaigns``: how many past marketing campaigns to run (:mod:`.campaigns`: offers whose
    takers use more and load the cells and ports serving them); 0, the world is unchanged.
    """

    scale: float = 0.05
    days: int = 30
    seed: int = 42
    start: date = date(2026, 10, 1)
    dirt_rate: float = 0.002
    actions: bool = False
    campaigns: int = 0

    def __post_init__(self) -> None:
        if not self.scale > 0:
            raise WorldConfigError(f"scale must be > 0 (1.0 ≈ 100,000 customers), got "
                                   f"{self.scale}")
        if self.days < 1:
            raise WorldConfigError(f"days must be at least 1, got {self.days}")
        if not 0 <= self.dirt_rate <= 0.1:
            raise WorldConfigError(f"dirt_rate must be between 0 and 0.1, got {self.dirt_rate}")
        if self.seed < 0:
            raise WorldConfigError(f"seed must be a non-negative integer, got {self.seed}")
        if self.campaigns and (self.campaigns < 0 or self.days < 14):
            raise WorldConfigError(f"campaigns must be ≥ 0 and need at least 14 days (a week "
                                   f"before each and days after), got {self.campaigns} over "
                                   f"{self.days} days")

    @property
    def n_customers(self) -> int:
        """Customers in the CRM at the start of the window (at least 50, so every region and
        segment is populated)."""
        return max(50, round(CUSTOMERS_AT_SCALE_ONE * self.scale))

    @property
    def end(self) -> date:
        """The first day after the window."""
        return self.start + timedelta(days=self.days)

    def day(self, index: int) -> date:
        return self.start + timedelta(days=index)


@dataclass(frozen=True)
class GenerationReport:
    """What :func:`generate_world` wrote: clean entity counts and the time it took."""

    customers: int
    services: int
    resources: int
    kpi_rows: int
    alarm_events: int
    usage_rows: int
    tickets: int
    surveys: int
    incidents: int
    churned_customers: int
    seconds: float


class Component(IntEnum):
    """One independent random stream per part of the world."""

    CUSTOMERS = 1
    SUBSCRIPTIONS = 2
    TOPOLOGY = 3
    BINDING = 4
    FAULTS = 5
    ALARMS = 6
    NOISE_ALARMS = 7
    NETWORK_LOAD = 8
    KPIS = 9
    USAGE = 10
    TICKETS = 11
    SURVEYS = 12
    CHURN = 13
    DIRT = 14
    FEED_QUIRKS = 15
    PM_EXTRAS = 16
    ACTIONS = 17
    CAMPAIGNS = 18


def component_rng(seed: int, component: Component, day: int | None = None) -> np.random.Generator:
    """The random stream of one component (and, optionally, one day of it)."""
    key = [seed, int(component)] if day is None else [seed, int(component), day + 1]
    return np.random.default_rng(key)


def entity_ids(prefix: str, numbers: np.ndarray, width: int) -> np.ndarray:
    """Identifiers like ``C0000123`` for an array of numbers, built without a Python loop."""
    digits = pl.Series(numbers, dtype=pl.Int64).cast(pl.String).str.zfill(width)
    return pl.select(pl.concat_str(pl.lit(prefix), digits)).to_series().to_numpy()
