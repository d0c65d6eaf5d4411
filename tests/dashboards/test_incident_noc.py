"""The NOC's view of the queue and an incident on the mini operator (tests/dashboards/world.py),
changed where a test needs it: a region filter keeps a national incident with the region's
share, a degradation's care list says "degraded", KPI charts leave gaps where the element did
not report (and count an outage's silent hours as without service), a long incident shows its
whole span per day, an unknown id says so, and each incident's tab names it."""

from __future__ import annotations

import sys
from datetime import datetime, timedelta

import dash
import polars as pl
import pytest
from selenium.webdriver.support.ui import WebDriverWait

from cxbridge.dashboards.app import create_app
from cxbridge.dashboards.data_access import SnapshotReader
from cxbridge.dashboards.figures_network import resource_kpis_figure
from cxbridge.dashboards.filters import Filters
from cxbridge.dashboards.network_view import care_preview, queue_table
from tests.dashboards.browser import becomes_hidden, displayed, start
from tests.dashboards.test_operations_network_only import _components, _texts
from tests.dashboards.world import (
    CLEARED_BNG,
    FIRST_DAY,
    LAST_DAY,
    OPEN_FIBRE,
    SILENT_CELL,
    incident_hours,
)

PERIOD = Filters(start=FIRST_DAY, end=LAST_DAY)
PON = "PON-M01-001-01"
OUTAGE = datetime.combine(LAST_DAY, datetime.min.time()) + timedelta(hours=6)
MISSING = [OUTAGE + timedelta(hours=2), OUTAGE + timedelta(hours=3)]  # no row at all
SILENT = [OUTAGE + timedelta(hours=4), OUTAGE + timedelta(hours=5)]   # the port reported 0 of 4
BEFORE = [OUTAGE - timedelta(hours=20)]                              # no row, no incident
MUNSTER_MINUTES = 90.0


def _tables(world: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """The world with the BNG overload made national (it also hurt Munster) and the fibre
    cut's port silent for some hours: no row, or a row only upstream hops filled."""
    tables = dict(world)
    tables["incidents"] = world["incidents"].with_columns(
        region=pl.when(pl.col("incident_id") == CLEARED_BNG).then(pl.lit("unknown"))
        .otherwise(pl.col("region")))
    munster = world["impact_breakdown"].filter(incident_id=CLEARED_BNG).head(1).with_columns(
        region=pl.lit("Munster"), services=pl.lit(2, pl.UInt32()),
        customers=pl.lit(2, pl.UInt32()), service_minutes=pl.lit(MUNSTER_MINUTES))
    tables["impact_breakdown"] = pl.concat([world["impact_breakdown"], munster])
    port = pl.col("resource_id") == PON
    tables["access_hourly"] = world["access_hourly"].filter(
        ~(port & pl.col("hour").is_in(MISSING + BEFORE))).with_columns(
        **{c: pl.when(port & pl.col("hour").is_in(SILENT)).then(value).otherwise(pl.col(c))
           for c, value in (("intervals_reported", 0), ("latency_ms", 3.0),
                            ("packet_loss_pct", 0.0), ("unavailable_minutes", None),
                            ("sessions", None), ("utilisation_max_pct", 5.0))})
    # what the incident build sums from those counters for the KPI chart
    tables["incident_hours"] = incident_hours(tables["incidents"], tables["incident_access"],
                                              tables["access_hourly"])
    return tables


@pytest.fixture
def reader(settings, publish, demo_rows, world) -> SnapshotReader:
    publish("noc-run", demo_rows, _tables(world))
    return SnapshotReader(settings)


@pytest.fixture
def app(settings):
    return create_app(settings)


@pytest.fixture
def page(app):
    """The incident page's module, as Dash imported it (it registers pages only once an app
    exists; importing it again under another name would register the page twice)."""
    entry = next(e for e in dash.page_registry.values() if e["path"] == "/incident")
    return sys.modules[entry["module"]]


def test_a_region_filter_keeps_a_national_incident_with_the_regions_share(reader, world):
    queue = reader.incident_queue(Filters(start=FIRST_DAY, end=LAST_DAY, regions=("Munster",)))
    shares = dict(queue.select("incident_id", "region_share").iter_rows())
    dublin = world["impact_breakdown"].filter(incident_id=CLEARED_BNG)["service_minutes"].sum()
    assert shares[CLEARED_BNG] == pytest.approx(MUNSTER_MINUTES / (dublin + MUNSTER_MINUTES))
    assert shares[OPEN_FIBRE] == pytest.approx(1.0)  # every service it hurt is in Munster
    assert SILENT_CELL not in shares  # Connacht only
    text = " ".join(_texts(queue_table(queue, "")))
    assert "Region's share" in text and "national ones included" in text
    assert "Acute incidents before chronic ones" in text
    unfiltered = reader.incident_queue(PERIOD)
    assert unfiltered["region_share"].null_count() == unfiltered.height


def test_a_degradations_care_list_says_degraded_not_lost(reader):
    degraded = reader.incident(SILENT_CELL)
    text = " ".join(_texts(care_preview(reader.care_preview(SILENT_CELL), "", degraded)))
    assert "Degraded for" in text and "Without service" not in text
    assert set(reader.care_list(SILENT_CELL)["impact"]) == {"degraded"}
    outage = reader.incident(OPEN_FIBRE)
    text = " ".join(_texts(care_preview(reader.care_preview(OPEN_FIBRE), "", outage)))
    assert "Without service for" in text
    assert set(reader.care_list(OPEN_FIBRE)["impact"]) == {"without service"}


def test_kpis_are_gaps_where_the_element_did_not_report(reader, page):
    incident = reader.incident(OPEN_FIBRE)
    start, end, bucket = page.kpi_window(incident)
    assert bucket == "hour"
    kpis = reader.incident_kpis(OPEN_FIBRE, start - timedelta(hours=20), end,
                                incident["started_at"], page.incident_end(incident), bucket,
                                outage=True)
    rows = {r["hour"]: r for r in kpis.iter_rows(named=True)}
    for hour in MISSING + SILENT:  # nothing measured: gaps, not the upstream's low latency
        assert rows[hour]["latency_ms"] is None and rows[hour]["sessions"] is None
        assert rows[hour]["packet_loss_pct"] is None
        assert rows[hour]["unavailable_minutes"] == 60, (hour, rows[hour])  # no gap
    assert rows[BEFORE[0]]["unavailable_minutes"] is None  # not an outage: unknown, a gap
    assert rows[BEFORE[0]]["latency_ms"] is None
    assert rows[OUTAGE - timedelta(hours=1)]["latency_ms"] == 12.0
    figure = resource_kpis_figure(kpis, incident["started_at"], page.incident_end(incident))
    latency = next(t for t in figure["data"] if t["name"] == "Latency (ms)")
    assert latency["y"][latency["x"].index(SILENT[0])] is None
    assert latency["connectgaps"] is False
    assert figure["layout"]["shapes"]  # the outage shaded


def test_a_long_incident_shows_its_whole_span_per_day(reader, page):
    started = OUTAGE - timedelta(days=89)
    incident = {"started_at": started, "ended_at": None, "impact_end": OUTAGE}
    start, end, bucket = page.kpi_window(incident)
    assert bucket == "day" and start <= started and end >= OUTAGE
    kpis = reader.incident_kpis(OPEN_FIBRE, start, end, started, OUTAGE, bucket)
    days = kpis["hour"].to_list()
    assert set(kpis["resolution"]) == {"day"}
    assert days[0] <= started and days[-1].date() == end.date() and len(days) == len(set(days))
    assert len(days) == (end.date() - start.date()).days + 1  # every day, measured or not
    measured = kpis.filter(pl.col("sessions").is_not_null())["hour"].dt.date().to_list()
    assert measured == [LAST_DAY - timedelta(days=1), LAST_DAY]
    figure = resource_kpis_figure(kpis, started, OUTAGE)
    assert any("per day" in note["text"] for note in figure["layout"]["annotations"])


def test_an_unknown_incident_says_so_without_empty_charts(reader, app, page):
    with app.server.test_request_context("/incident/INC-NOPE"):
        layout = page.layout("INC-NOPE")
        found = page.layout(OPEN_FIBRE)
        titles = page.page_title(OPEN_FIBRE), page.page_title(SILENT_CELL), \
            page.page_title("INC-NOPE")
    text = " ".join(_texts(layout))
    assert "There is no incident INC-NOPE in this snapshot" in text
    links = [c for c in _components(layout) if getattr(c, "href", None) == "/operations"]
    assert links and "Back to the incident queue" in _texts(links[0])
    body = layout.children[-1]
    assert body.hidden and not found.children[-1].hidden  # no axes, no export button
    assert layout.children[0].data is None  # the callbacks have nothing to draw
    assert titles == ("INC-OPEN · Loss of signal · cxbridge",
                      "SIL-SLEEP · Sleeping cell · cxbridge", "INC-NOPE · cxbridge")




@pytest.mark.browser
@pytest.mark.usefixtures("chromium")
def test_incident_tabs_are_named_and_an_unknown_id_shows_no_empty_page(dash_duo, reader, app):
    """In headless Chromium: the tab names the incident and its care export says what control
    group it holds out; an unknown id shows the message and a link back, no chart and no export
    button; the incident page has no filter bar."""
    start(dash_duo, app)
    dash_duo.wait_for_page(url=f"{dash_duo.server_url}/incident/{OPEN_FIBRE}")
    dash_duo.wait_for_element("#incident-care-table")
    # the care list's control group (recorded, left out of the file) is said beside the export
    dash_duo.wait_for_contains_text("#incident-export-note",
                                    "10 % of the affected customers is held out")
    wait = WebDriverWait(dash_duo.driver, 10)
    wait.until(lambda d: d.title == "INC-OPEN · Loss of signal · cxbridge", "tab title")
    assert not displayed(dash_duo, "#shell-filter-bar")
    dash_duo.wait_for_page(url=f"{dash_duo.server_url}/incident/INC-NOPE")
    dash_duo.wait_for_contains_text("#incident-not-found", "no incident INC-NOPE")
    wait.until(lambda d: d.title == "INC-NOPE · cxbridge", "tab title")
    becomes_hidden(dash_duo, "#incident-export")
    becomes_hidden(dash_duo, "#incident-kpis")
    link = dash_duo.find_element("#incident-not-found a")
    assert link.get_attribute("href").endswith("/operations")
