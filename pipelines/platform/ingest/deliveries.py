"""Which of two deliveries of the same record is in force: the latest.

A CRM sends its customers as a full export every day (``customers_20261002.csv``, then
``customers_20261003.csv``, …): the same customer comes again in every delivery, changed or not.
For a table declared :attr:`~cxbridge.platform.ingest.base.Table.latest_delivery_wins`, the record
in force is the one of the latest delivery, whatever order the files are loaded in:

* **A newer delivery** (its date later than the loaded row's file's) replaces the loaded row. The
  row replaced is not lost: it moves to ``meta.quarantine`` under its own file (reason
  ``replaced by a newer delivery: …``, its typed row kept in ``row_json``), and its file's counts
  move it from loaded to quarantined, so rows read = loaded + quarantined still holds for every
  file. The file's note says how many records the newer delivery changed (values that differ)
  and how many it restated unchanged.
* **An older delivery** arriving late: its row is quarantined as a duplicate naming the newer
  delivery whose record stays in force.
* **The latest cannot be told** (both files carry the same date, or one of them none): a row
  with the same values is an ordinary duplicate; a row with *other* values is quarantined with a
  reason saying that which is the latest cannot be told, that the record loaded first stays, and
  what to do (name each delivery by its date); the file's note counts them. Nothing is chosen
  silently.
* If the delivery in force is later superseded (a corrected version of its file under the same
  path) without the record, the latest replaced version of it comes back (:func:`reinstate`).

A delivery's date is the date in its file name (``20261002``, ``2026-10-02``, ``2026_10_02``),
else in the name of a folder between the source's folder and the file
(``customers/2026-10-02/export.csv``). Not the file's modification time: copying or moving the
raw folder changes it.

Re-deliveries are as before: the same file unchanged is a no-op, a byte-identical copy under
another path is quarantined as a copy, a corrected file under the same path replaces its own
earlier version (see :mod:`~cxbridge.platform.ingest.loader`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from cxbridge.platform.ingest.base import (
    LINE,
    Source,
    Table,
    contract_columns,
    empty_rejects,
    original_json,
)
from cxbridge.platform.warehouse import query, quote_identifier

POSITION = "__position"  # as in checks: a row's position in the frame being loaded
REPLACED = "replaced by a newer delivery"  # the reason of a row a newer delivery replaced

_DATE = re.compile(r"(?<!\d)(\d{4})[-_.]?(\d{2})[-_.]?(\d{2})(?!\d)")


def delivery_date(path: Path | str, folder: str | None = None) -> date | None:
    """The date a file was delivered, as its name says (the last date in it), else as the name
    of a folder between the source's ``folder`` and the file says; None when nothing does."""
    path = Path(path)
    parts = path.parts
    below = parts[len(parts) - 1 - parts[::-1].index(folder) + 1:-1] \
        if folder and folder in parts[:-1] else ()
    for name in (path.name, *reversed(below)):
        for match in reversed(list(_DATE.finditer(name))):
            try:
                return date(*map(int, match.groups()))
            except ValueError:
                continue
    return None


def _shown(day: date | None) -> str:
    return f"{day:%Y-%m-%d}" if day else "no date in its name"


@dataclass(frozen=True)
class Decided:
    """What becomes of the incoming rows whose key a row of another file holds already."""

    rejects: pl.DataFrame  # incoming rows quarantined (older, or the latest cannot be told)
    positions: pl.Series  # their positions
    replaced: int = 0  # loaded rows a newer incoming row replaced …
    changed: int = 0  # … of which with other values
    undecided: int = 0  # incoming rows with other values whose delivery cannot be ordered
    older: int = 0  # incoming rows of an older delivery than the one in force

    def note(self, key: str) -> str | None:
        """The file's note: how many records it changed, and what it could not decide."""
        parts = []
        if self.replaced:
            parts.append(f"a newer delivery: {self.changed:,} record(s) changed by it, "
                         f"{self.replaced - self.changed:,} restated unchanged (the earlier "
                         "deliveries' rows replaced, kept in quarantine)")
        if self.older:
            parts.append(f"{self.older:,} record(s) older than the delivery in force "
                         "(quarantined)")
        if self.undecided:
            parts.append(f"{self.undecided:,} {key}(s) differ from a delivery of the same date "
                         "or an undated one: which is the latest cannot be told, the record "
                         "loaded first is kept (see cxbridge quarantine; name each delivery "
                         "by its date)")
        return "; ".join(parts) or None


def decide(con, source: Source, table: Table, incoming: pl.DataFrame, taken: pl.Series,
           path: Path, file_id: str, run_id: str) -> Decided:
    """For the incoming rows (registered as ``incoming_rows``, not at ``taken`` positions)
    whose key another current file loaded already: replace the loaded row when this file is a
    newer delivery (the row moved to quarantine under its own file), else quarantine the
    incoming row with the reason. Runs in the file's transaction."""
    empty = Decided(empty_rejects(), pl.Series("position", [], dtype=pl.Int64))
    if not table.key or incoming.is_empty():
        return empty
    name = quote_identifier(table.name)
    join = " and ".join(f"t.{quote_identifier(k)} is not distinct from i.{quote_identifier(k)}"
                        for k in table.key)
    differs = " or ".join(f"t.{quote_identifier(c)} is distinct from i.{quote_identifier(c)}"
                          for c in contract_columns(table.contract) if c not in table.key)
    found = query(con, f"select i.{POSITION} as position, t._file_id as other_file, "
                       f"f.path as other_path, ({differs or 'false'}) as changed "
                       f"from incoming_rows i join {name} t on {join} "
                       f"join meta.ingest_files f on f.file_id = t._file_id "
                       f"where t._file_id <> $file_id", {"file_id": file_id})
    found = found.filter(~pl.col("position").is_in(taken.implode())).unique(
        "position", keep="first").sort("position")
    if found.is_empty():
        return empty
    mine = delivery_date(path, source.folder)
    dates = {p: delivery_date(p, source.folder) for p in found["other_path"].unique()}
    order = pl.Series([_order(mine, dates[p]) for p in found["other_path"]], dtype=pl.Int8)
    found = found.with_columns(order.alias("order"))
    newer = found.filter(pl.col("order") == 1)
    if not newer.is_empty():
        _replace(con, source, table, newer, path, run_id)
    stays = found.filter((pl.col("order") == -1) | ((pl.col("order") == 0) & ~pl.col("changed")))
    undecided = found.filter((pl.col("order") == 0) & pl.col("changed"))
    rejects = pl.concat([
        _reasons(incoming, table, stays, lambda other: (
            f"{_later_than(mine, dates[other])}: that record stays in force")),
        _reasons(incoming, table, undecided, lambda other: (
            f"with other values, and which of the two is the latest delivery cannot be told "
            f"(this file: {_shown(mine)}; that one: {_shown(dates[other])}): the record "
            "loaded first is kept. Name each delivery by its date (customers_YYYYMMDD.csv) "
            "so that the latest wins, or remove the wrong file, and ingest again")),
    ])
    return Decided(
        rejects.sort(LINE), pl.concat([stays["position"], undecided["position"]]),
        replaced=newer.height, changed=int(newer["changed"].sum()),
        undecided=undecided.height,
        older=stays.filter(pl.col("order") == -1).height)


def _order(mine: date | None, other: date | None) -> int:
    """1: this delivery is newer than the other; -1: older; 0: cannot be told."""
    if mine is None or other is None or mine == other:
        return 0
    return 1 if mine > other else -1


def _later_than(mine: date | None, other: date | None) -> str:
    if mine and other and other > mine:
        return f"a newer delivery ({_shown(other)}) than this file's ({_shown(mine)})"
    if mine and other and other == mine:
        return f"delivered the same day ({_shown(other)}), with the same values"
    return "with the same values"


def _reasons(incoming: pl.DataFrame, table: Table, found: pl.DataFrame, why) -> pl.DataFrame:
    """Quarantine rows for the incoming rows at ``found``'s positions: a duplicate of the row
    another file loaded (the words the other duplicate reasons use), and why it stays."""
    if found.is_empty():
        return empty_rejects()
    paths = found["other_path"]  # few files, many rows: each file's words once
    words = {path: why(path) for path in paths.unique().to_list()}
    picked = incoming[found["position"]].with_columns(
        paths.replace_strict(words, return_dtype=pl.String).alias("__why"),
        paths).rechunk()
    key = ", ".join(table.key)
    return picked.select(
        pl.col(LINE),
        pl.format("duplicate: a row with the same {} ({}) was already loaded from {}, {}",
                  pl.lit(key), pl.concat_str([pl.col(k).cast(pl.String).fill_null("empty")
                                              for k in table.key], separator=", "),
                  pl.col("other_path"), pl.col("__why")).alias("reason"),
        original_json(incoming).alias("original"))


def _replace(con, source: Source, table: Table, newer: pl.DataFrame, path: Path,
             run_id: str) -> None:
    """Move the loaded rows the incoming rows at ``newer``'s positions replace to quarantine,
    under their own files (whose counts move them from loaded to quarantined)."""
    name = quote_identifier(table.name)
    join = " and ".join(f"t.{quote_identifier(k)} is not distinct from i.{quote_identifier(k)}"
                        for k in table.key)
    record = "to_json(struct_pack(" + ", ".join(
        f"{quote_identifier(c)} := t.{quote_identifier(c)}"
        for c in contract_columns(table.contract)) + "))"
    key_text = ", ".join(f"cast(t.{quote_identifier(k)} as varchar)" for k in table.key)
    con.register("replacing_rows", newer.select("position", "other_file"))
    try:
        con.execute(
            "insert into meta.quarantine by name "
            f"select t._file_id as file_id, $source as source, $table as target_table, "
            f"f.path as path, null as line, "
            f"format('{REPLACED}: {{}} holds this {{}} ({{}}) too, and its record is the one in "
            f"force', $by, $key, concat_ws(', ', {key_text})) as reason, "
            f"{record} as original, $run_id as run_id, null as awaiting, "
            f"{record} as row_json "
            f"from replacing_rows r join incoming_rows i on i.{POSITION} = r.position "
            f"join {name} t on {join} and t._file_id = r.other_file "
            f"join meta.ingest_files f on f.file_id = t._file_id",
            {"source": source.name, "table": table.name, "by": str(path),
             "key": ", ".join(table.key), "run_id": run_id})
        con.execute(
            "update meta.ingest_files f set rows_loaded = rows_loaded - n.n, "
            "rows_quarantined = rows_quarantined + n.n from (select other_file, count(*) n "
            "from replacing_rows group by other_file) n where f.file_id = n.other_file")
        con.execute(
            f"delete from {name} t using replacing_rows r, incoming_rows i "
            f"where i.{POSITION} = r.position and t._file_id = r.other_file and {join}")
    finally:
        con.unregister("replacing_rows")


def reinstate(con, source: Source, table: Table) -> int:
    """Bring back, for every key no current row holds any more (the delivery in force was
    superseded by a version without it), the latest replaced version of its record: loaded
    again under its own file, out of quarantine, its file's counts moved back. Returns how
    many came back."""
    name = quote_identifier(table.name)
    keys = ", ".join(quote_identifier(k) for k in table.key)
    held = query(con, "select q.file_id, q.path, q.row_json from meta.quarantine q "
                      "where q.target_table = $t and q.awaiting is null and q.row_json is not "
                      "null and starts_with(q.reason, $replaced)",
                 {"t": table.name, "replaced": REPLACED})
    if held.is_empty():
        return 0
    target = query(con, f"select * exclude (_file_id) from {name} limit 0").schema
    typed = held.with_columns(pl.col("row_json").str.json_decode(
        dtype=pl.Struct(dict(target))).alias("row")).unnest("row")
    con.register("replaced_rows", typed)
    try:
        gone = query(con, f"select r.* from replaced_rows r anti join {name} t using ({keys})")
    finally:
        con.unregister("replaced_rows")
    if gone.is_empty():
        return 0
    gone = gone.with_columns(pl.Series("__date", [
        delivery_date(p, source.folder) for p in gone["path"]], dtype=pl.Date)).sort(
        "__date", nulls_last=False).unique(list(table.key), keep="last")
    back = gone.select(*target, pl.col("file_id").alias("_file_id"))
    done = gone.select("file_id", "row_json")
    con.register("reinstated_rows", back)
    try:
        con.execute(f"insert into {name} by name select * from reinstated_rows")
    finally:
        con.unregister("reinstated_rows")
    con.register("reinstated_rows", done)
    try:
        con.execute("delete from meta.quarantine q using reinstated_rows r where "
                    "q.file_id = r.file_id and q.row_json = r.row_json and q.target_table = $t "
                    "and q.awaiting is null and starts_with(q.reason, $replaced)",
                    {"t": table.name, "replaced": REPLACED})
        con.execute("update meta.ingest_files f set rows_loaded = rows_loaded + r.n, "
                    "rows_quarantined = rows_quarantined - r.n from (select file_id, "
                    "count(*) n from reinstated_rows group by file_id) r "
                    "where f.file_id = r.file_id")
    finally:
        con.unregister("reinstated_rows")
    return back.height


__all__ = ["REPLACED", "Decided", "decide", "delivery_date", "reinstate"]
