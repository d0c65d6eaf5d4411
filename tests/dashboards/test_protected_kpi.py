"""What operations protected, on the read side: the registry's "revenue protected" and "churn
avoided by care" read through snapshot_metrics with the filter bar's filters (sums over
marts.protected_kpi_daily), the Overview's headline tile (a value; "–" with the reason where the
care is not measured; the waiting text without the table, never 0), and the incident page's
"protected so far", in the browser, on the demo snapshot with protection rows added."""

from __future__ import annotations

import json
from datetime import date

import polars as pl
import pytest

from cxbridge.dashboards.app import create_app
from cxbridge.dashboards.data_access import SnapshotReader
from cxbridge.dashboards.filters import Filters
from cxbridge.dashboards.labels import format_number
from cxbridge.dashboards.protected_view import protected_text
from cxbridge.lab.dashboard_bench import post_callback
from cxbridge.platform import snapshot_metrics
from cxbridge.platform.metrics import HEADLINE, metric
from tests.dashboards.browser import start
from tests.dashboards.world import FIRST_DAY, LAST_DAY, OPEN_FIBRE

PERIOD = Filters(start=FIRST_DAY, end=LAST_DAY)
FILTER_VALUES = {"filters-dates.start_date": FIRST_DAY.isoformat(),
                 "filters-dates.end_date": LAST_DAY.isoformat(), "filters-region.value": [],
                 "filters-segment.value": [], "filters-cfs-type.value": []}
DAILY_SCHEMA = {"date": pl.Date, "incident_id": pl.String, "region": pl.String,
                "segment": pl.String, "customers_cared": pl.Int64,
                "control_customers": pl.Int64, "customers_cared_measured": pl.Int64,
                "churn_avoided": pl.Float64, "churn_avoided_low": pl.Float64,
                "churn_avoided_high": pl.Float64, "revenue_protected_eur": pl.Float64,
                "revenue_protected_low_eur": pl.Float64,
                "revenue_protected_high_eur": pl.Float64, "programmes": pl.String}
# (day, incident, region, segment, cared, control, measured, avoided (low, high), € (low, high))
DAILY = pl.DataFrame([
    (date(2026, 3, 9), OPEN_FIBRE, "Munster", "consumer", 10, 3, 10, 2.0, 0.5, 3.5,
     100.0, 25.0, 175.0, "service_recovery_credit"),
    (date(2026, 3, 9), OPEN_FIBRE, "Munster", "smb", 4, 1, 4, 0.8, 0.2, 1.4,
     120.0, 30.0, 210.0, "service_recovery_credit"),
    (date(2026, 3, 10), OPEN_FIBRE, "Dublin", "consumer", 5, 1, 5, 1.0, 0.25, 1.75,
     40.0, 10.0, 70.0, "service_recovery_credit"),
    # care whose programme is too few to tell: counted, nothing measured (NULL, not 0)
    (date(2026, 3, 11), "INC-DONE", "Connacht", "consumer", 6, 2, 0, None, None, None,
     None, None, None, "proactive_care_call"),
], schema=DAILY_SCHEMA, orient="row")
INCIDENT = pl.DataFrame({
    "incident_id": [OPEN_FIBRE], "customers_cared": [19], "control_customers": [5],
    "customers_cared_measured": [19], "care_list_customers": [40], "churn_avoided": [3.8],
    "churn_avoided_low": [1.0], "churn_avoided_high": [6.6],
    "revenue_protected_eur": [260.0], "revenue_protected_low_eur": [65.0],
    "revenue_protected_high_eur": [455.0], "restored_within_hours": [None],
    "protection": ["measured"], "programmes": ["service_recovery_credit"]},
    schema_overrides={"restored_within_hours": pl.Float64})


@pytest.fixture
def published(settings, publish, demo_rows, world):
    publish("protected-run", demo_rows,
            {**world, "protected_kpi_daily": DAILY, "incident_protection": INCIDENT})
    return settings


def test_the_registry_sums_what_care_protected_under_the_filters(published):
    reader = SnapshotReader(published)
    assert "revenue_protected" in HEADLINE
    read = snapshot_metrics.kpi_values(reader, ["revenue_protected", "churn_avoided_by_care"],
                                       PERIOD)
    assert read["revenue_protected"] == pytest.approx(260.0)
    assert read["churn_avoided_by_care"] == pytest.approx(3.8)
    munster = Filters(start=FIRST_DAY, end=LAST_DAY, regions=("Munster",))
    assert snapshot_metrics.kpi_value(reader, "revenue_protected", munster) == pytest.approx(220)
    smb = Filters(start=FIRST_DAY, end=LAST_DAY, segments=("smb",))
    assert snapshot_metrics.kpi_value(reader, "churn_avoided_by_care", smb) == pytest.approx(0.8)
    # not split by service type: that filter is left out, not an error
    ftth = Filters(start=FIRST_DAY, end=LAST_DAY, cfs_types=("ftth",))
    assert snapshot_metrics.kpi_value(reader, "revenue_protected", ftth) == pytest.approx(260)
    # only unmeasured care in the selection: no value (never 0)
    connacht = Filters(start=FIRST_DAY, end=LAST_DAY, regions=("Connacht",))
    assert snapshot_metrics.kpi_value(reader, "revenue_protected", connacht) is None
    by_region = snapshot_metrics.breakdown(reader, "revenue_protected", "region", PERIOD)
    assert dict(by_region.select("region", "value").iter_rows()) == pytest.approx(
        {"Munster": 220.0, "Dublin": 40.0, "Connacht": None})


def _tiles(settings, extra: dict) -> str:
    app = create_app(settings)
    client = app.server.test_client()
    client.get("/")
    response = post_callback(client, app, "overview-tiles.children", {**FILTER_VALUES, **extra})
    assert response.status_code == 200
    return json.dumps(response.get_json())


def test_the_overview_headline_shows_it_or_says_it_is_not_measured(published, settings,
                                                                    publish, demo_rows, world):
    tiles = _tiles(published, {})
    assert "overview-tile-revenue_protected" in tiles
    assert "Revenue protected by care" in tiles
    assert f'"{format_number(metric("revenue_protected"), 260.0)}"' in tiles
    connacht = _tiles(published, {"filters-region.value": ["Connacht"]})
    assert "Not measured in" in connacht and "too few to tell yet" in connacht
    # a snapshot without the table (no actions feed): the waiting text, not a 0
    publish("no-actions", demo_rows, world)
    waiting = _tiles(settings, {})
    assert "Not measured: needs recorded care actions" in waiting
    assert "overview-value-revenue_protected" not in waiting


def test_the_incident_page_says_what_its_care_protected_or_that_it_is_not_measured():
    words = protected_text(INCIDENT.row(0, named=True))
    assert words.startswith("Protected so far: 3.8 customers kept (95 %: 1.0 to 6.6)")
    assert "€ 260 a month" in words and "19 customer(s) cared for, 5 held out" in words
    unmeasured = protected_text({**INCIDENT.row(0, named=True), "protection": "not measured",
                                 "churn_avoided": None})
    assert "not measured" in unmeasured and "too few to tell" in unmeasured
    assert "customers kept" not in unmeasured
    assert "no care recorded" in protected_text(None)


@pytest.mark.browser
@pytest.mark.usefixtures("chromium")
def test_the_overview_and_the_incident_show_it_in_the_browser(dash_duo, published):
    start(dash_duo, create_app(published))
    value = "#overview-value-revenue_protected .kpi-number"
    dash_duo.wait_for_text_to_equal(value, format_number(metric("revenue_protected"), 260.0))
    # the headline row holds its seven tiles side by side at 1366 px
    tops = dash_duo.driver.execute_script(
        "return [...document.querySelectorAll('#overview-tiles > .col')]"
        ".map(e => e.getBoundingClientRect().top)")
    assert len(tops) == len(HEADLINE) and len(set(tops)) == 1
    dash_duo.wait_for_page(url=f"{dash_duo.server_url}/incident/{OPEN_FIBRE}")
    dash_duo.wait_for_contains_text("#incident-protected", "Protected so far: 3.8 customers")
    assert dash_duo.get_logs() == []
