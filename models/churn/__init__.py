"""Churn risk per customer: fit, calibrate, evaluate, explain, save.

Works on any polars frame with one row per customer (or per customer and snapshot month)::

    from cxbridge.models import churn

    spec = churn.infer_feature_spec(
        frame, label="churned", id_column="customer_id",
        templates={"outages_30d": "{value} outages on broadband in the last 30 days"},
        network={"outages_30d"})                 # optional: types are inferred anyway
    model = churn.fit(frame, "churned", positive=True, id_column="customer_id",
                      feature_spec=spec, group_by_id=True)   # ChurnModel
    model.predict_proba(new_frame)   # numpy array of calibrated churn probabilities
    model.score(new_frame)           # customer_id, churn_risk
    model.reasons(new_frame, k=3)    # customer_id, rank, feature, value, reference,
                                     # contribution, network, reason
    report = churn.cross_validate(frame, "churned", positive=True, id_column="customer_id")
    model, report = churn.evaluate_holdout(train, test, "churned", positive=True,
                                           id_column="customer_id", feature_spec=spec)
    path, card = churn.save_model(model, settings.models_dir, metrics=report,
                                  data_window={"from": "2026-10-01", "to": "2026-12-31"})
    model, card = churn.load_model(settings.models_dir)   # newest version, hash-checked

``report`` is a JSON-ready dict: ``roc_auc``, ``pr_auc``, ``brier``, ``lift_top_decile`` of
the reported (blend) model, ``models`` with every kind's figures, ``calibration`` and ``lift``
tables; cross-validation adds ``folds``. Feature types are ``numeric``, ``binary`` or
``categorical``; ``infer_feature_spec(kinds={...})`` forces one, ``exclude=[...]`` drops
columns (e.g. the snapshot date). Bad input raises :class:`ChurnDataError` (a ``ValueError``)
whose message says what to change.

Modules: :mod:`~cxbridge.models.churn.tabular` (type inference, cleaning, label),
:mod:`~cxbridge.models.churn.modelling` (pipelines, calibration, :class:`ChurnModel`),
:mod:`~cxbridge.models.churn.evaluation` (cross-validation, holdout),
:mod:`~cxbridge.models.churn.metrics`
(ROC/PR AUC, Brier, calibration and lift tables), :mod:`~cxbridge.models.churn.reasons` (reason
codes), :mod:`~cxbridge.models.churn.card` (model card, versioned artefacts); the commands are
:mod:`cxbridge.app.churn_cli`.

Model kinds: ``logistic`` (baseline), ``gbm`` (boosted trees), ``blend`` (mean of the two
calibrated probabilities): :func:`fit` takes one of them, and the generated world's model
(:mod:`~cxbridge.models.churn.world`) is the blend. On an operator's own table the choice is
made by validation instead (:mod:`~cxbridge.models.churn.selection`: candidates compared on
inner folds, nested so the reported figure includes the choosing; binary, multi-class and
ordinal labels), with keyed side tables aggregated per id (:mod:`~cxbridge.models.churn.sides`)
and reasons grouped and filtered (:mod:`~cxbridge.models.churn.reasons`). Every kind is
calibrated with a sigmoid fitted on out-of-fold predictions inside the training data.

Names are loaded on first use, so importing this package (as the command line does) does not
import scikit-learn.
"""

from __future__ import annotations

from importlib import import_module

_EXPORTS = {
    "ChurnDataError": "tabular", "Feature": "tabular", "FeatureSpec": "tabular",
    "infer_feature_spec": "tabular", "prepare": "tabular", "encode_label": "tabular",
    "ChurnModel": "modelling", "fit": "modelling", "MODEL_KINDS": "modelling",
    "cross_validate": "evaluation", "evaluate_holdout": "evaluation",
    "reason_codes": "reasons", "save_model": "card", "load_model": "card",
    "versions": "card", "ArtefactError": "card",
}

_MODULES = {"tabular", "modelling", "evaluation", "metrics", "reasons", "card",
            "selection", "sides"}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(f"cxbridge.models.churn.{_EXPORTS[name]}"), name)
    if name in _MODULES:
        return import_module(f"cxbridge.models.churn.{name}")
    raise AttributeError(f"module 'cxbridge.models.churn' has no attribute {name!r}")
