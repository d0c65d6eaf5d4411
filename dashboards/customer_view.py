"""Layout pieces of Customer 360 built from query results: search results, the profile, the
churn risk and its reasons, services, incidents and tickets. Rows and frames in, components
out; no I/O. Contact details appear only when the caller passes them (roles decide)."""

from __future__ import annotations

import polars as pl
from dash import dcc, html

from cxbridge.dashboards import labels
from cxbridge.dashboards.components import Column, data_table, facts, stat, status_badge
from cxbridge.dashboards.network_view import customer_href, incident_cell, status_tag
from cxbridge.models.experience.sei import COMPONENTS, DEFAULT_WEIGHTS, WEIGHTS
from cxbridge.platform.metrics import metric

_RISK_STATUS = {"high": "poor", "medium": "watch", "low": "good"}
# What a measure no feed carried reads as: never a blank, a 0 or a dash that looks like a value.
NOT_MEASURED = "not measured"


def search_results(found: pl.DataFrame, query: str, by_contact: bool) -> html.Div:
    """Links to the customers a search found."""
    if found.is_empty():
        hint = ("" if by_contact else
                " Searching by name, e-mail or phone is for the customer care role.")
        return html.Div("No customer found." + hint, className="empty-text",
                        id="customer-results")
    items = []
    for row in found.iter_rows(named=True):
        extra = [row.get("name"), row.get("phone")] if by_contact else []
        words = " · ".join(str(w) for w in (labels.value_label("segment", row["segment"]),
                                              row["region"], *extra) if w)
        items.append(html.Li([dcc.Link(row["customer_id"],
                                       href=customer_href(row["customer_id"], query)),
                              html.Span(f"  {words}", className="muted")]))
    return html.Ul(items, className="search-results", id="customer-results")


def profile(customer: dict) -> html.Div:
    """Who they are to the business; name, e-mail and phone only if present in ``customer``."""
    contact = [(label, customer[key]) for key, label in
               (("name", "Name"), ("email", "E-mail"), ("phone", "Phone")) if key in customer]
    return html.Div([
        html.H1(customer.get("name") or f"Customer {customer['customer_id']}",
                className="page-title", id="customer-title"),
        facts([
            ("Customer", customer["customer_id"]),
            *contact,
            ("Segment", labels.value_label("segment", customer["segment"])),
            ("Region", f"{customer['region']} · {customer['city']}"),
            ("Customer since", labels.format_day(customer["customer_since"])),
            ("Contract", labels.code_label("contract_type", customer["contract_type"])),
            ("Status", labels.code_label("status", customer["status"])),
            ("Services", labels.cfs_list(customer["cfs_types"])),
            ("Monthly revenue", labels.format_euros(customer["monthly_revenue_eur"])),
        ], class_name="facts facts-wide"),
    ], id="customer-profile")


def churn_card(churn: dict | None) -> html.Div:
    """Their churn probability, band, revenue at risk and the model's reasons."""
    if churn is None:
        return html.Div("No churn score for this customer in this snapshot.",
                        className="empty-text")
    band = churn["risk_band"]
    reasons = [r for r in (churn["reason_1"], churn["reason_2"], churn["reason_3"]) if r]
    return html.Div([
        html.Div([
            stat("Churn probability", f"{100 * churn['churn_probability']:.0f} %",
                 _RISK_STATUS.get(band), stat_id="customer-churn"),
            stat("Revenue at risk /month", labels.format_euros(churn["revenue_at_risk_eur"])),
            html.Div(status_badge(f"{labels.code_label('risk_band', band)} risk",
                                  _RISK_STATUS.get(band, "unknown")), className="stat"),
        ], className="stat-row"),
        html.H3("Why", className="glossary-audience"),
        html.Ol([html.Li(labels.sentence_case(r)) for r in reasons]
                or [html.Li("No reason stands out")],
                className="reasons"),
        html.Div("Network-rooted: poor experience or outages are among the reasons."
                 if churn["network_reason"] else "", className="card-note"),
        html.Div(f"Scored on {labels.format_day(churn['scored_at_date'])} by "
                 f"{churn['model_version']}", className="card-note"),
    ])


def _not_measured() -> html.Span:
    return html.Span(NOT_MEASURED, className="muted not-measured")


def experience_parts(service: dict) -> html.Div:
    """The parts of the experience index that apply to the service's type, each with its mean
    score over the period or "not measured" (a counter its feeds do not carry, or no alarm
    feed), and the share of the index that was measured."""
    items = []
    for name in WEIGHTS.get(service.get("cfs_type"), DEFAULT_WEIGHTS):
        value = service.get(f"score_{name}")
        items.append(html.Li([f"{COMPONENTS[name]}: ",
                              _not_measured() if value is None else f"{value:.0f}"]))
    coverage = service.get("coverage")
    note = (f"{100 * coverage:.0f} % of the index measured" if coverage is not None
            else "Nothing measured")
    return html.Div([html.Ul(items, className="list-unstyled mb-0 experience-parts"),
                     html.Div(note, className="muted small")])


def services_table(services: pl.DataFrame) -> html.Div:
    experience = metric("experience_index")
    columns = (
        Column("service_id", "Service", nowrap=True),
        Column("cfs_type", "Type", lambda v: labels.value_label("cfs_type", v)),
        Column("experience", experience.label,
               lambda v: _not_measured() if v is None else html.Span(
                   labels.format_number(experience, v),
                   className=f"status-{experience.status(v)}"), numeric=True),
        Column("parts", "Made of (mean score)", experience_parts),
        Column("poor_days", "Poor days", labels.format_count, numeric=True),
        Column("outage_minutes", "Without service",
               lambda v: _not_measured() if v is None else labels.format_minutes(v),
               numeric=True),
        Column("worst_reason", "Worst day", lambda v: v or "–"),
    )
    shown = services
    if not services.is_empty():
        parts = [c for c in ("cfs_type", *(f"score_{n}" for n in COMPONENTS), "coverage")
                 if c in services.columns]
        shown = services.with_columns(parts=pl.struct(parts))
    return data_table(shown, columns, "customer-services-table",
                      "No services in the selected period")


OPEN_STATUSES_EXCLUDED = ("cleared", "resolved", "closed")


def outage_banner(incidents: pl.DataFrame, query: str) -> html.Div | None:
    """While an incident that touched one of their services is still open in the snapshot:
    a banner naming it (so care knows before the customer says so); else nothing."""
    if incidents.is_empty():
        return None
    open_now = (incidents.filter(~pl.col("status").is_in(OPEN_STATUSES_EXCLUDED))
                .group_by("incident_id", "title", maintain_order=True)
                .agg(pl.col("first_at").min(), services=pl.col("service_id").n_unique()))
    if open_now.is_empty():
        return None
    items = [html.Li([incident_cell(row, query), html.Span(
        f"  since {labels.format_time(row['first_at'])}, "
        f"{row['services']} of their services", className="muted")])
        for row in open_now.iter_rows(named=True)]
    return html.Div([html.Strong("Affected by an open incident now"),
                     html.Ul(items, className="mb-0")],
                    className="alert alert-warning", role="status", id="customer-outage-banner")


def incidents_table(incidents: pl.DataFrame, query: str) -> html.Div:
    """Each incident that touched one of their services (one row per incident)."""
    per_incident = incidents.group_by("incident_id", "title", "status", maintain_order=True).agg(
        pl.col("first_at").min(), pl.col("impact_minutes").max(),
        services=pl.col("service_id").n_unique()) if not incidents.is_empty() else incidents
    columns = (
        Column("incident", "Incident", lambda r: incident_cell(r, query)),
        Column("status", "Status", status_tag, nowrap=True),
        Column("first_at", "From", labels.format_time, nowrap=True),
        Column("impact_minutes", "Minutes", labels.format_minutes, numeric=True),
    )
    shown = per_incident.with_columns(incident=pl.struct("incident_id", "title")) \
        if not per_incident.is_empty() else per_incident
    return data_table(shown, columns, "customer-incidents-table",
                      "No incident has touched this customer's services")


def tickets_table(tickets: pl.DataFrame) -> html.Div:
    columns = [
        Column("created_at", "Opened", labels.format_time, nowrap=True),
        Column("channel", "Channel", lambda v: labels.code_label("channel", v)),
        Column("category", "About", lambda v: labels.code_label("category", v)),
        Column("status", "Status", lambda v: labels.code_label("status", v)),
        Column("hours_to_resolve", "Hours to resolve",
               lambda v: "–" if v is None else f"{v:.1f}", numeric=True),
    ]
    if "description" in tickets.columns:
        columns.append(Column("description", "What they said"))
    return data_table(tickets, columns, "customer-tickets-table", "No tickets")
