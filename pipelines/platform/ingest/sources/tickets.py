"""Care tickets: TMF621-like trouble tickets, CSV (or JSON lines with the same fields), or a
care system's own export through a column mapping (``<mappings>/tickets/*.yaml``: each ticket
column from a file column, statuses recoded to TMF621's, timestamps in the export's format and
zone).

A ticket without a category but with a description gets the category the complaint
categoriser reads in it (:mod:`cxbridge.platform.ingest.categorise`), so that its family (network,
billing, service, other) can be counted beside the others'.

A ticket resolved before it was created (a care system that writes ``resolved_at`` from another
clock, or in another time zone than ``created_at``) is quarantined, with both times, by how
much, and what to check (:func:`resolved_before_created`); the file's note counts them. Not kept
with its ``resolved_at`` dropped: a ticket with no resolution time counts as open for ever in
the churn features, and the times that did not come out negative are likely off by the same
clock, so the export's times are put right (the mapping's ``time_zone``) and the rows released
(``cxbridge quarantine release --source tickets``) rather than loaded half right."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandera.polars as pa
import polars as pl

from cxbridge.platform.ingest.base import (
    LINE,
    Parsed,
    Source,
    Table,
    UnparseableFileError,
    cast_or_reject,
    original_json,
)
from cxbridge.platform.ingest.categorise import categorise
from cxbridge.platform.ingest.delimited import read_csv_strings
from cxbridge.platform.ingest.mapped_columns import mapped_columns
from cxbridge.platform.ingest.mapping_files import COLUMNS as MAPPED_COLUMNS
from cxbridge.platform.ingest.mappings import (
    ColumnMapping,
    HeaderMatch,
    Mappings,
    head_lines,
    match_header,
    no_match_reason,
)
from cxbridge.platform.ingest.sources.customers import CUSTOMER_REFERENCE

STATUSES = ["acknowledged", "rejected", "pending", "held", "inProgress", "cancelled", "closed",
            "resolved"]


# a ticket's columns (one definition, shared with the validation of column mapping files)
COLUMNS = MAPPED_COLUMNS["tickets"][0]


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


def parse(path: Path, mappings: Mappings | None = None) -> dict[str, Parsed]:
    """Tickets in the warehouse's own layout, or an export's through the column mapping whose
    columns its header holds (``<mappings>/tickets/*.yaml``)."""
    lines = head_lines(path)
    found = match_header(lines, mappings.tickets) if mappings else []
    if found:
        return {"stg.tickets": _mapped(path, found[0])}
    try:
        raw = read_csv_strings(path, ("ticket_id", "customer_id", "created_at", "status"))
    except UnparseableFileError as exc:
        if mappings and mappings.tickets:  # a mapping that nearly matches says what changed
            raise UnparseableFileError(
                f"{no_match_reason(path, lines, mappings, 'tickets')} (nor is it in the "
                f"warehouse's own layout: {str(exc).removeprefix(f'{path}: ')})") from None
        raise UnparseableFileError(
            f"{exc}. If this is your care system's own export, describe its columns in one "
            "mapping file (<mappings>/tickets/<name>.yaml, see data/README.md 'tickets: your "
            "care system's export'); `cxbridge sources check FILE --as tickets` suggests one"
        ) from None
    return {"stg.tickets": _typed(raw, raw.frame, {}, {})}


def _mapped(path: Path, match: HeaderMatch) -> Parsed:
    spec: ColumnMapping = match.mapping
    raw = read_csv_strings(path, spec.layout.match, match.separator, spec.layout.header_row)
    mapped = mapped_columns(raw.frame, spec, COLUMNS, timestamps=("created_at", "resolved_at"))
    notes = (*raw.notes, f"mapping {spec.name} ({spec.origin.name})"
             + (f"; column(s) not in the mapping, ignored: {', '.join(mapped.extras)}"
                if mapped.extras else ""),)
    return _typed(Parsed(mapped.frame.drop(mapped.extras), raw.rejects, notes),
                  mapped.frame.drop(mapped.extras), mapped.converters, mapped.labels)


def _typed(raw: Parsed, frame: pl.DataFrame, converters: dict[str, pl.Expr],
           labels: dict[str, str]) -> Parsed:
    for column in COLUMNS:
        if column not in frame.columns:
            frame = frame.with_columns(pl.lit(None, pl.String).alias(column))
    frame = frame.with_columns(_filled_category(frame))
    return resolved_before_created(cast_or_reject(
        Parsed(frame, raw.rejects, raw.notes),  # any zone → UTC
        {"created_at": pl.Datetime("us"), "resolved_at": pl.Datetime("us")},
        converters=converters, labels=labels))


def resolved_before_created(parsed: Parsed) -> Parsed:
    """Typed tickets whose ``resolved_at`` is before their ``created_at`` made rejects, each
    reason with both times, the gap and what to check; the file's note counts them. (A time
    to resolve is never negative: see the module's docstring for why such a ticket is not
    loaded without its resolution time.)"""
    before = pl.col("resolved_at") < pl.col("created_at")
    found = parsed.frame.filter(before.fill_null(False))
    if found.is_empty():
        return parsed
    shown = "%Y-%m-%d %H:%M:%S"
    rejects = found.select(
        pl.col(LINE),
        pl.format("resolved_at {} is before created_at {} (by {} min): the export's "
                  "resolved_at is from another clock or time zone? Check the tickets "
                  "mapping's time_zone (or the care system's clock), then `cxbridge "
                  "quarantine release --source tickets`",
                  pl.col("resolved_at").dt.to_string(shown),
                  pl.col("created_at").dt.to_string(shown),
                  ((pl.col("created_at") - pl.col("resolved_at")).dt.total_seconds() / 60)
                  .round(1)).alias("reason"),
        original_json(found).alias("original"))
    note = (f"{found.height:,} ticket(s) resolved before they were created: quarantined "
            f"(first: line {found[LINE][0]}), see `cxbridge quarantine`")
    return Parsed(parsed.frame.filter(~before.fill_null(False)),
                  pl.concat([parsed.rejects, rejects]), (*parsed.notes, note))


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
