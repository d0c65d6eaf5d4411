"""The Planned work page in headless Chromium, on the hand-made network of
``tests/models/incidents_world.py`` run through ``cxbridge run``: one resolver of the 1-of-2
pool hurts nobody, picking the second hurts both DNS customers and puts both in the URL; work
on the site shows its cells' harm hour by hour with the least-harm window; the notify list is
exported by customer id for operations and with contacts for care, and recorded."""

from __future__ import annotations

import pytest

from cxbridge.dashboards.app import create_app
from cxbridge.platform import audit
from tests.dashboards.browser import pick, start, url_query, wait_until
from tests.models.test_whatif_planned import planned_world

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("chromium")]


@pytest.fixture(scope="module")
def network(tmp_path_factory):
    return planned_world(tmp_path_factory)


def _stat(dash_duo, stat_id: str) -> str:
    return dash_duo.find_element(f"#{stat_id}").text


def test_the_second_resolver_of_the_pool_hurts_both_customers(dash_duo, network):
    start(dash_duo, create_app(network, role="operations"))
    dash_duo.wait_for_page(url=dash_duo.server_url + "/planned?res=DNS1&hours=1")
    dash_duo.wait_for_text_to_equal("#planned-customers", "0")
    assert "Nobody" in dash_duo.find_element("#planned-notify").text
    dash_duo.wait_for_contains_text("#planned-best", "any window will do")
    pick(dash_duo, "#planned-resources", "DNS2 · dns_resolver · 0 customers alone")
    dash_duo.wait_for_text_to_equal("#planned-customers", "2")
    assert _stat(dash_duo, "planned-services") == "2"
    assert _stat(dash_duo, "planned-revenue") == "€150"
    table = dash_duo.find_element("#planned-notify-table").text
    assert table.index("C2") < table.index("C1")   # the SMB customer first
    wait_until(dash_duo, lambda: url_query(dash_duo).get("res") == ["DNS1,DNS2"],
               "the URL never carried both resolvers")
    assert "contact details are exported for customer care only" in \
        dash_duo.find_element("#planned-export-note").text
    assert dash_duo.get_logs() == []


def test_the_site_shows_the_harm_of_every_hour_and_the_least(dash_duo, network):
    start(dash_duo, create_app(network, role="operations"))
    dash_duo.wait_for_page(url=dash_duo.server_url + "/planned?res=SITE&hours=2")
    dash_duo.wait_for_element("#planned-harm .js-plotly-plot")
    dash_duo.wait_for_contains_text("#planned-best", "Least harm")
    best = dash_duo.find_element("#planned-best").text
    assert "4,920 session-minutes on 2 cells and ports" in best   # (20 + 21) × 120
    assert _stat(dash_duo, "planned-customers") == "1"


def test_care_exports_the_notify_list_with_contacts_and_it_is_recorded(dash_duo, network):
    start(dash_duo, create_app(network, role="care"))
    dash_duo.wait_for_page(url=dash_duo.server_url + "/planned?res=OLT&hours=2")
    dash_duo.wait_for_text_to_equal("#planned-customers", "3")
    assert dash_duo.find_element("#planned-export-note").text == \
        "With names, e-mails and phones"
    dash_duo.find_element("#planned-export").click()

    def recorded():
        return [e for e in audit.read_events(network.dashboard.audit_file)
                if e.get("export") == "planned_notify_list" and e.get("via") == "dashboard"]

    wait_until(dash_duo, lambda: recorded(), "the export was never recorded")
    (event,) = recorded()
    assert (event["rows"], event["contacts"], event["role"]) == (3, True, "care")
