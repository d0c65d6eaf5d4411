"""``cxbridge bench``: time every pipeline stage on a fresh world, in a scratch data directory.

Each stage runs in its own freshly spawned process, so its peak resident memory is its own
(``ru_maxrss`` of that process, interpreter and libraries included). Stages run in order on the
same scratch directory, so each one measures real work on the previous stage's output.
"""

from __future__ import annotations

import os
import resource
import shutil
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

from cxbridge.platform.settings import Settings, load_settings


def _settings_for(home: str) -> Settings:
    return load_settings({"CXBRIDGE_HOME": home, "CXBRIDGE_CONFIG": ""}
                         | _duckdb_env())


def _duckdb_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k.startswith("CXBRIDGE_DUCKDB_")}


def _generate(home: str, scale: float, days: int, seed: int) -> int:
    from cxbridge.lab.generate import WorldConfig, generate_world

    settings = _settings_for(home)
    report = generate_world(WorldConfig(scale=scale, days=days, seed=seed),
                            out_dir=settings.raw_dir)
    # rows written: the record-level sources (entities like customers are small beside these)
    return (report.customers + report.services + report.resources + report.kpi_rows
            + report.alarm_events + report.usage_rows + report.tickets + report.surveys)


def _ingest(home: str) -> tuple[int, dict]:
    from cxbridge.jobs import flow
    from cxbridge.platform import ingest, warehouse

    settings = _settings_for(home)
    with warehouse.connect(settings) as con:
        results = ingest.ingest_many(con, flow.discover_work(settings.raw_dir), "bench")
    per_source: dict[str, dict] = {}
    for result in results:
        figures = per_source.setdefault(result.source, {"rows": 0, "seconds": 0.0})
        figures["rows"] += result.rows_read
        figures["seconds"] += result.seconds
    for figures in per_source.values():
        figures["seconds"] = round(figures["seconds"], 3)
        figures["rows_per_second"] = round(figures["rows"] / max(figures["seconds"], 1e-9), 1)
    return sum(r.rows_read for r in results), {"per_source": per_source}


def _raw_file_groups(home: str) -> list[tuple[str, list[str]]]:
    """The world's raw files by folder and kind, as (suffix, files), the YAML catalog (a few
    lines: nothing to measure) left out."""
    from cxbridge.jobs import flow

    groups: dict[tuple[str, str], list[str]] = {}
    for _, path in flow.discover_work(_settings_for(home).raw_dir):
        groups.setdefault((str(path.parent), path.suffix), []).append(str(path))
    return [(suffix, files) for (_, suffix), files in sorted(groups.items())
            if suffix in (".csv", ".jsonl", ".parquet")]


def _ingest_floor(home: str) -> int:
    """DuckDB merely reading the same files (no checks, no load): the floor ingest is held to."""
    from cxbridge.platform import warehouse

    readers = {
        ".csv": "read_csv($files, all_varchar = true, header = true, ignore_errors = true, "
                "null_padding = true)",
        ".jsonl": "read_ndjson_objects($files, ignore_errors = true)",
        ".parquet": "read_parquet($files)",
    }
    rows = 0
    with warehouse.scratch(_settings_for(home)) as con:
        for suffix, files in _raw_file_groups(home):
            rows += int(warehouse.scalar(
                con, f"select count(*) from {readers[suffix]}", {"files": files}))
    return rows


def _ingest_store_floor(home: str) -> int:
    """DuckDB reading the same files with its own type detection and storing each folder as a
    table of a database file beside the warehouse, checkpointed (then removed): the floor that
    includes storing, which ingest (checks, quarantine and load) is judged against."""
    from cxbridge.platform import warehouse

    readers = {
        ".csv": "read_csv($files, header = true, ignore_errors = true, null_padding = true, "
                "union_by_name = true)",
        ".jsonl": "read_json_auto($files, ignore_errors = true, union_by_name = true)",
        ".parquet": "read_parquet($files, union_by_name = true)",
    }
    settings = _settings_for(home)
    settings.warehouse_dir.mkdir(parents=True, exist_ok=True)
    path = settings.warehouse_dir / "store-floor.duckdb"
    rows = 0
    try:
        with warehouse.scratch(settings, path) as con:
            for number, (suffix, files) in enumerate(_raw_file_groups(home)):
                con.execute(f"create table floor_{number} as select * from {readers[suffix]}",
                            {"files": files})
                rows += int(warehouse.scalar(con, f"select count(*) from floor_{number}"))
            con.execute("checkpoint")
    finally:
        path.unlink(missing_ok=True)
        path.with_suffix(".duckdb.wal").unlink(missing_ok=True)
    return rows


def _transform(home: str) -> tuple[int, dict]:
    """The full build of every model, with each model's seconds (the experience index is
    scored by the ``experience/…`` step)."""
    from cxbridge.platform import snapshot, warehouse

    settings = _settings_for(home)
    with warehouse.connect(settings) as con:
        models = _timed_build(con, full=True)
        return sum(int(warehouse.scalar(con, f"select count(*) from {t}"))
                   for t in snapshot.built_by("transform")
                   if t.startswith(("marts.", "core."))), {"models": models}


def _timed_build(con, full: bool) -> dict[str, float]:
    from cxbridge.models.graph import model_graph
    from cxbridge.platform import transform

    seconds: dict[str, float] = {}
    last = [time.perf_counter()]

    def done(model: str) -> None:
        now = time.perf_counter()
        seconds[model] = round(now - last[0], 3)
        last[0] = now

    transform.build(con, model_graph(), done, full=full)
    return seconds


def _new_day(home: str) -> tuple[int, dict]:
    """A new day of feeds arrives: ingest its files, then bring the marts up to date (only the
    days it touches). Seconds for each part and the days rebuilt."""
    from cxbridge.jobs import flow
    from cxbridge.platform import ingest, warehouse

    settings = _settings_for(home)
    _restore_held_back_day(Path(home))
    with warehouse.connect(settings) as con:
        started = time.perf_counter()
        results = ingest.ingest_many(con, flow.discover_work(settings.raw_dir), "bench-day")
        ingest_seconds = time.perf_counter() - started
        started = time.perf_counter()
        report = flow.build_marts(con)
        build_seconds = time.perf_counter() - started
    return sum(r.rows_read for r in results if r.status != "unchanged"), {
        "ingest_seconds": round(ingest_seconds, 3), "transform_seconds": round(build_seconds, 3),
        "mode": report.mode, "days_rebuilt": [str(d) for d in report.days]}


def _incidents(home: str) -> int:
    """Correlate every alarm, detect silent degradations and rank the queue from scratch, and
    build the what-if tables the planned-work and campaign review pages look up, as
    ``cxbridge run`` does (:func:`cxbridge.jobs.flow.rank_incidents`)."""
    from cxbridge.jobs.flow import rank_incidents
    from cxbridge.platform import warehouse

    settings = _settings_for(home)
    with warehouse.connect(settings) as con:
        rank_incidents(con, None)
        return int(warehouse.scalar(con, "select count(*) from incidents.queue"))


def _churn(home: str) -> tuple[int, dict]:
    """Train the churn model and score every customer on the built warehouse."""
    from cxbridge.lab.churn_bench import bench_churn
    from cxbridge.models.churn.tabular import ChurnDataError

    try:
        return bench_churn(home)
    except ChurnDataError as exc:  # too little history: say so, time the rest
        return 0, {"skipped": str(exc)}


def _dashboard(home: str, rounds: int) -> tuple[int, dict]:
    """Every dashboard interaction against the published snapshot
    (pipelines/lab/dashboard_bench.py)."""
    from cxbridge.lab.dashboard_bench import bench_dashboard

    figures = bench_dashboard(_settings_for(home), rounds)
    return len(figures.get("interactions", {})), {"dashboard": figures}


def _incident_refresh(home: str) -> int:
    """A new batch of alarm events → the updated incident queue, without rebuilding anything
    else (runs last: it leaves its batch in the warehouse)."""
    from cxbridge.lab.alarm_freshness import bench_new_alarm_batch

    return bench_new_alarm_batch(home)


def _live(home: str) -> tuple[int, dict]:
    """Alarm events through a real broker (the bundled nats-server) into ``cxbridge live``: a
    storm and a steady stream, each event's time from publish to the live overlay holding the
    refreshed queue, lost and doubled checked by count and id (runs after incident_refresh,
    on the same warehouse)."""
    from cxbridge.lab.live_bench import bench_live

    return bench_live(home)


_DATED_FOLDERS = ("kpis/vendor_a", "kpis/vendor_b", "alarms", "usage", "tickets", "surveys")


def _hold_back_last_day(home: Path, last_day: str) -> int:
    """Move the last day's dated files out of the raw folder, to arrive later as new data."""
    raw, parked = _settings_for(str(home)).raw_dir, home / "held-back"
    moved = 0
    for folder in _DATED_FOLDERS:
        for path in (raw / folder).glob(f"*{last_day}*"):
            target = parked / path.relative_to(raw)
            target.parent.mkdir(parents=True, exist_ok=True)
            path.rename(target)
            moved += 1
    return moved


def _restore_held_back_day(home: Path) -> None:
    raw, parked = _settings_for(str(home)).raw_dir, home / "held-back"
    for path in [p for p in parked.rglob("*") if p.is_file()]:
        path.rename(raw / path.relative_to(parked))


def _publish(home: str) -> int:
    from cxbridge.jobs import flow
    from cxbridge.platform import snapshot, warehouse

    settings = _settings_for(home)
    with warehouse.connect(settings) as con:
        flow.publish(con, settings, "bench", settings.raw_dir)
        return sum(int(warehouse.scalar(con, f"select count(*) from {t.name}"))
                   for t in snapshot.PUBLISHED if warehouse.table_exists(con, t.name))


def _cpu_seconds() -> float:
    """CPU seconds (user and system) of this process and of its children that ended."""
    return sum(usage.ru_utime + usage.ru_stime for usage in (
        resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)))


def _timed(function: Callable[..., int | tuple[int, dict]], *args) -> dict:
    """Run in the child: the stage's seconds, rows, CPU seconds and the child's peak RSS. CPU
    seconds are the steadier figure on a shared machine: time another process takes from this
    one lengthens the wall clock, not them."""
    started, cpu_before = time.perf_counter(), _cpu_seconds()
    outcome = function(*args)
    seconds = time.perf_counter() - started
    cpu = _cpu_seconds() - cpu_before
    rows, extra = outcome if isinstance(outcome, tuple) else (outcome, {})
    # KiB on Linux; ingest parses the services file in a child process: count it too
    peak_kb = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    return {"seconds": round(seconds, 3), "cpu_seconds": round(cpu, 3), "rows": rows,
            "rows_per_second": round(rows / seconds, 1) if seconds > 0 else 0.0,
            "peak_rss_mb": round(peak_kb / 1024, 1), **extra}


def _in_fresh_process(function: Callable[..., int], *args) -> dict:
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(_timed, function, *args).result()


def live_summary(figures: dict) -> dict:
    """The ``live`` stage's headline: per phase (storm, steady) the p50 and p95 seconds from
    broker publish to the overlay being current, and the events lost and doubled."""
    if not figures:
        return {}
    phases = {phase: {"events": figures[phase]["events"],
                      "p50_s": figures[phase]["latency_p50_s"],
                      "p95_s": figures[phase]["latency_p95_s"],
                      "unanswered": figures[phase]["unanswered"]}
              for phase in ("storm", "steady") if phase in figures}
    return {**phases, "lost": figures.get("lost"), "doubled": figures.get("doubled"),
            "overlay_publish_p95_s": figures.get("overlay_publish_p95_s")}


def run_benchmark(scale: float, days: int = 30, seed: int = 42,
                  on_stage: Callable[[str], None] | None = None,
                  keep_dir: Path | None = None) -> dict:
    """Run every stage once and return ``{"scale", "days", "stages": {name: figures}}``.

    The world's last day is held back from the first ingest and arrives afterwards as new
    data (stage ``new_day``): the time an incremental one-day update takes. A stage that fails
    (an error, its process killed, a full disk) is reported as ``{"error": …, "seconds": …}``
    under its name and in ``failed_stage``, and the stages after it, which need its output,
    are not run: the figures of the stages before it are kept."""
    from datetime import timedelta

    from cxbridge.lab.generate import WorldConfig

    home = Path(tempfile.mkdtemp(prefix="cxbridge-bench-")) if keep_dir is None else keep_dir
    last_day = (WorldConfig().start + timedelta(days=days - 1)).strftime("%Y%m%d")
    stages: dict[str, dict] = {}
    failed = None
    plan: list[tuple[str, Callable[..., int], tuple]] = [
        ("generate", _generate, (str(home), scale, days, seed)),
        ("ingest_floor", _ingest_floor, (str(home),)),
        ("ingest_store_floor", _ingest_store_floor, (str(home),)),
        ("ingest", _ingest, (str(home),)),
        ("transform", _transform, (str(home),)),
        ("churn", _churn, (str(home),)),
        ("incidents", _incidents, (str(home),)),
        ("publish", _publish, (str(home),)),
        ("dashboard", _dashboard, (str(home), 20)),
        ("new_day", _new_day, (str(home),)),
        ("incident_refresh", _incident_refresh, (str(home),)),
        ("live", _live, (str(home),)),
    ]
    try:
        for name, function, args in plan:
            if on_stage:
                on_stage(name)
            if name == "ingest_floor":  # floor and ingest both read the first days only
                _hold_back_last_day(home, last_day)
            started = time.perf_counter()
            try:
                stages[name] = _in_fresh_process(function, *args)
            except Exception as exc:  # noqa: BLE001 - reported, the later stages need it
                stages[name] = {"error": f"{type(exc).__name__}: {exc}"[:2000],
                                "seconds": round(time.perf_counter() - started, 3)}
                failed = name
                break
    finally:
        if keep_dir is None:
            shutil.rmtree(home, ignore_errors=True)
    dashboard = stages.get("dashboard", {}).get("dashboard", {})
    return {"scale": scale, "days": days, "stages": stages, "failed_stage": failed,
            "live": live_summary(stages.get("live", {})),
            "ingest": _ingest_summary(stages),
            # per interaction (its callbacks one after another; first request per filter set)
            "dashboard": {"callbacks": {name: figures["cold"] for name, figures
                                        in dashboard.get("interactions", {}).items()},
                          "warm": {name: figures["warm"] for name, figures
                                   in dashboard.get("interactions", {}).items()},
                          "single_callbacks": dashboard.get("callbacks", {})}}


def _ingest_summary(stages: dict[str, dict]) -> dict:
    """Ingest against its two floors (empty when one of the three did not finish)."""
    ingest, floor = stages.get("ingest", {}), stages.get("ingest_floor", {})
    store_floor = stages.get("ingest_store_floor", {})
    if any("rows" not in figures for figures in (ingest, floor, store_floor)):
        return {}
    cpu = {}
    if ingest.get("cpu_seconds") and store_floor.get("cpu_seconds"):
        # the same comparison in CPU seconds: steadier than the wall clock on a busy machine
        cpu = {"cpu_seconds": ingest["cpu_seconds"],
               "store_floor_cpu_seconds": store_floor["cpu_seconds"],
               "cpu_ratio_to_store_floor": round(ingest["cpu_seconds"]
                                                 / store_floor["cpu_seconds"], 2)}
    return {"seconds": ingest["seconds"], "floor_seconds": floor["seconds"],
            "ratio_to_floor": round(ingest["seconds"] / floor["seconds"], 2),
            "store_floor_seconds": store_floor["seconds"],
            "ratio_to_store_floor": round(ingest["seconds"] / store_floor["seconds"], 2),
            **cpu, "per_source": ingest.get("per_source", {})}
