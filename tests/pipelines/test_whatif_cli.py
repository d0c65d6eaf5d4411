"""``cxbridge whatif planned`` on the hand-made network (tests/models/incidents_world.py): the
projection as JSON, the least-harm window, the notify export (contacts audited), and an error a
person can act on for every wrong input (unknown resource with the closest ids, a window in
the past, no duration, a start that is not a date, no warehouse)."""

from __future__ import annotations

import csv
import json

import pytest
from typer.testing import CliRunner

from cxbridge.app.cli import app
from cxbridge.platform import audit
from tests.models.test_whatif_planned import planned_world

FUTURE = "2099-01-05T01:00"


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    return planned_world(tmp_path_factory)


@pytest.fixture
def cli(home, monkeypatch):
    monkeypatch.setenv("CXBRIDGE_HOME", str(home.home))
    monkeypatch.setenv("CXBRIDGE_CONFIG", "")
    runner = CliRunner()
    return lambda *args: runner.invoke(app, ["whatif", "planned", *map(str, args)],
                                       terminal_width=200)


def _error(result) -> str:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    return lines[0]


def test_both_resolvers_of_the_pool_hurt_their_customers_one_hurts_nobody(cli):
    both = cli("--resource", "DNS1", "--resource", "DNS2", "--start", FUTURE, "--hours", 1,
               "--json")
    assert both.exit_code == 0, both.output
    document = json.loads(both.output)
    assert (document["services"], document["customers"]) == (2, 2)
    assert document["notify"] == ["C2", "C1"]   # the SMB customer before the consumer
    one = json.loads(cli("--resource", "DNS1", "--start", FUTURE, "--hours", 1,
                         "--json").output)
    assert (one["services"], one["customers"], one["notify"]) == (0, 0, [])


def test_the_best_window_lists_every_candidate_hour(cli):
    result = cli("--resource", "SITE", "--start", FUTURE, "--hours", 2, "--json",
                 "--best-window")
    document = json.loads(result.output)
    assert len(document["candidates"]) == 14 * 24
    least = min(c["session_minutes"] for c in document["candidates"])
    assert document["best_window"]["session_minutes"] == least == (20 + 21) * 120
    assert document["access_resources"] == ["CELL1", "CELL2"]


def test_the_notify_export_with_contacts_is_written_and_audited(cli, home):
    result = cli("--resource", "OLT", "--start", FUTURE, "--hours", 2, "--notify-export",
                 "--contacts")
    assert result.exit_code == 0, result.output
    path = next((home.exports_dir / "planned").glob("OLT-*-contacts.csv"))
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    assert [r["customer_id"] for r in rows] == ["C3", "C2", "C1"]
    assert rows[0]["email"] == "it@liffey.example.ie"
    (event,) = [e for e in audit.read_events(home.dashboard.audit_file)
                if e.get("export") == "planned_notify_list" and e.get("via") == "cli"]
    assert (event["rows"], event["contacts"], event["resources"]) == (3, True, "OLT")


def test_an_unknown_resource_names_the_closest_ids(cli):
    line = _error(cli("--resource", "PON9", "--start", FUTURE, "--hours", 1))
    assert "unknown resource 'PON9' (did you mean PON1, PON2, PON3?)" in line


def test_a_window_in_the_past_is_refused(cli):
    assert "starts in the past" in _error(cli("--resource", "OLT", "--start",
                                              "2020-01-01T01:00", "--hours", 1))


def test_no_duration_and_a_start_that_is_not_a_date_are_refused(cli):
    assert "more than 0 hours" in _error(cli("--resource", "OLT", "--start", FUTURE,
                                             "--hours", 0))
    assert "more than 0 hours" in _error(cli("--resource", "OLT", "--start", FUTURE,
                                             "--hours", -2))
    assert "not an ISO 8601" in _error(cli("--resource", "OLT", "--start", "tomorrow",
                                           "--hours", 1))


def test_no_warehouse_says_to_run_first(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("CXBRIDGE_HOME", str(tmp_path / "nothing"))
    line = _error(cli("--resource", "OLT", "--start", FUTURE, "--hours", 1))
    assert "no warehouse" in line and "cxbridge run" in line
