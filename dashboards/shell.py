"""The shell around every page: header and nav, the shared filter bar, the snapshot footer.

The shell knows the pages only through Dash's page registry (name, path, order, and an
optional ``uses_filters=False`` that hides the filter bar); it knows nothing of their contents.
Filter state and the URL query string are kept in step by one callback (see
:func:`register_callbacks`), so a copied link restores the same view.
"""

from __future__ import annotations

from datetime import date

import dash
import dash_bootstrap_components as dbc
import flask
from dash import ALL, Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from dashboards import filters as fb
from dashboards import theme
from dashboards.components import no_snapshot_notice
from dashboards.context import current_reader, needs_snapshot
from dashboards.filters import FilterChoices, Filters
from dashboards.labels import dimension_label, value_label
from pipelines.warehouse import WarehouseError

PRODUCT_NAME = "cxbridge"
TAGLINE = "Customer experience · one set of numbers for marketing and operations"

URL_ID = "shell-url"
CHOICES_ID = "shell-filter-choices"
FILTER_BAR_ID = "shell-filter-bar"
FOOTER_ID = "shell-footer"
NAV_TYPE = "shell-nav"


def shell_layout() -> html.Div:
    """The app's layout, built per page load (it reads the current snapshot's filter choices).

    Outside a request (Dash validating the layout when the app is built) it reads nothing."""
    choices: FilterChoices | None = None
    notice = None
    if flask.has_request_context():
        try:
            choices = current_reader().filter_options()
        except WarehouseError as exc:
            notice = no_snapshot_notice(str(exc))
    return html.Div(
        [
            dcc.Location(id=URL_ID, refresh=False),
            dcc.Store(id=CHOICES_ID, data=choices.to_store() if choices else None),
            _header(),
            dbc.Container([notice, _filter_bar(choices)], fluid=True, className="shell-top"),
            dbc.Container(dash.page_container, fluid=True, className="shell-main"),
            html.Footer(id=FOOTER_ID, className="shell-footer"),
        ],
        className="shell",
    )


def _header() -> dbc.Navbar:
    pages = sorted(dash.page_registry.values(), key=lambda p: (p.get("order") or 0, p["name"]))
    links = [
        dbc.NavItem(dbc.NavLink(page["name"], href=page["relative_path"],
                                id={"type": NAV_TYPE, "index": page["relative_path"]}))
        for page in pages
    ]
    return dbc.Navbar(
        dbc.Container(
            [
                html.Div([html.Span(PRODUCT_NAME, className="brand-name"),
                          html.Span(TAGLINE, className="brand-tagline")], className="brand"),
                dbc.Nav(links, navbar=True, className="shell-nav"),
            ],
            fluid=True,
        ),
        color=theme.BRAND,
        dark=True,
        sticky="top",
        className="shell-header",
    )


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
        query = current.to_query()
        return (query if query != (search or "") else no_update), *[no_update] * 5

    @app.callback(
        Output({"type": NAV_TYPE, "index": ALL}, "href"),
        Output({"type": NAV_TYPE, "index": ALL}, "active"),
        Output(FILTER_BAR_ID, "hidden"),
        Input(URL_ID, "pathname"), Input(URL_ID, "search"),
    )
    def follow_location(pathname, search):
        paths = [item["id"]["index"] for item in ctx.outputs_list[0]]
        page = next((p for p in dash.page_registry.values() if p["relative_path"] == pathname),
                    None)
        hidden = bool(page) and page.get("uses_filters", True) is False
        return [p + (search or "") for p in paths], [p == pathname for p in paths], hidden

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


def _day(value: date) -> str:
    """'2 Mar 2026'."""
    return f"{value.day} {value:%b %Y}"
