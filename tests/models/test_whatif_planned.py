"""Planned work's impact (models/whatif) on the hand-made network of ``incidents_world``:
redundancy honoured as incident impact honours it (one resolver of the 1-of-2 pool down hurts
nobody, both do; a protected uplink alone hurts nobody), cells by their share of a mobile
line's traffic, SLAs and revenue; the page's precomputed lookup gives what the projection
gives; the least-harm window and the notify order on inline frames."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
import pytest

from cxbridge.dashboards.queries import over_text
from cxbridge.jobs import flow
from cxbridge.models.whatif import planned
from cxbridge.platform import warehouse
from tests.models.incidents_world import cell_kpis, write_world

START = datetime(2026, 10, 3, 1, 0)   # after the three days of usage: shares of 2 October
DASHBOARD_SQL = planned.SQL.parents[1].parent / "dashboards" / "sql"


def planned_world(tmp_path_factory):
    """The hand-made network with a week of cell counters, through ``cxbridge run`` (which
    builds and publishes the what-if tables), built once per test session and shared by the
    model, command-line and page tests (they read it; each export is told apart by its
    ``via``); returns its settings."""
    from cxbridge.platform.settings import load_settings

    home = tmp_path_factory.getbasetemp() / "whatif-world"
    settings = load_settings({"CXBRIDGE_HOME": str(home / "home"), "CXBRIDGE_CONFIG": ""})
    if not (home / "built").exists():
        raw = write_world(home / "raw", kpi_csv=cell_kpis(["CELL1", "CELL2"], 7,
                                                          date(2026, 9, 26), lambda c, t: None))
        assert flow.run(settings, raw).status == "ok"
        (home / "built").touch()
    return settings


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return planned_world(tmp_path_factory)


def _project(settings, *resources: str, hours: float = 1.0) -> planned.Projection:
    with warehouse.connect(settings, read_only=True) as con:
        return planned.project(con, planned.planned_work(resources, START, hours))


def _services(projection: planned.Projection) -> dict[str, str]:
    return dict(projection.services.select("service_id", "customer_id").iter_rows())


def test_one_resolver_of_the_pool_hurts_nobody_both_hurt_their_customers(world):
    assert _services(_project(world, "DNS1")) == {}
    assert _services(_project(world, "DNS2")) == {}
    both = _project(world, "DNS1", "DNS2")
    assert _services(both) == {"CFS-1": "C1", "CFS-2": "C2"}
    assert set(both.services["via"]) == {"pool"}
    assert both.summary["customers"] == 2 and both.summary["monthly_revenue_eur"] == 150.0


def test_a_protected_uplink_alone_hurts_nobody_the_olt_hurts_every_port(world):
    assert _services(_project(world, "L1")) == {}
    olt = _project(world, "OLT", hours=2)
    assert _services(olt) == {"CFS-1": "C1", "CFS-2": "C2", "CFS-3": "C3"}
    summary = olt.summary
    assert summary["customers_by_segment"] == {"consumer": 1, "enterprise": 1, "smb": 1}
    # the VPN's 99.9 % allows 43.2 minutes a month: two hours of work alone breach it
    assert (summary["sla_services"], summary["sla_breached_services"]) == (1, 1)
    assert summary["service_minutes"] == 3 * 120.0
    # care calls business customers first
    assert olt.notify["customer_id"].to_list() == ["C3", "C2", "C1"]


def test_a_mobile_line_is_hurt_by_the_cells_carrying_enough_of_its_traffic(world):
    assert _services(_project(world, "CELL1")) == {"CFS-4": "C1"}   # 90 % of its traffic
    assert _services(_project(world, "CELL2")) == {}                # 10 %: below 30 %
    site = _project(world, "SITE")
    assert _services(site) == {"CFS-4": "C1"}
    assert site.shares_date == date(2026, 10, 2)


def test_the_projection_is_what_incident_impact_would_find(world):
    """The same windows as an incident's give the incident rules' answer: the macro is the
    one incidents/incident_services.sql calls (its golden tests pin those rules)."""
    with warehouse.connect(world, read_only=True) as con:
        frame = warehouse.query(
            con, "with p as (select cell_share_min from core.impact_params), "
                 "w as (select 'x' as group_key, unnest(['OLT', 'DNS1']) as resource_id, "
                 "$s as starts, $e as ends, cast(null as date) as shares_date) "
                 "select service_id from services_hurt('w', 'p') order by 1",
            {"s": datetime(2026, 10, 2, 1), "e": datetime(2026, 10, 2, 2)})
    assert frame["service_id"].to_list() == ["CFS-1", "CFS-2", "CFS-3"]


@pytest.mark.parametrize("resources", [("DNS1",), ("DNS1", "DNS2"), ("OLT",), ("SITE",),
                                       ("CELL2", "DNS2"), ("L1", "L2", "PON3")])
def test_the_pages_lookup_gives_the_projections_services(world, resources):
    with warehouse.connect(world, read_only=True) as con:
        con.execute("set search_path = 'whatif'")
        units = warehouse.query(
            con, (DASHBOARD_SQL / "planned_units_down.sql").read_text(encoding="utf-8"),
            {"resources": list(resources)})["unit_id"].to_list()
        looked_up = warehouse.query(
            con, over_text("planned_services"),  # as the page reads it
            {"units": units, "minutes": 60.0})
        con.execute("set search_path = 'main'")
        projected = planned.project(con, planned.planned_work(resources, START, 1.0))
    assert looked_up["service_id"].sort().to_list() == projected.services["service_id"].to_list()
    assert planned.summarise(looked_up) == projected.summary


def test_the_least_harm_window_is_the_quiet_hours_of_the_cells_it_touches(world):
    with warehouse.connect(world, read_only=True) as con:
        work = planned.planned_work(("SITE",), START, 2.0)
        projection = planned.project(con, work, now=datetime(2026, 12, 7, 9, 30),
                                     best_window=True)
    assert projection.access == ("CELL1", "CELL2")
    harm = projection.harm
    assert harm.height == 14 * 24 and harm["start"][0] == datetime(2026, 12, 7, 10)
    best = planned.least_harm(harm)
    # cells carry 20/21 sessions before 08:00 and from 23:00, 40/41 in between
    assert best["start"].hour in (23, 0, 1, 2, 3, 4, 5)
    assert best["session_minutes"] == pytest.approx((20 + 21) * 120)


def test_harm_sums_each_hour_of_the_week_for_the_minutes_taken_from_it():
    profile = pl.DataFrame({"hour_of_week": [0, 1, 2, 167], "sessions": [10.0, 1.0, 5.0, 7.0]})
    harm = planned.harm_by_start(profile, datetime(2026, 12, 6, 23, 0), 1.5, days=1)
    by_start = dict(harm.iter_rows())
    # Sunday 23:00 (hour 167) for 60 minutes, then Monday 00:00 (hour 0) for 30
    assert by_start[datetime(2026, 12, 6, 23)] == 7 * 60 + 10 * 30
    assert by_start[datetime(2026, 12, 7, 1)] == 1 * 60 + 5 * 30
    assert planned.least_harm(harm)["start"] > datetime(2026, 12, 7, 2)  # the empty hours


def test_the_work_is_checked_before_anything_is_read():
    now = datetime(2026, 12, 6, 12)
    with pytest.raises(planned.PlannedWorkError, match="more than 0 hours"):
        planned.planned_work(["OLT"], datetime(2026, 12, 8), 0, now=now)
    with pytest.raises(planned.PlannedWorkError, match="in the past"):
        planned.planned_work(["OLT"], datetime(2026, 12, 5), 2, now=now)
    with pytest.raises(planned.PlannedWorkError, match="at least one resource"):
        planned.planned_work([" "], datetime(2026, 12, 8), 2, now=now)
    assert planned.planned_work(["OLT", "OLT"], datetime(2026, 12, 8), 2, now=now).resources \
        == ("OLT",)


def test_an_unknown_resource_is_named_with_the_closest_ids(world):
    with warehouse.connect(world, read_only=True) as con, \
            pytest.raises(planned.PlannedWorkError, match=r"'PON4' \(did you mean PON"):
        planned.check_resources(con, ("OLT", "PON4"))
