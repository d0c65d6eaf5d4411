"""The queue's sections (``models/incidents/sql/queue.sql``): a fresh outage is never buried under
a degradation that has accumulated more score over months, on hand-made incident tables."""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb
import pytest

from cxbridge.models.incidents.build import SQL
from cxbridge.models.incidents.params import Params
from cxbridge.platform.warehouse import execute_sql_file, query

NOW = datetime(2026, 6, 30, 12)


def _incident(con, incident_id: str, kind: str, effect: str, days: float, minutes: float,
              customers: int) -> None:
    started = NOW - timedelta(days=days)
    con.execute("insert into incidents.incidents (incident_id, source, kind, title, "
                "root_resource_id, region, started_at, impact_end, status, planned, "
                "severity_rank) values (?, 'silent', ?, ?, 'R', 'Munster', ?, ?, 'open', "
                "false, 0)", [incident_id, kind, incident_id, started, NOW])
    con.execute("insert into incidents.incident_windows values (?, 'R', ?, ?, ?)",
                [incident_id, started, NOW, effect])
    con.execute("insert into incidents.incident_impact (incident_id, affected_services, "
                "affected_customers, service_minutes, duration_minutes) values (?, ?, ?, ?, ?)",
                [incident_id, customers, customers, minutes, days * 1440])


@pytest.fixture
def queue():
    con = duckdb.connect()
    execute_sql_file(con, SQL / "schema.sql")
    con.execute("create schema core; create table core.cfs as select 'S1' as service_id")
    con.execute("create table incidents.params as select * from "
                "(select 'v' as model_version, 'r' as run_id) cross join "
                "(select unnest($p))", {"p": {
                    k: v for k, v in Params().sql_parameters("r").items()
                    if k in {"smb_weight", "enterprise_weight", "sla_weight", "revenue_weight",
                             "experience_weight", "chronic_after_days"}}})
    # a congestion open 89 days: 3.4 M degraded minutes; a fibre cut an hour old: 0.79 M lost
    _incident(con, "SIL-CONG-CELL-1", "chronic_congestion", "degradation", 89, 3.4e6, 40)
    _incident(con, "INC-FIBRE", "lossOfSignal", "outage", 1 / 24, 0.79e6, 455)
    # a degradation one day old stays acute: it competes on its score
    _incident(con, "SIL-SURGE-CELL-2", "surge", "degradation", 1, 0.5e6, 30)
    # a protected link down: an outage that hurt nobody comes after every incident that did
    _incident(con, "INC-PROTECTED", "lossOfSignal", "outage", 1 / 24, 0.0, 0)
    execute_sql_file(con, SQL / "queue.sql")
    yield query(con, "select * from incidents.queue order by rank")
    con.close()


def test_a_fresh_outage_outranks_a_months_old_congestion_with_more_score(queue):
    rows = {r["incident_id"]: r for r in queue.iter_rows(named=True)}
    congestion, fibre = rows["SIL-CONG-CELL-1"], rows["INC-FIBRE"]
    assert congestion["priority_score"] > fibre["priority_score"]
    assert fibre["rank"] == 1 and congestion["rank"] == 3
    assert (fibre["effect"], fibre["queue_section"]) == ("outage", "acute")
    assert (congestion["effect"], congestion["queue_section"]) == ("degradation", "chronic")


def test_a_young_degradation_stays_acute_and_ranks_by_its_score(queue):
    surge = queue.filter(incident_id="SIL-SURGE-CELL-2").row(0, named=True)
    assert (surge["queue_section"], surge["rank"]) == ("acute", 2)
    assert queue["queue_section"].to_list() == ["acute", "acute", "chronic", "acute"]


def test_an_incident_that_hurt_nobody_comes_last(queue):
    protected = queue.filter(incident_id="INC-PROTECTED").row(0, named=True)
    assert protected["priority_score"] == 0 and protected["rank"] == queue.height
