"""The warehouse gateway: the only module that opens DuckDB.

Two kinds of database file:

* the **warehouse** (``settings.warehouse_path``): one read-write process at a time, the pipeline;
* **snapshots** (``settings.snapshots_dir/snapshot-<run_id>.duckdb``): written once by
  :func:`publish_snapshot`, then only ever opened read-only. A ``CURRENT`` file names the newest;
  it is replaced atomically, so a reader sees either the old snapshot or the new one, never a
  half-written one, and never holds a lock the pipeline needs. A publish that fails (a full
  disk included) removes its ``.partial`` file; :func:`remove_stale_partials` removes those a
  killed process left.

Values are bound as parameters. Identifiers (table names) come from code, never from a user.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from cxbridge.platform.errors import UserError
from cxbridge.platform.settings import Settings
from cxbridge.platform.writer_lock import writer_lock

SQL_DIR = Path(__file__).resolve().parent / "sql"
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$")
SNAPSHOTS_KEPT = 3


class WarehouseError(UserError, RuntimeError):
    """A warehouse or snapshot that cannot be used; the message says what to do."""


class SnapshotSpaceError(WarehouseError):
    """No space left to publish a snapshot; the message says where and how much is needed."""


def _config(settings: Settings) -> dict[str, str]:
    return {"threads": str(settings.duckdb_threads), "memory_limit": settings.duckdb_memory_limit}


def quote_identifier(name: str) -> str:
    """Check that a table or column name is a plain identifier from code, and return it."""
    if not _IDENTIFIER.match(name):
        raise ValueError(f"not a plain identifier: {name!r}")
    return name


@contextmanager
def connect(settings: Settings, read_only: bool = False, writer: str | None = None
            ) -> Iterator[duckdb.DuckDBPyConnection]:
    """The warehouse connection (read-write unless asked otherwise); closed on exit. A
    read-write connection first takes the writer lock (:mod:`.writer_lock`): while another
    process writes (``cxbridge run``, ``cxbridge live``) it waits, saying so once, instead of
    failing on DuckDB's lock. ``writer`` names this writer in that message (default: the
    command line)."""
    if read_only and not settings.warehouse_path.is_file():
        raise WarehouseError(f"no warehouse at {settings.warehouse_path}: run `cxbridge run` "
                             "first")
    settings.warehouse_dir.mkdir(parents=True, exist_ok=True)
    if not read_only:
        with (writer_lock(settings.warehouse_path, writer or _command_line()),
              _opened(settings, read_only) as con):
            yield con
        return
    with _opened(settings, read_only) as con:
        yield con


def _command_line() -> str:
    """This process's command, as a person would name it (``cxbridge run``)."""
    name = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "python"
    return " ".join([name, *sys.argv[1:2]]) if name == "cxbridge" else name


@contextmanager
def _opened(settings: Settings, read_only: bool) -> Iterator[duckdb.DuckDBPyConnection]:
    try:
        con = duckdb.connect(str(settings.warehouse_path), read_only=read_only,
                             config=_config(settings))
    except duckdb.IOException as exc:
        raise WarehouseError(
            f"cannot open the warehouse {settings.warehouse_path}: {exc}. "
            "Another cxbridge run probably holds it; wait for it to finish."
        ) from exc
    try:
        con.execute("set enable_progress_bar = false")  # the CLI draws its own progress
        execute_sql_file(con, "macros.sql")
        yield con
    finally:
        con.close()


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """One transaction around the block: begun on entry, committed when the block ends, rolled
    back when it raises (and the error raised again), so that either all it wrote is there or
    none of it is."""
    con.begin()
    try:
        yield con
    except BaseException:
        con.rollback()
        raise
    con.commit()


@contextmanager
def scratch(settings: Settings, path: Path | None = None
            ) -> Iterator[duckdb.DuckDBPyConnection]:
    """A database for work that needs no warehouse (benchmarks, file probes): in memory, or
    the file ``path`` when given (the caller removes it)."""
    con = duckdb.connect(":memory:" if path is None else str(path), config=_config(settings))
    try:
        con.execute("set enable_progress_bar = false")
        yield con
    finally:
        con.close()


def query(
    con: duckdb.DuckDBPyConnection, sql: str, params: Mapping[str, object] | None = None
) -> pl.DataFrame:
    """Run one SELECT and return the whole result as a polars frame (the result is drained, so
    the connection is free again)."""
    return con.sql(sql, params=dict(params) if params else None).pl()


def tables_in(sql: str) -> frozenset[str]:
    """The tables a query reads: the base tables of DuckDB's own parse of it, less its CTEs
    (nothing runs; a ``ValueError`` saying why when it does not parse)."""
    with duckdb.connect() as con:
        tree = json.loads(con.execute("select json_serialize_sql($q)", {"q": sql})
                          .fetchall()[0][0])
    if tree.get("error"):
        raise ValueError(f"the query does not parse: {tree.get('error_message')}")
    tables: set[str] = set()
    ctes: set[str] = set()
    nodes: list = [tree]
    while nodes:
        node = nodes.pop()
        if isinstance(node, dict):
            if node.get("type") == "BASE_TABLE":
                tables.add(node["table_name"])
            if "cte_map" in node:
                ctes.update(entry["key"] for entry in node["cte_map"]["map"])
            nodes.extend(node.values())
        elif isinstance(node, list):
            nodes.extend(node)
    return frozenset(tables - ctes)


def rows(
    con: duckdb.DuckDBPyConnection, sql: str, params: Mapping[str, object] | None = None
) -> list[tuple]:
    """Run a statement and return all its rows (drained: DuckDB 2 keeps an unfinished result
    attached to the connection, which blocks the next registration or query)."""
    return con.execute(sql, dict(params) if params else None).fetchall()


def scalar(
    con: duckdb.DuckDBPyConnection, sql: str, params: Mapping[str, object] | None = None
) -> object:
    """The first column of the first row, or None."""
    result = rows(con, sql, params)
    return result[0][0] if result else None


def read_sql(path: str | Path) -> str:
    """The text of a SQL file: a :class:`~pathlib.Path` as it is (a model's SQL beside its
    code), a string relative to the platform's own ``pipelines/platform/sql``."""
    path = path if isinstance(path, Path) else SQL_DIR / path
    if not path.is_file():
        raise WarehouseError(f"SQL file {path} does not exist")
    return path.read_text(encoding="utf-8")


def execute_sql_file(
    con: duckdb.DuckDBPyConnection, path: str | Path, params: Mapping[str, object] | None = None
) -> None:
    """Run one SQL file (it may hold several statements; ``path`` as for :func:`read_sql`)
    with named parameters."""
    sql = read_sql(path)
    if params:
        con.execute(sql, dict(params))
    else:
        con.execute(sql)


def create_table_as(con: duckdb.DuckDBPyConnection, table: str, select: str) -> None:
    """``table`` (its schema created if missing) replaced by the rows of ``select``."""
    con.execute(f"create schema if not exists {table.split('.')[0]}")
    con.execute(f"create or replace table {table} as {select}")


def is_one_query(sql: str) -> bool:
    """Whether ``sql`` is a single SELECT (as DuckDB's parser reads it), not statements."""
    statements = duckdb.extract_statements(sql)
    return len(statements) == 1 and statements[0].type == duckdb.StatementType.SELECT


def table_exists(con: duckdb.DuckDBPyConnection, qualified_name: str) -> bool:
    schema, _, table = quote_identifier(qualified_name).rpartition(".")
    return bool(scalar(
        con,
        "select count(*) from information_schema.tables "
        "where table_schema = coalesce(nullif($schema, ''), current_schema()) "
        "and table_name = $table",
        {"schema": schema, "table": table},
    ))


# --- snapshots -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SnapshotInfo:
    run_id: str
    path: Path


def _current_pointer(settings: Settings) -> Path:
    return settings.snapshots_dir / "CURRENT"


def publish_snapshot(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    run_id: str,
    tables: Sequence[str],
    order_by: Mapping[str, str] | None = None,
) -> SnapshotInfo:
    """Copy ``tables`` (qualified names in the warehouse) into a new snapshot file and make it
    current. Each table keeps its unqualified name in the snapshot; ``order_by`` sorts a table
    as it is copied (a reader looking up one customer then reads a few row groups, not all).

    All or nothing: the tables go into ``<snapshot>.partial``, renamed once complete, then the
    ``CURRENT`` pointer is replaced (write a temporary file, rename). A failure at any point
    removes the partial file and leaves the previous snapshot current; a full disk is a
    :class:`SnapshotSpaceError` saying where and about how much space is needed."""
    settings.snapshots_dir.mkdir(parents=True, exist_ok=True)
    final = settings.snapshots_dir / f"snapshot-{run_id}.duckdb"
    partial = final.with_suffix(".duckdb.partial")
    _remove_partial(partial)
    try:
        con.execute("attach $path as snap", {"path": str(partial)})
        try:
            for qualified in tables:
                copy_table(con, qualified, "snap", (order_by or {}).get(qualified))
            con.execute("checkpoint snap")
        except BaseException:
            with suppress(duckdb.Error):  # the first error is the one to report
                con.execute("detach snap")
            raise
        con.execute("detach snap")
        os.replace(partial, final)
    except BaseException as exc:
        _remove_partial(partial)
        if _no_space(exc):
            raise _space_error(settings, exc) from exc
        raise
    pointer_tmp = _current_pointer(settings).with_suffix(".tmp")
    try:
        pointer_tmp.write_text(final.name + "\n", encoding="utf-8")
        os.replace(pointer_tmp, _current_pointer(settings))
    except OSError as exc:
        # the new snapshot is complete but not current: readers keep the previous one
        pointer_tmp.unlink(missing_ok=True)
        final.unlink(missing_ok=True)
        if _no_space(exc):
            raise _space_error(settings, exc) from exc
        raise
    _prune_snapshots(settings, keep=final)
    # a new snapshot holds all a live overlay held: every overlay is superseded
    from cxbridge.platform.overlay import remove_overlays  # (it builds on this module)

    remove_overlays(settings, run_id)
    return SnapshotInfo(run_id=run_id, path=final)


def copy_table(con: duckdb.DuckDBPyConnection, qualified: str, into: str,
               order: str | None = None) -> None:
    """Copy one warehouse table into the attached database ``into`` under its unqualified
    name, sorted by ``order`` (SQL from code) when given."""
    name = quote_identifier(qualified).rpartition(".")[2]
    con.execute(f"create table {quote_identifier(into)}.{name} as select * from {qualified}"
                + (f" order by {order}" if order else ""))


def _remove_partial(partial: Path) -> None:
    """A partial snapshot file and the write-ahead log DuckDB may have left beside it."""
    for path in (partial, partial.with_name(partial.name + ".wal")):
        path.unlink(missing_ok=True)


def remove_stale_partials(settings: Settings, live_run_ids: Sequence[str] = ()) -> list[Path]:
    """Remove the partial snapshot files (and pointer files) a publish that died left behind,
    except those of ``live_run_ids`` (runs still under way). Call it only with the warehouse
    open for writing: DuckDB lets one process at a time do that, so no other process can be
    publishing. Returns what was removed."""
    if not settings.snapshots_dir.is_dir():
        return []
    live = {f"snapshot-{run_id}.duckdb.partial" for run_id in live_run_ids}
    stale = [path for path in settings.snapshots_dir.glob("snapshot-*.duckdb.partial*")
             if path.name.removesuffix(".wal") not in live]
    if not live:
        stale += [p for p in (_current_pointer(settings).with_suffix(".tmp"),) if p.exists()]
    for path in stale:
        path.unlink(missing_ok=True)
    return sorted(stale)


def _no_space(exc: BaseException) -> bool:
    """Whether ``exc`` says the disk (or the quota) is full, as the OS or DuckDB says it."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    return isinstance(exc, duckdb.Error) and any(
        words in str(exc) for words in (os.strerror(errno.ENOSPC), os.strerror(errno.EDQUOT)))


def _space_error(settings: Settings, exc: BaseException) -> SnapshotSpaceError:
    """The one-line error for a full disk: the folder, about how much a snapshot needs (the
    size of the current one, else of the warehouse) and how much is free."""
    folder = settings.snapshots_dir
    try:
        reference = current_snapshot(settings).path
        what = "the size of the current snapshot"
    except WarehouseError:
        reference, what = settings.warehouse_path, "the size of the warehouse"
    needed = reference.stat().st_size if reference.is_file() else 0
    free = shutil.disk_usage(folder).free if folder.is_dir() else 0
    return SnapshotSpaceError(
        f"no space left in {folder} to publish the snapshot: it needs about "
        f"{_megabytes(needed)} ({what}), {_megabytes(free)} is free. Free some space on that "
        f"disk (or move the data folder) and run `cxbridge run` again; the previous snapshot "
        f"stays current and nothing was left half written")


def _megabytes(size: int) -> str:
    return f"{size / 1e6:,.1f} MB"


def _prune_snapshots(settings: Settings, keep: Path) -> None:
    snapshots = sorted(settings.snapshots_dir.glob("snapshot-*.duckdb"),
                       key=lambda p: p.stat().st_mtime, reverse=True)
    for old in snapshots[SNAPSHOTS_KEPT:]:
        if old != keep:
            # A reader may still have it open; on POSIX the file lives on until it closes.
            old.unlink(missing_ok=True)


def current_snapshot(settings: Settings) -> SnapshotInfo:
    """The snapshot readers should use now."""
    pointer = _current_pointer(settings)
    if not pointer.is_file():
        raise WarehouseError(
            f"no published snapshot under {settings.snapshots_dir}: run `cxbridge run` first "
            "(or `cxbridge demo` to generate a world, build it and serve it)"
        )
    name = pointer.read_text(encoding="utf-8").strip()
    path = settings.snapshots_dir / name
    if not path.is_file():
        raise WarehouseError(f"{pointer} names {name}, which does not exist; run `cxbridge run`")
    return SnapshotInfo(run_id=name.removeprefix("snapshot-").removesuffix(".duckdb"), path=path)


def open_snapshot(path: Path, threads: int = 1) -> duckdb.DuckDBPyConnection:
    """A read-only connection to one snapshot file. The caller closes it."""
    return duckdb.connect(str(path), read_only=True, config={"threads": str(threads)})


OVERLAY_SKIPPED = ("overlay_info",)  # an overlay's own stamp, not a table it shadows


def open_overlaid(path: Path, overlay: Path, threads: int = 1) -> duckdb.DuckDBPyConnection:
    """A connection reading the snapshot file ``path`` with the live overlay file ``overlay``
    over it (:mod:`cxbridge.platform.overlay`): both attached read-only to an in-memory
    database whose views name every table by its unqualified name, the overlay's where it has
    one, the snapshot's otherwise. Views, not temporary views: DuckDB keeps a temporary view
    to the connection that made it, and each query runs on a cursor of its own (another
    connection to the same database), which sees the views of ``main`` but not those. The
    caller closes it."""
    con = duckdb.connect(":memory:", config={"threads": str(threads)})
    try:
        con.execute("attach $path as snap_base (read_only)", {"path": str(path)})
        con.execute("attach $path as snap_overlay (read_only)", {"path": str(overlay)})
        source: dict[str, str] = {}
        for catalog, name in rows(  # the overlay's last: it wins
                con, "select database_name, table_name from duckdb_tables() where "
                     "database_name in ('snap_base', 'snap_overlay') and schema_name = 'main' "
                     "order by database_name = 'snap_overlay'"):
            if name not in OVERLAY_SKIPPED:
                source[quote_identifier(name)] = catalog
        con.execute(";\n".join(f"create view main.{name} as select * from {catalog}.main.{name}"
                               for name, catalog in source.items()))
    except BaseException:
        con.close()
        raise
    return con
