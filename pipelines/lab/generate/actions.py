"""Past actions of a world: programmes of offers and care contacts, with control groups held out
and a known effect on the churn hazard.

A world made with ``WorldConfig.actions`` runs a few programmes the way an operator would:

- ``retention_discount``: in three waves, the customers a risk model ranks highest (the true
  hazard, seen through noise) are offered a discount; it works on consumers, less on SMBs;
- ``service_recovery_credit``: the day after an outage of two hours or more, a credit;
- ``proactive_care_call``: the day after a poor-experience day without such an outage, a call
  to the riskiest of them, as many as the care team can make a day;
- ``loyalty_newsletter``: a random tenth of the base gets a newsletter; it changes nothing;
- ``bundle_upsell``: in two waves, a random tenth of the base is offered a bigger bundle; it
  backfires on consumers (it reminds them what they pay).

Each customer is contacted at most once. Of every programme's chosen customers a random share is
held out as control (recorded in the feed, sent nothing). A treated customer's daily churn
hazard is multiplied by the programme's multiplier for their segment from the day of the action
on (a multiplier of 0.5 halves it).

The truth is exact, not a model of it: for each chosen customer both potential outcomes are
followed from the day of the action, treated and not, with the very random draws the churn
decision used that day (the hazard from the experience the customer really had). The true effect
of a programme on churn within W days is the mean, over its chosen customers whose W days fall in
the window, of (churned if treated) − (churned if not); a measured treated-minus-control
difference estimates exactly that. All draws come from the ``ACTIONS`` stream, so a world made
without actions is byte-identical to one made before they existed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import numpy as np
import polars as pl

from .churn import NOT_DECIDED, NOTICE_DAYS, ChurnModel, ChurnState, Exposure, contributions
from .clock import Clock
from .config import Component, component_rng
from .records import iso_series

SEGMENTS = ("consumer", "smb", "enterprise")
WINDOWS = (30, 60, 90)
FIRST_DAY = 7  # no programme runs in the first week: nothing to react to yet
SENT_AT_S = 9 * 3600  # actions are sent at 09:00 UTC on their day
OUTAGE_TRIGGER_H = 2.0
ACTIONS_SCHEMA = {"action_id": pl.String, "customer_id": pl.String, "sent_at": pl.String,
                  "programme": pl.String, "offer": pl.String, "channel": pl.String,
                  "reason": pl.String, "arm": pl.String, "cost_eur": pl.Float64}


@dataclass(frozen=True)
class Programme:
    """One programme: whom it chooses, how, what it sends and what that does.

    ``targeting``: ``risk`` (the highest risk scores, in ``waves``), ``random`` (in
    ``waves``), ``outage`` or ``poor_day`` (the day after).
    ``share``: of the active customers chosen per wave (per day for ``poor_day``, the riskiest
    first). ``multiplier``: the churn hazard's factor
    per segment when treated. ``cost``: € per treated customer, plus ``cost_months`` months of
    ``cost_share`` of their monthly charges (a discount)."""

    name: str
    offer: str
    channel: str
    targeting: str
    multiplier: tuple[float, float, float]  # consumer, smb, enterprise
    control_share: float = 0.2
    share: float = 0.0
    waves: tuple[float, ...] = ()
    cost: float = 0.0
    cost_share: float = 0.0
    cost_months: int = 0


PROGRAMMES: tuple[Programme, ...] = (
    Programme("retention_discount", "20 % off for 3 months", "phone", "risk",
              (0.4, 0.6, 0.9), share=0.06, waves=(0.1, 0.3, 0.5), cost_share=0.2,
              cost_months=3),
    Programme("service_recovery_credit", "€10 bill credit", "sms", "outage", (0.6, 0.6, 0.7),
              cost=10.0),
    Programme("proactive_care_call", "care call after a poor day", "phone", "poor_day",
              (0.7, 0.6, 0.5), share=0.003, cost=6.0),
    Programme("loyalty_newsletter", "newsletter", "email", "random", (1.0, 1.0, 1.0),
              share=0.1, waves=(0.15,), cost=0.02),
    Programme("bundle_upsell", "bigger bundle, +€10 a month", "email", "random",
              (3.0, 1.0, 1.0), share=0.1, waves=(0.2, 0.4), cost=0.5),
)


def wave_days(programme: Programme, days: int) -> tuple[int, ...]:
    """The window days a wave programme sends on (those the window has room for)."""
    return tuple(sorted({max(FIRST_DAY, round(w * days)) for w in programme.waves
                         if FIRST_DAY <= round(w * days) < days}))


@dataclass(frozen=True)
class ActionPlan:
    """Who was chosen by which programme on which day, and both potential churn outcomes of
    each since (``NOT_DECIDED`` while neither happened). Arrays are per customer."""

    programme: np.ndarray     # index into PROGRAMMES, -1 if never chosen
    day: np.ndarray           # window day of the action, -1 if none
    treated: np.ndarray       # bool: sent (True) or held out as control
    log_effect: np.ndarray    # log of the hazard multiplier if treated (0 for control)
    decided: np.ndarray       # (2, n): decision day if not treated / if treated
    churn: np.ndarray         # (2, n): churn day if not treated / if treated

    @classmethod
    def start(cls, n: int) -> ActionPlan:
        return cls(np.full(n, -1, np.int64), np.full(n, -1, np.int64), np.zeros(n, bool),
                   np.zeros(n), np.full((2, n), NOT_DECIDED, np.int64),
                   np.full((2, n), NOT_DECIDED, np.int64))

    def model_for(self, model: ChurnModel, day: int) -> ChurnModel:
        """The churn model of ``day``: each treated customer's hazard multiplied from the day of
        their action on (the segment shift is the hazard's per-customer log factor)."""
        in_force = self.treated & (self.day >= 0) & (self.day <= day)
        if not in_force.any():
            return model
        shift = model.drivers.segment_shift + np.where(in_force, self.log_effect, 0.0)
        return replace(model, drivers=replace(model.drivers, segment_shift=shift))


def follow(plan: ActionPlan, model: ChurnModel, exposure: Exposure, day: int, seed: int
           ) -> ActionPlan:
    """Both potential outcomes of the chosen customers after ``day``'s decision, drawn with the
    draws :func:`~.churn.decide` used that day (the same stream, in the same order)."""
    chosen = (plan.day >= 0) & (plan.day <= day)
    if not chosen.any():
        return plan
    rng = component_rng(seed, Component.CHURN, day)
    draws = rng.random(plan.day.size)
    notice = rng.integers(*NOTICE_DAYS, plan.day.size)
    contrib = contributions(model.drivers, exposure, day).sum(axis=0)
    decided, churn = plan.decided.copy(), plan.churn.copy()
    for arm, log_effect in enumerate((np.zeros_like(plan.log_effect), plan.log_effect)):
        hazard = model.base_hazard * np.exp(model.drivers.segment_shift + log_effect + contrib)
        leaving = chosen & (decided[arm] == NOT_DECIDED) & (draws < hazard)
        decided[arm] = np.where(leaving, day, decided[arm])
        churn[arm] = np.where(leaving, day + 1 + notice, churn[arm])
    return replace(plan, decided=decided, churn=churn)


def choose(plan: ActionPlan, model: ChurnModel, churn: ChurnState, before: Exposure,
           after: Exposure, segment: np.ndarray, day: int, days: int, seed: int) -> ActionPlan:
    """The customers each programme chooses at the end of ``day`` for an action on ``day + 1``
    (risk from today's experience), split at random into treated and control."""
    target_day = day + 1
    if target_day < FIRST_DAY or target_day >= days:
        return plan
    rng = component_rng(seed, Component.ACTIONS, day)
    contrib = contributions(model.drivers, after, day).sum(axis=0)
    risk = model.drivers.segment_shift + contrib + rng.normal(0, 0.5, contrib.size)
    free = (plan.day < 0) & churn.active(target_day)
    outage_today = after.outage_h - before.outage_h * np.exp(-np.log(2) / 10)
    poor_today = after.poor_days - before.poor_days * np.exp(-np.log(2) / 10)
    for index, programme in enumerate(PROGRAMMES):
        picked = _picked(programme, free, risk, outage_today, poor_today, target_day, days, rng)
        plan = _assign(plan, index, programme, picked, segment, churn, target_day, rng)
        free &= plan.day < 0
    return plan


def _picked(programme: Programme, free: np.ndarray, risk: np.ndarray, outage_today, poor_today,
            target_day: int, days: int, rng: np.random.Generator) -> np.ndarray:
    """The customers (row numbers) ``programme`` picks for ``target_day``."""
    if programme.targeting == "outage":
        return np.flatnonzero(free & (outage_today >= OUTAGE_TRIGGER_H))
    if programme.targeting == "poor_day":
        candidates = np.flatnonzero(free & (poor_today > 0.5) & (outage_today < OUTAGE_TRIGGER_H))
    elif target_day not in wave_days(programme, days):
        return np.empty(0, np.int64)
    else:
        candidates = np.flatnonzero(free)
    size = min(candidates.size, round(programme.share * free.size))
    if programme.targeting == "random":
        return np.sort(rng.choice(candidates, size=size, replace=False))
    order = np.argsort(risk[candidates], kind="stable")
    return np.sort(candidates[order[::-1][:size]])


def _assign(plan: ActionPlan, index: int, programme: Programme, picked: np.ndarray,
            segment: np.ndarray, churn: ChurnState, target_day: int,
            rng: np.random.Generator) -> ActionPlan:
    if picked.size == 0:
        return plan
    # each chosen customer held out with the control share's chance (a day's few care calls
    # would otherwise round to no control at all)
    control = rng.random(picked.size) < programme.control_share
    factors = np.log(np.asarray(programme.multiplier))
    seg = np.array([SEGMENTS.index(s) for s in segment[picked]], np.int64)
    out = replace(plan, programme=plan.programme.copy(), day=plan.day.copy(),
                  treated=plan.treated.copy(), log_effect=plan.log_effect.copy(),
                  decided=plan.decided.copy(), churn=plan.churn.copy())
    out.programme[picked], out.day[picked] = index, target_day
    out.treated[picked] = ~control
    out.log_effect[picked] = factors[seg]
    # a decision already taken stands whatever is sent: both potential outcomes are it
    known = churn.decided_day[picked] != NOT_DECIDED
    for arm in (0, 1):
        out.decided[arm, picked] = np.where(known, churn.decided_day[picked], NOT_DECIDED)
        out.churn[arm, picked] = np.where(known, churn.churn_day[picked], NOT_DECIDED)
    return out


def actions_frame(plan: ActionPlan, customers: pl.DataFrame, monthly_charges: np.ndarray,
                  clock: Clock) -> pl.DataFrame:
    """The actions feed: one row per chosen customer (treated or control), by day and
    programme, with what it cost (nothing for the control group: it was sent nothing)."""
    rows = np.flatnonzero(plan.day >= 0)
    rows = rows[np.lexsort((rows, plan.programme[rows], plan.day[rows]))]
    if rows.size == 0:
        return pl.DataFrame(schema=ACTIONS_SCHEMA)
    prog = [PROGRAMMES[k] for k in plan.programme[rows]]
    cost = np.array([p.cost + p.cost_share * p.cost_months * m
                     for p, m in zip(prog, monthly_charges[rows], strict=True)])
    treated = plan.treated[rows]
    return pl.DataFrame({
        "action_id": [f"ACT-{k + 1:07d}" for k in range(rows.size)],
        "customer_id": customers["customer_id"].gather(pl.Series(rows)),
        "sent_at": iso_series(plan.day[rows] * 86400.0 + SENT_AT_S, clock),
        "programme": [p.name for p in prog],
        "offer": [p.offer for p in prog],
        "channel": [p.channel for p in prog],
        "reason": [_reason(p) for p in prog],
        "arm": np.where(treated, "treated", "control").astype(str),
        "cost_eur": np.where(treated, np.round(cost, 2), 0.0),
    }, schema=ACTIONS_SCHEMA)


def _reason(programme: Programme) -> str:
    return {"risk": "risk band high", "random": "whole base",
            "outage": f"outage of {OUTAGE_TRIGGER_H:g} h or more yesterday",
            "poor_day": "poor-experience day yesterday"}[programme.targeting]


def potential_outcomes(plan: ActionPlan, customers: pl.DataFrame, clock: Clock) -> pl.DataFrame:
    """``_truth/actions.csv``: per chosen customer, the action and both potential churn dates
    (null: would not have left within the window)."""
    rows = np.flatnonzero(plan.day >= 0)
    rows = rows[np.lexsort((rows, plan.programme[rows], plan.day[rows]))]

    def dates(days: np.ndarray) -> pl.Series:
        inside = days < clock.days
        values = np.datetime64(clock.start) + np.where(inside, days, 0).astype("timedelta64[D]")
        return pl.Series(values).cast(pl.Date).set(pl.Series(~inside), None)

    return pl.DataFrame({
        "customer_id": customers["customer_id"].gather(pl.Series(rows)),
        "segment": customers["segment"].gather(pl.Series(rows)),
        "region": customers["region"].gather(pl.Series(rows)),
        "programme": [PROGRAMMES[k].name for k in plan.programme[rows]],
        "action_date": dates(plan.day[rows]),
        "arm": np.where(plan.treated[rows], "treated", "control").astype(str),
        "hazard_multiplier": np.exp(plan.log_effect[rows]).round(6),
        "churn_date_if_not_treated": dates(plan.churn[0, rows]),
        "churn_date_if_treated": dates(plan.churn[1, rows]),
    })


def true_effects(outcomes: pl.DataFrame, last_day: date) -> pl.DataFrame:
    """``_truth/actions_effects.csv``: per programme, segment (``all`` for the whole programme)
    and window, the chosen customers whose window ends inside the data (the action date plus W
    days at most ``last_day``), and the true effect on churn within W days: the mean of
    (churned if treated) − (churned if not), with both potential churn rates."""
    frames = []
    for window in WINDOWS:
        end = pl.col("action_date") + pl.duration(days=window)
        followed = outcomes.filter(end <= last_day).with_columns(
            y0=(pl.col("churn_date_if_not_treated") <= end).fill_null(False),
            y1=(pl.col("churn_date_if_treated") <= end).fill_null(False))
        for by in (["programme"], ["programme", "segment"]):
            frames.append(followed.group_by(by).agg(
                customers=pl.len(), treated=(pl.col("arm") == "treated").sum(),
                control=(pl.col("arm") == "control").sum(),
                hazard_multiplier=pl.col("hazard_multiplier").first()
                if by[-1] == "segment" else pl.lit(None, pl.Float64),
                churn_if_not_treated=pl.col("y0").mean(), churn_if_treated=pl.col("y1").mean(),
            ).with_columns(segment=pl.col("segment") if "segment" in by else pl.lit("all"),
                           window_days=pl.lit(window)))
    columns = ["programme", "segment", "window_days", "customers", "treated", "control",
               "hazard_multiplier", "churn_if_not_treated", "churn_if_treated"]
    frame = pl.concat([f.select(columns) for f in frames], how="vertical_relaxed")
    return frame.with_columns(
        true_effect=(pl.col("churn_if_treated") - pl.col("churn_if_not_treated")).round(6),
        churn_if_not_treated=pl.col("churn_if_not_treated").round(6),
        churn_if_treated=pl.col("churn_if_treated").round(6),
    ).sort("programme", "segment", "window_days")


def design_document() -> dict:
    """``_truth/actions.json``: the programmes as designed (whom, what, the multipliers)."""
    return {"programmes": [
        {"name": p.name, "offer": p.offer, "channel": p.channel, "targeting": p.targeting,
         "control_share": p.control_share, "share_per_wave": p.share, "waves": list(p.waves),
         "hazard_multiplier": dict(zip(SEGMENTS, p.multiplier, strict=True)),
         "cost_eur": p.cost, "discount_share": p.cost_share, "discount_months": p.cost_months}
        for p in PROGRAMMES],
        "windows_days": list(WINDOWS), "first_day": FIRST_DAY,
        "outage_trigger_hours": OUTAGE_TRIGGER_H,
        "true_effect": "mean over the chosen customers of (churned within W days if treated) "
                       "- (churned within W days if not), both followed with the same draws"}
