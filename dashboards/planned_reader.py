"""The planned-work page's reads (``dashboards/sql/planned_*.sql``) on the snapshot's what-if
tables (``whatif.*``, built with the incidents by :mod:`cxbridge.models.whatif.planned`).

Every read is a lookup of what the run precomputed per resource and per redundant pool (the
incident rules, applied once for each), so a projection is a few indexed reads whatever the
resources picked. The least-harm window is the model's pure function
(:func:`~cxbridge.models.whatif.planned.harm_by_start`), the one the command line uses. The
sums and the notify list are too for the export (every service read whole:
:func:`~cxbridge.models.whatif.planned.summarise`, ``notify_list``); the page has them summed
in the snapshot (``planned_summary.sql``), which a test holds equal to those functions: a
choice of two aggregation routers at a million customers hurts 660,000 services, too many to
hand to Python for a page that shows their counts and a dozen customers.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime

import polars as pl

from cxbridge.dashboards.queries import DashboardQueries
from cxbridge.models.whatif.planned import (
    SEGMENT_ORDER,
    harm_by_start,
    notify_list,
    summarise,
)
from cxbridge.platform.snapshot import snapshot_names

NOTIFY_SCHEMA = {"customer_id": pl.String, "segment": pl.String, "region": pl.String,
                 "services": pl.String, "cfs_types": pl.String, "minutes": pl.Float64}
PLANNED_TABLES = snapshot_names("whatif.units", "whatif.unit_services", "whatif.pool_members",
                                "whatif.unit_access", "whatif.access_week_profile",
                                "whatif.reference")


@dataclass(frozen=True)
class PlannedView:
    """What the page shows for one choice of resources and duration."""

    services: pl.DataFrame
    summary: dict
    notify: pl.DataFrame  # the first ``notify_rows`` customers to tell (all when not given)
    harm: pl.DataFrame
    access_resources: int


def missing(reader: DashboardQueries) -> list[str]:
    """The what-if tables this snapshot lacks (published before they existed, or no topology),
    or holds in an older layout (without the services' integer keys)."""
    absent = reader.missing(*PLANNED_TABLES)
    if absent:
        return list(absent)
    unit_services = PLANNED_TABLES[1]
    keyed = reader.frame("select count(*) as n from information_schema.columns where "
                         f"table_name = '{unit_services}' and column_name = 'service_key'")
    return [] if keyed["n"][0] else [unit_services]


def resource_options(reader: DashboardQueries) -> pl.DataFrame:
    """Every resource the picker offers, with what it takes down alone."""
    return reader.sql("planned_units")


def shares_date(reader: DashboardQueries) -> date | None:
    frame = reader.sql("planned_reference")
    return frame["shares_date"][0] if frame.height else None


def units_down(reader: DashboardQueries, resources: list[str]) -> tuple[str, ...]:
    """The units work on ``resources`` takes down (``planned_units_down.sql``): each resource
    and every redundant pool it takes down whole; what the two lookups below read."""
    return tuple(reader.sql("planned_units_down",
                            resources=tuple(sorted(resources)))["unit_id"].to_list())


def services(reader: DashboardQueries, units: tuple[str, ...], hours: float) -> pl.DataFrame:
    """One row per service the ``units`` hurt (``planned_services.sql`` over
    ``planned_rows.sql``)."""
    return reader.sql_over("planned_services", units=units, minutes=float(hours) * 60,
                           large=True)


def week_profile(reader: DashboardQueries, units: tuple[str, ...]) -> pl.DataFrame:
    """The usual sessions per hour of the week of the access resources the ``units`` touch."""
    return reader.sql("planned_profile", units=units)


def planned_view(reader: DashboardQueries, resources: list[str], hours: float,
                 now: datetime, notify_rows: int | None = None) -> PlannedView:
    """The whole projection of work on ``resources`` lasting ``hours``, its harm over the 14
    days from ``now``; the notify list cut to its first ``notify_rows`` customers (the page
    lists a dozen; ``summary['customers']`` counts them all, the export takes them all).

    Cut (the page), the figures and the first customers are summed in the snapshot
    (``planned_summary.sql`` over ``planned_rows.sql``) and ``services`` is left empty;
    whole (the export), every service is read and summed here by the model's own functions.
    The two agree (tests/dashboards/test_planned_reads.py)."""
    units = units_down(reader, resources)
    # the week profile read beside the services and their sums (DuckDB and polars work
    # outside the interpreter's lock: the page waits for the longer of the two, not both), on
    # a thread of its own (a pool kept between requests outlives a server that is stopped)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="planned-profile") as beside:
        profiled = beside.submit(week_profile, reader, units)
        if notify_rows is None:
            hurt = services(reader, units, hours)
            view = (hurt, summarise(hurt), notify_list(hurt))
        else:
            view = (pl.DataFrame(), *summed(reader, units, hours, notify_rows))
        profile = profiled.result()
    touched = int(profile["access_resources"][0]) if profile.height else 0
    return PlannedView(*view,
                       harm_by_start(profile.select("hour_of_week", "sessions"), now, hours),
                       touched)


def summed(reader: DashboardQueries, units: tuple[str, ...], hours: float, rows: int
           ) -> tuple[dict, pl.DataFrame]:
    """:func:`~cxbridge.models.whatif.planned.summarise` and the first ``rows`` of
    :func:`~cxbridge.models.whatif.planned.notify_list` of the services the ``units`` hurt,
    summed in the snapshot (``planned_summary.sql`` over ``planned_rows.sql``)."""
    row = reader.sql_over("planned_summary", units=units,
                          minutes=float(hours) * 60, rows=rows,
                          first_segments=tuple(sorted(SEGMENT_ORDER, key=SEGMENT_ORDER.get))
                          ).row(0, named=True)
    summary = {
        "services": row["services"],
        "customers": row["customers"],
        "by_cfs_type": dict(sorted((r["cfs_type"], r["services"])
                                   for r in row["by_cfs_type"] or ())),
        "customers_by_segment": dict(sorted((r["segment"], r["customers"])
                                            for r in row["by_segment"] or ())),
        "sla_services": row["sla_services"],
        "sla_breached_services": row["sla_breached"],
        "monthly_revenue_eur": round(float(row["monthly_revenue_eur"] or 0.0), 2),
        "service_minutes": round(float(row["service_minutes"] or 0.0), 1),
    }
    notify = pl.DataFrame(row["notify"] or [], schema=NOTIFY_SCHEMA)
    return summary, notify
