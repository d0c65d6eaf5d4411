"""The dashboard in headless Chromium, on the two-week demo snapshot (conftest ``demo_rows``).

Set ``CXBRIDGE_SCREENSHOT_DIR`` to keep the 1366×768 screenshots somewhere you can look at.
"""

from __future__ import annotations

import os
import socket
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from selenium.webdriver.support.ui import WebDriverWait

from dashboards.app import create_app
from dashboards.data_access import SnapshotReader
from dashboards.filters import Filters
from dashboards.labels import format_number
from pipelines.metrics import metric

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("chromium")]

AVAILABILITY_VALUE = "#overview-value-service_availability .kpi-number"


@pytest.fixture
def app(settings, publish, demo_rows):
    publish("demo-run", demo_rows)
    return create_app(settings)


@pytest.fixture
def reader(settings, app):
    return SnapshotReader(settings)


def _expected_availability(reader: SnapshotReader, filters: Filters) -> str:
    value = reader.kpi_value("service_availability", filters)
    return format_number(metric("service_availability"), value)


def _query(dash_duo) -> dict[str, list[str]]:
    return parse_qs(urlparse(dash_duo.driver.current_url).query)


def _wait(dash_duo, condition, message: str) -> None:
    WebDriverWait(dash_duo.driver, 10).until(lambda _driver: condition(), message)


def _start(dash_duo, app) -> None:
    """Serve ``app`` on a free loopback port (dash counts ports per process, which clashes
    when tests run in parallel workers)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    dash_duo.start_server(app, port=port)


def _nav(dash_duo, page_name: str):
    return dash_duo.find_element(f"//a[contains(@class, 'nav-link')][text()='{page_name}']",
                                 attribute="XPATH")


def _assert_no_raw_names(dash_duo) -> None:
    """No column name or raw code of the snapshot is shown to the user."""
    text = dash_duo.find_element("body").text
    raw = ["cfs_type", "active_services", "outage_service_minutes", "session_failures",
           "latency_ms", "data_volume_mb", "mobile_data", "enterprise_vpn", "kpi_daily",
           "nullif", "higher_is_better"]
    assert [name for name in raw if name in text] == []


def _figure_y(dash_duo, graph_id: str) -> list:
    return dash_duo.driver.execute_script(
        f"const g = document.querySelector('#{graph_id} .js-plotly-plot');"
        "return g && g.data && g.data[0] ? Array.from(g.data[0].y) : null;")


def test_every_page_loads_without_console_errors(dash_duo, app):
    _start(dash_duo, app)
    dash_duo.wait_for_element(AVAILABILITY_VALUE)
    dash_duo.wait_for_element("#overview-trend .js-plotly-plot")
    dash_duo.wait_for_contains_text("#shell-run-id", "demo-run")
    _assert_no_raw_names(dash_duo)
    assert dash_duo.get_logs() == []

    _nav(dash_duo, "Metric glossary").click()
    dash_duo.wait_for_element("#glossary-service-availability")
    assert dash_duo.find_element("#shell-filter-bar").get_attribute("hidden")
    dash_duo.wait_for_page(url=dash_duo.server_url + "/glossary")
    dash_duo.wait_for_element("#glossary-access-latency")
    _assert_no_raw_names(dash_duo)
    assert dash_duo.get_logs() == []


def test_changing_a_filter_updates_tiles_figures_and_url(dash_duo, app, reader):
    default = reader.filter_options().default
    _start(dash_duo, app)
    dash_duo.wait_for_text_to_equal(AVAILABILITY_VALUE, _expected_availability(reader, default))
    _wait(dash_duo, lambda: _figure_y(dash_duo, "overview-breakdown"), "breakdown drawn")
    assert len(_figure_y(dash_duo, "overview-breakdown")) == 5  # one bar per region

    dash_duo.select_dcc_dropdown(f"#{'filters-region'}", value="Munster")
    munster = Filters(start=default.start, end=default.end, regions=("Munster",))
    dash_duo.wait_for_text_to_equal(AVAILABILITY_VALUE, _expected_availability(reader, munster))
    _wait(dash_duo, lambda: _figure_y(dash_duo, "overview-breakdown") == ["Munster"],
          "breakdown follows the region filter")
    _wait(dash_duo, lambda: _query(dash_duo).get("region") == ["Munster"], "URL has the region")
    assert _query(dash_duo)["from"] == [default.start.isoformat()]
    assert dash_duo.get_logs() == []


def test_a_snapshot_published_while_serving_is_shown_without_restart(dash_duo, app, publish,
                                                                      demo_rows):
    _start(dash_duo, app)
    dash_duo.wait_for_text_to_equal("#shell-run-id", "demo-run")
    calm = [(*row[:7], 0.0, *row[8:]) for row in demo_rows]  # a run with no outage at all
    publish("next-run", calm)
    _nav(dash_duo, "Metric glossary").click()
    dash_duo.wait_for_text_to_equal("#shell-run-id", "next-run")
    _nav(dash_duo, "Overview").click()
    dash_duo.wait_for_text_to_equal(AVAILABILITY_VALUE, "100.00")
    assert dash_duo.get_logs() == []


def test_opening_a_shared_link_restores_the_view(dash_duo, app, reader):
    _start(dash_duo, app)
    dash_duo.wait_for_element(AVAILABILITY_VALUE)
    shared = Filters(start=date(2026, 3, 8), end=date(2026, 3, 11), regions=("Munster",),
                     cfs_types=("ftth",))
    dash_duo.wait_for_page(url=dash_duo.server_url + "/" + shared.to_query())
    dash_duo.wait_for_text_to_equal(AVAILABILITY_VALUE, _expected_availability(reader, shared))
    assert "Munster" in dash_duo.find_element("#filters-region").text
    assert "FTTH broadband" in dash_duo.find_element("#filters-cfs-type").text
    assert dash_duo.find_element("#overview-tile-service_availability .kpi-status").text == "Poor"

    dash_duo.find_element("#overview-tile-service_availability a.kpi-link").click()
    dash_duo.wait_for_element("#glossary-service-availability.is-target")
    assert _query(dash_duo)["region"] == ["Munster"]  # the filters travel with the link
    _nav(dash_duo, "Overview").click()
    dash_duo.wait_for_text_to_equal(AVAILABILITY_VALUE, _expected_availability(reader, shared))
    assert dash_duo.get_logs() == []


def test_screenshots_at_1366x768(dash_duo, app, tmp_path):
    shots = Path(os.environ.get("CXBRIDGE_SCREENSHOT_DIR", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    dash_duo.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": 1366, "height": 768, "deviceScaleFactor": 1, "mobile": False})
    _start(dash_duo, app)
    dash_duo.wait_for_element(AVAILABILITY_VALUE)
    _wait(dash_duo, lambda: _figure_y(dash_duo, "overview-breakdown"), "breakdown drawn")
    _wait(dash_duo, lambda: _figure_y(dash_duo, "overview-trend"), "trend drawn")
    assert dash_duo.driver.save_screenshot(str(shots / "overview.png"))
    dash_duo.wait_for_page(url=dash_duo.server_url + "/glossary")
    dash_duo.wait_for_element("#glossary-service-availability")
    assert dash_duo.driver.save_screenshot(str(shots / "glossary.png"))
    width = dash_duo.driver.execute_script("return document.documentElement.scrollWidth")
    assert width <= 1366, "nothing should scroll sideways at 1366 px"
