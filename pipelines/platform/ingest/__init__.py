"""Ingest: one job per source, each with its contract.

:mod:`~cxbridge.platform.ingest.loader` takes one file through hashing, parsing and its transaction;
:mod:`~cxbridge.platform.ingest.checks` decides each row's fate (loaded, quarantined, held);
:func:`ingest_many` reads the next files on other threads (a large JSON file in a process of its
own, :mod:`~cxbridge.platform.ingest.reader_process`) while this one loads. The declared mappings
(:mod:`~cxbridge.platform.ingest.mappings`: PM dialects, alarm CSV feeds) are loaded once by the
caller and handed to :func:`ingest_many`, which binds them to the sources that read them."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from functools import partial
from pathlib import Path

import duckdb

from cxbridge.platform.errors import PathNotFoundError, UserError
from cxbridge.platform.ingest.base import Source
from cxbridge.platform.ingest.checks import release_waiting
from cxbridge.platform.ingest.loader import (
    FileResult,
    PreparedFile,
    existing_tables,
    load_prepared,
    prepare_file,
    registered_files,
    sha256_of,
)
from cxbridge.platform.ingest.mappings import Mappings, load_mappings, mapping_folders
from cxbridge.platform.ingest.reader_process import prepare_in_process
from cxbridge.platform.ingest.sources import (
    alarms,
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
from cxbridge.platform.warehouse import execute_sql_file

# Load order: what others refer to comes first. (PM counters refer to resources only: they
# load while the service inventory, one large file, is still being parsed.)
SOURCES: tuple[Source, ...] = (
    catalog.SOURCE, topology.SOURCE, customers.SOURCE, kpis.SOURCE, services.SOURCE,
    alarms.SOURCE, usage.SOURCE, tickets.SOURCE, surveys.SOURCE,
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


def mappings_for(mappings_dir: Path | None, raw_dir: Path | None = None) -> Mappings:
    """The mappings in force for a run: the built-ins, the raw folder's own ``_mappings``
    and the mappings folder (``--mappings`` or the settings' ``mappings_dir``), validated."""
    return load_mappings(mapping_folders(mappings_dir, raw_dir))


def prepare(con: duckdb.DuckDBPyConnection) -> None:
    """Create the bookkeeping and staging schemas if they are missing."""
    execute_sql_file(con, "meta/schema.sql")
    con.execute("create schema if not exists stg")


def files_of(src: Source, paths: Iterable[Path]) -> Iterator[Path]:
    """Expand folders into the source's files (sorted, so loads are reproducible)."""
    for path in paths:
        if path.is_dir():
            seen: set[Path] = set()
            for pattern in src.patterns:  # in pattern order: what others refer to comes first
                for found in sorted(path.glob(pattern)):
                    # dot files, and anything under a folder starting with _, are no feed
                    hidden = any(part.startswith("_")
                                 for part in found.relative_to(path).parts[:-1])
                    if (found.is_file() and not found.name.startswith(".") and not hidden
                            and found not in seen):
                        seen.add(found)
                        yield found
        elif path.exists():
            yield path
        else:
            raise PathNotFoundError(f"{path} does not exist")


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
) -> list[FileResult]:
    """Ingest each (source, file) in order, then load every held row whose reference has
    arrived; the results of files whose rows were released are updated accordingly (a file
    rejected because all its rows waited becomes loaded once they are). ``mappings`` are the
    declared mappings (see :func:`mappings_for`; ``None``: the built-in ones only).

    While one file loads (in the database, on this thread) the next ones are read and parsed
    on other threads: parsing touches no database. Files still load one at a time, in order,
    each in its own transaction. A result's ``seconds`` is the time this thread spent on the
    file, waiting for its parse included, so the results' seconds add up to the run's."""
    prepare(con)
    bound = {src.name: with_mappings(src, mappings) for src, _ in work}
    work = [(bound[src.name], path) for src, path in work]
    registered = registered_files(con)
    existing = existing_tables(con)
    results = []
    with ThreadPoolExecutor(max_workers=READ_AHEAD, thread_name_prefix="ingest-read") as readers:
        schedule = _ReadSchedule(work, lambda item: readers.submit(
            _prepare, *item, registered))
        for index in range(len(work)):
            started = time.perf_counter()
            prepared = schedule.take(index)
            result = load_prepared(con, prepared, run_id, existing)
            registered[(prepared.source.name, str(prepared.path))] = prepared.sha256
            if index + 1 == len(work) or work[index + 1][0] is not prepared.source:
                # a source's files are in: their rows go from memory to the database file
                # (at once rather than file by file), so memory stays bounded
                con.execute("checkpoint")
            result = replace(result, seconds=time.perf_counter() - started)
            results.append(result)
            if on_file:
                on_file(result)
    released = release_waiting(con, SOURCES, existing)
    _accept_released(con)
    if kpis.SOURCE.tables[0].name in existing_tables(con):
        execute_sql_file(con, "staging/kpi_extra.sql")
    # everything loaded goes from the write-ahead log into the database file: readers and the
    # next run open a self-contained warehouse
    con.execute("checkpoint")
    return [_released(r, released[r.path]) if released.get(r.path)
            and r.status in ("loaded", "replaced", "rejected") else r for r in results]


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


def _prepare(src: Source, path: Path, registered: dict[tuple[str, str], str]) -> PreparedFile:
    """Read one file: in a process of its own when it is large and parsed in Python (unless
    it is unchanged: then hashing it is all there is to do)."""
    # (a delimited file is parsed by polars whatever the source, and a mapped source's parse
    # needs the mappings this process holds)
    if (src.python_parser and path.suffix.lower() in (".json", ".jsonl")
            and path.stat().st_size >= LARGE_FILE_BYTES):
        path = path.resolve()
        sha = sha256_of(path)
        if registered.get((src.name, str(path))) == sha:
            return PreparedFile(src, path, sha)
        return prepare_in_process(src, path, None)
    return prepare_file(src, path, registered)


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


__all__ = ["SOURCES", "FileResult", "Mappings", "discover", "files_of", "ingest_many",
           "mappings_for", "prepare", "source", "with_mappings"]
