"""The whole run (ingest → transform → publish) on the hand-made tiny world, checked by hand."""

from __future__ import annotations

import shutil

import pytest

from cxbridge.jobs import flow
from cxbridge.platform import warehouse


def _table(settings, sql: str, params=None):
    with warehouse.connect(settings) as con:
        return warehouse.query(con, sql, params)


def test_every_row_is_accounted_for(settings, tiny_raw):
    summary = flow.run(settings, tiny_raw)
    assert summary.status == "ok"
    assert {f.status for f in summary.files} == {"loaded"}
    for result in summary.files:
        assert result.rows_read == result.rows_loaded + result.rows_quarantined
    files = _table(settings, "select sum(rows_read) r, sum(rows_loaded) l, "
                             "sum(rows_quarantined) q from meta.ingest_files")
    assert files["r"][0] == files["l"][0] + files["q"][0] > 0


def test_vendor_dialects_become_the_same_units(settings, tiny_raw):
    flow.run(settings, tiny_raw)
    cell = _table(settings, "select * from stg.kpi_15min where resource_id = 'CELL-1' "
                            "order by interval_start")
    first = cell.row(0, named=True)
    assert str(first["interval_start"]) == "2026-10-01 01:00:00"  # 02:00+01:00 local → UTC
    assert first["dl_throughput_mbps"] == pytest.approx(50.0)  # 50,000 kbit/s
    assert first["latency_ms"] == pytest.approx(40.0)  # 40,000 µs
    assert first["packet_loss_pct"] == pytest.approx(1.0)  # ratio 0.01
    assert first["utilisation_pct"] == pytest.approx(50.0)  # 500 ‰
    assert cell.row(1, named=True)["unavailable_s"] == pytest.approx(450.0)  # 50 % available


def test_service_daily_golden(settings, tiny_raw):
    flow.run(settings, tiny_raw)
    rows = {r["service_id"]: r for r in _table(
        settings, "select * from marts.service_daily").iter_rows(named=True)}
    assert set(rows) == {"CFS-1", "CFS-2"}
    ftth = rows["CFS-1"]
    assert ftth["access_resource_id"] == "PON-1"
    assert ftth["outage_minutes"] == pytest.approx(15.0)
    assert ftth["latency_ms"] == pytest.approx(25.0)
    assert ftth["latency_intervals"] == 4
    assert (ftth["sessions"], ftth["session_failures"]) == (40, 2)
    mobile = rows["CFS-2"]
    # traffic 300 MB on CELL-1 and 100 MB on CELL-2 that day (no week before): shares 0.75 /
    # 0.25 of each cell's mean over the intervals it reported (CELL-1 two, CELL-2 one)
    assert mobile["access_resource_id"] == "CELL-1"
    cell1_latency, cell2_latency = (40 + 60) / 2, 100.0
    assert mobile["latency_ms"] == pytest.approx(0.75 * cell1_latency + 0.25 * cell2_latency)
    # no alarm touched the mobile line: no outage, though CELL-1 reported half an interval
    # unavailable (kept apart as PM unavailability)
    assert mobile["outage_minutes"] == 0.0
    assert mobile["pm_unavailable_minutes"] == pytest.approx(0.75 * 450 / 60)
    # the days were incomplete: PON-1 reported 4 of 96 intervals
    assert ftth["kpi_coverage"] == pytest.approx(4 / 96)


def test_kpi_daily_is_a_sum_of_service_days(settings, tiny_raw):
    flow.run(settings, tiny_raw)
    kpi = _table(settings, "select * from marts.kpi_daily order by cfs_type")
    assert kpi["active_services"].to_list() == [1, 1]
    assert kpi["service_minutes"].sum() == pytest.approx(2 * 1440)
    assert kpi["outage_service_minutes"].sum() == pytest.approx(15.0)
    assert kpi["services_hurt"].to_list() == [1, 0]  # ftth, mobile_data


def _every_table(settings) -> dict:
    with warehouse.connect(settings) as con:
        names = warehouse.query(con, "select table_schema || '.' || table_name as t "
                                     "from information_schema.tables where table_schema "
                                     "in ('stg', 'core', 'marts', 'meta') and table_name "
                                     "not in ('runs', 'snapshot_info') order by 1")["t"]
        return {n: warehouse.query(con, f"select * from {n} order by all") for n in names}


def test_rerun_on_unchanged_inputs_changes_nothing(settings, tiny_raw):
    flow.run(settings, tiny_raw)
    before = _every_table(settings)
    second = flow.run(settings, tiny_raw)
    assert {f.status for f in second.files} == {"unchanged"}
    after = _every_table(settings)
    assert before.keys() == after.keys() and len(before) > 15
    for name in before:
        assert after[name].equals(before[name]), name


def test_corrected_file_replaces_its_earlier_version(settings, tiny_raw):
    flow.run(settings, tiny_raw)
    kpi_file = tiny_raw / "kpis" / "vendor_a" / "A_PM_20261001.csv"
    kpi_file.write_text(kpi_file.read_text().replace(",0,900,", ",0,0,"), encoding="utf-8")
    summary = flow.run(settings, tiny_raw)
    assert [f.status for f in summary.files if f.source == "kpis"].count("replaced") == 1
    pon = _table(settings, "select count(*) n, sum(unavailable_s) down from stg.kpi_15min "
                           "where resource_id = 'PON-1'")
    assert (pon["n"][0], pon["down"][0]) == (4, 0)


def test_a_snapshot_is_published_and_readable(settings, tiny_raw):
    summary = flow.run(settings, tiny_raw)
    current = warehouse.current_snapshot(settings)
    assert current.run_id == summary.run_id
    con = warehouse.open_snapshot(current.path)
    try:
        assert warehouse.scalar(con, "select count(*) from service_experience_daily") == 2
        assert warehouse.scalar(con, "select run_id from snapshot_info") == summary.run_id
    finally:
        con.close()


def test_missing_raw_folder_is_a_clear_error(settings, tmp_path):
    with pytest.raises(FileNotFoundError, match="generate a world first"):
        flow.run(settings, tmp_path / "nowhere")


def test_copy_of_a_loaded_file_is_not_loaded_twice(settings, tiny_raw):
    flow.run(settings, tiny_raw)
    src = tiny_raw / "tickets" / "tickets_20261001.csv"
    shutil.copy(src, src.with_name("tickets_copy.csv"))
    summary = flow.run(settings, tiny_raw)
    copy = next(f for f in summary.files if f.path.endswith("tickets_copy.csv"))
    assert (copy.rows_read, copy.rows_loaded, copy.rows_quarantined) == (1, 0, 1)
    # nothing of it loaded: rejected, with the reason (and the run says so)
    assert copy.status == "rejected" and "identical to" in copy.message
    assert summary.status == "rejected_files"
    assert _table(settings, "select count(*) n from stg.tickets")["n"][0] == 1


def test_empty_files_with_the_same_header_are_each_registered(settings, tiny_raw):
    header_only = "response_id,customer_id,responded_at,score,comment\n"
    for day in ("02", "03"):
        (tiny_raw / "surveys" / f"nps_202610{day}.csv").write_text(header_only)
    summary = flow.run(settings, tiny_raw)
    empties = [f for f in summary.files if f.path.endswith(("nps_20261002.csv",
                                                            "nps_20261003.csv"))]
    # a header and no rows: registered as empty (a quiet day's export), not as loaded
    assert [(f.status, f.rows_read) for f in empties] == [("empty", 0), ("empty", 0)]
    assert all("no data rows" in f.message for f in empties)


def test_one_run_id_from_ingest_to_the_snapshot(settings, tiny_raw, monkeypatch):
    from cxbridge.models.churn import world

    given = []  # the tiny world is too short to score churn: the run id it is handed

    def refresh(con, models_dir, run_id, **kwargs):
        given.append(run_id)
        return real_refresh(con, models_dir, run_id, **kwargs)

    real_refresh = world.refresh
    monkeypatch.setattr(world, "refresh", refresh)
    summary = flow.run(settings, tiny_raw)
    run_id = summary.run_id
    assert _table(settings, "select run_id, command, status from meta.runs").rows() == [
        (run_id, "run", "ok")]
    assert {r for (r,) in _table(settings, "select distinct run_id from meta.ingest_files "
                                           "union select distinct run_id from meta.quarantine"
                                 ).rows()} == {run_id}
    assert summary.incidents == {"status": "built"}
    assert _table(settings, "select distinct run_id from incidents.params union "
                            "select distinct run_id from incidents.queue").rows() == [(run_id,)]
    assert given == [run_id]
    assert warehouse.current_snapshot(settings).run_id == run_id
    assert _table(settings, "select run_id from marts.snapshot_info").rows() == [(run_id,)]
