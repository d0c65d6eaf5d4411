"""Care tickets: TMF621-like trouble tickets, CSV (or JSON lines with the same fields)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandera.polars as pa
import polars as pl

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
    typed = cast_or_reject(Parsed(frame, raw.rejects),  # timestamps in any zone → UTC
                           {"created_at": pl.Datetime("us"), "resolved_at": pl.Datetime("us")})
    return {"stg.tickets": typed}


SOURCE = Source(
    name="tickets",
    folder="tickets",
    patterns=("*.csv",),
    tables=(Table("stg.tickets", TicketContract, key=("ticket_id",),
                  references=(CUSTOMER_REFERENCE,)),),
    parse=parse,
    description="care trouble tickets (TMF621-like CSV)",
)
