"""Models on any operator's table, chosen by validation: churn (0/1) or multi-class/ordinal
labels (fault severity 0/1/2), with keyed side tables, grouped reasons and risk bands.

Candidates, over the same :class:`~cxbridge.models.churn.tabular.FeatureSpec`:

* ``logistic``: L2-regularised logistic regression (multinomial for several classes) on
  imputed, scaled numbers (linear and as cubic splines over their quantiles) and one-hot
  categories;
* ``gbm``: shallow, strongly regularised boosted trees (depth 3, 40 rows per leaf);
* ``gbm_wide``: boosted trees with the library's default shape (31 leaves, 20 rows per leaf),
  for tables where interactions matter;
* ``blend`` / ``blend_wide``: the mean of ``logistic`` and the respective trees;
* ``gbm_plain``: boosted trees with the library's default settings (no early stopping): the
  baseline's model as a candidate, so that selection can fall back on it where it is best (on
  a small table early stopping's held-out share can cost more than it saves).

Rare categories (seen on fewer than ``rare_count(rows)`` training rows) are pooled into one
level by every candidate. Each candidate's probabilities are calibrated by a logistic fit on
its own out-of-fold predictions over ``inner`` stratified folds of the training rows; the
same out-of-fold predictions, calibrated, choose the winner by log loss (a proper score: it
rewards ranking and honest probabilities alike), simplest first on ties. The winner is then
refitted on every training row and served through its calibrator.

:func:`nested_cross_validate` repeats all of that inside each outer fold, so the figure it
reports is that of the whole procedure (selection included) on rows it never saw, beside a
plain gradient-boosting baseline (the library's defaults, same features, same folds).
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import polars as pl
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, log_loss
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import (
    OneHotEncoder,
    OrdinalEncoder,
    QuantileTransformer,
    SplineTransformer,
    StandardScaler,
)
from threadpoolctl import threadpool_limits

from cxbridge.models.churn import metrics
from cxbridge.models.churn.reasons import (
    frequent_levels,
    group_backgrounds,
    grouped_reason_codes,
    overlap,
    quiet_features,
    reason_groups,
    reason_ranking,
    top_sets,
    typical_values,
)
from cxbridge.models.churn.sides import (
    SideSpec,
    apply_side,
    check_key,
    check_overlap,
    learn_side,
    side_name,
)
from cxbridge.models.churn.splits import stratified_splits
from cxbridge.models.churn.tabular import (
    ChurnDataError,
    FeatureSpec,
    Target,
    encode_target,
    infer_feature_spec,
    label_warnings,
    leak_warnings,
    parse_dates,
)
from cxbridge.models.churn.tabular import prepare as prepare_matrix

COMPONENTS = ("logistic", "gbm", "gbm_wide", "gbm_plain")
CANDIDATES: dict[str, tuple[str, ...]] = {
    "logistic": ("logistic",), "gbm": ("gbm",), "gbm_wide": ("gbm_wide",),
    "blend": ("logistic", "gbm"), "blend_wide": ("logistic", "gbm_wide"),
    "gbm_plain": ("gbm_plain",)}
BLANK_CATEGORY = "(blank)"
MAX_CATEGORIES = 60
INNER_FOLDS = 3
OPENMP_THREADS = 1   # OpenMP and BLAS: see modelling.OPENMP_THREADS; BLAS threads on small
#                      matrices under load were slower still (lbfgs at 1.5 s a fit)
HIGH_SHARE, MEDIUM_SHARE = 0.10, 0.30   # risk bands: riskiest tenth, next fifth
REASONS = 3
MIN_CONTRIBUTION = 0.002
MIN_IMPORTANCE = 0.0002   # rise in held-out log loss below which a column is not a reason
STABILITY_ROWS = 300
REASON_ROWS = 400      # per outer fold: the rows explained for the overall reason ranking


def rare_count(rows: int) -> int:
    """Categories seen on fewer training rows than this are pooled into one level."""
    return max(10, math.ceil(0.005 * rows))


# --- the candidates ----------------------------------------------------------------------


def _numbers(spec: FeatureSpec) -> list[str]:
    return spec.of_kind("numeric") + spec.of_kind("binary")


def logistic_pipeline(spec: FeatureSpec, rows: int) -> Pipeline:
    """Numbers enter linearly and as smooth curves (cubic splines over their quantiles), so
    a risk that rises then flattens (tenure) needs no hand-made bins."""
    numeric = spec.of_kind("numeric")
    columns = ColumnTransformer(
        [("numbers", make_pipeline(SimpleImputer(strategy="median", keep_empty_features=True),
                                   StandardScaler()), _numbers(spec)),
         ("curves", make_pipeline(SimpleImputer(strategy="median", keep_empty_features=True),
                                  QuantileTransformer(n_quantiles=min(200, rows)),
                                  SplineTransformer(n_knots=4, knots="uniform"),
                                  StandardScaler()), numeric),
         ("categories", make_pipeline(
             SimpleImputer(strategy="constant", fill_value=BLANK_CATEGORY),
             OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=rare_count(rows),
                           max_categories=MAX_CATEGORIES)), spec.of_kind("categorical"))],
        sparse_threshold=0.0)
    return make_pipeline(columns, LogisticRegression(C=1.0, max_iter=5000))


def gbm_pipeline(spec: FeatureSpec, rows: int, seed: int = 0, *, wide: bool = False,
                 plain: bool = False, pool: bool = True) -> Pipeline:
    """Boosted trees with native categorical splits; ``plain`` is the library's defaults
    (with ``pool``, rare levels pooled as every candidate does; the baseline does not)."""
    numbers, categories = _numbers(spec), spec.of_kind("categorical")
    encoder = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan,
                             max_categories=MAX_CATEGORIES,
                             min_frequency=rare_count(rows) if pool else None)
    columns = ColumnTransformer(
        [("numbers", "passthrough", numbers),
         ("categories", make_pipeline(
             SimpleImputer(strategy="constant", fill_value=BLANK_CATEGORY), encoder),
          categories)], sparse_threshold=0.0)
    flags = [False] * len(numbers) + [True] * len(categories)
    if plain:
        boosted = HistGradientBoostingClassifier(categorical_features=flags, random_state=seed)
    elif wide:
        boosted = HistGradientBoostingClassifier(
            learning_rate=0.05, max_iter=600, max_leaf_nodes=31, min_samples_leaf=20,
            l2_regularization=1.0, early_stopping=True, validation_fraction=0.15,
            n_iter_no_change=20, categorical_features=flags, random_state=seed)
    else:
        boosted = HistGradientBoostingClassifier(
            learning_rate=0.05, max_iter=500, max_depth=3, min_samples_leaf=40,
            l2_regularization=1.0, early_stopping=True, validation_fraction=0.15,
            n_iter_no_change=20, categorical_features=flags, random_state=seed)
    return make_pipeline(columns, boosted)


def build(name: str, spec: FeatureSpec, rows: int, seed: int) -> Pipeline:
    if name == "logistic":
        return logistic_pipeline(spec, rows)
    if name == "gbm":
        return gbm_pipeline(spec, rows, seed)
    if name == "gbm_wide":
        return gbm_pipeline(spec, rows, seed, wide=True)
    if name == "gbm_plain":
        return gbm_pipeline(spec, rows, seed, plain=True)
    if name == "baseline":
        return gbm_pipeline(spec, rows, seed, plain=True, pool=False)
    raise ValueError(name)


class Calibrator:
    """A logistic fit on the log of out-of-fold probabilities (Platt scaling for two classes,
    its multinomial form for more)."""

    def __init__(self, classes: int):
        self.classes = classes
        self.model: LogisticRegression | None = None

    @staticmethod
    def _inputs(p: np.ndarray) -> np.ndarray:
        p = np.clip(p, 1e-6, 1 - 1e-6)
        if p.shape[1] == 2:
            return np.log(p[:, 1:] / p[:, :1])
        return np.log(p)

    def fit(self, oof: np.ndarray, y: np.ndarray) -> Calibrator:
        self.model = LogisticRegression(C=100.0, max_iter=2000).fit(self._inputs(oof), y)
        return self

    def __call__(self, p: np.ndarray) -> np.ndarray:
        assert self.model is not None
        return self.model.predict_proba(self._inputs(p))


def inner_splits(y: np.ndarray, folds: int, seed: int, groups: np.ndarray | None = None
                 ) -> list[tuple[np.ndarray, np.ndarray]]:
    return stratified_splits(y, folds, seed, groups)


def _proba(estimator: Pipeline, matrix: pl.DataFrame, classes: int) -> np.ndarray:
    """Probabilities over all ``classes`` (a class absent from training gets 0)."""
    raw = estimator.predict_proba(matrix)
    if raw.shape[1] == classes:
        return raw
    out = np.zeros((len(raw), classes))
    out[:, estimator.classes_.astype(int)] = raw
    return out


@dataclass
class Selection:
    """The winner of a selection and every candidate's inner-fold figures."""

    winner: str
    components: dict[str, tuple[Pipeline, Calibrator]]
    candidates: dict[str, dict[str, float]]
    oof: np.ndarray       # the winner's calibrated out-of-fold probabilities
    # per component: inner folds × reason groups, the rise in held-out log loss when the
    # group's columns are shuffled (permutation importance); None when not measured
    importance: dict[str, np.ndarray] | None = None

    def weak_groups(self, kind: str | None = None) -> np.ndarray | None:
        """Per reason group: True when shuffling it did not measurably hurt the chosen model
        on held-out rows (mean rise under 2 standard errors over the inner folds, or under
        ``MIN_IMPORTANCE``): such a column is not quoted as a reason."""
        if not self.importance:
            return None
        folds = np.mean([self.importance[n] for n in CANDIDATES[kind or self.winner]], axis=0)
        mean = folds.mean(axis=0)
        error = folds.std(axis=0) / np.sqrt(len(folds))
        return (mean < MIN_IMPORTANCE) | (mean < 2 * error)

    def predict(self, matrix: pl.DataFrame, kind: str | None = None) -> np.ndarray:
        names = CANDIDATES[kind or self.winner]
        with threadpool_limits(OPENMP_THREADS):
            parts = [calibrate(_proba(estimator, matrix, calibrate.classes))
                     for estimator, calibrate in (self.components[n] for n in names)]
        return np.mean(parts, axis=0)


def select(matrix: pl.DataFrame, y: np.ndarray, spec: FeatureSpec, classes: int, *,
           groups: np.ndarray | None = None, seed: int = 0, inner: int = INNER_FOLDS,
           fit_all: bool = False, explain: list[tuple[str, ...]] | None = None
           ) -> Selection:
    """Compare the candidates on ``inner`` folds; refit the winner (or all) on every row.
    With ``explain`` (reason groups), also measure each group's permutation importance on the
    held-out part of every inner fold."""
    splits = inner_splits(y, inner, seed, groups)
    rows = len(y)
    oof: dict[str, np.ndarray] = {}
    calibrators: dict[str, Calibrator] = {}
    importance: dict[str, np.ndarray] = {}
    shuffles = np.random.default_rng(seed)
    with threadpool_limits(OPENMP_THREADS):
        for name in COMPONENTS:
            raw = np.zeros((rows, classes))
            if explain:
                importance[name] = np.zeros((len(splits), len(explain)))
            for number, (train, test) in enumerate(splits):
                estimator = build(name, spec, len(train), seed).fit(matrix[train], y[train])
                raw[test] = _proba(estimator, matrix[test], classes)
                if explain:
                    importance[name][number] = _permutation(
                        estimator, matrix[test], y[test], raw[test], explain, classes,
                        shuffles.permutation(len(test)))
            calibrators[name] = Calibrator(classes).fit(raw, y)
            oof[name] = calibrators[name](raw)
    candidates, calibrated = {}, {}
    for kind, names in CANDIDATES.items():
        calibrated[kind] = np.mean([oof[n] for n in names], axis=0)
        candidates[kind] = figures(y, calibrated[kind], classes)
    winner = min(CANDIDATES, key=lambda kind: (round(candidates[kind]["log_loss"], 4),
                                               list(CANDIDATES).index(kind)))
    needed = COMPONENTS if fit_all else CANDIDATES[winner]
    components = {}
    with threadpool_limits(OPENMP_THREADS):
        for name in needed:
            components[name] = (build(name, spec, rows, seed).fit(matrix, y), calibrators[name])
    return Selection(winner, components, candidates, calibrated[winner], importance or None)


def _permutation(estimator: Pipeline, matrix: pl.DataFrame, y: np.ndarray, base: np.ndarray,
                 groups: list[tuple[str, ...]], classes: int, order: np.ndarray) -> np.ndarray:
    """Per group: held-out log loss with the group's columns shuffled together, minus as is."""
    labels = list(range(classes))
    before = log_loss(y, np.clip(base, 1e-12, 1), labels=labels)
    out = np.empty(len(groups))
    for j, members in enumerate(groups):
        shuffled = matrix.with_columns([matrix.get_column(m).gather(order) for m in members])
        after = _proba(estimator, shuffled, classes)
        out[j] = log_loss(y, np.clip(after, 1e-12, 1), labels=labels) - before
    return out


def figures(y: np.ndarray, p: np.ndarray, classes: int) -> dict[str, float]:
    """Binary: ROC AUC, PR AUC, Brier, top-decile lift, log loss. Several classes: log loss,
    accuracy, and (ordinal use) the mean absolute error of the expected class."""
    out = {"log_loss": float(log_loss(y, np.clip(p, 1e-12, 1), labels=list(range(classes))))}
    if classes == 2:
        summary = metrics.summary(y, p[:, 1])
        out |= {k: summary[k] for k in ("roc_auc", "pr_auc", "brier", "lift_top_decile")}
    else:
        out["accuracy"] = float(accuracy_score(y, p.argmax(axis=1)))
        out["mae_expected"] = float(np.abs(p @ np.arange(classes) - y).mean())
    return out


# --- the table, the fitted model ------------------------------------------------------------


@dataclass
class TableModel:
    """A model fitted on an operator's table, chosen by validation; see the module doc."""

    spec: FeatureSpec
    target: Target
    id_column: str | None
    time_column: str | None
    sides: tuple[SideSpec, ...]
    selection: Selection
    typical: dict[str, object]
    groups: list[tuple[str, ...]]
    backgrounds: list[tuple[pl.DataFrame, list[float]]]
    quiet: dict[str, str]
    frequent: dict[str, list[str]]
    bands: dict[str, float]
    training_rows: int
    class_rates: dict[str, float]
    seed: int = 0
    stability: dict = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return self.selection.winner

    @property
    def classes(self) -> int:
        return len(self.target.classes)

    def table(self, frame: pl.DataFrame, sides: Mapping[str, pl.DataFrame] | None = None
              ) -> pl.DataFrame:
        """``frame`` with the side tables' columns joined as at training."""
        return join_sides(frame, self.sides, sides or {})

    def predict_matrix(self, matrix: pl.DataFrame) -> np.ndarray:
        return self.selection.predict(matrix)

    def risk(self, proba: np.ndarray) -> np.ndarray:
        """One number per row to rank and band by: P(positive), the expected class of an
        ordinal label, or 1 − P(first class) otherwise."""
        if self.target.binary:
            return proba[:, 1]
        if self.target.ordinal:
            return proba @ np.arange(self.classes)
        return 1.0 - proba[:, 0]

    def band(self, risk: np.ndarray) -> list[str]:
        return np.where(risk >= self.bands["high"], "high",
                        np.where(risk >= self.bands["medium"], "medium", "low")).tolist()

    def reasons(self, matrix: pl.DataFrame, ids: pl.Series | None, k: int = REASONS
                ) -> pl.DataFrame:
        """Top ``k`` reason groups per row: what raises this row's risk (see :meth:`risk`)."""
        return grouped_reason_codes(lambda m: self.risk(self.predict_matrix(m)), matrix,
                                    self.spec, self.groups, self.backgrounds, self.typical,
                                    ids=ids, k=k, min_contribution=self.min_contribution,
                                    quiet=self.quiet, frequent=self.frequent)

    @property
    def min_contribution(self) -> float:
        return MIN_CONTRIBUTION * (self.classes - 1 if self.target.ordinal else 1)

    def score(self, frame: pl.DataFrame, sides: Mapping[str, pl.DataFrame] | None = None,
              k: int = REASONS) -> pl.DataFrame:
        """One row per input row, in order: id, probabilities, band, ``k`` reasons."""
        check_ids(frame, self.id_column, "the table to score", allow_repeats=False)
        joined = self.table(frame, sides)
        matrix = prepare_matrix(joined, self.spec, strict=True)
        proba = self.predict_matrix(matrix)
        risk = self.risk(proba)
        out = (frame.select(self.id_column) if self.id_column else
               pl.DataFrame({"row": pl.Series(np.arange(1, frame.height + 1), dtype=pl.Int64)}))
        if self.target.binary:
            out = out.with_columns(pl.Series("probability", proba[:, 1]))
        else:
            out = out.with_columns([pl.Series(f"p_{c}", proba[:, i])
                                    for i, c in enumerate(self.target.classes)])
            out = out.with_columns(pl.Series("predicted", [self.target.classes[i] for i in
                                                           proba.argmax(axis=1)]))
            if self.target.ordinal:
                out = out.with_columns(pl.Series("expected", risk))
        out = out.with_columns(pl.Series("risk_band", self.band(risk)))
        key = pl.Series("__row", np.arange(frame.height))
        reasons = self.reasons(matrix, key, k)
        wide = {f"reason_{r}": [None] * frame.height for r in range(1, k + 1)}
        network = [False] * frame.height
        for row, rank, text, flagged in reasons.select("__row", "rank", "reason",
                                                       "network").iter_rows():
            wide[f"reason_{rank}"][row] = text
            network[row] = network[row] or flagged
        return out.with_columns([pl.Series(name, values, dtype=pl.String)
                                 for name, values in wide.items()]
                                + [pl.Series("network_reason", network)])


def check_ids(frame: pl.DataFrame, id_column: str | None, what: str, *,
              allow_repeats: bool) -> None:
    if id_column is None:
        return
    if id_column not in frame.columns:
        raise ChurnDataError(f"id column {id_column!r} is not in the table; columns are: "
                             f"{', '.join(frame.columns)}")
    ids = frame.get_column(id_column)
    if ids.null_count() or ids.cast(pl.String).str.strip_chars().eq("").any():
        raise ChurnDataError(f"id column {id_column!r} is blank on some rows of {what}")
    if not allow_repeats and ids.n_unique() < frame.height:
        counts = ids.value_counts(sort=True, name="n").filter(pl.col("n") > 1)
        first = counts.row(0)
        raise ChurnDataError(f"id column {id_column!r} repeats in {what}: {counts.height} id(s) "
                             f"on more than one row (e.g. {first[0]!r} × {first[1]}); one row "
                             f"per id is expected" + ("" if what == "the table to score" else
                                                      " (pass --time COL if rows are dated "
                                                      "snapshots of the same ids)"))


def learn_sides(frame: pl.DataFrame, sides: Mapping[str, tuple[str, pl.DataFrame]]
                ) -> tuple[SideSpec, ...]:
    """``sides``: name → (key, table)."""
    out = []
    for name, (key, side) in sides.items():
        check_key(frame, side, key, name)
        check_overlap(frame, side, key, name)
        out.append(learn_side(side, key, side_name(name)))
    return tuple(out)


def join_sides(frame: pl.DataFrame, specs: Sequence[SideSpec],
               sides: Mapping[str, pl.DataFrame]) -> pl.DataFrame:
    """``sides``: side name (as in the spec) → its table."""
    if specs and not sides:
        raise ChurnDataError(f"the model was trained with side table(s) "
                             f"{', '.join(s.name for s in specs)}: pass them with --side")
    by_name = {side_name(name): table for name, table in sides.items()}
    for spec in specs:
        if spec.name not in by_name:
            raise ChurnDataError(f"side table {spec.name!r} is missing (the model was trained "
                                 f"with it); given: {', '.join(by_name) or 'none'}")
        check_key(frame, by_name[spec.name], spec.key, spec.name)
        frame = apply_side(frame, by_name[spec.name], spec)
    return frame


@dataclass
class Prepared:
    """A training table made ready: joined, typed, labelled, checked."""

    frame: pl.DataFrame
    matrix: pl.DataFrame
    y: np.ndarray
    target: Target
    spec: FeatureSpec
    sides: tuple[SideSpec, ...]
    groups: np.ndarray | None
    times: pl.Series | None
    # what a person should know about the table (label read loosely, a column that alone
    # tells the outcome apart): printed by the commands, kept in the report and the card
    warnings: list[str] = field(default_factory=list)


def prepare_table(frame: pl.DataFrame, label: str, *, positive: object | None = None,
                  id_column: str | None = None, time_column: str | None = None,
                  sides: Mapping[str, tuple[str, pl.DataFrame]] | None = None,
                  network: Iterable[str] = (), exclude: Iterable[str] = ()) -> Prepared:
    """Check, join and type a training table (see :func:`fit_table`)."""
    y, target = encode_target(frame, label, positive)
    check_ids(frame, id_column, "the training table", allow_repeats=time_column is not None)
    times = None
    if time_column is not None:
        if time_column not in frame.columns:
            raise ChurnDataError(f"time column {time_column!r} is not in the table; columns "
                                 f"are: {', '.join(frame.columns)}")
        times = _times(frame.get_column(time_column))
    side_specs = learn_sides(frame, sides or {})
    joined = join_sides(frame, side_specs, {name: t for name, (_, t) in (sides or {}).items()})
    keys = {s.key for s in side_specs} - {id_column}
    unknown = sorted(set(exclude) - set(joined.columns))
    if unknown:
        raise ChurnDataError(f"--exclude names column(s) not in the table: {', '.join(unknown)}"
                             f"; columns are: {', '.join(joined.columns)}")
    spec = infer_feature_spec(joined, label=label, id_column=id_column,
                              exclude=[*exclude, *([time_column] if time_column else []),
                                       *keys], network=network, guess_numeric_ids=True)
    groups = None
    if id_column is not None and frame.get_column(id_column).n_unique() < frame.height:
        groups = frame.get_column(id_column).cast(pl.String).to_numpy()
    matrix = prepare_matrix(joined, spec)
    warnings = [*label_warnings(frame, label, target),
                *leak_warnings(matrix, y, spec, len(target.classes))]
    return Prepared(joined, matrix, y, target, spec, side_specs, groups, times, warnings)


def _times(column: pl.Series) -> pl.Series:
    if column.dtype.is_temporal():
        return column.cast(pl.Datetime)
    parsed = parse_dates(column.cast(pl.String))
    if parsed is None or parsed.null_count() > 0:
        raise ChurnDataError(f"time column {column.name!r} does not read as dates on every row "
                             f"(formats tried: YYYY-MM-DD, DD/MM/YYYY, MM/DD/YYYY, …)")
    return parsed


def check_class_sizes(y: np.ndarray, target: Target, needed: int, why: str,
                      hint: str | None = None) -> None:
    counts = np.bincount(y, minlength=len(target.classes))
    small = [(target.classes[i], int(n)) for i, n in enumerate(counts) if n < needed]
    if not small:
        return
    listed = ", ".join(f"{c!r}: {n}" for c, n in small[:5])
    if len(small) > 5:
        listed += f", … ({len(small)} of its {len(target.classes)} values)"
    if target.binary:
        advice = hint or "a larger table is needed"
        raise ChurnDataError(f"label {target.label!r} has too few rows of an outcome ({listed}); "
                             f"{why} needs at least {needed} of each: {advice}")
    advice = hint or "merge rare classes"
    raise ChurnDataError(f"label {target.label!r} has too few rows of class(es) {listed}; "
                         f"{why} needs at least {needed} of each ({advice})")


def fit_table(prepared: Prepared, *, seed: int = 0, inner: int = INNER_FOLDS,
              stability: int = 0) -> TableModel:
    """Select and fit on a prepared table; ``stability`` bootstrap refits measure how much
    the top reasons move (0: skip)."""
    check_class_sizes(prepared.y, prepared.target, 2 * inner, f"{inner}-fold model selection")
    groups = reason_groups(prepared.matrix, prepared.spec, seed=seed)
    selection = select(prepared.matrix, prepared.y, prepared.spec,
                       len(prepared.target.classes), groups=prepared.groups, seed=seed,
                       inner=inner, explain=groups)
    model = _assemble(prepared, selection, seed, groups)
    if stability:
        model.stability = reason_stability(model, prepared, stability, seed)
    return model


def _assemble(prepared: Prepared, selection: Selection, seed: int,
              groups: list[tuple[str, ...]]) -> TableModel:
    matrix, spec, rows = prepared.matrix, prepared.spec, len(prepared.y)
    counts = np.bincount(prepared.y, minlength=len(prepared.target.classes))
    quiet = quiet_features(matrix, spec)
    weak = selection.weak_groups()
    for members, is_weak in zip(groups, [] if weak is None else weak, strict=False):
        if is_weak:
            for name in members:
                quiet.setdefault(name, "no measurable effect on held-out rows (shuffling it "
                                       "did not raise the log loss): not quoted as a reason")
    model = TableModel(
        spec=spec, target=prepared.target, id_column=_id_of(prepared),
        time_column=None if prepared.times is None else prepared.times.name,
        sides=prepared.sides, selection=selection,
        typical=typical_values(matrix, spec), groups=groups,
        backgrounds=group_backgrounds(matrix, spec, groups), quiet=quiet,
        frequent=frequent_levels(matrix, spec, rare_count(rows)), bands={}, training_rows=rows,
        class_rates={c: float(n / rows) for c, n in zip(prepared.target.classes, counts,
                                                         strict=True)}, seed=seed)
    risk = model.risk(selection.oof)
    model.bands = {"high": float(np.quantile(risk, 1 - HIGH_SHARE)),
                   "medium": float(np.quantile(risk, 1 - MEDIUM_SHARE))}
    return model


def _id_of(prepared: Prepared) -> str | None:
    excluded = prepared.spec.excluded
    return next((name for name, why in excluded.items() if why == "identifier"), None)


def reason_stability(model: TableModel, prepared: Prepared, refits: int, seed: int) -> dict:
    """Refit the chosen model on ``refits`` bootstrap samples; how far do reasons agree with
    the full model's on the same rows (mean share of the top-3 in common, and how often the
    first reason is the same)?"""
    rng = np.random.default_rng(seed)
    rows = len(prepared.y)
    sample = np.sort(rng.choice(rows, min(STABILITY_ROWS, rows), replace=False))
    matrix = prepared.matrix[sample]
    key = pl.Series("__row", sample)
    reference = model.reasons(matrix, key)
    base_sets = top_sets(reference, "__row", sample.tolist())
    base_first = _firsts(reference, sample)
    overlaps, firsts = [], []
    for _ in range(refits):
        draw = rng.choice(rows, rows, replace=True)
        if np.bincount(prepared.y[draw], minlength=model.classes).min() < 2 * INNER_FOLDS:
            continue
        refit = select(prepared.matrix[draw], prepared.y[draw], prepared.spec, model.classes,
                       seed=seed, fit_all=False)
        names = CANDIDATES[model.kind]
        if not set(names) <= set(refit.components):   # the bootstrap chose otherwise: refit ours
            refit = _refit_kind(prepared, draw, model.kind, seed)
        refit.winner = model.kind
        twin = TableModel(**{**model.__dict__, "selection": refit})
        again = twin.reasons(matrix, key)
        overlaps.append(overlap(base_sets, top_sets(again, "__row", sample.tolist())))
        firsts.append(float(np.mean(_firsts(again, sample) == base_first)))
    if not overlaps:
        return {"skipped": "too few rows of some class for bootstrap refits"}
    return {"refits": len(overlaps), "rows": len(sample), "model": model.kind,
            "top3_overlap": float(np.mean(overlaps)), "top3_overlap_min": float(min(overlaps)),
            "first_reason_same": float(np.mean(firsts))}


def _refit_kind(prepared: Prepared, draw: np.ndarray, kind: str, seed: int) -> Selection:
    matrix, y = prepared.matrix[draw], prepared.y[draw]
    classes = len(prepared.target.classes)
    splits = inner_splits(y, INNER_FOLDS, seed)
    components = {}
    with threadpool_limits(OPENMP_THREADS):
        for name in CANDIDATES[kind]:
            raw = np.zeros((len(y), classes))
            for train, test in splits:
                raw[test] = _proba(build(name, prepared.spec, len(train), seed)
                                   .fit(matrix[train], y[train]), matrix[test], classes)
            components[name] = (build(name, prepared.spec, len(y), seed).fit(matrix, y),
                                Calibrator(classes).fit(raw, y))
    return Selection(kind, components, {}, np.empty((0, classes)))


def _firsts(reasons: pl.DataFrame, rows: np.ndarray) -> np.ndarray:
    first = dict(reasons.filter(pl.col("rank") == 1).select("__row", "feature").iter_rows())
    return np.array([first.get(int(r), "") for r in rows], dtype=object)


# --- honest figures -------------------------------------------------------------------------


def nested_cross_validate(prepared: Prepared, *, folds: int = 5, inner: int = INNER_FOLDS,
                          seed: int = 0, reasons: bool = True) -> dict:
    """Outer ``folds``: select on inner folds of the outer-training rows, measure on the
    outer-test rows; every candidate, the selected one and the plain baseline on the same
    folds. With ``reasons``, each outer model explains its test rows (the overall ranking)."""
    started = time.perf_counter()
    y, target, classes = prepared.y, prepared.target, len(prepared.target.classes)
    check_sizes(y, target, folds, inner)
    splits = inner_splits(y, folds, seed, prepared.groups)
    names = [*CANDIDATES, "selected", "baseline"]
    pooled = {name: np.zeros((len(y), classes)) for name in names}
    per_fold, explained, explained_rows = [], [], 0
    for number, (train, test) in enumerate(splits, start=1):
        groups = None if prepared.groups is None else prepared.groups[train]
        explain = reason_groups(prepared.matrix[train], prepared.spec, seed=seed)
        chosen = select(prepared.matrix[train], y[train], prepared.spec, classes,
                        groups=groups, seed=seed, inner=inner, fit_all=True,
                        explain=explain if reasons else None)
        test_matrix = prepared.matrix[test]
        for kind in CANDIDATES:
            pooled[kind][test] = chosen.predict(test_matrix, kind)
        pooled["selected"][test] = pooled[chosen.winner][test]
        with threadpool_limits(OPENMP_THREADS):
            baseline = build("baseline", prepared.spec, len(train), seed).fit(
                prepared.matrix[train], y[train])
            pooled["baseline"][test] = _proba(baseline, test_matrix, classes)
        per_fold.append({"fold": number, "rows": len(test), "winner": chosen.winner,
                         **{n: figures(y[test], pooled[n][test], classes) for n in names}})
        if reasons:
            fold_model = _assemble(_subset(prepared, train), chosen, seed, explain)
            shown = _sample(test, seed)
            explained.append(fold_model.reasons(prepared.matrix[shown],
                                                pl.Series("__row", shown)))
            explained_rows += len(shown)
    models = {name: _mean_over_folds(per_fold, name) for name in names}
    report = {
        "model": "selected", **{k: v for k, v in models["selected"].items()
                                if not k.endswith("_std")},
        "models": models, "selected_per_fold": [f["winner"] for f in per_fold],
        "validation": (f"nested: stratified {folds}-fold outer"
                       + ("" if prepared.groups is None else " grouped by id")
                       + f", {inner}-fold inner selection, seed {seed}; figures are means over "
                         f"outer folds"),
        "rows": len(y), "target": target.as_dict(), "label": target.label,
        "class_rates": {c: float(r) for c, r in zip(
            target.classes, np.bincount(y, minlength=classes) / len(y), strict=True)},
        "folds": per_fold, "features": prepared.spec.as_dict(),
        "sides": [s.as_dict() for s in prepared.sides],
    }
    if target.binary:
        report |= {"positive": target.positive, "positive_rate": float(y.mean()),
                   "calibration": metrics.calibration_table(y, pooled["selected"][:, 1]),
                   "lift": metrics.lift_table(y, pooled["selected"][:, 1])}
    if reasons and explained:
        report["reasons"] = reason_ranking(pl.concat(explained), explained_rows)
        report["reasons_rows"] = explained_rows
    report["seconds"] = round(time.perf_counter() - started, 2)
    return report


def _sample(rows: np.ndarray, seed: int, size: int = REASON_ROWS) -> np.ndarray:
    """At most ``size`` of ``rows`` (sorted), drawn at random: the rows whose reasons make the
    overall ranking (explaining every row of a large table costs more than the fitting)."""
    if len(rows) <= size:
        return rows
    return np.sort(np.random.default_rng(seed).choice(rows, size, replace=False))


def _subset(prepared: Prepared, rows: np.ndarray) -> Prepared:
    return Prepared(prepared.frame[rows], prepared.matrix[rows], prepared.y[rows],
                    prepared.target, prepared.spec, prepared.sides,
                    None if prepared.groups is None else prepared.groups[rows],
                    None if prepared.times is None else prepared.times[rows],
                    prepared.warnings)


def time_split_evaluate(prepared: Prepared, *, test_share: float = 0.2,
                        inner: int = INNER_FOLDS, seed: int = 0) -> dict:
    """Fit (with selection) on the earlier rows, measure on the latest ``test_share`` by time,
    beside the plain baseline fitted on the same earlier rows."""
    started = time.perf_counter()
    assert prepared.times is not None
    times = prepared.times
    cut = times.sort().gather(int((1 - test_share) * len(times)))[0]
    test = np.flatnonzero((times >= cut).to_numpy())
    train = np.flatnonzero((times < cut).to_numpy())
    y, target, classes = prepared.y, prepared.target, len(prepared.target.classes)
    if len(train) == 0 or len(test) == 0:
        raise ChurnDataError(f"time column {prepared.times.name!r} cannot be split: all rows "
                             f"fall on one side of {cut}")
    check_class_sizes(y[train], target, 2 * inner, "the earlier rows of a time split")
    if np.unique(y[test]).size < 2:
        raise ChurnDataError("the latest rows of the time split hold a single outcome; "
                             "evaluate with cross-validation instead (leave out --time)")
    explain = reason_groups(prepared.matrix[train], prepared.spec, seed=seed)
    chosen = select(prepared.matrix[train], y[train], prepared.spec, classes,
                    groups=None if prepared.groups is None else prepared.groups[train],
                    seed=seed, inner=inner, fit_all=True, explain=explain)
    test_matrix = prepared.matrix[test]
    scores = {kind: chosen.predict(test_matrix, kind) for kind in CANDIDATES}
    scores["selected"] = scores[chosen.winner]
    with threadpool_limits(OPENMP_THREADS):
        scores["baseline"] = _proba(build("baseline", prepared.spec, len(train), seed).fit(
            prepared.matrix[train], y[train]), test_matrix, classes)
    models = {name: figures(y[test], p, classes) for name, p in scores.items()}
    fold_model = _assemble(_subset(prepared, train), chosen, seed, explain)
    shown = _sample(test, seed)
    explained = fold_model.reasons(prepared.matrix[shown], pl.Series("__row", shown))
    report = {"model": "selected", **models["selected"], "models": models,
              "selected_per_fold": [chosen.winner],
              "validation": f"time split on {times.name}: fitted on {len(train):,} rows before "
                            f"{cut}, tested on {len(test):,} from then on; {inner}-fold inner "
                            f"selection, seed {seed}",
              "rows": len(y), "target": target.as_dict(), "label": target.label,
              "class_rates": {c: float(r) for c, r in zip(
                  target.classes, np.bincount(y, minlength=classes) / len(y), strict=True)},
              "features": prepared.spec.as_dict(), "sides": [s.as_dict() for s in prepared.sides],
              "reasons": reason_ranking(explained, len(shown)), "reasons_rows": len(shown)}
    if target.binary:
        report |= {"positive": target.positive, "positive_rate": float(y.mean()),
                   "calibration": metrics.calibration_table(y[test], scores["selected"][:, 1]),
                   "lift": metrics.lift_table(y[test], scores["selected"][:, 1])}
    report["seconds"] = round(time.perf_counter() - started, 2)
    return report


def check_sizes(y: np.ndarray, target: Target, folds: int, inner: int,
                hint: str | None = None) -> None:
    """Enough rows, and of each class, for nested cross-validation; ``hint`` replaces the
    advice (``train`` says --no-validate, ``evaluate`` fewer --folds)."""
    if folds < 2:
        raise ChurnDataError(f"--folds must be at least 2 (got {folds})")
    minimum_rows = max(50, 10 * folds)
    if len(y) < minimum_rows:
        raise ChurnDataError(f"only {len(y)} rows; {folds}-fold cross-validation needs at "
                             f"least {minimum_rows} (lift by decile needs 10 rows per fold)"
                             + (f"; {hint}" if hint else ""))
    needed = max(10, folds * inner * 2)
    fewer = max(10, 2 * inner * 2)
    check_class_sizes(y, target, needed,
                      f"{folds}-fold cross-validation with {inner}-fold selection inside",
                      hint=hint or (f"--folds 2 needs {fewer}" if folds > 2 and fewer < needed
                                    else None))


def _mean_over_folds(per_fold: list[dict], name: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for key in per_fold[0][name]:
        values = np.array([fold[name][key] for fold in per_fold])
        out[key] = float(values.mean())
        out[f"{key}_std"] = float(values.std(ddof=1)) if len(values) > 1 else 0.0
    return out
