"""The model graph the main job runs: the folders that hold the SQL models (each beside the
package it belongs to), the Python steps they name and the tables the job's later stages build.
The platform's runner (:func:`cxbridge.platform.transform.build`) takes it as it is and knows no
model itself.

A new model is a SQL file in one of :data:`FOLDERS` (``<schema>/<table>.sql`` with its header,
see :mod:`cxbridge.platform.model_graph`); a new Python step is a frame → frame function added
to :data:`STEPS` under the name its header gives. A model may read what churn scoring, the
incident models and the outcomes step build (:data:`STAGE_TABLES`); it is then built when the
job publishes, after them (``marts.churn_kpi_daily``, ``marts.incident_kpi_daily``,
``marts.protected_kpi_daily``).
"""

from __future__ import annotations

from functools import cache, partial
from pathlib import Path

from cxbridge.models.experience import measured, sei
from cxbridge.models.incidents.params import Params, impact_params
from cxbridge.models.service import SQL as SERVICE_SQL
from cxbridge.platform import snapshot
from cxbridge.platform.model_graph import ModelGraph

EXPERIENCE_SQL = Path(__file__).resolve().parent / "experience" / "sql"

FOLDERS: tuple[Path, ...] = (SERVICE_SQL, EXPERIENCE_SQL)

STEPS = {
    "experience.sei": sei.score,                      # marts.service_experience_daily
    "experience.ue_sessions": measured.score_sessions,
    "experience.ue_cells": measured.score_cells,      # measured.ue_cells_daily, measured.ue_cells
}

# What the stages after the transforms build and publish (table → stage): churn scoring
# (models/churn), the incident models (models/incidents) and the outcomes step (models/outcomes),
# as the snapshot contract lists them; and the recorded actions the outcomes step builds
# (core.actions, not published), which what operations protected reads.
STAGE_TABLES = {name: stage for stage in ("churn", "incidents", "outcomes")
                for name in snapshot.built_by(stage)} | {"core.actions": "outcomes"}


@cache
def model_graph(params: Params = Params()) -> ModelGraph:
    """Every model, checked and in run order (package files: read once per process per
    ``params``). ``params``: the incident models' tunables, of which the service marts read the
    ones they share (``core.impact_params``): the job passes those it builds the incidents with
    (the config file's ``[incidents]`` overrides applied)."""
    steps = {**STEPS, "incidents.impact_params": partial(impact_params, params=params)}
    return ModelGraph.from_folders(FOLDERS, steps, STAGE_TABLES)
