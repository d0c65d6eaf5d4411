"""Customer 360: find a customer, then their services, experience over time with the incidents
that hurt them, tickets, churn risk and its reasons.

Everybody finds customers by id; the customer care role also by name, e-mail or phone, and
only it
sees names, e-mails, phones and ticket texts (:mod:`cxbridge.dashboards.roles`).
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html
from dash.exceptions import PreventUpdate

from cxbridge.dashboards import customer_view as view
from cxbridge.dashboards.components import outdated_notice, titled_card
from cxbridge.dashboards.context import current_reader, current_role, needs_snapshot, role_input
from cxbridge.dashboards.figures_customer import customer_experience_figure
from cxbridge.dashboards.filters import Filters, filter_inputs
from cxbridge.dashboards.roles import searches_by_contact, sees_contacts

dash.register_page(__name__, path="/customer", path_template="/customer/<customer_id>",
                   name="Customer 360", title="Customer 360 · cxbridge", order=30)


def layout(customer_id: str | None = None, **_query: str) -> html.Div:
    """The search and, for ``/customer/<id>``, that customer. The search text is not kept in
    the URL (cxbridge.dashboards.page_state) on purpose: for care it may be a name, e-mail or
    phone, which would end up in browser history, proxy logs and shared links."""
    search = dbc.InputGroup([
        dbc.Input(id="customer-search",
                  placeholder="Customer id (care: also name, e-mail or phone)",
                  type="search", debounce=True),
        dbc.Button("Find", id="customer-find", color="primary"),
    ], size="sm", className="customer-search")
    body = [
        html.Div(id="customer-alert"),
        dbc.Row([
            dbc.Col(dbc.Card(dbc.CardBody(html.Div(id="customer-profile-card")),
                             className="panel h-100"), lg=7),
            dbc.Col(titled_card("Churn risk", [html.Div(id="customer-churn-card")]), lg=5),
        ], className="g-3 mb-3"),
        titled_card("Experience over time (worst service each day; incidents shaded)", [
            dcc.Graph(id="customer-experience", config={"displayModeBar": False},
                      responsive=True, style={"height": "240px"})]),
        dbc.Row([
            dbc.Col(titled_card("Services", [html.Div(id="customer-services")]), lg=7),
            dbc.Col(titled_card("Incidents (all in the snapshot)",
                                [html.Div(id="customer-incidents")]), lg=5),
        ], className="g-3 my-3"),
        titled_card("Tickets (all in the snapshot)", [html.Div(id="customer-tickets")]),
    ]
    return html.Div([  # always whole (Dash checks callbacks against it), hidden without id
        dcc.Store(id="customer-id", data=customer_id),
        html.Div([search, html.Div(id="customer-search-results")], className="mb-3"),
        html.Div(body, hidden=not customer_id),
    ], className="customer")


@callback(Output("customer-search-results", "children"), Input("customer-find", "n_clicks"),
          Input("customer-search", "value"), State(role_input().component_id, "value"),
          State("shell-url", "search"), prevent_initial_call=True)
@needs_snapshot
def find(_clicks, text, requested_role, search):
    """Customers matching the search; by name or phone only for roles that may."""
    if not (text or "").strip():
        return None
    by_contact = searches_by_contact(current_role(requested_role))
    found = current_reader().find_customers(text, by_contact=by_contact)
    return view.search_results(found, search or "", by_contact)


@callback(Output("customer-profile-card", "children"), Output("customer-churn-card", "children"),
          Output("customer-tickets", "children"), Input("customer-id", "data"), role_input())
@needs_snapshot
def show_customer(customer_id, requested_role):
    """Profile, churn risk and tickets; contact details and ticket texts for care only."""
    if not customer_id:
        raise PreventUpdate
    reader = current_reader()
    with_contacts = sees_contacts(current_role(requested_role), "customer_360")
    customer = reader.customer(customer_id, with_contacts=with_contacts)
    if customer is None:
        return (html.Div(f"No customer {customer_id} in this snapshot.", className="empty-text"),
                None, None)
    return (view.profile(customer), view.churn_card(reader.customer_churn(customer_id)),
            view.tickets_table(reader.customer_tickets(customer_id, with_text=with_contacts)))


@callback(Output("customer-experience", "figure"), Output("customer-services", "children"),
          Output("customer-incidents", "children"), Output("customer-alert", "children"),
          Input("customer-id", "data"), *filter_inputs())
@needs_snapshot
def show_history(customer_id, start, end, regions, segments, cfs_types):
    """Experience day by day with incidents marked, services and incidents in the period,
    and a banner while an incident is hurting one of their services now."""
    if not customer_id:
        raise PreventUpdate
    filters = Filters.from_inputs(start, end, regions, segments, cfs_types)
    period = Filters(start=filters.start, end=filters.end)  # one customer: dates only
    reader = current_reader()
    incidents = reader.customer_incidents(customer_id)
    outdated = reader.services_outdated()
    return (customer_experience_figure(reader.customer_days(customer_id, period), incidents),
            outdated_notice(outdated, "the services table") if outdated else
            view.services_table(reader.customer_services(customer_id, period)),
            view.incidents_table(incidents, filters.to_query()),
            view.outage_banner(incidents, filters.to_query()))
