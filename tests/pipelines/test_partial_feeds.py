"""Partial feeds: every output declares the feeds it needs, the run builds what the loaded feeds
allow (never failing for a feed that has not arrived) and says what a missing feed would add."""

from __future__ import annotations

import shutil

import pytest

from cxbridge.dashboards import feed_notices
from cxbridge.jobs import capabilities, flow
from cxbridge.jobs.capabilities import OUTPUTS
from cxbridge.jobs.capabilities import capabilities as capability_table
from cxbridge.models.graph import model_graph
from cxbridge.platform import warehouse
from cxbridge.platform.ingest import SOURCES

FEEDS = {source.name for source in SOURCES}


def _by_name(table):
    return {c.name: c for c in table}


def test_every_declared_feed_is_a_source_and_every_output_table_a_model():
    built_by_models = {m.table for m in model_graph().models}
    for output in OUTPUTS:
        for requirement in capabilities.requirements(output):
            options = (requirement,) if isinstance(requirement, str) else requirement
            assert set(options) <= FEEDS, (output.name, requirement)
        assert set(output.tables) <= built_by_models, output.name
        assert set(output.adds) <= FEEDS, output.name
    for model in model_graph().every_model:
        for requirement in model.feeds:
            options = (requirement,) if isinstance(requirement, str) else requirement
            assert set(options) <= FEEDS, (model.table, requirement)


def test_an_output_needs_the_feeds_of_the_models_that_build_it():
    experience = next(o for o in OUTPUTS if o.name == "service_experience")
    needed = capabilities.requirements(experience)
    # the counters or the usage records give the days (core.service_dates) and the measures
    assert {"services", "catalog", ("kpis", "usage")} <= set(needed)


def test_network_only_feeds_give_the_network_outputs_and_name_what_is_missing():
    table = _by_name(capability_table({"kpis"}))
    assert table["cell_experience"].status == "partial"  # built; a topology would add paths
    assert "topology" in table["cell_experience"].would_add[0]
    assert table["incident_queue"].status == "partial"
    assert table["service_experience"].status == "not built"
    assert set(table["service_experience"].missing) == {"services", "catalog"}
    assert "raw/services/*.jsonl" in table["service_experience"].how_to_enable
    assert "raw/kpis" not in table["service_experience"].how_to_enable  # already there
    assert table["measured_experience"].status == "not built"


def test_nothing_loaded_suggests_the_fewest_feeds():
    queue = _by_name(capability_table(set()))["incident_queue"]
    assert queue.status == "not built"
    # PM counters alone meet both "alarms or kpis" and "topology or kpis"
    assert queue.how_to_enable == "raw/kpis/*.csv"


def test_every_feed_gives_everything():
    table = capability_table(FEEDS)
    assert {c.status for c in table} == {"built"}
    assert all(not c.missing and not c.how_to_enable for c in table)


def test_a_stage_that_did_not_build_says_why():
    table = _by_name(capability_table(FEEDS, {"churn_risk": "too little history (30 days)"}))
    assert table["churn_risk"].status == "not built"
    assert table["churn_risk"].note == "too little history (30 days)"


def _keep_only(raw, *folders):
    for path in raw.iterdir():
        if path.is_dir() and path.name not in folders:
            shutil.rmtree(path)
    return raw


def _published(settings, sql):
    with warehouse.connect(settings) as con:
        return warehouse.query(con, sql)


def test_network_only_run_builds_cell_experience_and_publishes_the_capabilities(
        settings, tiny_raw):
    summary = flow.run(settings, _keep_only(tiny_raw, "kpis", "topology"))
    assert summary.status == "ok"
    status = {c.name: c.status for c in summary.capabilities}
    assert status["cell_experience"] == "built"
    assert status["customer_views"] == "not built"
    cells = _published(settings, "select distinct resource_id from core.access_daily")
    assert {"PON-1", "CELL-1", "CELL-2"} <= set(cells["resource_id"])
    assert _published(settings, "select count(*) n from marts.service_daily")["n"][0] == 0
    snapshot = warehouse.open_snapshot(summary.snapshot.path)
    try:
        published = dict(snapshot.execute(
            "select output, status from capabilities").fetchall())
    finally:
        snapshot.close()
    assert published == status


def test_crm_only_run_ends_cleanly_and_says_what_the_network_would_add(settings, tiny_raw):
    summary = flow.run(settings, _keep_only(tiny_raw, "customers"))
    assert summary.status == "ok"
    table = _by_name(summary.capabilities)
    assert table["customer_views"].status == "not built"
    assert "kpis" in table["customer_views"].missing
    assert summary.churn["status"] == "skipped"
    assert "services" in summary.churn["reason"]


def test_every_feed_but_alarms_builds_the_customer_views(settings, tiny_raw):
    summary = flow.run(settings, _keep_only(
        tiny_raw, "catalog", "topology", "customers", "services", "kpis", "usage"))
    table = _by_name(summary.capabilities)
    assert table["customer_views"].status in ("built", "partial")
    assert table["service_experience"].status == "partial"
    assert any(a.startswith("alarms:") for a in table["service_experience"].would_add)
    days = _published(settings, "select count(*) n from marts.service_experience_daily")
    assert days["n"][0] > 0


def test_without_usage_records_the_counters_give_the_days_and_the_customer_views(
        settings, tiny_raw):
    """An operator that sends no usage (xDR) records still has its PM counters: a day they cover
    for at least half the day is a day of the customer views, scored from the network. The one
    hour a local-day export spills into the previous UTC day is not a day of its own."""
    raw = _keep_only(tiny_raw, "catalog", "topology", "customers", "services", "kpis")
    header, _ = (raw / "kpis" / "vendor_a" / "A_PM_20261001.csv").read_text().split("\n", 1)
    quarters = [f"2026-09-30T23:{m:02d}:00Z" for m in (0, 15, 30, 45)] + [
        f"2026-10-01T{h:02d}:{m:02d}:00Z" for h in range(24) for m in (0, 15, 30, 45)]
    (raw / "kpis" / "vendor_a" / "A_PM_20261001.csv").write_text(header + "\n" + "".join(
        f"{at},PON-1,pon_port,400,20,12,1,0,0,,,,30\n" for at in quarters))
    summary = flow.run(settings, raw)
    table = _by_name(summary.capabilities)
    assert table["customer_views"].status in ("built", "partial")
    days = _published(settings, "select service_id, date, sei, coverage "
                                "from marts.service_experience_daily order by all")
    fibre = days.filter(days["service_id"] == "CFS-1")
    assert [str(d) for d in fibre["date"]] == ["2026-10-01"]  # not 30 September
    assert fibre["sei"][0] is not None and fibre["coverage"][0] > 0
    shared = _published(settings, "select count(*) n from marts.kpi_daily")
    assert shared["n"][0] > 0


def test_usage_records_without_counters_give_partial_customer_views_that_name_the_counters():
    """CRM, inventory and usage records, no PM counters: the customer views are built from the
    usage (connecting and session counts), so they say "partial" and what the counters would
    add, not "not built" above pages that show them."""
    table = _by_name(capability_table({"customers", "services", "catalog", "usage"}))
    for name in ("service_experience", "customer_views"):
        assert table[name].status == "partial", name
        assert any(a.startswith("kpis:") for a in table[name].would_add), name
    nothing = _by_name(capability_table({"customers", "services", "catalog"}))
    assert nothing["customer_views"].missing == ("kpis",)  # the feed that gives the most


def test_the_page_notices_follow_the_capabilities():
    frame = capabilities.as_frame(capability_table({"ue-measurements", "complaints"}))
    overview = feed_notices.for_page(frame, "/")
    assert {row["output"] for row in overview} >= {"customer_views", "churn_risk"}
    assert feed_notices.for_page(frame, "/measured") == []  # built: nothing to say
    tickets = feed_notices.notices(frame, "/tickets")
    assert [n.id for n in tickets] == ["feed-notice-care_tickets"]  # partial: what would add
    # no customer views: the Overview shows every output as a card, not notices
    assert feed_notices.notices(frame, "/") == []
    cards = feed_notices.output_cards(frame)
    assert len(cards.children[1].children) == len(OUTPUTS)
    assert feed_notices.notices(capabilities.as_frame(capability_table(FEEDS)), "/") == []


def test_the_overview_says_what_the_data_gives_when_churn_is_missing():
    frame = capabilities.as_frame(capability_table(
        FEEDS - {"ue-measurements"}, {"churn_risk": "too little history (30 days)"}))
    rendered = feed_notices.notices(frame, "/")
    assert rendered[0].id == "feed-summary"  # what the data does give, first
    assert [n.id for n in rendered[1:]] == ["feed-notice-churn_risk"]
    assert feed_notices.built(frame, "customer_views")


@pytest.mark.real_data
def test_real_ue_logs_and_complaints_alone_reach_a_snapshot(settings, real_data, tmp_path):
    raw = tmp_path / "raw"
    (raw / "ue_measurements").mkdir(parents=True)
    traces = sorted((real_data / "irish_5g" / "Download" / "Static").glob("*.csv"))[:3]
    for trace in traces:
        shutil.copy(trace, raw / "ue_measurements" / trace.name)
    (raw / "complaints").mkdir()
    shutil.copy(real_data / "comcast_complaints" / "Comcast_telecom_complaints_data.csv",
                raw / "complaints")
    summary = flow.run(settings, raw)
    assert summary.status == "ok"
    status = {c.name: c.status for c in summary.capabilities}
    assert status["measured_experience"] == "built"
    assert status["care_tickets"] == "partial"
    assert status["customer_views"] == status["cell_experience"] == "not built"
    snapshot = warehouse.open_snapshot(summary.snapshot.path)
    try:
        tickets = snapshot.execute("select count(*) from tickets").fetchone()[0]
        first, last = snapshot.execute(
            "select first_date, last_date from snapshot_info").fetchone()
    finally:
        snapshot.close()
    assert tickets > 2000
    assert first is not None and last is not None


def test_a_warehouse_from_before_a_contract_column_still_builds(settings, tiny_raw):
    """Staging tables created by an earlier version lack the columns a contract gained since
    (the customers' consent): the next run adds them, NULL for the rows loaded before, and
    builds; those customers count as not consenting."""
    from cxbridge.jobs import flow
    from cxbridge.platform import warehouse

    flow.run(settings, tiny_raw)
    with warehouse.connect(settings) as con:
        con.execute("alter table stg.customers drop column marketing_opt_in")
        con.execute("alter table stg.customers drop column consent_email")
    summary = flow.run(settings, tiny_raw, full=True)
    assert summary.snapshot is not None
    with warehouse.connect(settings, read_only=True) as con:
        consent = warehouse.rows(con, "select count(*), count(marketing_opt_in), "
                                      "count(consent_email) from marts.customers")
    customers, opted, emailed = consent[0]
    assert customers > 0 and opted == 0 and emailed == 0
