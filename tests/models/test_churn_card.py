"""Model card and versioned artefact: save, list, load back, refuse tampered files."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from importlib import metadata

import numpy as np
import polars as pl
import pytest

from cxbridge.models import churn
from cxbridge.models.churn.card import ArtefactError


@pytest.fixture(scope="module")
def frame() -> pl.DataFrame:
    rng = np.random.default_rng(5)
    n = 300
    plan = rng.choice(["basic", "max"], n)
    churned = rng.random(n) < np.where(plan == "basic", 0.4, 0.1)
    return pl.DataFrame({"customer_id": [f"C{i}" for i in range(n)], "plan": plan,
                         "tenure": rng.integers(1, 60, n).astype(str),
                         "churned": np.where(churned, "Yes", "No")})


@pytest.fixture(scope="module")
def model(frame) -> churn.ChurnModel:
    return churn.fit(frame, "churned", positive="Yes", id_column="customer_id",
                     kind="logistic")


def test_save_writes_a_versioned_folder_with_a_card(model, frame, tmp_path):
    created = datetime(2026, 10, 31, 23, 0, tzinfo=UTC)
    path, card = churn.save_model(model, tmp_path, metrics={"roc_auc": 0.7},
                                  data_window={"from": "2026-10-01", "to": "2026-10-31"},
                                  now=created)
    assert path.parent == tmp_path / "churn" and path.name == card["model_version"]
    assert card["model_version"].startswith("20261031T230000Z-")
    on_disk = json.loads((path / "card.json").read_text())
    assert on_disk == card
    assert card["training_rows"] == 300
    assert card["positive_rate"] == pytest.approx((frame["churned"] == "Yes").mean())
    assert card["features"] == [{"name": "plan", "type": "categorical", "network": False},
                                {"name": "tenure", "type": "numeric", "network": False}]
    assert card["metrics"] == {"roc_auc": 0.7}
    assert card["data_window"] == {"from": "2026-10-01", "to": "2026-10-31"}
    assert card["libraries"]["scikit-learn"] == metadata.version("scikit-learn")
    assert card["created_at"] == "2026-10-31T23:00:00+00:00"


def test_load_returns_the_newest_model_that_predicts_the_same(model, frame, tmp_path):
    older, _ = churn.save_model(model, tmp_path, now=datetime(2026, 10, 1, tzinfo=UTC))
    newer, _ = churn.save_model(model, tmp_path, now=datetime(2026, 11, 1, tzinfo=UTC))
    assert churn.versions(tmp_path) == [older.name, newer.name]
    loaded, card = churn.load_model(tmp_path)
    assert card["model_version"] == newer.name
    assert np.array_equal(loaded.predict_proba(frame), model.predict_proba(frame))
    assert churn.load_model(tmp_path, older.name)[1]["model_version"] == older.name


def test_damaged_or_foreign_artefacts_are_refused(model, tmp_path):
    with pytest.raises(ArtefactError, match="no saved churn model"):
        churn.load_model(tmp_path)
    path, card = churn.save_model(model, tmp_path)
    with pytest.raises(ArtefactError, match="no churn model version 'v0'"):
        churn.load_model(tmp_path, "v0")
    card["libraries"]["scikit-learn"] = "0.24.2"
    (path / "card.json").write_text(json.dumps(card))
    with pytest.raises(ArtefactError, match="trained with scikit-learn 0.24.2"):
        churn.load_model(tmp_path)
    with (path / "model.joblib").open("ab") as artefact:
        artefact.write(b"\0")
    with pytest.raises(ArtefactError, match="does not match the SHA-256"):
        churn.load_model(tmp_path)
