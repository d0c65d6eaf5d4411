"""The Care tickets page's data functions and its callback on a snapshot whose ticket marts were
built by the real SQL models from hand-made tickets: the period and the region filter apply,
the network share and resolution times are ratios of sums, a phrase shows only when enough
tickets share it, figures are valid plotly in words, and a snapshot without tickets says which
feed would bring them."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import plotly.graph_objects as go
import polars as pl

from cxbridge.dashboards import tickets_view as view
from cxbridge.dashboards.app import create_app
from cxbridge.dashboards.data_access import SnapshotReader
from cxbridge.dashboards.figures_tickets import (
    category_figure,
    region_figure,
    resolve_figure,
    volume_figure,
)
from cxbridge.dashboards.filters import Filters
from cxbridge.dashboards.roles import PHRASE_MIN_TICKETS
from cxbridge.lab.dashboard_bench import post_callback
from cxbridge.models.service import SQL as SERVICE_SQL
from cxbridge.platform.warehouse import connect, execute_sql_file
from tests.dashboards.conftest import D1, D2

STG_TICKETS = {
    "ticket_id": pl.String, "customer_id": pl.String, "service_id": pl.String,
    "created_at": pl.Datetime("us"), "resolved_at": pl.Datetime("us"), "status": pl.String,
    "channel": pl.String, "category": pl.String, "severity": pl.String,
    "description": pl.String, "location": pl.String,
}
PAGE_OUTPUT = ("..tickets-notice.children...tickets-body.hidden...tickets-stats.children..."
               "tickets-period-note.children...tickets-volume.figure...tickets-categories.figure"
               "...tickets-regions.figure...tickets-status.children...tickets-resolve.figure..."
               "tickets-phrases.children..")
MORNING = datetime.combine(D1, datetime.min.time()) + timedelta(hours=9)


def _tickets() -> list[tuple]:
    """On D1: six "no internet" complaints in Georgia (one resolved in 2 h), two slow-speed ones
    and two billing ones in Florida; on D2 one billing ticket of a known customer in Munster."""
    rows = []
    for i in range(6):
        rows.append((f"G{i}", None, None, MORNING, MORNING + timedelta(hours=2) if i == 0
                     else None, "acknowledged", "web", "no_service", None,
                     "No internet since Monday", "Acworth, Georgia, 30102"))
    for i in range(2):
        rows.append((f"F{i}", None, None, MORNING, None, "closed", "phone", "slow_speed", None,
                     "Slow speeds again", "Miami, Florida, 33101"))
        rows.append((f"B{i}", None, None, MORNING, None, "closed", "phone", "billing", None,
                     "Comcast billing", "Miami, Florida, 33101"))
    rows.append(("K1", "C1", None, MORNING + timedelta(days=1), None, "inProgress", "phone",
                 "billing", None, "Bill is wrong", None))
    return rows


def _marts(settings, rows: list[tuple]) -> dict[str, pl.DataFrame]:
    with connect(settings) as con:
        con.execute("create schema if not exists stg")
        con.register("incoming", pl.DataFrame(rows, schema=STG_TICKETS, orient="row"))
        con.execute("create or replace table stg.tickets as select * from incoming")
        con.unregister("incoming")
        con.execute("create or replace table stg.customers as "
                    "select 'C1' as customer_id, 'consumer' as segment, 'Munster' as region")
        for model in ("tickets", "ticket_daily", "ticket_phrases"):
            execute_sql_file(con, SERVICE_SQL / f"marts/{model}.sql")
        return {name: con.sql(f"select * from marts.{name}").pl()
                for name in ("tickets", "ticket_daily", "ticket_phrases")}


def test_summary_breakdowns_and_phrases_follow_the_filters(settings, publish, tiny_rows):
    publish("tickets-run", tiny_rows, _marts(settings, _tickets()))
    reader = SnapshotReader(settings)
    both_days = Filters(start=D1, end=D2)
    assert view.has_tickets(reader)
    whole = view.span(reader)
    assert (whole.tickets, whole.first_date, whole.last_date) == (11, D1, D2)

    summary = view.summary(reader, both_days)
    assert (summary.tickets, summary.network_tickets, summary.open_tickets) == (11, 8, 6)
    assert summary.network_share == 8 / 11
    assert summary.mean_hours_to_resolve == 2.0 and summary.within_24h_share == 1.0
    assert view.summary(reader, Filters(start=D2, end=D2)).tickets == 1
    florida = Filters(start=D1, end=D2, regions=("Florida",))
    assert view.summary(reader, florida).tickets == 4

    categories = view.by_category(reader, both_days)
    assert categories.row(0, named=True) == {"family": "network", "category": "no_service",
                                             "tickets": 6, "open_tickets": 5}
    regions = view.by_region(reader, both_days)
    assert regions["region"].to_list() == ["Georgia", "Florida", "Munster"]
    assert regions["network_tickets"].to_list() == [6, 2, 0]
    days = view.by_day(reader, both_days)
    assert days.filter(pl.col("date") == D1, pl.col("family") == "network")["tickets"][0] == 8

    phrases = view.phrases(reader, both_days)
    # six tickets share "no internet since Monday" (enough to show); "slow speed" only two
    assert dict(phrases.iter_rows()) == {"internet monday": 6, "no internet": 6}
    assert PHRASE_MIN_TICKETS <= 6
    assert view.phrases(reader, florida).is_empty()

    for figure in (volume_figure(days), category_figure(categories), region_figure(regions),
                   resolve_figure(view.resolve_bands(reader, both_days))):
        go.Figure(figure)
        text = json.dumps(figure, default=str)
        assert "no_service" not in text and "slow_speed" not in text


def test_the_page_shows_the_tickets_and_says_when_times_are_not_recorded(settings, publish,
                                                                         tiny_rows):
    rows = [r[:4] + (None,) + r[5:] for r in _tickets()]  # no resolution time anywhere
    publish("tickets-run", tiny_rows, _marts(settings, rows))
    app = create_app(settings)
    client = app.server.test_client()
    client.get("/")  # the first request registers the pages' callbacks
    response = post_callback(client, app, PAGE_OUTPUT, {
        "filters-dates.start_date": D1.isoformat(), "filters-dates.end_date": D2.isoformat(),
        "filters-region.value": [], "filters-segment.value": [], "filters-cfs-type.value": []})
    assert response.status_code == 200
    text = json.dumps(response.get_json())
    assert "tickets-none" not in text
    assert "No internet" not in text                    # no ticket's own words
    assert "no internet" in text                        # the phrase six tickets share
    assert "not recorded" in text and "status only" in text
    assert "No service / outage" in text


def test_without_tickets_the_page_names_the_feeds_that_would_bring_them(settings, publish,
                                                                        tiny_rows):
    publish("no-tickets", tiny_rows, _marts(settings, []))
    reader = SnapshotReader(settings)
    assert view.span(reader).tickets == 0
    app = create_app(settings)
    client = app.server.test_client()
    client.get("/")  # the first request registers the pages' callbacks
    response = post_callback(client, app, PAGE_OUTPUT, {
        "filters-dates.start_date": date(2026, 3, 2).isoformat(),
        "filters-dates.end_date": date(2026, 3, 3).isoformat(), "filters-region.value": [],
        "filters-segment.value": [], "filters-cfs-type.value": []})
    assert response.status_code == 200
    answer = response.get_json()["response"]
    assert answer["tickets-body"]["hidden"] is True
    notice = json.dumps(answer["tickets-notice"])
    assert "raw/tickets/*.csv" in notice and "raw/complaints/*.csv" in notice
