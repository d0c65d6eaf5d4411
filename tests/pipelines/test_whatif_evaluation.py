"""Planned work projected before it happened, against what it truly hurt (issue 19): on a
small generated world whose truth holds a planned maintenance of a site (its cells carry mobile
lines by their traffic shares, so the cell-share rule is exercised, not only fixed lines),
``cxbridge run`` builds and publishes the what-if tables, and ``cxbridge evaluate``'s section
``what_if`` finds the services and customers the truth lists, exactly."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest

from cxbridge.jobs import flow
from cxbridge.lab.evaluate import TARGETS, evaluate
from cxbridge.lab.generate import WorldConfig, generate_world
from cxbridge.lab.whatif_evaluation import compare
from cxbridge.models.whatif.planned import BUILT_TABLES
from cxbridge.platform import warehouse

WORLD = WorldConfig(scale=0.005, days=7, seed=1, dirt_rate=0.0)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from cxbridge.platform.settings import load_settings

    home = tmp_path_factory.mktemp("whatif-eval")
    settings = load_settings({"CXBRIDGE_HOME": str(home), "CXBRIDGE_CONFIG": ""})
    generate_world(WORLD, out_dir=settings.raw_dir)
    summary = flow.run(settings)
    return settings, summary


def test_the_world_holds_planned_work_of_a_site(built):
    settings, _ = built
    truth = pl.read_csv(settings.raw_dir / "_truth" / "incidents.csv").filter(pl.col("planned"))
    assert truth["root_resource_id"].str.starts_with("SITE-").any()


def test_the_run_publishes_the_tables_the_planned_page_looks_up(built):
    _, summary = built
    con = duckdb.connect(str(summary.snapshot.path), read_only=True)
    try:
        for table in BUILT_TABLES:
            name = table.rpartition(".")[2]
            assert warehouse.scalar(con, f"select count(*) from {name}") > 0, name
    finally:
        con.close()


def test_planned_work_customers_are_exactly_the_truths(built):
    settings, _ = built
    figures = evaluate(settings, settings.raw_dir / "_truth")["what_if"]
    assert figures["planned_works"] >= 1
    assert figures["planned_mismatches"] == [], figures["planned_mismatches"]
    assert figures["planned_customers_exact_rate"] == 1.0
    assert figures["planned_customers_projected"] == figures["planned_customers_true"] > 0
    target = TARGETS[("what_if", "planned_customers_exact_rate")]
    assert target.met(figures["planned_customers_exact_rate"], figures)


def test_a_mismatch_says_which_services_were_missed_or_added():
    projected = pl.DataFrame({"service_id": ["S1", "S3"], "customer_id": ["C1", "C3"],
                              "cfs_type": ["ftth", "mobile_data"], "via": ["dependency",
                                                                           "cells"]})
    truth = pl.DataFrame({"service_id": ["S1", "S2"]})
    customers = pl.DataFrame({"service_id": ["S1", "S2", "S3"], "customer_id": ["C1", "C2",
                                                                                 "C3"],
                              "cfs_type": ["ftth", "iptv", "mobile_data"]})
    found = compare(projected, truth, customers)
    assert (found["services_exact"], found["customers_exact"]) == (False, False)
    assert found["missed_by_type"] == {"iptv": 1}
    assert found["added_by_type_and_via"] == {"mobile_data via cells": 1}
