"""The metric registry: one definition of every shared KPI.

Every page, notebook and export takes a KPI's label, meaning, unit, target and formula from here,
and reads its value through :mod:`cxbridge.platform.snapshot_metrics`. A formula is a SQL
aggregate over the columns of the table named by ``source``: a modelled table (a SQL model's,
``models/*/sql``) that the snapshot contract publishes (:mod:`cxbridge.platform.snapshot`), with
``date`` and the filter ``dimensions`` it is split by beside sums and counts; nothing is derived
when it is read. Ratio KPIs are written as ratios of sums (never an average of ratios), with
``nullif(…, 0)`` so that an empty denominator gives NULL rather than 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Direction = Literal["higher_is_better", "lower_is_better"]
Sense = Literal["better", "worse", "same"]

# Units whose change is told as a difference ("▲ 1.2 points"): they are already shares or
# scores. Every other unit's change is told relative to the earlier value ("▼ 4.0 %").
POINT_UNITS = frozenset({"%", "points"})

# The seven KPIs every audience shares, in the order the Overview's first row and the weekly
# report show them; the others follow in registry order. Operations' losses (customers hurt,
# revenue at risk, time to restore) stand beside what its care after incidents protected.
HEADLINE = ("experience_index", "poor_experience_share", "customers_hurt", "churn_risk",
            "revenue_at_risk", "time_to_restore", "revenue_protected")

# The words for a status (Metric.status), the same on every page, notebook and report.
STATUS_WORDS: dict[str, str] = {
    "good": "On target",
    "watch": "Watch",
    "poor": "Poor",
    "unknown": "No target",
}


def status_word(status: str) -> str:
    """The words shown for a status ('good' → 'On target')."""
    return STATUS_WORDS.get(status, STATUS_WORDS["unknown"])


@dataclass(frozen=True)
class Change:
    """A metric's change against an earlier period: ``delta`` is the difference in points
    (``relative`` false) or the percentage change of the earlier value (``relative`` true);
    ``sense`` says whether that is better or worse by the metric's direction, or the same at
    the one decimal shown."""

    delta: float
    relative: bool
    sense: Sense


@dataclass(frozen=True)
class Metric:
    name: str
    label: str
    for_marketing: str
    for_network: str
    formula_sql: str
    formula_text: str
    unit: str
    direction: Direction
    target: float | None
    poor_threshold: float | None
    grain: str
    source: str
    owner: str
    # the filter-bar dimensions the source table has (customers have no single CFS type)
    dimensions: tuple[str, ...] = ("region", "segment", "cfs_type")

    def status(self, value: float | None) -> str:
        """'good', 'watch' or 'poor' for a value, by target and poor threshold."""
        if value is None or self.target is None:
            return "unknown"
        better = (lambda a, b: a >= b) if self.direction == "higher_is_better" else (
            lambda a, b: a <= b)
        if better(value, self.target):
            return "good"
        if self.poor_threshold is not None and not better(value, self.poor_threshold):
            return "poor"
        return "watch"

    def change(self, value: float | None, previous: float | None) -> Change | None:
        """The change from ``previous`` to ``value`` (``None`` when either is missing): a
        difference in points for shares and scores (:data:`POINT_UNITS`), else a percentage of
        the earlier value (a difference again when that is 0); better or worse by
        ``direction``."""
        if value is None or previous is None:
            return None
        relative = self.unit not in POINT_UNITS and previous != 0
        delta = 100.0 * (value - previous) / abs(previous) if relative else value - previous
        if round(delta, 1) == 0:
            return Change(0.0, relative, "same")
        up_is_good = self.direction == "higher_is_better"
        return Change(delta, relative, "better" if (delta > 0) == up_is_good else "worse")


METRICS: tuple[Metric, ...] = (
    Metric(
        name="experience_index",
        label="Experience index",
        for_marketing="How good customers' service felt, 0–100, from what the network "
        "delivered to each service each day. Below 70 is a poor day; an average below 80 over "
        "the customers and days selected is poor.",
        for_network="Service Experience Index: the weighted geometric mean of availability, "
        "accessibility, retainability, speed, latency, loss, call quality (E-model) and TV "
        "stalling, each scored with a published law; averaged over service-days.",
        formula_sql="sum(sei_sum) / nullif(sum(sei_scored), 0)",
        formula_text="Σ SEI ÷ Σ scored service-days",
        unit="points",
        direction="higher_is_better",
        target=90.0,
        poor_threshold=80.0,
        grain="day × region × segment × CFS type",
        source="kpi_daily",
        owner="Customer experience",
    ),
    Metric(
        name="poor_experience_share",
        label="Customers with a poor day",
        for_marketing="The share of customers who had a poor-experience day: at least one of "
        "their services scored below 70 or failed badly on one component.",
        for_network="Customer-days with any service-day flagged poor (SEI < 70 or a component "
        "< 40), over all active customer-days.",
        formula_sql="100.0 * sum(customers_poor) / nullif(sum(customers_active), 0)",
        formula_text="100 × Σ poor customer-days ÷ Σ active customer-days",
        unit="%",
        direction="lower_is_better",
        target=2.0,
        poor_threshold=5.0,
        grain="day × region × segment",
        source="customer_kpi_daily",
        dimensions=("region", "segment"),
        owner="Customer experience",
    ),
    Metric(
        name="customers_hurt",
        label="Customers hurt by faults",
        for_marketing="How many customers a day had a service interrupted or degraded by a "
        "network fault: the people most likely to call, complain or leave.",
        for_network="Customers with at least one service-day carrying fault minutes from a "
        "service-affecting alarm on its path; daily average over the period.",
        formula_sql="sum(customers_hurt) / nullif(count(distinct date), 0)",
        formula_text="Σ customers with fault minutes ÷ days",
        unit="customers/day",
        direction="lower_is_better",
        target=None,
        poor_threshold=None,
        grain="day × region × segment",
        source="customer_kpi_daily",
        dimensions=("region", "segment"),
        owner="Network operations",
    ),
    Metric(
        name="revenue_poor_experience",
        label="Revenue with a poor day",
        for_marketing="Monthly revenue of the customers who had a poor-experience day: what a "
        "bad day puts in play.",
        for_network="Σ monthly charges of customers whose day was poor, averaged over days.",
        formula_sql="sum(monthly_revenue_poor_eur) / nullif(count(distinct date), 0)",
        formula_text="Σ monthly revenue of poor customer-days ÷ days",
        unit="€/month",
        direction="lower_is_better",
        target=None,
        poor_threshold=None,
        grain="day × region × segment",
        source="customer_kpi_daily",
        dimensions=("region", "segment"),
        owner="Marketing analytics",
    ),
    Metric(
        name="tickets_per_1000",
        label="Care tickets per 1,000 customers",
        for_marketing="How many customers contact care, per thousand customers per day.",
        for_network="Σ trouble tickets opened ÷ Σ active customer-days × 1,000.",
        formula_sql="1000.0 * sum(tickets_opened) / nullif(sum(customers_active), 0)",
        formula_text="1,000 × Σ tickets ÷ Σ active customer-days",
        unit="per 1,000/day",
        direction="lower_is_better",
        target=2.0,
        poor_threshold=5.0,
        grain="day × region × segment",
        source="customer_kpi_daily",
        dimensions=("region", "segment"),
        owner="Customer care",
    ),
    Metric(
        name="active_services",
        label="Active services",
        for_marketing="Customer-facing services (broadband lines, mobile plans, TV, VPNs) "
        "that customers had on a day.",
        for_network="CFS instances in service on a day; the population every rate is taken over.",
        formula_sql="sum(active_services) / nullif(count(distinct date), 0)",
        formula_text="CFS instances active on a day; over several days, their daily average",
        unit="services",
        direction="higher_is_better",
        target=None,
        poor_threshold=None,
        grain="day × region × segment × CFS type",
        source="kpi_daily",
        owner="Marketing analytics",
    ),
    Metric(
        name="service_availability",
        label="Service availability",
        for_marketing="The share of time customers' services worked. 99.9 % still means "
        "43 minutes without service in a month.",
        for_network="Service minutes without a service-affecting fault on anything the "
        "service depends on (alarms propagated CFS → RFS → resource, honouring 1+1 and n-of-m "
        "redundancy), over all service minutes.",
        formula_sql="100.0 * (1 - sum(outage_service_minutes) / nullif(sum(service_minutes), 0))",
        formula_text="100 × (1 − Σ outage service-minutes ÷ Σ service-minutes)",
        unit="%",
        direction="higher_is_better",
        target=99.9,
        poor_threshold=99.5,
        grain="day × region × segment × CFS type",
        source="kpi_daily",
        owner="Network operations",
    ),
    Metric(
        name="session_failure_rate",
        label="Failed connection attempts",
        for_marketing="How often a customer's attempt to connect (a call, a data session, a "
        "broadband login) failed.",
        for_network="Σ session failures ÷ Σ session attempts from usage records (xDR), "
        "the accessibility complement.",
        formula_sql="100.0 * sum(session_failures) / nullif(sum(sessions), 0)",
        formula_text="100 × Σ failed sessions ÷ Σ session attempts",
        unit="%",
        direction="lower_is_better",
        target=1.0,
        poor_threshold=3.0,
        grain="day × region × segment × CFS type",
        source="kpi_daily",
        owner="Network operations",
    ),
    Metric(
        name="access_latency",
        label="Network latency",
        for_marketing="How long the network takes to answer: above about 100 ms browsing, "
        "gaming and calls feel sluggish.",
        for_network="Round-trip latency of each service's serving access resource, weighted "
        "by reported intervals (Σ latency × intervals ÷ Σ intervals).",
        formula_sql="sum(latency_ms_x_intervals) / nullif(sum(latency_intervals), 0)",
        formula_text="Σ (latency × reported intervals) ÷ Σ reported intervals",
        unit="ms",
        direction="lower_is_better",
        target=30.0,
        poor_threshold=80.0,
        grain="day × region × segment × CFS type",
        source="kpi_daily",
        owner="Network operations",
    ),
    Metric(
        name="data_volume_per_service",
        label="Data used per service",
        for_marketing="Average daily data a service carries; falling use often comes before "
        "a customer leaves.",
        for_network="Σ data volume (xDR) ÷ Σ active services, in GB per service per day.",
        formula_sql="sum(data_volume_mb) / 1024.0 / nullif(sum(active_services), 0)",
        formula_text="Σ data volume ÷ Σ active service-days",
        unit="GB/day",
        direction="higher_is_better",
        target=None,
        poor_threshold=None,
        grain="day × region × segment × CFS type",
        source="kpi_daily",
        owner="Marketing analytics",
    ),
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
    # What care after incidents protected: the care programmes' measured effect (treated
    # against control, marts.programme_outcomes) times the customers cared for after each
    # incident (marts.protected_kpi_daily says how an action is matched to its incident and its
    # programme's effect). Sums, not averages: saves add up over the incidents of a period.
    # NULL, never 0, while no programme of the care given has a measured effect.
    Metric(
        name="revenue_protected",
        label="Revenue protected by care",
        for_marketing="Monthly revenue kept because customers hurt by a fault were cared for "
        "(a credit, a call): the customers the care programmes' control groups say would "
        "otherwise have left, times what they pay a month. Not measured until a programme's "
        "treated and control groups are large enough to tell.",
        for_network="Σ over customers cared for after an incident of (− the programme's "
        "measured churn effect, treated − control, at its longest measured window) × their "
        "monthly charges, by the day the incident started; the incident page gives each "
        "incident's figure with its 95 % bounds. Compare with revenue at risk: what faults "
        "put in play.",
        formula_sql="sum(revenue_protected_eur)",
        formula_text="Σ churn avoided by care × the customer's monthly revenue",
        unit="€/month",
        direction="higher_is_better",
        target=None,
        poor_threshold=None,
        grain="incident day × region × segment",
        source="protected_kpi_daily",
        dimensions=("region", "segment"),
        owner="Network operations",
    ),
    Metric(
        name="churn_avoided_by_care",
        label="Churn avoided by care",
        for_marketing="Customers hurt by a fault who stayed because they were cared for: "
        "those cared for × how much less the care programme's treated customers left than its "
        "control group. Not measured until the groups are large enough to tell.",
        for_network="Σ over customers cared for after an incident of − the programme's "
        "measured churn effect (treated − control rate, with its Newcombe 95 % interval), "
        "by the day the incident started.",
        formula_sql="sum(churn_avoided)",
        formula_text="Σ customers cared for × (control − treated churn rate)",
        unit="customers",
        direction="higher_is_better",
        target=None,
        poor_threshold=None,
        grain="incident day × region × segment",
        source="protected_kpi_daily",
        dimensions=("region", "segment"),
        owner="Customer care",
    ),
)

_BY_NAME = {metric.name: metric for metric in METRICS}


def metric(name: str) -> Metric:
    """The registered metric called ``name``."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(
            f"no metric called {name!r}; registered: {', '.join(sorted(_BY_NAME))}"
        ) from None
