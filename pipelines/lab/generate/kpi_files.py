"""Routing counter rows into the vendor PM files, including one late delivery.

Vendor A resources go to one file per UTC day; vendor B (and, when delivered, vendor C)
resources to one file per local day, which needs the tail of the previous UTC day in summer
time (hence a simulated lead day). With dirt on, one day's A file misses two hours of one
region's counters, which arrive in a ``..._late.csv`` file, as when a mediation server catches
up after an outage. When the kpis feed is not delivered, rows are only counted.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl

from .clock import DAY_S
from .config import Component, WorldConfig
from .dialects import B_COLUMNS, C_COLUMNS, vendor_a, vendor_b, vendor_c
from .dirt import JUNK_NUMBERS, CsvDirtSpec
from .kpis import DayNetwork
from .world import StaticWorld
from .writers import Ledger, csv_parts, write_csv_parts

A_DIRT = CsvDirtSpec(",", ("START_TIME", "MO_ID"),
                     ("DL_THP_MBPS", "UTIL_PCT", "LAT_MS", "JITTER_MS", "PKT_LOSS_PCT",
                      "UNAVAIL_S"), "MO_ID", "PON-X99-999-99")
B_DIRT = CsvDirtSpec(";", ("PERIOD_START_TIME", "DN"),
                     ("THRPUT_DL_KBPS", "LOAD_PERMILLE", "AVG_RTT_US", "JITTER_US", "LOSS_RATIO",
                      "AVAIL_PCT"), "DN", "NE=CELL-X-9999-9")
# "12,5" is a number where the decimal mark is a comma, so it is no junk in a C file.
C_DIRT = CsvDirtSpec(";", ("DATE", "TIME", "CELL_NAME"),
                     ("PRB_UTIL_DL_PCT", "ACTIVE_UE_AVG", "DL_THP_KBPS", "CELL_AVAIL_PCT"),
                     "CELL_NAME", "CELL-X-9999-9",
                     junk=tuple(j for j in JUNK_NUMBERS if j != "12,5"))
LATE_WINDOW_S = (10 * 3600, 12 * 3600)
LOCAL_DIALECTS = {"B": ("vendor_b", "B_PM", B_DIRT), "C": ("vendor_c", "C_PM", C_DIRT)}


def dirt_rng(config: WorldConfig, relative_path: str) -> np.random.Generator:
    """A file's own dirt stream, stable across runs (keyed by its path, not by write order)."""
    return np.random.default_rng([config.seed, int(Component.DIRT),
                                  zlib.crc32(relative_path.encode())])


def extras_rng(config: WorldConfig, relative_path: str) -> np.random.Generator:
    """A file's stream for the counters only its dialect carries (keyed by its path)."""
    return np.random.default_rng([config.seed, int(Component.PM_EXTRAS),
                                  zlib.crc32(relative_path.encode())])


class KpiFiles:
    """Accepts each simulated UTC day's counters and writes the files that became complete."""

    def __init__(self, world: StaticWorld, out_dir: Path, ledger: Ledger, vendors: np.ndarray):
        self.world, self.out_dir, self.ledger = world, out_dir, ledger
        self.vendors = vendors
        self.local = tuple(d for d in LOCAL_DIALECTS if (vendors == d).any())
        self.write = ledger.delivery.writes("kpis")
        self.ids = pl.Series(world.net.ids.astype(str))
        self.types = pl.Series(world.net.types.astype(str))
        self.previous: dict[str, pl.DataFrame] = {}
        self.rows = 0
        config = world.config
        rng = np.random.default_rng([config.seed, int(Component.DIRT)])
        self.late_day = int(rng.integers(0, config.days)) if config.dirt_rate > 0 else -1
        regions = np.unique(world.net.regions[vendors == "A"])
        self.late_region = str(rng.choice(regions)) if regions.size else ""

    def add(self, day: int, network: DayNetwork) -> None:
        counters = network.counters
        vendor = pl.Series(self.vendors[counters["res"].to_numpy()])
        if day >= 0:
            self._write_a(day, counters.filter(vendor == "A"))
        # tomorrow's local day needs only the tail of today that falls in it (none in winter)
        tomorrow = self.world.clock.local_day_span(day + 1)[0]
        for dialect in self.local:
            today = counters.filter(vendor == dialect)
            if day >= 0:
                self._write_local(dialect, day, today)
            self.previous[dialect] = today.filter(pl.col("t_s") >= tomorrow)

    def _write(self, path: Path, rows: pl.DataFrame, render: Callable[..., pl.DataFrame],
               spec: CsvDirtSpec, late: int = 0, decimal_comma: bool = False,
               row_by_row: bool = True) -> None:
        """Render canonical ``rows`` in a dialect and write them; only count them when the
        kpis feed is not delivered (rendering is most of the cost). A ``row_by_row`` render
        (A, B) is done a slice of rows at a time as the file is written, so memory is bounded
        by a slice, not the file; C draws its extras for the whole file at once."""
        if not self.write:
            self.rows += rows.height
            return
        relative = path.relative_to(self.out_dir).as_posix()
        rate = self.world.config.dirt_rate if not path.stem.endswith("_late") else 0.0
        parts = ((render(part, relative) for part in csv_parts(rows)) if row_by_row
                 else csv_parts(render(rows, relative)))
        self.rows += write_csv_parts(self.ledger, path, parts, rows.height, spec, rate,
                                     dirt_rng(self.world.config, relative), late=late,
                                     decimal_comma=decimal_comma)

    def _write_a(self, day: int, rows: pl.DataFrame) -> None:
        folder = self.out_dir / "kpis" / "vendor_a"
        stamp = self.world.clock.stamp(day)
        if day == self.late_day:
            late = self._late_mask(day, rows)
            self._write(folder / f"A_PM_{stamp}_late.csv", rows.filter(late), self._a, A_DIRT,
                        late=int(late.sum()))
            rows = rows.filter(~late)
        self._write(folder / f"A_PM_{stamp}.csv", rows, self._a, A_DIRT)

    def _late_mask(self, day: int, rows: pl.DataFrame) -> pl.Series:
        region = pl.Series(self.world.net.regions[rows["res"].to_numpy()] == self.late_region)
        t = rows["t_s"] - day * DAY_S
        return region & (t >= LATE_WINDOW_S[0]) & (t < LATE_WINDOW_S[1])

    def _a(self, rows: pl.DataFrame, relative: str) -> pl.DataFrame:
        return vendor_a(rows, self.ids, self.types, self.world.clock)

    def _b(self, rows: pl.DataFrame, relative: str) -> pl.DataFrame:
        if not rows.height:
            return pl.DataFrame(schema=dict.fromkeys(B_COLUMNS, pl.String))
        return vendor_b(rows, self.ids, self.types, self.world.clock)

    def _c(self, rows: pl.DataFrame, relative: str) -> pl.DataFrame:
        if not rows.height:
            return pl.DataFrame(schema=dict.fromkeys(C_COLUMNS, pl.String))
        return vendor_c(rows, self.ids, self.world.clock, extras_rng(self.world.config, relative))

    def _write_local(self, dialect: str, day: int, today: pl.DataFrame) -> None:
        """One local day's file of a local-time dialect (B or C)."""
        begin, end = self.world.clock.local_day_span(day)
        previous = self.previous.get(dialect)
        both = today if previous is None else pl.concat([previous, today])
        rows = both.filter((pl.col("t_s") >= begin) & (pl.col("t_s") < end))
        folder, prefix, spec = LOCAL_DIALECTS[dialect]
        path = self.out_dir / "kpis" / folder / f"{prefix}_{self.world.clock.stamp(day)}.csv"
        render = self._b if dialect == "B" else self._c
        self._write(path, rows, render, spec, decimal_comma=dialect == "C",
                    row_by_row=dialect != "C")
