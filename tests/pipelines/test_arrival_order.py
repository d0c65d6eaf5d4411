"""Any order of arrival builds right: a small world's feed files delivered in batches, in several
orders (two named cases and seeded shuffles), with an incremental ``run`` after each batch, end
with the same snapshot as one full run of the whole world.

The named cases are issue 16's crashes: a day's KPIs before its usage ("'driver' holds Python
objects"), and a day's tickets before any of its KPIs or usage ("executemany requires a
non-empty list"). The world keeps the generator's dirt (damaged rows, duplicates, tickets of
customers the CRM does not hold yet), so what waits in quarantine for a reference must be
released the same way whatever arrives first.

Compared: every published table as sorted rows, less run ids and timestamps
(``tests/pipelines/published_rows.py`` says which and why).
"""

from __future__ import annotations

import random
import shutil
from datetime import timedelta
from functools import partial
from pathlib import Path

import polars as pl
import pytest

from cxbridge.jobs import flow
from cxbridge.lab.generate import WorldConfig, generate_world
from cxbridge.models.experience import sei
from cxbridge.models.graph import FOLDERS, STAGE_TABLES, STEPS
from cxbridge.models.incidents.params import Params, impact_params
from cxbridge.platform import transform, warehouse
from cxbridge.platform.model_graph import ModelGraph, ModelGraphError
from cxbridge.platform.settings import load_settings
from tests.pipelines.published_rows import differences, published_rows

WORLD = WorldConfig(scale=0.0005, days=4, seed=11)
FIRST = WORLD.start.strftime("%Y%m%d")
LAST = (WORLD.start + timedelta(days=WORLD.days - 1)).strftime("%Y%m%d")
DIMENSIONS = ("catalog", "customers", "services", "topology")


def _settings(home: Path):
    return load_settings({"CXBRIDGE_HOME": str(home), "CXBRIDGE_CONFIG": ""})


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """The world's feed files (relative paths) and what one full run of all of them publishes."""
    root = tmp_path_factory.mktemp("arrival")
    raw = root / "raw"
    generate_world(WORLD, out_dir=raw)
    files = sorted(p.relative_to(raw) for p in raw.rglob("*")
                   if p.is_file() and p.parts[len(raw.parts)] not in ("_truth",)
                   and p.name != "manifest.json")
    home = root / "full"
    flow.run(_settings(home), raw, full=True)
    return {"root": root, "raw": raw, "files": files, "expected": published_rows(_settings(home))}


def _last_day_out_of_step(files) -> list[list[Path]]:
    """Everything but the last day; then that day's tickets and surveys (no KPIs or usage for
    it yet); then its KPIs and alarms (no usage yet); then its usage."""
    early = [f for f in files if LAST not in f.name]
    last = [f for f in files if LAST in f.name]
    return [early, *([f for f in last if f.parts[0] in folders]
                     for folders in (("tickets", "surveys"), ("kpis", "alarms"), ("usage",)))]


def _first_day_last(files, *folders) -> list[list[Path]]:
    """Everything but the first day's files of ``folders``; then those (they reach forward:
    a day's usage sets the cell shares of the week after it, an alarm stays open for days)."""
    late = [f for f in files if FIRST in f.name and f.parts[0] in folders]
    return [[f for f in files if f not in late], late]


def _shuffled(files, seed: int, dimensions_first: bool) -> list[list[Path]]:
    """The files in a seeded random order, in two batches (after the service model's files in a
    batch of their own when ``dimensions_first``: the later runs are then incremental)."""
    order = list(files)
    random.Random(seed).shuffle(order)
    head = [f for f in order if f.parts[0] in DIMENSIONS] if dimensions_first else []
    rest = [f for f in order if f not in head]
    cut = len(rest) // 2
    return [b for b in (head, rest[:cut], rest[cut:]) if b]


ORDERS = {
    "a day's tickets before its kpis, its kpis before its usage": _last_day_out_of_step,
    "the first day's usage and alarms after the days after it": lambda files: _first_day_last(
        files, "usage", "alarms"),
    "shuffled, the service model first (seed 1)": lambda files: _shuffled(files, 1, True),
    "shuffled, anything first (seed 2)": lambda files: _shuffled(files, 2, False),
}


@pytest.mark.parametrize("order", list(ORDERS))
def test_any_order_of_arrival_publishes_what_a_full_build_does(world, tmp_path, order):
    settings, raw = _settings(tmp_path / "home"), tmp_path / "raw"
    modes = []
    for batch in ORDERS[order](world["files"]):
        for relative in batch:
            (raw / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(world["raw"] / relative, raw / relative)
        modes.append(flow.run(settings, raw).build.mode)
    assert differences(published_rows(settings), world["expected"]) == []
    if order != "shuffled, anything first (seed 2)":
        assert "incremental" in modes  # the runs after the first build only what changed


def test_a_python_step_that_gives_an_empty_day_no_column_type_is_named(settings):
    """The root of issue 16's "'driver' holds Python objects": a Python step whose output
    column has no type on an empty day. The runner refuses it, naming the model, the step and
    the column, before DuckDB sees it (the steps shipped give every column a type)."""
    def untyped_driver(frame: pl.DataFrame) -> pl.DataFrame:
        return sei.score(frame).with_columns(
            driver=pl.Series([None] * frame.height, dtype=pl.Object))

    graph = ModelGraph.from_folders(FOLDERS, {**STEPS, "experience.sei": untyped_driver,
                                              "incidents.impact_params": partial(
                                                  impact_params, params=Params())},
                                    STAGE_TABLES)
    with warehouse.connect(settings) as con, pytest.raises(ModelGraphError) as refused:
        transform.build(con, graph)  # no feed at all: every day is empty
    assert "service_experience_daily.sql" in str(refused.value)
    assert "'experience.sei' gave the column(s) driver no type (0 input rows)" in str(
        refused.value)
