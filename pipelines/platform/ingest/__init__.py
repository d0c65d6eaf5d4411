"""Ingest: one job per source, each with its contract.

:mod:`~cxbridge.platform.ingest.loader` takes one file through hashing, parsing and its transaction;
:mod:`~cxbridge.platform.ingest.checks` decides each row's fate (loaded, quarantined, held);
:func:`ingest_many` reads the next files on other threads (a large JSON file in a process of its
own, :mod:`~cxbridge.platform.ingest.reader_process`) while this one loads. The declared mappings
(:mod:`~cxbridge.platform.ingest.mappings`: PM dialects, alarm CSV feeds) are loaded once by the
caller and handed to :func:`ingest_many`, which binds them to the sources that read them."""

from __future__ import annotations

import contextlib
import errno
import logging
import stat
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime
from functools import partial
from pathlib import Path

import duckdb

from cxbridge.platform.errors import PathNotFoundError, UserError
from cxbridge.platform.ingest.base import Source, TimeWindow, printable
from cxbridge.platform.ingest.checks import release_waiting
from cxbridge.platform.ingest.loader import (
    DEFAULT_MAX_SHRINK,
    FileResult,
    PreparedFile,
    existing_tables,
    file_identity,
    load_prepared,
    migrate_file_identities,
    prepare_file,
    registered_files,
    sha256_of,
)
from cxbridge.platform.ingest.mappings import Mappings, load_mappings, mapping_folders
from cxbridge.platform.ingest.reader_process import prepare_in_process
from cxbridge.platform.ingest.sources import (
    actions,
    alarms,
    campaigns,
    catalog,
    complaints,
    customers,
    kpis,
    services,
    surveys,
    tickets,
    topology,
    ue_measurements,
    usage,
)
from cxbridge.platform.runs import now
from cxbridge.platform.settings import Settings
from cxbridge.platform.warehouse import execute_sql_file, rows

LOG = logging.getLogger(__name__)

# Load order: what others refer to comes first. (PM counters refer to resources only: they
# load while the service inventory, one large file, is still being parsed.)
SOURCES: tuple[Source, ...] = (
    catalog.SOURCE, topology.SOURCE, customers.SOURCE, kpis.SOURCE, services.SOURCE,
    alarms.SOURCE, usage.SOURCE, tickets.SOURCE, surveys.SOURCE, actions.SOURCE,
    campaigns.SOURCE,
    # adapters for real public data layouts
    ue_measurements.SOURCE, complaints.SOURCE,
)
_BY_NAME = {source.name: source for source in SOURCES}
# the sources whose parse reads the declared mappings (a ``mappings`` keyword)
MAPPED_SOURCES = (kpis.SOURCE.name, alarms.SOURCE.name, customers.SOURCE.name,
                  tickets.SOURCE.name)


class UnknownSourceError(UserError, KeyError):
    """A source name that is none of :data:`SOURCES`; the message lists them."""


def source(name: str) -> Source:
    try:
        return _BY_NAME[name]
    except KeyError:
        raise UnknownSourceError(f"no source called {name!r}; sources: "
                                 f"{', '.join(_BY_NAME)}") from None


def with_mappings(src: Source, mappings: Mappings | None) -> Source:
    """The source with its parse bound to ``mappings`` when it reads them (as it is
    otherwise: a mapped source then reads the built-in mappings only)."""
    if mappings is None or src.name not in MAPPED_SOURCES:
        return src
    return replace(src, parse=partial(src.parse, mappings=mappings))


def with_window(src: Source, window: TimeWindow) -> Source:
    """The source with every table checking its event times against ``window``."""
    return replace(src, tables=tuple(replace(t, time_window=window) for t in src.tables))


def window_of(settings: Settings) -> TimeWindow:
    """The plausible time window the settings give (the config file's ``[ingest]``)."""
    return TimeWindow(settings.ingest_earliest, settings.ingest_future_days)


def mappings_for(mappings_dir: Path | None, raw_dir: Path | None = None) -> Mappings:
    """The mappings in force for a run: the built-ins, the raw folder's own ``_mappings``
    and the mappings folder (``--mappings`` or the settings' ``mappings_dir``), validated."""
    return load_mappings(mapping_folders(mappings_dir, raw_dir))


def prepare(con: duckdb.DuckDBPyConnection) -> None:
    """Create the bookkeeping and staging schemas if they are missing."""
    execute_sql_file(con, "meta/schema.sql")
    con.execute("create schema if not exists stg")


def files_of(src: Source, paths: Iterable[Path]) -> Iterator[Path]:
    """Expand folders into the source's files (sorted, so loads are reproducible). A path
    that is no regular file (a named pipe, a socket, a device, a symbolic link loop or one to
    nothing: see :func:`special_kind`) is yielded too, so that ingest can say it skipped it;
    it is never opened."""
    for path in paths:
        if path.is_dir():
            seen: set[Path] = set()
            for pattern in src.patterns:  # in pattern order: what others refer to comes first
                for found in sorted(path.glob(pattern)):
                    # dot files, and anything under a folder starting with _, are no feed
                    hidden = any(part.startswith("_")
                                 for part in found.relative_to(path).parts[:-1])
                    if (not found.name.startswith(".") and not hidden and found not in seen
                            and (found.is_file() or special_kind(found))):
                        seen.add(found)
                        yield found
        elif path.exists() or special_kind(path):
            yield path
        else:
            raise PathNotFoundError(f"{path} does not exist")


_SPECIAL = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket"),
            (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))


def special_kind(path: Path) -> str | None:
    """What ``path`` is when it is neither a regular file nor a folder, in words (reading a
    named pipe or a device can block for ever, so such a path is never opened); None for a
    file, a folder or a path that does not exist."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "a symbolic link loop"
        if path.is_symlink():
            return "a symbolic link to nothing (its target is gone)"
        return None
    return next((kind for test, kind in _SPECIAL if test(mode)), None)


def discover(raw_dir: Path) -> list[tuple[Source, Path]]:
    """Every file under the raw folder, by source, in load order. ``_truth`` is never read."""
    return [(src, f) for src in SOURCES if (raw_dir / src.folder).is_dir()
            for f in files_of(src, [raw_dir / src.folder])]


# files read ahead of the one loading: parsing is CPU work in polars (or Python, for JSON),
# loading is CPU work in DuckDB; each releases the interpreter lock while it works
READ_AHEAD = 2
# a file this large (the service inventory) is read as soon as a reader is free of other
# large files, however far ahead it is: it takes longest to parse (and if it is parsed in
# Python, it is parsed in a process of its own: see reader_process)
LARGE_FILE_BYTES = 64 << 20


def ingest_many(
    con: duckdb.DuckDBPyConnection,
    work: list[tuple[Source, Path]],
    run_id: str,
    on_file: Callable[[FileResult], None] | None = None,
    mappings: Mappings | None = None,
    raw_root: Path | None = None,
    max_shrink: float = DEFAULT_MAX_SHRINK,
    accept_shrink: bool = False,
    window: TimeWindow | None = None,
) -> list[FileResult]:
    """Ingest each (source, file) in order, then load every held row whose reference has
    arrived; the results of files whose rows were released are updated accordingly (a file
    rejected because all its rows waited becomes loaded once they are). ``mappings`` are the
    declared mappings (see :func:`mappings_for`; ``None``: the built-in ones only).
    ``raw_root``: the raw folder the files were found in (a file's identity is its path
    relative to it: see :func:`~cxbridge.platform.ingest.loader.file_identity`). A
    re-delivery that would remove more than ``max_shrink`` of the rows its earlier version
    loaded is held (status ``held``), unless ``accept_shrink``.

    While one file loads (in the database, on this thread) the next ones are read and parsed
    on other threads: parsing touches no database. Files still load one at a time, in order,
    each in its own transaction. A result's ``seconds`` is the time this thread spent on the
    file, waiting for its parse included, so the results' seconds add up to the run's.

    No file stops the run: one that is not a regular file is skipped unopened, and anything
    unexpected while one file is read or loaded rejects that file only (its transaction
    rolled back, the traceback logged: :func:`_safely`). Event times outside ``window``
    (default: :class:`~cxbridge.platform.ingest.base.TimeWindow`'s) are quarantined."""
    prepare(con)
    _retry_failed(con)
    migrate_file_identities(con, SOURCES, raw_root)
    bound = {src.name: with_window(with_mappings(src, mappings), window or TimeWindow())
             for src, _ in work}
    work = [(bound[src.name], path) for src, path in work]
    registered = registered_files(con)
    existing = existing_tables(con)
    results = []
    with ThreadPoolExecutor(max_workers=READ_AHEAD, thread_name_prefix="ingest-read") as readers:
        schedule = _ReadSchedule(work, lambda item: readers.submit(
            _prepare, *item, registered, raw_root))
        for index in range(len(work)):
            started = time.perf_counter()
            prepared = _taken(con, schedule, index, work[index])
            result = _safely(con, prepared, partial(
                load_prepared, con, run_id=run_id, existing=existing, raw_root=raw_root,
                max_shrink=max_shrink, accept_shrink=accept_shrink))
            if isinstance(prepared, PreparedFile):
                registered[(prepared.source.name, file_identity(
                    prepared.source, prepared.path, raw_root))] = prepared.sha256
            if index + 1 == len(work) or work[index + 1][0] is not work[index][0]:
                # a source's files are in: their rows go from memory to the database file
                # (at once rather than file by file), so memory stays bounded
                con.execute("checkpoint")
            result = replace(result, seconds=time.perf_counter() - started)
            results.append(result)
            if on_file:
                on_file(result)
    results = _recounted(con, results, run_id)
    released = release_waiting(con, SOURCES, existing)
    _accept_released(con)
    if kpis.SOURCE.tables[0].name in existing_tables(con):
        execute_sql_file(con, "staging/kpi_extra.sql")
    # everything loaded goes from the write-ahead log into the database file: readers and the
    # next run open a self-contained warehouse
    con.execute("checkpoint")
    return [_released(r, released[r.path]) if released.get(r.path)
            and r.status in ("loaded", "replaced", "rejected") else r for r in results]


def _recounted(con, results: list[FileResult], run_id: str) -> list[FileResult]:
    """The results of this run's files of a source whose later deliveries replace earlier
    ones (:mod:`~cxbridge.platform.ingest.deliveries`) with their counts as they stand now: a
    newer delivery loaded after an older one in the same run moved the older one's replaced
    rows from loaded to quarantined, so the run's totals count each record once."""
    latest_wins = {src.name for src in SOURCES if any(t.latest_delivery_wins for t in src.tables)}
    if not any(r.source in latest_wins and r.status in ("loaded", "replaced") for r in results):
        return results
    now = {(source, path): (loaded, quarantined) for source, path, loaded, quarantined in rows(
        con, "select source, path, rows_loaded, rows_quarantined from meta.ingest_files "
             "where run_id = $run and superseded_at is null", {"run": run_id})}
    return [replace(r, rows_loaded=now[key][0], rows_quarantined=now[key][1])
            if r.source in latest_wins and r.status in ("loaded", "replaced")
            and (key := (r.source, r.path)) in now else r for r in results]


def _released(result: FileResult, count: int) -> FileResult:
    """A file's result once ``count`` of its held rows have loaded."""
    loaded = replace(result, rows_loaded=result.rows_loaded + count,
                     rows_quarantined=result.rows_quarantined - count)
    if result.status == "rejected":
        return replace(loaded, status="loaded",
                       message="its rows waited for a reference that arrived in this run")
    return loaded


def _accept_released(con: duckdb.DuckDBPyConnection) -> None:
    """A file registered as rejected because none of its rows could load yet is loaded once
    some of its held rows have been released."""
    con.execute("update meta.ingest_files set status = 'loaded', message = null "
                "where status = 'rejected' and rows_loaded > 0 and superseded_at is null")


def _prepare(src: Source, path: Path, registered: dict[tuple[str, str], str],
             raw_root: Path | None = None) -> PreparedFile:
    """Read one file: in a process of its own when it is large and parsed in Python (unless
    it is unchanged: then hashing it is all there is to do). A path that is no regular file
    is not opened: its prepared file has no hash, and says what it is."""
    kind = special_kind(path)
    if kind:
        return PreparedFile(src, path, "", error=kind)
    # (a delimited file is parsed by polars whatever the source, and a mapped source's parse
    # needs the mappings this process holds)
    if (src.python_parser and path.suffix.lower() in (".json", ".jsonl")
            and path.stat().st_size >= LARGE_FILE_BYTES):
        path = path.resolve()
        sha = sha256_of(path)
        if registered.get((src.name, file_identity(src, path, raw_root))) == sha:
            return PreparedFile(src, path, sha)
        prepared = prepare_in_process(src, path, None)
        # the child knows the source as it is declared: checked against another window here,
        # the file's rows are checked again when they load (in_file None)
        return prepared if src.tables == source(src.name).tables else replace(
            prepared, source=src, in_file=None)
    return prepare_file(src, path, registered, raw_root)


# the end of the message of a file that failed for a reason that may pass (a bug fixed, a
# file readable again): such a file is read again on the next run (:func:`_retry_failed`)
RETRIED = "it is tried again on the next run"


def _taken(con, schedule: _ReadSchedule, index: int, item: tuple[Source, Path]
           ) -> PreparedFile | FileResult:
    """The file at ``index`` as its reader prepared it; a result already when it is not to be
    loaded (not a regular file; unreadable, or a reader failed, before it could be hashed).
    Whatever a reader raises becomes the file's rejection."""
    src, path = item
    try:
        prepared = schedule.take(index)
    except Exception as exc:  # noqa: BLE001 - one file's failure, whatever it is, is its own
        message = _failure(con, path, "reading", exc)
        try:
            return PreparedFile(src, path.resolve(), sha256_of(path.resolve()), error=message)
        except OSError:
            return FileResult(src.name, str(path), "rejected", message=message)
    if not prepared.sha256:
        return FileResult(src.name, str(path), "skipped",
                          message=f"{prepared.error}, not a regular file: skipped, never opened")
    return prepared


def _safely(con, prepared: PreparedFile | FileResult,
            load: Callable[[PreparedFile], FileResult]) -> FileResult:
    """``load(prepared)``; when it raises, its transaction is rolled back and the file is
    registered as rejected with what happened (the traceback goes to the log)."""
    if isinstance(prepared, FileResult):
        return prepared
    try:
        return load(prepared)
    except Exception as exc:  # noqa: BLE001 - one file's failure, whatever it is, is its own
        _rollback(con)
        message = _failure(con, prepared.path, "loading", exc)
        return load(replace(prepared, parsed=None, in_file=None, error=message))


def _rollback(con) -> None:
    """Roll back a transaction left open (:func:`~cxbridge.platform.warehouse.transaction`
    rolls back its own; this is for one that failed on commit)."""
    with contextlib.suppress(duckdb.Error):  # (none was open)
        con.rollback()


def _failure(con, path: Path, stage: str, exc: BaseException) -> str:
    """The message of a file that failed for a reason no check foresaw, the traceback
    written to the ingest log. A user error says what to put right, an unreadable file
    (permissions, a disk error) says so; any other failure is unexpected: it may be a bug in
    cxbridge rather than a problem with the file, so the message says where the traceback is.
    Each is tried again on the next run (:func:`_retry_failed`)."""
    log = _log_path(con)
    try:
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("a", encoding="utf-8") as handle:
            handle.write(f"{datetime.now():%Y-%m-%d %H:%M:%S} {stage} {path}\n"
                         f"{''.join(traceback.format_exception(exc))}\n")
        where = f"the traceback is in {log}"
    except OSError as problem:
        LOG.error("could not write the ingest log %s (%s)", log, problem, exc_info=exc)
        where = f"the traceback could not be written to {log} ({problem.strerror})"
    LOG.debug("%s %s failed", stage, path, exc_info=exc)
    first = _first_cause(exc)
    cause = printable(f"{type(first).__name__}: {first}", 300)
    if isinstance(exc, UserError):  # something the user can put right (not a bug)
        return f"{printable(str(exc), 1000)}; {RETRIED}"
    if isinstance(exc, OSError):
        return f"{path} could not be read ({cause}); {RETRIED}"
    return (f"unexpected error while {stage} {path}: {cause}. This may be a bug in cxbridge "
            f"rather than a problem with the file: {where}; {RETRIED}")


def _first_cause(exc: BaseException) -> BaseException:
    """The exception that started it all: a failed statement aborts its transaction, and
    the clean-up after it then fails too (\"transaction is aborted\"), hiding the cause."""
    seen = {id(exc)}
    while ((nxt := exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__))
           is not None and id(nxt) not in seen):
        seen.add(id(nxt))
        exc = nxt
    return exc


def _log_path(con) -> Path:
    """The ingest log: ``logs/ingest-errors.log`` beside the warehouse file (in the
    temporary folder for a database in memory)."""
    found = rows(con, "select path from duckdb_databases() "
                      "where database_name = current_database()")
    folder = Path(found[0][0]).parent if found and found[0][0] else Path(tempfile.gettempdir())
    return folder / "logs" / "ingest-errors.log"


def _retry_failed(con: duckdb.DuckDBPyConnection) -> None:
    """Files rejected for a reason that may pass (:data:`RETRIED`) are read again: their
    registration is superseded, so they are no longer "already loaded"."""
    con.execute("update meta.ingest_files set superseded_at = $now "
                "where status = 'rejected' and superseded_at is null and message like $m",
                {"m": f"%{RETRIED}", "now": now()})


class _ReadSchedule:
    """Which files are being read: the next ``READ_AHEAD`` in load order, and one large file
    from further ahead."""

    def __init__(self, work: list[tuple[Source, Path]],
                 submit: Callable[[tuple[Source, Path]], Future]) -> None:
        self._work, self._submit = work, submit
        self._reading: dict[int, Future] = {}
        self._large = [i for i, (_, path) in enumerate(work)
                       if path.is_file() and path.stat().st_size >= LARGE_FILE_BYTES]

    def take(self, index: int) -> PreparedFile:
        """The prepared file at ``index`` (read now if it is not being read yet)."""
        for ahead in range(index, min(index + READ_AHEAD + 1, len(self._work))):
            self._start(ahead)
        if not any(i in self._reading for i in self._large if i > index):
            upcoming = next((i for i in self._large if i > index), None)
            if upcoming is not None:
                self._start(upcoming)
        return self._reading.pop(index).result()

    def _start(self, index: int) -> None:
        if index not in self._reading:
            self._reading[index] = self._submit(self._work[index])


__all__ = ["SOURCES", "FileResult", "Mappings", "TimeWindow", "discover", "files_of",
           "ingest_many", "mappings_for", "prepare", "source", "special_kind", "window_of",
           "with_mappings", "with_window"]
