"""Care tickets: TMF621-like trouble tickets, CSV (or JSON lines with the same fields).

A ticket without a category but with a description gets the category the complaint
categoriser reads in it (:mod:`models.care.categorise`), so that its family (network, billing,
service, other) can be counted beside the others'."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandera.polars as pa
import polars as pl

from models.care.categorise import categorise
from pipelines.ingest.base import (
    Parsed,
    Source,
    Table,
    cast_or_reject,
)
from pipelines.ingest.delimited import read_csv_strings
from pipelines.ingest.sources.customers import CUSTOMER_REFERENCE

STATUSES = ["acknowledged", "rejected", "pending", "held", "inProgress", "cancelled", "closed",
            "resolved"]


class TicketContract(pa.DataFrameModel):
    """One row per trouble ticket."""

    ticket_id: str = pa.Field(nullable=False)
    customer_id: str = pa.Field(nullable=True)  # a complaint may come from an unknown caller
    service_id: str = pa.Field(nullable=True)
    created_at: datetime = pa.Field(nullable=False)
    resolved_at: datetime = pa.Field(nullable=True)
    status: str = pa.Field(isin=STATUSES)
    channel: str = pa.Field(nullable=True)
    category: str = pa.Field(nullable=True)
    severity: str = pa.Field(nullable=True)
    description: str = pa.Field(nullable=True)
    location: str = pa.Field(nullable=True)


def parse(path: Path) -> dict[str, Parsed]:
    raw = read_csv_strings(path, ("ticket_id", "customer_id", "created_at", "status"))
    frame = raw.frame
    for column in TicketContract.to_schema().columns:
        if column not in frame.columns:
            frame = frame.with_columns(pl.lit(None, pl.String).alias(column))
    frame = frame.with_columns(_filled_category(frame))
    typed = cast_or_reject(Parsed(frame, raw.rejects),  # timestamps in any zone → UTC
                           {"created_at": pl.Datetime("us"), "resolved_at": pl.Datetime("us")})
    return {"stg.tickets": typed}


def _filled_category(frame: pl.DataFrame) -> pl.Series:
    """``category``, or where it is empty, the category read in ``description``."""
    lacking = frame.filter(pl.col("category").is_null() & pl.col("description").is_not_null())
    read = {text: categorise(text).category for text in lacking["description"].unique()}
    return frame.select(pl.coalesce(
        "category", pl.col("description").replace_strict(read, default=None,
                                                         return_dtype=pl.String))).to_series()


SOURCE = Source(
    name="tickets",
    folder="tickets",
    patterns=("*.csv",),
    tables=(Table("stg.tickets", TicketContract, key=("ticket_id",),
                  references=(CUSTOMER_REFERENCE,)),),
    parse=parse,
    description="care trouble tickets (TMF621-like CSV)",
)
