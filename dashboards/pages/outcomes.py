"""Outcomes: what each recorded programme of offers and care contacts changed, measured against
the random control group held out from it: churn of treated against control within 30, 60 or 90
days after the action, the effect with its 95 % interval and a verdict ("too few to tell" when a
group is too small), and the money kept net of what the offers cost; by whole programme, or per
segment, region or contract.

It reads ``marts.programme_outcomes`` (models/outcomes), built when an actions feed is loaded;
without one it says which files would bring it. It holds counts and rates only, no personal
data, so every role may open it. Its controls (window, breakdown) are kept in the URL; the
filter bar does not apply (an action's window runs past any period chosen there).
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, callback, dcc, html

from cxbridge.dashboards import outcomes_view as view
from cxbridge.dashboards.components import titled_card
from cxbridge.dashboards.context import current_reader, needs_snapshot
from cxbridge.dashboards.page_state import Control, PageState, one_of

PATH = "/outcomes"
dash.register_page(__name__, path=PATH, name="Outcomes", nav_group="Plan",
                   title="Outcomes · cxbridge", order=45, uses_filters=False)

_GRAPH = {"displayModeBar": False}
STATE = PageState("outcomes", (
    Control("window", "outcomes-window", "30", one_of(view.WINDOWS)),
    Control("by", "outcomes-breakdown", "all", one_of(tuple(view.BREAKDOWNS))),))
STATE.register()


def layout(**query: str) -> html.Div:
    """The page skeleton, its controls as the URL asks; the callback fills it."""
    chosen = STATE.values(query)
    controls = html.Div([
        dbc.RadioItems(id="outcomes-window", value=chosen["window"], inline=True,
                       options=[{"label": f"{w} days", "value": w} for w in view.WINDOWS]),
        dcc.Dropdown(id="outcomes-breakdown", value=chosen["by"], clearable=False,
                     searchable=False, style={"minWidth": "190px"},
                     options=[{"label": v, "value": k} for k, v in view.BREAKDOWNS.items()]),
    ], className="d-flex gap-3 align-items-center")
    body = html.Div([
        html.Div(id="outcomes-summary-row"),
        dbc.Row(dbc.Col(titled_card("Change in churn, treated against control", [
            html.Div(view.METHOD_NOTE, className="card-note"),
            dcc.Graph(id="outcomes-effects", config=_GRAPH, responsive=True,
                      style={"height": "260px"})], controls)), className="g-3 mb-3"),
        dbc.Row(dbc.Col(titled_card("What each programme changed, and what it cost", [
            html.Div(id="outcomes-window-note", className="card-note"),
            html.Div(id="outcomes-detail")])), className="g-3 mb-3"),
        dbc.Row(dbc.Col(titled_card("Whom to target: expected effect against churn risk", [
            html.Div(view.QINI_NOTE, className="card-note"),
            dcc.Graph(id="outcomes-qini", config=_GRAPH, responsive=True,
                      style={"height": "280px"}),
            html.Div(id="outcomes-uplift")]))),
    ], id="outcomes-body")
    return html.Div([STATE.location(), html.Div(id="outcomes-notice"), body],
                    className="outcomes")


@callback(Output("outcomes-qini", "figure"), Output("outcomes-uplift", "children"),
          Input("outcomes-window", "id"))
@needs_snapshot
def show_targeting(_):
    """The uplift model's Qini curves and per-programme status (one per snapshot)."""
    data = view.uplift_data(current_reader())
    if data is None:
        return view.empty_figure("No targeting model: it needs recorded actions"), None
    programmes, curves = data
    return view.qini_figure(curves, programmes), view.uplift_table(programmes)


@callback(Output("outcomes-notice", "children"), Output("outcomes-summary-row", "children"),
          Output("outcomes-effects", "figure"), Output("outcomes-detail", "children"),
          Output("outcomes-window-note", "children"), Output("outcomes-body", "hidden"),
          Input("outcomes-window", "value"), Input("outcomes-breakdown", "value"))
@needs_snapshot
def show_outcomes(window, breakdown):
    """Everything on the page for the chosen window and breakdown, or what would bring it."""
    reader = current_reader()
    window = window if window in view.WINDOWS else "30"
    frame = view.outcomes_data(reader, breakdown if breakdown in view.BREAKDOWNS else "all",
                               window)
    if frame is None:
        return view.no_actions_notice(), None, {}, None, None, True
    reached = view.windows_available(reader)
    note = (None if int(window) in reached else
            f"No action is {window} days old within the data yet"
            + (f"; windows observed: {', '.join(f'{w} days' for w in reached)}." if reached
               else "."))
    return (None, view.summary_stats(frame, int(window)), view.effect_figure(frame),
            view.outcomes_table(frame), note, False)
