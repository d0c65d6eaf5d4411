"""Campaign review: what a campaign built in the marketing builder would do to the network,
for marketing and operations to decide together from the same link.

The campaign is the builder's (its offers, risk bands, code and control group, and the filter
bar, all in the URL under the builder's own keys, so the marketing page's "Review network
impact" link opens this page on the same campaign); ``content`` says what taking the offer up
gives (as each customer's offer, or one product for all). The page shows the verdict per region
(ready / needs capacity / hold, with the customers already on flagged resources and the revenue
at stake), the cells and PON ports the takers would load (flagged when the projected busy hour
reaches the congestion threshold; *may congest* when an offer with no history could take it
there at the high end of its range), the assumptions (learned from past campaigns or configured)
and a phased list whose first phase stays within capacity; the whole review downloads as a CSV
report (:mod:`cxbridge.dashboards.review_export`). Projection:
:mod:`cxbridge.dashboards.review_reader` and :mod:`cxbridge.models.whatif.campaign`.
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
import polars as pl
from dash import Input, Output, callback, dcc, html

from cxbridge.dashboards import labels
from cxbridge.dashboards import review_reader as reader_of
from cxbridge.dashboards.campaign import (
    DEFAULT_CONTROL_RATE,
    OFFERS,
    RISK_BANDS,
    RISK_LABELS,
    CampaignChoice,
    clean_code,
    percent_rate,
)
from cxbridge.dashboards.components import (
    Column,
    data_table,
    page_missing_notice,
    stat,
    status_badge,
    titled_card,
)
from cxbridge.dashboards.context import current_reader, needs_snapshot
from cxbridge.dashboards.filters import Filters, filter_inputs
from cxbridge.dashboards.page_state import (
    Control,
    PageState,
    join,
    number_between,
    number_text,
    one_of,
    subset_of,
)
from cxbridge.dashboards.review_export import review_href

PATH = "/review"
dash.register_page(__name__, path=PATH, name="Campaign review", nav_group="Plan",
                   title="Campaign review · cxbridge", order=12)

VERDICT_STATUS = {"ready": "good", "needs capacity": "watch", "hold": "poor"}
RESOURCE_ROWS = 15
# the builder's keys (cxbridge.dashboards.campaign.choice_to_pairs), so its links open here
STATE = PageState("review", (
    Control("offers", "review-offers", list(OFFERS), subset_of(tuple(OFFERS)), join),
    Control("bands", "review-bands", list(RISK_BANDS), subset_of(RISK_BANDS), join),
    Control("code", "review-code", "", clean_code),
    Control("control", "review-control", round(100 * DEFAULT_CONTROL_RATE),
            number_between(0, 50), number_text),
    Control("content", "review-content", "campaign", one_of(tuple(reader_of.CONTENTS))),
))
STATE.register()


def layout(**query: str) -> html.Div:
    """The page skeleton, the campaign as the URL asks; the callback fills it."""
    chosen = STATE.values(query)
    controls = dbc.Row([
        dbc.Col([html.Label("Offers", className="filter-label"),
                 dbc.Checklist(id="review-offers", value=chosen["offers"], inline=True,
                               options=[{"label": v, "value": k} for k, v in OFFERS.items()])],
                md=4),
        dbc.Col([html.Label("Churn risk", className="filter-label"),
                 dbc.Checklist(id="review-bands", value=chosen["bands"], inline=True,
                               options=[{"label": RISK_LABELS[b], "value": b}
                                        for b in RISK_BANDS])], md=3),
        dbc.Col([html.Label("Taking the offer gives", className="filter-label",
                            htmlFor="review-content"),
                 dcc.Dropdown(id="review-content", value=chosen["content"], clearable=False,
                              searchable=False,
                              options=[{"label": v, "value": k}
                                       for k, v in reader_of.CONTENTS.items()])], md=3),
        dbc.Col([html.Label("Code · control %", className="filter-label"),
                 html.Div([dbc.Input(id="review-code", value=chosen["code"], debounce=True,
                                     size="sm", maxLength=40, placeholder="generated"),
                           dbc.Input(id="review-control", type="number", min=0, max=50,
                                     step=1, value=chosen["control"], debounce=True,
                                     size="sm", style={"maxWidth": "70px"})],
                          className="d-flex gap-1")], md=2),
    ], className="g-2 mb-3")
    body = html.Div([
        html.Div(id="review-summary", className="mb-3"),
        dbc.Row([
            dbc.Col(titled_card("Verdict per region", [html.Div(id="review-regions")]), lg=6),
            dbc.Col(titled_card("Phased target list", [
                html.Div(id="review-phases"),
                html.Div([html.A("Export report (CSV)", id="review-export",
                                 className="btn btn-primary btn-sm", download="", href=""),
                          html.Span("regions, resources, assumptions and every target's "
                                    "phase", className="export-note")],
                         className="export-row")]), lg=6),
        ], className="g-3 mb-3"),
        dbc.Row(dbc.Col(titled_card("Cells and PON ports the takers would load", [
            html.Div(id="review-assumptions", className="card-note"),
            html.Div(id="review-resources")]))),
    ], id="review-body")
    return html.Div([STATE.location(), titled_card("Campaign", [controls]),
                     html.Div(id="review-notice", className="mt-3"), body],
                    className="review")


def _choice(offers, bands, code, control) -> CampaignChoice:
    return CampaignChoice(tuple(o for o in OFFERS if o in (offers or ())),
                          tuple(b for b in RISK_BANDS if b in (bands or ())),
                          clean_code(code), percent_rate(control))


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f} %"


REGION_COLUMNS = (
    Column("region", "Region"),
    Column("verdict", "Verdict", lambda v: status_badge(v, VERDICT_STATUS.get(v, "unknown"))),
    Column("targets", "Targets", labels.format_count, numeric=True),
    Column("flagged", "Flagged", labels.format_count, numeric=True),
    Column("may_congest", "May congest", labels.format_count, numeric=True),
    Column("customers_affected", "Customers affected", labels.format_count, numeric=True),
    Column("revenue_at_stake_eur", "Revenue at stake / month", labels.format_euros,
           numeric=True),
)
RESOURCE_COLUMNS = (
    Column("resource_id", "Resource", nowrap=True),
    Column("resource_type", "Type"),
    Column("region", "Region"),
    Column("targets", "Targets", labels.format_count, numeric=True),
    Column("busy_util_pct", "Busy hour now", _pct, numeric=True),
    Column("after_util_pct", "Projected", _pct, numeric=True),
    Column("high_util_pct", "Up to (unproven offer)", _pct, numeric=True),
    Column("status", "", lambda s: status_badge(s, RESOURCE_STATUS[s]) if s else ""),
)
RESOURCE_STATUS = {"over threshold": "poor", "may congest": "watch"}


def _resource_rows(resources: pl.DataFrame) -> pl.DataFrame:
    """The resources as the table shows them: the high end only where an unproven offer makes
    the projection a range, and one status (flagged, or may congest at the high end)."""
    return resources.with_columns(
        high_util_pct=pl.when(pl.col("after_high_util_pct") > pl.col("after_util_pct") + 0.05)
        .then(pl.col("after_high_util_pct")),
        status=pl.when(pl.col("flagged")).then(pl.lit("over threshold"))
        .when(pl.col("may_congest")).then(pl.lit("may congest")).otherwise(pl.lit("")))


def _summary(projection, targets: pl.DataFrame) -> html.Div:
    res = projection.resources
    flagged = int(res["flagged"].sum())
    may = int(res["may_congest"].sum())
    takers = float(res["expected_takers"].sum()) if res.height else 0.0
    worst = projection.regions["verdict"].to_list()
    verdict = ("hold" if "hold" in worst else "needs capacity" if "needs capacity" in worst
               else "ready")
    return html.Div([
        stat("Targets (control group out)", labels.format_count(targets.height)),
        stat("Overall", verdict, VERDICT_STATUS[verdict], stat_id="review-verdict"),
        stat("Cells and ports serving them", labels.format_count(res.height)),
        stat("Flagged to congest", labels.format_count(flagged),
             "poor" if flagged else "good", stat_id="review-flagged"),
        stat("May congest: check", labels.format_count(may),
             "watch" if may else None, stat_id="review-may-congest"),
        stat("Customers affected", labels.format_count(projection.affected.height)),
        stat("Revenue at stake / month",
             labels.format_euros(float(projection.affected["monthly_revenue_eur"].sum()))),
        stat("Congestion threshold", _pct(projection.threshold_pct)),
    ], className="stat-row") if takers >= 0 else html.Div()


def _phases(projection) -> html.Div:
    phased = projection.phased
    first = phased.filter(pl.col("phase") == 1).height
    second = phased.height - first
    text = ("Every target fits within capacity: one phase." if not second else
            f"Phase 1: {labels.format_count(first)} targets now, within capacity; phase 2: "
            f"{labels.format_count(second)} once the flagged resources have more capacity.")
    return html.Div([html.P(text, id="review-phase-text"),
                     html.Div([stat("Phase 1", labels.format_count(first),
                                    stat_id="review-phase-1"),
                               stat("Phase 2", labels.format_count(second),
                                    "watch" if second else None, stat_id="review-phase-2")],
                              className="stat-row")])


def _assumptions(projection) -> str:
    rows = projection.assumptions.filter(pl.col("cfs_type").is_not_null())
    parts = [f"{r['offer']}: {r['take_up']:.0%} take-up, {r['cfs_type']} ×{r['uplift']:.2f} "
             f"({r['source']}{_range(r['extra_high'])})" for r in rows.iter_rows(named=True)]
    check = (f" A resource projected within {projection.margin_pts:g} points of the threshold, "
             "or over it at the high end of an unproven offer's range, may congest.")
    return ("Assumptions — " + "; ".join(parts) + "." + check) if parts else (
        "The offers chosen add no traffic (no uplift learned or configured).")


def _range(extra_high: float | None) -> str:
    return (f"; no history yet, so its extra load may be up to {extra_high:g}× this"
            if extra_high and extra_high > 1 else "")


@callback(Output("review-notice", "children"), Output("review-summary", "children"),
          Output("review-regions", "children"), Output("review-phases", "children"),
          Output("review-resources", "children"), Output("review-assumptions", "children"),
          Output("review-export", "href"), Output("review-body", "hidden"),
          Input("review-offers", "value"), Input("review-bands", "value"),
          Input("review-code", "value"), Input("review-control", "value"),
          Input("review-content", "value"), *filter_inputs())
@needs_snapshot
def show_review(offers, bands, code, control, content, start, end, regions, segments,
                cfs_types):
    """The whole review of the campaign the controls and filters describe."""
    reader = current_reader()
    absent = reader_of.missing(reader)
    if absent:
        return (page_missing_notice(reader, absent, PATH, "campaign_review"),
                None, None, None, None, None, "", True)
    filters = Filters.from_inputs(start, end, regions, segments, cfs_types)
    choice = _choice(offers, bands, code, control)
    content = content if content in reader_of.CONTENTS else "campaign"
    targets = reader_of.with_content(reader_of.campaign_targets(reader, filters, choice),
                                     content)
    projection = reader_of.review(reader, targets)
    shown = _resource_rows(projection.resources.head(RESOURCE_ROWS))
    more = projection.resources.height - shown.height
    table = [data_table(shown, RESOURCE_COLUMNS, "review-resource-table",
                        "No cell or PON port serves these targets")]
    if more > 0:
        table.append(html.Div(f"… and {more} more in the report", className="card-note"))
    return (None, _summary(projection, targets),
            data_table(projection.regions, REGION_COLUMNS, "review-region-table",
                       "No targets for this campaign"),
            _phases(projection), table, _assumptions(projection),
            review_href(filters, choice, content), False)
