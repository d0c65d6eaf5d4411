"""The command line as a person reads it (issue 17): incident ids whole at 80 and 160 columns,
quarantine examples with their values, the release of rows whose cause was fixed, evaluation
tables with rounded figures and target verdicts, --version, defaults in --help."""

from __future__ import annotations

import re
from datetime import datetime
from importlib.metadata import version

import polars as pl
import pytest
from rich.console import Console
from typer.testing import CliRunner

from cxbridge.app.cli import app, evaluation_tables, quarantine_table
from cxbridge.app.incidents_cli import queue_view
from cxbridge.lab.evaluate import TARGETS
from cxbridge.platform import warehouse

runner = CliRunner()


def _rendered(renderable, width: int) -> str:
    console = Console(width=width, record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


def _queue(ids: list[str], basis: str = "customer") -> pl.DataFrame:
    """A queue frame as ``read_queue`` gives it, one row per id (long ids, long titles)."""
    n = len(ids)
    return pl.DataFrame({
        "rank": list(range(1, n + 1)), "incident_id": ids, "status": ["open"] * n,
        "worst_severity": ["critical"] * n, "priority_score": [609842.4] * n,
        "score_customer_minutes": [472000.0] * n, "score_business": [134200.0] * n,
        "score_sla": [0.0] * n, "score_revenue": [3600.0] * n, "score_experience": [0.0] * n,
        "affected_services": [126] * n, "affected_customers": [58] * n,
        "sla_services": [2] * n, "sla_breached_services": [1] * n,
        "revenue_at_risk_eur": [364.0] * n,
        "started_at": [datetime(2026, 10, 1, 16, 15)] * n, "duration_minutes": [19020.0] * n,
        "score_network": [None] * n, "network_resources": [None] * n,
        "priority_basis": [basis] * n,
        "title": ["Busy-hour congestion on 14 of 14 days on CELL-L-0001-2, a long title"] * n})


IDS = ["SIL-SLEEP-CELL-C-0001-1-20261001T0100", "PRB-ALM-00000084", "SIL-CONG-CELL-L-0001-2"]


@pytest.mark.parametrize("width", [80, 100, 160, 240])
def test_every_incident_id_is_whole_on_one_line(width):
    text = _rendered(queue_view(_queue(IDS), "Fault queue", width), width)
    for incident_id in IDS:
        assert incident_id in text, (width, text)
    assert "…" not in "".join(line for line in text.splitlines() if "SIL-" in line)
    assert max(len(line) for line in text.splitlines()) <= width


def test_at_80_columns_each_incident_is_a_block_with_its_figures():
    text = _rendered(queue_view(_queue(IDS[:1]), "Fault queue", 80), 80)
    assert "#1 SIL-SLEEP-CELL-C-0001-1-20261001T0100" in text
    assert "58 customers" in text and "€364/month at risk" in text
    assert "472.0k cust-min + 134.2k business" in text
    network = _queue(IDS[:1], basis="network").with_columns(
        score_network=pl.lit(2500.0), network_resources=pl.lit(3))
    assert "2.5k session-min on 3 resources" in _rendered(
        queue_view(network, "Fault queue", 80), 80)


def test_incidents_command_keeps_ids_whole_at_80_columns(settings, tiny_raw, monkeypatch):
    monkeypatch.setenv("CXBRIDGE_HOME", str(settings.home))
    monkeypatch.setenv("CXBRIDGE_CONFIG", str(settings.home.parent / "cxbridge.toml"))
    assert runner.invoke(app, ["run", "--raw", str(tiny_raw)]).exit_code == 0
    with warehouse.connect(settings, read_only=True) as con:
        ids = warehouse.query(con, "select incident_id from incidents.queue")["incident_id"]
    assert ids.len() > 0
    for width, layout in ((80, "#1 "), (160, "€/month at risk")):
        result = runner.invoke(app, ["incidents", "--all"], terminal_width=width,
                               env={"COLUMNS": str(width)})
        assert result.exit_code == 0, result.output
        assert layout in result.output  # stacked at 80 columns, a table at 160
        assert max(len(line) for line in result.output.splitlines()) <= width
        for incident_id in ids:
            assert incident_id in result.output, (width, result.output)


def test_quarantine_examples_show_values_and_differ():
    held = pl.DataFrame({
        "source": ["surveys"], "reason_kind": ["score is …, must be ≤ …"], "rows": [4],
        "examples": [[
            {"file": "nps.csv", "line": 2, "reason": "score is 11, must be ≤ 10",
             "reason_values": ["11", "10"], "original": "{}"},
            {"file": "nps.csv", "line": 5, "reason": "score is 14, must be ≤ 10",
             "reason_values": ["14", "10"], "original": "{}"}]]})
    text = _rendered(quarantine_table(held), 80)
    assert "nps.csv:2  11, 10" in text and "nps.csv:5  14, 10" in text


def _cli(settings, monkeypatch):
    monkeypatch.setenv("CXBRIDGE_HOME", str(settings.home))
    monkeypatch.setenv("CXBRIDGE_CONFIG", str(settings.home.parent / "cxbridge.toml"))
    return lambda *args: runner.invoke(app, list(map(str, args)), terminal_width=200)


def test_quarantine_lists_distinct_examples_with_their_values(settings, tiny_raw, tmp_path,
                                                               monkeypatch):
    cli = _cli(settings, monkeypatch)
    bad = tmp_path / "nps_bad.csv"
    bad.write_text("response_id,customer_id,responded_at,score\n"
                   "R1,C1,2026-10-01T10:00:00Z,11\nR2,C1,2026-10-01T10:00:00Z,14\n"
                   "R3,C1,2026-10-01T10:00:00Z,11\nR4,C1,2026-10-01T10:00:00Z,9\n")
    assert cli("ingest", "customers", tiny_raw / "customers").exit_code == 0
    assert cli("ingest", "surveys", bad).exit_code == 0
    held = cli("quarantine").output
    assert "score is …, must be ≤ …" in held
    examples = re.findall(r"nps_bad\.csv:(\d+)  (\d+), 10", held)
    # the two values first (lines 2 and 3), then another line with a value seen (line 4)
    assert examples == [("2", "11"), ("3", "14"), ("4", "11")], held


def test_release_loads_rows_whose_cause_was_fixed(settings, tiny_raw, monkeypatch):
    """KPI rows quarantined by the config file's time window load once it is corrected; the
    file's counts move them from quarantined to loaded, and its status follows."""
    cli = _cli(settings, monkeypatch)
    config = settings.home.parent / "cxbridge.toml"
    config.write_text('[ingest]\nearliest = "2026-10-02"\n', encoding="utf-8")
    assert cli("ingest", "topology", tiny_raw / "topology").exit_code == 0
    cli("ingest", "kpis", tiny_raw / "kpis")
    with warehouse.connect(settings, read_only=True) as con:
        before = warehouse.query(con, "select path, status, rows_read, rows_loaded, "
                                      "rows_quarantined from meta.ingest_files "
                                      "where source = 'kpis' order by path")
    held = int(before["rows_quarantined"].sum())
    assert held > 0 and int(before["rows_loaded"].sum()) == 0

    still = cli("quarantine", "release", "--reason", "earliest plausible")
    assert still.exit_code == 0 and "Released 0 of" in still.output
    assert "is before 2026-10-02" in still.output  # why they stay

    config.write_text("", encoding="utf-8")  # the window fixed
    result = cli("quarantine", "release", "--source", "kpis", "--reason", "EARLIEST")
    assert result.exit_code == 0, result.output
    assert f"Released {held} of {held}" in result.output
    with warehouse.connect(settings, read_only=True) as con:
        after = warehouse.query(con, "select path, status, rows_read, rows_loaded, "
                                     "rows_quarantined from meta.ingest_files "
                                     "where source = 'kpis' order by path")
        left = warehouse.scalar(con, "select count(*) from meta.quarantine "
                                     "where source = 'kpis'")
        kpis = warehouse.scalar(con, "select count(*) from stg.kpi_15min")
    assert (after["rows_loaded"] + after["rows_quarantined"]).equals(after["rows_read"])
    assert int(after["rows_loaded"].sum()) == held == kpis
    assert left == int(after["rows_quarantined"].sum()) == 0
    assert set(after["status"]) == {"loaded"}
    assert cli("quarantine", "release").output.startswith("No quarantined row matches")


def test_release_keeps_rows_that_still_fail_with_their_reason(settings, tiny_raw, tmp_path,
                                                              monkeypatch):
    cli = _cli(settings, monkeypatch)
    bad = tmp_path / "nps_bad.csv"
    bad.write_text("response_id,customer_id,responded_at,score\n"
                   "R1,C1,2026-10-01T10:00:00Z,11\nR2,C1,2026-10-01T10:00:00Z,9\n")
    assert cli("ingest", "customers", tiny_raw / "customers").exit_code == 0
    assert cli("ingest", "surveys", bad).exit_code == 0
    result = cli("quarantine", "release", "--file", "nps_bad.csv")
    assert "Released 0 of 1" in result.output and "1 × score is 11, must be ≤ 10" in result.output
    with warehouse.connect(settings, read_only=True) as con:
        assert warehouse.rows(con, "select rows_read, rows_loaded, rows_quarantined from "
                                   "meta.ingest_files where source = 'surveys'") == [(2, 1, 1)]
        assert warehouse.scalar(con, "select count(*) from meta.quarantine") == 1


def test_evaluation_tables_round_and_judge_against_targets():
    report = {"outage_attribution": {"precision": 0.98765432, "recall": 0.91, "found": 1237,
                                     "recall_by_kind": {"fibre_cut": 1.0}},
              "experience": {"auc_detractors": 0.6205, "auc_best_single_kpi": 0.6741,
                             "mean_minutes": 12345.678, "seconds": 3.14159}}
    text = "\n".join(_rendered(t, 120) for t in evaluation_tables(report))
    assert "0.9877" in text and "0.98765432" not in text
    assert "12,300" in text and "3.14" in text and "3.1416" not in text
    assert "1,237" in text and "fibre_cut" in text
    rows = {line.split("│")[1].strip(): line for line in text.splitlines() if "│" in line}
    assert "≥ 0.95" in rows["precision"] and "not met" not in rows["precision"]
    assert rows["precision"].rstrip(" │").endswith("met")
    assert "not met" in rows["recall"]
    assert "not met" in rows["auc_detractors"]  # the index must beat the best single KPI
    assert "met" not in rows["mean_minutes"]


def test_every_target_names_a_figure_the_report_has():
    sections = {"arrival", "outage_attribution", "experience", "churn", "impact", "what_if",
                "outcomes"}
    assert {section for section, _ in TARGETS} <= sections


def test_version_comes_from_the_package_metadata():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"cxbridge {version('cxbridge')}"


@pytest.mark.parametrize("command", [
    [], ["generate"], ["run"], ["ingest"], ["quarantine"], ["quarantine", "release"],
    ["serve"], ["demo"], ["evaluate"], ["bench"], ["emodel"], ["incidents"]])
def test_help_shows_no_blank_default(command):
    result = runner.invoke(app, [*command, "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "[default: ]" not in result.output and "folder ." not in result.output
    assert not re.search(r"\[default: \(?\)?\]", result.output)


def test_release_after_a_mapping_fix(settings, tiny_raw, monkeypatch):
    """An export onboarded with a wrong scale: its rows break the contract and wait in
    quarantine; once the mapping is fixed, release loads them with the right values."""
    from tests.pipelines.test_mappings import EXPORT_X, VENDOR_X

    cli = _cli(settings, monkeypatch)
    mapping = tiny_raw / "_mappings" / "kpis" / "vendor_x.yaml"
    mapping.parent.mkdir(parents=True)
    mapping.write_text(VENDOR_X.replace("{column: PRB_UTIL_DL_PCT}",
                                        "{column: PRB_UTIL_DL_PCT, scale: 100}"))
    export = tiny_raw / "kpis" / "vendor_x" / "pm_x.csv"
    export.parent.mkdir(parents=True)
    export.write_text(EXPORT_X)
    assert cli("ingest", "topology", tiny_raw / "topology").exit_code == 0
    cli("ingest", "kpis", export)
    held = cli("quarantine").output
    assert "utilisation_pct is …, must be ≤ …" in held and "4520" in held

    mapping.write_text(VENDOR_X)
    result = cli("quarantine", "release", "--file", "kpis/vendor_x/pm_x.csv")
    assert result.exit_code == 0 and "Released 4 of 4" in result.output, result.output
    with warehouse.connect(settings, read_only=True) as con:
        loaded = warehouse.query(con, "select utilisation_pct from stg.kpi_15min "
                                      "where resource_id = 'CELL-1' order by interval_start")
        counts = warehouse.rows(con, "select status, rows_read, rows_loaded, rows_quarantined "
                                     "from meta.ingest_files where path like '%pm_x.csv'")
    assert loaded["utilisation_pct"].to_list() == pytest.approx([45.2, 44.0, 40.0, 38.5])
    assert counts == [("loaded", 4, 4, 0)]
