"""The job's outcomes step: follow every recorded action and measure each programme against its
control group, into ``marts.programme_outcomes`` (one transaction).

It runs when the actions feed is loaded with the customers and services feeds (who they are,
when they left); otherwise it says why it did not, and a table an earlier run built is dropped
so that a snapshot never publishes outcomes of actions no longer loaded.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from cxbridge.models.outcomes.estimate import programme_outcomes
from cxbridge.platform.warehouse import execute_sql_file, query, scalar, table_exists, transaction

SQL = Path(__file__).resolve().parent / "sql"
WINDOWS = (30, 60, 90)
FEEDS = ("actions", "customers", "services")
TABLE = "marts.programme_outcomes"

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


def build(con: duckdb.DuckDBPyConnection, feeds: set[str] | None = None) -> dict:
    """Build ``core.actions``, ``core.action_outcomes`` and ``marts.programme_outcomes``;
    skipped, with the reason, when a feed they need is not loaded (``feeds``: the loaded ones;
    ``None``: do not check)."""
    if feeds is not None:
        absent = [f for f in FEEDS if f not in feeds]
        if absent:
            con.execute(f"drop table if exists {TABLE}")
            return {"status": "skipped",
                    "reason": f"no {', '.join(absent)} feed loaded: outcomes compare the "
                              "recorded actions' treated and control customers"}
    last_day = observed_until(con)
    with transaction(con):
        execute_sql_file(con, SQL / "actions.sql")
        execute_sql_file(con, SQL / "action_outcomes.sql",
                         {"windows": list(WINDOWS), "observed_until": last_day or date.min})
        followed = query(con, "select * from core.action_outcomes")
        outcomes = programme_outcomes(followed)
        _replace(con, outcomes)
    return {"status": "built", "actions": int(scalar(con, "select count(*) from core.actions")),
            "programmes": outcomes["programme"].n_unique(), "observed_until": last_day}


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
