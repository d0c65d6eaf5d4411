"""Past actions in a generated world (pipelines/lab/generate/actions.py): deterministic by seed,
absent unless asked for, the feed and the truth agree, and each chosen customer's realised churn
is the potential outcome of the arm they were in."""

from __future__ import annotations

import json
from datetime import timedelta

import polars as pl
import pytest

from cxbridge.lab.generate import WorldConfig, generate_world
from cxbridge.lab.generate.actions import PROGRAMMES, WINDOWS
from cxbridge.lab.generate.delivery import Delivery

CONFIG = {"scale": 0.01, "days": 45, "seed": 11, "dirt_rate": 0.0, "actions": True}
# the feeds the actions touch (the network's counters and alarms do not depend on them)
FEEDS = Delivery(feeds=("customers", "services", "catalog", "usage", "tickets", "surveys"))


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    path = tmp_path_factory.mktemp("actions") / "raw"
    generate_world(WorldConfig(**CONFIG), path, delivery=FEEDS)
    return path


def _feed(raw) -> pl.DataFrame:
    return pl.concat([pl.read_csv(p) for p in sorted((raw / "actions").glob("*.csv"))])


def test_the_same_seed_gives_the_same_actions_and_truth(world, tmp_path):
    again = tmp_path / "raw"
    generate_world(WorldConfig(**CONFIG), again, delivery=FEEDS)
    names = sorted(p.relative_to(world).as_posix() for p in (world / "actions").glob("*.csv"))
    names += ["_truth/actions.csv", "_truth/actions_effects.csv", "_truth/actions.json",
              "customers/customers.csv", "services/services.jsonl"]
    assert len(names) > 5
    for name in names:
        assert (world / name).read_bytes() == (again / name).read_bytes(), name


def test_a_world_without_actions_has_no_trace_of_them(tmp_path):
    raw = tmp_path / "raw"
    generate_world(WorldConfig(**{**CONFIG, "actions": False, "days": 10}), raw,
                   delivery=Delivery(feeds=("customers",)))
    assert not (raw / "actions").exists()
    assert not list((raw / "_truth").glob("actions*"))
    assert "actions" not in json.loads((raw / "manifest.json").read_text())
    assert "actions" not in json.loads((raw / "_truth" / "manifest.json").read_text())["world"]


def test_the_feed_records_every_chosen_customer_with_a_control_group(world):
    feed = _feed(world)
    truth = pl.read_csv(world / "_truth" / "actions.csv")
    assert feed.columns == ["action_id", "customer_id", "sent_at", "programme", "offer",
                            "channel", "reason", "arm", "cost_eur"]
    assert feed["action_id"].is_unique().all() and feed["customer_id"].is_unique().all()
    assert set(feed["programme"]) == {p.name for p in PROGRAMMES}
    assert feed.sort("customer_id").select("customer_id", "programme", "arm").equals(
        truth.sort("customer_id").select("customer_id", "programme", "arm"))
    # each customer held out with a 20 % chance: every programme has both arms, and overall
    # the share is 20 % within three standard deviations
    arms = feed.group_by("programme").agg(pl.col("arm").n_unique())
    assert (arms["arm"] == 2).all()
    share = (feed["arm"] == "control").mean()
    assert abs(share - 0.2) <= 3 * (0.2 * 0.8 / feed.height) ** 0.5
    assert (feed.filter(pl.col("arm") == "control")["cost_eur"] == 0).all()
    assert (feed.filter(pl.col("arm") == "treated")["cost_eur"] > 0).all()


def test_realised_churn_is_the_potential_outcome_of_the_arm(world):
    truth = pl.read_csv(world / "_truth" / "actions.csv", try_parse_dates=True)
    churn = pl.read_csv(world / "_truth" / "churn.csv", try_parse_dates=True)
    joined = truth.join(churn.select("customer_id", "churn_date"), on="customer_id", how="left")
    realised = pl.when(pl.col("arm") == "treated").then(pl.col("churn_date_if_treated")) \
        .otherwise(pl.col("churn_date_if_not_treated"))
    assert joined.filter(realised.ne_missing(pl.col("churn_date"))).is_empty()
    # a programme that changes nothing (multiplier 1) has the same outcome either way; one that
    # works changes some (the notice served after deciding may still make a treated customer
    # leave sooner: it is drawn on the day they decide)
    same = pl.col("churn_date_if_treated").eq_missing(pl.col("churn_date_if_not_treated"))
    assert truth.filter(pl.col("hazard_multiplier") == 1).select(same.all()).item()
    assert not truth.filter(pl.col("hazard_multiplier") != 1).select(same.all()).item()


def test_the_true_effects_are_the_mean_difference_of_potential_outcomes(world):
    truth = pl.read_csv(world / "_truth" / "actions.csv", try_parse_dates=True)
    effects = pl.read_csv(world / "_truth" / "actions_effects.csv")
    last_day = truth["action_date"].min() - timedelta(days=truth["action_date"].min().day - 1) \
        + timedelta(days=CONFIG["days"] - 1)
    assert set(effects["window_days"]) <= set(WINDOWS)
    for row in effects.filter(pl.col("segment") == "all").iter_rows(named=True):
        end = pl.col("action_date") + pl.duration(days=row["window_days"])
        mine = truth.filter(pl.col("programme") == row["programme"], end <= last_day)
        y1 = (pl.col("churn_date_if_treated") <= end).fill_null(False).cast(pl.Float64)
        y0 = (pl.col("churn_date_if_not_treated") <= end).fill_null(False).cast(pl.Float64)
        assert row["customers"] == mine.height
        assert row["true_effect"] == pytest.approx(mine.select((y1 - y0).mean()).item(),
                                                   abs=1e-6)
