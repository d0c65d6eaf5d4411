"""The REST API other OSS/BSS systems call, on the dashboard's own server: TMF656 service
problems, TMF642 alarms, TMF657 service levels and the metric registry, read from the
published snapshot through the dashboard's reader (:mod:`cxbridge.dashboards.api_reader`).
What exists, who may call it and with which parameters is declared in
:mod:`cxbridge.dashboards.api_spec`, which also serves it as OpenAPI 3.1
(``/tmf-api/openapi.json``) and as a page (``/tmf-api/docs``).

* **Tokens, not sessions.** Every call but the two documents needs ``Authorization: Bearer
  <token>`` (:mod:`cxbridge.dashboards.api_auth`): none, unknown or revoked → 401; a role the
  endpoint is not for → 403 saying which roles it is for. API paths are answered before the
  dashboard's log-in (a session cookie means nothing here), after its Host allow-list and
  size limit (:mod:`cxbridge.dashboards.security`, installed first); the callback checks only
  look at Dash's own callback path, so they never see an API GET.
* **TMF conventions.** JSON bodies; lists take ``offset`` and ``limit`` and answer the total in
  ``X-Total-Count`` and the items sent in ``X-Result-Count``; ``fields`` picks attributes; an
  unknown id is 404 and a bad or unknown parameter 400, each with a TMF error body
  ``{"code", "reason", "message", "status"}`` whose message says what is allowed.
* **Personal data.** No payload carries a name, e-mail or phone, for any role. A call that
  returns customer ids (a problem's customers, SLA conformance) is recorded in the audit log
  (``api_read``: which token, role, client, endpoint and how many rows).
"""

from __future__ import annotations

import json
from pathlib import Path

import flask
import polars as pl
from werkzeug.exceptions import MethodNotAllowed

from cxbridge.dashboards import api_reader
from cxbridge.dashboards.api_auth import ApiClient, ApiTokens
from cxbridge.dashboards.api_params import ApiError, naive_utc, parse_query, selection
from cxbridge.dashboards.api_spec import (
    BY_NAME,
    DEFAULT_LIMIT,
    DOCS_PATH,
    PREFIXES,
    SPEC_PATH,
    Endpoint,
    docs_html,
    openapi,
)
from cxbridge.dashboards.context import current_reader
from cxbridge.dashboards.filters import Filters
from cxbridge.dashboards.workflow_view import current_store
from cxbridge.models.incidents import tmf642, tmf657
from cxbridge.platform import audit
from cxbridge.platform.metrics import METRICS, Metric, metric, status_word
from cxbridge.platform.snapshot_reading import MissingTableError
from cxbridge.platform.warehouse import WarehouseError

blueprint = flask.Blueprint("cxbridge_api", __name__)
_TOKENS = "cxbridge.api_tokens"
_AUDIT = "cxbridge.api_audit_file"
_CLIENT = "cxbridge_api_client"


def attach_api(server: flask.Flask, tokens_file: Path, audit_file: Path) -> None:
    """Serve the API on ``server``: tokens from ``tokens_file``, customer-id reads recorded in
    ``audit_file``. Call it before the log-in is installed, so API paths are answered first."""
    server.extensions[_TOKENS] = ApiTokens(tokens_file)
    server.extensions[_AUDIT] = audit_file
    server.register_blueprint(blueprint)
    server.before_request(_answer)
    server.register_error_handler(ApiError, _error)


def _error(error: ApiError) -> flask.Response:
    body = {"code": str(error.status), "reason": error.reason, "message": error.message,
            "status": str(error.status)}
    return _json(body, error.status)


def _json(body: object, status: int = 200, headers: dict | None = None) -> flask.Response:
    return flask.Response(json.dumps(body, ensure_ascii=False, default=str), status=status,
                          mimetype="application/json", headers=headers)


def _answer() -> flask.Response | None:
    """Before anything else but the Host and size checks: answer an API path whole (the
    dashboard's log-in never sees it)."""
    request = flask.request
    if not request.path.startswith(PREFIXES):
        return None
    rule = request.url_rule
    if rule is None or not rule.endpoint.startswith(f"{blueprint.name}."):
        if isinstance(request.routing_exception, MethodNotAllowed):
            raise ApiError(405, "Method not allowed", "the API is read only: use GET")
        raise ApiError(404, "Not found", f"no endpoint {request.path}; see {DOCS_PATH}")
    endpoint = BY_NAME.get(rule.endpoint.partition(".")[2])
    if endpoint is not None:
        setattr(flask.g, _CLIENT, _client_for(endpoint))
    try:
        return flask.current_app.make_response(flask.current_app.dispatch_request())
    except WarehouseError as exc:
        raise ApiError(503, "No snapshot", str(exc)) from None
    except MissingTableError as exc:
        raise ApiError(404, "Not in this snapshot", f"{exc}: the feeds loaded do not build "
                       "it (see the dashboard's feed notices)") from None


def _client_for(endpoint: Endpoint) -> ApiClient:
    header = flask.request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "Unauthorized", "send a token as 'Authorization: Bearer <token>' "
                       "(issue one with `cxbridge api token add NAME --role ROLE`)")
    client = flask.current_app.extensions[_TOKENS].client_for(token.strip())
    if client is None:
        raise ApiError(401, "Unauthorized", "this token is unknown or was revoked")
    if client.role not in endpoint.roles:
        raise ApiError(403, "Forbidden", f"the role {client.role!r} (token {client.name!r}) may "
                       f"not read this; it is for: {', '.join(sorted(endpoint.roles))}")
    return client


def _audit_customers(rows: int, **about: object) -> None:
    client: ApiClient = getattr(flask.g, _CLIENT)
    audit.record(flask.current_app.extensions[_AUDIT], "api_read", user=client.name,
                 role=client.role, client=flask.request.remote_addr,
                 endpoint=flask.request.url_rule.endpoint.partition(".")[2],
                 query=flask.request.query_string.decode(), rows=rows, via="api", **about)


def _params(endpoint_name: str) -> dict[str, object]:
    """The request's query, checked against the endpoint's parameters."""
    return parse_query(BY_NAME[endpoint_name], flask.request.args.to_dict(flat=False))


def _selection(params: dict) -> Filters:
    return selection(params, current_reader().filter_options())


# -- responses -----------------------------------------------------------------------------


def _pick(item: dict, fields: list[str] | None) -> dict:
    """``item`` with only ``fields`` and what identifies it (id or, for a metric, name)."""
    if not fields:
        return item
    keep = {"id" if "id" in item else "name", "href", "@type", *fields}
    return {k: v for k, v in item.items() if k in keep}


def _listed(items: list[dict], total: int, params: dict) -> flask.Response:
    fields = params.get("fields")
    return _json([_pick(i, fields) for i in items], headers={
        "X-Total-Count": str(total), "X-Result-Count": str(len(items))})


def _window(params: dict) -> tuple[int, int]:
    return int(params.get("offset", 0)), int(params.get("limit", DEFAULT_LIMIT))


def _one(item: dict | None, what: str, key: str, params: dict) -> flask.Response:
    if item is None:
        raise ApiError(404, "Not found", f"no {what} {key!r} in the current snapshot")
    return _json(_pick(item, params.get("fields")))


def _require(*tables: str) -> None:
    missing = current_reader().missing(*tables)
    if missing:
        raise MissingTableError(missing[0])


# -- TMF656 service problems ---------------------------------------------------------------


@blueprint.get(BY_NAME["list_problems"].path)
def list_problems() -> flask.Response:
    params = _params("list_problems")
    _require(*api_reader.PROBLEM_TABLES)
    reader = current_reader()
    order = api_reader.problem_order(reader, params.get("status", ()),
                                     params.get("priority", ()), params.get("category", ()),
                                     str(params.get("sort", "impact")))
    offset, limit = _window(params)
    ids = api_reader.page(order, offset, limit)["incident_id"].to_list()
    return _listed(api_reader.problems(reader, ids), order.height, params)


@blueprint.get(BY_NAME["get_problem"].path)
def get_problem(problem_id: str) -> flask.Response:
    params = _params("get_problem")
    _require(*api_reader.PROBLEM_TABLES)
    return _one(api_reader.problem(current_reader(), problem_id), "service problem",
                problem_id, params)


def _known_problem(problem_id: str) -> None:
    order = current_reader().sql("api_problem_order")
    if order.filter(pl.col("incident_id") == problem_id).is_empty():
        raise ApiError(404, "Not found", f"no service problem {problem_id!r} in the current "
                       "snapshot")


@blueprint.get(BY_NAME["list_affected_services"].path)
def list_affected_services(problem_id: str) -> flask.Response:
    params = _params("list_affected_services")
    _require(*api_reader.PROBLEM_TABLES, *api_reader.SERVICE_TABLES)
    _known_problem(problem_id)
    frame = api_reader.problem_services(current_reader(), problem_id)
    offset, limit = _window(params)
    rows = api_reader.page(frame, offset, limit).iter_rows(named=True)
    return _listed([api_reader.service_ref(r) for r in rows], frame.height, params)


@blueprint.get(BY_NAME["list_affected_customers"].path)
def list_affected_customers(problem_id: str) -> flask.Response:
    params = _params("list_affected_customers")
    _require(*api_reader.PROBLEM_TABLES, *api_reader.CUSTOMER_TABLES)
    _known_problem(problem_id)
    frame = api_reader.problem_customers(current_reader(), problem_id)
    offset, limit = _window(params)
    rows = api_reader.page(frame, offset, limit).iter_rows(named=True)
    items = [api_reader.customer_ref(r, offset + n + 1) for n, r in enumerate(rows)]
    _audit_customers(len(items), incident_id=problem_id)
    return _listed(items, frame.height, params)


# -- TMF642 alarms -------------------------------------------------------------------------


def _acknowledged(incident_ids: list[str]) -> dict[str, dict]:
    """Incident id → its acknowledgement in the workflow store, for those acknowledged."""
    store = current_store()
    states = store.states(sorted({i for i in incident_ids if i})) if store else {}
    return {i: {"acknowledged_at": s.acknowledged_at, "acknowledged_by": s.acknowledged_by}
            for i, s in states.items() if s.acknowledged_at}


@blueprint.get(BY_NAME["list_alarms"].path)
def list_alarms() -> flask.Response:
    params = _params("list_alarms")
    _require(*api_reader.ALARM_TABLES)
    every = api_reader.alarms(current_reader())
    offset, limit = _window(params)
    asks_ack = "ackState" in params
    acks = _acknowledged(every["incident_id"].to_list()) if asks_ack else {}
    frame = api_reader.filter_alarms(
        every, set(acks), params.get("perceivedSeverity", []), params.get("state", []),
        params.get("ackState", []), params.get("alarmedObject.id", []),
        naive_utc(params.get("alarmRaisedTime.gte")),
        naive_utc(params.get("alarmRaisedTime.lt")))
    rows = api_reader.page(frame, offset, limit).to_dicts()
    if not asks_ack:
        acks = _acknowledged([r["incident_id"] for r in rows])
    return _listed([tmf642.alarm(r, acks.get(r["incident_id"])) for r in rows], frame.height,
                   params)


@blueprint.get(BY_NAME["get_alarm"].path)
def get_alarm(alarm_id: str) -> flask.Response:
    params = _params("get_alarm")
    _require(*api_reader.ALARM_TABLES)
    rows = api_reader.alarms(current_reader()).filter(pl.col("episode_id") == alarm_id).to_dicts()
    acks = _acknowledged([r["incident_id"] for r in rows])
    found = tmf642.alarm(rows[0], acks.get(rows[0]["incident_id"])) if rows else None
    return _one(found, "alarm", alarm_id, params)


# -- TMF657 service levels -----------------------------------------------------------------


def _tiers() -> list[dict]:
    _require(*api_reader.SLA_TABLES)
    return api_reader.sla_tiers(current_reader()).to_dicts()


def _sla_items(build) -> list[dict]:
    """The TMF657 resources ``build`` (tmf657.specification or tmf657.objective) makes of the
    snapshot's SLA tiers."""
    first = current_reader().snapshot_info().first_date
    return [build(t, first) for t in _tiers()]


@blueprint.get(BY_NAME["list_specifications"].path)
def list_specifications() -> flask.Response:
    params = _params("list_specifications")
    items = _sla_items(tmf657.specification)
    offset, limit = _window(params)
    return _listed(items[offset:offset + limit], len(items), params)


@blueprint.get(BY_NAME["get_specification"].path)
def get_specification(spec_id: str) -> flask.Response:
    params = _params("get_specification")
    return _one(next((s for s in _sla_items(tmf657.specification) if s["id"] == spec_id), None),
                "service level specification", spec_id, params)


@blueprint.get(BY_NAME["list_objectives"].path)
def list_objectives() -> flask.Response:
    params = _params("list_objectives")
    items = _sla_items(tmf657.objective)
    offset, limit = _window(params)
    return _listed(items[offset:offset + limit], len(items), params)


@blueprint.get(BY_NAME["get_objective"].path)
def get_objective(objective_id: str) -> flask.Response:
    params = _params("get_objective")
    return _one(next((o for o in _sla_items(tmf657.objective) if o["id"] == objective_id),
                     None), "service level objective", objective_id, params)


@blueprint.get(BY_NAME["list_conformance"].path)
def list_conformance() -> flask.Response:
    params = _params("list_conformance")
    _require(*api_reader.SLA_TABLES)
    if "service" in params:
        raise ApiError(400, "Bad parameter", "SLA conformance is per service: filter with "
                       "'service.id' or 'tier'")
    selection = _selection(params)
    frame = api_reader.sla_conformance(current_reader(), selection)
    frame = api_reader.filter_conformance(frame, params.get("tier", []),
                                          params.get("service.id", []),
                                          params.get("conformance", []))
    offset, limit = _window(params)
    rows = api_reader.page(frame, offset, limit).iter_rows(named=True)
    items = [tmf657.conformance(r, selection.start, selection.end) for r in rows]
    _audit_customers(len(items))
    return _listed(items, frame.height, params)


# -- the metric registry -------------------------------------------------------------------


def _definition(m: Metric) -> dict:
    return {"name": m.name, "href": f"{BY_NAME['list_metrics'].path}/{m.name}",
            "label": m.label, "unit": m.unit, "direction": m.direction, "target": m.target,
            "poorThreshold": m.poor_threshold, "formula": m.formula_text,
            "formulaSql": m.formula_sql, "grain": m.grain, "source": m.source,
            "dimensions": list(m.dimensions), "owner": m.owner,
            "forMarketing": m.for_marketing, "forNetwork": m.for_network}


@blueprint.get(BY_NAME["list_metrics"].path)
def list_metrics() -> flask.Response:
    params = _params("list_metrics")
    offset, limit = _window(params)
    return _listed([_definition(m) for m in METRICS[offset:offset + limit]], len(METRICS),
                   params)


@blueprint.get(BY_NAME["get_metric"].path)
def get_metric(metric_name: str) -> flask.Response:
    params = _params("get_metric")
    try:
        m = metric(metric_name)
    except KeyError:
        raise ApiError(404, "Not found", f"no metric {metric_name!r}; see "
                       f"{BY_NAME['list_metrics'].path}") from None
    selection = _selection(params)
    readings = current_reader().kpi_readings([m.name], selection)
    ready = m.name in readings.ready
    value, series = readings.summary.get(m.name, (None, pl.DataFrame()))
    previous = readings.previous.get(m.name)
    change = m.change(value, previous) if ready else None
    dims = {"region": "regions", "segment": "segments", "service": "cfs_types"}
    names = {"region": "region", "segment": "segment", "service": "cfs_type"}
    return _json(_pick({
        **_definition(m), "available": ready,
        "period": {"from": selection.start.isoformat(), "to": selection.end.isoformat()},
        "filters": {k: list(getattr(selection, f)) for k, f in dims.items()},
        "ignoredFilters": [k for k, f in dims.items()
                           if getattr(selection, f) and names[k] not in m.dimensions],
        "value": value, "status": m.status(value), "statusText": status_word(m.status(value)),
        "previous": None if readings.earlier is None or not ready else {
            "from": readings.earlier.start.isoformat(), "to": readings.earlier.end.isoformat(),
            "value": previous},
        "change": None if change is None else {"delta": change.delta,
                                               "relative": change.relative,
                                               "sense": change.sense},
        "series": [{"date": d.isoformat(), "value": v}
                   for d, v in series.iter_rows()] if ready else [],
    }, params.get("fields")))


# -- the documents -------------------------------------------------------------------------


@blueprint.get(SPEC_PATH)
def openapi_json() -> flask.Response:
    return _json(openapi())


@blueprint.get(DOCS_PATH)
def docs() -> flask.Response:
    return flask.Response(docs_html(openapi()), mimetype="text/html")
