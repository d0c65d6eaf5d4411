"""``cxbridge audit``: an administrator reads who logged in and who exported personal data,
filters it, exports it, and is told about a damaged line instead of losing the rest."""

from __future__ import annotations

import csv
import json

import pytest
from typer.testing import CliRunner

from cxbridge.app import audit_cli
from cxbridge.app.cli import app
from cxbridge.platform import audit


@pytest.fixture
def cli(settings, monkeypatch):
    monkeypatch.setenv("CXBRIDGE_HOME", str(settings.home))
    monkeypatch.setenv("CXBRIDGE_CONFIG", str(settings.home.parent / "cxbridge.toml"))
    monkeypatch.setattr(audit_cli.console, "width", 160)  # a wide terminal: no cell wraps
    runner = CliRunner()
    return lambda *args: runner.invoke(app, list(map(str, args)), terminal_width=200)


@pytest.fixture
def log(settings):
    """Three events as the dashboard writes them, with a damaged line between them."""
    path = settings.dashboard.audit_file
    audit.record(path, "login", user="ana", role="marketing", client="10.0.0.7")
    with path.open("a", encoding="utf-8") as handle:
        handle.write('{"at": "2026-12-0\n')  # a line cut short by a full disk
    audit.record(path, "export", user="ana", role="marketing", client="10.0.0.7",
                 export="campaign", rows=812, contacts=True, via="dashboard",
                 campaign="=HYPERLINK(\"http://x\")")
    audit.record(path, "login_failed", user="bob", client="10.0.0.9", failures=1)
    return path


def test_audit_lists_every_event_and_names_the_damaged_line(cli, log):
    result = cli("audit")
    assert result.exit_code == 0, result.output
    assert "3 of 3 events" in result.output
    assert "ana (marketing)" in result.output and "812 rows" in result.output
    assert "login_failed" in result.output and "bob" in result.output
    assert f"{log}:2: line skipped, not JSON" in result.output


def test_audit_filters_by_event_and_user_and_exports_every_field(cli, log, tmp_path):
    target = tmp_path / "exports.csv"
    result = cli("audit", "--event", "export", "--user", "ana", "--csv", target)
    assert result.exit_code == 0, result.output
    with target.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["event"], r["user"], r["export"], r["rows"], r["contacts"]) for r in rows] == [
        ("export", "ana", "campaign", "812", "True")]
    assert json.loads(rows[0]["details"]) == {"campaign": "=HYPERLINK(\"http://x\")"}

    lines = tmp_path / "all.jsonl"
    assert cli("audit", "--user", "bob", "--jsonl", lines).exit_code == 0
    assert [json.loads(line)["event"] for line in lines.read_text().splitlines()] == [
        "login_failed"]


def test_audit_since_and_until_choose_by_time(cli, log):
    assert "0 of 3 events" in cli("audit", "--until", "2000-01-01").output
    assert "3 of 3 events" in cli("audit", "--since", "1d").output
    assert "0 of 3 events" in cli("audit", "--since", "2999-01-01T00:00+01:00").output


@pytest.mark.parametrize(("args", "message"), [
    (("--since", "last tuesday"), "--since 'last tuesday': give a date"),
    (("--event", "download"), "--event download: the events are login"),
])
def test_a_bad_option_is_one_line_not_a_traceback(cli, log, args, message):
    result = cli("audit", *args)
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output


def test_no_log_yet_says_so(cli, settings):
    result = cli("audit")
    assert result.exit_code == 0
    assert "No audit events yet" in result.output
