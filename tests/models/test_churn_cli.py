"""``cxbridge churn evaluate`` as a user meets it, on a synthetic table and on IBM Telco."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from cxbridge.app.cli import app


def run(*args):
    return CliRunner().invoke(app, ["churn", "evaluate", *map(str, args)], terminal_width=200)


@pytest.fixture(scope="module")
def table(tmp_path_factory) -> Path:
    rng = np.random.default_rng(3)
    n = 300
    contract = rng.choice(["Month-to-month", "One year", "Two year"], n)
    churned = rng.random(n) < np.where(contract == "Month-to-month", 0.5, 0.1)
    charges = np.where(rng.random(n) < 0.05, " ", rng.uniform(20, 100, n).round(2).astype(str))
    path = tmp_path_factory.mktemp("churn") / "customers.csv"
    pl.DataFrame({"id": [f"C{i}" for i in range(n)], "Contract": contract,
                  "TotalCharges": charges, "Churn": np.where(churned, "Yes", "No")}
                 ).write_csv(path)
    return path


def test_evaluate_prints_every_model_and_the_reported_one(table):
    result = run("--data", table, "--label", "Churn", "--positive", "Yes", "--id", "id",
                 "--folds", "3")
    assert result.exit_code == 0, result.output
    for expected in ("logistic", "gbm", "blend", "baseline", "selected", "ROC AUC",
                     "lift top decile", "Reported model: selected", "stratified 3-fold outer",
                     "Reasons, overall", "Contract", "id (identifier)"):
        assert expected in result.output


def test_evaluate_json_is_one_object_with_the_headline_keys(table):
    result = run("--data", table, "--label", "Churn", "--positive", "Yes", "--id", "id",
                 "--folds", "3", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["rows"] == 300 and report["model"] == "selected"
    assert report["roc_auc"] == report["models"]["selected"]["roc_auc"] > 0.6
    assert len(report["selected_per_fold"]) == 3 and "baseline" in report["models"]
    assert 0 < report["brier"] < 0.25 and report["lift_top_decile"] > 1.2
    assert 0 < report["pr_auc"] <= 1
    kinds = {f["name"]: f["type"] for f in report["features"]["features"]}
    assert kinds == {"Contract": "categorical", "TotalCharges": "numeric"}


@pytest.mark.parametrize(("args", "message"), [
    (("--label", "Churn", "--positive", "Yes"), "no file at"),
    (("--label", "Exited", "--positive", "Yes"), "label column 'Exited' is not in the table"),
    (("--label", "Churn", "--positive", "True"), "positive value 'True' does not occur"),
    (("--label", "Contract", "--positive", "One year", "--id", "customer"),
     "id column 'customer' is not in the table"),
])
def test_bad_arguments_are_explained_without_a_traceback(table, args, message):
    data = table.parent / "absent.csv" if message == "no file at" else table
    result = run("--data", data, *args)
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(("rows", "message"), [
    ("Churn,x\nNo,1\nNo,2\n", "has a single value ('No')"),
    ("Churn,x\n" + "Yes,1\nNo,2\n" * 10, "only 20 rows"),
    ("Churn,x\n", "has no data rows"),
    ("", "is empty"),
])
def test_unusable_tables_are_explained(tmp_path, rows, message):
    path = tmp_path / "t.csv"
    path.write_text(rows)
    result = run("--data", path, "--label", "Churn", "--positive", "No")
    assert result.exit_code == 1, result.output
    assert message in result.output and "Traceback" not in result.output


@pytest.mark.real_data
def test_ibm_telco_reaches_the_reference_figures(real_data):
    data = real_data / "telco_ibm" / "Telco-Customer-Churn.csv"
    result = run("--data", data, "--label", "Churn", "--positive", "Yes", "--id", "customerID",
                 "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["rows"] == 7043
    # nested: selection on inner folds, the reported figure on outer folds it never saw
    assert report["roc_auc"] >= 0.85 and report["lift_top_decile"] >= 2.8
    assert report["pr_auc"] >= report["models"]["baseline"]["pr_auc"]
    assert report["models"]["logistic"]["roc_auc"] >= 0.84
    assert report["models"]["gbm"]["roc_auc"] >= 0.84
    kinds = {f["name"]: f["type"] for f in report["features"]["features"]}
    assert kinds["TotalCharges"] == "numeric" and kinds["Partner"] == "binary"
    assert "customerID" not in kinds
