"""No work at import time: importing any module opens no database and starts no server."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import duckdb, importlib, pkgutil, sys
def refuse(*args, **kwargs):
    raise AssertionError("duckdb.connect called at import time")
duckdb.connect = refuse
for package in ("cxbridge.platform", "cxbridge.models", "cxbridge.jobs", "cxbridge.dashboards",
                "cxbridge.lab", "cxbridge.app"):
    module = importlib.import_module(package)
    for info in pkgutil.walk_packages(module.__path__, package + "."):
        # Dash imports page modules itself when the app is built (they call register_page).
        if info.name.endswith("__main__") or info.name.startswith("cxbridge.dashboards.pages"):
            continue
        importlib.import_module(info.name)
        print(info.name)
"""


def test_importing_every_module_does_no_work():
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    imported = done.stdout.split()
    assert "cxbridge.platform.warehouse" in imported and "cxbridge.app.cli" in imported
