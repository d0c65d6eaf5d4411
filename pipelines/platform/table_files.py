"""Customer tables as people export them → a frame of text columns (I/O at the edge).

:func:`read_table` reads the table a person hands to ``cxbridge churn`` (train, score,
evaluate, and their side tables): CSV with any of ``,`` ``;`` tab ``|`` as separator, in UTF-8
(with or without a byte-order mark), UTF-16 or Windows-1252 / Latin-1, gzip'd or not, or
Parquet. Every CSV column stays text (types are inferred later, by
:mod:`cxbridge.models.churn.tabular`); header names are trimmed, an unnamed column is
``column_N`` (dropped when it is empty too: a spreadsheet's trailing separator) and rows with
no value at all are dropped. A workbook, a title line above the header, a repeated column name
or a ragged row is one clear :class:`TableFileError`. :func:`resolve_column` finds the column a
person meant when the name differs in case, spaces or underscores.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from pathlib import Path

import polars as pl

from cxbridge.platform.errors import UserError


class TableFileError(UserError, ValueError):
    """A table file that cannot be read as one; the message says what to change."""


SEPARATORS = (",", ";", "\t", "|")
WORKBOOKS = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods", ".numbers")


def read_table(path: Path) -> pl.DataFrame:
    """A CSV (any of , ; tab | as separator; UTF-8, UTF-16 or Windows/Latin-1 text; gzip'd or
    not) or Parquet file as a frame, every CSV column as text (types are inferred later).
    Header names are trimmed, an unnamed column is ``column_N`` (dropped when it is empty
    too: the trailing separator of a spreadsheet export), and rows with no value at all are
    dropped; a workbook, a repeated column name or a ragged row is one clear error."""
    if not path.is_file():
        raise TableFileError(f"no file at {path}")
    if path.stat().st_size == 0:
        raise TableFileError(f"{path} is empty")
    with path.open("rb") as handle:
        magic = handle.read(8)
    suffix = path.suffix.lower()
    if suffix in WORKBOOKS or magic.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        if suffix in WORKBOOKS or magic.startswith(b"\xd0\xcf\x11\xe0"):
            raise TableFileError(f"{path} is a spreadsheet workbook, which is not read: save "
                                 f"the sheet as CSV (CSV UTF-8) or Parquet and pass that file")
        raise TableFileError(f"{path} is a zip archive (or a workbook), which is not read: "
                             f"unpack it, or save the sheet as CSV or Parquet, and pass that "
                             f"file")
    try:
        if suffix == ".parquet" or magic.startswith(b"PAR1"):
            frame = pl.read_parquet(path)
            names = [str(name) for name in frame.columns]
        else:
            frame, names = _read_text_table(path, magic)
    except (pl.exceptions.PolarsError, OSError, UnicodeError, EOFError) as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise TableFileError(f"cannot read {path} as a table: {first_line}") from exc
    return _tidy(frame, names, path)


def _read_text_table(path: Path, magic: bytes) -> tuple[pl.DataFrame, list[str]]:
    """The text table's rows as text columns and its header's names (gzip undone, decoded,
    blank lines above the header skipped, the separator sniffed)."""
    raw = path.read_bytes()
    if magic.startswith(b"\x1f\x8b"):
        raw = gzip.decompress(raw)
    text = _decode(raw)
    if "\r" in text and "\n" not in text:        # classic Mac line ends
        text = text.replace("\r", "\n")
    text = re.sub(r"\A(?:[ \t,;|]*\r?\n)+", "", text)   # blank lines above the header
    try:
        separator = _sniff_separator(text)
    except TitleLineError:
        first = text.splitlines()[0][:40]
        raise TableFileError(f"the first line of {path} ({first!r}) is one field where the "
                             f"lines under it are many: if it is a title, delete the lines "
                             f"above the header") from None
    data = text.encode("utf-8")
    options = {"separator": separator, "has_header": False, "infer_schema": False}
    try:
        frame = pl.read_csv(io.BytesIO(data), **options)
    except pl.exceptions.ComputeError as exc:
        if "more fields" not in str(exc):
            raise
        _check_ragged(text, separator, path)   # raises unless the extra fields are all empty
        frame = pl.read_csv(io.BytesIO(data), truncate_ragged_lines=True, **options)
    if frame.height == 0:
        return frame, []
    names = ["" if name is None else name for name in frame.row(0)]
    return frame.slice(1), names


def _decode(raw: bytes) -> str:
    """UTF-8 (with or without a byte-order mark), UTF-16 with a byte-order mark (a
    spreadsheet's "Unicode text"), else Windows-1252 / Latin-1 (older spreadsheet exports)."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _sniff_separator(text: str) -> str:
    """The separator that splits the header into the most columns while (nearly) every
    other line of the first ones splits into as many; a comma on a tie."""

    lines = [line for line in text[:65536].splitlines()[:50] if line.strip()]
    if len(text) > 65536 and len(lines) > 1:
        lines = lines[:-1]            # the last line of the sample may be cut
    best, best_score = ",", (False, False, 0)
    below = 0        # the most columns the lines under the first split into, consistently
    for separator in SEPARATORS:
        widths = [len(row) for row in csv.reader(lines, delimiter=separator)]
        if not widths:
            continue
        same = sum(width == widths[0] for width in widths) / len(widths)
        score = (widths[0] > 1, same >= 0.9, widths[0])
        if score > best_score:
            best, best_score = separator, score
        rest = widths[1:]
        if rest and max(rest.count(width) for width in rest) >= 0.9 * len(rest):
            below = max(below, max(set(rest), key=rest.count))
    if best_score[2] == 1 and below > 1:
        raise TitleLineError(best)
    return best


class TitleLineError(Exception):
    """The first line is one field where the lines under it are many: a title above the
    header."""


def _check_ragged(text: str, separator: str, path: Path) -> None:

    rows = csv.reader(io.StringIO(text), delimiter=separator)
    width = len(next(rows, []))
    for number, row in enumerate(rows, start=2):
        if len(row) > width and any(cell.strip() for cell in row[width:]):
            shown = "tab" if separator == "\t" else repr(separator)
            advice = ("if the first line is a title, delete the lines above the header"
                      if width == 1 else "check the quoting of that line or the header")
            raise TableFileError(f"cannot read {path} as a table: line {number} has {len(row)} "
                                 f"fields but the header has {width} (separator {shown}); "
                                 f"{advice}")


def _tidy(frame, names: list[str], path: Path):
    """Trimmed unique column names, unnamed empty columns and wholly empty rows dropped."""
    names = [name.replace("\ufeff", "").strip() for name in names]
    if frame.width == 0 or frame.height == 0:
        raise TableFileError(f"{path} has no data rows")
    blank = [_blank(frame.to_series(i)) for i in range(frame.width)]
    keep = [i for i, name in enumerate(names) if name or not blank[i].all()]
    if not keep:
        raise TableFileError(f"{path} has no data rows")
    names = [names[i] or f"column_{i + 1}" for i in keep]
    seen: dict[str, list[int]] = {}
    for position, name in zip(keep, names, strict=True):
        seen.setdefault(name, []).append(position + 1)
    repeated = {name: where for name, where in seen.items() if len(where) > 1}
    if repeated:
        listed = "; ".join(f"{name!r} (columns {', '.join(map(str, where))})"
                           for name, where in list(repeated.items())[:5])
        raise TableFileError(f"{path}: column names repeat: {listed}; rename them so that each "
                             f"is unique (the model and its reasons name columns)")
    frame = pl.DataFrame([frame.to_series(i).alias(name) for i, name in zip(keep, names,
                                                                               strict=True)])
    empty_rows = pl.DataFrame([blank[i] for i in keep]).select(pl.all_horizontal(pl.all())
                                                               ).to_series()
    frame = frame.filter(~empty_rows)
    if frame.width == 0 or frame.height == 0:
        raise TableFileError(f"{path} has no data rows")
    return frame


def _blank(column):
    if column.dtype == pl.String:
        return column.is_null() | (column.str.strip_chars() == "")
    return column.is_null()


def resolve_column(columns: list[str], name: str | None) -> str | None:
    """The table's column meant by ``name``: as written, trimmed, else the one column equal
    to it ignoring case (and spaces, dashes and underscores); unchanged when none or several
    match, so that the error that follows lists the columns."""

    if name is None or name in columns:
        return name
    wanted = name.replace("\ufeff", "").strip()
    if wanted in columns:
        return wanted
    for fold in (str.casefold, lambda text: re.sub(r"[\s_\-]+", "", text).casefold()):
        matches = [column for column in columns if fold(column) == fold(wanted)]
        if len(matches) == 1:
            return matches[0]
    return wanted
