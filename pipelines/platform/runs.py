"""Runs: one id per command that writes the warehouse, and its row in ``meta.runs``.

``cxbridge run`` mints one run id (:func:`new_run_id`) and carries it through ingest
(``meta.ingest_files``, ``meta.quarantine``), the churn scores, the incident models
(``incidents.params``, ``incidents.queue``) and the snapshot (``marts.snapshot_info``, the file
``CURRENT`` names). The commands that write the warehouse on their own (``cxbridge ingest``,
``cxbridge churn train`` / ``score``, ``cxbridge incidents --refresh``) record a run of their
own the same way (:func:`recorded`), so every run id found in a table is a row of
``meta.runs`` saying which command wrote it, when, and how it ended.

A run whose process died (kill -9, a power cut) cannot finish its row: the next run to open the
warehouse for writing marks it ``failed`` (:func:`mark_interrupted`). It knows the process is
gone because DuckDB lets only one process at a time open the warehouse for writing, and each run
records its process id (``meta.run_processes``).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from cxbridge.platform.warehouse import execute_sql_file, rows, transaction


def new_run_id() -> str:
    """A run id: the UTC time it started, and four random hex digits (two runs in one
    second differ)."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + secrets.token_hex(2)


def now() -> datetime:
    """Now in UTC, naive: how the warehouse stores instants."""
    return datetime.now(UTC).replace(tzinfo=None)


INTERRUPTED = "interrupted: the process ended before the run finished"


def start(con: duckdb.DuckDBPyConnection, run_id: str, command: str,
          raw_dir: Path | None = None) -> None:
    """Record ``run_id`` as running ``command`` in this process (creating ``meta.runs`` if it
    is missing), after marking the runs a dead process left running as failed."""
    execute_sql_file(con, "meta/schema.sql")
    mark_interrupted(con)
    with transaction(con):
        con.execute("insert into meta.runs values ($id, $cmd, $now, null, 'running', $raw, "
                    "null)", {"id": run_id, "cmd": command, "now": now(),
                              "raw": None if raw_dir is None else str(raw_dir)})
        con.execute("insert into meta.run_processes values ($id, $pid)",
                    {"id": run_id, "pid": os.getpid()})


def mark_interrupted(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Mark ``failed`` every run left ``running`` by another process (``con`` is open for
    writing, so that process has ended; a run with no process recorded is from before they
    were). Returns their ids."""
    execute_sql_file(con, "meta/run_processes.sql")
    dead = [run_id for (run_id,) in rows(
        con, "select run_id from meta.runs r where status = 'running' and not exists "
             "(select 1 from meta.run_processes p where p.run_id = r.run_id and p.pid = $pid) "
             "order by run_id", {"pid": os.getpid()})]
    if dead:
        con.execute("update meta.runs set status = 'failed', message = $msg where "
                    "run_id in (select unnest($ids))", {"msg": INTERRUPTED, "ids": dead})
    # and the rows of runs that finished but were killed before removing theirs
    con.execute("delete from meta.run_processes where run_id not in "
                "(select run_id from meta.runs where status = 'running')")
    return dead


def running(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The runs under way now (after :func:`mark_interrupted`: this process's own)."""
    return [run_id for (run_id,) in rows(
        con, "select run_id from meta.runs where status = 'running' order by run_id")]


def finish(con: duckdb.DuckDBPyConnection, run_id: str, status: str,
           message: str | None = None) -> None:
    """Record how the run ended: ``ok``, ``rejected_files`` or ``failed`` (with a message)."""
    con.execute("update meta.runs set finished_at = $now, status = $status, message = $msg "
                "where run_id = $id",
                {"now": now(), "status": status, "msg": message, "id": run_id})
    # (no transaction: this also runs after an error, whatever state it left the connection in)
    con.execute("delete from meta.run_processes where run_id = $id", {"id": run_id})


@dataclass
class Run:
    """A run being recorded: its id, and how it will be finished (the block may set
    ``status`` to ``rejected_files`` and a ``message``)."""

    run_id: str
    status: str = "ok"
    message: str | None = None


@contextmanager
def recorded(con: duckdb.DuckDBPyConnection, command: str, raw_dir: Path | None = None,
             run_id: str | None = None) -> Iterator[Run]:
    """A run of ``command`` (``run_id``, else a new id): recorded as running, yielded, then
    finished with the status the block left on it (``ok`` unless it set another), or
    ``failed`` with the error's message when the block raises (the error goes on)."""
    run = Run(run_id or new_run_id())
    start(con, run.run_id, command, raw_dir)
    try:
        yield run
    except BaseException as exc:
        # the error goes on as it was, even if the connection cannot record it any more
        with suppress(duckdb.Error):
            finish(con, run.run_id, "failed", str(exc)[:2000])
        raise
    finish(con, run.run_id, run.status, run.message)
