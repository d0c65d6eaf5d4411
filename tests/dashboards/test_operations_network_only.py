"""Network operations and the incident page on a snapshot that knows no customers (PM counters
only): the queue ranked by network impact says so and shows the cells hurt and the
session-minutes, the cells and ports worst first replace the experience index, and an incident
shows its cells against their usual level instead of services, SLAs and a care list.

The hand-made snapshot: three cells over ten days (2026-03-02 … 03-11), hourly rows
(``intervals_reported`` 4, so sessions per 15 minutes are the hour's sessions ÷ 4), no latency
or loss counters:

* ``CELL-A``: 40 sessions an hour from 08:00 to 21:59, else 8; utilisation 20 % (60 % at
  18:00); 60 Mbit/s; 1 failed set-up in 100.
* ``CELL-B``, chronically congested: utilisation 97 % from 17:00 to 21:59 (5 hours a day),
  else 40 %; 20 Mbit/s; 3 failed set-ups in 100. Incident ``SIL-CONG`` covers every day.
* ``CELL-C``, asleep from 03-10 00:00: CELL-A's traffic until then, 2 sessions an hour after;
  60 minutes without service at 03-11 03:00. Incident ``SIL-SLEEP``, open.
"""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime, timedelta

import polars as pl
import pytest
from selenium.webdriver.support.ui import WebDriverWait

from cxbridge.dashboards import network_view
from cxbridge.dashboards.app import create_app
from cxbridge.dashboards.data_access import SnapshotReader
from cxbridge.dashboards.figures_network import (
    measured_panels,
    resource_kpis_figure,
    unmeasured_panels,
)
from cxbridge.dashboards.filters import Filters
from cxbridge.jobs import flow
from cxbridge.lab.dashboard_bench import post_callback
from tests.dashboards.browser import start
from tests.dashboards.world import incident_hours
from tests.tiny_world import write_tiny_world

FIRST, LAST = date(2026, 3, 2), date(2026, 3, 11)
DAYS = [FIRST + timedelta(days=i) for i in range(10)]
ASLEEP = datetime(2026, 3, 10)
END = datetime(2026, 3, 11, 23)
PERIOD = Filters(start=FIRST, end=LAST)
CONG, SLEEP = "SIL-CONG", "SIL-SLEEP"
FILTER_VALUES = {"filters-dates.start_date": FIRST.isoformat(),
                 "filters-dates.end_date": LAST.isoformat(), "filters-region.value": [],
                 "filters-segment.value": [], "filters-cfs-type.value": []}


def _hour_row(resource: str, hour: datetime) -> dict:
    busy = 8 <= hour.hour < 22
    sessions, util, mbps, failed = (40 if busy else 8), 20.0, 60.0, 1
    if hour.hour == 18:
        util = 60.0
    if resource == "CELL-B":
        util, mbps, failed = (97.0 if 17 <= hour.hour < 22 else 40.0), 20.0, 3
    if resource == "CELL-C" and hour >= ASLEEP:
        sessions = 2
    return {"resource_id": resource, "date": hour.date(), "hour": hour,
            "intervals_reported": 4, "latency_ms": None, "jitter_ms": None,
            "packet_loss_pct": None, "throughput_mbps": mbps, "utilisation_max_pct": util,
            "unavailable_minutes": 60.0 if resource == "CELL-C" and hour == datetime(
                2026, 3, 11, 3) else 0.0,
            "access_attempts": 100, "access_successes": 100 - failed, "drops": 1,
            "sessions": sessions}


def access_hourly() -> pl.DataFrame:
    hours = [datetime.combine(FIRST, datetime.min.time()) + timedelta(hours=h)
             for h in range(24 * len(DAYS))]
    rows = [_hour_row(cell, hour) for cell in ("CELL-A", "CELL-B", "CELL-C") for hour in hours]
    return pl.DataFrame(rows, schema_overrides={"latency_ms": pl.Float64, "jitter_ms": pl.Float64,
                                                "packet_loss_pct": pl.Float64})


def network_tables(world: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """The incident tables of a network-only snapshot; customer tables empty (their schemas
    from the mini world)."""
    specs = [(CONG, "chronic_congestion", "Busy-hour congestion on 10 of 10 days on CELL-B",
              "CELL-B", datetime(2026, 3, 2), 14400.0, 12.0),
             (SLEEP, "sleeping_cell", "Traffic collapsed to 5 % of usual on CELL-C", "CELL-C",
              ASLEEP, 2820.0, 7.4)]
    incidents, queue, impact = [], [], []
    for rank, (iid, kind, title, root, began, minutes, usual) in enumerate(specs, 1):
        incidents.append({
            "incident_id": iid, "source": "silent", "kind": kind, "title": title,
            "root_resource_id": root, "root_resource_type": "cell", "region": "unknown",
            "started_at": began, "ended_at": None, "impact_end": END, "status": "open",
            "planned": False, "worst_severity": None, "severity_rank": 0,
            "detection": "silent: no alarm", "end_basis": "open", "n_alarms": 0,
            "n_symptoms": 0, "flapping": False, "n_flaps": 0})
        queue.append({
            "rank": rank, "incident_id": iid, "status": "open", "source": "silent",
            "kind": kind, "title": title, "root_resource_id": root, "started_at": began,
            "duration_minutes": minutes, "planned": False, "worst_severity": None,
            "severity_rank": 0, "priority_score": minutes * usual,
            "score_customer_minutes": 0.0, "score_business": 0.0, "score_sla": 0.0,
            "score_revenue": 0.0, "score_experience": 0.0, "affected_services": 0,
            "affected_customers": 0, "sla_services": 0, "sla_breached_services": 0,
            "revenue_at_risk_eur": 0.0, "experience_drop": None,
            "score_network": minutes * usual, "priority_basis": "network",
            "network_resources": 1, "model_version": "incidents-test", "run_id": "inc-run",
            "scored_at": datetime(2026, 3, 12), "effect": "degradation",
            "queue_section": "chronic" if kind == "chronic_congestion" else "acute",
            "chronic_after_days": 3.0})
        impact.append({"incident_id": iid, "network_resources": 1, "network_minutes": minutes,
                       "network_impact": minutes * usual, "network_basis": "sessions"})
    incidents_frame = pl.DataFrame(incidents, schema_overrides={
        "ended_at": pl.Datetime("us"), "worst_severity": pl.String})
    access = pl.DataFrame({"incident_id": [CONG, SLEEP], "resource_id": ["CELL-B", "CELL-C"],
                           "services": [0, 0]})
    return {
        "incidents": incidents_frame,
        "queue": pl.DataFrame(queue, schema_overrides={
            "worst_severity": pl.String, "experience_drop": pl.Float64}),
        "incident_impact": pl.DataFrame(impact),
        "incident_access": access,
        "detection_thresholds": pl.DataFrame({"name": ["congested_util_pct"], "scope": ["network"],
                                              "value": [90.0], "how": ["setting"]}),
        "access_hourly": access_hourly(),
        # what the incident build sums for the KPI chart (its own SQL)
        "incident_hours": incident_hours(incidents_frame, access, access_hourly()),
        "snapshot_info": pl.DataFrame({  # the days of the network data (no customer KPIs)
            "run_id": ["network-run"], "built_at": [datetime(2026, 3, 12, 4)],
            "raw_dir": ["raw"], "first_date": [FIRST], "last_date": [LAST]}),
        **{name: world[name].clear() for name in (
            "incident_services", "impact_breakdown", "care_list", "incident_episodes",
            "episodes", "customers", "service_experience_daily")},
    }


@pytest.fixture
def network_only(settings, publish, world):
    publish("network-run", [], network_tables(world))
    return settings


@pytest.fixture
def reader(network_only):
    return SnapshotReader(network_only)


def test_the_queue_is_ranked_by_network_impact_and_says_so(reader):
    queue = reader.incident_queue(PERIOD)
    assert not reader.knows_services()
    assert network_view.queue_basis(queue, reader.knows_services()) == "network"
    assert network_view.queue_title("network") == "Incident queue, by network impact"
    text = " ".join(_texts(network_view.queue_table(queue, "")))
    assert "Cells and ports hurt" in text and "Session-minutes" in text
    assert "172,800" in text  # SIL-CONG: 14,400 minutes × 12 usual sessions
    for customer_column in ("Customers", "SLA services", "Revenue at risk"):
        assert customer_column not in text
    assert "session-minutes" in text and "No customer services are loaded" in text
    silent = " ".join(_texts(network_view.silent_table(
        reader.incident_queue(PERIOD, source="silent"), "")))
    assert "Session-minutes" in silent and "Customers" not in silent


def test_an_empty_queue_goes_by_what_the_snapshot_knows():
    assert network_view.queue_basis(pl.DataFrame(), knows_services=False) == "network"
    assert network_view.queue_basis(pl.DataFrame(), knows_services=True) == "customers"
    assert network_view.network_unit("sessions, sessions of its type") == "session-minutes"
    assert network_view.network_unit(["sessions", "throughput"]) == "weighted minutes"
    assert network_view.network_unit("count") == "resource-minutes"


def test_cells_worst_first_in_each_order(reader):
    assert reader.congestion_threshold() == 90.0
    busy = reader.access_worst(PERIOD, "busy_hour")
    assert busy["resource_id"].to_list() == ["CELL-B", "CELL-A", "CELL-C"]
    first = busy.row(0, named=True)
    assert first["busy_hour_pct"] == pytest.approx(97.0)
    assert first["congested_hours"] == 5 * 10  # 17:00-21:59 ≥ 90 %, ten days
    assert first["failed_setup_pct"] == pytest.approx(3.0)
    assert first["drop_pct"] == pytest.approx(100 / 97)
    assert first["throughput_mbps"] == pytest.approx(20.0)
    assert first["sessions"] == pytest.approx((14 * 40 + 10 * 8) / 24 / 4)
    assert busy.row(1, named=True)["congested_hours"] == 0
    assert reader.access_worst(PERIOD, "throughput")["resource_id"][0] == "CELL-B"
    assert reader.access_worst(PERIOD, "failures")["resource_id"][0] == "CELL-B"
    down = reader.access_worst(PERIOD, "unavailable")
    assert down["resource_id"][0] == "CELL-C" and down["unavailable_minutes"][0] == 60.0
    two = reader.access_worst(PERIOD, "busy_hour", rows=2)
    assert two.height == 2 and two["resources"][0] == 3
    one_day = reader.access_worst(Filters(start=LAST, end=LAST), "busy_hour")
    assert one_day["days"].to_list() == [1, 1, 1]


def test_the_cells_table_links_the_open_incident_and_names_the_threshold(reader):
    cells = reader.access_worst(PERIOD, "busy_hour")
    table = network_view.cells_table(cells, reader.incident_queue(PERIOD, only_open=True),
                                     "?x=1", reader.congestion_threshold())
    text = _texts(table)
    assert "Hours ≥ 90 %" in text and "Chronic congestion" in text and "Sleeping cell" in text
    assert "3 of 3 cells and ports measured in the period." in " ".join(text)
    links = [c for c in _components(table) if getattr(c, "href", None)]
    assert {link.href for link in links} == {"/incident/SIL-CONG?x=1",
                                             "/incident/SIL-SLEEP?x=1"}


def test_an_incident_shows_its_cells_against_their_usual_level(reader):
    incident = reader.incident(SLEEP)
    assert network_view.is_network_ranked(incident)
    stats = " ".join(_texts(network_view.exposure_stats(incident)))
    assert "Cells and ports hurt" in stats and "Customers hurt" not in stats
    assert "20,868" in stats and "7.4" in stats  # session-minutes, usual sessions
    note = network_view.score_note(incident)
    assert "47 h of one cell or port hurt × the 7.4 active sessions usually carried" in note
    assert "20,868 session-minutes" in note
    header = " ".join(_texts(network_view.incident_header(incident)))
    assert "network impact 20,868 session-minutes" in header and "Not known" in header
    hurt = reader.incident_resources(SLEEP, incident["started_at"], END)
    row = hurt.row(0, named=True)
    assert row["resource_id"] == "CELL-C" and row["resources"] == 1
    assert row["sessions_during"] == pytest.approx(2 / 4)
    assert row["sessions_usual"] == pytest.approx((14 * 40 + 10 * 8) / 24 / 4)  # week before
    assert row["unavailable_minutes"] == 60.0
    assert "1 cell or port hurt" in " ".join(_texts(network_view.resources_table(hurt)))


def test_the_kpi_chart_shows_usual_sessions_and_only_measured_counters(reader):
    incident = reader.incident(SLEEP)
    kpis = reader.incident_kpis(SLEEP, datetime(2026, 3, 9, 18), END,
                                incident["started_at"], END)
    evening = kpis.filter(pl.col("hour") == datetime(2026, 3, 10, 20)).row(0, named=True)
    assert evening["sessions"] == 2 and evening["usual_sessions"] == 40  # its other evenings
    night = kpis.filter(pl.col("hour") == datetime(2026, 3, 10, 3)).row(0, named=True)
    assert night["usual_sessions"] == 8
    assert [c for c, _ in measured_panels(kpis)] == [
        "unavailable_minutes", "sessions", "utilisation_max_pct", "throughput_mbps"]
    assert unmeasured_panels(kpis) == ("Latency (ms)", "Packet loss (%)")
    figure = resource_kpis_figure(kpis, incident["started_at"], END)
    assert "Usual sessions" in [t["name"] for t in figure["data"]]
    assert all(shape["x0"] >= kpis["hour"][0] for shape in figure["layout"]["shapes"])
    note = network_view.kpis_note(incident, kpis)
    assert "dashed" in note and "not measured by the export: latency (ms), packet loss" in note
    chronic = reader.incident_kpis(CONG, datetime(2026, 3, 5), END,
                                   datetime(2026, 3, 2), END)
    assert chronic["usual_sessions"].null_count() == chronic.height  # no hour outside it


def test_the_pages_callbacks_on_a_network_only_snapshot(network_only):
    app = create_app(network_only)
    client = app.server.test_client()
    client.get("/")

    def answer(output: str, extra: dict) -> list:
        response = post_callback(client, app, output, {**FILTER_VALUES, **extra})
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        return response.get_json()["response"]

    view = {"operations-view.value": "all", "operations-planned.value": []}
    title = answer("operations-queue-title.children", view)
    assert title["operations-queue-title"]["children"] == "Incident queue, by network impact"
    cells = answer("..operations-cells.children...operations-experience-box.hidden..."
                   "operations-cells-box.hidden..", {"operations-cells-order.value": "busy_hour"})
    assert cells["operations-experience-box"]["hidden"] is True
    assert cells["operations-cells-box"]["hidden"] is False
    assert "CELL-B" in json.dumps(cells["operations-cells"])
    basis = answer("..incident-score-note.children...incident-score-box.hidden..."
                   "incident-impact-box.hidden...incident-resources.children..."
                   "incident-timeline-col.lg...incident-care-col.className..",
                   {"incident-id.data": SLEEP})
    assert basis["incident-care-col"]["className"] == "d-none"
    assert basis["incident-timeline-col"]["lg"] == 12
    assert basis["incident-impact-box"]["hidden"] is True
    assert "incident-resources-table" in json.dumps(basis["incident-resources"])


def test_the_customer_pages_keep_their_columns(settings, publish, demo_rows, world):
    publish("world-run", demo_rows, world)
    reader = SnapshotReader(settings)
    assert reader.knows_services()
    queue = reader.incident_queue(Filters())
    assert network_view.queue_basis(queue, True) == "customers"
    text = _texts(network_view.queue_table(queue, ""))
    assert "Customers" in text and "Revenue at risk /month" in text
    app = create_app(settings)
    client = app.server.test_client()
    client.get("/")
    response = post_callback(client, app, "..operations-cells.children..."
                             "operations-experience-box.hidden...operations-cells-box.hidden..",
                             {**FILTER_VALUES, "operations-cells-order.value": "busy_hour"})
    shown = response.get_json()["response"]
    assert shown["operations-cells-box"]["hidden"] is True
    assert shown["operations-experience-box"]["hidden"] is False


def test_a_network_only_run_publishes_what_the_pages_read(settings, tmp_path):
    raw = write_tiny_world(tmp_path / "raw")
    for folder in raw.iterdir():
        if folder.is_dir() and folder.name != "kpis":
            shutil.rmtree(folder)
    assert flow.run(settings, raw).status == "ok"
    reader = SnapshotReader(settings)
    assert not reader.knows_services()
    cells = reader.access_worst(Filters(), "busy_hour")
    assert {"PON-1", "CELL-1", "CELL-2"} <= set(cells["resource_id"])
    queue = reader.incident_queue(Filters())  # the real columns, even with no incident
    assert {"priority_basis", "score_network", "network_minutes", "network_basis"} <= set(
        queue.columns)


def _texts(component) -> list[str]:
    """Every piece of text a Dash component shows, in order."""
    if component is None:
        return []
    if isinstance(component, str | int | float):
        return [str(component)]
    if isinstance(component, list | tuple):
        return [t for child in component for t in _texts(child)]
    return _texts(getattr(component, "children", None))


def _components(component) -> list:
    """Every component in a layout tree."""
    if isinstance(component, list | tuple):
        return [c for child in component for c in _components(child)]
    if not hasattr(component, "children"):
        return []
    return [component, *_components(component.children)]


@pytest.mark.browser
@pytest.mark.usefixtures("chromium")
def test_operations_and_an_incident_in_a_browser(dash_duo, network_only):
    """The network-only pages in headless Chromium at 1366×768: what shows, what hides, no
    console error, no sideways scroll."""
    app = create_app(network_only)
    start(dash_duo, app)
    dash_duo.wait_for_page(url=dash_duo.server_url + "/operations")
    dash_duo.wait_for_text_to_equal("#operations-queue-title", "Incident queue, by network impact")
    dash_duo.wait_for_contains_text("#operations-cells-table", "CELL-B")
    wait = WebDriverWait(dash_duo.driver, 10)
    wait.until(lambda d: d.execute_script(
        "return document.querySelector('#operations-experience-box').hidden"),
        "the experience index, which needs services, is hidden")
    dash_duo.driver.execute_script(
        "const s = document.querySelector('#operations-cells-order');"
        "const set = Object.getOwnPropertyDescriptor(HTMLSelectElement.prototype, 'value').set;"
        "set.call(s, 'unavailable'); s.dispatchEvent(new Event('change', {bubbles: true}));")
    wait.until(lambda d: d.execute_script(
        "const td = document.querySelector('#operations-cells-table tbody tr td');"
        "return td && td.textContent") == "CELL-C", "worst by time without service")
    dash_duo.wait_for_page(url=f"{dash_duo.server_url}/incident/{SLEEP}")
    dash_duo.wait_for_contains_text("#incident-resources-table", "CELL-C")
    dash_duo.wait_for_element("#incident-kpis .js-plotly-plot")
    wait.until(lambda d: d.execute_script(
        "return getComputedStyle(document.querySelector('#incident-care-col')).display")
        == "none", "no care list without customers")
    assert "Customers hurt" not in dash_duo.find_element("body").text
    width = dash_duo.driver.execute_script("return document.documentElement.scrollWidth")
    assert width <= 1366
    assert dash_duo.get_logs() == []


def test_a_page_reading_a_table_the_snapshot_lacks_answers_without_failing(network_only):
    """This snapshot has no customer tables at all (not even empty ones, as an older or a
    hand-made snapshot may): the Marketing page's callbacks leave their outputs as they are
    (204) instead of failing (500); the feed notices say what would bring them."""
    app = create_app(network_only)
    client = app.server.test_client()
    client.get("/")
    response = post_callback(client, app, "..marketing-notice.children...marketing-quadrant-stats."
                             "children...marketing-risk-map.figure...marketing-drivers.figure..."
                             "marketing-network-share.children..", FILTER_VALUES)
    assert response.status_code == 204, response.get_data(as_text=True)[:300]


def test_the_queue_lists_its_first_rows_and_says_how_many_more(reader):
    queue = reader.incident_queue(PERIOD)
    assert queue.height == 2
    whole = network_view.queue_table(queue, "", workflow={})
    assert "The first" not in " ".join(_texts(whole))
    first = network_view.queue_table(queue, "", workflow={}, rows=1)
    text = " ".join(_texts(first))
    assert "The first 1 of 2 incidents" in text
    assert queue["incident_id"][0] in text and queue["incident_id"][1] not in text
