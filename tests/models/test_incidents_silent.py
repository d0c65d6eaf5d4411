"""Golden tests of silent-degradation detection: PM counters with no alarm in → silent
incidents out. Five cells of one region report ten days of 15-minute counters:

* CELL1 sleeps on 2026-10-05 from 08:00 to 14:00: one session an interval, while available;
* CELL2 is congested every evening 18:00–21:00 (99 % utilisation): chronic congestion;
* CELL3 collapses on 2026-10-06 08:00–14:00 too, but an alarm explains it;
* CELL4 congests on two evenings only, CELL5 is ordinary.
"""

from __future__ import annotations

import importlib
from datetime import date, datetime, timedelta

import pytest
from polars.testing import assert_frame_equal

import cxbridge.models.incidents as incidents
from cxbridge.platform import ingest, warehouse
from cxbridge.platform.settings import load_settings
from tests.models.incidents_world import ALARMS, alarm, build_core, cell_kpis, write_world

CELLS = ["CELL1", "CELL2", "CELL3", "CELL4", "CELL5"]
RESOURCES_EXTRA = "".join(f"{c},cell,Dublin,A\n" for c in CELLS[2:])
LINKS_EXTRA = "".join(f"{c},SITE,\n" for c in CELLS[2:])


def _override(cell: str, t: datetime):
    sleeping = datetime(2026, 10, 5, 8) <= t < datetime(2026, 10, 5, 14)
    alarmed = datetime(2026, 10, 6, 8) <= t < datetime(2026, 10, 6, 14)
    evening = 18 <= t.hour < 21
    if cell == "CELL1" and sleeping or cell == "CELL3" and alarmed:
        return 1, 1.0
    if cell == "CELL2" and evening or cell == "CELL4" and evening and t.day in (3, 4):
        return 60, 99.0
    return None


@pytest.fixture(scope="module")
def silent(tmp_path_factory):
    home = tmp_path_factory.mktemp("silent")
    settings = load_settings({"CXBRIDGE_HOME": str(home / "home"), "CXBRIDGE_CONFIG": ""})
    raw = home / "raw"
    cell3_alarm = alarm("S-CELL3", "CELL3", "2026-10-06T07:55:00Z", "2026-10-06T14:05:00Z",
                        cause="thresholdCrossed", severity="major")
    write_world(raw, alarms=[*ALARMS, *cell3_alarm], usage_days=12,
                kpi_csv=cell_kpis(CELLS, 10, date(2026, 10, 1), _override),
                extra_resources=RESOURCES_EXTRA, extra_links=LINKS_EXTRA)
    settings.ensure_dirs()
    with warehouse.connect(settings) as con:
        ingest.ingest_many(con, ingest.discover(raw), "t")
        build_core(con)
        incidents.build(con)
        found = warehouse.query(con, "select * from incidents.incidents where source = 'silent'")
        services = warehouse.query(con, "select * from incidents.incident_services")
    return found, services, settings


def test_a_sleeping_cell_opens_a_silent_incident_for_its_hours(silent):
    found, _, _ = silent
    sleeping = found.filter(kind="sleeping_cell").to_dicts()
    assert [s["root_resource_id"] for s in sleeping] == ["CELL1"]
    assert sleeping[0]["started_at"] == datetime(2026, 10, 5, 8)
    assert sleeping[0]["ended_at"] == datetime(2026, 10, 5, 14)
    assert sleeping[0]["status"] == "cleared" and sleeping[0]["worst_severity"] is None


def test_a_collapse_an_alarm_explains_is_not_silent(silent):
    found, _, _ = silent
    assert "CELL3" not in found["root_resource_id"].to_list()


def test_only_the_cell_congested_most_days_is_chronic(silent):
    found, _, _ = silent
    chronic = found.filter(kind="chronic_congestion").to_dicts()
    assert [c["root_resource_id"] for c in chronic] == ["CELL2"]
    assert chronic[0]["status"] == "open"  # still congested on the last day


def test_silent_incidents_reach_the_services_on_their_cells(silent):
    _, services, _ = silent
    sleeping = services.filter(services["incident_id"].str.starts_with("SIL-SLEEP-CELL1"))
    # CFS-4 carries 90 % of its traffic on CELL1: hurt for the six hours
    assert sleeping.select("service_id", "impact_minutes").rows() == [("CFS-4", 360.0)]
    # CELL2 carries only 10 % of CFS-4: its congestion reaches no service
    assert services.filter(services["incident_id"] == "SIL-CONG-CELL2").is_empty()


def test_the_kpi_charts_hours_of_a_root_cell_are_its_own(silent):
    """incident_hours keeps, for an incident rooted on a cell, that cell's own counters hour
    by hour (of_root), which the incident page's chart reads instead of scanning every hour of
    every resource."""
    _, _, settings = silent
    with warehouse.connect(settings) as con:
        sleeping = warehouse.scalar(con, "select incident_id from incidents.incidents "
                                         "where kind = 'sleeping_cell'")
        own = warehouse.query(con, """
            select hour, rows, reported, root_seen, sessions, reported_sessions,
                   latency_sum / nullif(latency_n, 0) as latency_ms, utilisation_max_pct,
                   throughput_weighted / nullif(throughput_intervals, 0) as throughput_mbps
            from incidents.incident_hours
            where incident_id = $id and of_root order by hour""", {"id": sleeping})
        cell = warehouse.query(con, """
            select hour, 1 as rows, (intervals_reported > 0)::int as reported, true as root_seen,
                   cast(sessions as double) as sessions,
                   case when intervals_reported > 0 then cast(sessions as double) end
                       as reported_sessions,
                   case when intervals_reported > 0 then latency_ms end as latency_ms,
                   case when intervals_reported > 0 then utilisation_max_pct end
                       as utilisation_max_pct,
                   case when intervals_reported > 0 then throughput_mbps end as throughput_mbps
            from core.access_hourly where resource_id = 'CELL1' order by hour""")
    assert own.height == 10 * 24 and own["sessions"].null_count() < own.height
    assert_frame_equal(own, cell, check_dtypes=False, rel_tol=1e-12)


def test_baselines_taken_part_by_part_equal_one_pass(silent):
    """However few intervals a part may hold, the baselines are those of a single pass: each
    resource's medians are its own, and a resource is never split across parts."""
    _, _, settings = silent
    build = importlib.import_module("cxbridge.models.incidents.build")
    baselines = "select * from incidents.resource_baselines order by all"
    with warehouse.connect(settings) as con:
        one_pass = warehouse.query(con, baselines)
        history = warehouse.query(con, "select resource_id, intervals from "
                                       "incidents.resource_history where judged")
        assert build._own_baselines(con, part_intervals=10**9) == 1
        warehouse.execute_sql_file(con, build.SQL / "silent_baselines.sql")
        assert warehouse.query(con, baselines).equals(one_pass)
        # CELL1 … CELL5 report 960 intervals each: a part starts every 1,000 intervals (two
        # cells in the first) or every 500 (one cell each: a resource is never split)
        assert history["intervals"].to_list() == [960] * 5
        assert build._own_baselines(con, part_intervals=1_000) == 4
        assert build._own_baselines(con, part_intervals=500) == 5
        slots = warehouse.query(con, "select resource_id, count(*) as n from "
                                     "incidents.baseline_slots group by 1 order by 1")
        assert slots["n"].to_list() == [2 * (168 + 24 + 1)] * 5  # no resource twice
        warehouse.execute_sql_file(con, build.SQL / "silent_baselines.sql")
        in_parts = warehouse.query(con, baselines)
    assert len(one_pass) > 0 and in_parts.equals(one_pass)


def test_nothing_silent_without_enough_history(settings, tmp_path):
    write_world(tmp_path / "raw", kpi_csv=cell_kpis(["CELL1", "CELL2"], 1, date(2026, 10, 1),
                                                    lambda cell, t: None))
    with warehouse.connect(settings) as con:
        ingest.ingest_many(con, ingest.discover(tmp_path / "raw"), "t")
        build_core(con)
        incidents.build(con)
        assert warehouse.scalar(con, "select count(*) from incidents.incidents "
                                     "where source = 'silent'") == 0


def test_cell_kpis_helper_spans_the_days_asked(tmp_path):
    text = cell_kpis(["X"], 2, date(2026, 10, 1), lambda cell, t: None)
    assert len(text.splitlines()) == 1 + 2 * 96
    assert text.splitlines()[-1].startswith(
        f"{datetime(2026, 10, 2, 23, 45) + timedelta(0):%Y-%m-%dT%H:%M:%SZ},X,cell")
