"""Load one file of one source into the warehouse: hash, parse, check, load, in one transaction.

* A file whose content was loaded before (same source, same SHA-256) is skipped.
* A file at a path loaded before with other content is a correction: the rows its earlier version
  loaded (and quarantined) are deleted and the new version's loaded, in the same transaction.
* Rows that fail to parse, break the contract, or repeat a key go to ``meta.quarantine`` with the
  original values and a reason; rows read = rows loaded + rows quarantined is checked here.
* A file that cannot be parsed at all is registered as rejected, with its reason.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl
from pandera.errors import SchemaErrors

from pipelines.ingest.base import (
    LINE,
    Parsed,
    Source,
    Table,
    UnparseableFileError,
    empty_rejects,
    original_json,
)
from pipelines.warehouse import query, quote_identifier, rows, scalar, table_exists


@dataclass(frozen=True)
class FileResult:
    source: str
    path: str
    status: str  # loaded, replaced, unchanged, rejected
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    message: str = ""
    seconds: float = 0.0


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def ingest_file(con: duckdb.DuckDBPyConnection, source: Source, path: Path, run_id: str
                ) -> FileResult:
    started = time.perf_counter()
    result = _ingest_file(con, source, path.resolve(), run_id)
    return replace(result, seconds=time.perf_counter() - started)


def _ingest_file(con: duckdb.DuckDBPyConnection, source: Source, path: Path, run_id: str
                 ) -> FileResult:
    sha = sha256_of(path)
    if _first_row(con, "select 1 from meta.ingest_files where source = $source and path = $path "
                  "and sha256 = $sha and superseded_at is null",
                  {"source": source.name, "path": str(path), "sha": sha}):
        return FileResult(source.name, str(path), "unchanged", message="already loaded")
    # a byte-identical copy under another name: registered, but nothing of it loads again
    copy_of = _first_row(con, "select path from meta.ingest_files where source = $source "
                         "and sha256 = $sha and superseded_at is null and status = 'loaded'",
                         {"source": source.name, "sha": sha})
    prior = _first_row(con, "select file_id from meta.ingest_files where source = $source "
                       "and path = $path and superseded_at is null",
                       {"source": source.name, "path": str(path)})
    file_id = hashlib.sha256(f"{source.name}|{path}|{sha}".encode()).hexdigest()[:20]
    try:
        parsed = source.parse(path)
    except UnparseableFileError as exc:
        return _register_rejected(con, source, path, sha, file_id, run_id, prior, str(exc))
    con.begin()
    try:
        if prior:
            _supersede(con, source, prior[0])
        loaded = quarantined = read = 0
        for table in source.tables:
            part = parsed.get(table.name)
            if part is None:
                continue
            if copy_of:
                part = _all_rejected(part, f"this file is a byte-identical copy of {copy_of[0]}, "
                                           "which was loaded before; nothing is loaded twice")
            counts = _load_table(con, source, table, part, path, file_id, run_id)
            read += part.rows_read
            loaded += counts[0]
            quarantined += counts[1]
        if read != loaded + quarantined:
            raise AssertionError(f"{path}: read {read} rows but loaded {loaded} and "
                                 f"quarantined {quarantined}; nothing was committed")
        _register(con, source, path, sha, file_id, run_id, read, loaded, quarantined,
                  "loaded", None)
        con.commit()
    except BaseException:
        con.rollback()
        raise
    # DuckDB 2.0.0: right after a large insert, filters on the new rows' strings can miss them
    # until a checkpoint (seen at scale 1: every usage row judged to reference no service).
    # A checkpoint per file makes the rows visible to the reference checks of the next file,
    # and keeps the write-ahead log (and memory) small.
    con.execute("checkpoint")
    notes = "; ".join(note for part in parsed.values() for note in part.notes)
    if copy_of:
        notes = f"identical to {copy_of[0]}: its rows are quarantined as copies"
    return FileResult(source.name, str(path), "replaced" if prior else "loaded", read, loaded,
                      quarantined, message=notes)


def _all_rejected(parsed: Parsed, reason: str) -> Parsed:
    copies = parsed.frame.select(pl.col(LINE), pl.lit(reason).alias("reason"),
                                 original_json(parsed.frame).alias("original"))
    return Parsed(parsed.frame.head(0), pl.concat([parsed.rejects, copies]), parsed.notes)


def _load_table(con, source: Source, table: Table, parsed: Parsed, path: Path, file_id: str,
                run_id: str) -> tuple[int, int]:
    valid, contract_rejects = validate(parsed.frame, table)
    valid, duplicate_rejects = split_duplicates(valid, table.key)
    name = quote_identifier(table.name)
    columns = list(table.contract.to_schema().columns)
    incoming = valid.select([LINE, *columns]).with_columns(_file_id=pl.lit(file_id))
    _create_if_missing(con, name, incoming)
    already = _already_loaded(con, table, incoming) if table.key else empty_rejects()
    incoming = incoming.join(already.select(LINE), on=LINE, how="anti")
    incoming, waiting = split_unresolved(con, table, incoming)
    _insert(con, name, incoming)
    rejects = pl.concat([parsed.rejects, contract_rejects, duplicate_rejects, already])
    _quarantine(con, source, table, path, file_id, run_id, rejects)
    _quarantine(con, source, table, path, file_id, run_id, waiting)
    return incoming.height, rejects.height + waiting.height


def _create_if_missing(con, name: str, incoming: pl.DataFrame) -> None:
    con.register("incoming_rows", incoming.head(0))
    try:
        con.execute(f"create table if not exists {name} as "
                    f"select * exclude ({LINE}) from incoming_rows")
    finally:
        con.unregister("incoming_rows")


def _insert(con, name: str, rows: pl.DataFrame) -> None:
    if rows.is_empty():
        return
    con.register("incoming_rows", rows)
    try:
        con.execute(f"insert into {name} by name select * exclude ({LINE}) from incoming_rows")
    finally:
        con.unregister("incoming_rows")


def split_unresolved(con, table: Table, rows: pl.DataFrame
                     ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Rows whose references all exist, and the others as waiting quarantine rows (with the
    reference they wait for and the typed row to load later). The lookup is an anti-join in
    DuckDB against the referenced table, not a membership test in Python."""
    missing = _missing_references(con, table, rows)
    if missing.is_empty():
        return rows, empty_rejects()
    resolved = rows.join(missing, on=LINE, how="anti")
    waiting = rows.join(missing, on=LINE, how="inner")
    data = [c for c in rows.columns if not c.startswith("_")]
    waiting = waiting.select(
        pl.col(LINE), pl.col("awaiting").alias("reason"),
        pl.struct(data).struct.json_encode().alias("original"),
        pl.col("awaiting"), pl.struct(data).struct.json_encode().alias("row_json"))
    return resolved, waiting


def _missing_references(con, table: Table, rows: pl.DataFrame) -> pl.DataFrame:
    """One row per line naming a reference that is not (yet) in its table: ``_line`` and
    ``awaiting``, the first missing reference in words."""
    found = []
    columns = list(dict.fromkeys(ref.column for ref in table.references))
    con.register("checked_rows", rows.select(LINE, *columns))
    try:
        for ref in table.references:
            column = quote_identifier(ref.column)
            lookup = "true"
            if table_exists(con, ref.table):
                lookup = (f"not exists (select 1 from {quote_identifier(ref.table)} r "
                          f"where r.{quote_identifier(ref.key_column)} = c.{column})")
            found.append(query(
                con,
                f"select c.{LINE}, format('waiting for {{}} ''{{}}'' ({{}}), which has not "
                f"arrived yet; it loads automatically when it does', $label, c.{column}, "
                f"$target) as awaiting from checked_rows c "
                f"where c.{column} is not null and {lookup}",
                {"label": ref.label, "target": f"{ref.table}.{ref.key_column}"}))
    finally:
        con.unregister("checked_rows")
    if not found:
        return pl.DataFrame(schema={LINE: pl.Int64, "awaiting": pl.String})
    return pl.concat(found).unique(LINE, keep="first", maintain_order=True)


def release_waiting(con, sources: tuple[Source, ...]) -> dict[str, int]:
    """Load every quarantined row whose reference has arrived since; returns how many rows
    were released per file path."""
    released: dict[str, int] = {}
    for table in (t for src in sources for t in src.tables if t.references):
        held = query(con, "select file_id, path, line, row_json from meta.quarantine "
                          "where target_table = $t and awaiting is not null",
                     {"t": table.name})
        if held.is_empty():
            continue
        target = query(con, f"select * exclude (_file_id) from {quote_identifier(table.name)} "
                            "limit 0").schema
        dtypes = dict(target)
        # lines repeat across files: a row number stands in for the line while checking
        rows = held.with_row_index("__row").select(
            pl.col("__row").cast(pl.Int64).alias(LINE), pl.col("line").alias("__line"),
            pl.col("file_id").alias("_file_id"), pl.col("path").alias("__path"),
            pl.col("row_json").str.json_decode(dtype=pl.Struct(dtypes)).alias("row"),
        ).unnest("row")
        resolved, _ = split_unresolved(con, table, rows)
        if resolved.is_empty():
            continue
        for path, count in resolved.group_by("__path").len().iter_rows():
            released[path] = released.get(path, 0) + count
        done = resolved.select(pl.col("_file_id").alias("file_id"),
                               pl.col("__line").alias("line"))
        resolved = resolved.drop("__path", "__line")
        con.begin()
        try:
            _insert(con, quote_identifier(table.name), resolved)
            con.register("released_rows", done)
            con.execute("delete from meta.quarantine q using released_rows r where "
                        "q.file_id = r.file_id and q.line = r.line and q.target_table = $t "
                        "and q.awaiting is not null", {"t": table.name})
            con.execute("update meta.ingest_files f set rows_loaded = rows_loaded + r.n, "
                        "rows_quarantined = rows_quarantined - r.n from (select file_id, "
                        "count(*) n from released_rows group by file_id) r "
                        "where f.file_id = r.file_id")
            con.unregister("released_rows")
            con.commit()
        except BaseException:
            con.rollback()
            raise
    return released


def _already_loaded(con, table: Table, incoming: pl.DataFrame) -> pl.DataFrame:
    """Rows whose key is already in the table from another file: quarantined, not loaded twice."""
    name = quote_identifier(table.name)
    join = " and ".join(f"t.{quote_identifier(k)} = i.{quote_identifier(k)}" for k in table.key)
    params: dict = {}
    if table.range_column and incoming.height:
        column = quote_identifier(table.range_column)
        join += f" and t.{column} between $low and $high"
        params = {"low": incoming[table.range_column].min(),
                  "high": incoming[table.range_column].max()}
    con.register("incoming_rows", incoming)
    try:
        dup = query(con, f"select i.{LINE} as line, f.path as other_path from incoming_rows i "
                         f"join {name} t on {join} "
                         f"join meta.ingest_files f on f.file_id = t._file_id", params)
    finally:
        con.unregister("incoming_rows")
    if dup.is_empty():
        return empty_rejects()
    rows = incoming.join(dup.rename({"line": LINE}), on=LINE)
    key = ", ".join(table.key)
    return rows.select(
        pl.col(LINE),
        pl.format("duplicate: a row with the same {} ({}) was already loaded from {}",
                  pl.lit(key), pl.concat_str([pl.col(k).cast(pl.String) for k in table.key],
                                             separator=", "), pl.col("other_path")).alias("reason"),
        original_json(incoming).alias("original"),
    )


def validate(frame: pl.DataFrame, table: Table) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Check values against the table's contract; failing rows come back with their reasons."""
    try:
        table.contract.validate(frame, lazy=True)
        return frame, empty_rejects()
    except SchemaErrors as errors:
        cases = errors.failure_cases.filter(pl.col("index").is_not_null())
        if cases.height == 0:
            raise
        reasons = (
            cases.with_columns(reason=pl.format("{} {}", pl.col("column"),
                                                _describe_check(pl.col("check"),
                                                                pl.col("failure_case"))))
            .group_by("index").agg(pl.col("reason").unique(maintain_order=True)
                                   .str.join("; "))
        )
        indexed = frame.with_row_index("index").with_columns(pl.col("index").cast(pl.Int32))
        bad = indexed.join(reasons, on="index", how="inner")
        good = indexed.join(reasons, on="index", how="anti").drop("index")
        rejects = bad.select(pl.col(LINE), pl.col("reason"),
                             original_json(frame).alias("original"))
        return good, rejects


def _describe_check(check: pl.Expr, value: pl.Expr) -> pl.Expr:
    return (
        pl.when(check == "not_nullable").then(pl.lit("is empty but required"))
        .when(check.str.starts_with("isin")).then(
            pl.format("is '{}', expected one of {}", value,
                      check.str.extract(r"isin\(\[(.*)\]\)").str.replace_all("'", "")))
        .when(check.str.starts_with("greater_than_or_equal_to")).then(
            pl.format("is {}, must be ≥ {}", value, check.str.extract(r"\((.*)\)")))
        .when(check.str.starts_with("less_than_or_equal_to")).then(
            pl.format("is {}, must be ≤ {}", value, check.str.extract(r"\((.*)\)")))
        .when(check.str.starts_with("in_range")).then(
            pl.format("is {}, must be within {}", value, check.str.extract(r"\((.*)\)")))
        .otherwise(pl.format("is '{}', which fails {}", value, check))
    )


def split_duplicates(frame: pl.DataFrame, key: tuple[str, ...]
                     ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Keep the first row of each key within a file; reject the repeats, naming the first."""
    empty = empty_rejects()
    if not key or frame.is_empty():
        return frame, empty
    first = pl.col(LINE).first().over(list(key))
    marked = frame.with_columns(__first=first)
    repeats = marked.filter(pl.col(LINE) != pl.col("__first"))
    if repeats.is_empty():
        return frame, empty
    rejects = repeats.select(
        pl.col(LINE),
        pl.format("duplicate of line {} (same {})", pl.col("__first"),
                  pl.lit(", ".join(key))).alias("reason"),
        original_json(frame).alias("original"))
    return marked.filter(pl.col(LINE) == pl.col("__first")).drop("__first"), rejects


def _quarantine(con, source: Source, table: Table, path: Path, file_id: str, run_id: str,
                rejects: pl.DataFrame) -> None:
    if rejects.is_empty():
        return
    for column in ("awaiting", "row_json"):
        if column not in rejects.columns:
            rejects = rejects.with_columns(pl.lit(None, pl.String).alias(column))
    rows = rejects.select(
        file_id=pl.lit(file_id), source=pl.lit(source.name), target_table=pl.lit(table.name),
        path=pl.lit(str(path)), line=pl.col(LINE), reason=pl.col("reason"),
        original=pl.col("original"), run_id=pl.lit(run_id), awaiting=pl.col("awaiting"),
        row_json=pl.col("row_json"))
    con.register("quarantined_rows", rows)
    try:
        con.execute("insert into meta.quarantine by name select * from quarantined_rows")
    finally:
        con.unregister("quarantined_rows")


def _supersede(con, source: Source, file_id: str) -> None:
    for table in source.tables:
        name = quote_identifier(table.name)
        if table_exists(con, name):
            con.execute(f"delete from {name} where _file_id = $f", {"f": file_id})
    con.execute("delete from meta.quarantine where file_id = $f", {"f": file_id})
    con.execute("update meta.ingest_files set superseded_at = $now where file_id = $f",
                {"f": file_id, "now": _now()})


def _register(con, source: Source, path: Path, sha: str, file_id: str, run_id: str, read: int,
              loaded: int, quarantined: int, status: str, message: str | None) -> None:
    con.execute(
        "insert or replace into meta.ingest_files values ($file_id, $source, $path, $sha, "
        "$bytes, $read, $loaded, $quarantined, $status, $message, $run_id, $now, null)",
        {"file_id": file_id, "source": source.name, "path": str(path), "sha": sha,
         "bytes": path.stat().st_size, "read": read, "loaded": loaded,
         "quarantined": quarantined, "status": status, "message": message, "run_id": run_id,
         "now": _now()})


def _register_rejected(con, source: Source, path: Path, sha: str, file_id: str, run_id: str,
                       prior, message: str) -> FileResult:
    con.begin()
    try:
        _register(con, source, path, sha, file_id, run_id, 0, 0, 0, "rejected", message)
        con.commit()
    except BaseException:
        con.rollback()
        raise
    note = " (the version loaded before is kept)" if prior else ""
    return FileResult(source.name, str(path), "rejected", message=message + note)


def _count(con, name: str) -> int:
    return int(scalar(con, f"select count(*) from {name}"))


def _first_row(con, sql: str, params: dict) -> tuple | None:
    found = rows(con, sql, params)
    return found[0] if found else None


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
