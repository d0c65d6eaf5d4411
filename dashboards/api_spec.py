"""What the REST API offers, as data: every endpoint with its path, the roles that may call it,
its query parameters and its response, and the OpenAPI 3.1 document and HTML page built from
them (:func:`openapi`, :func:`docs_html`). :mod:`cxbridge.dashboards.api` serves what is
declared here, so the documentation cannot drift from the checks.

Who reads what (from :mod:`cxbridge.dashboards.roles`: operations runs the network, care calls
the customers an incident hurt, the executive follows the shared KPIs and counts, marketing the
KPIs; no role gets contact details from the API, which is neither a campaign nor a care export):

=================================  =========  =========  ==========  ====
endpoint                           executive  marketing  operations  care
=================================  =========  =========  ==========  ====
service problems (list, one)       yes        no         yes         yes
a problem's affected services      no         no         yes         yes
a problem's affected customers     no         no         yes         yes
alarms (list, one)                 no         no         yes         no
SLA specifications and objectives  yes        yes        yes         yes
measured SLA conformance           no         no         yes         no
metric registry and values         yes        yes        yes         yes
=================================  =========  =========  ==========  ====
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from cxbridge.dashboards.roles import ROLES
from cxbridge.models.incidents import tmf642, tmf656, tmf657

MAX_LIMIT = 1000
DEFAULT_LIMIT = 100
PROBLEMS = "/tmf-api/serviceProblemManagement/v5/serviceProblem"
ALARMS = "/tmf-api/alarmManagement/v4/alarm"
QUALITY = "/tmf-api/serviceQualityManagement/v4"
METRICS = "/api/v1/metrics"
SPEC_PATH = "/tmf-api/openapi.json"
DOCS_PATH = "/tmf-api/docs"
PREFIXES = ("/tmf-api/", "/api/v1/")
EVERYONE = frozenset(ROLES)
OPERATIONS = frozenset({"operations"})
PROBLEM_READERS = frozenset({"operations", "care", "executive"})
IMPACT_READERS = frozenset({"operations", "care"})


@dataclass(frozen=True)
class Param:
    """A query parameter: ``kind`` is int, list (comma-separated values, ``choices`` when
    closed), ints, date, datetime, fields or choice (one of ``choices``)."""

    name: str
    kind: str
    description: str
    choices: tuple[str, ...] = ()
    low: int | None = None
    high: int | None = None


PARAMS: dict[str, Param] = {p.name: p for p in (
    Param("offset", "int", "Index of the first item to return (0 is the first).", low=0),
    Param("limit", "int", f"Items to return, 1 to {MAX_LIMIT} (default {DEFAULT_LIMIT}).",
          low=1, high=MAX_LIMIT),
    Param("fields", "fields", "Comma-separated top-level attributes to return (id, or a "
          "metric's name, href and @type always come)."),
    Param("status", "list", "TMF656 status (comma-separated).",
          tuple(sorted(set(tmf656.STATUS.values())))),
    Param("priority", "ints", "Priority 1 (highest) to 5 (comma-separated).", low=1, high=5),
    Param("category", "list", "network.originated (alarms) or network.detected (silent "
          "degradations).", ("network.originated", "network.detected")),
    Param("sort", "choice", "impact: the queue's order (open first, then by customer impact, "
          "the default); timeRaised or -timeRaised: by start.",
          ("impact", "timeRaised", "-timeRaised")),
    Param("perceivedSeverity", "list", "X.733 severity (comma-separated).",
          tuple(tmf642.SEVERITIES.values())),
    Param("state", "list", "raised or cleared.", tmf642.STATES),
    Param("ackState", "list", "acknowledged (its incident was acknowledged in the workflow) "
          "or unacknowledged.", tmf642.ACK_STATES),
    Param("alarmedObject.id", "list", "Resource ids (comma-separated)."),
    Param("alarmRaisedTime.gte", "datetime", "Raised at or after (ISO 8601, UTC)."),
    Param("alarmRaisedTime.lt", "datetime", "Raised before (ISO 8601, UTC)."),
    Param("from", "date", "First day (YYYY-MM-DD; default: the Overview's, the last 28 days "
          "of the snapshot)."),
    Param("to", "date", "Last day (YYYY-MM-DD; default: the snapshot's last)."),
    Param("region", "list", "Regions (comma-separated, as the filter bar names them)."),
    Param("segment", "list", "Customer segments (comma-separated)."),
    Param("service", "list", "Service types (comma-separated; metrics only)."),
    Param("tier", "list", "SLA tiers (comma-separated)."),
    Param("conformance", "list", "met, atRisk or violated.", tmf657.CONFORMANCE),
    Param("service.id", "list", "Service ids (comma-separated)."),
)}
PAGING = ("offset", "limit", "fields")


@dataclass(frozen=True)
class Endpoint:
    """One route: its Flask endpoint name, path (Flask syntax), roles, parameters, whether
    it is a paged list and whether it returns customer ids (then every call is audited)."""

    name: str
    path: str
    summary: str
    roles: frozenset[str]
    params: tuple[str, ...] = ()
    paged: bool = False
    schema: str = "Object"
    customer_ids: bool = False

    @property
    def openapi_path(self) -> str:
        return self.path.replace("<", "{").replace(">", "}")

    @property
    def path_params(self) -> list[str]:
        return [part[1:-1] for part in self.path.split("/") if part.startswith("<")]


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("list_problems", PROBLEMS, "List service problems (TMF656)", PROBLEM_READERS,
             ("status", "priority", "category", "sort", *PAGING), True, "ServiceProblem"),
    Endpoint("get_problem", f"{PROBLEMS}/<problem_id>", "Retrieve one service problem",
             PROBLEM_READERS, ("fields",), schema="ServiceProblem"),
    Endpoint("list_affected_services", f"{PROBLEMS}/<problem_id>/affectedService",
             "The services a problem hurt (ServiceRef), by id", IMPACT_READERS, PAGING, True,
             "AffectedService"),
    Endpoint("list_affected_customers", f"{PROBLEMS}/<problem_id>/affectedCustomer",
             "The customers a problem hurt (ids only), in proactive-care order",
             IMPACT_READERS, PAGING, True, "AffectedCustomer", customer_ids=True),
    Endpoint("list_alarms", ALARMS, "List alarms (TMF642, read only), newest first",
             OPERATIONS, ("perceivedSeverity", "state", "ackState", "alarmedObject.id",
                          "alarmRaisedTime.gte", "alarmRaisedTime.lt", *PAGING), True, "Alarm"),
    Endpoint("get_alarm", f"{ALARMS}/<alarm_id>", "Retrieve one alarm", OPERATIONS,
             ("fields",), schema="Alarm"),
    Endpoint("list_specifications", f"{QUALITY}/serviceLevelSpecification",
             "List SLA specifications (TMF657), one per service type and tier", EVERYONE,
             PAGING, True, "ServiceLevelSpecification"),
    Endpoint("get_specification", f"{QUALITY}/serviceLevelSpecification/<spec_id>",
             "Retrieve one SLA specification", EVERYONE, ("fields",),
             schema="ServiceLevelSpecification"),
    Endpoint("list_objectives", f"{QUALITY}/serviceLevelObjective",
             "List service level objectives (TMF657)", EVERYONE, PAGING, True,
             "ServiceLevelObjective"),
    Endpoint("get_objective", f"{QUALITY}/serviceLevelObjective/<objective_id>",
             "Retrieve one service level objective", EVERYONE, ("fields",),
             schema="ServiceLevelObjective"),
    Endpoint("list_conformance", f"{QUALITY}/serviceLevelConformance",
             "Measured availability of each SLA service over a period, most of its allowance "
             "used first", OPERATIONS, ("from", "to", "region", "segment", "tier", "conformance",
                                        "service.id", *PAGING), True,
             "ServiceLevelConformance", customer_ids=True),
    Endpoint("list_metrics", METRICS, "The metric registry: every shared KPI's definition",
             EVERYONE, PAGING, True, "Metric"),
    Endpoint("get_metric", f"{METRICS}/<metric_name>", "One metric's definition and value "
             "for a filter (the Overview's tiles: period, previous period, daily series)",
             EVERYONE, ("from", "to", "region", "segment", "service", "fields"),
             schema="MetricReading"),
)
BY_NAME = {e.name: e for e in ENDPOINTS}

_ERROR = {"type": "object", "required": ["code", "reason", "message", "status"], "properties": {
    "code": {"type": "string"}, "reason": {"type": "string"},
    "message": {"type": "string"}, "status": {"type": "string"}}}
_SCHEMAS: dict[str, dict] = {
    "ServiceProblem": {"description": "TMF656 v5 ServiceProblem (affectedService is paged at "
                       "…/affectedService)", "type": "object"},
    "AffectedService": {"description": "ServiceRef with serviceType, segment, impactMinutes",
                        "type": "object"},
    "AffectedCustomer": {"description": "CustomerRef (id only) with carePosition, segment, "
                         "region, affectedService, impactMinutes", "type": "object"},
    "Alarm": {"description": "TMF642 v4 Alarm (id is a string)", "type": "object"},
    "ServiceLevelSpecification": {"description": "TMF657 v4", "type": "object"},
    "ServiceLevelObjective": {"description": "TMF657 v4", "type": "object"},
    "ServiceLevelConformance": {"description": "cxbridge: an SLA service's measured "
                                "availability against its objective", "type": "object"},
    "Metric": {"description": "A metric registry entry", "type": "object"},
    "MetricReading": {"description": "A metric's definition and its value for a filter",
                      "type": "object"},
}
for _name, _schema in _SCHEMAS.items():
    _schema["properties"] = {"id": {"type": "string"}, "href": {"type": "string"},
                             "@type": {"type": "string"}} if _name != "Metric" else {
        "name": {"type": "string"}, "href": {"type": "string"}}


def _param_schema(param: Param) -> dict:
    if param.kind == "int":
        schema = {"type": "integer", "minimum": param.low}
        if param.high is not None:
            schema["maximum"] = param.high
        return schema
    if param.kind in ("date", "datetime"):
        return {"type": "string", "format": "date" if param.kind == "date" else "date-time"}
    if param.kind == "choice":
        return {"type": "string", "enum": list(param.choices)}
    return {"type": "string", "description": "comma-separated"} | (
        {"examples": [",".join(param.choices)]} if param.choices else {})


def _operation(endpoint: Endpoint) -> dict:
    roles = ", ".join(sorted(endpoint.roles))
    parameters = [{"name": p, "in": "path", "required": True, "schema": {"type": "string"},
                   "description": f"The {p.replace('_', ' ')}, as the lists give it."}
                  for p in endpoint.path_params]
    for name in endpoint.params:
        param = PARAMS[name]
        extra = (f" {'One' if param.kind == 'choice' else 'One or more'} of: "
                 f"{', '.join(param.choices)}." if param.choices else "")
        parameters.append({"name": name, "in": "query", "required": False,
                           "description": param.description + extra,
                           "schema": _param_schema(param)})
    item = {"$ref": f"#/components/schemas/{endpoint.schema}"}
    ok: dict = {"description": "OK", "content": {"application/json": {
        "schema": {"type": "array", "items": item} if endpoint.paged else item}}}
    if endpoint.paged:
        ok["headers"] = {name: {"description": text, "schema": {"type": "integer"}}
                         for name, text in (("X-Total-Count", "items matching the filters"),
                                            ("X-Result-Count", "items in this response"))}
    error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    responses = {"200": ok,
                 "400": {"description": "A query parameter that is unknown or not allowed; "
                                        "the message names it and what is allowed", **error},
                 "401": {"description": "No token, or a token that is unknown or revoked",
                         **error},
                 "403": {"description": f"The token's role may not read this (roles: {roles})",
                         **error}}
    if endpoint.path_params:
        responses["404"] = {"description": "No such resource in the current snapshot", **error}
    audit = " Every call is recorded in the audit log (it returns customer ids)." if (
        endpoint.customer_ids) else ""
    return {"operationId": endpoint.name, "summary": endpoint.summary,
            "description": f"Roles: {roles}.{audit} Never returns contact details.",
            "parameters": parameters, "responses": responses}


def openapi() -> dict:
    """The OpenAPI 3.1 document of every endpoint, parameter, response and the auth scheme."""
    paths: dict[str, dict] = {}
    for endpoint in ENDPOINTS:
        paths.setdefault(endpoint.openapi_path, {})["get"] = _operation(endpoint)
    for path, summary in ((SPEC_PATH, "This document"), (DOCS_PATH, "This document as HTML")):
        paths[path] = {"get": {"operationId": path.rsplit("/", 1)[1].replace(".", "_"),
                               "summary": summary, "security": [],
                               "responses": {"200": {"description": "OK"}}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "cxbridge API", "version": "1.0.0",
                 "description": "Service problems (TMF656), alarms (TMF642), service levels "
                 "(TMF657) and the shared KPIs, read from the dashboard's published snapshot. "
                 "Issue a token with `cxbridge api token add NAME --role ROLE`; send it as "
                 "`Authorization: Bearer <token>`. Lists take offset and limit and say the "
                 "total in X-Total-Count."},
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearerAuth": {
                "type": "http", "scheme": "bearer",
                "description": "A token from `cxbridge api token add NAME --role ROLE` (roles: "
                               f"{', '.join(ROLES)}); the role decides what it reads"}},
            "schemas": {"Error": _ERROR, **_SCHEMAS},
        },
    }


def docs_html(spec: dict) -> str:
    """A plain HTML page listing the document's operations (no scripts: the CSP allows none
    from elsewhere, and none are needed)."""
    rows = []
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            params = "".join(
                f"<li><code>{html.escape(p['name'])}</code> ({p['in']}): "
                f"{html.escape(p.get('description', ''))}</li>" for p in op.get("parameters", []))
            rows.append(f"<section class=\"mb-4\"><h2 class=\"h6\"><code>{method.upper()} "
                        f"{html.escape(path)}</code></h2>"
                        f"<p>{html.escape(op['summary'])}. "
                        f"{html.escape(op.get('description', ''))}</p>"
                        f"{'<ul>' + params + '</ul>' if params else ''}</section>")
    info = spec["info"]
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(info['title'])}</title>"
            "<link rel=\"stylesheet\" href=\"/assets/00-bootstrap-5.3.8.min.css\"></head>"
            "<body><main class=\"container my-4\">"
            f"<h1>{html.escape(info['title'])} {html.escape(info['version'])}</h1>"
            f"<p>{html.escape(info['description'])}</p>"
            f"<p>Machine-readable: <a href=\"{SPEC_PATH}\">{SPEC_PATH}</a></p>"
            + "".join(rows) + "</main></body></html>")
