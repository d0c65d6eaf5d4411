"""The login in front of a dashboard that has users: a log-in page, sessions, logout, the rate
limit and lockout of failed attempts, and their audit lines.

* ``/login`` is a plain Flask form (no Dash) styled with the dashboard's own assets. A failed
  log-in says "the user name or password is not right", never which of the two. It is rate
  limited per client address (flask-limiter, ``[dashboard] login_rate_limit``, a moving window
  kept in memory: 429 beyond it), and an account is locked for ``lockout_minutes`` after
  ``lockout_failures`` wrong passwords in a row (the right password is refused too until the
  lock ends). Failures, locks, log-ins and log-outs go to the audit log; locks also to the
  server log.
* A session is Flask's signed cookie (HttpOnly, SameSite=Lax, Secure when served over HTTPS)
  signed with a key generated once into ``[dashboard] secret_key_file`` (0600); it holds only a
  random session id. The server keeps which id belongs to which user until when
  (:class:`Sessions`), so that ``/logout`` really ends a session, a session ends after
  ``session_minutes`` whatever the cookie says, and a user removed from the users file is out at
  their next request. (Sessions live in the server's memory: a restart logs everybody out.)
* Every other request without a session is sent to ``/login`` (pages) or answered 401
  (callbacks, downloads, scripts).
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from cxbridge.dashboards import theme
from cxbridge.dashboards.auth import (
    DashboardConfigError,
    Lockout,
    UsersStore,
    set_logged_in_user,
    verify_password,
)
from cxbridge.dashboards.roles import ROLE_LABELS
from cxbridge.platform import audit
from cxbridge.platform.dashboard_settings import DashboardSettings

log = logging.getLogger(__name__)

LOGIN_PATH = "/login"
LOGOUT_PATH = "/logout"
SESSION_COOKIE = "cxbridge_session"
# reachable without a session: the form itself and the stylesheets it uses
OPEN_PREFIXES = ("/assets/",)
OPEN_PATHS = frozenset({LOGIN_PATH, "/_favicon.ico"})
WRONG = "The user name or password is not right."
EXPIRED_FORM = "The log-in form had expired: please try again."


def load_secret_key(path: Path) -> bytes:
    """The session signing key in ``path``, generated (32 random bytes, mode 0600) the first
    time; a key file others can read is refused, as it would let them forge sessions."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if path.stat().st_mode & 0o077:
            raise DashboardConfigError(f"session key {path} can be read by other users of this "
                                       f"machine: run `chmod 600 {path}`") from None
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(secrets.token_hex(32) + "\n")
    return bytes.fromhex(path.read_text(encoding="ascii").strip())


@dataclass(frozen=True)
class _Session:
    user: str
    expires: float


class Sessions:
    """Which session id is whose, until when (``clock`` seconds; tests move it)."""

    def __init__(self, lifetime_seconds: float, clock: Callable[[], float] = time.monotonic):
        self.lifetime, self.clock = lifetime_seconds, clock
        self._lock = threading.Lock()
        self._by_id: dict[str, _Session] = {}

    def start(self, user: str) -> str:
        sid = secrets.token_urlsafe(32)
        now = self.clock()
        with self._lock:
            for old in [k for k, s in self._by_id.items() if s.expires <= now]:
                del self._by_id[old]
            self._by_id[sid] = _Session(user, now + self.lifetime)
        return sid

    def user_of(self, sid: object) -> str | None:
        if not isinstance(sid, str):
            return None
        with self._lock:
            found = self._by_id.get(sid)
            if found is None or found.expires <= self.clock():
                self._by_id.pop(sid, None)
                return None
            return found.user

    def end(self, sid: object) -> None:
        if isinstance(sid, str):
            with self._lock:
                self._by_id.pop(sid, None)


def install_login(server: flask.Flask, users: UsersStore, config: DashboardSettings, *,
                  tls: bool = False, clock: Callable[[], float] = time.monotonic) -> None:
    """Put the login in front of every request of ``server`` (see the module docstring);
    ``tls``: served over HTTPS (the cookie is then Secure)."""
    server.secret_key = load_secret_key(config.secret_key_file)
    server.config.update(
        SESSION_COOKIE_NAME=SESSION_COOKIE, SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=tls,
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=config.session_minutes))
    sessions = Sessions(config.session_minutes * 60.0, clock)
    lockout = Lockout(config.lockout_failures, config.lockout_minutes, clock)
    server.extensions["cxbridge.sessions"] = sessions
    server.extensions["cxbridge.lockout"] = lockout
    limiter = Limiter(get_remote_address, app=server, storage_uri="memory://",
                      strategy="moving-window", headers_enabled=True)

    def record(event: str, **fields: object) -> None:
        audit.record(config.audit_file, event, client=flask.request.remote_addr, **fields)

    def require_login() -> flask.Response | None:
        request = flask.request
        if request.path in OPEN_PATHS or request.path.startswith(OPEN_PREFIXES):
            return None
        user = sessions.user_of(flask.session.get("sid"))
        if user is not None and user in users.accounts():
            set_logged_in_user(user)
            return None
        if (request.method == "GET" and not request.path.startswith(("/_dash", "/export"))
                and request.accept_mimetypes.accept_html):  # a page: to the form
            return flask.redirect(f"{LOGIN_PATH}?{urlencode({'next': request.full_path})}")
        return flask.Response("Log in first, at /login.\n", status=401, mimetype="text/plain")

    def login_page() -> flask.Response:
        return _page(_next(flask.request.args.get("next")))

    def log_in() -> flask.Response:
        form = flask.request.form
        target = _next(form.get("next"))
        expected = flask.session.get("csrf")
        if not expected or not secrets.compare_digest(expected, form.get("csrf", "")):
            return _page(target, EXPIRED_FORM, 400)
        name = form.get("username", "").strip()[:200]
        password = form.get("password", "")
        left = lockout.seconds_left(name)
        if left:
            record("login_locked", user=name)
            return _page(target, _locked(left), 429, name)
        account = users.accounts().get(name)
        if not verify_password(account.password_hash if account else None, password):
            failures = lockout.failed(name)
            record("login_failed", user=name, failures=failures)
            left = lockout.seconds_left(name)
            if left:
                log.warning("log-in locked for %r for %d minutes after %d failures (client %s)",
                            name, config.lockout_minutes, failures, flask.request.remote_addr)
                record("login_locked", user=name, minutes=config.lockout_minutes)
                return _page(target, f"{WRONG} {_locked(left)}", 429, name)
            return _page(target, WRONG, 401, name)
        lockout.succeeded(name)
        flask.session.clear()  # a new session id at each log-in (no session fixation)
        flask.session["sid"] = sessions.start(name)
        flask.session.permanent = True
        record("login", user=name, role=account.role)
        return flask.redirect(target)

    def log_out() -> flask.Response:
        sid = flask.session.get("sid")
        user = sessions.user_of(sid)
        sessions.end(sid)
        flask.session.clear()
        if user:
            record("logout", user=user)
        return flask.redirect(LOGIN_PATH)

    server.before_request(require_login)
    server.add_url_rule(LOGIN_PATH, "cxbridge_login_page", login_page, methods=["GET"])
    server.add_url_rule(LOGIN_PATH, "cxbridge_log_in",
                        limiter.limit(config.login_rate_limit, methods=["POST"])(log_in),
                        methods=["POST"])
    server.add_url_rule(LOGOUT_PATH, "cxbridge_log_out", log_out, methods=["GET", "POST"])

    @server.errorhandler(429)
    def too_many(_error) -> flask.Response:
        if flask.request.path != LOGIN_PATH:
            return flask.Response("Too many requests.\n", status=429, mimetype="text/plain")
        return _page(_next(flask.request.form.get("next")),
                     "Too many log-in attempts from this address: wait a minute, then try "
                     "again.", 429)


def _locked(seconds: float) -> str:
    minutes = max(1, round(seconds / 60))
    return (f"After repeated failures this account is locked: try again in {minutes} "
            f"minute{'s' if minutes != 1 else ''}.")


def _next(raw: str | None) -> str:
    """Where to go after logging in: a path on this server only (never another site)."""
    if (not raw or not raw.startswith("/") or raw.startswith("//") or not raw.isprintable()
            or any(c in raw for c in "\\ ")):  # browsers drop tabs: "/\t/x" is "//x"
        return "/"
    return raw.rstrip("?") or "/"


def _page(target: str, message: str | None = None, status: int = 200,
          name: str = "") -> flask.Response:
    """The log-in form, with the session's anti-forgery token (made the first time; a new
    session starts at each log-in)."""
    token = flask.session.get("csrf")
    if not isinstance(token, str):
        token = flask.session["csrf"] = secrets.token_urlsafe(24)
    html = flask.render_template_string(
        LOGIN_TEMPLATE, message=message, name=name, next=target, csrf=token, brand=theme.BRAND,
        roles=", ".join(ROLE_LABELS.values()))
    response = flask.Response(html, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


LOGIN_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Log in · cxbridge</title>
  <link rel="stylesheet" href="/assets/00-bootstrap-5.3.8.min.css">
  <link rel="stylesheet" href="/assets/10-cxbridge.css">
</head>
<body class="shell">
  <nav class="navbar navbar-dark shell-header" style="background-color: {{ brand }}">
    <div class="container-fluid">
      <div class="brand"><span class="brand-name">cxbridge</span>
        <span class="brand-tagline">Customer experience · one set of numbers for marketing
          and operations</span></div>
    </div>
  </nav>
  <main class="container" style="max-width: 26rem; margin-top: 4rem">
    <div class="card shadow-sm">
      <div class="card-body">
        <h1 class="h4 mb-3" style="color: {{ brand }}">Log in</h1>
        {% if message %}<div class="alert alert-danger" role="alert"
          id="login-message">{{ message }}</div>{% endif %}
        <form method="post" action="/login" id="login-form">
          <input type="hidden" name="csrf" value="{{ csrf }}">
          <input type="hidden" name="next" value="{{ next }}">
          <div class="mb-3">
            <label class="form-label" for="username">User name</label>
            <input class="form-control" id="username" name="username" value="{{ name }}"
                   autocomplete="username" autofocus required>
          </div>
          <div class="mb-3">
            <label class="form-label" for="password">Password</label>
            <input class="form-control" id="password" name="password" type="password"
                   autocomplete="current-password" required>
          </div>
          <button class="btn btn-primary w-100" type="submit" id="login-submit">Log in</button>
        </form>
      </div>
    </div>
    <p class="text-muted small mt-3">Your administrator adds users with
      <code>cxbridge users add NAME --role ROLE</code> (roles: {{ roles }}).</p>
  </main>
</body>
</html>
"""
