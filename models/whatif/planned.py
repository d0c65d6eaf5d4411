"""Planned work's customer impact, before it happens (issue 19).

Pick resources and a window: which services, customers, enterprise SLAs and monthly revenue
the work hurts. Who loses service is decided by the macro ``services_hurt``
(``pipelines/platform/sql/macros.sql``), the one definition incident impact uses too
(``models/incidents/sql/incident_services.sql``): unprotected dependencies, cells carrying at
least ``cell_share_min`` of a mobile service's traffic, redundant pools down while more than
members − min_up of their members are. The traffic shares are those of the work's first day,
which the marts compute from the week before it (what was known before the work began), or of
the latest day when the work is ahead of the data.

The **least-harm window**: over the next 14 days, every start on a whole hour is a candidate;
its harm is the session-minutes the work would take from the access resources (PON ports,
cells) it touches, from each one's usual active sessions in that hour of the week
(``whatif.access_week_profile``). The candidate with the least harm wins (the earliest on a
tie), and every candidate's figure is kept.

The **notify list**: one row per customer hurt, business customers first, then the most
minutes; contact details only when asked for (the care role), through the care export's CSV
writer (formulas neutralised) — the caller records the export in the audit log.

I/O (the warehouse queries) is at the edges of this module; :func:`summarise`,
:func:`notify_list`, :func:`harm_by_start` and :func:`least_harm` are pure.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl

from cxbridge.platform.csv_export import write_csv
from cxbridge.platform.errors import UserError
from cxbridge.platform.warehouse import execute_sql_file, query, read_sql, scalar, table_exists

SQL = Path(__file__).resolve().parent / "sql"

HARM_DAYS = 14
MAX_HOURS = 24 * HARM_DAYS
SEGMENT_ORDER = {"enterprise": 0, "smb": 1}
CONTACT_COLUMNS = ("name", "email", "phone")
# what the run builds for the dashboard (models/whatif/sql/units.sql, week_profile.sql)
BUILT_TABLES = ("whatif.reference", "whatif.unit_services", "whatif.units",
                "whatif.pool_members", "whatif.unit_access", "whatif.access_week_profile")


class PlannedWorkError(UserError, ValueError):
    """Planned work that cannot be projected; the message says what to change."""


@dataclass(frozen=True)
class PlannedWork:
    """Resources taken down together from ``start`` (UTC, naive) for ``hours``."""

    resources: tuple[str, ...]
    start: datetime
    hours: float

    @property
    def end(self) -> datetime:
        return self.start + timedelta(hours=self.hours)


def planned_work(resources: list[str] | tuple[str, ...], start: datetime, hours: float,
                 now: datetime | None = None) -> PlannedWork:
    """The work, checked: at least one resource, ``0 < hours ≤ 336``, and (when ``now`` is
    given) a start not in the past. ``start`` may carry a time zone; it is kept in UTC."""
    ids = tuple(dict.fromkeys(r.strip() for r in resources if r and r.strip()))
    if not ids:
        raise PlannedWorkError("name at least one resource (--resource ID)")
    if not (isinstance(hours, int | float) and math.isfinite(hours)) or hours <= 0:
        raise PlannedWorkError(f"the work must last more than 0 hours, got {hours}")
    if hours > MAX_HOURS:
        raise PlannedWorkError(f"the work lasts {hours} hours; at most {MAX_HOURS} "
                               "(14 days) can be projected")
    utc = _utc(start)
    if now is not None and utc < _utc(now):
        raise PlannedWorkError(
            f"the window starts in the past ({utc:%Y-%m-%d %H:%M} UTC, now "
            f"{_utc(now):%Y-%m-%d %H:%M} UTC): planned work is projected before it happens; "
            "give a later --start")
    return PlannedWork(ids, utc, float(hours))


def _utc(moment: datetime) -> datetime:
    """A naive UTC datetime (a naive input is taken as UTC)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def check_resources(con, resources: tuple[str, ...]) -> None:
    """Every id is a resource of the warehouse (``core.resources``); else an error naming the
    unknown ones and, for each, the closest known ids."""
    if not table_exists(con, "core.resources"):
        raise PlannedWorkError("this warehouse has no topology (core.resources): load one and "
                               "run `cxbridge run` first")
    known = query(con, "select resource_id from core.resources")["resource_id"].to_list()
    missing = [r for r in resources if r not in set(known)]
    if missing:
        hints = []
        for r in missing:
            close = closest_ids(r, known)
            hints.append(f"{r!r}" + (f" (did you mean {', '.join(close)}?)" if close else ""))
        raise PlannedWorkError(f"unknown resource {'; '.join(hints)}: resource ids are those "
                               "of the topology, e.g. `cxbridge incidents` shows some")


def closest_ids(wanted: str, known: list[str], n: int = 3) -> list[str]:
    """The ``n`` known ids most like ``wanted`` (similarity ≥ 0.6), most alike first, then in
    id order (pure)."""
    scored = [(difflib.SequenceMatcher(None, wanted, k).ratio(), k) for k in known]
    return [k for ratio, k in sorted(scored, key=lambda x: (-x[0], x[1])) if ratio >= 0.6][:n]


def shares_date(con, start: datetime) -> date | None:
    """The day of traffic shares a projection starting at ``start`` reads."""
    if not table_exists(con, "core.service_access_shares"):
        return None
    return scalar(con, read_sql(SQL / "planned_shares_date.sql"), {"starts": start})


def affected_services(con, work: PlannedWork, shares_on: date | None = None) -> pl.DataFrame:
    """One row per service the work hurts (``planned_services.sql``), with its customer,
    type, segment, region, how it is hurt (``via``), minutes, monthly charges and SLA."""
    day = shares_on if shares_on is not None else shares_date(con, work.start)
    return query(con, read_sql(SQL / "planned_services.sql"),
                 {"resources": list(work.resources), "starts": work.start, "ends": work.end,
                  "shares_date": day})


def summarise(services: pl.DataFrame) -> dict:
    """The headline figures of a projection (pure): services and customers hurt, by CFS type
    and segment; enterprise SLA services and those the work alone would breach (more minutes
    than the monthly allowance); the hurt customers' monthly charges."""
    if services.is_empty():
        return {"services": 0, "customers": 0, "by_cfs_type": {}, "customers_by_segment": {},
                "sla_services": 0, "sla_breached_services": 0, "monthly_revenue_eur": 0.0,
                "service_minutes": 0.0}
    customers = services.unique("customer_id")
    sla = services.filter(pl.col("sla_pct").is_not_null())
    return {
        "services": services.height,
        "customers": customers.height,
        "by_cfs_type": dict(sorted(services.group_by("cfs_type").len().iter_rows())),
        "customers_by_segment": dict(sorted(customers.group_by("segment").len().iter_rows())),
        "sla_services": sla.height,
        "sla_breached_services": sla.filter(
            pl.col("impact_minutes") > pl.col("sla_allowed_minutes")).height
        if "sla_allowed_minutes" in sla.columns else 0,
        "monthly_revenue_eur": round(float(customers["monthly_charges_eur"].fill_null(0).sum()),
                                     2),
        "service_minutes": round(float(services["impact_minutes"].sum()), 1)
        if "impact_minutes" in services.columns else None,
    }


def notify_list(services: pl.DataFrame, limit: int | None = None) -> pl.DataFrame:
    """One row per customer to tell in advance (pure), in the order care calls: enterprise,
    then SMB, then consumers, each by the most minutes; services and types space-separated.

    ``limit``: only the first customers in that order (what a page lists). The order needs
    one cheap pass over every service; the space-separated lists are then joined only for the
    customers kept, which is most of the cost when a whole-network choice hurts 60,000."""
    minutes = "impact_minutes" if "impact_minutes" in services.columns else None
    order = services.group_by("customer_id").agg(
        pl.col("segment").first(), pl.col("region").first(),
        (pl.col(minutes).max() if minutes else pl.lit(None, pl.Float64)).alias("minutes"),
    ).with_columns(
        pl.col("segment").replace_strict(SEGMENT_ORDER, default=2).alias("_order")
    ).sort(["_order", "minutes", "customer_id"], descending=[False, True, False],
           nulls_last=True).drop("_order")
    if limit is not None:
        order = order.head(limit)
        services = services.join(order.select("customer_id"), on="customer_id", how="semi")
    lists = services.group_by("customer_id").agg(
        pl.col("service_id").sort().str.join(" ").alias("services"),
        pl.col("cfs_type").unique().sort().str.join(" ").alias("cfs_types"))
    return order.join(lists, on="customer_id", how="left", maintain_order="left").select(
        "customer_id", "segment", "region", "services", "cfs_types", "minutes")


def affected_access(con, work: PlannedWork, services: pl.DataFrame,
                    shares_on: date | None) -> list[str]:
    """The access resources the work takes traffic from (``planned_access.sql``)."""
    frame = query(con, read_sql(SQL / "planned_access.sql"),
                  {"resources": list(work.resources), "shares_date": shares_on,
                   "services": services["service_id"].to_list()})
    return sorted(frame["access_id"].to_list())


def week_profile(con, access_ids: list[str], table: str = "whatif.access_week_profile"
                 ) -> pl.DataFrame:
    """Hour of week (0 = Monday 00:00 UTC) → the usual active sessions of ``access_ids``
    together. ``table``: the warehouse's name, or the snapshot's (``access_week_profile``)."""
    if not access_ids:
        return pl.DataFrame(schema={"hour_of_week": pl.Int32, "sessions": pl.Float64})
    return query(con, f"select hour_of_week, sum(sessions) as sessions from {table} "
                      "where access_id in (select unnest(cast($ids as varchar[]))) "
                      "group by hour_of_week order by hour_of_week", {"ids": access_ids})


def next_whole_hour(now: datetime) -> datetime:
    now = _utc(now)
    floor = now.replace(minute=0, second=0, microsecond=0)
    return floor if floor == now else floor + timedelta(hours=1)


def harm_by_start(profile: pl.DataFrame, first_start: datetime, hours: float,
                  days: int = HARM_DAYS) -> pl.DataFrame:
    """Every candidate start on a whole hour from ``first_start`` over ``days`` days, with
    the session-minutes work lasting ``hours`` would take there (pure): Σ over the hours it
    spans of the usual sessions in that hour of the week × the minutes it takes of it."""
    sessions = dict(zip(profile["hour_of_week"].to_list(), profile["sessions"].to_list(),
                        strict=True))
    first = next_whole_hour(first_start)
    pieces = [min(60.0, hours * 60 - 60 * k) for k in range(math.ceil(hours))]
    starts, harm = [], []
    for offset in range(days * 24):
        start = first + timedelta(hours=offset)
        base = start.weekday() * 24 + start.hour
        starts.append(start)
        harm.append(sum((sessions.get((base + k) % 168) or 0.0) * minutes
                        for k, minutes in enumerate(pieces)))
    return pl.DataFrame({"start": starts, "session_minutes": harm},
                        schema={"start": pl.Datetime("us"), "session_minutes": pl.Float64})


def least_harm(harm: pl.DataFrame) -> dict | None:
    """The candidate with the fewest session-minutes (the earliest of equals)."""
    if harm.is_empty():
        return None
    return harm.sort(["session_minutes", "start"]).row(0, named=True)


@dataclass(frozen=True)
class Projection:
    """What :func:`project` found: the work, the shares day read, every service hurt, the
    summary, the customers to notify, and (when asked) the harm of every candidate window."""

    work: PlannedWork
    shares_date: date | None
    services: pl.DataFrame
    summary: dict
    notify: pl.DataFrame
    harm: pl.DataFrame | None = None
    access: tuple[str, ...] = ()


def project(con, work: PlannedWork, now: datetime | None = None,
            best_window: bool = False) -> Projection:
    """Project ``work`` on the warehouse ``con``; with ``best_window``, also the harm of every
    start over the 14 days from ``now`` (needs ``whatif.access_week_profile``: built by
    ``cxbridge run``)."""
    check_resources(con, work.resources)
    day = shares_date(con, work.start)
    services = affected_services(con, work, day)
    harm, access = None, ()
    if best_window:
        if not table_exists(con, "whatif.access_week_profile"):
            raise PlannedWorkError("this warehouse has no traffic profile for the least-harm "
                                   "window yet: run `cxbridge run` (it builds it)")
        access = tuple(affected_access(con, work, services, day))
        harm = harm_by_start(week_profile(con, list(access)), now or datetime.now(UTC),
                             work.hours)
    return Projection(work, day, services, summarise(services), notify_list(services), harm,
                      access)


def contacts(con, customer_ids: list[str]) -> pl.DataFrame:
    """Names, e-mail addresses and phones of ``customer_ids`` (personal data: for care)."""
    return query(con, "select customer_id, name, email, phone from stg.customers "
                      "where customer_id in (select unnest(cast($ids as varchar[])))",
                 {"ids": customer_ids})


def export_notify_list(notify: pl.DataFrame, out: Path,
                       contact_details: pl.DataFrame | None = None) -> Path:
    """Write the notify list as CSV at ``out`` (formulas neutralised), with the contact details
    joined when given; the caller records a contact export in the audit log."""
    frame = notify
    if contact_details is not None:
        frame = notify.join(contact_details, on="customer_id", how="left")
    out.parent.mkdir(parents=True, exist_ok=True)
    write_csv(frame, out)
    return out


def build(con) -> None:
    """The tables the planned-work page looks up (``units.sql``, ``week_profile.sql``); run
    after the incident models, with the service model built."""
    needed = ("core.resources", "core.cfs_resources", "core.resource_ancestors",
              "core.redundant_pools", "core.service_access_shares", "core.impact_params",
              "core.access_paths", "core.resource_hourly", "core.cfs", "stg.service_links",
              "stg.services", "stg.customers")
    if not all(table_exists(con, t) for t in needed):
        return
    execute_sql_file(con, SQL / "units.sql")
    execute_sql_file(con, SQL / "week_profile.sql")


def is_built(con) -> bool:
    """Whether the run's planned-work lookups are there, in their current layout (the
    services' integer keys)."""
    return all(table_exists(con, t) for t in BUILT_TABLES) and bool(scalar(
        con, "select count(*) from information_schema.columns where table_schema = 'whatif' "
             "and table_name = 'unit_services' and column_name = 'service_key'"))
