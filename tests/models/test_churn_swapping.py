"""The fast swaps behind reason codes give exactly the full pipeline's probabilities."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from cxbridge.models import churn
from cxbridge.models.churn.reasons import contributions
from cxbridge.models.churn.swapping import SwapPredictor
from tests.models.test_churn_modelling import synthetic_customers


@pytest.fixture(scope="module")
def customers() -> pl.DataFrame:
    """Text numbers with blanks, a Yes/No flag, categories with a blank."""
    frame = synthetic_customers(900, seed=4)
    rng = np.random.default_rng(4)
    return frame.with_columns(
        plan=pl.Series(rng.choice(["basic", "plus", "max", None], frame.height)))


@pytest.mark.parametrize("kind", ["blend", "gbm", "logistic"])
def test_swapped_contributions_equal_the_full_pipelines(customers, kind):
    model = churn.fit(customers, "churned", positive="Yes", id_column="customer_id", kind=kind)
    # the customers scored all had no outage: swapping it to values none of them has must
    # still move their risk
    scored = model.prepare(customers.filter(pl.col("outages_30d") == 0).head(300))
    background = model.background
    assert len(set(background["outages_30d"][0])) > 1
    swap = SwapPredictor(model.estimators, model.kind, scored)
    assert SwapPredictor.supports(model.estimators)
    slow = contributions(model.predict_matrix, scored, model.spec, background)
    fast = contributions(model.predict_matrix, scored, model.spec, background, swap)
    assert np.abs(slow).max() > 0.05  # the features do move the risk
    np.testing.assert_allclose(fast, slow, rtol=0, atol=1e-12)


def test_reasons_are_unchanged_by_the_fast_path(customers):
    model = churn.fit(customers, "churned", positive="Yes", id_column="customer_id")
    fast = model.reasons(customers.head(200))
    slow = churn.reasons.reason_codes(model.predict_matrix, model.prepare(customers.head(200)),
                                      model.spec, model.background, model.typical,
                                      ids=customers.head(200)["customer_id"])
    assert fast.height > 0
    assert fast.drop("contribution").equals(slow.drop("contribution"))
    np.testing.assert_allclose(fast["contribution"], slow["contribution"], atol=1e-12)
