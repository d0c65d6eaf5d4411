"""Catalog: TMF633-like service specifications in YAML. A CFS spec names the RFS specs it
requires; an RFS spec names the resource type it runs on and its redundancy rule."""

from __future__ import annotations

from pathlib import Path

import pandera.polars as pa
import polars as pl
import yaml

from cxbridge.platform.ingest.base import (
    LINE,
    Parsed,
    Source,
    Table,
    UnparseableFileError,
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


def _category(spec: dict) -> str:
    kind = str(spec.get("@type", ""))
    if kind.startswith("CustomerFacing") or spec.get("category") == "CFS":
        return "CFS"
    if kind.startswith("ResourceFacing") or spec.get("category") == "RFS":
        return "RFS"
    return ""


def parse(path: Path) -> dict[str, Parsed]:
    try:
        document = yaml.safe_load(read_text(path))
    except yaml.YAMLError as exc:
        raise UnparseableFileError(f"{path} is not valid YAML: {exc}") from exc
    specs = (document or {}).get("serviceSpecification") if isinstance(document, dict) else None
    if not isinstance(specs, list):
        raise UnparseableFileError(
            f"{path}: expected a top-level 'serviceSpecification' list (TMF633 style)")
    spec_rows, rel_rows = [], []
    for index, spec in enumerate(specs, start=1):
        spec = spec if isinstance(spec, dict) else {}
        redundancy = spec.get("redundancy") or {}
        resources = spec.get("resourceSpecification") or [{}]
        spec_rows.append({
            LINE: index, "spec_id": spec.get("id"), "name": spec.get("name"),
            "category": _category(spec), "cfs_type": spec.get("cfsType"),
            "resource_type": (resources[0] or {}).get("resourceType"),
            "redundancy_mode": redundancy.get("mode", "none"),
            "min_up": int(redundancy.get("minUp", 1)),
        })
        for rel in spec.get("serviceSpecRelationship") or []:
            rel_rows.append({LINE: index, "cfs_spec_id": spec.get("id"),
                             "rfs_spec_id": (rel or {}).get("id")})
    spec_schema = {LINE: pl.Int64, "spec_id": pl.String, "name": pl.String,
                   "category": pl.String, "cfs_type": pl.String, "resource_type": pl.String,
                   "redundancy_mode": pl.String, "min_up": pl.Int64}
    rel_schema = {LINE: pl.Int64, "cfs_spec_id": pl.String, "rfs_spec_id": pl.String}
    return {
        "stg.catalog_specs": Parsed(pl.DataFrame(spec_rows, schema=spec_schema)),
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
