"""Layout pieces of the Marketing page built from :mod:`cxbridge.dashboards.campaign` frames: the
quadrant counts and the campaign preview. Frames in, components out; no I/O."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import polars as pl
from dash import html

from cxbridge.dashboards import campaign, labels, theme
from cxbridge.dashboards.campaign import OFFER_WHY, OFFERS, QUADRANTS, SUPPRESSIONS, CampaignChoice
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
# what the preview's table reads of its first customers (campaign.preview(…, PREVIEW_NEEDS))
PREVIEW_NEEDS = tuple(dict.fromkeys(c.key for c in PREVIEW_COLUMNS))


def quadrant_stats(frame: pl.DataFrame) -> list[html.Div]:
    """Four boxes: customers and revenue at risk in each experience × risk quadrant."""
    summary = campaign.quadrant_summary(
        campaign.viewed(frame, "quadrant", "revenue_at_risk_eur", "churn_probability")
        .filter(pl.col("churn_probability").is_not_null()))
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


def campaign_preview(counts: dict[str, float], first: pl.DataFrame,
                     choice: CampaignChoice | None = None,
                     filters: Filters | None = None) -> html.Div:
    """Counts (reached, held back, suppressed for consent, revenue at risk: of
    :func:`cxbridge.dashboards.campaign.campaign_counts`), why customers were suppressed, the
    split per offer, the campaign code and control group the export will carry, and the
    ``first`` customers to contact (:func:`cxbridge.dashboards.campaign.preview`)."""
    choice = choice or CampaignChoice()
    held = counts["held_back"]
    suppressed = counts["suppressed"]
    stats = html.Div([
        stat("Customers to contact", labels.format_count(counts["reached"]),
             stat_id="marketing-reached"),
        stat("Held back: inside an open incident", labels.format_count(held),
             "watch" if held else None, stat_id="marketing-held-back"),
        stat("Suppressed: no consent or no address", labels.format_count(suppressed),
             stat_id="marketing-suppressed"),
        stat("Revenue at risk reached /month", labels.format_euros(counts["revenue_at_risk_eur"]),
             stat_id="marketing-revenue"),
    ], className="stat-row")
    why_not = html.Div(
        ["Suppressed: "] + _joined([html.Span(
            f"{text} {labels.format_count(counts[reason])}", id=f"marketing-suppressed-{reason}")
            for reason, text in SUPPRESSIONS.items()])
        + ([f" · {labels.format_count(counts['phone_unusable'])} phone numbers not valid "
            "(E.164) and left out"] if counts["phone_unusable"] else []),
        className="card-note", id="marketing-suppression-split")
    split = html.Div("By offer: " + " · ".join(f"{OFFERS[o]} {labels.format_count(counts[o])}"
                                               for o in OFFERS), className="card-note",
                     id="marketing-offer-split")
    code = campaign.campaign_code(choice, filters.end if filters else None)
    control = html.Div([
        "Campaign ", html.Code(code, id="marketing-campaign-code"),
        f" · control group {100 * choice.control_rate:g} % (a fixed random hold-out, in the "
        "file and flagged, for the campaign tool to leave out)"],
        className="card-note", id="marketing-control-note")
    why = html.Ul([html.Li([html.Strong(OFFERS[o] + ": "), OFFER_WHY[o]]) for o in OFFERS],
                  className="offer-why")
    note = html.Div("Customers inside an open incident are never exported: an offer during an "
                    "outage backfires. They get service recovery once it clears.",
                    className="card-note", style={"color": theme.MUTED}) if held else None
    return html.Div([stats, why_not, split, control, note,
                     data_table(first, PREVIEW_COLUMNS, "marketing-preview-table",
                                "No customers to contact in this campaign"), why])


def _joined(parts: list) -> list:
    """Components with " · " between them."""
    out: list = []
    for part in parts:
        out.extend([" · ", part] if out else [part])
    return out


def drivers_note(high: pl.DataFrame) -> str | None:
    """How many high-risk customers (of the filtered ones) have a network reason."""
    share = campaign.network_share(high)
    if share is None:
        return None
    return (f"{high.height:,} customers at high risk; {100 * share:.0f} % of them have "
            "a network-rooted reason (red) among their top three.")
