"""Layout pieces of the Network operations pages built from query results: the queue and
silent-degradation tables, an incident's header, its exposure figures and the care preview.
Frames and rows in, components out; no I/O."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import polars as pl
from dash import dcc, html

from dashboards import labels
from dashboards.components import Column, data_table, facts, stat, status_badge

CARE_PREVIEW_ROWS = 8
_STATUS = {"open": "poor", "stale": "watch", "cleared": "good"}


def incident_href(incident_id: str, query: str) -> str:
    """The incident's page, keeping the filter bar's state."""
    return f"/incident/{incident_id}{query}"


def customer_href(customer_id: str, query: str) -> str:
    """Customer 360 for one customer, keeping the filter bar's state."""
    return f"/customer/{customer_id}{query}"


def status_tag(status: str | None) -> dbc.Badge:
    """'Open' in red, 'Open, clear not received' in amber, 'Cleared' in green."""
    return status_badge(labels.code_label("status", status), _STATUS.get(status or "", "unknown"))


def severity_text(severity: str | None, source: str | None) -> str:
    """The alarm severity in words; silent degradations raised none."""
    if source == "silent" or severity is None:
        return "No alarm"
    return labels.code_label("severity", severity)


def incident_cell(row: dict, query: str) -> html.Div:
    """The incident's title as a link to its page, its id underneath."""
    return html.Div([dcc.Link(row["title"], href=incident_href(row["incident_id"], query),
                              className="incident-link"),
                     html.Span(row["incident_id"], className="cell-sub")])


def queue_table(queue: pl.DataFrame, query: str) -> html.Div:
    """The queue, ranked by customer impact, with alarm severity beside the score."""
    columns = (
        Column("rank", "Queue rank", numeric=True),
        Column("incident", "Incident", lambda r: incident_cell(r, query)),
        Column("status", "Status", status_tag, nowrap=True),
        Column("started_at", "Started (UTC)", labels.format_time, nowrap=True),
        Column("duration_minutes", "Lasted", labels.format_minutes, numeric=True),
        Column("affected_customers", "Customers", labels.format_count, numeric=True),
        Column("affected_services", "Services", labels.format_count, numeric=True),
        Column("sla_services", "SLA services", labels.format_count, numeric=True),
        Column("revenue_at_risk_eur", "Revenue at risk /month", labels.format_euros,
               numeric=True),
        Column("priority_score", "Impact score", labels.format_count, numeric=True),
        Column("severity", "Alarm severity", nowrap=True),
    )
    shown = queue.with_columns(
        incident=pl.struct("incident_id", "title"),
        severity=pl.struct("worst_severity", "source").map_elements(
            lambda r: severity_text(r["worst_severity"], r["source"]), return_dtype=pl.String))
    table = data_table(shown, columns, "operations-queue-table",
                       "No incidents in the selected period and filters")
    if queue.is_empty():
        return table
    return html.Div([html.Div(QUEUE_NOTE, className="card-note"), table])


QUEUE_NOTE = ("Open incidents first, then by customer impact. The queue rank is the place among "
              "every incident in the snapshot, so ranks the filters hide are skipped.")


def silent_table(silent: pl.DataFrame, query: str) -> html.Div:
    """Degradations found in the counters with no alarm: where, since when, whom they hurt."""
    columns = (
        Column("incident", "Degradation", lambda r: incident_cell(r, query)),
        Column("started_at", "Since (UTC)", labels.format_time, nowrap=True),
        Column("status", "Status", status_tag, nowrap=True),
        Column("affected_customers", "Customers", labels.format_count, numeric=True),
    )
    shown = silent.with_columns(incident=pl.struct("incident_id", "title"))
    return data_table(shown, columns, "operations-silent-table",
                      "No silent degradations in the selected period and filters")


def incident_header(incident: dict) -> html.Div:
    """Title, status and the facts an engineer asks first."""
    ends = incident["ended_at"] or incident["impact_end"]
    root_type = labels.code_label("resource_type", incident["root_resource_type"])
    return html.Div([
        html.Div([html.H1(incident["title"], className="page-title"),
                  status_tag(incident["status"])], className="incident-title-row"),
        facts([
            ("Incident", incident["incident_id"]),
            ("Rank in the queue", f"{incident['rank']} (impact score "
                                  f"{labels.format_count(incident['priority_score'])})"),
            ("Alarm severity", severity_text(incident["worst_severity"], incident["source"])),
            ("Root resource", f"{incident['root_resource_id'] or '–'} · {root_type}"),
            ("Region", incident["region"]),
            ("Started (UTC)", labels.format_time(incident["started_at"])),
            ("Ended (UTC)" if incident["ended_at"] else "Impact counted until",
             labels.format_time(ends)),
            ("Lasted", labels.format_minutes(incident["duration_minutes"])),
            ("How it was found", labels.sentence_case(incident["detection"])),
        ], class_name="facts facts-wide"),
    ])


def exposure_stats(incident: dict) -> html.Div:
    """Customers, services, SLA exposure, revenue at risk, experience drop."""
    breached = incident["sla_breached_services"] or 0
    return html.Div([
        stat("Customers hurt", labels.format_count(incident["affected_customers"]),
             stat_id="incident-customers"),
        stat("Services hurt", labels.format_count(incident["affected_services"])),
        stat("SLA services", labels.format_count(incident["sla_services"])),
        stat("SLAs breached", labels.format_count(breached), "poor" if breached else None),
        stat("Revenue at risk /month", labels.format_euros(incident["revenue_at_risk_eur"])),
        stat("Experience drop", "–" if incident["experience_drop"] is None
             else f"{incident['experience_drop']:.0f} points"),
    ], className="stat-row")


def care_preview(care: pl.DataFrame, query: str) -> html.Div:
    """How many customers to inform, and the first of them (ids only on screen); ``care``
    comes from :meth:`dashboards.data_access.SnapshotReader.care_preview`."""
    columns = (
        Column("customer_id", "Customer",
               lambda v: dcc.Link(v, href=customer_href(v, query)), nowrap=True),
        Column("segment", "Segment", lambda v: labels.value_label("segment", v)),
        Column("cfs_types", "Services", labels.cfs_list),
        Column("impact_minutes", "Minutes lost", labels.format_minutes, numeric=True),
    )
    count = care["customers"][0] if not care.is_empty() else 0
    total = html.Div([html.Strong(labels.format_count(count), id="incident-care-count"),
                      " customers to inform, business customers first"], className="card-note")
    return html.Div([total, data_table(care, columns, "incident-care-table",
                                       "Nobody to inform")])
