"""The Network operations and incident pages' reads: the incident queue and one incident's
facts, timeline, impact, KPIs and proactive-care list; the access resources worst first; the
congestion threshold detection used."""

from __future__ import annotations

from datetime import datetime

import polars as pl

from cxbridge.dashboards.filters import Filters
from cxbridge.dashboards.queries import TIMELINE_TABLES, DashboardQueries
from cxbridge.models.incidents.params import Params
from cxbridge.platform.snapshot import snapshot_names

ACCESS_HOURLY, DETECTION_THRESHOLDS, KPI_DAILY = snapshot_names(
    "core.access_hourly", "incidents.detection_thresholds", "marts.kpi_daily")
# without detection_thresholds in the snapshot: the ceiling of the derived threshold
CONGESTED_UTIL_PCT = Params().congested_util_ceiling


class NetworkReader(DashboardQueries):
    """Incidents, access resources and care lists, as the operations pages show them."""

    def incident_queue(self, filters: Filters, only_open: bool = False,
                       include_planned: bool = False, source: str = "any") -> pl.DataFrame:
        """The queue the filter bar selects (see ``sql/incident_queue.sql``)."""
        return self.sql("incident_queue", filters, only_open=only_open,
                        include_planned=include_planned, source=source)

    def notable_incidents(self) -> pl.DataFrame:
        """The open incidents at or above the live notification threshold (``[live]
        notify_min_score``, 0 without one), highest first: those the operations page announces
        when they appear (see ``sql/live_notable_incidents.sql``)."""
        threshold = float(self._settings.live.get("notify_min_score", 0) or 0)
        return self.sql("live_notable_incidents", min_score=threshold)

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

    def incident_kpis(self, incident_id: str, from_hour: datetime, to_hour: datetime,
                      started_at: datetime | None = None, ends: datetime | None = None,
                      bucket: str = "hour", outage: bool = False) -> pl.DataFrame:
        """KPIs of its root resource when that is a cell or port that reported on the days
        shown, else of the access resources behind it, per hour (or per day: ``bucket``),
        with the sessions they usually carry outside the incident (``started_at`` … ``ends``;
        without them, outside the hours shown). Hours nobody reported are NULL (gaps), except
        minutes without service during an ``outage``."""
        if bucket not in ("hour", "day"):
            raise ValueError(f"bucket must be 'hour' or 'day', not {bucket!r}")
        return self.sql("incident_kpis", incident_id=incident_id, from_hour=from_hour,
                        to_hour=to_hour, started_at=started_at or from_hour,
                        ends=ends or to_hour, bucket=bucket, outage=outage)

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
        if self.missing(ACCESS_HOURLY):
            return pl.DataFrame()
        return self.sql("access_worst", filters, order=order, rows=rows,
                        congested_pct=self.congestion_threshold())

    def congestion_threshold(self) -> float:
        """The utilisation (%) the incident models called congested (derived from the history
        or set, ``detection_thresholds``); 95, their ceiling, when the snapshot lacks it."""
        if not self.missing(DETECTION_THRESHOLDS):
            frame = self.frame(f"select value from {DETECTION_THRESHOLDS} "
                               "where name = 'congested_util_pct' limit 1")
            if not frame.is_empty() and frame["value"][0] is not None:
                return float(frame["value"][0])
        return CONGESTED_UTIL_PCT

    def knows_services(self) -> bool:
        """Whether the snapshot holds any customer service day (``kpi_daily``): without, the
        pages show the network's own measures instead of customer experience."""
        if self.missing(KPI_DAILY):
            return False
        return bool(self.frame(f"select exists (select 1 from {KPI_DAILY}) as known")
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
