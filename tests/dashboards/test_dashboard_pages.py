"""The pages' callbacks without a browser: every one answers (through the benchmark, which
posts them all), pages say what is missing instead of failing, and every figure is one plotly
accepts, in words."""

from __future__ import annotations

import json
from datetime import datetime

import plotly.graph_objects as go
import pytest

from cxbridge.dashboards import campaign
from cxbridge.dashboards.app import create_app
from cxbridge.dashboards.data_access import SnapshotReader
from cxbridge.dashboards.exports import care_href
from cxbridge.dashboards.figures_customer import customer_experience_figure
from cxbridge.dashboards.figures_marketing import (
    drivers_figure,
    quadrant_bars_figure,
    risk_map_figure,
)
from cxbridge.dashboards.figures_network import (
    heatmap_by_day,
    impact_figure,
    resource_kpis_figure,
    score_figure,
    timeline_figure,
)
from cxbridge.dashboards.filters import Filters
from cxbridge.lab.dashboard_bench import bench_dashboard, post_callback
from cxbridge.platform.action_log import ActionLog
from cxbridge.platform.metrics import metric
from tests.dashboards.world import FIRST_DAY, LAST_DAY, OPEN_FIBRE, PII_CUSTOMER, SILENT_CELL

PERIOD = Filters(start=FIRST_DAY, end=LAST_DAY)
MODEL_TABLES = ("churn_scores", "churn_drivers", "churn_score_history", "queue", "incidents",
                "incident_services", "impact_breakdown", "incident_episodes", "episodes")
RAW = ("cfs_type", "mobile_data", "risk_band", "churn_probability", "customer_id",
       "sei_worst", "lossOfSignal", "pon_port", "unavailable_minutes")
FILTER_VALUES = {"filters-dates.start_date": FIRST_DAY.isoformat(),
                 "filters-dates.end_date": LAST_DAY.isoformat(), "filters-region.value": [],
                 "filters-segment.value": [], "filters-cfs-type.value": []}


def test_every_interaction_answers_and_is_timed(settings, publish, demo_rows, world):
    publish("world-run", demo_rows, world)
    report = bench_dashboard(settings, rounds=2)
    assert report["snapshot"] == "world-run"
    pages = {name.split(":")[0] for name in report["interactions"]}
    assert pages == {"navigate (page layouts)", "overview", "marketing", "operations",
                     "incident", "customer 360"}
    for timing in report["interactions"].values():
        assert timing["cold"]["n"] == 2 and 0 < timing["cold"]["p50_ms"] <= timing["cold"][
            "p95_ms"]
    # the first downloads are timed against stores of their own: the world's store holds the
    # other downloads only, each round's cold and warm one
    names = report["interactions"]
    assert {"marketing: export CSV (first download)",
            "incident: export care list (first download)"} <= set(names)
    others = [n for n in names if "export" in n and "(first download)" not in n]
    recorded = ActionLog(settings.action_log_file).exports()
    assert recorded.height == 2 * 2 * len(others)
    assert "BENCH-STORE" not in recorded["programme_key"].to_list()


def test_pages_say_what_is_missing_instead_of_failing(settings, publish, demo_rows, world):
    publish("marts-only", demo_rows, {k: v for k, v in world.items() if k not in MODEL_TABLES})
    app = create_app(settings)
    client = app.server.test_client()
    client.get("/")

    def answer(output: str, extra: dict) -> str:
        response = post_callback(client, app, output, {**FILTER_VALUES, **extra})
        assert response.status_code == 200, output
        return json.dumps(response.get_json())

    marketing = answer("..marketing-notice.children...marketing-quadrant-stats.children..."
                       "marketing-risk-map.figure...marketing-drivers.figure..."
                       "marketing-network-share.children..", {})
    assert "Churn scores are not in this snapshot" in marketing
    assert "cxbridge run" in marketing
    operations = answer("..operations-notice.children...operations-queue.children..."
                        "operations-silent.children..", {"operations-view.value": "all",
                                                        "operations-planned.value": []})
    assert "The incident queue is not in this snapshot" in operations
    tiles = answer("overview-tiles.children", {})
    # churn risk, revenue at risk, time to restore, revenue protected
    assert tiles.count("No data yet") == 4
    incident = answer("..incident-header.children...incident-exposure.children..."
                      "incident-score.figure...incident-impact.figure...incident-timeline.figure"
                      "...incident-care.children..", {"incident-id.data": OPEN_FIBRE,
                                                      "shell-url.search": ""})
    assert "The incident queue is not in this snapshot" in incident


def _valid(figure: dict) -> str:
    go.Figure(figure)  # plotly validates every property
    text = json.dumps(figure, default=str)
    assert [name for name in RAW if name in text] == []
    return text


def test_every_figure_is_valid_plotly_in_words(settings, publish, demo_rows, world):
    publish("world-run", demo_rows, world)
    reader = SnapshotReader(settings)
    frame = reader.customer_outlook(PERIOD)
    _valid(risk_map_figure(campaign.risk_grid(frame), 90.0, 0.3))
    _valid(quadrant_bars_figure(campaign.quadrants_by(frame, "cfs_type"), "cfs_type"))
    _valid(drivers_figure(reader.churn_drivers(PERIOD)))
    experience = metric("experience_index")
    _valid(heatmap_by_day(experience, reader.breakdown_by_day("experience_index", "region",
                                                               PERIOD), "region"))
    incident = reader.incident(OPEN_FIBRE)
    ends = incident["impact_end"]
    assert "Root cause" in _valid(timeline_figure(reader.incident_timeline(OPEN_FIBRE),
                                                  incident["started_at"], ends))
    assert "Seen in the counters" in _valid(timeline_figure(
        reader.incident_timeline(SILENT_CELL), incident["started_at"], ends))
    _valid(impact_figure(reader.incident_breakdown(OPEN_FIBRE)))
    _valid(score_figure(incident))
    kpis = reader.incident_kpis(OPEN_FIBRE, datetime(2026, 3, 15),
                                datetime(2026, 3, 15, 23))
    assert "Minutes without service per hour" in _valid(resource_kpis_figure(
        kpis, incident["started_at"], ends))
    days = reader.customer_days("C0000001", PERIOD)
    text = _valid(customer_experience_figure(days, reader.customer_incidents("C0000001")))
    assert "Session setup rate above limit" in text  # the incident is marked


@pytest.mark.parametrize("by", ["region", "segment", "cfs_type"])
def test_quadrant_bars_have_one_bar_per_value(by, settings, publish, demo_rows, world):
    publish("world-run", demo_rows, world)
    frame = SnapshotReader(settings).customer_outlook(PERIOD)
    figure = go.Figure(quadrant_bars_figure(campaign.quadrants_by(frame, by), by))
    values = {y for trace in figure.data for y in trace.y}
    expected = {"region": 5, "segment": 3, "cfs_type": 4}[by]  # the world has no voice
    assert len(values) == expected


def test_customer_360_on_a_snapshot_published_before_the_fault_minutes_says_so(
        settings, publish, demo_rows, world):
    """A snapshot an earlier cxbridge published (its experience rows without the minutes
    without service, before 7 Dec 2026), served after an upgrade and before the next run: the
    services table says to run `cxbridge run`; the rest of the page answers."""
    older = {**{k: v for k, v in world.items() if k != "incident_hours"},  # added later too
             "service_experience_daily": world["service_experience_daily"].drop("outage_minutes")}
    publish("before-upgrade", demo_rows, older)
    app = create_app(settings)
    client = app.server.test_client()
    client.get("/")
    output = ("..customer-experience.figure...customer-services.children..."
              "customer-incidents.children...customer-alert.children..")
    customer = {"customer-id.data": PII_CUSTOMER["customer_id"]}
    response = post_callback(client, app, output, {**FILTER_VALUES, **customer})
    assert response.status_code == 200
    shown = json.dumps(response.get_json())
    assert "Published by an earlier cxbridge" in shown and "cxbridge run" in shown
    assert "service_experience_daily.outage_minutes" in shown
    assert "customer-services-table" not in shown
    # the incident care list reads none of what the older snapshot lacks: it downloads
    care = client.get(care_href(OPEN_FIBRE, "care"))
    assert care.status_code == 200 and care.get_data(as_text=True).startswith("customer_id")
    # the current layout shows the table, and no such notice
    publish("after-run", demo_rows, world)
    current = json.dumps(post_callback(client, app, output,
                                       {**FILTER_VALUES, **customer}).get_json())
    assert "customer-services-table" in current and "an earlier cxbridge" not in current


def test_customer_360_without_the_incident_tables_answers(settings, publish, demo_rows, world):
    publish("marts-only", demo_rows, {k: v for k, v in world.items() if k not in MODEL_TABLES})
    app = create_app(settings)
    client = app.server.test_client()
    client.get("/")
    response = post_callback(client, app, "..customer-experience.figure...customer-services."
                             "children...customer-incidents.children...customer-alert.children..",
                             {**FILTER_VALUES, "customer-id.data": PII_CUSTOMER["customer_id"]})
    assert response.status_code == 200
    shown = json.dumps(response.get_json())
    assert "customer-services-table" in shown and "Affected by an open incident" not in shown


def test_a_snapshot_without_one_incident_table_keeps_the_parts_that_do_not_read_it(
        settings, publish, demo_rows, world):
    """A snapshot an earlier cxbridge published without ``incident_hours`` (which only the
    incident page's KPI chart reads): the queue, the incident and its care list answer as
    usual; the chart says the snapshot lacks that table and that `cxbridge run` publishes it."""
    publish("before-upgrade", demo_rows, {k: v for k, v in world.items()
                                          if k != "incident_hours"})
    app = create_app(settings)
    client = app.server.test_client()
    client.get("/")
    queue = json.dumps(post_callback(
        client, app, "..operations-notice.children...operations-queue.children..."
        "operations-silent.children..", {**FILTER_VALUES, "operations-view.value": "all",
                                        "operations-planned.value": []}).get_json())
    assert OPEN_FIBRE in queue and "not in this snapshot" not in queue
    incident = {"incident-id.data": OPEN_FIBRE, "shell-url.search": ""}
    header = json.dumps(post_callback(
        client, app, "..incident-header.children...incident-exposure.children..."
        "incident-score.figure...incident-impact.figure...incident-timeline.figure..."
        "incident-care.children..", incident).get_json())
    assert "no data yet" not in header.lower() and "incident_hours" not in header
    kpis = json.dumps(post_callback(client, app, "..incident-kpis.figure..."
                                    "incident-kpis-note.children..", incident).get_json())
    assert "lacks incident_hours" in kpis and "cxbridge run" in kpis
    assert "The incident queue is not in this snapshot" not in kpis


def test_the_missing_notice_says_why_a_model_is_missing():
    """Without the incident models (a network-less or marts-only snapshot) the group's help;
    with them but without a table added later, that table named and `cxbridge run`."""
    from cxbridge.dashboards.components import missing_notice
    without = json.dumps(missing_notice(["incident_services", "incidents"]).to_plotly_json(),
                         default=str)
    assert "The incident queue is not in this snapshot" in without
    older = json.dumps(missing_notice(["incident_hours"], held={"queue", "incidents"})
                       .to_plotly_json(), default=str)
    assert "lacks incident_hours" in older and "incident queue is not" not in older


def test_a_model_its_feeds_could_not_build_is_explained_by_its_feeds_and_once():
    """A partial operator (no PM counters): the incident models were not built because the kpis
    feed is missing, not because `cxbridge run` was not run. On the page whose feed notice says
    so already (operations) nothing more is said; elsewhere (marketing) the line names the
    feed, not the run; an output that is built keeps the group's help; a what-if page's own
    tables go by its output."""
    import polars as pl

    from cxbridge.dashboards.components import missing_notice

    def row(output, label, status, pages, missing="kpis", how="raw/kpis/*.csv"):
        return {"output": output, "label": label, "status": status, "gives": "", "pages": pages,
                "missing": missing if status == "not built" else "", "would_add": "",
                "how_to_enable": how if status == "not built" else "", "note": ""}

    capabilities = pl.DataFrame([
        row("incident_queue", "Incident queue", "not built", "/operations"),
        row("churn_risk", "Churn risk", "built", "/ /marketing"),
        row("planned_work", "Planned-work impact", "not built", "/planned", "topology",
            "raw/topology/resources*.csv")])
    tables = ["queue", "incidents", "churn_scores"]

    def text(notice) -> str:
        return json.dumps(notice.to_plotly_json(), default=str)

    assert missing_notice(["queue", "incidents"], set(), capabilities, "/operations") is None
    marketing = text(missing_notice(tables, set(), capabilities, "/marketing"))
    assert "Incident queue: not built yet. It needs the kpis feed(s)." in marketing
    assert "raw/kpis/*.csv" in marketing and "The incident queue is not in" not in marketing
    assert "Churn scores are not in this snapshot" in marketing  # built: trained later
    assert missing_notice(["units", "unit_services"], set(), capabilities, "/planned",
                          "planned_work") is None
    review = text(missing_notice(["units"], set(), capabilities, "/review", "planned_work"))
    assert "It needs the topology feed(s)" in review and "lacks units" not in review
    # no capabilities (a snapshot from before them): as before
    assert "lacks units" in text(missing_notice(["units"], set(), None, "/planned",
                                                "planned_work"))


def test_a_kpi_tile_waiting_for_a_feed_names_the_feed():
    """Churn risk on a snapshot whose operator sends no usage records: the tile says the usage
    feed is what it needs, not that churn needs 60 days of history; without capabilities (an
    older snapshot) the history is what it names, as before."""
    import polars as pl

    from cxbridge.dashboards.components import waiting_text
    from cxbridge.platform.metrics import metric

    capabilities = pl.DataFrame([{
        "output": "churn_risk", "label": "Churn risk", "status": "not built", "gives": "",
        "missing": "usage", "would_add": "", "how_to_enable": "raw/usage/*.parquet",
        "pages": "/", "note": ""}])
    churn = metric("churn_risk")
    assert churn.source == "churn_kpi_daily"
    said = waiting_text(churn, capabilities)
    assert said.startswith("It needs the usage feed(s).") and "`raw/usage/*.parquet`" in said
    assert "60 days" in waiting_text(churn) and "60 days" not in said
