"""An append-only SQLite store beside the warehouse: what the incident workflow
(:mod:`cxbridge.platform.workflow`) and the recorded actions (:mod:`cxbridge.platform.action_log`)
are kept in.

Why SQLite and not the warehouse: the dashboard writes these while its snapshot is read-only,
from several threads at once, and the command line and the job read them while it writes. So:
WAL mode (readers never wait for the writer), a busy timeout (a writer waits for another rather
than fail), and one ``BEGIN IMMEDIATE`` transaction per write (what is read inside it is what the
write is appended to). The file is created with its folder on first use, readable by its owner
only (mode 0600), and its schema (``create … if not exists``, with the triggers that refuse an
update or a delete) applied once per instance.

A store that cannot be used (a folder not writable, a file that is not a SQLite database, a
writer holding it past the busy timeout) raises the store's own error from :meth:`unusable`,
which names the file and what to do. A constraint the code breaks (an integrity or programming
error) is a bug, not an unusable store, and is raised as it is.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

BUSY_TIMEOUT_MS = 5000


def stamp(at: datetime) -> str:
    """UTC, ISO 8601 with milliseconds and a Z (the audit log's form)."""
    return at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def use_wal(con: sqlite3.Connection, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> None:
    """Put the store in WAL mode. Switching needs the file to itself, and SQLite answers a
    switch that meets another process's lock with "database is locked" at once, without its
    busy timeout (two processes creating the store together: a CLI action while the dashboard
    starts); so the switch is tried again until the busy timeout has passed."""
    deadline = time.monotonic() + busy_timeout_ms / 1000
    while True:
        try:
            con.execute("pragma journal_mode = wal")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) and "busy" not in str(error):
                raise
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.02)


class SqliteStore:
    """The store at ``path`` with the schema in ``schema_file``; safe to share between threads
    (one SQLite connection per call, rows as :class:`sqlite3.Row`). Subclasses say what an
    unusable store means to their user (:meth:`unusable`)."""

    def __init__(self, path: Path, schema_file: Path,
                 busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> None:
        self.path = Path(path)
        self._schema_file = schema_file
        self._busy_ms = busy_timeout_ms
        self._ready = False
        self._lock = threading.Lock()

    def unusable(self, error: Exception) -> Exception:
        """The error a person reads when the store cannot be opened, read or written."""
        raise NotImplementedError

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        try:
            self._prepare()
            con = sqlite3.connect(self.path, timeout=self._busy_ms / 1000,
                                  isolation_level=None)
        except (OSError, sqlite3.Error) as error:
            raise self.unusable(error) from error
        try:
            con.row_factory = sqlite3.Row
            con.execute(f"pragma busy_timeout = {int(self._busy_ms)}")
            yield con
        except (sqlite3.IntegrityError, sqlite3.ProgrammingError):
            raise
        except sqlite3.Error as error:
            raise self.unusable(error) from error
        finally:
            con.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken at once (``BEGIN IMMEDIATE``): the state read inside it
        is the one the write is appended to, and two writers go one after the other."""
        with self._connection() as con:
            con.execute("begin immediate")
            try:
                yield con
            except BaseException:
                con.execute("rollback")
                raise
            con.execute("commit")

    def _prepare(self) -> None:
        """Create the store (folder, file 0600, WAL mode, tables) once per instance."""
        with self._lock:
            if self._ready:
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
            con = sqlite3.connect(self.path, timeout=self._busy_ms / 1000,
                                  isolation_level=None)
            try:
                use_wal(con, self._busy_ms)
                con.executescript(self._schema_file.read_text(encoding="utf-8"))
            finally:
                con.close()
            self._ready = True
