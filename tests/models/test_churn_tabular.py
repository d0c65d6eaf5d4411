"""Type inference, cleaning and label checks on small inline tables."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from cxbridge.models.churn.tabular import ChurnDataError, encode_label, infer_feature_spec, prepare


@pytest.fixture
def customers() -> pl.DataFrame:
    n = 24
    return pl.DataFrame({
        "customerID": [f"C{i:03d}" for i in range(n)],
        "TotalCharges": [" ", "29.85", "1889.5", "", "108.15"] * 4 + ["1", "2", "3", "4"],
        "Partner": ["Yes", "No"] * 12,
        "Contract": ["Month-to-month", "One year", "Two year"] * 8,
        "SeniorCitizen": [0, 1, 0, 0] * 6,
        "tenure": list(range(n)),
        "autopay": [True, False, None] * 8,
        "country": ["IE"] * n,
        "note": [f"free text {i}" for i in range(n)],
        "signed_on": [date(2026, 1, 1 + i) for i in range(n)],
        "Churn": ["Yes", "No", "No"] * 8,
    })


def test_types_are_inferred_from_values(customers):
    spec = infer_feature_spec(customers, label="Churn", id_column="customerID")
    kinds = {f.name: f.kind for f in spec.features}
    assert kinds == {"TotalCharges": "numeric", "Partner": "binary", "Contract": "categorical",
                     "SeniorCitizen": "binary", "tenure": "numeric", "autopay": "binary"}
    assert spec.feature("Partner").levels == ("No", "Yes")
    assert set(spec.excluded) == {"customerID", "Churn", "country", "note", "signed_on"}
    assert spec.excluded["country"].startswith("constant")
    assert spec.excluded["note"].startswith("identifier-like")
    assert spec.excluded["signed_on"].startswith("date/time")


def test_caller_can_force_a_type_and_drop_columns(customers):
    spec = infer_feature_spec(customers, label="Churn", id_column="customerID",
                              kinds={"tenure": "categorical"}, exclude=["Contract"])
    assert spec.feature("tenure").kind == "categorical"
    assert "Contract" not in spec.names and spec.excluded["Contract"] == "excluded by caller"
    with pytest.raises(ChurnDataError, match="'Contract' cannot be binary"):
        infer_feature_spec(customers, label="Churn", kinds={"Contract": "binary"})
    with pytest.raises(ChurnDataError, match="unknown feature type"):
        infer_feature_spec(customers, label="Churn", kinds={"tenure": "ordinal"})


def test_prepare_turns_text_numbers_and_flags_into_floats(customers):
    spec = infer_feature_spec(customers, label="Churn", id_column="customerID")
    matrix = prepare(customers.head(5), spec)
    assert matrix.columns == spec.names
    assert matrix["TotalCharges"].to_list() == [None, 29.85, 1889.5, None, 108.15]
    assert matrix["Partner"].to_list() == [1.0, 0.0, 1.0, 0.0, 1.0]
    assert matrix["autopay"].to_list() == [1.0, 0.0, None, 1.0, 0.0]
    assert matrix.schema["Contract"] == pl.String


def test_prepare_makes_unseen_values_blank_and_names_missing_columns(customers):
    spec = infer_feature_spec(customers, label="Churn", id_column="customerID")
    new = customers.head(2).with_columns(pl.Series("Partner", ["maybe", " yes "]),
                                         pl.Series("TotalCharges", ["n/a", "12,5"]))
    matrix = prepare(new, spec)
    assert matrix["Partner"].to_list() == [None, 1.0]
    assert matrix["TotalCharges"].to_list() == [None, None]
    with pytest.raises(ChurnDataError, match="missing: Contract"):
        prepare(customers.drop("Contract"), spec)


def test_label_is_encoded_against_the_positive_value(customers):
    y, positive = encode_label(customers, "Churn", "Yes")
    assert positive == "Yes" and y.tolist() == [1, 0, 0] * 8
    numeric = pl.DataFrame({"churned": [1.0, 0.0, 1.0]})
    assert encode_label(numeric, "churned", None)[0].tolist() == [1, 0, 1]
    flags = pl.DataFrame({"churned": [True, False]})
    assert encode_label(flags, "churned", True)[0].tolist() == [1, 0]


@pytest.mark.parametrize(("frame", "positive", "message"), [
    (pl.DataFrame({"x": [1, 2]}), "Yes", "label column 'Churn' is not in the table"),
    (pl.DataFrame({"Churn": ["No", "No"]}), "Yes", "'Yes' does not occur"),
    (pl.DataFrame({"Churn": ["Yes", "Yes"]}), "Yes", "single value"),
    (pl.DataFrame({"Churn": ["Yes", " ", "No"]}), "Yes", "blank on 1 row"),
    (pl.DataFrame({"Churn": ["gone", "stayed"]}), None, "say which value"),
])
def test_bad_labels_are_explained(frame, positive, message):
    with pytest.raises(ChurnDataError, match=message):
        encode_label(frame, "Churn", positive)


def test_reason_wording_is_checked(customers):
    spec = infer_feature_spec(customers, label="Churn", id_column="customerID")
    worded = spec.with_wording({"tenure": "only {value} months with us"}, {"tenure"})
    assert worded.feature("tenure").template == "only {value} months with us"
    assert worded.feature("tenure").network and not worded.feature("Contract").network
    with pytest.raises(ChurnDataError, match="does not use: outages"):
        spec.with_wording(network={"outages"})
    with pytest.raises(ChurnDataError, match="allowed placeholders"):
        spec.with_wording({"tenure": "{months} months"})
