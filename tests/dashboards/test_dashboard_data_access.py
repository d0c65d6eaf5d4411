"""The data-access module against snapshots of hand-made rows (see conftest ``tiny_rows``)."""

from __future__ import annotations

from datetime import date

import pytest

import cxbridge.platform.snapshot_reading as snapshot_reading
from cxbridge.dashboards.data_access import SnapshotReader
from cxbridge.dashboards.filters import Filters
from cxbridge.platform.warehouse import WarehouseError, connect

D1, D2 = date(2026, 3, 2), date(2026, 3, 3)
ALL = Filters()


@pytest.fixture
def reader(settings, publish, tiny_rows) -> SnapshotReader:
    publish("run-a", tiny_rows)
    return SnapshotReader(settings)


def test_availability_is_a_ratio_of_sums_not_an_average_of_ratios(reader):
    # outage 144 + 1440 over 144000 + 14400 + 72000 + 14400 service-minutes;
    # the average of the four row availabilities would be 97.475.
    expected = 100 * (1 - 1584 / 244800)
    assert reader.kpi_value("service_availability", ALL) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("metric_name", "filters", "expected"),
    [
        ("service_availability", Filters(regions=("Munster",)), 100 * (1 - 1440 / 28800)),
        ("service_availability", Filters(start=D2, end=D2), 100.0),
        ("session_failure_rate", Filters(regions=("Dublin",)), 100 * 40 / 3000),
        ("session_failure_rate", Filters(cfs_types=("ftth",), segments=("consumer",)),
         100 * 15 / 2200),
        ("access_latency", Filters(regions=("Munster",)), (96000 + 28800) / (960 + 960)),
        ("access_latency", Filters(), (96000 + 96000 + 192000 + 28800) / 16320),
        ("data_volume_per_service", Filters(), 1110000 / 1024 / 170),
        ("active_services", Filters(start=D1, end=D1), 110),
        ("active_services", Filters(), (110 + 60) / 2),  # over days: the daily average
    ],
)
def test_kpi_value_applies_filters(reader, metric_name, filters, expected):
    assert reader.kpi_value(metric_name, filters) == pytest.approx(expected)


def test_no_matching_rows_gives_none(reader):
    assert reader.kpi_value("service_availability", Filters(regions=("Ulster",))) is None


def test_filter_values_are_bound_not_formatted(reader, settings):
    hostile = Filters(regions=("Dublin' or '1'='1",), segments=("x'); drop table kpi_daily; --",))
    assert reader.kpi_value("service_availability", hostile) is None
    assert reader.kpi_series("service_availability", hostile).is_empty()
    assert reader.kpi_value("service_availability", ALL) is not None  # table still there


def test_kpi_series_is_one_ratio_per_day(reader):
    series = reader.kpi_series("service_availability", Filters(regions=("Munster",)))
    assert series["date"].to_list() == [D1, D2]
    assert series["value"].to_list() == pytest.approx([90.0, 100.0])


def test_breakdown_by_region(reader):
    frame = reader.breakdown("service_availability", "region", ALL)
    assert frame.columns == ["region", "value"]
    assert dict(frame.iter_rows()) == pytest.approx(
        {"Dublin": 100 * (1 - 144 / 216000), "Munster": 95.0})


def test_breakdown_rejects_unknown_dimension(reader):
    with pytest.raises(ValueError, match="cannot break down by"):
        reader.breakdown("service_availability", "region; drop table kpi_daily", ALL)


def test_filter_options_and_snapshot_info(reader):
    options = reader.filter_options()
    assert (options.first_date, options.last_date) == (D1, D2)
    assert options.regions == ("Dublin", "Munster")
    assert options.cfs_types == ("ftth", "mobile_data")
    assert options.default == Filters(start=D1, end=D2)
    info = reader.snapshot_info()
    assert info.run_id == "run-a"
    assert info.last_date == D2


def test_a_newly_published_snapshot_is_picked_up(reader, publish, tiny_rows):
    assert reader.kpi_value("service_availability", ALL) < 99.9
    repaired = [(*row[:7], 0.0, *row[8:]) for row in tiny_rows]  # no outages
    publish("run-b", repaired)
    assert reader.snapshot_info().run_id == "run-b"
    assert reader.kpi_value("service_availability", ALL) == pytest.approx(100.0)


def test_results_are_cached_per_run_and_parameters(reader, publish, tiny_rows, monkeypatch):
    ran, opened = [], []
    real_query, real_open = snapshot_reading.query, snapshot_reading.open_snapshot
    monkeypatch.setattr(snapshot_reading, "query",
                        lambda con, sql, params: ran.append(params) or real_query(con, sql, params))
    monkeypatch.setattr(snapshot_reading, "open_snapshot",
                        lambda path, **kw: opened.append(path) or real_open(path, **kw))
    munster = Filters(regions=("Munster",))
    reader.kpi_value("service_availability", munster)
    queries = len(ran)
    reader.kpi_value("service_availability", Filters(regions=("Munster",)))
    assert len(ran) == queries  # answered from the cache
    reader.kpi_value("service_availability", Filters(regions=("Dublin",)))
    assert len(ran) == queries + 1
    assert len(opened) == 1  # one connection per snapshot, a cursor per query
    publish("run-b", tiny_rows)
    reader.kpi_value("service_availability", munster)
    assert len(ran) > queries + 1
    assert [path.name for path in opened] == ["snapshot-run-a.duckdb", "snapshot-run-b.duckdb"]


def test_reader_never_blocks_the_pipeline(reader, settings):
    reader.kpi_value("service_availability", ALL)
    with connect(settings) as con:  # the read-write warehouse opens while the app reads
        con.execute("select 1")
    assert reader.kpi_value("service_availability", Filters(regions=("Dublin",))) is not None


def test_no_snapshot_is_a_clear_error(settings):
    with pytest.raises(WarehouseError, match="no published snapshot"):
        SnapshotReader(settings).filter_options()


def test_kpi_overview_matches_value_and_series(reader):
    munster = Filters(regions=("Munster",))
    summary = reader.kpi_overview(["service_availability", "session_failure_rate"], munster)
    value, series = summary["service_availability"]
    assert value == pytest.approx(reader.kpi_value("service_availability", munster))
    assert series.equals(reader.kpi_series("service_availability", munster))
    assert summary["session_failure_rate"][0] == pytest.approx(100 * 5 / 200)


def test_kpi_overview_without_rows(reader):
    value, series = reader.kpi_overview(["service_availability"],
                                        Filters(regions=("Ulster",)))["service_availability"]
    assert value is None and series.is_empty()
