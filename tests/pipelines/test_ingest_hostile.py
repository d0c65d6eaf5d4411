"""Operator exports as they really arrive, beyond the shapes the foreign-export tests cover:
two exports joined into one file (the header again mid-file), a column renamed between
deliveries, one date column written several ways (and as spreadsheet day numbers or Unix
time), 5-minute PM rows where 15-minute ones are read, and the suggested mapping for a CRM
export whose columns are named loosely. Each either loads with its values checked, or
quarantines the rows with a reason a person can act on, or is rejected in one line."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from cxbridge.platform import ingest, warehouse
from cxbridge.platform.ingest.mappings import MappingError, load_mappings
from cxbridge.platform.ingest.sample_check import check_sample
from cxbridge.platform.ingest.suggest_columns import suggest_customer_mapping

CRM_MAPPING = """\
columns:
  customer_id: Id
  segment: {value: consumer}
  region: {column: Region}
  contract_type: {column: Plan, values: {"Monthly": month-to-month, "Annual": one_year}}
  customer_since: {column: Since, format: ["%d/%m/%Y", "%Y-%m-%d", excel]}
  monthly_charges_eur: Charges
  status: {column: Churned, values: {"N": active, "Y": terminated}}
"""
HEADER = "Id,Region,Plan,Since,Charges,Churned\n"


def _write(folder: Path, relative: str, text: str) -> Path:
    path = folder / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _ingest(settings, tmp_path: Path, source: str, path: Path, mappings: dict[str, str],
            tables: dict[str, str]):
    """One file ingested with the mappings given; its result, the tables asked for and the
    quarantine (line, reason), with rows read = loaded + quarantined checked."""
    folder = tmp_path / "maps"
    for relative, text in mappings.items():
        _write(folder, relative, text)
    settings.ensure_dirs()
    with warehouse.connect(settings) as con:
        ingest.prepare(con)
        (result,) = ingest.ingest_many(con, [(ingest.source(source), path)], "t",
                                       mappings=ingest.mappings_for(folder))
        found = {name: warehouse.query(con, sql) for name, sql in tables.items()}
        held = warehouse.query(con, "select line, reason from meta.quarantine order by line")
    assert result.rows_read == result.rows_loaded + result.rows_quarantined
    return result, found, dict(held.rows())


def test_two_crm_exports_joined_in_one_file_lose_no_row_and_no_leading_zero(settings,
                                                                             tmp_path):
    path = _write(tmp_path, "feeds/crm.csv", HEADER
                  + "00123,Dublin,Monthly,01/02/2020,29.5,N\n"
                  + HEADER  # the second export's own header
                  + "00124,Cork,Annual,03/04/2021,30,Y\n")
    result, found, held = _ingest(
        settings, tmp_path, "customers", path, {"customers/crm.yaml": CRM_MAPPING},
        {"rows": "select customer_id, customer_since, status from stg.customers order by 1"})
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (3, 2, 1)
    assert found["rows"].rows() == [("00123", date(2020, 2, 1), "active"),
                                    ("00124", date(2021, 4, 3), "terminated")]
    assert held[3].startswith("repeats the header line (exports joined into one file?)")


def test_a_windows_1252_crm_export_with_accented_headers_matches_its_mapping(settings,
                                                                           tmp_path):
    # a spreadsheet's "CSV" on Windows: the header's "Région" and the values are cp1252 bytes
    mapping = CRM_MAPPING.replace("{column: Region}", "{column: Région}")
    path = tmp_path / "feeds" / "crm.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes((HEADER.replace("Region", "Région")
                      + "00125,Île-de-France,Monthly,01/02/2020,29.5,N\n").encode("cp1252"))
    result, found, held = _ingest(
        settings, tmp_path, "customers", path, {"customers/crm.yaml": mapping},
        {"rows": "select customer_id, region from stg.customers"})
    assert (result.status, result.rows_loaded, held) == ("loaded", 1, {})
    assert found["rows"].rows() == [("00125", "Île-de-France")]
    assert "Windows-1252" in result.message


def test_a_header_repeated_in_a_text_only_export_is_not_loaded_as_a_row(settings, tmp_path):
    """Every column of a ticket export in our layout is text but the times: the repeated
    header used to be quarantined only by chance of its time column; an alarm export's
    header repeated is the same."""
    header = "ticket_id,customer_id,created_at,status\n"
    path = _write(tmp_path, "feeds/tickets.csv", header + "T1,C1,2026-10-01T10:00:00Z,closed\n"
                  + header + "T2,C2,2026-10-01T11:00:00Z,pending\n")
    result, found, held = _ingest(settings, tmp_path, "tickets", path, {},
                                  {"ids": "select ticket_id from stg.tickets order by 1"})
    assert found["ids"]["ticket_id"].to_list() == ["T1", "T2"]
    assert list(held) == [3] and "repeats the header line" in held[3]


def test_a_column_renamed_between_deliveries_names_the_mapping_and_the_column(settings,
                                                                              tmp_path):
    path = _write(tmp_path, "feeds/crm.csv", "Id,Region,Plan,Start Date,Charges,Churned\n"
                  "00124,Cork,Annual,03/04/2021,30,Y\n")
    result, _, _ = _ingest(settings, tmp_path, "customers", path,
                           {"customers/crm.yaml": CRM_MAPPING}, {})
    assert result.status == "rejected"
    assert "crm (needs Id, Region, Plan, Since, Charges, Churned; missing Since)" in \
        result.message
    assert "Start Date" in result.message  # what the header has instead


def test_one_date_column_written_several_ways_reads_each_value_its_own_way(settings,
                                                                           tmp_path):
    path = _write(tmp_path, "feeds/crm.csv", HEADER
                  + "001,Dublin,Monthly,01/02/2020,29.5,N\n"
                  + "002,Cork,Annual,2021-04-03,30,Y\n"
                  + "003,Cork,Annual,45231,30,Y\n"      # a spreadsheet's day number
                  + "004,Cork,Annual,3/4/21,30,Y\n"      # a two-digit year: year 21
                  + "005,Cork,Annual,soon,30,Y\n")
    result, found, held = _ingest(
        settings, tmp_path, "customers", path, {"customers/crm.yaml": CRM_MAPPING},
        {"rows": "select customer_id, customer_since from stg.customers order by 1"})
    assert found["rows"].rows() == [("001", date(2020, 2, 1)), ("002", date(2021, 4, 3)),
                                    ("003", date(2023, 11, 1))]
    assert "0021-04-03" in held[5]  # quarantined as implausible, never loaded as 2021
    assert held[6].startswith("customer_since = 'soon' is not a valid date (%d/%m/%Y or "
                              "%Y-%m-%d or excel (spreadsheet day number")


def test_ticket_times_as_spreadsheet_numbers_and_unix_time(settings, tmp_path):
    mapping = """\
time_zone: Europe/Dublin
columns:
  ticket_id: Case
  customer_id: Account
  created_at: {column: Opened, format: [excel, "%d/%m/%Y %H:%M"]}
  resolved_at: {column: Closed, format: epoch_ms}
  status: {value: acknowledged}
"""
    path = _write(tmp_path, "feeds/cases.csv", "Case,Account,Opened,Closed\n"
                  "C1,0042,46296.5,1790852400000\n"     # 1 Oct 2026 12:00 Dublin (IST)
                  "C2,0043,01/10/2026 13:30,\n"
                  "C3,0044,2026-10-01,\n")
    result, found, held = _ingest(
        settings, tmp_path, "tickets", path, {"tickets/cases.yaml": mapping},
        {"rows": "select ticket_id, customer_id, created_at, resolved_at from stg.tickets "
                 "order by 1"})
    assert found["rows"].rows() == [
        ("C1", "0042", datetime(2026, 10, 1, 11, 0), datetime(2026, 10, 1, 11, 0)),
        ("C2", "0043", datetime(2026, 10, 1, 12, 30), None)]
    assert "created_at = '2026-10-01' is not a valid timestamp (excel" in held[4]


def test_alarm_times_in_unix_seconds(settings, tmp_path):
    mapping = """\
alarm_id: {column: AlarmId}
event_time: {column: Time, format: epoch}
managed_object: {column: Object}
perceived_severity: {column: Severity}
"""
    path = _write(tmp_path, "feeds/fm.csv", "AlarmId,Time,Object,Severity\n"
                  "1,1790848800,CELL-1,CRITICAL\n1,1790849700,CELL-1,cleared\n"
                  "2,2026-10-01 10:00,CELL-2,major\n")
    _, found, held = _ingest(
        settings, tmp_path, "alarms", path, {"alarms/fm.yaml": mapping},
        {"rows": "select alarm_id, event_time, perceived_severity from stg.alarm_events "
                 "order by event_time"})
    assert found["rows"].rows() == [("1", datetime(2026, 10, 1, 10, 0), "critical"),
                                    ("1", datetime(2026, 10, 1, 10, 15), "cleared")]
    assert held[4].startswith("event_time = '2026-10-01 10:00' is not a valid timestamp: "
                              "Time (epoch)")


def test_a_format_that_is_no_format_is_refused_when_the_mapping_is_read(tmp_path):
    _write(tmp_path, "maps/customers/crm.yaml",
           CRM_MAPPING.replace('["%d/%m/%Y", "%Y-%m-%d", excel]', '["%d/%m/%Y", "dd.mm.yyyy"]'))
    with pytest.raises(MappingError, match="'dd.mm.yyyy', which is no format"):
        load_mappings([tmp_path / "maps"])


PM_HEADER = ("START_TIME,MO_ID,MO_CLASS,DL_THP_MBPS,UTIL_PCT,LAT_MS,JITTER_MS,PKT_LOSS_PCT,"
             "UNAVAIL_S,ACC_ATT,ACC_SUCC,DROPS,SESSIONS\n")


def _pm(time: str, cell: str, attempts: int) -> str:
    return f"2026-10-01T{time}Z,{cell},cell,50,40,20,2,0.1,0,{attempts},{attempts},0,10\n"


def test_five_minute_pm_rows_are_quarantined_not_read_as_quarter_hours(settings, tmp_path):
    """A 5-minute export read as 15-minute rows counted every minute three times in the
    hourly roll-up (and 10:05 was stored as an interval of its own); now the object's
    5-minute rows are quarantined with what to do, the quarter-hour cell beside it loads."""
    rows = "".join(_pm(f"10:{m:02d}:00", "CELL-5", 10 + m) for m in range(0, 30, 5))
    rows += "".join(_pm(f"10:{m:02d}:00", "CELL-15", 100 + m) for m in (0, 15, 30))
    rows += _pm("11:14:59", "CELL-LATE", 7)  # stamped at the interval's last second
    path = _write(tmp_path, "feeds/kpis/A_PM_20261001.csv", PM_HEADER + rows)
    result, found, held = _ingest(
        settings, tmp_path, "kpis", path, {},
        {"rows": "select resource_id, interval_start, access_attempts from stg.kpi_15min "
                 "order by 1, 2"})
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (10, 3, 7)
    assert found["rows"].rows() == [("CELL-15", datetime(2026, 10, 1, 10, m), 100 + m)
                                    for m in (0, 15, 30)]
    assert held[2].startswith("the rows of CELL-5 are 5 minutes apart (this one at "
                              "2026-10-01 10:00:00 UTC) but each is read as measuring 15")
    assert held[3].startswith("interval_start 2026-10-01 10:05:00 UTC is not on a quarter hour")
    assert "aggregate them to 15, 30 or 60 minutes first" in held[11]
    assert held[11].startswith("interval_start 2026-10-01 11:14:59 UTC is not on a quarter")


def test_hourly_rows_declared_but_quarter_hours_delivered_are_quarantined(settings, tmp_path):
    mapping = """\
vendor: H
timestamp: {column: Time}
resource_id: {column: Cell}
interval_minutes: 60
counters:
  access_attempts: {column: Att}
"""
    path = _write(tmp_path, "feeds/kpis/hourly.csv", "Time,Cell,Att\n"
                  "2026-10-01 10:00:00,C1,5\n2026-10-01 10:15:00,C1,6\n"
                  "2026-10-01 10:00:00,C2,7\n2026-10-01 11:00:00,C2,8\n")
    result, found, held = _ingest(
        settings, tmp_path, "kpis", path, {"kpis/hourly.yaml": mapping},
        {"rows": "select resource_id, interval_minutes from stg.kpi_15min order by 1"})
    assert found["rows"].rows() == [("C2", 60), ("C2", 60)]
    assert set(held) == {2, 3}
    assert "are 15 minutes apart" in held[2] and "measuring 60 minutes" in held[2]


def test_the_suggestion_for_a_loosely_named_crm_export_loads_its_sample(tmp_path):
    """Before: no column named like an id, so the suggestion made every customer's id the
    constant "2020-01-01"; no status column, so every row would be quarantined; a date column
    in two formats plus spreadsheet numbers had no format at all (0 of 4 would load)."""
    export = ("Cust No,Segment,Region,Contract,Start,Monthly\n"
              "00123,Residential,Dublin,Monthly,01/02/2020,29.5\n"
              "00124,Business,Cork,Annual,13/04/2021,30\n"
              "00125,Residential,Cork,Annual,45231,30\n"
              "00126,Residential,Cork,Annual,2021-05-06,30\n")
    path = _write(tmp_path, "crm.csv", export)
    text = suggest_customer_mapping("crm.csv", export.splitlines())
    assert '  customer_id: "Cust No"' in text
    assert 'customer_since: {column: "Start", format: ["%d/%m/%Y", "%Y-%m-%d", "excel"]}' \
        in text
    assert 'status: {value: "active"}   # CHECK' in text
    report = check_sample(ingest.source("customers"), path, load_mappings(()))
    assert report.suggestion_result == (4, 4)


def test_the_suggestion_never_makes_an_id_a_constant(tmp_path):
    export = ("Ref,Name,Joined On\nX-9,Ann,2020-01-05\nX-7,Bob,2021-03-01\n")
    text = suggest_customer_mapping("crm.csv", export.splitlines())
    assert '  customer_id: "Ref"' in text
    assert 'customer_since: "Joined On"' in text
    epoch = suggest_customer_mapping("crm.csv", ["Ref,Since", "A1,1601510400", "A2,1601596800"])
    assert 'customer_since: {column: "Since", format: "epoch"}' in epoch
