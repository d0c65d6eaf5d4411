"""Measured experience: what phones measured on the network (UE drive-test and app logs),
scored by the same laws as the experience index: sessions on a time line, video vs download
and driving vs static side by side, cells ranked worst first with their evidence, and the
worst sessions with their reasons in words.

The page has its own control (video, download or both) and no filter bar: the logs' dates are
those of the drive tests, not of the operator's KPI days. It holds no personal data; it is for
network operations, marketing and executives (:data:`cxbridge.dashboards.roles.PAGE_ROLES`).
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, callback, dcc, html

from cxbridge.dashboards.components import titled_card
from cxbridge.dashboards.context import current_reader, current_role, needs_snapshot, role_input
from cxbridge.dashboards.figures_measured import groups_figure, sessions_timeline
from cxbridge.dashboards.measured_view import (
    cells_table,
    groups_table,
    measured_data,
    no_logs_notice,
    summary_stats,
    worst_sessions_table,
)
from cxbridge.dashboards.page_state import Control, PageState, one_of
from cxbridge.dashboards.roles import PAGE_ROLES, ROLE_LABELS, sees_page

PATH = "/measured"
dash.register_page(__name__, path=PATH, name="Measured experience",
                   title="Measured experience · cxbridge", order=30, uses_filters=False)

_GRAPH = {"displayModeBar": False}
POOR_NOTE = ("Each session scored by the experience index's laws (speed against its "
             "technology's reference, or the HD video rate; latency and loss where pinged); "
             "below the dotted line (70) it is poor.")
_NOTHING = (None, {}, {}, None, None, None)   # summary, figures and tables, when hidden
# the page's control in the URL (?activity=video), the default left out
STATE = PageState("measured", (
    Control("activity", "measured-activity", "all", one_of(("all", "video", "download"))),))
STATE.register()


def layout(**query: str) -> html.Div:
    """The page skeleton, its control as the URL asks; the callback fills it (or says there
    are no logs)."""
    chosen = STATE.values(query)
    activity = dbc.RadioItems(id="measured-activity", value=chosen["activity"], inline=True,
                              options=[{"label": "All sessions", "value": "all"},
                                       {"label": "Video", "value": "video"},
                                       {"label": "Download", "value": "download"}])
    body = html.Div([
        html.Div(id="measured-summary-row"),
        dbc.Row([
            dbc.Col(titled_card("Sessions over time, by technology", [
                html.Div(POOR_NOTE, className="card-note"),
                dcc.Graph(id="measured-timeline", config=_GRAPH, responsive=True,
                          style={"height": "240px"})], activity), lg=8),
            dbc.Col(titled_card("Video vs download, driving vs static", [
                html.Div("Median session score; the dotted line is the poor line.",
                         className="card-note"),
                dcc.Graph(id="measured-groups", config=_GRAPH, responsive=True,
                          style={"height": "240px"})]), lg=4),
        ], className="g-3 mb-3"),
        dbc.Row([
            dbc.Col(titled_card("Worst sessions, and why", [html.Div(id="measured-worst")]),
                    lg=6),
            dbc.Col(titled_card("Cells, worst first", [html.Div(id="measured-cells")]), lg=6),
        ], className="g-3 mb-3"),
        dbc.Row(dbc.Col(titled_card("Side by side", [html.Div(id="measured-groups-detail")]))),
    ], id="measured-body")
    return html.Div([STATE.location(), html.Div(id="measured-notice"), body],
                    className="measured")


@callback(Output("measured-notice", "children"), Output("measured-summary-row", "children"),
          Output("measured-timeline", "figure"), Output("measured-groups", "figure"),
          Output("measured-worst", "children"), Output("measured-cells", "children"),
          Output("measured-groups-detail", "children"), Output("measured-body", "hidden"),
          Input("measured-activity", "value"), role_input())
@needs_snapshot
def show_measured(activity, requested_role):
    """Everything on the page for the chosen activity, or why there is nothing to show."""
    role = current_role(requested_role)
    if not sees_page(role, PATH):
        allowed = ", ".join(ROLE_LABELS[r] for r in sorted(PAGE_ROLES[PATH]))
        notice = html.Div(f"This page is for {allowed}.", className="empty-text")
        return notice, *_NOTHING, True
    data = measured_data(current_reader(), activity or "all")
    if data is None:
        return no_logs_notice(), *_NOTHING, True
    return (None, summary_stats(data.summary), sessions_timeline(data.sessions),
            groups_figure(data.groups), worst_sessions_table(data.sessions),
            cells_table(data.cells), groups_table(data.groups), False)
