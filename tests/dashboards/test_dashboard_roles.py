"""Roles: who sees contact details where, how a request's role is decided, and that the server
enforces it whatever the browser asks for."""

from __future__ import annotations

import json

import pytest
from argon2 import PasswordHasher

from cxbridge.dashboards.app import create_app, serve
from cxbridge.dashboards.auth import DashboardConfigError, role_from_env
from cxbridge.dashboards.roles import ROLES, Access, Account, sees_contacts
from cxbridge.lab.dashboard_bench import post_callback
from tests.dashboards.login_form import log_in
from tests.dashboards.world import OPEN_FIBRE, PII_CUSTOMER

PROFILE = ("..customer-profile-card.children...customer-churn-card.children..."
           "customer-tickets.children..")


@pytest.mark.parametrize(("role", "place", "allowed"), [
    ("marketing", "campaign_export", True), ("operations", "campaign_export", False),
    ("executive", "campaign_export", False), ("care", "customer_360", True),
    ("marketing", "customer_360", False), ("operations", "customer_360", False),
    ("care", "care_list_export", True), ("operations", "care_list_export", False),
])
def test_contact_rules(role, place, allowed):
    assert sees_contacts(role, place) is allowed


def test_role_of_a_request():
    login = Access(accounts={"noc": Account("hash", "operations")})
    assert login.role_for("noc", requested="care") == "operations"  # the login wins
    assert login.role_for("stranger", requested="care") == "executive"
    assert Access(fixed_role="marketing").role_for(None, requested="care") == "marketing"
    switcher = Access()
    assert switcher.switchable
    assert switcher.role_for(None, requested="care") == "care"
    assert switcher.role_for(None, requested="admin") == "executive"


def test_role_variable_is_checked():
    assert role_from_env({"CXBRIDGE_DASHBOARD_ROLE": " Care "}) == "care"
    assert role_from_env({}) is None
    with pytest.raises(DashboardConfigError, match=", ".join(ROLES)):
        role_from_env({"CXBRIDGE_DASHBOARD_ROLE": "admin"})


def test_serving_beyond_loopback_names_the_users_command(settings):
    with pytest.raises(DashboardConfigError, match="--role ROLE.*executive, marketing"):
        serve(settings, host="0.0.0.0", env={"CXBRIDGE_DASHBOARD_ROLE": "care"})


PASSWORD = "a long enough passphrase"


@pytest.fixture(scope="module")
def password_hash() -> str:
    """Cheap argon2 parameters (a hash carries its own): quick to check in tests."""
    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)


@pytest.fixture
def login_app(settings, publish, demo_rows, world, password_hash):
    publish("world-run", demo_rows, world)
    app = create_app(settings, users={"noc": Account(password_hash, "operations"),
                                      "desk": Account(password_hash, "care")})
    return app


def _client(app, user: str):
    """A test client logged in as ``user``."""
    client = app.server.test_client()
    assert log_in(client, user, PASSWORD).status_code == 302
    return client


def _answer(app, output: str, values: dict, user: str) -> str:
    client = _client(app, user)
    assert client.get("/").status_code == 200
    response = post_callback(client, app, output, values)
    assert response.status_code == 200
    return json.dumps(response.get_json())


def test_the_server_ignores_the_role_the_browser_asks_for(login_app):
    asks_for_care = {"customer-id.data": PII_CUSTOMER["customer_id"], "shell-role.value": "care"}
    as_operations = _answer(login_app, PROFILE, asks_for_care, "noc")
    assert PII_CUSTOMER["customer_id"] in as_operations
    assert [v for k, v in PII_CUSTOMER.items() if k != "customer_id" and v in as_operations] == []
    as_care = _answer(login_app, PROFILE, asks_for_care, "desk")
    assert PII_CUSTOMER["email"] in as_care and PII_CUSTOMER["phone"] in as_care


def test_care_list_export_has_contacts_for_care_only(login_app):
    url = f"/export/care/{OPEN_FIBRE}.csv?role=care"  # asking for care changes nothing
    as_operations = _client(login_app, "noc").get(url)
    assert as_operations.status_code == 200
    header = as_operations.get_data(as_text=True).splitlines()[0].split(",")
    assert "customer_id" in header and not {"name", "email", "phone"} & set(header)
    desk = _client(login_app, "desk")
    as_care = desk.get(url).get_data(as_text=True)
    assert {"name", "email", "phone"} <= set(as_care.splitlines()[0].split(","))
    assert login_app.server.test_client().get(url).status_code == 401  # behind the login too
    assert desk.get("/export/care/NOPE.csv").status_code == 404


def test_campaign_export_contacts_for_marketing_only(settings, publish, demo_rows, world):
    publish("world-run", demo_rows, world)
    client = create_app(settings).server.test_client()  # no login: the role is chosen
    url = "/export/campaign.csv?from=2026-03-02&to=2026-03-15&offers=retention&bands=high"
    as_marketing = client.get(url + "&role=marketing").get_data(as_text=True).splitlines()
    contact_columns = {"first_name", "last_name", "company_name", "email", "phone_e164"}
    assert contact_columns <= set(as_marketing[0].split(","))
    as_operations = client.get(url + "&role=operations").get_data(as_text=True).splitlines()
    assert not contact_columns & set(as_operations[0].split(","))
    assert len(as_operations) == len(as_marketing) > 1
    assert all(",Retention," in line for line in as_operations[1:])


def _header(app) -> str:
    client = app.server.test_client()
    assert client.get("/").status_code == 200
    return json.dumps(client.get("/_dash-layout").get_json())


def test_header_shows_the_switcher_only_where_the_role_may_be_chosen(settings, publish,
                                                                      tiny_rows):
    publish("run-a", tiny_rows)
    switcher = _header(create_app(settings))
    assert "Viewing as" in switcher and '"disabled": false' in switcher
    fixed = _header(create_app(settings, role="marketing"))
    assert "Viewing as" not in fixed and "Marketing" in fixed and '"disabled": true' in fixed


def test_a_download_sent_in_pieces_is_the_whole_list_once(login_app, monkeypatch):
    client = _client(login_app, "desk")
    url = f"/export/care/{OPEN_FIBRE}.csv"
    whole = client.get(url).get_data(as_text=True)
    monkeypatch.setattr("cxbridge.dashboards.exports.CHUNK_ROWS", 2)
    pieces = client.get(url).get_data(as_text=True)
    assert len(whole.splitlines()) > 3  # a header and more rows than one piece holds
    assert pieces == whole
