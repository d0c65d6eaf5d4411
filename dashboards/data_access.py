"""The dashboard's reader: one object the pages ask for everything they show, over one
connection to the current snapshot and one set of caches.

:class:`SnapshotReader` is the composition of its parts, each its own module:

* the connection and cache layer, :class:`cxbridge.platform.snapshot_reading.SnapshotReading`
  (which snapshot is current, its read-only connection, the per-snapshot LRUs, the warm-up),
  with the dashboard's named queries (``dashboards/sql/*.sql``) in
  :class:`cxbridge.dashboards.queries.DashboardQueries`;
* the registry's metrics, :class:`cxbridge.dashboards.metric_reader.MetricReader` (the shared
  functions of :mod:`cxbridge.platform.snapshot_metrics`, which the notebooks call too);
* a reader per page: Marketing (:mod:`~cxbridge.dashboards.marketing_reader`), Network
  operations and incidents (:mod:`~cxbridge.dashboards.network_reader`), Customer 360
  (:mod:`~cxbridge.dashboards.customer_reader`); the Measured experience and Care tickets pages
  read through :mod:`~cxbridge.dashboards.measured_view` and
  :mod:`~cxbridge.dashboards.tickets_view`.

What a snapshot holds, and so which tables a page may find missing, is the snapshot contract's
(:mod:`cxbridge.platform.snapshot`): :meth:`SnapshotReader.missing` tells a page which of the
tables it needs the snapshot lacks, so it can say what to run instead of failing.
"""

from __future__ import annotations

from cxbridge.dashboards import review_reader
from cxbridge.dashboards.customer_reader import CustomerReader
from cxbridge.dashboards.marketing_reader import CUSTOMER_TABLES, MarketingReader
from cxbridge.dashboards.metric_reader import MetricReader
from cxbridge.dashboards.network_reader import NetworkReader
from cxbridge.dashboards.queries import CHURN_TABLES, INCIDENT_TABLES, TIMELINE_TABLES
from cxbridge.platform.snapshot_metrics import DIMENSIONS
from cxbridge.platform.snapshot_reading import MissingTableError, SnapshotSummary

__all__ = ["CHURN_TABLES", "DIMENSIONS", "INCIDENT_TABLES", "TIMELINE_TABLES",
           "MissingTableError", "SnapshotReader", "SnapshotSummary"]


class SnapshotReader(MetricReader, MarketingReader, NetworkReader, CustomerReader):
    """Reads the current published snapshot for every page; safe to share between threads.

    ``SnapshotReader(settings, cache_size=512, large_cache_size=24, threads=None,
    warm_new_snapshots=False)``. ``threads``: DuckDB's for a query (by default ``[duckdb]
    threads``). ``warm_new_snapshots``: when a new snapshot is first read, build what every
    filter shares (:meth:`warm_up`) in a background thread, so that the first Marketing view
    after a run does not wait for it (the server does this; tests and benchmarks do not)."""

    def warm_up(self) -> None:
        """As the page readers' warm-ups, and the campaign review's load rows keyed for
        projection and the customers' keys into them
        (:func:`cxbridge.dashboards.review_reader.prepared`, ``load_keys``: about 0.3 s at
        scale 1, paid by the first review after a run otherwise)."""
        super().warm_up()
        if not review_reader.missing(self):
            review_reader.prepared(self)
            if not self.missing(*CUSTOMER_TABLES):  # and the customers' keys into them
                review_reader.load_keys(self, self.customer_view(
                    self.filter_options().default))
