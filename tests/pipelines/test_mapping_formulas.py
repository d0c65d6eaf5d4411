"""What real PM exports need beyond renaming and scaling, declared in the mapping file: a KPI
exported as two counters (bits ÷ transfer time, used ÷ available PRBs), an object id inside a
compound name, and rows that measure an hour rather than 15 minutes."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxbridge.jobs import flow
from cxbridge.platform import warehouse
from cxbridge.platform.ingest.mappings import MappingError, load_mappings

HOURLY_MAPPING = """\
vendor: Vendor H
match: ["Result Time", "Object Name", "Granularity Period"]
timestamp: {column: "Result Time", format: "%Y-%m-%d %H:%M"}
interval_minutes: {column: "Granularity Period"}
resource_id: {column: "Object Name", pattern: "Cell Name=([^,]+)"}
resource_type: {value: cell}
counters:
  dl_throughput_mbps: {column: "L.Thrp.bits.DL(bit)", per: "L.Thrp.Time.DL(ms)", scale: 0.001}
  utilisation_pct:    {column: "L.ChMeas.PRB.DL.Used.Avg", per: "L.ChMeas.PRB.DL.Avail",
                       scale: 100}
  access_attempts:    {column: "L.RRC.ConnReq.Att"}
  unavailable_s:      {column: "L.Cell.Unavail.Dur.Sys(s)"}
"""

NAME = "eNodeB Function Name=ENB7, Local Cell ID={n}, Cell Name=ENB7-{n}"
HEADER = ('"Result Time","Granularity Period","Object Name","L.Thrp.bits.DL(bit)",'
          '"L.Thrp.Time.DL(ms)","L.ChMeas.PRB.DL.Used.Avg","L.ChMeas.PRB.DL.Avail",'
          '"L.RRC.ConnReq.Att","L.Cell.Unavail.Dur.Sys(s)"')
ROWS = [
    # 30,000,000 bits in 1,000 ms = 30 Mbit/s; 25 of 50 PRBs = 50 %; a whole hour measured
    f'"2026-10-01 10:00","60","{NAME.format(n=1)}","30000000","1000","25","50","400","0"',
    # no transfer time: throughput not measured (never a division by zero, never 0)
    f'"2026-10-01 10:00","60","{NAME.format(n=2)}","0","0","10","50","100","1800"',
    # a 45-minute row is no granularity the warehouse keeps: quarantined, with the reason
    f'"2026-10-01 11:00","45","{NAME.format(n=1)}","1","1","1","50","1","0"',
]


def _world(tmp_path: Path, mapping: str = HOURLY_MAPPING) -> Path:
    raw = tmp_path / "raw"
    (raw / "kpis").mkdir(parents=True)
    (raw / "kpis" / "vendor_h.csv").write_text("\n".join([HEADER, *ROWS]) + "\n",
                                               encoding="utf-8")
    (raw / "_mappings" / "kpis").mkdir(parents=True)
    (raw / "_mappings" / "kpis" / "vendor_h.yaml").write_text(mapping, encoding="utf-8")
    return raw


def _query(settings, sql):
    with warehouse.connect(settings) as con:
        return warehouse.query(con, sql)


def test_ratio_counters_ids_inside_names_and_hourly_rows(settings, tmp_path):
    summary = flow.run(settings, _world(tmp_path))
    (result,) = summary.files
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (3, 2, 1)
    rows = {r["resource_id"]: r for r in _query(
        settings, "select * from stg.kpi_15min order by resource_id").to_dicts()}
    assert set(rows) == {"ENB7-1", "ENB7-2"}
    assert rows["ENB7-1"]["dl_throughput_mbps"] == pytest.approx(30.0)
    assert rows["ENB7-1"]["utilisation_pct"] == pytest.approx(50.0)
    assert rows["ENB7-1"]["interval_minutes"] == 60
    assert rows["ENB7-2"]["dl_throughput_mbps"] is None
    assert rows["ENB7-2"]["unavailable_s"] == pytest.approx(1800.0)  # half of the hour
    hours = {r["resource_id"]: r for r in _query(
        settings, "select * from core.resource_hourly").to_dicts()}
    assert hours["ENB7-1"]["intervals_reported"] == 4  # one hourly row is the whole hour
    assert hours["ENB7-2"]["unavailable_minutes"] == pytest.approx(30.0)
    reason = _query(settings, "select reason from meta.quarantine")["reason"][0]
    assert "interval_minutes" in reason and "45" in reason


def test_a_pattern_without_a_group_is_refused_with_the_fix(tmp_path):
    folder = tmp_path / "mappings" / "kpis"
    folder.mkdir(parents=True)
    (folder / "bad.yaml").write_text(HOURLY_MAPPING.replace("Cell Name=([^,]+)",
                                                            "Cell Name=[^,]+"), encoding="utf-8")
    with pytest.raises(MappingError, match=r"resource_id\.pattern.*no group.*parentheses"):
        load_mappings([tmp_path / "mappings"])


def test_an_unknown_granularity_is_refused(tmp_path):
    folder = tmp_path / "mappings" / "kpis"
    folder.mkdir(parents=True)
    (folder / "bad.yaml").write_text(HOURLY_MAPPING.replace(
        'interval_minutes: {column: "Granularity Period"}', "interval_minutes: 5"),
        encoding="utf-8")
    with pytest.raises(MappingError, match=r"interval_minutes.*allowed: 15, 30, 60"):
        load_mappings([tmp_path / "mappings"])
