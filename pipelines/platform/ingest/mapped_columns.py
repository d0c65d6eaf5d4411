"""An export's columns through its column mapping (:class:`ColumnMapping`: a CRM export, a
care-ticket export): each warehouse column from a file column, its codes recoded, or a
constant; dates and timestamps read with the mapping's format and zone, a tenure in months
turned into a start date. Pure: a text frame in, a text frame and the typing expressions out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from cxbridge.platform.ingest.base import LINE
from cxbridge.platform.ingest.mapped_values import number_time, utc_expression
from cxbridge.platform.ingest.mapping_types import NUMBER_FORMATS
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
            converters[name] = pl.coalesce(_date(pl.col(name), fmt) for fmt in _formats(f))
            labels[name] = f"date ({_described(f)}, column {f.column})"
        elif name in timestamps and (f.format or spec.time_zone != "UTC"):
            converters[name] = pl.coalesce(utc_expression(pl.col(name), fmt, spec.time_zone)
                                           for fmt in _formats(f) or (None,))
            labels[name] = (f"timestamp ({_described(f) if f.format else 'ISO 8601'}, column "
                            f"{f.column}, {spec.time_zone} unless it carries an offset)")
    return MappedColumns(frame, converters, extras, labels)


def _formats(f: Field) -> tuple[str, ...]:
    return f.formats or ((f.format,) if f.format else ())


def _described(f: Field) -> str:
    """A field's formats as a reason names them: ``%d/%m/%Y or excel (spreadsheet day …)``."""
    return " or ".join(f"{fmt} ({NUMBER_FORMATS[fmt]})" if fmt in NUMBER_FORMATS else fmt
                       for fmt in _formats(f))


def _date(text: pl.Expr, fmt: str) -> pl.Expr:
    """A date in one format (a strptime format, or ``excel``/``epoch``/``epoch_ms``)."""
    if fmt in NUMBER_FORMATS:
        return number_time(text, fmt).dt.date()
    return text.str.strip_chars().str.to_date(fmt, strict=False)


def _value(f: Field | None) -> pl.Expr:
    if f is None:
        return pl.lit(None, pl.String)
    if f.value is not None:
        return pl.lit(f.value)
    text = pl.col(f.column).str.strip_chars()
    text = pl.when(text != "").then(text)  # an empty cell is no value
    return text.replace(dict(f.values)) if f.values else text
