"""Folding the alarm events into ``core.alarms`` between full builds (the live consumer's
refresh, :func:`cxbridge.models.incidents.build.refresh`).

A full build runs both models whole. An alarm's lifecycle (``core.alarm_lifecycles``) depends
on its own events alone, so after a batch only the alarms the batch brought are folded again:
the model's SELECT, restricted to their ids, replaces their rows. ``core.alarms`` (the usual
durations of each probable cause, a symptom ending with its root, stale alarms: what takes every
alarm) is then rebuilt whole from the lifecycles, which is far cheaper than folding every event
again: the cost of a batch grows with the alarms it brought and the alarms known, not with every
event ever received (README, live section, for the figures).
"""

from __future__ import annotations

from collections.abc import Iterable

from cxbridge.models.service import SQL
from cxbridge.platform.warehouse import (
    create_table_as,
    execute_sql_file,
    read_sql,
    table_exists,
)

LIFECYCLES = SQL / "core" / "alarm_lifecycles.sql"
ALARMS = SQL / "core" / "alarms.sql"


def fold(con, alarm_ids: Iterable[str] | None = None) -> None:
    """``core.alarm_lifecycles`` and ``core.alarms`` from ``stg.alarm_events``: every alarm,
    or (``alarm_ids``) only those alarms' lifecycles folded again, then ``core.alarms`` from
    every lifecycle. Without the lifecycles table (a warehouse built before it existed) every
    alarm is folded."""
    if alarm_ids is None or not table_exists(con, "core.alarm_lifecycles"):
        create_table_as(con, "core.alarm_lifecycles", read_sql(LIFECYCLES))
    else:
        con.execute("create or replace temp table _refold as "
                    "select distinct unnest(cast($ids as varchar[])) as alarm_id",
                    {"ids": sorted(set(alarm_ids))})
        try:
            con.execute("delete from core.alarm_lifecycles "
                        "where alarm_id in (select alarm_id from _refold)")
            # the filter on the grouping key reaches the scan of the events: only these
            # alarms' events are read and folded
            con.execute(f"insert into core.alarm_lifecycles by name select * from "
                        f"({read_sql(LIFECYCLES)}) where alarm_id in "
                        "(select alarm_id from _refold)")
        finally:
            con.execute("drop table if exists _refold")
    execute_sql_file(con, ALARMS)
