"""The model graph the main job runs: the folders that hold the SQL models (each beside the
package it belongs to) and the Python steps they name. The platform's runner
(:func:`cxbridge.platform.transform.build`) takes it as it is and knows no model itself.

A new model is a SQL file in one of :data:`FOLDERS` (``<schema>/<table>.sql`` with its header,
see :mod:`cxbridge.platform.model_graph`); a new Python step is a frame → frame function added
to :data:`STEPS` under the name its header gives.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from cxbridge.models.experience import measured, sei
from cxbridge.models.service import SQL as SERVICE_SQL
from cxbridge.platform.model_graph import ModelGraph

EXPERIENCE_SQL = Path(__file__).resolve().parent / "experience" / "sql"

FOLDERS: tuple[Path, ...] = (SERVICE_SQL, EXPERIENCE_SQL)

STEPS = {
    "experience.sei": sei.score,                      # marts.service_experience_daily
    "experience.ue_sessions": measured.score_sessions,
    "experience.ue_cells": measured.score_cells,      # measured.ue_cells_daily, measured.ue_cells
}


@cache
def model_graph() -> ModelGraph:
    """Every model, checked and in run order (package files: read once per process)."""
    return ModelGraph.from_folders(FOLDERS, STEPS)
