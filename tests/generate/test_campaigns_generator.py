"""Past campaigns in a generated world (pipelines/lab/generate/campaigns.py): absent unless
asked for, deterministic by seed, the feed and the truth agree, the takers' usage rises by the
offer's uplift against the non-takers', and the load the truth reports rises only where takers
are and by what their extra demand adds to the resource's capacity."""

from __future__ import annotations

import json

import polars as pl
import pytest

from cxbridge.lab.generate import WorldConfig, generate_world
from cxbridge.lab.generate.campaigns import OFFERS
from cxbridge.lab.generate.config import WorldConfigError
from cxbridge.lab.generate.delivery import Delivery

CONFIG = {"scale": 0.01, "days": 14, "seed": 11, "dirt_rate": 0.0, "campaigns": 2}
# the feeds the campaigns touch that the tests read (the truth is written whatever is delivered)
FEEDS = Delivery(feeds=("customers", "services", "usage"))


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    path = tmp_path_factory.mktemp("campaigns") / "raw"
    generate_world(WorldConfig(**CONFIG), path, delivery=FEEDS)
    return path


def _feed(raw) -> pl.DataFrame:
    return pl.concat([pl.read_csv(p, try_parse_dates=True)
                      for p in sorted((raw / "campaigns").glob("*.csv"))])


def test_the_feed_and_the_truth_agree(world):
    feed, truth = _feed(world), pl.read_csv(world / "_truth" / "campaigns.csv",
                                            try_parse_dates=True)
    assert truth["campaign_id"].to_list() == ["CMP-001", "CMP-002"]
    assert truth["offer"].to_list() == ["data_boost", "speed_upgrade"]
    per = feed.group_by("campaign_id").agg(
        targets=pl.len(), takers=(pl.col("took_up") == "yes").sum(),
        sent_on=pl.col("sent_on").unique(), offer=pl.col("offer").unique()).sort("campaign_id")
    assert per["targets"].to_list() == truth["targets"].to_list()
    assert per["takers"].to_list() == truth["takers"].to_list()
    assert all(len(days) == 1 for days in per["sent_on"])
    assert [d[0] for d in per["sent_on"]] == truth["sent_on"].to_list()
    assert feed.select("campaign_id", "customer_id").is_duplicated().sum() == 0
    customers = set(pl.read_csv(world / "customers" / "customers.csv")["customer_id"])
    assert set(feed["customer_id"]) <= customers
    # a week of history before each, days after it
    start = WorldConfig(**CONFIG).start
    assert all((d - start).days >= 7 for d in truth["sent_on"])
    assert (truth["days_after"] >= 4).all()


def test_takers_use_the_offer_s_uplift_more_than_non_takers(world):
    feed = _feed(world).filter(pl.col("campaign_id") == "CMP-001")  # data_boost
    sent = feed["sent_on"][0]
    services = [json.loads(line) for line in
                (world / "services" / "services.jsonl").read_text().splitlines()]
    mobile = pl.DataFrame(
        [{"service_id": s["id"], "customer_id": s["relatedParty"][0]["partyOrPartyRole"]["id"]}
         for s in services if s.get("serviceType") == "mobile_data"])
    usage = pl.concat([pl.read_parquet(p) for p in sorted((world / "usage").glob("*.parquet"))])
    per = (usage.join(mobile, on="service_id").join(feed, on="customer_id")
           .with_columns(after=pl.col("date") >= sent)
           .group_by("took_up", "after").agg(mb=pl.col("data_volume_mb").sum(),
                                              days=pl.col("date").n_unique()))
    mb = {(r["took_up"], r["after"]): r["mb"] / r["days"] for r in per.iter_rows(named=True)}
    ratio = (mb["yes", True] / mb["yes", False]) / (mb["no", True] / mb["no", False])
    assert ratio == pytest.approx(OFFERS["data_boost"].uplift, rel=0.25)


def test_the_load_rises_where_takers_are_by_their_demand_over_capacity(world):
    resources = pl.read_csv(world / "_truth" / "campaign_resources.csv")
    data = resources.filter(pl.col("campaign_id") == "CMP-001")
    assert set(data["resource_type"]) == {"cell"}  # a data offer loads cells, not PON ports
    rise = data["busy_util_after_pct"] - data["busy_util_before_pct"]
    assert (rise >= -0.01).all() and rise.max() > 5
    # busy hour rises by at most the extra busy-hour demand over capacity (the daily profile
    # peaks at 1), and by some of it wherever takers add demand
    ceiling = 100 * data["extra_busy_hour_mbps"] / data["capacity_mbps"]
    assert (rise <= ceiling * 1.3 + 0.5).all()
    assert ((rise > 0) == (data["extra_busy_hour_mbps"] > 0)).all()
    fixed = resources.filter(pl.col("campaign_id") == "CMP-002")
    assert set(fixed["resource_type"]) == {"pon_port"}


def test_the_same_seed_gives_the_same_campaigns(world, tmp_path):
    again = tmp_path / "raw"
    generate_world(WorldConfig(**CONFIG), again, delivery=FEEDS)
    names = sorted(p.relative_to(world).as_posix() for p in (world / "campaigns").glob("*.csv"))
    names += ["_truth/campaigns.csv", "_truth/campaign_resources.csv"]
    for name in names:
        assert (world / name).read_bytes() == (again / name).read_bytes(), name


def test_a_world_without_campaigns_has_no_trace_of_them(tmp_path):
    raw = tmp_path / "raw"
    generate_world(WorldConfig(**{**CONFIG, "campaigns": 0, "days": 3}), raw,
                   delivery=Delivery(feeds=("customers",)))
    assert not (raw / "campaigns").exists()
    assert not list((raw / "_truth").glob("campaign*"))
    assert "campaigns" not in json.loads((raw / "manifest.json").read_text())


def test_campaigns_need_a_week_before_and_days_after():
    with pytest.raises(WorldConfigError, match="14 days"):
        WorldConfig(**{**CONFIG, "days": 10})
    with pytest.raises(WorldConfigError, match="≥ 0"):
        WorldConfig(**{**CONFIG, "campaigns": -1})
