"""The planned-work page's reads (``dashboards/sql/planned_*.sql``) on the snapshot's what-if
tables (``whatif.*``, built with the incidents by :mod:`cxbridge.models.whatif.planned`).

Every read is a lookup of what the run precomputed per resource and per redundant pool (the
incident rules, applied once for each), so a projection is a few indexed reads whatever the
resources picked; the sums, the notify list and the least-harm window are the model's pure
functions (:func:`~cxbridge.models.whatif.planned.summarise`, ``notify_list``,
``harm_by_start``), the ones the command line uses.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime

import polars as pl

from cxbridge.dashboards.queries import DashboardQueries
from cxbridge.models.whatif.planned import harm_by_start, notify_list, summarise
from cxbridge.platform.snapshot import snapshot_names

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
    """The what-if tables this snapshot lacks (published before they existed, or no topology)."""
    return reader.missing(*PLANNED_TABLES)


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
    """One row per service the ``units`` hurt (``planned_services.sql``)."""
    return reader.sql("planned_services", units=units, minutes=float(hours) * 60, large=True)


def week_profile(reader: DashboardQueries, units: tuple[str, ...]) -> pl.DataFrame:
    """The usual sessions per hour of the week of the access resources the ``units`` touch."""
    return reader.sql("planned_profile", units=units)


def planned_view(reader: DashboardQueries, resources: list[str], hours: float,
                 now: datetime, notify_rows: int | None = None) -> PlannedView:
    """The whole projection of work on ``resources`` lasting ``hours``, its harm over the 14
    days from ``now``; the notify list cut to its first ``notify_rows`` customers (the page
    lists a dozen; ``summary['customers']`` counts them all, the export takes them all)."""
    units = units_down(reader, resources)
    # the week profile read beside the services and their sums (DuckDB and polars work
    # outside the interpreter's lock: the page waits for the longer of the two, not both), on
    # a thread of its own (a pool kept between requests outlives a server that is stopped)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="planned-profile") as beside:
        profiled = beside.submit(week_profile, reader, units)
        hurt = services(reader, units, hours)
        view = (summarise(hurt), notify_list(hurt, notify_rows))
        profile = profiled.result()
    touched = int(profile["access_resources"][0]) if profile.height else 0
    return PlannedView(hurt, *view,
                       harm_by_start(profile.select("hour_of_week", "sessions"), now, hours),
                       touched)
