"""What every ingest job shares: the shape of a source, parsed rows, and row-level rejects.

A source module turns one file into a :class:`Parsed`: a typed frame of good-looking rows (each
with ``_line``, its line or record number in the file) and a frame of rows it could not even
type (``_line``, ``reason``, ``original``). Contracts (pandera) then check values; the loader
moves every failed row to quarantine with its reason, so that for every file
rows read = rows loaded + rows quarantined.

Reading and typing are vectorised: the common case (every value well formed) costs one polars
pass, and only the few rows that fail are looked at again to say exactly what is wrong.

Whatever the shape of the input, a reader rejects rather than raises: a JSON or YAML record is
read through :class:`Fields` (a field of the wrong type makes the record a reject naming the
field), a column that came typed (Parquet) through :func:`typed_columns`, text through
:func:`cast_or_reject` (a count is a whole number, never rounded), and a binary file is
rejected whole (:func:`read_bytes`). When an event may have happened is a :class:`TimeWindow`
(checked with the contract, :mod:`~cxbridge.platform.ingest.checks`).
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

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
class TimeWindow:
    """When an event or a measurement can plausibly have happened: not before ``earliest``
    (a sentinel such as 1970-01-01 or 1900-01-01, a wrong epoch) and not after now plus
    ``future_days`` (a sentinel such as 2099-12-31, a clock or a year typed wrong). The
    defaults suit any operator's data (the oldest public telecom data sets we read go back to
    2013); ``[ingest]`` in the config file changes them (:func:`window_of`)."""

    earliest: date = date(2000, 1, 1)
    future_days: float = 31.0
    # "now", fixed when given (tests, reproducible checks); else the clock when checked
    now: datetime | None = None

    def latest(self) -> datetime:
        """The latest plausible time, naive UTC (the warehouse convention)."""
        now = self.now or datetime.now(UTC).replace(tzinfo=None)
        return now + timedelta(days=self.future_days)

    def describe_latest(self) -> str:
        days = f"{self.future_days:g} day{'s' if self.future_days != 1 else ''}"
        return f"now + {days}, {self.latest():%Y-%m-%d %H:%M} UTC"


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
    # date columns that are dates of record, not event times (when a customer joined, when a
    # service starts or is planned to end): the plausible time window does not apply to them
    record_dates: tuple[str, ...] = ()
    # the times a row's event may plausibly carry (every other date and time column)
    time_window: TimeWindow = field(default_factory=lambda: TimeWindow())
    # a row whose key another file loaded already: by default the row loaded first stays and
    # the new one is quarantined as a duplicate; with this, the file of the latest delivery
    # date (in its name) holds the record in force (a CRM's daily full export: see
    # :mod:`~cxbridge.platform.ingest.deliveries`)
    latest_delivery_wins: bool = False
    # called in the file's transaction once its rows are in (``con``, the file's id): what a
    # person should know about the rows just loaded (e.g. how many carry times that
    # contradict each other), or None
    after_insert: Callable[[Any, str], str | None] | None = None


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


WINDOWS_1252_NOTE = ("read as Windows-1252 text, not UTF-8 (a spreadsheet's \"CSV\" on "
                     "Windows): check that accented names read right")


def read_bytes(path: Path, notes: list[str] | None = None) -> bytes:
    """The file's bytes as UTF-8 (a byte-order mark is dropped). A file that is not UTF-8 but
    reads as Windows-1252, which is what a spreadsheet on Windows saves as "CSV" (every byte
    a character there: Latin-1 text too), is read as that, with :data:`WINDOWS_1252_NOTE`
    added to ``notes``; anything else is a clear error."""
    data = path.read_bytes()
    if not data or data.isspace():
        raise UnparseableFileError(f"{path} is empty: expected a header and rows")
    binary = binary_offset(data)
    if binary is not None:
        raise UnparseableFileError(
            f"{path} is a binary file, not text (control byte 0x{data[binary]:02x} at byte "
            f"{binary}): expected a text export (CSV, JSON lines or YAML); check that the "
            "right file was delivered, not a compressed or damaged one")
    if not data.isascii():
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            try:
                data = data.decode("cp1252").encode("utf-8")
            except UnicodeDecodeError:
                raise UnparseableFileError(
                    f"{path} is not UTF-8 (byte {exc.start} is 0x{data[exc.start]:02x}), nor "
                    "Windows-1252 text; re-export it as UTF-8"
                ) from exc
            if notes is not None:
                notes.append(WINDOWS_1252_NOTE)
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
    need not all be in memory at once); an object of the wrong shape for it (``each`` raises
    :class:`RecordShapeError`, see :class:`Fields`) is a reject naming the field."""
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
        except (RecursionError, ValueError) as exc:  # nested too deep, a number too long
            rejects.append((number, f"invalid JSON ({_decoder_problem(exc)})", text))
            continue
        if not isinstance(value, dict):
            rejects.append((number, f"a line must hold one JSON object ({what}), not "
                                    f"{describe_value(value)}", text))
        elif each is not None:
            found += 1  # an object, even if not of the shape ``each`` reads
            try:
                each(number, value)
            except RecordShapeError as exc:
                rejects.append((number, exc.reason, text))
        else:
            objects.append((number, value))
            found += 1
    if rejects and not found:
        raise UnparseableFileError(f"{path}: no line is a valid JSON object "
                                   f"(first problem: line {rejects[0][0]}: {rejects[0][1]})")
    return objects, pl.DataFrame(rejects, schema=REJECT_SCHEMA, orient="row")


def _decoder_problem(exc: BaseException) -> str:
    if isinstance(exc, RecursionError):
        return "nested too deeply to read"
    return printable(str(exc), 120)


class RecordShapeError(ValueError):
    """A field of a JSON (or YAML) record holds the wrong kind of value; ``reason`` names the
    field, what it holds and what was expected, for the record's quarantine row."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)

    @classmethod
    def of(cls, field_name: str, value: Any, expected: str) -> RecordShapeError:
        """The error for a field that holds ``value`` where ``expected`` was expected."""
        return cls(f"{field_name} is {describe_value(value)}, expected {expected}")


def describe_value(value: Any) -> str:
    """A JSON value in words, for reasons: "a string ('x')", "a number (5)", "a list"."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, int | float):
        return f"a number ({printable(repr(value), 40)})"
    if isinstance(value, str):
        return f"a string ('{printable(value, 40)}')" if value else "an empty string"
    if isinstance(value, list):
        return "a list" if value else "an empty list"
    if isinstance(value, dict):
        return "an object"
    return f"a {type(value).__name__}"


# how deep records may nest where a reader follows them (inline supporting services)
MAX_NESTING = 32


class Fields:
    """One JSON or YAML record read field by field, each as the kind of value the reader
    expects: an object, a list of objects, text, a flag. A scalar where text is expected
    (a number as an id) is taken as its text; any other wrong shape (a string where an object
    is expected, a list as an id) raises :class:`RecordShapeError` naming the field, which
    makes the record a reject (see :func:`read_json_lines`) instead of an exception.

    Absent and null fields read as nothing (an empty object, no objects, ``None``), so readers
    stay as short as ``record.obj("event").obj("alarm").text("id")``."""

    __slots__ = ("_path", "values")

    def __init__(self, values: Mapping[str, Any] | None = None, path: str = "") -> None:
        self.values: Mapping[str, Any] = values if values is not None else {}
        self._path = path

    def __bool__(self) -> bool:
        return bool(self.values)

    def __contains__(self, key: str) -> bool:
        return key in self.values

    @property
    def path(self) -> str:
        """Where the record sits in its line (``supportingService[0]``; empty: the line)."""
        return self._path

    def name(self, key: str) -> str:
        """The field's name as a reason gives it (``event.alarm.alarmedObject``)."""
        return f"{self._path}.{key}" if self._path else key

    def get(self, key: str) -> Any:
        """The field's value as it came (any JSON value)."""
        return self.values.get(key)

    def obj(self, key: str) -> Fields:
        """An object field (absent or null: an empty one)."""
        value = self.values.get(key)
        if value is None:
            return Fields({}, self.name(key))
        if isinstance(value, dict):
            return Fields(value, self.name(key))
        raise RecordShapeError.of(self.name(key), value, "an object")

    def first(self, key: str) -> Fields:
        """An object, or the first of a list of objects (TMF642 sends one where MEF sends a
        list, and the other way round)."""
        value = self.values.get(key)
        if isinstance(value, list):
            if not value:
                return Fields({}, self.name(key))
            if not isinstance(value[0], dict):
                raise RecordShapeError.of(f"{self.name(key)}[0]", value[0], "an object")
            return Fields(value[0], f"{self.name(key)}[0]")
        if value is None or isinstance(value, dict):
            return Fields(value, self.name(key))
        raise RecordShapeError.of(self.name(key), value, "an object or a list of objects")

    def objects(self, key: str) -> list[Fields]:
        """A list of objects (absent or null: none; a single object: a list of one)."""
        value = self.values.get(key)
        if value is None:
            return []
        if isinstance(value, dict):
            return [Fields(value, self.name(key))]
        if not isinstance(value, list):
            raise RecordShapeError.of(self.name(key), value, "a list of objects")
        found = []
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                raise RecordShapeError.of(f"{self.name(key)}[{index}]", item, "an object")
            found.append(Fields(item, f"{self.name(key)}[{index}]"))
        return found

    def text(self, key: str) -> str | None:
        """A text field; a number (an id sent as 12) or a date (YAML reads 2026-10-01 as one)
        is taken as its text."""
        value = self.values.get(key)
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return json.dumps(value)
        if isinstance(value, date):  # (datetime is a date too)
            return value.isoformat()
        raise RecordShapeError.of(self.name(key), value, "text")

    def flag(self, key: str) -> bool | None:
        """A true/false field (also the text "true"/"false")."""
        value = self.values.get(key)
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _FLAG_WORDS:
            return _FLAG_WORDS[value.strip().lower()]
        raise RecordShapeError.of(self.name(key), value, "true or false")


_FLAG_WORDS = {"true": True, "false": False, "yes": True, "no": False}

# control characters (C0, DEL, C1) and the bidirectional overrides that reorder what a
# terminal shows
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str, limit: int = 200) -> str:
    """Text from a file made safe to show on a terminal or in a message: control characters
    escaped (``\\x1b``, ``\\n``) and cut to ``limit`` characters (``…`` marks the cut)."""
    text = str(text)
    cut = len(text) > limit
    shown = _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"),
                             text[:limit])
    return shown + ("…" if cut else "")


def binary_offset(data: bytes, sample: int = 1 << 16) -> int | None:
    """Where a file's first bytes show it is binary, not text: the offset of its first NUL
    byte, or, when more than a tenth of its first bytes are control bytes (not tab, line
    breaks or form feed), of the first of them; ``None`` for text."""
    head = data[:sample]
    nul = head.find(b"\x00")
    if nul >= 0:
        return nul
    controls = [i for i, byte in enumerate(head[:4096])
                if byte < 32 and byte not in (9, 10, 12, 13)]
    return controls[0] if len(controls) * 10 > min(len(head), 4096) else None


def typed_columns(parsed: Parsed, types: Mapping[str, pl.DataType],
                  labels: Mapping[str, str] | None = None) -> Parsed:
    """Columns that came typed (Parquet, Arrow) as the contract types them. A lossless cast is
    taken as it is (a narrower integer, a float column as a float, a timestamp as a date);
    any other column (text where a number or date is expected, a float where a whole number
    is) goes as text through :func:`cast_or_reject`, so a value that is no value of its type
    rejects its row, with the column and the value, as in a CSV file."""
    frame = parsed.frame
    direct, as_text = {}, {}
    for name, dtype in types.items():
        if name not in frame.columns:
            continue
        have = frame.schema[name]
        if have == dtype:
            continue
        if _lossless(have, dtype):
            direct[name] = pl.col(name).dt.date() if isinstance(have, pl.Datetime) \
                else pl.col(name).cast(dtype)
        else:
            as_text[name] = _as_text(frame[name])
    frame = frame.with_columns(**direct, **as_text)
    return cast_or_reject(Parsed(frame, parsed.rejects, parsed.notes),
                          {n: types[n] for n in as_text}, labels=labels)


def _lossless(have: pl.DataType, want: pl.DataType) -> bool:
    if have == pl.Null:
        return True
    if want.is_integer():
        return have.is_integer()
    if want.is_float():
        return have.is_numeric()
    if want == pl.Date:
        return isinstance(have, pl.Datetime)
    if isinstance(want, pl.Datetime):
        return isinstance(have, pl.Datetime) or have == pl.Date
    if want == pl.String:
        return not have.is_nested() and have not in (pl.Binary, pl.Object)
    return False


def _as_text(values: pl.Series) -> pl.Series:
    """A typed column as text, value by value (a nested value as its JSON)."""
    if values.dtype.is_nested() or values.dtype in (pl.Binary, pl.Object):
        return pl.Series(values.name, [None if v is None else printable(json.dumps(
            v, default=str), 200) for v in values.to_list()], dtype=pl.String)
    return values.cast(pl.String)


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
    good = frame.with_columns(typed).select(frame.columns)
    if suspects.len():
        problems, bad_lines = _cast_problems(frame[suspects], typed[suspects], names, types,
                                             dict(labels or {}))
        if bad_lines.len():  # (one filter, of the typed rows: the text they replace is let go)
            good = good.filter(~pl.col(LINE).is_in(bad_lines.implode()))
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
    if dtype.is_integer():
        return whole_number(text, dtype)
    return text.cast(dtype, strict=False)


def whole_number(text: pl.Expr, dtype: pl.DataType = pl.Int64) -> pl.Expr:
    """Text to a whole number: "2", also "2.0" or "2e3" (a whole value written as a float);
    null for "1.5" (a count is never a fraction: a reject, never rounded) and for a float too
    large to be exact."""
    number = text.cast(pl.Float64, strict=False)
    whole = number.is_finite() & (number == number.round(0)) & (number.abs() < 2.0 ** 53)
    return pl.coalesce(text.cast(dtype, strict=False),
                       pl.when(whole).then(number).cast(dtype, strict=False))


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
