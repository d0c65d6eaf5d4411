"""Damage the way real feeds are damaged, and count every damaged row.

At ``dirt_rate`` per row a file gets extra bad rows: a row with a field missing or one too many,
a number that is not a number (``n/a``, ``12,5``), an exact duplicate, a row with a required
field empty, or a row pointing at something that does not exist (a KPI for an unknown resource,
a ticket for an unknown customer). Bad rows are *added* next to the good row they were copied
from, so nothing true is lost: rows in a file = clean rows + dirty rows, and ingest must
quarantine exactly the dirty ones. Counts per kind go to ``_truth/manifest.json``.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
import polars as pl

JUNK_NUMBERS = ("n/a", "12,5", "#VALUE!", "NaN%", "--")


@dataclass(frozen=True)
class CsvDirtSpec:
    """Where a CSV file can be damaged: its separator, the key and foreign-key columns,
    required columns, numeric columns, an id that exists nowhere, and the junk that is not a
    number in the file's notation."""

    separator: str
    required: tuple[str, ...]
    numeric: tuple[str, ...] = ()
    reference: str | None = None
    unknown_id: str = ""
    junk: tuple[str, ...] = JUNK_NUMBERS

    def kinds(self) -> tuple[str, ...]:
        kinds = ["malformed_field_count", "duplicate", "null_required"]
        if self.numeric:
            kinds.append("non_numeric")
        if self.reference:
            kinds.append("unknown_reference")
        return tuple(kinds)


def _pick(rng: np.random.Generator, n_rows: int, rate: float, kinds) -> list[tuple[int, str]]:
    if rate <= 0 or n_rows == 0:
        return []
    count = int(rng.binomial(n_rows, rate))
    rows = np.sort(rng.choice(n_rows, size=min(count, n_rows), replace=False))
    return [(int(r), str(kinds[k])) for r, k in zip(rows, rng.integers(0, len(kinds), rows.size),
                                                     strict=True)]


def _damage_csv_row(line: str, kind: str, header: list[str], spec: CsvDirtSpec,
                    rng: np.random.Generator) -> str:
    fields = next(csv.reader([line], delimiter=spec.separator))
    if kind == "malformed_field_count":
        fields = fields[:-1] if rng.random() < 0.5 else [*fields, "extra"]
    elif kind == "non_numeric":
        fields[header.index(spec.numeric[int(rng.integers(len(spec.numeric)))])] = str(
            spec.junk[int(rng.integers(len(spec.junk)))])
    elif kind == "null_required":
        fields[header.index(spec.required[int(rng.integers(len(spec.required)))])] = ""
    elif kind == "unknown_reference":
        fields[header.index(spec.reference)] = spec.unknown_id
    out = io.StringIO()
    csv.writer(out, delimiter=spec.separator, lineterminator="").writerow(fields)
    return out.getvalue()


def dirty_csv(data: bytes, spec: CsvDirtSpec, rate: float,
              rng: np.random.Generator) -> tuple[bytes, Counter]:
    """CSV bytes (header + rows, ``\\n`` line ends, no embedded newlines) with bad rows added."""
    ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
    if ends.size < 2:
        return data, Counter()
    parts = list(dirty_csv_parts([data], int(ends.size) - 1, spec, rate, rng))
    return b"".join(part for part, _ in parts), sum((c for _, c in parts), Counter())


def dirty_csv_parts(parts: Iterable[bytes], n_rows: int, spec: CsvDirtSpec, rate: float,
                    rng: np.random.Generator) -> Iterator[tuple[bytes, Counter]]:
    """:func:`dirty_csv` of a file that arrives in consecutive parts of whole lines (the
    header starts the first; ``n_rows`` data rows in all): yields each part damaged, with its
    counts, so a big file is never held whole. The rows picked, their damage and the draws
    from ``rng`` do not depend on how the file is cut."""
    picks = iter(_pick(rng, n_rows, rate, spec.kinds()))
    pick = next(picks, None)
    header: list[str] = []
    first_row = 0  # data row number of the part's first data line
    for number, data in enumerate(parts):
        ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
        skip = 1 if number == 0 else 0  # the header line
        if number == 0 and ends.size:
            header = next(csv.reader([data[:ends[0]].decode()], delimiter=spec.separator))
        pieces, start, counts = [], 0, Counter()
        while pick is not None and pick[0] < first_row + ends.size - skip:
            row, kind = pick
            line_number = row - first_row + skip
            begin = ends[line_number - 1] + 1 if line_number else 0
            end = ends[line_number]
            line = data[begin:end].decode()
            bad = line if kind == "duplicate" else _damage_csv_row(line, kind, header, spec, rng)
            pieces += [data[start:end + 1], bad.encode() + b"\n"]
            start = end + 1
            counts[kind] += 1
            pick = next(picks, None)
        pieces.append(data[start:])
        first_row += ends.size - skip
        yield b"".join(pieces), counts
    if first_row != n_rows:
        raise ValueError(f"expected {n_rows} CSV rows of one line each, got {first_row} lines")


def _damage_json(line: str, kind: str, required_path: tuple[str, ...],
                 reference_path: tuple, unknown_id: str, rng: np.random.Generator) -> str:
    if kind == "malformed_json":
        return line[: int(rng.integers(10, max(11, len(line) - 5)))]
    record = json.loads(line)
    path, value = ((required_path, None) if kind == "null_required"
                   else (reference_path, unknown_id))
    target = record
    for key in path[:-1]:
        target = target[key]
        target = target[0] if isinstance(target, list) and target else target
    if isinstance(target, list):  # e.g. the MEF list-shaped alarmedObject
        target = target[0]
    target[path[-1]] = value
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


JSONL_KINDS = ("malformed_json", "duplicate", "null_required", "unknown_reference")


def dirty_jsonl_parts(parts: Iterable[list[str]], n_lines: int, rate: float,
                      rng: np.random.Generator, required_path: tuple, reference_path: tuple,
                      unknown_id: str) -> Iterator[tuple[list[str], Counter]]:
    """JSON lines with bad records added (truncated JSON, duplicates, a required field null,
    an unknown reference), for lines that arrive in consecutive parts (``n_lines`` in all):
    yields each part damaged, with its counts, so a big file is never held whole. The rows
    picked, their damage and the draws from ``rng`` do not depend on how the lines are cut."""
    picks = dict(_pick(rng, n_lines, rate, JSONL_KINDS))
    first = 0
    for lines in parts:
        out, counts = [], Counter()
        for i, line in enumerate(lines, start=first):
            out.append(line)
            kind = picks.get(i)
            if kind:
                out.append(line if kind == "duplicate" else
                           _damage_json(line, kind, required_path, reference_path, unknown_id,
                                        rng))
                counts[kind] += 1
        first += len(lines)
        yield out, counts
    if first != n_lines:
        raise ValueError(f"expected {n_lines} JSON lines, got {first}")


def dirty_frame(frame: pl.DataFrame, rate: float, rng: np.random.Generator, key: str,
                unknown_id: str, numeric: str) -> tuple[pl.DataFrame, Counter]:
    """A typed table (Parquet) with bad rows added after their originals: duplicates, a null
    key, an unknown key, a negative amount."""
    kinds = ("duplicate", "null_required", "unknown_reference", "negative_value")
    picks = _pick(rng, frame.height, rate, kinds)
    if not picks:
        return frame, Counter()
    rows = np.array([r for r, _ in picks])
    kind = pl.Series([k for _, k in picks])
    bad = frame[rows].with_columns(
        pl.when(kind == "null_required").then(None)
        .when(kind == "unknown_reference").then(pl.lit(unknown_id))
        .otherwise(pl.col(key)).alias(key),
        pl.when(kind == "negative_value").then(-pl.col(numeric) - 1)
        .otherwise(pl.col(numeric)).alias(numeric))
    order = np.r_[np.arange(frame.height), rows + 0.5]
    merged = pl.concat([frame, bad]).with_columns(_order=pl.Series(order)).sort("_order")
    return merged.drop("_order"), Counter(kind.to_list())
