"""Reading the published snapshot: which one is current, one read-only connection to it, and
results cached per snapshot. The dashboard's readers are built on :class:`SnapshotReading`
(:mod:`cxbridge.dashboards.data_access`); a notebook uses it as it is, with the registry's
metrics (:mod:`cxbridge.platform.snapshot_metrics`), so both show the same numbers.

* **Which snapshot.** Every read looks at the ``CURRENT`` pointer through
  :func:`cxbridge.platform.warehouse.current_snapshot` (one small file read), so a snapshot
  published while a reader is open is used by its next read, without a restart.
* **Connections.** One read-only connection per snapshot file
  (:func:`cxbridge.platform.warehouse.open_snapshot`); each query runs on its own cursor and
  drains it, so threads never share a cursor. When ``CURRENT`` names a new file, the next query
  opens it and the old connection is dropped (a query still running on it finishes). A
  read-only snapshot never blocks the pipeline, which writes a new file.
* **Live overlay.** While ``cxbridge live`` runs, the incident tables it refreshes are published
  after each batch as an overlay over the current snapshot (:mod:`cxbridge.platform.overlay`);
  a read then goes through :func:`cxbridge.platform.warehouse.open_overlaid`, where the
  overlay's tables shadow the snapshot's. An overlay built over an older snapshot is ignored.
* **Cache.** Results are kept in LRUs keyed by the snapshot (run id, file, inode, mtime) and the
  overlay (its file, "" without one), the SQL text and the bound parameters; a new snapshot or
  overlay is a new key, so nothing is served stale. A query that names no table an overlay
  shadows is filed under the snapshot alone: a new overlay leaves it cached.
  Large results (one row per customer) go to a smaller LRU of their own, or, when they take no
  parameter, to a small per-snapshot one that :meth:`SnapshotReading.cache_clear` can keep.
* **Warm-up.** With ``warm_new_snapshots``, the first read of a new snapshot starts
  :meth:`SnapshotReading.warm_up` in a background thread: what a reader builds once per
  snapshot is ready before the first request that needs it (the dashboard's readers add theirs).
"""

from __future__ import annotations

import functools
import logging
import re
import threading
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import polars as pl

from cxbridge.platform.overlay import current_overlay, overlay_tables
from cxbridge.platform.settings import Settings
from cxbridge.platform.warehouse import current_snapshot, open_overlaid, open_snapshot, query

LOG = logging.getLogger(__name__)

Params = tuple[tuple[str, Hashable], ...]
SnapshotKey = tuple[str, str, int, int, str]  # run id, path, inode, mtime, overlay path


@dataclass(frozen=True)
class Selection:
    """Which part of the data a read covers: a date range and values of the filter dimensions;
    an empty tuple means all. Hashable, so it can key a cache (the dashboard's filter bar state,
    :class:`cxbridge.dashboards.filters.Filters`, is one)."""

    start: date | None = None
    end: date | None = None
    regions: tuple[str, ...] = ()
    segments: tuple[str, ...] = ()
    cfs_types: tuple[str, ...] = ()


@dataclass(frozen=True)
class SnapshotSummary:
    """Which snapshot, when it was built, and the days it covers."""

    run_id: str
    built_at: datetime | None
    first_date: date | None
    last_date: date | None


# DuckDB's words for a query naming a table the database does not have
_MISSING_TABLE = re.compile(r"Table with name (\w+) does not exist")


# the names of the tables a live overlay shadows, and the catalog listing (a new overlay may
# add a table): a query naming none of them reads the snapshot only
_OVERLAID = re.compile(r"\b(" + "|".join(
    [name.rpartition(".")[2] for name in overlay_tables()] + ["information_schema"]) + r")\b",
    re.IGNORECASE)


@functools.lru_cache(maxsize=1024)
def _reads_overlay(sql: str) -> bool:
    """Whether ``sql`` may read a table a live overlay shadows: it names one (a word such as
    "incidents" in a comment or a column counts too: a needless cache miss, never a stale
    result)."""
    return _OVERLAID.search(sql) is not None


def _cache_key(key: SnapshotKey, sql: str) -> SnapshotKey:
    """What a result of ``sql`` is filed under: the full key when it may read an overlaid
    table, else the snapshot's alone, so that a new overlay every few seconds (live mode)
    leaves the results of the other tables cached."""
    return key if not key[4] or _reads_overlay(sql) else (*key[:4], "")


class MissingTableError(LookupError):
    """A query needs a table this snapshot does not hold."""

    def __init__(self, table: str) -> None:
        super().__init__(f"the snapshot has no {table!r} table")
        self.table = table


class SnapshotReading:
    """Reads the current published snapshot through cached queries; safe to share between
    threads."""

    def __init__(self, settings: Settings, cache_size: int = 512, large_cache_size: int = 24,
                 threads: int | None = None, warm_new_snapshots: bool = False) -> None:
        self._settings = settings
        # DuckDB's configured threads by default: every reader of a snapshot in one process
        # must open it alike (DuckDB refuses a second configuration of an open file), and the
        # queries of concurrent requests share the threads
        self._threads = settings.duckdb_threads if threads is None else threads
        self._warm_new_snapshots = warm_new_snapshots
        self._warming: threading.Thread | None = None
        self._lock = threading.Lock()
        self._root: tuple[SnapshotKey, duckdb.DuckDBPyConnection] | None = None
        self._cached = functools.lru_cache(maxsize=cache_size)(self.run)
        self._cached_large = functools.lru_cache(maxsize=large_cache_size)(self.run)
        self._snapshot_wide = functools.lru_cache(maxsize=16)(self.run)
        # the small results that take no parameter (the filter bar's choices, the snapshot's
        # tables and run): the same for every filter, read once per snapshot
        self._snapshot_small = functools.lru_cache(maxsize=64)(self.run)

    @property
    def settings(self) -> Settings:
        """The settings this reader was made with (which home, the dashboard's and live
        mode's sections)."""
        return self._settings

    # --- reads -------------------------------------------------------------------------------

    def frame(self, sql: str, params: Params = (), large: bool = False) -> pl.DataFrame:
        """The result of ``sql`` (``$name`` parameters bound from ``params``) on the current
        snapshot, cached. ``large``: one row per customer or so, kept in the smaller cache.
        Without parameters, a result is the same for every filter: kept with what is kept per
        snapshot."""
        cached = (self._cached_large if large and params else self._cached if params
                  else self._snapshot_wide if large else self._snapshot_small)
        key = self.key()
        try:
            return cached(_cache_key(key, sql), sql, params)
        except (duckdb.IOException, FileNotFoundError):
            # The snapshot (or overlay) may have been pruned between reading its pointer and
            # opening it.
            newer = self.key()
            if newer == key:
                raise
            return cached(_cache_key(newer, sql), sql, params)

    def run(self, key: SnapshotKey, sql: str, params: Params = ()) -> pl.DataFrame:
        """Run one query, uncached, on its own cursor of the snapshot ``key`` names."""
        bound = {name: list(v) if isinstance(v, tuple) else v for name, v in params}
        cursor = self._connection(key).cursor()
        try:
            return query(cursor, sql, bound)
        except duckdb.CatalogException as exc:
            # a table this snapshot does not hold (one published before it existed, or built
            # from other feeds): the reader's own error, which a page can turn into a notice
            missing = _MISSING_TABLE.search(str(exc))
            if missing:
                raise MissingTableError(missing.group(1)) from exc
            raise
        finally:
            cursor.close()

    def key(self) -> SnapshotKey:
        """The current snapshot's key, with its live overlay's file if one applies: what every
        cached result is filed under. Two small file reads (the pointers) and two stats."""
        snapshot = current_snapshot(self._settings)
        stat = snapshot.path.stat()
        overlay = current_overlay(self._settings, snapshot.run_id)
        return (snapshot.run_id, str(snapshot.path), stat.st_ino, stat.st_mtime_ns,
                str(overlay.path) if overlay else "")

    def updated_at(self) -> datetime | None:
        """When what is read now was last updated: the live overlay's publication (UTC,
        naive), else the snapshot's build time."""
        snapshot = current_snapshot(self._settings)
        overlay = current_overlay(self._settings, snapshot.run_id)
        if overlay is not None:
            return datetime.fromtimestamp(overlay.published_at, UTC).replace(tzinfo=None)
        return self.snapshot_info().built_at

    def snapshot_info(self) -> SnapshotSummary:
        """Run id, build time and days of the snapshot now current."""
        frame = self.frame(
            "select run_id, built_at, first_date, last_date from snapshot_info limit 1")
        if frame.is_empty():
            return SnapshotSummary(current_snapshot(self._settings).run_id, None, None, None)
        return SnapshotSummary(**frame.row(0, named=True))

    def tables(self) -> frozenset[str]:
        """The tables this snapshot holds."""
        frame = self.frame("select table_name from information_schema.tables")
        return frozenset(frame["table_name"].to_list())

    def missing(self, *names: str) -> tuple[str, ...]:
        """Which of ``names`` the snapshot lacks, in the order asked."""
        present = self.tables()
        return tuple(name for name in names if name not in present)

    def missing_columns(self, table: str, *columns: str) -> tuple[str, ...]:
        """Which of ``columns`` the snapshot's ``table`` lacks, as ``table.column``: a snapshot
        an earlier cxbridge published, before they were added (the next ``cxbridge run``
        publishes them). A table the snapshot lacks altogether is for :meth:`missing`."""
        present = set(self.frame("select column_name from information_schema.columns "
                                 "where table_name = $table",
                                 (("table", table),))["column_name"].to_list())
        if not present:
            return ()
        return tuple(f"{table}.{c}" for c in columns if c not in present)

    # --- caches and warm-up ------------------------------------------------------------------

    def cache_clear(self, keep_indexes: bool = False) -> None:
        """Forget every cached result (tests, benchmarks, or after repairing a snapshot);
        ``keep_indexes`` keeps what is built once per snapshot whatever the filters (here: the
        results without parameters; readers keep their own)."""
        self._cached.cache_clear()
        self._cached_large.cache_clear()
        if not keep_indexes:
            self._snapshot_wide.cache_clear()
            self._snapshot_small.cache_clear()

    def warm_up(self) -> None:
        """Build what is built once per snapshot, ahead of the reads that need it (nothing
        here; a reader adds what it builds, calling this too)."""

    def warming(self) -> threading.Thread | None:
        """The background warm-up of the latest snapshot opened, if any was started."""
        return self._warming

    def _connection(self, key: SnapshotKey) -> duckdb.DuckDBPyConnection:
        with self._lock:
            if self._root is not None and not key[4] and self._root[0][:4] == key[:4]:
                # a query that reads no overlay table (see _cache_key): the snapshot's
                # connection, overlaid or not, answers it alike
                return self._root[1]
            if self._root is None or self._root[0] != key:
                # the old connection is only dropped: closing it would cut its cursors
                same_base = self._root is not None and self._root[0][:4] == key[:4]
                self._root = (key, open_snapshot(Path(key[1]), threads=self._threads)
                              if not key[4] else
                              open_overlaid(Path(key[1]), Path(key[4]), threads=self._threads))
                # a new overlay every few seconds: one warm-up at a time
                busy = self._warming is not None and self._warming.is_alive()
                if self._warm_new_snapshots and not (same_base and busy):
                    self._warming = threading.Thread(target=self._warm_quietly, daemon=True,
                                                     name=f"warm-up {key[0]}")
                    self._warming.start()
            return self._root[1]

    def _warm_quietly(self) -> None:
        try:
            self.warm_up()
        except (LookupError, duckdb.Error, OSError) as exc:
            # a snapshot without the tables a reader builds from: its pages say what is missing
            LOG.info("snapshot warm-up skipped: %s", exc)
