"""A contract's checks as vectorised polars expressions (pure): which rows break it, and the
failure cases of those rows, as pandera reports them.

Validating a frame with pandera costs mostly per column and check, whatever the number of rows
(each check is a query of its own, and so is gathering what failed): for a file of a few hundred
thousand rows, a handful of them broken, about as much as typing the file, and for a small file
more than anything else done with it. The checks a contract declares are pandera's built-in
ones, and each is a polars expression (:mod:`pandera.backends.polars.builtin_checks`: a null
passes a check unless it says ``ignore_na=False``; a null, or a NaN in a float column, breaks a
required column). Here they are evaluated in one pass over every row (:func:`contract_suspects`),
and only for the rows that fail is each failure written out (:func:`failure_cases`) the way
pandera's ``SchemaErrors`` lists them: the value as text, the column, the check, the row, column
by column in the contract's order, the required check first. A contract that uses anything else
(another check, a check with options, coercion, uniqueness, defaults, checks of the whole frame),
or a frame not typed as the contract says, is not screened (``None``): pandera validates it
whole, and says what is wrong with its shape.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandera.polars as pa
import polars as pl

# pandera's built-in checks, as the expression each evaluates (True: the value passes)
_CHECKS: dict[str, Callable[..., pl.Expr]] = {
    "greater_than_or_equal_to": lambda c, min_value: c.ge(min_value),
    "less_than_or_equal_to": lambda c, max_value: c.le(max_value),
    "greater_than": lambda c, min_value: c.gt(min_value),
    "less_than": lambda c, max_value: c.lt(max_value),
    "isin": lambda c, allowed_values: c.is_in(allowed_values),
    "str_length": lambda c, min_value=None, max_value=None, exact_value=None: _str_length(
        c.str.len_chars(), min_value, max_value, exact_value),
    "str_matches": lambda c, pattern: c.str.contains(_anchored(pattern)),
}
_REQUIRED = "not_nullable"  # pandera's name for a null in a column that is not nullable


@dataclass(frozen=True)
class Suspects:
    """The rows that break a contract (positions in the frame) and the contract's columns, in
    its order, that hold a value that breaks it."""

    positions: pl.Series
    columns: tuple[str, ...]


def contract_suspects(frame: pl.DataFrame, contract: type[pa.DataFrameModel]
                      ) -> Suspects | None:
    """The rows of ``frame`` that break ``contract``, and where; ``None`` when the contract
    uses something not mirrored here, or the frame is not shaped and typed as the contract says
    (pandera must then validate it)."""
    checks = _column_checks(frame, contract)
    if checks is None:
        return None
    if not checks or frame.is_empty():
        return Suspects(pl.Series("position", [], dtype=pl.Int64), ())
    try:
        fine = frame.select(pl.all_horizontal(passes for _, passes in column).alias(name)
                            for name, column in checks.items())
    except pl.exceptions.PolarsError:  # a check these values do not take: pandera says why
        return None
    positions = fine.select((~pl.all_horizontal(pl.all())).arg_true().cast(pl.Int64)
                            .alias("position")).to_series()
    if positions.is_empty():
        return Suspects(positions, ())
    failing = fine[positions].select((~pl.all()).any()).row(0, named=True)
    return Suspects(positions, tuple(name for name, fails in failing.items() if fails))


def failure_cases(rows: pl.DataFrame, contract: type[pa.DataFrameModel],
                  columns: tuple[str, ...]) -> pl.DataFrame:
    """Every check of ``columns`` that a row of ``rows`` fails, as pandera's failure cases
    (``failure_case``: the value as text, ``column``, ``check``, ``index``: the row), in the
    order pandera lists them: by column in the contract's order, the required check first, then
    the column's checks in order, each by row. Only for a contract and frame that
    :func:`contract_suspects` screens."""
    checks = _column_checks(rows, contract) or {}
    index = pl.int_range(pl.len(), dtype=pl.Int64).alias("index")
    found = [pl.DataFrame(schema={"failure_case": pl.String, "column": pl.String,
                                  "check": pl.String, "index": pl.Int64})]
    for name in columns:
        for check, passes in checks.get(name, ()):
            found.append(rows.select(
                pl.col(name).cast(pl.String).alias("failure_case"), pl.lit(name).alias("column"),
                pl.lit(check).alias("check"), index, passes.alias("__passes"),
            ).filter(~pl.col("__passes")).drop("__passes"))
    return pl.concat(found)


def _column_checks(frame: pl.DataFrame, contract: type[pa.DataFrameModel]
                   ) -> dict[str, list[tuple[str, pl.Expr]]] | None:
    """Each checked column's checks, in the contract's order, as (the check as pandera names
    it, whether each value passes); ``None`` when the contract or frame is not screened."""
    schema = contract.to_schema()
    if (schema.checks or schema.unique or schema.coerce or schema.strict or schema.ordered
            or getattr(schema, "parsers", None) or schema.drop_invalid_rows
            or schema.add_missing_columns):
        return None
    checks: dict[str, list[tuple[str, pl.Expr]]] = {}
    for name, column in schema.columns.items():
        if (name not in frame.columns or column.dtype.type != frame.schema[name]
                or column.unique or column.coerce or column.regex or column.default is not None
                or column.drop_invalid_rows or getattr(column, "parsers", None)):
            return None
        value = pl.col(name)
        column_checks = []
        if not column.nullable:
            present = value.is_not_null()
            if frame.schema[name].is_float():
                present = present & value.is_not_nan()
            column_checks.append((_REQUIRED, present))
        for check in column.checks:
            passes = _check_expression(check, value)
            if passes is None:
                return None
            name_given = check.error if check.error is not None else check.name
            column_checks.append((name_given, passes))
        if column_checks:
            checks[name] = column_checks
    return checks


def _check_expression(check: Any, value: pl.Expr) -> pl.Expr | None:
    """Whether each value passes ``check`` as pandera decides it; ``None`` for a check not
    mirrored here."""
    build = _CHECKS.get(check.name)
    if (build is None or check.n_failure_cases is not None or check.raise_warning
            or check.element_wise or check.groupby is not None):
        return None
    try:
        result = build(value, **check.statistics)
    except TypeError:  # options not mirrored here
        return None
    return result.fill_null(True) if check.ignore_na else result.fill_null(False)


def _str_length(chars: pl.Expr, min_value: int | None, max_value: int | None,
                exact_value: int | None) -> pl.Expr:
    if exact_value is not None:
        return chars.eq(exact_value)
    if min_value is None:
        return chars.le(max_value)
    if max_value is None:
        return chars.ge(min_value)
    return chars.is_between(min_value, max_value)


def _anchored(pattern: Any) -> str:
    pattern = getattr(pattern, "pattern", pattern)
    return pattern if pattern.startswith("^") else f"^{pattern}"
