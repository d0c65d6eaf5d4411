"""Campaigns: past marketing campaigns, one row per customer targeted, CSV.

The feed is optional: without it the campaign projection (models/whatif/campaign.py) uses the
configured per-offer defaults (``[whatif]``) instead of what past campaigns show. Each row says
which campaign (``campaign_id``) sent which offer (``offer``) on which day (``sent_on``) to
whom (``customer_id``), and whether the customer took it up (``took_up``: yes / no, true /
false, 1 / 0). One campaign is one offer on one day: a row that disagrees with its campaign's
other rows is loaded as it is and the projection reads each campaign's most frequent offer and
first day.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandera.polars as pa
import polars as pl

from cxbridge.platform.ingest.base import Parsed, Source, Table, cast_or_reject
from cxbridge.platform.ingest.delimited import read_csv_strings
from cxbridge.platform.ingest.sources.customers import CUSTOMER_REFERENCE

YES = ("yes", "y", "true", "t", "1")
NO = ("no", "n", "false", "f", "0")


class CampaignContract(pa.DataFrameModel):
    """One row per customer a campaign targeted."""

    campaign_id: str = pa.Field(nullable=False, str_length={"min_value": 1})
    offer: str = pa.Field(nullable=False, str_length={"min_value": 1})
    sent_on: date = pa.Field(nullable=False)
    customer_id: str = pa.Field(nullable=False, str_length={"min_value": 1})
    took_up: bool = pa.Field(nullable=False)


def parse(path: Path) -> dict[str, Parsed]:
    """A campaign export; ``took_up`` as yes/no, true/false or 1/0 (any case); anything else
    is rejected naming the value."""
    raw = read_csv_strings(path, ("campaign_id", "offer", "sent_on", "customer_id", "took_up"))
    answer = pl.col("took_up").str.strip_chars().str.to_lowercase()
    frame = raw.frame.with_columns(
        pl.col("offer").str.strip_chars().str.to_lowercase(),
        took_up=pl.when(answer.is_in(YES)).then(pl.lit("true"))
        .when(answer.is_in(NO)).then(pl.lit("false")).otherwise(pl.col("took_up")))
    typed = cast_or_reject(Parsed(frame, raw.rejects, raw.notes),
                           {"sent_on": pl.Date, "took_up": pl.Boolean})
    return {"stg.campaigns": typed}


SOURCE = Source(
    name="campaigns",
    folder="campaigns",
    patterns=("*.csv",),
    tables=(Table("stg.campaigns", CampaignContract, key=("campaign_id", "customer_id"),
                  references=(CUSTOMER_REFERENCE,)),),
    parse=parse,
    description="past marketing campaigns: offer, day, targets and who took it up (CSV)",
)
