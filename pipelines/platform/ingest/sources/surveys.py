"""Surveys: NPS responses (score 0–10) for a sample of customers, CSV."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandera.polars as pa
import polars as pl

from cxbridge.platform.ingest.base import Parsed, Source, Table, cast_or_reject
from cxbridge.platform.ingest.delimited import read_csv_strings
from cxbridge.platform.ingest.sources.customers import CUSTOMER_REFERENCE


class SurveyContract(pa.DataFrameModel):
    """One row per survey response."""

    response_id: str = pa.Field(nullable=False)
    customer_id: str = pa.Field(nullable=False)
    responded_at: datetime = pa.Field(nullable=False)
    score: int = pa.Field(ge=0, le=10)
    comment: str = pa.Field(nullable=True)


def parse(path: Path) -> dict[str, Parsed]:
    raw = read_csv_strings(path, ("response_id", "customer_id", "responded_at", "score"))
    frame = raw.frame if "comment" in raw.frame.columns else raw.frame.with_columns(
        comment=pl.lit(None, pl.String))
    typed = cast_or_reject(Parsed(frame, raw.rejects),  # timestamps in any zone → UTC
                           {"responded_at": pl.Datetime("us"), "score": pl.Int64})
    return {"stg.surveys": typed}


SOURCE = Source(
    name="surveys",
    folder="surveys",
    patterns=("*.csv",),
    tables=(Table("stg.surveys", SurveyContract, key=("response_id",),
                  references=(CUSTOMER_REFERENCE,)),),
    parse=parse,
    description="NPS survey responses (CSV)",
)
