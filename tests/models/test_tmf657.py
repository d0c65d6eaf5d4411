"""TMF657 service levels and measured conformance (models/incidents/tmf657.py): pure
functions on rows, figures worked out by hand."""

from __future__ import annotations

from datetime import date

import pytest

from cxbridge.models.incidents.tmf657 import (
    conformance,
    conformance_of,
    measured,
    objective,
    specification,
    warning_target,
)

TIER = {"cfs_type": "enterprise_vpn", "sla_tier": "silver", "sla_availability_pct": 99.95,
        "services": 44}


def _service(unplanned: float, minutes: float = 14 * 1440.0) -> dict:
    return {"service_id": "CFS-1", "customer_id": "C1", "cfs_type": "enterprise_vpn",
            "segment": "enterprise", "region": "Ulster", "sla_tier": "silver",
            "sla_availability_pct": 99.95, "days": 14, "minutes": minutes,
            "outage_minutes": unplanned + 60.0, "unplanned_outage_minutes": unplanned}


def test_a_tier_is_one_specification_with_one_objective():
    spec = specification(TIER, date(2026, 10, 1))
    assert spec["id"] == "enterprise_vpn-silver" and spec["name"] == "Enterprise VPN silver SLA"
    assert spec["relatedServiceLevelObjective"][0]["id"] == "enterprise_vpn-silver-availability"
    assert spec["validFor"] == {"startDateTime": "2026-10-01T00:00:00Z"}
    assert "44 service(s)" in spec["description"]
    slo = objective(TIER)
    assert (slo["conformanceComparator"], slo["conformanceTarget"]) == (">=", "99.95")
    assert slo["thresholdTarget"] == "99.96"  # 100 − 0.8 × 0.05
    assert "21.6 minutes in 30 days" in slo["serviceLevelObjectiveParameter"][
        "transformationAlgorithmOfKQI"]  # (1 − 0.9995) × 43,200
    assert specification(TIER | {"sla_tier": None}, None)["id"] == "enterprise_vpn-99.95pct"


def test_conformance_is_a_ratio_of_sums_with_planned_work_left_out():
    # 14 days: 20,160 minutes, allowance 10.08 minutes, warning past 8.064
    assert measured(_service(0.0))["conformance"] == "met"
    assert measured(_service(9.0))["conformance"] == "atRisk"
    worst = measured(_service(30.0))
    assert worst["conformance"] == "violated"
    assert worst["availability"] == pytest.approx(100 * (1 - 30 / 20160))
    assert worst["allowed_minutes"] == pytest.approx(10.08)
    assert worst["allowance_used_pct"] == pytest.approx(100 * 30 / 10.08)
    assert measured(_service(0.0, minutes=0.0))["conformance"] is None
    assert warning_target(99.9) == pytest.approx(99.92)
    assert [conformance_of(v, 99.9) for v in (99.95, 99.91, 99.89, None)] == [
        "met", "atRisk", "violated", None]


def test_a_conformance_names_its_service_customer_specification_and_objective():
    out = conformance(_service(30.0), date(2026, 10, 1), date(2026, 10, 14))
    assert out["id"] == "CFS-1@2026-10-01..2026-10-14"
    assert out["measuredValue"] == f"{100 * (1 - 30 / 20160):.4f}"
    assert (out["outageMinutes"], out["unplannedOutageMinutes"]) == (90.0, 30.0)
    assert out["period"] == {"startDateTime": "2026-10-01T00:00:00Z",
                             "endDateTime": "2026-10-14T23:59:59Z"}
    assert [(e["role"], e["id"]) for e in out["relatedEntity"]] == [
        ("service", "CFS-1"), ("customer", "C1"),
        ("serviceLevelSpecification", "enterprise_vpn-silver"),
        ("serviceLevelObjective", "enterprise_vpn-silver-availability")]
