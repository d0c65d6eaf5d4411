"""Fault injection: ``cxbridge run`` killed (SIGKILL, as ``kill -9``) at many points, then run
again normally, publishes the same snapshot as a run never interrupted; and a full disk while
publishing fails cleanly and is recovered from by the next run.

The job runs in a child process (``tests/pipelines/fault_child.py``, forked from a
``forkserver`` that imported the pipeline once) that kills itself at the point: after an
ingested file, after a transform model, inside the Python-step model between two batches, as
churn scoring starts, after an SQL file of the incident models, after a table copied into the
partial snapshot, or with the snapshot renamed but ``CURRENT`` not yet replaced. Three
situations: the first run of a warehouse; a new day delivered to a built one (an incremental
build); ``run --full`` over a built one (issue 16's case: the next run said "unchanged" and
published half a table). A case may kill several runs one after the other before the run that
goes to the end (each must be redone from what the kill before left).

The world is tiny (50 customers, 4 days) and churn is not scored on it (too little history):
the churn point kills as the stage starts, with every model built. Every model boundary is
killed at once, in one case of a kill after each model in turn (about 45 s); the other cases
mix a few boundaries with the stages after them (see ``CASES``).

Compared: every published table as sorted rows, less run ids and timestamps
(``tests/pipelines/published_rows.py`` says which and why).
"""

from __future__ import annotations

import errno
import importlib
import multiprocessing
import os
import re
import shutil
import signal
from datetime import date, timedelta
from pathlib import Path

import pytest

from cxbridge.jobs import flow
from cxbridge.lab.generate import WorldConfig, generate_world
from cxbridge.models import incidents
from cxbridge.models.graph import model_graph
from cxbridge.platform import runs, warehouse
from cxbridge.platform.errors import UserError
from cxbridge.platform.settings import load_settings
from tests.pipelines import fault_child
from tests.pipelines.published_rows import differences, published_rows

WORLD = WorldConfig(scale=0.0005, days=4, seed=7, dirt_rate=0.0)
LAST_DAY = WORLD.start + timedelta(days=WORLD.days - 1)


def _settings(home: Path):
    return load_settings({"CXBRIDGE_HOME": str(home), "CXBRIDGE_CONFIG": ""})


def _files_of(raw: Path, day: date) -> list[Path]:
    stamp = day.strftime("%Y%m%d")
    return sorted(p for p in raw.rglob(f"*{stamp}*") if "_truth" not in p.parts)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """The world, the snapshot an uninterrupted run publishes, and two built homes: the whole
    world (for ``--full``) and the world less its last day (for a new day's delivery)."""
    root = tmp_path_factory.mktemp("faults")
    raw = root / "raw"
    generate_world(WORLD, out_dir=raw)
    whole = root / "whole-home"
    flow.run(_settings(whole), raw)
    expected = published_rows(_settings(whole))
    # the same folder path as the later delivery: files are known by their path
    early_raw, last_day = root / "early-raw", root / "last-day"
    shutil.copytree(raw, early_raw)
    for path in _files_of(early_raw, LAST_DAY):
        target = last_day / path.relative_to(early_raw)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(path, target)
    early = root / "early-home"
    flow.run(_settings(early), early_raw)
    return {"root": root, "raw": raw, "whole": whole, "early": early, "early_raw": early_raw,
            "last_day": last_day, "expected": expected}


@pytest.fixture(scope="module")
def children():
    """Child processes forked from a server that imported the pipeline once (no import time
    per child, and a child that starts with a single thread)."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["tests.pipelines.fault_child"])
    return context


@pytest.fixture(scope="module")
def kill_at(children):
    """Run the job in a child process on (home, raw, full) and kill it at (kind, n)."""
    context = children

    def kill(home: Path, raw: Path, full: bool, kind: str, n: int) -> None:
        child = context.Process(target=fault_child.run_until_killed,
                                args=(str(home), str(raw), full, kind, n))
        child.start()
        child.join(timeout=300)
        assert child.exitcode == -signal.SIGKILL, (
            f"the child ended with {child.exitcode}: the point {kind} {n} was never reached")

    return kill


def _model(table: str) -> tuple[str, int]:
    """The point after the model building ``table`` (its position in the run order, from 1)."""
    return "model", 1 + [m.table for m in model_graph().models].index(table)


# Each case: the home it starts from (None: empty), the raw folder, and the runs killed one after
# the other (each next run starts from what the kill before left), before one run to the end.
# Model boundaries: every one in the "after every model" case; the first, the service marts and
# the last with the stages after them; and inside the Python-step model issue 16's kill left
# half written.
CASES = {
    "first run: mid-ingest": (None, "raw", [(False, "ingest", 17)]),
    "new day: at model boundaries, in the stages after them, in publish": (
        "early", "early_raw", [(False, "model", 1), (False, *_model("marts.service_daily")),
                               (False, "model", len(model_graph().models)),
                               (False, "churn", 0), (False, "incidents", 12),
                               (False, "publish", 12), (False, "pointer", 0)]),
    # the "every model boundary": one run killed after each model in turn, each run
    # starting from what the kill before it left (about 2 s a kill on the tiny world)
    "new day: after every model, one kill each": (
        "early", "early_raw", [(False, "model", k)
                               for k in range(1, len(model_graph().models) + 1)]),
    # issue 16: kill -9 during `run --full`, then `run`: it said "unchanged" and published
    # half of service_experience_daily
    "run --full killed in the Python-step model": ("whole", "raw", [(True, "batch", 3)]),
    "run --full killed in the incident models, then mid-publish": (
        "whole", "raw", [(True, "incidents", 8), (False, "publish", 3)]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_killed_run_is_redone_by_the_next(world, kill_at, tmp_path, case):
    base, raw_key, kills = CASES[case]
    home = tmp_path / "home"
    if base:
        shutil.copytree(world[base], home)
    settings, raw = _settings(home), world[raw_key]
    if raw_key == "early_raw":  # the new day is delivered
        shutil.copytree(world["last_day"], raw, dirs_exist_ok=True)
    try:
        for full, kind, n in kills:
            kill_at(home, raw, full, kind, n)
        flow.run(settings, raw)
    finally:  # the next case finds the world less its last day again
        if raw_key == "early_raw":
            for path in world["last_day"].rglob("*.*"):
                (raw / path.relative_to(world["last_day"])).unlink()
    assert differences(published_rows(settings), world["expected"]) == []
    with warehouse.connect(settings, read_only=True) as con:
        statuses = warehouse.rows(con, "select status, message from meta.runs "
                                       "order by started_at")
    # every killed run is marked failed by the run after it; the last one finished
    assert statuses[-1] == ("ok", None)
    assert statuses.count(("failed", runs.INTERRUPTED)) == len(kills)
    assert not list(settings.snapshots_dir.glob("*.partial*"))


def _full_disk_after(tables: int):
    """A stand-in for ``warehouse.copy_table`` that copies ``tables`` tables, then fails as a
    full disk does."""
    copy, calls = warehouse.copy_table, {"n": 0}

    def copy_or_fail(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] > tables:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return copy(*args, **kwargs)

    return copy_or_fail


def test_a_full_disk_fails_the_publish_cleanly_and_the_next_run_recovers(world, tmp_path,
                                                                         monkeypatch):
    home = tmp_path / "home"
    shutil.copytree(world["whole"], home)
    settings = _settings(home)
    before = warehouse.current_snapshot(settings)
    monkeypatch.setattr(warehouse, "copy_table", _full_disk_after(5))
    with pytest.raises(warehouse.SnapshotSpaceError) as failure:
        # --full: with nothing new a run would keep the current snapshot, not publish
        flow.run(settings, world["raw"], full=True)
    message = str(failure.value)
    # one line a person can act on: where, how much, what to do
    assert "\n" not in message and isinstance(failure.value, UserError)
    assert f"no space left in {settings.snapshots_dir}" in message
    assert re.search(r"needs about [\d,.]+ MB .* [\d,.]+ MB is free", message)
    assert "run `cxbridge run` again" in message
    # nothing half written is left, the previous snapshot is still current and whole
    assert not list(settings.snapshots_dir.glob("*.partial*"))
    assert warehouse.current_snapshot(settings) == before
    assert differences(published_rows(settings), world["expected"]) == []
    with warehouse.connect(settings, read_only=True) as con:
        status, recorded = warehouse.rows(con, "select status, message from meta.runs "
                                               "order by started_at desc limit 1")[0]
    assert status == "failed" and recorded == message
    # space back: the next run publishes
    monkeypatch.undo()
    again = flow.run(settings, world["raw"])
    assert warehouse.current_snapshot(settings).path == again.snapshot.path != before.path
    assert differences(published_rows(settings), world["expected"]) == []


def test_partial_files_and_runs_a_dead_process_left_are_cleaned_up(world, tmp_path):
    """A run killed mid-publish leaves its partial snapshot and its row 'running': the next run
    removes the one and marks the other failed, and leaves the previous snapshot alone."""
    home = tmp_path / "home"
    shutil.copytree(world["whole"], home)
    settings = _settings(home)
    with warehouse.connect(settings) as con:  # as a process that died mid-publish leaves them
        runs.start(con, "20260101T000000-dead", "run")
        con.execute("update meta.run_processes set pid = -1")
    stale = settings.snapshots_dir / "snapshot-20260101T000000-dead.duckdb.partial"
    stale.write_bytes(b"\0" * 1024)
    stale.with_name(stale.name + ".wal").write_bytes(b"\0" * 16)
    kept = warehouse.current_snapshot(settings).path
    flow.run(settings, world["raw"])
    assert not list(settings.snapshots_dir.glob("*.partial*"))
    assert kept.is_file()
    with warehouse.connect(settings, read_only=True) as con:
        assert warehouse.rows(con, "select status, message from meta.runs where run_id = $id",
                              {"id": "20260101T000000-dead"}) == [("failed", runs.INTERRUPTED)]


def test_a_real_full_filesystem_under_the_snapshots(world, children, tmp_path):
    """The same on a real full disk: a 20 MB tmpfs over the snapshots folder (in a private
    mount namespace of the child; skipped where the kernel does not allow that unprivileged),
    filled to 1 MB free before the run."""
    home = tmp_path / "home"
    shutil.copytree(world["whole"], home)
    settings = _settings(home)
    previous = warehouse.current_snapshot(settings).path.name
    receiver, sender = children.Pipe(duplex=False)
    child = children.Process(target=fault_child.publish_on_a_full_tmpfs,
                            args=(str(home), str(world["raw"]), sender.send))
    child.start()
    seen = receiver.recv()
    child.join(timeout=300)
    if "unsupported" in seen:
        pytest.skip(f"no unprivileged tmpfs here: {seen['unsupported']}")
    assert child.exitcode == 0
    assert seen["error"].startswith(f"no space left in {settings.snapshots_dir} to publish")
    assert seen["files_after_failure"] == sorted(["CURRENT", "ballast", previous])
    assert seen["current_after_failure"] == previous
    assert differences(seen["rows_after_failure"], world["expected"]) == []
    assert seen["current"] == seen["next_run"] != previous
    assert differences(seen["rows"], world["expected"]) == []
    with warehouse.connect(settings, read_only=True) as con:
        statuses = warehouse.rows(con, "select status, message from meta.runs "
                                       "order by started_at")
    assert statuses[-2:] == [("failed", seen["error"]), ("ok", None)]


def test_incident_tables_left_half_written_are_rebuilt_by_the_next_run(world, tmp_path,
                                                                       monkeypatch):
    """`cxbridge incidents --refresh` (or a build) that dies half way leaves the incident
    tables half rewritten outside any transform build: the next run rebuilds them, though
    nothing else changed."""
    home = tmp_path / "home"
    shutil.copytree(world["whole"], home)
    settings = _settings(home)
    module = importlib.import_module("cxbridge.models.incidents.build")
    monkeypatch.setattr(module, "execute_sql_file", _fails_after(module.execute_sql_file, 8))
    with warehouse.connect(settings) as con:
        with pytest.raises(RuntimeError, match="the disk went away"):
            incidents.build(con)
        assert incidents.needs_full_build(con)
    monkeypatch.undo()
    again = flow.run(settings, world["raw"])
    assert again.build.mode == "unchanged" and again.incidents == {"status": "built"}
    assert differences(published_rows(settings), world["expected"]) == []


def _fails_after(function, n: int):
    calls = {"n": 0}

    def wrapped(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] > n:
            raise RuntimeError("the disk went away")
        return function(*args, **kwargs)

    return wrapped
