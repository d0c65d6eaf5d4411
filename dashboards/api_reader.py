"""What the REST API reads from the published snapshot, through the dashboard's own
:class:`~cxbridge.dashboards.data_access.SnapshotReader` (its connection, its caches, its
named queries ``dashboards/sql/api_*.sql``), never the warehouse; and the TMF payloads built
from it (:mod:`cxbridge.models.incidents.tmf656`, ``tmf642``, ``tmf657``).

Small whole tables (the queue, the incidents, their alarms and resources, the alarm episodes,
the SLA tiers) are read once per snapshot and filtered, sorted and paged here; one incident's
services and customers are read by incident id (the care list is stored sorted by incident).
No query here reads a contact column: the API never returns names, e-mails or phones.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import polars as pl

from cxbridge.dashboards.data_access import SnapshotReader
from cxbridge.models.incidents import tmf642, tmf656, tmf657
from cxbridge.platform.snapshot import snapshot_names
from cxbridge.platform.snapshot_reading import Selection

PROBLEM_TABLES = snapshot_names("incidents.queue", "incidents.incidents",
                                "incidents.incident_impact", "incidents.incident_access",
                                "incidents.incident_episodes", "incidents.episodes")
SERVICE_TABLES = snapshot_names("incidents.incident_services")
CUSTOMER_TABLES = snapshot_names("incidents.care_list", "incidents.queue")
ALARM_TABLES = snapshot_names("incidents.episodes", "incidents.incident_episodes")
SLA_TABLES = snapshot_names("marts.sla_service_daily")
# TMF656 status → the incident statuses it stands for (tmf656.STATUS the other way)
PROBLEM_STATUSES: dict[str, tuple[str, ...]] = {
    tmf: tuple(i for i, t in tmf656.STATUS.items() if t == tmf)
    for tmf in sorted(set(tmf656.STATUS.values()))}
CATEGORIES = {"network.originated": "alarm", "network.detected": "silent"}


def page(frame: pl.DataFrame, offset: int, limit: int) -> pl.DataFrame:
    """Rows ``offset`` … ``offset + limit`` of ``frame``."""
    return frame.slice(offset, limit)


# -- TMF656 service problems ---------------------------------------------------------------


def problem_order(reader: SnapshotReader, statuses: Iterable[str] = (),
                  priorities: Iterable[int] = (), categories: Iterable[str] = (),
                  order: str = "impact") -> pl.DataFrame:
    """The incidents the filters select (TMF656 ``status``, ``priority`` 1–5, ``category``), in
    the queue's order (``impact``: open first, then by impact rank) or by ``timeRaised``
    (``-timeRaised``: newest first); columns ``incident_id``, ``priority``."""
    frame = reader.sql("api_problem_order").with_columns(
        priority=priority_expr(pl.col("priority_score")))
    statuses, priorities, categories = list(statuses), list(priorities), list(categories)
    if statuses:
        wanted = [s for status in statuses for s in PROBLEM_STATUSES[status]]
        frame = frame.filter(pl.col("status").is_in(wanted))
    if priorities:
        frame = frame.filter(pl.col("priority").is_in(priorities))
    if categories:
        frame = frame.filter(pl.col("source").is_in([CATEGORIES[c] for c in categories]))
    if order in ("timeRaised", "-timeRaised"):
        frame = frame.sort(["started_at", "incident_id"],
                           descending=order.startswith("-"), maintain_order=True)
    return frame.select("incident_id", "priority")


def priority_expr(score: pl.Expr) -> pl.Expr:
    """:func:`cxbridge.models.incidents.tmf656.priority_of` as a polars expression."""
    expr = pl.lit(5)
    for floor, priority in reversed(tmf656.PRIORITY_BANDS):
        expr = pl.when(score >= floor if floor > 0 else score > 0).then(priority).otherwise(expr)
    return pl.when(score.is_null()).then(5).otherwise(expr)


def problems(reader: SnapshotReader, incident_ids: list[str]) -> list[dict]:
    """The ServiceProblem of each incident in ``incident_ids``, in that order (without
    ``affectedService``: see :func:`problem_services`)."""
    if not incident_ids:
        return []
    wanted = pl.col("incident_id").is_in(incident_ids)

    def by_id(name: str) -> dict[str, dict]:
        return {row["incident_id"]: row
                for row in reader.sql(name).filter(wanted).iter_rows(named=True)}

    def lists(name: str, column: str) -> dict[str, list[str]]:
        grouped = reader.sql(name).filter(wanted).group_by(
            "incident_id", maintain_order=True).agg(pl.col(column))
        return dict(zip(grouped["incident_id"], grouped[column].to_list(), strict=True))

    incidents, impacts, queue = by_id("api_incidents"), by_id("api_incident_impact"), by_id(
        "api_queue")
    resources = lists("api_incident_resources", "resource_id")
    alarms = lists("api_incident_alarms", "episode_id")
    as_of = reader.snapshot_info().built_at
    return [tmf656.service_problem(incidents[i], impacts.get(i, {}), queue.get(i, {}), None,
                                   resources.get(i, []), alarms.get(i, []), as_of)
            for i in incident_ids if i in incidents]


def problem(reader: SnapshotReader, incident_id: str) -> dict | None:
    """One ServiceProblem, or None when the snapshot has no such incident."""
    found = problems(reader, [incident_id])
    return found[0] if found else None


def problem_services(reader: SnapshotReader, incident_id: str) -> pl.DataFrame:
    """Every service the incident hurt, by id (no customer ids)."""
    return reader.sql("api_problem_services", large=True, incident_id=incident_id)


def service_ref(row: Mapping) -> dict:
    """An affected service as a TMF ServiceRef, with what the incident did to it."""
    sid = row["service_id"]
    return {"id": sid, "href": f"/tmf-api/serviceInventory/v5/service/{sid}",
            "@type": "ServiceRef", "@referredType": "Service",
            "serviceType": row["cfs_type"], "segment": row["segment"], "via": row["via"],
            "impactMinutes": _round(row["impact_minutes"]),
            "firstAffected": tmf642.iso(row["first_at"]),
            "lastAffected": tmf642.iso(row["last_at"])}


def problem_customers(reader: SnapshotReader, incident_id: str) -> pl.DataFrame:
    """The incident's customers in proactive-care order (ids only: never contact columns)."""
    return reader.care_list(incident_id, with_contacts=False)


def customer_ref(row: Mapping, position: int) -> dict:
    """An affected customer as a TMF CustomerRef (id only), with what the incident did."""
    cid = row["customer_id"]
    return {"id": cid, "href": f"/tmf-api/customerManagement/v5/customer/{cid}",
            "@type": "CustomerRef", "@referredType": "Customer", "carePosition": position,
            "segment": row["segment"], "region": row["region"],
            "affectedService": (row["services"] or "").split(),
            "serviceTypes": (row["cfs_types"] or "").split(), "impact": row["impact"],
            "impactMinutes": _round(row["impact_minutes"]),
            "firstAffected": tmf642.iso(row["first_at"]),
            "lastAffected": tmf642.iso(row["last_at"])}


# -- TMF642 alarms -------------------------------------------------------------------------


def alarms(reader: SnapshotReader) -> pl.DataFrame:
    """Every alarm episode, newest first, with its incident (see ``sql/api_alarms.sql``)."""
    frame = reader.sql("api_alarms")
    return frame.with_columns(
        state=pl.when(pl.col("ended_at").is_null()).then(pl.lit("raised"))
        .otherwise(pl.lit("cleared")),
        severity=pl.col("severity_rank").cast(pl.Int64).replace_strict(
            tmf642.SEVERITIES, default="indeterminate", return_dtype=pl.String))


def filter_alarms(frame: pl.DataFrame, acknowledged: set[str], severities: list[str],
                  states: list[str], ack_states: list[str], objects: list[str],
                  raised_from, raised_before) -> pl.DataFrame:
    """The alarms the TMF642 filters select; ``acknowledged``: ids of incidents somebody
    acknowledged (their alarms are ``acknowledged``)."""
    frame = frame.with_columns(ack=pl.col("incident_id").is_in(list(acknowledged)).fill_null(
        False))
    if severities:
        frame = frame.filter(pl.col("severity").is_in(severities))
    if states:
        frame = frame.filter(pl.col("state").is_in(states))
    if ack_states:
        frame = frame.filter(pl.col("ack").is_in([s == "acknowledged" for s in set(ack_states)]))
    if objects:
        frame = frame.filter(pl.col("resource_id").is_in(objects))
    if raised_from is not None:
        frame = frame.filter(pl.col("started_at") >= raised_from)
    if raised_before is not None:
        frame = frame.filter(pl.col("started_at") < raised_before)
    return frame


# -- TMF657 service levels -----------------------------------------------------------------


def sla_tiers(reader: SnapshotReader) -> pl.DataFrame:
    """Each service type × SLA tier the inventory sells, with how many services hold it."""
    return reader.sql("api_sla_tiers")


def sla_conformance(reader: SnapshotReader, selection: Selection) -> pl.DataFrame:
    """Each SLA service's sums over the selection's period, regions and segments, the one
    using most of its allowance first."""
    return reader.sql("api_sla_conformance", selection)


def filter_conformance(frame: pl.DataFrame, tiers: list[str], services: list[str],
                       conformance: list[str]) -> pl.DataFrame:
    """The SLA services of the given tiers, ids and conformance (``met``, ``atRisk``,
    ``violated``: :func:`cxbridge.models.incidents.tmf657.conformance_of`; all when empty)."""
    if tiers:
        frame = frame.filter(pl.col("sla_tier").is_in(tiers))
    if services:
        frame = frame.filter(pl.col("service_id").is_in(services))
    if conformance:
        pct = pl.col("sla_availability_pct")
        availability = 100.0 * (1 - pl.col("unplanned_outage_minutes") / pl.col("minutes"))
        warning = 100.0 - tmf657.WARNING_SHARE * (100.0 - pct)
        state = (pl.when(availability < pct).then(pl.lit("violated"))
                 .when(availability < warning).then(pl.lit("atRisk"))
                 .otherwise(pl.lit("met")))
        frame = frame.filter(pl.when(pl.col("minutes") > 0).then(state).is_in(conformance))
    return frame


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 1)
