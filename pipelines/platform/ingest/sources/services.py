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
    Parsed,
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


def _customer_of(service: dict) -> str | None:
    for party in service.get("relatedParty") or []:
        if not isinstance(party, dict) or str(party.get("role", "")).lower() != "customer":
            continue
        inner = party.get("partyOrPartyRole")  # v5 wraps the reference; v4 does not
        return (inner or party).get("id")
    return None


_LINK_COLUMNS = (LINE, "service_id", "supporting_service_id")
_RESOURCE_COLUMNS = (LINE, "service_id", "resource_id", "resource_type")


def _flatten(service: dict, line: int, out: dict[str, dict[str, list]]) -> None:
    """Append the service (and any inline supporting service, recursively) to the columns of
    the three tables."""
    characteristics = {c.get("name"): c.get("value")
                       for c in service.get("serviceCharacteristic") or [] if isinstance(c, dict)}
    get = service.get
    service_id, state, start, end = get("id"), get("state"), get("startDate"), get("endDate")
    for column, value in zip((LINE, *SERVICE_COLUMNS), (
            line, service_id, get("name"), get("category"), get("serviceType"),
            (get("serviceSpecification") or {}).get("id"), state, start, end,
            _customer_of(service),
            json.dumps(characteristics, sort_keys=True) if characteristics else None),
            strict=True):
        out["services"][column].append(value)
    resources = out["resources"]
    for resource in get("supportingResource") or []:
        resources[LINE].append(line)
        resources["service_id"].append(service_id)
        resources["resource_id"].append((resource or {}).get("id"))
        resources["resource_type"].append((resource or {}).get("@referredType"))
    links = out["links"]
    for supporting in get("supportingService") or []:
        if not isinstance(supporting, dict):
            continue
        links[LINE].append(line)
        links["service_id"].append(service_id)
        links["supporting_service_id"].append(supporting.get("id"))
        if "category" in supporting or "serviceSpecification" in supporting:  # inline value
            _flatten({"state": state, "startDate": start, "endDate": end, **supporting},
                     line, out)


def parse(path: Path) -> dict[str, Parsed]:
    out = {"services": {c: [] for c in (LINE, *SERVICE_COLUMNS)},
           "links": {c: [] for c in _LINK_COLUMNS},
           "resources": {c: [] for c in _RESOURCE_COLUMNS}}
    _, rejects = read_json_lines(path, "a TMF638 Service",
                                 lambda number, service: _flatten(service, number, out))
    service_schema = {LINE: pl.Int64, **dict.fromkeys(SERVICE_COLUMNS, pl.String)}
    services = Parsed(pl.DataFrame(out["services"], schema=service_schema), rejects)
    services = cast_or_reject(services, {"start_date": pl.Datetime("us"),
                                         "end_date": pl.Datetime("us")})
    return {
        "stg.services": services,
        "stg.service_links": Parsed(pl.DataFrame(out["links"], schema={
            LINE: pl.Int64, "service_id": pl.String, "supporting_service_id": pl.String})),
        "stg.service_resources": Parsed(pl.DataFrame(out["resources"], schema={
            LINE: pl.Int64, "service_id": pl.String, "resource_id": pl.String,
            "resource_type": pl.String})),
    }


SOURCE = Source(
    name="services",
    folder="services",
    patterns=("*.jsonl", "*.json"),
    tables=(Table("stg.services", ServiceContract, key=("service_id",),
                  references=(CUSTOMER_REFERENCE,)),
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
