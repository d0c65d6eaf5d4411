"""Enterprise SLAs as TMF657 (Service Quality Management v4) resources, shaped after the v4
definitions in ``../shared/standards/tmf/TMF657_ServiceQualityManagement/`` (pure functions
over rows of ``marts.sla_service_daily``).

* ``ServiceLevelSpecification``: one per service type and SLA tier the inventory sells
  (``enterprise_vpn-gold``), with its one objective;
* ``ServiceLevelObjective``: availability ≥ the tier's percentage over each calendar month
  (the allowance the incident models count a breach against: (1 − objective) × 30 days),
  a warning when four fifths of the allowance are used (``thresholdTarget``);
* ``ServiceLevelConformance`` (a cxbridge resource: TMF657 v4 defines objectives, not their
  measurement): one SLA service's measured availability over a period, its unplanned outage
  minutes against the period's allowance, and whether the objective was ``met``, ``atRisk``
  (past the warning) or ``violated``; the service, its customer (by id), its specification
  and objective as TMF ``RelatedEntity`` entries.

Availability is a ratio of sums: 100 × (1 − Σ unplanned outage minutes ÷ Σ minutes in service)
over the days of the period; planned work does not count against the objective.
"""

from __future__ import annotations

from datetime import date

BASE = "/tmf-api/serviceQualityManagement/v4"
SERVICE_BASE = "/tmf-api/serviceInventory/v5/service"
CUSTOMER_BASE = "/tmf-api/customerManagement/v5/customer"
WARNING_SHARE = 0.8  # share of the allowance used that puts an objective at risk
CONFORMANCE = ("met", "atRisk", "violated")
KQI = ("100 × (1 − Σ unplanned outage minutes ÷ Σ minutes in service) over the period; "
       "minutes of planned work do not count")


def spec_id(cfs_type: str, tier: str | None, pct: float) -> str:
    """``enterprise_vpn-gold`` (a tier-less SLA is named by its percentage)."""
    return f"{cfs_type}-{tier or f'{pct:g}pct'}"


def objective_id(cfs_type: str, tier: str | None, pct: float) -> str:
    return f"{spec_id(cfs_type, tier, pct)}-availability"


def _label(cfs_type: str, tier: str | None) -> str:
    kind = cfs_type.replace("_", " ")
    kind = kind[:1].upper() + kind[1:]
    kind = kind.replace("vpn", "VPN")
    return f"{kind} {tier}" if tier else kind


def _period(start: date | None, end: date | None) -> dict:
    out: dict = {}
    if start is not None:
        out["startDateTime"] = f"{start.isoformat()}T00:00:00Z"
    if end is not None:
        out["endDateTime"] = f"{end.isoformat()}T23:59:59Z"
    return out


def warning_target(pct: float) -> float:
    """The availability at which :data:`WARNING_SHARE` of the allowance is used."""
    return round(100.0 - WARNING_SHARE * (100.0 - pct), 6)


def specification(row: dict, first_day: date | None = None) -> dict:
    """One ServiceLevelSpecification from a tier row (``cfs_type``, ``sla_tier``,
    ``sla_availability_pct``, ``services``: how many services hold it)."""
    sid = spec_id(row["cfs_type"], row["sla_tier"], row["sla_availability_pct"])
    oid = objective_id(row["cfs_type"], row["sla_tier"], row["sla_availability_pct"])
    pct = row["sla_availability_pct"]
    return {
        "id": sid,
        "href": f"{BASE}/serviceLevelSpecification/{sid}",
        "@type": "ServiceLevelSpecification",
        "name": f"{_label(row['cfs_type'], row['sla_tier'])} SLA",
        "description": f"Availability of at least {pct:g} % each calendar month; held by "
                       f"{row.get('services', 0)} service(s) in this snapshot",
        "relatedServiceLevelObjective": [{
            "id": oid, "href": f"{BASE}/serviceLevelObjective/{oid}",
            "name": f"Availability ≥ {pct:g} %", "@referredType": "ServiceLevelObjective"}],
        "validFor": _period(first_day, None),
    }


def objective(row: dict, first_day: date | None = None) -> dict:
    """The availability ServiceLevelObjective of a tier row (see :func:`specification`)."""
    pct = row["sla_availability_pct"]
    oid = objective_id(row["cfs_type"], row["sla_tier"], pct)
    allowance = (1 - pct / 100) * 30 * 24 * 60
    return {
        "id": oid,
        "href": f"{BASE}/serviceLevelObjective/{oid}",
        "@type": "ServiceLevelObjective",
        "name": f"{_label(row['cfs_type'], row['sla_tier'])} availability ≥ {pct:g} %",
        "conformanceComparator": ">=",
        "conformanceTarget": f"{pct:g}",
        "thresholdTarget": f"{warning_target(pct):g}",
        "toleranceTarget": "0",
        "serviceLevelObjectiveParameter": {
            "@type": "ServiceLevelSpecParameter",
            "name": "availability",
            "parameterType": "KQI",
            "serviceParmCategory": "service specific",
            "serviceParmPerspective": "single user instance",
            "transformationAlgorithmOfKQI": f"{KQI}; measured per calendar month "
                                            f"(allowance {allowance:.1f} minutes in 30 days)",
        },
        "serviceLevelObjectiveConsequence": [{
            "@type": "ServiceLevelSpecConsequence",
            "prescribedAction": "Service credit as the customer's contract sets it; "
                                "proactive care call to the customer",
        }],
        "validFor": _period(first_day, None),
    }


def conformance_of(availability: float | None, pct: float) -> str | None:
    """``met``, ``atRisk`` (past the warning threshold) or ``violated``; None unmeasured."""
    if availability is None:
        return None
    if availability < pct:
        return "violated"
    return "atRisk" if availability < warning_target(pct) else "met"


def measured(row: dict) -> dict:
    """A service's figures over a period from its summed day rows (``minutes``,
    ``unplanned_outage_minutes``, ``outage_minutes``, ``sla_availability_pct``)."""
    minutes = float(row.get("minutes") or 0)
    unplanned = float(row.get("unplanned_outage_minutes") or 0)
    pct = row["sla_availability_pct"]
    availability = 100.0 * (1 - unplanned / minutes) if minutes else None
    allowed = (1 - pct / 100) * minutes
    return {"availability": availability, "allowed_minutes": allowed,
            "allowance_used_pct": 100.0 * unplanned / allowed if allowed else None,
            "conformance": conformance_of(availability, pct)}


def conformance(row: dict, start: date, end: date) -> dict:
    """One ServiceLevelConformance: a service's row summed over ``start`` … ``end`` (with
    ``service_id``, ``customer_id``, ``cfs_type``, ``segment``, ``region``, ``sla_tier``,
    ``sla_availability_pct``, ``days``, ``minutes``, ``outage_minutes``,
    ``unplanned_outage_minutes``)."""
    figures = measured(row)
    pct = row["sla_availability_pct"]
    sid = spec_id(row["cfs_type"], row["sla_tier"], pct)
    oid = objective_id(row["cfs_type"], row["sla_tier"], pct)
    service = row["service_id"]
    availability = figures["availability"]
    used = figures["allowance_used_pct"]
    return {
        "id": f"{service}@{start.isoformat()}..{end.isoformat()}",
        "href": f"{BASE}/serviceLevelConformance?service.id={service}"
                f"&from={start.isoformat()}&to={end.isoformat()}",
        "@type": "ServiceLevelConformance",
        "conformance": figures["conformance"],
        "measuredValue": None if availability is None else f"{availability:.4f}",
        "conformanceTarget": f"{pct:g}",
        "conformanceComparator": ">=",
        "period": _period(start, end),
        "daysMeasured": int(row.get("days") or 0),
        "minutesMeasured": round(float(row.get("minutes") or 0), 1),
        "outageMinutes": round(float(row.get("outage_minutes") or 0), 1),
        "unplannedOutageMinutes": round(float(row.get("unplanned_outage_minutes") or 0), 1),
        "allowedOutageMinutes": round(figures["allowed_minutes"], 1),
        "allowanceUsedPct": None if used is None else round(used, 1),
        "region": row.get("region"),
        "segment": row.get("segment"),
        "relatedEntity": [
            {"id": service, "href": f"{SERVICE_BASE}/{service}", "role": "service",
             "@referredType": "Service", "@type": "RelatedEntity"},
            {"id": row["customer_id"], "href": f"{CUSTOMER_BASE}/{row['customer_id']}",
             "role": "customer", "@referredType": "Customer", "@type": "RelatedEntity"},
            {"id": sid, "href": f"{BASE}/serviceLevelSpecification/{sid}",
             "role": "serviceLevelSpecification",
             "@referredType": "ServiceLevelSpecification", "@type": "RelatedEntity"},
            {"id": oid, "href": f"{BASE}/serviceLevelObjective/{oid}",
             "role": "serviceLevelObjective", "@referredType": "ServiceLevelObjective",
             "@type": "RelatedEntity"},
        ],
    }
