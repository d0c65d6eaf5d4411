"""``cxbridge quarantine release``: check quarantined rows again, now that their cause may be
fixed (a mapping, the config file's time window, a reference that arrived), and load those that
pass.

There is one mechanism, ingest's own: each chosen file is parsed again by its source, with
today's mappings and time window, and the rows at the chosen lines go through
:func:`~cxbridge.platform.ingest.checks.load_table`, the very checks a new file meets (parse,
contract, plausible times, repeated keys, keys already loaded, and references: the lookup by
which :func:`~cxbridge.platform.ingest.checks.release_waiting` loads rows whose reference
arrived, ``missing_references``).
A row that passes is loaded under its file's version; one that fails stays quarantined with
today's reason. It covers every reason a row gets at ingest but those a re-check cannot change,
left alone (:data:`NOT_RECHECKED`): copies of a loaded file, held re-deliveries (accept those
with ``--accept-shrink``) and repeated keys. A file whose content changed since (or that is
gone) is left alone too: its lines are not the quarantined ones any more; ingest it again.

Everything happens in one transaction: per file, rows read = loaded + quarantined still holds
(``meta.ingest_files`` counts move the released rows from quarantined to loaded)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from cxbridge.platform.ingest.base import LINE, Parsed, Source, UnparseableFileError
from cxbridge.platform.ingest.checks import load_table
from cxbridge.platform.ingest.deliveries import REPLACED
from cxbridge.platform.ingest.loader import (
    _create_missing_tables,
    existing_tables,
    sha256_of,
)
from cxbridge.platform.warehouse import query, read_sql, transaction

# reasons a re-check cannot change: set for the whole file (a copy, a held re-delivery), or a
# key repeated (the row it repeats is loaded: checked alone, the row would only be quarantined
# again, and its reason would lose the line it repeats)
NOT_RECHECKED = ("this file is a byte-identical copy of", "held:", "duplicate of line",
                 "duplicate: a row with the same", REPLACED)


@dataclass
class ReleaseReport:
    """What a release did: rows chosen and released, per file; and why the rest stay
    (reason → rows), the reasons as the re-check gives them."""

    chosen: int = 0
    released: int = 0
    per_file: dict[str, tuple[int, int]] = field(default_factory=dict)  # path → (chosen, out)
    kept: Counter = field(default_factory=Counter)


def release(con, bind: Callable[[str, Path], Source], run_id: str, source: str | None = None,
            reason: str | None = None, file: str | None = None) -> ReleaseReport:
    """Re-check the quarantined rows chosen by ``source``, a ``reason`` fragment (case
    insensitive) and ``file`` (its path, its path under the raw folder, or its name), each
    optional; load those that pass. ``bind(source name, file path)``: the source as it reads
    that file today, bound to its mappings and time window (``ingest.with_mappings``,
    ``ingest.with_window``)."""
    chosen = query(con, read_sql("meta/quarantine_release.sql"),
                   {"source": source, "reason": reason, "file": file})
    report = ReleaseReport()
    if chosen.is_empty():
        return report
    report.chosen = chosen.height
    plans = []
    for (file_id,), rows in chosen.group_by(["file_id"], maintain_order=True):
        plan = _plan(bind(rows["source"][0], Path(rows["path"][0])), rows, report)
        if plan:
            plans.append((file_id, rows, plan))
    existing = existing_tables(con)
    for _, _, (src, parsed) in plans:  # tables are created outside a transaction (loader.py)
        existing = _create_missing_tables(con, src, parsed, existing)
    with transaction(con):
        for file_id, rows, (src, parsed) in plans:
            released = _recheck(con, src, file_id, rows, parsed, run_id, existing)
            report.released += released
            report.per_file[rows["path"][0]] = (rows.height, released)
        if plans:
            report.kept.update(dict(query(
                con, "select reason, count(*) from meta.quarantine q where q.file_id in "
                     "(select unnest($ids)) and q.run_id = $run group by reason",
                {"ids": [f for f, _, _ in plans], "run": run_id}).iter_rows()))
    return report


def _plan(src: Source, rows: pl.DataFrame, report: ReleaseReport
          ) -> tuple[Source, dict[str, Parsed]] | None:
    """The chosen rows of one file version, parsed again: per table, the parsed rows (and
    parse rejects) at the chosen lines; ``None`` when the file cannot be checked again (the
    reason goes to the report)."""
    path, status = Path(rows["path"][0]), rows["status"][0]
    fixed = pl.any_horizontal(pl.col("reason").str.starts_with(p) for p in NOT_RECHECKED)
    for reason, n in rows.filter(fixed).group_by("reason").len().iter_rows():
        report.kept[reason] += n
    rows = rows.filter(~fixed)
    if rows.is_empty():
        return None
    why = None
    if status == "held":
        why = "its file is a held re-delivery: accept it with --accept-shrink"
    elif not path.is_file():
        why = f"its file is gone from {path}: ingest it again where it is now"
    elif sha256_of(path) != rows["sha256"][0]:
        why = "its file changed since it was loaded: ingest the new version instead"
    if why is None:
        try:
            parsed = src.parse(path)
        except UnparseableFileError as exc:
            why = f"its file cannot be read now: {exc}"
    if why is not None:
        report.kept[why] += rows.height
        return None
    taken: dict[str, Parsed] = {}
    for table in src.tables:
        mine = rows.filter(pl.col("target_table") == table.name)
        part = parsed.get(table.name)
        if mine.is_empty() or part is None:
            continue
        wanted = pl.Series(_whole_lines(mine, part), dtype=pl.Int64)
        taken[table.name] = Parsed(part.frame.filter(pl.col(LINE).is_in(wanted.implode())),
                                   part.rejects.filter(pl.col(LINE).is_in(wanted.implode())))
    rechecked = sum(part.rows_read for part in taken.values())
    if rechecked < rows.height:
        report.kept["its line gave several records and some of them loaded: ingest a "
                    "corrected file to check it again"] += rows.height - rechecked
    return src, taken


def _whole_lines(mine: pl.DataFrame, part: Parsed) -> list[int]:
    """The chosen lines whose every record (a line may give several, e.g. a service with its
    bindings) is quarantined: only those can be checked again without loading a record twice."""
    records = Counter(part.frame[LINE].to_list()) + Counter(part.rejects[LINE].to_list())
    held = Counter(mine["line"].to_list())
    return [line for line, n in held.items() if records.get(line) == n]


def _recheck(con, src: Source, file_id: str, rows: pl.DataFrame, parsed: dict[str, Parsed],
             run_id: str, existing: set[str]) -> int:
    """Take the file's re-checked rows out of quarantine, load them through ingest's checks
    (those that fail go back with today's reason) and move the loaded ones from quarantined to
    loaded in the file's counts; returns how many loaded."""
    loaded = 0
    path = Path(rows["path"][0])
    for table in src.tables:
        part = parsed.get(table.name)
        if part is None or not part.rows_read:
            continue
        lines = pl.concat([part.frame[LINE], part.rejects[LINE]]).unique().to_list()
        con.execute("delete from meta.quarantine where file_id = $f and target_table = $t "
                    "and line in (select unnest($lines))",
                    {"f": file_id, "t": table.name, "lines": lines})
        counts = load_table(con, src, table, part, path, file_id, run_id, existing)
        if counts.loaded + counts.quarantined != part.rows_read:
            raise AssertionError(f"{path}: re-checked {part.rows_read} rows of {table.name} "
                                 f"but loaded {counts.loaded} and quarantined "
                                 f"{counts.quarantined}; nothing was committed")
        loaded += counts.loaded
    if loaded:
        # a file rejected because none of its rows loaded is loaded now (as ingest's
        # _accept_released has it)
        con.execute("update meta.ingest_files set rows_loaded = rows_loaded + $n, "
                    "rows_quarantined = rows_quarantined - $n, "
                    "message = case when status = 'rejected' then null else message end, "
                    "status = case when status = 'rejected' then 'loaded' else status end "
                    "where file_id = $f", {"n": loaded, "f": file_id})
    return loaded
