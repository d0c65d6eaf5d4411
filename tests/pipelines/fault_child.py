"""The child side of the fault-injection tests (tests/pipelines/test_fault_injection.py): run the
main job (``cxbridge run``) in this process and SIGKILL it at one point, as ``kill -9`` would.

The points come from the job's own callbacks (``on_file``, ``on_step``) where it has them, and
otherwise from wrapping, in this child only, the function that does the work at that point:

* ``("ingest", n)``: after the n-th file is ingested;
* ``("model", n)``: after the n-th transform model is built (and audited);
* ``("batch", n)``: inside the Python-step model ``marts.service_experience_daily``, one day
  per batch, as its n-th batch starts (the days before it written, the others not: the half
  table issue 16 found);
* ``("churn", 0)``: as the churn stage starts, every model built;
* ``("incidents", n)``: after the n-th SQL file of the incident models (their tables half
  rewritten);
* ``("publish", n)``: after the n-th table is copied into the partial snapshot;
* ``("pointer", 0)``: the snapshot file complete and renamed, ``CURRENT`` not yet replaced.

And :func:`publish_on_a_full_tmpfs`: a real full disk under the snapshots folder.

The tests start it through a ``forkserver`` that has imported this module (and so the pipeline)
once, so a child costs no import time.
"""

from __future__ import annotations

import ctypes
import importlib
import os
import shutil
import signal
import tempfile
from pathlib import Path

from cxbridge.jobs import flow
from cxbridge.models.churn import world  # noqa: F401  (imported once, in the forkserver)
from cxbridge.platform import transform, warehouse
from cxbridge.platform.model_graph import ModelGraph
from cxbridge.platform.settings import load_settings
from tests.pipelines.published_rows import published_rows


def die() -> None:
    """End this process as ``kill -9`` does: no cleanup, no exception handler, no flush."""
    os.kill(os.getpid(), signal.SIGKILL)


def run_until_killed(home: str, raw: str, full: bool, kind: str, n: int) -> None:
    """Run the job on ``raw`` with its data under ``home`` and kill this process at the point
    ``(kind, n)``. Returning means the point was never reached (the test then fails)."""
    settings = load_settings({"CXBRIDGE_HOME": home, "CXBRIDGE_CONFIG": ""})
    counts = {"files": 0}

    def on_file(_result) -> None:
        counts["files"] += 1
        if kind == "ingest" and counts["files"] == n:
            die()

    def on_step(name: str, done: int, _total: int) -> None:
        if kind == "model" and name == "transform" and done == n:
            die()

    _arm(kind, n, settings)
    flow.run(settings, Path(raw), on_step=on_step, on_file=on_file, full=full)


def _arm(kind: str, n: int, settings) -> None:
    """Wrap the function doing the work at ``kind`` so that it kills the process at ``n``."""
    if kind == "batch":
        # batches of the row-wise experience index (and a day at a time for the other steps)
        transform.PYTHON_BATCH_DAYS, transform.PYTHON_BATCH_ROWS = 1, 100
        apply, batches = ModelGraph.apply, {"n": 0}

        def apply_or_die(graph, model, frame):
            if model.table == "marts.service_experience_daily":
                batches["n"] += 1
                if batches["n"] == n:
                    die()
            return apply(graph, model, frame)

        ModelGraph.apply = apply_or_die
    elif kind == "churn":
        flow.score_churn = lambda *args, **kwargs: die()
    elif kind == "incidents":
        # (the package's ``build`` is the function: the module is imported by name)
        module = importlib.import_module("cxbridge.models.incidents.build")
        module.execute_sql_file = _after(module.execute_sql_file, n)
    elif kind == "publish":
        warehouse.copy_table = _after(warehouse.copy_table, n)
    elif kind == "pointer":
        replace, pointer = os.replace, settings.snapshots_dir / "CURRENT"

        def replace_then_die(src, dst, *args, **kwargs):
            if Path(dst) == pointer:
                die()
            return replace(src, dst, *args, **kwargs)

        warehouse.os.replace = replace_then_die


def _after(function, n: int):
    """``function``, killing the process once it has returned ``n`` times."""
    calls = {"n": 0}

    def wrapped(*args, **kwargs):
        result = function(*args, **kwargs)
        calls["n"] += 1
        if calls["n"] == n:
            die()
        return result

    return wrapped


# --- a real full disk: a small tmpfs in a private mount namespace ---------------------------

CLONE_NEWNS, CLONE_NEWUSER = 0x00020000, 0x10000000
MS_REC, MS_PRIVATE = 0x4000, 0x40000


def publish_on_a_full_tmpfs(home: str, raw: str, send) -> None:
    """Mount a small tmpfs over the snapshots folder (a user and mount namespace of this
    process only: no privilege needed where the kernel allows it), fill it, run the job, then
    free the space and run it again; ``send`` what was seen (``{"unsupported": why}`` where the
    kernel does not allow such a mount)."""
    settings = load_settings({"CXBRIDGE_HOME": home, "CXBRIDGE_CONFIG": ""})
    folder = settings.snapshots_dir
    try:
        _private_tmpfs(folder, size_mb=20)
    except OSError as exc:
        send({"unsupported": str(exc)})
        return
    ballast = folder / "ballast"
    ballast.write_bytes(b"\0" * max(shutil.disk_usage(folder).free - 1_000_000, 0))
    seen = {"free_mb": shutil.disk_usage(folder).free / 1e6}
    try:  # full: with nothing new a run would keep the current snapshot, not publish
        flow.run(settings, Path(raw), full=True)
    except warehouse.SnapshotSpaceError as exc:
        seen["error"] = str(exc)
    seen["files_after_failure"] = sorted(p.name for p in folder.iterdir())
    seen["current_after_failure"] = warehouse.current_snapshot(settings).path.name
    seen["rows_after_failure"] = published_rows(settings)
    ballast.unlink()
    seen["next_run"] = flow.run(settings, Path(raw)).snapshot.path.name
    seen["current"] = warehouse.current_snapshot(settings).path.name
    seen["rows"] = published_rows(settings)
    send(seen)


def _private_tmpfs(folder: Path, size_mb: int) -> None:
    """Mount a tmpfs of ``size_mb`` over ``folder``, keeping what the folder held."""
    libc = ctypes.CDLL(None, use_errno=True)
    uid, gid = os.getuid(), os.getgid()
    if libc.unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0:
        raise OSError(ctypes.get_errno(), "unshare: " + os.strerror(ctypes.get_errno()))
    Path("/proc/self/setgroups").write_text("deny")
    Path("/proc/self/uid_map").write_text(f"0 {uid} 1")
    Path("/proc/self/gid_map").write_text(f"0 {gid} 1")
    if libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None) != 0:
        raise OSError(ctypes.get_errno(), "mount --make-rprivate /")
    kept = Path(tempfile.mkdtemp())
    for path in folder.iterdir():
        shutil.move(path, kept / path.name)
    if libc.mount(b"tmpfs", str(folder).encode(), b"tmpfs", 0,
                  f"size={size_mb}m".encode()) != 0:
        raise OSError(ctypes.get_errno(), "mount tmpfs: " + os.strerror(ctypes.get_errno()))
    for path in kept.iterdir():
        shutil.move(path, folder / path.name)
