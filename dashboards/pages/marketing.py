"""Marketing: experience × churn-risk quadrants, the drivers of churn risk, a campaign builder.

The quadrants split customers by the registry's experience target and the churn model's high
risk band, by region, segment or service type. The campaign builder previews who an offer
would reach (and who is held back because an open incident is hurting them right now), with
counts and revenue at risk, and who is suppressed for consent (per reason), and exports the
list as CSV (a plain download link, :mod:`cxbridge.dashboards.exports`): with contact details
for the marketing role, ids only for everybody else (:mod:`cxbridge.dashboards.roles`).

The page's controls (the quadrants' split, the builder's offers, risk bands, campaign code and
control-group rate) live in the URL beside the filter bar's
(``?by=region&offers=retention&bands=high&code=WINBACK&control=20``,
:mod:`cxbridge.dashboards.page_state`), so a shared link reopens the same campaign.
"""

from __future__ import annotations

from urllib.parse import urlencode

import dash
import dash_bootstrap_components as dbc
import polars as pl
from dash import Input, Output, callback, dcc, html

from cxbridge.dashboards import campaign
from cxbridge.dashboards.campaign import (
    DEFAULT_CONTROL_RATE,
    OFFERS,
    RANKINGS,
    RISK_BANDS,
    RISK_LABELS,
    CampaignChoice,
    choice_to_pairs,
    clean_code,
    percent_rate,
    rank_of,
)
from cxbridge.dashboards.components import page_missing_notice, titled_card
from cxbridge.dashboards.context import current_reader, current_role, needs_snapshot, role_input
from cxbridge.dashboards.data_access import CHURN_TABLES, DIMENSIONS
from cxbridge.dashboards.exports import campaign_href
from cxbridge.dashboards.figures_marketing import (
    drivers_figure,
    quadrant_bars_figure,
    risk_map_figure,
)
from cxbridge.dashboards.filters import Filters, filter_inputs
from cxbridge.dashboards.labels import dimension_label
from cxbridge.dashboards.marketing_view import (
    PREVIEW_NEEDS,
    PREVIEW_ROWS,
    campaign_preview,
    drivers_note,
    quadrant_stats,
)
from cxbridge.dashboards.page_state import (
    Control,
    PageState,
    join,
    number_between,
    number_text,
    one_of,
    subset_of,
)
from cxbridge.dashboards.roles import ROLE_LABELS, sees_contacts

PATH = "/marketing"
dash.register_page(__name__, path=PATH, name="Marketing",
                   title="Marketing · cxbridge", order=10)

_GRAPH = {"displayModeBar": False}
# the page's controls in the URL, defaults left out; the builder's keys are those of the export
# link (cxbridge.dashboards.campaign.choice_to_pairs)
STATE = PageState("marketing", (
    Control("by", "marketing-by", "segment", one_of(DIMENSIONS)),
    Control("offers", "marketing-offers", list(OFFERS), subset_of(tuple(OFFERS)), join),
    Control("bands", "marketing-bands", list(RISK_BANDS), subset_of(RISK_BANDS), join),
    Control("code", "marketing-code", "", clean_code),
    Control("control", "marketing-control", round(100 * DEFAULT_CONTROL_RATE),
            number_between(0, 50), number_text),
    Control("rank", "marketing-rank", "risk", one_of(tuple(RANKINGS))),
))
STATE.register()


def layout(**query: str) -> html.Div:
    """The page skeleton, its controls as the URL asks (:data:`STATE`)."""
    chosen = STATE.values(query)
    by_picker = dbc.RadioItems(id="marketing-by", value=chosen["by"], inline=True,
                               options=[{"label": dimension_label(d), "value": d}
                                        for d in DIMENSIONS])
    builder = [
        dbc.Row([
            dbc.Col([html.Label("Offers", className="filter-label"),
                     dbc.Checklist(id="marketing-offers", value=chosen["offers"],
                                   inline=True,
                                   options=[{"label": v, "value": k} for k, v in OFFERS.items()])],
                    md=7),
            dbc.Col([html.Label("Churn risk", className="filter-label"),
                     dbc.Checklist(id="marketing-bands", value=chosen["bands"],
                                   inline=True,
                                   options=[{"label": RISK_LABELS[b], "value": b}
                                            for b in RISK_BANDS])], md=5),
        ], className="g-2 mb-2"),
        dbc.Row([
            dbc.Col([html.Label("Campaign code", className="filter-label",
                                htmlFor="marketing-code"),
                     dbc.Input(id="marketing-code", value=chosen["code"], debounce=True,
                               size="sm", maxLength=40,
                               placeholder="generated: offer and date")], md=7),
            dbc.Col([html.Label("Control group %", className="filter-label",
                                htmlFor="marketing-control"),
                     dbc.Input(id="marketing-control", type="number", min=0, max=50, step=1,
                               value=chosen["control"], debounce=True,
                               size="sm")], md=5),
        ], className="g-2 mb-2"),
        dbc.Row(dbc.Col([
            html.Label("Rank by", className="filter-label"),
            dbc.RadioItems(id="marketing-rank", value=chosen["rank"], inline=True,
                           options=[{"label": v, "value": k} for k, v in RANKINGS.items()]),
            html.Div(id="marketing-rank-note", className="card-note")]), className="g-2 mb-2"),
        html.Div(id="marketing-preview"),
        html.Div([html.A("Export CSV", id="marketing-export", className="btn btn-primary "
                         "btn-sm", download="", href=""),
                  html.Span(id="marketing-export-note", className="export-note")],
                 className="export-row"),
        html.Div(html.A("Review network impact with operations →", id="marketing-review",
                        href="/review", className="review-link"), className="export-row"),
    ]
    return html.Div([
        STATE.location(),
        html.Div(id="marketing-notice"),
        html.Div(id="marketing-quadrant-stats", className="row row-cols-2 row-cols-xl-4 g-3 "
                                                          "mb-3"),
        dbc.Row([
            dbc.Col(titled_card("Experience × churn risk", [_graph("marketing-risk-map")]),
                    lg=6),
            dbc.Col(titled_card("Quadrants by", [_graph("marketing-quadrants")], by_picker),
                    lg=6),
        ], className="g-3 mb-3"),
        dbc.Row([
            dbc.Col(titled_card("What drives churn risk", [
                html.Div(id="marketing-network-share", className="card-note"),
                _graph("marketing-drivers")]), lg=5),
            dbc.Col(titled_card("Campaign builder", builder), lg=7),
        ], className="g-3"),
    ], className="marketing")


def _builder_inputs() -> list[Input]:
    """The campaign builder's controls, in the order of :func:`_choice`'s arguments."""
    return [Input("marketing-offers", "value"), Input("marketing-bands", "value"),
            Input("marketing-code", "value"), Input("marketing-control", "value"),
            Input("marketing-rank", "value")]


def _choice(offers, bands, code, control, rank="risk") -> CampaignChoice:
    """The builder's controls as a choice, offers and bands in their usual order."""
    return CampaignChoice(tuple(o for o in OFFERS if o in (offers or ())),
                          tuple(b for b in RISK_BANDS if b in (bands or ())),
                          clean_code(code), percent_rate(control), rank_of(rank))


@callback(Output("marketing-rank", "options"), Output("marketing-rank-note", "children"),
          Input("marketing-rank", "id"))
@needs_snapshot
def rank_options(_):
    """"Expected effect" offered only when an uplift is published, with what it covers or why
    it is not (read once per snapshot)."""
    usable, note = current_reader().uplift_ranking()
    return ([{"label": v, "value": k, "disabled": k == "effect" and not usable}
             for k, v in RANKINGS.items()], note)


def _graph(graph_id: str) -> dcc.Loading:
    return dcc.Loading(dcc.Graph(id=graph_id, config=_GRAPH, responsive=True,
                                 style={"height": "300px"}), type="dot", delay_show=300)


@callback(Output("marketing-notice", "children"), Output("marketing-quadrant-stats", "children"),
          Output("marketing-risk-map", "figure"), Output("marketing-drivers", "figure"),
          Output("marketing-network-share", "children"), *filter_inputs())
@needs_snapshot
def show_segments(start, end, regions, segments, cfs_types):
    """Quadrant counts, the risk map and the churn drivers for the filtered customers."""
    filters = Filters.from_inputs(start, end, regions, segments, cfs_types)
    reader = current_reader()
    missing = (*reader.missing(*CHURN_TABLES), *reader.missing_for("open_incident_customers"))
    frame = reader.customer_view(filters)
    high = campaign.viewed(frame, "churn_probability", "risk_band", "network_reason").filter(
        pl.col("risk_band") == "high")
    floor = high["churn_probability"].min() if not high.is_empty() else None
    return (page_missing_notice(reader, missing, PATH) if missing else None,
            quadrant_stats(frame),
            risk_map_figure(campaign.risk_grid(frame), campaign.experience_target(), floor),
            drivers_figure(reader.churn_drivers(filters)),
            drivers_note(high))


@callback(Output("marketing-quadrants", "figure"), Input("marketing-by", "value"),
          *filter_inputs())
@needs_snapshot
def show_quadrants(by, start, end, regions, segments, cfs_types):
    """The quadrant mix per region, segment or service type."""
    filters = Filters.from_inputs(start, end, regions, segments, cfs_types)
    column = "cfs_types" if by == "cfs_type" else by
    scored = campaign.viewed(current_reader().customer_view(filters), column, "quadrant",
                             "churn_probability").filter(pl.col("churn_probability").is_not_null())
    return quadrant_bars_figure(campaign.quadrants_by(scored, by), by)


@callback(Output("marketing-preview", "children"), *_builder_inputs(), *filter_inputs())
@needs_snapshot
def preview(offers, bands, code, control, rank, start, end, regions, segments, cfs_types):
    """Who the campaign reaches, who is held back or suppressed for consent, with the first
    rows of the list."""
    filters = Filters.from_inputs(start, end, regions, segments, cfs_types)
    choice = _choice(offers, bands, code, control, rank)
    counts, first = campaign.preview(current_reader().customer_view(filters), choice,
                                     PREVIEW_ROWS, PREVIEW_NEEDS)
    return campaign_preview(counts, first, choice, filters)


@callback(Output("marketing-export", "href"), Output("marketing-export-note", "children"),
          *_builder_inputs(), role_input(), *filter_inputs())
def export_link(offers, bands, code, control, rank, requested_role, start, end, regions, segments,
                cfs_types):
    """The download link of this campaign (customers held back or without consent are never
    in it); contact details only for roles allowed them."""
    filters = Filters.from_inputs(start, end, regions, segments, cfs_types)
    role = current_role(requested_role)
    choice = _choice(offers, bands, code, control, rank)
    note = ("With names, consented e-mails and E.164 phones" if sees_contacts(
        role, "campaign_export") else
            f"By customer id: contact details are exported for marketing only (you are "
            f"viewing as {ROLE_LABELS[role]})")
    return campaign_href(filters, choice, requested_role), note


@callback(Output("marketing-review", "href"), *_builder_inputs(), *filter_inputs())
def review_link(offers, bands, code, control, rank, start, end, regions, segments,
                cfs_types):
    """The joint review page (pages/review.py) on this very campaign: same filters, offers,
    bands, code and control group, so operations opens what marketing sees."""
    filters = Filters.from_inputs(start, end, regions, segments, cfs_types)
    query = "&".join(q for q in (filters.to_query().lstrip("?"), urlencode(
        choice_to_pairs(_choice(offers, bands, code, control, rank)), safe=",")) if q)
    return f"/review?{query}" if query else "/review"
