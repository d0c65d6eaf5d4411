"""The snapshot contract: every table a published snapshot holds, the order it is sorted in, who
reads it and which stage of the main job builds it. Nothing else is published, and nothing is
published that nobody reads (``tests/test_snapshot_contract.py`` holds the dashboard's SQL, its
table lists, the metric registry and the notebooks to this list, and this list to them).

A snapshot is the read side's whole view of the warehouse: ``cxbridge run`` copies into it each
table below that exists (a table a stage did not build, such as the incident queue without an
alarm or PM feed, is left out, and the readers say which feed would bring it; see
``marts.capabilities``). Each table keeps its unqualified name in the snapshot
(``marts.customer_daily`` is read as ``customer_daily``).

The stages, in the order the job runs them (:mod:`cxbridge.jobs.flow`):

* ``transform``: the SQL models of the model graph (``models/*/sql``);
* ``churn``: churn scoring (``models/churn``);
* ``incidents``: the incident models (``models/incidents``);
* ``outcomes``: what each recorded programme changed against its control (``models/outcomes``);
* ``capabilities``: what the loaded feeds allow (``pipelines/jobs/capabilities.py``);
* ``publish``: what publishing adds just before the copy: the SQL models that read the churn and
  incident tables (the model graph's ``after_stages``) and ``marts.snapshot_info``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Stage = Literal["transform", "churn", "incidents", "outcomes", "capabilities", "publish"]
STAGES: tuple[Stage, ...] = ("transform", "churn", "incidents", "outcomes", "capabilities",
                             "publish")


@dataclass(frozen=True)
class PublishedTable:
    """One table of the snapshot: its warehouse name (``schema.table``), the stage that builds
    it, who reads it from the snapshot (dashboard pages, notebooks) and the order it is sorted in
    as it is copied (``None``: as built)."""

    name: str
    built_by: Stage
    read_by: tuple[str, ...]
    order_by: str | None = None

    @property
    def snapshot_name(self) -> str:
        """The name readers query it by: the table without its schema."""
        return self.name.rpartition(".")[2]


# Sort orders: a published table sorted the way readers look it up is read a few row groups at
# a time, not whole: Customer 360 reads one customer's days (about 90 ms instead of 460 at scale
# 1, pipelines/lab/dashboard_bench.py), a care-list download one incident's list in calling order.
PUBLISHED: tuple[PublishedTable, ...] = (
    # the service and customer marts (marts.service_daily is not published: the experience
    # index carries the one column of it a page shows, each service-day's fault minutes)
    PublishedTable("marts.service_experience_daily", "transform", ("dashboards: customer",),
                   order_by="customer_id, date"),
    PublishedTable("marts.customer_daily", "transform",
                   ("dashboards: customer, marketing (the period index)",),
                   order_by="customer_id, date"),
    PublishedTable("marts.kpi_daily", "transform",
                   ("dashboards: every page's filter bar, overview, operations (metric registry)",
                    "notebooks/kpi_review.py")),
    PublishedTable("marts.customer_kpi_daily", "transform",
                   ("dashboards: overview (metric registry)",)),
    PublishedTable("marts.customers", "transform",
                   ("dashboards: customer, marketing, incident (care-list contacts)",
                    "notebooks/marketing_review.py")),
    PublishedTable("marts.tickets", "transform",
                   ("dashboards: customer, tickets", "notebooks/care_review.py"),
                   order_by="customer_id, created_at"),
    PublishedTable("marts.ticket_daily", "transform", ("dashboards: tickets",)),
    PublishedTable("marts.ticket_phrases", "transform", ("dashboards: tickets",)),
    # every access resource's hourly KPIs, for the operations and incident pages
    PublishedTable("core.access_hourly", "transform", ("dashboards: operations, incident",)),
    # enterprise SLAs: each SLA service's objective and outage minutes per day (TMF657 API)
    PublishedTable("marts.sla_service_daily", "transform", ("dashboards: api (TMF657)",),
                   order_by="service_id, date"),
    # measured experience from phone logs (empty tables when none were loaded)
    PublishedTable("measured.ue_sessions", "transform", ("dashboards: measured",)),
    PublishedTable("measured.ue_cells", "transform", ("dashboards: measured",)),
    # churn risk (models/churn)
    PublishedTable("marts.churn_scores", "churn", ("dashboards: marketing, customer",
                                                    "notebooks/marketing_review.py")),
    PublishedTable("marts.churn_drivers", "churn", ("dashboards: marketing",)),
    # every scoring so far (per day × region × segment), kept across runs: the churn KPIs' trend
    PublishedTable("marts.churn_score_history", "churn",
                   ("dashboards: overview (the churn tiles' scoring history)",)),
    # the incident queue (models/incidents)
    PublishedTable("incidents.queue", "incidents", ("dashboards: operations, incident",
                                                    "notebooks/operations_review.py")),
    PublishedTable("incidents.incidents", "incidents",
                   ("dashboards: operations, incident, customer, marketing (hold-backs)",
                    "notebooks/operations_review.py", "notebooks/care_review.py")),
    PublishedTable("incidents.incident_impact", "incidents",
                   ("dashboards: operations, incident",)),
    PublishedTable("incidents.impact_breakdown", "incidents",
                   ("dashboards: operations, incident",)),
    PublishedTable("incidents.incident_services", "incidents",
                   ("dashboards: customer, marketing (hold-backs)",)),
    PublishedTable("incidents.incident_episodes", "incidents", ("dashboards: incident",)),
    PublishedTable("incidents.episodes", "incidents", ("dashboards: incident",)),
    PublishedTable("incidents.care_list", "incidents",
                   ("dashboards: incident", "notebooks/care_review.py"),
                   order_by="incident_id, position"),
    PublishedTable("incidents.incident_access", "incidents", ("dashboards: incident",),
                   order_by="incident_id, resource_id"),
    PublishedTable("incidents.incident_hours", "incidents", ("dashboards: incident",),
                   order_by="incident_id, hour"),
    # the thresholds detection used, and how each was derived
    PublishedTable("incidents.detection_thresholds", "incidents", ("dashboards: operations",)),
    # planned work (models/whatif, built with the incidents): what each resource or redundant
    # pool takes down, looked up by the planned-work page instead of computed
    PublishedTable("whatif.units", "incidents", ("dashboards: planned",)),
    PublishedTable("whatif.unit_services", "incidents", ("dashboards: planned",),
                   order_by="unit_id, service_id"),
    PublishedTable("whatif.pool_members", "incidents", ("dashboards: planned",),
                   order_by="resource_id, rfs_id"),
    PublishedTable("whatif.unit_access", "incidents", ("dashboards: planned",),
                   order_by="unit_id, access_id"),
    PublishedTable("whatif.access_week_profile", "incidents", ("dashboards: planned",),
                   order_by="access_id, hour_of_week"),
    PublishedTable("whatif.reference", "incidents", ("dashboards: planned",)),
    # campaign network impact (models/whatif/campaign.py, built with the incidents): each
    # service's traffic per access resource, each resource's busy hour, the offers learned
    PublishedTable("whatif.campaign_load", "incidents", ("dashboards: review",),
                   order_by="customer_id, resource_id, service_id"),
    PublishedTable("whatif.campaign_resources", "incidents", ("dashboards: review",),
                   order_by="resource_id"),
    PublishedTable("whatif.campaign_offers", "incidents", ("dashboards: review",),
                   order_by="offer, cfs_type"),
    PublishedTable("whatif.campaign_reference", "incidents", ("dashboards: review",)),
    # what each recorded programme changed, treated against control (models/outcomes; only
    # with the actions feed)
    PublishedTable("marts.programme_outcomes", "outcomes", ("dashboards: outcomes",)),
    # whom to target (models/outcomes/uplift.py): each programme's uplift model (published or
    # why not) and its temporal holdout's Qini curves, and every customer's expected churn
    # reduction per published programme (the campaign builder's "expected effect" ranking)
    PublishedTable("marts.uplift_programmes", "outcomes", ("dashboards: outcomes, marketing",)),
    PublishedTable("marts.uplift_qini", "outcomes", ("dashboards: outcomes",)),
    PublishedTable("marts.customer_uplift", "outcomes", ("dashboards: marketing",),
                   order_by="customer_id, programme"),
    # what the loaded feeds allow, output by output
    PublishedTable("marts.capabilities", "capabilities",
                   ("dashboards: every page's feed notices, overview",)),
    # built as the snapshot is published: the KPI tables of the churn and incident metrics
    # (models/service/sql/marts), and the snapshot's own stamp
    PublishedTable("marts.churn_kpi_daily", "publish", ("dashboards: overview (metric registry)",)),
    PublishedTable("marts.incident_kpi_daily", "publish",
                   ("dashboards: overview (metric registry)",)),
    # what care after incidents protected (churn avoided, revenue kept), per day × region ×
    # segment: the registry's operations-contribution KPIs
    PublishedTable("marts.protected_kpi_daily", "publish",
                   ("dashboards: overview (metric registry)", "notebooks/kpi_review.py")),
    # per incident: what it put at risk, how fast it was restored, what its care protected
    PublishedTable("marts.incident_protection", "publish", ("dashboards: incident",)),
    PublishedTable("marts.snapshot_info", "publish",
                   ("dashboards: every page's footer and filter bar", "notebooks/kpi_review.py")),
)

# The order each table is sorted in as it is copied (cxbridge.platform.warehouse.publish_snapshot).
PUBLISH_ORDER: dict[str, str] = {t.name: t.order_by for t in PUBLISHED if t.order_by}

# The days a snapshot covers (marts.snapshot_info's first and last date): those of its dated
# tables, whichever feeds it was built from (table → the expression giving a row's day).
# core.ue_cell_kpi_15min is not published itself: it gives the days the phones measured, which
# the published measured tables summarise.
DATED_TABLES: dict[str, str] = {
    "marts.service_daily": "date",
    "core.access_hourly": "date",
    "core.ue_cell_kpi_15min": "cast(interval_start as date)",
    "marts.tickets": "cast(created_at as date)",
}

_BY_NAME = {t.name: t for t in PUBLISHED} | {t.snapshot_name: t for t in PUBLISHED}


def published(name: str) -> PublishedTable:
    """The published table called ``name`` (``schema.table``, or its snapshot name)."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"the snapshot contract (cxbridge.platform.snapshot) publishes no "
                       f"{name!r}; add it to PUBLISHED with the stage that builds it and "
                       "who reads it") from None


def snapshot_names(*names: str) -> tuple[str, ...]:
    """The names readers query ``names`` (published tables, ``schema.table``) by, in order; a
    :class:`KeyError` for any the contract does not publish, so a reader's table list cannot
    drift from what a snapshot holds."""
    return tuple(published(name).snapshot_name for name in names)


def built_by(stage: Stage) -> tuple[str, ...]:
    """The published tables ``stage`` builds, in contract order."""
    if stage not in STAGES:
        raise ValueError(f"no stage {stage!r}; stages: {', '.join(STAGES)}")
    return tuple(t.name for t in PUBLISHED if t.built_by == stage)
