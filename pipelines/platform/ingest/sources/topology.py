"""Topology: the resource inventory (``resources.csv``) and its dependency edges
(``resource_links.csv``, child → parent, with protection groups for redundant parents).
A resource's vendor is free text (optional): any vendor a PM mapping declares."""

from __future__ import annotations

from pathlib import Path

import pandera.polars as pa
import polars as pl

from cxbridge.platform.ingest.base import Parsed, Reference, Source, Table, cast_or_reject
from cxbridge.platform.ingest.delimited import read_csv_strings

RESOURCE_TYPES = ["core_router", "agg_router", "transport_link", "bng", "dns_resolver",
                  "ims_core", "iptv_headend", "olt", "pon_port", "site", "cell"]


class ResourceContract(pa.DataFrameModel):
    """One row per network resource."""

    resource_id: str = pa.Field(nullable=False, str_length={"min_value": 1})
    resource_type: str = pa.Field(isin=RESOURCE_TYPES)
    name: str = pa.Field(nullable=True)
    region: str = pa.Field(nullable=False)
    vendor: str = pa.Field(nullable=True)  # free text: whose system reports the resource
    site_id: str = pa.Field(nullable=True)
    capacity_mbps: float = pa.Field(nullable=True, ge=0)
    latitude: float = pa.Field(nullable=True, ge=-90, le=90)
    longitude: float = pa.Field(nullable=True, ge=-180, le=180)


class ResourceLinkContract(pa.DataFrameModel):
    """One row per dependency edge: ``resource_id`` needs ``depends_on_id``."""

    resource_id: str = pa.Field(nullable=False)
    depends_on_id: str = pa.Field(nullable=False)
    protection_group: str = pa.Field(nullable=True)


def parse(path: Path) -> dict[str, Parsed]:
    if path.name.startswith("resource_links"):
        raw = read_csv_strings(path, ("resource_id", "depends_on_id"))
        raw = Parsed(raw.frame.with_columns(
            pl.col("protection_group").replace("", None) if "protection_group" in raw.frame.columns
            else pl.lit(None, pl.String).alias("protection_group")), raw.rejects)
        return {"stg.resource_links": raw}
    raw = read_csv_strings(path, ("resource_id", "resource_type", "region"))
    typed = cast_or_reject(raw, {"capacity_mbps": pl.Float64, "latitude": pl.Float64,
                                 "longitude": pl.Float64})
    frame = typed.frame
    optional = {"name": pl.String, "vendor": pl.String, "site_id": pl.String,
                "capacity_mbps": pl.Float64, "latitude": pl.Float64, "longitude": pl.Float64}
    for column, dtype in optional.items():
        if column not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype).alias(column))
    return {"stg.resources": Parsed(frame, typed.rejects)}


SOURCE = Source(
    name="topology",
    folder="topology",
    patterns=("resources*.csv", "resource_links*.csv"),
    tables=(Table("stg.resources", ResourceContract, key=("resource_id",)),
            Table("stg.resource_links", ResourceLinkContract,
                  key=("resource_id", "depends_on_id"),
                  references=(Reference("resource_id", "stg.resources", "resource_id", "resource"),
                              Reference("depends_on_id", "stg.resources", "resource_id",
                                        "parent resource")))),
    parse=parse,
    description="network resources and their dependency edges (CSV)",
)
