"""Layout pieces of the Marketing page built from :mod:`cxbridge.dashboards.campaign` frames: the
quadrant counts and the campaign preview. Frames in, components out; no I/O."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import polars as pl
from dash import html

from cxbridge.dashboards import campaign, labels, theme
from cxbridge.dashboards.campaign import OFFER_WHY, OFFERS, QUADRANTS
from cxbridge.dashboards.components import Column, data_table, stat
from cxbridge.dashboards.figures_marketing import QUADRANT_COLOURS
from cxbridge.dashboards.filters import Filters

PREVIEW_ROWS = 8
PREVIEW_COLUMNS = (
    Column("customer_id", "Customer"),
    Column("segment", "Segment", lambda v: labels.value_label("segment", v)),
    Column("region", "Region"),
    Column("offer", "Offer", lambda v: OFFERS.get(v, "–")),
    Column("churn_probability", "Churn risk",
           lambda v: "–" if v is None else f"{100 * v:.0f} %", numeric=True),
    Column("revenue_at_risk_eur", "Revenue at risk", labels.format_euros, numeric=True),
)


def quadrant_stats(frame: pl.DataFrame) -> list[html.Div]:
    """Four boxes: customers and revenue at risk in each experience × risk quadrant."""
    summary = campaign.quadrant_summary(frame.filter(pl.col("churn_probability").is_not_null()))
    boxes = []
    for row in summary.iter_rows(named=True):
        quadrant = row["quadrant"]
        boxes.append(html.Div(dbc.Card(dbc.CardBody([
            html.Div(QUADRANTS[quadrant], className="kpi-label"),
            html.Div([html.Span(labels.format_count(row["customers"]), className="kpi-number"),
                      html.Span("customers", className="kpi-unit")],
                     id=f"marketing-quadrant-{quadrant}"),
            html.Div(f"{labels.format_euros(row['revenue_at_risk_eur'])} a month at risk",
                     className="kpi-target"),
        ]), className="kpi-tile h-100", style={"borderTopColor": QUADRANT_COLOURS[quadrant]}),
            className="col"))
    return boxes


def campaign_preview(selected: pl.DataFrame) -> html.Div:
    """Counts (reached, held back, revenue at risk, per offer) and the first rows."""
    counts = campaign.campaign_counts(selected)
    held = counts["held_back"]
    stats = html.Div([
        stat("Customers to contact", labels.format_count(counts["reached"]),
             stat_id="marketing-reached"),
        stat("Held back: inside an open incident", labels.format_count(held),
             "watch" if held else None, stat_id="marketing-held-back"),
        stat("Revenue at risk reached /month", labels.format_euros(counts["revenue_at_risk_eur"]),
             stat_id="marketing-revenue"),
    ], className="stat-row")
    split = html.Div("By offer: " + " · ".join(f"{OFFERS[o]} {labels.format_count(counts[o])}"
                                               for o in OFFERS), className="card-note",
                     id="marketing-offer-split")
    why = html.Ul([html.Li([html.Strong(OFFERS[o] + ": "), OFFER_WHY[o]]) for o in OFFERS],
                  className="offer-why")
    note = html.Div("Customers inside an open incident are never exported: an offer during an "
                    "outage backfires. They get service recovery once it clears.",
                    className="card-note", style={"color": theme.MUTED}) if held else None
    first = campaign.first_to_contact(selected, PREVIEW_ROWS)
    return html.Div([stats, split, note, data_table(first, PREVIEW_COLUMNS,
                                                    "marketing-preview-table",
                                                    "No customers to contact in this campaign"),
                     why])


def drivers_note(high: pl.DataFrame, filters: Filters, summary: bool) -> str | None:
    """How many high-risk customers have a network reason, and what the drivers cover."""
    share = campaign.network_share(high)
    parts = []
    if share is not None:
        parts.append(f"{high.height:,} customers at high risk; {100 * share:.0f} % of them have "
                     "a network-rooted reason (red) among their top three.")
    if summary and (filters.regions or filters.cfs_types):
        parts.append("Drivers are summarised by segment: region and service type do not "
                     "narrow them.")
    return " ".join(parts) or None
