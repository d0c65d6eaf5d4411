"""The uplift ranking in headless Chromium: the campaign builder ranks by expected effect (kept
in the URL, the export ordered by it and carrying it), says why it cannot while no uplift is
published, and the Outcomes page draws the Qini curves with a neutral headline when no effect
is clear."""

from __future__ import annotations

import csv
from datetime import date

import numpy as np
import polars as pl
import pytest

from cxbridge.dashboards.app import create_app
from cxbridge.models.outcomes import uplift
from tests.dashboards.browser import start, url_query, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("chromium")]

PROGRAMMES = {"retention_discount": "retention", "bundle_upsell": "upsell",
              "service_recovery_credit": "service_recovery"}


def _uplift_tables(customers: pl.Series, published: bool) -> dict[str, pl.DataFrame]:
    rng = np.random.default_rng(3)
    scored = pl.concat([pl.DataFrame({
        "customer_id": customers, "programme": programme, "offer": offer,
        "expected_churn_reduction": rng.uniform(-0.1, 0.3, customers.len()),
        "churn_if_not_treated": 0.3, "churn_if_treated": 0.2})
        for programme, offer in PROGRAMMES.items()])
    models = pl.DataFrame({
        "programme": list(PROGRAMMES), "offer": list(PROGRAMMES.values()), "window_days": 60,
        "treated_outcomes": 400, "control_outcomes": 100 if published else 12,
        "published": published,
        "reason": None if published else "12 control outcomes: an uplift needs at least 30",
        "method": uplift.METHOD})
    figures = {"retention_discount": {"status": "scored", "cut_date": "2026-02-01",
                                      "holdout_treated": 300, "holdout_control": 80,
                                      "holdout_churned": 40, "uplift_qini": 0.21,
                                      "risk_qini": 0.08, "uplift_beats_risk": True}}
    figures["all"] = {**figures["retention_discount"]}
    share = np.linspace(0, 1, 11)
    curves = pl.concat([pl.DataFrame({"programme": p, "ranking": r, "share_targeted": share,
                                      "customers_kept": k * np.sqrt(share) * 10})
                        for p in ("all", "retention_discount")
                        for r, k in (("uplift", 1.0), ("risk", 0.6), ("random", 0.4))])
    return {"customer_uplift": scored if published else scored.head(0),
            "uplift_programmes": uplift.programme_table(models, figures),
            "uplift_qini": curves}


@pytest.fixture
def downloads(dash_duo, tmp_path):
    folder = tmp_path / "downloads"
    folder.mkdir()
    dash_duo.driver.execute_cdp_cmd("Page.setDownloadBehavior", {
        "behavior": "allow", "downloadPath": str(folder)})
    return folder


def _choose_rank(dash_duo, label: str) -> None:
    dash_duo.driver.execute_script(
        "Array.from(document.querySelectorAll('#marketing-rank label'))"
        f".find(l => l.textContent.trim() === '{label}').click();")


def test_the_builder_ranks_by_expected_effect_and_exports_in_that_order(
        dash_duo, settings, publish, demo_rows, world, downloads):
    publish("uplift-run", demo_rows, {**world, **_uplift_tables(
        world["customers"]["customer_id"], published=True)})
    start(dash_duo, create_app(settings, role="marketing"))
    dash_duo.wait_for_page(url=dash_duo.server_url + "/marketing")
    dash_duo.wait_for_contains_text("#marketing-rank-note", "Expected effect (churn reduction")
    _choose_rank(dash_duo, "Expected effect")
    wait_until(dash_duo, lambda: url_query(dash_duo).get("rank") == ["effect"],
               "the URL keeps the ranking")
    wait_until(dash_duo, lambda: "rank=effect" in dash_duo.find_element(
        "#marketing-export").get_attribute("href"), "the export link carries the ranking")
    dash_duo.driver.save_screenshot(str(downloads.parent / "builder-effect.png"))
    dash_duo.driver.execute_script("arguments[0].click();",
                                   dash_duo.find_element("#marketing-export"))
    wait_until(dash_duo, lambda: list(downloads.glob("campaign-*.csv")), "the CSV was downloaded",
               timeout=10)
    with next(downloads.glob("campaign-*.csv")).open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    effects = [float(r["expected_churn_reduction"]) for r in rows
               if r["expected_churn_reduction"]]
    assert len(effects) == len(rows) > 1  # every offer has a published uplift here
    assert effects == sorted(effects, reverse=True)
    # a copied link opens the same ranking
    dash_duo.driver.get(dash_duo.driver.current_url)
    dash_duo.wait_for_element("#marketing-rank input[value=effect]:checked")
    assert dash_duo.get_logs() == []


def test_without_published_uplift_the_builder_ranks_by_risk_and_says_why(
        dash_duo, settings, publish, demo_rows, world):
    publish("no-uplift", demo_rows, {**world, **_uplift_tables(
        world["customers"]["customer_id"], published=False)})
    start(dash_duo, create_app(settings, role="marketing"))
    dash_duo.wait_for_page(url=dash_duo.server_url + "/marketing")
    dash_duo.wait_for_contains_text("#marketing-rank-note", "No offer has enough recorded")
    assert "at least 30" in dash_duo.find_element("#marketing-rank-note").text
    wait_until(dash_duo, lambda: dash_duo.find_element(
        "#marketing-rank input[value=effect]").get_attribute("disabled") is not None,
        "expected effect is disabled")
    assert dash_duo.find_element("#marketing-rank input[value=risk]").is_selected()
    assert dash_duo.get_logs() == []


def test_outcomes_page_draws_the_qini_curves(dash_duo, settings, publish, tiny_rows, tmp_path):
    from cxbridge.models.outcomes import programme_outcomes
    rng = np.random.default_rng(1)
    n = 200
    followed = pl.DataFrame({
        "programme": "retention_discount", "arm": np.where(np.arange(n) < 150, "treated",
                                                           "control"),
        "window_days": 30, "action_date": date(2026, 3, 2), "segment": "consumer",
        "region": "Dublin", "contract_type": "one_year", "churned": rng.random(n) < 0.1,
        "tickets": 0, "revenue_eur": 40.0, "cost_eur": 0.0})
    tables = {"programme_outcomes": programme_outcomes(followed),
              **_uplift_tables(pl.Series(["C1"]), published=True)}
    publish("qini", tiny_rows, tables)
    start(dash_duo, create_app(settings, role="executive"))
    dash_duo.wait_for_page(url=dash_duo.server_url + "/outcomes")
    dash_duo.wait_for_element("#outcomes-qini .js-plotly-plot")
    dash_duo.wait_for_contains_text("#outcomes-qini", "Expected effect (uplift model), Qini 0.21")
    assert "Churn risk, Qini 0.08" in dash_duo.find_element("#outcomes-qini").text
    dash_duo.wait_for_contains_text("#outcomes-uplift-table", "Retention discount")
    # the same treated and control churn: no clear effect, said in words and no colour
    summary = dash_duo.find_element("#outcomes-summary")
    assert "no clear effect yet" in summary.text
    assert not summary.find_elements("css selector", ".status-poor, .kpi-poor")
    dash_duo.driver.set_window_size(1366, 1500)
    dash_duo.driver.save_screenshot(str(tmp_path / "outcomes-qini.png"))
    assert dash_duo.get_logs() == []
