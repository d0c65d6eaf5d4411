"""Running the incident models: a full build, and a refresh after a new batch of alarm events.

Both run the same SQL files (``models/incidents/sql/``); what differs is the *scope* they are
given (tables ``incidents.scope_keys``, ``scope_episodes``, ``scope_incidents``): a full build puts
everything in scope, a refresh only the alarms the batch changed, the episodes and incidents
they belong to or touch, and the incidents still open (their minutes grow with "now").

Order: alarm lifecycles (``core.alarms``, a core model) → episodes (flapping folded) → links by
topology and time → correlation into incidents (Python, :mod:`.correlate`) → incident rows and
windows → silent degradations (full build only: they come from the PM counters, not alarms) →
affected services → the access resources behind each incident and their usual traffic (the
network impact) → impact → the ranked queue → the access resources per incident and the
proactive-care lists.

A refresh recomputes the impact of an incident (its services, network impact, care list) only
when what it is computed from changed: its windows, start, end, the tunables
(``incidents/impact_scope.sql`` keeps a fingerprint of those per incident); a new alarm that
adds no window leaves a network-wide incident's tens of thousands of services as they are. The
lookups that depend only on the topology and the counters (``incidents/topology_lookups.sql``)
are built by the full build, which follows every change of those.

Every input may be empty: a warehouse with network data only (a topology, or one derived from
the PM export; counters; alarms) has no services, so every incident hurts zero customers and
the queue is ranked by network impact instead (``incidents/queue.sql``, README).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from cxbridge.models.incidents.correlate import correlate
from cxbridge.models.incidents.params import MODEL_VERSION, Params
from cxbridge.models.service import alarms
from cxbridge.platform import runs
from cxbridge.platform.errors import UserError
from cxbridge.platform.warehouse import (
    execute_sql_file,
    query,
    read_sql,
    rows,
    scalar,
    table_exists,
)

SQL = Path(__file__).resolve().parent / "sql"

# what the SQL reads; the transforms build every one of them, empty when its feeds are missing
REQUIRED = ("core.alarms", "core.cfs", "core.cfs_resources", "core.resources",
            "core.resource_ancestors", "core.access_paths", "core.access_hourly",
            "core.service_access_shares", "core.redundant_pools", "stg.kpi_15min",
            "stg.alarm_events", "stg.services", "stg.service_links", "stg.service_resources",
            "stg.catalog_specs", "stg.customers", "stg.resource_links")
# what incidents/topology_lookups.sql builds once per full build (from tables only a full build
# follows a change of), for the refreshes in between
TOPOLOGY_LOOKUPS = ("incidents.resource_pairs", "incidents.usual_traffic",
                    "incidents.usual_type_traffic")
OPTIONAL_IMPACT = {"marts.churn_scores": SQL / "impact_churn.sql",
                   "marts.service_experience_daily": SQL / "impact_experience.sql"}


class IncidentModelError(UserError, ValueError):
    """The incident models cannot run; the message says what is missing."""


@dataclass(frozen=True)
class BuildSummary:
    mode: str                 # full or refresh
    run_id: str
    alarms_touched: int
    episodes_recomputed: int
    incidents_recomputed: int
    incidents_total: int
    seconds: float
    # of the incidents formed again, those whose impact was kept: nothing it is computed from
    # changed (incidents/impact_scope.sql); incidents_recomputed counts the others
    incidents_kept: int = 0


def build(con: duckdb.DuckDBPyConnection, params: Params | None = None,
          run_id: str | None = None) -> BuildSummary:
    """Build every incident table from scratch, from the core models and the PM counters.
    ``run_id``: the run building them (``cxbridge run``'s, in ``meta.runs``), stamped on
    ``incidents.params`` and the queue; outside any run (a test, a lab harness) a new id."""
    started = time.perf_counter()
    params, run_id = params or Params(), run_id or runs.new_run_id()
    _check_inputs(con)
    execute_sql_file(con, SQL / "schema.sql")
    _mark_under_way(con)
    execute_sql_file(con, SQL / "topology_lookups.sql")
    execute_sql_file(con, SQL / "params.sql", params.sql_parameters(run_id))
    execute_sql_file(con, SQL / "alarm_state.sql")
    touched = int(scalar(con, "select count(*) from incidents.touched_alarms"))
    execute_sql_file(con, SQL / "episodes.sql")
    con.execute("insert into incidents.scope_episodes select episode_id from incidents.episodes")
    execute_sql_file(con, SQL / "episode_links.sql")
    episodes = int(scalar(con, "select count(*) from incidents.scope_episodes"))
    _correlate_scope(con, params.use_hints, old_incidents=[])
    execute_sql_file(con, SQL / "alarm_incidents.sql")
    _detect_silent(con, params)
    recomputed, kept = _impact_and_queue(con, replaced=[])
    _mark_complete(con, run_id)
    return BuildSummary("full", run_id, touched, episodes, recomputed, _count(con),
                        round(time.perf_counter() - started, 3), kept)


def refresh(con: duckdb.DuckDBPyConnection, params: Params | None = None,
            run_id: str | None = None, refold_alarms: bool = True,
            alarm_ids: Iterable[str] | None = None) -> BuildSummary:
    """Bring the incident tables and the queue up to date with alarm events ingested since the
    last build or refresh, recomputing only what those events touch (plus the incidents still
    open, whose minutes grow with "now"). ``run_id`` as for :func:`build`. ``refold_alarms``
    first refolds ``core.alarms`` from ``stg.alarm_events`` (skip it when the transforms just
    did); ``alarm_ids``: only the lifecycles of these alarms are folded again (the alarms of the
    events a live batch stored: :func:`cxbridge.models.service.alarms.fold`), else every one.
    Silent degradations are left as the last full build found them. Without a previous build
    (or one by another model version), this is a full build."""
    if needs_full_build(con):
        return build(con, params, run_id)
    started = time.perf_counter()
    params, run_id = params or Params(), run_id or runs.new_run_id()
    _mark_under_way(con)
    if not all(table_exists(con, t) for t in TOPOLOGY_LOOKUPS):  # built before they existed
        execute_sql_file(con, SQL / "topology_lookups.sql")
    if refold_alarms:
        alarms.fold(con, alarm_ids)
    previous_as_of = scalar(con, "select as_of from incidents.params")
    execute_sql_file(con, SQL / "params.sql", params.sql_parameters(run_id))
    _clear_scope(con)
    execute_sql_file(con, SQL / "alarm_state.sql")
    touched = int(scalar(con, "select count(*) from incidents.touched_alarms"))
    moved = previous_as_of != scalar(con, "select as_of from incidents.params")
    old = _affected_incidents(con, include_open=moved)
    if touched == 0 and not old:
        _clear_scope(con)
        _mark_complete(con, run_id)
        return BuildSummary("refresh", run_id, 0, 0, 0, _count(con),
                            round(time.perf_counter() - started, 3))
    execute_sql_file(con, SQL / "episodes.sql")
    con.execute("delete from incidents.episode_links where upper_id not in "
                "(select episode_id from incidents.episodes) or lower_id not in "
                "(select episode_id from incidents.episodes)")
    _scope_episodes(con, old)
    episodes = int(scalar(con, "select count(*) from incidents.scope_episodes"))
    old = sorted(set(old) | set(_incidents_of_scope(con)))
    _correlate_scope(con, params.use_hints, old_incidents=old)
    execute_sql_file(con, SQL / "alarm_incidents.sql")
    recomputed, kept = _impact_and_queue(con, replaced=old)
    _mark_complete(con, run_id)
    return BuildSummary("refresh", run_id, touched, episodes, recomputed, _count(con),
                        round(time.perf_counter() - started, 3), kept)


SILENT_MODELS = (SQL / "silent_scores.sql", SQL / "silent_thresholds.sql",
                 SQL / "silent_cells.sql", SQL / "silent_incidents.sql")

# The PM intervals whose observations one pass of silent_baselines_own.sql takes medians over
# (two metrics each): DuckDB's exact medians hold every value of a group, so the baselines are
# taken this many intervals of resources at a time, whatever the number of resources (scale 10
# spilled more than 35 GB taking them in one statement). A resource is never split.
BASELINE_PART_INTERVALS = 4_000_000


def _detect_silent(con, params: Params) -> None:
    """Silent degradations from the PM counters: each judged resource's own baseline, the
    thresholds derived from the history (``incidents.detection_thresholds``, unless fixed in
    ``params``), the flagged intervals, and the sleeping-cell, surge and chronic-congestion
    incidents they make."""
    execute_sql_file(con, SQL / "detection_params.sql", params.detection_parameters())
    execute_sql_file(con, SQL / "silent_history.sql")
    _own_baselines(con)
    execute_sql_file(con, SQL / "silent_baselines.sql")
    for model in SILENT_MODELS:
        execute_sql_file(con, model)


def _own_baselines(con, part_intervals: int = BASELINE_PART_INTERVALS) -> int:
    """Each judged resource's own medians, ``part_intervals`` of PM intervals of resources at a
    time (``silent_baselines_own.sql``); returns the number of parts."""
    parts = con.execute(read_sql(SQL / "silent_baseline_parts.sql"),
                        {"part_intervals": part_intervals}).fetchall()
    for first_id, last_id in parts:
        execute_sql_file(con, SQL / "silent_baselines_own.sql",
                         {"first_id": first_id, "last_id": last_id})
    return len(parts)


def needs_full_build(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the incident tables are missing, were built by another model version (whose
    tables may differ), or were left half written by a build or refresh that never finished
    (a crash, kill -9), so that only a full build brings them up to date."""
    return not table_exists(con, "incidents.params") or not table_exists(
        con, COMPLETE) or scalar(
        con, "select model_version from incidents.params") != MODEL_VERSION


# Written when a build or refresh has written every incident table, dropped when one starts.
COMPLETE = "incidents.build_complete"


def _mark_under_way(con) -> None:
    """Record, committed before anything is written, that the incident tables are being
    rewritten: until :func:`_mark_complete`, :func:`needs_full_build` says so."""
    con.execute(f"drop table if exists {COMPLETE}")


def _mark_complete(con, run_id: str) -> None:
    con.execute(f"create or replace table {COMPLETE} as select $run_id as run_id, "
                "$version as model_version", {"run_id": run_id, "version": MODEL_VERSION})


def _check_inputs(con) -> None:
    missing = [t for t in REQUIRED if not table_exists(con, t)]
    if missing:
        raise IncidentModelError(
            f"the incident models need {', '.join(missing)}: build the core models first "
            "(cxbridge run)")


def _count(con) -> int:
    return int(scalar(con, "select count(*) from incidents.incidents"))


def _clear_scope(con) -> None:
    for table in ("scope_keys", "scope_episodes", "scope_incidents"):
        con.execute(f"delete from incidents.{table}")


def _affected_incidents(con, include_open: bool) -> list[str]:
    """Alarm incidents holding an episode of a fold key in scope (before it is refolded), and
    when "now" moved, every alarm incident still open or stale."""
    found = rows(con, "select distinct ie.incident_id from incidents.incident_episodes ie "
                      "join incidents.episodes e on e.episode_id = ie.episode_id "
                      "where e.fold_key in (select fold_key from incidents.scope_keys)")
    if include_open:
        found += rows(con, "select incident_id from incidents.incidents "
                           "where source = 'alarm' and status in ('open', 'stale')")
    return sorted({r[0] for r in found})


def _scope_episodes(con, old_incidents: list[str]) -> None:
    """The episodes to recorrelate: those of the refolded keys and of the affected incidents,
    then, until nothing changes, every episode linked to one of them and the incidents those
    belong to (a new alarm may join two incidents into one)."""
    con.execute("insert into incidents.scope_episodes select episode_id from incidents.episodes "
                "where fold_key in (select fold_key from incidents.scope_keys)")
    _add_incident_episodes(con, old_incidents)
    while True:
        execute_sql_file(con, SQL / "episode_links.sql")
        added = rows(con, "select distinct other from (select upper_id as other, lower_id as me "
                          "from incidents.episode_links union all select lower_id, upper_id "
                          "from incidents.episode_links) where me in (select episode_id from "
                          "incidents.scope_episodes) and other not in (select episode_id from "
                          "incidents.scope_episodes)")
        if not added:
            return
        con.executemany("insert into incidents.scope_episodes values (?)", added)
        incidents = rows(con, "select distinct incident_id from incidents.incident_episodes "
                              "where episode_id in (select episode_id from "
                              "incidents.scope_episodes)")
        _add_incident_episodes(con, [r[0] for r in incidents])


def _add_incident_episodes(con, incident_ids: list[str]) -> None:
    if not incident_ids:
        return
    con.execute("insert into incidents.scope_episodes select distinct ie.episode_id from "
                "incidents.incident_episodes ie join incidents.episodes e "
                "on e.episode_id = ie.episode_id where ie.incident_id in "
                "(select unnest($ids)) and ie.episode_id not in "
                "(select episode_id from incidents.scope_episodes)", {"ids": incident_ids})


def _incidents_of_scope(con) -> list[str]:
    return [r[0] for r in rows(con, "select distinct incident_id from incidents.incident_episodes "
                                    "where episode_id in (select episode_id from "
                                    "incidents.scope_episodes)")]


def _correlate_scope(con, use_hints: bool, old_incidents: list[str]) -> None:
    """Recorrelate the episodes in scope; replace the old incidents by the new ones."""
    episodes = query(con, "select episode_id, started_at, service_affecting or planned "
                          "as affecting, severity_rank, root_hint from incidents.episodes "
                          "where episode_id in (select episode_id from incidents.scope_episodes)")
    links = query(con, "select upper_id, lower_id, relation, both_affecting "
                       "from incidents.episode_links")
    assigned = correlate(episodes, links, use_hints)
    con.execute("delete from incidents.scope_incidents")
    if old_incidents:
        con.executemany("insert into incidents.scope_incidents values (?)",
                        [(i,) for i in old_incidents])
    con.register("new_incident_episodes", assigned)
    try:
        execute_sql_file(con, SQL / "store_correlation.sql")
    finally:
        con.unregister("new_incident_episodes")


def _impact_and_queue(con, replaced: list[str]) -> tuple[int, int]:
    """The impact of the incidents in scope whose fingerprint changed (incidents/impact_scope.sql:
    an incident formed again as it was keeps its impact rows; those of the ``replaced``
    incidents not formed again are removed), then the queue over every incident; how many
    incidents had their impact recomputed, and how many kept it."""
    in_scope = int(scalar(con, "select count(*) from incidents.scope_incidents"))
    con.execute("create or replace temp table impact_replaced as "
                "select unnest(cast($ids as varchar[])) as incident_id", {"ids": replaced})
    execute_sql_file(con, SQL / "impact_scope.sql")
    recomputed = int(scalar(con, "select count(*) from incidents.scope_incidents"))
    impact = (SQL / "incident_services.sql", SQL / "incident_network.sql",
              SQL / "incident_impact.sql",
              *(sql for table, sql in OPTIONAL_IMPACT.items() if table_exists(con, table)))
    for sql in impact if recomputed else ():  # each rewrites the rows of the scope's incidents
        execute_sql_file(con, sql)
    execute_sql_file(con, SQL / "queue.sql")
    for sql in ((SQL / "incident_access.sql", SQL / "incident_hours.sql",
                 SQL / "care_list.sql") if recomputed else ()):
        execute_sql_file(con, sql)
    _clear_scope(con)
    return recomputed, in_scope - recomputed


def incident_episodes_frame(con) -> pl.DataFrame:
    """Every incident's episodes with their role, for reports and evaluation."""
    return query(con, "select ie.incident_id, ie.role, e.* from incidents.incident_episodes ie "
                      "join incidents.episodes e on e.episode_id = ie.episode_id")
