"""Incidents as TMF656 (Service Problem Management v5) ``ServiceProblem`` resources, shaped after
the official example (``../shared/standards/tmf/TMF656_ServiceProblemManagement_v5/``
``TMF656__ServiceProblem_retrieve_example_response.json``).

* ``affectedService``: every CFS the incident hurt (ServiceRef), ``affectedNumberOfServices``;
* ``affectedResource``: every resource with a window of outage or degradation;
* ``rootCauseResource``: the root resource; ``underlyingAlarm``: every alarm of the incident
  (ResourceAlarmRef; none for a silent degradation);
* ``priority``: 1 (highest) to 5 from the priority score in service-minutes:
  ≥ 100,000 → 1, ≥ 10,000 → 2, ≥ 1,000 → 3, > 0 → 4, nothing measured → 5;
  ``impactImportanceFactor``: the score itself, as text (the schema's type);
* ``impactPattern.characteristic``: the impact figures and the score's components;
* ``status``: open → acknowledged, stale (its clear was probably lost) → pending, cleared →
  resolved; ``category``: network.originated (alarms) or network.detected (silent).
"""

from __future__ import annotations

import json
from pathlib import Path

from cxbridge.models.incidents.care import check_incident
from cxbridge.platform.warehouse import query

API = "/tmf-api"
PRIORITY_BANDS = ((100_000, 1), (10_000, 2), (1_000, 3), (0, 4))
STATUS = {"open": "acknowledged", "stale": "pending", "cleared": "resolved"}
FIGURES = ("affected_services", "affected_customers", "service_minutes", "consumer_customers",
           "smb_customers", "enterprise_customers", "ftth_services", "iptv_services",
           "mobile_data_services", "mobile_voice_services", "enterprise_vpn_services",
           "sla_services", "sla_minutes", "sla_breached_services", "monthly_revenue_eur",
           "revenue_at_risk_eur", "experience_drop", "duration_minutes")
COMPONENTS = ("priority_score", "score_customer_minutes", "score_business", "score_sla",
              "score_revenue", "score_experience")


def priority_of(score: float | None) -> int:
    if score:
        for floor, priority in PRIORITY_BANDS:
            if score >= floor and (score > 0 or floor > 0):
                return priority
    return 5


def _iso(value) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value is not None else None


def _ref(kind: str, path: str, identifier: str, **extra) -> dict:
    return {"id": identifier, "href": f"{API}/{path}/{identifier}", "@type": kind, **extra}


def _characteristic(name: str, value) -> dict:
    if isinstance(value, bool) or value is None:
        kind = "BooleanCharacteristic" if isinstance(value, bool) else "StringCharacteristic"
        value_type = "boolean" if isinstance(value, bool) else "string"
    elif isinstance(value, int):
        kind, value_type = "IntegerCharacteristic", "integer"
    elif isinstance(value, float):
        kind, value_type, value = "FloatCharacteristic", "number", round(value, 2)
    else:
        kind, value_type, value = "StringCharacteristic", "string", str(value)
    return {"name": name, "value": value, "valueType": value_type, "@type": kind}


def service_problem(incident: dict, impact: dict, queue: dict, services: list[str] | None,
                    resources: list[str], alarms: list[str], as_of) -> dict:
    """One ServiceProblem from the incident's rows (pure: no database). ``services`` None
    leaves ``affectedService`` out (the API pages them at ``…/affectedService``) and counts
    ``affectedNumberOfServices`` from ``impact``."""
    problem_id = incident["incident_id"]
    score = queue.get("priority_score")
    problem = {
        "id": problem_id,
        "href": f"{API}/serviceProblemManagement/v5/serviceProblem/{problem_id}",
        "@type": "ServiceProblem",
        "originatingSystem": "cxbridge",
        "category": "network.originated" if incident["source"] == "alarm"
        else "network.detected",
        "description": incident["title"],
        "reason": incident["detection"],
        "priority": priority_of(score),
        "impactImportanceFactor": str(score if score is not None else 0),
        "status": STATUS.get(incident["status"], "acknowledged"),
        "timeRaised": _iso(incident["started_at"]),
        "timeChanged": _iso(as_of),
        "affectedNumberOfServices": len(services) if services is not None
        else int(impact.get("affected_services") or 0),
        "affectedService": [_ref("ServiceRef", "serviceInventory/v5/service", s)
                            for s in services or ()],
        "affectedResource": [_ref("ResourceRef", "resourceInventory/v5/resource", r)
                             for r in resources],
        "rootCauseResource": [_ref("ResourceRef", "resourceInventory/v5/resource",
                                   incident["root_resource_id"])]
        if incident.get("root_resource_id") else [],
        "underlyingAlarm": [_ref("ResourceAlarmRef", "alarmManagement/v4/alarm", a,
                                 **{"@referredType": "ResourceAlarm"}) for a in alarms],
        "impactPattern": {
            "@type": "ImpactPattern",
            "id": f"{problem_id}-impact",
            "description": _impact_sentence(impact),
            "characteristic": [_characteristic(name, impact.get(name)) for name in FIGURES]
            + [_characteristic(name, queue.get(name)) for name in COMPONENTS]
            + [_characteristic("worstAlarmSeverity", incident.get("worst_severity")),
               _characteristic("kind", incident.get("kind")),
               _characteristic("plannedMaintenance", bool(incident.get("planned")))],
        },
    }
    if services is None:
        del problem["affectedService"]
    if incident.get("region"):
        problem["affectedLocation"] = [{"role": "region", "@type": "RelatedPlaceRefOrValue",
                                        "place": {"@type": "PlaceRef",
                                                  "id": incident["region"],
                                                  "name": incident["region"]}}]
    if incident["status"] == "cleared" and incident.get("ended_at") is not None:
        problem["resolutionDate"] = _iso(incident["ended_at"])
    return problem


def _impact_sentence(impact: dict) -> str:
    if not impact.get("affected_services"):
        return "No customer-facing service measurably affected"
    return (f"{impact['affected_customers']:,} customers, {impact['affected_services']:,} "
            f"services, {impact['service_minutes']:,.0f} service-minutes; "
            f"{impact['sla_services']} SLA VPNs ({impact['sla_breached_services']} past their "
            f"allowance); €{impact['revenue_at_risk_eur']:,.0f} monthly revenue at risk")


def problem_for(con, incident_id: str) -> dict:
    """The ServiceProblem of one incident, read from the warehouse."""
    check_incident(con, incident_id)
    params = {"id": incident_id}
    incident = query(con, "select * from incidents.incidents where incident_id = $id",
                     params).to_dicts()[0]
    impact = query(con, "select * from incidents.incident_impact where incident_id = $id",
                   params).to_dicts()
    queue = query(con, "select * from incidents.queue where incident_id = $id", params).to_dicts()
    services = query(con, "select service_id from incidents.incident_services "
                          "where incident_id = $id order by service_id", params)["service_id"]
    resources = query(con, "select distinct resource_id from incidents.incident_windows "
                           "where incident_id = $id order by resource_id", params)["resource_id"]
    alarms = query(con, "select a.alarm_id from incidents.incident_episodes ie "
                        "join incidents.alarm_episodes a on a.episode_id = ie.episode_id "
                        "where ie.incident_id = $id order by a.raised_at, a.alarm_id",
                   params)["alarm_id"]
    as_of = query(con, "select as_of from incidents.params")["as_of"][0]
    return service_problem(incident, impact[0] if impact else {}, queue[0] if queue else {},
                           services.to_list(), resources.to_list(), alarms.to_list(), as_of)


def export_problems(con, incident_ids: list[str], exports_dir: Path) -> list[Path]:
    """Write one ``<incident_id>.json`` per incident under ``exports_dir/tmf656/``."""
    out_dir = exports_dir / "tmf656"
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for incident_id in incident_ids:
        path = out_dir / f"{incident_id}.json"
        path.write_text(json.dumps(problem_for(con, incident_id), indent=2) + "\n",
                        encoding="utf-8")
        written.append(path)
    return written
