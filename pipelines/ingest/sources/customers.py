"""Customers: the CRM export. Known columns are typed and checked; any extra attribute columns
are kept, as a JSON object in ``extra_attributes``."""

from __future__ import annotations

from datetime import date
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
)
from pipelines.ingest.delimited import read_csv_strings

SEGMENTS = ["consumer", "smb", "enterprise"]
CONTRACTS = ["month-to-month", "one_year", "two_year"]
PAYMENTS = ["direct_debit", "credit_card", "bank_transfer", "invoice"]
# what tickets, surveys and services name their customer by
CUSTOMER_REFERENCE = Reference("customer_id", "stg.customers", "customer_id", "customer")
KNOWN = ("customer_id", "name", "email", "phone", "segment", "region", "city", "contract_type",
         "payment_method", "customer_since", "monthly_charges_eur", "status")


class CustomerContract(pa.DataFrameModel):
    """One row per customer."""

    customer_id: str = pa.Field(nullable=False, str_length={"min_value": 1})
    name: str = pa.Field(nullable=True)
    email: str = pa.Field(nullable=True, str_matches=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    phone: str = pa.Field(nullable=True)
    segment: str = pa.Field(isin=SEGMENTS)
    region: str = pa.Field(nullable=False)
    city: str = pa.Field(nullable=True)
    contract_type: str = pa.Field(isin=CONTRACTS)
    payment_method: str = pa.Field(isin=PAYMENTS, nullable=True)
    customer_since: date = pa.Field(nullable=False, ge=date(1990, 1, 1))
    monthly_charges_eur: float = pa.Field(nullable=True, ge=0, le=100_000)
    status: str = pa.Field(isin=["active", "terminated", "suspended"])
    extra_attributes: str = pa.Field(nullable=True)


def parse(path: Path) -> dict[str, Parsed]:
    raw = read_csv_strings(path, ("customer_id", "segment", "region", "contract_type",
                                  "customer_since"))
    frame = raw.frame
    extras = [c for c in frame.columns if c not in KNOWN and c != LINE]
    for missing in (c for c in KNOWN if c not in frame.columns):
        frame = frame.with_columns(pl.lit(None, pl.String).alias(missing))
    frame = frame.with_columns(
        extra_attributes=pl.struct(extras).struct.json_encode() if extras
        else pl.lit(None, pl.String),
        segment=pl.col("segment").str.strip_chars().str.to_lowercase(),
        email=pl.col("email").str.strip_chars(),
    ).select([LINE, *KNOWN, "extra_attributes"])
    typed = cast_or_reject(Parsed(frame, raw.rejects),
                           {"customer_since": pl.Date, "monthly_charges_eur": pl.Float64})
    return {"stg.customers": typed}


SOURCE = Source(
    name="customers",
    folder="customers",
    patterns=("*.csv",),
    tables=(Table("stg.customers", CustomerContract, key=("customer_id",)),),
    parse=parse,
    description="CRM customer export (CSV, extra attribute columns kept)",
)
