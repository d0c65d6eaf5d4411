"""The writer lock beside the warehouse: one writer at a time, re-entrant in a process, and
released when its holder dies (the waiting side is tested with real processes in
tests/pipelines/test_live_stream.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cxbridge.platform.writer_lock import (
    WriterLockTimeoutError,
    held_here,
    holder,
    lock_path,
    writer_lock,
)

HOLD = ("import sys\nfrom pathlib import Path\n"
        "from cxbridge.platform.writer_lock import writer_lock\n"
        "with writer_lock(Path(sys.argv[1]), 'cxbridge run'):\n"
        "    print('held', flush=True); sys.stdin.readline()\n")


def test_reentrant_in_one_process_and_released_by_the_outermost(tmp_path: Path):
    warehouse = tmp_path / "cxbridge.duckdb"
    with writer_lock(warehouse, "cxbridge live", on_wait=None):
        with writer_lock(warehouse, "cxbridge live", on_wait=None):
            assert held_here(warehouse)
        assert held_here(warehouse)
        assert "cxbridge live (process" in holder(lock_path(warehouse))
    assert not held_here(warehouse)


def test_waits_for_another_process_and_its_death_releases_it(tmp_path: Path):
    warehouse = tmp_path / "cxbridge.duckdb"
    child = subprocess.Popen([sys.executable, "-c", HOLD, str(warehouse)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "held"
        said: list[str] = []
        with pytest.raises(WriterLockTimeoutError), writer_lock(
                warehouse, "cxbridge live", on_wait=said.append, timeout=0.2):
            pass
        assert len(said) == 1 and "cxbridge run (process" in said[0]
        child.kill()  # kill -9: the kernel drops its lock
        child.wait(10)
        with writer_lock(warehouse, "cxbridge live", on_wait=said.append, timeout=10):
            assert held_here(warehouse)
    finally:
        child.kill()
        child.wait(10)
