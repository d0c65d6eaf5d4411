"""The command line as a user meets it: summaries, exit statuses, errors without tracebacks."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from cxbridge.app.cli import app


@pytest.fixture
def cli(settings, monkeypatch):
    monkeypatch.setenv("CXBRIDGE_HOME", str(settings.home))
    monkeypatch.setenv("CXBRIDGE_CONFIG", str(settings.home.parent / "cxbridge.toml"))
    runner = CliRunner()
    return lambda *args: runner.invoke(app, list(map(str, args)), terminal_width=200)


def test_run_prints_a_per_file_summary_and_publishes(cli, tiny_raw):
    result = cli("run", "--raw", tiny_raw)
    assert result.exit_code == 0, result.output
    assert "A_PM_20261001.csv" in result.output and "loaded" in result.output
    assert "snapshot" in result.output


def test_run_exits_2_and_says_so_when_a_file_is_rejected(cli, tiny_raw):
    (tiny_raw / "surveys" / "nps_broken.csv").write_bytes(b"")
    result = cli("run", "--raw", tiny_raw)
    assert result.exit_code == 2
    assert "1 file(s) rejected" in result.output and "empty" in result.output


def test_ingest_one_source_and_list_the_quarantine(cli, tiny_raw, tmp_path):
    bad = tmp_path / "nps_bad.csv"
    bad.write_text("response_id,customer_id,responded_at,score\n"
                   "R1,C1,2026-10-01T10:00:00Z,11\nR2,C1,2026-10-01T10:00:00Z,9\n")
    assert cli("ingest", "customers", tiny_raw / "customers").exit_code == 0
    result = cli("ingest", "surveys", bad)
    assert result.exit_code == 0, result.output
    assert "1 quarantined" in result.output
    held = cli("quarantine")
    assert "score is …, must be ≤ …" in held.output and "nps_bad.csv:2" in held.output


def test_unknown_source_is_a_clear_error(cli, tiny_raw):
    result = cli("ingest", "invoices", tiny_raw)
    assert result.exit_code == 1
    assert "no source called 'invoices'" in result.output
    assert "Traceback" not in result.output


def test_run_without_a_world_explains_what_to_do(cli, tmp_path):
    result = cli("run", "--raw", tmp_path / "empty")
    assert result.exit_code == 1 and "generate a world first" in result.output
