"""Incremental rebuild: a new day of feeds recomputes only the days it touches, and the result
is the same as rebuilding everything."""

from __future__ import annotations

import shutil
from datetime import date, timedelta

import pytest

from cxbridge.jobs import flow
from cxbridge.lab.generate import WorldConfig, generate_world
from cxbridge.models.graph import model_graph
from cxbridge.platform import transform, warehouse
from cxbridge.platform.settings import load_settings

START, DAYS = date(2026, 10, 10), 6
LAST = START + timedelta(days=DAYS - 1)
DATED_FOLDERS = ("kpis/vendor_a", "kpis/vendor_b", "alarms", "usage", "tickets", "surveys")


def _held_back(raw, day: date) -> list:
    """The files of ``day`` in every dated feed (vendor B files by local day: same name)."""
    stamp = day.strftime("%Y%m%d")
    return [p for folder in DATED_FOLDERS for p in (raw / folder).glob(f"*{stamp}*")]


def _partitioned_tables() -> list[str]:
    return [m.table for m in model_graph().models if m.partitioned]


def _differences(con, table: str, other: str) -> tuple[int, int, float]:
    """Rows of ``table`` with no equal row in ``other`` (and back), matching every column
    exactly except doubles, which may differ by summation order (relative 1e-9)."""
    columns = warehouse.query(con, f"describe {table}").select("column_name", "column_type")
    exact = [c for c, t in columns.iter_rows() if t != "DOUBLE"]
    doubles = [c for c, t in columns.iter_rows() if t == "DOUBLE"]
    on = " and ".join(f"a.{c} is not distinct from b.{c}" for c in exact)
    worst = " , ".join(f"case when a.{c} is not distinct from b.{c} then 0 else "
                       f"coalesce(abs(a.{c} - b.{c}) / greatest(abs(a.{c}), 1e-9), 1) end"
                       for c in doubles) or "0"
    unmatched_a, unmatched_b, deviation = warehouse.rows(con, f"""
        select count(*) filter (where b.{exact[0]} is null and a.{exact[0]} is not null),
               count(*) filter (where a.{exact[0]} is null and b.{exact[0]} is not null),
               coalesce(max(greatest({worst}, 0)), 0)
        from {table} a full join {other} b on {on}""")[0]
    return unmatched_a, unmatched_b, deviation


@pytest.fixture(scope="module")
def incremental_world(tmp_path_factory):
    home = tmp_path_factory.mktemp("incremental")
    settings = load_settings({"CXBRIDGE_HOME": str(home), "CXBRIDGE_CONFIG": ""})
    generate_world(WorldConfig(scale=0.01, days=DAYS, seed=5, start=START, dirt_rate=0.0),
                   out_dir=settings.raw_dir)
    parked = home / "parked"
    parked.mkdir()
    moved = []
    for path in _held_back(settings.raw_dir, LAST):
        target = parked / path.relative_to(settings.raw_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(path, target)
        moved.append((target, path))
    first = flow.run(settings)
    for target, path in moved:
        shutil.move(target, path)
    second = flow.run(settings)
    return settings, first, second, len(moved)


def test_a_new_day_rebuilds_only_the_days_it_touches(incremental_world):
    _, first, second, moved = incremental_world
    assert moved >= 4
    assert first.build.mode == "full"
    assert second.build.mode == "incremental"
    # the new day, plus the day before it: vendor B's local-day file reaches back over UTC
    # midnight, and alarms open across midnight touch it
    assert LAST in second.build.days
    assert set(second.build.days) <= {LAST - timedelta(days=k) for k in range(3)}
    assert len(second.build.days) < len(first.build.days)


def test_the_incremental_result_equals_a_full_rebuild(incremental_world):
    settings, *_ = incremental_world
    with warehouse.connect(settings) as con:
        for table in _partitioned_tables():
            con.execute(f"create table {table}_incremental as select * from {table}")
        report = transform.build(con, model_graph(), full=True)
        assert report.mode == "full"
        for table in _partitioned_tables():
            only_full, only_incremental, deviation = _differences(
                con, table, f"{table}_incremental")
            assert (only_full, only_incremental) == (0, 0), table
            assert deviation < 1e-9, table
            assert warehouse.scalar(con, f"select count(*) from {table}") == warehouse.scalar(
                con, f"select count(*) from {table}_incremental") > 0, table


def test_scoring_a_few_days_at_a_time_gives_the_rows_of_one_pass(incremental_world,
                                                                 monkeypatch):
    settings, *_ = incremental_world
    scored = next(m.table for m in model_graph().models if m.python and m.partitioned)
    with warehouse.connect(settings) as con:
        assert len(transform.build(con, model_graph(), full=True).days) > 2
        con.execute(f"create table one_pass as select * from {scored}")
        monkeypatch.setattr(transform, "PYTHON_BATCH_DAYS", 2)  # three batches
        transform.build(con, model_graph(), full=True)
        only_batched, only_one_pass, deviation = _differences(con, scored, "one_pass")
        rows = warehouse.scalar(con, f"select count(*) from {scored}")
        con.execute("drop table one_pass")
    assert (only_batched, only_one_pass) == (0, 0) and deviation < 1e-9
    assert rows > 0


def test_a_full_build_in_day_batches_writes_the_tables_of_one_pass(incremental_world,
                                                                  monkeypatch):
    """A full build writes each partitioned SQL model a few days at a time once the day feeds
    hold more than FULL_BUILD_BATCH_ROWS rows a batch: the tables are those of one pass (the
    Python-scored ones too, which see the whole scope again after the batches)."""
    settings, *_ = incremental_world
    tables = [m.table for m in model_graph().models if m.partitioned]
    sql_models = sum(1 for m in model_graph().models if m.partitioned and not m.python)
    batches: list[list] = []
    real = transform._day_batches

    def recording(con, size):
        for first, days in real(con, size):
            batches.append(days)
            yield first, days

    with warehouse.connect(settings) as con:
        days = transform.build(con, model_graph(), full=True).days
        for table in tables:
            con.execute(f"create table {table}_one_pass as select * from {table}")
        feed_rows = warehouse.scalar(con, "select count(*) from stg.kpi_15min")
        # two days' worth of the counters a batch
        monkeypatch.setattr(transform, "FULL_BUILD_BATCH_ROWS", 2 * feed_rows / len(days) + 1)
        monkeypatch.setattr(transform, "_day_batches", recording)
        transform.build(con, model_graph(), full=True)
        for table in tables:
            only_batched, only_one_pass, deviation = _differences(con, table,
                                                                  f"{table}_one_pass")
            assert (only_batched, only_one_pass) == (0, 0) and deviation < 1e-9, table
            assert warehouse.scalar(con, f"select count(*) from {table}") > 0, table
            con.execute(f"drop table {table}_one_pass")
    per_model = (len(days) + 1) // 2
    sql_batches = [b for b in batches if len(b) <= 2]
    assert len(days) > 2 and len(sql_batches) == per_model * sql_models > 0
    assert sorted(d for b in sql_batches[:per_model] for d in b) == sorted(days)


def test_a_row_wise_step_sees_a_bounded_number_of_rows_at_a_time(incremental_world,
                                                                 monkeypatch):
    """A step declared ``python_batch: rows`` (the experience index) is handed at most
    PYTHON_BATCH_ROWS rows at a time, and the table is the one a single pass gives."""
    settings, *_ = incremental_world
    scored = next(m for m in model_graph().models if m.python_batch == "rows")
    heights: list[int] = []
    real = transform._step_rows

    def counting(graph, model, frame):
        if model.table == scored.table:
            heights.append(frame.height)
        return real(graph, model, frame)

    with warehouse.connect(settings) as con:
        transform.build(con, model_graph(), full=True)
        con.execute(f"create table one_pass as select * from {scored.table}")
        total = warehouse.scalar(con, f"select count(*) from {scored.table}")
        limit = total // 10 + 1
        monkeypatch.setattr(transform, "PYTHON_BATCH_ROWS", limit)
        monkeypatch.setattr(transform, "_step_rows", counting)
        transform.build(con, model_graph(), full=True)
        only_batched, only_one_pass, deviation = _differences(con, scored.table, "one_pass")
        con.execute("drop table one_pass")
    assert (only_batched, only_one_pass) == (0, 0) and deviation < 1e-9
    assert sum(heights) == total > 0 and max(heights) <= limit and len(heights) >= 10


def test_a_run_with_nothing_new_rebuilds_nothing(incremental_world):
    settings, *_ = incremental_world
    third = flow.run(settings)
    assert third.build.mode == "unchanged" and third.build.days == ()


def test_a_service_day_on_one_access_resource_scores_as_the_weighted_mean_would(
        incremental_world):
    """marts.service_daily takes a service-day carried by one access resource without the
    GROUP BY of those on several: the same rows as when every service-day goes through it."""
    settings, *_ = incremental_world
    sql = next(m.sql for m in model_graph().models
               if m.table == "marts.service_daily").read_text(encoding="utf-8")
    one_path = (sql.replace("and s.resources = 1", "and false")
                .replace("and s.resources <> 1", "and true"))
    assert one_path.count("and false") == one_path.count("and true") == 1
    with warehouse.connect(settings) as con:
        on_one, on_many = warehouse.rows(con, "select count(*) filter (where resources = 1), "
                                              "count(*) filter (where resources > 1) "
                                              "from core.service_access_shares")[0]
        assert on_one > 0 and on_many > 0  # both ways are taken in this world
        con.execute("create or replace temp table _scope as "
                    "select distinct date from stg.usage")
        con.execute(f"create temp table split_paths as {sql}")
        con.execute(f"create temp table aggregated as {one_path}")
        only_split, only_aggregated, deviation = _differences(con, "split_paths", "aggregated")
        assert (only_split, only_aggregated) == (0, 0) and deviation < 1e-12
        assert warehouse.scalar(con, "select count(*) from split_paths") == warehouse.scalar(
            con, "select count(*) from marts.service_daily")
