"""Whom to target: an uplift model per programme, learned from its recorded actions and their
controls, and the Qini curve that says whether it ranks better than churn risk. Pure functions
on frames; the job's outcomes step (:mod:`.build`) reads the frames and writes the tables.

**The model**, per programme, gives each customer two predictions, ``p(leave | not treated)``
and ``p(leave | treated)`` within :data:`WINDOW` days; their difference is the expected churn
reduction (positive: fewer leave; negative: the action backfires on them). By default it is
Lo's (2002) interaction model (:data:`LEARNER` ``"interaction"``): one L2-regularised logistic
regression (``C`` = :data:`C`) on both arms together, on standardised numbers and one-hot
categories, the treatment flag, and the flag times the segment (:data:`INTERACT`): both arms
share what predicts leaving, learned from every recorded customer, and the action shifts the
odds of leaving per segment, so the expected effect grows with the risk and differs by
segment. The plain T-learner (``"t"``: one such regression per arm, the difference of the two)
is kept for comparison: a programme's control group is a few dozen customers with a handful of
leavers, and the difference of two separately fitted models is noisy there (on the
generator's truth at scale 0.2, 2 seeds × 4 programmes, it kept fewer customers than the churn
risk ranking on 3 of the 8 holdouts, the interaction model on 1; see the README).
Gradient-boosted arms overfit such groups more still. Crossing more features with the flag
(segment and contract) added noise too. An arm with no leaver (or only leavers) is its
smoothed rate.

**Features** (``sql/uplift_features.sql``): what the warehouse knew of the customer before the
day of the action: segment, region, contract, payment method, monthly charges, tenure, and
their experience and care in the :data:`LOOKBACK` days before (poor days, mean experience
index, outage minutes, failed sessions, tickets, network tickets). Nothing after the action.

**The risk-only ranking** it is compared with: a churn model with the same features fitted on
the same training actions, both arms together (who is likely to leave, whatever is sent), the
ranking a campaign by churn risk uses.

**Qini** (:func:`qini_curve`, :func:`qini_coefficient`), as scikit-uplift defines its
``qini_curve`` and ``qini_auc_score`` (``negative_effect=True``), with the outcome "stayed"
(1 − left within the window): customers ranked by score, best first, ties kept together; after
the top k, Radcliffe's (2007) incremental customers kept
``Q(k) = S_t(k) − S_c(k) · N_t(k) / N_c(k)`` (stayers and customers of each arm among the top
k; the ratio 0 while no control customer is among them); the coefficient is the area under
the curve above the random line (from (0, 0) to (N, Q(N))) over the same for the perfect
ranking (treated stayers first, control stayers last), areas by trapezoids over k. 1: perfect,
≈ 0: no better than random, < 0: worse than random.

**Temporal holdout** (:func:`temporal_holdout`): per programme, trained on its actions up to a
cut date (of its action dates but the last, the one by which the share of its followed
actions sent is nearest :data:`TRAIN_SHARE`: with two waves, the first) and scored on those
after it; the uplift and the risk ranking's Qini coefficients on the same
holdout.

**Fallback**: a programme with fewer than :data:`MIN_PER_ARM` (the measured outcomes' own
threshold, ``estimate.MIN_PER_ARM``) followed outcomes in either arm publishes no uplift; the
campaign builder then ranks by churn risk and says why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl
from sklearn.linear_model import LogisticRegression

from cxbridge.models.outcomes.estimate import MIN_PER_ARM

WINDOW = 60           # the outcome: left within this many days of the action
LOOKBACK = 30         # the features' window before the action
C = 0.3               # each arm's logistic regression's inverse L2 strength
TRAIN_SHARE = 0.6     # the temporal holdout's cut: this share of the actions before it
MIN_HOLDOUT_PER_ARM = 20  # a holdout with fewer customers in either arm is not scored
INTERACT = ("segment",)  # the interaction model's features crossed with the treatment
LEARNER = "interaction"  # "interaction": Lo's model (the default); "t": a T-learner
CURVE_POINTS = 201    # a published Qini curve's points at most
CATEGORICAL = ("segment", "region", "contract_type", "payment_method")
NUMERIC = ("monthly_charges_eur", "tenure_days", "poor_days", "experience_mean",
           "outage_minutes", "session_failures", "tickets", "network_tickets")
METHOD = (f"Lo's interaction model: per programme, one L2 logistic regression (C={C}) on what "
          "was known before the action, the treatment and the treatment x segment; effect = "
          f"P(leave within {WINDOW} days | not treated) - P(leave | treated). Qini: "
          "scikit-uplift's qini_auc_score (negative_effect=True), outcome 'stayed'")
# the campaign builder's offers and the recorded programmes whose measured response applies to
# them, most specific first: the builder's own recorded exports, then the feed's programmes
OFFER_PROGRAMMES: dict[str, tuple[str, ...]] = {
    "service_recovery": ("campaign:service_recovery", "service_recovery_credit",
                         "proactive_care_call"),
    "retention": ("campaign:retention", "retention_discount"),
    "upsell": ("campaign:upsell", "bundle_upsell"),
}


@dataclass(frozen=True)
class Design:
    """How a feature frame becomes a matrix: each category's levels (from the training rows)
    and each number's range, mean and spread (missing numbers take the mean; numbers outside
    the training range are clipped to it, so a customer unlike any trained on is not
    extrapolated to a certain leaver)."""

    levels: dict[str, tuple[str, ...]]
    means: dict[str, float]
    scales: dict[str, float]
    ranges: dict[str, tuple[float, float]]

    @classmethod
    def learn(cls, frame: pl.DataFrame) -> Design:
        levels = {c: tuple(sorted(frame[c].cast(pl.String).fill_null("unknown").unique()))
                  for c in CATEGORICAL}
        means, scales, ranges = {}, {}, {}
        for c in NUMERIC:
            values = frame[c].cast(pl.Float64)
            known = values.drop_nulls().len() > 0
            means[c] = float(values.mean()) if known else 0.0
            spread = values.std()
            scales[c] = float(spread) if spread and spread > 0 else 1.0
            ranges[c] = (float(values.min()), float(values.max())) if known else (0.0, 0.0)
        return cls(levels, means, scales, ranges)

    def columns_of(self, names: tuple[str, ...]) -> list[int]:
        """The matrix's columns of the features ``names`` (one per level of a category)."""
        out, at = [], 0
        for c in CATEGORICAL:
            width = len(self.levels[c])
            out += list(range(at, at + width)) if c in names else []
            at += width
        for c in NUMERIC:
            out += [at] if c in names else []
            at += 1
        return out

    def matrix(self, frame: pl.DataFrame) -> np.ndarray:
        columns = []
        for c in CATEGORICAL:
            values = frame[c].cast(pl.String).fill_null("unknown")
            columns += [(values == level).cast(pl.Float64).to_numpy()
                        for level in self.levels[c]]
        for c in NUMERIC:
            values = np.clip(frame[c].cast(pl.Float64).fill_null(self.means[c]).to_numpy(),
                             *self.ranges[c])
            columns.append((values - self.means[c]) / self.scales[c])
        return np.column_stack(columns) if columns else np.zeros((frame.height, 0))


@dataclass(frozen=True)
class ArmModel:
    """One arm's churn model: a fitted logistic regression, or (``model`` None) a constant
    smoothed rate when the arm has only one outcome."""

    design: Design
    model: LogisticRegression | None
    rate: float

    def predict(self, frame: pl.DataFrame) -> np.ndarray:
        if self.model is None or frame.height == 0:
            return np.full(frame.height, self.rate)
        return self.model.predict_proba(self.design.matrix(frame))[:, 1]


def fit_arm(frame: pl.DataFrame, design: Design, c: float = C) -> ArmModel:
    """Fit P(left) on ``frame`` (features and ``churned``)."""
    y = frame["churned"].cast(pl.Int8).to_numpy()
    rate = (y.sum() + 0.5) / (y.size + 1.0)  # Jeffreys-smoothed: never exactly 0 or 1
    if y.size == 0 or y.min() == y.max():
        return ArmModel(design, None, float(rate))
    model = LogisticRegression(C=c, max_iter=2000).fit(design.matrix(frame), y)
    return ArmModel(design, model, float(rate))


@dataclass(frozen=True)
class InteractionModel:
    """Lo's (2002) "true lift" model: one logistic regression on both arms with the features,
    the treatment flag and the flag times each feature, so the arms share what predicts
    leaving and differ by the interactions alone."""

    design: Design
    model: LogisticRegression | None
    rate: float

    def matrix(self, frame: pl.DataFrame, treated: np.ndarray | bool) -> np.ndarray:
        x = self.design.matrix(frame)
        t = np.broadcast_to(np.asarray(treated, float), (frame.height,))[:, None]
        return np.hstack([x, t, t * x[:, self.design.columns_of(INTERACT)]])

    def predict(self, frame: pl.DataFrame, treated: bool) -> np.ndarray:
        if self.model is None or frame.height == 0:
            return np.full(frame.height, self.rate)
        return self.model.predict_proba(self.matrix(frame, treated))[:, 1]


@dataclass(frozen=True)
class Arm:
    """One arm of an :class:`InteractionModel`, predicted as a model of its own."""

    model: InteractionModel
    treated: bool

    def predict(self, frame: pl.DataFrame) -> np.ndarray:
        return self.model.predict(frame, self.treated)


def fit_interaction(frame: pl.DataFrame, design: Design, c: float = C) -> InteractionModel:
    y = frame["churned"].cast(pl.Int8).to_numpy()
    rate = (y.sum() + 0.5) / (y.size + 1.0)
    empty = InteractionModel(design, None, float(rate))
    if y.size == 0 or y.min() == y.max():
        return empty
    treated = (frame["arm"] == "treated").to_numpy()
    model = LogisticRegression(C=c, max_iter=2000).fit(empty.matrix(frame, treated), y)
    return InteractionModel(design, model, float(rate))


@dataclass(frozen=True)
class TLearner:
    """A programme's two arm models (each with ``predict(frame)``) and the risk model (both
    arms together)."""

    treated: ArmModel | Arm
    control: ArmModel | Arm
    risk: ArmModel

    def uplift(self, frame: pl.DataFrame) -> np.ndarray:
        """Expected churn reduction: P(leave | not treated) − P(leave | treated)."""
        return self.control.predict(frame) - self.treated.predict(frame)


def fit(train: pl.DataFrame, c: float = C, kind: str | None = None) -> TLearner:
    """The uplift model of one programme's followed actions (features, ``arm``,
    ``churned``): a T-learner (``kind`` "t") or Lo's interaction model ("interaction")."""
    kind = kind or LEARNER
    design = Design.learn(train)
    arm = pl.col("arm")
    risk = fit_arm(train, design, c)
    if kind == "interaction":
        joint = fit_interaction(train, design, c)
        return TLearner(Arm(joint, True), Arm(joint, False), risk)
    return TLearner(fit_arm(train.filter(arm == "treated"), design, c),
                    fit_arm(train.filter(arm == "control"), design, c), risk)


def arm_counts(frame: pl.DataFrame) -> tuple[int, int]:
    treated = int((frame["arm"] == "treated").sum())
    return treated, frame.height - treated


def enough(frame: pl.DataFrame, per_arm: int = MIN_PER_ARM) -> bool:
    return min(arm_counts(frame)) >= per_arm


# -- Qini ------------------------------------------------------------------------------------

def qini_curve(score: np.ndarray, churned: np.ndarray, treated: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
    """Radcliffe's Qini curve as scikit-uplift's ``qini_curve`` with the outcome "stayed":
    ``(targeted, kept)`` at (0, 0) and after each group of equal scores, best score first."""
    score = np.asarray(score, float)
    stayed = 1.0 - np.asarray(churned, float)
    treated = np.asarray(treated, bool)
    if score.size == 0:
        return np.zeros(1), np.zeros(1)
    order = np.argsort(-score, kind="stable")
    score, stayed, treated = score[order], stayed[order], treated[order]
    # the last row of each group of equal scores: ties are counted together, whatever order
    ends = np.r_[np.flatnonzero(np.diff(score) != 0), score.size - 1]
    n_t = np.cumsum(treated)[ends]
    n_c = np.cumsum(~treated)[ends]
    s_t = np.cumsum(stayed * treated)[ends]
    s_c = np.cumsum(stayed * ~treated)[ends]
    ratio = np.divide(n_t, n_c, out=np.zeros(ends.size), where=n_c != 0)
    kept = s_t - s_c * ratio
    return np.r_[0.0, ends + 1.0], np.r_[0.0, kept]


def _area(x: np.ndarray, y: np.ndarray) -> float:
    return float(np.sum((x[1:] - x[:-1]) * (y[1:] + y[:-1]) / 2))


def qini_coefficient(score: np.ndarray, churned: np.ndarray, treated: np.ndarray
                     ) -> float | None:
    """scikit-uplift's ``qini_auc_score`` (``negative_effect=True``) with the outcome "stayed";
    None when the perfect ranking is no better than random (nothing to normalise by)."""
    churned = np.asarray(churned, float)
    treated = np.asarray(treated, bool)
    stayed = 1.0 - churned
    x, y = qini_curve(score, churned, treated)
    x_p, y_p = qini_curve(stayed * treated - stayed * ~treated, churned, treated)
    baseline = x_p[-1] * y_p[-1] / 2
    perfect = _area(x_p, y_p) - baseline
    if perfect == 0:
        return None
    return (_area(x, y) - baseline) / perfect


def qini_points(ranking: str, score: np.ndarray, churned: np.ndarray, treated: np.ndarray
                ) -> pl.DataFrame:
    """The curve as rows: ``ranking``, ``share_targeted`` (0–1), ``customers_kept`` per
    customer targeted in the holdout scale (``Q(k)``)."""
    x, y = qini_curve(score, churned, treated)
    if x.size > CURVE_POINTS:  # enough to draw: evenly spaced, the ends kept
        keep = np.unique(np.linspace(0, x.size - 1, CURVE_POINTS).round().astype(int))
        x, y = x[keep], y[keep]
    total = max(float(x[-1]), 1.0)
    return pl.DataFrame({"ranking": ranking, "share_targeted": x / total, "customers_kept": y})


# -- temporal holdout ------------------------------------------------------------------------

def cut_date(action_dates: pl.Series, train_share: float = TRAIN_SHARE) -> date | None:
    """The last action date of the training part: of the dates but the last, the one by which
    the share of actions sent is nearest ``train_share`` (the earlier on a tie; two waves are
    split between them); None when all were sent on one day."""
    counts = action_dates.value_counts(name="n").sort(action_dates.name)
    if counts.height < 2:
        return None
    cumulative = (counts["n"].cum_sum() / counts["n"].sum()).to_numpy()[:-1]
    index = int(np.argmin(np.abs(cumulative - train_share)))
    return counts[action_dates.name][index]


def temporal_holdout(followed: pl.DataFrame, train_share: float = TRAIN_SHARE,
                     c: float = C) -> tuple[dict, pl.DataFrame]:
    """One programme's holdout: the figures (cut date, counts, both Qini coefficients, or the
    reason it was not scored) and its test rows with ``uplift`` and ``risk`` scores."""
    empty = followed.head(0).with_columns(uplift=pl.lit(0.0), risk=pl.lit(0.0))
    cut = cut_date(followed["action_date"]) if followed.height else None
    if cut is None:
        return {"status": "not scored", "reason": "all its actions were sent on one "
                "day: no later actions to hold out"}, empty
    train = followed.filter(pl.col("action_date") <= cut)
    test = followed.filter(pl.col("action_date") > cut)
    figures = {"cut_date": cut.isoformat(), "train_treated": arm_counts(train)[0],
               "train_control": arm_counts(train)[1], "holdout_treated": arm_counts(test)[0],
               "holdout_control": arm_counts(test)[1],
               "holdout_churned": int(test["churned"].sum())}
    if not enough(train):
        return {**figures, "status": "not scored",
                "reason": f"fewer than {MIN_PER_ARM} training outcomes in an arm"}, empty
    if not enough(test, MIN_HOLDOUT_PER_ARM):
        return {**figures, "status": "not scored",
                "reason": f"fewer than {MIN_HOLDOUT_PER_ARM} holdout outcomes in an arm"}, empty
    learner = fit(train, c)
    scored = test.with_columns(uplift=pl.Series(learner.uplift(test)),
                               risk=pl.Series(learner.risk.predict(test)))
    return {**figures, "status": "scored", **qini_figures(scored)}, scored


def qini_figures(scored: pl.DataFrame) -> dict:
    """Both rankings' Qini coefficients on scored holdout rows (``uplift``, ``risk``,
    ``churned``, ``arm``) and whether the uplift ranking's is the higher."""
    churned = scored["churned"].cast(pl.Float64).to_numpy()
    treated = (scored["arm"] == "treated").to_numpy()
    uplift = qini_coefficient(scored["uplift"].to_numpy(), churned, treated)
    risk = qini_coefficient(scored["risk"].to_numpy(), churned, treated)
    beats = None if uplift is None or risk is None else bool(uplift > risk)
    return {"uplift_qini": _round(uplift), "risk_qini": _round(risk), "uplift_beats_risk": beats}


def holdout_curves(scored: pl.DataFrame) -> pl.DataFrame:
    """The Qini curves of scored holdout rows: ``uplift``, ``risk`` and ``random`` (the line
    from (0, 0) to the whole holdout's kept customers)."""
    churned = scored["churned"].cast(pl.Float64).to_numpy()
    treated = (scored["arm"] == "treated").to_numpy()
    uplift = qini_points("uplift", scored["uplift"].to_numpy(), churned, treated)
    risk = qini_points("risk", scored["risk"].to_numpy(), churned, treated)
    last = float(uplift["customers_kept"][-1])
    random = pl.DataFrame({"ranking": "random", "share_targeted": [0.0, 1.0],
                           "customers_kept": [0.0, last]})
    return pl.concat([uplift, risk, random])


def holdouts(followed: pl.DataFrame, train_share: float = TRAIN_SHARE, c: float = C
             ) -> tuple[dict, pl.DataFrame]:
    """Every programme's temporal holdout, and all their scored holdouts together (``all``:
    each action ranked by its own programme's model): ``({programme: figures}, curves)``,
    the curves with a ``programme`` column."""
    figures, scored_parts, curves = {}, [], []
    for programme in sorted(followed["programme"].unique()):
        rows = followed.filter(pl.col("programme") == programme)
        figures[programme], scored = temporal_holdout(rows, train_share, c)
        if scored.height:
            scored_parts.append(scored)
            curves.append(holdout_curves(scored).with_columns(programme=pl.lit(programme)))
    if scored_parts:
        pooled = pl.concat(scored_parts)
        treated, control = arm_counts(pooled)
        figures["all"] = {"status": "scored", "programmes": len(scored_parts),
                          "holdout_treated": treated, "holdout_control": control,
                          "holdout_churned": int(pooled["churned"].sum()),
                          **qini_figures(pooled)}
        curves.append(holdout_curves(pooled).with_columns(programme=pl.lit("all")))
    frame = (pl.concat(curves).select("programme", "ranking", "share_targeted",
                                      "customers_kept") if curves else
             pl.DataFrame(schema={"programme": pl.String, "ranking": pl.String,
                                  "share_targeted": pl.Float64, "customers_kept": pl.Float64}))
    return figures, frame


# -- what is published -----------------------------------------------------------------------

def offer_of(programme: str) -> str | None:
    """The campaign builder's offer a programme's response applies to (None: none)."""
    for offer, programmes in OFFER_PROGRAMMES.items():
        if programme in programmes:
            return offer
    return None


def programme_models(followed: pl.DataFrame, c: float = C) -> tuple[pl.DataFrame, dict]:
    """Per programme: whether an uplift is published (both arms at least
    :data:`MIN_PER_ARM` followed outcomes) with its counts and the reason, and the T-learners
    fitted on all its followed actions (the published ones only)."""
    rows, learners = [], {}
    for programme in sorted(followed["programme"].unique()):
        part = followed.filter(pl.col("programme") == programme)
        treated, control = arm_counts(part)
        published = min(treated, control) >= MIN_PER_ARM
        if published:
            learners[programme] = fit(part, c)
        rows.append({
            "programme": programme, "offer": offer_of(programme), "window_days": WINDOW,
            "treated_outcomes": treated, "control_outcomes": control,
            "published": published,
            "reason": None if published else
            f"{treated} treated and {control} control outcomes followed {WINDOW} days: "
            f"an uplift needs at least {MIN_PER_ARM} in each arm; ranked by churn risk until then",
            "method": METHOD})
    schema = {"programme": pl.String, "offer": pl.String, "window_days": pl.Int32,
              "treated_outcomes": pl.Int64, "control_outcomes": pl.Int64,
              "published": pl.Boolean, "reason": pl.String, "method": pl.String}
    return pl.DataFrame(rows, schema=schema), learners


HOLDOUT_SCHEMA = {"holdout_status": pl.String, "holdout_reason": pl.String,
                  "cut_date": pl.Date, "holdout_treated": pl.Int64, "holdout_control": pl.Int64,
                  "holdout_churned": pl.Int64, "uplift_qini": pl.Float64,
                  "risk_qini": pl.Float64, "uplift_beats_risk": pl.Boolean}


def programme_table(models: pl.DataFrame, figures: dict[str, dict]) -> pl.DataFrame:
    """``marts.uplift_programmes``: :func:`programme_models`' rows beside each programme's
    temporal holdout (:func:`holdouts`), and a row ``all`` for the holdouts together."""
    def holdout(name: str) -> dict:
        f = figures.get(name, {})
        return {"programme": name, "holdout_status": f.get("status", "not scored"),
                "holdout_reason": f.get("reason"),
                "cut_date": date.fromisoformat(f["cut_date"]) if f.get("cut_date") else None,
                **{k: f.get(k) for k in ("holdout_treated", "holdout_control", "holdout_churned",
                                         "uplift_qini", "risk_qini", "uplift_beats_risk")}}

    names = [*models["programme"], *(["all"] if "all" in figures else [])]
    holdouts_frame = pl.DataFrame([holdout(n) for n in names],
                                  schema={"programme": pl.String, **HOLDOUT_SCHEMA})
    return models.join(holdouts_frame, on="programme", how="full", coalesce=True)


def customer_uplift(customers: pl.DataFrame, learners: dict[str, TLearner]) -> pl.DataFrame:
    """One row per customer (feature rows as of the scoring day) × published programme: the
    expected churn reduction within :data:`WINDOW` days if treated, and its offer."""
    schema = {"customer_id": pl.String, "programme": pl.String, "offer": pl.String,
              "expected_churn_reduction": pl.Float64, "churn_if_not_treated": pl.Float64,
              "churn_if_treated": pl.Float64}
    parts = []
    for programme, learner in sorted(learners.items()):
        if customers.height == 0:
            break
        control = learner.control.predict(customers)
        treated = learner.treated.predict(customers)
        parts.append(pl.DataFrame({
            "customer_id": customers["customer_id"].cast(pl.String), "programme": programme,
            "offer": offer_of(programme), "expected_churn_reduction": control - treated,
            "churn_if_not_treated": control, "churn_if_treated": treated}, schema=schema))
    return pl.concat(parts) if parts else pl.DataFrame(schema=schema)


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 4)
