"""The dashboard's one data-access module: parameterised queries on the current snapshot.

* **Which snapshot.** Every call reads the ``CURRENT`` pointer through
  :func:`cxbridge.platform.warehouse.current_snapshot` (one small file read), so a snapshot
  published while the app runs is used by the next call, without a restart.
* **Connections.** One read-only connection per snapshot file
  (:func:`cxbridge.platform.warehouse.open_snapshot`); each query runs on its own cursor and drains
  it, so the server's threads never share a cursor. When ``CURRENT`` names a new file, the
  next query opens it and the old connection is dropped (a query still running on it
  finishes). A read-only snapshot never blocks the pipeline, which writes a new file.
* **SQL.** The queries live in ``dashboards/sql/*.sql``; values (dates, regions, ids, …) are
  always bound as ``$name`` parameters. The only text formatted into SQL is code: metric
  formulas and source tables from the metric registry, dimension columns from
  :data:`DIMENSIONS`, and the constant filter clauses below.
* **Cache.** Results are kept in per-reader LRUs keyed by the snapshot (run id and file),
  the SQL text and the bound parameters; a new snapshot is a new key, so it is never served
  stale. Customer-level frames (one row per customer) go to a smaller cache of their own.
* **Customer periods.** Each customer's experience over the chosen dates comes from an
  in-memory index of running sums built once per snapshot (:mod:`cxbridge.dashboards.period_index`),
  so a new period costs milliseconds instead of an aggregation of ``customer_daily``. What
  does not depend on the dates (attributes, latest churn score, open incident) is joined
  once per snapshot too, in the index's row order: a filter change joins nothing.
* **Missing tables.** :meth:`SnapshotReader.missing` tells a page which of the tables it
  needs the snapshot lacks, so it can say what to run instead of failing.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

from cxbridge.dashboards import campaign, period_index
from cxbridge.dashboards.filters import FilterChoices, Filters
from cxbridge.dashboards.registry import metric
from cxbridge.dashboards.roles import CONTACT_COLUMNS
from cxbridge.models.incidents.params import Params
from cxbridge.platform.metrics import Metric
from cxbridge.platform.settings import Settings
from cxbridge.platform.warehouse import current_snapshot, open_snapshot, query, quote_identifier

DIMENSIONS: tuple[str, ...] = ("region", "segment", "cfs_type")
SQL_DIR = Path(__file__).resolve().parent / "sql"
EARLIEST, LATEST = date(1900, 1, 1), date(2999, 12, 31)
LOG = logging.getLogger(__name__)

# What each part of the dashboard needs from the snapshot beyond the marts.
CHURN_TABLES: tuple[str, ...] = ("churn_scores",)
INCIDENT_TABLES: tuple[str, ...] = ("queue", "incidents", "incident_services", "impact_breakdown",
                                    "care_list", "incident_access", "incident_impact")
TIMELINE_TABLES: tuple[str, ...] = ("incident_episodes", "episodes")
# without detection_thresholds in the snapshot: the ceiling of the derived threshold
CONGESTED_UTIL_PCT = Params().congested_util_ceiling

# (Filters field, dimension or None for dates, SQL clause): the clause is fixed, values bound.
_FILTER_CLAUSES = (
    ("start", None, "date >= $start"),
    ("end", None, "date <= $end"),
    ("regions", "region", "list_contains($regions, region)"),
    ("segments", "segment", "list_contains($segments, segment)"),
    ("cfs_types", "cfs_type", "list_contains($cfs_types, cfs_type)"),
)
_PARAMETER = re.compile(r"\$([a-z_][a-z0-9_]*)")

Params = tuple[tuple[str, Hashable], ...]
SnapshotKey = tuple[str, str, int, int]  # run id, path, inode, mtime


@dataclass(frozen=True)
class SnapshotSummary:
    """What the footer says about the data on screen."""

    run_id: str
    built_at: datetime | None
    first_date: date | None
    last_date: date | None


class SnapshotReader:
    """Reads the current published snapshot; safe to share between threads."""

    def __init__(self, settings: Settings, cache_size: int = 512, large_cache_size: int = 24,
                 threads: int = 1, warm_new_snapshots: bool = False) -> None:
        """``warm_new_snapshots``: when a new snapshot is first read, build what every filter
        shares (:meth:`warm_up`) in a background thread, so that the first Marketing view
        after a run does not wait for it (the server does this; tests and benchmarks do
        not)."""
        self._settings = settings
        self._threads = threads
        self._warm_new_snapshots = warm_new_snapshots
        self._warming: threading.Thread | None = None
        self._lock = threading.Lock()
        self._root: tuple[SnapshotKey, duckdb.DuckDBPyConnection] | None = None
        self._cached_query = functools.lru_cache(maxsize=cache_size)(self._run_query)
        self._cached_large = functools.lru_cache(maxsize=large_cache_size)(self._run_query)
        # built once per snapshot (or filters) even when several callbacks ask at once
        self._build_lock, self._outlook_lock = threading.Lock(), threading.Lock()
        self._customer_base = functools.lru_cache(maxsize=2)(self._build_customer_base)
        self._outlook = functools.lru_cache(maxsize=4)(self._build_outlook)
        self._snapshot_wide = functools.lru_cache(maxsize=16)(self._run_query)

    # --- the snapshot and the filter bar -----------------------------------------------------

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
        row = self.sql("filter_options").row(0, named=True)
        return FilterChoices.for_range(
            row["first_date"], row["last_date"],
            row["regions"] or (), row["segments"] or (), row["cfs_types"] or (),
        )

    def tables(self) -> frozenset[str]:
        """The tables this snapshot holds."""
        frame = self._frame("select table_name from information_schema.tables", ())
        return frozenset(frame["table_name"].to_list())

    def missing(self, *names: str) -> tuple[str, ...]:
        """Which of ``names`` the snapshot lacks, in the order asked."""
        present = self.tables()
        return tuple(name for name in names if name not in present)

    def capabilities(self) -> pl.DataFrame:
        """What the feeds behind this snapshot allow, one row per output
        (pipelines/jobs/capabilities.py); empty for a snapshot published before it existed."""
        if "capabilities" not in self.tables():
            return pl.DataFrame()
        return self._frame("select * from capabilities", ())

    # --- registry metrics --------------------------------------------------------------------

    def source_available(self, metric_name: str) -> bool:
        """Whether the snapshot holds the metric's source table, or what it is derived from."""
        return self._source_sql(metric(metric_name)) is not None

    def kpi_value(self, metric_name: str, filters: Filters) -> float | None:
        """One metric over the whole filtered range (a ratio of sums, as the registry says)."""
        return self.kpi_values([metric_name], filters)[metric_name]

    def kpi_values(self, metric_names: Sequence[str], filters: Filters) -> dict[str, float | None]:
        """Several metrics of the same source table over the filtered range, in one query."""
        metrics = [metric(name) for name in metric_names]
        source = self._common_source(metrics)
        columns = ", ".join(f"{_value_sql(m)} as {quote_identifier(m.name)}" for m in metrics)
        where, params = _where(filters, _common_dimensions(metrics))
        frame = self._frame(f"select {columns} from {source} {where}", params)
        return frame.row(0, named=True) if not frame.is_empty() else dict.fromkeys(metric_names)

    def kpi_overview(self, metric_names: Sequence[str], filters: Filters
                     ) -> dict[str, tuple[float | None, pl.DataFrame]]:
        """Each metric's value over the filtered range and its daily series (``date``,
        ``value``), one query per source table (grouping sets: per day, and overall)."""
        out: dict[str, tuple[float | None, pl.DataFrame]] = {}
        by_source: dict[str, list[Metric]] = {}
        for name in metric_names:
            by_source.setdefault(metric(name).source, []).append(metric(name))
        for metrics in by_source.values():
            columns = ", ".join(f"{_value_sql(m)} as {quote_identifier(m.name)}"
                                for m in metrics)
            where, params = _where(filters, _common_dimensions(metrics))
            frame = self._frame(
                f"select date, {columns} from {self._common_source(metrics)} {where} "
                "group by grouping sets ((date), ()) order by date nulls first", params)
            total = frame.filter(pl.col("date").is_null())
            days = frame.filter(pl.col("date").is_not_null())
            for m in metrics:
                value = total[m.name][0] if not total.is_empty() else None
                out[m.name] = (value, days.select("date", value=pl.col(m.name)))
        return out

    def kpi_series(self, metric_name: str, filters: Filters) -> pl.DataFrame:
        """One row per day: ``date``, ``value``."""
        m = metric(metric_name)
        where, params = _where(filters, m.dimensions)
        return self._frame(
            f"select date, {_value_sql(m)} as value from {self._required_source(m)} {where} "
            "group by date order by date",
            params,
        )

    def breakdown(self, metric_name: str, by: str, filters: Filters) -> pl.DataFrame:
        """One row per value of ``by`` (region, segment or cfs_type): ``<by>``, ``value``."""
        m = _check_dimension(metric(metric_name), by)
        where, params = _where(filters, m.dimensions)
        return self._frame(
            f"select {by}, {_value_sql(m)} as value from {self._required_source(m)} {where} "
            f"group by {by} order by {by}",
            params,
        )

    def breakdown_by_day(self, metric_name: str, by: str, filters: Filters) -> pl.DataFrame:
        """One row per day and value of ``by``: ``date``, ``<by>``, ``value``."""
        m = _check_dimension(metric(metric_name), by)
        where, params = _where(filters, m.dimensions)
        return self._frame(
            f"select date, {by}, {_value_sql(m)} as value from {self._required_source(m)} "
            f"{where} group by date, {by} order by date, {by}",
            params,
        )

    # --- named queries (dashboards/sql/<name>.sql) -------------------------------------------

    def sql(self, name: str, filters: Filters | None = None, large: bool = False,
            **values: Hashable) -> pl.DataFrame:
        """Run ``dashboards/sql/<name>.sql``, binding the filter bar's values (``$start``,
        ``$end``, ``$regions``, ``$segments``, ``$cfs_types``) and ``values`` by name; only
        the parameters the file uses are bound. ``large`` marks one-row-per-customer results,
        kept in the smaller cache (or, without parameters, with the snapshot's indexes)."""
        text = _sql_text(name)
        bound = {**(_filter_values(filters) if filters else {}), **values}
        used = set(_PARAMETER.findall(text))
        unknown = used - set(bound)
        if unknown:
            raise ValueError(f"dashboards/sql/{name}.sql needs {', '.join(sorted(unknown))}")
        params = tuple(sorted((k, v) for k, v in bound.items() if k in used))
        if large and not params:
            snapshot = current_snapshot(self._settings)
            return self._snapshot_wide(_snapshot_key(snapshot.run_id, snapshot.path), text, ())
        return self._frame(text, params, large=large)

    # --- marketing ---------------------------------------------------------------------------

    def customer_outlook(self, filters: Filters) -> pl.DataFrame:
        """One row per customer in service in the period and matching the filter bar:
        experience over the period, poor days, days active, fault minutes, segment, region,
        service types, revenue, latest churn score (null without ``churn_scores``), open
        incident they are inside (null without the incident tables), quadrant and offer
        (:func:`cxbridge.dashboards.campaign.outlook`). The Marketing page's callbacks share it: it
        is cached per snapshot and filters."""
        snapshot = current_snapshot(self._settings)
        with self._outlook_lock:
            return self._outlook(_snapshot_key(snapshot.run_id, snapshot.path), filters)

    def _build_outlook(self, key: SnapshotKey, filters: Filters) -> pl.DataFrame:
        with self._build_lock:
            index, base, rows = self._customer_base(key)
        return campaign.outlook(base, index.columns(filters.start, filters.end, rows), filters)

    def _build_customer_base(self, key: SnapshotKey
                             ) -> tuple[period_index.PeriodIndex, pl.DataFrame, np.ndarray]:
        """The period index, every customer's base
        (:func:`cxbridge.dashboards.campaign.customer_base`)
        and each one's row in the index: what a new period needs, built once per snapshot."""
        index = period_index.build(self._run_query(key, _sql_text("customer_days_all"), ()))
        scores = None if self.missing(*CHURN_TABLES) else self.sql("churn_latest", large=True)
        held = None if self.missing(*INCIDENT_TABLES) else self.sql("open_incident_customers")
        base = campaign.customer_base(self.sql("customer_attributes", large=True), scores,
                                      held)
        return index, base, index.rows_of(base["customer_id"])

    def churn_drivers(self, filters: Filters) -> pl.DataFrame | None:
        """The churn model's driver summary for the chosen segments (``reason``, ``network``,
        ``customers``), or None without ``churn_drivers`` in the snapshot."""
        if self.missing("churn_drivers"):
            return None
        return self.sql("churn_drivers", filters)

    def contacts(self, customers: pl.DataFrame) -> pl.DataFrame:
        """Names, e-mails and phones of the customers of ``customers`` (a frame with
        ``customer_id``), in its order; only for roles allowed them."""
        every = self.sql("contacts", large=True)
        return customers.select("customer_id").join(every, on="customer_id", how="left",
                                                    maintain_order="left")

    # --- network operations ------------------------------------------------------------------

    def incident_queue(self, filters: Filters, only_open: bool = False,
                       include_planned: bool = False, source: str = "any") -> pl.DataFrame:
        """The queue the filter bar selects (see ``sql/incident_queue.sql``)."""
        return self.sql("incident_queue", filters, only_open=only_open,
                        include_planned=include_planned, source=source)

    def incident(self, incident_id: str) -> dict | None:
        """One incident's queue row and facts, or None when there is no such incident."""
        frame = self.sql("incident_detail", incident_id=incident_id)
        return frame.row(0, named=True) if not frame.is_empty() else None

    def incident_timeline(self, incident_id: str) -> pl.DataFrame:
        """Its alarm episodes, root first (empty without the episode tables)."""
        if self.missing(*TIMELINE_TABLES):
            return pl.DataFrame()
        return self.sql("incident_timeline", incident_id=incident_id)

    def incident_breakdown(self, incident_id: str) -> pl.DataFrame:
        """Services, customers and minutes it hurt, by service type and segment."""
        return self.sql("incident_breakdown", incident_id=incident_id)

    def incident_kpis(self, incident_id: str, root_resource_id: str | None,
                      from_hour: datetime, to_hour: datetime,
                      started_at: datetime | None = None, ends: datetime | None = None
                      ) -> pl.DataFrame:
        """Hourly KPIs of its root resource, or of the access resources behind it, with the
        sessions they usually carry outside the incident (``started_at`` … ``ends``; without
        them, outside the hours shown)."""
        return self.sql("incident_kpis", incident_id=incident_id,
                        root_resource_id=root_resource_id or "", from_hour=from_hour,
                        to_hour=to_hour, started_at=started_at or from_hour,
                        ends=ends or to_hour)

    def incident_resources(self, incident_id: str, started_at: datetime, ends: datetime,
                           rows: int = 8) -> pl.DataFrame:
        """The cells and ports it hurt (the first ``rows``, busiest first), their sessions
        while it lasted against their usual level, with ``resources``: how many in all."""
        return self.sql("incident_resources", incident_id=incident_id, started_at=started_at,
                        ends=ends, rows=rows)

    def access_worst(self, filters: Filters, order: str = "busy_hour", rows: int = 10
                     ) -> pl.DataFrame:
        """The cells and PON ports worst first over the filtered dates (see
        ``sql/access_worst.sql`` for the orders), at most ``rows``; empty without
        ``access_hourly``."""
        if self.missing("access_hourly"):
            return pl.DataFrame()
        return self.sql("access_worst", filters, order=order, rows=rows,
                        congested_pct=self.congestion_threshold())

    def congestion_threshold(self) -> float:
        """The utilisation (%) the incident models called congested (derived from the history
        or set, ``detection_thresholds``); 95, their ceiling, when the snapshot lacks it."""
        if not self.missing("detection_thresholds"):
            frame = self._frame("select value from detection_thresholds "
                                "where name = 'congested_util_pct' limit 1", ())
            if not frame.is_empty() and frame["value"][0] is not None:
                return float(frame["value"][0])
        return CONGESTED_UTIL_PCT

    def knows_services(self) -> bool:
        """Whether the snapshot holds any customer service day (``kpi_daily``): without, the
        pages show the network's own measures instead of customer experience."""
        if self.missing("kpi_daily"):
            return False
        return bool(self._frame("select exists (select 1 from kpi_daily) as known", ())
                    ["known"][0])

    def care_preview(self, incident_id: str, rows: int = 8) -> pl.DataFrame:
        """The first ``rows`` customers of its care list, ids only, with ``customers``: the
        length of the whole list."""
        return self.sql("care_preview", incident_id=incident_id, rows=rows)

    def care_list(self, incident_id: str, with_contacts: bool = False) -> pl.DataFrame:
        """Its affected customers, in the order to call them; contact columns only
        ``with_contacts``. Kept in the smaller cache: a big fault's list is 100 k rows."""
        frame = self.sql("care_list", large=True, incident_id=incident_id)
        if not with_contacts:
            return frame
        return frame.hstack(self.contacts(frame).drop("customer_id"))

    # --- customer 360 ------------------------------------------------------------------------

    def find_customers(self, text: str, by_contact: bool = False) -> pl.DataFrame:
        """Up to 12 customers whose id starts with ``text`` (or, ``by_contact``, whose name
        or phone contains it)."""
        text = text.strip()
        digits = "".join(ch for ch in text if ch.isdigit()).lstrip("0")  # 087… = +353 87…
        frame = self.sql("find_customers", text=text, digits=digits, by_contact=by_contact)
        return frame if by_contact else frame.drop("name", "phone")

    def customer(self, customer_id: str, with_contacts: bool = False) -> dict | None:
        """One customer's CRM record (contact details only ``with_contacts``), or None."""
        frame = self.sql("customer_profile", customer_id=customer_id,
                         with_contacts=with_contacts)
        if frame.is_empty():
            return None
        row = frame.row(0, named=True)
        return row if with_contacts else {k: v for k, v in row.items()
                                          if k not in CONTACT_COLUMNS}

    def customer_days(self, customer_id: str, filters: Filters) -> pl.DataFrame:
        return self.sql("customer_days", filters, customer_id=customer_id)

    def customer_services(self, customer_id: str, filters: Filters) -> pl.DataFrame:
        return self.sql("customer_services", filters, customer_id=customer_id)

    def customer_incidents(self, customer_id: str) -> pl.DataFrame:
        if self.missing(*INCIDENT_TABLES):
            return pl.DataFrame()
        return self.sql("customer_incidents", customer_id=customer_id)

    def customer_tickets(self, customer_id: str, with_text: bool = False) -> pl.DataFrame:
        frame = self.sql("customer_tickets", customer_id=customer_id, with_text=with_text)
        return frame if with_text else frame.drop("description")

    def customer_churn(self, customer_id: str) -> dict | None:
        if self.missing(*CHURN_TABLES):
            return None
        frame = self.sql("customer_churn", customer_id=customer_id)
        return frame.row(0, named=True) if not frame.is_empty() else None

    # --- plumbing ----------------------------------------------------------------------------

    def warm_up(self) -> None:
        """Build what every filter combination shares, once per snapshot: the customer period
        index and the customer-level tables (the first Marketing view does it otherwise)."""
        self.customer_outlook(self.filter_options().default)
        if not self.missing(*CHURN_TABLES):
            self.sql("churn_latest", large=True)
        self.sql("contacts", large=True)

    def cache_clear(self, keep_indexes: bool = False) -> None:
        """Forget every cached result (tests, benchmarks, or after repairing a snapshot);
        ``keep_indexes`` keeps what is built once per snapshot whatever the filters: the
        customer period index and the customer-level tables without parameters."""
        self._cached_query.cache_clear()
        self._cached_large.cache_clear()
        self._outlook.cache_clear()
        if not keep_indexes:
            self._customer_base.cache_clear()
            self._snapshot_wide.cache_clear()

    def _source_sql(self, m: Metric) -> str | None:
        if m.source in self.tables():
            return quote_identifier(m.source)
        derived = SQL_DIR / "sources" / f"{m.source}.sql"
        if derived.is_file():
            text = derived.read_text(encoding="utf-8")
            needs = re.findall(r"-- needs: (.*)", text)
            inputs = [t.strip() for line in needs for t in line.split(",")]
            if not self.missing(*inputs):
                return f"({text}) as {quote_identifier(m.source)}"
        return None

    def _required_source(self, m: Metric) -> str:
        source = self._source_sql(m)
        if source is None:
            raise MissingTableError(m.source)
        return source

    def _common_source(self, metrics: Sequence[Metric]) -> str:
        sources = {m.source for m in metrics}
        if len(sources) != 1:
            raise ValueError(f"metrics come from different tables ({', '.join(sorted(sources))}); "
                             "query each table separately")
        return self._required_source(metrics[0])

    def _frame(self, sql: str, params: Params, large: bool = False) -> pl.DataFrame:
        cached = self._cached_large if large else self._cached_query
        snapshot = current_snapshot(self._settings)
        try:
            return cached(_snapshot_key(snapshot.run_id, snapshot.path), sql, params)
        except (duckdb.IOException, FileNotFoundError):
            # The snapshot may have been pruned between reading CURRENT and opening it.
            newer = current_snapshot(self._settings)
            if newer.path == snapshot.path:
                raise
            return cached(_snapshot_key(newer.run_id, newer.path), sql, params)

    def _run_query(self, key: SnapshotKey, sql: str, params: Params) -> pl.DataFrame:
        """Run one query on its own cursor (``key`` names the snapshot and keys the cache)."""
        bound = {name: list(v) if isinstance(v, tuple) else v for name, v in params}
        cursor = self._connection(key).cursor()
        try:
            return query(cursor, sql, bound)
        finally:
            cursor.close()

    def _connection(self, key: SnapshotKey) -> duckdb.DuckDBPyConnection:
        with self._lock:
            if self._root is None or self._root[0] != key:
                # the old connection is only dropped: closing it would cut its cursors
                self._root = (key, open_snapshot(Path(key[1]), threads=self._threads))
                if self._warm_new_snapshots:
                    self._warming = threading.Thread(target=self._warm_quietly, daemon=True,
                                                     name=f"warm-up {key[0]}")
                    self._warming.start()
            return self._root[1]

    def warming(self) -> threading.Thread | None:
        """The background warm-up of the latest snapshot opened, if any was started."""
        return self._warming

    def _warm_quietly(self) -> None:
        try:
            self.warm_up()
        except (LookupError, duckdb.Error, OSError) as exc:
            # a snapshot without the marketing tables: the pages say what is missing
            LOG.info("snapshot warm-up skipped: %s", exc)


class MissingTableError(LookupError):
    """A query needs a table this snapshot does not hold."""

    def __init__(self, table: str) -> None:
        super().__init__(f"the snapshot has no {table!r} table")
        self.table = table


@functools.cache
def _sql_text(name: str) -> str:
    path = SQL_DIR / f"{name}.sql"
    if not path.is_file():
        raise FileNotFoundError(f"no query {path}")
    return path.read_text(encoding="utf-8")


def _snapshot_key(run_id: str, path: Path) -> SnapshotKey:
    stat = path.stat()
    return run_id, str(path), stat.st_ino, stat.st_mtime_ns


def _filter_values(filters: Filters) -> dict[str, Hashable]:
    return {"start": filters.start or EARLIEST, "end": filters.end or LATEST,
            "regions": filters.regions, "segments": filters.segments,
            "cfs_types": filters.cfs_types}


def _where(filters: Filters, dimensions: Sequence[str]) -> tuple[str, Params]:
    """The filter clauses for a table with ``dimensions``; the others do not apply to it."""
    clauses, params = [], []
    for field_name, dimension, clause in _FILTER_CLAUSES:
        value = getattr(filters, field_name)
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
