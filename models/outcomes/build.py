"""The job's outcomes step: follow every recorded action and measure each programme against its
control group, into ``marts.programme_outcomes`` (one transaction).

It runs when the actions feed is loaded with the customers and services feeds (who they are,
when they left); otherwise it says why it did not, and a table an earlier run built is dropped
so that a snapshot never publishes outcomes of actions no longer loaded.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import duckdb
import polars as pl

from cxbridge.models.outcomes import uplift
from cxbridge.models.outcomes.estimate import programme_outcomes
from cxbridge.platform.action_log import FEED_SCHEMA
from cxbridge.platform.warehouse import (
    execute_sql_file,
    query,
    read_sql,
    scalar,
    table_exists,
    transaction,
)

SQL = Path(__file__).resolve().parent / "sql"
WINDOWS = (30, 60, 90)
FEEDS = ("actions", "customers", "services")
TABLE = "marts.programme_outcomes"
# the uplift model's tables (models/outcomes/uplift.py), built and dropped with TABLE
UPLIFT_TABLES = ("marts.customer_uplift", "marts.uplift_programmes", "marts.uplift_qini")

# the last day the data covers: the latest day of the dated customer feeds
_LAST_DAY = """
select max(day) from (
    select max(date) as day from stg.usage
    union all select max(cast(created_at as date)) from stg.tickets
    union all select max(cast(responded_at as date)) from stg.surveys
)
"""


def observed_until(con: duckdb.DuckDBPyConnection) -> date | None:
    """The last day of data (usage, tickets, surveys): a window ending after it is not yet
    observed, and its actions are left out of that window's measure."""
    return scalar(con, _LAST_DAY)


def build(con: duckdb.DuckDBPyConnection, feeds: set[str] | None = None,
          recorded: pl.DataFrame | None = None) -> dict:
    """Build ``core.actions``, ``core.action_outcomes`` and ``marts.programme_outcomes``;
    skipped, with the reason, when a feed they need is not loaded (``feeds``: the loaded ones;
    ``None``: do not check). ``recorded``: the dashboard's recorded exports in the actions
    feed's layout (:meth:`cxbridge.platform.action_log.ActionLog.actions`, read by the job),
    measured with the feed's actions (one row per action id, the feed's when both hold it);
    with them the actions feed is not needed. ``changed`` in the answer: whether the number of
    actions differs from the last build's (the store only grows, so a recorded export since
    then changes it)."""
    recorded = pl.DataFrame(schema=FEED_SCHEMA) if recorded is None else recorded
    if feeds is not None:
        absent = [f for f in FEEDS if f not in feeds
                  and not (f == "actions" and not recorded.is_empty())]
        if absent:
            for table in (TABLE, *UPLIFT_TABLES):
                con.execute(f"drop table if exists {table}")
            return {"status": "skipped",
                    "reason": f"no {', '.join(absent)} feed loaded: outcomes compare the "
                              "recorded actions' treated and control customers"}
    last_day = observed_until(con)
    before = scalar(con, "select count(*) from core.actions") \
        if table_exists(con, "core.actions") else None
    use_feed = feeds is None or "actions" in feeds
    with transaction(con), _action_sources(con, recorded, use_feed):
        execute_sql_file(con, SQL / "actions.sql")
        execute_sql_file(con, SQL / "action_outcomes.sql",
                         {"windows": list(WINDOWS), "observed_until": last_day or date.min})
        followed = query(con, "select * from core.action_outcomes")
        outcomes = programme_outcomes(followed)
        _replace(con, outcomes)
        uplifted = _build_uplift(con, last_day)
    actions = int(scalar(con, "select count(*) from core.actions"))
    return {"status": "built", "actions": actions, "recorded": recorded.height,
            "changed": actions != before,
            "programmes": outcomes["programme"].n_unique(), "observed_until": last_day,
            "uplift_programmes": uplifted}


@contextmanager
def _action_sources(con: duckdb.DuckDBPyConnection, recorded: pl.DataFrame,
                    use_feed: bool) -> Iterator[None]:
    """What actions.sql reads, registered for its run: ``feed_actions`` (stg.actions, or none
    when the feed is not loaded) and ``recorded_actions`` (the recorded exports)."""
    feed = con.table("stg.actions") if use_feed and table_exists(con, "stg.actions") \
        else pl.DataFrame(schema=FEED_SCHEMA)
    con.register("feed_actions", feed)
    con.register("recorded_actions", recorded.select(*FEED_SCHEMA))
    try:
        yield
    finally:
        con.unregister("feed_actions")
        con.unregister("recorded_actions")


def _uplift_features(con: duckdb.DuckDBPyConnection, points: pl.DataFrame) -> pl.DataFrame:
    """``sql/uplift_features.sql`` for ``points`` (point_id, customer_id, as_of)."""
    con.register("_uplift_points", points)
    try:
        return query(con, read_sql(SQL / "uplift_features.sql"), {"lookback": uplift.LOOKBACK})
    finally:
        con.unregister("_uplift_points")


def _build_uplift(con: duckdb.DuckDBPyConnection, last_day: date | None) -> int:
    """``marts.uplift_programmes`` (per programme: published or why not, and its temporal
    holdout's Qini coefficients), ``marts.uplift_qini`` (the holdout curves) and
    ``marts.customer_uplift`` (every customer in service the day after the data × published
    programme: the expected churn reduction); the number of programmes published."""
    followed = query(con, read_sql(SQL / "uplift_followed.sql"), {"window": uplift.WINDOW})
    features = _uplift_features(con, followed.select(
        "point_id", "customer_id", as_of="action_date"))
    followed = followed.join(features.drop("customer_id", "as_of"), on="point_id")
    models, learners = uplift.programme_models(followed)
    figures, curves = uplift.holdouts(followed)
    day = (last_day or date.min) + timedelta(days=1)
    in_service = query(con, read_sql(SQL / "uplift_in_service.sql"), {"day": day})
    scored = uplift.customer_uplift(_uplift_features(con, in_service) if learners
                                    else in_service.head(0), learners)
    _write(con, "marts.uplift_programmes", uplift.programme_table(models, figures),
           "programme")
    _write(con, "marts.uplift_qini", curves, "programme, ranking, share_targeted")
    _write(con, "marts.customer_uplift", scored, "customer_id, programme")
    return len(learners)


def _write(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame, order: str) -> None:
    con.register("_uplift_frame", frame)
    try:
        con.execute(f"create or replace table {table} as select * from _uplift_frame "
                    f"order by {order}")
    finally:
        con.unregister("_uplift_frame")


def _replace(con: duckdb.DuckDBPyConnection, outcomes: pl.DataFrame) -> None:
    con.execute("create schema if not exists marts")
    con.register("_programme_outcomes", outcomes)
    try:
        con.execute(f"create or replace table {TABLE} as select * from _programme_outcomes "
                    "order by programme, breakdown, group_value, window_days")
    finally:
        con.unregister("_programme_outcomes")


def exists(con: duckdb.DuckDBPyConnection) -> bool:
    return table_exists(con, TABLE)
