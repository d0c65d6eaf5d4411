"""Injected incidents move the counters of the resources behind them, and only those."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

import polars as pl

ALL_KINDS = {"fibre_cut", "equipment_failure", "power_loss", "transport_degradation",
             "bng_overload", "dns_outage", "planned_maintenance", "redundant_link_failure",
             "flapping", "sleeping_cell", "chronic_congestion"}
INTERVAL = timedelta(minutes=15)


def _effects(world) -> pl.DataFrame:
    """incident_resources joined with the incident kind, times parsed (UTC)."""
    resources = pl.read_csv(world.truth / "incident_resources.csv")
    return resources.join(world.incidents().select("incident_id", "kind", "root_resource_id"),
                          on="incident_id").with_columns(
        pl.col("start", "end").str.to_datetime("%Y-%m-%dT%H:%M:%SZ", time_zone="UTC"))


def _descendants(world, root: str) -> set[str]:
    children = defaultdict(set)
    for child, parent in world.links().select("resource_id", "depends_on_id").iter_rows():
        children[parent].add(child)
    found, frontier = {root}, [root]
    while frontier:
        for child in children[frontier.pop()]:
            if child not in found:
                found.add(child)
                frontier.append(child)
    return found


def test_every_kind_of_incident_is_injected_even_in_a_small_world(world):
    incidents = world.incidents()
    assert set(incidents["kind"]) == ALL_KINDS
    silent = incidents.filter(~pl.col("alarmed"))
    assert set(silent["kind"]) == {"sleeping_cell", "chronic_congestion"}
    assert incidents.filter(pl.col("planned"))["kind"].unique().to_list() == [
        "planned_maintenance"]


WHOLE_TREE = {("fibre_cut", "backhaul"), ("equipment_failure", "olt"), ("power_loss",
              "mains_failure"), ("planned_maintenance", "olt"), ("planned_maintenance", "site")}


def test_outages_cover_exactly_what_the_topology_puts_behind_the_root(world):
    effects = _effects(world).filter(pl.col("effect") == "outage").join(
        world.incidents().select("incident_id", "variant"), on="incident_id")
    kinds = dict(world.resources().select("resource_id", "resource_type").iter_rows())
    checked = set()
    for (incident, kind, variant, root), rows in effects.group_by(
            "incident_id", "kind", "variant", "root_resource_id"):
        affected = set(rows["resource_id"])
        if kind == "redundant_link_failure":
            assert affected == {root}, "a protected link's failure must not cut off its OLT"
        elif kind == "dns_outage":
            assert affected <= {r for r, k in kinds.items() if k == "dns_resolver"}
        elif (kind, variant) in WHOLE_TREE:
            assert affected == _descendants(world, root), incident
        else:  # PON feeder cuts, line cards, flapping ports: ports of one OLT
            olts = world.links().filter(pl.col("resource_id").is_in(list(affected)))[
                "depends_on_id"].unique().to_list()
            assert len(olts) == 1 and affected <= _descendants(world, olts[0])
            assert {kinds[r] for r in affected} == {"pon_port"}
        checked.add(kind)
    assert {"fibre_cut", "equipment_failure", "planned_maintenance",
            "redundant_link_failure"} <= checked


def _intervals(frame: pl.DataFrame, start, end) -> pl.Expr:
    return (pl.col("time") + INTERVAL > start) & (pl.col("time") < end)


def test_unavailability_appears_only_inside_injected_outages(world):
    kpis = world.kpis()
    outages = _effects(world).filter(pl.col("effect") == "outage")
    unavailable = kpis.filter(pl.col("UNAVAIL_S") > 0)
    assert unavailable.height > 0
    explained = unavailable.join(outages.select(MO_ID="resource_id", start="start", end="end"),
                                 on="MO_ID", how="inner").filter(
        (pl.col("time") + INTERVAL > pl.col("start")) & (pl.col("time") < pl.col("end")))
    assert explained.select("MO_ID", "time").unique().height == unavailable.height
    # fully-out intervals are not reported at all; everyone else reports nearly every interval
    expected = 96 * world.config.days
    reported = kpis.group_by("MO_ID").len()
    out_resources = set(outages["resource_id"])
    healthy = reported.filter(~pl.col("MO_ID").is_in(list(out_resources)))
    assert healthy["len"].min() >= expected * 0.99
    long_outages = outages.filter(pl.col("end") - pl.col("start") > timedelta(hours=1))
    for resource, start, end in long_outages.select("resource_id", "start", "end").iter_rows():
        inside = kpis.filter((pl.col("MO_ID") == resource) & (pl.col("time") >= start)
                             & (pl.col("time") + INTERVAL <= end))
        assert inside.height == 0, f"{resource} reported while it was down"


def test_transport_degradation_raises_latency_and_loss_behind_the_link(world):
    kpis = world.kpis()
    effects = _effects(world).filter((pl.col("kind") == "transport_degradation")
                                     & (pl.col("effect") == "degradation"))
    assert effects.height > 0
    cells = effects.filter(pl.col("resource_id").str.starts_with("CELL-"))
    for (incident,), rows in cells.group_by("incident_id"):
        start, end = rows["start"][0], rows["end"][0]
        ids = rows["resource_id"].to_list()
        mine = kpis.filter(pl.col("MO_ID").is_in(ids))
        during = mine.filter(_intervals(mine, start, end) & (pl.col("time") >= start))
        before = mine.filter(pl.col("time") + INTERVAL <= start)
        others = kpis.filter(pl.col("MO_ID").str.starts_with("CELL-")
                             & ~pl.col("MO_ID").is_in(ids) & (pl.col("time") >= start)
                             & (pl.col("time") + INTERVAL <= end))
        assert during["LAT_MS"].mean() > before["LAT_MS"].mean() + 15, incident
        assert during["PKT_LOSS_PCT"].mean() > 5 * before["PKT_LOSS_PCT"].mean(), incident
        assert during["LAT_MS"].mean() > others["LAT_MS"].mean() + 15, incident


def test_sleeping_cell_stays_available_while_accessibility_collapses(world):
    kpis = world.kpis()
    sleeping = world.incidents().filter(pl.col("kind") == "sleeping_cell")
    for cell, start, end in sleeping.select("root_resource_id", "start", "end").iter_rows():
        start, end = (pl.Series([start, end]).str.to_datetime("%Y-%m-%dT%H:%M:%SZ",
                                                               time_zone="UTC"))
        mine = kpis.filter(pl.col("MO_ID") == cell)
        inside = mine.filter((pl.col("time") >= start) & (pl.col("time") + INTERVAL <= end))
        outside = mine.filter((pl.col("time") + INTERVAL <= start) | (pl.col("time") >= end))
        assert inside.height > 0 and inside["UNAVAIL_S"].max() == 0
        accessibility = inside["ACC_SUCC"].sum() / inside["ACC_ATT"].sum()
        normal = outside["ACC_SUCC"].sum() / outside["ACC_ATT"].sum()
        assert accessibility < 0.5 < 0.95 < normal


def test_redundant_link_failure_moves_no_customer_facing_kpi(world):
    kpis = world.kpis()
    failures = world.incidents().filter(pl.col("kind") == "redundant_link_failure")
    assert failures.height > 0 and not failures["customer_impacting"].any()
    impacted = pl.read_parquet(world.truth / "incident_services.parquet")
    ids = failures["incident_id"].to_list()
    assert impacted.filter(pl.col("incident_id").is_in(ids)).height == 0
    links = world.links()
    for link, start, end in failures.select("root_resource_id", "start", "end").iter_rows():
        start, end = pl.Series([start, end]).str.to_datetime("%Y-%m-%dT%H:%M:%SZ",
                                                             time_zone="UTC")
        olt = links.filter(pl.col("depends_on_id") == link)["resource_id"][0]
        behind = _descendants(world, olt)
        window = (pl.col("time") >= start) & (pl.col("time") + INTERVAL <= end)
        served = kpis.filter(pl.col("MO_ID").is_in(list(behind)) & window)
        intervals = served["time"].n_unique()
        assert intervals > 0
        assert served.height >= len(behind) * intervals * 0.99  # everything keeps reporting
        assert served["UNAVAIL_S"].max() == 0
        elsewhere = kpis.filter(pl.col("MO_ID").is_in(list(behind)) & ~window)
        assert abs(served["LAT_MS"].mean() - elsewhere["LAT_MS"].mean()) < 1.0
        assert kpis.filter((pl.col("MO_ID") == link) & window).height == 0  # the link is dark


def test_chronic_congestion_saturates_the_cell_every_day_and_delay_grows_non_linearly(world):
    kpis = world.kpis().with_columns(
        hour=pl.col("time").dt.convert_time_zone("Europe/Dublin").dt.hour())
    chronic = world.incidents().filter(pl.col("kind") == "chronic_congestion")[
        "root_resource_id"].to_list()
    cells = kpis.filter(pl.col("MO_ID").str.starts_with("CELL-") & (pl.col("UNAVAIL_S") == 0))
    daily_peak = cells.filter(pl.col("MO_ID").is_in(chronic)).group_by(
        "MO_ID", pl.col("time").dt.date()).agg(pl.col("UTIL_PCT").max())
    assert daily_peak.height >= world.config.days and (daily_peak["UTIL_PCT"] >= 95).mean() >= 0.8
    # queueing: going from 60-80 % to 95 %+ load costs far more delay than from 20-40 % to 60-80 %
    util = pl.col("UTIL_PCT")
    load = (pl.when(util.is_between(20, 40)).then(pl.lit("low"))
            .when(util.is_between(60, 80)).then(pl.lit("mid"))
            .when(util >= 95).then(pl.lit("full")))
    binned = cells.with_columns(load=load).drop_nulls("load").group_by("load").agg(
        pl.col("LAT_MS").median())
    latency = dict(binned.iter_rows())
    assert latency["full"] - latency["mid"] > 3 * (latency["mid"] - latency["low"])
    evening = cells.filter(pl.col("hour").is_between(20, 21))["UTIL_PCT"].mean()
    night = cells.filter(pl.col("hour").is_between(3, 4))["UTIL_PCT"].mean()
    assert evening > 2 * night


def test_vendor_files_follow_their_dialect_and_calendar(world):
    resources = world.resources()
    vendor = dict(resources.select("resource_id", "vendor").iter_rows())
    a_files = sorted((world.path / "kpis" / "vendor_a").glob("A_PM_*.csv"))
    b_files = sorted((world.path / "kpis" / "vendor_b").glob("B_PM_*.csv"))
    assert len(b_files) == world.config.days
    for path in b_files:
        frame = pl.read_csv(path, separator=";", infer_schema=False)
        expected = 100 if path.stem.endswith("20261025") else 96
        assert frame["PERIOD_START_TIME"].n_unique() == expected, path.name
        assert {vendor[d.removeprefix("NE=")] for d in frame["DN"]} == {"B"}
        assert frame["PERIOD_START_TIME"].str.contains(r"[+-]\d{2}:\d{2}$").all()
        assert (frame["OBJ_TYPE"] == frame["OBJ_TYPE"].str.to_uppercase()).all()
        load = frame["LOAD_PERMILLE"].cast(pl.Int64).drop_nulls()
        assert load.min() >= 0 and load.max() <= 1000
        assert frame["LOSS_RATIO"].cast(pl.Float64).drop_nulls().max() <= 1
    for path in a_files:
        frame = pl.read_csv(path, infer_schema=False)
        assert {vendor[m] for m in frame["MO_ID"]} == {"A"}
        assert frame["START_TIME"].str.ends_with("Z").all()
        if not path.stem.endswith("_late"):
            assert frame["START_TIME"].n_unique() == 96
