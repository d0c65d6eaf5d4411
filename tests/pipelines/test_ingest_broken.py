"""Broken inputs a real feed sends: each gets a clear rejection or quarantine, nothing is lost."""

from __future__ import annotations

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


def test_non_utf8_bytes_are_rejected_with_the_offset(settings, tmp_path):
    data = (HEADER + "\n" + GOOD.replace("Ann", "Ann\xe9") + "\n").encode("latin-1")
    result, _ = _ingest(settings, "customers", _customers(tmp_path, raw=data))
    assert result.status == "rejected" and "not UTF-8" in result.message


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
