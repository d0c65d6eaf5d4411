"""What every ingest job shares: the shape of a source, parsed rows, and row-level rejects.

A source module turns one file into a :class:`Parsed`: a typed frame of good-looking rows (each
with ``_line``, its line or record number in the file) and a frame of rows it could not even
type (``_line``, ``reason``, ``original``). Contracts (pandera) then check values; the loader
moves every failed row to quarantine with its reason, so that for every file
rows read = rows loaded + rows quarantined.

Reading and typing are vectorised: the common case (every value well formed) costs one polars
pass, and only the few rows that fail are looked at again to say exactly what is wrong.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pandera.polars as pa
import polars as pl

from cxbridge.platform.errors import UserError

LINE = "_line"
REJECT_SCHEMA = {LINE: pl.Int64, "reason": pl.String, "original": pl.String}


class UnparseableFileError(UserError, ValueError):
    """The whole file cannot be read; the message says what is wrong and what to do."""


@dataclass(frozen=True)
class Parsed:
    frame: pl.DataFrame
    rejects: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=REJECT_SCHEMA))
    notes: tuple[str, ...] = ()  # things a person should know about the file, e.g. ignored columns

    @property
    def rows_read(self) -> int:
        return self.frame.height + self.rejects.height


# What a reference left unchecked means for the warehouse, by referenced table.
_UNCHECKED_CONSEQUENCE = {
    "stg.resources": "; the topology is derived from the PM export instead (core.resources: "
                     "every measured object becomes a resource)",
}


@dataclass(frozen=True)
class Reference:
    """``column`` must name an existing ``table.key_column`` (e.g. a KPI's resource). A row
    whose reference has not arrived yet waits in quarantine and loads once it does.

    A reference is checked only once its table holds rows from at least one file: while the
    feed it comes from was never loaded (PM counters with no topology yet), nothing could ever
    arrive for the rows to wait for, so they load unchecked and the file's note says so
    (:meth:`unchecked_note`). Rows arriving after that feed's first rows are checked."""

    column: str
    table: str
    key_column: str
    label: str

    def unchecked_note(self) -> str:
        """Why this file's ``column`` was not checked, and what that means."""
        return (f"{self.column} not checked: nothing has been loaded into {self.table} yet, "
                f"so every {self.label} is taken as given (rows loaded after it holds rows "
                f"are checked){_UNCHECKED_CONSEQUENCE.get(self.table, '')}")


@dataclass(frozen=True)
class Table:
    """One staging table a source loads: its name, contract, unique key and references."""

    name: str
    contract: type[pa.DataFrameModel]
    key: tuple[str, ...] = ()
    references: tuple[Reference, ...] = ()
    # a key column that grows with time: the duplicate check only looks at the incoming
    # file's range of it, so checking a day's file does not scan the whole history
    range_column: str | None = None


@dataclass(frozen=True)
class Source:
    """One ingest job. ``parse`` may return several frames, one per table it loads."""

    name: str
    folder: str
    patterns: tuple[str, ...]
    tables: tuple[Table, ...]
    parse: Callable[[Path], Mapping[str, Parsed]]
    description: str = ""
    # parse works object by object in Python (JSON): a large file is read in a process of
    # its own, so that it does not hold the interpreter lock the other files' work needs
    python_parser: bool = False


@cache
def contract_columns(contract: type[pa.DataFrameModel]) -> tuple[str, ...]:
    """The columns a contract names, in order (what its table stores besides ``_file_id``)."""
    return tuple(contract.to_schema().columns)


def original_json(frame: pl.DataFrame) -> pl.Expr:
    """An expression giving each row's original values as a JSON object."""
    columns = [c for c in frame.columns if not c.startswith("_")]
    return pl.struct(columns).struct.json_encode()


def empty_rejects() -> pl.DataFrame:
    return pl.DataFrame(schema=REJECT_SCHEMA)


def read_bytes(path: Path) -> bytes:
    """The file's bytes, checked to be UTF-8 (a byte-order mark is dropped); a clear error
    otherwise."""
    data = path.read_bytes()
    if not data or data.isspace():
        raise UnparseableFileError(f"{path} is empty: expected a header and rows")
    if not data.isascii():
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise UnparseableFileError(
                f"{path} is not UTF-8 (byte {exc.start} is 0x{data[exc.start]:02x}); "
                "re-export it as UTF-8"
            ) from exc
    return data[len(codecs.BOM_UTF8):] if data.startswith(codecs.BOM_UTF8) else data


def read_text(path: Path) -> str:
    """The file's text as UTF-8 (a byte-order mark is dropped); a clear error otherwise."""
    return read_bytes(path).decode("utf-8")


def read_json_lines(path: Path, what: str, each: Callable[[int, dict], None] | None = None
                    ) -> tuple[list[tuple[int, dict]], pl.DataFrame]:
    """Each line's JSON object with its line number, and the lines that are not one (invalid
    JSON, or not an object) as rejects. A file in which no line is an object is rejected whole.
    ``what`` names the expected object in messages (e.g. "a TMF642 event"). With ``each``,
    every object is handed to it as it is read instead of being kept (a large file's objects
    need not all be in memory at once)."""
    objects: list[tuple[int, dict]] = []
    rejects: list[tuple[int, str, str]] = []
    decode = json.JSONDecoder().decode
    found = 0
    for number, text in enumerate(read_text(path).splitlines(), start=1):
        if not text.strip():
            continue
        try:
            value = decode(text)
        except json.JSONDecodeError as exc:
            rejects.append((number, f"invalid JSON ({exc.msg} at column {exc.colno})", text))
            continue
        if not isinstance(value, dict):
            rejects.append((number, f"a line must hold one JSON object ({what})", text))
        elif each is not None:
            each(number, value)
            found += 1
        else:
            objects.append((number, value))
            found += 1
    if rejects and not found:
        raise UnparseableFileError(f"{path}: no line is a valid JSON object "
                                   f"(first problem: line {rejects[0][0]}: {rejects[0][1]})")
    return objects, pl.DataFrame(rejects, schema=REJECT_SCHEMA, orient="row")


def cast_or_reject(
    parsed: Parsed,
    types: Mapping[str, pl.DataType],
    converters: Mapping[str, pl.Expr] | None = None,
    labels: Mapping[str, str] | None = None,
) -> Parsed:
    """Cast text columns to their types; a row with a value that does not cast is rejected with
    the column and value named. ``converters`` give an expression for columns that need more than
    a cast (local time zones, ...); ``labels`` name a column's expected kind of value in
    reasons where the type alone would not (e.g. "whole number" for a count read as a float).

    Every column is first cast the quick way (a plain cast, one timestamp format); only values
    that fail it are tried again the thorough way (surrounding blanks, any zone notation), and
    only values that fail both make their row a reject."""
    frame = parsed.frame
    converters = dict(converters or {})
    types = {n: t() if isinstance(t, type) else t for n, t in types.items()}  # pl.Datetime → ()
    names = [name for name in types if name in frame.columns]
    if not names or frame.is_empty():
        cast = frame.with_columns(**{n: converters.get(n, _text_to(n, types[n])) for n in names})
        return Parsed(cast.select(frame.columns), parsed.rejects, parsed.notes)
    typed = frame.select(_typed_column(frame, n, types[n], converters.get(n)) for n in names)
    suspects = typed.select(pl.any_horizontal(
        pl.col(n).is_null() & frame[n].is_not_null() for n in names)).to_series().arg_true()
    problems = empty_rejects()
    if suspects.len():
        problems, bad_lines = _cast_problems(frame[suspects], typed[suspects], names, types,
                                             dict(labels or {}))
        if bad_lines.len():
            keep = ~frame[LINE].is_in(bad_lines.implode())
            frame, typed = frame.filter(keep), typed.filter(keep)
    good = frame.with_columns(typed).select(frame.columns)
    return Parsed(frame=good, rejects=pl.concat([parsed.rejects, problems]), notes=parsed.notes)


def _typed_column(frame: pl.DataFrame, name: str, dtype: pl.DataType,
                  converter: pl.Expr | None) -> pl.Series:
    """One column typed: the quick cast, then the thorough one for the values it missed."""
    thorough = converter if converter is not None else _text_to(name, dtype)
    quick = None if converter is not None else _quick_text_to(frame[name], dtype)
    if quick is None:  # (with_columns: a converter may be a constant)
        return frame.with_columns(thorough.alias(name))[name]
    missed = (quick.is_null() & frame[name].is_not_null()).arg_true()
    if missed.len():
        again = frame[missed].with_columns(thorough.alias(name))[name]
        quick = quick.scatter(missed, again.cast(quick.dtype))
    return quick


def _cast_problems(text: pl.DataFrame, typed: pl.DataFrame, names: list[str],
                   types: Mapping[str, pl.DataType], labels: Mapping[str, str]
                   ) -> tuple[pl.DataFrame, pl.Series]:
    """The rows (among those that look suspect) with a value that is present but not a value
    of its column's type, each with every such column named; and their lines."""
    problems = [
        pl.when(pl.col(name).is_not_null() & (pl.col(name).str.strip_chars() != "")
                & pl.col(f"__typed_{name}").is_null())
        .then(pl.format("{} = '{}' is not a valid {}", pl.lit(name), pl.col(name),
                        pl.lit(labels.get(name) or _type_label(types[name]))))
        for name in names
    ]
    # rechunked: polars 2.1 can panic formatting strings spread over several chunks
    both = text.with_columns(typed.rename({n: f"__typed_{n}" for n in names})).rechunk()
    reasons = both.with_columns(
        __reason=pl.concat_str(problems, separator="; ", ignore_nulls=True)
    ).filter(pl.col("__reason").is_not_null() & (pl.col("__reason") != ""))
    rejects = reasons.select(pl.col(LINE), pl.col("__reason").alias("reason"),
                             original_json(text).alias("original"))
    return rejects, rejects[LINE]


# formats tried on a sample of a timestamp column; the one that reads most of it is used for
# the whole column first (with its zone, if any, converted to UTC)
_TIMESTAMP_FORMATS = ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d %H:%M:%S%z", "%Y-%m-%dT%H:%M:%S%z",
                      "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S")


def _quick_text_to(text: pl.Series, dtype: pl.DataType) -> pl.Series | None:
    """The column typed the cheap way: exactly as :func:`_text_to` would for its usual values,
    null for the others; ``None`` where there is no cheap way."""
    if dtype.is_numeric():
        return text.cast(dtype, strict=False)
    if dtype == pl.Date:
        return text.str.to_date("%Y-%m-%d", strict=False)
    if isinstance(dtype, pl.Datetime):
        sample = text.drop_nulls().head(64)
        if sample.is_empty():
            return None
        best = max(_TIMESTAMP_FORMATS, key=lambda f: _timestamps(sample, f).count())
        return _timestamps(text, best)
    return None


def _timestamps(text: pl.Series, format: str) -> pl.Series:
    """Text in one timestamp format to naive UTC (a zone in the format is converted)."""
    if format.endswith("z"):
        return (text.str.to_datetime(format, strict=False, time_zone="UTC")
                .dt.replace_time_zone(None))
    return text.str.to_datetime(format, strict=False)


def _text_to(name: str, dtype: pl.DataType) -> pl.Expr:
    """Text to a type, null where the text is not a value of that type."""
    text = pl.col(name).str.strip_chars()
    if dtype == pl.Date:
        return text.str.to_date("%Y-%m-%d", strict=False)
    if isinstance(dtype, pl.Datetime):
        return utc_timestamp(name)
    if dtype == pl.Boolean:
        return text.str.to_lowercase().replace_strict(
            {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False},
            default=None, return_dtype=pl.Boolean)
    return text.cast(dtype, strict=False)


def _type_label(dtype: pl.DataType) -> str:
    if dtype.is_integer():
        return "whole number"
    if dtype.is_float():
        return "number"
    if dtype == pl.Date:
        return "date (YYYY-MM-DD)"
    if isinstance(dtype, pl.Datetime):
        return "timestamp"
    if dtype == pl.Boolean:
        return "true/false"
    return str(dtype)


def utc_timestamp(column: str) -> pl.Expr:
    """Parse ISO 8601 timestamps with ``Z`` or an offset, or naive ones taken as UTC, to naive
    UTC (the warehouse convention)."""
    text = pl.col(column).str.strip_chars()
    with_zone = text.str.contains(r"(Z|[+-]\d{2}:?\d{2})$")
    aware = text.str.replace(r"Z$", "+00:00").str.replace("T", " ").str.to_datetime(
        "%Y-%m-%d %H:%M:%S%.f%z", strict=False, time_zone="UTC")
    naive = text.str.replace("T", " ").str.to_datetime("%Y-%m-%d %H:%M:%S%.f", strict=False)
    day_only = text.str.to_datetime("%Y-%m-%d", strict=False)
    return (pl.when(with_zone).then(aware.dt.replace_time_zone(None))
            .when(text.str.len_chars() == 10).then(day_only)
            .otherwise(naive))
