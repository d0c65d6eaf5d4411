"""Load one file of one source into the warehouse: hash, parse, check, load, in one transaction.

* A file whose content was loaded before (same source, same SHA-256) is skipped.
* A file at a path loaded before with other content is a correction: the rows its earlier version
  loaded (and quarantined) are deleted and the new version's loaded, in the same transaction.
* Rows that fail to parse, break the contract, or repeat a key go to ``meta.quarantine`` with the
  original values and a reason; rows read = rows loaded + rows quarantined is checked here.
* A file that cannot be parsed at all is registered as rejected, with its reason; so is a file
  from which no row loaded (every row quarantined), with the first reason. A file with a header
  and no data rows is registered as empty.
* A contract column that a staging table created by an earlier version lacks is added to it
  (NULL for the rows loaded before).

Reading a file (:func:`prepare_file`) touches no database, so the next file can be read while
this one loads (:func:`load_prepared`); :func:`ingest_file` does both, one after the other.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb
import polars as pl

from cxbridge.platform.ingest.base import (
    LINE,
    Parsed,
    Source,
    UnparseableFileError,
    contract_columns,
    original_json,
)
from cxbridge.platform.ingest.checks import InFileChecks, check_in_file, load_table
from cxbridge.platform.runs import now
from cxbridge.platform.warehouse import quote_identifier, rows, transaction


@dataclass(frozen=True)
class FileResult:
    source: str
    path: str
    status: str  # loaded, replaced, unchanged, rejected, empty
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    message: str = ""
    seconds: float = 0.0


@dataclass(frozen=True)
class PreparedFile:
    """A file read and parsed, ready to load: ``parsed`` is None when reading was skipped
    (the same content was registered before) and ``error`` says why a file is unreadable."""

    source: Source
    path: Path
    sha256: str
    parsed: Mapping[str, Parsed] | None = None
    error: str | None = None
    in_file: Mapping[str, InFileChecks] | None = None  # each table's own checks, done already


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def registered_files(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], str]:
    """(source, path) → content hash of every current file version: lets :func:`prepare_file`
    skip parsing a file that is already loaded, without asking the database."""
    return {(source, path): sha for source, path, sha in rows(
        con, "select source, path, sha256 from meta.ingest_files where superseded_at is null")}


def prepare_file(source: Source, path: Path,
                 registered: Mapping[tuple[str, str], str] | None = None) -> PreparedFile:
    """Hash and parse one file, and check its rows against its contract and each other (no
    database work). With ``registered``, a file whose content is registered under its path
    already is hashed but not parsed."""
    path = path.resolve()
    sha = sha256_of(path)
    if registered is not None and registered.get((source.name, str(path))) == sha:
        return PreparedFile(source, path, sha)
    try:
        parsed = source.parse(path)
    except UnparseableFileError as exc:
        return PreparedFile(source, path, sha, error=str(exc))
    in_file = {table.name: check_in_file(parsed[table.name], table)
               for table in source.tables if table.name in parsed}
    return PreparedFile(source, path, sha, parsed=parsed, in_file=in_file)


def ingest_file(con: duckdb.DuckDBPyConnection, source: Source, path: Path, run_id: str
                ) -> FileResult:
    started = time.perf_counter()
    result = load_prepared(con, prepare_file(source, path, registered_files(con)), run_id)
    return replace(result, seconds=time.perf_counter() - started)


def load_prepared(con: duckdb.DuckDBPyConnection, prepared: PreparedFile, run_id: str,
                  existing: set[str] | None = None) -> FileResult:
    """Register and load one prepared file in one transaction (or skip or reject it).
    ``existing`` (the warehouse's tables, kept up to date here) saves looking them up."""
    source, path, sha = prepared.source, prepared.path, prepared.sha256
    unchanged, copy_of, prior = _history(con, source, path, sha)
    if unchanged:
        return FileResult(source.name, str(path), "unchanged", message="already loaded")
    if prepared.parsed is None and prepared.error is None:  # skipped on a stale registry
        prepared = prepare_file(source, path)
    file_id = hashlib.sha256(f"{source.name}|{path}|{sha}".encode()).hexdigest()[:20]
    if prepared.error is not None:
        return _register_rejected(con, source, path, sha, file_id, run_id, prior,
                                  prepared.error)
    parsed = prepared.parsed
    # Tables are created before (outside) the file's transaction. DuckDB 2.0.0 with more than
    # one thread loses track of a large insert into a table created in the same transaction:
    # its rows are counted but no scan returns them until a checkpoint.
    existing = _create_missing_tables(con, source, parsed,
                                      existing_tables(con) if existing is None else existing)
    with transaction(con):
        if prior:
            _supersede(con, source, prior)
        loaded = quarantined = read = 0
        unchecked: list[str] = []  # references not checked yet (e.g. a topology derived)
        for table in source.tables:
            part = parsed.get(table.name)
            if part is None:
                continue
            in_file = (prepared.in_file or {}).get(table.name)
            if copy_of:
                part = _all_rejected(part, f"this file is a byte-identical copy of {copy_of}, "
                                           "which was loaded before; nothing is loaded twice")
                in_file = None
            counts = load_table(con, source, table, part, path, file_id, run_id, existing,
                                in_file)
            read += part.rows_read
            loaded += counts[0]
            quarantined += counts[1]
            unchecked += counts.notes
        if read != loaded + quarantined:
            raise AssertionError(f"{path}: read {read} rows but loaded {loaded} and "
                                 f"quarantined {quarantined}; nothing was committed")
        notes = "; ".join([*(note for part in parsed.values() for note in part.notes),
                           *dict.fromkeys(unchecked)])
        if copy_of:
            notes = f"identical to {copy_of}: its rows are quarantined as copies"
        status = "replaced" if prior else "loaded"
        if not loaded:
            status, notes = nothing_loaded(con, file_id, read, notes)
        _register(con, source, path, sha, file_id, run_id, read, loaded, quarantined,
                  status, notes or None)
    return FileResult(source.name, str(path), status, read, loaded, quarantined, message=notes)


def nothing_loaded(con, file_id: str, read: int, notes: str) -> tuple[str, str]:
    """The status and message of a file from which no row loaded: empty when it had no data
    rows, else rejected with the first reason a row was quarantined for."""
    if read == 0:
        return "empty", "no data rows: the file holds a header and nothing else"
    first = rows(con, "select line, reason, awaiting is not null from meta.quarantine "
                      "where file_id = $f order by line limit 1", {"f": file_id})
    line, reason, waits = first[0] if first else (None, "unknown", False)
    what = (f"every one of its {read:,} rows waits for a reference that has not arrived "
            "(they load when it does)" if waits and _all_waiting(con, file_id, read)
            else f"every one of its {read:,} rows was quarantined")
    message = f"{what}: first reason (line {line}): {reason}"
    return "rejected", f"{message}; {notes}" if notes else message


def _all_waiting(con, file_id: str, read: int) -> bool:
    return rows(con, "select count(*) from meta.quarantine where file_id = $f "
                     "and awaiting is not null", {"f": file_id})[0][0] == read


def _history(con, source: Source, path: Path, sha: str) -> tuple[bool, str | None, str | None]:
    """What the warehouse knows of this file: whether this very version is registered, the
    path of a loaded byte-identical copy, and the id of an earlier version at the same path."""
    known = rows(con, "select path, sha256, status, file_id from meta.ingest_files "
                      "where source = $source and superseded_at is null "
                      "and (path = $path or sha256 = $sha) order by ingested_at, path",
                 {"source": source.name, "path": str(path), "sha": sha})
    unchanged = any(p == str(path) and s == sha for p, s, _, _ in known)
    copy_of = next((p for p, s, status, _ in known if s == sha and status == "loaded"), None)
    prior = next((f for p, _, _, f in known if p == str(path)), None)
    return unchanged, copy_of, prior


def _all_rejected(parsed: Parsed, reason: str) -> Parsed:
    copies = parsed.frame.select(pl.col(LINE), pl.lit(reason).alias("reason"),
                                 original_json(parsed.frame).alias("original"))
    return Parsed(parsed.frame.head(0), pl.concat([parsed.rejects, copies]), parsed.notes)


def existing_tables(con) -> set[str]:
    """Every table of the warehouse as ``schema.name``."""
    return {f"{schema}.{name}" for schema, name in rows(
        con, "select schema_name, table_name from duckdb_tables()")}


def _create_missing_tables(con, source: Source, parsed: Mapping[str, Parsed],
                           existing: set[str]) -> set[str]:
    """Create each staging table the file loads that is not in ``existing`` yet, typed like
    its rows, each in a transaction of its own; returns ``existing``, with them."""
    for table in source.tables:
        part = parsed.get(table.name)
        if part is None:
            continue
        if table.name in existing:
            _add_missing_columns(con, table.name, part.frame.head(0).select(
                contract_columns(table.contract)))
            continue
        shape = part.frame.head(0).select([LINE, *contract_columns(table.contract)])
        con.register("incoming_rows", shape.with_columns(_file_id=pl.lit(None, pl.String)))
        try:
            con.execute(f"create table if not exists {quote_identifier(table.name)} as "
                        f"select * exclude ({LINE}) from incoming_rows")
        finally:
            con.unregister("incoming_rows")
        existing.add(table.name)
    return existing


def _add_missing_columns(con, table_name: str, shape: pl.DataFrame) -> None:
    """Add the contract columns a table created by an earlier version lacks (its rows get
    NULL there), typed as the incoming rows are."""
    schema, name = table_name.split(".", 1)
    have = {c for (c,) in rows(con, "select column_name from duckdb_columns() where "
                                    "schema_name = $s and table_name = $t",
                               {"s": schema, "t": name})}
    missing = [c for c in shape.columns if c not in have]
    if not missing:
        return
    con.register("incoming_shape", shape.select(missing))
    try:
        types = dict(rows(con, "select column_name, data_type from (describe incoming_shape)"))
    finally:
        con.unregister("incoming_shape")
    for column in missing:
        con.execute(f"alter table {quote_identifier(table_name)} add column if not exists "
                    f"{quote_identifier(column)} {types[column]}")


def _supersede(con, source: Source, file_id: str) -> None:
    existing = existing_tables(con)
    for table in source.tables:
        if table.name in existing:
            con.execute(f"delete from {quote_identifier(table.name)} where _file_id = $f",
                        {"f": file_id})
    con.execute("delete from meta.quarantine where file_id = $f", {"f": file_id})
    con.execute("update meta.ingest_files set superseded_at = $now where file_id = $f",
                {"f": file_id, "now": now()})


def _register(con, source: Source, path: Path, sha: str, file_id: str, run_id: str, read: int,
              loaded: int, quarantined: int, status: str, message: str | None) -> None:
    con.execute(
        "insert or replace into meta.ingest_files values ($file_id, $source, $path, $sha, "
        "$bytes, $read, $loaded, $quarantined, $status, $message, $run_id, $now, null)",
        {"file_id": file_id, "source": source.name, "path": str(path), "sha": sha,
         "bytes": path.stat().st_size, "read": read, "loaded": loaded,
         "quarantined": quarantined, "status": status, "message": message, "run_id": run_id,
         "now": now()})


def _register_rejected(con, source: Source, path: Path, sha: str, file_id: str, run_id: str,
                       prior, message: str) -> FileResult:
    with transaction(con):
        _register(con, source, path, sha, file_id, run_id, 0, 0, 0, "rejected", message)
    note = " (the version loaded before is kept)" if prior else ""
    return FileResult(source.name, str(path), "rejected", message=message + note)
