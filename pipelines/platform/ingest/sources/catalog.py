"""Catalog: TMF633-like service specifications in YAML. A CFS spec names the RFS specs it
requires; an RFS spec names the resource type it runs on and its redundancy rule."""

from __future__ import annotations

import json
from pathlib import Path

import pandera.polars as pa
import polars as pl
import yaml

from cxbridge.platform.ingest.base import (
    LINE,
    REJECT_SCHEMA,
    Fields,
    Parsed,
    RecordShapeError,
    Source,
    Table,
    UnparseableFileError,
    cast_or_reject,
    printable,
    read_text,
)

CFS_TYPES = ["ftth", "iptv", "mobile_data", "mobile_voice", "enterprise_vpn"]


class SpecContract(pa.DataFrameModel):
    """One row per service specification."""

    spec_id: str = pa.Field(nullable=False)
    name: str = pa.Field(nullable=True)
    category: str = pa.Field(isin=["CFS", "RFS"])
    cfs_type: str = pa.Field(nullable=True, isin=CFS_TYPES)
    resource_type: str = pa.Field(nullable=True)
    redundancy_mode: str = pa.Field(isin=["none", "1+1", "n-of-m"])
    min_up: int = pa.Field(ge=1)


class SpecRelationshipContract(pa.DataFrameModel):
    """One row per CFS spec → RFS spec requirement."""

    cfs_spec_id: str = pa.Field(nullable=False)
    rfs_spec_id: str = pa.Field(nullable=False)


def _category(spec: Fields) -> str:
    kind = spec.text("@type") or ""
    if kind.startswith("CustomerFacing") or spec.text("category") == "CFS":
        return "CFS"
    if kind.startswith("ResourceFacing") or spec.text("category") == "RFS":
        return "RFS"
    return ""


def _spec_rows(spec: Fields, index: int) -> tuple[dict, list[dict]]:
    """One specification's row and its relationships' rows; a field of the wrong shape raises
    :class:`~cxbridge.platform.ingest.base.RecordShapeError`."""
    redundancy = spec.obj("redundancy")
    resources = spec.objects("resourceSpecification")
    row = {
        LINE: index, "spec_id": spec.text("id"), "name": spec.text("name"),
        "category": _category(spec), "cfs_type": spec.text("cfsType"),
        "resource_type": resources[0].text("resourceType") if resources else None,
        "redundancy_mode": redundancy.text("mode") or "none",
        "min_up": redundancy.text("minUp") or "1",
    }
    relationships = [{LINE: index, "cfs_spec_id": row["spec_id"], "rfs_spec_id": rel.text("id")}
                     for rel in spec.objects("serviceSpecRelationship")]
    return row, relationships


def parse(path: Path) -> dict[str, Parsed]:
    try:
        document = yaml.safe_load(read_text(path))
    except yaml.YAMLError as exc:
        raise UnparseableFileError(f"{path} is not valid YAML: {printable(str(exc))}") from exc
    except (RecursionError, ValueError) as exc:  # nested too deep, a number too long
        raise UnparseableFileError(f"{path} cannot be read as YAML: "
                                   f"{printable(str(exc) or type(exc).__name__)}") from None
    specs = (document or {}).get("serviceSpecification") if isinstance(document, dict) else None
    if not isinstance(specs, list):
        raise UnparseableFileError(
            f"{path}: expected a top-level 'serviceSpecification' list (TMF633 style)")
    spec_rows, rel_rows, rejects = [], [], []
    for index, spec in enumerate(specs, start=1):  # a spec's number stands in for its line
        try:
            if not isinstance(spec, dict):
                raise RecordShapeError.of(f"serviceSpecification[{index}]", spec, "an object")
            row, relationships = _spec_rows(Fields(spec), index)
        except RecordShapeError as exc:
            rejects.append((index, exc.reason, printable(json.dumps(spec, default=str), 2000)))
            continue
        spec_rows.append(row)
        rel_rows.extend(relationships)
    spec_schema = {LINE: pl.Int64, "spec_id": pl.String, "name": pl.String,
                   "category": pl.String, "cfs_type": pl.String, "resource_type": pl.String,
                   "redundancy_mode": pl.String, "min_up": pl.String}
    rel_schema = {LINE: pl.Int64, "cfs_spec_id": pl.String, "rfs_spec_id": pl.String}
    specs_parsed = Parsed(pl.DataFrame(spec_rows, schema=spec_schema),
                          pl.DataFrame(rejects, schema=REJECT_SCHEMA, orient="row"))
    return {
        "stg.catalog_specs": cast_or_reject(specs_parsed, {"min_up": pl.Int64},
                                            labels={"min_up": "whole number (redundancy.minUp)"}),
        "stg.catalog_relationships": Parsed(pl.DataFrame(rel_rows, schema=rel_schema)),
    }


SOURCE = Source(
    name="catalog",
    folder="catalog",
    patterns=("*.yaml", "*.yml"),
    tables=(Table("stg.catalog_specs", SpecContract, key=("spec_id",)),
            Table("stg.catalog_relationships", SpecRelationshipContract,
                  key=("cfs_spec_id", "rfs_spec_id"))),
    parse=parse,
    description="service catalog: CFS → RFS specifications with redundancy (YAML, TMF633-like)",
)
