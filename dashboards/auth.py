"""HTTP basic auth for a dashboard served beyond this machine.

Users come from ``CXBRIDGE_DASHBOARD_USERS`` as ``user:password,user2:password2``. On a
loopback address the login is optional; on any other address :func:`dashboards.app.serve`
refuses to start without it.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Mapping

import flask

USERS_VARIABLE = "CXBRIDGE_DASHBOARD_USERS"
REALM = "cxbridge dashboard"


class DashboardConfigError(ValueError):
    """A dashboard setting that stops it from starting; the message says what to do."""


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and 'localhost'; any other name or address counts as public."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def users_from_env(env: Mapping[str, str]) -> dict[str, str]:
    """Parse ``CXBRIDGE_DASHBOARD_USERS``; an unset or empty variable gives no users."""
    raw = env.get(USERS_VARIABLE, "").strip()
    users: dict[str, str] = {}
    for position, entry in enumerate(filter(None, (e.strip() for e in raw.split(","))), 1):
        user, sep, password = entry.partition(":")
        if not sep or not user or not password:
            raise DashboardConfigError(
                f"{USERS_VARIABLE}: entry {position} is not 'user:password' "
                "(expected e.g. 'alice:s3cret,bob:hunter2'; passwords may not contain commas)"
            )
        users[user] = password
    return users


def require_basic_auth(server: flask.Flask, users: Mapping[str, str]) -> None:
    """Answer every request without valid credentials with 401 and a login prompt."""
    known = dict(users)

    def check_credentials() -> flask.Response | None:
        auth = flask.request.authorization
        if auth is not None and auth.type == "basic" and auth.username in known:
            expected = known[auth.username].encode()
            if hmac.compare_digest(expected, (auth.password or "").encode()):
                return None
        return flask.Response(
            "Log in to see the cxbridge dashboard.", status=401,
            headers={"WWW-Authenticate": f'Basic realm="{REALM}", charset="UTF-8"'},
        )

    server.before_request(check_credentials)
