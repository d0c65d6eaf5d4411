"""The dashboard in headless Chromium at 1366×768, on the two-week demo snapshot (conftest
``demo_rows``) with the mini operator's customers, churn scores and incidents (``world.py``).
"""

from __future__ import annotations

import csv
from datetime import date

import polars as pl
import pytest

from cxbridge.dashboards.app import create_app
from cxbridge.dashboards.data_access import SnapshotReader
from cxbridge.dashboards.filters import Filters
from cxbridge.dashboards.labels import format_number
from cxbridge.platform.metrics import metric
from tests.dashboards.browser import pick, start, url_query, wait_until
from tests.dashboards.test_campaign_consent import _expected as _consent_expected
from tests.dashboards.world import OPEN_FIBRE, PII_CUSTOMER, SILENT_CELL

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("chromium")]

AVAILABILITY_VALUE = "#overview-value-service_availability .kpi-number"
RAW_NAMES = ("cfs_type", "active_services", "outage_service_minutes", "session_failures",
             "latency_ms", "data_volume_mb", "mobile_data", "enterprise_vpn", "kpi_daily",
             "nullif", "higher_is_better", "customer_id", "churn_probability", "risk_band",
             "revenue_at_risk_eur", "sei_worst", "lossOfSignal", "sleeping_cell", "no_service",
             "pon_port", "incident_id", "impact_minutes")
PAGES = (  # path, an element that shows the page has its data
    ("/", "#overview-tile-time_to_restore .kpi-number"),
    ("/marketing", "#marketing-risk-map .js-plotly-plot"),
    ("/operations", "#operations-queue-table"),
    (f"/incident/{OPEN_FIBRE}", "#incident-care-table"),
    (f"/customer/{PII_CUSTOMER['customer_id']}", "#customer-services-table"),
    ("/glossary", "#glossary-time-to-restore"),
)


@pytest.fixture
def published(settings, publish, demo_rows, world):
    publish("demo-run", demo_rows, world)
    return settings


@pytest.fixture
def app(published):
    return create_app(published)


@pytest.fixture
def reader(published):
    return SnapshotReader(published)


def _expected_availability(reader: SnapshotReader, filters: Filters) -> str:
    value = reader.kpi_value("service_availability", filters)
    return format_number(metric("service_availability"), value)


def _nav(dash_duo, page_name: str):
    return dash_duo.find_element(f"//a[contains(@class, 'nav-link')][text()='{page_name}']",
                                 attribute="XPATH")


def _click(dash_duo, selector: str) -> None:
    """Click an element below the fold (dash_duo's window does not scroll to it)."""
    dash_duo.driver.execute_script("arguments[0].click();", dash_duo.find_element(selector))


def _body(dash_duo) -> str:
    return dash_duo.find_element("body").text


def _figure_y(dash_duo, graph_id: str) -> list:
    return dash_duo.driver.execute_script(
        f"const g = document.querySelector('#{graph_id} .js-plotly-plot');"
        "return g && g.data && g.data[0] ? Array.from(g.data[0].y) : null;")


def _idle(dash_duo) -> bool:
    return dash_duo.driver.execute_script(
        "return document.querySelector('[data-dash-is-loading=\"true\"]') === null")


def test_every_page_loads_without_console_errors_or_raw_names(dash_duo, app):
    start(dash_duo, app)
    dash_duo.wait_for_contains_text("#shell-run-id", "demo-run")
    for path, ready in PAGES:
        dash_duo.wait_for_page(url=dash_duo.server_url + path)
        dash_duo.wait_for_element(ready)
        wait_until(dash_duo, lambda: _idle(dash_duo), f"{path} finished loading", timeout=10)
        text = _body(dash_duo)
        assert [name for name in RAW_NAMES if name in text] == [], path
        width = dash_duo.driver.execute_script("return document.documentElement.scrollWidth")
        assert width <= 1366, f"{path} scrolls sideways at 1366 px"
        assert dash_duo.get_logs() == [], path
    assert dash_duo.find_element("#shell-filter-bar").get_attribute("hidden")


def test_changing_a_filter_updates_tiles_figures_and_url(dash_duo, app, reader):
    default = reader.filter_options().default
    start(dash_duo, app)
    dash_duo.wait_for_text_to_equal(AVAILABILITY_VALUE, _expected_availability(reader, default))
    wait_until(dash_duo, lambda: _figure_y(dash_duo, "overview-breakdown"), "breakdown drawn",
               timeout=10)
    assert len(_figure_y(dash_duo, "overview-breakdown")) == 5  # one bar per region

    pick(dash_duo, "#filters-region", "Munster")
    munster = Filters(start=default.start, end=default.end, regions=("Munster",))
    dash_duo.wait_for_text_to_equal(AVAILABILITY_VALUE, _expected_availability(reader, munster))
    wait_until(dash_duo, lambda: _figure_y(dash_duo, "overview-breakdown") == ["Munster"],
               "breakdown follows the region filter")
    wait_until(dash_duo, lambda: url_query(dash_duo).get("region") == ["Munster"],
               "URL has the region", timeout=10)
    assert url_query(dash_duo)["from"] == [default.start.isoformat()]

    _nav(dash_duo, "Marketing").click()  # the filters travel with the menu
    munster_customers = reader.customer_outlook(munster).height
    dash_duo.wait_for_element("#marketing-quadrant-stats")
    wait_until(dash_duo, lambda: sum(int(e.text.split()[0].replace(",", "")) for e in
                                dash_duo.find_elements("[id^=marketing-quadrant-] .kpi-number"))
               == munster_customers, "quadrants count Munster's customers")
    assert url_query(dash_duo).get("region") == ["Munster"]
    assert dash_duo.get_logs() == []


def test_a_snapshot_published_while_serving_is_shown_without_restart(dash_duo, app, publish,
                                                                      demo_rows, world):
    start(dash_duo, app)
    dash_duo.wait_for_text_to_equal("#shell-run-id", "demo-run")
    calm = [(*row[:7], 0.0, *row[8:]) for row in demo_rows]  # a run with no outage at all
    publish("next-run", calm, world)
    _nav(dash_duo, "Metric glossary").click()
    dash_duo.wait_for_text_to_equal("#shell-run-id", "next-run")
    _nav(dash_duo, "Overview").click()
    dash_duo.wait_for_text_to_equal(AVAILABILITY_VALUE, "100.00")
    assert dash_duo.get_logs() == []


def test_opening_a_shared_link_restores_the_view(dash_duo, app, reader):
    start(dash_duo, app)
    dash_duo.wait_for_element(AVAILABILITY_VALUE)
    shared = Filters(start=date(2026, 3, 8), end=date(2026, 3, 11), regions=("Munster",),
                     cfs_types=("ftth",))
    dash_duo.wait_for_page(url=dash_duo.server_url + "/" + shared.to_query())
    dash_duo.wait_for_text_to_equal(AVAILABILITY_VALUE, _expected_availability(reader, shared))
    assert "Munster" in dash_duo.find_element("#filters-region").text
    assert "FTTH broadband" in dash_duo.find_element("#filters-cfs-type").text
    assert dash_duo.find_element("#overview-tile-service_availability .kpi-status").text == "Poor"

    _click(dash_duo, "#overview-tile-service_availability a.kpi-link")
    dash_duo.wait_for_element("#glossary-service-availability.is-target")
    assert url_query(dash_duo)["region"] == ["Munster"]  # the filters travel with the link
    _nav(dash_duo, "Overview").click()
    dash_duo.wait_for_text_to_equal(AVAILABILITY_VALUE, _expected_availability(reader, shared))
    assert dash_duo.get_logs() == []


def test_campaign_export_holds_back_customers_in_an_open_incident(dash_duo, published, world,
                                                                 tmp_path):
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    dash_duo.driver.execute_cdp_cmd("Page.setDownloadBehavior", {
        "behavior": "allow", "downloadPath": str(downloads)})
    hurt_now = set(world["incident_services"].filter(
        pl.col("incident_id").is_in([OPEN_FIBRE, SILENT_CELL]))["customer_id"])
    everyone = set(world["customers"]["customer_id"])
    consenting = {c for c, want in _consent_expected(world["customers"]).items()
                  if want["reason"] is None}  # marketing consent and a channel to use
    start(dash_duo, create_app(published, role="marketing"))
    dash_duo.wait_for_page(url=dash_duo.server_url + "/marketing")
    dash_duo.wait_for_text_to_equal("#marketing-held-back", str(len(hurt_now)))
    dash_duo.wait_for_text_to_equal("#marketing-reached",
                                    str(len((everyone - hurt_now) & consenting)))

    _click(dash_duo, "#marketing-export")
    wait_until(dash_duo, lambda: list(downloads.glob("campaign-*.csv")), "the CSV was downloaded",
               timeout=10)
    with next(downloads.glob("campaign-*.csv")).open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    exported = {row["customer_id"] for row in rows}
    assert exported == (everyone - hurt_now) & consenting
    assert not exported & hurt_now
    assert {"first_name", "email", "phone_e164"} <= set(rows[0])  # marketing: contact details
    assert any(row["email"].endswith("@example.ie") for row in rows)
    assert dash_duo.get_logs() == []


def test_personal_data_is_hidden_from_operations_and_shown_to_care(dash_duo, app):
    start(dash_duo, app)
    dash_duo.wait_for_page(url=f"{dash_duo.server_url}/customer/{PII_CUSTOMER['customer_id']}")
    pick(dash_duo, "#shell-role", "Network operations")
    dash_duo.wait_for_text_to_equal("#customer-title", f"Customer {PII_CUSTOMER['customer_id']}")
    dash_duo.wait_for_element("#customer-tickets-table")
    text = _body(dash_duo)
    assert [PII_CUSTOMER[k] for k in ("name", "email", "phone") if PII_CUSTOMER[k] in text] == []
    dash_duo.find_element("#customer-search").send_keys("Aoife\n")
    dash_duo.wait_for_contains_text("#customer-results", "No customer found")

    pick(dash_duo, "#shell-role", "Customer care")
    dash_duo.wait_for_text_to_equal("#customer-title", PII_CUSTOMER["name"])
    dash_duo.wait_for_contains_text("#customer-profile", PII_CUSTOMER["email"])
    dash_duo.wait_for_contains_text("#customer-tickets-table", PII_CUSTOMER["phone"])
    _click(dash_duo, "#customer-find")
    dash_duo.wait_for_contains_text("#customer-results", PII_CUSTOMER["customer_id"])
    assert dash_duo.get_logs() == []

