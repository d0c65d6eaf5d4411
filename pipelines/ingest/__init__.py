"""Ingest: one job per source, each with its contract; see :mod:`pipelines.ingest.loader`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from pathlib import Path

import duckdb

from pipelines.ingest.base import Source
from pipelines.ingest.loader import FileResult, ingest_file, release_waiting
from pipelines.ingest.sources import (
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
from pipelines.warehouse import execute_sql_file

# Load order: what others refer to comes first.
SOURCES: tuple[Source, ...] = (
    catalog.SOURCE, topology.SOURCE, customers.SOURCE, services.SOURCE, kpis.SOURCE,
    alarms.SOURCE, usage.SOURCE, tickets.SOURCE, surveys.SOURCE,
    # adapters for real public data layouts
    ue_measurements.SOURCE, complaints.SOURCE,
)
_BY_NAME = {source.name: source for source in SOURCES}


def source(name: str) -> Source:
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"no source called {name!r}; sources: {', '.join(_BY_NAME)}") from None


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
                    if found.is_file() and not found.name.startswith(".") and found not in seen:
                        seen.add(found)
                        yield found
        elif path.exists():
            yield path
        else:
            raise FileNotFoundError(f"{path} does not exist")


def discover(raw_dir: Path) -> list[tuple[Source, Path]]:
    """Every file under the raw folder, by source, in load order. ``_truth`` is never read."""
    return [(src, f) for src in SOURCES if (raw_dir / src.folder).is_dir()
            for f in files_of(src, [raw_dir / src.folder])]


def ingest_many(
    con: duckdb.DuckDBPyConnection,
    work: list[tuple[Source, Path]],
    run_id: str,
    on_file: Callable[[FileResult], None] | None = None,
) -> list[FileResult]:
    """Ingest each (source, file) in order, then load every held row whose reference has
    arrived; the results of files whose rows were released are updated accordingly."""
    prepare(con)
    results = []
    for src, path in work:
        result = ingest_file(con, src, path, run_id)
        results.append(result)
        if on_file:
            on_file(result)
    released = release_waiting(con, SOURCES)
    return [replace(r, rows_loaded=r.rows_loaded + released[r.path],
                    rows_quarantined=r.rows_quarantined - released[r.path])
            if released.get(r.path) and r.status in ("loaded", "replaced") else r
            for r in results]


__all__ = ["SOURCES", "FileResult", "discover", "files_of", "ingest_many", "prepare", "source"]
