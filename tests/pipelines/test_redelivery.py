"""Re-deliveries never delete data silently, and a file keeps its identity when the raw folder
moves (issue 16, items 4 and 6).

A small generated world (scale 0.01, 3 days) is ingested once per module; each test works on
its own copy of the raw folder and the warehouse (a copy of the raw folder is itself a move:
the copied warehouse registered every file under the first folder's absolute paths)."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cxbridge.app.cli import app
from cxbridge.jobs import flow
from cxbridge.lab.generate import WorldConfig, generate_world
from cxbridge.platform import ingest, warehouse
from cxbridge.platform.ingest.loader import file_identity, shrink_of
from cxbridge.platform.settings import SettingsError, load_settings

KPI = "kpis/vendor_a/A_PM_20261003.csv"
TICKETS = "tickets/tickets_20261002.csv"


def _settings(home: Path):
    return load_settings({"CXBRIDGE_HOME": str(home), "CXBRIDGE_CONFIG": ""})


def _ingest(settings, raw: Path, **options):
    """What ``cxbridge run --raw RAW`` ingests, as it ingests it."""
    with warehouse.connect(settings) as con:
        return ingest.ingest_many(con, ingest.discover(raw), "t", raw_root=raw, **options)


def _query(settings, sql: str, params=None) -> list[tuple]:
    with warehouse.connect(settings, read_only=True) as con:
        return warehouse.rows(con, sql, params)


def _current(settings, rel_path: str) -> list[tuple]:
    """(status, file_id, rows_read, rows_loaded, rows_quarantined, message) of the current
    versions of one file, oldest first."""
    return _query(settings, "select status, file_id, rows_read, rows_loaded, rows_quarantined, "
                            "message from meta.ingest_files where rel_path = $r and "
                            "superseded_at is null order by ingested_at", {"r": rel_path})


def _rows_of(settings, table: str, file_id: str) -> int:
    return _query(settings, f"select count(*) from {table} where _file_id = $f",
                  {"f": file_id})[0][0]


def _staging_counts(settings) -> dict[str, int]:
    with warehouse.connect(settings, read_only=True) as con:
        tables = [t for (t,) in warehouse.rows(
            con, "select table_name from duckdb_tables() where schema_name = 'stg'")]
        return {t: warehouse.scalar(con, f"select count(*) from stg.{t}") for t in tables}


def _keep_share(path: Path, share: float) -> None:
    """Cut a delimited file to its header and the first ``share`` of its lines."""
    header, *lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text(header + "".join(lines[:int(len(lines) * share)]), encoding="utf-8")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    base = tmp_path_factory.mktemp("redelivery")
    raw = base / "raw"
    generate_world(WorldConfig(scale=0.01, days=3, seed=3, start=date(2026, 10, 1)),
                   out_dir=raw)
    settings = _settings(base / "home")
    settings.ensure_dirs()
    results = _ingest(settings, raw)
    assert {r.status for r in results} <= {"loaded", "empty"}
    return raw, settings.warehouse_dir


@pytest.fixture
def world(built, tmp_path):
    """(settings, raw folder): this test's copy of the built world."""
    raw, warehouse_dir = built
    settings = _settings(tmp_path / "home")
    shutil.copytree(raw, tmp_path / "raw")
    shutil.copytree(warehouse_dir, settings.warehouse_dir)
    settings.ensure_dirs()
    return settings, tmp_path / "raw"


@pytest.fixture
def cli(world, monkeypatch):
    settings, _ = world
    monkeypatch.setenv("CXBRIDGE_HOME", str(settings.home))
    monkeypatch.setenv("CXBRIDGE_CONFIG", "")
    runner = CliRunner()
    return lambda *args: runner.invoke(app, list(map(str, args)), terminal_width=200)


def test_a_truncated_kpi_redelivery_is_held_until_accepted(world, cli):
    settings, raw = world
    ((_, loaded_id, _, loaded_before, _, _),) = _current(settings, KPI)
    total = _rows_of_all(settings)
    _keep_share(raw / KPI, 0.3)

    result = cli("ingest", "kpis", raw / KPI)
    assert result.exit_code == 2, result.output
    assert "Held" in result.output and "A_PM_20261003.csv" in result.output
    (old, held) = _current(settings, KPI)
    assert old[:4] == ("loaded", loaded_id, old[2], loaded_before)
    assert held[0] == "held" and held[3] == 0 and held[2] == held[4] > 0  # read = quarantined
    # every row the earlier version loaded is still there, nothing of the new one
    assert _rows_of(settings, "stg.kpi_15min", loaded_id) == loaded_before > 1000
    assert _rows_of_all(settings) == total
    message = held[5]
    would_load = int(message.split("would load ")[1].split(" rows")[0].replace(",", ""))
    shrink = round(100 * (loaded_before - would_load) / loaded_before)
    assert 60 <= shrink <= 80
    assert message.startswith(f"{KPI}: this version would load {would_load:,} rows where the "
                              f"loaded one has {loaded_before:,} (\u2212{shrink} %)")
    assert f"cxbridge ingest kpis --accept-shrink {raw / KPI}" in message

    again = cli("ingest", "kpis", raw / KPI)  # not "unchanged": held again
    assert again.exit_code == 2 and "1 held" in again.output
    assert [v[0] for v in _current(settings, KPI)] == ["loaded", "held"]

    accepted = cli("ingest", "kpis", "--accept-shrink", raw / KPI)
    assert accepted.exit_code == 0, accepted.output
    ((status, new_id, _, loaded_now, _, _),) = _current(settings, KPI)
    assert (status, loaded_now) == ("replaced", would_load)  # as the held message said
    assert _rows_of(settings, "stg.kpi_15min", loaded_id) == 0
    assert _rows_of(settings, "stg.kpi_15min", new_id) == would_load
    assert _rows_of_all(settings) == total - loaded_before + would_load
    assert _query(settings, "select count(*) from meta.quarantine where reason like 'held%'"
                  ) == [(0,)]


def _rows_of_all(settings) -> int:
    return _query(settings, "select count(*) from stg.kpi_15min")[0][0]


def test_a_header_only_tickets_redelivery_is_held(world):
    settings, raw = world
    ((_, loaded_id, _, loaded_before, _, _),) = _current(settings, TICKETS)
    tickets = _staging_counts(settings)["tickets"]
    original = (raw / TICKETS).read_text(encoding="utf-8")
    header, first = original.splitlines(keepends=True)[:2]
    (raw / TICKETS).write_text(header, encoding="utf-8")

    (held,) = [r for r in _ingest(settings, raw) if r.status != "unchanged"]
    assert (held.status, held.rows_read, held.rows_loaded, held.rows_quarantined) == (
        "held", 0, 0, 0)
    assert held.message.startswith(f"{TICKETS}: this version has no data rows where the "
                                   f"loaded one has {loaded_before:,} (\u2212100 %)")
    assert _staging_counts(settings)["tickets"] == tickets
    assert _rows_of(settings, "stg.tickets", loaded_id) == loaded_before > 0

    # changed again, still far too small: held, in place of the earlier held version
    (raw / TICKETS).write_text(header + first, encoding="utf-8")
    (again,) = [r for r in _ingest(settings, raw) if r.status != "unchanged"]
    assert (again.status, again.rows_read, again.rows_quarantined) == ("held", 1, 1)
    assert [v[0] for v in _current(settings, TICKETS)] == ["loaded", "held"]

    # back to the version that is loaded: unchanged, and nothing waits to be accepted
    (raw / TICKETS).write_text(original, encoding="utf-8")
    assert {r.status for r in _ingest(settings, raw)} == {"unchanged"}
    assert [v[0] for v in _current(settings, TICKETS)] == ["loaded"]
    assert _query(settings, "select count(*) from meta.quarantine where reason like 'held%'"
                  ) == [(0,)]


def test_a_growth_or_a_small_shrink_replaces_as_before(world):
    settings, raw = world
    ((_, _, _, loaded_before, _, _),) = _current(settings, KPI)
    total = _rows_of_all(settings)
    original = (raw / KPI).read_text(encoding="utf-8")
    _keep_share(raw / KPI, 0.9)  # −10 %: under the default 20 %
    (smaller,) = [r for r in _ingest(settings, raw) if r.status != "unchanged"]
    assert smaller.status == "replaced" and 0 < smaller.rows_loaded < loaded_before
    assert _rows_of_all(settings) == total - loaded_before + smaller.rows_loaded

    (raw / KPI).write_text(original, encoding="utf-8")  # grows back
    (grown,) = [r for r in _ingest(settings, raw) if r.status != "unchanged"]
    assert (grown.status, grown.rows_loaded) == ("replaced", loaded_before)
    assert _rows_of_all(settings) == total

    # the allowed share is a setting: −70 % passes under max_shrink 0.8
    _keep_share(raw / TICKETS, 0.3)
    (cut,) = [r for r in _ingest(settings, raw, max_shrink=0.8) if r.status != "unchanged"]
    assert cut.status == "replaced"
    assert _staging_counts(settings)["tickets"] == _query(
        settings, "select sum(rows_loaded) from meta.ingest_files where source = 'tickets' "
                  "and superseded_at is null")[0][0]


def test_moving_the_raw_folder_changes_nothing(world, tmp_path):
    settings, raw = world
    counts = _staging_counts(settings)
    quarantined = _query(settings, "select count(*) from meta.quarantine")
    size = settings.warehouse_path.stat().st_size
    moved = tmp_path / "elsewhere" / "feeds"
    moved.parent.mkdir()
    shutil.move(raw, moved)

    results = _ingest(settings, moved)
    assert len(results) > 20 and {r.status for r in results} == {"unchanged"}
    assert sum(r.rows_quarantined for r in results) == 0
    assert _staging_counts(settings) == counts
    assert _query(settings, "select count(*) from meta.quarantine") == quarantined
    assert settings.warehouse_path.stat().st_size <= size * 1.03
    # where each file was last seen is kept, for display
    assert _query(settings, "select count(*) from meta.ingest_files where superseded_at is "
                            "null and not starts_with(path, $p)", {"p": f"{moved}/"}) == [(0,)]
    # a byte-identical copy at another relative path is still a copy
    source = moved / TICKETS
    shutil.copy(source, source.with_name("tickets_again.csv"))
    (copy,) = [r for r in _ingest(settings, moved) if r.status != "unchanged"]
    assert (copy.status, copy.rows_loaded) == ("rejected", 0)
    assert copy.rows_quarantined == copy.rows_read > 0
    assert "identical to" in copy.message and str(source) in copy.message


def test_a_warehouse_registered_by_absolute_path_survives_a_move(world, tmp_path):
    settings, raw = world
    counts = _staging_counts(settings)
    with warehouse.connect(settings) as con:  # as the previous version stored its files
        con.execute("alter table meta.ingest_files drop column rel_path")
    moved = tmp_path / "moved"
    shutil.move(raw, moved)

    results = _ingest(settings, moved)
    assert {r.status for r in results} == {"unchanged"}
    assert _staging_counts(settings) == counts
    assert _query(settings, "select rel_path from meta.ingest_files where path like $p",
                  {"p": "%/A_PM_20261003.csv"}) == [(KPI,)]


def test_a_run_finds_a_moved_raw_folder_unchanged_and_holds_a_shrunk_file(settings, tiny_raw,
                                                                          tmp_path):
    flow.run(settings, tiny_raw)
    moved = tmp_path / "moved_raw"
    shutil.move(tiny_raw, moved)
    summary = flow.run(settings, moved)
    assert summary.status == "ok" and {f.status for f in summary.files} == {"unchanged"}
    assert summary.build.mode == "unchanged"
    tickets = moved / "tickets" / "tickets_20261001.csv"
    tickets.write_text(tickets.read_text().splitlines(keepends=True)[0])  # header only
    held = flow.run(settings, moved)
    assert [f.path for f in held.held] == [str(tickets)] and held.status == "rejected_files"
    assert _query(settings, "select count(*) from stg.tickets") == [(1,)]
    assert _query(settings, "select status, message from meta.runs order by started_at desc "
                            "limit 1") == [("rejected_files", "1 re-delivered file(s) held")]


def test_a_file_is_known_by_its_path_in_its_raw_folder():
    kpis = ingest.source("kpis")
    raw = Path("/srv/feeds/raw")
    inside = raw / "kpis" / "vendor_a" / "x.csv"
    assert file_identity(kpis, inside, raw) == "kpis/vendor_a/x.csv"
    # without the raw folder (cxbridge ingest of one file): from the folder named after the
    # source, the outermost one, so two files of one raw folder never share an identity
    assert file_identity(kpis, inside) == "kpis/vendor_a/x.csv"
    assert file_identity(kpis, raw / "kpis" / "kpis" / "x.csv") == "kpis/kpis/x.csv"
    assert file_identity(kpis, Path("/tmp/export.csv")) == "/tmp/export.csv"
    assert file_identity(kpis, Path("/tmp/export.csv"), raw) == "/tmp/export.csv"


def test_shrink_is_the_share_of_the_loaded_rows_a_version_removes():
    assert shrink_of(5674, 1702) == pytest.approx(0.70, abs=0.001)
    assert (shrink_of(100, 120), shrink_of(9, 0), shrink_of(0, 0)) == (0.0, 1.0, 0.0)


def test_max_shrink_is_read_from_the_config_file(tmp_path):
    config = tmp_path / "cxbridge.toml"
    config.write_text("[ingest]\nmax_shrink = 0.5\n", encoding="utf-8")
    env = {"CXBRIDGE_HOME": str(tmp_path), "CXBRIDGE_CONFIG": str(config)}
    assert load_settings(env).ingest_max_shrink == 0.5
    assert _settings(tmp_path).ingest_max_shrink == 0.2
    config.write_text("[ingest]\nmax_shrink = 20\n", encoding="utf-8")
    with pytest.raises(SettingsError, match=r"\[ingest\] max_shrink is 20: .* between 0 and 1"):
        load_settings(env)
