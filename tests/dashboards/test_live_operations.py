"""The operations page in live mode, in headless Chromium: live publishes an overlay with a new
incident while the page is open → the queue shows it without a reload, the "updated" marker
moves and a notice links to the new incident's page (the demo snapshot of conftest
``demo_rows`` with the mini operator's incidents, ``world.py``)."""

from __future__ import annotations

import re
import sys
from dataclasses import replace
from datetime import UTC, datetime

import dash
import pytest
from dash import no_update

from cxbridge.dashboards.app import create_app
from cxbridge.platform import overlay, warehouse
from tests.dashboards.browser import start, wait_until
from tests.dashboards.world import OPEN_FIBRE

NEW_ID, NEW_TITLE = "INC-LIVE-1", "Live test: feeder fibre cut"
QUIET_ID, QUIET_TITLE = "INC-LIVE-2", "Live test: a minor flap"
THRESHOLD = 100.0


@pytest.fixture
def live_settings(settings, publish, demo_rows, world):
    publish("demo-run", demo_rows, world)
    return replace(settings, live={"notify_min_score": THRESHOLD},
                   dashboard=replace(settings.dashboard, live_refresh_seconds=1.0))


def _publish_overlay_with_new_incidents(settings) -> overlay.OverlayInfo:
    """What ``cxbridge live`` publishes after a batch that opened two incidents: the snapshot's
    incident tables with two copies of the open fibre incident, one scoring above the
    notification threshold, one below."""
    snapshot = warehouse.current_snapshot(settings).path
    with warehouse.scratch(settings) as con:
        con.execute("attach $p as snap (read_only)", {"p": str(snapshot)})
        con.execute("create schema incidents")
        for table in ("queue", "incidents"):
            con.execute(
                f"create table incidents.{table} as select * from snap.{table} union all by name "
                f"select * replace ($new as incident_id, $title as title{_score(table)}) "
                f"from snap.{table} where incident_id = $open union all by name "
                f"select * replace ($quiet as incident_id, $quiet_title as title"
                f"{_score(table, low=True)}) from snap.{table} where incident_id = $open",
                {"new": NEW_ID, "title": NEW_TITLE, "quiet": QUIET_ID,
                 "quiet_title": QUIET_TITLE, "open": OPEN_FIBRE})
        return overlay.publish_overlay(con, settings, ["incidents.queue", "incidents.incidents"])


def _score(table: str, low: bool = False) -> str:
    if table != "queue":
        return ""
    return f", {THRESHOLD / 2 if low else THRESHOLD * 10} as priority_score"


def _published(info: overlay.OverlayInfo) -> str:
    """The overlay's publication as the marker shows it (the dashboard's zone is UTC here)."""
    return datetime.fromtimestamp(info.published_at, UTC).strftime("%H:%M:%S UTC")


def _queue_text(dash_duo) -> str:
    return dash_duo.find_element("#operations-queue").text


def _operations_page():
    """The operations page's module, as Dash imported it (it registers its page only once an
    app exists)."""
    entry = next(e for e in dash.page_registry.values() if e["path"] == "/operations")
    return sys.modules[entry["module"]]


def test_the_timer_answers_no_update_until_the_queue_changes(live_settings):
    app = create_app(live_settings)
    operations = _operations_page()
    with app.server.test_request_context("/operations"):
        known = operations._live_state(operations.current_reader())
        assert operations.follow_live(1, known, None) == (no_update, no_update)
        _publish_overlay_with_new_incidents(live_settings)
        state, notices = operations.follow_live(2, known, None)
    assert state["key"] != known["key"] and NEW_ID in state["notable"]
    assert [n.id["incident"] for n in notices] == [NEW_ID]  # only the one above the threshold
    # the page's first look (nothing known yet) announces nothing
    with app.server.test_request_context("/operations"):
        assert operations.follow_live(3, None, None)[1] is no_update


def test_live_refresh_off_disables_the_timer(live_settings):
    off = replace(live_settings, dashboard=replace(live_settings.dashboard,
                                                   live_refresh_seconds=0.0))
    app = create_app(off)
    operations = _operations_page()
    with app.server.test_request_context("/operations"):
        timer = operations._live_parts()[0]
    assert timer.disabled is True
    with create_app(live_settings).server.test_request_context("/operations"):
        timer = operations._live_parts()[0]
    assert timer.disabled is False and timer.interval == 1000


@pytest.mark.browser
@pytest.mark.usefixtures("chromium")
def test_a_new_incident_published_by_live_shows_without_a_reload(dash_duo, live_settings):
    app = create_app(live_settings)
    start(dash_duo, app)
    dash_duo.wait_for_page(url=dash_duo.server_url + "/operations")
    dash_duo.wait_for_element("#operations-queue-table")
    wait_until(dash_duo, lambda: re.fullmatch(r"updated \d\d:\d\d:\d\d UTC",
                                              dash_duo.find_element("#operations-updated").text),
               "the queue says when it was updated")
    before = dash_duo.find_element("#operations-updated").text
    assert NEW_TITLE not in _queue_text(dash_duo)
    # a reload would forget this
    dash_duo.driver.execute_script("window.cxbridgeNotReloaded = true;")

    info = _publish_overlay_with_new_incidents(live_settings)
    assert info is not None and info.seq == 1

    wait_until(dash_duo, lambda: NEW_TITLE in _queue_text(dash_duo),
               "the queue shows the incident live published")
    assert QUIET_TITLE in _queue_text(dash_duo)
    wait_until(dash_duo, lambda: dash_duo.find_elements(".live-incident-notice"),
               "a notice announces the new incident")
    notices = dash_duo.find_elements(".live-incident-notice")
    # only the incident at or above [live] notify_min_score is announced, linked to its page
    assert len(notices) == 1 and NEW_TITLE in notices[0].text
    link = notices[0].find_element("css selector", "a")
    assert link.get_attribute("href").endswith(f"/incident/{NEW_ID}")
    assert dash_duo.driver.execute_script("return window.cxbridgeNotReloaded === true;")
    # the marker now gives the overlay's publication (the snapshot's build time before)
    wait_until(dash_duo, lambda: dash_duo.find_element("#operations-updated").text
               == f"updated {_published(info)}", "the marker gives the overlay's time")
    assert before != f"updated {_published(info)}"
    assert dash_duo.get_logs() == []

    link.click()  # the notice opens the new incident's page
    dash_duo.wait_for_contains_text("#incident-header", NEW_TITLE)
