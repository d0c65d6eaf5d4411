"""Fast one-feature swaps for reason codes: transform the customers once, swap columns after.

A reason's contribution (:func:`cxbridge.models.churn.reasons.contributions`) predicts every
customer again with one feature set to each of its background values: features × values full
predictions. Through a scikit-learn pipeline each of those re-runs the column transformer
(imputation, scaling, one-hot and ordinal coding) on the whole swapped frame, which was half the
time of scoring reasons (26 of 28 s of churn scoring at scale 1). The transformers of
:mod:`cxbridge.models.churn.modelling` treat each input column on its own, so the transformed
matrix of a swapped frame is the customers' transformed matrix with only that feature's output
columns replaced. :class:`SwapPredictor` transforms the customers once per estimator, finds each
feature's output columns by transforming a probe (the feature's values on otherwise identical
rows: a column that no value moves keeps the customers' own value, which is then right), and
runs only the final classifier and its calibration on the swapped matrices. The probabilities
are the same as the full pipeline's (a test holds them equal).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping

import numpy as np
import polars as pl
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits

# rows of swapped matrices predicted at once: bounds memory at any customer count
CHUNK_ROWS = 200_000
# distinct values of a number enough to see which output columns it moves
NUMBER_PROBES = 16


class SwapPredictor:
    """Probabilities of ``matrix`` (a prepared matrix) with one feature swapped to given values;
    ``kind`` as in :func:`cxbridge.models.churn.modelling.component_probabilities`."""

    def __init__(self, estimators: Mapping[str, CalibratedClassifierCV], kind: str,
                 matrix: pl.DataFrame, threads: int = 1) -> None:
        self.matrix, self.kind, self.threads = matrix, kind, threads
        self._parts = {name: _split(estimator) for name, estimator in estimators.items()}
        with threadpool_limits(threads, user_api="openmp"):
            self._transformed = {name: _dense(transform.transform(matrix))
                                 for name, (transform, _) in self._parts.items()}
        self._columns: dict[tuple, np.ndarray] = {}
        self._raw_scores: dict[str, np.ndarray] = {}

    @classmethod
    def supports(cls, estimators: Mapping[str, object]) -> bool:
        """Whether every estimator is a single calibrated pipeline (``ensemble=False``)."""
        return all(isinstance(e, CalibratedClassifierCV)
                   and len(getattr(e, "calibrated_classifiers_", ())) == 1
                   and isinstance(e.calibrated_classifiers_[0].estimator, Pipeline)
                   and len(e.calibrated_classifiers_[0].estimator.steps) > 1
                   for e in estimators.values())

    def base(self) -> np.ndarray:
        return self._combine({name: self._predict(name, self._transformed[name])
                              for name in self._parts})

    def swapped(self, feature: str, values: list) -> np.ndarray:
        """(len(values), rows): every row's probability with ``feature`` set to each value."""
        dtype = self.matrix.schema[feature]
        rows = self.matrix.height
        out = {}
        for name, (transform, _) in self._parts.items():
            columns = self._feature_columns(name, feature, values)
            replaced = _dense(transform.transform(
                pl.concat([self.matrix.head(1)] * len(values))
                .with_columns(pl.Series(feature, values, dtype=dtype))))
            base = self._transformed[name]
            trees = self._trees_using(name, columns)
            result = np.empty((len(values), rows))
            for start in range(0, rows, CHUNK_ROWS):
                chunk = base[start:start + CHUNK_ROWS]
                untouched = None if trees is None else (
                    self._raw(name, None)[start:start + CHUNK_ROWS] - _raw(
                        self._parts[name][1].estimator, chunk, trees, self.threads))
                for k in range(len(values)):
                    block = chunk.copy()
                    block[:, columns] = replaced[k, columns]
                    result[k, start:start + CHUNK_ROWS] = (
                        self._predict(name, block) if untouched is None else
                        self._calibrate(name, untouched + _raw(
                            self._parts[name][1].estimator, block, trees, self.threads)))
            out[name] = result
        return self._combine(out)

    def _trees_using(self, name: str, columns: np.ndarray) -> list | None:
        """For boosted trees, the iterations whose trees split on one of ``columns`` (the
        others give every swapped row the customer's own score); None for other models."""
        model = self._parts[name][1].estimator
        if not _is_binary_boosting(model):
            return None
        wanted = set(_internal_columns(model, columns).tolist())
        return [iteration for iteration in model._predictors
                if any(wanted.intersection(tree.nodes["feature_idx"][~tree.nodes["is_leaf"]
                                                                     .astype(bool)].tolist())
                       for tree in iteration)]

    def _raw(self, name: str, _: None) -> np.ndarray:
        """The boosted model's raw score (log-odds before calibration) of every row."""
        if name not in self._raw_scores:
            self._raw_scores[name] = _raw(self._parts[name][1].estimator,
                                          self._transformed[name], None, self.threads)
        return self._raw_scores[name]

    def _calibrate(self, name: str, raw: np.ndarray) -> np.ndarray:
        """The calibrated probability of the positive class from a binary raw score, as
        ``_CalibratedClassifier.predict_proba`` computes it."""
        return self._parts[name][1].calibrators[0].predict(raw)

    def _predict(self, name: str, transformed: np.ndarray) -> np.ndarray:
        with threadpool_limits(self.threads, user_api="openmp"):
            return self._parts[name][1].predict_proba(transformed)[:, 1]

    def _combine(self, by_name: dict[str, np.ndarray]) -> np.ndarray:
        if self.kind in by_name:
            return by_name[self.kind]
        return np.mean(list(by_name.values()), axis=0)  # the blend

    def _feature_columns(self, name: str, feature: str, swapped_to: list) -> np.ndarray:
        """The output columns of ``name``'s transformer that ``feature``'s values (the
        customers' own and those it is swapped to) move."""
        key = (name, feature, tuple(swapped_to))
        if key not in self._columns:
            column = self.matrix.get_column(feature)
            values = column.unique(maintain_order=True)
            if column.dtype.is_numeric() and values.len() > NUMBER_PROBES:
                values = pl.concat([values.drop_nulls().head(NUMBER_PROBES),
                                    pl.Series([None], dtype=column.dtype)])
            values = pl.concat([values, pl.Series(feature, swapped_to, dtype=column.dtype)])
            probe = (pl.concat([self.matrix.head(1)] * values.len())
                     .with_columns(values.alias(feature)))
            out = _dense(self._parts[name][0].transform(probe))
            same = (out == out[0]) | (np.isnan(out) & np.isnan(out[0]))
            self._columns[key] = np.flatnonzero(~same.all(axis=0))
        return self._columns[key]


def _split(estimator: CalibratedClassifierCV) -> tuple[Pipeline, object]:
    """(the pipeline's transformers, its calibrated final classifier)."""
    calibrated = estimator.calibrated_classifiers_[0]
    pipeline = calibrated.estimator
    head = copy.copy(calibrated)
    head.estimator = pipeline.steps[-1][1]
    return Pipeline(pipeline.steps[:-1]), head


def _is_binary_boosting(model: object) -> bool:
    return (isinstance(model, HistGradientBoostingClassifier)
            and model.n_trees_per_iteration_ == 1 and hasattr(model, "_predictors"))


def _internal_columns(model: HistGradientBoostingClassifier, columns: np.ndarray) -> np.ndarray:
    """``columns`` of the matrix as the trees number them: with categorical features the
    model encodes them itself and puts them first (its ``_preprocess_X``)."""
    categorical = getattr(model, "is_categorical_", None)
    if categorical is None or getattr(model, "_preprocessor", None) is None:
        return columns
    order = np.r_[np.flatnonzero(categorical), np.flatnonzero(~categorical)]
    position = np.empty(len(order), dtype=np.int64)
    position[order] = np.arange(len(order))
    return position[columns]


def _raw(model: HistGradientBoostingClassifier, transformed: np.ndarray,
         iterations: list | None, threads: int) -> np.ndarray:
    """The sum of ``iterations``' trees (all of them and the baseline when None) per row: the
    boosted model's own summation (``_raw_predict``), restricted to some trees."""
    if iterations is None:
        return model._raw_predict(transformed, n_threads=threads)[:, 0]
    data = model._preprocess_X(transformed, reset=False)
    raw = np.zeros((data.shape[0], 1), dtype=model._baseline_prediction.dtype, order="F")
    model._predict_iterations(data, iterations, raw, False, threads)
    return raw[:, 0]


def _dense(transformed: object) -> np.ndarray:
    return np.asarray(transformed, dtype=np.float64)
