"""``cxbridge sources check``: what a file would give, read from a sample, loading nothing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from cxbridge.app.cli import app
from cxbridge.platform.ingest.mappings import read_mapping

UNKNOWN_EXPORT = """\
Report;Cell PM;exported by OSS-9
Date;Hour;CellName;DL_THP_KBPS;PRB_UTIL_PCT;AVG_LAT_MS;RRC_SETUP_ATT;RRC_SETUP_SUCC;DROPS;UL_THP_KBPS
01.10.2026;10:00;LTE-0001;25000,5;41,5;18,2;120;118;2;3100,0
01.10.2026;10:15;LTE-0001;24000,0;40,0;19,0;110;109;1;3000,0
01.10.2026;10:30;LTE-0001;23000,0;39,0;20,5;100;100;0;2900,0
"""


@pytest.fixture
def cli(settings, monkeypatch):
    monkeypatch.setenv("CXBRIDGE_HOME", str(settings.home))
    monkeypatch.setenv("CXBRIDGE_CONFIG", "")
    runner = CliRunner()

    def invoke(*args):
        result = runner.invoke(app, list(map(str, args)), terminal_width=200)
        return result, " ".join(re.sub("[\u2500-\u257f]", " ", result.output).split())

    return invoke


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_an_unknown_header_gets_a_mapping_skeleton_that_works(cli, tmp_path, settings):
    path = _write(tmp_path, "oss9_pm.csv", UNKNOWN_EXPORT)
    result, said = cli("sources", "check", path, "--as", "kpis")
    assert result.exit_code == 2, result.output
    assert "matches no kpis mapping" in said and "Suggested mapping" in said
    skeleton = result.output[result.output.index("# Suggested PM mapping"):
                             result.output.index("With this suggestion")]
    document = yaml.safe_load(skeleton)
    assert document["header_row"] == 2 and document["separator"] == ";"
    assert document["decimal"] == ","
    assert document["timestamp"] == {"date": {"column": "Date", "format": "%d.%m.%Y"},
                                     "time": {"column": "Hour", "format": "%H:%M"}}
    assert document["resource_id"] == {"column": "CellName"}
    assert document["counters"] == {
        "dl_throughput_mbps": {"column": "DL_THP_KBPS", "scale": 0.001},
        "utilisation_pct": {"column": "PRB_UTIL_PCT"},
        "latency_ms": {"column": "AVG_LAT_MS"},
        "access_attempts": {"column": "RRC_SETUP_ATT"},
        "access_successes": {"column": "RRC_SETUP_SUCC"},
        "drops": {"column": "DROPS"}}
    assert "UL_THP_KBPS" in skeleton  # not ours: kept as an extra counter
    assert "With this suggestion, 3 of 3 sample row(s) would load" in said
    # saved as it is, it is a valid mapping and the file then checks clean
    saved = _write(settings.home / "mappings" / "kpis", "oss9_pm.yaml", skeleton)
    assert read_mapping(saved, "kpis").name == "oss9_pm"
    result, said = cli("sources", "check", path, "--as", "kpis")
    assert result.exit_code == 0, result.output
    assert "Mapping: oss9_pm" in said and "3 would load, 0 would be quarantined" in said
    assert "UL_THP_KBPS extra counter (kept)" in said


def test_a_known_dialect_shows_what_loads_and_what_would_be_quarantined(cli, tmp_path):
    path = _write(tmp_path, "A_PM_20261001.csv",
                  "START_TIME,MO_ID,MO_CLASS,LAT_MS,DL_THP_MBPS,VENDOR_COUNTER\n"
                  "2026-10-01T00:00:00Z,CELL-1,cell,12,50,1\n"
                  "2026-10-01T00:15:00Z,CELL-1,cell,-3,50,1\n"
                  "2026-10-01T00:30:00Z,CELL-1,cell,-4,50,1\n"
                  "2026-10-01T00:45:00Z,CELL-1,cell,13,fast,1\n" + "\n".join(
                      f"2026-10-01T0{h}:00:00Z,CELL-1,cell,14,50,1" for h in range(1, 9)) + "\n")
    result, said = cli("sources", "check", path, "--as", "kpis", "--rows", 5)
    assert result.exit_code == 0, result.output
    assert "Mapping: A (" in said
    assert "Sample of 5 row(s): 2 would load, 3 would be quarantined" in said
    # grouped by reason, with an example line
    assert "2 row(s): latency_ms is -3.0, must be ≥ 0 e.g. line 3:" in said
    assert "1 row(s): dl_throughput_mbps = 'fast' is not a valid number (column DL_THP_MBPS)" \
        in said
    assert "LAT_MS latency_ms" in said and "VENDOR_COUNTER extra counter (kept)" in said
    assert "JITTER_MS mapped but absent from the file: not measured" in said


def test_nothing_would_load_exits_2(cli, tmp_path):
    path = _write(tmp_path, "A_PM_bad.csv", "START_TIME,MO_ID,MO_CLASS,LAT_MS\n"
                                            "yesterday,CELL-1,cell,12\n")
    result, said = cli("sources", "check", path, "--as", "kpis")
    assert result.exit_code == 2
    assert "0 would load, 1 would be quarantined" in said and "yesterday" in said


def test_a_mapping_file_given_by_path_is_the_only_one_tried(cli, tmp_path):
    mapping = _write(tmp_path, "try/alarms/noc.yaml",
                     "alarm_id: {column: id}\nevent_time: {column: at}\n"
                     "managed_object: {column: node}\nperceived_severity: {column: sev}\n")
    path = _write(tmp_path, "noc.csv", "id,at,node,sev\nX1,2026-10-01T10:00:00Z,CELL-1,major\n"
                                       "X2,2026-10-01T10:00:00Z,CELL-1,loud\n")
    result, said = cli("sources", "check", path, "--as", "alarms", "--mapping", mapping)
    assert result.exit_code == 0, result.output
    assert "Mapping: noc" in said and "1 would load, 1 would be quarantined" in said
    assert "perceived_severity is 'loud', expected one of" in said
    assert "sev perceived_severity" in said


def test_an_unknown_alarm_header_gets_an_alarm_skeleton(cli, tmp_path):
    path = _write(tmp_path, "fm_log.csv",
                  "AlarmId,RaisedAt,ManagedObject,Severity,ProbableCause,Action\n"
                  "1,2026-10-01 10:00:00,CELL-1,MAJOR,lossOfSignal,NEW\n")
    result, said = cli("sources", "check", path, "--as", "alarms")
    assert result.exit_code == 2
    assert "alarm_id: {column: \"AlarmId\"}" in said
    assert "managed_object: {column: \"ManagedObject\"}" in said
    assert "column: \"Severity\"" in said and "event_kind: {column: \"Action\"}" in said


def test_other_sources_are_checked_against_their_contract(cli, tmp_path):
    path = _write(tmp_path, "nps.csv", "response_id,customer_id,responded_at,score\n"
                                       "R1,C1,2026-10-01T10:00:00Z,11\n"
                                       "R2,C1,2026-10-01T10:00:00Z,9\n")
    result, said = cli("sources", "check", path, "--as", "surveys")
    assert result.exit_code == 0, result.output
    assert "1 would load, 1 would be quarantined" in said and "score is 11" in said
