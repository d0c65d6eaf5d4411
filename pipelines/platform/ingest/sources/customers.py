"""Customers: the CRM export. Known columns are typed and checked; any extra attribute columns
are kept, as a JSON object in ``extra_attributes``. An operator's own export, with its own
column names and codes, is read through a column mapping (``<mappings>/customers/*.yaml``:
each warehouse column from a file column, its values recoded, a date format or a tenure in
months, or a constant), so onboarding a CRM is one YAML file, like a PM export."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandera.polars as pa
import polars as pl

from cxbridge.platform.ingest.base import (
    LINE,
    Parsed,
    Reference,
    Source,
    Table,
    UnparseableFileError,
    cast_or_reject,
)
from cxbridge.platform.ingest.delimited import read_csv_strings
from cxbridge.platform.ingest.mapped_columns import mapped_columns
from cxbridge.platform.ingest.mapping_files import COLUMNS
from cxbridge.platform.ingest.mappings import (
    ColumnMapping,
    HeaderMatch,
    Mappings,
    head_lines,
    match_header,
    no_match_reason,
)

SEGMENTS = ["consumer", "smb", "enterprise"]
CONTRACTS = ["month-to-month", "one_year", "two_year"]
PAYMENTS = ["direct_debit", "credit_card", "bank_transfer", "invoice"]
# marketing consent: general, then per channel (true/false, yes/no, 1/0; empty = unknown, which
# every export treats as no consent), and how the customer likes to be reached
CONSENTS = ["marketing_opt_in", "consent_email", "consent_sms", "consent_phone"]
CHANNELS = ["email", "sms", "phone"]
# what tickets, surveys and services name their customer by
CUSTOMER_REFERENCE = Reference("customer_id", "stg.customers", "customer_id", "customer")
# the columns a CRM export maps onto, and those it must give (one definition, shared with the
# validation of column mapping files)
KNOWN, REQUIRED = COLUMNS["customers"]


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
    marketing_opt_in: bool = pa.Field(nullable=True)
    consent_email: bool = pa.Field(nullable=True)
    consent_sms: bool = pa.Field(nullable=True)
    consent_phone: bool = pa.Field(nullable=True)
    preferred_language: str = pa.Field(nullable=True, str_matches=r"^[a-z]{2,3}(-[A-Za-z0-9]+)*$")
    preferred_channel: str = pa.Field(nullable=True, isin=CHANNELS)
    extra_attributes: str = pa.Field(nullable=True)


def parse(path: Path, mappings: Mappings | None = None) -> dict[str, Parsed]:
    """A CRM export as rows of ``stg.customers``: in the warehouse's own layout, or through the
    column mapping whose columns its header holds (``<mappings>/customers/*.yaml``)."""
    lines = head_lines(path)
    found = match_header(lines, mappings.customers) if mappings else []
    if found:
        return {"stg.customers": _mapped(path, found[0])}
    try:
        raw = read_csv_strings(path, REQUIRED)
    except UnparseableFileError as exc:
        if mappings and mappings.customers:  # a mapping that nearly matches says what changed
            raise UnparseableFileError(
                f"{no_match_reason(path, lines, mappings, 'customers')} (nor is it in the "
                f"warehouse's own layout: {str(exc).removeprefix(f'{path}: ')})") from None
        raise UnparseableFileError(
            f"{exc}. If this is your CRM's own export, describe its columns in one mapping file "
            "(<mappings>/customers/<name>.yaml, see data/README.md 'customers: your CRM "
            "export'); `cxbridge sources check FILE --as customers` checks it") from None
    return {"stg.customers": _typed(raw, raw.frame, {})}


def _mapped(path: Path, match: HeaderMatch) -> Parsed:
    """The file's columns renamed, recoded and completed as its mapping says; the columns the
    mapping does not use are kept as extra attributes."""
    spec: ColumnMapping = match.mapping
    raw = read_csv_strings(path, spec.layout.match, match.separator, spec.layout.header_row)
    mapped = mapped_columns(raw.frame, spec, KNOWN, dates=("customer_since",))
    notes = (*raw.notes, f"mapping {spec.name} ({spec.origin.name})"
             + (f"; kept as extra attributes: {', '.join(mapped.extras)}" if mapped.extras
                else ""),)
    return _typed(Parsed(mapped.frame, raw.rejects, notes), mapped.frame, mapped.converters,
                  mapped.labels.get("customer_since"))


def _typed(raw: Parsed, frame: pl.DataFrame, converters: dict[str, pl.Expr],
           since_label: str | None = None) -> Parsed:
    """Known columns typed and checked; any other column kept in ``extra_attributes``."""
    extras = [c for c in frame.columns if c not in KNOWN and c != LINE]
    for missing in (c for c in KNOWN if c not in frame.columns):
        frame = frame.with_columns(pl.lit(None, pl.String).alias(missing))
    frame = frame.with_columns(
        extra_attributes=pl.struct(extras).struct.json_encode() if extras
        else pl.lit(None, pl.String),
        segment=pl.col("segment").str.strip_chars().str.to_lowercase(),
        email=pl.col("email").str.strip_chars(),
        preferred_language=pl.col("preferred_language").str.strip_chars()
        .str.replace_all("_", "-").str.to_lowercase(),
        preferred_channel=pl.col("preferred_channel").str.strip_chars().str.to_lowercase(),
    ).select([LINE, *KNOWN, "extra_attributes"])
    return cast_or_reject(Parsed(frame, raw.rejects, raw.notes),
                          {"customer_since": pl.Date, "monthly_charges_eur": pl.Float64,
                           **dict.fromkeys(CONSENTS, pl.Boolean)},
                          converters=converters,
                          labels={"customer_since": since_label or "date (YYYY-MM-DD)",
                                  **dict.fromkeys(CONSENTS, "true or false (yes/no, 1/0)")})


SOURCE = Source(
    name="customers",
    folder="customers",
    patterns=("*.csv",),
    # a CRM sends its customers again in every (daily, full) export: the latest delivery's
    # record is the one in force (see cxbridge.platform.ingest.deliveries)
    tables=(Table("stg.customers", CustomerContract, key=("customer_id",),
                  record_dates=("customer_since",), latest_delivery_wins=True),),
    parse=parse,
    description="CRM customer export (CSV, extra attribute columns kept)",
)
