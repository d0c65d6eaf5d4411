"""SQL transforms: staging → core → marts, one model per SQL file, run in the order their
declared inputs give (pipelines/platform/model_graph.py: each file's header says its table, kind,
grain, inputs and feeds), each audited against its grain as soon as it is built.

Two kinds of model:

* **whole** models (the service model: customers' services, the resource hierarchy, paths)
  rebuild their table from scratch: ``create or replace table … as`` inside the file;
* **partitioned** models hold one slice per UTC ``date``. Their file is a single ``select``
  that reads only the days listed in the temporary table ``_scope``; the runner wraps it, so
  the same SQL serves a full build (every day, a few days in scope at a time once the feeds
  are big: :data:`FULL_BUILD_BATCH_ROWS`) and an incremental one (delete the days in scope,
  insert them again).

Incremental rebuild: after each build the runner records a fingerprint of every staging table
(per day for the dated feeds) in ``meta.build_state``. The next build compares: if the service
model's inputs (catalog, topology, customers, services) or the models themselves changed
(their SQL, the macros, the source of their Python steps), everything is rebuilt; otherwise
only the days whose feeds changed are, plus the days those touch — a day's usage also sets
the cell shares of the seven days after it, an alarm's events touch every day the alarm was
open, and newer counters move the end of an alarm never cleared (the day the counters ended on
is rebuilt). A day whose counters and usage are gone (a re-delivery removed them) is deleted
from every partitioned table, as a full build would not have it.

Crash safety: before the first model writes, the build records itself as under way in
``meta.build_pending`` (its mode, and for an incremental build its days), committed; the job
removes that record only once every model and every later stage (churn, incidents) is done
(:func:`finish_build`). A build killed at any point therefore leaves the record, and the next
build redoes it whatever ``meta.build_state`` says: everything after an interrupted full build,
the interrupted days plus whatever changed since after an incremental one (statements are
committed one by one, so a table may hold half of those days: redoing them deletes and writes
them again).

The few models that read what the job's later stages build (churn scores, the incident models:
the graph's ``after_stages``) run after those stages, when the job publishes
(:func:`build_after_stages`). What a snapshot holds is the snapshot contract's
(:mod:`cxbridge.platform.snapshot`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

import duckdb
import polars as pl

from cxbridge.platform.ingest import SOURCES
from cxbridge.platform.ingest.staging import ensure_staging_tables
from cxbridge.platform.model_graph import Model, ModelGraph, ModelGraphError, audit
from cxbridge.platform.warehouse import (
    SQL_DIR,
    create_table_as,
    execute_sql_file,
    is_one_query,
    query,
    read_sql,
    rows,
    scalar,
    table_exists,
    transaction,
)

# Days of a model with a Python step scored at a time (see _run_python), and, for a step
# that scores each row on its own (-- python_batch: rows), the most rows in Python at once:
# with one batch scored while the one before is written, 500,000 rows took the experience
# index at scale 10 to 7.6 GB (a 6 GB DuckDB limit); 250,000 to 7.0 GB, in the same time.
PYTHON_BATCH_DAYS = 7
PYTHON_BATCH_ROWS = 250_000
# A full build writes a partitioned SQL model this many rows of the day feeds at a time (whole
# days, at least one; see _batch_days): at scale 10 the month's joins and aggregations in one
# statement outgrew DuckDB's memory limit and spilled, 18× the time of scale 1 for 10× the rows.
# At 30 M (7 days at scale 10) marts.service_daily ran at a 6 GB limit's edge (2.8 GB spilled,
# 52 s for 7 days) and one run in three failed to pin a block; at 20 M (4 days) it spills
# 0.24 GB and takes 21 s for 4 days. Scale 1 still builds its month in one batch.
FULL_BUILD_BATCH_ROWS = 20_000_000


# The service model's inputs: any change to these rebuilds every day.
DIMENSIONS = ("stg.catalog_specs", "stg.customers", "stg.services", "stg.service_links",
              "stg.service_resources", "stg.resources", "stg.resource_links")

# Dated feeds: table → the expression giving a row's UTC day.
FEEDS: dict[str, str] = {
    "stg.kpi_15min": "cast(interval_start as date)",
    "stg.usage": "date",
    "stg.alarm_events": "cast(event_time as date)",
    "stg.tickets": "cast(created_at as date)",
    "stg.surveys": "cast(responded_at as date)",
    "stg.ue_measurements": "cast(measured_at as date)",
}
SHARE_WINDOW_DAYS = 7  # core/service_access_shares.sql: a day's usage sets the next 7 days' shares


@dataclass(frozen=True)
class BuildReport:
    mode: str               # "full", "incremental" or "unchanged"
    days: tuple[date, ...]  # the days rebuilt
    reason: str
    dropped: tuple[date, ...] = ()  # days no feed holds any more: deleted from the marts


class ModelRunner(Protocol):
    """Another engine's way of building every model (pipelines/platform/spark_engine.py).

    Called with the warehouse, the graph, the days and the progress callback, it leaves each
    model's table in the warehouse, as :func:`_run_models` does. ``incremental``: only ``days``
    changed, and the engine's own tables are those of the build ``continues_from`` was asked
    about (it replaces only those days' partitions); otherwise every day is rebuilt. The engine
    keeps its own tables between builds, so it says whether they are those of the warehouse's
    last build (``continues_from``: the digest :func:`build_digest` of that build's
    fingerprints) and is told each build's digest once the warehouse has recorded it
    (``record``)."""

    def __call__(self, con: duckdb.DuckDBPyConnection, graph: ModelGraph,
                 days: tuple[date, ...], on_model: Callable[[str], None] | None,
                 incremental: bool) -> None: ...

    def continues_from(self, build: str) -> bool: ...

    def record(self, build: str) -> None: ...


def build_digest(prints: dict[tuple[str, date | None], str]) -> str:
    """One digest of a build's fingerprints (:func:`_fingerprints`)."""
    text = "\n".join(f"{name}|{day}|{value}" for (name, day), value
                     in sorted(prints.items(), key=lambda item: (item[0][0], str(item[0][1]))))
    return hashlib.sha256(text.encode()).hexdigest()


def build(con: duckdb.DuckDBPyConnection, graph: ModelGraph,
          on_model: Callable[[str], None] | None = None,
          full: bool = False, finish: bool = True,
          runner: ModelRunner | None = None) -> BuildReport:
    """Bring every model of ``graph`` up to date with the staging tables; rebuild only the days
    that changed unless ``full`` (or unless the service model, the models' SQL or their Python
    steps changed, or the last build was interrupted). ``finish=False``: the build stays
    recorded as under way until the caller's later stages are done too and it calls
    :func:`finish_build`. ``runner``: build the models on another engine (incrementally too
    when its tables are those of the last build, else every day); each table it leaves in the
    warehouse is audited here as DuckDB's own would be."""
    # a feed never loaded is an empty table: every model runs on what did arrive
    ensure_staging_tables(con, SOURCES)
    execute_sql_file(con, "meta/build_state.sql")
    now = _fingerprints(con, graph)
    before = _stored_fingerprints(con)
    report = _plan(con, before, now, full, _pending(con))
    if runner is not None and report.mode == "incremental" and report.dropped:
        report = BuildReport("full", _all_days(con),
                             f"{report.reason}; days dropped from the feeds: the engine rebuilds "
                             f"every day")
    elif (runner is not None and report.mode == "incremental"
            and not runner.continues_from(build_digest(before))):
        report = BuildReport("full", _all_days(con),
                             f"{report.reason}; the engine's own tables are not those of the "
                             f"last build, so it rebuilds every day")
    if report.mode != "unchanged":
        _mark_pending(con, report)
        if runner is None:
            _run_models(con, graph, report, on_model)
        else:
            runner(con, graph, report.days, on_model,
                   incremental=report.mode == "incremental")
            for model in graph.models:
                audit(con, model)
        _store_fingerprints(con, now)
        if runner is not None:
            runner.record(build_digest(now))
        if finish:
            finish_build(con)
    return report


def finish_build(con: duckdb.DuckDBPyConnection) -> None:
    """Record that the build and every stage after it are done: the next build starts from
    ``meta.build_state`` alone (see the module's "Crash safety")."""
    execute_sql_file(con, "meta/build_state.sql")
    con.execute("delete from meta.build_pending")


def _pending(con) -> tuple[str | None, set[date]]:
    """The mode and days of a build that started and never finished (None: there is none)."""
    found = rows(con, "select mode, day from meta.build_pending")
    modes = {mode for mode, day in found if day is None}
    mode = "full" if "full" in modes else (modes.pop() if modes else None)
    return mode, {day for _, day in found if day is not None}


def _mark_pending(con, report: BuildReport) -> None:
    """Record the build as under way, committed before any model writes."""
    with transaction(con):
        con.execute("delete from meta.build_pending")
        con.execute("insert into meta.build_pending select $mode, null "
                    "union all select $mode, unnest(cast($days as date[]))",
                    {"mode": report.mode, "days": list(report.days + report.dropped)})


def build_after_stages(con: duckdb.DuckDBPyConnection, graph: ModelGraph,
                       on_model: Callable[[str], None] | None = None) -> tuple[str, ...]:
    """Build the models that read what the job's later stages build (``graph.after_stages``:
    the KPI tables over the churn scores and the incident models), each audited as it is built.
    They are whole and small, so they are rebuilt every time. A model whose inputs a stage has
    not built (no churn scores yet) is not built, and an older copy of its table is dropped, so
    that nothing stale is published. Returns the tables built."""
    built = []
    for model in graph.after_stages:
        if all(table_exists(con, table) for table in model.inputs):
            execute_sql_file(con, model.sql)
            audit(con, model)
            built.append(model.table)
        else:
            con.execute(f"drop table if exists {model.table}")
        if on_model:
            on_model(model.label)
    return tuple(built)


def _run_models(con, graph: ModelGraph, report: BuildReport, on_model) -> None:
    # big create-table-as statements need not keep their input order: far less memory
    con.execute("set preserve_insertion_order = false")
    con.execute("create or replace temp table _scope (date date)")
    _insert_scope(con, report.days)
    # the days an incremental build deletes: those it rebuilds and those no feed holds any more
    con.execute("create or replace temp table _replaced as select date from _scope "
                "union select unnest(cast($days as date[]))", {"days": list(report.dropped)})
    batch_days = _batch_days(con, report.days)
    try:
        for model in graph.models:
            rebuild = report.mode == "full" or not table_exists(con, model.table)
            if not model.partitioned and model.python:
                _run_whole_python(con, graph, model)
            elif not model.partitioned:
                _run_whole(con, model)
            else:
                _run_partitioned(con, graph, model, rebuild=rebuild, batch_days=batch_days)
            # the table against its declared grain and not-null columns before anything reads
            # it (a partitioned table: the days just written)
            audit(con, model, scoped=not rebuild)
            if on_model:
                on_model(model.label)
    finally:
        con.execute("drop table if exists _scope")
        con.execute("drop table if exists _replaced")


def _step_rows(graph: ModelGraph, model: Model, frame: pl.DataFrame) -> pl.DataFrame:
    """``model``'s Python step on ``frame``, refused when a column has no type DuckDB can store
    (polars ``Object``, or ``Null``: a list of Python values, or no values at all, as an empty
    day gives). Caught here, on every batch, it names the step instead of failing in DuckDB."""
    step_rows = graph.apply(model, frame)
    untyped = [name for name, dtype in step_rows.schema.items() if dtype in (pl.Null, pl.Object)]
    if untyped:
        raise ModelGraphError(
            f"{model.label}: its Python step {model.python!r} gave the column(s) "
            f"{', '.join(untyped)} no type ({frame.height} input rows); give them a polars "
            "dtype (pl.Series(name, values, dtype=…)), so that an empty or all-null batch "
            "has one too")
    return step_rows


def _run_whole(con, model: Model) -> None:
    """A whole model: its file's statements (``create or replace table … as …``), or, when the
    file is one SELECT (a model whose rows something else also reads on their own, as the live
    refold does core.alarm_lifecycles'), that SELECT written as the table."""
    select = read_sql(model.sql)
    if is_one_query(select):
        create_table_as(con, model.table, select)
    else:
        execute_sql_file(con, model.sql)


def _run_whole_python(con, graph: ModelGraph, model: Model) -> None:
    """A whole model with a Python step: its file is one SELECT, the step's frame the table."""
    con.register("_python_model_rows", _step_rows(graph, model, query(con, read_sql(model.sql))))
    try:
        con.execute(f"create schema if not exists {model.table.split('.')[0]}")
        con.execute(f"create or replace table {model.table} as "
                    "select * from _python_model_rows")
    finally:
        con.unregister("_python_model_rows")


def _insert_scope(con, days) -> None:
    """Put ``days`` in _scope (none at all when no dated feed has arrived yet)."""
    con.execute("insert into _scope select unnest(cast($days as date[]))", {"days": list(days)})


def _run_partitioned(con, graph: ModelGraph, model: Model, rebuild: bool,
                     batch_days: int | None = None) -> None:
    """Write the days in _scope: the whole table when ``rebuild`` (``batch_days`` days at a
    time, see :func:`_batch_days`), else replace those days."""
    if model.python:
        _run_python(con, graph, model, rebuild)
        return
    select = read_sql(model.sql)
    if rebuild:
        con.execute(f"create schema if not exists {model.table.split('.')[0]}")
        with closing(_day_batches(con, batch_days)) as batches:
            for first, _ in batches:
                if first:
                    con.execute(f"create or replace table {model.table} as "
                                f"select * from ({select})")
                else:
                    con.execute(f"insert into {model.table} by name ({select})")
    else:
        with transaction(con):
            con.execute(f"delete from {model.table} where date in (select date from _replaced)")
            con.execute(f"insert into {model.table} by name ({select})")


def _batch_days(con, days) -> int:
    """How many days of _scope a full build writes at a time: as many as hold
    :data:`FULL_BUILD_BATCH_ROWS` rows of the biggest day feed (counters or usage), going by
    its mean day; at least one. Each day's rows depend only on that day and the tables before
    it (what an incremental build relies on), so the batches write the rows one statement
    would, in bounded memory."""
    if not days:
        return 1
    per_day = max(int(scalar(con, f"select count(*) from {table}") or 0)
                  for table in _DAY_FEEDS if table_exists(con, table)) / len(days)
    return max(1, int(FULL_BUILD_BATCH_ROWS // max(per_day, 1)))


def _day_batches(con, size: int | None) -> Iterator[tuple[bool, list[date]]]:
    """The days of _scope ``size`` at a time (all at once without a size): while a batch is
    yielded (whether it is the first, and its days) _scope holds only its days; _scope is
    whole again afterwards. An empty _scope is one empty batch."""
    days = [d for (d,) in rows(con, "select date from _scope order by date")]
    if size is None or size >= len(days):
        yield True, days
        return
    con.execute("create or replace temp table _whole_scope as select * from _scope")
    try:
        for start in range(0, len(days), size):
            con.execute("delete from _scope")
            _insert_scope(con, days[start:start + size])
            yield start == 0, days[start:start + size]
    finally:
        con.execute("delete from _scope")
        con.execute("insert into _scope select * from _whole_scope")
        con.execute("drop table _whole_scope")


def _run_python(con, graph: ModelGraph, model: Model, rebuild: bool) -> None:
    """A model with a Python step, :data:`PYTHON_BATCH_DAYS` days of _scope at a time, so that
    only a batch of its rows is ever in Python (at scale 1 the whole month of service-days
    took 4 GB on top of DuckDB's). Each day's rows depend only on that day and the tables
    before it, as for an incremental build, so batches give the rows a single pass would. A
    step that scores each row on its own (``python_batch: rows``) reads every day of _scope in
    one pass instead, streamed :data:`PYTHON_BATCH_ROWS` at a time (see
    :func:`_run_python_rows`)."""
    select = read_sql(model.sql)
    if rebuild:
        con.execute(f"drop table if exists {model.table}")
    else:
        con.execute(f"delete from {model.table} where date in (select date from _replaced)")
    if model.python_batch == "rows":
        _run_python_rows(con, graph, model, select)
        return
    with closing(_day_batches(con, PYTHON_BATCH_DAYS)) as batches:
        for _ in batches:
            _store_step_rows(con, model, _step_rows(graph, model, query(con, select)))


def _run_python_rows(con, graph: ModelGraph, model: Model, select: str) -> None:
    """A step that scores each row on its own: its SELECT's rows streamed from DuckDB
    :data:`PYTHON_BATCH_ROWS` at a time (at scale 10 a week of service-days is 14 million rows,
    about 14 GB in Python). Each batch's rows are written through a second connection to the
    same database (``con.cursor()``: a connection reading a stream cannot run another
    statement), in a thread of its own while the next batch is scored (DuckDB lets go of the
    GIL while it writes); one batch is written at a time, in order. The writes are committed
    one batch at a time, as before: a build killed half way is redone from
    ``meta.build_pending``. No rows at all still give the table its columns (one empty
    batch)."""
    reader = con.sql(select).to_arrow_reader(PYTHON_BATCH_ROWS)
    writer = con.cursor()
    try:
        with ThreadPoolExecutor(1, thread_name_prefix="cxbridge-store") as store:
            writing: Future | None = None
            for batch in reader:
                if batch.num_rows or writing is None:
                    step_rows = _step_rows(graph, model, pl.from_arrow(batch))
                    if writing is not None:
                        writing.result()          # the batch before is in (or its error)
                    writing = store.submit(_store_step_rows, writer, model, step_rows)
            if writing is None:
                _store_step_rows(writer, model, _step_rows(
                    graph, model, pl.from_arrow(reader.schema.empty_table())))
            else:
                writing.result()
    finally:
        reader.close()
        writer.close()


def _store_step_rows(con, model: Model, step_rows: pl.DataFrame) -> None:
    """Append a batch of a Python step's rows to its table (created by the first batch)."""
    con.register("_python_model_rows", step_rows)
    try:
        if not table_exists(con, model.table):
            con.execute(f"create schema if not exists {model.table.split('.')[0]}")
            con.execute(f"create table {model.table} as select * from _python_model_rows")
        else:
            con.execute(f"insert into {model.table} by name (select * from _python_model_rows)")
    finally:
        con.unregister("_python_model_rows")


def _code_version(graph: ModelGraph) -> str:
    """A digest of what the models run: the macros, every model's SQL and its Python step's
    source (:meth:`ModelGraph.code_files`). A change rebuilds everything."""
    digest = hashlib.sha256()
    for path in (SQL_DIR / "macros.sql", *graph.code_files()):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _fingerprints(con, graph: ModelGraph) -> dict[tuple[str, date | None], str]:
    """A fingerprint per staging table (per day for the dated feeds): its row count and the
    files its rows came from, so a new file, a superseding file or released rows all show."""
    prints: dict[tuple[str, date | None], str] = {("sql", None): _code_version(graph)}
    for table in DIMENSIONS:
        if table_exists(con, table):
            count, files = rows(con, f"select count(*), coalesce(sum(hash(_file_id)), 0) "
                                     f"from {table}")[0]
            prints[(table, None)] = f"{count}:{files}"
    for table, day in FEEDS.items():
        if table_exists(con, table):
            for when, count, files in rows(
                    con, f"select {day} as d, count(*), coalesce(sum(hash(_file_id)), 0) "
                         f"from {table} group by d"):
                if when is not None:
                    prints[(table, when)] = f"{count}:{files}"
    return prints


def _stored_fingerprints(con) -> dict[tuple[str, date | None], str]:
    return {(name, day): value for name, day, value in
            rows(con, "select name, day, fingerprint from meta.build_state")}


def _store_fingerprints(con, prints: dict[tuple[str, date | None], str]) -> None:
    """Replace the stored fingerprints, in one transaction (a kill never leaves half of them)."""
    names, days, values = zip(*((name, day, value) for (name, day), value in prints.items()),
                              strict=True)  # never empty: the SQL version is always there
    with transaction(con):
        con.execute("delete from meta.build_state")
        con.execute("insert into meta.build_state select unnest($names), "
                    "unnest(cast($days as date[])), unnest($values)",
                    {"names": list(names), "days": list(days), "values": list(values)})


# the feeds whose days a build covers (_all_days)
_DAY_FEEDS = ("stg.kpi_15min", "stg.usage")


def _all_days(con) -> tuple[date, ...]:
    return tuple(d for (d,) in rows(
        con, "select distinct cast(interval_start as date) from stg.kpi_15min "
             "union select distinct date from stg.usage order by 1"))


def _plan(con, before: dict, now: dict, full: bool,
          pending: tuple[str | None, set[date]] = (None, set())) -> BuildReport:
    all_days = _all_days(con)
    pending_mode, pending_days = pending
    if full:
        return BuildReport("full", all_days, "a full rebuild was asked for")
    if not before:
        return BuildReport("full", all_days, "first build of this warehouse")
    if pending_mode == "full":
        return BuildReport("full", all_days, "the last build was interrupted before it "
                                             "finished: full rebuild")
    if before.get(("sql", None)) != now[("sql", None)]:
        return BuildReport("full", all_days, "the models' SQL or Python steps changed")
    changed_dims = [t for t in DIMENSIONS if before.get((t, None)) != now.get((t, None))]
    if changed_dims:
        return BuildReport("full", all_days,
                           f"the service model changed ({', '.join(changed_dims)})")
    changed = {key for key in before.keys() | now.keys()
               if key[1] is not None and before.get(key) != now.get(key)}
    if not changed and pending_mode is None:
        return BuildReport("unchanged", (), "no staging table changed since the last build")
    days: set[date] = set(pending_days)
    for table, day in changed:
        if table == "stg.usage":
            days.update(day + timedelta(days=k) for k in range(SHARE_WINDOW_DAYS + 1))
        elif table == "stg.alarm_events":
            days.update(_days_alarms_span(con, day))
        else:
            days.add(day)
    # an alarm never cleared counts until the end of the counters (the last PM interval): when
    # newer counters arrive, the day the counters used to end on is rebuilt too
    ends = [max((d for t, d in prints if t == "stg.kpi_15min" and d is not None), default=None)
            for prints in (before, now)]
    if None not in ends and ends[1] > ends[0]:
        days.add(ends[0])
    # a full build covers the days of the counters and the usage: a day neither holds any
    # more leaves the marts (its other feeds' rows wait there for that day's counters or usage)
    scoped = tuple(sorted(d for d in days if d in set(all_days)))
    dropped = tuple(sorted((_built_days(before) | pending_days) - set(all_days)))
    reasons = []
    if changed:
        reasons.append(f"{len(changed)} changed feed-day(s): "
                       + ", ".join(sorted({t for t, _ in changed})))
    if pending_mode is not None:
        reasons.append(f"the last build was interrupted: redoing its {len(pending_days)} "
                       "day(s)")
    return BuildReport("incremental", scoped, "; ".join(reasons), dropped)


def _built_days(prints: dict) -> set[date]:
    """The days a build with these fingerprints covered: those of the counters and usage."""
    return {day for table, day in prints if table in _DAY_FEEDS and day is not None}


def _days_alarms_span(con, day: date) -> set[date]:
    """Every day an alarm with an event on ``day`` was open (the day itself included)."""
    spans = rows(con, read_sql("meta/alarm_days_touched.sql"), {"day": day})
    return {day} | {d for (d,) in spans}
