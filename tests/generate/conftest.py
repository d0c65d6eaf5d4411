"""Small generated worlds shared by the generator tests, and readers for their files.

The worlds start on 2026-10-20 so that ten days cross the Europe/Dublin change back to winter
time (2026-10-25) while staying quick to generate.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from cxbridge.lab.generate import WorldConfig, generate_world

SMALL = {"scale": 0.01, "days": 10, "seed": 11, "start": date(2026, 10, 20)}


@dataclass(frozen=True)
class World:
    path: Path
    config: WorldConfig

    @property
    def truth(self) -> Path:
        return self.path / "_truth"

    def manifest(self) -> dict:
        return json.loads((self.truth / "manifest.json").read_text())

    def resources(self) -> pl.DataFrame:
        return pl.read_csv(self.path / "topology" / "resources.csv")

    def links(self) -> pl.DataFrame:
        return pl.read_csv(self.path / "topology" / "resource_links.csv")

    def services(self) -> list[dict]:
        lines = (self.path / "services" / "services.jsonl").read_text().splitlines()
        return [json.loads(line) for line in lines]

    def customers(self) -> pl.DataFrame:
        return pl.read_csv(self.path / "customers" / "customers.csv", infer_schema=False,
                           truncate_ragged_lines=True)

    def incidents(self) -> pl.DataFrame:
        return pl.read_csv(self.truth / "incidents.csv")

    def alarm_events(self) -> list[dict]:
        events = []
        for path in sorted((self.path / "alarms").glob("*.jsonl")):
            events += [json.loads(line) for line in path.read_text().splitlines()]
        return events

    def kpi_a(self) -> pl.DataFrame:
        """Vendor A rows of every day file and late file, typed, UTC timestamps."""
        frames = [pl.read_csv(p, infer_schema=False)
                  for p in sorted((self.path / "kpis" / "vendor_a").glob("*.csv"))]
        return pl.concat(frames).with_columns(
            time=pl.col("START_TIME").str.to_datetime("%Y-%m-%dT%H:%M:%SZ", time_zone="UTC"),
            **{c: pl.col(c).cast(pl.Float64) for c in ("UTIL_PCT", "LAT_MS", "PKT_LOSS_PCT",
                                                       "UNAVAIL_S", "ACC_ATT", "ACC_SUCC")})

    def kpi_b(self) -> pl.DataFrame:
        """Vendor B rows as canonical (resource id, UTC time, A units) for comparisons."""
        frames = [pl.read_csv(p, separator=";", infer_schema=False)
                  for p in sorted((self.path / "kpis" / "vendor_b").glob("*.csv"))]
        return pl.concat(frames).select(
            MO_ID=pl.col("DN").str.strip_prefix("NE="),
            time=pl.col("PERIOD_START_TIME").str.to_datetime("%Y-%m-%d %H:%M:%S%:z")
            .dt.convert_time_zone("UTC"),
            UTIL_PCT=pl.col("LOAD_PERMILLE").cast(pl.Float64) / 10,
            LAT_MS=pl.col("AVG_RTT_US").cast(pl.Float64) / 1000,
            PKT_LOSS_PCT=pl.col("LOSS_RATIO").cast(pl.Float64) * 100,
            UNAVAIL_S=(100 - pl.col("AVAIL_PCT").cast(pl.Float64)) * 9,
            ACC_ATT=pl.col("SETUP_ATT").cast(pl.Float64),
            ACC_SUCC=pl.col("SETUP_SUCC").cast(pl.Float64))

    def kpis(self) -> pl.DataFrame:
        """Both dialects in one canonical frame: MO_ID, time (UTC) and A-unit counters."""
        cols = ("MO_ID", "time", "UTIL_PCT", "LAT_MS", "PKT_LOSS_PCT", "UNAVAIL_S", "ACC_ATT",
                "ACC_SUCC")
        return pl.concat([self.kpi_a().select(cols), self.kpi_b().select(cols)])


def build(tmp_path_factory, name: str, **overrides) -> World:
    config = WorldConfig(**{**SMALL, **overrides})
    path = tmp_path_factory.mktemp(name)
    generate_world(config, path)
    return World(path, config)


@pytest.fixture(scope="session")
def world(tmp_path_factory) -> World:
    """A clean (dirt-free) small world for semantic checks."""
    return build(tmp_path_factory, "clean", dirt_rate=0.0)


@pytest.fixture(scope="session")
def dirty_world(tmp_path_factory) -> World:
    """The same world with plenty of dirt (5 % of rows), for dirt and manifest checks."""
    return build(tmp_path_factory, "dirty", dirt_rate=0.05)


def file_hashes(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def csv_rows(path: Path, separator: str = ",") -> tuple[list[str], list[list[str]]]:
    """Header and rows of a CSV file, parsed with the csv module (ragged rows kept as is)."""
    reader = csv.reader(io.StringIO(path.read_text()), delimiter=separator)
    header = next(reader)
    return header, [row for row in reader if row]
