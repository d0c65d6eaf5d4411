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
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl
import yaml

from cxbridge.platform.errors import UserError

from .config import GENERATOR_NAME
from .delivery import Delivery
from .dirt import CsvDirtSpec, dirty_csv, dirty_jsonl

GENERATED_ENTRIES = ("manifest.json", "catalog", "topology", "customers", "services", "kpis",
                     "alarms", "usage", "tickets", "surveys", "_truth", "_mappings")


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


def csv_bytes(frame: pl.DataFrame, separator: str = ",", decimal_comma: bool = False) -> bytes:
    buffer = io.BytesIO()
    frame.write_csv(buffer, separator=separator, line_terminator="\n",
                    datetime_format="%Y-%m-%dT%H:%M:%SZ", date_format="%Y-%m-%d",
                    decimal_comma=decimal_comma)
    return buffer.getvalue()


def write_csv(ledger: Ledger, path: Path, frame: pl.DataFrame, dirt: CsvDirtSpec | None = None,
              rate: float = 0.0, rng: np.random.Generator | None = None, late: int = 0,
              decimal_comma: bool = False) -> int:
    """Write a frame as CSV, adding dirty rows when a dirt spec and rate are given; returns
    the frame's (clean) rows, whether or not its feed is delivered."""
    if not ledger.delivers(path):
        return frame.height
    separator = dirt.separator if dirt else ","
    data, counts = csv_bytes(frame, separator, decimal_comma), Counter()
    if dirt is not None and rate > 0 and rng is not None:
        data, counts = dirty_csv(data, dirt, rate, rng)
    _target(path).write_bytes(data)
    ledger.record(path, frame.height + sum(counts.values()), counts, late)
    return frame.height


def write_jsonl(ledger: Ledger, path: Path, lines: list[str], counts: Counter | None = None
                ) -> None:
    if not ledger.delivers(path):
        return
    _target(path).write_text("".join(line + "\n" for line in lines))
    ledger.record(path, len(lines), counts)


def write_jsonl_with_dirt(ledger: Ledger, path: Path, head: list[str], body: list[str],
                          rate: float, rng: np.random.Generator, required: tuple,
                          reference: tuple, unknown_id: str, known: Counter | None = None
                          ) -> None:
    """JSON lines: ``head`` untouched, then ``body`` with dirty records added."""
    if not ledger.delivers(path):
        return
    dirty, counts = dirty_jsonl(body, rate, rng, required, reference, unknown_id)
    write_jsonl(ledger, path, head + dirty, counts + (known or Counter()))


def write_parquet(ledger: Ledger, path: Path, frame: pl.DataFrame,
                  counts: Counter | None = None) -> None:
    if not ledger.delivers(path):
        return
    frame.write_parquet(_target(path), compression="zstd", statistics=True)
    ledger.record(path, frame.height, counts)
