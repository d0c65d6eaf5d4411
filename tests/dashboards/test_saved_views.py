"""Saved named views (issue 17): the rules for names and targets, the store (per user, shared,
deleted, concurrent writers never losing a view, a broken file named), and in headless
Chromium: save a view, reload, pick it from the header's Views menu, land on the same page and
state."""

from __future__ import annotations

import json
import threading
from urllib.parse import parse_qs, urlparse

import pytest

from cxbridge.dashboards import saved_views
from cxbridge.dashboards.app import create_app, dashboard_config
from cxbridge.dashboards.saved_views import View, ViewError, ViewsFileError, ViewsStore
from tests.dashboards.browser import checked, start, wait_until


def test_names_are_trimmed_and_checked_with_a_clear_message():
    assert saved_views.check_name("  Munster   fibre, 4 weeks ") == "Munster fibre, 4 weeks"
    with pytest.raises(ViewError, match="Give the view a name"):
        saved_views.check_name("   ")
    with pytest.raises(ViewError, match="at most 60 characters"):
        saved_views.check_name("x" * 61)
    with pytest.raises(ViewError, match="letters, digits"):
        saved_views.check_name("<script>alert(1)</script>")


@pytest.mark.parametrize("path", ["//evil.example/x", "https://evil.example/", "operations",
                                  "/\\evil", "/marketing?x=1", ""])
def test_a_view_only_leads_to_a_page_of_this_dashboard(path):
    with pytest.raises(ViewError, match="not a page of this dashboard"):
        saved_views.check_target(path, "")


def test_views_are_per_user_shared_ones_listed_for_all_and_deleted_by_their_owner(tmp_path):
    store = ViewsStore(tmp_path / "dashboard" / "views.json")
    store.save(View("Open incidents", "ann", "/operations", "?view=open"))
    store.save(View("Churn by segment", "bob", "/", "kpi=churn_risk&by=segment", shared=True))
    store.save(View("Bob's own", "bob", "/marketing"))
    store.save(View("open incidents", "ann", "/operations", "?view=open&planned=1"))  # replaces
    views = store.load()
    assert [(v.name, v.owner) for v in saved_views.visible(views, "ann")] == [
        ("open incidents", "ann"), ("Churn by segment", "bob")]
    assert saved_views.visible(views, "ann")[0].href == "/operations?view=open&planned=1"
    assert saved_views.visible(views, "ann")[1].href == "/?kpi=churn_risk&by=segment"
    with pytest.raises(ViewError, match="no view named"):
        store.delete("ann", "Churn by segment")  # shared is not hers to delete
    store.delete("bob", "Churn by segment")
    assert [v.name for v in saved_views.visible(store.load(), "ann")] == ["open incidents"]


def test_concurrent_saves_keep_every_view(tmp_path):
    path = tmp_path / "views.json"
    writers = 12
    start = threading.Barrier(writers)
    errors: list[BaseException] = []

    def save(n: int) -> None:
        try:
            store = ViewsStore(path)  # each its own store: only the file lock orders them
            start.wait()
            store.save(View(f"View {n}", f"user{n % 3}", "/", f"?kpi=churn_risk&n={n}"))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=save, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(v.name for v in ViewsStore(path).load()) == sorted(
        f"View {n}" for n in range(writers))
    assert not list(tmp_path.glob(".views-*"))  # no temporary file left behind


def test_a_broken_views_file_is_named(tmp_path):
    path = tmp_path / "views.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ViewsFileError, match=str(path)):
        ViewsStore(path).load()


def test_the_views_file_comes_from_the_settings(settings, tmp_path):
    assert dashboard_config(settings).views_file == settings.home / "dashboard" / "views.json"


# --- in the browser ---------------------------------------------------------------------------

@pytest.fixture
def published(settings, publish, demo_rows, world):
    publish("world-run", demo_rows, world)
    return settings





def _menu_item(dash_duo, text: str):
    dash_duo.wait_for_element("#shell-views-menu .dropdown-toggle").click()

    def item():
        for element in dash_duo.driver.find_elements("css selector",
                                                     "#shell-views-menu .dropdown-item"):
            if element.text == text and element.is_displayed():
                return element
        return None

    wait_until(dash_duo, item, f"the Views menu never offered {text!r}")
    return item()


@pytest.mark.browser
@pytest.mark.usefixtures("chromium")
def test_a_saved_view_reopens_the_same_page_and_state(dash_duo, published):
    start(dash_duo, create_app(published, role="operations"))
    dash_duo.wait_for_page(url=f"{dash_duo.server_url}/operations?from=2026-03-03&to=2026-03-12")
    dash_duo.wait_for_element("#operations-view")
    dash_duo.driver.execute_script(
        "Array.from(document.querySelectorAll('#operations-view label'))"
        ".find(l => l.textContent.trim() === 'Open now').click();")
    wait_until(dash_duo, lambda: "view=open" in dash_duo.driver.current_url, "the URL follows")

    _menu_item(dash_duo, "Save or delete views…").click()
    dash_duo.wait_for_element("#shell-view-name").send_keys("<bad>")
    dash_duo.find_element("#shell-view-save").click()
    dash_duo.wait_for_contains_text("#shell-view-message", "letters, digits")
    name = dash_duo.find_element("#shell-view-name")
    name.clear()
    name.send_keys("Open in early March")
    dash_duo.find_element("#shell-view-save").click()
    dash_duo.wait_for_contains_text("#shell-view-message", "Saved “Open in early March”")
    stored = json.loads((dashboard_config(published).views_file).read_text())["views"]
    assert [(v["name"], v["owner"], v["path"]) for v in stored] == [
        ("Open in early March", "local", "/operations")]
    assert parse_qs(stored[0]["query"][1:]) == {"from": ["2026-03-03"], "to": ["2026-03-12"],
                                               "view": ["open"]}

    dash_duo.driver.get("about:blank")  # a fresh load of another page
    dash_duo.wait_for_page(url=f"{dash_duo.server_url}/")
    _menu_item(dash_duo, "Open in early March").click()
    wait_until(dash_duo, lambda: urlparse(dash_duo.driver.current_url).path == "/operations",
               "picking the view opens its page")
    wait_until(dash_duo, lambda: checked(dash_duo, "operations-view") == ["Open now"],
               "with its state")
    wait_until(dash_duo, lambda: dash_duo.find_element(".dash-datepicker-start-date").get_attribute(
        "value") == "3 Mar 2026", "the filter bar shows the view's dates")
    query = parse_qs(urlparse(dash_duo.driver.current_url).query)
    assert query["from"] == ["2026-03-03"] and query["to"] == ["2026-03-12"]
    assert query["view"] == ["open"]
    assert dash_duo.get_logs() == []
