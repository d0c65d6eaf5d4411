"""Honest estimates of how well the churn model ranks and calibrates.

* :func:`cross_validate`: stratified k-fold cross-validation of any customer table (grouped by
  customer when the id repeats, e.g. monthly snapshots); calibration happens inside each
  training fold, so every figure comes from rows no part of the model saw.
* :func:`evaluate_holdout`: fit on one frame, measure on another (a temporal holdout).

Both measure all three model kinds at once (the blend is the mean of the two calibrated
probabilities, so it costs nothing extra). The top-level figures are the declared default
kind (``blend``), not whichever scored best, so they are not inflated by choosing.
"""

from __future__ import annotations

import time

import numpy as np
import polars as pl

from cxbridge.models.churn import metrics
from cxbridge.models.churn.modelling import (
    CALIBRATION_FOLDS,
    DEFAULT_KIND,
    MODEL_KINDS,
    ChurnModel,
    component_probabilities,
    fit,
    fit_estimators,
)
from cxbridge.models.churn.splits import stratified_splits
from cxbridge.models.churn.tabular import (
    ChurnDataError,
    FeatureSpec,
    encode_label,
    infer_feature_spec,
)
from cxbridge.models.churn.tabular import prepare as prepare_matrix

HEADLINE = ("roc_auc", "pr_auc", "brier", "lift_top_decile")


def check_sizes(y: np.ndarray, folds: int, label: str) -> None:
    """Refuse tables too small to cut into ``folds`` folds with calibration inside each."""
    if folds < 2:
        raise ChurnDataError(f"--folds must be at least 2 (got {folds})")
    minimum_rows = max(50, 10 * folds)
    if len(y) < minimum_rows:
        raise ChurnDataError(f"only {len(y)} rows; {folds}-fold cross-validation needs at "
                             f"least {minimum_rows} (lift by decile needs 10 rows per fold)")
    minimum_class = max(10, folds * CALIBRATION_FOLDS)
    positives, negatives = int(y.sum()), int(len(y) - y.sum())
    if min(positives, negatives) < minimum_class:
        raise ChurnDataError(
            f"{label!r} has {positives} positive and {negatives} other rows; {folds}-fold "
            f"cross-validation with calibration inside each fold needs at least "
            f"{minimum_class} of each")


def cross_validate(frame: pl.DataFrame, label: str, *, positive: object | None = None,
                   id_column: str | None = None, feature_spec: FeatureSpec | None = None,
                   folds: int = 5, seed: int = 0) -> dict:
    """Stratified ``folds``-fold figures for every model kind, as one JSON-ready dict."""
    started = time.perf_counter()
    y, positive_text = encode_label(frame, label, positive)
    check_sizes(y, folds, label)
    spec = feature_spec or infer_feature_spec(frame, label=label, id_column=id_column)
    matrix = prepare_matrix(frame, spec)
    groups = _repeated_ids(frame, id_column)
    splits = fold_splits(y, folds, seed, groups)
    pooled = {kind: np.empty(len(y)) for kind in MODEL_KINDS}
    per_fold = []
    for number, (train, test) in enumerate(splits, start=1):
        estimators = fit_estimators(matrix[train], y[train], spec, "blend",
                                    None if groups is None else groups[train], seed)
        scores = component_probabilities(estimators, matrix[test])
        per_fold.append({"fold": number, "rows": len(test),
                         **{kind: _headline(y[test], scores[kind]) for kind in MODEL_KINDS}})
        for kind in MODEL_KINDS:
            pooled[kind][test] = scores[kind]
    models = {kind: _mean_over_folds(per_fold, kind) for kind in MODEL_KINDS}
    return {
        "model": DEFAULT_KIND, **{name: models[DEFAULT_KIND][name] for name in HEADLINE},
        "models": models,
        "validation": (f"stratified {folds}-fold" if groups is None else
                       f"stratified {folds}-fold grouped by {id_column}")
                      + f", seed {seed}; figures are means over folds",
        "rows": len(y), "positive_rate": float(y.mean()), "label": label,
        "positive": positive_text, "folds": per_fold,
        "calibration": metrics.calibration_table(y, pooled[DEFAULT_KIND]),
        "lift": metrics.lift_table(y, pooled[DEFAULT_KIND]),
        "features": spec.as_dict(), "seconds": round(time.perf_counter() - started, 2),
    }


def fold_splits(y: np.ndarray, folds: int, seed: int, groups: np.ndarray | None = None
                ) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified (train, test) index pairs; with ``groups``, no group is on both sides."""
    return stratified_splits(y, folds, seed, groups)


def evaluate_holdout(train: pl.DataFrame, test: pl.DataFrame, label: str, *,
                     positive: object | None = None, id_column: str | None = None,
                     feature_spec: FeatureSpec | None = None, group_by_id: bool = False,
                     seed: int = 0) -> tuple[ChurnModel, dict]:
    """Fit the blend on ``train``; every kind's figures on ``test`` (e.g. a later month)."""
    model = fit(train, label, positive=positive, id_column=id_column, feature_spec=feature_spec,
                kind="blend", group_by_id=group_by_id, seed=seed)
    y, _ = encode_label(test, label, model.positive)
    scores = component_probabilities(model.estimators, model.prepare(test))
    models = {kind: _headline(y, scores[kind]) for kind in MODEL_KINDS}
    report = {"model": DEFAULT_KIND, **models[DEFAULT_KIND], "models": models,
              "validation": "holdout", "train_rows": model.training_rows,
              "train_positive_rate": model.positive_rate,
              "calibration": metrics.calibration_table(y, scores[DEFAULT_KIND]),
              "lift": metrics.lift_table(y, scores[DEFAULT_KIND])}
    return model, report


def _headline(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    figures = metrics.summary(y, p)
    return {name: figures[name] for name in (*HEADLINE, "rows", "positive_rate")}


def _mean_over_folds(per_fold: list[dict], kind: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for name in HEADLINE:
        values = np.array([fold[kind][name] for fold in per_fold])
        out[name] = float(values.mean())
        out[f"{name}_std"] = float(values.std(ddof=1)) if len(values) > 1 else 0.0
    return out


def _repeated_ids(frame: pl.DataFrame, id_column: str | None) -> np.ndarray | None:
    """Customer ids to group folds by, when some customer has more than one row."""
    if id_column is None:
        return None
    if id_column not in frame.columns:
        raise ChurnDataError(f"id column {id_column!r} is not in the table; columns are: "
                             f"{', '.join(frame.columns)}")
    ids = frame.get_column(id_column).cast(pl.String)
    return ids.to_numpy() if ids.n_unique() < len(ids) else None
