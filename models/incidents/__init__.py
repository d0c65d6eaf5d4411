"""Fault impact: correlate alarms into incidents, find silent degradations, propagate each
incident to the services and customers it hurts, and rank the queue by customer impact.

* :func:`build` — every incident table from scratch (after the core models);
* :func:`refresh` — after a new batch of alarm events, only what the batch touched;
* :mod:`.queue` — read the ranked queue; :mod:`.tmf656` — TMF656 ServiceProblem exports;
  :mod:`.care` — the proactive-care list of an incident; :mod:`.evaluation` — against the truth.
"""

from cxbridge.models.incidents.build import (
           BuildSummary,
           IncidentModelError,
           build,
           needs_full_build,
           refresh,
)
from cxbridge.models.incidents.params import MODEL_VERSION, Params

__all__ = ["MODEL_VERSION", "BuildSummary", "IncidentModelError", "Params", "build",
           "needs_full_build", "refresh"]
