"""Every payload type the REST API returns, validated with ``jsonschema`` against the TM Forum
definitions (their ``$ref`` resolved inside each document):

* ServiceProblem and its affectedService items (ServiceRef): TMF656 v5, the ``components/
  schemas`` of the official OAS (``tmf656_v5_service_problem_schemas.json`` beside this file:
  ``../shared/standards/tmf/TMF656_ServiceProblemManagement_v5/`` carries examples only); the
  OAS ``discriminator`` of its ``oneOf`` choices (a PlaceRef is also a valid GeographicAddress)
  is applied as JSON Schema ``if``/``then`` on ``@type``;
* affectedCustomer items: TMF656 v5 ``EntityRef``;
* Alarm: TMF642 v4 ``Alarm`` in ``../shared``, with one deviation: ``id`` is a string (the v4
  swagger types it integer, unlike v5 and every ``*Ref``); ``place`` is never sent, as its
  ``RelatedPlaceRefOrValue`` is not in the file;
* ServiceLevelSpecification, ServiceLevelObjective: TMF657 v4 in ``../shared``, given the
  two definitions it references but does not carry, ``TimePeriod`` and
  ``ServiceLevelObjectiveRef``, as the TMF common model defines them;
* ServiceLevelConformance (cxbridge's: TMF657 v4 has no measurement resource): each of its
  ``relatedEntity`` against TMF657 ``RelatedEntity``, its ``period`` against ``TimePeriod``.

Tests that need ``../shared`` skip, saying so, when it is absent.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from jsonschema import Draft202012Validator

from cxbridge.dashboards.app import create_app
from tests.dashboards.api_world import bearer, published_home
from tests.dashboards.world import OPEN_FIBRE

HERE = Path(__file__).resolve().parent
TMF = HERE.parents[1].parent / "shared" / "standards" / "tmf"
TMF642 = TMF / "TMF642_AlarmManagement" / "TMF642_v4_Alarm_definitions.json"
TMF657 = TMF / "TMF657_ServiceQualityManagement" / "TMF657_v4_SLS_SLO_definitions.json"
TMF656 = HERE / "tmf656_v5_service_problem_schemas.json"
PROBLEMS = "/tmf-api/serviceProblemManagement/v5/serviceProblem"
QUALITY = "/tmf-api/serviceQualityManagement/v4"
# TMF common model definitions TMF657's file references but does not carry
TIME_PERIOD = {"type": "object", "properties": {
    "startDateTime": {"type": "string", "format": "date-time"},
    "endDateTime": {"type": "string", "format": "date-time"}}}
OBJECTIVE_REF = {"type": "object", "required": ["id"], "properties": {
    "id": {"type": "string"}, "href": {"type": "string"}, "name": {"type": "string"},
    "@referredType": {"type": "string"}}}


def _shared(path: Path) -> dict:
    if not path.is_file():
        pytest.skip(f"TM Forum definitions not found at {path} (../shared is absent)")
    return json.loads(path.read_text(encoding="utf-8"))


def with_discriminators(node: object) -> object:
    """The OAS ``discriminator`` of a ``oneOf`` as JSON Schema: the ``@type`` names the one
    schema the object must match (jsonschema does not read ``discriminator``)."""
    if isinstance(node, list):
        return [with_discriminators(n) for n in node]
    if not isinstance(node, dict):
        return node
    node = {k: with_discriminators(v) for k, v in node.items()}
    chooser = node.get("discriminator")
    if "oneOf" in node and chooser and chooser.get("mapping"):
        key, mapping = chooser["propertyName"], chooser["mapping"]
        del node["oneOf"]
        node["required"] = [*node.get("required", []), key]
        node["allOf"] = [*node.get("allOf", []), {"properties": {key: {"enum": list(mapping)}}},
                         *({"if": {"properties": {key: {"const": name}}},
                            "then": {"$ref": ref}} for name, ref in mapping.items())]
    return node


def validator(document: dict, pointer: str) -> Draft202012Validator:
    """A validator of ``pointer`` (``#/definitions/Alarm``) within ``document``."""
    schema = {**document, "$ref": pointer}
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def assert_valid(check: Draft202012Validator, payloads: list[dict], what: str) -> None:
    assert payloads, f"no {what} to validate"
    problems = [f"{p.get('id')}: {e.json_path}: {e.message[:160]}" for p in payloads
                for e in check.iter_errors(p)]
    assert not problems, f"{what} against the schema:\n" + "\n".join(problems)


@pytest.fixture(scope="module")
def api(tmp_path_factory, world) -> SimpleNamespace:
    home = published_home(tmp_path_factory.mktemp("api-schemas"), world)
    client = create_app(home.settings).server.test_client()

    def get(url: str) -> list[dict]:
        response = client.get(url, headers=bearer(home.tokens["operations"]))
        assert response.status_code == 200, (url, response.json)
        return response.json if isinstance(response.json, list) else [response.json]

    return SimpleNamespace(get=get)


def test_service_problems_validate_against_tmf656_v5(api):
    document = with_discriminators(json.loads(TMF656.read_text(encoding="utf-8")))
    problems = api.get(f"{PROBLEMS}?limit=1000") + api.get(f"{PROBLEMS}/{OPEN_FIBRE}")
    assert {p["category"] for p in problems} == {"network.originated", "network.detected"}
    assert any(p.get("affectedLocation") for p in problems)  # the oneOf is exercised
    assert_valid(validator(document, "#/components/schemas/ServiceProblem"), problems,
                 "ServiceProblem")
    services = api.get(f"{PROBLEMS}/{OPEN_FIBRE}/affectedService")
    assert_valid(validator(document, "#/components/schemas/ServiceRef"), services, "ServiceRef")
    customers = api.get(f"{PROBLEMS}/{OPEN_FIBRE}/affectedCustomer")
    assert_valid(validator(document, "#/components/schemas/EntityRef"), customers, "EntityRef")
    # the check can fail: a priority as text is refused
    broken = copy.deepcopy(problems[0]) | {"priority": "high"}
    assert list(validator(document, "#/components/schemas/ServiceProblem").iter_errors(broken))


def test_alarms_validate_against_tmf642_v4(api):
    document = copy.deepcopy(_shared(TMF642))
    alarm = document["definitions"]["Alarm"]
    assert alarm["properties"]["id"]["type"] == "integer"  # the one deviation, see above
    alarm["properties"]["id"] = {"type": "string"}
    alarms = api.get("/tmf-api/alarmManagement/v4/alarm?limit=1000")
    assert {a["state"] for a in alarms} == {"raised", "cleared"}
    assert any(a.get("parentAlarm") for a in alarms)
    check = validator(document, "#/definitions/Alarm")
    assert_valid(check, alarms, "Alarm")
    assert list(check.iter_errors(alarms[0] | {"serviceAffecting": "yes"}))


def test_service_levels_validate_against_tmf657_v4(api):
    document = copy.deepcopy(_shared(TMF657))
    assert "TimePeriod" not in document["definitions"]  # supplied here, see above
    document["definitions"] |= {"TimePeriod": TIME_PERIOD,
                                "ServiceLevelObjectiveRef": OBJECTIVE_REF}
    specs = api.get(f"{QUALITY}/serviceLevelSpecification")
    assert_valid(validator(document, "#/definitions/ServiceLevelSpecification"), specs,
                 "ServiceLevelSpecification")
    objectives = api.get(f"{QUALITY}/serviceLevelObjective")
    assert_valid(validator(document, "#/definitions/ServiceLevelObjective"), objectives,
                 "ServiceLevelObjective")
    measured = api.get(f"{QUALITY}/serviceLevelConformance")
    related = [entity for m in measured for entity in m["relatedEntity"]]
    assert_valid(validator(document, "#/definitions/RelatedEntity"), related, "RelatedEntity")
    assert_valid(validator(document, "#/definitions/TimePeriod"),
                 [m["period"] for m in measured], "TimePeriod")
    assert list(validator(document, "#/definitions/RelatedEntity").iter_errors(
        {"id": "x", "role": "service"}))  # @referredType is required
