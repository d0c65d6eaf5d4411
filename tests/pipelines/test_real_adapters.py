"""The adapters for real public data, on the real files (skipped where ../shared is absent)."""

from __future__ import annotations

import polars as pl
import pytest

from cxbridge.models.service import SQL as SERVICE_SQL
from cxbridge.platform import ingest, warehouse

pytestmark = pytest.mark.real_data


def _load(settings, source: str, paths):
    settings.ensure_dirs()
    with warehouse.connect(settings) as con:
        results = ingest.ingest_many(con, [(ingest.source(source), p)
                                           for p in ingest.files_of(ingest.source(source), paths)],
                                     "test")
        if source == "ue-measurements":
            warehouse.execute_sql_file(con, SERVICE_SQL / "core/ue_cell_kpi_15min.sql")
            kpis = warehouse.query(con, "select * from core.ue_cell_kpi_15min")
        else:
            kpis = warehouse.query(con, "select * from stg.tickets")
        held = warehouse.query(con, "select reason from meta.quarantine")
    return results, kpis, held


def test_irish_5g_logs_become_cell_15_minute_kpis(settings, real_data):
    folder = real_data / "irish_5g" / "Download" / "Static"
    results, kpis, held = _load(settings, "ue-measurements", [folder])
    raw_rows = sum(len(f.read_text().splitlines()) - 1 for f in folder.glob("*.csv"))
    assert sum(r.rows_read for r in results) == raw_rows
    assert all(r.rows_read == r.rows_loaded + r.rows_quarantined for r in results)
    assert sum(r.rows_loaded for r in results) >= 0.99 * raw_rows, held["reason"].head(5)
    assert kpis.height > 10
    assert kpis["resource_id"].str.starts_with("ECI-").all()
    # minutes are multiples of 15, and the bitrate (kbit/s in the file) is now Mbit/s
    assert (kpis["interval_start"].dt.minute() % 15 == 0).all()
    assert 0 < kpis["dl_throughput_mbps"].drop_nulls().median() < 1000
    assert kpis["rsrp_dbm"].drop_nulls().is_between(-140, -40).all()
    assert kpis["samples"].sum() == sum(r.rows_loaded for r in results)


def test_dash_means_missing_not_zero(settings, real_data):
    import csv

    folder = real_data / "irish_5g" / "Download" / "Static"
    _load(settings, "ue-measurements", [folder])
    dashes = sum(row["PINGAVG"] == "-" for f in folder.glob("*.csv")
                 for row in csv.DictReader(f.open(encoding="utf-8")))
    with warehouse.connect(settings) as con:
        nulls = warehouse.scalar(con, "select count(*) from stg.ue_measurements "
                                      "where ping_avg_ms is null")
        zeros = warehouse.scalar(con, "select count(*) from stg.ue_measurements "
                                      "where ping_avg_ms = 0")
    assert dashes > 0 and nulls == dashes and zeros == 0


def test_comcast_complaints_become_tickets_in_utc(settings, real_data):
    path = real_data / "comcast_complaints" / "Comcast_telecom_complaints_data.csv"
    results, tickets, held = _load(settings, "complaints", [path])
    (result,) = results
    assert result.rows_read == 2224
    assert result.rows_read == result.rows_loaded + result.rows_quarantined
    assert result.rows_loaded >= 2200, held["reason"].head(5)
    first = tickets.filter(pl.col("ticket_id") == "COMCAST-250635").row(0, named=True)
    # 22-04-15 3:53:50 PM in Maryland (EDT, UTC-4) is 19:53:50 UTC
    assert str(first["created_at"]) == "2015-04-22 19:53:50"
    assert first["channel"] == "phone" and first["category"] == "slow_speed"
    assert set(tickets["status"]) <= {"acknowledged", "pending", "resolved", "closed"}
    assert tickets["category"].value_counts().height >= 4
