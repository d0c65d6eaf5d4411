"""Churn pipelines, calibration and the fitted :class:`ChurnModel`.

Two scikit-learn pipelines over the same :class:`~cxbridge.models.churn.tabular.FeatureSpec`:

* ``logistic``: median-imputed, standardised numbers and one-hot categories (unknown
  categories at predict time are ignored, blanks are a category of their own) into an
  L2-regularised logistic regression: the baseline.
* ``gbm``: a shallow, regularised ``HistGradientBoostingClassifier`` with native categorical
  splits (categories ordinal-encoded; unknown and blank ones are missing values) and early
  stopping on an internal validation share.

Each is wrapped in ``CalibratedClassifierCV(method="sigmoid", ensemble=False)``: clones fitted
on part of the training rows predict the rest, a sigmoid is fitted to those out-of-fold
predictions, and the model fitted on all training rows is served through it, so calibration
never sees predictions on rows the model was fitted on. ``blend`` averages the two calibrated
probabilities; it is the default because it is declared up front rather than picked after
looking at the scores.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler
from threadpoolctl import threadpool_limits

from cxbridge.models.churn.reasons import background_values, reason_codes, typical_values
from cxbridge.models.churn.splits import stratified_splits
from cxbridge.models.churn.swapping import SwapPredictor
from cxbridge.models.churn.tabular import (
    ChurnDataError,
    FeatureSpec,
    encode_label,
    infer_feature_spec,
)
from cxbridge.models.churn.tabular import prepare as prepare_matrix

MODEL_KINDS: tuple[str, ...] = ("logistic", "gbm", "blend")
DEFAULT_KIND = "blend"
BLANK_CATEGORY = "(blank)"
MAX_CATEGORIES = 60
CALIBRATION_FOLDS = 3
# Boosted trees use OpenMP; its threads spin-wait and collapse when other processes want the
# cores (the same Telco fit took 2.3 s on one thread and 20 s on two on a busy 2-core box).
OPENMP_THREADS = 1


def logistic_pipeline(spec: FeatureSpec) -> Pipeline:
    """Imputed, scaled numbers and one-hot categories into a logistic regression."""
    numbers = spec.of_kind("numeric") + spec.of_kind("binary")
    columns = ColumnTransformer(
        [("numbers", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numbers),
         ("categories", make_pipeline(
             SimpleImputer(strategy="constant", fill_value=BLANK_CATEGORY),
             OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=5,
                           max_categories=MAX_CATEGORIES)), spec.of_kind("categorical"))],
        sparse_threshold=0.0)
    return make_pipeline(columns, LogisticRegression(C=1.0, max_iter=5000))


def gbm_pipeline(spec: FeatureSpec, seed: int = 0) -> Pipeline:
    """Numbers as they are and ordinal-coded categories into a shallow boosted-tree model."""
    numbers = spec.of_kind("numeric") + spec.of_kind("binary")
    categories = spec.of_kind("categorical")
    columns = ColumnTransformer(
        [("numbers", "passthrough", numbers),
         ("categories", make_pipeline(
             SimpleImputer(strategy="constant", fill_value=BLANK_CATEGORY),
             OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan,
                            max_categories=MAX_CATEGORIES)), categories)],
        sparse_threshold=0.0)
    boosted = HistGradientBoostingClassifier(
        learning_rate=0.05, max_iter=500, max_depth=3, min_samples_leaf=40,
        l2_regularization=1.0, early_stopping=True, validation_fraction=0.15,
        n_iter_no_change=20, categorical_features=[False] * len(numbers) + [True] * len(categories),
        random_state=seed)
    return make_pipeline(columns, boosted)


def calibrated(pipeline: Pipeline, splits: list[tuple[np.ndarray, np.ndarray]]
               ) -> CalibratedClassifierCV:
    """The pipeline behind a sigmoid fitted on out-of-fold predictions over ``splits``
    (:func:`calibration_splits`)."""
    return CalibratedClassifierCV(pipeline, method="sigmoid", cv=splits, ensemble=False)


def calibration_splits(y: np.ndarray, groups: np.ndarray | None, seed: int
                       ) -> list[tuple[np.ndarray, np.ndarray]]:
    """The calibration folds, stratified (and grouped if asked), shared by every estimator."""
    return stratified_splits(y, CALIBRATION_FOLDS, seed, groups)


def fit_estimators(matrix: pl.DataFrame, y: np.ndarray, spec: FeatureSpec, kind: str,
                   groups: np.ndarray | None = None, seed: int = 0
                   ) -> dict[str, CalibratedClassifierCV]:
    """Calibrated ``logistic`` and/or ``gbm`` estimators fitted on a prepared matrix."""
    if kind not in MODEL_KINDS:
        raise ChurnDataError(f"unknown model kind {kind!r}; use one of {', '.join(MODEL_KINDS)}")
    names = ("logistic", "gbm") if kind == "blend" else (kind,)
    builders = {"logistic": lambda: logistic_pipeline(spec),
                "gbm": lambda: gbm_pipeline(spec, seed)}
    splits = calibration_splits(y, groups, seed)
    with threadpool_limits(OPENMP_THREADS, user_api="openmp"):
        return {name: calibrated(builders[name](), splits).fit(matrix, y) for name in names}


def component_probabilities(estimators: Mapping[str, CalibratedClassifierCV],
                            matrix: pl.DataFrame) -> dict[str, np.ndarray]:
    """Each fitted estimator's churn probability, plus their ``blend`` when there are two."""
    with threadpool_limits(OPENMP_THREADS, user_api="openmp"):
        out = {name: est.predict_proba(matrix)[:, 1] for name, est in estimators.items()}
    if len(out) > 1:
        out["blend"] = np.mean(list(out.values()), axis=0)
    return out


@dataclass
class ChurnModel:
    """A fitted churn model: feature spec, calibrated estimators, what reasons compare with."""

    spec: FeatureSpec
    label: str
    positive: str
    id_column: str | None
    kind: str
    estimators: dict[str, CalibratedClassifierCV]
    typical: dict[str, object]
    background: dict[str, tuple[list, list[float]]]
    training_rows: int
    positive_rate: float
    seed: int = 0

    def prepare(self, frame: pl.DataFrame) -> pl.DataFrame:
        return prepare_matrix(frame, self.spec)

    def predict_matrix(self, matrix: pl.DataFrame) -> np.ndarray:
        """Churn probabilities for an already prepared matrix (see :meth:`prepare`)."""
        return component_probabilities(self.estimators, matrix)[self.kind]

    def predict_proba(self, frame: pl.DataFrame) -> np.ndarray:
        """Calibrated probability of churn, one per row of ``frame``."""
        return self.predict_matrix(self.prepare(frame))

    def score(self, frame: pl.DataFrame) -> pl.DataFrame:
        """``frame``'s identifier (when the model has one) and a ``churn_risk`` column."""
        risk = pl.Series("churn_risk", self.predict_proba(frame))
        ids = self._ids(frame)
        return risk.to_frame() if ids is None else ids.to_frame().with_columns(risk)

    def reasons(self, frame: pl.DataFrame, k: int = 3, *,
                templates: Mapping[str, str] | None = None,
                network: Sequence[str] | None = None) -> pl.DataFrame:
        """Each customer's top ``k`` risk drivers; see
        :func:`cxbridge.models.churn.reasons.reason_codes`.

        ``templates`` / ``network`` override the wording stored with the model.
        """
        spec = self.spec.with_wording(templates, network) if templates or network else self.spec
        matrix = self.prepare(frame)
        swap = (SwapPredictor(self.estimators, self.kind, matrix, OPENMP_THREADS)
                if SwapPredictor.supports(self.estimators) and matrix.height else None)
        return reason_codes(self.predict_matrix, matrix, spec, self.background,
                            self.typical, ids=self._ids(frame), k=k, swap=swap)

    def _ids(self, frame: pl.DataFrame) -> pl.Series | None:
        if self.id_column is None:
            return None
        if self.id_column not in frame.columns:
            raise ChurnDataError(f"id column {self.id_column!r} is missing from the frame")
        return frame.get_column(self.id_column)


def fit(frame: pl.DataFrame, label: str, *, positive: object | None = None,
        id_column: str | None = None, feature_spec: FeatureSpec | None = None,
        kind: str = DEFAULT_KIND, group_by_id: bool = False, seed: int = 0) -> ChurnModel:
    """Fit a calibrated churn model on ``frame``; types are inferred unless a spec is given.

    ``group_by_id`` keeps all rows of one customer (several monthly snapshots) on the same
    side of the calibration split.
    """
    if id_column is not None and id_column not in frame.columns:
        raise ChurnDataError(f"id column {id_column!r} is not in the table; columns are: "
                             f"{', '.join(frame.columns)}")
    y, positive_text = encode_label(frame, label, positive)
    fewest = int(min(y.sum(), len(y) - y.sum()))
    if fewest < 2 * CALIBRATION_FOLDS:
        raise ChurnDataError(f"{label!r} = {positive_text!r} on {int(y.sum())} of {len(y)} rows; "
                             f"fitting with calibration needs at least {2 * CALIBRATION_FOLDS} "
                             f"rows of each outcome")
    spec = feature_spec or infer_feature_spec(frame, label=label, id_column=id_column)
    matrix = prepare_matrix(frame, spec)
    groups = _groups(frame, id_column) if group_by_id else None
    estimators = fit_estimators(matrix, y, spec, kind, groups, seed)
    return ChurnModel(spec=spec, label=label, positive=positive_text, id_column=id_column,
                      kind=kind, estimators=estimators,
                      typical=typical_values(matrix, spec),
                      background=background_values(matrix, spec), training_rows=len(y),
                      positive_rate=float(y.mean()), seed=seed)


def _groups(frame: pl.DataFrame, id_column: str | None) -> np.ndarray:
    if id_column is None or id_column not in frame.columns:
        raise ChurnDataError("grouping by customer needs the id column (--id)")
    return frame.get_column(id_column).cast(pl.String).to_numpy()
