"""``cxbridge evaluate``'s churn section: the warehouse churn model against the world's truth.

A temporal holdout, as in :func:`cxbridge.models.churn.world.temporal_holdout`: the model is fitted
on the snapshots whose outcome was known by the latest labelled snapshot (warehouse labels only),
then scores every customer in service at that latest snapshot (features held within the
training ranges, as when scoring). Those scores are compared with
who truly left within the horizon (``_truth/churn.csv``, which the model never reads):

* ``roc_auc``, ``pr_auc``, ``brier`` (and ``brier_base_rate``: what always predicting the
  training churn rate scores), ``lift_top_decile``, a ``calibration`` table;
* ``network_reason_top3_rate``: of the true churners of the test window whom the generator says
  left because of the network (outage or poor experience), the share whose top three reasons
  include a network-rooted one (target ≥ 0.7; a churner scored below the training churn rate
  gets no reasons, as in ``marts.churn_scores``), as of the last weekly scoring before they left
  (what the pipeline, scoring as it runs, last showed about them: an outage that drives a
  customer away mostly happens after the 30-day-ahead snapshot, so the snapshot cannot name
  it; that figure is reported too, ``…_at_test_snapshot``).
  ``network_reason_top3_rate_other_churners`` is the same share among the churners who left
  for other reasons, so a model that blames the network for everyone shows up; ``…_commercial_
  churners`` the same among those who left over price, contract or tenure, and ``…_by_cause``
  per true cause (ticket-friction churners mostly called about the network, so some of them
  are rightly told so); ``…_network_share_small`` / ``…_large`` split the other churners by
  the network's share of their decision (the truth records only the largest cause, and a
  contract churner may have had outages too): those the network hardly touched should get no
  network reason, those it weighed on may rightly get one;
* ``top_decile_capture_by_cause``: per true cause, the share of its churners ranked among the
  riskiest tenth;
* ``label_agreement``: how often the warehouse label (a CFS ended) matches the truth.

Too little history (or no ``churn.csv`` in the truth folder) gives ``{"skipped": <why>}``
instead of figures.
"""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

from cxbridge.models.churn import metrics
from cxbridge.models.churn.features import (
    ID,
    LABEL,
    SNAPSHOT,
    NotEnoughHistoryError,
    Schedule,
    clip_to_ranges,
    feature_norms,
    feature_ranges,
    feature_spec,
    features,
    history,
    holdout_split,
    labelled,
    training_dates,
)
from cxbridge.models.churn.modelling import component_probabilities, fit
from cxbridge.models.churn.tabular import ChurnDataError
from cxbridge.models.churn.world import REASONS, explained, worded_reasons

TRUTH_COLUMNS = ("customer_id", "churn_date", "main_cause", "network_caused")
REASON_CHECK_STEP_DAYS = 7
COMMERCIAL_CAUSES = ("price", "contract", "tenure")
# the network's share of a churner's decision (the truth's ``network_share``) below which it
# hardly mattered, and from which it weighed heavily
SMALL_NETWORK_SHARE = 0.1
LARGE_NETWORK_SHARE = 0.25


def read_truth(truth_dir: Path) -> pl.DataFrame:
    path = Path(truth_dir) / "churn.csv"
    if not path.is_file():
        raise ChurnDataError(f"no churn.csv in {truth_dir}: point --truth at the _truth/ folder "
                             f"of a world written by `cxbridge generate`")
    truth = pl.read_csv(path, schema_overrides={"customer_id": pl.String,
                                                "main_cause": pl.String})
    missing = [c for c in TRUTH_COLUMNS if c not in truth.columns]
    if missing:
        raise ChurnDataError(f"{path} lacks column(s) {', '.join(missing)}")
    if "network_share" not in truth.columns:  # a world written before the truth carried it
        truth = truth.with_columns(network_share=pl.lit(None, pl.Float64))
    return truth.with_columns(
        churn_date=pl.col("churn_date").cast(pl.String).str.to_date(),
        network_caused=pl.col("network_caused").cast(pl.String).str.to_lowercase() == "true",
        network_share=pl.col("network_share").cast(pl.Float64))


def evaluate_churn(con: duckdb.DuckDBPyConnection, truth_dir: Path,
                   schedule: Schedule | None = None, seed: int = 0) -> dict:
    """The churn section of ``cxbridge evaluate`` (JSON-ready)."""
    started = time.perf_counter()
    schedule = schedule or Schedule()
    try:
        dates = training_dates(history(con), schedule)
    except NotEnoughHistoryError as exc:
        return {"skipped": str(exc)}
    split = holdout_split(dates, schedule)
    if split is None:
        return {"skipped": f"a temporal holdout needs {schedule.days_to_validate} days of "
                           f"customer history; the warehouse has fewer"}
    train_dates, test_date = split
    try:
        truth = read_truth(truth_dir)
    except ChurnDataError as exc:
        return {"skipped": str(exc)}
    frame = labelled(con, [*train_dates, test_date], schedule)
    train = frame.filter(pl.col(SNAPSHOT).is_in(train_dates))
    test = frame.filter(pl.col(SNAPSHOT) == test_date)
    spec = feature_spec(train)
    ranges = feature_ranges(train, spec)
    model = fit(train, LABEL, positive=1, id_column=ID, feature_spec=spec, group_by_id=True,
                seed=seed)
    horizon_end = test_date + timedelta(days=schedule.horizon_days)
    leavers = truth.filter(pl.col("churn_date") >= test_date, pl.col("churn_date") < horizon_end)
    test = test.join(leavers.select(ID, *TRUTH_COLUMNS[1:], "network_share"), on=ID,
                     how="left")
    y = test.get_column("main_cause").is_not_null().cast(pl.Int8).to_numpy()
    if y.min() == y.max():
        return {"skipped": f"the test snapshot {test_date} has {int(y.sum())} true churners "
                           f"among {len(y)} customers: nothing to rank"}
    scores = component_probabilities(model.estimators,
                                     model.prepare(clip_to_ranges(test, ranges)))
    p = scores[model.kind]
    report = {
        "model": model.kind,
        "validation": "temporal holdout: fitted on earlier snapshots (warehouse labels), "
                      "scored at the test snapshot, judged against _truth/churn.csv",
        "train_snapshots": [d.isoformat() for d in train_dates],
        "test_snapshot": test_date.isoformat(),
        "horizon_days": schedule.horizon_days,
        "train_rows": model.training_rows,
        "rows": len(y), "true_churners": int(y.sum()), "positive_rate": float(y.mean()),
        **{name: value for name, value in metrics.summary(y, p).items()
           if name in ("roc_auc", "pr_auc", "brier", "lift_top_decile")},
        "brier_base_rate": metrics.brier(y, np.full(len(y), model.positive_rate)),
        "models": {kind: {"roc_auc": metrics.roc_auc(y, q), "brier": metrics.brier(y, q)}
                   for kind, q in scores.items()},
        "label_agreement": float((test.get_column(LABEL).to_numpy() == y).mean()),
        "calibration": metrics.calibration_table(y, p),
        "top_decile_capture_by_cause": _capture_by_cause(test, p),
        **_network_reasons(con, model, test, schedule, ranges),
    }
    report["seconds"] = round(time.perf_counter() - started, 2)
    return report


def _capture_by_cause(test: pl.DataFrame, p: np.ndarray) -> dict[str, float]:
    cutoff = np.quantile(p, 0.9)
    ranked = test.select("main_cause").with_columns(top=pl.Series(p >= cutoff))
    return {cause: round(share, 4) for cause, share in
            ranked.filter(pl.col("main_cause").is_not_null())
            .group_by("main_cause").agg(pl.col("top").mean()).sort("main_cause").iter_rows()}


def _network_reasons(con: duckdb.DuckDBPyConnection, model, test: pl.DataFrame,
                     schedule: Schedule, ranges: dict) -> dict:
    """Share of true churners with a network-rooted reason among their top three: as of the
    last weekly scoring before each left, and as of the test snapshot. As when scoring, a
    number is a reason only when unusual among every customer scored that day."""
    churners = test.filter(pl.col("main_cause").is_not_null())
    test_date = churners.get_column(SNAPSHOT)[0]
    grid = [test_date + timedelta(days=step) for step in
            range(0, schedule.horizon_days, REASON_CHECK_STEP_DAYS)]
    causes = churners.select(ID, *TRUTH_COLUMNS[1:], "network_share")
    everyone = features(con, grid, schedule)
    norms = {day: feature_norms(everyone.filter(pl.col(SNAPSHOT) == day), model.spec)
             for day in grid}
    late = (everyone.join(causes, on=ID)
            .filter(pl.col(SNAPSHOT) <= pl.col("churn_date"))
            .sort(ID, SNAPSHOT).unique(ID, keep="last", maintain_order=True))
    at_exit = _flagged(model, late, schedule, ranges, norms)
    at_snapshot = _flagged(model, churners, schedule, ranges,
                           {test_date: feature_norms(test, model.spec)})
    examples = (at_exit.filter(pl.col("network_caused"))
                .select("main_cause", "first_reason").drop_nulls().unique("main_cause")
                .sort("main_cause"))
    return {
        "network_reason_top3_rate": _rate(at_exit, True),
        "network_reason_top3_rate_other_churners": _rate(at_exit, False),
        "network_reason_top3_rate_commercial_churners": _rate(
            at_exit.filter(pl.col("main_cause").is_in(COMMERCIAL_CAUSES)), False),
        **_by_network_share(at_exit),
        "network_reason_top3_rate_by_cause": {
            cause: {"churners": n, "rate": round(rate, 4)} for cause, n, rate in
            at_exit.group_by("main_cause").agg(pl.len(), pl.col("network").mean())
            .sort("main_cause").iter_rows()},
        "network_reason_measured_at": f"each churner's last weekly scoring before leaving "
                                      f"(every {REASON_CHECK_STEP_DAYS} days from the test "
                                      f"snapshot on)",
        "network_reason_top3_rate_at_test_snapshot": _rate(at_snapshot, True),
        "network_reason_top3_rate_other_churners_at_test_snapshot": _rate(at_snapshot, False),
        "network_caused_churners": at_exit.filter(pl.col("network_caused")).height,
        "first_reason_examples": dict(examples.iter_rows()),
    }


def _flagged(model, rows: pl.DataFrame, schedule: Schedule, ranges: dict,
             norms: dict) -> pl.DataFrame:
    """Per row: its cause, whether a top-three reason is network-rooted, the first reason
    (reasons only where scoring gives them: at or above the training churn rate; ``norms``
    per scoring date)."""
    probability = model.predict_proba(clip_to_ranges(rows, ranges))
    chosen = rows.filter(pl.Series(explained(model, probability)))
    parts = [worded_reasons(model, chosen.filter(pl.col(SNAPSHOT) == day), schedule,
                            k=REASONS, ranges=ranges, norms=norms[day])
             for day in chosen.get_column(SNAPSHOT).unique().sort()]
    reasons = pl.concat(parts) if parts else worded_reasons(model, chosen, schedule)
    flagged = reasons.group_by(ID).agg(
        network=pl.col("network").any(),
        first_reason=pl.col("reason").sort_by("rank").first())
    return (rows.select(ID, "main_cause", "network_caused", "network_share")
            .join(flagged, on=ID, how="left")
            .with_columns(pl.col("network").fill_null(False)))


def _by_network_share(flagged: pl.DataFrame) -> dict:
    """The other churners' rate split by how much the network weighed in their decision
    (the truth's ``network_share``): those it hardly touched (below
    :data:`SMALL_NETWORK_SHARE`) should get no network reason; those it weighed on heavily
    (at least :data:`LARGE_NETWORK_SHARE`) may rightly get one. Empty for a truth without
    the share."""
    other = flagged.filter(~pl.col("network_caused") & pl.col("network_share").is_not_null())
    if other.height == 0:
        return {}
    small = other.filter(pl.col("network_share") < SMALL_NETWORK_SHARE)
    large = other.filter(pl.col("network_share") >= LARGE_NETWORK_SHARE)
    return {
        "network_reason_top3_rate_other_churners_network_share_small": _rate(small, False),
        "network_reason_top3_rate_other_churners_network_share_large": _rate(large, False),
        "other_churners_by_network_share": {
            f"< {SMALL_NETWORK_SHARE}": small.height, f">= {LARGE_NETWORK_SHARE}": large.height,
            "all": other.height},
    }


def _rate(flagged: pl.DataFrame, network_caused: bool) -> float | None:
    part = flagged.filter(pl.col("network_caused") == network_caused)
    return round(float(part.get_column("network").mean()), 4) if part.height else None
