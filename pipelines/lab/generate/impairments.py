"""The incidents' effects on every resource, one UTC day of 15-minute intervals at a time.

Effects combine the way they would on a real element: unavailability is the largest covered
share of an interval; added latency, loss and failure rates add up; traffic multipliers
multiply. Each resource-interval remembers which incident caused its outage and which its
degradation, so customer impact can be traced back to the incident that truly caused it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .clock import DAY_S, INTERVAL_S, INTERVALS_PER_DAY
from .faults import Effect, Incident

NO_CAUSE = -1
CONGESTION = -2


@dataclass(frozen=True)
class DayImpairments:
    """Arrays of shape (resources, 96) for one UTC day."""

    unavailable: np.ndarray
    latency_ms: np.ndarray
    loss_pct: np.ndarray
    failure: np.ndarray
    traffic: np.ndarray
    severity: np.ndarray  # 0–1, how bad the degradation effects are for users
    outage_cause: np.ndarray
    degradation_cause: np.ndarray


def coverage(start_s: float, end_s: float, day: int) -> np.ndarray:
    """Share of each of the day's 96 intervals that lies within [start_s, end_s)."""
    starts = day * DAY_S + np.arange(INTERVALS_PER_DAY) * INTERVAL_S
    overlap = np.minimum(starts + INTERVAL_S, end_s) - np.maximum(starts, start_s)
    return np.clip(overlap / INTERVAL_S, 0.0, 1.0)


def effect_severity(effect: Effect) -> float:
    """How much a degradation hurts users, 0–1: 30 % failed setups, 3 % loss, 60 ms extra
    latency or a cell carrying next to nothing each count as fully degraded."""
    starved = 1.0 - effect.traffic if effect.traffic < 1 else 0.0
    return float(np.clip(max(effect.failure / 0.3, effect.loss_pct / 3.0,
                             effect.latency_ms / 60.0, starved), 0.0, 1.0))


def _empty(n: int) -> DayImpairments:
    shape = (n, INTERVALS_PER_DAY)
    return DayImpairments(
        unavailable=np.zeros(shape), latency_ms=np.zeros(shape), loss_pct=np.zeros(shape),
        failure=np.zeros(shape), traffic=np.ones(shape), severity=np.zeros(shape),
        outage_cause=np.full(shape, NO_CAUSE, dtype=np.int32),
        degradation_cause=np.full(shape, NO_CAUSE, dtype=np.int32))


def _apply(state: DayImpairments, effect: Effect, cause: int, cov: np.ndarray) -> None:
    r = effect.resources
    if effect.kind == "outage":
        worse = cov[None, :] > state.unavailable[r]
        state.outage_cause[r] = np.where(worse, cause, state.outage_cause[r])
        state.unavailable[r] = np.maximum(state.unavailable[r], cov[None, :])
        return
    state.traffic[r] *= 1.0 + (effect.traffic - 1.0) * cov[None, :]
    if effect.kind == "load":
        return
    state.latency_ms[r] += effect.latency_ms * cov[None, :]
    state.loss_pct[r] += effect.loss_pct * cov[None, :]
    state.failure[r] = np.minimum(state.failure[r] + effect.failure * cov[None, :], 0.98)
    severity = effect_severity(effect) * (cov[None, :] > 0)
    worse = severity > state.severity[r]
    state.degradation_cause[r] = np.where(worse, cause, state.degradation_cause[r])
    state.severity[r] = np.maximum(state.severity[r], severity)


def day_impairments(incidents: tuple[Incident, ...], day: int, n_resources: int
                    ) -> DayImpairments:
    """Combine every incident effect that touches UTC day ``day`` (a window day index; -1 is
    the lead day before the window)."""
    state = _empty(n_resources)
    begin, end = day * DAY_S, (day + 1) * DAY_S
    for cause, incident in enumerate(incidents):
        for effect in incident.effects:
            if effect.end_s <= begin or effect.start_s >= end or effect.resources.size == 0:
                continue
            _apply(state, effect, cause, coverage(effect.start_s, effect.end_s, day))
    return state
