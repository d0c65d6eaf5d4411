"""Delimited text exports (CSV and the like) read with every column as text.

A row with the wrong number of fields is rejected with its line number, never guessed at
(polars alone would pad a short row with nulls and fail a whole file on one long row). The
usual file takes two vectorised polars reads of the same bytes, whole lines and columns, whose
rows line up with the file's lines; a layout where they would not (a quoted field spanning
lines, a bare carriage return, quoting polars refuses) is read line by line instead.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import polars as pl

from cxbridge.platform.ingest.base import (
    LINE,
    REJECT_SCHEMA,
    Parsed,
    UnparseableFileError,
    printable,
    read_bytes,
)


def read_csv_strings(
    path: Path, required: tuple[str, ...], separator: str | None = None, header_row: int = 1,
    units_rows: int = 0, footer_rows: int = 0,
) -> Parsed:
    """Read a delimited file with every column as text.

    Rows with the wrong number of fields are rejected (not guessed at). The separator is sniffed
    from the header when not given. Missing required columns reject the whole file. The header
    is on line ``header_row`` (1-based): the lines above it (an export's preamble) are not rows,
    and line numbers stay the file's. ``units_rows`` lines under the header (a row of units)
    and the last ``footer_rows`` non-blank lines (a "Total" row) are not rows either. A blank
    or repeated column name (an Excel export's trailing empty columns) becomes
    ``column N`` (its position) or ``NAME (2)``.
    """
    notes: list[str] = []
    data = read_bytes(path, notes)
    if header_row > 1:
        data = _after_preamble(path, data, header_row)
    if units_rows or footer_rows:
        data = _without_units_and_footer(data, units_rows, footer_rows)
    parsed = _without_repeated_headers(_read_csv_data(path, data, required, separator))
    if notes:
        parsed = Parsed(parsed.frame, parsed.rejects, (*parsed.notes, *notes))
    if header_row == 1 and not units_rows:
        return parsed
    shift = pl.col(LINE) + (header_row - 1 + units_rows)
    return Parsed(parsed.frame.with_columns(shift), parsed.rejects.with_columns(shift),
                  parsed.notes)


_REPEATED_HEADER = ("repeats the header line (exports joined into one file?); not a row: "
                    "nothing is lost, the rows around it are read")


def _without_repeated_headers(parsed: Parsed) -> Parsed:
    """The rows that repeat the header line (two exports concatenated, each with its header)
    moved to the rejects with that reason, rather than read as a row whose every value is
    its column's name (which a text-only column would load as it is)."""
    frame = parsed.frame
    named = [c for c in frame.columns if c != LINE and not _generated_name(c)]
    if not named or frame.is_empty():
        return parsed
    # one column first: a whole-row comparison of every row would cost a large PM file more
    # than reading it; rows repeating the header are rare, and only those rows go on (the
    # column alone is looked at first: filtering the frame costs even when nothing matches)
    found = frame[named[0]].str.contains(_plain_name(named[0]), literal=True)
    if not found.any():
        return parsed
    candidates = frame.filter(found)
    blank = [c for c in frame.columns if c != LINE and c not in named]
    same = pl.all_horizontal(
        *(pl.col(c).str.strip_chars().str.strip_chars('"') == _plain_name(c) for c in named),
        *(pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "") for c in blank))
    repeated = candidates.filter(same.fill_null(False))
    if repeated.is_empty():
        return parsed
    columns = [c for c in frame.columns if c != LINE]
    rejects = repeated.select(
        pl.col(LINE).cast(pl.Int64), pl.lit(_REPEATED_HEADER).alias("reason"),
        pl.concat_str([pl.col(c).fill_null("") for c in columns], separator=",")
        .alias("original"))
    return Parsed(frame.filter(~pl.col(LINE).is_in(repeated[LINE].implode())),
                  pl.concat([parsed.rejects, rejects]), parsed.notes)


def _generated_name(column: str) -> bool:
    """A name :func:`_unique_names` gave a blank header field (``column 7``)."""
    return column.startswith("column ") and column[7:].isdigit()


def _plain_name(column: str) -> str:
    """A header name as the file wrote it (``NAME (2)`` was a repeated ``NAME``)."""
    base, _, number = column.rpartition(" (")
    return base if base and number.endswith(")") and number[:-1].isdigit() else column


def _without_units_and_footer(data: bytes, units_rows: int, footer_rows: int) -> bytes:
    """The header line and the rows: the ``units_rows`` lines under the header and the last
    ``footer_rows`` non-blank lines dropped."""
    lines = data.splitlines(keepends=True)
    body = lines[1 + units_rows:]
    for _ in range(footer_rows):
        while body and not body[-1].strip():
            body.pop()
        if body:
            body.pop()
    return b"".join([*lines[:1], *body])


def _after_preamble(path: Path, data: bytes, header_row: int) -> bytes:
    """The bytes from line ``header_row`` on."""
    start = 0
    for _ in range(header_row - 1):
        start = data.find(b"\n", start) + 1
        if start == 0:
            raise UnparseableFileError(
                f"{path} has fewer than {header_row} lines, but its mapping says the header is "
                f"on line {header_row}; check header_row in the mapping, or the export")
    return data[start:]


def _read_csv_data(path: Path, data: bytes, required: tuple[str, ...], separator: str | None
                   ) -> Parsed:
    """:func:`read_csv_strings` on bytes that begin with the header line."""
    if not data or data.isspace():  # (not data.strip(): that copies the whole file)
        raise UnparseableFileError(f"{path} has no header line where one was expected")
    end = data.find(b"\n")
    header = data[:end if end >= 0 else len(data)].decode("utf-8").rstrip("\r")
    if separator is None:
        separator = max((",", ";", "\t", "|"), key=header.count)
    columns = _unique_names([c.strip() for c in next(csv.reader([header],
                                                                 delimiter=separator))])
    missing = [c for c in required if c not in columns]
    if missing:
        raise UnparseableFileError(
            f"{path}: missing required column(s) {', '.join(missing)}; the header has "
            f"{', '.join(printable(c, 40) for c in columns[:20])}. Check the delimiter "
            f"({separator!r} was used) "
            "and the export"
        )
    try:
        parsed = _read_csv_fast(data, columns, separator)
        if parsed is None:  # a layout the fast reader does not take: read it line by line
            parsed = _read_csv_by_line(data.decode("utf-8"), columns, separator)
        return parsed
    except UnparseableFileError as exc:
        raise UnparseableFileError(f"{path}: {exc}") from None
    except pl.exceptions.PolarsError:  # quoting polars will not read: Python's csv module will
        try:
            return _read_csv_ragged(data.decode("utf-8"), columns, separator)
        except UnparseableFileError as exc:
            raise UnparseableFileError(f"{path}: {exc}") from None


def _unique_names(columns: list[str]) -> list[str]:
    """Column names as read, a blank one named by its position, a repeated one numbered."""
    seen: dict[str, int] = {}
    names = []
    for position, name in enumerate(columns, start=1):
        name = name or f"column {position}"
        seen[name] = seen.get(name, 0) + 1
        names.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return names


_QUOTED = r'"(?:[^"]|"")*"'
_LINE_READER_SEPARATOR = b"\x1f"  # a byte that text exports do not contain


def _read_csv_fast(data: bytes, columns: list[str], separator: str) -> Parsed | None:
    """Two vectorised polars reads of the same bytes: once as whole lines (to count each line's
    fields, quoted text aside) and once as the header's columns. Each physical line is one row
    in both, so the line numbers line up. ``None`` where that cannot be relied on (a quoted
    field spanning lines, a bare carriage return, repeated column names, ...)."""
    if (len(separator) != 1 or len(set(columns)) != len(columns)
            or _LINE_READER_SEPARATOR in data
            or (b"\r" in data and data.count(b"\r") != data.count(b"\r\n"))):
        return None
    try:
        text = pl.read_csv(data, has_header=False, skip_lines=1, quote_char=None,
                           separator=_LINE_READER_SEPARATOR.decode(),
                           schema={"text": pl.String}, empty_string_is_null=False,
                           truncate_ragged_lines=True)["text"]
        fields = _field_counts(text, separator)
        if fields is None:
            return None
        values = pl.read_csv(data, has_header=False, skip_lines=1, separator=separator,
                             schema={c: pl.String for c in columns},
                             truncate_ragged_lines=True, missing_columns="insert",
                             extra_columns="ignore")
    except pl.exceptions.PolarsError:  # quoting it will not read
        return None
    if values.height != text.len():
        return None
    lines = pl.DataFrame({LINE: pl.int_range(2, text.len() + 2, eager=True, dtype=pl.Int64),
                          "text": text, "fields": fields})
    keep = lines["fields"] == len(columns)
    if len(columns) == 1:  # a blank line has one field too
        keep = keep & (text.str.strip_chars() != "")
    bad = lines.filter(~keep)
    bad = bad.filter(bad["text"].str.strip_chars() != "")  # blank lines are not rows
    good = values.filter(keep).with_columns(lines.filter(keep)[LINE])
    return _good_and_bad(good, bad, len(columns), separator)


def _field_counts(text: pl.Series, separator: str) -> pl.Series | None:
    """Each line's number of fields, separators inside quotes not counted; ``None`` when a
    line's quotes do not pair up (a quoted field that spans lines)."""
    fields = (text.str.count_matches(separator, literal=True) + 1).cast(pl.Int64)
    quoted = text.str.contains('"', literal=True)
    if not quoted.any():
        return fields
    where = quoted.arg_true()
    subset = text.gather(where)
    if not (subset.str.count_matches('"', literal=True) % 2 == 0).all():
        return None
    counted = (subset.str.replace_all(_QUOTED, "").str.count_matches(separator, literal=True)
               + 1).cast(pl.Int64)
    return fields.scatter(where, counted)


def _good_and_bad(good: pl.DataFrame, bad: pl.DataFrame, width: int, separator: str
                  ) -> Parsed:
    """The well-formed rows, and the others rejected with their field count and line."""
    if bad.height and not good.height:
        raise UnparseableFileError(
            f"no row has the header's {width} fields (first data row: "
            f"{bad['fields'][0]}); check the delimiter ({separator!r} was taken from the "
            "header) and the quoting of the export")
    rejects = bad.rechunk().select(pl.col(LINE).cast(pl.Int64), pl.format(
        "has {} fields, the header has {}; fix the delimiter or quoting of this row",
        pl.col("fields"), pl.lit(width)).alias("reason"), pl.col("text").alias("original"))
    if LINE not in good.columns:
        good = good.with_columns(pl.lit(None, pl.Int64).alias(LINE))
    return Parsed(frame=good, rejects=rejects)


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
    if good.is_empty():
        frame = pl.DataFrame(schema={**dict.fromkeys(columns, pl.String), LINE: pl.Int64})
    else:
        frame = pl.read_csv(io.StringIO("\n".join(good["text"])), separator=separator,
                            infer_schema=False, has_header=False, new_columns=columns)
        frame = frame.with_columns(good[LINE].cast(pl.Int64))
    return _good_and_bad(frame, bad, len(columns), separator)


def _read_csv_ragged(text: str, columns: list[str], separator: str) -> Parsed:
    """Slow path for files with ragged rows: keep the well-formed rows, reject the others."""
    good: list[list[str | None]] = []
    lines: list[int] = []
    rejects: list[tuple[int, str, str]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    next(reader)
    try:
        for row in reader:
            line = reader.line_num
            if len(row) == len(columns):
                good.append([value if value != "" else None for value in row])
                lines.append(line)
            elif row:
                rejects.append((line, f"has {len(row)} fields, the header has {len(columns)}; "
                                "fix the delimiter or quoting of this row",
                                separator.join(row)))
    except csv.Error as exc:  # a field over the csv module's limit (128 KiB), a stray NUL
        raise UnparseableFileError(
            f"line {reader.line_num} cannot be read as delimited text ({exc}); check the "
            "quoting of the export") from None
    if rejects and not good:
        raise UnparseableFileError(
            f"no row has the header's {len(columns)} fields (first data row: "
            f"{len(next(csv.reader([rejects[0][2]], delimiter=separator)))}); check the delimiter "
            f"({separator!r} was taken from the header) and the quoting of the export")
    frame = pl.DataFrame(good, schema=dict.fromkeys(columns, pl.String), orient="row")
    frame = frame.with_columns(pl.Series(LINE, lines, dtype=pl.Int64))
    return Parsed(frame=frame, rejects=pl.DataFrame(rejects, schema=REJECT_SCHEMA, orient="row"))
