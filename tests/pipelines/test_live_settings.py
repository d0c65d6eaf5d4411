"""The [live] section of the config file: cxbridge live's defaults, checked when read."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxbridge.platform.settings import SettingsError, load_settings


def _load(tmp_path: Path, text: str):
    config = tmp_path / "cxbridge.toml"
    config.write_text(text, encoding="utf-8")
    return load_settings({"CXBRIDGE_HOME": str(tmp_path / "home"),
                          "CXBRIDGE_CONFIG": str(config)})


def test_the_live_section_gives_the_consumers_defaults(tmp_path):
    settings = _load(tmp_path, '[live]\nsource = "kafka"\nurl = "k1:9092"\nbatch = 200\n'
                               'notify_min_score = 1500.5\nwebhook = "http://h/x"\n')
    assert settings.live == {"source": "kafka", "url": "k1:9092", "batch": 200,
                             "notify_min_score": 1500.5, "webhook": "http://h/x"}
    assert _load(tmp_path, "").live == {}


@pytest.mark.parametrize(("text", "says"), [
    ('[live]\nbroker = "x"\n', "[live] takes source, url"),
    ("[live]\nurl = 4222\n", "[live] takes source, url"),
    ("[live]\nbatch = 0\n", "[live] batch is 0"),
    ('[live]\nnotify_min_score = "high"\n', "notify_min_score is 'high'"),
])
def test_a_live_section_that_cannot_be_used_says_why(tmp_path, text, says):
    with pytest.raises(SettingsError, match=says.replace("[", r"\[").replace("]", r"\]")):
        _load(tmp_path, text)


@pytest.mark.parametrize(("value", "seconds"), [(None, 5.0), ("0", 0.0), ("2.5", 2.5)])
def test_the_operations_page_refresh_period_is_read(tmp_path, value, seconds):
    text = "" if value is None else f"[dashboard]\nlive_refresh_seconds = {value}\n"
    assert _load(tmp_path, text).dashboard.live_refresh_seconds == seconds


@pytest.mark.parametrize("value", ["-1", "0.5", '"often"', "7200"])
def test_a_refresh_period_that_cannot_be_used_says_why(tmp_path, value):
    from cxbridge.platform.dashboard_settings import DashboardSettingsError

    with pytest.raises(DashboardSettingsError, match="live_refresh_seconds .* from 1 to 3600"):
        _load(tmp_path, f"[dashboard]\nlive_refresh_seconds = {value}\n")
