"""The live overlay (cxbridge.platform.overlay): the incident tables published over the current
snapshot after each live batch, shadowing the snapshot's for every reader cursor, all or
nothing, numbered, pruned, and superseded by the next full snapshot."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from cxbridge.jobs import live
from cxbridge.platform import overlay, snapshot, warehouse
from cxbridge.platform.alarm_stream import FileDropSource
from cxbridge.platform.settings import load_settings
from cxbridge.platform.snapshot_reading import SnapshotReading
from tests.pipelines import test_live_stream as stream
from tests.pipelines.test_live_stream import alarm_event

# the tiny world's warehouse, built once per module and copied per test (its fixtures)
built, home, settings_live = stream.built, stream.home, stream.settings_live

QUEUE = "select incident_id from queue order by incident_id"


@pytest.fixture
def settings(tmp_path):
    (tmp_path / "cxbridge.toml").write_text("", encoding="utf-8")
    return load_settings({"CXBRIDGE_HOME": str(tmp_path / "home"),
                          "CXBRIDGE_CONFIG": str(tmp_path / "cxbridge.toml")})


def _ids(reader: SnapshotReading) -> list[str]:
    return reader.frame(QUEUE)["incident_id"].to_list()


def _set_queue(con, *ids: str) -> None:
    con.execute("create schema if not exists incidents")
    con.execute("create or replace table incidents.queue as select unnest($ids) as incident_id,"
                " 1.0 as priority_score", {"ids": list(ids)})


def _publish_snapshot(settings, run_id: str, *ids: str) -> None:
    with warehouse.connect(settings) as con:
        _set_queue(con, *ids)
        con.execute("create schema if not exists marts")
        con.execute("create or replace table marts.kpi_daily as select 7 as value")
        warehouse.publish_snapshot(con, settings, run_id, ["incidents.queue", "marts.kpi_daily"])


def _publish_overlay(settings, *ids: str) -> overlay.OverlayInfo:
    with warehouse.connect(settings) as con:
        _set_queue(con, *ids)
        return overlay.publish_overlay(con, settings, ["incidents.queue"])


def _files(settings, pattern: str) -> list[str]:
    return sorted(p.name for p in settings.snapshots_dir.glob(pattern))


def test_the_overlay_shadows_the_snapshot_and_the_cache_follows_it(settings):
    _publish_snapshot(settings, "run-a", "I-1", "I-2")
    reader = SnapshotReading(settings)
    assert _ids(reader) == ["I-1", "I-2"]
    first_key = reader.key()
    info = _publish_overlay(settings, "I-1", "I-2", "I-3")
    assert (info.base_run_id, info.seq) == ("run-a", 1)
    # the cached result is filed under the old key: the new overlay is a new key, read anew
    assert reader.key() != first_key and reader.key()[4] == str(info.path)
    assert _ids(reader) == ["I-1", "I-2", "I-3"]
    # the tables the overlay lacks come from the snapshot; the stamp is not a table of it
    assert reader.frame("select value from kpi_daily")["value"].to_list() == [7]
    assert "overlay_info" not in reader.frame(
        "select table_name from information_schema.tables where table_catalog = 'memory'"
    )["table_name"].to_list()
    # every query runs on a cursor of its own: each sees the overlay (not the snapshot's table)
    con = reader._connection(reader.key())
    for _ in range(3):
        cursor = con.cursor()
        assert cursor.execute("select count(*) from queue").fetchall() == [(3,)]
        cursor.close()
    # a new overlay leaves cached what reads no overlaid table, and reads the queue anew
    # (both queries take no parameter: kept in the per-snapshot cache)
    reader.frame("select value from kpi_daily")
    misses = reader._snapshot_small.cache_info().misses
    _publish_overlay(settings, "I-1", "I-2", "I-3", "I-4")
    assert reader.frame("select value from kpi_daily")["value"].to_list() == [7]
    assert reader._snapshot_small.cache_info().misses == misses  # served from the cache
    assert _ids(reader) == ["I-1", "I-2", "I-3", "I-4"]
    assert reader._snapshot_small.cache_info().misses == misses + 1
    with duckdb.connect(str(info.path), read_only=True) as stamp:
        assert stamp.execute("select base_run_id, seq from overlay_info").fetchall() == [
            ("run-a", 1)]  # the first overlay's file is kept (the newest three are)
    assert reader.updated_at() is not None


def test_overlays_are_numbered_pruned_and_all_or_nothing(settings):
    _publish_snapshot(settings, "run-a", "I-1")
    for n in range(1, 6):
        info = _publish_overlay(settings, *(f"I-{i}" for i in range(1, n + 2)))
    assert info.seq == 5
    assert _files(settings, "overlay-*") == [overlay.overlay_name("run-a", s) for s in (3, 4, 5)]
    reader = SnapshotReading(settings)
    assert len(_ids(reader)) == 6
    with warehouse.connect(settings) as con, pytest.raises(duckdb.CatalogException):
        overlay.publish_overlay(con, settings, ["incidents.queue", "incidents.no_such_table"])
    # the failed publish left nothing behind and the previous overlay current
    assert _files(settings, "overlay-*") == [overlay.overlay_name("run-a", s) for s in (3, 4, 5)]
    assert overlay.latest_overlay(settings).seq == 5 and len(_ids(reader)) == 6


def test_a_new_snapshot_supersedes_every_overlay(settings, tmp_path):
    _publish_snapshot(settings, "run-a", "I-1")
    old = _publish_overlay(settings, "I-1", "I-2")
    kept = tmp_path / "kept.duckdb"
    shutil.copy(old.path, kept)
    reader = SnapshotReading(settings)
    assert _ids(reader) == ["I-1", "I-2"]
    _publish_snapshot(settings, "run-b", "I-9")
    assert _files(settings, "overlay-*") == [] and not (settings.snapshots_dir / "OVERLAY").exists()
    assert _ids(reader) == ["I-9"]
    # an overlay of an older snapshot named by the pointer (a live publish racing the run's
    # end) is ignored: the new snapshot holds what it held
    shutil.copy(kept, old.path)
    (settings.snapshots_dir / "OVERLAY").write_text(old.path.name + "\n", encoding="utf-8")
    assert overlay.current_overlay(settings, "run-b") is None
    assert reader.key()[4] == "" and _ids(reader) == ["I-9"]
    # the next overlay starts a new sequence over run-b and removes the stale one
    assert _publish_overlay(settings, "I-9", "I-10").seq == 1
    assert _files(settings, "overlay-*") == [overlay.overlay_name("run-b", 1)]


def test_no_overlay_without_a_snapshot(settings):
    with warehouse.connect(settings) as con:
        _set_queue(con, "I-1")
        assert overlay.publish_overlay(con, settings, ["incidents.queue"]) is None


def test_the_overlay_carries_the_incident_stage_tables_in_contract_order():
    tables = overlay.overlay_tables()
    assert "incidents.queue" in tables and "incidents.care_list" in tables
    assert set(tables) <= set(snapshot.built_by("incidents"))
    # every incident table the stage builds (the planned-work lookups come from the topology)
    assert set(snapshot.built_by("incidents")) - set(tables) == {
        t for t in snapshot.built_by("incidents") if t.startswith("whatif.")}


def test_live_publishes_each_refreshed_queue_as_an_overlay(settings_live, tmp_path):
    reader = SnapshotReading(settings_live)
    before = set(_ids(reader))
    drop = tmp_path / "drop"
    drop.mkdir()
    outage = alarm_event(1, resource="OLT-1", cause="equipmentMalfunction")
    (drop / "a.jsonl").write_bytes(json.dumps(outage).encode() + b"\n")
    source = FileDropSource(drop)
    results = [live.consume_one(settings_live, source, batch)
               for batch in iter(lambda: source.next_batch(10, 0.1), None)]
    assert [r.overlay_seq for r in results] == [1]
    assert results[0].published > 0
    current = overlay.current_overlay(settings_live, warehouse.current_snapshot(
        settings_live).run_id)
    assert current is not None and current.seq == 1
    with warehouse.connect(settings_live, read_only=True) as con:
        queue = {r[0] for r in warehouse.rows(con, "select incident_id from incidents.queue")}
        care = warehouse.scalar(con, "select count(*) from incidents.care_list")
    new = queue - before
    assert new, "the outage made no new incident"
    # the dashboard's reader sees the warehouse's refreshed queue, the snapshot still does not
    assert set(_ids(reader)) == queue
    assert reader.frame("select count(*) as n from care_list")["n"].item() == care
    snap = warehouse.open_snapshot(Path(reader.key()[1]))
    try:
        assert not new & {r[0] for r in snap.execute("select incident_id from queue").fetchall()}
    finally:
        snap.close()
