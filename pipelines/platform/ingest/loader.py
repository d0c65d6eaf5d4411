"""Load one file of one source into the warehouse: hash, parse, check, load, in one transaction.

* A file's identity is its source and its path relative to the raw folder it was found in
  (:func:`file_identity`): moving the raw folder changes no file. The absolute path is kept as
  where the file was last seen.
* A file whose content was loaded before under its identity is skipped (unchanged).
* A file loaded before with other content is a correction: the rows its earlier version loaded
  (and quarantined) are deleted and the new version's loaded, in the same transaction; unless
  the new version would load less than ``1 - max_shrink`` of what the earlier one loaded (a
  truncated or header-only re-delivery): then that transaction is rolled back, the earlier
  version stays loaded and the new one is registered as *held*, its rows quarantined with the
  reason, until it is accepted (``accept_shrink``: ``--accept-shrink``) or changes again.
* A byte-identical copy of a loaded file under another identity is quarantined as a copy.
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
from cxbridge.platform.warehouse import execute_sql_file, quote_identifier, rows, transaction

# the share of the rows a file's loaded version holds that a re-delivery may remove before it is
# held for confirmation (settings: [ingest] max_shrink)
DEFAULT_MAX_SHRINK = 0.2


@dataclass(frozen=True)
class FileResult:
    source: str
    path: str
    status: str  # loaded, replaced, unchanged, rejected, empty, held
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


def file_identity(source: Source, path: Path, raw_root: Path | None = None) -> str:
    """A file's identity within its source: its path relative to ``raw_root`` (the raw folder
    of the run) when it lies under it; else relative to the folder above the outermost folder
    named after its source (``/any/where/kpis/vendor_a/x.csv`` → ``kpis/vendor_a/x.csv``, as a
    run of ``/any/where`` names it); else, for a file outside any raw folder, its absolute path.
    So ``run --raw A``, ``mv A B``, ``run --raw B`` finds every file unchanged, and ``cxbridge
    ingest`` of one file of a raw folder names it as ``run`` does. (The same rule, in SQL, gives
    the files registered before identities existed theirs: meta/file_identity.sql.)"""
    path = path.resolve()
    if raw_root is not None and path.is_relative_to(raw_root.resolve()):
        return path.relative_to(raw_root.resolve()).as_posix()
    folders = path.parts[:-1]
    if source.folder in folders:
        return Path(*path.parts[folders.index(source.folder):]).as_posix()
    return str(path)


def migrate_file_identities(con: duckdb.DuckDBPyConnection, sources: tuple[Source, ...],
                            raw_root: Path | None = None) -> None:
    """Give the files of ``sources`` that a warehouse built by an earlier version registered
    (under their absolute paths only) their identity (:func:`file_identity`, relative to
    ``raw_root`` when given). Nothing to do, and cheap, once they all have one."""
    execute_sql_file(con, "meta/file_identity.sql", {
        "raw_root": str(raw_root.resolve()) if raw_root is not None else None,
        "sources": [s.name for s in sources], "folders": [s.folder for s in sources]})


def file_id_of(source: Source, rel_path: str, sha: str) -> str:
    """The id of one version of one file: its source, identity and content."""
    return hashlib.sha256(f"{source.name}|{rel_path}|{sha}".encode()).hexdigest()[:20]


def registered_files(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], str]:
    """(source, identity) → content hash of every current file version but held ones: lets
    :func:`prepare_file` skip parsing a file that is already loaded, without asking the
    database. (A held file is read again: whether it is still held is decided anew.)"""
    return {(source, rel_path): sha for source, rel_path, sha in rows(
        con, "select source, rel_path, sha256 from meta.ingest_files "
             "where superseded_at is null and status <> 'held' order by ingested_at")}


def prepare_file(source: Source, path: Path,
                 registered: Mapping[tuple[str, str], str] | None = None,
                 raw_root: Path | None = None) -> PreparedFile:
    """Hash and parse one file, and check its rows against its contract and each other (no
    database work). With ``registered``, a file whose content is registered under its identity
    (:func:`file_identity` with ``raw_root``) already is hashed but not parsed."""
    path = path.resolve()
    sha = sha256_of(path)
    if registered is not None and registered.get(
            (source.name, file_identity(source, path, raw_root))) == sha:
        return PreparedFile(source, path, sha)
    try:
        parsed = source.parse(path)
    except UnparseableFileError as exc:
        return PreparedFile(source, path, sha, error=str(exc))
    in_file = {table.name: check_in_file(parsed[table.name], table)
               for table in source.tables if table.name in parsed}
    return PreparedFile(source, path, sha, parsed=parsed, in_file=in_file)


def ingest_file(con: duckdb.DuckDBPyConnection, source: Source, path: Path, run_id: str,
                raw_root: Path | None = None, max_shrink: float = DEFAULT_MAX_SHRINK,
                accept_shrink: bool = False) -> FileResult:
    """Read and load one file (see :func:`load_prepared` for the options)."""
    started = time.perf_counter()
    migrate_file_identities(con, (source,), raw_root)
    result = load_prepared(con, prepare_file(source, path, registered_files(con), raw_root),
                           run_id, raw_root=raw_root, max_shrink=max_shrink,
                           accept_shrink=accept_shrink)
    return replace(result, seconds=time.perf_counter() - started)


def load_prepared(con: duckdb.DuckDBPyConnection, prepared: PreparedFile, run_id: str,
                  existing: set[str] | None = None, *, raw_root: Path | None = None,
                  max_shrink: float = DEFAULT_MAX_SHRINK, accept_shrink: bool = False
                  ) -> FileResult:
    """Register and load one prepared file in one transaction (or skip, hold or reject it).
    ``existing`` (the warehouse's tables, kept up to date here) saves looking them up;
    ``raw_root`` is the raw folder the file was found in (its identity is relative to it). A
    correction that would remove more than ``max_shrink`` of the rows its earlier version
    loaded is held, unless ``accept_shrink``."""
    source, path, sha = prepared.source, prepared.path, prepared.sha256
    rel_path = file_identity(source, path, raw_root)
    known = _history(con, source, rel_path, sha)
    if known.unchanged:
        _seen_again(con, source, known, path)
        return FileResult(source.name, str(path), "unchanged", message="already loaded")
    if prepared.parsed is None and prepared.error is None:  # skipped on a stale registry
        prepared = prepare_file(source, path)
    file_id = file_id_of(source, rel_path, sha)
    if prepared.error is not None:
        return _register_rejected(con, source, path, sha, file_id, run_id, known.prior,
                                  prepared.error, rel_path=rel_path)
    # Tables are created before (outside) the file's transaction. DuckDB 2.0.0 with more than
    # one thread loses track of a large insert into a table created in the same transaction:
    # its rows are counted but no scan returns them until a checkpoint.
    existing = _create_missing_tables(con, source, prepared.parsed,
                                      existing_tables(con) if existing is None else existing)
    try:
        with transaction(con):
            if known.prior:
                _supersede(con, source, *known.prior)
            read, loaded, quarantined, notes = _load_tables(
                con, prepared, file_id, run_id, existing, known.copy_of)
            status = "replaced" if known.prior else "loaded"
            if not loaded:
                status, notes = nothing_loaded(con, file_id, read, notes)
            if not accept_shrink:  # rolls the transaction back when it shrinks too far
                _check_shrink(con, prepared, rel_path, file_id, known.loaded, max_shrink,
                              (read, loaded, quarantined), notes)
            _register(con, source, path, sha, file_id, run_id, read, loaded, quarantined,
                      status, notes or None, rel_path=rel_path)
    except _ShrinksTooFar as held:
        return _hold(con, prepared, rel_path, file_id, run_id, known, existing, str(held))
    return FileResult(source.name, str(path), status, read, loaded, quarantined, message=notes)


def _load_tables(con, prepared: PreparedFile, file_id: str, run_id: str, existing: set[str],
                 copy_of: str | None) -> tuple[int, int, int, str]:
    """Load each table of a prepared file (all its rows quarantined when it is a copy of
    ``copy_of``): rows read, loaded and quarantined, and the notes a person should read."""
    source, path, parsed = prepared.source, prepared.path, prepared.parsed or {}
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
    return read, loaded, quarantined, notes


class _ShrinksTooFar(Exception):  # noqa: N818 (a signal, not an error: the file is held)
    """Raised inside a correction's transaction to roll it back: the new version would remove
    too much of what the earlier one loaded. The message is the held file's."""


def shrink_of(loaded_before: int, would_load: int) -> float:
    """The share of the rows loaded before that a new version would remove (0 when it grows;
    0 when nothing was loaded before, so there is nothing to lose)."""
    if loaded_before <= 0:
        return 0.0
    return max(0.0, (loaded_before - would_load) / loaded_before)


def _check_shrink(con, prepared: PreparedFile, rel_path: str, file_id: str,
                  loaded_before: int, max_shrink: float, counts: tuple[int, int, int],
                  notes: str) -> None:
    """Raise :class:`_ShrinksTooFar`, with the message a person acts on, when the version
    just loaded (not committed) removes more than ``max_shrink`` of ``loaded_before``. Rows
    that wait for a reference count as loading (they load when it arrives)."""
    read, loaded, quarantined = counts
    waiting = rows(con, "select count(*) from meta.quarantine where file_id = $f "
                        "and awaiting is not null", {"f": file_id})[0][0] if quarantined else 0
    would_load = loaded + waiting
    shrink = shrink_of(loaded_before, would_load)
    if shrink <= max_shrink:
        return
    has = ("has no data rows" if read == 0 else f"would load {would_load:,} rows")
    why = ""
    if read and not would_load:
        why = f" ({notes})"
    elif quarantined > waiting:
        why = f" ({quarantined - waiting:,} of its {read:,} rows would be quarantined)"
    raise _ShrinksTooFar(
        f"{rel_path}: this version {has} where the loaded one has {loaded_before:,} "
        f"(\u2212{shrink * 100:.0f} %){why}; the loaded version is kept (a re-delivery may "
        f"remove up to {max_shrink * 100:.0f} % of it). If the shrink is intended, run "
        f"`cxbridge ingest {prepared.source.name} --accept-shrink {prepared.path}` "
        "(or `cxbridge run --accept-shrink`)")


def _hold(con, prepared: PreparedFile, rel_path: str, file_id: str, run_id: str,
          known: _Known, existing: set[str], message: str) -> FileResult:
    """Register a version that shrinks too far as held (the earlier version stays loaded and
    current): its rows are quarantined with the reason, so every row read is accounted for;
    an earlier held version of the file is superseded by it."""
    source, path = prepared.source, prepared.path
    reason = ("held: this re-delivery of its file would remove more of the rows loaded before "
              "than is allowed; see the file's message in meta.ingest_files and accept it with "
              "cxbridge ingest --accept-shrink")
    with transaction(con):
        stale = [f for f in known.held if f != file_id]
        if stale:
            _supersede(con, source, *stale)
        con.execute("delete from meta.quarantine where file_id = $f", {"f": file_id})
        read = quarantined = 0
        for table in source.tables:
            part = (prepared.parsed or {}).get(table.name)
            if part is None:
                continue
            part = _all_rejected(part, reason)
            quarantined += load_table(con, source, table, part, path, file_id, run_id,
                                      existing)[1]
            read += part.rows_read
        _register(con, source, path, prepared.sha256, file_id, run_id, read, 0, quarantined,
                  "held", message, rel_path=rel_path)
    return FileResult(source.name, str(path), "held", read, 0, quarantined, message=message)


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


@dataclass(frozen=True)
class _Known:
    """What the warehouse knows of one version of a file (see :func:`_history`)."""

    unchanged: tuple[str, str] | None  # (file_id, last seen path) of this very version
    copy_of: str | None  # where a loaded byte-identical copy under another identity was seen
    prior: tuple[str, ...]  # the current versions under this identity (held ones too)
    held: tuple[str, ...]  # of those, the held ones
    loaded: int  # the rows those versions loaded


def _history(con, source: Source, rel_path: str, sha: str) -> _Known:
    """What the warehouse knows of this file: whether this very version is registered (and
    not merely held), where a loaded byte-identical copy was seen, and the current versions
    under the same identity, with what they loaded."""
    known = rows(con, "select rel_path, path, sha256, status, file_id, rows_loaded "
                      "from meta.ingest_files where source = $source and superseded_at is null "
                      "and (rel_path = $rel or sha256 = $sha) order by ingested_at, rel_path",
                 {"source": source.name, "rel": rel_path, "sha": sha})
    same = [k for k in known if k[0] == rel_path]
    return _Known(
        unchanged=next(((f, p) for _, p, s, status, f, _ in same
                        if s == sha and status != "held"), None),
        copy_of=next((p for r, p, s, status, _, _ in known if s == sha and r != rel_path
                      and status in ("loaded", "replaced")), None),
        prior=tuple(f for *_, f, _ in same),
        held=tuple(f for *_, status, f, _ in same if status == "held"),
        loaded=sum(n for *_, n in same))


def _seen_again(con, source: Source, known: _Known, path: Path) -> None:
    """An unchanged file: note where it is now when it moved, and drop a held version of it
    (the file is back to the version that is loaded, so nothing waits to be accepted)."""
    file_id, seen = known.unchanged
    if seen == str(path) and not known.held:
        return
    with transaction(con):
        con.execute("update meta.ingest_files set path = $path where file_id = $f",
                    {"path": str(path), "f": file_id})
        if known.held:
            _supersede(con, source, *known.held)


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
            add_missing_columns(con, table.name, part.frame.head(0).select(
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


def add_missing_columns(con, table_name: str, shape: pl.DataFrame) -> None:
    """Add the contract columns a table created by an earlier version lacks (its rows get
    NULL there), typed as the incoming rows are."""
    # (the one table's columns: duckdb_columns() lists every table's, ten times the cost)
    have = {c for (c,) in rows(con, "select name from pragma_table_info($t)",
                               {"t": table_name})}
    missing = [c for c in shape.columns if c not in have]
    if not missing:
        return
    con.register("incoming_shape", shape.select(missing))
    try:
        types = dict(rows(con, "select column_name, column_type from (describe incoming_shape)"))
    finally:
        con.unregister("incoming_shape")
    for column in missing:
        con.execute(f"alter table {quote_identifier(table_name)} add column if not exists "
                    f"{quote_identifier(column)} {types[column]}")


def _supersede(con, source: Source, *file_ids: str) -> None:
    """Take the versions ``file_ids`` out: their rows and quarantined rows deleted, their
    registrations marked superseded."""
    existing = existing_tables(con)
    for file_id in file_ids:
        for table in source.tables:
            if table.name in existing:
                con.execute(f"delete from {quote_identifier(table.name)} where _file_id = $f",
                            {"f": file_id})
        con.execute("delete from meta.quarantine where file_id = $f", {"f": file_id})
        con.execute("update meta.ingest_files set superseded_at = $now where file_id = $f",
                    {"f": file_id, "now": now()})


def _register(con, source: Source, path: Path, sha: str, file_id: str, run_id: str, read: int,
              loaded: int, quarantined: int, status: str, message: str | None,
              rel_path: str | None = None) -> None:
    """Register one version of a file (``rel_path``: its identity; default: as
    :func:`file_identity` gives it without a raw folder)."""
    con.execute(
        "insert or replace into meta.ingest_files (file_id, source, path, sha256, bytes, "
        "rows_read, rows_loaded, rows_quarantined, status, message, run_id, ingested_at, "
        "superseded_at, rel_path) values ($file_id, $source, $path, $sha, $bytes, $read, "
        "$loaded, $quarantined, $status, $message, $run_id, $now, null, $rel_path)",
        {"file_id": file_id, "source": source.name, "path": str(path), "sha": sha,
         "bytes": path.stat().st_size, "read": read, "loaded": loaded,
         "quarantined": quarantined, "status": status, "message": message, "run_id": run_id,
         "now": now(), "rel_path": rel_path or file_identity(source, path)})


def _register_rejected(con, source: Source, path: Path, sha: str, file_id: str, run_id: str,
                       prior, message: str, rel_path: str | None = None) -> FileResult:
    with transaction(con):
        _register(con, source, path, sha, file_id, run_id, 0, 0, 0, "rejected", message,
                  rel_path=rel_path)
    note = " (the version loaded before is kept)" if prior else ""
    return FileResult(source.name, str(path), "rejected", message=message + note)
