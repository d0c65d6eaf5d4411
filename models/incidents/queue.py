"""Reading the ranked queue (``incidents.queue``) and showing it to a person or a machine."""

from __future__ import annotations

import polars as pl
from rich.table import Table

from cxbridge.platform.errors import UserError
from cxbridge.platform.warehouse import query, table_exists

ACTIVE = ("open", "stale")
SHOWN = ("rank", "incident_id", "status", "kind", "root_resource_id", "started_at",
         "duration_minutes", "worst_severity", "priority_score", "score_customer_minutes",
         "score_business", "score_sla", "score_revenue", "score_experience",
         "affected_services", "affected_customers", "sla_services", "sla_breached_services",
         "revenue_at_risk_eur", "experience_drop", "score_network", "network_resources",
         "priority_basis", "planned", "source", "title", "effect", "queue_section")
# the queue's order in words (queue.sql), for the CLI's help and the Operations page
QUEUE_RULE = ("Acute incidents before chronic ones, each by impact score: an outage (service "
              "lost) is always acute; a degradation (congestion, slow service) becomes chronic "
              "after {days:g} days, so the minutes it accumulates never bury a fresh outage. "
              "Incidents that hurt nobody come last.")


class NoQueueError(UserError, KeyError):
    """The incident models have not run on this warehouse."""


def read_queue(con, limit: int | None = 20, include_planned: bool = False,
               include_cleared: bool = False) -> pl.DataFrame:
    """The queue in rank order: active incidents (open, or stale: open past their usual length,
    their clear probably lost) unless ``include_cleared``, unplanned unless
    ``include_planned``. Ranks stay those of the whole queue."""
    if not table_exists(con, "incidents.queue"):
        raise NoQueueError("no incident queue in this warehouse yet: run `cxbridge run` (which "
                           "builds it) or `cxbridge incidents --refresh`")
    frame = query(con, "select * from incidents.queue order by rank")
    if not include_cleared:
        frame = frame.filter(pl.col("status").is_in(ACTIVE))
    if not include_planned:
        frame = frame.filter(~pl.col("planned"))
    frame = frame.select(SHOWN)
    return frame.head(limit) if limit else frame


def short_score(value: float | None) -> str:
    """12345 → 12.3k: a score's size at a glance."""
    value = value or 0
    for floor, suffix in ((1e6, "M"), (1e3, "k")):
        if abs(value) >= floor:
            return f"{value / floor:.1f}{suffix}"
    return f"{value:.0f}"


def queue_table(frame: pl.DataFrame, title: str) -> Table:
    """A rich table: rank, the incident, the score and its components, severity alongside.
    A queue ranked by network impact (no services known) shows it and the resources hurt."""
    network = frame.height > 0 and frame["priority_basis"][0] == "network"
    table = Table("#", "incident", "status", "severity", "score",
                  "= session-minutes on resources hurt" if network
                  else "= cust-min + business + SLA + revenue + experience", "services",
                  "customers", "SLA VPNs (breached)", "€/month at risk", "since", "minutes",
                  "what", title=title, title_justify="left")
    for row in frame.iter_rows(named=True):
        parts = (f"{short_score(row['score_network'])} on {row['network_resources'] or 0} resources"
                 if network else " + ".join(short_score(row[c]) for c in (
                     "score_customer_minutes", "score_business", "score_sla", "score_revenue",
                     "score_experience")))
        table.add_row(
            str(row["rank"]), row["incident_id"], row["status"],
            row["worst_severity"] or "(silent)", short_score(row["priority_score"]), parts,
            f"{row['affected_services'] or 0:,}", f"{row['affected_customers'] or 0:,}",
            f"{row['sla_services'] or 0} ({row['sla_breached_services'] or 0})",
            f"{row['revenue_at_risk_eur'] or 0:,.0f}", row["started_at"].strftime("%m-%d %H:%M"),
            f"{row['duration_minutes'] or 0:,.0f}", row["title"])
    return table
