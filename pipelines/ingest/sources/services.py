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

from pipelines.ingest.base import (
    LINE,
    Parsed,
    Reference,
    Source,
    Table,
    cast_or_reject,
    read_json_lines,
    utc_timestamp,
)
from pipelines.ingest.sources.customers import CUSTOMER_REFERENCE

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


def _flatten(service: dict, line: int, out: dict[str, list]) -> None:
    characteristics = {c.get("name"): c.get("value")
                       for c in service.get("serviceCharacteristic") or [] if isinstance(c, dict)}
    out["services"].append({
        LINE: line, "service_id": service.get("id"), "name": service.get("name"),
        "category": service.get("category"), "service_type": service.get("serviceType"),
        "spec_id": (service.get("serviceSpecification") or {}).get("id"),
        "state": service.get("state"), "start_date": service.get("startDate"),
        "end_date": service.get("endDate"), "customer_id": _customer_of(service),
        "characteristics": json.dumps(characteristics, sort_keys=True) if characteristics
        else None,
    })
    for resource in service.get("supportingResource") or []:
        out["resources"].append({LINE: line, "service_id": service.get("id"),
                                 "resource_id": (resource or {}).get("id"),
                                 "resource_type": (resource or {}).get("@referredType")})
    for supporting in service.get("supportingService") or []:
        if not isinstance(supporting, dict):
            continue
        out["links"].append({LINE: line, "service_id": service.get("id"),
                             "supporting_service_id": supporting.get("id")})
        if "category" in supporting or "serviceSpecification" in supporting:  # inline value
            inline = {"state": service.get("state"), "startDate": service.get("startDate"),
                      "endDate": service.get("endDate"), **supporting}
            _flatten(inline, line, out)


def parse(path: Path) -> dict[str, Parsed]:
    out: dict[str, list] = {"services": [], "links": [], "resources": []}
    services, rejects = read_json_lines(path, "a TMF638 Service")
    for number, service in services:
        _flatten(service, number, out)
    service_schema = {LINE: pl.Int64, **dict.fromkeys(SERVICE_COLUMNS, pl.String)}
    services = Parsed(pl.DataFrame(out["services"], schema=service_schema), rejects)
    services = cast_or_reject(services, {"start_date": pl.Datetime, "end_date": pl.Datetime},
                              {"start_date": utc_timestamp("start_date"),
                               "end_date": utc_timestamp("end_date")})
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
    description="service inventory: TMF638 Service JSON lines (v4 and v5)",
)
