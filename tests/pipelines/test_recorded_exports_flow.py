"""Recorded exports measured by the job (models/outcomes, jobs/flow.py), on a small generated
world with an actions feed (built once for the module): the run measures the dashboard's
recorded exports with the feed's actions, a second run with nothing new leaves every count as it
was (and keeps the snapshot), a later export adds exactly its new customers, an action id the
feed and the store both hold is one action, and the store alone is enough to measure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from cxbridge.jobs import flow
from cxbridge.lab.generate import WorldConfig
from cxbridge.models import outcomes
from cxbridge.platform import warehouse
from cxbridge.platform.action_log import ActionLog
from tests.pipelines.actions_world import actions_world

WORLD = WorldConfig(scale=0.01, days=40, seed=5, actions=True)


def _listed(ids: list[str], programme: str = "campaign:retention") -> pl.DataFrame:
    return pl.DataFrame({"customer_id": ids,
                         "arm": ["control" if i % 4 == 0 else "treated"
                                 for i in range(len(ids))],
                         "programme": programme, "offer": "retention", "channel": "email",
                         "reason": "high", "cost_eur": None})


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    settings, raw = actions_world(tmp_path_factory.mktemp("recorded"), WORLD)
    customers = pl.read_csv(raw / "customers" / "customers.csv", columns=["customer_id"],
                            infer_schema=False, truncate_ragged_lines=True)
    feed = pl.concat([pl.read_csv(path, infer_schema=False)
                      for path in sorted((raw / "actions").glob("*.csv"))])
    # recorded on the world's 10th day, so its 30 days are observed
    day = datetime.combine(WORLD.start + timedelta(days=9), datetime.min.time(), UTC)
    log = ActionLog(settings.action_log_file, clock=lambda: day)
    return settings, raw, log, customers["customer_id"].sort().to_list(), feed


def _counts(settings) -> dict[str, int]:
    with warehouse.connect(settings, read_only=True) as con:
        rows = warehouse.rows(con, "select programme, count(*) from core.actions "
                                   "group by programme")
    return dict(rows)


def _loaded(settings) -> int:
    """The feed's actions as loaded (a row the feed's contract quarantines is not one)."""
    with warehouse.connect(settings, read_only=True) as con:
        return warehouse.scalar(con, "select count(*) from stg.actions")


def test_a_repeated_run_counts_every_recorded_export_once(world):
    settings, raw, log, customers, feed = world
    log.record("campaign", "WAVE-1", _listed(customers[:60]), user="ana", role="marketing")
    log.record("campaign", "WAVE-1", _listed(customers[:60]), user="bo", role="marketing")
    log.record("care", "INC-7", _listed(customers[50:80], "care:incident follow-up"),
               user="desk", role="care")
    first = flow.run(settings, raw)
    counts = _counts(settings)
    assert counts["campaign:retention"] == 60 and counts["care:incident follow-up"] == 30
    assert sum(counts.values()) == _loaded(settings) + 90 == first.outcomes["actions"]
    with warehouse.connect(settings, read_only=True) as con:
        measured = set(warehouse.query(con, "select distinct programme from "
                                            "marts.programme_outcomes")["programme"])
    assert {"campaign:retention", "care:incident follow-up"} <= measured

    again = flow.run(settings, raw)  # nothing new: nothing doubles, the snapshot stays
    assert _counts(settings) == counts and again.outcomes["changed"] is False
    assert not again.published and again.snapshot.run_id == first.snapshot.run_id

    # a later download of the same campaign with 20 customers more adds exactly those
    log.record("campaign", "WAVE-1", _listed(customers[:80]), user="ana", role="marketing")
    later = flow.run(settings, raw)
    assert _counts(settings)["campaign:retention"] == 80
    assert later.outcomes["changed"] is True and later.published


def _built(world) -> None:
    """The first test's download and run, for a test that runs without it (pytest-xdist may
    give a test a worker of its own, with a fresh world)."""
    settings, raw, log, customers, _ = world
    if log.actions().is_empty():
        log.record("campaign", "WAVE-1", _listed(customers[:60]), user="ana", role="marketing")
    ran = settings.warehouse_path.is_file()
    if ran:
        with warehouse.connect(settings, read_only=True) as con:
            ran = warehouse.table_exists(con, "stg.actions")
    if not ran:
        flow.run(settings, raw)


def test_an_action_id_in_the_feed_and_the_store_is_one_action(world):
    _built(world)
    settings, _, log, _, feed = world
    echoed = feed.head(3).with_columns(pl.col("sent_at").str.to_datetime(time_zone="UTC")
                                       .dt.replace_time_zone(None).dt.cast_time_unit("us"),
                                       pl.col("cost_eur").cast(pl.Float64),
                                       programme=pl.lit("campaign:retention"))
    recorded = pl.concat([log.actions(), echoed.select(log.actions().columns)])
    with warehouse.connect(settings) as con:
        result = outcomes.build(con, {"actions", "customers", "services"}, recorded)
        kept = warehouse.query(con, "select action_id, programme from core.actions where "
                                    "action_id in (select unnest($ids))",
                               {"ids": echoed["action_id"].to_list()})
    assert result["actions"] == _loaded(settings) + log.actions().height
    assert kept.height == 3 and set(kept["programme"]) == set(feed.head(3)["programme"])


def test_recorded_exports_alone_are_measured_without_the_actions_feed(world):
    _built(world)
    settings, _, log, _, _ = world
    with warehouse.connect(settings) as con:
        without = outcomes.build(con, {"customers", "services"}, log.actions())
        assert without["status"] == "built"
        assert without["actions"] == log.actions().height
        nothing = outcomes.build(con, {"customers", "services"}, None)
        assert nothing["status"] == "skipped" and "actions" in nothing["reason"]
        assert outcomes.build(con, {"actions", "customers", "services"},
                              log.actions())["status"] == "built"  # leave it as the run did
