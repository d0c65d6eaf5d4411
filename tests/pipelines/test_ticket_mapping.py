"""A care system's own ticket export onboarded with one column mapping file: its statuses
recoded to TMF621's, its timestamps read in their format and zone, a category read in the
text where the export has none; and the suggested mapping for an unknown header."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from typer.testing import CliRunner

from cxbridge.app.cli import app
from cxbridge.jobs import flow
from cxbridge.platform import warehouse

EXPORT = """\
Case Number,Opened,Closed,State,Channel,Subject,Priority,Account
CS-1001,03/14/2024 09:15,03/14/2024 11:02,Closed,Phone,Internet down since this morning,High,AC-77
CS-1002,03/14/2024 10:20,,Open,Web,Billing overcharge on my invoice,Low,AC-12
CS-1003,03/15/2024 18:45,03/16/2024 08:00,Resolved,Chat,Very slow speeds in the evening,Medium,
CS-1004,03/16/2024 07:05,,In Progress,Phone,No signal on TV,High,AC-99
"""

MAPPING = """\
time_zone: America/New_York
columns:
  ticket_id: "Case Number"
  customer_id: Account
  created_at: {column: Opened, format: "%m/%d/%Y %H:%M"}
  resolved_at: {column: Closed, format: "%m/%d/%Y %H:%M"}
  status: {column: State, values: {Closed: closed, Open: acknowledged, Resolved: resolved,
                                   "In Progress": inProgress}}
  channel: Channel
  severity: Priority
  description: Subject
"""


def _raw(tmp_path: Path, mapping: str | None = MAPPING) -> Path:
    raw = tmp_path / "raw"
    (raw / "tickets").mkdir(parents=True)
    (raw / "tickets" / "cases.csv").write_text(EXPORT, encoding="utf-8")
    if mapping is not None:
        (raw / "_mappings" / "tickets").mkdir(parents=True)
        (raw / "_mappings" / "tickets" / "crm_cases.yaml").write_text(mapping, encoding="utf-8")
    return raw


def test_a_ticket_export_loads_through_its_column_mapping(settings, tmp_path):
    summary = flow.run(settings, _raw(tmp_path))
    (result,) = summary.files
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (4, 4, 0)
    with warehouse.connect(settings) as con:
        rows = {r["ticket_id"]: r for r in warehouse.query(
            con, "select * from marts.tickets").to_dicts()}
    first, second = rows["CS-1001"], rows["CS-1002"]
    assert first["created_at"] == datetime(2024, 3, 14, 13, 15)  # 09:15 in New York (EDT)
    assert first["resolved_at"] == datetime(2024, 3, 14, 15, 2)
    assert second["resolved_at"] is None  # an empty cell is no value
    assert [rows[t]["status"] for t in sorted(rows)] == [
        "closed", "acknowledged", "resolved", "inProgress"]
    # no category column: the categoriser reads one in the subject
    assert (first["family"], second["family"]) == ("network", "billing")
    assert rows["CS-1003"]["family"] == "network"
    assert first["customer_id"] == "AC-77" and rows["CS-1003"]["customer_id"] is None
    assert "care_tickets" in {c.name for c in summary.capabilities if c.status != "not built"}


def test_without_a_mapping_the_export_is_rejected_with_what_to_do(settings, tmp_path):
    summary = flow.run(settings, _raw(tmp_path, mapping=None))
    (result,) = summary.files
    assert result.status == "rejected"
    assert "tickets/<name>.yaml" in result.message


def test_the_suggested_mapping_reads_the_whole_sample(tmp_path):
    raw = _raw(tmp_path, mapping=None)
    result = CliRunner().invoke(
        app, ["sources", "check", str(raw / "tickets" / "cases.csv"), "--as", "tickets"],
        env={"CXBRIDGE_HOME": str(tmp_path / "home"), "CXBRIDGE_CONFIG": ""},
        terminal_width=200)
    assert result.exit_code == 2  # nothing loads without a mapping
    assert 'created_at: {column: "Opened", format: "%m/%d/%Y %H:%M"}' in result.output
    assert '"In Progress": "inProgress"' in result.output
    assert 'customer_id: "Account"' in result.output
    assert "With this suggestion, 4 of 4 sample row(s) would load" in result.output
