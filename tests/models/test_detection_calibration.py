"""Calibrated silent-degradation detection: each cell is judged against its own baseline and its
peers, with thresholds derived from the network's own history (``silent_thresholds.sql``) or
fixed in the configuration. Five cells of one region (the network of ``incidents_world``)
report ten days of counters with a daily cycle and a little day-to-day variation; each test
changes what it studies: the scale of the traffic, the utilisation of every cell, a surge, a
cell with one day of history, hourly rows.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

import cxbridge.models.incidents as incidents
from cxbridge.platform import ingest, warehouse
from cxbridge.platform.settings import SettingsError, load_settings
from tests.models.incidents_world import build_core, write_world

CELLS = ["CELL1", "CELL2", "CELL3", "CELL4", "CELL5"]
EXTRA_RESOURCES = "".join(f"{c},cell,Dublin,A\n" for c in CELLS[2:])
EXTRA_LINKS = "".join(f"{c},SITE,\n" for c in CELLS[2:])
SLEEP = (datetime(2026, 10, 5, 8), datetime(2026, 10, 5, 14))


def kpis(scale: float = 1.0, util=None, override=None, days: int = 10, step: int = 15,
         cells=CELLS, first: date = date(2026, 10, 1)) -> str:
    """Vendor-A PM rows: sessions follow a daily cycle (× ``scale``) with a small wobble from
    day to day and cell to cell; ``util(cell, t)`` and ``override(cell, t)`` (sessions, or
    None) change what they return something for. CELL1 sleeps during ``SLEEP``."""
    lines = ["START_TIME,MO_ID,MO_CLASS,UTIL_PCT,UNAVAIL_S,ACC_ATT,ACC_SUCC,SESSIONS"]
    origin = datetime(first.year, first.month, first.day)
    for k in range(days * 24 * 60 // step):
        t = origin + timedelta(minutes=step * k)
        busy = 0.5 + 0.5 * (8 <= t.hour < 23)
        for n, cell in enumerate(cells):
            wobble = 1 + 0.04 * ((t.day * 7 + n * 3 + t.hour) % 5 - 2)
            sessions = round(40 * busy * wobble * scale) + n
            if cell == "CELL1" and SLEEP[0] <= t < SLEEP[1]:
                sessions = round(1 * scale)
            if override is not None and override(cell, t) is not None:
                sessions = override(cell, t)
            u = (util(cell, t) if util else None) or round(30 * busy * wobble + n, 1)
            lines.append(f"{t:%Y-%m-%dT%H:%M:%SZ},{cell},cell,{u},0,{sessions * 2},"
                         f"{sessions * 2},{sessions}")
    return "\n".join(lines) + "\n"


def detect(tmp_path, csv: str, params: incidents.Params | None = None):
    """Ingest the network with ``csv`` as its PM data, build the incidents; return the silent
    incidents and the thresholds table."""
    settings = load_settings({"CXBRIDGE_HOME": str(tmp_path / "home"), "CXBRIDGE_CONFIG": ""})
    write_world(tmp_path / "raw", alarms=[], usage_days=12, kpi_csv=csv,
                extra_resources=EXTRA_RESOURCES, extra_links=EXTRA_LINKS)
    settings.ensure_dirs()
    with warehouse.connect(settings) as con:
        ingest.ingest_many(con, ingest.discover(tmp_path / "raw"), "t")
        build_core(con)
        if not warehouse.table_exists(con, "core.resources"):
            con.execute("create view core.resources as select *, false as derived "
                        "from stg.resources")
        incidents.build(con, params)
        found = warehouse.query(con, "select * from incidents.incidents where source = 'silent' "
                                     "order by incident_id")
        thresholds = warehouse.query(con, "select * from incidents.detection_thresholds")
    return found, thresholds


def _sleeping(found) -> list[tuple]:
    return found.filter(kind="sleeping_cell").select(
        "root_resource_id", "started_at", "ended_at").rows()


def _threshold(thresholds, name: str, scope: str = "network") -> dict:
    return thresholds.filter(name=name, scope=scope).to_dicts()[0]


@pytest.mark.parametrize("scale", [0.1, 1.0, 10.0])
def test_the_same_collapse_is_found_whatever_the_traffic_scale(tmp_path, scale):
    found, thresholds = detect(tmp_path, kpis(scale=scale))
    assert _sleeping(found) == [("CELL1", *SLEEP)]
    assert found.filter(kind="surge").is_empty()
    silent_z = _threshold(thresholds, "silent_z")
    assert silent_z["how"].startswith("derived: 0.0001 quantile")
    assert 3.0 <= silent_z["value"] <= 8.0


def test_a_network_hot_everywhere_is_no_list_of_congested_cells(tmp_path):
    def hot(cell, t):  # every cell saturates every evening
        return 97.5 if 18 <= t.hour < 21 else None

    found, thresholds = detect(tmp_path, kpis(util=hot))
    assert found.filter(kind="chronic_congestion").is_empty()
    congested = _threshold(thresholds, "congested_util_pct")
    assert congested["value"] == 95.0 and "clamped to [85, 95]" in congested["how"]


def test_one_cell_congested_among_quiet_ones_is_chronic(tmp_path):
    def one_hot(cell, t):
        return 99.0 if cell == "CELL2" and 18 <= t.hour < 21 else None

    found, _ = detect(tmp_path, kpis(util=one_hot))
    assert found.filter(kind="chronic_congestion")["root_resource_id"].to_list() == ["CELL2"]


def test_a_surge_is_detected_on_its_cell_only(tmp_path):
    surge = (datetime(2026, 10, 7, 12), datetime(2026, 10, 7, 15))

    def crowd(cell, t):  # a crowd on CELL4 for three hours: four times its usual load
        return 4 * 40 if cell == "CELL4" and surge[0] <= t < surge[1] else None

    found, _ = detect(tmp_path, kpis(override=crowd))
    surges = found.filter(kind="surge")
    assert surges.select("root_resource_id", "started_at", "ended_at").rows() == [
        ("CELL4", *surge)]
    assert _sleeping(found) == [("CELL1", *SLEEP)]


def test_a_configured_threshold_wins_over_the_derived_one(tmp_path):
    params = incidents.Params().with_overrides({"silent_z": 1000.0, "congested_util_pct": 50.0},
                                               "cxbridge.toml [incidents]")
    found, thresholds = detect(tmp_path, kpis(), params)
    assert _sleeping(found) == []  # no collapse reaches a z-score of −1000
    silent_z = _threshold(thresholds, "silent_z")
    assert (silent_z["value"], silent_z["how"]) == (1000.0, "set in the configuration")
    assert _threshold(thresholds, "degraded_util_pct")["value"] == 45.0


def test_the_config_file_carries_the_overrides(tmp_path):
    config = tmp_path / "cxbridge.toml"
    config.write_text("[incidents]\nsilent_z = 6\nfalse_alarm_rate = 0.001\n", encoding="utf-8")
    settings = load_settings({"CXBRIDGE_CONFIG": str(config), "CXBRIDGE_HOME": str(tmp_path)})
    params = incidents.Params().with_overrides(settings.incidents, "cxbridge.toml [incidents]")
    assert (params.silent_z, params.false_alarm_rate) == (6.0, 0.001)
    with pytest.raises(ValueError, match=r"cxbridge.toml \[incidents\]: unknown key\(s\) "
                                         r"silent_zz; allowed: .*silent_z"):
        incidents.Params().with_overrides({"silent_zz": 5}, "cxbridge.toml [incidents]")
    with pytest.raises(ValueError, match="baseline_min_days = 2.5 is not a int"):
        incidents.Params().with_overrides({"baseline_min_days": 2.5})
    config.write_text("[incidents]\nsilent_z = [1, 2]\n", encoding="utf-8")
    with pytest.raises(SettingsError, match=r"\[incidents\] must be a table of numbers"):
        load_settings({"CXBRIDGE_CONFIG": str(config), "CXBRIDGE_HOME": str(tmp_path)})


def test_too_little_history_is_reported_not_judged(tmp_path):
    def newcomer_silent(cell, t):  # CELL5 reports only on the last day, nearly nothing
        return 0 if cell == "CELL5" else None

    old = kpis()
    new = kpis(cells=["CELL5"], days=1, first=date(2026, 10, 10),
               override=newcomer_silent).splitlines()[1:]
    csv = "\n".join(line for line in old.splitlines() if ",CELL5," not in line) + "\n"
    found, thresholds = detect(tmp_path, csv + "\n".join(new) + "\n")
    assert "CELL5" not in found["root_resource_id"].to_list()
    row = _threshold(thresholds, "history", "CELL5")
    assert row["value"] == 1.0
    assert row["how"] == "too little history: reports on 1 day(s), needs 3: not judged"
    assert _sleeping(found) == [("CELL1", *SLEEP)]


def test_hourly_rows_are_judged_like_quarter_hours(tmp_path):
    found, thresholds = detect(tmp_path, kpis(step=60))
    assert _sleeping(found) == [("CELL1", *SLEEP)]
    # ten days of hourly rows: one sample per hour of week, so the baseline is the hour of day
    baseline = _threshold(thresholds, "baseline", "CELL2")
    assert "0 of 168 hours of week from its own hour of week, 168 from its own hour of day" \
        in baseline["how"]


def test_no_counters_at_all_detects_nothing_and_says_so(tmp_path):
    found, thresholds = detect(tmp_path, "START_TIME,MO_ID,MO_CLASS,LAT_MS\n"
                                         "2026-10-03T23:45:00Z,PON1,pon_port,3\n")
    assert found.is_empty()
    silent_z = _threshold(thresholds, "silent_z")
    assert silent_z["how"].startswith("no judged resource-hours") and silent_z["value"] == 8.0
    assert _threshold(thresholds, "history", "CELL1")["how"].startswith("no PM counters")


def test_a_sparse_hourly_export_of_two_cells_still_finds_the_sleeping_one(tmp_path):
    rows = kpis(step=60, cells=["CELL1", "CELL2"]).splitlines()
    # every seventh hour lost on the way, as real exports lose them (never inside the collapse)
    kept = [r for k, r in enumerate(rows) if k == 0 or (k // 2) % 7 != 3
            or SLEEP[0] <= datetime.fromisoformat(r.split(",")[0][:-1]) < SLEEP[1]]
    assert len(kept) < len(rows)
    found, thresholds = detect(tmp_path, "\n".join(kept) + "\n")
    assert _sleeping(found) == [("CELL1", *SLEEP)]
    assert _threshold(thresholds, "silent_z")["how"].startswith("derived")
