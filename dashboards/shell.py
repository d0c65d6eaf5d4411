"""The shell around every page: header and nav, the shared filter bar, the snapshot footer.

The shell knows the pages only through Dash's page registry (name, path, order, and the
optional ``uses_filters=False`` that hides the filter bar, ``nav=False`` that keeps a page out
of the menu, ``nav_group`` naming the drop-down menu it is listed in (planning pages share one,
so the header still fits a laptop's width) and ``nav_parent`` naming the menu entry it belongs
to); it knows nothing of their
contents. Filter state and the URL query string are kept in step by one callback (see
:func:`register_callbacks`), beside each page's own keys (:mod:`cxbridge.dashboards.page_state`),
so a copied link restores the same view; the nav links carry the filter bar's keys only.

The header's "Views" menu opens the views saved under a name (the user's own and the shared
ones: :mod:`cxbridge.dashboards.saved_views`); its dialog saves the page in view or deletes one.

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

from cxbridge.dashboards import clock, feed_notices, saved_views, theme
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
from cxbridge.dashboards.page_state import PAGE_URL_TYPE
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
VIEWS_MENU_ID = "shell-views-menu"
VIEWS_MODAL_ID = "shell-views-modal"
VIEWS_VERSION_ID = "shell-views-version"
VIEW_DELETE_TYPE = "shell-view-delete"


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
            # href given (and never written): Dash's Location pushes its href prop when that
            # changes, and one read at load goes stale once a page's Location writes
            dcc.Location(id=URL_ID, refresh=False, href=""),
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
    links: list = []
    groups: dict[str, list] = {}
    for page in pages:
        group = page.get("nav_group")
        if group is None:
            links.append(dbc.NavItem(_nav_link(dbc.NavLink, page, role)))
            continue
        if group not in groups:  # the menu sits where its first page would
            groups[group] = []
            links.append(group)
        groups[group].append(_nav_link(dbc.DropdownMenuItem, page, role))
    links = [dbc.DropdownMenu(groups[link], label=link, nav=True, in_navbar=True,
                              className="shell-nav-group") if isinstance(link, str) else link
             for link in links]
    return dbc.Navbar(
        dbc.Container(
            [
                html.Div([html.Span(PRODUCT_NAME, className="brand-name"),
                          html.Span(TAGLINE, className="brand-tagline")], className="brand"),
                dbc.Nav(links, navbar=True, className="shell-nav"),
                _views_menu(),
                _role_control(role, in_request),
            ],
            fluid=True,
        ),
        color=theme.BRAND,
        dark=True,
        sticky="top",
        className="shell-header",
    )


def _views_menu() -> html.Div:
    """The header's "Views" menu (the views are listed by :func:`register_callbacks`), and the
    dialog that saves the current view under a name or deletes one."""
    dialog = dbc.Modal([
        dbc.ModalHeader(dbc.ModalTitle("Views")),
        dbc.ModalBody([
            html.Label("Save what you see now as", htmlFor="shell-view-name",
                       className="filter-label"),
            dbc.InputGroup([
                dbc.Input(id="shell-view-name", maxLength=saved_views.NAME_MAX,
                          placeholder="e.g. Munster fibre, last 4 weeks"),
                dbc.Button("Save", id="shell-view-save", color="primary"),
            ], size="sm"),
            dbc.Checkbox(id="shell-view-shared", value=False, className="mt-2",
                         label="Share with everyone (others see it in their menu)"),
            html.Div(id="shell-view-message", className="views-message", role="status"),
            html.H3("Your saved views", className="views-subtitle"),
            html.Div(id="shell-view-list"),
        ]),
    ], id=VIEWS_MODAL_ID, is_open=False, size="md")
    menu = dbc.DropdownMenu(id=VIEWS_MENU_ID, label="Views", nav=True, in_navbar=True,
                            align_end=True, className="views-menu",
                            children=[dbc.DropdownMenuItem("Save or delete views…",
                                                           id="shell-views-open")])
    return html.Div([menu, dialog, dcc.Store(id=VIEWS_VERSION_ID, data=0)],
                    className="views-control")


def _view_items(views: list[saved_views.View], user: str) -> list:
    """The menu: every view the user may open (theirs, then shared ones), then the dialog."""
    items = [dbc.DropdownMenuItem(v.name if v.owner == user else f"{v.name} · {v.owner}",
                                  href=v.href, className="views-item")
             for v in saved_views.visible(views, user)]
    if not items:
        items = [dbc.DropdownMenuItem("No saved views yet", disabled=True)]
    return [*items, dbc.DropdownMenuItem(divider=True),
            dbc.DropdownMenuItem("Save or delete views…", id="shell-views-open")]


def _view_rows(views: list[saved_views.View], user: str) -> html.Div:
    """The dialog's list of the user's own views, each with a delete button."""
    own = [v for v in saved_views.visible(views, user) if v.owner == user]
    if not own:
        return html.Div("None yet.", className="empty-text")
    return html.Ul([html.Li([
        html.Span(v.name, className="views-name"),
        html.Span(" shared" if v.shared else "", className="muted"),
        dbc.Button("Delete", id={"type": VIEW_DELETE_TYPE, "index": v.name}, size="sm",
                   color="link", className="views-delete")]) for v in own],
        className="views-list")


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
        State(CHOICES_ID, "data"), State({"type": PAGE_URL_TYPE, "page": ALL}, "search"),
    )
    def sync_filters_and_url(search, start, end, regions, segments, cfs_types, choices,
                             page_searches):
        if not choices:
            raise PreventUpdate
        current = Filters.from_inputs(start, end, regions, segments, cfs_types)
        if ctx.triggered_id in (None, URL_ID):  # page load, back/forward: the URL wins
            wanted = FilterChoices.from_store(choices).from_query(search)
            if wanted == current:
                raise PreventUpdate
            return no_update, *wanted.to_inputs()
        # a page's own keys (the campaign builder's offers, …) stay beside the filters, as
        # the page's own Location last wrote them (this one has not heard: page_state)
        query = fb.keep_page_keys(current.to_query(),
                                  page_searches[0] if page_searches else search)
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
        carried = fb.filter_keys_only(search)  # the filter bar's state, not this page's own
        return [p + carried for p in paths], [p == here for p in paths], hidden

    @app.callback(Output({"type": NAV_TYPE, "index": ALL}, "style"), Input(ROLE_ID, "value"))
    def nav_for_role(role):
        """Only the pages meant for the role in view (roles.PAGE_ROLES) are in the nav."""
        return [_nav_style(role, item["id"]["index"]) for item in ctx.outputs_list]

    @app.callback(Output(VIEWS_MENU_ID, "children"), Output("shell-view-list", "children"),
                  Input(VIEWS_VERSION_ID, "data"))
    def list_views(_version):
        """The user's views and the shared ones, in the menu and the dialog."""
        user = saved_views.current_user()
        try:
            views = saved_views.current_views().load()
        except saved_views.ViewsFileError as exc:
            return ([dbc.DropdownMenuItem(str(exc), disabled=True)],
                    html.Div(str(exc), className="empty-text"))
        return _view_items(views, user), _view_rows(views, user)

    @app.callback(Output(VIEWS_MODAL_ID, "is_open"), Input("shell-views-open", "n_clicks"),
                  prevent_initial_call=True)
    def open_views(clicks):
        if not clicks:
            raise PreventUpdate
        return True

    @app.callback(Output("shell-view-message", "children"), Output(VIEWS_VERSION_ID, "data"),
                  Input("shell-view-save", "n_clicks"),
                  Input({"type": VIEW_DELETE_TYPE, "index": ALL}, "n_clicks"),
                  State("shell-view-name", "value"), State("shell-view-shared", "value"),
                  State(URL_ID, "pathname"), State(URL_ID, "search"),
                  State({"type": PAGE_URL_TYPE, "page": ALL}, "search"),
                  State(VIEWS_VERSION_ID, "data"), prevent_initial_call=True)
    def save_or_delete_view(_save, deletes, name, shared, pathname, search, page_searches,
                            version):
        """Save the page in view (the filter bar's keys and the page's own, each from the
        Location that knows them: page_state) under a name, or delete one of the user's."""
        store, user = saved_views.current_views(), saved_views.current_user()
        trigger = ctx.triggered_id
        try:
            if isinstance(trigger, dict):
                if not any(deletes):  # a list redrawn, not a click
                    raise PreventUpdate
                store.delete(user, trigger["index"])
                return f"Deleted “{trigger['index']}”.", (version or 0) + 1
            query = fb.keep_page_keys(fb.filter_keys_only(search),
                                      page_searches[0] if page_searches else "")
            saved = store.save(saved_views.View(name=name or "", owner=user,
                                                path=pathname or "/", query=query,
                                                shared=bool(shared)))
        except (saved_views.ViewError, saved_views.ViewsFileError) as exc:
            return html.Span(str(exc), className="text-danger"), no_update
        return f"Saved “{saved.name}”: pick it from the Views menu.", (version or 0) + 1

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
        built = f" · built {clock.format_day_time(info.built_at)}" if info.built_at else ""
        covers = (f" · data from {_day(info.first_date)} to {_day(info.last_date)}"
                  if info.first_date and info.last_date else "")
        return [html.Span("Data snapshot "), html.Code(info.run_id, id="shell-run-id"),
                html.Span(built + covers)]


def _nav_link(kind, page: dict, role: str):
    """A page's entry in the menu: a link, or an item of its group's drop-down
    (``nav_group=`` in its registration), both following the location and the role alike."""
    return kind(page["name"], href=page["relative_path"],
                id={"type": NAV_TYPE, "index": page["relative_path"]},
                style=_nav_style(role, page["relative_path"]))


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
