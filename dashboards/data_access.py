"""The dashboard's one data-access module: parameterised queries on the current snapshot.

* **Which snapshot.** Every call reads the ``CURRENT`` pointer through
  :func:`pipelines.warehouse.current_snapshot` (one small file read), so a snapshot published
  while the app runs is used by the next call, without a restart.
* **Connections.** Each query opens its own read-only connection with
  :func:`pipelines.warehouse.open_snapshot`, materialises the result and closes it: nothing is
  shared between the server's threads and no lock is ever held on a snapshot.
* **SQL.** Values (dates, regions, …) are always bound as ``$name`` parameters. The only text
  formatted into SQL is code: metric formulas and source tables from :mod:`pipelines.metrics`,
  dimension columns from :data:`DIMENSIONS`, and the constant filter clauses below.
* **Cache.** Results are kept in a per-reader LRU keyed by the snapshot's run id, the SQL text
  and the bound parameters; a new run id is a new key, so a new snapshot is never served stale.
"""

from __future__ import annotations

import functools
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl

from dashboards.filters import FilterChoices, Filters
from pipelines.metrics import Metric, metric
from pipelines.settings import Settings
from pipelines.warehouse import current_snapshot, open_snapshot, query, quote_identifier

DIMENSIONS: tuple[str, ...] = ("region", "segment", "cfs_type")

# (Filters field, SQL clause, parameter name): the clause text is fixed, the value is bound.
_FILTER_CLAUSES = (
    ("start", "date >= $start", "start"),
    ("end", "date <= $end", "end"),
    ("regions", "list_contains($regions, region)", "regions"),
    ("segments", "list_contains($segments, segment)", "segments"),
    ("cfs_types", "list_contains($cfs_types, cfs_type)", "cfs_types"),
)

Params = tuple[tuple[str, Hashable], ...]


@dataclass(frozen=True)
class SnapshotSummary:
    """What the footer says about the data on screen."""

    run_id: str
    built_at: datetime | None
    first_date: date | None
    last_date: date | None


class SnapshotReader:
    """Reads the current published snapshot; safe to share between threads."""

    def __init__(self, settings: Settings, cache_size: int = 512) -> None:
        self._settings = settings
        self._cached_query = functools.lru_cache(maxsize=cache_size)(self._run_query)

    # --- public queries ----------------------------------------------------------------------

    def snapshot_info(self) -> SnapshotSummary:
        """Run id and build time of the snapshot now current."""
        frame = self._frame(
            "select run_id, built_at, first_date, last_date from snapshot_info limit 1", ()
        )
        if frame.is_empty():
            return SnapshotSummary(current_snapshot(self._settings).run_id, None, None, None)
        return SnapshotSummary(**frame.row(0, named=True))

    def filter_options(self) -> FilterChoices:
        """Date range and the regions, segments and service types present in ``kpi_daily``."""
        frame = self._frame(
            "select min(date) as first_date, max(date) as last_date, "
            "list_sort(list(distinct region)) as regions, "
            "list_sort(list(distinct segment)) as segments, "
            "list_sort(list(distinct cfs_type)) as cfs_types from kpi_daily",
            (),
        )
        row = frame.row(0, named=True)
        return FilterChoices.for_range(
            row["first_date"], row["last_date"],
            row["regions"] or (), row["segments"] or (), row["cfs_types"] or (),
        )

    def kpi_value(self, metric_name: str, filters: Filters) -> float | None:
        """One metric over the whole filtered range (a ratio of sums, as the registry says)."""
        return self.kpi_values([metric_name], filters)[metric_name]

    def kpi_values(self, metric_names: Sequence[str], filters: Filters) -> dict[str, float | None]:
        """Several metrics of the same source table over the filtered range, in one query."""
        metrics = [metric(name) for name in metric_names]
        source = _common_source(metrics)
        columns = ", ".join(f"{_value_sql(m)} as {quote_identifier(m.name)}" for m in metrics)
        where, params = _where(filters)
        frame = self._frame(f"select {columns} from {source} {where}", params)
        return frame.row(0, named=True) if not frame.is_empty() else dict.fromkeys(metric_names)

    def kpi_series(self, metric_name: str, filters: Filters) -> pl.DataFrame:
        """One row per day: ``date``, ``value``."""
        m = metric(metric_name)
        where, params = _where(filters)
        return self._frame(
            f"select date, {_value_sql(m)} as value from {_source(m)} {where} "
            "group by date order by date",
            params,
        )

    def breakdown(self, metric_name: str, by: str, filters: Filters) -> pl.DataFrame:
        """One row per value of ``by`` (region, segment or cfs_type): ``<by>``, ``value``."""
        if by not in DIMENSIONS:
            raise ValueError(f"cannot break down by {by!r}; choose one of {', '.join(DIMENSIONS)}")
        m = metric(metric_name)
        where, params = _where(filters)
        return self._frame(
            f"select {by}, {_value_sql(m)} as value from {_source(m)} {where} "
            f"group by {by} order by {by}",
            params,
        )

    # --- plumbing ----------------------------------------------------------------------------

    def cache_clear(self) -> None:
        """Forget every cached result (tests, or after repairing a snapshot in place)."""
        self._cached_query.cache_clear()

    def _frame(self, sql: str, params: Params) -> pl.DataFrame:
        snapshot = current_snapshot(self._settings)
        try:
            return self._cached_query(snapshot.run_id, snapshot.path, sql, params)
        except duckdb.IOException:
            # The snapshot may have been pruned between reading CURRENT and opening it.
            newer = current_snapshot(self._settings)
            if newer.path == snapshot.path:
                raise
            return self._cached_query(newer.run_id, newer.path, sql, params)

    @staticmethod
    def _run_query(run_id: str, path: Path, sql: str, params: Params) -> pl.DataFrame:
        """Run one query on its own read-only connection (``run_id`` is part of the cache key)."""
        bound = {name: list(v) if isinstance(v, tuple) else v for name, v in params}
        con = open_snapshot(path)
        try:
            return query(con, sql, bound)
        finally:
            con.close()


def _where(filters: Filters) -> tuple[str, Params]:
    clauses, params = [], []
    for field_name, clause, param in _FILTER_CLAUSES:
        value = getattr(filters, field_name)
        if value:
            clauses.append(clause)
            params.append((param, value))
    return ("where " + " and ".join(clauses) if clauses else ""), tuple(params)


def _value_sql(m: Metric) -> str:
    return f"cast({m.formula_sql} as double)"


def _source(m: Metric) -> str:
    return quote_identifier(m.source)


def _common_source(metrics: Sequence[Metric]) -> str:
    sources = {m.source for m in metrics}
    if len(sources) != 1:
        raise ValueError(f"metrics come from different tables ({', '.join(sorted(sources))}); "
                         "query each table separately")
    return quote_identifier(sources.pop())

