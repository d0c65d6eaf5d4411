"""Fitting, predicting, calibration and evaluation on small synthetic customer tables."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from cxbridge.models import churn
from cxbridge.models.churn.evaluation import fold_splits
from cxbridge.models.churn.tabular import ChurnDataError


def synthetic_customers(n: int, seed: int) -> pl.DataFrame:
    """Churn driven by a month-to-month contract, outages and short tenure; text numbers."""
    rng = np.random.default_rng(seed)
    contract = rng.choice(["Month-to-month", "One year", "Two year"], n, p=[0.5, 0.3, 0.2])
    outages = rng.poisson(0.6, n)
    tenure = rng.integers(1, 72, n)
    logit = -2.2 + 2.0 * (contract == "Month-to-month") + 0.9 * outages - 0.02 * tenure
    churned = rng.random(n) < 1 / (1 + np.exp(-logit))
    tenure_text = np.where(rng.random(n) < 0.03, " ", tenure.astype(str))
    return pl.DataFrame({
        "customer_id": [f"C{i:05d}" for i in range(n)],
        "contract": contract, "outages_30d": outages, "tenure": tenure_text,
        "paperless": rng.choice(["Yes", "No"], n), "noise": rng.normal(size=n),
        "churned": np.where(churned, "Yes", "No"),
    })


@pytest.fixture(scope="module")
def train() -> pl.DataFrame:
    return synthetic_customers(1200, seed=1)


@pytest.fixture(scope="module")
def model(train) -> churn.ChurnModel:
    return churn.fit(train, "churned", positive="Yes", id_column="customer_id")


def test_fit_infers_types_and_predicts_probabilities(model, train):
    assert {f.name: f.kind for f in model.spec.features} == {
        "contract": "categorical", "outages_30d": "numeric", "tenure": "numeric",
        "paperless": "binary", "noise": "numeric"}
    assert model.kind == "blend" and set(model.estimators) == {"logistic", "gbm"}
    risk = model.predict_proba(train)
    assert risk.shape == (1200,) and ((risk > 0) & (risk < 1)).all()
    month_to_month = train["contract"].to_numpy() == "Month-to-month"
    assert risk[month_to_month].mean() > 2 * risk[~month_to_month].mean()


def test_unseen_categories_and_blanks_at_predict_time_still_score(model):
    new = pl.DataFrame({"customer_id": ["N1", "N2"], "contract": ["Three year", None],
                        "outages_30d": [None, 4], "tenure": ["", "abc"],
                        "paperless": ["perhaps", "Yes"], "noise": [0.0, 0.0]})
    scored = model.score(new)
    assert scored.columns == ["customer_id", "churn_risk"]
    assert scored["churn_risk"].is_between(0, 1).all() and scored["churn_risk"].null_count() == 0


def test_probabilities_are_calibrated_on_new_customers(model):
    test = synthetic_customers(2000, seed=2)
    risk = model.predict_proba(test)
    observed = (test["churned"] == "Yes").to_numpy()
    assert abs(risk.mean() - observed.mean()) < 0.03
    for row in churn.metrics.calibration_table(observed, risk, bins=5):
        if row["count"] >= 100:
            assert abs(row["mean_predicted"] - row["observed_rate"]) < 0.08, row


def test_a_single_kind_can_be_fitted_and_bad_kinds_are_refused(train):
    logistic = churn.fit(train, "churned", positive="Yes", id_column="customer_id",
                         kind="logistic")
    assert set(logistic.estimators) == {"logistic"}
    with pytest.raises(ChurnDataError, match="unknown model kind 'forest'"):
        churn.fit(train, "churned", positive="Yes", kind="forest")
    with pytest.raises(ChurnDataError, match="id column 'cust' is not in the table"):
        churn.fit(train, "churned", positive="Yes", id_column="cust")
    with pytest.raises(ChurnDataError, match="needs at least 6 rows of each outcome"):
        churn.fit(train.head(10), "churned", positive="Yes")


def test_cross_validation_reports_every_kind(train):
    report = churn.cross_validate(train.head(600), "churned", positive="Yes",
                                  id_column="customer_id", folds=3)
    assert report["model"] == "blend"
    assert set(report["models"]) == {"logistic", "gbm", "blend"}
    assert report["roc_auc"] == report["models"]["blend"]["roc_auc"] > 0.75
    assert report["lift_top_decile"] > 1.5
    assert [fold["rows"] for fold in report["folds"]] == [200, 200, 200]
    assert sum(row["count"] for row in report["calibration"]) == 600
    assert report["validation"].startswith("stratified 3-fold, seed 0")


def test_repeated_customers_are_kept_in_one_fold(train):
    snapshots = pl.concat([train.head(300), train.head(300)])
    report = churn.cross_validate(snapshots, "churned", positive="Yes",
                                  id_column="customer_id", folds=3)
    assert "grouped by customer_id" in report["validation"]
    assert sum(fold["rows"] for fold in report["folds"]) == 600
    ids = snapshots["customer_id"].to_numpy()
    y = (snapshots["churned"] == "Yes").to_numpy().astype(int)
    for fit_rows, test_rows in fold_splits(y, 3, seed=0, groups=ids):
        assert not set(ids[fit_rows]) & set(ids[test_rows])
    ungrouped = fold_splits(y, 3, seed=0)
    assert any(set(ids[a]) & set(ids[b]) for a, b in ungrouped)  # what grouping prevents


def test_holdout_evaluation_fits_on_one_frame_and_scores_another(train):
    model, report = churn.evaluate_holdout(train, synthetic_customers(500, seed=3), "churned",
                                           positive="Yes", id_column="customer_id")
    assert isinstance(model, churn.ChurnModel) and model.training_rows == 1200
    assert report["models"]["blend"]["rows"] == 500
    assert report["roc_auc"] > 0.75 and report["models"]["logistic"]["roc_auc"] > 0.75


def test_tables_too_small_for_cross_validation_are_refused(train):
    with pytest.raises(ChurnDataError, match="only 40 rows"):
        churn.cross_validate(train.head(40), "churned", positive="Yes")
    few = pl.concat([train.filter(pl.col("churned") == "No").head(200),
                     train.filter(pl.col("churned") == "Yes").head(5)])
    with pytest.raises(ChurnDataError, match="5 positive and 200 other rows"):
        churn.cross_validate(few, "churned", positive="Yes")
