"""Every page control's state travels in the URL (issue 17): in headless Chromium, each control
of each page is set as a person would, the URL read, that URL opened in a fresh load, and the
control must show the same value; a filter change afterwards keeps the page's keys."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from cxbridge.dashboards.app import create_app
from tests.dashboards.browser import checked, pick, start, url_query, wait_until

PERIOD = "from=2026-03-02&to=2026-03-15"
pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("chromium")]


@pytest.fixture
def published(settings, publish, demo_rows, world):
    publish("world-run", demo_rows, world)
    return settings





def _click_label(dash_duo, group: str, label: str) -> None:
    """Click the option ``label`` of a radio or checklist group (hidden ones too)."""
    dash_duo.wait_for_element(f"#{group}")
    dash_duo.driver.execute_script(
        f"Array.from(document.querySelectorAll('#{group} label'))"
        f".find(l => l.textContent.trim() === {label!r}).click();")



def _choose(dash_duo, select: str, value: str) -> None:
    """Choose ``value`` in the ``<select>`` at ``select`` the way React hears it."""
    dash_duo.wait_for_element(f"#{select}")
    dash_duo.driver.execute_script(
        f"const s = document.getElementById({select!r});"
        "Object.getOwnPropertyDescriptor(HTMLSelectElement.prototype, 'value')"
        f".set.call(s, {value!r}); s.dispatchEvent(new Event('change', {{bubbles: true}}));")


def _selected(dash_duo, select: str) -> str:
    return dash_duo.driver.execute_script(f"return document.getElementById({select!r}).value;")


def _reload(dash_duo, url: str) -> None:
    """Open ``url`` afresh (a new page load, as from a pasted link)."""
    dash_duo.driver.get("about:blank")
    dash_duo.wait_for_page(url=url)


def _roundtrip(dash_duo, path: str, controls: dict[str, tuple[str, object]]) -> None:
    """After the page's controls were set, the URL says ``key=value`` for each of
    ``controls`` (key → (value, check)); opened afresh, every ``check()`` holds and the load
    leaves the URL as it was."""
    for key, (expected, _check) in controls.items():
        wait_until(dash_duo, lambda k=key, e=expected: url_query(dash_duo).get(k) == [e],
                   f"{path}: the URL follows the control ({key}={expected}); it is "
                   f"{dash_duo.driver.current_url}")
    url = dash_duo.driver.current_url
    assert urlparse(url).path == path
    _reload(dash_duo, url)
    for key, (expected, check) in controls.items():
        wait_until(dash_duo, check, f"{path}: opening {url} afresh does not restore {key}")
        assert url_query(dash_duo).get(key) == [expected]  # and the load did not rewrite it


def test_overview_controls_round_trip_and_survive_a_filter_change(dash_duo, published):
    start(dash_duo, create_app(published, role="marketing"))
    dash_duo.wait_for_page(url=f"{dash_duo.server_url}/?{PERIOD}")
    pick(dash_duo, "#overview-kpi", "Churn risk")
    _click_label(dash_duo, "overview-breakdown-by", "Customer segment")
    _roundtrip(dash_duo, "/", {
        "kpi": ("churn_risk", lambda: "Churn risk" in dash_duo.find_element("#overview-kpi").text),
        "by": ("segment",
               lambda: checked(dash_duo, "overview-breakdown-by") == ["Customer segment"])})
    _click_label(dash_duo, "overview-breakdown-by", "Region")  # the default leaves the URL
    wait_until(dash_duo, lambda: "by" not in url_query(dash_duo), "a default stays out of the URL")

    # then, no reload, a filter change keeps the page's keys as they are now (the shell's
    # Location last heard by=segment: it must not write it back)
    pick(dash_duo, "#filters-region", "Munster")
    wait_until(dash_duo, lambda: url_query(dash_duo).get("region") == ["Munster"],
               "region in the URL")
    assert "by" not in url_query(dash_duo) and url_query(dash_duo)["kpi"] == ["churn_risk"]
    assert checked(dash_duo, "overview-breakdown-by") == ["Region"]

    pick(dash_duo, "#overview-kpi", "Time to restore")  # split by region only: by follows
    wait_until(dash_duo, lambda: checked(dash_duo, "overview-breakdown-by") == ["Region"],
               "the breakdown moves to a dimension the KPI has")
    wait_until(dash_duo, lambda: "by" not in url_query(dash_duo), "and the URL says so")
    assert url_query(dash_duo)["kpi"] == ["time_to_restore"]
    assert dash_duo.get_logs() == []


def test_operations_measured_and_marketing_controls_round_trip(dash_duo, published):
    start(dash_duo, create_app(published, role="marketing"))
    # a hand-edited link with values no control has: the defaults, and the URL cleaned
    dash_duo.wait_for_page(url=f"{dash_duo.server_url}/operations?{PERIOD}&view=nonsense"
                               "&planned=maybe&cells=%3Cscript%3E")
    wait_until(dash_duo, lambda: not {"view", "planned", "cells"} & set(url_query(dash_duo)),
               "the bad values leave the URL")
    assert checked(dash_duo, "operations-view") == ["Everything in the period"]
    assert checked(dash_duo, "operations-planned") == []
    assert _selected(dash_duo, "operations-cells-order") == "busy_hour"
    assert url_query(dash_duo)["from"] == ["2026-03-02"]

    _click_label(dash_duo, "operations-view", "Open now")
    _click_label(dash_duo, "operations-planned", "Planned maintenance")
    _choose(dash_duo, "operations-cells-order", "failures")
    _roundtrip(dash_duo, "/operations", {
        "view": ("open", lambda: checked(dash_duo, "operations-view") == ["Open now"]),
        "planned": ("1", lambda: checked(dash_duo, "operations-planned") == [
            "Planned maintenance"]),
        "cells": ("failures",
                  lambda: _selected(dash_duo, "operations-cells-order") == "failures")})
    assert url_query(dash_duo)["from"] == ["2026-03-02"]

    dash_duo.wait_for_page(url=f"{dash_duo.server_url}/measured")
    _click_label(dash_duo, "measured-activity", "Video")
    _roundtrip(dash_duo, "/measured", {
        "activity": ("video", lambda: checked(dash_duo, "measured-activity") == ["Video"])})

    dash_duo.wait_for_page(url=f"{dash_duo.server_url}/marketing?{PERIOD}")
    _click_label(dash_duo, "marketing-by", "Region")
    _click_label(dash_duo, "marketing-bands", "Low")  # unticked: high and medium left
    _roundtrip(dash_duo, "/marketing", {
        "by": ("region", lambda: checked(dash_duo, "marketing-by") == ["Region"]),
        "bands": ("high,medium",
                  lambda: checked(dash_duo, "marketing-bands") == ["High", "Medium"])})
    assert dash_duo.get_logs() == []
