"""The metrics the dashboard shows: the registry (:mod:`cxbridge.platform.metrics`), plus any the
Overview needs that the registry does not define yet (none at present).

:data:`PROPOSED` holds churn risk, revenue at risk and time to restore, written exactly as
registry entries so that they can be moved into ``pipelines/platform/metrics.py`` as they are. A
name the registry defines always wins, so once moved, the entry here is ignored (and should be
deleted): there is never more than one live definition of a metric.

Their sources are small KPI tables with the same shape as the registry's (``date`` plus the
filter dimensions, sums and counts). When the snapshot does not carry them, the data-access
module derives them from the published model tables (``dashboards/sql/sources/``).
"""

from __future__ import annotations

from cxbridge.platform.metrics import METRICS, Metric

PROPOSED: tuple[Metric, ...] = ()


def all_metrics() -> tuple[Metric, ...]:
    """The registry's metrics, then the proposed ones it does not define yet."""
    registered = {m.name for m in METRICS}
    return METRICS + tuple(m for m in PROPOSED if m.name not in registered)


def metric(name: str) -> Metric:
    """The metric called ``name``: the registry's definition, else the proposed one."""
    for candidate in all_metrics():
        if candidate.name == name:
            return candidate
    known = ", ".join(sorted(m.name for m in all_metrics()))
    raise KeyError(f"no metric called {name!r}; known: {known}")
