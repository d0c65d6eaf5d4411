"""The actions feed's contract (pipelines/platform/ingest/sources/actions.py): good rows load
into stg.actions, bad ones are quarantined with a reason naming the column and value, none is
lost (rows read = loaded + quarantined); and without the feed nothing is measured and the
capability table says what it would add."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxbridge.jobs.capabilities import capabilities
from cxbridge.platform import ingest, runs, warehouse
from tests.tiny_world import CUSTOMERS

ACTIONS = """\
action_id,customer_id,sent_at,programme,offer,channel,reason,arm,cost_eur
A1,C1,2026-10-08T09:00:00Z,retention_discount,20 % off,phone,risk band high,treated,29.99
A2,C2,2026-10-08T09:00:00Z,retention_discount,20 % off,phone,risk band high,control,
A3,C1,2026-10-09 10:00:00+01:00,care_call,call, SMS ,outage,Treated,6
A4,C1,2026-10-08T09:00:00Z,retention_discount,20 % off,phone,risk band high,maybe,1
A5,C1,yesterday,retention_discount,20 % off,phone,risk band high,treated,1
A6,C1,2026-10-08T09:00:00Z,retention_discount,20 % off,phone,risk band high,treated,-5
A1,C2,2026-10-08T09:00:00Z,retention_discount,20 % off,phone,risk band high,treated,1
A8,C404,2026-10-08T09:00:00Z,retention_discount,20 % off,phone,risk band high,treated,1
A9,C1,2026-10-08T09:00:00Z,retention_discount,20 % off,pigeon,risk band high,treated,1
,C1,2026-10-08T09:00:00Z,retention_discount,20 % off,phone,risk band high,treated,1
A11,C1,2026-10-08T09:00:00Z,retention_discount,20 % off,phone,risk band high,treated,1,extra
A12,C2,2026-10-08T09:00:00Z,,20 % off,phone,risk band high,treated,1
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
    (raw / "actions").mkdir()
    (raw / "actions" / "actions_20261008.csv").write_text(ACTIONS, encoding="utf-8")
    settings.ensure_dirs()
    _ingest(settings, raw, "customers")
    return _ingest(settings, raw, "actions")


def test_good_rows_load_and_bad_ones_are_quarantined_with_their_reason(settings, loaded):
    (result,) = loaded
    assert result.rows_read == 12 == result.rows_loaded + result.rows_quarantined
    with warehouse.connect(settings, read_only=True) as con:
        actions = warehouse.query(con, "select * from stg.actions order by action_id")
        reasons = dict(warehouse.rows(
            con, "select line, reason from meta.quarantine where source = 'actions'"))
        read, loaded_rows, held = warehouse.rows(
            con, "select rows_read, rows_loaded, rows_quarantined from meta.ingest_files "
                 "where source = 'actions'")[0]
    assert actions["action_id"].to_list() == ["A1", "A2", "A3"]
    assert actions["arm"].to_list() == ["treated", "control", "treated"]  # recased
    assert actions["channel"][2] == "sms"
    assert actions["cost_eur"][1] is None  # a control row costs nothing, blank is fine
    assert read == loaded_rows + held == 12 and held == len(reasons) == 9
    expected = {5: "arm", 6: "sent_at", 7: "cost_eur", 8: "action_id", 9: "customer",
                10: "channel", 11: "action_id", 12: "field", 13: "programme"}
    for line, word in expected.items():
        assert word in reasons[line], (line, reasons[line])


def test_without_the_feed_outcomes_are_not_built_and_the_table_says_why():
    table = {c.name: c for c in capabilities({"customers", "services", "catalog", "kpis",
                                               "usage", "tickets"})}
    outcomes = table["measured_outcomes"]
    assert outcomes.status == "not built"
    assert outcomes.missing == ("actions",)
    assert outcomes.how_to_enable == "raw/actions/*.csv"
    built = {c.name: c for c in capabilities({"actions", "customers", "services", "tickets"})}
    assert built["measured_outcomes"].status == "built"
