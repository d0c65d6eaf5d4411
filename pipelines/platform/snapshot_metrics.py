"""The registry's metrics read from a snapshot: a value over a selection, its daily series, its
breakdown by a filter dimension. The dashboard (its Overview tiles, trends and breakdowns) and the
notebooks call these same functions, so they show the same numbers.

Every metric is the registry's (:mod:`cxbridge.platform.metrics`): its formula is a ratio of sums
over its source table, a table the snapshot contract publishes
(:mod:`cxbridge.platform.snapshot`). The only text formatted into SQL is code: the formula and
source from the registry, dimension columns from :data:`DIMENSIONS` and the fixed filter clauses
below; the selection's values are always bound as parameters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta

import polars as pl

from cxbridge.platform.metrics import Metric, metric
from cxbridge.platform.snapshot_reading import MissingTableError, Params, Selection, SnapshotReading
from cxbridge.platform.warehouse import quote_identifier

# The filter dimensions a metric's source table may have (customers have no single CFS type).
DIMENSIONS: tuple[str, ...] = ("region", "segment", "cfs_type")

# (Selection field, dimension or None for dates, SQL clause): the clause is fixed, values bound.
_FILTER_CLAUSES = (
    ("start", None, "date >= $start"),
    ("end", None, "date <= $end"),
    ("regions", "region", "list_contains($regions, region)"),
    ("segments", "segment", "list_contains($segments, segment)"),
    ("cfs_types", "cfs_type", "list_contains($cfs_types, cfs_type)"),
)


def source_available(reading: SnapshotReading, metric_name: str) -> bool:
    """Whether the snapshot holds the metric's source table."""
    return metric(metric_name).source in reading.tables()


def kpi_value(reading: SnapshotReading, metric_name: str, selection: Selection) -> float | None:
    """One metric over the whole selection (a ratio of sums, as the registry says)."""
    return kpi_values(reading, [metric_name], selection)[metric_name]


def kpi_values(reading: SnapshotReading, metric_names: Sequence[str], selection: Selection
               ) -> dict[str, float | None]:
    """Several metrics of the same source table over the selection, in one query."""
    metrics = [metric(name) for name in metric_names]
    source = _common_source(reading, metrics)
    columns = ", ".join(f"{_value_sql(m)} as {quote_identifier(m.name)}" for m in metrics)
    where, params = _where(selection, _common_dimensions(metrics))
    frame = reading.frame(f"select {columns} from {source} {where}", params)
    return frame.row(0, named=True) if not frame.is_empty() else dict.fromkeys(metric_names)


def kpi_overview(reading: SnapshotReading, metric_names: Sequence[str], selection: Selection
                 ) -> dict[str, tuple[float | None, pl.DataFrame]]:
    """Each metric's value over the selection and its daily series (``date``, ``value``), one
    query per source table (grouping sets: per day, and overall)."""
    out: dict[str, tuple[float | None, pl.DataFrame]] = {}
    by_source: dict[str, list[Metric]] = {}
    for name in metric_names:
        by_source.setdefault(metric(name).source, []).append(metric(name))
    for metrics in by_source.values():
        columns = ", ".join(f"{_value_sql(m)} as {quote_identifier(m.name)}" for m in metrics)
        where, params = _where(selection, _common_dimensions(metrics))
        frame = reading.frame(
            f"select date, {columns} from {_common_source(reading, metrics)} {where} "
            "group by grouping sets ((date), ()) order by date nulls first", params)
        total = frame.filter(pl.col("date").is_null())
        days = frame.filter(pl.col("date").is_not_null())
        for m in metrics:
            value = total[m.name][0] if not total.is_empty() else None
            out[m.name] = (value, days.select("date", value=pl.col(m.name)))
    return out


def previous_period(selection: Selection, first: date | None, last: date | None
                    ) -> Selection | None:
    """The same selection over the period of the same length just before it (the whole
    snapshot, ``first`` to ``last``, when the selection has no dates); ``None`` without dates."""
    start, end = selection.start or first, selection.end or last
    if start is None or end is None or end < start:
        return None
    days = (end - start).days + 1
    return replace(selection, start=start - timedelta(days=days), end=start - timedelta(days=1))


def kpi_previous(reading: SnapshotReading, metric_names: Sequence[str], selection: Selection
                 ) -> tuple[Selection | None, dict[str, float | None]]:
    """Each metric over the period just before the selection's (:func:`previous_period`), one
    query per source table: the earlier period, and the values (``None`` where it has no data),
    to compare each with its value now (:meth:`cxbridge.platform.metrics.Metric.change`); a
    metric whose source the snapshot lacks has ``None``."""
    info = reading.snapshot_info()
    earlier = previous_period(selection, info.first_date, info.last_date)
    values: dict[str, float | None] = dict.fromkeys(metric_names)
    if earlier is None:
        return None, values
    by_source: dict[str, list[str]] = {}
    for name in metric_names:
        by_source.setdefault(metric(name).source, []).append(name)
    for source, names in by_source.items():
        if source in reading.tables():
            values |= kpi_values(reading, names, earlier)
    return earlier, values


def kpi_series(reading: SnapshotReading, metric_name: str, selection: Selection) -> pl.DataFrame:
    """One row per day: ``date``, ``value``."""
    m = metric(metric_name)
    where, params = _where(selection, m.dimensions)
    return reading.frame(
        f"select date, {_value_sql(m)} as value from {_source(reading, m)} {where} "
        "group by date order by date", params)


def breakdown(reading: SnapshotReading, metric_name: str, by: str, selection: Selection
              ) -> pl.DataFrame:
    """One row per value of ``by`` (region, segment or cfs_type): ``<by>``, ``value``."""
    m = _check_dimension(metric(metric_name), by)
    where, params = _where(selection, m.dimensions)
    return reading.frame(
        f"select {by}, {_value_sql(m)} as value from {_source(reading, m)} {where} "
        f"group by {by} order by {by}", params)


def breakdown_by_day(reading: SnapshotReading, metric_name: str, by: str, selection: Selection
                     ) -> pl.DataFrame:
    """One row per day and value of ``by``: ``date``, ``<by>``, ``value``."""
    m = _check_dimension(metric(metric_name), by)
    where, params = _where(selection, m.dimensions)
    return reading.frame(
        f"select date, {by}, {_value_sql(m)} as value from {_source(reading, m)} "
        f"{where} group by date, {by} order by date, {by}", params)


def _source(reading: SnapshotReading, m: Metric) -> str:
    if m.source not in reading.tables():
        raise MissingTableError(m.source)
    return quote_identifier(m.source)


def _common_source(reading: SnapshotReading, metrics: Sequence[Metric]) -> str:
    sources = {m.source for m in metrics}
    if len(sources) != 1:
        raise ValueError(f"metrics come from different tables ({', '.join(sorted(sources))}); "
                         "query each table separately")
    return _source(reading, metrics[0])


def _where(selection: Selection, dimensions: Sequence[str]) -> tuple[str, Params]:
    """The filter clauses for a table with ``dimensions``; the others do not apply to it."""
    clauses, params = [], []
    for field_name, dimension, clause in _FILTER_CLAUSES:
        value = getattr(selection, field_name)
        if value and (dimension is None or dimension in dimensions):
            clauses.append(clause)
            params.append((field_name, value))
    return ("where " + " and ".join(clauses) if clauses else ""), tuple(params)


def _check_dimension(m: Metric, by: str) -> Metric:
    if by not in DIMENSIONS:
        raise ValueError(f"cannot break down by {by!r}; choose one of {', '.join(DIMENSIONS)}")
    if by not in m.dimensions:
        raise ValueError(f"{m.label} is not split by {by}")
    return m


def _common_dimensions(metrics: Sequence[Metric]) -> tuple[str, ...]:
    return tuple(d for d in DIMENSIONS if all(d in m.dimensions for m in metrics))


def _value_sql(m: Metric) -> str:
    return f"cast({m.formula_sql} as double)"
