"""The staging tables every source loads, and which feeds have actually been loaded.

An operator starts with two or three feeds, not all of them. So that every SQL model can run on
whatever arrived, each staging table a source would load exists, empty, until its feed does
(:func:`ensure_staging_tables`): with no rows, a model simply finds no services, no faults or no
tickets. Whether an output means anything is then a question of which feeds were loaded
(:func:`loaded_feeds`), which :mod:`cxbridge.jobs.capabilities` answers for the user.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb
import polars as pl

from cxbridge.platform.ingest.base import Source, contract_columns
from cxbridge.platform.ingest.loader import add_missing_columns, existing_tables
from cxbridge.platform.warehouse import quote_identifier, rows, table_exists


def empty_frame(source: Source, table_name: str) -> pl.DataFrame:
    """An empty frame with the columns and types of ``table_name``'s contract, plus the
    ``_file_id`` every staging row carries."""
    table = next(t for t in source.tables if t.name == table_name)
    schema = table.contract.to_schema()
    columns = {name: schema.columns[name].dtype.type
               for name in contract_columns(table.contract)}
    return pl.DataFrame(schema={**columns, "_file_id": pl.String})


def ensure_staging_tables(con: duckdb.DuckDBPyConnection, sources: Iterable[Source]) -> list[str]:
    """Create, empty, every staging table of ``sources`` that does not exist yet; returns the
    tables created. Ingest fills them by column name when their feed arrives. A table an
    earlier version created gains the contract columns it lacks (NULL for its rows: a
    warehouse built before the customers contract carried consent still builds, and its
    customers count as not consenting until a CRM file says otherwise)."""
    existing = existing_tables(con)
    created = []
    con.execute("create schema if not exists stg")
    for source in sources:
        for table in source.tables:
            if table.name in existing:
                add_missing_columns(con, table.name, empty_frame(source, table.name).drop(
                    "_file_id"))
                continue
            con.register("_empty_staging", empty_frame(source, table.name))
            try:
                con.execute(f"create table if not exists {quote_identifier(table.name)} as "
                            "select * from _empty_staging")
            finally:
                con.unregister("_empty_staging")
            existing.add(table.name)
            created.append(table.name)
    return created


def loaded_feeds(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Every feed (ingest source) with rows loaded from a current, accepted file: source →
    rows loaded. A feed whose only files were rejected, or all of whose rows sit in quarantine,
    is not loaded."""
    if not table_exists(con, "meta.ingest_files"):
        return {}
    return {source: int(loaded) for source, loaded in rows(
        con, "select source, sum(rows_loaded) from meta.ingest_files "
             "where superseded_at is null and status <> 'rejected' "
             "group by source having sum(rows_loaded) > 0")}
