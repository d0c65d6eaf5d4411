"""The dashboard's named queries on the current snapshot, and what every page shares.

:class:`DashboardQueries` is :class:`cxbridge.platform.snapshot_reading.SnapshotReading` (which
snapshot, its connection, the per-snapshot caches, the warm-up) with the queries in
``dashboards/sql/*.sql``: values (dates, regions, ids, …) are always bound as ``$name``
parameters, never formatted into the SQL. The page readers
(:mod:`cxbridge.dashboards.metric_reader`, ``marketing_reader``, ``network_reader``,
``customer_reader``) build on it; :class:`cxbridge.dashboards.data_access.SnapshotReader` is all
of them over one connection and one set of caches.

The tables a part of a page needs beyond the marts are named here as the snapshot contract
(:mod:`cxbridge.platform.snapshot`) publishes them: a name it does not publish fails at import.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Hashable
from datetime import date
from pathlib import Path

import polars as pl

from cxbridge.dashboards.filters import FilterChoices, Filters
from cxbridge.platform.snapshot import snapshot_names
from cxbridge.platform.snapshot_reading import SnapshotReading
from cxbridge.platform.warehouse import quote_identifier, tables_in

SQL_DIR = Path(__file__).resolve().parent / "sql"
EARLIEST, LATEST = date(1900, 1, 1), date(2999, 12, 31)
_PARAMETER = re.compile(r"\$([a-z_][a-z0-9_]*)")

# What parts of the pages need from the snapshot beyond the marts.
CHURN_TABLES: tuple[str, ...] = snapshot_names("marts.churn_scores")
INCIDENT_TABLES: tuple[str, ...] = snapshot_names(
    "incidents.queue", "incidents.incidents", "incidents.incident_services",
    "incidents.impact_breakdown", "incidents.care_list", "incidents.incident_access",
    "incidents.incident_hours", "incidents.incident_impact")
TIMELINE_TABLES: tuple[str, ...] = snapshot_names("incidents.incident_episodes",
                                                  "incidents.episodes")
(CAPABILITIES,) = snapshot_names("marts.capabilities")


class DashboardQueries(SnapshotReading):
    """The current snapshot through the dashboard's named queries; safe to share between
    threads."""

    def sql(self, name: str, filters: Filters | None = None, large: bool = False,
            **values: Hashable) -> pl.DataFrame:
        """Run ``dashboards/sql/<name>.sql``, binding the filter bar's values (``$start``,
        ``$end``, ``$regions``, ``$segments``, ``$cfs_types``) and ``values`` by name; only
        the parameters the file uses are bound. ``large`` marks one-row-per-customer results,
        kept in the smaller cache (or, without parameters, with what is kept per snapshot)."""
        text = sql_text(name)
        bound = {**(_filter_values(filters) if filters else {}), **values}
        used = set(_PARAMETER.findall(text))
        unknown = used - set(bound)
        if unknown:
            raise ValueError(f"dashboards/sql/{name}.sql needs {', '.join(sorted(unknown))}")
        return self.frame(text, tuple(sorted((k, v) for k, v in bound.items() if k in used)),
                          large=large)

    def sql_over(self, name: str, large: bool = False, **values: Hashable) -> pl.DataFrame:
        """Run ``dashboards/sql/<name>.sql`` over the rows of the query :data:`OVER` names
        for it (a summary of the rows another query lists, with which rows written once);
        parameters and ``large`` as for :meth:`sql`, bound in both."""
        text = over_text(name)
        used = set(_PARAMETER.findall(text))
        unknown = used - set(values)
        if unknown:
            raise ValueError(f"dashboards/sql/{name}.sql over {OVER[name][0]}.sql needs "
                             f"{', '.join(sorted(unknown))}")
        return self.frame(text, tuple(sorted((k, v) for k, v in values.items() if k in used)),
                          large=large)

    def missing_for(self, *queries: str) -> tuple[str, ...]:
        """The tables the named queries (``dashboards/sql/<name>.sql``) read that the snapshot
        lacks (:func:`tables_read`): what a part of a page checks before it runs them, so that
        a snapshot an earlier cxbridge published, without a table another part reads, still
        answers this one."""
        return self.missing(*sorted(set().union(*(tables_read(q) for q in queries))))

    def filter_options(self) -> FilterChoices:
        """Date range and the regions, segments and service types present in ``kpi_daily``."""
        row = self.sql("filter_options").row(0, named=True)
        return FilterChoices.for_range(
            row["first_date"], row["last_date"],
            row["regions"] or (), row["segments"] or (), row["cfs_types"] or (),
        )

    def capabilities(self) -> pl.DataFrame:
        """What the feeds behind this snapshot allow, one row per output
        (pipelines/jobs/capabilities.py); empty for a snapshot published before it existed."""
        if self.missing(CAPABILITIES):
            return pl.DataFrame()
        return self.frame(f"select * from {CAPABILITIES}")

    def contacts(self, customers: pl.DataFrame) -> pl.DataFrame:
        """Names, e-mails and phones of the customers of ``customers`` (a frame with
        ``customer_id``), in its order; only for roles allowed them (campaign and care-list
        exports, Customer 360)."""
        every = self.sql("contacts", large=True)
        return customers.select("customer_id").join(every, on="customer_id", how="left",
                                                    maintain_order="left")

    def warm_up(self) -> None:
        """Every customer's contact details, read once per snapshot (the exports join them)."""
        self.sql("contacts", large=True)
        super().warm_up()


# the queries run over another query's rows (DashboardQueries.sql_over): name → (the other
# query, the relation its rows are read as)
OVER: dict[str, tuple[str, str]] = {"planned_services": ("planned_rows", "chosen"),
                                    "planned_summary": ("planned_rows", "chosen")}


@functools.cache
def over_text(name: str) -> str:
    """The text :meth:`DashboardQueries.sql_over` runs for ``name``: its :data:`OVER` query's
    rows as a relation, then ``name``'s query over them. Not materialised: the rows are a
    filtered read of one table, and each use reading again only the columns it needs is
    faster than keeping every column of every row (planned_summary.sql for a two-router
    choice at scale 10: 0.19 s against 0.26 s materialised)."""
    inner, relation = OVER[name]
    return (f"with {quote_identifier(relation)} as not materialized (\n{sql_text(inner)}\n)\n"
            f"select * from (\n{sql_text(name)}\n)")


@functools.cache
def tables_read(name: str) -> frozenset[str]:
    """The snapshot tables ``dashboards/sql/<name>.sql`` reads (as composed: a query of
    :data:`OVER` with the rows it runs over; :func:`cxbridge.platform.warehouse.tables_in`).
    Read from the file, so a page's check cannot drift from its query."""
    return tables_in(over_text(name) if name in OVER else sql_text(name))


@functools.cache
def sql_text(name: str) -> str:
    """The text of ``dashboards/sql/<name>.sql`` (read once per process)."""
    path = SQL_DIR / f"{name}.sql"
    if not path.is_file():
        raise FileNotFoundError(f"no query {path}")
    return path.read_text(encoding="utf-8")


def _filter_values(filters: Filters) -> dict[str, Hashable]:
    return {"start": filters.start or EARLIEST, "end": filters.end or LATEST,
            "regions": filters.regions, "segments": filters.segments,
            "cfs_types": filters.cfs_types}
