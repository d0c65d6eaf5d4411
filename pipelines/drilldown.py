"""On-demand drill-downs on a published snapshot: what is not materialised for every service.

A service-hour mart for every service and hour is about 130 M rows at SF 1, and almost all of
it would never be looked at. The snapshot keeps what any one service's hours are built from
instead: every access resource's hourly path KPIs (``access_hourly``: resources × hours, a few
million rows), each service's daily traffic shares over them (``service_access_shares``) and
its fault stretches (``service_fault_intervals``). One service's month of hours is then a join
of a few thousand rows, answered in milliseconds (see ``cxbridge bench``).
"""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl

from pipelines.warehouse import query, read_sql


def service_hours(con: duckdb.DuckDBPyConnection, service_id: str, start: date,
                  end: date) -> pl.DataFrame:
    """One row per UTC hour from ``start`` to ``end`` (inclusive) in which the service had
    network measurements or a fault: see pipelines/sql/readers/service_hourly.sql."""
    if end < start:
        raise ValueError(f"the drill-down ends ({end}) before it starts ({start})")
    return query(con, read_sql("readers/service_hourly.sql"),
                 {"service_id": service_id, "start": start, "end": end})


def service_hours_scored(con: duckdb.DuckDBPyConnection, service_id: str, start: date,
                         end: date) -> pl.DataFrame:
    """One service's hours with the experience index of each (models/experience/sei.py)."""
    from models.experience.sei import score_hours

    described = query(con, "select service_id, customer_id, cfs_type, segment, region, "
                           "any_value(plan_download_mbps) as plan_download_mbps "
                           "from service_daily where service_id = $id group by all",
                      {"id": service_id})
    if described.is_empty():
        raise ValueError(f"no service {service_id!r} in the snapshot")
    return score_hours(service_hours(con, service_id, start, end), described.row(0, named=True))
