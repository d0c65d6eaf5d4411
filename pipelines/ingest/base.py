"""What every ingest job shares: the shape of a source, parsed rows, and row-level rejects.

A source module turns one file into a :class:`Parsed`: a typed frame of good-looking rows (each
with ``_line``, its line or record number in the file) and a frame of rows it could not even
type (``_line``, ``reason``, ``original``). Contracts (pandera) then check values; the loader
moves every failed row to quarantine with its reason, so that for every file
rows read = rows loaded + rows quarantined.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandera.polars as pa
import polars as pl

LINE = "_line"
REJECT_SCHEMA = {LINE: pl.Int64, "reason": pl.String, "original": pl.String}


class UnparseableFileError(ValueError):
    """The whole file cannot be read; the message says what is wrong and what to do."""


@dataclass(frozen=True)
class Parsed:
    frame: pl.DataFrame
    rejects: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=REJECT_SCHEMA))
    notes: tuple[str, ...] = ()  # things a person should know about the file, e.g. ignored columns

    @property
    def rows_read(self) -> int:
        return self.frame.height + self.rejects.height


@dataclass(frozen=True)
class Reference:
    """``column`` must name an existing ``table.key_column`` (e.g. a KPI's resource). A row
    whose reference has not arrived yet waits in quarantine and loads once it does."""

    column: str
    table: str
    key_column: str
    label: str


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


def original_json(frame: pl.DataFrame) -> pl.Expr:
    """An expression giving each row's original values as a JSON object."""
    columns = [c for c in frame.columns if not c.startswith("_")]
    return pl.struct(columns).struct.json_encode()


def empty_rejects() -> pl.DataFrame:
    return pl.DataFrame(schema=REJECT_SCHEMA)


def read_text(path: Path) -> str:
    """The file's text as UTF-8 (a byte-order mark is dropped); a clear error otherwise."""
    data = path.read_bytes()
    if not data.strip():
        raise UnparseableFileError(f"{path} is empty: expected a header and rows")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnparseableFileError(
            f"{path} is not UTF-8 (byte {exc.start} is 0x{data[exc.start]:02x}); "
            "re-export it as UTF-8"
        ) from exc


def read_json_lines(path: Path, what: str) -> tuple[list[tuple[int, dict]], pl.DataFrame]:
    """Each line's JSON object with its line number, and the lines that are not one (invalid
    JSON, or not an object) as rejects. A file in which no line is an object is rejected whole.
    ``what`` names the expected object in messages (e.g. "a TMF642 event")."""
    objects: list[tuple[int, dict]] = []
    rejects: list[tuple[int, str, str]] = []
    for number, text in enumerate(read_text(path).splitlines(), start=1):
        if not text.strip():
            continue
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            rejects.append((number, f"invalid JSON ({exc.msg} at column {exc.colno})", text))
            continue
        if isinstance(value, dict):
            objects.append((number, value))
        else:
            rejects.append((number, f"a line must hold one JSON object ({what})", text))
    if rejects and not objects:
        raise UnparseableFileError(f"{path}: no line is a valid JSON object "
                                   f"(first problem: line {rejects[0][0]}: {rejects[0][1]})")
    return objects, pl.DataFrame(rejects, schema=REJECT_SCHEMA, orient="row")


def read_csv_strings(
    path: Path, required: tuple[str, ...], separator: str | None = None
) -> Parsed:
    """Read a delimited file with every column as text.

    Rows with the wrong number of fields are rejected (not guessed at). The separator is sniffed
    from the header when not given. Missing required columns reject the whole file.
    """
    text = read_text(path)
    header = text.split("\n", 1)[0]
    if separator is None:
        separator = max((",", ";", "\t", "|"), key=header.count)
    columns = [c.strip() for c in next(csv.reader([header], delimiter=separator))]
    missing = [c for c in required if c not in columns]
    if missing:
        raise UnparseableFileError(
            f"{path}: missing required column(s) {', '.join(missing)}; the header has "
            f"{', '.join(columns[:20])}. Check the delimiter ({separator!r} was used) "
            "and the export"
        )
    try:
        return _read_csv_by_line(text, columns, separator)
    except UnparseableFileError as exc:
        raise UnparseableFileError(f"{path}: {exc}") from None


_QUOTED = r'"(?:[^"]|"")*"'


def _read_csv_by_line(text: str, columns: list[str], separator: str) -> Parsed:
    """Count each line's fields (quoted text removed first, vectorised), parse the well-formed
    lines with polars and reject the others one by one with their line number. Polars alone
    would pad a short row with nulls, and fail a whole file on one long row."""
    body = pl.Series(text.splitlines()[1:], dtype=pl.String)
    if not (body.str.count_matches('"', literal=True) % 2 == 0).all():
        return _read_csv_ragged(text, columns, separator)  # a quoted field spans lines
    table = pl.DataFrame({LINE: pl.int_range(2, body.len() + 2, eager=True), "text": body})
    table = table.filter(pl.col("text").str.strip_chars() != "").with_columns(
        fields=pl.col("text").str.replace_all(_QUOTED, "").str.count_matches(
            separator, literal=True) + 1)
    good = table.filter(pl.col("fields") == len(columns))
    bad = table.filter(pl.col("fields") != len(columns))
    if bad.height and not good.height:
        raise UnparseableFileError(
            f"no row has the header's {len(columns)} fields (first data row: "
            f"{bad['fields'][0]}); check the delimiter ({separator!r} was taken from the "
            "header) and the quoting of the export")
    rejects = bad.select(pl.col(LINE).cast(pl.Int64), pl.format(
        "has {} fields, the header has {}; fix the delimiter or quoting of this row",
        pl.col("fields"), pl.lit(len(columns))).alias("reason"), pl.col("text").alias("original"))
    if good.is_empty():
        frame = pl.DataFrame(schema={**dict.fromkeys(columns, pl.String), LINE: pl.Int64})
    else:
        frame = pl.read_csv(io.StringIO("\n".join(good["text"])), separator=separator,
                            infer_schema=False, has_header=False, new_columns=columns)
        frame = frame.with_columns(good[LINE].cast(pl.Int64))
    return Parsed(frame=frame, rejects=rejects)


def _read_csv_ragged(text: str, columns: list[str], separator: str) -> Parsed:
    """Slow path for files with ragged rows: keep the well-formed rows, reject the others."""
    good: list[list[str | None]] = []
    lines: list[int] = []
    rejects: list[tuple[int, str, str]] = []
    reader = csv.reader(io.StringIO(text), delimiter=separator)
    next(reader)
    for row in reader:
        line = reader.line_num
        if len(row) == len(columns):
            good.append([value if value != "" else None for value in row])
            lines.append(line)
        elif row:
            rejects.append((line, f"has {len(row)} fields, the header has {len(columns)}; "
                            "fix the delimiter or quoting of this row",
                            separator.join(row)))
    if rejects and not good:
        raise UnparseableFileError(
            f"no row has the header's {len(columns)} fields (first data row: "
            f"{len(next(csv.reader([rejects[0][2]], delimiter=separator)))}); check the delimiter "
            f"({separator!r} was taken from the header) and the quoting of the export")
    frame = pl.DataFrame(good, schema=dict.fromkeys(columns, pl.String), orient="row")
    frame = frame.with_columns(pl.Series(LINE, lines, dtype=pl.Int64))
    return Parsed(frame=frame, rejects=pl.DataFrame(rejects, schema=REJECT_SCHEMA, orient="row"))


def cast_or_reject(
    parsed: Parsed,
    types: Mapping[str, pl.DataType],
    converters: Mapping[str, pl.Expr] | None = None,
) -> Parsed:
    """Cast text columns to their types; a row with a value that does not cast is rejected with
    the column and value named. ``converters`` give an expression for columns that need more than
    a cast (timestamps with formats, unit conversions)."""
    frame = parsed.frame
    converters = dict(converters or {})
    casts = {
        name: converters.get(name, _text_to(name, dtype))
        for name, dtype in types.items() if name in frame.columns
    }
    typed = frame.with_columns(**{f"__typed_{k}": v for k, v in casts.items()})
    problems = [
        pl.when(pl.col(name).is_not_null() & (pl.col(name).str.strip_chars() != "")
                & pl.col(f"__typed_{name}").is_null())
        .then(pl.format("{} = '{}' is not a valid {}", pl.lit(name), pl.col(name),
                        pl.lit(_type_label(types[name]))))
        for name in casts
    ]
    typed = typed.with_columns(__reason=pl.concat_str(problems, separator="; ", ignore_nulls=True)
                               if problems else pl.lit(None, pl.String))
    bad = typed.filter(pl.col("__reason").is_not_null() & (pl.col("__reason") != ""))
    rejects = bad.select(pl.col(LINE), pl.col("__reason").alias("reason"),
                         original_json(frame).alias("original")) if bad.height else empty_rejects()
    good = typed.filter(pl.col("__reason").is_null() | (pl.col("__reason") == ""))
    good = good.with_columns(**{k: pl.col(f"__typed_{k}") for k in casts}).select(frame.columns)
    return Parsed(frame=good, rejects=pl.concat([parsed.rejects, rejects]), notes=parsed.notes)


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
