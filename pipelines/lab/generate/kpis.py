"""15-minute performance counters of every resource, as its element manager would count them.

Offered load follows the daily cycle of the resource's traffic mix. Utilisation is carried
traffic over capacity. Above ~70 % utilisation throughput per user starts to fall, and past
~85 % queueing delay and loss grow non-linearly (an M/M/1-like ρ²/(1-ρ) term), which is what
busy-hour congestion looks like. Rural regions have longer paths (more latency, more radio
loss). Incident effects add latency, loss and failed setups, reroute or starve traffic, and an
element that is down for a whole interval reports nothing at all.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from .clock import INTERVAL_S, INTERVALS_PER_DAY, Clock
from .impairments import DayImpairments
from .network import NetworkIndex
from .network_load import LoadPlan, daily_profiles

COUNTERS = ("dl_thp_mbps", "util_pct", "lat_ms", "jitter_ms", "loss_pct", "unavail_s",
            "acc_att", "acc_succ", "drops", "sessions")
REPORTING_GAP_RATE = 3e-4


@dataclass(frozen=True)
class CounterModel:
    """Per resource type: base latency (+ extra when rural), queueing delay scale, base loss,
    per-user throughput, sessions and setup attempts per user at busy hour, base setup failure
    and drop rates, and which counters the element reports."""

    latency_ms: float
    rural_latency_ms: float
    queue_ms: float
    loss_pct: float
    user_rate_mbps: float
    activity: float
    attempts: float
    failure: float
    drop_rate: float
    counters: frozenset[str]


_NET = frozenset({"util_pct", "lat_ms", "jitter_ms", "loss_pct", "unavail_s"})
_ACCESS = frozenset({"acc_att", "acc_succ", "drops", "sessions"})
MODELS: dict[str, CounterModel] = {
    "cell": CounterModel(18, 14, 2.0, 0.05, 45, 0.30, 2.0, 0.004, 0.005,
                         _NET | _ACCESS | {"dl_thp_mbps"}),
    "pon_port": CounterModel(3, 5, 0.5, 0.005, 320, 0.90, 0, 0, 0,
                             _NET | {"dl_thp_mbps", "sessions"}),
    "olt": CounterModel(1.5, 2, 0.3, 0.002, 0, 0.90, 0, 0, 0,
                        frozenset({"util_pct", "lat_ms", "loss_pct", "unavail_s", "sessions"})),
    "transport_link": CounterModel(1.5, 5, 0.3, 0.001, 0, 0, 0, 0, 0, _NET),
    "agg_router": CounterModel(1.2, 1, 0.3, 0.001, 0, 0, 0, 0, 0, _NET),
    "core_router": CounterModel(0.8, 0, 0.2, 0.001, 0, 0, 0, 0, 0, _NET),
    "site": CounterModel(0, 0, 0, 0, 0, 0, 0, 0, 0, frozenset({"unavail_s"})),
    "bng": CounterModel(2.5, 0, 0.5, 0.002, 0, 0.97, 0.01, 0.001, 0.0005,
                        frozenset({"util_pct", "lat_ms", "unavail_s"}) | _ACCESS),
    "dns_resolver": CounterModel(4, 0, 1.0, 0, 0, 0, 120, 0.002, 0,
                                 frozenset({"util_pct", "lat_ms", "unavail_s", "acc_att",
                                            "acc_succ"})),
    "ims_core": CounterModel(12, 0, 1.0, 0.002, 0, 0.04, 0.25, 0.005, 0.003, _NET | _ACCESS),
    "iptv_headend": CounterModel(6, 0, 0.5, 0.002, 8, 0.45, 0, 0, 0,
                                 frozenset({"dl_thp_mbps", "util_pct", "lat_ms", "loss_pct",
                                            "unavail_s", "sessions"})),
}


def _per_type(net: NetworkIndex, field: str) -> np.ndarray:
    return np.array([getattr(MODELS[t], field) for t in net.types], dtype=float)


def _applies(net: NetworkIndex) -> dict[str, np.ndarray]:
    return {c: np.array([c in MODELS[t].counters for t in net.types]) for c in COUNTERS}


@dataclass(frozen=True)
class CounterTables:
    """Per-type constants spread to per-resource arrays, computed once per world."""

    params: dict[str, np.ndarray]
    applies: dict[str, np.ndarray]

    @classmethod
    def build(cls, net: NetworkIndex) -> CounterTables:
        fields = ("latency_ms", "rural_latency_ms", "queue_ms", "loss_pct", "user_rate_mbps",
                  "activity", "attempts", "failure", "drop_rate")
        return cls({f: _per_type(net, f) for f in fields}, _applies(net))


@dataclass(frozen=True)
class DayNetwork:
    """One UTC day: offered utilisation ρ per resource-interval, and the counter rows."""

    rho: np.ndarray
    counters: pl.DataFrame  # res, t_s, COUNTERS (nulls where not measured); sorted t_s, res


def _offered_load(net, plan: LoadPlan, clock: Clock, day: int, traffic, rng) -> tuple:
    residential, business = daily_profiles(clock, day)
    b = plan.business_share[:, None]
    profile = (1 - b) * residential[None, :] + b * business[None, :]
    profile[net.of_type("iptv_headend")] = residential ** 1.3
    level = rng.lognormal(0, 0.05, (net.size, 1))
    noise = rng.lognormal(0, 0.07, profile.shape)
    offered = plan.peak_demand_mbps[:, None] * profile * level * noise * traffic
    capacity = np.where(plan.capacity_mbps > 0, plan.capacity_mbps, np.inf)[:, None]
    return offered / capacity, profile


def simulate_day(net: NetworkIndex, plan: LoadPlan, tables: CounterTables, clock: Clock,
                 day: int, imp: DayImpairments, rng: np.random.Generator) -> DayNetwork:
    """Counters of every resource for the 96 UTC intervals of ``day``."""
    p = tables.params
    rho, profile = _offered_load(net, plan, clock, day, imp.traffic, rng)
    up = 1.0 - imp.unavailable
    rural = plan.rurality[:, None]
    shape = rho.shape
    congestion = np.clip(1 - 0.9 * (np.clip(rho - 0.7, 0, None) / 0.4) ** 1.5, 0.05, 1)
    queue = p["queue_ms"][:, None] * rho ** 2 / (1 - np.minimum(rho, 0.97))
    loss = ((p["loss_pct"][:, None] * (1 + 2 * rural)) * rng.lognormal(0, 0.3, shape)
            + 0.6 * (np.clip(rho - 0.85, 0, None) / 0.15) ** 2 + imp.loss_pct)
    latency = ((p["latency_ms"][:, None] + p["rural_latency_ms"][:, None] * rural)
               * rng.lognormal(0, 0.06, shape) + queue + imp.latency_ms)
    users = plan.users[:, None]
    sessions = users * p["activity"][:, None] * (0.5 + 0.5 * profile) * imp.traffic * up \
        * (1 - 0.8 * imp.failure)
    attempts = rng.poisson(users * p["attempts"][:, None] * profile * up * (1 + 0.5 * imp.failure))
    fail = np.clip(p["failure"][:, None] * (1 + rural) + 0.1 * np.clip(rho - 0.9, 0, None) / 0.2
                   + imp.failure, 0, 1)
    values = {
        "dl_thp_mbps": p["user_rate_mbps"][:, None] * (1 - 0.45 * rural) * congestion
        / (1 + 0.3 * loss) * rng.lognormal(0, 0.08, shape),
        "util_pct": np.minimum(rho, 0.985 + 0.01 * rng.random(shape)) * up * 100,
        "lat_ms": latency,
        "jitter_ms": 0.08 * latency + 0.35 * queue + rng.exponential(0.2, shape),
        "loss_pct": np.minimum(loss, 100.0),
        "unavail_s": np.rint(imp.unavailable * INTERVAL_S),
        "acc_att": attempts,
        "acc_succ": rng.binomial(attempts, 1 - fail),
        "drops": rng.binomial(rng.poisson(sessions), np.clip(
            p["drop_rate"][:, None] * (1 + 2 * loss), 0, 1)),
        "sessions": rng.poisson(sessions),
    }
    reported = (imp.unavailable < 0.999) & (rng.random(shape) >= REPORTING_GAP_RATE)
    # free the intermediates before the rows are built (each is resources × 96 floats, 33 MB
    # at scale 10): the day's peak is the counters plus the frame being built from them
    del profile, up, congestion, queue, loss, latency, sessions, attempts, fail
    return DayNetwork(rho=rho, counters=_frame(net, tables, clock, day, values, reported))


DECIMALS = {"dl_thp_mbps": 2, "util_pct": 1, "lat_ms": 2, "jitter_ms": 2, "loss_pct": 3}


def _frame(net, tables: CounterTables, clock: Clock, day: int, values: dict,
           reported: np.ndarray) -> pl.DataFrame:
    """Long format, time-major (all resources of 00:00, then 00:15, …), reported rows only.
    Takes each array out of ``values`` as its column is made, so it is freed as it goes."""
    keep = reported.T.ravel()
    res = np.tile(np.arange(net.size, dtype=np.int32), INTERVALS_PER_DAY)[keep]
    t_s = np.repeat(clock.interval_starts(day), net.size)[keep]
    columns = {"res": res, "t_s": t_s}
    for name in COUNTERS:
        flat = values.pop(name).T.ravel()[keep]
        series = (pl.Series(name, np.round(flat, DECIMALS[name])) if name in DECIMALS
                  else pl.Series(name, flat.astype(np.int64)))
        columns[name] = series.set(pl.Series(~tables.applies[name][res]), None)
    return pl.DataFrame(columns)
