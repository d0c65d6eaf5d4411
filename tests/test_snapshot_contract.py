"""The snapshot contract (cxbridge.platform.snapshot) against its readers and its builders: every
table the dashboard's SQL, its Python and the metric registry read is published, every published
table is read by somebody, each is built by the stage the contract names, and a run publishes
exactly the contract's tables that exist."""

from __future__ import annotations

import ast
import importlib
import re
from datetime import date
from pathlib import Path

import duckdb
import pytest

from cxbridge.dashboards import components, measured_view, queries, tickets_view
from cxbridge.jobs import flow
from cxbridge.models.graph import model_graph
from cxbridge.platform import snapshot, transform, warehouse
from cxbridge.platform.metrics import METRICS
from cxbridge.platform.snapshot import DATED_TABLES, PUBLISH_ORDER, PUBLISHED, STAGES

ROOT = Path(__file__).resolve().parents[1]
DASHBOARD_SQL = sorted((ROOT / "dashboards" / "sql").rglob("*.sql"))
SNAPSHOT_NAMES = {t.snapshot_name for t in PUBLISHED}
# Python modules whose own SQL reads the snapshot (the named queries are in dashboards/sql)
SQL_IN_PYTHON = ("cxbridge.platform.snapshot_reading", *(
    f"cxbridge.dashboards.{path.stem}" for path in sorted((ROOT / "dashboards").glob("*.py"))
    if path.stem not in ("__init__", "__main__")))


def _sql_tables(text: str) -> set[str]:
    """The tables a query reads (its parse tree's base tables, less its own CTEs: what the
    pages check a snapshot for, ``queries.tables_read``)."""
    return set(warehouse.tables_in(text))


def _python_sql_tables(module_name: str) -> set[str]:
    """Tables named after ``from``/``join`` in a module's string literals (not its docstrings),
    an f-string's ``{NAME}`` read from the module."""
    module = importlib.import_module(module_name)
    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    docstrings = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr)}
    texts = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            texts.append("".join(
                part.value if isinstance(part, ast.Constant)
                else str(getattr(module, part.value.id, "?"))
                if isinstance(part.value, ast.Name) else "?" for part in node.values))
        elif (isinstance(node, ast.Constant) and isinstance(node.value, str)
              and id(node) not in docstrings):
            texts.append(node.value)
    return {name for text in texts
            for name in re.findall(r"\b(?:from|join)\s+([a-z_][a-z0-9_]*)", text)}


def _read_by_the_dashboard_sql() -> dict[str, set[str]]:
    """What each dashboard query reads; a query run over another's rows
    (``queries.OVER``) as the dashboard composes it."""
    return {path.relative_to(ROOT).as_posix(): _sql_tables(
        queries.over_text(path.stem) if path.stem in queries.OVER
        else path.read_text(encoding="utf-8")) for path in DASHBOARD_SQL}


def test_every_table_the_dashboard_sql_reads_is_published():
    read = _read_by_the_dashboard_sql()
    assert len(read) > 30 and {"access_hourly", "care_list", "customers"} <= set().union(
        *read.values())
    unpublished = {path: sorted(tables - SNAPSHOT_NAMES) for path, tables in read.items()
                   if tables - SNAPSHOT_NAMES}
    assert not unpublished, f"read but not in the snapshot contract: {unpublished}"


def test_no_table_is_derived_when_it_is_read():
    assert not (ROOT / "dashboards" / "sql" / "sources").exists()
    for name in ("_source_sql", "_required_source", "sql/sources"):
        for path in (ROOT / "dashboards").rglob("*.py"):
            assert name not in path.read_text(encoding="utf-8"), (path, name)


def test_every_published_table_is_read_by_somebody():
    read = set().union(*_read_by_the_dashboard_sql().values())
    read |= {m.source for m in METRICS}
    python = {name: _python_sql_tables(name) for name in SQL_IN_PYTHON}
    assert {"snapshot_info"} <= python["cxbridge.platform.snapshot_reading"]
    assert {"detection_thresholds", "kpi_daily"} <= python["cxbridge.dashboards.network_reader"]
    read |= set().union(*python.values())
    unread = sorted(SNAPSHOT_NAMES - read)
    assert not unread, f"published but read by nobody (take them off the contract): {unread}"


def test_the_dashboards_table_lists_are_the_contracts():
    lists = {"CHURN_TABLES": queries.CHURN_TABLES, "INCIDENT_TABLES": queries.INCIDENT_TABLES,
             "TIMELINE_TABLES": queries.TIMELINE_TABLES,
             "MEASURED_TABLES": measured_view.MEASURED_TABLES,
             "TICKET_TABLES": tickets_view.TICKET_TABLES,
             **{f"TABLE_HELP[{k}]": names for k, (names, _) in components.TABLE_HELP.items()},
             "SOURCE_HELP": tuple(components.SOURCE_HELP)}
    for name, tables in lists.items():
        assert tables and set(tables) <= SNAPSHOT_NAMES, (name, tables)
    with pytest.raises(KeyError, match="publishes no 'marts.nowhere'"):
        snapshot.snapshot_names("marts.churn_scores", "marts.nowhere")


def test_every_metric_reads_a_published_modelled_table():
    modelled = {m.table for m in model_graph().every_model}
    for m in METRICS:
        table = snapshot.published(m.source)
        assert table.name in modelled, (m.name, table.name)
        assert table.built_by in ("transform", "publish"), (m.name, table.built_by)
    sources = {m.source for m in METRICS}
    assert {"churn_kpi_daily", "incident_kpi_daily"} <= sources


def test_the_contract_names_each_table_once_with_the_stage_that_builds_it():
    names = [t.name for t in PUBLISHED]
    assert len(names) == len(set(names)) and len(SNAPSHOT_NAMES) == len(names)
    graph = model_graph()
    assert {t.built_by for t in PUBLISHED} <= set(STAGES)
    transform_models = {m.table for m in graph.models}
    assert set(snapshot.built_by("transform")) <= transform_models
    # built as the snapshot is published: the models after the later stages, and its stamp
    assert set(snapshot.built_by("publish")) == {m.table for m in graph.after_stages} | {
        "marts.snapshot_info"}
    assert set(graph.stage_tables) == {*snapshot.built_by("churn"),
                                       *snapshot.built_by("incidents"),
                                       *snapshot.built_by("outcomes"), "core.actions"}
    assert set(PUBLISH_ORDER) <= set(names)
    assert set(DATED_TABLES) <= {m.table for m in graph.every_model}
    for table in PUBLISHED:
        assert table.read_by, table.name
        for reader in table.read_by:
            assert reader.startswith("dashboards: ") or (ROOT / reader).is_file(), reader
    assert "measured.ue_cells_daily" in transform_models  # built, but nobody reads it
    assert "measured.ue_cells_daily" not in names


def _make(con, table: str, sql: str) -> None:
    con.execute(f"create schema if not exists {table.split('.')[0]}")
    con.execute(f"create or replace table {table} as {sql}")


def test_the_kpi_tables_of_the_later_stages_are_built_only_from_what_they_built():
    con = duckdb.connect()
    graph = model_graph()
    _make(con, "marts.customers", "select * from (values ('C1', 'Dublin', 'smb')) "
                                  "t(customer_id, region, segment)")
    _make(con, "marts.churn_kpi_daily", "select 1 as stale")  # left by an earlier run
    assert transform.build_after_stages(con, graph) == ()
    assert not warehouse.table_exists(con, "marts.churn_kpi_daily")  # not published stale
    _make(con, "marts.churn_score_history",
          "select date '2026-03-16' as scored_at_date, 'Dublin' as region, 'smb' as segment, "
          "1 as customers_scored, 1 as customers_high_risk, 0.25 as churn_probability_sum, "
          "8.0 as revenue_at_risk_eur, 32.0 as monthly_revenue_eur")
    assert transform.build_after_stages(con, graph) == ("marts.churn_kpi_daily",)
    assert warehouse.rows(con, "select date, region, customers_scored, churn_probability_sum "
                               "from marts.churn_kpi_daily") == [
        (date(2026, 3, 15), "Dublin", 1, 0.25)]


def test_a_run_publishes_exactly_the_contracts_tables_that_exist(settings, tiny_raw):
    summary = flow.run(settings, tiny_raw)
    with warehouse.connect(settings, read_only=True) as con:
        existing = {t.snapshot_name for t in PUBLISHED if warehouse.table_exists(con, t.name)}
        assert warehouse.table_exists(con, "measured.ue_cells_daily")
        incidents_built = warehouse.table_exists(con, "incidents.incidents")
    snap = warehouse.open_snapshot(summary.snapshot.path)
    try:
        held = {name for (name,) in warehouse.rows(
            snap, "select table_name from information_schema.tables")}
    finally:
        snap.close()
    assert held == existing
    assert {"service_experience_daily", "kpi_daily", "snapshot_info", "capabilities"} <= held
    assert "service_daily" not in held  # the experience index carries its fault minutes
    assert "ue_cells_daily" not in held
    assert ("incident_kpi_daily" in held) == incidents_built
