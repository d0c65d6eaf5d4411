"""Notebooks are executed: each runs top to bottom against a freshly built snapshot."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cxbridge.jobs import flow

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.py"))


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(notebook, settings, tiny_raw):
    flow.run(settings, tiny_raw)
    env = {**os.environ, "CXBRIDGE_HOME": str(settings.home), "CXBRIDGE_CONFIG": ""}
    done = subprocess.run([sys.executable, str(notebook)], env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Snapshot" in done.stdout
