"""The main job: ingest everything new under the raw folder, rebuild the marts, publish a
snapshot. Each step reports progress through callbacks so the CLI can show it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from cxbridge.jobs import capabilities
from cxbridge.models.graph import model_graph
from cxbridge.models.incidents.params import Params
from cxbridge.platform import ingest, runs, snapshot, transform, warehouse
from cxbridge.platform.action_log import ActionLog
from cxbridge.platform.errors import PathNotFoundError
from cxbridge.platform.ingest import FileResult
from cxbridge.platform.ingest.staging import loaded_feeds
from cxbridge.platform.settings import Settings, check_engine


@dataclass
class RunSummary:
    run_id: str
    raw_dir: Path
    files: list[FileResult] = field(default_factory=list)
    snapshot: warehouse.SnapshotInfo | None = None
    build: transform.BuildReport | None = None
    churn: dict | None = None
    incidents: dict | None = None
    outcomes: dict | None = None
    capabilities: list[capabilities.Capability] = field(default_factory=list)
    published: bool = True  # False: nothing new, ``snapshot`` is the current one, kept

    @property
    def rejected(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "rejected"]

    @property
    def held(self) -> list[FileResult]:
        """Re-deliveries held for confirmation: they would remove too much of what their
        earlier versions loaded (counted like rejected files: the run's status, exit 2)."""
        return [f for f in self.files if f.status == "held"]

    @property
    def status(self) -> str:
        return "rejected_files" if self.rejected or self.held else "ok"


_now = runs.now  # the warehouse's "now" (marts.snapshot_info's built_at), defined once


def run(
    settings: Settings,
    raw_dir: Path | None = None,
    on_step: Callable[[str, int, int], None] | None = None,
    on_file: Callable[[FileResult], None] | None = None,
    full: bool = False,
    mappings_dir: Path | None = None,
    accept_shrink: bool = False,
    engine: str | None = None,
) -> RunSummary:
    """Ingest new files under ``raw_dir`` (default: the settings' raw folder), bring the marts
    up to date (only the days the new data touches, unless ``full``) and publish a snapshot.
    ``on_step(name, done, total)`` reports progress. The declared mappings are read (and
    checked) first: ``mappings_dir`` (default: the settings'), and the raw folder's own; so
    are the config file's ``[incidents]`` overrides. One run id (a row of ``meta.runs``) goes
    through ingest, the churn scores, the incident models and the snapshot. A re-delivered
    file that would remove more than the settings' ``ingest_max_shrink`` of what its earlier
    version loaded is held (the earlier version stays), unless ``accept_shrink``. ``engine``
    (default: the settings' ``[engine] name``) runs the transform stage on DuckDB or Spark;
    ingest, churn, incidents and the snapshot are DuckDB's either way.

    A run killed at any point is redone right by the next: the runs a dead process left
    ``running`` are marked failed and its partial snapshot files removed (here, with the
    warehouse open for writing, no other process can be publishing); the build stays recorded
    as under way until the churn and incident stages are done too
    (:func:`cxbridge.platform.transform.finish_build`), so an interrupted build, or a stage
    after it, is redone; a snapshot is published whole or not at all."""
    raw_dir = _checked_raw_dir(raw_dir or settings.raw_dir)
    mappings = ingest.mappings_for(mappings_dir or settings.mappings_dir, raw_dir)
    params = Params().with_overrides(settings.incidents, "config file [incidents]")
    runner = model_runner(settings, engine)
    summary = RunSummary(run_id=runs.new_run_id(), raw_dir=raw_dir)
    step = on_step or (lambda name, done, total: None)
    settings.ensure_dirs()
    with warehouse.connect(settings) as con:
        ingest.prepare(con)
        with runs.recorded(con, "run", raw_dir, summary.run_id) as recorded:
            warehouse.remove_stale_partials(settings, runs.running(con))

            def file_done(result: FileResult) -> None:
                summary.files.append(result)
                step("ingest", len(summary.files), total_files)
                if on_file:
                    on_file(result)

            work = discover_work(raw_dir)
            total_files = len(work)
            # the files as ingest ends them: a later file of the run may move rows of an
            # earlier one (a newer customer delivery replacing its records, rows released
            # once their reference arrived), which the per-file callbacks came too early for
            summary.files = ingest.ingest_many(
                con, work, summary.run_id, file_done, mappings, raw_dir,
                settings.ingest_max_shrink, accept_shrink, ingest.window_of(settings))
            summary.build = build_marts(con, lambda done, total: step("transform", done, total),
                                        full=full, params=params, finish=False,
                                        runner=runner)
            feeds = set(loaded_feeds(con))
            summary.churn = score_churn(con, settings, summary.run_id, summary.build, feeds)
            step("churn", 1, 1)
            summary.incidents = rank_incidents(con, summary.build, feeds, params,
                                               summary.run_id)
            step("incidents", 1, 1)
            exported = ActionLog(settings.action_log_file).actions()
            summary.outcomes = measure_outcomes(con, feeds, exported)
            step("outcomes", 1, 1)
            # the dashboard's recorded exports are actions as much as the feed's rows are
            summary.capabilities = capabilities.capabilities(
                feeds | ({"actions"} if exported.height else set()),
                _not_built_notes(summary.churn, summary.incidents))
            capabilities.store(con, summary.capabilities)
            # every model and stage is built: a crash from here on needs no rebuild
            transform.finish_build(con)
            kept = None if full else current_if_nothing_new(con, settings, summary)
            if kept is None:
                summary.snapshot = publish(con, settings, summary.run_id, raw_dir)
            else:
                summary.snapshot, summary.published = kept, False
                recorded.message = f"nothing new: snapshot {kept.run_id} stays current"
            step("publish", 1, 1)
            recorded.status = summary.status
            if summary.rejected:
                recorded.message = f"{len(summary.rejected)} file(s) rejected"
            if summary.held:
                recorded.message = "; ".join(filter(None, [
                    recorded.message, f"{len(summary.held)} re-delivered file(s) held"]))
    return summary


def current_if_nothing_new(con: duckdb.DuckDBPyConnection, settings: Settings,
                           summary: RunSummary) -> warehouse.SnapshotInfo | None:
    """The current snapshot when this run brought nothing new, so publishing would only copy
    it under a new name: every file unchanged, the build, the churn scores and the incidents
    unchanged, and the current snapshot the one the warehouse last published (the same run,
    from the same raw folder; not so after a run that died while publishing). Else ``None``:
    publish."""
    unchanged = (summary.files and all(f.status == "unchanged" for f in summary.files)
                 and summary.build is not None and summary.build.mode == "unchanged"
                 and (summary.churn or {}).get("status") in ("unchanged", "skipped")
                 and (summary.incidents or {}).get("status") in ("unchanged", "skipped")
                 and not (summary.outcomes or {}).get("changed"))  # e.g. an export recorded
    if not unchanged or not warehouse.table_exists(con, "marts.snapshot_info"):
        return None
    try:
        current = warehouse.current_snapshot(settings)
    except warehouse.WarehouseError:
        return None
    last = warehouse.rows(con, "select run_id, raw_dir from marts.snapshot_info")
    return current if last == [(current.run_id, str(summary.raw_dir))] else None


def _checked_raw_dir(raw_dir: Path) -> Path:
    raw_dir = raw_dir.resolve()
    if not raw_dir.is_dir():
        raise PathNotFoundError(
            f"raw folder {raw_dir} does not exist: generate a world first "
            f"(cxbridge generate --out {raw_dir}) or point --raw at your feeds")
    return raw_dir


def discover_work(raw_dir: Path) -> list:
    """The (source, file) pairs to ingest under ``raw_dir``; an error when there are none."""
    work = ingest.discover(_checked_raw_dir(raw_dir))
    if not work:
        raise PathNotFoundError(f"no source files under {raw_dir} (expected folders "
                                f"{', '.join(s.folder for s in ingest.SOURCES)})")
    return work


def build_marts(con: duckdb.DuckDBPyConnection,
                on_progress: Callable[[int, int], None] | None = None,
                full: bool = False, params: Params | None = None,
                finish: bool = True,
                runner: transform.ModelRunner | None = None) -> transform.BuildReport:
    """Bring the models up to date: only the days whose feeds changed, unless ``full`` or
    unless a threshold the marts share with the incident models (``params``, default: the
    defaults; ``core.impact_params``) differs from the one the last build used.
    ``finish=False``: the build stays recorded as under way (redone if the process dies) until
    the caller calls :func:`cxbridge.platform.transform.finish_build`. ``runner``: build the
    models on another engine (:func:`model_runner`)."""
    params = params or Params()
    graph = model_graph(params)
    full = full or _shared_params_changed(con, params)
    done = iter(range(1, len(graph) + 1))
    return transform.build(con, graph,
                           lambda model: on_progress and on_progress(next(done), len(graph)),
                           full=full, finish=finish, runner=runner)


def model_runner(settings: Settings, engine: str | None = None) -> transform.ModelRunner | None:
    """The runner of the transform stage for ``engine`` (default: the settings' ``[engine]``):
    None for DuckDB (the transform's own), the Spark engine's for ``spark``, its tables under
    ``<warehouse>/spark``."""
    name = check_engine(engine or settings.engine, "--engine")
    if name == "duckdb":
        return None
    from cxbridge.platform import spark_engine

    return spark_engine.runner(spark_engine.SparkConfig(
        master=settings.spark_master, work_dir=settings.warehouse_dir / "spark"))


def _shared_params_changed(con: duckdb.DuckDBPyConnection, params: Params) -> bool:
    """Whether ``core.impact_params`` holds other values than ``params`` gives: every day
    built with the old ones must then be rebuilt (the SQL did not change, the values did)."""
    if not warehouse.table_exists(con, "core.impact_params"):
        return False
    stored = warehouse.query(con, "select * from core.impact_params")
    return stored.height != 1 or any(
        stored[name][0] != getattr(params, name) for name in stored.columns)


# What churn scoring publishes (the snapshot contract's), the scores first: "is churn built".
CHURN_TABLES = snapshot.built_by("churn")
CHURN_FEEDS = ("customers", "services")


def score_churn(con: duckdb.DuckDBPyConnection, settings: Settings, run_id: str,
                build: transform.BuildReport | None, feeds: set[str] | None = None) -> dict:
    """Churn risk for every customer (models/churn/world.py), training a model first when none
    exists; skipped, with the reason, while the history is too short to train on or the
    customer feeds are missing (``feeds``: the loaded ones; ``None``: do not check)."""
    if feeds is not None:
        absent = [f for f in CHURN_FEEDS if f not in feeds]
        if absent:
            return {"status": "skipped",
                    "reason": f"no {', '.join(absent)} feed loaded: churn risk is learnt from "
                              "customers, their services and what they experienced"}
    if build is not None and build.mode == "unchanged" and warehouse.table_exists(
            con, CHURN_TABLES[0]):
        return {"status": "unchanged"}
    from cxbridge.models.churn.world import refresh

    return refresh(con, settings.models_dir, run_id)


def rank_incidents(con: duckdb.DuckDBPyConnection,
                   build: transform.BuildReport | None, feeds: set[str] | None = None,
                   params: Params | None = None, run_id: str | None = None) -> dict:
    """The incident queue (models/incidents); it reads the marts and the churn scores. Needs
    alarms or PM counters (``feeds``: the loaded ones; ``None``: do not check). ``params``:
    the tunables, with the config file's ``[incidents]`` overrides applied; ``run_id``: the
    run building them, stamped on the incident tables."""
    from cxbridge.models import incidents

    if feeds is not None and not feeds & {"alarms", "kpis"}:
        return {"status": "skipped",
                "reason": "no alarms or kpis feed loaded: incidents come from alarms and from "
                          "PM counters"}
    from cxbridge.models.whatif import campaign, planned

    if build is None or build.mode != "unchanged" or incidents.needs_full_build(con):
        incidents.build(con, params, run_id)
        planned.build(con)  # what the planned-work page looks up (models/whatif)
        campaign.build(con)  # what the campaign review page looks up (models/whatif)
        return {"status": "built"}
    if not planned.is_built(con):
        planned.build(con)
    if not campaign.is_built(con):
        campaign.build(con)
    return {"status": "unchanged"}


def measure_outcomes(con: duckdb.DuckDBPyConnection, feeds: set[str] | None = None,
                     recorded: pl.DataFrame | None = None) -> dict:
    """What each recorded programme changed against its control group
    (``marts.programme_outcomes``, models/outcomes), over the actions feed and ``recorded``,
    the dashboard's recorded exports (read from the store by the caller:
    :meth:`cxbridge.platform.action_log.ActionLog.actions`); skipped without either."""
    from cxbridge.models import outcomes

    return outcomes.build(con, feeds, recorded)


def _not_built_notes(churn: dict | None, incident_result: dict | None) -> dict[str, str]:
    """Outputs whose feeds are there but which a stage did not build, with its reason."""
    notes = {}
    if churn and churn.get("status") == "skipped":
        notes["churn_risk"] = churn["reason"]
    if incident_result and incident_result.get("status") == "skipped":
        notes["incident_queue"] = incident_result["reason"]
    return notes


def publish(con: duckdb.DuckDBPyConnection, settings: Settings, run_id: str,
            raw_dir: Path) -> warehouse.SnapshotInfo:
    """Build what publishing adds (the KPI tables over the churn scores and the incidents,
    the snapshot's stamp), then publish the tables of the snapshot contract
    (:mod:`cxbridge.platform.snapshot`), each sorted as it says."""
    transform.build_after_stages(con, model_graph())
    _write_snapshot_info(con, run_id, raw_dir)
    # what a stage did not build (no incidents without alarms or counters) is not published;
    # readers check for a table and say which feed would bring it (marts.capabilities)
    tables = [t.name for t in snapshot.PUBLISHED if warehouse.table_exists(con, t.name)]
    return warehouse.publish_snapshot(con, settings, run_id, tables, snapshot.PUBLISH_ORDER)


def _write_snapshot_info(con: duckdb.DuckDBPyConnection, run_id: str, raw_dir: Path) -> None:
    """``marts.snapshot_info``: the run, when, from which raw folder, and the days the snapshot
    covers (those of the contract's dated tables, ``cxbridge.platform.snapshot.DATED_TABLES``)."""
    spans = " union all ".join(
        f"select min({day}) as first_date, max({day}) as last_date from {table}"
        for table, day in snapshot.DATED_TABLES.items() if warehouse.table_exists(con, table))
    con.execute(
        "create or replace table marts.snapshot_info as "
        "select $run_id as run_id, $now as built_at, $raw as raw_dir, "
        # the customer marts' days when there are any, else those of any other dated table
        "coalesce((select min(date) from marts.service_daily), min(first_date)) as first_date, "
        "coalesce((select max(date) from marts.service_daily), max(last_date)) as last_date "
        f"from ({spans})",
        {"run_id": run_id, "now": _now(), "raw": str(raw_dir)})
