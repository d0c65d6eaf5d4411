"""The main job: ingest everything new under the raw folder, rebuild the marts, publish a
snapshot. Each step reports progress through callbacks so the CLI can show it."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from cxbridge.jobs import capabilities
from cxbridge.models.graph import model_graph
from cxbridge.platform import ingest, transform, warehouse
from cxbridge.platform.ingest import FileResult
from cxbridge.platform.ingest.staging import loaded_feeds
from cxbridge.platform.settings import Settings


@dataclass
class RunSummary:
    run_id: str
    raw_dir: Path
    files: list[FileResult] = field(default_factory=list)
    snapshot: warehouse.SnapshotInfo | None = None
    build: transform.BuildReport | None = None
    churn: dict | None = None
    incidents: dict | None = None
    capabilities: list[capabilities.Capability] = field(default_factory=list)

    @property
    def rejected(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "rejected"]

    @property
    def status(self) -> str:
        return "rejected_files" if self.rejected else "ok"


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + secrets.token_hex(2)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _record_run(con: duckdb.DuckDBPyConnection, run_id: str, command: str, raw_dir: Path) -> None:
    con.execute("insert into meta.runs values ($id, $cmd, $now, null, 'running', $raw, null)",
                {"id": run_id, "cmd": command, "now": _now(), "raw": str(raw_dir)})


def _finish_run(con, run_id: str, status: str, message: str | None = None) -> None:
    con.execute("update meta.runs set finished_at = $now, status = $status, message = $msg "
                "where run_id = $id",
                {"now": _now(), "status": status, "msg": message, "id": run_id})


def run(
    settings: Settings,
    raw_dir: Path | None = None,
    on_step: Callable[[str, int, int], None] | None = None,
    on_file: Callable[[FileResult], None] | None = None,
    full: bool = False,
    mappings_dir: Path | None = None,
) -> RunSummary:
    """Ingest new files under ``raw_dir`` (default: the settings' raw folder), bring the marts
    up to date (only the days the new data touches, unless ``full``) and publish a snapshot.
    ``on_step(name, done, total)`` reports progress. The declared mappings are read (and
    checked) first: ``mappings_dir`` (default: the settings'), and the raw folder's own."""
    raw_dir = _checked_raw_dir(raw_dir or settings.raw_dir)
    mappings = ingest.mappings_for(mappings_dir or settings.mappings_dir, raw_dir)
    summary = RunSummary(run_id=new_run_id(), raw_dir=raw_dir)
    step = on_step or (lambda name, done, total: None)
    settings.ensure_dirs()
    with warehouse.connect(settings) as con:
        ingest.prepare(con)
        _record_run(con, summary.run_id, "run", raw_dir)
        try:
            def file_done(result: FileResult) -> None:
                summary.files.append(result)
                step("ingest", len(summary.files), total_files)
                if on_file:
                    on_file(result)

            work = discover_work(raw_dir)
            total_files = len(work)
            ingest.ingest_many(con, work, summary.run_id, file_done, mappings)
            summary.build = build_marts(con, lambda done, total: step("transform", done, total),
                                        full=full)
            feeds = set(loaded_feeds(con))
            summary.churn = score_churn(con, settings, summary.run_id, summary.build, feeds)
            step("churn", 1, 1)
            summary.incidents = rank_incidents(con, summary.build, feeds, settings.incidents)
            step("incidents", 1, 1)
            summary.capabilities = capabilities.capabilities(
                feeds, _not_built_notes(summary.churn, summary.incidents))
            capabilities.store(con, summary.capabilities)
            summary.snapshot = publish(con, settings, summary.run_id, raw_dir)
            step("publish", 1, 1)
            _finish_run(con, summary.run_id, summary.status,
                        f"{len(summary.rejected)} file(s) rejected" if summary.rejected else None)
        except BaseException as exc:
            _finish_run(con, summary.run_id, "failed", str(exc)[:2000])
            raise
    return summary


def _checked_raw_dir(raw_dir: Path) -> Path:
    raw_dir = raw_dir.resolve()
    if not raw_dir.is_dir():
        raise FileNotFoundError(
            f"raw folder {raw_dir} does not exist: generate a world first "
            f"(cxbridge generate --out {raw_dir}) or point --raw at your feeds")
    return raw_dir


def discover_work(raw_dir: Path) -> list:
    """The (source, file) pairs to ingest under ``raw_dir``; an error when there are none."""
    work = ingest.discover(_checked_raw_dir(raw_dir))
    if not work:
        raise FileNotFoundError(f"no source files under {raw_dir} (expected folders "
                                f"{', '.join(s.folder for s in ingest.SOURCES)})")
    return work


def build_marts(con: duckdb.DuckDBPyConnection,
                on_progress: Callable[[int, int], None] | None = None,
                full: bool = False) -> transform.BuildReport:
    """Bring the models up to date: only the days whose feeds changed, unless ``full``."""
    graph = model_graph()
    done = iter(range(1, len(graph) + 1))
    return transform.build(con, graph,
                           lambda model: on_progress and on_progress(next(done), len(graph)),
                           full=full)


CHURN_TABLES = ("marts.churn_scores", "marts.churn_drivers")
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
                   overrides: dict | None = None) -> dict:
    """The incident queue (models/incidents); it reads the marts and the churn scores. Needs
    alarms or PM counters (``feeds``: the loaded ones; ``None``: do not check). ``overrides``:
    tunables fixed in the config file's ``[incidents]`` table (``Settings.incidents``)."""
    from cxbridge.models import incidents

    if feeds is not None and not feeds & {"alarms", "kpis"}:
        return {"status": "skipped",
                "reason": "no alarms or kpis feed loaded: incidents come from alarms and from "
                          "PM counters"}
    if build is None or build.mode != "unchanged" or incidents.needs_full_build(con):
        incidents.build(con, incidents.Params().with_overrides(
            overrides or {}, "config file [incidents]"))
        return {"status": "built"}
    return {"status": "unchanged"}


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
    """Stamp the snapshot with its run and publish the reader-facing tables."""
    _write_snapshot_info(con, run_id, raw_dir)
    # what a stage did not build (no incidents without alarms or counters) is not published;
    # readers check for a table and say which feed would bring it (marts.capabilities)
    tables = [t for t in (*transform.PUBLISHED, *CHURN_TABLES, "marts.capabilities")
              if warehouse.table_exists(con, t)]
    return warehouse.publish_snapshot(con, settings, run_id, tables, transform.PUBLISH_ORDER)


# The days a snapshot covers: those of its dated tables, whichever feeds it was built from.
DATED_TABLES = {"marts.service_daily": "date", "core.access_hourly": "date",
                "core.ue_cell_kpi_15min": "cast(interval_start as date)",
                "marts.tickets": "cast(created_at as date)"}


def _write_snapshot_info(con: duckdb.DuckDBPyConnection, run_id: str, raw_dir: Path) -> None:
    spans = " union all ".join(
        f"select min({day}) as first_date, max({day}) as last_date from {table}"
        for table, day in DATED_TABLES.items() if warehouse.table_exists(con, table))
    con.execute(
        "create or replace table marts.snapshot_info as "
        "select $run_id as run_id, $now as built_at, $raw as raw_dir, "
        # the customer marts' days when there are any, else those of any other dated table
        "coalesce((select min(date) from marts.service_daily), min(first_date)) as first_date, "
        "coalesce((select max(date) from marts.service_daily), max(last_date)) as last_date "
        f"from ({spans})",
        {"run_id": run_id, "now": _now(), "raw": str(raw_dir)})
