"""The real Irish 4G/5G UE logs, all the way to the Measured experience page's data: a handful
of the 83 traces (one per app and mobility) through ``cxbridge run`` with no other feed."""

from __future__ import annotations

import shutil

import polars as pl
import pytest

from cxbridge.dashboards.data_access import SnapshotReader
from cxbridge.dashboards.measured_view import measured_data, worst_sessions
from cxbridge.jobs import flow

pytestmark = pytest.mark.real_data

# One trace of each kind (app / mobility / content), relative to irish_5g/.
TRACES = (
    "Download/Static/B_2020.02.14_13.21.26.csv",
    "Download/Driving/B_2020.02.14_12.58.17.csv",
    "Netflix/Driving/animated-RickandMorty/B_2019.11.21_09.44.52.csv",
    "Amazon_Prime/Static/animated-Ninjago/B_2020.01.06_11.08.12.csv",
)


@pytest.fixture
def published(settings, real_data, tmp_path):
    source = real_data / "irish_5g"
    raw = tmp_path / "raw"
    for trace in TRACES:
        target = raw / "ue_measurements" / trace
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / trace, target)
    summary = flow.run(settings, raw)
    return settings, summary


def test_ue_logs_alone_build_and_publish_measured_experience(published):
    settings, summary = published
    assert summary.status == "ok"
    assert all(f.rows_read == f.rows_loaded + f.rows_quarantined for f in summary.files)
    # the 68 RSRP readings of -200 in the Ninjago trace are missing values, not quarantined rows
    assert sum(f.rows_quarantined for f in summary.files) == 0
    reader = SnapshotReader(settings)
    assert not reader.missing("ue_sessions", "ue_cells")
    # built in the warehouse, but no page reads it: not published (the snapshot contract)
    assert reader.missing("ue_cells_daily") == ("ue_cells_daily",)
    data = measured_data(reader)
    assert data is not None and data.summary["sessions"] == len(TRACES)
    sessions = data.sessions
    assert set(zip(sessions["activity"], sessions["mobility"], strict=True)) == {
        ("download", "static"), ("download", "driving"), ("video", "driving"),
        ("video", "static")}
    assert sessions["score"].is_between(0, 100).all()
    assert (sessions["share_5g"] + sessions["share_4g"] + sessions["share_legacy"]
            ).is_between(0.99, 1.0).all()
    # the driving sessions change cell, the static download (one 5G cell) does not
    moving = sessions.filter(pl.col("mobility") == "driving")
    assert (moving["handovers"] > 5).all()
    # only the download traces ran pings: the videos have no latency component
    video = sessions.filter(pl.col("activity") == "video")
    assert video["rtt_ms"].is_null().all() and (video["components_measured"] == 1).all()
    worst = worst_sessions(sessions)
    assert worst["score"].is_sorted() and worst.filter(pl.col("poor"))["reason"].is_not_null().all()


def test_cells_are_ranked_worst_first_with_their_evidence(published):
    settings, _ = published
    data = measured_data(SnapshotReader(settings), cell_rows=500)
    cells = data.cells
    assert cells["rank_score"].is_sorted()
    assert set(cells["evidence"]) <= {"little", "some", "ample"}
    assert data.summary["cells"] >= cells.height > 10
    only_video = measured_data(SnapshotReader(settings), "video").sessions
    assert set(only_video["activity"]) == {"video"} and only_video.height == 2
    groups = data.groups
    assert groups["sessions"].sum() == len(TRACES)
