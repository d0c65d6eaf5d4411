"""Fixtures for the dashboard tests: snapshots built from hand-made rows, and headless Chromium.

``settings`` (every directory under ``tmp_path``) comes from ``tests/conftest.py``.

* ``tiny_rows``: four ``kpi_daily`` rows whose KPIs are worked out by hand in the tests.
* ``demo_rows``: two weeks of a small, plausible operator (five regions, three segments, five
  service types) with a fibre incident in Munster and congestion on Connacht's mobile network.
* ``world``: every other table of the snapshot for a small operator over the same two weeks
  (customers, their days and services, churn scores, incidents, …; see ``world.py``).
* ``publish``: writes rows into a warehouse under ``tmp_path`` and publishes a snapshot the way
  the pipeline does (``cxbridge.platform.warehouse.publish_snapshot``), with the tables the job
  builds as it publishes (the churn and incident KPI tables) built from the rows given, by their
  own SQL models, as ``cxbridge.jobs.flow.publish`` builds them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from datetime import date, datetime, timedelta

import duckdb
import numpy as np
import polars as pl
import pytest
from selenium.webdriver.chrome.options import Options

from cxbridge.models.graph import model_graph
from cxbridge.platform import transform
from cxbridge.platform.warehouse import connect, publish_snapshot, table_exists
from tests.dashboards.world import with_parts, world_tables

CHROMIUM = "/usr/bin/chromium"
CHROME_ARGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-first-run", "--window-size=1366,768",
)

KPI_SCHEMA = {
    "date": pl.Date, "region": pl.String, "segment": pl.String, "cfs_type": pl.String,
    "active_services": pl.Int64, "customers_active": pl.Int64, "service_minutes": pl.Float64,
    "outage_service_minutes": pl.Float64, "sessions": pl.Int64, "session_failures": pl.Int64,
    "latency_ms_x_intervals": pl.Float64, "latency_intervals": pl.Int64,
    "data_volume_mb": pl.Float64,
}
SERVICE_SCHEMA = {
    "date": pl.Date, "service_id": pl.String, "customer_id": pl.String, "cfs_type": pl.String,
    "segment": pl.String, "region": pl.String, "access_resource_id": pl.String,
    "outage_minutes": pl.Float64, "sei": pl.Float64, "poor": pl.Boolean, "driver_text": pl.String,
}

D1, D2 = date(2026, 3, 2), date(2026, 3, 3)


def pytest_setup_options():
    """Chrome options for dash's ``dash_duo`` (dash/testing/browser.py takes the first
    result of this hook as its ``Options``): headless Debian Chromium, usable as root."""
    options = Options()
    for argument in CHROME_ARGS:
        options.add_argument(argument)
    options.binary_location = CHROMIUM
    return options


@pytest.fixture
def chromium() -> None:
    """Skip a browser test when Chromium or its driver is missing, unless
    ``CXBRIDGE_REQUIRE_BROWSER=1`` (CI), where that is a failure."""
    missing = [name for name in (CHROMIUM, "chromedriver") if not shutil.which(name)]
    if not missing:
        return
    message = f"headless browser tests need {' and '.join(missing)} (apt-get install chromium " \
              "chromium-driver)"
    if os.environ.get("CXBRIDGE_REQUIRE_BROWSER") == "1":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def world() -> dict[str, pl.DataFrame]:
    """The mini operator's tables (tests/dashboards/world.py), built once."""
    return world_tables()


@pytest.fixture
def publish(settings) -> Callable[..., None]:
    """``publish(run_id, kpi_rows, tables=None)``: build ``kpi_daily`` from ``kpi_rows``, add
    ``tables`` (name → frame; else one ``service_experience_daily`` row) and make the snapshot
    current."""

    def _publish(run_id: str, kpi_rows: list[tuple],
                 tables: dict[str, pl.DataFrame] | None = None) -> None:
        kpi = pl.DataFrame(kpi_rows, schema=KPI_SCHEMA, orient="row").with_columns(
            # every scored service-day at 92 points, less 40 per outage share of its minutes
            sei_sum=pl.col("active_services") * 92.0
            - 40.0 * pl.col("outage_service_minutes") / 1440.0,
            sei_scored=pl.col("active_services"))
        info = pl.DataFrame({
            "run_id": [run_id], "built_at": [datetime(2026, 3, 16, 4, 30)],
            "raw_dir": [str(settings.raw_dir)],
            "first_date": [kpi["date"].min()], "last_date": [kpi["date"].max()],
        })
        if tables is None:
            tables = {"service_experience_daily": _service_rows(kpi)}
        frames = {"kpi_daily": kpi, "snapshot_info": info, **tables}
        frames = {**publish_time_tables(frames), **frames}
        with connect(settings) as con:
            for name, frame in frames.items():
                con.register("incoming", frame)
                con.execute(f"create or replace table {name} as select * from incoming")
                con.unregister("incoming")
            publish_snapshot(con, settings, run_id, list(frames))

    return _publish


def publish_time_tables(frames: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """The tables the job builds as it publishes (the model graph's ``after_stages``), by their
    own SQL, from the snapshot's tables in ``frames``: those whose inputs are all there, as
    :func:`cxbridge.platform.transform.build_after_stages` builds them in the warehouse."""
    graph = model_graph()
    con = duckdb.connect()
    try:
        for table in {t for model in graph.after_stages for t in model.inputs}:
            name = table.rpartition(".")[2]
            if name in frames:
                con.execute(f"create schema if not exists {table.split('.')[0]}")
                con.register("incoming", frames[name])
                con.execute(f"create table {table} as select * from incoming")
                con.unregister("incoming")
        built = transform.build_after_stages(con, graph)
        assert all(table_exists(con, t) for t in built)
        return {t.rpartition(".")[2]: con.sql(f"select * from {t}").pl() for t in built}
    finally:
        con.close()


@pytest.fixture
def tiny_rows() -> list[tuple]:
    """(date, region, segment, cfs_type, active, customers, service min, outage min, sessions,
    failures, latency×intervals, intervals, MB). Row availabilities 99.9, 90, 100, 100."""
    return [
        (D1, "Dublin", "consumer", "ftth", 100, 90, 144000.0, 144.0, 2000, 10,
         96000.0, 9600, 900000.0),
        (D1, "Munster", "consumer", "ftth", 10, 10, 14400.0, 1440.0, 100, 5,
         96000.0, 960, 50000.0),
        (D2, "Dublin", "smb", "mobile_data", 50, 20, 72000.0, 0.0, 1000, 30,
         192000.0, 4800, 100000.0),
        (D2, "Munster", "consumer", "ftth", 10, 10, 14400.0, 0.0, 100, 0,
         28800.0, 960, 60000.0),
    ]


@pytest.fixture
def demo_rows() -> list[tuple]:
    """Fourteen days × 5 regions × 3 segments × 5 service types of plausible numbers."""
    rng = np.random.default_rng(20260302)
    regions = {"Dublin": 1.0, "Leinster": 0.7, "Munster": 0.6, "Connacht": 0.3, "Ulster": 0.2}
    segments = {"consumer": 1.0, "smb": 0.12, "enterprise": 0.03}
    # services per unit of region weight, sessions and MB per service-day, latency in ms
    cfs = {"ftth": (4000, 22, 9500.0, 11.0), "iptv": (1500, 6, 6200.0, 14.0),
           "mobile_data": (6000, 45, 1600.0, 36.0), "mobile_voice": (5500, 9, 4.0, 33.0),
           "enterprise_vpn": (250, 120, 30000.0, 9.0)}
    rows = []
    for day in (D1 + timedelta(days=i) for i in range(14)):
        for region, r_weight in regions.items():
            for segment, s_weight in segments.items():
                for cfs_type, (base, sessions, mb, latency) in cfs.items():
                    active = max(int(base * r_weight * s_weight * rng.uniform(0.97, 1.03)), 3)
                    minutes = active * 1440.0
                    outage = 0.0003 * rng.uniform(0.2, 2.0)
                    if region == "Munster" and cfs_type in ("ftth", "iptv") and day.day in (9, 10):
                        outage += 0.02  # fibre cut
                    fail = 0.006 * rng.uniform(0.5, 1.5)
                    lat = latency * rng.uniform(0.9, 1.1)
                    if region == "Connacht" and cfs_type.startswith("mobile"):
                        fail, lat = fail * 5, lat * 2.6  # congested cells
                    intervals = active * 96
                    n_sessions = active * sessions
                    rows.append((day, region, segment, cfs_type, active, int(active * 0.8),
                                 minutes, round(minutes * outage, 1), n_sessions,
                                 int(n_sessions * fail), lat * intervals, intervals,
                                 active * mb * rng.uniform(0.8, 1.2)))
    return rows


def _service_rows(kpi: pl.DataFrame) -> pl.DataFrame:
    """A ``service_experience_daily`` row so the snapshot has the service-day table."""
    first = kpi.row(0, named=True)
    row = {
        "date": first["date"], "service_id": "CFS-0000001-01", "customer_id": "C0000001",
        "cfs_type": first["cfs_type"], "segment": first["segment"], "region": first["region"],
        "access_resource_id": "PON-D01-001-01", "outage_minutes": 0.0, "sei": 92.0,
        "poor": False, "driver_text": None,
    }
    return with_parts(pl.DataFrame([row], schema=SERVICE_SCHEMA))



# dash's waits give up after 10 s; a 2-core CI machine running the whole suite has taken longer
# than that to draw a page (a shared-link test timed out at load 11). A wait returns as soon as
# its condition holds, so a longer limit costs nothing when the page is quick.
BROWSER_WAIT_SECONDS = 30


@pytest.fixture
def dash_duo(dash_duo):
    """dash's ``dash_duo`` with waits of :data:`BROWSER_WAIT_SECONDS`."""
    dash_duo.wait_timeout = BROWSER_WAIT_SECONDS
    return dash_duo
