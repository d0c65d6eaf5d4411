"""Notebooks are executed: each runs top to bottom against a freshly built snapshot. They read
the snapshot through the platform's public functions (the same the dashboard calls), never by
importing the dashboard; the status words are the metric registry's, the dashboard's too."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cxbridge.jobs import flow
from cxbridge.platform.metrics import METRICS

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.py"))
REFUSED = "cxbridge.dashboards"
# What a notebook's output must show: the executive review, every KPI the Overview shows.
SHOWS = {"kpi_review.py": [m.label for m in METRICS]}


def imported_modules(source: str) -> set[str]:
    """Every module a Python source imports (``from a import b`` counts as ``a`` and ``a.b``)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_the_import_check_sees_every_form():
    source = ("import cxbridge.dashboards.data_access\nfrom cxbridge import dashboards\n"
              "def f():\n    from cxbridge.dashboards.filters import Filters\n")
    assert {m for m in imported_modules(source) if m.startswith(REFUSED)} == {
        "cxbridge.dashboards.data_access", "cxbridge.dashboards",
        "cxbridge.dashboards.filters", "cxbridge.dashboards.filters.Filters"}


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_does_not_import_the_dashboard(notebook):
    modules = imported_modules(notebook.read_text(encoding="utf-8"))
    dashboard = sorted(m for m in modules if m == REFUSED or m.startswith(REFUSED + "."))
    assert not dashboard, (f"{notebook.name} imports {', '.join(dashboard)}: read the snapshot "
                           "through cxbridge.platform.snapshot_reading and snapshot_metrics")


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(notebook, settings, tiny_raw):
    flow.run(settings, tiny_raw)
    env = {**os.environ, "CXBRIDGE_HOME": str(settings.home), "CXBRIDGE_CONFIG": ""}
    done = subprocess.run([sys.executable, str(notebook)], env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Snapshot" in done.stdout
    missing = [text for text in SHOWS.get(notebook.name, []) if text not in done.stdout]
    assert not missing, f"{notebook.name} does not show {missing}"
