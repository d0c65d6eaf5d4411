"""The registry's metrics for the pages: the Overview's tiles, trends and breakdowns, the
operations page's heat map. Each method is the shared function of
:mod:`cxbridge.platform.snapshot_metrics` on this reader's snapshot and caches, the same a notebook
calls, so a page and a notebook show the same number."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import polars as pl

from cxbridge.dashboards.queries import DashboardQueries
from cxbridge.platform import snapshot_metrics
from cxbridge.platform.metrics import metric
from cxbridge.platform.snapshot import snapshot_names
from cxbridge.platform.snapshot_reading import Selection

HISTORY_TABLES: tuple[str, ...] = snapshot_names("marts.churn_score_history")


@dataclass(frozen=True)
class KpiReadings:
    """What a row of KPI tiles (or the weekly report's table) reads for a selection: the
    metrics whose source the snapshot holds (``ready``), each one's value and daily series,
    the period before (``earlier``, None when there is none) and each one's value there, and
    the churn scorings the churn KPIs need to say why a period has no value (None when no
    churn KPI is asked for)."""

    ready: list[str]
    summary: dict[str, tuple[float | None, pl.DataFrame]]
    earlier: Selection | None
    previous: dict[str, float | None]
    scorings: tuple[date | None, date | None, int] | None


class MetricReader(DashboardQueries):
    """Registry metrics over the filter bar's selection (a ratio of sums each, as the registry
    says; a filter on a dimension the metric's table lacks does not apply to it)."""

    def source_available(self, metric_name: str) -> bool:
        """Whether the snapshot holds the metric's source table."""
        return snapshot_metrics.source_available(self, metric_name)

    def kpi_value(self, metric_name: str, filters: Selection) -> float | None:
        """One metric over the whole filtered range."""
        return snapshot_metrics.kpi_value(self, metric_name, filters)

    def kpi_values(self, metric_names: Sequence[str], filters: Selection
                   ) -> dict[str, float | None]:
        """Several metrics of the same source table over the filtered range, in one query."""
        return snapshot_metrics.kpi_values(self, metric_names, filters)

    def kpi_overview(self, metric_names: Sequence[str], filters: Selection
                     ) -> dict[str, tuple[float | None, pl.DataFrame]]:
        """Each metric's value over the filtered range and its daily series (``date``,
        ``value``), one query per source table."""
        return snapshot_metrics.kpi_overview(self, metric_names, filters)

    def kpi_series(self, metric_name: str, filters: Selection) -> pl.DataFrame:
        """One row per day: ``date``, ``value``."""
        return snapshot_metrics.kpi_series(self, metric_name, filters)

    def breakdown(self, metric_name: str, by: str, filters: Selection) -> pl.DataFrame:
        """One row per value of ``by`` (region, segment or cfs_type): ``<by>``, ``value``."""
        return snapshot_metrics.breakdown(self, metric_name, by, filters)

    def breakdown_by_day(self, metric_name: str, by: str, filters: Selection) -> pl.DataFrame:
        """One row per day and value of ``by``: ``date``, ``<by>``, ``value``."""
        return snapshot_metrics.breakdown_by_day(self, metric_name, by, filters)

    def kpi_previous(self, metric_names: Sequence[str], filters: Selection
                     ) -> tuple[Selection | None, dict[str, float | None]]:
        """Each metric over the period of the same length just before the filtered one."""
        return snapshot_metrics.kpi_previous(self, metric_names, filters)

    def kpi_readings(self, metric_names: Sequence[str], filters: Selection) -> KpiReadings:
        """Everything the KPI tiles of ``metric_names`` show for ``filters``, read once: the
        Overview's tiles and the weekly report share it."""
        ready = [n for n in metric_names if self.source_available(n)]
        earlier, previous = self.kpi_previous(ready, filters)
        scorings = self.churn_scorings() if any(
            metric(n).source == "churn_kpi_daily" for n in ready) else None
        return KpiReadings(ready, self.kpi_overview(ready, filters), earlier, previous,
                           scorings)

    def churn_scorings(self) -> tuple[date | None, date | None, int]:
        """The first and last day of data the churn scorings cover, and how many there are
        (``(None, None, 0)`` without a scoring history in the snapshot)."""
        if self.missing(*HISTORY_TABLES):
            return None, None, 0
        row = self.sql("churn_scorings").row(0, named=True)
        return row["first_day"], row["last_day"], int(row["scorings"] or 0)
