"""The layers: what gets installed is the ``cxbridge`` namespace only, every package is listed
and lives in its declared home, and the layer contract (import-linter) holds, and breaks as soon
as a module imports from a layer above its own."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
SETUPTOOLS = PYPROJECT["tool"]["setuptools"]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def test_only_project_named_packages_are_installed_and_each_is_listed():
    homes = SETUPTOOLS["package-dir"]
    assert all(name.startswith("cxbridge.") for name in SETUPTOOLS["packages"])
    found = sorted(".".join([name, *init.parent.relative_to(ROOT / home).parts])
                   for name, home in homes.items()
                   for init in (ROOT / home).rglob("__init__.py"))
    assert sorted(SETUPTOOLS["packages"]) == found, (
        "pyproject.toml's [tool.setuptools] packages must list every package folder: a folder "
        "left out is not installed")


def _lint(config_dir: Path, env_path: Path | None = None) -> subprocess.CompletedProcess:
    env = None
    if env_path is not None:
        import os
        env = {**os.environ, "PYTHONPATH": str(env_path)}
    return subprocess.run([str(LINT_IMPORTS), "--config", str(config_dir / "pyproject.toml"),
                           "--no-cache"], cwd=config_dir, capture_output=True, text=True,
                          timeout=300, env=env)


def test_the_layer_contract_holds():
    done = _lint(ROOT)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "1 kept, 0 broken" in done.stdout


def test_an_upward_import_breaks_the_contract(tmp_path):
    """The same packages under a temporary root, with one platform module importing the
    dashboard: the contract must name that import."""
    for name, home in SETUPTOOLS["package-dir"].items():
        shutil.copytree(ROOT / home, tmp_path / Path(*name.split(".")),
                        ignore=shutil.ignore_patterns("__pycache__", "*.sql", "*.png"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    warehouse = tmp_path / "cxbridge" / "platform" / "warehouse.py"
    warehouse.write_text(warehouse.read_text(encoding="utf-8")
                         + "\n\ndef _upward():\n    from cxbridge.dashboards import labels\n"
                         "    return labels\n", encoding="utf-8")
    done = _lint(tmp_path, env_path=tmp_path)
    assert done.returncode != 0
    assert "BROKEN" in done.stdout
    assert "cxbridge.platform.warehouse -> cxbridge.dashboards.labels" in done.stdout


def test_a_built_wheel_carries_every_sql_mapping_and_asset_file(tmp_path):
    """What a non-editable install gets: the cxbridge packages only, with every file they read
    at run time (a file left out of [tool.setuptools.package-data] fails here, not in a
    deployment)."""
    import zipfile

    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path),
                    str(ROOT)], check=True, capture_output=True, timeout=600)
    wheel = next(tmp_path.glob("cxbridge-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {n.split("/")[0] for n in names} == {"cxbridge", wheel.name.split("-")[0] + "-"
                                                + wheel.name.split("-")[1] + ".dist-info"}
    wanted = {"/".join([*name.split("."), path.relative_to(ROOT / home).as_posix()])
              for name, home in SETUPTOOLS["package-dir"].items()
              for path in (ROOT / home).rglob("*")
              if path.suffix in (".sql", ".yaml", ".css", ".js")
              and "__pycache__" not in path.parts}
    assert wanted and not wanted - names, sorted(wanted - names)[:10]
