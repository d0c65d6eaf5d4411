"""Published quality laws, vectorised: each turns a measurement into a 0–100 score (100 = best).

Every law is a small pure function with named parameters. Inputs are numbers or array-likes
(numpy arrays, polars Series via ``.to_numpy()``); the result is a float for scalar input and an
ndarray otherwise. NaN (a missing measurement) stays NaN. Values outside a law's domain raise
ValueError naming the argument, the first bad value and how many there are.

| law               | function                | input                    | unit      | reference   |
|-------------------|-------------------------|--------------------------|-----------|-------------|
| MOS → score       | mos_score               | MOS on 1–5               | MOS       | (MOS − 1)/4 |
| IQX hypothesis    | iqx                     | QoS impairment x         | any       | [1]         |
| WQL / log law     | wql                     | QoS resource x > 0       | any       | [2], [3]    |
| data: throughput  | throughput_score        | measured / plan rate     | ratio     | WQL [2]     |
| data: latency     | latency_score           | round-trip time          | ms        | IQX [1]     |
| data: loss        | loss_score              | packet loss              | %         | IQX [1]     |
| video: stalling   | stalling_mos, _score    | stalls N, mean length L  | count, s  | [4]         |
| KPI normalisation | linear_kpi_score        | KPI, bad/good thresholds | KPI unit  | [5]         |
| accessibility     | accessibility_score     | failed set-up share      | 0–1       | [5]         |
| retainability     | retainability_score     | dropped session share    | 0–1       | [5]         |
| availability      | availability_score      | fault minutes, period    | minutes   | [6], [5]    |
| voice             | voice_score             | E-model R (NB or WB)     | R         | [7]         |

References (tags as in STANDARDS.md: [M] cited from memory, [S] secondary source):

1. M. Fiedler, T. Hoßfeld, P. Tran-Gia, "A generic quantitative relationship between quality of
   experience and quality of service", IEEE Network 24(2), 2010: QoE = α·e^(−β·x) + γ [M].
2. P. Reichl, S. Egger, R. Schatz, A. D'Alconzo, "The logarithmic nature of QoE and the role of
   the Weber-Fechner law in QoE assessment", IEEE ICC 2010: QoE = a·ln(x) + b [M].
3. P. Reichl et al., "Logarithmic laws in service quality perception", Telecommunication Systems
   52(2), 2013 [S: cited title in STANDARDS.md §2.3].
4. T. Hoßfeld et al., YouTube QoE via crowdsourcing (IEEE ISM 2011 workshop; QoMEX 2012):
   MOS = 3.5·e^(−(0.15·L + 0.19)·N) + 1.5 [M, as in STANDARDS.md §2.3].
5. ETSI TR 103 559 (Network Performance Score): each KPI normalised linearly between a "bad"
   and a "good" threshold and clipped to 0–100 % [S, structure only; thresholds not retrieved].
6. 3GPP TS 32.450 §6.4.1: availability = 100·(T − unavailable time)/T [S].
7. ITU-T G.107 (R 0–100) and G.107.1 (R 0–129, mapped by R/1.29), see ``emodel``.

The numeric defaults below (half-lives, floors, bad thresholds) are choices of this module,
stated next to each parameter; the papers fit their parameters per service and data set.
"""

from __future__ import annotations

import math

import numpy as np


def _arr(name: str, value, low: float | None = None, high: float | None = None) -> np.ndarray:
    """A float array of ``value``; raises ValueError if any non-NaN value is outside [low, high]."""
    v = np.asarray(value, dtype=float)
    bad = np.zeros(v.shape, dtype=bool)
    if low is not None:
        bad |= v < low
    if high is not None:
        bad |= v > high
    if np.any(bad):
        first = v[bad].flat[0] if v.ndim else float(v)
        raise ValueError(f"{name} must be in [{low}, {high}]; got {first:g} "
                         f"({int(np.count_nonzero(bad))} value(s) out of range)")
    return v


def _out(score: np.ndarray):
    score = np.clip(score, 0.0, 100.0)
    return float(score) if score.ndim == 0 else score


def mos_score(mos):
    """A MOS on the 1–5 scale → 0–100: ``100·(MOS − 1)/4``."""
    return _out(100 * (_arr("mos", mos, 1.0, 5.0) - 1) / 4)


def iqx(x, alpha: float, beta: float, gamma: float):
    """IQX hypothesis [1]: ``QoE = alpha·exp(−beta·x) + gamma`` (not clipped)."""
    out = alpha * np.exp(-beta * np.asarray(x, dtype=float)) + gamma
    return float(out) if out.ndim == 0 else out


def wql(x, a: float, b: float):
    """Weber–Fechner / WQL logarithmic law [2]: ``QoE = a·ln(x) + b`` for x > 0 (not clipped)."""
    v = np.asarray(x, dtype=float)
    if np.any(v <= 0):
        raise ValueError(f"wql needs x > 0; got {v[v <= 0].flat[0] if v.ndim else float(v):g}")
    out = a * np.log(v) + b
    return float(out) if out.ndim == 0 else out


def throughput_score(measured, plan, *, zero_ratio: float = 0.05):
    """Throughput relative to the plan rate by the logarithmic law [2] → 0–100.

    ``score = 100 + (100/ln(1/zero_ratio))·ln(measured/plan)``, clipped: 100 at (or above) the
    plan rate and 0 at ``zero_ratio`` of it (default 5 %, a choice). Being logarithmic, the
    geometric midpoint √zero_ratio scores 50 and every halving of the rate costs the same.
    """
    if not 0 < zero_ratio < 1:
        raise ValueError(f"zero_ratio must be in (0, 1); got {zero_ratio}")
    m = _arr("measured throughput", measured, 0.0)
    p = _arr("plan rate", plan, 0.0)
    if np.any(p == 0):
        raise ValueError("plan rate must be > 0 to score throughput against it")
    ratio = np.maximum(m / p, zero_ratio)  # the law is clipped at 0 below zero_ratio anyway
    return _out(wql(np.minimum(ratio, 1.0), 100 / math.log(1 / zero_ratio), 100.0))


def latency_score(rtt_ms, *, floor_ms: float = 20.0, half_life_ms: float = 200.0):
    """Round-trip latency by the IQX law [1] → 0–100: ``100·exp(−ln2·max(rtt − floor, 0)/h)``.

    Latency up to ``floor_ms`` (20 ms, a choice: below human perception for data use) costs
    nothing; each further ``half_life_ms`` (200 ms, a choice: an interactive page with a few
    round trips then takes about a second longer) halves the score.
    """
    excess = np.maximum(_arr("rtt_ms", rtt_ms, 0.0) - floor_ms, 0.0)
    return _out(np.asarray(iqx(excess, 100.0, math.log(2) / half_life_ms, 0.0)))


def loss_score(loss_pct, *, half_life_pct: float = 2.0):
    """Packet loss by the IQX law [1] → 0–100: ``100·exp(−ln2·loss/h)``.

    ``half_life_pct`` 2 % (a choice: TCP throughput and real-time media degrade sharply in the
    low per-cent range) halves the score; 1 % gives 71, 5 % gives 18.
    """
    loss = _arr("loss_pct", loss_pct, 0.0, 100.0)
    return _out(np.asarray(iqx(loss, 100.0, math.log(2) / half_life_pct, 0.0)))


def stalling_mos(n_stalls, mean_stall_s, *, a: float = 3.5, b: float = 0.15, c: float = 0.19,
                 d: float = 1.5):
    """Hoßfeld et al. YouTube stalling model [4]: ``MOS = a·exp(−(b·L + c)·N) + d`` on 1–5."""
    n = _arr("n_stalls", n_stalls, 0.0)
    length = _arr("mean_stall_s", mean_stall_s, 0.0)
    out = a * np.exp(-(b * length + c) * n) + d
    return float(out) if out.ndim == 0 else out


def stalling_score(n_stalls, mean_stall_s):
    """Video stalling [4] → 0–100 via ``mos_score``: 100 without stalls, 12.5 at the floor."""
    return mos_score(stalling_mos(n_stalls, mean_stall_s))


def linear_kpi_score(value, *, bad: float, good: float):
    """ETSI TR 103 559 normalisation [5]: 0 at ``bad``, 100 at ``good``, linear, clipped.

    Works in either direction (``good`` below ``bad`` for failure ratios).
    """
    if bad == good:
        raise ValueError("bad and good thresholds must differ")
    return _out(100 * (np.asarray(value, dtype=float) - bad) / (good - bad))


def accessibility_score(failed_share, *, bad: float = 0.15, good: float = 0.0):
    """Share of session/call set-ups that failed (0–1) → 0–100, linear [5].

    Thresholds are choices (TR 103 559's were not retrieved): no failures score 100, 15 %
    failures (a set-up success ratio of 85 %) score 0.
    """
    return linear_kpi_score(_arr("failed_share", failed_share, 0.0, 1.0), bad=bad, good=good)


def retainability_score(dropped_share, *, bad: float = 0.10, good: float = 0.0):
    """Share of established sessions/calls dropped abnormally (0–1) → 0–100, linear [5].

    Thresholds are choices: no drops score 100, 10 % drops score 0.
    """
    return linear_kpi_score(_arr("dropped_share", dropped_share, 0.0, 1.0), bad=bad, good=good)


def availability_score(fault_minutes, period_minutes, *, bad_pct: float = 0.0,
                       good_pct: float = 100.0):
    """Minutes with a service-affecting fault in a period → 0–100.

    Availability ``100·(T − fault)/T`` (the TS 32.450 §6.4.1 form [6]) normalised linearly
    between ``bad_pct`` and ``good_pct`` [5]; with the defaults the score is the availability %.
    """
    period = _arr("period_minutes", period_minutes, 0.0)
    if np.any(period == 0):
        raise ValueError("period_minutes must be > 0")
    fault = _arr("fault_minutes", fault_minutes, 0.0)
    if np.any(fault > period):
        raise ValueError("fault_minutes cannot exceed period_minutes")
    return linear_kpi_score(100 * (period - fault) / period, bad=bad_pct, good=good_pct)


def voice_score(r, *, wideband: bool = False):
    """E-model R [7] → 0–100: R itself (clipped), or R/1.29 for wideband (G.107.1) ratings."""
    rating = np.asarray(r, dtype=float)
    return _out(rating / 1.29 if wideband else rating)
