"""The Measured experience page in headless Chromium: sessions, cells and reasons from two
inline UE logs run through ``cxbridge run``, and what it says without logs or for a role it is
not meant for."""

from __future__ import annotations

import pytest
from dash.testing.wait import until

from cxbridge.dashboards.app import create_app
from cxbridge.dashboards.measured_view import NO_LOGS
from cxbridge.jobs import flow
from tests.dashboards.browser import becomes_hidden, displayed, pick, start
from tests.ue_logs import DRIVE_ROWS, STATIC_ROWS, write_log

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("chromium")]


@pytest.fixture
def measured(settings, tmp_path):
    raw = tmp_path / "raw"
    write_log(raw / "ue_measurements", "Download/Driving/B_2019.11.25_15.34.34.csv", DRIVE_ROWS)
    write_log(raw / "ue_measurements", "Netflix/Static/Show/B_2019.11.26_10.00.00.csv",
              STATIC_ROWS)
    assert flow.run(settings, raw).status == "ok"
    return settings



MEASURED_NAV = '[id*="shell-nav"][href^="/measured"]'


def test_the_page_shows_sessions_cells_and_reasons(dash_duo, measured):
    start(dash_duo, create_app(measured, role="operations"))
    dash_duo.wait_for_page(url=dash_duo.server_url + "/measured")
    dash_duo.wait_for_element("#measured-cells-table")
    dash_duo.wait_for_element("#measured-timeline .js-plotly-plot")
    assert dash_duo.find_element("#shell-filter-bar").get_attribute("hidden")
    assert "Poor coverage: RSRP -111 dBm" in dash_duo.find_element("#measured-cells-table").text
    worst = dash_duo.find_element("#measured-worst-table").text
    assert "Download · Driving" in worst and "Netflix · Static · Show" in worst
    assert dash_duo.find_element("#measured-summary").text.startswith("2\nSessions measured")
    assert dash_duo.get_logs() == []


def test_without_logs_the_page_says_what_to_load(dash_duo, publish, tiny_rows, settings):
    publish("no-logs", tiny_rows)
    start(dash_duo, create_app(settings, role="marketing"))
    dash_duo.wait_for_page(url=dash_duo.server_url + "/measured")
    dash_duo.wait_for_contains_text("#measured-notice", NO_LOGS)
    assert not displayed(dash_duo, "#measured-body")


def test_the_care_desk_is_told_the_page_is_not_for_it(dash_duo, measured):
    start(dash_duo, create_app(measured, role="care"))
    dash_duo.wait_for_page(url=dash_duo.server_url + "/measured")
    dash_duo.wait_for_contains_text("#measured-notice", "This page is for")
    assert not displayed(dash_duo, "#measured-body")
    assert not displayed(dash_duo, MEASURED_NAV)  # nor in the care desk's nav


def test_the_nav_follows_the_role_switcher(dash_duo, measured):
    start(dash_duo, create_app(measured))
    dash_duo.wait_for_page(url=dash_duo.server_url + "/")
    pick(dash_duo, "#shell-role", "Customer care")
    becomes_hidden(dash_duo, MEASURED_NAV)
    pick(dash_duo, "#shell-role", "Marketing")
    until(lambda: displayed(dash_duo, MEASURED_NAV), 10)
