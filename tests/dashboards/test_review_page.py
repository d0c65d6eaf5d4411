"""The joint campaign review page in headless Chromium, on the mini operator (``world.py``) with
hand-made campaign tables: every mobile line of a region on its region's cell, the Dublin cell
already busy (80 %), the others quiet. The marketing builder's link opens the review on the
same campaign; a bigger data plan for everybody puts Dublin over the threshold (its verdict and
phased list as the model projects them) and the other regions stay ready; the report downloads
as CSV, is recorded in the audit log and holds the regions, resources and every target; nothing
spills out of its card at 1366×768."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from selenium.webdriver.support.ui import WebDriverWait

from cxbridge.dashboards import review_reader
from cxbridge.dashboards.app import create_app
from cxbridge.dashboards.campaign import CampaignChoice
from cxbridge.dashboards.data_access import SnapshotReader
from cxbridge.platform import audit
from tests.dashboards.browser import start, url_query, wait_until
from tests.dashboards.test_no_overflow import IDLE, OVERFLOWS
from tests.dashboards.world import REGIONS, customers

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("chromium")]

BUSY = {"Dublin": 80.0}


def campaign_tables() -> dict[str, pl.DataFrame]:
    """whatif.campaign_* as the run would publish them for the mini operator."""
    people = customers()
    rows = []
    for person in people.iter_rows(named=True):
        for k, cfs in enumerate(person["cfs_types"], 1):
            if cfs not in ("ftth", "mobile_data"):
                continue
            cell = cfs == "mobile_data"
            rows.append({
                "service_id": f"CFS-{person['customer_id'][1:]}-{k:02d}",
                "customer_id": person["customer_id"], "cfs_type": cfs,
                "customer_region": person["region"],
                "resource_id": f"CELL-{person['region']}" if cell else f"PON-{person['region']}",
                "resource_type": "cell" if cell else "pon_port", "region": person["region"],
                "share": 1.0, "mb_per_day": 400.0 if cell else 9000.0,
                "monthly_price_eur": 20.0})
    resources = pl.DataFrame([
        {"resource_id": f"{kind}-{region}", "resource_type": t, "region": region,
         "capacity_mbps": 100.0 if t == "cell" else 2500.0,
         "busy_util_pct": BUSY.get(region, 30.0) if t == "cell" else 8.0, "days_measured": 7}
        for region in REGIONS for kind, t in (("CELL", "cell"), ("PON", "pon_port"))])
    load = pl.DataFrame(rows)
    resources = resources.join(load.group_by("resource_id").agg(
        volume_mb=pl.col("mb_per_day").sum()), on="resource_id", how="left").with_columns(
        pl.col("volume_mb").fill_null(0.0))  # as the run sums it
    offers = pl.DataFrame(schema={"offer": pl.String, "cfs_type": pl.String,
                                  "campaigns": pl.Int64, "targets": pl.Int64,
                                  "takers": pl.Int64, "take_up": pl.Float64,
                                  "uplift": pl.Float64})
    reference = pl.DataFrame({"as_of": [date(2026, 3, 16)], "threshold_pct": [85.0],
                              "cell_share_min": [0.3]})
    return {"campaign_load": load, "campaign_resources": resources,
            "campaign_offers": offers, "campaign_reference": reference}


@pytest.fixture
def published(settings, publish, demo_rows, world):
    publish("demo-run", demo_rows, {**world, **campaign_tables()})
    return settings


def _expected(settings, content: str):
    reader = SnapshotReader(settings)
    filters = reader.filter_options().from_query("")
    targets = review_reader.with_content(
        review_reader.campaign_targets(reader, filters, CampaignChoice()), content)
    return targets, review_reader.review(reader, targets)


def test_marketing_opens_the_review_of_its_campaign_and_operations_sees_the_same(
        dash_duo, published):
    start(dash_duo, create_app(published, role="marketing"))
    dash_duo.wait_for_page(url=dash_duo.server_url + "/marketing?bands=high,medium")
    dash_duo.wait_for_element("#marketing-review")
    wait_until(dash_duo, lambda: "bands=high%2Cmedium" in (dash_duo.find_element(
        "#marketing-review").get_attribute("href") or "").replace(",", "%2C"),
               "the review link never carried the builder's bands")
    dash_duo.driver.execute_script("arguments[0].click();",
                                   dash_duo.find_element("#marketing-review"))
    dash_duo.wait_for_element("#review-region-table")
    assert url_query(dash_duo).get("bands") == ["high,medium"]
    assert dash_duo.get_logs() == []


def test_a_bigger_data_plan_congests_the_busy_region_and_phases_its_targets(
        dash_duo, published):
    targets, projection = _expected(published, "data_boost")
    verdicts = dict(projection.regions.select("region", "verdict").iter_rows())
    assert verdicts["Dublin"] != "ready" and verdicts["Ulster"] == "ready"  # the world's facts
    phased = projection.phased
    first = phased.filter(pl.col("phase") == 1).height
    start(dash_duo, create_app(published, role="operations"))
    dash_duo.wait_for_page(url=dash_duo.server_url + "/review?content=data_boost")
    dash_duo.wait_for_element("#review-region-table")
    dash_duo.wait_for_text_to_equal("#review-phase-1", f"{first:,}")
    assert dash_duo.find_element("#review-phase-2").text == f"{phased.height - first:,}"
    assert dash_duo.find_element("#review-flagged").text == \
        f"{int(projection.resources['flagged'].sum()):,}"
    table = dash_duo.find_element("#review-region-table").text
    for region, verdict in verdicts.items():
        assert f"{region} {verdict}" in table, (region, verdict, table)
    assert "CELL-Dublin" in dash_duo.find_element("#review-resource-table").text
    assert ("data_boost: 40% take-up, mobile_data ×2.00 (configured; no history yet, so its "
            "extra load may be up to 2× this)") in dash_duo.find_element("#review-assumptions").text
    assert dash_duo.find_element("#review-may-congest").text == \
        f"{int(projection.resources['may_congest'].sum()):,}"
    WebDriverWait(dash_duo.driver, 15).until(lambda driver: driver.execute_script(IDLE))
    assert dash_duo.driver.execute_script(OVERFLOWS) == []  # nothing spills out of a card
    assert dash_duo.get_logs() == []


def test_the_report_downloads_with_every_target_and_is_recorded(published):
    targets, projection = _expected(published, "data_boost")
    app = create_app(published, role="operations")
    client = app.server.test_client()
    response = client.get("/export/review.csv?offers=service_recovery,retention,upsell"
                          "&bands=high,medium,low&control=10&content=data_boost")
    assert response.status_code == 200
    report = pl.read_csv(response.data, infer_schema=False)
    sections = report["section"].value_counts().sort("section")
    assert dict(sections.iter_rows()) == {
        "assumption": projection.assumptions.height, "region": projection.regions.height,
        "resource": projection.resources.height, "target": targets.height, "threshold": 1}
    (event,) = [e for e in audit.read_events(published.dashboard.audit_file)
                if e.get("export") == "campaign_review"]
    assert (event["rows"], event["targets"], event["contacts"]) == (
        report.height, targets.height, False)
