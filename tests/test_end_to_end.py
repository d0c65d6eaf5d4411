"""The whole product once, on a small generated world: generate → run → evaluate → serve data."""

from __future__ import annotations

from datetime import date

import pytest

from cxbridge.jobs import flow
from cxbridge.lab.evaluate import evaluate
from cxbridge.lab.generate import WorldConfig, generate_world
from cxbridge.platform import warehouse


@pytest.fixture(scope="module")
def built_world(tmp_path_factory):
    from cxbridge.platform.settings import load_settings

    home = tmp_path_factory.mktemp("e2e")
    settings = load_settings({"CXBRIDGE_HOME": str(home),
                              "CXBRIDGE_CONFIG": ""})
    generate_world(WorldConfig(scale=0.01, days=14, seed=11, start=date(2026, 10, 18),
                               dirt_rate=0.002), out_dir=settings.raw_dir)
    summary = flow.run(settings)
    return settings, summary


def test_the_generated_world_loads_without_rejected_files(built_world):
    _, summary = built_world
    assert summary.status == "ok", [f.message for f in summary.rejected]
    assert all(f.rows_read == f.rows_loaded + f.rows_quarantined for f in summary.files)


def test_every_generated_entity_arrived(built_world):
    settings, _ = built_world
    report = evaluate(settings, settings.raw_dir / "_truth")
    arrival = report["arrival"]
    for entity, figures in arrival["entities"].items():
        assert figures["missing"] == 0, (entity, figures)
    assert arrival["all_arrived"] is True


def test_dirt_is_quarantined_not_loaded(built_world):
    settings, _ = built_world
    with warehouse.connect(settings) as con:
        held = warehouse.scalar(con, "select count(*) from meta.quarantine")
    assert held > 0


def test_the_snapshot_covers_every_day_and_service(built_world):
    settings, _ = built_world
    con = warehouse.open_snapshot(warehouse.current_snapshot(settings).path)
    try:
        days = warehouse.scalar(con, "select count(distinct date) from service_experience_daily")
        services = warehouse.scalar(
            con, "select count(distinct service_id) from service_experience_daily")
    finally:
        con.close()
    assert days == 14
    with warehouse.connect(settings) as wcon:
        cfs = warehouse.scalar(wcon, "select count(*) from core.cfs "
                                     "where start_date <= date '2026-10-31'")
    assert services == cfs


def test_alarms_attribute_outages_to_the_service_days_truly_hurt(built_world):
    settings, _ = built_world
    figures = evaluate(settings, settings.raw_dir / "_truth")["outage_attribution"]
    assert figures["truth_service_days"] > 1000
    assert figures["precision"] >= 0.95 and figures["recall"] >= 0.95, figures


def test_the_experience_index_separates_degraded_service_days(built_world):
    settings, _ = built_world
    figures = evaluate(settings, settings.raw_dir / "_truth")["experience"]
    assert figures["degraded_service_days"] > 500
    assert figures["auc_degraded"] >= 0.95, figures
