"""Same seed, same bytes; different seed, different world; sizes follow the scale factor."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date

import polars as pl

from cxbridge.lab.generate import WorldConfig, generate_world, run, writers
from cxbridge.platform.settings import PROJECT_ROOT

from .conftest import build, file_hashes


def test_same_seed_gives_byte_identical_files(tmp_path_factory, dirty_world):
    again = build(tmp_path_factory, "again", dirt_rate=0.05)
    first, second = file_hashes(dirty_world.path), file_hashes(again.path)
    assert len(first) > 60  # every source, every day
    assert first.keys() == second.keys()
    differing = [name for name in first if first[name] != second[name]]
    assert differing == []


def test_bytes_do_not_depend_on_the_slices_big_files_are_written_in(tmp_path_factory,
                                                                    dirty_world, monkeypatch):
    """CSV files and the service inventory are rendered, damaged and written a slice of rows
    at a time (bounded memory at scale 10): slices of a few rows give the same bytes, dirt
    and manifest as the default ones (one slice per file in a world this small)."""
    monkeypatch.setattr(writers, "CSV_PART_ROWS", 7)
    monkeypatch.setattr(run, "SERVICE_PART_ROWS", 5)
    sliced = build(tmp_path_factory, "sliced", dirt_rate=0.05)
    assert file_hashes(sliced.path) == file_hashes(dirty_world.path)


def test_different_seed_gives_a_different_world(tmp_path_factory, dirty_world):
    other = build(tmp_path_factory, "other_seed", dirt_rate=0.05, seed=12)
    first, second = file_hashes(dirty_world.path), file_hashes(other.path)
    shared = first.keys() & second.keys()
    same = [name for name in shared if first[name] == second[name]]
    # only the seed-independent catalog and files without data rows (a day nobody answered a
    # survey) may coincide
    with_rows = [name for name in same
                 if len((dirty_world.path / name).read_text().splitlines()) > 1]
    assert with_rows == ["catalog/catalog.yaml"]
    assert len(same) < 0.1 * len(shared)


def test_bytes_do_not_depend_on_threads_or_hash_seed(tmp_path):
    """Another process, one polars thread and another string-hash seed: same bytes."""
    here, there = tmp_path / "here", tmp_path / "there"
    config = {"scale": 0.01, "days": 2, "seed": 5, "start": date(2026, 10, 24)}
    generate_world(WorldConfig(**config), here)
    script = ("import datetime, sys; from pathlib import Path; "
              "from cxbridge.lab.generate import WorldConfig, generate_world; "
              f"generate_world(WorldConfig(**{config!r}), Path(sys.argv[1]))")
    env = {**os.environ, "POLARS_MAX_THREADS": "1", "PYTHONHASHSEED": "123"}
    subprocess.run([sys.executable, "-c", script, str(there)], check=True, env=env,
                   cwd=PROJECT_ROOT)
    assert file_hashes(here) == file_hashes(there)


def _counts(world) -> dict[str, float]:
    resources = world.resources()
    return {
        "customers": world.customers().height,
        "services": sum(1 for s in world.services() if s["category"] == "CFS"),
        "resources": resources.height,
        "pon_ports": resources.filter(pl.col("resource_type") == "pon_port").height,
        "cells": resources.filter(pl.col("resource_type") == "cell").height,
    }


def test_sizes_scale_with_the_scale_factor(tmp_path_factory):
    small = _counts(build(tmp_path_factory, "sf02", scale=0.02, days=1, dirt_rate=0.0))
    large = _counts(build(tmp_path_factory, "sf08", scale=0.08, days=1, dirt_rate=0.0))
    assert large["customers"] == 4 * small["customers"]
    assert 3.5 < large["services"] / small["services"] < 4.5
    assert 3.3 < large["pon_ports"] / small["pon_ports"] < 4.7
    assert 2.5 < large["cells"] / small["cells"] < 5.0
    # national platforms and per-region minimums do not scale, so resources grow a bit slower
    assert 2.5 < large["resources"] / small["resources"] < 4.5
    assert 1.8 < small["services"] / small["customers"] < 2.3
