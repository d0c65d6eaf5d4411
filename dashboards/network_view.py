"""Layout pieces of the Network operations pages built from query results: the queue and
silent-degradation tables, the cells and ports worst first, an incident's header, its exposure
figures and the care preview, and live mode's "updated" marker and new-incident notices.
Frames and rows in, components out; no I/O but one: the queue's Workflow column, the state of
the incidents listed read from the workflow store in one read by key
(:func:`cxbridge.dashboards.workflow_view.queue_states`), unless the caller gives it.

A queue is ranked by customer impact, or, when the snapshot knows no customer services (PM
counters, perhaps alarms and a topology, but no inventory), by network impact
(``priority_basis`` 'network', models/incidents/README.md): then the tables and the incident
page show the cells and ports hurt and the session-minutes lost instead of customers, services,
SLAs and revenue, which cannot exist."""

from __future__ import annotations

from datetime import datetime, tzinfo

import dash_bootstrap_components as dbc
import polars as pl
from dash import dcc, html

from cxbridge.dashboards import clock, labels
from cxbridge.dashboards.components import Column, data_table, facts, stat, status_badge
from cxbridge.dashboards.figures_network import unmeasured_panels
from cxbridge.dashboards.workflow_view import queue_states, state_text, workflow_cell
from cxbridge.models.incidents.queue import QUEUE_RULE

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


def queue_basis(queue: pl.DataFrame, knows_services: bool) -> str:
    """'network' when the queue is ranked by network impact, else 'customers'; an empty queue
    (or one published before the network impact existed) goes by ``knows_services``."""
    if "priority_basis" in queue.columns and not queue.is_empty():
        return "network" if (queue["priority_basis"] == "network").all() else "customers"
    return "customers" if knows_services else "network"


def is_network_ranked(incident: dict) -> bool:
    """Whether an incident (a queue row) is ranked by network impact."""
    return incident.get("priority_basis") == "network"


def network_unit(bases: str | list[str | None] | None) -> str:
    """What the network impact counts, from ``network_basis`` (one value, or several
    incidents'): 'session-minutes' when every resource was weighed by sessions, else
    'weighted minutes' (throughput relative to an average resource, or a count)."""
    values = [bases] if isinstance(bases, str) or bases is None else bases
    parts = {p.strip() for v in values if v for p in v.split(",")}
    if parts <= {"sessions", "sessions of its type"}:
        return "session-minutes"
    return "resource-minutes" if parts == {"count"} else "weighted minutes"


def queue_title(basis: str) -> str:
    """The queue card's title: what ranks it."""
    return f"Incident queue, by {'network' if basis == 'network' else 'customer'} impact"


def impact_kind(row: dict) -> str:
    """'Outage', 'Degradation' or 'Chronic degradation' (``effect``, ``queue_section``)."""
    if row.get("effect") != "degradation":
        return "Outage"
    return "Chronic degradation" if row.get("queue_section") == "chronic" else "Degradation"


def region_share(share: float | None) -> str:
    """The chosen regions' part of an incident's service-minutes: '23 %', '< 1 %', '–'."""
    if share is None:
        return "–"
    return "< 1 %" if 0 < share < 0.005 else f"{share:.0%}".replace("%", " %")


# the queue's first rows the page lists: a NOC works it from the top, and drawing every one
# grew with the network (638 incidents at scale 10: 0.2 s a filter change)
QUEUE_ROWS = 100


def queue_table(queue: pl.DataFrame, query: str, workflow: dict | None = None,
                rows: int = QUEUE_ROWS) -> html.Div:
    """The queue, ranked by customer impact (or, when the snapshot knows no customers, by
    network impact: the cells and ports each incident hurt, for how long), with alarm severity
    beside the score; acute incidents before chronic degradations (:func:`section_rule`); under
    a region filter, the regions' share of each incident's impact. ``workflow``: incident id →
    workflow state (None: read from the store, once for the whole table). The first ``rows``
    only, saying how many more there are and where to see them."""
    more = max(queue.height - rows, 0)
    queue = queue.head(rows)
    if workflow is None:
        workflow = queue_states(queue["incident_id"].to_list()) if queue.height else {}
    by_network = queue_basis(queue, knows_services=True) == "network"
    if by_network:
        unit = network_unit(queue["network_basis"].to_list() if "network_basis" in queue.columns
                            else None)
        impact = (Column("network_resources", "Cells and ports hurt", labels.format_count,
                         numeric=True),
                  Column("score_network", sentence(unit), labels.format_count, numeric=True))
        note = network_queue_note(unit)
    else:
        regional = ("region_share" in queue.columns
                    and queue["region_share"].drop_nulls().len() > 0)
        impact = (
            *((Column("region_share", "Region's share", region_share, numeric=True),)
              if regional else ()),
            Column("affected_customers", "Customers", labels.format_count, numeric=True),
            Column("affected_services", "Services", labels.format_count, numeric=True),
            Column("sla_services", "SLA services", labels.format_count, numeric=True),
            Column("revenue_at_risk_eur", "Revenue at risk /month", labels.format_euros,
                   numeric=True),
            Column("priority_score", "Impact score", labels.format_count, numeric=True))
        note = f"Open incidents first. {section_rule(queue)} {RANK_NOTE}"
        if regional:
            note += (" Under a region filter every incident that hurt a customer there shows, "
                     "national ones included; Region's share: its part of their "
                     "service-minutes.")
    columns = (
        Column("rank", "Queue rank", numeric=True),
        Column("incident", "Incident", lambda r: incident_cell(r, query)),
        Column("status", "Status", status_tag, nowrap=True),
        Column("workflow", "Workflow", workflow_cell),
        Column("started_at", "Started", labels.format_time, nowrap=True),
        Column("duration_minutes", "Lasted", labels.format_minutes, numeric=True),
        Column("impact_kind", "Impact", nowrap=True),
        *impact,
        Column("severity", "Alarm severity", nowrap=True),
    )
    kinds = [impact_kind(r) for r in queue.select(
        [c for c in ("effect", "queue_section") if c in queue.columns]).iter_rows(named=True)] \
        if {"effect", "queue_section"} & set(queue.columns) else ["Outage"] * queue.height
    shown = queue.with_columns(
        impact_kind=pl.Series(kinds, dtype=pl.String),
        incident=pl.struct("incident_id", "title"),
        workflow=pl.Series([state_text(workflow.get(i)) for i in queue["incident_id"]],
                           dtype=pl.String),
        severity=pl.struct("worst_severity", "source").map_elements(
            lambda r: severity_text(r["worst_severity"], r["source"]), return_dtype=pl.String))
    table = data_table(shown, columns, "operations-queue-table",
                       "No incidents in the selected period and filters")
    if queue.is_empty() and not by_network:
        return table
    rest = html.Div([
        f"The first {rows:,} of {rows + more:,} incidents. Narrow the filters (a region, the "
        "open ones), or list them with ", html.Code("cxbridge incidents --all --limit N"),
        " or the TMF656 API."], className="card-note", id="operations-queue-more") \
        if more else None
    return html.Div([html.Div(note, className="card-note"), table, rest])


RANK_NOTE = ("The queue rank is the place among every incident in the snapshot, so ranks the "
             "filters hide are skipped.")
QUEUE_NOTE = f"Open incidents first, then by customer impact. {RANK_NOTE}"
CHRONIC_AFTER_DAYS = 3.0  # without the queue's own (a snapshot from before the sections)


def section_rule(queue: pl.DataFrame) -> str:
    """The queue's ordering rule in one sentence (models/incidents/sql/queue.sql), with the
    threshold the models used."""
    days = CHRONIC_AFTER_DAYS
    if "chronic_after_days" in queue.columns and queue["chronic_after_days"].drop_nulls().len():
        days = float(queue["chronic_after_days"].drop_nulls()[0])
    return QUEUE_RULE.format(days=days)


def network_queue_note(unit: str) -> str:
    """How a queue ranked by network impact is ordered, in words."""
    weight = ("the active sessions it usually carries" if unit == "session-minutes"
              else "its usual traffic")
    return (f"Open incidents first, then by network impact in {unit}: for every cell or port "
            f"hurt, the minutes it was affected × {weight}. No customer services are loaded, "
            f"so customers, services, SLAs and revenue are not counted. {RANK_NOTE}")


def sentence(text: str) -> str:
    """'session-minutes' → 'Session-minutes'."""
    return text[:1].upper() + text[1:]


def silent_table(silent: pl.DataFrame, query: str) -> html.Div:
    """Degradations found in the counters with no alarm: where, since when, whom they hurt."""
    if queue_basis(silent, knows_services=True) == "network":
        measure = Column("score_network", sentence(network_unit(
            silent["network_basis"].to_list() if "network_basis" in silent.columns else None)),
            labels.format_count, numeric=True)
    else:
        measure = Column("affected_customers", "Customers", labels.format_count, numeric=True)
    columns = (
        Column("incident", "Degradation", lambda r: incident_cell(r, query)),
        Column("started_at", "Since", labels.format_time, nowrap=True),
        Column("status", "Status", status_tag, nowrap=True),
        measure,
    )
    shown = silent.with_columns(incident=pl.struct("incident_id", "title"))
    return data_table(shown, columns, "operations-silent-table",
                      "No silent degradations in the selected period and filters")


def incident_header(incident: dict) -> html.Div:
    """Title, status and the facts an engineer asks first."""
    ends = incident["ended_at"] or incident["impact_end"]
    root_type = labels.code_label("resource_type", incident["root_resource_type"])
    if is_network_ranked(incident):
        score = (f"network impact {labels.format_count(incident['score_network'])} "
                 f"{network_unit(incident.get('network_basis'))}")
    else:
        score = f"impact score {labels.format_count(incident['priority_score'])}"
    region = incident["region"]
    return html.Div([
        html.Div([html.H1(incident["title"], className="page-title"),
                  status_tag(incident["status"])], className="incident-title-row"),
        facts([
            ("Incident", incident["incident_id"]),
            ("Rank in the queue", f"{incident['rank']} ({score})"),
            ("Alarm severity", severity_text(incident["worst_severity"], incident["source"])),
            ("Root resource", f"{incident['root_resource_id'] or '–'} · {root_type}"),
            ("Region", "Not known" if region in (None, "unknown") else region),
            ("Started", labels.format_time(incident["started_at"])),
            ("Ended" if incident["ended_at"] else "Impact counted until",
             labels.format_time(ends)),
            ("Lasted", labels.format_minutes(incident["duration_minutes"])),
            ("How it was found", labels.sentence_case(incident["detection"])),
        ], class_name="facts facts-wide"),
    ])


def exposure_stats(incident: dict) -> html.Div:
    """Customers, services, SLA exposure, revenue at risk, experience drop (or, ranked by
    network impact, the cells and ports hurt, for how long and the traffic they carry)."""
    if is_network_ranked(incident):
        return network_stats(incident)
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


def is_degradation(incident: dict | None) -> bool:
    """Whether the incident slowed service down (congestion, a surge) rather than took it away
    (``effect`` of the queue, models/incidents/sql/queue.sql)."""
    return bool(incident) and incident.get("effect") == "degradation"


def impact_words(incident: dict | None) -> str:
    """What a customer's minutes in the incident were: 'Degraded for' or 'Without service for'
    (congestion is not lost service)."""
    return "Degraded for" if is_degradation(incident) else "Without service for"


def care_preview(care: pl.DataFrame, query: str, incident: dict | None = None) -> html.Div:
    """How many customers to inform, and the first of them (ids only on screen); ``care``
    comes from :meth:`cxbridge.dashboards.data_access.SnapshotReader.care_preview`; the
    minutes column says whether they were degraded or without service (``incident``)."""
    columns = (
        Column("customer_id", "Customer",
               lambda v: dcc.Link(v, href=customer_href(v, query)), nowrap=True),
        Column("segment", "Segment", lambda v: labels.value_label("segment", v)),
        Column("cfs_types", "Services", labels.cfs_list),
        Column("impact_minutes", impact_words(incident), labels.format_minutes, numeric=True),
    )
    count = care["customers"][0] if not care.is_empty() else 0
    total = html.Div([html.Strong(labels.format_count(count), id="incident-care-count"),
                      " customers to inform, business customers first"], className="card-note")
    return html.Div([total, data_table(care, columns, "incident-care-table",
                                       "Nobody to inform")])


def kpis_note(incident: dict, kpis: pl.DataFrame) -> str:
    """Whose KPIs the incident's chart shows (``incident_kpis``), per hour or per day, what
    the gaps and the dashed line are and which counters the export does not carry."""
    root = incident["root_resource_id"]
    measured = not kpis.is_empty() and kpis["root_measured"].any()
    count = 0 if kpis.is_empty() else int(kpis["resources"].max())
    parts = [f"{root}, the root resource" if measured
             else f"The {count} access resources {root} hurt" if is_network_ranked(incident)
             else f"Mean of the {count} access resources carrying the services {root} hurt",
             "per day over its whole span" if "resolution" in kpis.columns
             and not kpis.is_empty() and kpis["resolution"][0] == "day" else "per hour",
             "the incident's time shaded",
             "gaps: the resources reported nothing (not zero)"]
    if not is_degradation(incident):
        parts.append("an interval not reported during the outage counts as without service")
    if "usual_sessions" in kpis.columns and kpis["usual_sessions"].drop_nulls().len() > 0:
        parts.append("dashed: the sessions usual at that hour on other days")
    missing = unmeasured_panels(kpis) if not kpis.is_empty() else ()
    if missing:
        parts.append(f"not measured by the export: {', '.join(m.lower() for m in missing)}")
    return "; ".join(parts)


def usual_sessions(incident: dict) -> float | None:
    """The active sessions the resources hurt usually carry (per 15 minutes, weighted by how
    long each was hurt), when the network impact is weighed by sessions."""
    minutes = incident.get("network_minutes") or 0
    if network_unit(incident.get("network_basis")) != "session-minutes" or minutes <= 0:
        return None
    return (incident.get("score_network") or 0) / minutes


def network_stats(incident: dict) -> html.Div:
    """What an incident ranked by network impact hurt: cells and ports, minutes, impact."""
    unit = network_unit(incident.get("network_basis"))
    usual = usual_sessions(incident)
    return html.Div([
        stat("Cells and ports hurt", labels.format_count(incident["network_resources"]),
             stat_id="incident-resources-hurt"),
        stat("Time hurt" if (incident["network_resources"] or 0) <= 1
             else "Time hurt, summed over them",
             labels.format_minutes(incident.get("network_minutes"))),
        stat("Usual active sessions", labels.format_decimal(usual)),
        stat(f"Network impact ({unit})", labels.format_count(incident["score_network"]),
             stat_id="incident-network-impact"),
    ], className="stat-row")


def score_note(incident: dict) -> str:
    """Why the incident ranks where it does, in words."""
    if not is_network_ranked(incident):
        return "Why it ranks here: its impact score, in weighted service-minutes"
    unit = network_unit(incident.get("network_basis"))
    usual = usual_sessions(incident)
    minutes = labels.format_minutes(incident.get("network_minutes"))
    weight = (f"the {usual:,.1f} active sessions usually carried" if usual is not None
              else "the usual traffic")
    hurt = ("one cell or port hurt" if (incident.get("network_resources") or 0) <= 1
            else f"{labels.format_count(incident['network_resources'])} cells and ports hurt, "
                 "summed,")
    return (f"Why it ranks here: {minutes} of {hurt} × {weight} = "
            f"{labels.format_count(incident['score_network'])} {unit}. No customer services "
            "are loaded, so customers, SLAs and revenue at risk cannot be counted.")


def resources_table(resources: pl.DataFrame) -> html.Div:
    """The cells and ports an incident hurt (``incident_resources``), busiest first: sessions
    while it lasted against their usual level."""
    columns = (
        Column("resource_id", "Cell or port", nowrap=True),
        Column("sessions_during", "Sessions", labels.format_decimal, numeric=True),
        Column("sessions_usual", "Usual", labels.format_decimal, numeric=True),
        Column("peak_utilisation_pct", "Peak use",
               lambda v: labels.format_decimal(v, 0, "%"), numeric=True),
        Column("unavailable_minutes", "Down", labels.format_minutes, numeric=True),
    )
    count = 0 if resources.is_empty() else int(resources["resources"][0])
    which = (f"the {resources.height} busiest" if count > resources.height
             else "it" if count == 1 else "each")
    hurt = "1 cell or port hurt" if count == 1 else \
        f"{labels.format_count(count)} cells and ports hurt"
    note = html.Div(f"{hurt}; for {which}, the mean active sessions per 15 minutes while the "
                    "incident lasted and usually, its peak utilisation and "
                    "time without service meanwhile", className="card-note")
    return html.Div([note, data_table(resources, columns, "incident-resources-table",
                                      "No cell or port measured behind it")])


CELL_ORDERS: dict[str, str] = {
    "busy_hour": "Busy-hour utilisation", "failures": "Failed set-ups",
    "throughput": "Lowest throughput", "unavailable": "Time without service",
}


def cells_table(cells: pl.DataFrame, open_incidents: pl.DataFrame, query: str,
                congested_pct: float) -> html.Div:
    """The cells and ports worst first (``access_worst``), with the open incident each is
    the root of; ``open_incidents`` has ``root_resource_id``, ``incident_id``, ``kind``."""
    linked = {}
    if not open_incidents.is_empty():
        for row in open_incidents.iter_rows(named=True):
            linked.setdefault(row["root_resource_id"], row)

    def incident_link(resource_id: str):
        row = linked.get(resource_id)
        if row is None:
            return ""
        return dcc.Link(labels.code_label("kind", row["kind"]),
                        href=incident_href(row["incident_id"], query))

    columns = (
        Column("resource_id", "Cell or port", nowrap=True),
        Column("busy_hour_pct", "Busy hour", lambda v: labels.format_decimal(v, 0, "%"),
               numeric=True),
        Column("congested_hours", f"Hours ≥ {congested_pct:.0f} %", labels.format_count,
               numeric=True),
        Column("throughput_mbps", "Mbit/s", labels.format_decimal, numeric=True),
        Column("failed_setup_pct", "Failed set-ups",
               lambda v: labels.format_decimal(v, 2, "%"), numeric=True),
        Column("sessions", "Sessions", labels.format_decimal, numeric=True),
        Column("unavailable_minutes", "Down", labels.format_minutes, numeric=True),
        Column("resource_id", "Open incident", incident_link),
    )
    count = 0 if cells.is_empty() else int(cells["resources"][0])
    note = html.Div(
        f"{cells.height} of {labels.format_count(count)} cells and ports measured in the "
        "period. Busy hour: the day's highest 15-minute utilisation, averaged over the days; "
        "sessions: mean active per 15 minutes; – not measured by the export.",
        className="card-note")
    return html.Div([note, data_table(cells, columns, "operations-cells-table",
                                      "No cell or port measured in the selected period")])


# --- live mode: the queue's freshness and the incidents that appeared -----------------------

LIVE_NOTICES_SHOWN = 5


def updated_marker(at: datetime | None, where: tzinfo) -> str:
    """'updated 14:03:27 UTC': when the queue shown was last updated (a live overlay, else the
    snapshot's build), in the dashboard's zone ('' when unknown)."""
    if at is None:
        return ""
    shown = clock.local(at, where)
    return f"updated {shown:%H:%M:%S} {clock.abbreviation(shown)}"


def new_notable(notable: pl.DataFrame, known: list[str] | None) -> pl.DataFrame:
    """The rows of ``notable`` (open incidents above the notification threshold) whose
    incident is not in ``known`` (those the page already had); none when nothing was known
    yet (the page's first look is not news)."""
    if known is None or notable.is_empty():
        return notable.head(0)
    return notable.filter(~pl.col("incident_id").is_in(known))


def live_notices(new: pl.DataFrame, shown: list | None) -> list:
    """A notice per new incident (its title linked to its page, its score and customers),
    newest above the ones already shown, :data:`LIVE_NOTICES_SHOWN` at most."""
    notices = [dbc.Alert([
        html.Strong("New incident: "),
        dcc.Link(row["title"] or row["incident_id"], href=incident_href(row["incident_id"], ""),
                 className="incident-link"),
        html.Span(_notable_impact(row), className="ms-2"),
    ], color="warning", dismissable=True, className="live-incident-notice py-2 mb-2",
        id={"type": "live-notice", "incident": row["incident_id"]})
        for row in new.iter_rows(named=True)]
    return (notices + list(shown or []))[:LIVE_NOTICES_SHOWN]


def _notable_impact(row: dict) -> str:
    score = labels.format_count(row["priority_score"])
    if row.get("priority_basis") == "network":
        return f"impact score {score} (network impact)"
    customers = labels.format_count(row["affected_customers"] or 0)
    return f"impact score {score}, {customers} customers affected"
