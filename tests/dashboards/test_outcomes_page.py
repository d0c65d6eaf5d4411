"""The Outcomes page in headless Chromium: programmes measured against their control groups
(rows of marts.programme_outcomes made by the estimator itself from inline actions), the window
and breakdown kept in the URL, and what it says without an actions feed."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
import pytest

from cxbridge.dashboards.app import create_app
from cxbridge.dashboards.outcomes_view import NO_ACTIONS
from cxbridge.models.outcomes import programme_outcomes
from tests.dashboards.browser import displayed, pick, start, url_query, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("chromium")]


def _followed(rng, programme: str, treated: int, control: int, p_treated: float,
              p_control: float, window: int = 30) -> pl.DataFrame:
    n = treated + control
    arm = np.array(["treated"] * treated + ["control"] * control)
    churned = np.concatenate([rng.random(treated) < p_treated, rng.random(control) < p_control])
    return pl.DataFrame({
        "programme": programme, "arm": arm, "window_days": window,
        "action_date": date(2026, 3, 2),
        "segment": np.where(np.arange(n) % 3 == 0, "smb", "consumer"),
        "region": "Dublin", "contract_type": "one_year", "churned": churned,
        "tickets": rng.poisson(0.5, n), "revenue_eur": np.where(churned, 15.0, 45.0),
        "cost_eur": np.where(arm == "treated", 8.0, 0.0)})


@pytest.fixture
def outcomes(settings, publish, tiny_rows):
    rng = np.random.default_rng(5)
    followed = pl.concat([
        _followed(rng, "retention_discount", 1200, 300, 0.04, 0.16),
        _followed(rng, "loyalty_newsletter", 800, 200, 0.03, 0.03),
        _followed(rng, "proactive_care_call", 60, 12, 0.1, 0.3),
        _followed(rng, "retention_discount", 600, 150, 0.08, 0.2, window=60)])
    publish("outcomes", tiny_rows, {"programme_outcomes": programme_outcomes(followed)})
    return settings


def test_each_programme_against_its_control_by_window_and_breakdown(dash_duo, outcomes):
    start(dash_duo, create_app(outcomes, role="executive"))
    dash_duo.wait_for_page(url=dash_duo.server_url + "/outcomes")
    dash_duo.wait_for_element("#outcomes-table")
    dash_duo.wait_for_element("#outcomes-effects .js-plotly-plot")
    assert dash_duo.find_element("#shell-filter-bar").get_attribute("hidden")
    rows = dash_duo.find_element("#outcomes-table").text.splitlines()
    discount = next(r for r in rows if r.startswith("Retention discount"))
    assert "fewer left" in discount and "1,200" in discount and "300" in discount
    assert "no clear effect" in next(r for r in rows if r.startswith("Loyalty newsletter"))
    assert "too few to tell" in next(r for r in rows if r.startswith("Proactive care call"))
    assert dash_duo.find_element("#outcomes-summary").text.startswith(
        "2\nProgrammes measured\n1\nToo few to tell\n1\nClear effects")
    # per segment and over 60 days, both kept in the URL
    pick(dash_duo, "#outcomes-breakdown", "Segment")
    dash_duo.wait_for_contains_text("#outcomes-table", "Retention discount · consumer")
    dash_duo.driver.execute_script(
        "Array.from(document.querySelectorAll('#outcomes-window label'))"
        ".find(l => l.textContent.trim() === '60 days').click();")
    wait_until(dash_duo, lambda: url_query(dash_duo).get("window") == ["60"]
               and url_query(dash_duo).get("by") == ["segment"], "the URL keeps both controls")
    dash_duo.wait_for_contains_text("#outcomes-table", "Retention discount · smb")
    assert "Loyalty newsletter" not in dash_duo.find_element("#outcomes-table").text
    dash_duo.driver.get(dash_duo.driver.current_url)  # a copied link opens the same view
    dash_duo.wait_for_contains_text("#outcomes-table", "Retention discount · smb")
    dash_duo.driver.execute_script(
        "Array.from(document.querySelectorAll('#outcomes-window label'))"
        ".find(l => l.textContent.trim() === '90 days').click();")
    dash_duo.wait_for_contains_text("#outcomes-window-note", "windows observed: 30 days, 60 days")
    dash_duo.wait_for_contains_text("#outcomes-table", "No programme in this view")
    assert dash_duo.get_logs() == []


def test_without_actions_the_page_says_what_to_load(dash_duo, publish, tiny_rows, settings):
    publish("no-actions", tiny_rows)
    start(dash_duo, create_app(settings, role="marketing"))
    dash_duo.wait_for_page(url=dash_duo.server_url + "/outcomes")
    dash_duo.wait_for_contains_text("#outcomes-notice", NO_ACTIONS)
    assert not displayed(dash_duo, "#outcomes-body")
