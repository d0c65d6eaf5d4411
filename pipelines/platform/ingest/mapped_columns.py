"""An export's columns through its column mapping (:class:`ColumnMapping`: a CRM export, a
care-ticket export): each warehouse column from a file column, its codes recoded, or a
constant; dates and timestamps read with the mapping's format and zone, a tenure in months
turned into a start date. Pure: a text frame in, a text frame and the typing expressions out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from cxbridge.platform.ingest.base import LINE
from cxbridge.platform.ingest.mapped_values import utc_expression
from cxbridge.platform.ingest.mappings import ColumnMapping, Field


@dataclass(frozen=True)
class MappedColumns:
    frame: pl.DataFrame                 # _line, every known column as text, then the extras
    converters: dict[str, pl.Expr]      # typing for the columns that need more than a cast
    extras: tuple[str, ...]             # file columns the mapping does not use
    labels: dict[str, str]              # what a column's values must look like, for reasons


def mapped_columns(text: pl.DataFrame, spec: ColumnMapping, known: tuple[str, ...],
                   dates: tuple[str, ...] = (), timestamps: tuple[str, ...] = ()
                   ) -> MappedColumns:
    """``text`` (every file column as text) as the warehouse's ``known`` columns under
    ``spec``; ``dates`` and ``timestamps`` name the known columns of those types."""
    used = {f.column for f in spec.fields.values() if f.column}
    extras = tuple(c for c in text.columns if c != LINE and c not in used)
    frame = text.select(pl.col(LINE), *(_value(spec.fields.get(n)).alias(n) for n in known),
                        *(pl.col(c) for c in extras))
    converters, labels = {}, {}
    for name, f in spec.fields.items():
        if f.column is None:
            continue
        if name in dates and f.months_before:
            months = pl.col(name).str.strip_chars().cast(pl.Int64, strict=False)
            converters[name] = pl.lit(date.fromisoformat(f.months_before)).dt.offset_by(
                pl.concat_str([pl.lit("-"), months.cast(pl.String), pl.lit("mo")]))
            labels[name] = (f"whole number of months (column {f.column}, counted back from "
                            f"{f.months_before})")
        elif name in dates and f.format:
            converters[name] = pl.col(name).str.strip_chars().str.to_date(f.format, strict=False)
            labels[name] = f"date ({f.format}, column {f.column})"
        elif name in timestamps and (f.format or spec.time_zone != "UTC"):
            converters[name] = utc_expression(pl.col(name), f.format, spec.time_zone)
            labels[name] = (f"timestamp ({f.format or 'ISO 8601'}, column {f.column}, "
                            f"{spec.time_zone} unless it carries an offset)")
    return MappedColumns(frame, converters, extras, labels)


def _value(f: Field | None) -> pl.Expr:
    if f is None:
        return pl.lit(None, pl.String)
    if f.value is not None:
        return pl.lit(f.value)
    text = pl.col(f.column).str.strip_chars()
    text = pl.when(text != "").then(text)  # an empty cell is no value
    return text.replace(dict(f.values)) if f.values else text
