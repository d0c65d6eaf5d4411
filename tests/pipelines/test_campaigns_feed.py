"""The campaigns feed's contract (pipelines/platform/ingest/sources/campaigns.py): good rows
load into stg.campaigns with took_up as a boolean however it is spelt, bad ones are quarantined
with a reason naming the column and value, none is lost (rows read = loaded + quarantined)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from cxbridge.platform import ingest, runs, warehouse
from tests.tiny_world import CUSTOMERS

CAMPAIGN = """\
campaign_id,offer,sent_on,customer_id,took_up
CMP-1,Data_Boost,2026-10-08,C1,yes
CMP-1,data_boost,2026-10-08,C2, No
CMP-2,speed_upgrade,2026-10-09,C1,TRUE
CMP-2,speed_upgrade,2026-10-09,C2,maybe
CMP-3,speed_upgrade,last week,C1,1
CMP-1,data_boost,2026-10-08,C1,no
CMP-3,speed_upgrade,2026-10-09,C404,0
,speed_upgrade,2026-10-09,C1,0
CMP-4,speed_upgrade,2026-10-09,C1,0,extra
"""


def _ingest(settings, raw: Path, source: str) -> list:
    src = ingest.source(source)
    with warehouse.connect(settings) as con, runs.recorded(con, f"ingest {source}") as run:
        ingest.prepare(con)
        return ingest.ingest_many(con, [(src, f) for f in ingest.files_of(src, [raw / source])],
                                  run.run_id, raw_root=raw,
                                  window=ingest.window_of(settings))


@pytest.fixture
def loaded(settings, tmp_path):
    raw = tmp_path / "raw"
    (raw / "customers").mkdir(parents=True)
    (raw / "customers" / "customers.csv").write_text(CUSTOMERS, encoding="utf-8")
    (raw / "campaigns").mkdir()
    (raw / "campaigns" / "campaign_CMP-1.csv").write_text(CAMPAIGN, encoding="utf-8")
    settings.ensure_dirs()
    _ingest(settings, raw, "customers")
    return _ingest(settings, raw, "campaigns")


def test_good_rows_load_and_bad_ones_are_quarantined_with_their_reason(settings, loaded):
    (result,) = loaded
    assert result.rows_read == 9 == result.rows_loaded + result.rows_quarantined
    with warehouse.connect(settings, read_only=True) as con:
        rows = warehouse.query(con, "select campaign_id, offer, sent_on, customer_id, took_up "
                                    "from stg.campaigns order by campaign_id, customer_id")
        reasons = dict(warehouse.rows(
            con, "select line, reason from meta.quarantine where source = 'campaigns'"))
    assert rows.rows() == [("CMP-1", "data_boost", date(2026, 10, 8), "C1", True),
                           ("CMP-1", "data_boost", date(2026, 10, 8), "C2", False),
                           ("CMP-2", "speed_upgrade", date(2026, 10, 9), "C1", True)]
    assert result.rows_quarantined == len(reasons) == 6
    expected = {5: "took_up", 6: "sent_on", 7: "campaign_id", 8: "customer", 9: "campaign_id",
                10: "field"}
    for line, word in expected.items():
        assert word in reasons[line], (line, reasons[line])
