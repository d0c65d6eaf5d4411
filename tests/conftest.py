"""Fixtures shared by every test folder: isolated settings and the tiny hand-made world."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxbridge.platform.settings import Settings, load_settings
from tests.tiny_world import write_tiny_world

SHARED_REAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings whose whole data directory lives in a temporary folder."""
    return load_settings({"CXBRIDGE_HOME": str(tmp_path / "home"),
                          "CXBRIDGE_CONFIG": str(_empty_config(tmp_path))})


def _empty_config(tmp_path: Path) -> Path:
    path = tmp_path / "cxbridge.toml"
    path.write_text("", encoding="utf-8")
    return path


@pytest.fixture
def tiny_raw(tmp_path: Path) -> Path:
    return write_tiny_world(tmp_path / "raw")


@pytest.fixture
def real_data() -> Path:
    if not SHARED_REAL.is_dir():
        pytest.skip(f"real public data sets not found at {SHARED_REAL} (../shared is absent)")
    return SHARED_REAL
