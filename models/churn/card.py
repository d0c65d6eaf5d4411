"""Versioned churn artefacts: the fitted model (joblib) beside its model card (JSON).

Layout under the directory the caller passes (the app passes ``settings.models_dir``)::

    <directory>/<name>/<version>/model.joblib
    <directory>/<name>/<version>/card.json

The version is ``<UTC time>-<first 8 hex of the artefact's SHA-256>``, so versions sort by
age. A version folder is written under a temporary name and renamed into place, so a reader
never sees half of one. :func:`load_model` checks the artefact's hash and the scikit-learn
version against the card before handing the model back. joblib files run code when loaded:
load only artefacts this project wrote.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import platform
import shutil
from collections.abc import Mapping
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import joblib

from cxbridge.models.churn.modelling import ChurnModel
from cxbridge.models.churn.selection import TableModel
from cxbridge.platform.errors import UserError

ARTEFACT = "model.joblib"
CARD = "card.json"
CARD_SCHEMA = 1
LIBRARIES = ("scikit-learn", "numpy", "polars", "joblib")


class ArtefactError(UserError, ValueError):
    """A saved model that cannot be trusted or found; the message says which and why."""


def library_versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for library in LIBRARIES:
        try:
            found[library] = metadata.version(library)
        except metadata.PackageNotFoundError:
            found[library] = "absent"
    return found


def model_card(model: ChurnModel, *, model_version: str, created_at: datetime,
               metrics: Mapping | None, data_window: Mapping | str | None,
               sha256: str, name: str, notes: str | None = None) -> dict:
    """The card: what was trained on what, how well it did, and with which libraries."""
    if isinstance(model, TableModel):
        return table_card(model, model_version=model_version, created_at=created_at,
                          metrics=metrics, data_window=data_window, sha256=sha256, name=name,
                          notes=notes)
    return {
        "card_schema": CARD_SCHEMA, "name": name, "model_version": model_version,
        "created_at": created_at.isoformat(timespec="seconds"),
        "model_kind": model.kind, "label": model.label, "positive": model.positive,
        "id_column": model.id_column, "data_window": data_window,
        "training_rows": model.training_rows, "positive_rate": model.positive_rate,
        "features": [{"name": f.name, "type": f.kind, "network": f.network}
                     for f in model.spec.features],
        "excluded_columns": dict(model.spec.excluded),
        "metrics": dict(metrics or {}), "seed": model.seed,
        "libraries": library_versions(), "artefact": ARTEFACT, "sha256": sha256,
        "notes": notes,
    }


def table_card(model: TableModel, *, model_version: str, created_at: datetime,
               metrics: Mapping | None, data_window: Mapping | str | None,
               sha256: str, name: str, notes: str | None = None) -> dict:
    """The card of a model chosen by validation on an operator's table (any label)."""
    target = model.target
    return {
        "card_schema": CARD_SCHEMA, "name": name, "model_version": model_version,
        "created_at": created_at.isoformat(timespec="seconds"),
        "model_kind": model.kind, "label": target.label, "positive": target.positive,
        "target": target.as_dict(), "id_column": model.id_column,
        "time_column": model.time_column, "data_window": data_window,
        "training_rows": model.training_rows, "class_rates": model.class_rates,
        "positive_rate": model.class_rates.get(target.positive) if target.positive else None,
        "selection": {"winner": model.kind, "criterion": "log loss of calibrated out-of-fold "
                      "predictions, inner stratified folds",
                      "candidates": model.selection.candidates},
        "risk_bands": {**model.bands, "meaning": "high: riskiest tenth of the training rows' "
                       "out-of-fold scores; medium: the next fifth"},
        "features": [{"name": f.name, "type": f.kind, "network": f.network}
                     for f in model.spec.features],
        "excluded_columns": dict(model.spec.excluded),
        "reason_groups": [list(g) for g in model.groups if len(g) > 1],
        "no_reasons": dict(model.quiet),
        "side_tables": [s.as_dict() for s in model.sides],
        "reason_stability": model.stability,
        "metrics": dict(metrics or {}), "seed": model.seed,
        "libraries": library_versions(), "artefact": ARTEFACT, "sha256": sha256,
        "notes": notes,
    }


def save_model(model: ChurnModel | TableModel, directory: Path, *, metrics: Mapping | None = None,
               data_window: Mapping | str | None = None, name: str = "churn",
               notes: str | None = None, now: datetime | None = None) -> tuple[Path, dict]:
    """Write a new version folder; returns its path and the card."""
    buffer = io.BytesIO()
    joblib.dump(model, buffer, compress=3)
    payload = buffer.getvalue()
    sha256 = hashlib.sha256(payload).hexdigest()
    created_at = (now or datetime.now(UTC)).astimezone(UTC)
    model_version = f"{created_at:%Y%m%dT%H%M%SZ}-{sha256[:8]}"
    card = model_card(model, model_version=model_version, created_at=created_at,
                      metrics=metrics, data_window=data_window, sha256=sha256, name=name,
                      notes=notes)
    home = Path(directory) / name
    final = home / model_version
    if final.exists():
        raise ArtefactError(f"model version {final} already exists")
    staging = home / f".{model_version}.partial-{os.getpid()}"
    staging.mkdir(parents=True)
    try:
        (staging / ARTEFACT).write_bytes(payload)
        (staging / CARD).write_text(json.dumps(card, indent=2, default=str) + "\n",
                                    encoding="utf-8")
        staging.rename(final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return final, card


def versions(directory: Path, name: str = "churn") -> list[str]:
    """Saved versions, oldest first."""
    home = Path(directory) / name
    if not home.is_dir():
        return []
    return sorted(p.name for p in home.iterdir() if p.is_dir() and (p / CARD).is_file()
                  and not p.name.startswith("."))


def load_model(directory: Path, version: str | None = None, name: str = "churn"
               ) -> tuple[ChurnModel | TableModel, dict]:
    """A saved model (the newest unless ``version`` is given) and its card, verified."""
    available = versions(directory, name)
    if not available:
        raise ArtefactError(f"no saved {name} model under {Path(directory) / name}; "
                            f"train and save one first")
    chosen = version or available[-1]
    if chosen not in available:
        raise ArtefactError(f"no {name} model version {chosen!r}; saved versions: "
                            f"{', '.join(available)}")
    folder = Path(directory) / name / chosen
    card = json.loads((folder / CARD).read_text(encoding="utf-8"))
    payload = (folder / card.get("artefact", ARTEFACT)).read_bytes()
    if hashlib.sha256(payload).hexdigest() != card.get("sha256"):
        raise ArtefactError(f"{folder / ARTEFACT} does not match the SHA-256 in its card; "
                            f"the file was changed or damaged: retrain and save again")
    trained_with = card.get("libraries", {}).get("scikit-learn")
    if trained_with != metadata.version("scikit-learn"):
        raise ArtefactError(f"{folder} was trained with scikit-learn {trained_with} but "
                            f"{metadata.version('scikit-learn')} is installed; retrain the model")
    model = joblib.load(io.BytesIO(payload))
    if not isinstance(model, ChurnModel | TableModel) or model.spec.names != [f["name"] for f in
                                                                 card["features"]]:
        raise ArtefactError(f"{folder / ARTEFACT} is not the churn model its card describes")
    return model, card


def load_path(path: Path, models_dir: Path | None = None
              ) -> tuple[ChurnModel | TableModel, dict]:
    """A model given as a version folder, a model folder (its newest version) or, with
    ``models_dir``, a model name under it."""
    path = Path(path)
    if (path / CARD).is_file():
        return load_model(path.parent.parent, path.name, name=path.parent.name)
    if path.is_dir() and versions(path.parent, path.name):
        return load_model(path.parent, name=path.name)
    if models_dir is not None and len(path.parts) == 1 and versions(models_dir, str(path)):
        return load_model(models_dir, name=str(path))
    raise ArtefactError(f"no saved model at {path}: give the folder `churn train --data` "
                        f"printed (or its parent), or a model name under {models_dir}")
