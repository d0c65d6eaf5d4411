"""Broken inputs a real feed sends: each gets a clear rejection or quarantine, nothing is lost."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxbridge.platform import ingest, warehouse
from cxbridge.platform.ingest.loader import ingest_file


def _ingest(settings, source_name: str, path, topology=None):
    settings.ensure_dirs()
    with warehouse.connect(settings) as con:
        ingest.prepare(con)
        if topology is not None:
            for name in ("resources.csv", "resource_links.csv"):
                ingest_file(con, ingest.source("topology"), topology / name, "test")
        result = ingest_file(con, ingest.source(source_name), path, "test")
        held = warehouse.query(con, "select line, reason, original from meta.quarantine "
                                    "order by line")
    assert result.rows_read == result.rows_loaded + result.rows_quarantined
    return result, held


HEADER = ("customer_id,name,email,phone,segment,region,city,contract_type,payment_method,"
          "customer_since,monthly_charges_eur,status")
GOOD = "C1,Ann,ann@example.ie,+353 1,consumer,Dublin,Dublin,one_year,invoice,2020-01-01,30,active"


def _customers(tmp_path, *rows: str, header: str = HEADER, raw: bytes | None = None):
    path = tmp_path / "customers.csv"
    if raw is not None:
        path.write_bytes(raw)
    else:
        path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_empty_file_is_rejected_whole(settings, tmp_path):
    result, _ = _ingest(settings, "customers", _customers(tmp_path, raw=b""))
    assert result.status == "rejected" and "empty" in result.message


def test_windows_1252_text_is_read_as_such_and_said(settings, tmp_path):
    # what a spreadsheet on Windows saves as "CSV": é is one byte, 0xe9; ’ is 0x92
    data = (HEADER + "\n" + GOOD.replace("Ann", "Ann\xe9 O\u2019Neill") + "\n"
            ).encode("cp1252")
    result, _ = _ingest(settings, "customers", _customers(tmp_path, raw=data))
    assert (result.status, result.rows_loaded) == ("loaded", 1)
    assert "Windows-1252" in result.message
    with warehouse.connect(settings, read_only=True) as con:
        assert warehouse.scalar(con, "select name from stg.customers") == "Ann\xe9 O\u2019Neill"


def test_bytes_that_are_neither_utf8_nor_windows_1252_are_rejected_with_the_offset(
        settings, tmp_path):
    data = (HEADER + "\n" + GOOD).encode("utf-8") + b"\x81\xe9\n"  # 0x81: no cp1252 character
    result, _ = _ingest(settings, "customers", _customers(tmp_path, raw=data))
    assert result.status == "rejected" and "not UTF-8" in result.message
    assert "Windows-1252" in result.message


def test_byte_order_mark_is_tolerated(settings, tmp_path):
    data = ("\ufeff" + HEADER + "\n" + GOOD + "\n").encode("utf-8")
    result, _ = _ingest(settings, "customers", _customers(tmp_path, raw=data))
    assert (result.status, result.rows_loaded) == ("loaded", 1)


def test_missing_required_column_names_it(settings, tmp_path):
    header = HEADER.replace("segment,", "")
    row = GOOD.replace("consumer,", "")
    result, _ = _ingest(settings, "customers", _customers(tmp_path, row, header=header))
    assert result.status == "rejected" and "segment" in result.message


def test_wrong_delimiter_is_rejected_with_a_hint(settings, tmp_path):
    path = _customers(tmp_path, GOOD.replace(",", ";"), GOOD.replace(",", ";"))
    result, _ = _ingest(settings, "customers", path)
    assert result.status == "rejected" and "delimiter" in result.message


def test_row_level_breakage_is_quarantined_with_reasons(settings, tmp_path):
    rows = [
        GOOD,
        GOOD.replace("C1,", "C2,").replace("consumer", "vip"),          # not in the enum
        GOOD.replace("C1,", "C3,").replace(",30,", ",-5,"),             # out of range
        GOOD.replace("C1,", "C4,").replace("2020-01-01", "01/02/2020"),  # wrong type
        GOOD,                                                            # duplicate key
        GOOD.replace("C1,", "C5,") + ",surplus",                         # ragged row
    ]
    result, held = _ingest(settings, "customers", _customers(tmp_path, *rows))
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (6, 1, 5)
    reasons = dict(zip(held["line"], held["reason"], strict=True))
    assert "segment is 'vip', expected one of" in reasons[3]
    assert "monthly_charges_eur is -5" in reasons[4]
    assert "customer_since = '01/02/2020' is not a valid date" in reasons[5]
    assert "duplicate of line 2" in reasons[6]
    assert "has 13 fields, the header has 12" in reasons[7]
    assert all(held["original"].str.contains("C[1-5]"))  # the original values are kept


def test_invalid_json_lines_are_quarantined_and_the_rest_loaded(settings, tmp_path, tiny_raw):
    good = (tiny_raw / "alarms" / "alarms_20261001.jsonl").read_text().splitlines()
    path = tmp_path / "alarms.jsonl"
    path.write_text("\n".join([good[0], "{not json", good[1], "[1, 2]"]) + "\n")
    result, held = _ingest(settings, "alarms", path, tiny_raw / "topology")
    assert (result.rows_loaded, result.rows_quarantined) == (2, 2)
    assert held["line"].to_list() == [2, 4]
    assert "invalid JSON" in held["reason"][0]


def test_a_file_of_only_invalid_json_is_rejected(settings, tmp_path):
    path = tmp_path / "alarms.jsonl"
    path.write_text("<html>503 Service Unavailable</html>\n")
    result, _ = _ingest(settings, "alarms", path)
    assert result.status == "rejected" and "no line is a valid JSON object" in result.message


def test_unknown_pm_dialect_says_how_to_add_it(settings, tmp_path):
    path = tmp_path / "pm.csv"
    path.write_text("time,node,value\n2026-10-01T00:00:00Z,X,1\n")
    result, _ = _ingest(settings, "kpis", path)
    assert result.status == "rejected" and "matches no kpis mapping" in result.message
    assert "mapping file" in result.message and "sources check" in result.message


@pytest.mark.parametrize("stamp", ["2026-10-25 01:45:00+01:00", "2026-10-25T00:45:00Z",
                                   "2026-10-25 00:45:00"])
def test_timestamps_in_any_zone_land_in_utc(settings, tmp_path, tiny_raw, stamp):
    sep = ";" if "+" in stamp else ","
    path = tmp_path / "pm.csv"
    if sep == ";":
        path.write_text("PERIOD_START_TIME;DN;OBJ_TYPE;LOSS_RATIO\n"
                        f"{stamp};NE=CELL-1;CELL;0.01\n")
    else:
        path.write_text(f"START_TIME,MO_ID,MO_CLASS,PKT_LOSS_PCT\n{stamp},CELL-1,cell,1\n")
    result, _ = _ingest(settings, "kpis", path, tiny_raw / "topology")
    assert result.rows_loaded == 1
    with warehouse.connect(settings) as con:
        assert str(warehouse.scalar(con, "select interval_start from stg.kpi_15min")) == (
            "2026-10-25 00:45:00")


def test_a_row_waits_for_its_reference_and_loads_when_it_arrives(settings, tmp_path, tiny_raw):
    path = tmp_path / "pm.csv"
    path.write_text("START_TIME,MO_ID,MO_CLASS,LAT_MS\n2026-10-01T00:00:00Z,CELL-1,cell,12\n"
                    "2026-10-01T00:00:00Z,CELL-NEW,cell,30\n")
    result, held = _ingest(settings, "kpis", path, tiny_raw / "topology")
    assert (result.rows_loaded, result.rows_quarantined) == (1, 1)
    assert "waiting for resource 'CELL-NEW'" in held["reason"][0]
    announced = tmp_path / "topology"
    announced.mkdir()
    (announced / "resources_new.csv").write_text(
        "resource_id,resource_type,name,region,vendor\nCELL-NEW,cell,New cell,Dublin,A\n")
    with warehouse.connect(settings) as con:
        ingest.ingest_many(con, [(ingest.source("topology"), announced / "resources_new.csv")],
                           "later")
        loaded = warehouse.query(con, "select resource_id, latency_ms from stg.kpi_15min "
                                      "order by resource_id")
        left = warehouse.scalar(con, "select count(*) from meta.quarantine")
        files = warehouse.query(con, "select rows_read, rows_loaded, rows_quarantined "
                                     "from meta.ingest_files where path like '%pm.csv'")
    assert loaded.rows() == [("CELL-1", 12.0), ("CELL-NEW", 30.0)]
    assert left == 0
    assert files.rows() == [(2, 2, 0)]  # the file's accounting follows the released row


def test_truncated_csv_keeps_the_whole_rows_and_quarantines_the_cut_one(settings, tmp_path):
    text = "\n".join([HEADER, GOOD, GOOD.replace("C1,", "C2,")]) + "\n"
    cut = text[: len(text) - 25]  # the export stopped mid-row
    result, held = _ingest(settings, "customers", _customers(tmp_path, raw=cut.encode()))
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (2, 1, 1)
    assert "fields, the header has 12" in held["reason"][0]


def test_truncated_json_lines_file_quarantines_the_cut_event(settings, tmp_path, tiny_raw):
    text = (tiny_raw / "alarms" / "alarms_20261001.jsonl").read_text()
    path = tmp_path / "alarms.jsonl"
    path.write_text(text[: len(text) - 40])
    result, held = _ingest(settings, "alarms", path, tiny_raw / "topology")
    assert (result.rows_loaded, result.rows_quarantined) == (1, 1)
    assert held["line"].to_list() == [2] and "invalid JSON" in held["reason"][0]


def test_extra_crm_columns_are_kept(settings, tmp_path):
    header = HEADER + ",favourite_team,household_size"
    result, _ = _ingest(settings, "customers", _customers(tmp_path, GOOD + ",Cork GAA,4",
                                                          header=header))
    assert result.rows_loaded == 1
    with warehouse.connect(settings) as con:
        extra = warehouse.scalar(con, "select extra_attributes from stg.customers")
    assert extra == '{"favourite_team":"Cork GAA","household_size":"4"}'


def test_unmapped_pm_columns_are_reported_not_silently_dropped(settings, tmp_path, tiny_raw):
    path = tmp_path / "pm.csv"
    path.write_text("START_TIME,MO_ID,MO_CLASS,LAT_MS,VENDOR_SPECIAL\n"
                    "2026-10-01T00:00:00Z,CELL-1,cell,12,7\n")
    result, _ = _ingest(settings, "kpis", path, tiny_raw / "topology")
    assert result.rows_loaded == 1 and "VENDOR_SPECIAL" in result.message


def test_mixed_time_zones_in_one_file(settings, tmp_path, tiny_raw):
    path = tmp_path / "tickets.csv"
    path.write_text("ticket_id,customer_id,created_at,status\n"
                    "T1,,2026-10-01T10:00:00Z,acknowledged\n"
                    "T2,,2026-10-01 11:00:00+01:00,acknowledged\n"
                    "T3,,2026-10-01T05:00:00-05:00,acknowledged\n"
                    "T4,,2026-10-01 10:00:00,acknowledged\n")
    result, _ = _ingest(settings, "tickets", path)
    assert result.rows_loaded == 4
    with warehouse.connect(settings) as con:
        stamps = warehouse.query(con, "select distinct created_at from stg.tickets")
    assert [str(s) for s in stamps["created_at"]] == ["2026-10-01 10:00:00"]


def test_the_repeated_hour_at_the_end_of_summer_time_stays_two_intervals(settings, tmp_path,
                                                                          tiny_raw):
    path = tmp_path / "B_PM_20261025.csv"
    path.write_text("PERIOD_START_TIME;DN;OBJ_TYPE;AVG_RTT_US\n"
                    "2026-10-25 01:30:00+01:00;NE=CELL-1;CELL;10000\n"
                    "2026-10-25 01:30:00+00:00;NE=CELL-1;CELL;20000\n")
    result, _ = _ingest(settings, "kpis", path, tiny_raw / "topology")
    assert (result.rows_loaded, result.rows_quarantined) == (2, 0)
    with warehouse.connect(settings) as con:
        rows = warehouse.query(con, "select interval_start, latency_ms from stg.kpi_15min "
                                    "order by interval_start")
    assert [str(t) for t in rows["interval_start"]] == ["2026-10-25 00:30:00",
                                                        "2026-10-25 01:30:00"]


def test_a_row_already_loaded_from_another_file_is_quarantined(settings, tmp_path, tiny_raw):
    first, second = tmp_path / "A_PM_1.csv", tmp_path / "A_PM_2.csv"
    header = "START_TIME,MO_ID,MO_CLASS,LAT_MS\n"
    first.write_text(header + "2026-10-01T00:00:00Z,CELL-1,cell,12\n")
    second.write_text(header + "2026-10-01T00:00:00Z,CELL-1,cell,13\n"
                      "2026-10-01T00:15:00Z,CELL-1,cell,14\n")
    _ingest(settings, "kpis", first, tiny_raw / "topology")
    result, held = _ingest(settings, "kpis", second)
    assert (result.rows_loaded, result.rows_quarantined) == (1, 1)
    assert "already loaded from" in held["reason"][0] and "A_PM_1.csv" in held["reason"][0]


def test_tmf638_v4_and_v5_shapes_both_load(settings, tmp_path, tiny_raw):
    import json

    v4 = {"id": "CFS-9", "category": "CFS", "state": "active", "serviceType": "ftth",
          "serviceSpecification": {"id": "cfs-ftth"},
          "relatedParty": [{"id": "C1", "role": "Customer", "@referredType": "Customer"}],
          "supportingResource": []}
    v5 = {"id": "CFS-10", "category": "CFS", "state": "active",
          "serviceSpecification": {"id": "cfs-ftth"},
          "relatedParty": [{"role": "customer", "partyOrPartyRole": {"id": "C2"}}]}
    path = tmp_path / "services.jsonl"
    path.write_text(json.dumps(v4) + "\n" + json.dumps(v5) + "\n")
    with warehouse.connect(settings) as con:
        ingest.prepare(con)
        ingest_file(con, ingest.source("customers"), tiny_raw / "customers" / "customers.csv", "t")
    result, _ = _ingest(settings, "services", path)
    assert result.rows_loaded == 2
    with warehouse.connect(settings) as con:
        owners = warehouse.query(con, "select service_id, customer_id from stg.services "
                                      "order by service_id")
    assert owners.rows() == [("CFS-10", "C2"), ("CFS-9", "C1")]


def test_waiting_rows_from_several_files_with_the_same_line_numbers(settings, tmp_path,
                                                                    tiny_raw):
    header = "START_TIME,MO_ID,MO_CLASS,LAT_MS\n"
    paths = []
    for n, cell in enumerate(["CELL-1", "CELL-X", "CELL-Y"]):  # line 2 in every file
        path = tmp_path / f"A_PM_{n}.csv"
        path.write_text(header + f"2026-10-01T0{n}:00:00Z,{cell},cell,{10 + n}\n")
        paths.append(path)
    with warehouse.connect(settings) as con:
        ingest.prepare(con)
        ingest_file(con, ingest.source("topology"), tiny_raw / "topology" / "resources.csv", "t")
        ingest.ingest_many(con, [(ingest.source("kpis"), p) for p in paths], "t")
    (tmp_path / "more.csv").write_text("resource_id,resource_type,region,vendor\n"
                                       "CELL-Y,cell,Dublin,A\n")
    with warehouse.connect(settings) as con:
        results = ingest.ingest_many(con, [(ingest.source("topology"), tmp_path / "more.csv")],
                                     "t")
        loaded = warehouse.query(con, "select resource_id from stg.kpi_15min order by 1")
        still = warehouse.query(con, "select original from meta.quarantine")
    assert results[0].rows_loaded == 1
    assert loaded["resource_id"].to_list() == ["CELL-1", "CELL-Y"]  # CELL-X still waits
    assert still.height == 1 and "CELL-X" in still["original"][0]


# --- issue 16: no badly shaped file or record stops a run -----------------------------------

def _alarm_event(tiny_raw) -> dict:
    import json

    return json.loads((tiny_raw / "alarms" / "alarms_20261001.jsonl").read_text().splitlines()[0])


def _json_lines(path, *records) -> object:
    import json

    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


@pytest.mark.parametrize(("where", "value", "reason"), [
    (("event", "alarm", "alarmedObject"), "x",
     "event.alarm.alarmedObject is a string ('x'), expected an object"),
    (("event",), "x", "event is a string ('x'), expected an object"),
    (("event", "alarm", "id"), {"a": 1}, "event.alarm.id is an object, expected text"),
    (("event", "alarm", "id"), [1], "event.alarm.id is a list, expected text"),
    (("event", "alarm", "parentAlarm"), [5], "event.alarm.parentAlarm[0] is a number (5)"),
    (("event", "alarm", "serviceAffecting"), "maybe",
     "event.alarm.serviceAffecting is a string ('maybe'), expected true or false"),
])
def test_an_alarm_field_of_the_wrong_json_type_quarantines_its_record(settings, tmp_path,
                                                                      tiny_raw, where, value,
                                                                      reason):
    import copy

    good = _alarm_event(tiny_raw)
    bad = copy.deepcopy(good)
    target = bad
    for key in where[:-1]:
        target = target[key]
    target[where[-1]] = value
    path = _json_lines(tmp_path / "alarms.jsonl", bad, good)
    result, held = _ingest(settings, "alarms", path, tiny_raw / "topology")
    assert (result.status, result.rows_loaded, result.rows_quarantined) == ("loaded", 1, 1)
    assert held["line"].to_list() == [1] and held["reason"][0].startswith(reason)
    assert '"eventType": "AlarmCreateEvent"' in held["original"][0]  # the record as it came


def test_a_number_as_an_id_is_taken_as_its_text(settings, tmp_path, tiny_raw):
    event = _alarm_event(tiny_raw)
    event["event"]["alarm"]["id"] = 5
    result, _ = _ingest(settings, "alarms", _json_lines(tmp_path / "a.jsonl", event),
                        tiny_raw / "topology")
    assert result.rows_loaded == 1
    with warehouse.connect(settings) as con:
        assert warehouse.scalar(con, "select alarm_id from stg.alarm_events") == "5"


@pytest.mark.parametrize(("field", "value", "reason"), [
    ("relatedParty", 5, "relatedParty is a number (5), expected a list of objects"),
    ("serviceSpecification", "x", "serviceSpecification is a string ('x'), expected an object"),
    ("supportingResource", "x", "supportingResource is a string ('x'), expected a list of"),
    ("id", [1], "id is a list, expected text"),
])
def test_a_service_field_of_the_wrong_json_type_quarantines_the_whole_service(
        settings, tmp_path, field, value, reason):
    good = {"id": "RFS-1", "category": "RFS", "state": "active",
            "serviceSpecification": {"id": "rfs-gpon-access"},
            "supportingResource": [{"id": "PON-1", "@referredType": "pon_port"}]}
    bad = {**good, "id": "RFS-2", field: value}
    result, held = _ingest(settings, "services", _json_lines(tmp_path / "s.jsonl", good, bad))
    # the bad service's resource binding is not loaded without it: all of a record or none
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (3, 2, 1)
    assert held["line"].to_list() == [2] and held["reason"][0].startswith(reason)


def test_a_catalog_spec_of_the_wrong_shape_is_quarantined_and_the_others_load(settings,
                                                                              tmp_path):
    path = tmp_path / "catalog.yaml"
    path.write_text("serviceSpecification:\n"
                    "- {id: cfs-a, category: CFS, cfsType: ftth}\n"
                    "- {id: rfs-b, category: RFS, redundancy: x}\n"
                    "- {id: rfs-c, category: RFS, redundancy: {mode: 1+1, minUp: 1.5}}\n"
                    "- just text\n"
                    "- {id: rfs-d, category: RFS, redundancy: {mode: n-of-m, minUp: 2.0}}\n")
    result, held = _ingest(settings, "catalog", path)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (5, 2, 3)
    reasons = dict(zip(held["line"], held["reason"], strict=True))
    assert reasons[2] == "redundancy is a string ('x'), expected an object"
    assert reasons[3].startswith("min_up = '1.5' is not a valid whole number")
    assert reasons[4] == "serviceSpecification[4] is a string ('just text'), expected an object"
    with warehouse.connect(settings) as con:
        assert warehouse.scalar(con, "select min_up from stg.catalog_specs "
                                     "where spec_id = 'rfs-d'") == 2


def test_a_parquet_usage_file_with_text_and_float_columns_is_typed_row_by_row(settings,
                                                                              tmp_path):
    from datetime import date

    import polars as pl

    path = tmp_path / "usage.parquet"
    pl.DataFrame({"date": ["2026-10-01", "2026-10-02", "01/10/2026", "2026-10-03"],
                  "service_id": ["CFS-1"] * 4,
                  "sessions": ["3", "abc", "4", "2.0"],
                  "session_failures": [0.0, 0.0, 0.0, 1.5]}).write_parquet(path)
    result, held = _ingest(settings, "usage", path)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (4, 1, 3)
    reasons = dict(zip(held["line"], held["reason"], strict=True))
    assert reasons[2] == "sessions = 'abc' is not a valid whole number"
    assert reasons[3].startswith("date = '01/10/2026' is not a valid date")
    assert reasons[4] == "session_failures = '1.5' is not a valid whole number"
    with warehouse.connect(settings) as con:
        loaded = warehouse.query(con, "select date, sessions, session_failures from stg.usage")
    assert loaded.rows() == [(date(2026, 10, 1), 3, 0)]


def test_a_count_that_is_not_whole_is_quarantined_never_rounded(settings, tmp_path, tiny_raw):
    path = tmp_path / "A_PM_1.csv"
    path.write_text("START_TIME,MO_ID,MO_CLASS,ACC_ATT,ACC_SUCC\n"
                    "2026-10-01T00:00:00Z,CELL-1,cell,1.5,1\n"
                    "2026-10-01T00:15:00Z,CELL-1,cell,2.0,2\n")
    result, held = _ingest(settings, "kpis", path, tiny_raw / "topology")
    assert (result.rows_loaded, result.rows_quarantined) == (1, 1)
    assert held["reason"].to_list() == ["access_attempts = '1.5' is not a valid whole number"]
    with warehouse.connect(settings) as con:
        assert warehouse.scalar(con, "select access_attempts from stg.kpi_15min") == 2


@pytest.mark.parametrize(("stamp", "reason"), [
    ("2099-01-01T00:00:00Z", "interval_start 2099-01-01 00:00:00 is after now + 31 days"),
    ("1970-01-01T00:00:00Z", "interval_start 1970-01-01 00:00:00 is before 2000-01-01"),
])
def test_a_time_outside_the_plausible_window_is_quarantined(settings, tmp_path, tiny_raw,
                                                            stamp, reason):
    path = tmp_path / "A_PM_1.csv"
    path.write_text(f"START_TIME,MO_ID,MO_CLASS,LAT_MS\n2026-10-01T00:00:00Z,CELL-1,cell,1\n"
                    f"{stamp},CELL-1,cell,2\n")
    result, held = _ingest(settings, "kpis", path, tiny_raw / "topology")
    assert (result.rows_loaded, result.rows_quarantined) == (1, 1)
    assert held["line"].to_list() == [3] and held["reason"][0].startswith(reason)


def test_the_plausible_window_comes_from_the_config_file(tmp_path, tiny_raw):
    from datetime import date

    from cxbridge.platform.settings import load_settings

    config = tmp_path / "cxbridge.toml"
    config.write_text("[ingest]\nearliest = 2026-10-01\nfuture_days = 0\n")
    settings = load_settings({"CXBRIDGE_HOME": str(tmp_path / "home"),
                              "CXBRIDGE_CONFIG": str(config)})
    window = ingest.window_of(settings)
    assert (window.earliest, window.future_days) == (date(2026, 10, 1), 0.0)
    path = tmp_path / "tickets.csv"
    path.write_text("ticket_id,customer_id,created_at,status\nT1,,2026-10-01T10:00:00Z,pending\n"
                    "T2,,2026-09-30T23:00:00Z,pending\n")
    settings.ensure_dirs()
    with warehouse.connect(settings) as con:
        results = ingest.ingest_many(con, [(ingest.source("tickets"), path)], "t",
                                     window=window)
        reason = warehouse.scalar(con, "select reason from meta.quarantine")
    assert (results[0].rows_loaded, results[0].rows_quarantined) == (1, 1)
    assert reason.startswith("created_at 2026-09-30 23:00:00 is before 2026-10-01")


def test_a_bad_ingest_table_in_the_config_file_is_a_settings_error(tmp_path):
    from cxbridge.platform.settings import SettingsError, load_settings

    config = tmp_path / "cxbridge.toml"
    config.write_text("[ingest]\nfuture_days = 'soon'\n")
    with pytest.raises(SettingsError, match="future_days"):
        load_settings({"CXBRIDGE_HOME": str(tmp_path), "CXBRIDGE_CONFIG": str(config)})


def test_special_files_are_skipped_never_opened(settings, tmp_path, tiny_raw):
    import os

    folder = tmp_path / "surveys"
    folder.mkdir()
    (folder / "nps_good.csv").write_text((tiny_raw / "surveys" / "nps_20261001.csv").read_text())
    os.mkfifo(folder / "nps_fifo.csv")  # opening it would block for ever
    (folder / "nps_loop.csv").symlink_to(folder / "nps_loop.csv")
    (folder / "nps_gone.csv").symlink_to(folder / "nowhere.csv")
    src = ingest.source("surveys")
    work = [(src, path) for path in ingest.files_of(src, [folder])]
    settings.ensure_dirs()
    with warehouse.connect(settings) as con:
        results = ingest.ingest_many(con, work, "t")
    outcome = {Path(r.path).name: (r.status, r.message) for r in results}
    assert outcome["nps_good.csv"][0] == "loaded"
    assert outcome["nps_fifo.csv"] == ("skipped", "a named pipe (FIFO), not a regular file: "
                                                  "skipped, never opened")
    assert outcome["nps_loop.csv"][1].startswith("a symbolic link loop")
    assert outcome["nps_gone.csv"][1].startswith("a symbolic link to nothing")


def test_a_binary_file_is_one_line_and_nothing_prints_raw_bytes(settings, tmp_path, tiny_raw,
                                                                monkeypatch):
    from typer.testing import CliRunner

    from cxbridge.app.cli import app

    monkeypatch.setenv("CXBRIDGE_HOME", str(settings.home))
    monkeypatch.setenv("CXBRIDGE_CONFIG", str(settings.home.parent / "cxbridge.toml"))
    binary = tmp_path / "nps_binary.csv"
    binary.write_bytes(b"response_id,customer_id\n\x00\x01\x02\x1b[2J\x07garbage" * 50)
    escaped = tmp_path / "nps_escaped.csv"  # text, but its header holds terminal controls
    escaped.write_bytes(b"response\x1b[31m_id,\x1b]0;pwned\x07score\nR1,7\n")
    runner = CliRunner()
    result = runner.invoke(app, ["ingest", "surveys", str(binary), str(escaped)],
                           terminal_width=200)
    assert result.exit_code == 2
    assert "\x1b" not in result.output and "\x07" not in result.output and "\x00" not in (
        result.output)
    output = " ".join(result.output.split())
    assert "is a binary file, not text (control byte 0x00 at byte 24)" in output
    assert "response\\x1b[31m_id" in output  # shown, escaped
    shown = runner.invoke(app, ["quarantine"], terminal_width=200)
    assert shown.exit_code == 0 and "\x1b" not in shown.output


def _raising_parse(path):
    raise KeyError("a bug in a reader")


def test_an_unexpected_error_reading_one_file_rejects_that_file_only(settings, tmp_path,
                                                                     tiny_raw):
    from dataclasses import replace

    surveys = ingest.source("surveys")
    broken = replace(surveys, name="surveys-broken", parse=_raising_parse)
    first, second = tiny_raw / "surveys" / "nps_20261001.csv", tmp_path / "nps_2.csv"
    second.write_text(first.read_text().replace("S1,", "S2,"))
    settings.ensure_dirs()
    with warehouse.connect(settings) as con:
        results = ingest.ingest_many(con, [(broken, first), (surveys, second)], "t")
        registered = warehouse.query(con, "select status, message from meta.ingest_files "
                                          "where path like '%nps_20261001.csv'")
        # tried again on the next run: it loads once the reader is fixed
        again = ingest.ingest_many(con, [(broken, first)], "t2") and ingest.ingest_many(
            con, [(replace(broken, parse=surveys.parse), first)], "t3")
    assert [r.status for r in results] == ["rejected", "loaded"]
    message = results[0].message
    assert message.startswith(f"unexpected error while reading {first}: KeyError")
    assert "may be a bug in cxbridge" in message and "tried again on the next run" in message
    log = Path(message.split("the traceback is in ")[1].split(";")[0])
    assert "KeyError: 'a bug in a reader'" in log.read_text()
    assert registered["status"].to_list() == ["rejected"]
    assert registered["message"][0].startswith("unexpected error while reading")
    assert again[0].status == "loaded"


def test_an_unexpected_error_loading_one_file_rolls_it_back_and_the_run_goes_on(
        settings, tmp_path, tiny_raw):
    from dataclasses import replace

    import pandera.polars as pa

    from cxbridge.platform.ingest.base import Parsed

    class TextTimes(pa.DataFrameModel):  # a contract that disagrees with the table's types
        response_id: str
        customer_id: str
        responded_at: str
        score: int
        comment: str = pa.Field(nullable=True)

    surveys = ingest.source("surveys")
    good = tiny_raw / "surveys" / "nps_20261001.csv"
    bad = tmp_path / "nps_bad.csv"
    bad.write_text("response_id,customer_id,responded_at,score\nZZ9,C1,not a time,5\n")

    def text_parse(path):
        import polars as pl

        frame = pl.DataFrame({"_line": [2], "response_id": ["ZZ9"], "customer_id": ["C1"],
                              "responded_at": ["not a time"], "score": [5],
                              "comment": [None]}, schema_overrides={"comment": pl.String})
        return {"stg.surveys": Parsed(frame)}

    buggy = replace(surveys, name="surveys-buggy", parse=text_parse,
                    tables=(replace(surveys.tables[0], contract=TextTimes, references=()),))
    settings.ensure_dirs()
    with warehouse.connect(settings) as con:
        results = ingest.ingest_many(con, [(surveys, good), (buggy, bad)], "t")
        loaded = warehouse.scalar(con, "select count(*) from stg.surveys where "
                                       "response_id = 'ZZ9'")
        status = warehouse.scalar(con, "select status from meta.ingest_files "
                                       "where path like '%nps_bad.csv'")
    assert results[0].status == "loaded"
    assert results[1].status == "rejected" and results[1].message.startswith(
        f"unexpected error while loading {bad}: ConversionException")
    assert loaded == 0 and status == "rejected"  # rolled back, registered as rejected


def test_a_run_with_badly_shaped_files_loads_the_rest_publishes_and_exits_2(settings, tiny_raw,
                                                                            monkeypatch):
    """The issue's case: an alarm whose event is a string, a usage file whose sessions are
    text, a catalog spec of the wrong shape, a named pipe among the surveys."""
    import json
    import os

    import polars as pl
    from typer.testing import CliRunner

    from cxbridge.app.cli import app

    monkeypatch.setenv("CXBRIDGE_HOME", str(settings.home))
    monkeypatch.setenv("CXBRIDGE_CONFIG", str(settings.home.parent / "cxbridge.toml"))
    alarm = _alarm_event(tiny_raw)
    (tiny_raw / "alarms" / "alarms_bad.jsonl").write_text(json.dumps({**alarm, "event": "x"}))
    usage = pl.read_parquet(tiny_raw / "usage" / "usage_20261001.parquet")
    usage.with_columns(pl.lit("many").alias("sessions")).write_parquet(
        tiny_raw / "usage" / "usage_bad.parquet")
    catalog = tiny_raw / "catalog" / "catalog.yaml"
    catalog.write_text(catalog.read_text() + "  - {id: rfs-x, redundancy: x}\n")
    os.mkfifo(tiny_raw / "surveys" / "nps_pipe.csv")
    result = CliRunner().invoke(app, ["run", "--raw", str(tiny_raw)], terminal_width=200)
    assert result.exit_code == 2, result.output
    output = " ".join(result.output.split())  # as it reads, wherever the lines wrap
    assert "Rejected" in output and "usage_bad.parquet" in output
    assert "sessions = 'many' is not a valid whole number" in output
    assert "Skipped" in output and "nps_pipe.csv" in output
    assert "a named pipe (FIFO), not a regular file: skipped, never opened" in output
    assert "snapshot" in output  # published what the rest allows
    with warehouse.connect(settings) as con:
        held = warehouse.query(con, "select path, reason from meta.quarantine "
                                    "where reason like '%expected an object%' order by path")
        surveys = warehouse.scalar(con, "select count(*) from stg.surveys")
    assert [Path(p).name for p in held["path"]] == ["alarms_bad.jsonl", "catalog.yaml"]
    assert held["reason"].to_list() == ["event is a string ('x'), expected an object",
                                        "redundancy is a string ('x'), expected an object"]
    assert surveys == 1  # the sources after the bad ones loaded
