"""Complaints: a consumer-complaints export of a US cable/broadband operator (the public Comcast
data set) read as care tickets. Dates are ``dd-mm-yy`` with a 12-hour local time in the
customer's state; they are converted to UTC through the state's time zone. The caller is not
identified, so ``customer_id`` stays empty; the category is read from the complaint's title by
:func:`cxbridge.platform.ingest.categorise.categorise` (its agreement with a person's labels:
``tests/data/complaints_labels.md``)."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from cxbridge.platform.ingest.base import Parsed, Source, Table, cast_or_reject
from cxbridge.platform.ingest.categorise import categorise_texts
from cxbridge.platform.ingest.delimited import read_csv_strings
from cxbridge.platform.ingest.sources.tickets import TicketContract

# The dominant time zone of each state (a few states span two; the larger part is used).
STATE_ZONES = {
    "America/New_York": ["Connecticut", "Delaware", "District Of Columbia", "Florida", "Georgia",
                         "Indiana", "Kentucky", "Maine", "Maryland", "Massachusetts", "Michigan",
                         "New Hampshire", "New Jersey", "New York", "North Carolina", "Ohio",
                         "Pennsylvania", "Rhode Island", "South Carolina", "Vermont", "Virginia",
                         "West Virginia"],
    "America/Chicago": ["Alabama", "Arkansas", "Illinois", "Iowa", "Kansas", "Louisiana",
                        "Minnesota", "Mississippi", "Missouri", "Tennessee", "Texas",
                        "Wisconsin", "Oklahoma", "Nebraska"],
    "America/Denver": ["Colorado", "Montana", "New Mexico", "Utah", "Wyoming", "Idaho"],
    "America/Phoenix": ["Arizona"],
    "America/Los_Angeles": ["California", "Nevada", "Oregon", "Washington"],
}
ZONE_OF_STATE = {state.lower(): zone for zone, states in STATE_ZONES.items() for state in states}
STATUS = {"open": "acknowledged", "pending": "pending", "solved": "resolved", "closed": "closed"}
CHANNEL = {"customer care call": "phone", "internet": "web"}


def _created_utc(column: str) -> pl.Expr:
    """``dd-mm-yy|h:mm:ss AM|State`` to naive UTC through the state's time zone."""
    parts = pl.col(column).str.split("|")
    local = pl.concat_str([parts.list.get(0, null_on_oob=True),
                           parts.list.get(1, null_on_oob=True)], separator=" "
                          ).str.to_datetime("%d-%m-%y %I:%M:%S %p", strict=False)
    zone = (parts.list.get(2, null_on_oob=True).str.strip_chars().str.to_lowercase()
            .replace_strict(ZONE_OF_STATE, default=None))
    # one zone per expression in polars: convert under every zone, keep the row's own
    expr = pl.lit(None, pl.Datetime("us"))
    for name in STATE_ZONES:
        utc = (local.dt.replace_time_zone(name, ambiguous="earliest", non_existent="null")
               .dt.convert_time_zone("UTC").dt.replace_time_zone(None))
        expr = pl.when(zone == name).then(utc).otherwise(expr)
    return expr


def parse(path: Path) -> dict[str, Parsed]:
    raw = read_csv_strings(path, ("Ticket #", "Customer Complaint", "Date", "Time", "State",
                                  "Status"))
    frame = raw.frame.select(
        pl.col("_line"),
        pl.concat_str([pl.lit("COMCAST-"), pl.col("Ticket #").str.strip_chars()]).alias(
            "ticket_id"),
        pl.lit(None, pl.String).alias("customer_id"),
        pl.lit(None, pl.String).alias("service_id"),
        pl.concat_str([pl.col("Date"), pl.col("Time"), pl.col("State")], separator="|")
        .alias("created_at"),
        pl.lit(None, pl.String).alias("resolved_at"),
        pl.col("Status").str.strip_chars().str.to_lowercase()
        .replace_strict(STATUS, default=pl.col("Status")).alias("status"),
        pl.col("Received Via").str.strip_chars().str.to_lowercase()
        .replace_strict(CHANNEL, default=pl.col("Received Via")).alias("channel")
        if "Received Via" in raw.frame.columns else pl.lit(None, pl.String).alias("channel"),
        categorise_texts(raw.frame["Customer Complaint"]),
        pl.lit(None, pl.String).alias("severity"),
        pl.col("Customer Complaint").alias("description"),
        # the export lost the leading zeros of New England zip codes (2134 for 02134)
        pl.concat_str([pl.col("City"), pl.col("State"),
                       pl.col("Zip code").str.strip_chars().str.zfill(5)], separator=", ",
                      ignore_nulls=True).alias("location")
        if "City" in raw.frame.columns else pl.lit(None, pl.String).alias("location"),
    )
    typed = cast_or_reject(Parsed(frame, raw.rejects),
                           {"created_at": pl.Datetime("us"), "resolved_at": pl.Datetime("us")},
                           {"created_at": _created_utc("created_at"),
                            "resolved_at": pl.lit(None, pl.Datetime("us"))})
    return {"stg.tickets": typed}


SOURCE = Source(
    name="complaints",
    folder="complaints",
    patterns=("*.csv",),
    tables=(Table("stg.tickets", TicketContract, key=("ticket_id",)),),
    parse=parse,
    description="consumer complaints export (Comcast public data layout) as care tickets",
)
