"""A PM export with no topology: every measured object becomes a resource (core.resources,
``derived``), the KPI rows load instead of waiting for a topology that may never come, and the
cells and ports give experience (core.access_daily) from the PM counters alone. Once a
topology has arrived, a KPI row naming a resource it does not hold waits, as before."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxbridge.models.graph import model_graph
from cxbridge.platform import ingest, transform, warehouse
from cxbridge.platform.ingest.checks import load_table
from cxbridge.platform.ingest.loader import prepare_file
from cxbridge.platform.ingest.staging import ensure_staging_tables

# vendor A, no topology: two cells (one named by its class only through the id), a PON port,
# an object of a class the inventory does not know, and a row with no class at all
PM = """\
START_TIME,MO_ID,MO_CLASS,DL_THP_MBPS,UTIL_PCT,LAT_MS,SESSIONS
2026-10-01T00:00:00Z,CELL-7,cell,40,20,10,30
2026-10-01T00:15:00Z,CELL-7,cell,30,25,20,10
2026-10-01T00:00:00Z,E-1,EUtranCellFDD,20,50,30,8
2026-10-01T00:00:00Z,PON-9,pon_port,400,20,5,16
2026-10-01T00:00:00Z,RTR-1,Router,,5,1,
2026-10-01T00:00:00Z,X-42,,10,10,40,4
"""


def _ingest(con, source: str, path: Path):
    return ingest.ingest_many(con, [(ingest.source(source), path)], "t")[0]


@pytest.fixture
def pm_only(settings, tmp_path):
    path = tmp_path / "kpis" / "A_PM_20261001.csv"
    path.parent.mkdir()
    path.write_text(PM)
    settings.ensure_dirs()
    with warehouse.connect(settings) as con:
        result = _ingest(con, "kpis", path)
        transform.build(con, model_graph(), full=True)
        resources = warehouse.query(con, "select resource_id, resource_type, region, vendor, "
                                         "derived from core.resources order by resource_id")
        daily = warehouse.query(con, "select resource_id, intervals_reported, latency_ms, "
                                     "throughput_mbps, sessions from core.access_daily "
                                     "order by resource_id")
    return result, resources, daily


def test_pm_rows_load_without_a_topology(pm_only):
    result, _, _ = pm_only
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (6, 6, 0)


def test_every_measured_object_becomes_a_derived_resource(pm_only):
    _, resources, _ = pm_only
    assert resources.rows() == [
        ("CELL-7", "cell", "unknown", "A", True),
        ("E-1", "cell", "unknown", "A", True),         # a vendor class naming a cell
        ("PON-9", "pon_port", "unknown", "A", True),
        ("RTR-1", "router", "unknown", "A", True),      # an unknown class is kept, lower-cased
        ("X-42", "cell", "unknown", "A", True),        # no class, an id like nothing else
    ]


def test_cells_and_ports_get_experience_from_pm_alone(pm_only):
    _, _, daily = pm_only
    # each derived cell or port is its own access resource: its KPIs are its own counters;
    # the router is not an access resource
    assert daily.rows() == [("CELL-7", 2, 15.0, 35.0, 40), ("E-1", 1, 30.0, 20.0, 8),
                            ("PON-9", 1, 5.0, 400.0, 16), ("X-42", 1, 40.0, 10.0, 4)]


def test_the_topology_is_said_to_be_derived_where_the_reference_was_not_checked(
        settings, tmp_path):
    path = tmp_path / "A_PM_20261001.csv"
    path.write_text(PM)
    settings.ensure_dirs()
    source = ingest.source("kpis")
    prepared = prepare_file(source, path)
    table = next(t for t in source.tables if t.name == "stg.kpi_15min")
    with warehouse.connect(settings) as con:
        ingest.prepare(con)
        ensure_staging_tables(con, ingest.SOURCES)   # stg.resources exists, empty
        outcome = load_table(con, source, table, prepared.parsed[table.name], path, "f1", "t",
                             ingest.existing_tables(con))
    assert (outcome.loaded, outcome.quarantined) == (6, 0)
    assert len(outcome.notes) == 1
    assert "resource_id not checked" in outcome.notes[0]
    assert "topology is derived from the PM export" in outcome.notes[0]


def test_once_a_topology_is_loaded_new_pm_rows_are_checked_again(settings, tmp_path, tiny_raw):
    first = tmp_path / "A_PM_1.csv"
    first.write_text("START_TIME,MO_ID,MO_CLASS,LAT_MS\n2026-10-01T00:00:00Z,CELL-X,cell,12\n")
    later = tmp_path / "A_PM_2.csv"
    later.write_text("START_TIME,MO_ID,MO_CLASS,LAT_MS\n2026-10-01T00:15:00Z,CELL-1,cell,11\n"
                     "2026-10-01T00:15:00Z,CELL-Y,cell,13\n")
    settings.ensure_dirs()
    with warehouse.connect(settings) as con:
        before = _ingest(con, "kpis", first)
        _ingest(con, "topology", tiny_raw / "topology" / "resources.csv")
        after = _ingest(con, "kpis", later)
        held = warehouse.query(con, "select reason from meta.quarantine")
        loaded = warehouse.query(con, "select resource_id from stg.kpi_15min order by 1")
    assert before.rows_loaded == 1                       # no topology yet: loaded unchecked
    assert (after.rows_loaded, after.rows_quarantined) == (1, 1)
    assert "waiting for resource 'CELL-Y'" in held["reason"][0]
    assert loaded["resource_id"].to_list() == ["CELL-1", "CELL-X"]
