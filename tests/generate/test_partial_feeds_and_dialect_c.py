"""Worlds that look like real deliveries: only some feeds, and a third, foreign PM dialect.

``--feeds`` must write exactly the named feeds, byte for byte as the full world has them, with a
complete ``_truth/``. Dialect C (a RAN export: DATE + TIME in naive Dublin time, ``;`` and decimal
commas, counters ours lacks, none for loss or jitter) must carry the same world's values: read
back through its own mapping file, every row lands on the UTC instant and the value the default
world reports in dialect B for the same cell.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

import polars as pl
import pytest
import yaml
from typer.testing import CliRunner

from cxbridge.app.cli import app
from cxbridge.lab.generate import WorldConfig, generate_world
from cxbridge.lab.generate.delivery import FEEDS, Delivery, DeliveryError
from cxbridge.lab.generate.dialects import C_COLUMNS
from cxbridge.lab.generate.vendor_c_mapping import EXTRA_COLUMNS, MAPPING_PATH

from .conftest import World, csv_rows, file_hashes

# Three days around the change back to winter time (2026-10-25 has 25 local hours).
SMALL = {"scale": 0.01, "days": 3, "seed": 5, "start": date(2026, 10, 24)}
WITH_C = Delivery(pm_dialects=("A", "B", "C"))
PARTIAL = ("kpis", "topology", "alarms")
WAREHOUSE_COUNTERS = {"dl_throughput_mbps", "utilisation_pct", "latency_ms", "jitter_ms",
                      "packet_loss_pct", "unavailable_s", "access_attempts", "access_successes",
                      "drops", "sessions"}


def _build(tmp_path_factory, name: str, delivery: Delivery, dirt: float) -> World:
    config = WorldConfig(**SMALL, dirt_rate=dirt)
    path = tmp_path_factory.mktemp(name)
    generate_world(config, path, delivery=delivery)
    return World(path, config)


@pytest.fixture(scope="module")
def full_c(tmp_path_factory) -> World:
    """Every feed, dialects A, B and C, with dirt."""
    return _build(tmp_path_factory, "full_c", WITH_C, 0.01)


@pytest.fixture(scope="module")
def partial_c(tmp_path_factory) -> World:
    """The same world, only kpis, topology and alarms."""
    return _build(tmp_path_factory, "partial_c",
                  Delivery(feeds=PARTIAL, pm_dialects=("A", "B", "C")), 0.01)


@pytest.fixture(scope="module")
def clean_ab(tmp_path_factory) -> World:
    return _build(tmp_path_factory, "clean_ab", Delivery(), 0.0)


@pytest.fixture(scope="module")
def clean_c(tmp_path_factory) -> World:
    return _build(tmp_path_factory, "clean_c", WITH_C, 0.0)


# --- partial feeds ----------------------------------------------------------------------------

def test_feeds_writes_exactly_those_folders_with_the_full_worlds_bytes(full_c, partial_c):
    entries = {p.name for p in partial_c.path.iterdir()}
    assert entries == {*PARTIAL, "_truth", "_mappings", "manifest.json"}
    full, partial = file_hashes(full_c.path), file_hashes(partial_c.path)
    feed_files = {p: h for p, h in full.items() if p.split("/")[0] in PARTIAL}
    assert {p: h for p, h in partial.items() if p.split("/")[0] in PARTIAL} == feed_files
    assert len(feed_files) > 10 and any(p.startswith("kpis/vendor_c/") for p in feed_files)
    assert partial[MAPPING_PATH] == full[MAPPING_PATH]
    truth = [p for p in full if p.startswith("_truth/") and p != "_truth/manifest.json"]
    assert len(truth) == 5 and all(partial[p] == full[p] for p in truth)


def test_truth_manifest_says_which_feeds_were_written_and_stays_complete(full_c, partial_c):
    full, partial = full_c.manifest(), partial_c.manifest()
    assert partial["delivery"]["feeds_written"] == [f for f in FEEDS if f in PARTIAL]
    assert partial["delivery"]["feeds_not_written"] == [f for f in FEEDS if f not in PARTIAL]
    assert full["delivery"]["feeds_not_written"] == []
    assert partial["files"] == {p: e for p, e in full["files"].items()
                                if p.split("/")[0] in PARTIAL}
    assert partial["world_entities"] == full["world_entities"] == full["entities"]
    assert set(partial["entities"]) == set(full["entities"]) - {
        "customers", "services", "shared_rfs", "usage_rows", "tickets", "surveys"}
    assert all(partial["entities"][k] == full["entities"][k] for k in partial["entities"])
    clean_alarm_rows = sum(e["rows"] - e["dirty_rows"] for p, e in full["files"].items()
                           if p.startswith("alarms/"))
    assert full["entities"]["alarm_events"] == clean_alarm_rows > 0


def test_unknown_feeds_and_dialects_are_refused_with_the_valid_names():
    with pytest.raises(DeliveryError, match=r"billing is not a feed; choose among customers"):
        Delivery.parse("kpis,billing")
    with pytest.raises(DeliveryError, match="A missing"):
        Delivery.parse(None, "B,C")
    with pytest.raises(DeliveryError, match="D unknown"):
        Delivery.parse(None, "a,d")
    assert Delivery.parse(" Topology , kpis ", "c,a").feeds == ("topology", "kpis")
    assert Delivery.parse(None, "c,a").pm_dialects == ("A", "C")


def test_the_command_line_writes_only_the_named_feeds(tmp_path, monkeypatch):
    monkeypatch.setenv("CXBRIDGE_HOME", str(tmp_path / "home"))
    runner, out = CliRunner(), tmp_path / "raw"
    common = ["generate", "--scale", "0.005", "--days", "1", "--out", str(out)]
    result = runner.invoke(app, [*common, "--feeds", "customers,usage"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} == {"customers", "usage", "_truth", "manifest.json"}
    full = tmp_path / "full"
    generate_world(WorldConfig(scale=0.005, days=1), full)
    partial_files, full_files = file_hashes(out), file_hashes(full)
    assert all(full_files[p] == h for p, h in partial_files.items()
               if p.split("/")[0] in ("customers", "usage"))
    manifest = World(out, WorldConfig()).manifest()
    assert manifest["world_entities"] == World(full, WorldConfig()).manifest()["entities"]
    assert "kpi_rows" not in manifest["entities"] and manifest["world_entities"]["kpi_rows"] > 0
    bad = runner.invoke(app, [*common, "--feeds", "kpi"], terminal_width=200)
    assert bad.exit_code == 1 and "kpi is not a feed" in bad.output


# --- dialect C --------------------------------------------------------------------------------

def test_default_dialects_write_no_c_and_c_leaves_dialect_a_untouched(clean_ab, clean_c):
    assert not (clean_ab.path / "kpis" / "vendor_c").exists()
    assert not (clean_ab.path / "_mappings").exists()
    assert set(clean_ab.resources()["vendor"]) == {"A", "B"}
    resources = clean_c.resources()
    c_cells = resources.filter(pl.col("vendor") == "C")
    assert c_cells.height > 0 and set(c_cells["resource_type"]) == {"cell"}
    assert set(c_cells["region"]) == {"Munster", "Connacht"}
    ab, c = file_hashes(clean_ab.path), file_hashes(clean_c.path)
    a_files = [p for p in ab if p.startswith("kpis/vendor_a/")]
    assert a_files and all(ab[p] == c[p] for p in a_files)
    alarms = [e["event"]["alarm"] for e in clean_c.alarm_events()]
    ems = {a["sourceSystemId"] for a in alarms if a["alarmedObjectType"] == "cell"
           and a["alarmedObject"]["id"] in set(c_cells["resource_id"])}
    assert ems <= {"EMS-RAN-C"}


def _c_rows(world: World) -> pl.DataFrame:
    """Every dialect C row, with its UTC instant resolved the way the mapping says: naive
    Dublin time, the repeated hour's first rows being the earlier instant."""
    frames = []
    for path in sorted((world.path / "kpis" / "vendor_c").glob("C_PM_*.csv")):
        frame = pl.read_csv(path, separator=";", infer_schema=False)
        frames.append(frame.with_columns(
            occurrence=pl.int_range(pl.len()).over("CELL_NAME", "DATE", "TIME")))
    rows = pl.concat(frames)
    local = pl.concat_str("DATE", pl.lit(" "), "TIME").str.to_datetime("%d.%m.%Y %H:%M")
    ambiguous = pl.when(pl.col("occurrence") == 0).then(pl.lit("earliest")).otherwise(
        pl.lit("latest"))
    return rows.with_columns(
        time=local.dt.replace_time_zone("Europe/Dublin", ambiguous=ambiguous)
        .dt.convert_time_zone("UTC"),
        **{c: pl.col(c).str.replace(",", ".", literal=True).cast(pl.Float64)
           for c in C_COLUMNS[3:]})


def test_dialect_c_files_are_written_as_the_format_says(clean_c):
    files = sorted((clean_c.path / "kpis" / "vendor_c").glob("C_PM_*.csv"))
    assert [p.name for p in files] == ["C_PM_20261024.csv", "C_PM_20261025.csv",
                                       "C_PM_20261026.csv"]
    header, rows = csv_rows(files[1], ";")
    assert tuple(header) == C_COLUMNS
    assert not any(re.search(r"LOSS|JITTER", c) for c in header)
    assert set(EXTRA_COLUMNS) <= set(header)
    assert all(re.fullmatch(r"\d\d\.\d\d\.\d{4}", r[0]) and re.fullmatch(r"\d\d:\d\d", r[1])
               for r in rows)
    assert not any("." in field for r in rows for field in r[3:])
    assert any("," in r[header.index("PRB_UTIL_DL_PCT")] for r in rows)
    per_cell = Counter(r[2] for r in rows)
    repeated = Counter((r[2], r[1]) for r in rows)
    assert max(per_cell.values()) == 100  # 25 local hours on the day summer time ends
    assert {t for (_, t), n in repeated.items() if n == 2} == {"01:00", "01:15", "01:30",
                                                                "01:45"}


def test_dialect_c_carries_the_worlds_values_at_the_same_utc_instants(clean_ab, clean_c):
    c = _c_rows(clean_c)
    cells = c["CELL_NAME"].unique().implode()
    b_files = sorted((clean_ab.path / "kpis" / "vendor_b").glob("B_PM_*.csv"))
    b = pl.concat([pl.read_csv(p, separator=";", infer_schema=False) for p in b_files]).select(
        CELL_NAME=pl.col("DN").str.strip_prefix("NE="),
        time=pl.col("PERIOD_START_TIME").str.to_datetime("%Y-%m-%d %H:%M:%S%:z")
        .dt.convert_time_zone("UTC"),
        **{k: pl.col(k).cast(pl.Float64) for k in ("THRPUT_DL_KBPS", "LOAD_PERMILLE",
                                                   "AVG_RTT_US", "AVAIL_PCT", "SETUP_ATT",
                                                   "SETUP_SUCC", "ABN_REL", "ACTIVE_SESS")},
    ).filter(pl.col("CELL_NAME").is_in(cells))
    assert c.height == b.height > 0
    both = c.join(b, on=["CELL_NAME", "time"], how="inner")
    assert both.height == c.height  # every C row is a B row of the default world, and back
    assert (both["DL_THP_KBPS"] == both["THRPUT_DL_KBPS"]).all()
    assert ((both["PRB_UTIL_DL_PCT"] * 10 - both["LOAD_PERMILLE"]).abs() < 1e-6).all()
    assert ((both["PDCP_LAT_DL_MS"] * 1000 - both["AVG_RTT_US"]).abs() <= 5).all()
    assert ((both["CELL_AVAIL_PCT"] - both["AVAIL_PCT"]).abs() <= 0.005 + 1e-9).all()
    for c_column, b_column in (("RRC_SETUP_ATT", "SETUP_ATT"), ("RRC_SETUP_SUCC", "SETUP_SUCC"),
                               ("ERAB_DROPS", "ABN_REL")):
        assert (both[c_column] == both[b_column]).all(), c_column
    assert (both["ACTIVE_UE_AVG"].round(0) == both["ACTIVE_SESS"]).all()
    assert (both["RRC_CONN_MAX"] >= both["ACTIVE_SESS"]).all()
    assert both["CQI_AVG"].is_between(1, 15).all()
    assert (both["UL_THP_KBPS"] < both["DL_THP_KBPS"]).mean() > 0.95


def _number(text: str) -> bool:
    try:
        float(text.replace(",", "."))
    except ValueError:
        return False
    return True


def test_dirt_in_dialect_c_is_counted_by_kind(full_c):
    known = set(full_c.resources()["resource_id"])
    files = full_c.manifest()["files"]
    numeric = ("PRB_UTIL_DL_PCT", "ACTIVE_UE_AVG", "DL_THP_KBPS", "CELL_AVAIL_PCT")
    total = 0
    for name in (p for p in files if p.startswith("kpis/vendor_c/")):
        header, rows = csv_rows(full_c.path / name, ";")
        found, seen = Counter(), set()
        for row in rows:
            field = dict(zip(header, row, strict=False))
            if len(row) != len(header):
                found["malformed_field_count"] += 1
            elif any(field[k] == "" for k in ("DATE", "TIME", "CELL_NAME")):
                found["null_required"] += 1
            elif any(field[k] != "" and not _number(field[k]) for k in numeric):
                found["non_numeric"] += 1
            elif field["CELL_NAME"] not in known:
                found["unknown_reference"] += 1
            elif tuple(row) in seen:
                found["duplicate"] += 1
            else:
                seen.add(tuple(row))
        assert dict(found) == files[name]["dirt"], name
        total += sum(found.values())
    assert total > 0


def test_the_mapping_file_is_valid_and_names_every_column_of_the_export(clean_c):
    text = (clean_c.path / MAPPING_PATH).read_text()
    mapping = yaml.safe_load(text)
    assert text.lstrip().startswith("#")  # commented, as a user would write it
    assert mapping["vendor"] == "C" and mapping["separator"] == ";" and mapping["decimal"] == ","
    stamp = mapping["timestamp"]
    named = {stamp["date"]["column"], stamp["time"]["column"], mapping["resource_id"]["column"]}
    counters = mapping["counters"]
    assert set(counters) <= WAREHOUSE_COUNTERS
    assert not {"jitter_ms", "packet_loss_pct"} & set(counters)
    named |= {spec["column"] for spec in counters.values()}
    header = set(C_COLUMNS)
    assert named <= header and set(mapping["match"]) <= header
    assert header - named == set(EXTRA_COLUMNS) and mapping["extra_counters"] == "keep"
    assert mapping["resource_type"] == {"value": "cell"}
    assert mapping["time_zone"] == "Europe/Dublin"
    rows = _c_rows(clean_c).head(50)
    sample = "25.10.2026 01:45"
    for part in ("date", "time"):
        value = sample.split()[0 if part == "date" else 1]
        assert pl.Series([value]).str.strptime(
            pl.Date if part == "date" else pl.Time, stamp[part]["format"]).null_count() == 0
    converted = rows.select(**{name: pl.col(spec["column"]) * spec.get("scale", 1)
                               + spec.get("offset", 0) for name, spec in counters.items()})
    assert converted["unavailable_s"].is_between(0, 900).all()
    assert converted["dl_throughput_mbps"].max() < 1000  # kbit/s became Mbit/s


# --- end to end, once the ingest reads mapping files ------------------------------------------

def test_run_loads_dialect_c_through_its_mapping_with_nothing_quarantined(clean_c, tmp_path,
                                                                          monkeypatch):
    """`cxbridge run` finds the mapping in the world's own ``_mappings/`` and loads every C row
    onto the same instants and values as dialect B would (the cells' rows), with no jitter or
    loss (not measured) and the extras kept."""
    from cxbridge.platform import warehouse
    from cxbridge.platform.settings import load_settings

    home = tmp_path / "home"
    monkeypatch.setenv("CXBRIDGE_HOME", str(home))
    result = CliRunner().invoke(app, ["run", "--raw", str(clean_c.path)], terminal_width=200)
    settings = load_settings({"CXBRIDGE_HOME": str(home)})
    with warehouse.connect(settings, read_only=True) as con:
        held = warehouse.query(
            con, "select path, reason from meta.quarantine "
                 "where source = 'topology' or path like $pattern", {"pattern": "%vendor_c%"})
        files = warehouse.query(
            con, "select path, status, rows_read, rows_loaded, rows_quarantined, message "
                 "from meta.ingest_files where superseded_at is null and path like $pattern",
            {"pattern": "%vendor_c%"})
        loaded = warehouse.query(
            con, "select count(*) as n, count(jitter_ms) as jitter, "
                 "count(packet_loss_pct) as loss, count(sessions) as sessions, "
                 "count(distinct interval_start) as instants "
                 "from stg.kpi_15min where vendor = 'C'")
    assert held.height == 0, held.head(5).rows()
    assert result.exit_code == 0, result.output
    c = _c_rows(clean_c)
    assert files.height == 3 and set(files["status"]) == {"loaded"}, files
    assert files["rows_quarantined"].sum() == 0 and files["rows_loaded"].sum() == c.height
    assert all(column in message for message in files["message"] for column in EXTRA_COLUMNS)
    assert loaded.row(0) == (c.height, 0, 0, c.height, c["time"].n_unique())
