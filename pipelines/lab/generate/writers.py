"""File writing: the only module of the generator that touches the file system.

Every file goes through a :class:`Ledger` that records its data rows and the dirty rows injected
into it, which becomes the per-file part of ``_truth/manifest.json``. Output is byte-stable:
explicit row order, fixed float formatting, ``\\n`` line ends, no timestamps of the run. The
ledger also knows the :class:`~.delivery.Delivery`: a data file of a feed that is not delivered
is neither written nor recorded (what it would hold does not depend on whether it is written).
"""

from __future__ import annotations

import io
import json
import shutil
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl
import yaml

from cxbridge.platform.errors import UserError

from .config import GENERATOR_NAME
from .delivery import Delivery
from .dirt import CsvDirtSpec, dirty_csv_parts, dirty_jsonl_parts

GENERATED_ENTRIES = ("manifest.json", "catalog", "topology", "customers", "services", "kpis",
                     "alarms", "usage", "tickets", "surveys", "_truth", "_mappings")
CSV_PART_ROWS = 100_000  # rows rendered to CSV at a time (bounded memory for big files)


class ExistingDataError(UserError, FileExistsError):
    """The output folder holds data the generator did not write."""


def prepare_output(out_dir: Path) -> None:
    """Create ``out_dir``; if it holds an earlier generated world, remove exactly the entries
    the generator writes. Refuse to touch raw data that a generator did not produce."""
    out_dir.mkdir(parents=True, exist_ok=True)
    present = [name for name in GENERATED_ENTRIES if (out_dir / name).exists()]
    if not present:
        return
    manifest = out_dir / "manifest.json"
    try:
        generated = json.loads(manifest.read_text()).get("generator") == GENERATOR_NAME
    except (OSError, ValueError, AttributeError):
        generated = False
    if not generated:
        raise ExistingDataError(
            f"{out_dir} already holds {', '.join(present)} but no manifest.json written by "
            f"{GENERATOR_NAME}; it may be an operator's real feed. Choose an empty folder or "
            "remove these entries yourself.")
    for name in present:
        path = out_dir / name
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()


@dataclass
class Ledger:
    """Rows and dirty rows written per file (paths relative to the output folder)."""

    root: Path
    delivery: Delivery = field(default_factory=Delivery)
    files: dict[str, dict] = field(default_factory=dict)

    def delivers(self, path: Path) -> bool:
        """Whether ``path`` (under the root) belongs to a delivered feed."""
        return self.delivery.writes_path(path.relative_to(self.root).as_posix())

    def record(self, path: Path, rows: int, dirt: Counter | None = None, late: int = 0) -> None:
        entry = {"rows": rows, "dirty_rows": sum((dirt or Counter()).values()),
                 "dirt": dict(sorted((dirt or Counter()).items()))}
        if late:
            entry["late_rows"] = late
        self.files[path.relative_to(self.root).as_posix()] = entry

    def total_rows(self, prefix: str) -> int:
        return sum(f["rows"] for p, f in self.files.items() if p.startswith(prefix))

    def clean_rows(self, prefix: str) -> int:
        return sum(f["rows"] - f["dirty_rows"] for p, f in self.files.items()
                   if p.startswith(prefix))


def _target(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def write_json(path: Path, document: dict) -> None:
    _target(path).write_text(json.dumps(document, indent=2, sort_keys=False) + "\n")


def write_yaml(path: Path, document: dict) -> None:
    _target(path).write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True))


def csv_bytes(frame: pl.DataFrame, separator: str = ",", decimal_comma: bool = False,
              header: bool = True) -> bytes:
    buffer = io.BytesIO()
    frame.write_csv(buffer, include_header=header, separator=separator, line_terminator="\n",
                    datetime_format="%Y-%m-%dT%H:%M:%SZ", date_format="%Y-%m-%d",
                    decimal_comma=decimal_comma)
    return buffer.getvalue()


def csv_parts(frame: pl.DataFrame) -> Iterator[pl.DataFrame]:
    """``frame`` in consecutive slices of ``CSV_PART_ROWS`` (no copies), at least one."""
    if frame.is_empty():
        yield frame
    else:
        yield from frame.iter_slices(CSV_PART_ROWS)


def write_csv(ledger: Ledger, path: Path, frame: pl.DataFrame, dirt: CsvDirtSpec | None = None,
              rate: float = 0.0, rng: np.random.Generator | None = None, late: int = 0,
              decimal_comma: bool = False) -> int:
    """Write a frame as CSV, adding dirty rows when a dirt spec and rate are given; returns
    the frame's (clean) rows, whether or not its feed is delivered."""
    return write_csv_parts(ledger, path, csv_parts(frame), frame.height, dirt, rate, rng, late,
                           decimal_comma)


def write_csv_parts(ledger: Ledger, path: Path, parts: Iterable[pl.DataFrame], n_rows: int,
                    dirt: CsvDirtSpec | None = None, rate: float = 0.0,
                    rng: np.random.Generator | None = None, late: int = 0,
                    decimal_comma: bool = False) -> int:
    """:func:`write_csv` of a frame that arrives in consecutive parts (``n_rows`` rows in all,
    at least one part, the first giving the header), each rendered, damaged and written as it
    comes: memory stays bounded by a part, not the file (a vendor A PM file is 2.7 M rows,
    210 MB, at scale 10). Same bytes as one part. Parts are not made when not delivered."""
    if not ledger.delivers(path):
        return n_rows
    separator = dirt.separator if dirt else ","
    rendered = (csv_bytes(part, separator, decimal_comma, header=number == 0)
                for number, part in enumerate(parts))
    if dirt is not None and rate > 0 and rng is not None:
        damaged = dirty_csv_parts(rendered, n_rows, dirt, rate, rng)
    else:
        damaged = ((data, Counter()) for data in rendered)
    counts = Counter()
    with _target(path).open("wb") as out:
        for data, part_counts in damaged:
            out.write(data)
            counts += part_counts
    ledger.record(path, n_rows + sum(counts.values()), counts, late)
    return n_rows


def write_jsonl_with_dirt(ledger: Ledger, path: Path, head: list[str], body: list[str],
                          rate: float, rng: np.random.Generator, required: tuple,
                          reference: tuple, unknown_id: str, known: Counter | None = None
                          ) -> None:
    """JSON lines: ``head`` untouched, then ``body`` with dirty records added."""
    write_jsonl_parts(ledger, path, head, [body], len(body), rate, rng, required, reference,
                      unknown_id, known)


def write_jsonl_parts(ledger: Ledger, path: Path, head: list[str], parts: Iterable[list[str]],
                      n_body: int, rate: float, rng: np.random.Generator, required: tuple,
                      reference: tuple, unknown_id: str, known: Counter | None = None) -> None:
    """:func:`write_jsonl_with_dirt` of a body that arrives in consecutive parts (``n_body``
    lines in all), each written as it comes: memory stays bounded by a part, not the file
    (the service inventory is 2 M lines, 1.7 GB, at scale 10). Same bytes as one part."""
    if not ledger.delivers(path):
        return
    rows, counts = len(head), Counter()
    with _target(path).open("w") as out:
        out.write("".join(line + "\n" for line in head))
        for lines, part_counts in dirty_jsonl_parts(parts, n_body, rate, rng, required,
                                                    reference, unknown_id):
            out.write("".join(line + "\n" for line in lines))
            rows += len(lines)
            counts += part_counts
    ledger.record(path, rows, counts + (known or Counter()))


def write_parquet(ledger: Ledger, path: Path, frame: pl.DataFrame,
                  counts: Counter | None = None) -> None:
    if not ledger.delivers(path):
        return
    frame.write_parquet(_target(path), compression="zstd", statistics=True)
    ledger.record(path, frame.height, counts)
