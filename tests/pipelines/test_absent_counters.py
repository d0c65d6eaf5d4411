"""Absent is not bad, through the SQL chain: golden rows of stg.kpi_15min (and of usage and the
alarm feed) → core.resource_hourly → core.access_hourly → core.access_daily →
marts.service_daily → the experience index. Each PM counter, usage column and the alarm feed
is dropped in turn (its column all NULL, or the feed empty): the counter's KPIs arrive NULL,
never 0 or 100 %, and the index only loses the component(s) that counter feeds.

The world: a PON port behind an OLT (FTTH and IPTV on it) and a cell behind a site (mobile
data and voice on it), two hours of 15-minute counters on 2026-10-01; the alarm feed holds
one 30-minute fault on the FTTH line."""

from __future__ import annotations

import math
from datetime import date, datetime

import duckdb
import polars as pl
import pytest

from cxbridge.models.experience import sei
from cxbridge.models.service import SQL as SERVICE_SQL
from cxbridge.platform import warehouse
from cxbridge.platform.ingest import SOURCES
from cxbridge.platform.ingest.staging import ensure_staging_tables

DAY = date(2026, 10, 1)
# resource → (type, counters in hour 0, counters in hour 1); hour 1 is the worse one
KPIS = {
    "PON": ("pon_port", dict(dl_throughput_mbps=400.0, utilisation_pct=40.0, latency_ms=10.0,
                             jitter_ms=2.0, packet_loss_pct=0.1, unavailable_s=0.0,
                             access_attempts=100, access_successes=99, drops=1, sessions=20),
            dict(dl_throughput_mbps=200.0, utilisation_pct=80.0, latency_ms=30.0,
                 jitter_ms=4.0, packet_loss_pct=0.5, unavailable_s=75.0,
                 access_attempts=100, access_successes=97, drops=2, sessions=20)),
    "OLT": ("olt", dict(utilisation_pct=30.0, latency_ms=5.0, jitter_ms=1.0,
                        packet_loss_pct=0.05),
            dict(utilisation_pct=60.0, latency_ms=5.0, jitter_ms=1.0, packet_loss_pct=0.05)),
    "CELL": ("cell", dict(dl_throughput_mbps=20.0, utilisation_pct=50.0, latency_ms=40.0,
                          jitter_ms=5.0, packet_loss_pct=0.2, unavailable_s=0.0,
                          access_attempts=200, access_successes=196, drops=3, sessions=50),
             dict(dl_throughput_mbps=10.0, utilisation_pct=90.0, latency_ms=60.0,
                  jitter_ms=9.0, packet_loss_pct=1.0, unavailable_s=0.0,
                  access_attempts=200, access_successes=190, drops=5, sessions=50)),
    "SITE": ("site", dict(utilisation_pct=20.0, latency_ms=8.0, jitter_ms=1.0,
                          packet_loss_pct=0.1),
             dict(utilisation_pct=40.0, latency_ms=8.0, jitter_ms=1.0, packet_loss_pct=0.1)),
}
PATHS = [("PON", "PON", "pon_port", 0), ("PON", "OLT", "olt", 1),
         ("CELL", "CELL", "cell", 0), ("CELL", "SITE", "site", 1)]
SERVICES = [  # service, cfs type, plan rate, access resource
    ("S-FTTH", "ftth", 500.0, "PON"), ("S-TV", "iptv", None, "PON"),
    ("S-MOB", "mobile_data", None, "CELL"), ("S-VOICE", "mobile_voice", None, "CELL")]
USAGE = {  # service → sessions, failures, stalls, stall seconds
    "S-FTTH": (40, 1, 0, 0.0), "S-TV": (10, 0, 2, 8.0), "S-MOB": (30, 2, 0, 0.0),
    "S-VOICE": (20, 0, 0, 0.0)}
PM_COUNTERS = ("dl_throughput_mbps", "utilisation_pct", "latency_ms", "jitter_ms",
               "packet_loss_pct", "unavailable_s", "access_attempts", "access_successes",
               "drops", "sessions")
USAGE_COLUMNS = ("sessions", "session_failures", "video_stall_count", "video_stall_seconds")
# what each dropped input may take away (the components it feeds)
LOSES = {
    "dl_throughput_mbps": {"throughput"}, "latency_ms": {"latency", "voice"},
    "jitter_ms": {"voice"}, "packet_loss_pct": {"loss", "voice"},
    "access_attempts": {"retainability"}, "drops": {"retainability"},
    "unavailable_s": set(),       # the alarm feed measures availability
    "utilisation_pct": set(), "access_successes": set(), "sessions": set(),
    "usage.sessions": {"accessibility", "video"}, "usage.session_failures": {"accessibility"},
    "usage.video_stall_count": {"video"}, "usage.video_stall_seconds": {"video"},
    "alarm feed": set(),          # the PM availability counter measures it instead
    "alarm feed and unavailable_s": {"availability"},
}


def _kpi_rows(drop: set[str]) -> pl.DataFrame:
    rows = []
    for resource, (kind, hour0, hour1) in KPIS.items():
        for hour, counters in ((0, hour0), (1, hour1)):
            for quarter in range(4):
                start = datetime(2026, 10, 1, hour, 15 * quarter)
                rows.append({"interval_start": start, "resource_id": resource,
                             "resource_type": kind, "vendor": "A",
                             **{c: None if c in drop else counters.get(c) for c in PM_COUNTERS}})
    return pl.DataFrame(rows, infer_schema_length=None)


def _usage_rows(drop: set[str]) -> pl.DataFrame:
    return pl.DataFrame([
        {"date": DAY, "service_id": service, "cell_id": "CELL" if access == "CELL" else None,
         "data_volume_mb": 100.0, "voice_minutes": 0.0,
         **{c: None if f"usage.{c}" in drop else v for c, v in zip(USAGE_COLUMNS, USAGE[service],
                                                                    strict=True)}}
        for service, _, _, access in SERVICES if f"no usage record of {service}" not in drop],
        infer_schema_length=None)


def _build(con, drop: set[str]) -> dict[str, pl.DataFrame]:
    """Stage the golden rows without ``drop``, run the chain, score the service-days."""
    ensure_staging_tables(con, SOURCES)
    con.execute("create schema if not exists core")
    con.execute("create schema if not exists marts")
    for table in ("stg.kpi_15min", "stg.usage", "stg.alarm_events"):
        con.execute(f"delete from {table}")
    for table, frame in (("stg.kpi_15min", _kpi_rows(drop)), ("stg.usage", _usage_rows(drop))):
        con.register("_rows", frame)
        con.execute(f"insert into {table} by name select * from _rows")
        con.unregister("_rows")
    alarms = "alarm feed" not in drop and "alarm feed and unavailable_s" not in drop
    if alarms:  # the feed is loaded: one raise event is enough to say so
        con.execute("insert into stg.alarm_events (event_id, alarm_id, event_time) "
                    "values ('E1', 'A1', timestamp '2026-10-01 00:30:00')")
    con.execute("""create or replace table core.access_paths as
        select * from (values """ + ", ".join(
        f"('{a}', '{r}', '{t}', {d}, 1.0)" for a, r, t, d in PATHS) +
        ") v(access_id, resource_id, resource_type, depth, weight)")
    con.execute("create or replace table core.cfs as select * from (values " + ", ".join(
        f"('{s}', 'C-{s}', '{t}', 'consumer', 'Dublin', {p or 'null'}, "
        "date '2024-01-01', null::date)" for s, t, p, _ in SERVICES) +
        ") v(service_id, customer_id, cfs_type, segment, region, plan_download_mbps, "
        "start_date, end_date)")
    con.execute("create or replace table core.service_access_shares as "
                "select * from (values " + ", ".join(
                    f"('{s}', date '2026-10-01', '{a}', 1.0, 1)" for s, _, _, a in SERVICES) +
                ") v(service_id, date, resource_id, share, resources)")
    fault_start = datetime(2026, 10, 1, 0, 30)
    faults = [("S-FTTH", DAY, 30.0, False, "OLT", fault_start)] if alarms else []
    con.register("_faults", pl.DataFrame(faults, orient="row", schema={
        "service_id": pl.String, "date": pl.Date, "fault_minutes": pl.Float64,
        "planned": pl.Boolean, "fault_resource_id": pl.String,
        "first_fault_at": pl.Datetime("us")}))
    con.execute("create or replace table core.service_fault_days as select * from _faults")
    con.unregister("_faults")
    con.execute("create or replace temp table _scope as select date '2026-10-01' as date")
    for model in ("core/resource_hourly.sql", "core/access_hourly.sql", "core/access_daily.sql",
                  "core/service_dates.sql", "marts/service_daily.sql"):
        table = model.removesuffix(".sql").replace("/", ".")
        con.execute(f"create or replace table {table} as "
                    f"select * from ({warehouse.read_sql(SERVICE_SQL / model)})")
    days = warehouse.query(con, "select * from marts.service_daily order by service_id")
    return {"scored": sei.score(days), "service_daily": days,
            "access_daily": warehouse.query(con, "select * from core.access_daily "
                                                 "order by resource_id")}


@pytest.fixture(scope="module")
def chain():
    """What the chain built with every input present (key "") and with each one dropped."""
    con = duckdb.connect()  # a scratch in-memory database: the models only need their tables
    try:
        built = {"": _build(con, set())}
        for drop in LOSES:
            parts = {"alarm feed and unavailable_s": {"alarm feed", "unavailable_s"}}.get(
                drop, {drop})
            built[drop] = _build(con, parts)
        built["no usage record"] = _build(con, {"no usage record of S-TV"})
    finally:
        con.close()
    return built


def _renormalised(scores: dict[str, float], cfs_type: str) -> float:
    weights = {name: sei.WEIGHTS[cfs_type][name] for name in scores}
    total = sum(weights.values())
    return 100 * math.exp(sum(weights[n] / total * math.log(max(s, 1.0) / 100)
                              for n, s in scores.items()))


def test_with_every_counter_every_component_is_measured(chain):
    full = chain[""]["scored"]
    for day in full.iter_rows(named=True):
        applying = set(sei.WEIGHTS[day["cfs_type"]])
        measured = {n for n in sei.COMPONENTS if day[f"score_{n}"] is not None}
        assert measured == applying, day["service_id"]
        assert day["coverage"] == pytest.approx(1.0)
    ftth = full.row(by_predicate=pl.col("service_id") == "S-FTTH", named=True)
    assert ftth["score_availability"] == pytest.approx(100 * (1 - 30 / 240))  # the alarm's 30 min
    assert ftth["score_loss"] < 100 and ftth["score_latency"] < 100  # hour 1 was worse
    # hour 1's four 75 s intervals on the PON: 5 minutes down by the PM counter
    pm = chain[""]["service_daily"].filter(pl.col("service_id") == "S-FTTH")
    assert pm["pm_unavailable_minutes"].to_list() == [pytest.approx(5.0)]


@pytest.mark.parametrize("drop", list(LOSES))
def test_a_dropped_counter_loses_only_its_components(chain, drop):
    full = {r["service_id"]: r for r in chain[""]["scored"].iter_rows(named=True)}
    for day in chain[drop]["scored"].iter_rows(named=True):
        before = full[day["service_id"]]
        cfs_type = day["cfs_type"]
        lost = LOSES[drop] & set(sei.WEIGHTS[cfs_type])
        changed = {"availability"} if drop == "alarm feed" else set()  # measured by PM instead
        for name in sei.COMPONENTS:
            if name in lost:
                assert day[f"score_{name}"] is None, (drop, day["service_id"], name)
            elif name not in changed:
                assert day[f"score_{name}"] == before[f"score_{name}"], (drop, name)
        rest = {n: day[f"score_{n}"] for n in sei.WEIGHTS[cfs_type] if n not in lost}
        assert None not in rest.values()
        assert day["sei"] == pytest.approx(_renormalised(rest, cfs_type), abs=1e-9)
        # never lowered by the absence: inside the range of what was measured
        assert min(rest.values()) - 1e-9 <= day["sei"] <= max(rest.values()) + 1e-9
        assert day["components_measured"] == before["components_measured"] - len(lost)


def test_without_a_loss_counter_the_path_loss_is_null_not_100_percent(chain):
    access = chain["packet_loss_pct"]["access_daily"]
    assert access["packet_loss_pct"].null_count() == access.height
    assert access["packet_loss_pct_worst_hour"].null_count() == access.height
    assert access["latency_ms"].null_count() == 0  # the other counters are untouched


def test_without_an_availability_counter_pm_downtime_is_null_not_zero(chain):
    days = chain["unavailable_s"]["service_daily"]
    assert days.height == len(SERVICES)
    assert days["pm_unavailable_minutes"].null_count() == days.height


def test_without_an_alarm_feed_fault_minutes_are_null_not_zero(chain):
    days = chain["alarm feed"]["service_daily"]
    assert days["outage_minutes"].null_count() == days.height
    with_feed = chain[""]["service_daily"].sort("service_id")
    assert with_feed["outage_minutes"].to_list() == [30.0, 0.0, 0.0, 0.0]  # FTTH first
    pm_only = chain["alarm feed"]["scored"].row(
        by_predicate=pl.col("service_id") == "S-FTTH", named=True)
    assert pm_only["score_availability"] == pytest.approx(100 * (1 - 5 / 240))
    for day in chain["alarm feed and unavailable_s"]["scored"].iter_rows(named=True):
        assert day["score_availability"] is None  # not 100: nothing said it was up


def test_a_usage_record_without_a_column_is_not_measured_but_no_record_is_zero(chain):
    days = chain["usage.session_failures"]["service_daily"]
    assert days["session_failures"].null_count() == days.height
    assert days["sessions"].null_count() == 0
    # a service the usage feed has no record of that day used nothing: a real 0
    idle = chain["no usage record"]["service_daily"].filter(pl.col("service_id") == "S-TV")
    assert idle.select("sessions", "session_failures", "video_stall_count").row(0) == (0, 0, 0)
    scored = chain["no usage record"]["scored"].filter(pl.col("service_id") == "S-TV")
    assert scored["score_video"].to_list() == [None]  # no viewing session: nothing to rate
