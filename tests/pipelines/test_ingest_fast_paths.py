"""The fast ingest paths keep every guarantee: exact line numbers and reasons from the vectorised
CSV reader, values that need a second look still typed, large files visible to the next file's
checks without a checkpoint, read-ahead loading in order, and row-level (not line-level) holds."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import polars as pl

from cxbridge.platform import ingest, warehouse
from cxbridge.platform.ingest.loader import ingest_file

KPI_HEADER = "START_TIME,MO_ID,MO_CLASS,LAT_MS,ACC_ATT\n"


def _topology(con, tiny_raw) -> None:
    ingest.prepare(con)
    for name in ("resources.csv", "resource_links.csv"):
        ingest_file(con, ingest.source("topology"), tiny_raw / "topology" / name, "t")


def _held(con):
    return warehouse.query(con, "select line, reason, original, awaiting from meta.quarantine "
                                "order by line")


def test_csv_reader_keeps_line_numbers_through_crlf_blank_lines_and_quotes(settings, tmp_path):
    settings.ensure_dirs()
    lines = [
        "customer_id,name,email,phone,segment,region,city,contract_type,payment_method,"
        "customer_since,monthly_charges_eur,status",
        'C1,"Byrne, Ann",ann@example.ie,,consumer,Dublin,Dublin,one_year,invoice,2020-01-01,30,'
        "active",
        "",  # line 3: blank, not a row
        "C2,Bob,bob@example.ie,,consumer,Cork,Cork,one_year,invoice,2020-01-01,30",  # 11 fields
        "C3,Cat,cat@example.ie,,smb,Cork,Cork,two_year,invoice,2021-05-01,40,active",
        "C4,Dan,dan@example.ie,,smb,Cork,Cork,two_year,invoice,2021-05-01,40,active,x",  # 13
    ]
    path = tmp_path / "customers.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode())
    with warehouse.connect(settings) as con:
        ingest.prepare(con)
        result = ingest_file(con, ingest.source("customers"), path, "t")
        names = warehouse.query(con, "select customer_id, name from stg.customers order by 1")
        held = _held(con)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (4, 2, 2)
    assert names.rows() == [("C1", "Byrne, Ann"), ("C3", "Cat")]
    assert held["line"].to_list() == [4, 6]
    assert held["reason"][0].startswith("has 11 fields, the header has 12")
    assert held["reason"][1].startswith("has 13 fields, the header has 12")
    assert held["original"][1].endswith(",active,x")


def test_values_that_need_a_second_look_are_still_typed(settings, tmp_path, tiny_raw):
    settings.ensure_dirs()
    path = tmp_path / "A_PM_20261001.csv"
    path.write_text(KPI_HEADER
                    + "2026-10-01T00:00:00Z,PON-1,pon_port, 12.5 ,3\n"
                    + "2026-10-01 01:15:00+01:00,PON-1,pon_port,13,12.0\n"
                    + "2026-10-01T00:30:00.5Z,PON-1,pon_port,14,\n"
                    + "2026-10-01T00:45:00Z,PON-1,pon_port,n/a,5\n"
                    + "2026-10-01T01:00:00Z,PON-1,pon_port,15,inf\n")
    with warehouse.connect(settings) as con:
        _topology(con, tiny_raw)
        result = ingest_file(con, ingest.source("kpis"), path, "t")
        loaded = warehouse.query(con, "select interval_start, latency_ms, access_attempts "
                                      "from stg.kpi_15min order by interval_start")
        held = _held(con)
    assert (result.rows_loaded, result.rows_quarantined) == (3, 2)
    assert loaded.rows() == [(datetime(2026, 10, 1, 0, 0), 12.5, 3),
                             (datetime(2026, 10, 1, 0, 15), 13.0, 12),
                             (datetime(2026, 10, 1, 0, 30, 0, 500000), 14.0, None)]
    assert held.rows()[0][:2] == (5, "latency_ms = 'n/a' is not a valid number (column LAT_MS)")
    assert held.rows()[1][:2] == (6, "access_attempts = 'inf' is not a valid whole number")


def test_a_large_first_file_is_visible_to_the_next_files_checks(settings, tmp_path, tiny_raw):
    """DuckDB 2.0.0 (two threads) hides a large insert into a table created in the same
    transaction from every scan until a checkpoint; the loader creates tables beforehand."""
    settings.ensure_dirs()
    # more than one DuckDB row group (122,880); 15-minute rows from 2022 stay in the past
    start, rows = datetime(2022, 1, 1), 130_000
    first = tmp_path / "A_PM_1.csv"
    pl.DataFrame({
        "START_TIME": [(start + timedelta(minutes=15 * (i // 6))).strftime("%Y-%m-%dT%H:%M:%SZ")
                       for i in range(rows)],
        "MO_ID": ["CORE-1", "OLT-1", "PON-1", "SITE-1", "CELL-1", "CELL-2"] * (rows // 6)
        + ["CORE-1", "OLT-1", "PON-1", "SITE-1"],
        "LAT_MS": [1.0] * rows,
    }).write_csv(first)
    second = tmp_path / "A_PM_2.csv"
    second.write_text("START_TIME,MO_ID,LAT_MS\n2022-01-01T00:00:00Z,PON-1,2\n"
                      "2020-01-01T00:00:00Z,PON-1,3\n")
    with warehouse.connect(settings) as con:
        _topology(con, tiny_raw)
        assert ingest_file(con, ingest.source("kpis"), first, "t").rows_loaded == rows
        result = ingest_file(con, ingest.source("kpis"), second, "t")
        scanned = warehouse.scalar(con, "select count(*) from (select * from stg.kpi_15min) "
                                        "where resource_id is not null")
        held = _held(con)
    assert scanned == rows + 1
    assert (result.rows_loaded, result.rows_quarantined) == (1, 1)
    assert "already loaded from" in held["reason"][0] and "A_PM_1.csv" in held["reason"][0]


def _outcome(settings):
    with warehouse.connect(settings) as con:
        files = warehouse.query(con, "select source, regexp_extract(path, '[^/]+$') f, rows_read,"
                                     " rows_loaded, rows_quarantined, status "
                                     "from meta.ingest_files order by all")
        kpis = warehouse.query(con, "select * exclude (_file_id) from stg.kpi_15min order by all")
    return files, kpis


def test_read_ahead_loads_in_order_with_the_outcome_of_one_file_at_a_time(tmp_path, tiny_raw):
    from cxbridge.platform.settings import load_settings

    homes = [load_settings({"CXBRIDGE_HOME": str(tmp_path / name), "CXBRIDGE_CONFIG": ""})
             for name in ("ahead", "one_by_one")]
    work = ingest.discover(tiny_raw)
    homes[0].ensure_dirs()
    with warehouse.connect(homes[0]) as con:
        results = ingest.ingest_many(con, work, "t")
    homes[1].ensure_dirs()
    with warehouse.connect(homes[1]) as con:
        ingest.prepare(con)
        for src, path in work:
            ingest_file(con, src, path, "t")
    assert [r.path for r in results] == [str(p.resolve()) for _, p in work]
    ahead, one_by_one = _outcome(homes[0]), _outcome(homes[1])
    assert ahead[0].equals(one_by_one[0]) and ahead[1].equals(one_by_one[1])
    assert ahead[1].height > 0


def _service(service_id: str, customer: str | None, supporting: list[dict]) -> dict:
    party = [{"role": "customer", "partyOrPartyRole": {"id": customer}}] if customer else []
    return {"id": service_id, "category": "CFS", "state": "active",
            "serviceSpecification": {"id": "cfs-ftth"}, "relatedParty": party,
            "supportingService": supporting}


def test_a_row_waits_alone_not_with_the_other_rows_of_its_line(settings, tmp_path, tiny_raw):
    settings.ensure_dirs()
    inline = {"id": "RFS-9-ACC", "category": "RFS", "serviceSpecification": {"id": "rfs-gpon"},
              "supportingResource": [{"id": "PON-1", "@referredType": "pon_port"}]}
    path = tmp_path / "services.jsonl"
    path.write_text(json.dumps(_service("CFS-9", "C9", [inline])) + "\n")
    with warehouse.connect(settings) as con:
        _topology(con, tiny_raw)
        ingest_file(con, ingest.source("customers"), tiny_raw / "customers" / "customers.csv", "t")
        result = ingest_file(con, ingest.source("services"), path, "t")
        services = warehouse.query(con, "select service_id from stg.services")
        links = warehouse.query(con, "select service_id, supporting_service_id "
                                     "from stg.service_links")
        held = _held(con)
    assert (result.rows_loaded, result.rows_quarantined) == (3, 1)
    assert services["service_id"].to_list() == ["RFS-9-ACC"]
    assert links.rows() == [("CFS-9", "RFS-9-ACC")]
    assert held["awaiting"].to_list() == [held["reason"][0]]
    assert "waiting for customer 'C9'" in held["reason"][0]


def test_releasing_one_of_two_held_rows_of_a_line_keeps_the_other(settings, tmp_path, tiny_raw):
    settings.ensure_dirs()
    first = tmp_path / "services_1.jsonl"
    first.write_text(json.dumps(_service("CFS-7", "C1", [{"id": "RFS-A"}, {"id": "RFS-B"}]))
                     + "\n")
    second = tmp_path / "services_2.jsonl"
    second.write_text(json.dumps({"id": "RFS-A", "category": "RFS", "state": "active",
                                  "serviceSpecification": {"id": "rfs-gpon"}}) + "\n")
    with warehouse.connect(settings) as con:
        _topology(con, tiny_raw)
        ingest_file(con, ingest.source("customers"), tiny_raw / "customers" / "customers.csv", "t")
        ingest.ingest_many(con, [(ingest.source("services"), first)], "t")
        ingest.ingest_many(con, [(ingest.source("services"), second)], "t")
        links = warehouse.query(con, "select supporting_service_id from stg.service_links")
        held = _held(con)
        counts = warehouse.query(con, "select rows_loaded, rows_quarantined from "
                                      "meta.ingest_files where path like '%services_1.jsonl'")
    assert links["supporting_service_id"].to_list() == ["RFS-A"]
    assert len(held) == 1 and "waiting for supporting service 'RFS-B'" in held["reason"][0]
    assert counts.rows() == [(2, 1)]  # CFS-7 and its RFS-A link loaded, the RFS-B link held


def test_a_key_with_an_empty_part_is_recognised_when_loaded_again(settings, tmp_path, tiny_raw):
    settings.ensure_dirs()
    usage = pl.DataFrame({"date": [date(2026, 10, 5)], "service_id": ["CFS-1"],
                          "cell_id": pl.Series([None], dtype=pl.String),
                          "data_volume_mb": [10.0]})
    paths = [tmp_path / "usage_1.parquet", tmp_path / "usage_2.parquet"]
    for path in paths:
        usage.write_parquet(path)
        usage = usage.with_columns(data_volume_mb=pl.lit(20.0))  # not a byte-identical copy
    with warehouse.connect(settings) as con:
        ingest.ingest_many(con, ingest.discover(tiny_raw), "t")
        ingest.ingest_many(con, [(ingest.source("usage"), p) for p in paths], "t")
        held = _held(con)
        volumes = warehouse.query(con, "select data_volume_mb from stg.usage "
                                       "where date = '2026-10-05' and service_id = 'CFS-1'")
    assert volumes["data_volume_mb"].to_list() == [10.0]
    assert len(held) == 1 and "already loaded from" in held["reason"][0]


def test_a_corrected_large_file_replaces_what_its_earlier_version_loaded(settings, tmp_path,
                                                                         tiny_raw):
    settings.ensure_dirs()
    rows, start = 130_000, datetime(2022, 1, 1)
    path = tmp_path / "A_PM_1.csv"

    def write(latency: float) -> None:
        pl.DataFrame({
            "START_TIME": [(start + timedelta(minutes=15 * i)).strftime("%Y-%m-%dT%H:%M:%SZ")
                           for i in range(rows)],
            "MO_ID": ["PON-1"] * rows, "LAT_MS": [latency] * rows,
        }).write_csv(path)

    write(1.0)
    with warehouse.connect(settings) as con:
        _topology(con, tiny_raw)
        ingest_file(con, ingest.source("kpis"), path, "t")
        write(2.0)
        result = ingest_file(con, ingest.source("kpis"), path, "t")
        latencies = warehouse.query(con, "select latency_ms, count(*) n from "
                                         "(select * from stg.kpi_15min) group by all")
        files = warehouse.query(con, "select count(*) filter (where superseded_at is null) "
                                     "current, count(*) versions from meta.ingest_files "
                                     "where source = 'kpis'")
    assert (result.status, result.rows_loaded, result.rows_quarantined) == ("replaced", rows, 0)
    assert latencies.rows() == [(2.0, rows)]
    assert files.rows() == [(1, 2)]


def test_a_file_read_in_a_process_of_its_own_loads_as_one_read_here(tmp_path, tiny_raw):
    from cxbridge.platform.ingest.loader import load_prepared, prepare_file
    from cxbridge.platform.ingest.reader_process import prepare_in_process
    from cxbridge.platform.settings import load_settings

    services = ingest.source("services")
    path = (tiny_raw / "services" / "services.jsonl").resolve()
    outcomes = []
    for name, read in (("here", lambda: prepare_file(services, path)),
                       ("apart", lambda: prepare_in_process(services, path, None))):
        settings = load_settings({"CXBRIDGE_HOME": str(tmp_path / name), "CXBRIDGE_CONFIG": ""})
        settings.ensure_dirs()
        with warehouse.connect(settings) as con:
            _topology(con, tiny_raw)
            ingest_file(con, ingest.source("customers"),
                        tiny_raw / "customers" / "customers.csv", "t")
            result = load_prepared(con, read(), "t")
            outcomes.append((result.rows_read, result.rows_loaded, result.rows_quarantined,
                             warehouse.query(con, "select * exclude (_file_id) from "
                                                  "stg.service_links order by all").rows()))
    assert outcomes[0] == outcomes[1] and outcomes[0][1] > 0
