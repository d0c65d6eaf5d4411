"""Injected incidents: what breaks, where, when, for how long, and what it does to resources.

Each incident has a root resource and a set of :class:`Effect` records, already propagated
through the topology (honouring protection groups), saying which resources are out, degraded
or carry extra load during which seconds. Kinds and their real-world pattern:

- ``fibre_cut``: a PON feeder (one to four adjacent ports dark) or an unprotected site backhaul
  (site and cells dark); mostly civil works in daytime; repair takes hours.
- ``equipment_failure``: an OLT line card (8 ports) or a whole OLT.
- ``power_loss``: mains fails at a site, batteries hold 30–60 min, then the site goes down.
- ``transport_degradation``: a backhaul link with errors: loss and latency up, no outage.
- ``bng_overload``: session setups fail and latency rises at the evening busy hour.
- ``dns_outage``: one resolver dies (the anycast pool absorbs it) or two (the pool is short).
- ``planned_maintenance``: a night-time outage of an OLT or a site, announced in advance.
- ``redundant_link_failure``: one OLT uplink of a 1+1 pair: a critical alarm, no impact.
- ``flapping``: a port or link going down and up many times within the hour.
- ``sleeping_cell`` and ``chronic_congestion``: silent degradations that raise no alarm.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .clock import DAY_S, Clock
from .network import NetworkIndex

HOUR = 3600.0


@dataclass(frozen=True)
class Effect:
    """What an incident does to some resources between two instants (seconds from origin).

    ``kind`` is ``outage`` (unavailable), ``degradation`` (available but worse) or ``load``
    (carrying traffic rerouted from a failed partner, not customer-visible).
    """

    resources: np.ndarray
    start_s: float
    end_s: float
    kind: str
    latency_ms: float = 0.0
    loss_pct: float = 0.0
    failure: float = 0.0
    traffic: float = 1.0


@dataclass(frozen=True)
class Incident:
    kind: str
    variant: str
    root: int
    start_s: float
    end_s: float
    alarmed: bool = True
    planned: bool = False
    effects: tuple[Effect, ...] = ()
    phases: dict[str, float] = field(default_factory=dict)  # e.g. battery depletion instant

    def affected(self) -> np.ndarray:
        """Resources the incident takes out or degrades (not those merely carrying load)."""
        parts = [e.resources for e in self.effects if e.kind != "load"]
        return np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)


# expected incidents per candidate resource per day, tuned to ~60–120 alarmed incidents a month
# at scale 1 (about 4,300 resources)
RATE_PER_DAY = {
    ("fibre_cut", "pon_feeder"): 1.4e-4, ("fibre_cut", "backhaul"): 8e-4,
    ("equipment_failure", "olt"): 1.4e-3, ("power_loss", "site"): 1.6e-3,
    ("transport_degradation", "backhaul"): 1.4e-3, ("bng_overload", "bng"): 1.7e-2,
    ("dns_outage", "dns_resolver"): 3.3e-2, ("planned_maintenance", "olt_or_site"): 9.5e-4,
    ("redundant_link_failure", "olt_uplink"): 5.4e-4, ("flapping", "pon_feeder"): 6e-5,
    ("flapping", "backhaul"): 1e-3,
    ("sleeping_cell", "cell"): 4e-4,
}


def _duration(rng, median_h: float, sigma: float, low_h: float, high_h: float) -> float:
    return float(np.clip(rng.lognormal(np.log(median_h), sigma), low_h, high_h) * HOUR)


def _local_time(rng, clock: Clock, hours: tuple[float, float], weekdays_only=False) -> float:
    """A random instant in the window at a local time of day within ``hours`` (on a weekday
    if asked, and never before the window opens: local midnight is 23:00 UTC in summer)."""
    instant = 0.0
    for _ in range(50):
        day = int(rng.integers(0, clock.days))
        instant = clock.local_day_span(day)[0] + rng.uniform(*hours) * HOUR
        weekday_ok = not weekdays_only or clock.date_of(day).weekday() < 5
        if weekday_ok and 0 <= instant < clock.days * DAY_S:
            break
    return float(np.clip(instant, 0, clock.days * DAY_S - HOUR))


def _any_time(rng, clock: Clock) -> float:
    return float(rng.uniform(0, clock.days * DAY_S))


def _outage(net: NetworkIndex, roots, start: float, end: float) -> Effect:
    return Effect(net.behind(roots), start, end, "outage")


def fibre_cut(rng, net: NetworkIndex, clock: Clock, root: int) -> Incident:
    start = (_local_time(rng, clock, (8, 17)) if rng.random() < 0.7 else _any_time(rng, clock))
    end = start + _duration(rng, 5, 0.5, 1.5, 16)
    if net.types[root] == "pon_port":
        olt = net.parents(root)[0]
        ports = np.array(net.children[olt])
        first = int(np.searchsorted(ports, root))
        cut = ports[first:first + int(rng.choice([1, 2, 3, 4], p=[0.4, 0.3, 0.2, 0.1]))]
        return Incident("fibre_cut", "pon_feeder", root, start, end,
                        effects=(_outage(net, cut, start, end),))
    return Incident("fibre_cut", "backhaul", root, start, end,
                    effects=(_outage(net, [root], start, end),))


def equipment_failure(rng, net: NetworkIndex, clock: Clock, root: int) -> Incident:
    start = _any_time(rng, clock)
    end = start + _duration(rng, 3, 0.5, 1, 10)
    ports = np.array(net.children[root])
    if rng.random() < 0.6 and ports.size > 8:
        card = ports[:8] if rng.random() < 0.5 else ports[8:16]
        return Incident("equipment_failure", "line_card", root, start, end,
                        effects=(_outage(net, card, start, end),))
    return Incident("equipment_failure", "olt", root, start, end,
                    effects=(_outage(net, [root], start, end),))


def power_loss(rng, net: NetworkIndex, clock: Clock, root: int) -> Incident:
    start = _any_time(rng, clock)
    end = start + _duration(rng, 3.5, 0.7, 0.4, 12)
    depleted = start + rng.uniform(30, 60) * 60
    effects = (_outage(net, [root], depleted, end),) if depleted < end else ()
    return Incident("power_loss", "mains_failure", root, start, end, effects=effects,
                    phases={"battery_depleted": depleted})


def transport_degradation(rng, net: NetworkIndex, clock: Clock, root: int) -> Incident:
    start = _any_time(rng, clock)
    end = start + _duration(rng, 4, 0.8, 1, 24)
    effect = Effect(net.behind([root]), start, end, "degradation",
                    latency_ms=rng.uniform(20, 80), loss_pct=rng.uniform(1, 6),
                    failure=rng.uniform(0.02, 0.08))
    return Incident("transport_degradation", "errored_link", root, start, end, effects=(effect,))


def bng_overload(rng, net: NetworkIndex, clock: Clock, root: int) -> Incident:
    start = _local_time(rng, clock, (19, 21))
    end = start + rng.uniform(1, 3) * HOUR
    effect = Effect(np.array([root]), start, end, "degradation", latency_ms=rng.uniform(20, 60),
                    failure=rng.uniform(0.15, 0.4), traffic=1.5)
    return Incident("bng_overload", "busy_hour", root, start, end, effects=(effect,))


def dns_outage(rng, net: NetworkIndex, clock: Clock, root: int) -> Incident:
    start = _any_time(rng, clock)
    pool = net.of_type("dns_resolver")
    others = pool[pool != root]
    if rng.random() < 0.7 or others.size < 2:
        end = start + rng.uniform(10, 60) * 60
        return Incident("dns_outage", "absorbed", root, start, end, effects=(
            Effect(np.array([root]), start, end, "outage"),
            Effect(others, start, end, "load", traffic=1.5)))
    end = start + rng.uniform(20, 90) * 60
    second = int(rng.choice(others))
    survivors = others[others != second]
    return Incident("dns_outage", "pool_degraded", root, start, end, effects=(
        Effect(np.array([root, second]), start, end, "outage"),
        Effect(survivors, start, end, "degradation", latency_ms=rng.uniform(80, 200),
               failure=rng.uniform(0.3, 0.6), traffic=2.5)))


def planned_maintenance(rng, net: NetworkIndex, clock: Clock, root: int) -> Incident:
    start = _local_time(rng, clock, (0.5, 2.5), weekdays_only=True)
    end = start + rng.uniform(45, 240) * 60
    return Incident("planned_maintenance", str(net.types[root]), root, start, end, planned=True,
                    effects=(_outage(net, [root], start, end),))


def redundant_link_failure(rng, net: NetworkIndex, clock: Clock, root: int) -> Incident:
    start = _any_time(rng, clock)
    end = start + _duration(rng, 5, 0.6, 1, 18)
    return Incident("redundant_link_failure", "protected_uplink", root, start, end, effects=(
        _outage(net, [root], start, end),
        Effect(net.protection_partners(root), start, end, "load", traffic=2.0)))


def flapping(rng, net: NetworkIndex, clock: Clock, root: int) -> Incident:
    start = _any_time(rng, clock)
    window = rng.uniform(20, 60) * 60
    flaps = int(rng.integers(6, 21))
    downs = np.sort(rng.uniform(0, window, flaps)) + start
    ups = downs + rng.uniform(5, 60, flaps)
    behind = net.behind([root])
    effects = tuple(Effect(behind, float(d), float(u), "outage")
                    for d, u in zip(downs, ups, strict=True))
    return Incident("flapping", str(net.types[root]), root, start, float(ups[-1]),
                    effects=effects)


def sleeping_cell(rng, net: NetworkIndex, clock: Clock, root: int) -> Incident:
    start = _any_time(rng, clock)
    end = start + _duration(rng, 12, 0.9, 3, 96)
    effect = Effect(np.array([root]), start, end, "degradation", failure=rng.uniform(0.75, 0.95),
                    traffic=rng.uniform(0.02, 0.08))
    return Incident("sleeping_cell", "sleeping_cell", root, start, end, alarmed=False,
                    effects=(effect,))


def _candidates(net: NetworkIndex, group: str) -> np.ndarray:
    ids = net.ids.astype(str)
    backhaul = np.flatnonzero(np.char.startswith(ids, "TL-SITE-"))
    uplinks = np.setdiff1d(net.of_type("transport_link"), backhaul)
    return {
        "pon_feeder": net.of_type("pon_port"), "backhaul": backhaul, "olt": net.of_type("olt"),
        "site": net.of_type("site"), "bng": net.of_type("bng"),
        "dns_resolver": net.of_type("dns_resolver"), "olt_uplink": uplinks,
        "olt_or_site": np.union1d(net.of_type("olt"), net.of_type("site")),
        "cell": net.of_type("cell"),
    }[group]


BUILDERS: dict[str, Callable[..., Incident]] = {
    "fibre_cut": fibre_cut, "equipment_failure": equipment_failure, "power_loss": power_loss,
    "transport_degradation": transport_degradation, "bng_overload": bng_overload,
    "dns_outage": dns_outage, "planned_maintenance": planned_maintenance,
    "redundant_link_failure": redundant_link_failure, "flapping": flapping,
    "sleeping_cell": sleeping_cell,
}


def schedule_incidents(net: NetworkIndex, clock: Clock, chronic_cells: np.ndarray,
                       rng: np.random.Generator) -> tuple[Incident, ...]:
    """Every incident of the window, sorted by start. Counts are Poisson around the rate
    times candidates times days, with at least one of each kind the topology allows."""
    candidates = {key: _candidates(net, key[1]) for key in RATE_PER_DAY}
    counts = {key: int(rng.poisson(rate * candidates[key].size * clock.days))
              if candidates[key].size else 0 for key, rate in RATE_PER_DAY.items()}
    for kind in BUILDERS:
        possible = [key for key in RATE_PER_DAY if key[0] == kind and candidates[key].size]
        if possible and sum(counts[key] for key in possible) == 0:
            counts[possible[0]] = 1
    incidents: list[Incident] = []
    for key, count in counts.items():
        pool = candidates[key]
        roots = rng.choice(pool, size=count, replace=count > pool.size) if count else []
        incidents += [BUILDERS[key[0]](rng, net, clock, int(r)) for r in roots]
    incidents += [Incident("chronic_congestion", "busy_hour_congestion", int(c), 0.0,
                           clock.days * DAY_S, alarmed=False) for c in chronic_cells]
    return tuple(sorted(incidents, key=lambda i: (i.start_s, i.kind, i.root)))
