"""The fate of every row of one table of one file: loaded, quarantined with a reason, or held
until the row it refers to arrives.

In order, a row is quarantined when it breaks the table's contract (pandera), carries an event
time outside the plausible window (:class:`~cxbridge.platform.ingest.base.TimeWindow`), repeats a
key seen earlier in the file, or repeats a key already loaded from another file; it is held when a
reference it names has not arrived. The rest is inserted. A reference is checked only once its
table holds rows (see :class:`~cxbridge.platform.ingest.base.Reference`): with no topology ever
loaded, PM counters load and the topology is derived from them. Each check yields the positions of
the rows it takes out, so the frame is registered with DuckDB once: the lookups run against it,
and the rows left are inserted. The first two checks need no database (:func:`check_in_file`):
they run on the thread that parsed the file; the contract's checks run as one vectorised pass
(:mod:`~cxbridge.platform.ingest.contract_screen`), pandera's reasons written out for the rows
that fail only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from pathlib import Path
from typing import NamedTuple

import polars as pl
from pandera.errors import SchemaErrors

from cxbridge.platform.ingest import deliveries
from cxbridge.platform.ingest.base import (
    LINE,
    Parsed,
    Reference,
    Source,
    Table,
    contract_columns,
    empty_rejects,
    original_json,
)
from cxbridge.platform.ingest.contract_screen import contract_suspects, failure_cases
from cxbridge.platform.warehouse import query, quote_identifier, scalar, transaction

POSITION = "__position"  # a row's position in the frame being loaded


def _positions(values: pl.Series | list[int] | None = None) -> pl.Series:
    return pl.Series("position", values if values is not None else [], dtype=pl.Int64)


@dataclass(frozen=True)
class InFileChecks:
    """What a file's rows reveal about themselves, before any database is asked: the rows
    that break the contract and the rows that repeat an earlier row's key, with positions."""

    contract_rejects: pl.DataFrame
    broken: pl.Series
    duplicate_rejects: pl.DataFrame
    repeats: pl.Series


def check_in_file(parsed: Parsed, table: Table) -> InFileChecks:
    """The checks that need nothing but the file (pure: they can run while another file
    loads): the contract, the plausible time window, repeated keys."""
    contract_rejects, broken = contract_failures(parsed.frame, table)
    window_rejects, outside = implausible_times(parsed.frame, table, broken)
    contract_rejects = pl.concat([contract_rejects, window_rejects])
    broken = pl.concat([broken, outside])
    duplicate_rejects, repeats = repeated_keys(parsed.frame, table.key, broken)
    return InFileChecks(contract_rejects, broken, duplicate_rejects, repeats)


def implausible_times(frame: pl.DataFrame, table: Table, ignored: pl.Series
                      ) -> tuple[pl.DataFrame, pl.Series]:
    """Rows (but those at ``ignored`` positions) with an event time outside the table's
    plausible window (:class:`~cxbridge.platform.ingest.base.TimeWindow`): before its earliest
    time or after now plus its tolerance, in any date or timestamp column of the contract but
    its dates of record; with every such column named, and their positions."""
    window = table.time_window
    columns = [c for c in contract_columns(table.contract) if c not in table.record_dates
               and c in frame.columns and (frame.schema[c] == pl.Date
                                           or isinstance(frame.schema[c], pl.Datetime))]
    if not columns or frame.is_empty():
        return empty_rejects(), _positions()
    earliest = datetime.combine(window.earliest, time())
    latest = window.latest()
    outside = frame.select(pl.any_horizontal(  # the usual case, every time inside: one pass
        ~pl.col(c).cast(pl.Datetime("us")).is_between(earliest, latest) for c in columns)
    ).to_series().fill_null(False)
    if not outside.any():
        return empty_rejects(), _positions()
    problems = []
    for column in columns:
        at = pl.col(column).cast(pl.Datetime("us"))
        shown = pl.col(column).dt.to_string(
            "%Y-%m-%d" if frame.schema[column] == pl.Date else "%Y-%m-%d %H:%M:%S")
        problems.append(
            pl.when(at < earliest).then(pl.format(
                "{} {} is before {}, the earliest plausible time (a placeholder or a wrong "
                "epoch? [ingest] earliest in the config file sets it)", pl.lit(column),
                shown, pl.lit(f"{window.earliest:%Y-%m-%d}")))
            .when(at > latest).then(pl.format(
                "{} {} is after {} (a placeholder, or a clock or year set wrong? [ingest] "
                "future_days in the config file sets the tolerance)", pl.lit(column),
                shown, pl.lit(window.describe_latest()))))
    position = pl.int_range(pl.len(), dtype=pl.Int64).alias(POSITION)
    found = frame.with_columns(position).filter(outside).rechunk().with_columns(
        pl.concat_str(problems, separator="; ", ignore_nulls=True).alias("__reason"))
    found = found.filter(~pl.col(POSITION).is_in(ignored.implode()))
    if found.is_empty():
        return empty_rejects(), _positions()
    rejects = found.select(pl.col(LINE), pl.col("__reason").alias("reason"),
                           original_json(frame).alias("original"))
    return rejects, _positions(found[POSITION])


class TableLoad(NamedTuple):
    """What became of one table's rows of a file, and what its note should say (the references
    left unchecked because their table is still empty)."""

    loaded: int
    quarantined: int
    notes: tuple[str, ...] = ()


def load_table(con, source: Source, table: Table, parsed: Parsed, path: Path, file_id: str,
               run_id: str, existing: set[str], in_file: InFileChecks | None = None
               ) -> TableLoad:
    """Check, insert and quarantine one table's rows; returns (loaded, quarantined, notes).
    ``existing`` names the tables that exist (a reference to a missing or empty one is not
    checked: see :func:`unchecked_references`); ``in_file`` are the file's own checks when
    they were done already."""
    in_file = in_file or check_in_file(parsed, table)
    # one chunk: DuckDB inserts a single Arrow batch on both its threads, several more slowly
    incoming = parsed.frame.select([LINE, *contract_columns(table.contract)]).with_columns(
        pl.int_range(pl.len(), dtype=pl.Int64).alias(POSITION)).rechunk()
    taken = pl.concat([in_file.broken, in_file.repeats])
    con.register("incoming_rows", incoming.to_arrow())
    notes: list[str] = []
    try:
        if table.latest_delivery_wins:  # the latest delivery's record is the one in force
            decided = deliveries.decide(con, source, table, incoming, taken, path, file_id,
                                        run_id)
            already, twice = decided.rejects, decided.positions
            notes.append(decided.note(", ".join(table.key)))
        else:
            already, twice = already_loaded(con, table, incoming, taken)
        taken = pl.concat([taken, twice])
        waiting, held = waiting_rows(con, table, incoming, taken, existing)
        taken = pl.concat([taken, held])
        loaded = incoming.height - taken.len()
        if loaded:
            _insert_incoming(con, table, incoming, file_id, taken)
    finally:
        con.unregister("incoming_rows")
    if table.latest_delivery_wins:  # a record whose delivery in force was superseded
        deliveries.reinstate(con, source, table)
    if table.after_insert is not None and loaded:
        notes.append(table.after_insert(con, file_id))
    rejects = pl.concat([parsed.rejects, in_file.contract_rejects, in_file.duplicate_rejects,
                         already])
    quarantine(con, source, table, path, file_id, run_id, rejects)
    quarantine(con, source, table, path, file_id, run_id, waiting)
    notes += [ref.unchecked_note() for ref in unchecked_references(con, table, existing)
              if loaded and incoming[ref.column].is_not_null().any()]
    return TableLoad(loaded, rejects.height + waiting.height, tuple(filter(None, notes)))


def unchecked_references(con, table: Table, existing: set[str]) -> list[Reference]:
    """The references of ``table`` that are not checked: their table does not exist or holds
    no row yet (its feed was never loaded), so there is nothing a row could wait for."""
    return [ref for ref in table.references
            if ref.table not in existing
            or not scalar(con, f"select exists (select 1 from {quote_identifier(ref.table)})")]


def _insert_incoming(con, table: Table, incoming: pl.DataFrame, file_id: str,
                     taken: pl.Series) -> None:
    """Insert the incoming rows but those at the positions taken out. The rows of a file need
    not keep their order in the table (nothing reads a table in stored order), and DuckDB
    stores them for less when it may reorder them. The rows taken out are dropped here rather
    than in the insert (``where position not in …``): DuckDB inserts a plain scan of the rows
    on both its threads, but not one that joins them to what is left out."""
    loading = incoming if taken.is_empty() else incoming.filter(
        ~pl.col(POSITION).is_in(taken.implode()))
    ordered = bool(scalar(con, "select current_setting('preserve_insertion_order')"))
    con.register("loading_rows", loading.drop(LINE, POSITION).to_arrow())
    con.execute("set preserve_insertion_order = false")
    try:
        con.execute(f"insert into {quote_identifier(table.name)} by name "
                    "select *, $file_id as _file_id from loading_rows", {"file_id": file_id})
    finally:
        con.execute(f"set preserve_insertion_order = {str(ordered).lower()}")
        con.unregister("loading_rows")


def contract_failures(frame: pl.DataFrame, table: Table) -> tuple[pl.DataFrame, pl.Series]:
    """The rows that break the table's contract, with every reason, and their positions.

    The contract's checks run as one vectorised pass, and only the rows that fail one are
    written out, as pandera lists them (:mod:`.contract_screen`: pandera costs mostly per column
    and check, whatever the number of rows). pandera validates whole what that pass does not
    take (another kind of check, a frame not typed as the contract says); the reasons are the
    same either way."""
    suspects = contract_suspects(frame, table.contract)
    if suspects is None:
        try:
            table.contract.validate(frame, lazy=True)
            return empty_rejects(), _positions()
        except SchemaErrors as errors:
            cases = errors.failure_cases.filter(pl.col("index").is_not_null())
            if cases.height == 0:
                raise
    else:
        if suspects.positions.is_empty():
            return empty_rejects(), _positions()
        cases = failure_cases(frame[suspects.positions], table.contract, suspects.columns)
        # a case's index is its row's place among the suspects
        cases = cases.with_columns(index=suspects.positions.gather(cases["index"]))
    reasons = (
        cases.rechunk().with_columns(reason=pl.format("{} {}", pl.col("column"), _describe_check(
            pl.col("check"), pl.col("failure_case"))))
        .group_by("index").agg(pl.col("reason").unique(maintain_order=True).str.join("; "))
        .with_columns(pl.col("index").cast(pl.Int64)).sort("index")
    )
    broken = frame[reasons["index"]].rechunk()
    rejects = broken.select(pl.col(LINE), reasons["reason"],
                            original_json(frame).alias("original"))
    return rejects, _positions(reasons["index"])


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


def repeated_keys(frame: pl.DataFrame, key: tuple[str, ...], ignored: pl.Series
                  ) -> tuple[pl.DataFrame, pl.Series]:
    """Rows that repeat the key of an earlier row of the file, naming its line, and their
    positions; rows at ``ignored`` positions take no part. Only rows whose key hash repeats
    are compared by value (a hash collision is no repeat)."""
    if not key or frame.is_empty():
        return empty_rejects(), _positions()
    position = pl.int_range(pl.len(), dtype=pl.Int64)
    suspects = _repeated(frame.select(list(key)).hash_rows())
    if ignored.len():
        suspects = suspects & frame.select(~position.is_in(ignored.implode())).to_series()
    if not suspects.any():
        return empty_rejects(), _positions()
    candidates = frame.with_columns(position.alias(POSITION)).filter(suspects).rechunk()
    repeats = candidates.with_columns(__first=pl.col(LINE).first().over(list(key))).filter(
        pl.col(LINE) != pl.col("__first"))
    rejects = repeats.select(
        pl.col(LINE),
        pl.format("duplicate of line {} (same {})", pl.col("__first"),
                  pl.lit(", ".join(key))).alias("reason"),
        original_json(frame).alias("original"))
    return rejects, _positions(repeats[POSITION])


def _repeated(hashes: pl.Series) -> pl.Series:
    """Whether each hash occurs more than once (``is_duplicated``, for less: sorted, a repeat
    is next to its equal, and the few repeated hashes are looked up)."""
    ordered = hashes.sort()
    repeated = ordered.filter(ordered == ordered.shift(1))
    if repeated.is_empty():
        return pl.repeat(False, hashes.len(), dtype=pl.Boolean, eager=True).alias(hashes.name)
    return hashes.is_in(repeated.implode())


def already_loaded(con, table: Table, incoming: pl.DataFrame, taken: pl.Series
                   ) -> tuple[pl.DataFrame, pl.Series]:
    """Rows (registered as ``incoming_rows``, not yet taken out) whose key is already in the
    table from another file: quarantined, not loaded twice, and their positions. Keys match
    null for null, as they do within a file."""
    if not table.key or incoming.is_empty():
        return empty_rejects(), _positions()
    join = " and ".join(f"t.{quote_identifier(k)} is not distinct from i.{quote_identifier(k)}"
                        for k in table.key)
    params: dict = {}
    within = ""
    if table.range_column:  # only the incoming range of a growing key is looked at
        column = quote_identifier(table.range_column)
        within = f"{column} between $low and $high"
        join += f" and t.{within}"
        params = {"low": incoming[table.range_column].min(),
                  "high": incoming[table.range_column].max()}
    # the usual new file (the next day's, a new vendor's) meets no loaded row in its range:
    # asking that first is a glance at the table's zone maps, the join a pass over the file
    if not scalar(con, f"select exists (select 1 from {quote_identifier(table.name)}"
                       f"{' where ' + within if within else ''})", params):
        return empty_rejects(), _positions()
    found = query(con, f"select i.{POSITION} as position, f.path as other_path "
                       f"from incoming_rows i join {quote_identifier(table.name)} t on {join} "
                       f"join meta.ingest_files f on f.file_id = t._file_id", params)
    found = found.filter(~pl.col("position").is_in(taken.implode()))
    if found.is_empty():
        return empty_rejects(), _positions()
    found = found.unique("position", keep="first").sort("position")
    rows = incoming[found["position"]].with_columns(found["other_path"]).rechunk()
    key = ", ".join(table.key)
    rejects = rows.select(
        pl.col(LINE),
        pl.format("duplicate: a row with the same {} ({}) was already loaded from {}",
                  pl.lit(key), pl.concat_str([pl.col(k).cast(pl.String).fill_null("empty")
                                              for k in table.key], separator=", "),
                  pl.col("other_path")).alias("reason"),
        original_json(incoming).alias("original"),
    )
    return rejects, _positions(found["position"])


def waiting_rows(con, table: Table, incoming: pl.DataFrame, taken: pl.Series,
                 existing: set[str]) -> tuple[pl.DataFrame, pl.Series]:
    """Rows (registered as ``incoming_rows``, not yet taken out) naming a reference that has
    not arrived: as quarantine rows that wait (with the typed row, to load later), and their
    positions."""
    missing = missing_references(con, table, "incoming_rows", POSITION, existing)
    missing = missing.filter(~pl.col(POSITION).is_in(taken.implode()))
    if missing.is_empty():
        return empty_rejects(), _positions()
    rows = incoming[missing[POSITION]].with_columns(missing["awaiting"]).rechunk()
    data = [c for c in incoming.columns if not c.startswith("_")]
    waiting = rows.select(
        pl.col(LINE), pl.col("awaiting").alias("reason"),
        pl.struct(data).struct.json_encode().alias("original"),
        pl.col("awaiting"), pl.struct(data).struct.json_encode().alias("row_json"))
    return waiting, _positions(missing[POSITION])


def missing_references(con, table: Table, relation: str, id_column: str, existing: set[str]
                       ) -> pl.DataFrame:
    """For the rows of a registered ``relation``, one row per ``id_column`` value naming a
    reference that is not (yet) in its table: the id and ``awaiting``, the first missing
    reference in words. The lookup is an anti-join in DuckDB, not a membership test. A
    reference whose table is missing or empty is not checked (:func:`unchecked_references`)."""
    found = [pl.DataFrame(schema={id_column: pl.Int64, "awaiting": pl.String})]
    unchecked = unchecked_references(con, table, existing)
    for ref in (r for r in table.references if r not in unchecked):
        column = quote_identifier(ref.column)
        anti_join = (f"anti join {quote_identifier(ref.table)} r "
                     f"on r.{quote_identifier(ref.key_column)} = c.{column}")
        found.append(query(
            con,
            f"select c.{id_column}, format('waiting for {{}} ''{{}}'' ({{}}), which has not "
            f"arrived yet; it loads automatically when it does', $label, c.{column}, "
            f"$target) as awaiting from {relation} c {anti_join} "
            f"where c.{column} is not null order by c.{id_column}",
            {"label": ref.label, "target": f"{ref.table}.{ref.key_column}"}))
    return pl.concat(found).unique(id_column, keep="first", maintain_order=True)


def quarantine(con, source: Source, table: Table, path: Path, file_id: str, run_id: str,
               rejects: pl.DataFrame) -> None:
    """Hold rows in ``meta.quarantine`` with their file, line, original values and reason."""
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


def release_waiting(con, sources: tuple[Source, ...], existing: set[str]) -> dict[str, int]:
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
        # lines repeat across files: a row number stands in for the line while checking
        rows = held.with_row_index("__row").select(
            pl.col("__row").cast(pl.Int64).alias(LINE), pl.col("line").alias("__line"),
            pl.col("file_id").alias("_file_id"), pl.col("path").alias("__path"),
            pl.col("row_json").alias("__row_json"),
            pl.col("row_json").str.json_decode(dtype=pl.Struct(dict(target))).alias("row"),
        ).unnest("row")
        con.register("held_rows", rows)
        try:
            missing = missing_references(con, table, "held_rows", LINE, existing)
        finally:
            con.unregister("held_rows")
        resolved = rows.filter(~pl.col(LINE).is_in(missing[LINE].implode()))
        if resolved.is_empty():
            continue
        for path, count in resolved.group_by("__path").len().iter_rows():
            released[path] = released.get(path, 0) + count
        _release(con, table, resolved)
    return released


def _release(con, table: Table, resolved: pl.DataFrame) -> None:
    """Insert released rows (each with its own ``_file_id``) and take them out of quarantine,
    moving them from quarantined to loaded in their files' counts, in one transaction."""
    done = resolved.select(pl.col("_file_id").alias("file_id"), pl.col("__line").alias("line"),
                           pl.col("__row_json").alias("row_json"))
    with transaction(con):
        con.register("released_rows", resolved.drop("__path", "__line", "__row_json"))
        con.execute(f"insert into {quote_identifier(table.name)} by name "
                    f"select * exclude ({LINE}) from released_rows")
        con.unregister("released_rows")
        con.register("released_rows", done)
        con.execute("delete from meta.quarantine q using released_rows r where "
                    "q.file_id = r.file_id and q.line = r.line and q.target_table = $t "
                    "and q.row_json = r.row_json and q.awaiting is not null",
                    {"t": table.name})
        con.execute("update meta.ingest_files f set rows_loaded = rows_loaded + r.n, "
                    "rows_quarantined = rows_quarantined - r.n from (select file_id, "
                    "count(*) n from released_rows group by file_id) r "
                    "where f.file_id = r.file_id")
        con.unregister("released_rows")
