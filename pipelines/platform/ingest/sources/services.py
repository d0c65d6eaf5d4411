"""Services: TMF638 Service objects as JSON lines (v4 and v5 shapes).

Each line is a CFS or RFS. A CFS names its customer in ``relatedParty`` and its RFS in
``supportingService`` (inline values or references); an RFS names its resources in
``supportingResource``. Three tables come out: the services, the CFS → RFS links and the
RFS → resource bindings."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pandera.polars as pa
import polars as pl

from cxbridge.platform.ingest.base import (
    LINE,
    MAX_NESTING,
    Fields,
    Parsed,
    RecordShapeError,
    Reference,
    Source,
    Table,
    cast_or_reject,
    read_json_lines,
)
from cxbridge.platform.ingest.sources.customers import CUSTOMER_REFERENCE

STATES = ["feasibilityChecked", "designed", "reserved", "inactive", "active", "terminated",
          "suspended"]
SERVICE_COLUMNS = ("service_id", "name", "category", "service_type", "spec_id", "state",
                   "start_date", "end_date", "customer_id", "characteristics")


class ServiceContract(pa.DataFrameModel):
    """One row per service instance (CFS or RFS)."""

    service_id: str = pa.Field(nullable=False, str_length={"min_value": 1})
    name: str = pa.Field(nullable=True)
    category: str = pa.Field(isin=["CFS", "RFS"])
    service_type: str = pa.Field(nullable=True)
    spec_id: str = pa.Field(nullable=False)
    state: str = pa.Field(isin=STATES)
    start_date: datetime = pa.Field(nullable=True)
    end_date: datetime = pa.Field(nullable=True)
    customer_id: str = pa.Field(nullable=True)
    characteristics: str = pa.Field(nullable=True)


class ServiceLinkContract(pa.DataFrameModel):
    """One row per CFS → supporting RFS."""

    service_id: str = pa.Field(nullable=False)
    supporting_service_id: str = pa.Field(nullable=False)


class ServiceResourceContract(pa.DataFrameModel):
    """One row per RFS → supporting resource."""

    service_id: str = pa.Field(nullable=False)
    resource_id: str = pa.Field(nullable=False)
    resource_type: str = pa.Field(nullable=True)


def _customer_of(service: Fields) -> str | None:
    for party in service.objects("relatedParty"):
        if (party.text("role") or "").lower() != "customer":
            continue
        inner = party.obj("partyOrPartyRole")  # v5 wraps the reference; v4 does not
        return (inner or party).text("id")
    return None


# json.dumps(…, sort_keys=True), without building an encoder for every service
_characteristics_json = json.JSONEncoder(sort_keys=True).encode
_LINK_COLUMNS = (LINE, "service_id", "supporting_service_id")
_RESOURCE_COLUMNS = (LINE, "service_id", "resource_id", "resource_type")
_TABLES = {"services": (LINE, *SERVICE_COLUMNS), "links": _LINK_COLUMNS,
           "resources": _RESOURCE_COLUMNS}


def _rows(service: Fields, line: int, out: dict[str, list[tuple]], depth: int = 0) -> None:
    """Append the rows of the service (and of any inline supporting service, recursively) to
    ``out``'s three tables; a field of the wrong shape raises
    :class:`~cxbridge.platform.ingest.base.RecordShapeError`."""
    if depth > MAX_NESTING:
        raise RecordShapeError(f"{service.path}: inline supporting services nest more than "
                               f"{MAX_NESTING} deep")
    characteristics = {c.text("name") or "": c.get("value")
                       for c in service.objects("serviceCharacteristic")}
    text = service.text
    service_id, state, start, end = text("id"), text("state"), text("startDate"), text("endDate")
    out["services"].append((
        line, service_id, text("name"), text("category"), text("serviceType"),
        service.obj("serviceSpecification").text("id"), state, start, end,
        _customer_of(service),
        _characteristics_json(characteristics) if characteristics else None))
    for resource in service.objects("supportingResource"):
        out["resources"].append((line, service_id, resource.text("id"),
                                 resource.text("@referredType")))
    for supporting in service.objects("supportingService"):
        out["links"].append((line, service_id, supporting.text("id")))
        if "category" in supporting or "serviceSpecification" in supporting:  # inline value
            inline = {"state": state, "startDate": start, "endDate": end, **supporting.values}
            _rows(Fields(inline, supporting.path), line, out, depth + 1)


class _NotPlainError(Exception):
    """A record :func:`_plain_rows` does not read (a number as an id, a single object for a
    list, a field of the wrong shape): :func:`_rows` reads it and names what is wrong."""


def _texts(values: dict, *keys: str) -> list:
    found = [values.get(key) for key in keys]
    for value in found:
        if value is not None and type(value) is not str:
            raise _NotPlainError
    return found


def _dicts(values: dict, key: str) -> list[dict]:
    value = values.get(key)
    if value is None:
        return []
    if type(value) is not list or any(type(item) is not dict for item in value):
        raise _NotPlainError
    return value


def _dict(values: dict, key: str) -> dict:
    value = values.get(key)
    if value is None:
        return {}
    if type(value) is not dict:
        raise _NotPlainError
    return value


def _plain_rows(service: dict, line: int, out: dict[str, list[tuple]], depth: int = 0) -> None:
    """What :func:`_rows` appends, read straight from the decoded JSON for the usual record
    (text as strings, lists as lists of objects) without a :class:`Fields` per object; anything
    else raises :class:`_NotPlainError`. Both give the same rows (a test holds them to it)."""
    if depth > MAX_NESTING:
        raise _NotPlainError
    characteristics = {}
    for item in _dicts(service, "serviceCharacteristic"):
        name, = _texts(item, "name")
        characteristics[name or ""] = item.get("value")
    service_id, name, category, service_type, state, start, end = _texts(
        service, "id", "name", "category", "serviceType", "state", "startDate", "endDate")
    spec_id, = _texts(_dict(service, "serviceSpecification"), "id")
    customer = None
    for party in _dicts(service, "relatedParty"):
        role, = _texts(party, "role")
        if (role or "").lower() == "customer":
            customer, = _texts(_dict(party, "partyOrPartyRole") or party, "id")
            break
    out["services"].append((
        line, service_id, name, category, service_type, spec_id, state, start, end, customer,
        _characteristics_json(characteristics) if characteristics else None))
    for resource in _dicts(service, "supportingResource"):
        out["resources"].append((line, service_id, *_texts(resource, "id", "@referredType")))
    for supporting in _dicts(service, "supportingService"):
        out["links"].append((line, service_id, *_texts(supporting, "id")))
        if "category" in supporting or "serviceSpecification" in supporting:  # inline value
            inline = {"state": state, "startDate": start, "endDate": end, **supporting}
            _plain_rows(inline, line, out, depth + 1)


def parse(path: Path) -> dict[str, Parsed]:
    out: dict[str, list[tuple]] = {table: [] for table in _TABLES}

    def each(number: int, service: dict) -> None:
        found: dict[str, list[tuple]] = {table: [] for table in _TABLES}
        try:
            _plain_rows(service, number, found)
        except _NotPlainError:
            found = {table: [] for table in _TABLES}
            _rows(Fields(service), number, found)  # all of a record's rows, or none
        for table, rows in found.items():
            out[table].extend(rows)

    _, rejects = read_json_lines(path, "a TMF638 Service", each)
    service_schema = {LINE: pl.Int64, **dict.fromkeys(SERVICE_COLUMNS, pl.String)}
    services = Parsed(pl.DataFrame(out["services"], schema=service_schema, orient="row"),
                      rejects)
    services = cast_or_reject(services, {"start_date": pl.Datetime("us"),
                                         "end_date": pl.Datetime("us")})
    return {
        "stg.services": services,
        "stg.service_links": Parsed(pl.DataFrame(out["links"], schema={
            LINE: pl.Int64, "service_id": pl.String, "supporting_service_id": pl.String},
            orient="row")),
        "stg.service_resources": Parsed(pl.DataFrame(out["resources"], schema={
            LINE: pl.Int64, "service_id": pl.String, "resource_id": pl.String,
            "resource_type": pl.String}, orient="row")),
    }


SOURCE = Source(
    name="services",
    folder="services",
    patterns=("*.jsonl", "*.json"),
    tables=(Table("stg.services", ServiceContract, key=("service_id",),
                  references=(CUSTOMER_REFERENCE,), record_dates=("start_date", "end_date")),
            Table("stg.service_links", ServiceLinkContract,
                  key=("service_id", "supporting_service_id"),
                  references=(Reference("supporting_service_id", "stg.services", "service_id",
                                        "supporting service"),)),
            Table("stg.service_resources", ServiceResourceContract,
                  key=("service_id", "resource_id"),
                  references=(Reference("resource_id", "stg.resources", "resource_id",
                                        "resource"),))),
    parse=parse,
    python_parser=True,
    description="service inventory: TMF638 Service JSON lines (v4 and v5)",
)
