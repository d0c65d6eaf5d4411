"""End to end on network data alone, as an operator's first try: one PM export in a format the
project does not ship, its mapping file, no topology, no customers. The run must build cell
experience and find the cell that fell asleep, with nothing lost."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from cxbridge.jobs import flow
from cxbridge.lab.dashboard_bench import bench_dashboard
from cxbridge.platform import warehouse

MAPPING = """\
# an LTE cell export: quoted, 'Result Time' in Dublin local time, the cell inside a compound
# name, throughput as bits and milliseconds, PRBs used and available
vendor: Vendor H
match: ["Result Time", "Object Name"]
timestamp: {column: "Result Time", format: "%Y-%m-%d %H:%M"}
time_zone: Europe/Dublin
resource_id: {column: "Object Name", pattern: "Cell Name=([^,]+)"}
resource_type: {value: cell}
counters:
  dl_throughput_mbps: {column: "L.Thrp.bits.DL(bit)", per: "L.Thrp.Time.DL(ms)", scale: 0.001}
  utilisation_pct:    {column: "L.ChMeas.PRB.DL.Used.Avg", per: "L.ChMeas.PRB.DL.Avail",
                       scale: 100}
  sessions:           {column: "L.Traffic.User.Avg"}
  access_attempts:    {column: "L.RRC.ConnReq.Att"}
  access_successes:   {column: "L.RRC.ConnReq.Succ"}
"""
HEADER = ('"Result Time","Object Name","L.Thrp.bits.DL(bit)","L.Thrp.Time.DL(ms)",'
          '"L.ChMeas.PRB.DL.Used.Avg","L.ChMeas.PRB.DL.Avail","L.Traffic.User.Avg",'
          '"L.RRC.ConnReq.Att","L.RRC.ConnReq.Succ"')
CELLS = [f"ENB{site}-{sector}" for site in (1, 2, 3) for sector in (1, 2, 3)]
ASLEEP, ASLEEP_FROM_DAY, DAYS = "ENB2-2", 8, 10


def _export(rng: np.random.Generator) -> str:
    rows = [HEADER]
    start = datetime(2019, 10, 1)
    for q in range(DAYS * 96):
        moment = start + timedelta(minutes=15 * q)
        hour = moment.hour + moment.minute / 60
        load = 0.2 + 0.7 * math.exp(-((hour - 20) ** 2) / 18)
        for cell in CELLS:
            asleep = cell == ASLEEP and q >= ASLEEP_FROM_DAY * 96
            users = max(0.0, rng.normal(40 * load, 2)) * (0.02 if asleep else 1)
            attempts = int(users * 10)
            prb = 50 * load * (0.05 if asleep else 1)
            bits = int(rng.normal(30e6, 1e6))
            name = f"eNodeB Function Name={cell[:4]}, Local Cell ID={cell[-1]}, Cell Name={cell}"
            rows.append(f'"{moment:%Y-%m-%d %H:%M}","{name}","{bits}","1000","{prb:.2f}","50",'
                        f'"{users:.0f}","{attempts}","{attempts}"')
    return "\n".join(rows) + "\n"


def test_a_foreign_pm_export_alone_gives_cell_experience_and_silent_detection(
        settings, tmp_path: Path):
    raw = tmp_path / "raw"
    (raw / "kpis").mkdir(parents=True)
    (raw / "kpis" / "lte_cells.csv").write_text(_export(np.random.default_rng(5)),
                                                encoding="utf-8")
    mappings = settings.home / "mappings" / "kpis"
    mappings.mkdir(parents=True)
    (mappings / "vendor_h.yaml").write_text(MAPPING, encoding="utf-8")

    summary = flow.run(settings, raw)

    assert summary.status == "ok"
    (result,) = summary.files
    assert result.rows_read == result.rows_loaded == DAYS * 96 * len(CELLS)
    assert "topology" in result.message  # it says the topology was derived
    status = {c.name: c.status for c in summary.capabilities}
    assert status["cell_experience"] == "partial"  # built; an inventory would add paths
    assert status["customer_views"] == "not built"
    with warehouse.connect(settings) as con:
        cells = warehouse.query(con, "select resource_id, avg(throughput_mbps) as mbps, "
                                     "count(*) as days from core.access_daily group by 1")
        incidents = warehouse.query(con, "select kind, root_resource_id, status "
                                         "from incidents.incidents")
        basis = warehouse.query(con, "select distinct priority_basis from incidents.queue")
    assert sorted(cells["resource_id"]) == sorted(CELLS)
    assert cells["mbps"].is_between(25, 35).all()  # 30 Mbit/s: bits ÷ ms, scaled
    sleeping = incidents.filter(incidents["kind"] == "sleeping_cell")
    assert set(sleeping["root_resource_id"]) == {ASLEEP}
    assert "open" in set(sleeping["status"])  # still asleep when the data ends
    assert basis["priority_basis"].to_list() == ["network"]
    # the dashboard bench runs on what such a snapshot holds, and says what it cannot time
    report = bench_dashboard(settings, rounds=1)
    assert report["skipped"] == {
        "customer 360: search": "no customer in this snapshot",
        "customer 360: open": "no customer in this snapshot",
        "campaign review: every offer and band": "no campaign load in this snapshot",
        "outcomes: by segment": "no programme outcome in this snapshot",
        "marketing: rank by expected effect": "no published uplift in this snapshot",
        "marketing: export by expected effect": "no published uplift in this snapshot"}
    assert {"marketing: filters", "operations: filters", "incident: open"} <= set(
        report["interactions"])
