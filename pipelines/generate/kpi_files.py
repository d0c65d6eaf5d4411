"""Routing counter rows into the vendor PM files, including one late delivery.

Vendor A resources go to one file per UTC day; vendor B resources to one file per local day,
which needs the tail of the previous UTC day in summer time (hence a simulated lead day). With
dirt on, one day's A file misses two hours of one region's counters, which arrive in a
``..._late.csv`` file, as when a mediation server catches up after an outage.
"""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np
import polars as pl

from .clock import DAY_S
from .config import Component, WorldConfig
from .dialects import B_COLUMNS, vendor_a, vendor_b
from .dirt import CsvDirtSpec
from .kpis import DayNetwork
from .world import StaticWorld
from .writers import Ledger, write_csv

A_DIRT = CsvDirtSpec(",", ("START_TIME", "MO_ID"),
                     ("DL_THP_MBPS", "UTIL_PCT", "LAT_MS", "JITTER_MS", "PKT_LOSS_PCT",
                      "UNAVAIL_S"), "MO_ID", "PON-X99-999-99")
B_DIRT = CsvDirtSpec(";", ("PERIOD_START_TIME", "DN"),
                     ("THRPUT_DL_KBPS", "LOAD_PERMILLE", "AVG_RTT_US", "JITTER_US", "LOSS_RATIO",
                      "AVAIL_PCT"), "DN", "NE=CELL-X-9999-9")
LATE_WINDOW_S = (10 * 3600, 12 * 3600)


def dirt_rng(config: WorldConfig, relative_path: str) -> np.random.Generator:
    """A file's own dirt stream, stable across runs (keyed by its path, not by write order)."""
    return np.random.default_rng([config.seed, int(Component.DIRT),
                                  zlib.crc32(relative_path.encode())])


class KpiFiles:
    """Accepts each simulated UTC day's counters and writes the files that became complete."""

    def __init__(self, world: StaticWorld, out_dir: Path, ledger: Ledger):
        self.world, self.out_dir, self.ledger = world, out_dir, ledger
        vendors = world.vendors
        self.is_a = vendors == "A"
        self.ids = pl.Series(world.net.ids.astype(str))
        self.types = pl.Series(world.net.types.astype(str))
        self.previous_b: pl.DataFrame | None = None
        self.rows = 0
        config = world.config
        rng = np.random.default_rng([config.seed, int(Component.DIRT)])
        self.late_day = int(rng.integers(0, config.days)) if config.dirt_rate > 0 else -1
        regions = np.unique(world.net.regions[self.is_a])
        self.late_region = str(rng.choice(regions)) if regions.size else ""

    def add(self, day: int, network: DayNetwork) -> None:
        counters = network.counters
        vendor_a_rows = pl.Series(self.is_a[counters["res"].to_numpy()])
        b_today = counters.filter(~vendor_a_rows)
        if day >= 0:
            self._write_a(day, counters.filter(vendor_a_rows))
            self._write_b(day, b_today)
        self.previous_b = b_today

    def _write(self, path: Path, frame: pl.DataFrame, spec: CsvDirtSpec, late: int = 0) -> None:
        relative = path.relative_to(self.out_dir).as_posix()
        rate = self.world.config.dirt_rate if not path.stem.endswith("_late") else 0.0
        self.rows += write_csv(self.ledger, path, frame, spec, rate,
                               dirt_rng(self.world.config, relative), late=late)

    def _write_a(self, day: int, rows: pl.DataFrame) -> None:
        folder = self.out_dir / "kpis" / "vendor_a"
        stamp = self.world.clock.stamp(day)
        if day == self.late_day:
            late = self._late_mask(day, rows)
            self._write(folder / f"A_PM_{stamp}_late.csv", self._a(rows.filter(late)), A_DIRT,
                        late=int(late.sum()))
            rows = rows.filter(~late)
        self._write(folder / f"A_PM_{stamp}.csv", self._a(rows), A_DIRT)

    def _late_mask(self, day: int, rows: pl.DataFrame) -> pl.Series:
        region = pl.Series(self.world.net.regions[rows["res"].to_numpy()] == self.late_region)
        t = rows["t_s"] - day * DAY_S
        return region & (t >= LATE_WINDOW_S[0]) & (t < LATE_WINDOW_S[1])

    def _a(self, rows: pl.DataFrame) -> pl.DataFrame:
        return vendor_a(rows, self.ids, self.types, self.world.clock)

    def _write_b(self, day: int, today: pl.DataFrame) -> None:
        begin, end = self.world.clock.local_day_span(day)
        both = today if self.previous_b is None else pl.concat([self.previous_b, today])
        rows = both.filter((pl.col("t_s") >= begin) & (pl.col("t_s") < end))
        frame = (vendor_b(rows, self.ids, self.types, self.world.clock) if rows.height
                 else pl.DataFrame(schema=dict.fromkeys(B_COLUMNS, pl.String)))
        stamp = self.world.clock.stamp(day)
        self._write(self.out_dir / "kpis" / "vendor_b" / f"B_PM_{stamp}.csv", frame, B_DIRT)
