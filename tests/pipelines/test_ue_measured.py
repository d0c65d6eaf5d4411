"""UE logs: ingest (missing markers, context from the path) and the measured models on them."""

from __future__ import annotations

import pytest

from cxbridge.platform import ingest, warehouse
from cxbridge.platform.ingest.staging import ensure_staging_tables
from tests.ue_logs import DRIVE_ROWS, STATIC_ROWS, build_measured, ingest_logs, write_log

DRIVE = "Download/Driving/B_2019.11.25_15.34.34.csv"
VIDEO = "Netflix/Static/Season3-StrangerThings/B_2019.11.26_10.00.00.csv"


@pytest.fixture
def loaded(settings, tmp_path):
    settings.ensure_dirs()
    raw = tmp_path / "raw" / "ue_measurements"
    write_log(raw, DRIVE, DRIVE_ROWS)
    write_log(raw, VIDEO, STATIC_ROWS)
    with warehouse.connect(settings) as con:
        results = ingest_logs(con, [raw])
        build_measured(con)
    return settings, results


def test_dash_and_minus_200_are_missing_not_quarantined(loaded):
    settings, results = loaded
    assert [(r.rows_read, r.rows_loaded, r.rows_quarantined) for r in results] == [(5, 5, 0),
                                                                                   (5, 5, 0)]
    with warehouse.connect(settings) as con:
        rows = warehouse.query(con, "select * from stg.ue_measurements "
                                    "where trace like 'Download/%' order by sample_line")
    assert rows["rsrp_dbm"].to_list() == [-78.0, None, -110.0, -112.0, -111.0]
    assert rows["rsrq_db"][4] is None and rows["snr_db"][4] is None and rows["cqi"][4] is None
    assert rows["ping_avg_ms"].null_count() == 5 and rows["ping_loss_pct"].null_count() == 5
    assert rows["sample_line"].to_list() == [2, 3, 4, 5, 6]
    # 15:34:34 in Dublin in November (GMT) is 15:34:34 UTC
    assert str(rows["measured_at"][0]) == "2019-11-25 15:34:34"


def test_context_comes_from_the_path(loaded):
    settings, _ = loaded
    with warehouse.connect(settings) as con:
        traces = warehouse.query(con, "select distinct trace, app, activity, mobility, content "
                                      "from stg.ue_measurements order by trace").rows()
    assert traces == [
        ("Download/Driving/B_2019.11.25_15.34.34", "Download", "download", "driving", None),
        ("Netflix/Static/Season3-StrangerThings/B_2019.11.26_10.00.00", "Netflix", "video",
         "static", "Season3-StrangerThings"),
    ]


def test_a_file_outside_the_layout_keeps_its_name_and_no_context(settings, tmp_path):
    settings.ensure_dirs()
    path = write_log(tmp_path / "logs", "phone.csv", DRIVE_ROWS[:1])
    with warehouse.connect(settings) as con:
        ingest_logs(con, [path])
        row = warehouse.query(con, "select trace, app, activity, mobility, content "
                                   "from stg.ue_measurements").row(0)
    assert row == ("phone", None, None, None, None)


def test_session_measures(loaded):
    settings, _ = loaded
    with warehouse.connect(settings) as con:
        drive = warehouse.query(con, "select * from measured.ue_sessions "
                                     "where activity = 'download'").row(0, named=True)
    assert drive["samples"] == 5 and drive["active_samples"] == 4
    assert drive["handovers"] == 1 and drive["cells"] == 2
    assert drive["share_5g"] == pytest.approx(0.4) and drive["share_4g"] == pytest.approx(0.6)
    # throughput over the four transferring seconds: (40 + 40 + 2 + 0) / 4 Mbit/s
    assert drive["dl_mean_mbps"] == pytest.approx(20.5)
    assert drive["stalled_share"] == pytest.approx(0.25) and drive["idle_share"] == 0.2
    assert drive["rsrp_dbm"] == pytest.approx((-78 - 110 - 112 - 111) / 4)   # -200 left out
    assert drive["main_technology"] == "4G" and drive["main_cell_id"] == "ECI-202"
    # no pings: latency and loss not measured, the score is the throughput score alone
    assert drive["rtt_ms"] is None and drive["score_latency"] is None
    assert drive["score_loss"] is None and drive["components_measured"] == 1
    assert drive["score"] == pytest.approx(drive["score_throughput"])


def test_cells_rank_with_their_evidence(loaded):
    settings, _ = loaded
    with warehouse.connect(settings) as con:
        cells = {r["cell_id"]: r for r in warehouse.query(
            con, "select * from measured.ue_cells").iter_rows(named=True)}
        daily = warehouse.query(con, "select cell_id, date, samples from measured.ue_cells_daily "
                                     "order by cell_id, date").rows()
    assert set(cells) == {"ECI-101", "ECI-202"}
    poor = cells["ECI-202"]
    assert poor["rsrp_band"] == "poor" and poor["reason"].startswith("Poor coverage: RSRP -111")
    assert poor["handovers_out"] == 0 and cells["ECI-101"]["handovers_out"] == 1
    # two seconds of evidence: the rank score sits between the cell's own and the overall
    overall = sum(c["score"] * c["active_samples"] for c in cells.values()) / sum(
        c["active_samples"] for c in cells.values())
    assert poor["score"] < poor["rank_score"] < overall
    assert poor["evidence"] == "little"
    assert [(c, s) for c, _, s in daily] == [("ECI-101", 2), ("ECI-101", 5), ("ECI-202", 3)]


def test_models_build_empty_tables_without_logs(settings):
    settings.ensure_dirs()
    with warehouse.connect(settings) as con:
        ingest.prepare(con)
        ensure_staging_tables(con, ingest.SOURCES)
        build_measured(con)
        for table in ("measured.ue_sessions", "measured.ue_cells", "measured.ue_cells_daily"):
            frame = warehouse.query(con, f"select * from {table}")
            assert frame.is_empty()
            assert {"score", "reason", "poor", "rsrp_band"} <= set(frame.columns)
        assert "rank_score" in warehouse.query(con, "select * from measured.ue_cells").columns


def test_a_new_log_alone_rebuilds_the_measured_tables(settings, tmp_path):
    from cxbridge.jobs import flow

    raw = tmp_path / "raw"
    write_log(raw / "ue_measurements", DRIVE, DRIVE_ROWS)
    flow.run(settings, raw)
    write_log(raw / "ue_measurements", VIDEO, STATIC_ROWS)
    second = flow.run(settings, raw)
    assert second.build.mode != "unchanged"
    with warehouse.connect(settings) as con:
        assert warehouse.scalar(con, "select count(*) from measured.ue_sessions") == 2
