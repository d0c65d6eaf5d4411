"""Churn risk for every customer of the warehouse: train → save, score → ``marts.churn_scores``.

* :func:`train`: features and labels at every labelled snapshot
(:mod:`cxbridge.models.churn.features`),
  a temporal holdout (fit on the snapshots whose outcome was known by the latest one, measure
  on the latest) for the model card, then the model fitted on every snapshot and saved under
  ``settings.models_dir / "customer_churn" / <version>`` with its card.
* :func:`score`: the newest model scores every customer in service on the day after the last
  day of data, with up to three reasons in plain language, and replaces ``marts.churn_scores``
  (one row per customer) and ``marts.churn_drivers`` (how often each feature is a top reason,
  per segment and risk band) in one transaction, in which it also records the scoring in
  ``marts.churn_score_history`` (:func:`history_table`): the sums of the churn KPIs per scoring
  day × region × segment, kept across runs, so churn risk and revenue at risk have a trend and
  past periods. The model sees numeric features held within
  the range it was trained on (``data_window.feature_ranges`` in the card), so a value far
  outside it (weeks of "outage" from an alarm whose clear was lost) cannot be extrapolated
  into certainty; the reasons quote the customer's own values.
* :func:`refresh`: what the pipeline runs after the marts: score with the newest model, training
  one first when there is none and the history allows; too little history or an unusable model
  is reported, never raised.

Reasons are given to the customers whose probability is at least the churn rate the model was
trained on (above-average risk: at scale 1 computing them costs about 1.7 ms per customer, and
below that rate nothing raises the risk enough to be worth a sentence); the others have no
reason and ``network_reason`` false. A reason is kept only when it is material and, for a
number, unusual among the customers scored that day (:func:`worded_reasons`).

Risk bands (30-day churn probability): ``high`` from :data:`HIGH_FROM` (20 %, several times the
usual 2–4 % a month), ``medium`` from :data:`MEDIUM_FROM` (8 %), ``low`` below. Revenue at risk
is probability × monthly revenue.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

from cxbridge.models.churn.card import ArtefactError, load_model, save_model
from cxbridge.models.churn.evaluation import evaluate_holdout
from cxbridge.models.churn.features import (
    BY_NAME,
    CONTEXT,
    ID,
    LABEL,
    SNAPSHOT,
    Schedule,
    clip_to_ranges,
    feature_norms,
    feature_ranges,
    feature_spec,
    features,
    history,
    holdout_split,
    labelled,
    sentence,
    training_dates,
    unusual,
)
from cxbridge.models.churn.modelling import ChurnModel, fit
from cxbridge.models.churn.tabular import ChurnDataError
from cxbridge.platform.warehouse import execute_sql_file, transaction

SQL = Path(__file__).resolve().parent / "sql"

MODEL_NAME = "customer_churn"
HIGH_FROM = 0.20
MEDIUM_FROM = 0.08
REASONS = 3
REASONS_FROM = 1.0  # × the training churn rate: below it a customer gets no reasons
MATERIAL = 0.1  # × the training churn rate: the least contribution that is a reason
SPARE_REASONS = 4  # reasons computed beyond the three shown, to replace those left out
# fewer labelled periods (horizons that do not overlap) than this and the card says the model
# is weak: on the generated world one labelled month ranks churners at ROC AUC ≈ 0.78 and four
# at 0.80–0.86, whatever the number of customers (README, Churn risk)
FEW_PERIODS = 3
# the labelled customer-snapshots a model is fitted on, at most: a larger history is sampled,
# customers whole (all their snapshots or none), at random with the training seed. Fit time grows
# with the rows (994 k rows at scale 10 took 401 s, 86 s on 300 k); 300 k rows hold about 6,000
# churners at a 2 % monthly rate. What the sample costs in ranking is not measured yet.
MAX_TRAINING_ROWS = 300_000


@dataclass(frozen=True)
class TrainResult:
    model: ChurnModel
    card: dict
    path: Path
    seconds: float
    timings: dict[str, float]   # seconds per step: features, holdout, fit, save


@dataclass(frozen=True)
class ScoreResult:
    scored_at: date
    customers: int
    model_version: str
    run_id: str
    seconds: float
    by_band: dict[str, int]
    revenue_at_risk_eur: float
    timings: dict[str, float]   # seconds per step: features, predict, reasons, write


def schedule_of(card: dict) -> Schedule:
    window = card.get("data_window") or {}
    return Schedule(**{k: int(window[k]) for k in Schedule().as_dict() if k in window})


def train(con: duckdb.DuckDBPyConnection, models_dir: Path,
          schedule: Schedule | None = None, seed: int = 0) -> TrainResult:
    """Fit on every labelled snapshot, measure on a temporal holdout first, save with a card."""
    clock = _Clock()
    schedule = schedule or Schedule()
    found = history(con)
    dates = training_dates(found, schedule)
    frame, labelled_rows = sample_customers(labelled(con, dates, schedule), MAX_TRAINING_ROWS,
                                            seed)
    _check_outcomes(frame, "the training snapshots")
    spec = feature_spec(frame)
    clock.lap("features")
    holdout = temporal_holdout(frame, dates, schedule, seed)
    clock.lap("holdout")
    model = fit(frame, LABEL, positive=1, id_column=ID, feature_spec=spec, group_by_id=True,
                seed=seed)
    clock.lap("fit")
    window = {"first_day": found.first_day, "last_day": found.last_day,
              "snapshots": [d.isoformat() for d in dates], **schedule.as_dict(),
              "feature_ranges": feature_ranges(frame, spec)}
    periods = (dates[-1] - dates[0]).days // schedule.horizon_days + 1  # not overlapping
    notes = (f"Label: a CFS of the customer ends within {schedule.horizon_days} days of the "
             f"snapshot. Features from the {schedule.lookback_days} days before it. Risk bands: "
             f"high ≥ {HIGH_FROM:.0%}, medium ≥ {MEDIUM_FROM:.0%}. Reasons for customers at "
             f"or above the training churn rate, each material and, for a number, unusual "
             f"among the customers scored with it."
             + (f" Fitted on a random {frame.height:,} of the {labelled_rows:,} labelled "
                f"customer-snapshots (customers whole), the most a model is fitted on."
                if frame.height < labelled_rows else "")
             + (f" Only {periods} labelled period(s) of {schedule.horizon_days} days: the "
                f"model has seen few periods' incidents and leavers and ranks weakly until more "
                f"history accrues (README, Churn risk)." if periods < FEW_PERIODS else ""))
    path, card = save_model(model, models_dir, name=MODEL_NAME, data_window=window, notes=notes,
                            metrics={"temporal_holdout": holdout,
                                     "feature_labels": {f: BY_NAME[f].label
                                                        for f in model.spec.names}})
    clock.lap("save")
    return TrainResult(model, card, path, clock.total(), clock.laps)


def sample_customers(frame: pl.DataFrame, max_rows: int, seed: int = 0
                     ) -> tuple[pl.DataFrame, int]:
    """``frame`` (labelled customer-snapshots) and its row count, with at most ``max_rows`` rows
    kept: when it has more, whole customers drawn at random (``seed``) until the next would pass
    the bound, in the frame's own row order."""
    rows = frame.height
    if rows <= max_rows:
        return frame, rows
    per_customer = frame.group_by(ID, maintain_order=True).len().sort(ID)
    order = np.random.default_rng(seed).permutation(per_customer.height)
    counts = per_customer["len"].to_numpy()[order]
    keep = per_customer[ID].gather(order[np.cumsum(counts) <= max_rows])
    return frame.filter(pl.col(ID).is_in(keep.implode())), rows


def temporal_holdout(frame: pl.DataFrame, dates: list[date], schedule: Schedule,
                     seed: int = 0) -> dict:
    """Figures of a model fitted on the earlier snapshots, on the latest (JSON-ready)."""
    split = holdout_split(dates, schedule)
    if split is None:
        return {"skipped": f"a temporal holdout needs {schedule.days_to_validate} days of "
                           f"history (one snapshot to train on whose outcome is known by the "
                           f"test snapshot)"}
    train_dates, test_date = split
    train_rows = frame.filter(pl.col(SNAPSHOT).is_in(train_dates))
    test_rows = frame.filter(pl.col(SNAPSHOT) == test_date)
    try:
        _check_outcomes(train_rows, "the earlier snapshots")
        _check_outcomes(test_rows, "the test snapshot")
    except ChurnDataError as exc:
        return {"skipped": str(exc)}
    spec = feature_spec(train_rows)
    _, report = evaluate_holdout(train_rows,
                                 clip_to_ranges(test_rows, feature_ranges(train_rows, spec)),
                                 LABEL, positive=1, id_column=ID, feature_spec=spec,
                                 group_by_id=True, seed=seed)
    return {"train_snapshots": [d.isoformat() for d in train_dates],
            "test_snapshot": test_date.isoformat(), **report}


def _check_outcomes(frame: pl.DataFrame, what: str) -> None:
    churners = int(frame.get_column(LABEL).sum()) if frame.height else 0
    if churners == 0 or churners == frame.height:
        raise ChurnDataError(f"{what} hold {frame.height} customer rows of which {churners} "
                             f"churned: a churn model needs both churners and stayers")


def newest_model(models_dir: Path) -> tuple[ChurnModel, dict]:
    return load_model(models_dir, name=MODEL_NAME)


def score(con: duckdb.DuckDBPyConnection, model: ChurnModel, card: dict, run_id: str
          ) -> ScoreResult:
    """Score every customer in service at the scoring date; replace the two score tables."""
    clock = _Clock()
    schedule = schedule_of(card)
    when = history(con).scoring_date
    frame = features(con, [when], schedule)
    if frame.height == 0:
        raise ChurnDataError(f"no customer is in service on {when}: nothing to score")
    clock.lap("features")
    window = card.get("data_window") or {}
    ranges = window.get("feature_ranges", {})
    probability = model.predict_proba(clip_to_ranges(frame, ranges))
    clock.lap("predict")
    reasons = worded_reasons(model, frame.filter(pl.Series(explained(model, probability))),
                             schedule, ranges=ranges, norms=feature_norms(frame, model.spec))
    clock.lap("reasons")
    scores = score_table(frame, probability, reasons, when, card["model_version"], run_id)
    drivers = driver_table(scores, reasons)
    write(con, scores, drivers, history_table(scores, frame))
    clock.lap("write")
    bands = dict(scores.group_by("risk_band").len().iter_rows())
    return ScoreResult(when, scores.height, card["model_version"], run_id, clock.total(),
                       bands, float(scores.get_column("revenue_at_risk_eur").sum()),
                       clock.laps)


class _Clock:
    def __init__(self) -> None:
        self.started = self.last = time.perf_counter()
        self.laps: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round(now - self.last, 3)
        self.last = now

    def total(self) -> float:
        return round(time.perf_counter() - self.started, 2)


def explained(model: ChurnModel, probability: np.ndarray) -> np.ndarray:
    """Who gets reasons: the customers at or above :data:`REASONS_FROM` × the churn rate the
    model was trained on."""
    return np.asarray(probability) >= REASONS_FROM * model.positive_rate


def worded_reasons(model: ChurnModel, frame: pl.DataFrame, schedule: Schedule,
                   k: int = REASONS, ranges: dict | None = None,
                   norms: dict | None = None) -> pl.DataFrame:
    """customer_id, rank, feature, contribution, network, reason (in plain language).

    The model sees the features clipped to ``ranges`` (the training ranges); the sentences
    quote the customer's own values. A reason is kept only when it is material (it raises the
    probability by at least :data:`MATERIAL` × the training churn rate) and, for a number,
    when the customer's own value is unusual against ``norms``: the
    :func:`~cxbridge.models.churn.features.feature_norms` of every customer scored on the same
    day (see :func:`~cxbridge.models.churn.features.unusual`), so that an outage that hit half
    the base this month, one fault hour more than everybody had, or an index a point lower is
    no reason to call a churner network-driven. Spare reasons are computed, so that the next
    ones move up when some are left out, or when two features say the same thing (a
    month-to-month contract, and its renewal date: kept once)."""
    if frame.height == 0:
        return pl.DataFrame(schema={ID: frame.schema[ID], "rank": pl.Int32,
                                    "feature": pl.String, "contribution": pl.Float64,
                                    "network": pl.Boolean, "reason": pl.String})
    raw = model.reasons(clip_to_ranges(frame, ranges or {}), k=k + SPARE_REASONS)
    context = [c for c in (*model.spec.names, *CONTEXT) if c in frame.columns]
    rows = dict(zip(frame.get_column(ID).to_list(),
                    frame.select(context).iter_rows(named=True), strict=True))
    raw = raw.filter(pl.Series(kept_reasons(model, raw, rows, norms), dtype=pl.Boolean))
    text = [sentence(feature, rows[customer], schedule) for customer, feature in
            zip(raw.get_column(ID).to_list(), raw.get_column("feature").to_list(), strict=True)]
    worded = raw.select(ID, "rank", "feature", "contribution", "network").with_columns(
        reason=pl.Series(text, dtype=pl.String))
    return (worded.sort(ID, "rank").unique([ID, "reason"], keep="first", maintain_order=True)
            .with_columns(rank=pl.col("rank").rank("ordinal").over(ID).cast(pl.Int32))
            .filter(pl.col("rank") <= k))


def kept_reasons(model: ChurnModel, raw: pl.DataFrame, rows: dict, norms: dict | None
                 ) -> list[bool]:
    """Per raw reason (customer, feature, contribution): material, and for a number unusual
    for that customer (see :func:`worded_reasons`)."""
    floor = MATERIAL * model.positive_rate
    numeric = set(model.spec.of_kind("numeric"))
    return [contribution >= floor and (
                feature not in numeric or norms is None
                or unusual(feature, rows[customer].get(feature), norms.get(feature)))
            for customer, feature, contribution in raw.select(ID, "feature", "contribution")
            .iter_rows()]


def risk_band(probability: np.ndarray) -> np.ndarray:
    return np.where(probability >= HIGH_FROM, "high",
                    np.where(probability >= MEDIUM_FROM, "medium", "low"))


def score_table(frame: pl.DataFrame, probability: np.ndarray, reasons: pl.DataFrame,
                scored_at: date, model_version: str, run_id: str) -> pl.DataFrame:
    """The rows of ``marts.churn_scores`` (pure)."""
    top = reasons.filter(pl.col("rank") <= REASONS)
    wide = (top.pivot(on="rank", index=ID, values="reason")
            .rename({str(r): f"reason_{r}" for r in range(1, REASONS + 1)}, strict=False)
            if top.height else pl.DataFrame(schema={ID: frame.schema[ID]}))
    network = top.group_by(ID).agg(network_reason=pl.col("network").any())
    revenue = frame.get_column("monthly_revenue_eur").fill_null(0.0)
    out = pl.DataFrame({
        ID: frame.get_column(ID),
        "scored_at_date": pl.Series([scored_at] * frame.height, dtype=pl.Date),
        "churn_probability": probability.astype(float),
        "risk_band": risk_band(probability),
        "monthly_revenue_eur": revenue,
        "revenue_at_risk_eur": probability * revenue.to_numpy(),
        "segment": frame.get_column("segment"),
    })
    out = out.join(wide, on=ID, how="left").join(network, on=ID, how="left")
    for r in range(1, REASONS + 1):
        if f"reason_{r}" not in out.columns:
            out = out.with_columns(pl.lit(None, dtype=pl.String).alias(f"reason_{r}"))
    return out.with_columns(
        network_reason=pl.col("network_reason").fill_null(False),
        model_version=pl.lit(model_version), run_id=pl.lit(run_id),
    ).select(ID, "scored_at_date", "churn_probability", "risk_band", "monthly_revenue_eur",
             "revenue_at_risk_eur", *[f"reason_{r}" for r in range(1, REASONS + 1)],
             "network_reason", "segment", "model_version", "run_id").sort(ID)


def driver_table(scores: pl.DataFrame, reasons: pl.DataFrame) -> pl.DataFrame:
    """Per segment (and ``all``) and risk band (and ``all``), each feature's share of the
    customers who have it among their top reasons, and the revenue at risk they carry (pure)."""
    tagged = reasons.filter(pl.col("rank") <= REASONS).join(
        scores.select(ID, "segment", "risk_band", "revenue_at_risk_eur"), on=ID)
    parts = []
    for segment_expr in (pl.col("segment"), pl.lit("all")):
        for band_expr in (pl.col("risk_band"), pl.lit("all")):
            customers = (scores.group_by(segment_expr.alias("segment"),
                                         band_expr.alias("risk_band"))
                         .agg(customers=pl.len()))
            counted = (tagged.group_by(segment_expr.alias("segment"),
                                       band_expr.alias("risk_band"), "feature")
                       .agg(customers_with_reason=pl.col(ID).n_unique(),
                            mean_contribution=pl.col("contribution").mean(),
                            revenue_at_risk_eur=pl.col("revenue_at_risk_eur").sum(),
                            network=pl.col("network").first()))
            parts.append(counted.join(customers, on=["segment", "risk_band"]))
    if not parts or all(p.height == 0 for p in parts):
        return _empty_drivers(scores)
    out = pl.concat(parts).unique(["segment", "risk_band", "feature"], keep="first")
    return out.with_columns(
        share=pl.col("customers_with_reason") / pl.col("customers"),
        feature_label=pl.col("feature").replace_strict(
            {name: f.label for name, f in BY_NAME.items()}, default=pl.col("feature")),
        scored_at_date=pl.lit(scores.get_column("scored_at_date")[0]),
        model_version=pl.lit(scores.get_column("model_version")[0]),
        run_id=pl.lit(scores.get_column("run_id")[0]),
    ).select("segment", "risk_band", "feature", "feature_label", "network", "customers",
             "customers_with_reason", "share", "mean_contribution", "revenue_at_risk_eur",
             "scored_at_date", "model_version", "run_id").sort(
        "segment", "risk_band", "customers_with_reason", "feature",
        descending=[False, False, True, False])


def _empty_drivers(scores: pl.DataFrame) -> pl.DataFrame:
    return pl.DataFrame(schema={
        "segment": pl.String, "risk_band": pl.String, "feature": pl.String,
        "feature_label": pl.String, "network": pl.Boolean, "customers": pl.UInt32,
        "customers_with_reason": pl.UInt32, "share": pl.Float64,
        "mean_contribution": pl.Float64, "revenue_at_risk_eur": pl.Float64,
        "scored_at_date": pl.Date, "model_version": pl.String, "run_id": pl.String})


def history_table(scores: pl.DataFrame, frame: pl.DataFrame) -> pl.DataFrame:
    """This scoring's rows of ``marts.churn_score_history`` (pure): per region × segment, the
    customers scored and at high risk, Σ churn probability, Σ revenue at risk and Σ monthly
    revenue, with the scoring day, model version and run.

    An aggregate, not one row per customer: at scale 1 (100,000 customers, a scoring a day) a
    per-customer history would add 36.5 million rows a year to every snapshot, this one about
    nine thousand (regions × segments a day), and the churn KPIs need no more than these sums."""
    region = (frame.select(ID, pl.col("region").cast(pl.String)) if "region" in frame.columns
              else frame.select(ID, region=pl.lit(None, dtype=pl.String)))
    return (scores.join(region, on=ID, how="left")
            .group_by("scored_at_date", "region", "segment", "model_version", "run_id")
            .agg(customers_scored=pl.len(),
                 customers_high_risk=(pl.col("risk_band") == "high").sum(),
                 churn_probability_sum=pl.col("churn_probability").sum(),
                 revenue_at_risk_eur=pl.col("revenue_at_risk_eur").sum(),
                 monthly_revenue_eur=pl.col("monthly_revenue_eur").sum())
            .sort("region", "segment", nulls_last=True))


def write(con: duckdb.DuckDBPyConnection, scores: pl.DataFrame, drivers: pl.DataFrame,
          history: pl.DataFrame | None = None) -> None:
    """Replace both score tables and record the scoring in the history (``history``, from
    :func:`history_table`; by default computed from ``scores`` without regions) in one
    transaction: readers see the old scores or the new ones, and a re-scoring of the same day
    replaces that day's history rather than counting it twice."""
    if history is None:
        history = history_table(scores, scores.select(ID))
    con.register("_churn_scores", scores)
    con.register("_churn_drivers", drivers)
    con.register("_churn_history", history)
    try:
        with transaction(con):
            execute_sql_file(con, SQL / "write_scores.sql")
    finally:
        con.unregister("_churn_scores")
        con.unregister("_churn_drivers")
        con.unregister("_churn_history")


def refresh(con: duckdb.DuckDBPyConnection, models_dir: Path, run_id: str, *,
            train_if_missing: bool = True, schedule: Schedule | None = None) -> dict:
    """Score with the newest model (training one first when there is none, if asked and the
    history allows). Returns ``{"status": "scored" | "skipped", ...}``; never raises for too
    little history or an unusable saved model, so the pipeline goes on without churn scores."""
    trained = None
    try:
        try:
            model, card = newest_model(models_dir)
        except ArtefactError:
            if not train_if_missing:
                raise
            trained = train(con, models_dir, schedule)
            model, card = trained.model, trained.card
        result = score(con, model, card, run_id)
    except (ChurnDataError, ArtefactError) as exc:
        return {"status": "skipped", "reason": str(exc)}
    return {"status": "scored", "trained": trained is not None,
            "train_seconds": trained.seconds if trained else None,
            "model_version": result.model_version, "scored_at": result.scored_at.isoformat(),
            "customers": result.customers, "by_band": result.by_band,
            "revenue_at_risk_eur": round(result.revenue_at_risk_eur, 2),
            "seconds": result.seconds}
