"""The shell without a browser: app creation, layout, login, refusing to serve unprotected."""

from __future__ import annotations

import json
import subprocess
import sys

import dash
import pytest

import cxbridge.platform.snapshot_reading as snapshot_reading
from cxbridge.dashboards.app import PACKAGE_DIR, create_app, serve
from cxbridge.dashboards.auth import DashboardConfigError, hash_password, is_loopback
from cxbridge.dashboards.roles import Account
from tests.dashboards.login_form import log_in


def _layout_text(app, headers=None) -> str:
    client = app.server.test_client()
    assert client.get("/", headers=headers).status_code == 200
    response = client.get("/_dash-layout", headers=headers)
    assert response.status_code == 200
    return json.dumps(response.get_json())


def test_importing_the_dashboard_opens_nothing():
    code = ("import duckdb\n"
            "def refuse(*args, **kwargs): raise AssertionError('DuckDB opened at import')\n"
            "duckdb.connect = refuse\n"
            "import cxbridge.dashboards.app, cxbridge.dashboards.shell\n"
            "import cxbridge.dashboards.data_access, cxbridge.dashboards.figures\n")
    subprocess.run([sys.executable, "-c", code], cwd=PACKAGE_DIR.parent, check=True)


def test_creating_the_app_reads_no_snapshot(settings, monkeypatch):
    def refuse(_settings):
        raise AssertionError("the snapshot was read while building the app")

    monkeypatch.setattr(snapshot_reading, "current_snapshot", refuse)
    app = create_app(settings)
    assert {page["name"] for page in dash.page_registry.values()} >= {
        "Overview", "Metric glossary"}
    monkeypatch.undo()
    # Dash hands the pages' callbacks to the app at its first request: make it, so that they
    # do not leak into the next app a test builds.
    assert "No data to show yet" in _layout_text(app)


def test_app_without_a_snapshot_explains_what_to_do(settings):
    text = _layout_text(create_app(settings))
    assert "No data to show yet" in text
    assert "cxbridge run" in text


def test_layout_offers_the_snapshot_filters_and_pages(settings, publish, tiny_rows):
    publish("run-a", tiny_rows)
    text = _layout_text(create_app(settings))
    for words in ("cxbridge", "Overview", "Metric glossary", "Service type", "Mobile data",
                  "Munster", "2026-03-03"):
        assert words in text
    assert "No data to show yet" not in text


def test_login_is_required_when_users_are_given(settings, publish, tiny_rows):
    publish("run-a", tiny_rows)
    app = create_app(settings, users={"ana": Account(hash_password("s3cret pass"), "executive")})
    client = app.server.test_client()
    assert client.get("/", headers={"Accept": "text/html"}).status_code == 302  # to /login
    assert client.get("/_dash-layout").status_code == 401
    assert log_in(client, "ana", "guess").status_code == 401
    assert log_in(client, "ana", "s3cret pass").status_code == 302
    assert "Munster" in json.dumps(client.get("/_dash-layout").get_json())


def test_serving_beyond_loopback_needs_users(settings):
    with pytest.raises(DashboardConfigError, match="cxbridge users add"):
        serve(settings, host="0.0.0.0", env={})


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("localhost", True), ("::1", True), ("127.3.2.1", True),
    ("0.0.0.0", False), ("10.0.0.5", False), ("dashboard.example", False),
])
def test_loopback_detection(host, loopback):
    assert is_loopback(host) is loopback


def test_passwords_in_the_environment_are_refused(settings):
    with pytest.raises(DashboardConfigError, match="cxbridge users add NAME --role ROLE"):
        serve(settings, env={"CXBRIDGE_DASHBOARD_USERS": "ana:a:b, bo:pw"})
