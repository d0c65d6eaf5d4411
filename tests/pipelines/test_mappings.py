"""Declared mappings: a never-seen PM export onboarded with one YAML file and no code change;
a bad mapping file stopped with an error that names the file, the key and what is allowed;
a file from which nothing loads is rejected, and the command says so."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cxbridge.app.cli import app
from cxbridge.jobs import flow
from cxbridge.platform import ingest, warehouse
from cxbridge.platform.ingest.loader import ingest_file
from cxbridge.platform.ingest.mappings import MappingError, load_mappings

VENDOR_X = """\
# a fault manager's PM export: a preamble line, ';' and decimal commas, date and time of
# day in separate columns, local time in Dublin, kbit/s, three of our counters, extras
vendor: Vendor X (NMS-7)
separator: ";"
decimal: ","
header_row: 2
timestamp:
  date: {column: DATE, format: "%d.%m.%Y"}
  time: {column: TIME, format: "%H:%M"}
time_zone: Europe/Dublin
resource_id: {column: CELL_NAME, prefix: "NE="}
resource_type: {value: cell}
counters:
  dl_throughput_mbps: {column: DL_THP_KBPS, scale: 0.001}
  utilisation_pct:    {column: PRB_UTIL_DL_PCT}
  sessions:           {column: ACTIVE_UE_AVG}
"""

# the end of summer time: 01:00-01:59 local happens twice on 25 October 2026
EXPORT_X = """\
NMS-7 PM export;generated 2026-10-26 06:00
DATE;TIME;CELL_NAME;DL_THP_KBPS;PRB_UTIL_DL_PCT;ACTIVE_UE_AVG;CQI_AVG;SITE_LABEL
25.10.2026;00:45;NE=CELL-1;12500,5;45,2;7,4;9,1;Dublin North
25.10.2026;01:00;NE=CELL-1;12000,0;44,0;7,0;9,0;Dublin North
25.10.2026;01:00;NE=CELL-1;11000,0;40,0;6,0;8,8;Dublin North
25.10.2026;02:00;CELL-1;10000,0;38,5;5,0;;Dublin North
"""


def _write(folder: Path, relative: str, text: str) -> Path:
    path = folder / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _ingest(settings, tiny_raw, source: str, path: Path, mappings=None):
    settings.ensure_dirs()
    with warehouse.connect(settings) as con:
        ingest.prepare(con)
        ingest_file(con, ingest.source("topology"), tiny_raw / "topology" / "resources.csv", "t")
        (result,) = ingest.ingest_many(con, [(ingest.source(source), path)], "t",
                                       mappings=mappings)
    assert result.rows_read == result.rows_loaded + result.rows_quarantined
    return result


def test_a_user_mapping_onboards_a_never_seen_export(settings, tiny_raw, tmp_path):
    folder = tmp_path / "my-mappings"
    _write(folder, "kpis/vendor_x.yaml", VENDOR_X)
    path = _write(tmp_path, "export/pm_x.csv", EXPORT_X)
    result = _ingest(settings, tiny_raw, "kpis", path, ingest.mappings_for(folder))
    assert (result.status, result.rows_read, result.rows_loaded) == ("loaded", 4, 4)
    assert "dialect vendor_x" in result.message
    assert "extra counters kept: CQI_AVG" in result.message
    assert "SITE_LABEL" in result.message  # text, not a counter: said to be ignored
    with warehouse.connect(settings) as con:
        rows = warehouse.query(con, "select interval_start, resource_id, resource_type, vendor, "
                                    "dl_throughput_mbps, utilisation_pct, sessions, "
                                    "packet_loss_pct, latency_ms from stg.kpi_15min "
                                    "order by interval_start")
        extra = warehouse.query(con, "select interval_start, counter, value from "
                                     "stg.kpi_extra order by interval_start")
    # 00:45 summer time; 01:00 twice: summer time first, then winter time; 02:00 winter time
    assert rows["interval_start"].to_list() == [
        datetime(2026, 10, 24, 23, 45), datetime(2026, 10, 25, 0, 0),
        datetime(2026, 10, 25, 1, 0), datetime(2026, 10, 25, 2, 0)]
    assert set(rows["resource_id"]) == {"CELL-1"} and set(rows["resource_type"]) == {"cell"}
    assert set(rows["vendor"]) == {"Vendor X (NMS-7)"}
    assert rows["dl_throughput_mbps"].to_list() == pytest.approx([12.5005, 12.0, 11.0, 10.0])
    assert rows["utilisation_pct"].to_list() == pytest.approx([45.2, 44.0, 40.0, 38.5])
    assert rows["sessions"].to_list() == [7, 7, 6, 5]
    # counters the dialect does not carry are not measured: NULL, never 0
    assert rows["packet_loss_pct"].null_count() == 4 and rows["latency_ms"].null_count() == 4
    assert extra.rows() == [(datetime(2026, 10, 24, 23, 45), "CQI_AVG", pytest.approx(9.1)),
                            (datetime(2026, 10, 25, 0, 0), "CQI_AVG", pytest.approx(9.0)),
                            (datetime(2026, 10, 25, 1, 0), "CQI_AVG", pytest.approx(8.8))]


def test_a_us_timestamp_format_in_a_local_zone(settings, tiny_raw, tmp_path):
    folder = tmp_path / "maps"
    _write(folder, "kpis/us_export.yaml",
           "vendor: US NMS\ntimestamp: {column: Start, format: '%m/%d/%Y %H:%M:%S'}\n"
           "time_zone: America/New_York\nresource_id: {column: Cell}\n"
           "counters:\n  latency_ms: {column: 'RTT (us)', scale: 0.001}\n"
           "extra_counters: drop\n")
    path = _write(tmp_path, "us.csv", "Start,Cell,RTT (us),Noise\n"
                                      "10/01/2019 13:30:00,CELL-2,25000,3\n"
                                      "10/01/2019 13:45:00,CELL-2,27000,4\n")
    result = _ingest(settings, tiny_raw, "kpis", path, ingest.mappings_for(folder))
    assert result.rows_loaded == 2 and "extra_counters: drop" in result.message
    with warehouse.connect(settings) as con:
        rows = warehouse.query(con, "select interval_start, latency_ms, extra_counters "
                                    "from stg.kpi_15min order by 1")
    assert rows.rows() == [(datetime(2019, 10, 1, 17, 30), 25.0, None),
                           (datetime(2019, 10, 1, 17, 45), 27.0, None)]


def test_the_raw_folders_own_mappings_are_read_by_a_run(settings, tiny_raw):
    _write(tiny_raw, "_mappings/kpis/vendor_x.yaml", VENDOR_X)
    _write(tiny_raw, "kpis/vendor_x/pm_x.csv", EXPORT_X)
    summary = flow.run(settings, tiny_raw)
    onboarded = next(f for f in summary.files if f.path.endswith("pm_x.csv"))
    assert (onboarded.status, onboarded.rows_loaded) == ("loaded", 4)
    assert not any("_mappings" in f.path for f in summary.files)  # a mapping is no feed


def test_a_user_file_replaces_the_built_in_dialect_of_the_same_name(tmp_path):
    _write(tmp_path, "kpis/A.yaml", "vendor: Acme\ntimestamp: {column: T}\n"
                                    "resource_id: {column: NODE}\n")
    mappings = load_mappings([tmp_path])
    (dialect_a,) = [d for d in mappings.kpis if d.name == "A"]
    assert dialect_a.vendor == "Acme" and dialect_a.layout.match == ("T", "NODE")
    assert any("replaces" in note for note in mappings.notes)
    assert [d.name for d in mappings.kpis][-1] == "B"  # the user's first, built-ins last


@pytest.mark.parametrize(("text", "key", "hint"), [
    ("timestamp: {column: T}\nresource_id: {column: N}\ncounters:\n"
     "  throughput: {column: X}\n", "counters.throughput", "dl_throughput_mbps (Mbit/s)"),
    ("timestamp: {column: T}\nresource_id: {column: N}\ntime_zone: Dublin/Ireland\n",
     "time_zone", "Europe/Dublin"),
    ("timestamp: {column: T}\nresource_id: {column: N}\nseperator: ';'\n",
     "seperator", "allowed keys: name, vendor"),
    ("timestamp: {column: T, format: 'DD/MM/YYYY'}\nresource_id: {column: N}\n",
     "timestamp", "strptime codes"),
    ("resource_id: {column: N}\n", "timestamp", "is missing"),
    ("timestamp: {column: T}\nresource_id: {column: N}\ncounters:\n"
     "  latency_ms: {column: L, scale: fast}\n", "counters.latency_ms.scale", "a number"),
    ("timestamp: {column: T}\nresource_id: {column: N}\ndecimal: ';'\n", "decimal",
     "allowed: '.' or ','"),
])
def test_a_bad_mapping_file_names_the_file_the_key_and_what_is_allowed(tmp_path, text, key,
                                                                       hint):
    path = _write(tmp_path, "kpis/broken_vendor.yaml", text)
    with pytest.raises(MappingError) as caught:
        load_mappings([tmp_path])
    message = str(caught.value)
    assert str(path) in message and f"`{key}`" in message and hint in message, message


def test_a_mapping_file_that_is_not_yaml_is_a_clear_error(tmp_path):
    path = _write(tmp_path, "alarms/noc.yaml", "alarm_id: [unclosed\n")
    with pytest.raises(MappingError, match="is not valid YAML"):
        load_mappings([tmp_path])
    assert path.is_file()


@pytest.fixture
def cli(settings, monkeypatch):
    monkeypatch.setenv("CXBRIDGE_HOME", str(settings.home))
    monkeypatch.setenv("CXBRIDGE_CONFIG", "")
    runner = CliRunner()
    return lambda *args: runner.invoke(app, list(map(str, args)), terminal_width=200)


def test_a_file_whose_every_row_is_quarantined_is_rejected_and_exits_2(cli, settings,
                                                                        tiny_raw, tmp_path):
    assert cli("ingest", "topology", tiny_raw / "topology").exit_code == 0
    path = _write(tmp_path, "A_PM_bad.csv", "START_TIME,MO_ID,MO_CLASS,LAT_MS\n"
                  + "".join(f"2026-10-01T00:{m:02d}:00Z,CELL-1,cell,-{m + 1}\n"
                            for m in (0, 15, 30)))
    result = cli("ingest", "kpis", path)
    assert result.exit_code == 2, result.output
    said = " ".join(result.output.split())
    assert "every one of its 3 rows was quarantined" in said
    assert "latency_ms is -1.0, must be ≥ 0" in said  # the first reason, so a person can act
    with warehouse.connect(settings) as con:
        registered = warehouse.query(con, "select status, rows_read, rows_loaded, "
                                          "rows_quarantined, message from meta.ingest_files "
                                          "where path like '%A_PM_bad.csv'")
    assert registered.rows()[0][:4] == ("rejected", 3, 0, 3)
    assert "first reason (line 2)" in registered["message"][0]



@pytest.mark.parametrize(("marker", "kind"), [("# data/mappings/kpis/vendor_c.yaml", "kpis"),
                                              ("# data/mappings/alarms/noc.yaml", "alarms")])
def test_the_mapping_examples_in_data_readme_are_valid(tmp_path, marker, kind):
    from cxbridge.platform.ingest.mappings import read_mapping

    readme = (Path(__file__).resolve().parents[2] / "data" / "README.md").read_text()
    block = readme[readme.index(marker):]
    block = block[:block.index("```")]
    mapping = read_mapping(_write(tmp_path, f"{kind}/example.yaml", block), kind)
    assert mapping.layout.match  # it reads, and says which header it applies to
