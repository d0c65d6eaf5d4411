"""The quick ingest paths give what the thorough ones give, row for row and reason for reason:
the contract checked as one vectorised pass (pandera only for what that pass does not take),
service characteristics written by one encoder, repeated keys found by sorting, and loaded keys
looked up only when the table holds rows in the incoming range."""

from __future__ import annotations

import json
import math
from datetime import date, datetime

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from cxbridge.platform import ingest, warehouse
from cxbridge.platform.ingest import checks
from cxbridge.platform.ingest.base import LINE
from cxbridge.platform.ingest.checks import contract_failures
from cxbridge.platform.ingest.contract_screen import contract_suspects
from cxbridge.platform.ingest.loader import ingest_file
from cxbridge.platform.ingest.sources import services

EXAMPLES = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])
TABLES = {table.name: table for src in ingest.SOURCES for table in src.tables}


# --- the contract: one vectorised pass, the same reasons as pandera ---------------------------

def _by_pandera(frame: pl.DataFrame, table) -> tuple[pl.DataFrame, pl.Series]:
    """contract_failures as it was: pandera validating every row."""
    real = checks.contract_suspects
    checks.contract_suspects = lambda frame, contract: None
    try:
        return contract_failures(frame, table)
    finally:
        checks.contract_suspects = real


def _edges(column) -> list:
    """The values at and beside the bounds a column's checks name."""
    values = []
    for check in column.checks:
        for key in ("min_value", "max_value", "exact_value"):
            bound = check.statistics.get(key)
            if isinstance(bound, int | float) and not isinstance(bound, bool):
                values += [bound, bound - 1, bound + 1, bound - 0.5, bound + 0.5]
            elif isinstance(bound, date):
                values.append(bound)
        values += list(check.statistics.get("allowed_values") or [])
    return values


def _values(column, dtype: pl.DataType):
    """Any value of a column's type, the awkward ones (nulls, NaN, infinities, blanks, the
    bounds of its checks) often."""
    edges = _edges(column)
    if dtype.is_float():
        base = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from(
            [math.nan, math.inf, -math.inf, 0.0, -0.0, *(float(v) for v in edges
                                                         if isinstance(v, int | float))])
    elif dtype.is_integer():
        base = st.integers(-10**6, 10**6) | st.sampled_from(
            [int(v) for v in edges if isinstance(v, int | float) and float(v).is_integer()]
            or [0])
    elif dtype == pl.Date:
        base = st.dates(date(1900, 1, 1), date(2100, 1, 1)) | st.sampled_from(
            [v for v in edges if isinstance(v, date)] or [date(2000, 1, 1)])
    elif isinstance(dtype, pl.Datetime):
        base = st.datetimes(datetime(1900, 1, 1), datetime(2100, 1, 1))
    elif dtype == pl.Boolean:
        base = st.booleans()
    else:
        base = st.text(max_size=12) | st.sampled_from(
            ["", " ", "x", "a@b.co", "not an email", "en", "EN", "en-IE", *map(str, edges)])
    return st.none() | base


@st.composite
def _frames(draw, table):
    schema = table.contract.to_schema()
    types = {name: column.dtype.type for name, column in schema.columns.items()}
    height = draw(st.integers(0, 12))
    data = {name: draw(st.lists(_values(schema.columns[name], dtype), min_size=height,
                                max_size=height)) for name, dtype in types.items()}
    frame = pl.DataFrame(data, schema=types)
    return frame.with_columns(pl.int_range(2, height + 2, dtype=pl.Int64).alias(LINE))


@pytest.mark.parametrize("name", sorted(TABLES))
@EXAMPLES
@given(data=st.data())
def test_the_quick_contract_check_gives_pandera_s_reasons(name, data):
    table = TABLES[name]
    frame = data.draw(_frames(table))
    assert contract_suspects(frame, table.contract) is not None  # every contract is screened
    quick, thorough = contract_failures(frame, table), _by_pandera(frame, table)
    assert_frame_equal(quick[0], thorough[0])
    assert quick[1].to_list() == thorough[1].to_list()


def test_a_frame_not_typed_as_its_contract_goes_to_pandera_whole():
    table = TABLES["stg.kpi_15min"]
    columns = table.contract.to_schema().columns
    frame = pl.DataFrame({name: [None, "1"] for name in columns},
                         schema=dict.fromkeys(columns, pl.String)  # every column as text
                         ).with_columns(pl.Series(LINE, [2, 3]))
    assert contract_suspects(frame, table.contract) is None
    rejects, positions = contract_failures(frame, table)
    assert_frame_equal(rejects, _by_pandera(frame, table)[0])
    assert positions.to_list() == [0]  # the row of nulls; pandera says so, and why


def test_a_row_breaking_several_checks_names_each_in_the_contract_s_order():
    table = TABLES["stg.kpi_15min"]
    schema = table.contract.to_schema()
    row = {name: None for name in schema.columns} | {
        "interval_start": datetime(2026, 10, 1), "resource_id": "", "vendor": "A",
        "utilisation_pct": 140.0, "latency_ms": -1.0, "interval_minutes": 20}
    frame = pl.DataFrame([row], schema={n: c.dtype.type for n, c in schema.columns.items()}
                         ).with_columns(pl.lit(7, pl.Int64).alias(LINE))
    rejects, positions = contract_failures(frame, table)
    assert positions.to_list() == [0]
    assert rejects["reason"][0] == (
        "resource_id is '', which fails str_length(1, None); utilisation_pct is 140.0, "
        "must be ≤ 100; latency_ms is -1.0, must be ≥ 0; interval_minutes is '20', "
        "expected one of 15, 30, 60")
    assert_frame_equal(rejects, _by_pandera(frame, table)[0])


# --- repeated keys -----------------------------------------------------------------------------

@EXAMPLES
@given(st.lists(st.integers(0, 6), max_size=40))
def test_repeated_hashes_are_the_duplicated_ones(values):
    hashes = pl.Series("h", values, dtype=pl.UInt64)
    assert checks._repeated(hashes).to_list() == hashes.is_duplicated().to_list()


# --- service records ---------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.text(max_size=6) | st.integers() | st.floats() | st.booleans() | st.none(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                                  max_size=3),
    max_leaves=5)


@EXAMPLES
@given(st.dictionaries(st.text(max_size=6), JSON_VALUES, max_size=4))
def test_characteristics_are_written_as_json_dumps_writes_them(characteristics):
    assert services._characteristics_json(characteristics) == json.dumps(characteristics,
                                                                         sort_keys=True)


# --- keys already loaded: looked up only where the table holds rows in range ------------------

def test_a_key_loaded_from_another_file_is_still_found_in_its_range(settings, tmp_path,
                                                                    tiny_raw):
    settings.ensure_dirs()
    header = "START_TIME,MO_ID,MO_CLASS,LAT_MS,ACC_ATT\n"
    first, second, later = (tmp_path / f"A_PM_2026100{n}.csv" for n in (1, 2, 3))
    first.write_text(header + "2026-10-01T00:00:00Z,PON-1,pon_port,12,3\n"
                     "2026-10-01T00:15:00Z,PON-1,pon_port,13,3\n")
    second.write_text(header + "2026-10-01T00:15:00Z,PON-1,pon_port,14,3\n"  # loaded already
                      "2026-10-01T00:30:00Z,PON-1,pon_port,15,3\n")
    later.write_text(header + "2026-10-02T00:00:00Z,PON-1,pon_port,16,3\n")  # nothing in range
    with warehouse.connect(settings) as con:
        ingest.prepare(con)
        for name in ("resources.csv", "resource_links.csv"):
            ingest_file(con, ingest.source("topology"), tiny_raw / "topology" / name, "t")
        results = [ingest_file(con, ingest.source("kpis"), path, "t")
                   for path in (first, second, later)]
        held = warehouse.query(con, "select path, line, reason from meta.quarantine")
    assert [(r.rows_loaded, r.rows_quarantined) for r in results] == [(2, 0), (1, 1), (1, 0)]
    assert held.rows() == [(str(second.resolve()), 2,
                            "duplicate: a row with the same resource_id, interval_start "
                            "(PON-1, 2026-10-01 00:15:00.000000) was already loaded from "
                            f"{first.resolve()}")]
