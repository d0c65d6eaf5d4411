"""The metrics the dashboard shows: the registry (:mod:`pipelines.metrics`), plus the three the
Overview needs that the registry does not define yet.

:data:`PROPOSED` holds churn risk, revenue at risk and time to restore, written exactly as
registry entries so that they can be moved into ``pipelines/metrics.py`` as they are. A name
the registry defines always wins, so once moved, the entry here is ignored (and should be
deleted): there is never more than one live definition of a metric.

Their sources are small KPI tables with the same shape as the registry's (``date`` plus the
filter dimensions, sums and counts). When the snapshot does not carry them, the data-access
module derives them from the published model tables (``dashboards/sql/sources/``).
"""

from __future__ import annotations

from pipelines.metrics import METRICS, Metric

PROPOSED: tuple[Metric, ...] = (
    Metric(
        name="churn_risk",
        label="Churn risk",
        for_marketing="The share of customers the churn model expects to leave: the average "
        "of every customer's calibrated churn probability.",
        for_network="Σ churn probability ÷ customers scored. Poor experience and outages are "
        "among the model's inputs, so network faults show up here too.",
        formula_sql="100.0 * sum(churn_probability_sum) / nullif(sum(customers_scored), 0)",
        formula_text="100 × Σ churn probability ÷ Σ customers scored",
        unit="%",
        direction="lower_is_better",
        target=2.0,
        poor_threshold=4.0,
        grain="scoring day × region × segment",
        source="churn_kpi_daily",
        dimensions=("region", "segment"),
        owner="Marketing analytics",
    ),
    Metric(
        name="revenue_at_risk",
        label="Revenue at risk",
        for_marketing="Monthly revenue we expect to lose to churn: each customer's monthly "
        "revenue × their churn probability, added up.",
        for_network="Σ churn probability × monthly revenue over the customers scored; the "
        "same figure the incident queue puts beside each fault.",
        formula_sql="sum(revenue_at_risk_eur) / nullif(count(distinct date), 0)",
        formula_text="Σ churn probability × monthly revenue; over several scoring days, "
        "their average",
        unit="€/month",
        direction="lower_is_better",
        target=None,
        poor_threshold=None,
        grain="scoring day × region × segment",
        source="churn_kpi_daily",
        dimensions=("region", "segment"),
        owner="Marketing analytics",
    ),
    Metric(
        name="time_to_restore",
        label="Time to restore",
        for_marketing="How long customers waited for service to come back after a network "
        "fault, on average.",
        for_network="Mean time to restore: Σ (clear − start) of unplanned alarm-based "
        "incidents that cleared ÷ their number, by the day they started.",
        formula_sql="sum(restore_minutes) / 60.0 / nullif(sum(incidents_restored), 0)",
        formula_text="Σ hours from start to clear ÷ incidents restored (unplanned)",
        unit="hours",
        direction="lower_is_better",
        target=4.0,
        poor_threshold=8.0,
        grain="day × region",
        source="incident_kpi_daily",
        dimensions=("region",),
        owner="Network operations",
    ),
)


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
