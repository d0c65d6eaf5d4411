"""Actions: what a marketing or care system did to whom (an offer sent, a care call made, a
credit given), one row per customer contacted or deliberately held out, CSV.

The feed is optional: without it nothing else changes and outcomes are not measured. Each row
says who (``customer_id``), when (``sent_at``), under which programme, what (``offer``, by which
``channel``), why (``reason``: a risk band, an incident), whether the customer was treated or
held out as control (``arm``), and what the treatment cost (``cost_eur``; nothing for control).
A control row is as important as a treated one: it is what the effect is measured against.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandera.polars as pa
import polars as pl

from cxbridge.platform.ingest.base import Parsed, Source, Table, cast_or_reject
from cxbridge.platform.ingest.delimited import read_csv_strings
from cxbridge.platform.ingest.sources.customers import CUSTOMER_REFERENCE

ARMS = ["treated", "control"]
CHANNELS = ["email", "sms", "phone", "letter", "app", "push", "shop", "bill", "other"]
OPTIONAL = ("offer", "channel", "reason", "cost_eur")


class ActionContract(pa.DataFrameModel):
    """One row per action: a customer treated by a programme, or held out as its control."""

    action_id: str = pa.Field(nullable=False, str_length={"min_value": 1})
    customer_id: str = pa.Field(nullable=False, str_length={"min_value": 1})
    sent_at: datetime = pa.Field(nullable=False)
    programme: str = pa.Field(nullable=False, str_length={"min_value": 1})
    offer: str = pa.Field(nullable=True)
    channel: str = pa.Field(nullable=True, isin=CHANNELS)
    reason: str = pa.Field(nullable=True)
    arm: str = pa.Field(isin=ARMS)
    cost_eur: float = pa.Field(nullable=True, ge=0, le=100_000)


def parse(path: Path) -> dict[str, Parsed]:
    """An actions export in the warehouse's layout; the optional columns may be absent."""
    raw = read_csv_strings(path, ("action_id", "customer_id", "sent_at", "programme", "arm"))
    frame = raw.frame.with_columns(
        [pl.lit(None, pl.String).alias(c) for c in OPTIONAL if c not in raw.frame.columns])
    frame = frame.with_columns(pl.col("arm").str.strip_chars().str.to_lowercase(),
                               pl.col("channel").str.strip_chars().str.to_lowercase())
    typed = cast_or_reject(Parsed(frame, raw.rejects, raw.notes),  # timestamps in any zone → UTC
                           {"sent_at": pl.Datetime("us"), "cost_eur": pl.Float64})
    return {"stg.actions": typed}


SOURCE = Source(
    name="actions",
    folder="actions",
    patterns=("*.csv",),
    tables=(Table("stg.actions", ActionContract, key=("action_id",),
                  references=(CUSTOMER_REFERENCE,)),),
    parse=parse,
    description="actions taken: offers and care contacts, treated and control (CSV)",
)
