"""The dashboard's time zone (``[dashboard] timezone``): a UTC instant shown in the zone with
its abbreviation, winter and summer; a bad zone name refused naming the setting; CSV
timestamps with an explicit UTC offset."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import polars as pl
import pytest

from cxbridge.dashboards import clock, labels
from cxbridge.dashboards.app import create_app, dashboard_config
from cxbridge.platform.dashboard_settings import DashboardSettingsError, dashboard_settings
from cxbridge.platform.errors import UserError

DUBLIN = clock.parse_zone("Europe/Dublin")
WINTER = datetime(2026, 1, 15, 12, 0)   # naive: UTC, as the snapshot keeps it
SUMMER = datetime(2026, 7, 15, 12, 0)


def test_a_utc_instant_in_dublin_winter_and_summer():
    assert clock.format_time(WINTER, DUBLIN) == "Thu 15 Jan 12:00 GMT"
    assert clock.format_time(SUMMER, DUBLIN) == "Wed 15 Jul 13:00 IST"
    assert clock.format_time(SUMMER.replace(tzinfo=UTC), DUBLIN) == "Wed 15 Jul 13:00 IST"
    assert clock.format_day_time(SUMMER, DUBLIN) == "15 Jul 2026 13:00 IST"
    assert clock.format_time(SUMMER, UTC) == "Wed 15 Jul 12:00 UTC"
    assert clock.format_time(None, DUBLIN) == "–"
    # the night the clocks go forward: 00:59 UTC is 00:59 GMT, 01:00 UTC is 02:00 IST
    change = datetime(2026, 3, 29, 0, 59)
    assert clock.format_time(change, DUBLIN) == "Sun 29 Mar 00:59 GMT"
    assert clock.format_time(change + timedelta(minutes=1), DUBLIN) == "Sun 29 Mar 02:00 IST"
    assert clock.plotted(SUMMER, DUBLIN) == datetime(2026, 7, 15, 13, 0)


def test_the_dashboard_shows_times_in_its_setting(settings):
    config = replace(dashboard_config(settings), timezone="Europe/Dublin")
    app = create_app(replace(settings, dashboard=config))
    with app.server.app_context():
        assert labels.format_time(SUMMER) == "Wed 15 Jul 13:00 IST"
        assert clock.zone_label() == "Europe/Dublin"
    assert labels.format_time(SUMMER) == "Wed 15 Jul 12:00 UTC"  # no dashboard: UTC


def test_the_setting_defaults_to_utc_and_refuses_a_bad_name(tmp_path):
    assert dashboard_settings({}, {}, tmp_path).timezone == "UTC"
    assert dashboard_settings({"timezone": "Asia/Kolkata"}, {}, tmp_path).timezone == \
        "Asia/Kolkata"
    assert dashboard_settings({}, {"CXBRIDGE_DASHBOARD_TIMEZONE": "Europe/Dublin"},
                              tmp_path).timezone == "Europe/Dublin"
    for bad in ("Europe/Atlantis", "GMT+1 please", "../../etc/passwd"):
        with pytest.raises(DashboardSettingsError,
                           match=r"\[dashboard\] timezone .*IANA time zone name, e\.g\. "
                                 r"\"Europe/Dublin\"") as raised:
            dashboard_settings({"timezone": bad}, {}, tmp_path)
        assert isinstance(raised.value, UserError)


def test_csv_timestamps_carry_their_utc_offset():
    frame = pl.DataFrame({"customer_id": ["C1", "C2"],
                          "first_at": [WINTER, SUMMER],
                          "aware": [datetime(2026, 7, 15, 13, tzinfo=timezone(timedelta(hours=1))),
                                    None]})
    written = clock.with_utc_offsets(frame)
    assert written["first_at"].to_list() == ["2026-01-15T12:00:00+00:00",
                                             "2026-07-15T12:00:00+00:00"]
    assert written["aware"].to_list() == ["2026-07-15T12:00:00+00:00", None]
    assert written["customer_id"].to_list() == ["C1", "C2"]
    assert clock.iso_utc(SUMMER) == "2026-07-15T12:00:00+00:00"
    assert datetime.fromisoformat(clock.iso_utc(SUMMER)) == SUMMER.replace(tzinfo=UTC)
