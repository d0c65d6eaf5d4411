"""What a published snapshot holds, table by table, as sorted rows: how the fault-injection and
arrival-order tests say "the same snapshot as an uninterrupted run".

Left out, because they differ between two runs of the same data by design:

* ``run_id`` (every table that has it: the run that built it);
* ``built_at`` and ``raw_dir`` (``snapshot_info``: when, and from which folder);
* ``scored_at`` (``queue``: the wall-clock time the queue was ranked).

Doubles are rounded to 9 decimals: DuckDB's parallel sums may add in another order.
"""

from __future__ import annotations

from cxbridge.platform import warehouse
from cxbridge.platform.settings import Settings

EXCLUDED = frozenset({"run_id", "built_at", "raw_dir", "scored_at"})


def published_rows(settings: Settings) -> dict[str, list[tuple]]:
    """Every table of the current snapshot: its rows (less :data:`EXCLUDED`), sorted."""
    con = warehouse.open_snapshot(warehouse.current_snapshot(settings).path)
    try:
        tables = [t for (t,) in warehouse.rows(
            con, "select table_name from information_schema.tables order by 1")]
        return {table: _sorted_rows(con, table) for table in tables}
    finally:
        con.close()


def _sorted_rows(con, table: str) -> list[tuple]:
    columns = [(name, kind) for name, kind in warehouse.rows(
        con, "select column_name, data_type from information_schema.columns "
             "where table_name = $t order by ordinal_position", {"t": table})
        if name not in EXCLUDED]
    select = ", ".join(f"round({name}, 9) as {name}" if kind in ("DOUBLE", "FLOAT") else name
                       for name, kind in columns)
    return warehouse.rows(con, f"select {select} from {warehouse.quote_identifier(table)} "
                               "order by all")


def differences(got: dict[str, list[tuple]], expected: dict[str, list[tuple]]) -> list[str]:
    """What differs, one line per table (empty: the same snapshot)."""
    lines = [f"{t}: missing" for t in sorted(expected.keys() - got.keys())]
    lines += [f"{t}: not expected" for t in sorted(got.keys() - expected.keys())]
    for table in sorted(expected.keys() & got.keys()):
        a, b = got[table], expected[table]
        if a != b:
            seen, wanted = {repr(r) for r in a}, {repr(r) for r in b}
            extra, lost = sorted(seen - wanted), sorted(wanted - seen)
            lines.append(f"{table}: {len(a)} rows, expected {len(b)}; {len(extra)} unexpected, "
                         f"{len(lost)} missing, e.g. {extra[:1]} / {lost[:1]}")
    return lines
