"""Paths come from one place and move together with CXBRIDGE_HOME."""

from __future__ import annotations

import pytest

from cxbridge.platform.settings import PROJECT_ROOT, SettingsError, load_settings


def test_defaults_live_under_the_project_data_folder(tmp_path):
    settings = load_settings({"CXBRIDGE_CONFIG": ""})
    assert settings.home == PROJECT_ROOT / "data"
    assert settings.raw_dir == PROJECT_ROOT / "data" / "raw"
    assert settings.warehouse_path == PROJECT_ROOT / "data" / "warehouse" / "cxbridge.duckdb"


def test_cxbridge_home_moves_everything(tmp_path):
    settings = load_settings({"CXBRIDGE_HOME": str(tmp_path)})
    for path in (settings.raw_dir, settings.warehouse_path, settings.models_dir,
                 settings.exports_dir, settings.snapshots_dir):
        assert path.is_relative_to(tmp_path)


def test_config_file_and_environment_precedence(tmp_path):
    config = tmp_path / "cx.toml"
    config.write_text(f'[paths]\nhome = "{tmp_path / "a"}"\nraw_dir = "{tmp_path / "feeds"}"\n'
                      '[duckdb]\nthreads = 1\n')
    settings = load_settings({"CXBRIDGE_CONFIG": str(config)})
    assert settings.home == tmp_path / "a"
    assert settings.raw_dir == tmp_path / "feeds"
    assert settings.models_dir == tmp_path / "a" / "models"
    assert settings.duckdb_threads == 1
    overridden = load_settings({"CXBRIDGE_CONFIG": str(config),
                                "CXBRIDGE_RAW_DIR": str(tmp_path / "other")})
    assert overridden.raw_dir == tmp_path / "other"


def test_bad_config_is_a_clear_error(tmp_path):
    config = tmp_path / "cx.toml"
    config.write_text("[paths]\nhoem = '/x'\n")
    with pytest.raises(SettingsError, match="unknown key.*hoem"):
        load_settings({"CXBRIDGE_CONFIG": str(config)})
    with pytest.raises(SettingsError, match="not a file"):
        load_settings({"CXBRIDGE_CONFIG": str(tmp_path / "missing.toml")})
