"""Reason codes: exact on a hand-made scorer, and the known driver on a fitted model."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from cxbridge.models import churn
from cxbridge.models.churn.reasons import background_values, reason_codes
from cxbridge.models.churn.tabular import Feature, FeatureSpec

SPEC = FeatureSpec((Feature("outages", "numeric", template="{value} outages in 30 days",
                            network=True),
                    Feature("contract", "categorical"),
                    Feature("paperless", "binary", levels=("No", "Yes"))))
BACKGROUND = {"outages": ([1.0, 3.0], [0.5, 0.5]),
              "contract": (["Monthly", "Yearly"], [0.75, 0.25]),
              "paperless": ([0.0, 1.0], [0.5, 0.5])}
TYPICAL = {"outages": 2.0, "contract": "Monthly", "paperless": 0.0}


class LinearScorer:
    """p = 0.1 + 0.1·outages + 0.2·[Monthly]; paperless has no effect. Counts its calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, matrix: pl.DataFrame) -> np.ndarray:
        self.calls += 1
        monthly = (matrix["contract"] == "Monthly").to_numpy().astype(float)
        return 0.1 + 0.1 * matrix["outages"].to_numpy() + 0.2 * monthly


def test_contributions_are_the_drop_to_the_average_customer():
    matrix = pl.DataFrame({"outages": [4.0, 2.0, 0.0], "contract": ["Monthly", "Yearly", "Monthly"],
                           "paperless": [1.0, 0.0, 1.0]})
    scorer = LinearScorer()
    reasons = reason_codes(scorer, matrix, SPEC, BACKGROUND, TYPICAL,
                           ids=pl.Series("customer_id", ["A", "B", "C"]), k=2)
    assert scorer.calls == 1 + len(SPEC.features)  # one batched prediction per feature
    # Average outages 2 → A: +0.2, B: 0, C: −0.2. Average Monthly share .75 → Monthly: +0.05.
    assert reasons.select("customer_id", "rank", "feature").rows() == [
        ("A", 1, "outages"), ("A", 2, "contract"), ("C", 1, "contract")]
    assert reasons["contribution"].to_list() == pytest.approx([0.2, 0.05, 0.05])
    assert reasons["reason"].to_list() == ["4 outages in 30 days",
                                           "contract = Monthly raises risk",
                                           "contract = Monthly raises risk"]
    assert reasons["network"].to_list() == [True, False, False]


def test_background_uses_quantiles_of_numbers_and_frequencies_of_categories():
    matrix = pl.DataFrame({"outages": [float(v) for v in range(10)],
                           "contract": ["Monthly"] * 6 + ["Yearly"] * 3 + [None],
                           "paperless": [1.0] * 10})
    background = background_values(matrix, SPEC, points=5)
    assert background["outages"][0] == pytest.approx([0.9, 2.7, 4.5, 6.3, 8.1])
    assert background["contract"][0] == ["Monthly", "Yearly", None]
    assert background["contract"][1] == pytest.approx([0.6, 0.3, 0.1])


def test_a_fitted_model_names_the_network_driver():
    rng = np.random.default_rng(11)
    n = 1500
    outages = rng.poisson(0.5, n)
    frame = pl.DataFrame({
        "customer_id": [f"C{i}" for i in range(n)],
        "outages_30d": outages,
        "plan": rng.choice(["basic", "plus", "max"], n),
        "tenure": rng.integers(1, 60, n),
        "churned": np.where(rng.random(n) < 0.05 + 0.25 * np.minimum(outages, 3), "Yes", "No"),
    })
    model = churn.fit(frame, "churned", positive="Yes", id_column="customer_id")
    customers = pl.DataFrame({"customer_id": ["hit", "calm"], "outages_30d": [3, 0],
                              "plan": ["plus", "plus"], "tenure": [30, 30]})
    reasons = model.reasons(
        customers, k=2, network={"outages_30d"},
        templates={"outages_30d": "{value} outages on broadband in the last 30 days"})
    top = reasons.filter(pl.col("rank") == 1)
    assert top["customer_id"].to_list()[0] == "hit"
    assert top.row(0, named=True)["reason"] == "3 outages on broadband in the last 30 days"
    assert top.row(0, named=True)["network"] is True
    assert top.row(0, named=True)["contribution"] > 0.2
    assert "outages_30d" not in reasons.filter(pl.col("customer_id") == "calm")["feature"]


def test_categories_that_state_one_fact_are_one_reason_group():
    """Phone service and multiple lines share their "no phone service" level (one fact, two
    columns): one group. A plan and its fee (a number set by the plan) are one group too. An
    unrelated category and a high-cardinality one join nothing."""
    from cxbridge.models.churn.reasons import group_backgrounds, reason_groups

    rng = np.random.default_rng(5)
    n = 2000
    phone = rng.random(n) < 0.9
    lines = np.where(~phone, "No phone service",
                     rng.choice(["No", "Yes"], n, p=[0.55, 0.45]))
    plan = rng.choice(["basic", "plus", "max"], n)
    fee = np.select([plan == "basic", plan == "plus"], [20.0, 35.0], 60.0) + rng.normal(0, 1, n)
    matrix = pl.DataFrame({
        "phone": phone.astype(float), "lines": lines, "plan": plan, "fee": fee,
        "paperless": rng.choice(["Yes", "No"], n),
        "state": rng.choice([f"S{i:02d}" for i in range(40)], n),
    })
    spec = FeatureSpec((Feature("phone", "binary", levels=("No", "Yes")),
                        Feature("lines", "categorical"), Feature("plan", "categorical"),
                        Feature("fee", "numeric"), Feature("paperless", "categorical"),
                        Feature("state", "categorical")))
    groups = reason_groups(matrix, spec)
    assert ("phone", "lines") in groups
    assert ("plan", "fee") in groups
    assert ("paperless",) in groups and ("state",) in groups
    # a group with a category swaps its members together, as combinations seen in the data
    background = dict(zip(groups, group_backgrounds(matrix, spec, groups), strict=True))
    rows, weights = background[("phone", "lines")]
    seen = set(zip(matrix["phone"], matrix["lines"], strict=True))
    assert set(zip(rows["phone"], rows["lines"], strict=True)) <= seen
    assert sum(weights) == pytest.approx(1.0)
