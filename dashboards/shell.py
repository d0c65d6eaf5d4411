"""The shell around every page: header and nav, the shared filter bar, the snapshot footer.

The shell knows the pages only through Dash's page registry (name, path, order, and the
optional ``uses_filters=False`` that hides the filter bar, ``nav=False`` that keeps a page out
of the menu and ``nav_parent`` naming the menu entry it belongs to); it knows nothing of their
contents. Filter state and the URL query string are kept in step by one callback (see
:func:`register_callbacks`), so a copied link restores the same view.

The header says who is looking (:mod:`cxbridge.dashboards.roles`): the login's role, the role fixed
by ``CXBRIDGE_DASHBOARD_ROLE``, or, on localhost without either, a switcher. The role travels to
page callbacks in the ``shell-role`` store; the server trusts it only where switching is
allowed (:func:`cxbridge.dashboards.context.current_role`).
"""

from __future__ import annotations

from datetime import date

import dash
import dash_bootstrap_components as dbc
import flask
from dash import ALL, Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from cxbridge.dashboards import feed_notices, theme
from cxbridge.dashboards import filters as fb
from cxbridge.dashboards.auth import logged_in_user
from cxbridge.dashboards.components import no_snapshot_notice
from cxbridge.dashboards.context import (
    ROLE_ID,
    current_access,
    current_reader,
    current_role,
    needs_snapshot,
)
from cxbridge.dashboards.filters import FilterChoices, Filters
from cxbridge.dashboards.labels import dimension_label, value_label
from cxbridge.dashboards.roles import DEFAULT_ROLE, ROLE_LABELS, ROLES, sees_page
from cxbridge.platform.warehouse import WarehouseError

PRODUCT_NAME = "cxbridge"
TAGLINE = "Customer experience · one set of numbers for marketing and operations"

URL_ID = "shell-url"
CHOICES_ID = "shell-filter-choices"
FILTER_BAR_ID = "shell-filter-bar"
FOOTER_ID = "shell-footer"
NAV_TYPE = "shell-nav"
NOTICES_ID = "shell-feed-notices"


def shell_layout() -> html.Div:
    """The app's layout, built per page load (it reads the current snapshot's filter choices).

    Outside a request (Dash validating the layout when the app is built) it reads nothing."""
    choices: FilterChoices | None = None
    notice = None
    in_request = flask.has_request_context()
    if in_request:
        try:
            choices = current_reader().filter_options()
        except WarehouseError as exc:
            notice = no_snapshot_notice(str(exc))
    role = current_role() if in_request else DEFAULT_ROLE
    return html.Div(
        [
            dcc.Location(id=URL_ID, refresh=False),
            dcc.Store(id=CHOICES_ID, data=choices.to_store() if choices else None),
            _header(role, in_request),
            dbc.Container([notice, _filter_bar(choices)], fluid=True, className="shell-top"),
            dbc.Container([html.Div(id=NOTICES_ID), dash.page_container], fluid=True,
                          className="shell-main"),
            html.Footer(id=FOOTER_ID, className="shell-footer"),
        ],
        className="shell",
    )


def _header(role: str, in_request: bool) -> dbc.Navbar:
    pages = sorted((p for p in dash.page_registry.values() if p.get("nav", True)),
                   key=lambda p: (p.get("order") or 0, p["name"]))
    links = [
        dbc.NavItem(dbc.NavLink(page["name"], href=page["relative_path"],
                                id={"type": NAV_TYPE, "index": page["relative_path"]},
                                style=_nav_style(role, page["relative_path"])))
        for page in pages
    ]
    return dbc.Navbar(
        dbc.Container(
            [
                html.Div([html.Span(PRODUCT_NAME, className="brand-name"),
                          html.Span(TAGLINE, className="brand-tagline")], className="brand"),
                dbc.Nav(links, navbar=True, className="shell-nav"),
                _role_control(role, in_request),
            ],
            fluid=True,
        ),
        color=theme.BRAND,
        dark=True,
        sticky="top",
        className="shell-header",
    )


def _role_control(role: str, in_request: bool) -> html.Div:
    """The switcher where the role may be chosen, else who is signed in and their role. The
    switcher (hidden when it cannot be used) is what page callbacks read the role from."""
    switchable = not in_request or current_access().switchable
    picker = dcc.Dropdown(
        id=ROLE_ID, value=role, clearable=False, searchable=False, disabled=not switchable,
        options=[{"label": ROLE_LABELS[r], "value": r} for r in ROLES],
        persistence=switchable, persistence_type="session", className="role-picker",
        style=None if switchable else {"display": "none"})
    if switchable:
        return html.Div([html.Span("Viewing as", className="role-caption"), picker],
                        className="role-control", title="No login on this server: choose the "
                        "role whose view you want to see")
    user = logged_in_user()
    who = f"{user} · " if user else ""
    logout = [html.A("Log out", href="/logout", id="shell-logout",
                     className="role-caption ms-3 text-white")] if user else []
    return html.Div([html.Span("Role", className="role-caption"),
                     html.Span(who + ROLE_LABELS[role], id="shell-role-name",
                               className="role-name"), picker, *logout],
                    className="role-control")


def _filter_bar(choices: FilterChoices | None) -> html.Div:
    default = choices.default if choices else Filters()
    start, end, *_ = default.to_inputs()
    dates = dcc.DatePickerRange(
        id=fb.DATES_ID, start_date=start, end_date=end, display_format="D MMM YYYY",
        min_date_allowed=choices.first_date.isoformat() if choices else None,
        max_date_allowed=choices.last_date.isoformat() if choices else None,
        first_day_of_week=1, minimum_nights=0, disabled=choices is None,
    )
    return html.Div(
        dbc.Row(
            [
                _labelled("Dates", dates, width=3),
                _dropdown(fb.REGION_ID, "region", choices.regions if choices else (),
                          "All regions"),
                _dropdown(fb.SEGMENT_ID, "segment", choices.segments if choices else (),
                          "All segments"),
                _dropdown(fb.CFS_TYPE_ID, "cfs_type", choices.cfs_types if choices else (),
                          "All service types"),
            ],
            className="g-3 align-items-end",
        ),
        id=FILTER_BAR_ID,
        className="filter-bar",
    )


def _dropdown(component_id: str, dimension: str, values: tuple[str, ...],
              placeholder: str) -> dbc.Col:
    options = [{"label": value_label(dimension, v), "value": v} for v in values]
    dropdown = dcc.Dropdown(id=component_id, options=options, value=[], multi=True,
                            placeholder=placeholder, disabled=not values)
    return _labelled(dimension_label(dimension), dropdown, width=3)


def _labelled(label: str, control: object, width: int) -> dbc.Col:
    return dbc.Col([html.Label(label, className="filter-label"), control], md=width)


def register_callbacks(app: dash.Dash) -> None:
    """The shell's callbacks: URL ↔ filters, nav links, filter bar visibility, footer."""

    @app.callback(
        Output(URL_ID, "search"),
        Output(fb.DATES_ID, "start_date"), Output(fb.DATES_ID, "end_date"),
        Output(fb.REGION_ID, "value"), Output(fb.SEGMENT_ID, "value"),
        Output(fb.CFS_TYPE_ID, "value"),
        Input(URL_ID, "search"), *fb.filter_inputs(),
        State(CHOICES_ID, "data"),
    )
    def sync_filters_and_url(search, start, end, regions, segments, cfs_types, choices):
        if not choices:
            raise PreventUpdate
        current = Filters.from_inputs(start, end, regions, segments, cfs_types)
        if ctx.triggered_id in (None, URL_ID):  # page load, back/forward: the URL wins
            wanted = FilterChoices.from_store(choices).from_query(search)
            if wanted == current:
                raise PreventUpdate
            return no_update, *wanted.to_inputs()
        # a page's own keys (the campaign builder's offers, …) stay beside the filters
        query = fb.keep_page_keys(current.to_query(), search)
        return (query if query != (search or "") else no_update), *[no_update] * 5

    @app.callback(
        Output({"type": NAV_TYPE, "index": ALL}, "href"),
        Output({"type": NAV_TYPE, "index": ALL}, "active"),
        Output(FILTER_BAR_ID, "hidden"),
        Input(URL_ID, "pathname"), Input(URL_ID, "search"),
    )
    def follow_location(pathname, search):
        paths = [item["id"]["index"] for item in ctx.outputs_list[0]]
        page = _page_of(pathname)
        hidden = bool(page) and page.get("uses_filters", True) is False
        here = (page.get("nav_parent") or page["relative_path"]) if page else pathname
        return [p + (search or "") for p in paths], [p == here for p in paths], hidden

    @app.callback(Output({"type": NAV_TYPE, "index": ALL}, "style"), Input(ROLE_ID, "value"))
    def nav_for_role(role):
        """Only the pages meant for the role in view (roles.PAGE_ROLES) are in the nav."""
        return [_nav_style(role, item["id"]["index"]) for item in ctx.outputs_list]

    @app.callback(Output(NOTICES_ID, "children"), Input(URL_ID, "pathname"))
    @needs_snapshot
    def show_feed_notices(pathname):
        """What a missing feed would add to the page that is open."""
        page = _page_of(pathname)
        path = (page.get("nav_parent") or page["relative_path"]) if page else pathname
        return feed_notices.notices(current_reader().capabilities(), path)

    @app.callback(Output(FOOTER_ID, "children"), Input(URL_ID, "pathname"),
                  *fb.filter_inputs())
    @needs_snapshot
    def show_snapshot(_pathname, *_filters):
        info = current_reader().snapshot_info()
        built = f" · built {_day(info.built_at)} {info.built_at:%H:%M} UTC" if info.built_at else ""
        covers = (f" · data from {_day(info.first_date)} to {_day(info.last_date)}"
                  if info.first_date and info.last_date else "")
        return [html.Span("Data snapshot "), html.Code(info.run_id, id="shell-run-id"),
                html.Span(built + covers)]


def _nav_style(role: str, path: str) -> dict | None:
    return None if sees_page(role, path) else {"display": "none"}


def _page_of(pathname: str | None) -> dict | None:
    """The registered page serving ``pathname`` (templates like /customer/<id> included)."""
    path = (pathname or "/").rstrip("/") or "/"
    for page in dash.page_registry.values():
        base = page["relative_path"]
        if path == base or (base != "/" and page.get("path_template")
                            and path.startswith(base + "/")):
            return page
    return None


def _day(value: date) -> str:
    """'2 Mar 2026'."""
    return f"{value.day} {value:%b %Y}"
