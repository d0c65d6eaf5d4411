"""HTTP basic auth for a dashboard served beyond this machine, and who is who.

Users come from ``CXBRIDGE_DASHBOARD_USERS`` as ``user:password:role`` entries separated by
commas, e.g. ``ana:s3cret:marketing,noc:pw:operations``. The role (one of
:data:`cxbridge.dashboards.roles.ROLES`) may be left out, as before roles existed
(``user:password``):
that user gets ``CXBRIDGE_DASHBOARD_ROLE``, or ``executive``. A password may contain colons;
only a last part that names a role is read as the role.

On a loopback address the login is optional; on any other address
:func:`cxbridge.dashboards.app.serve` refuses to start without it.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Mapping

import flask

from cxbridge.dashboards.roles import (
    DEFAULT_ROLE,
    ROLE_VARIABLE,
    ROLES,
    Access,
    Account,
    check_role,
)

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


def role_from_env(env: Mapping[str, str]) -> str | None:
    """``CXBRIDGE_DASHBOARD_ROLE``, checked; None when unset or empty."""
    raw = env.get(ROLE_VARIABLE, "").strip().lower()
    if not raw:
        return None
    if raw not in ROLES:
        raise DashboardConfigError(f"{ROLE_VARIABLE}={raw!r} is not a role; use one of "
                                   f"{', '.join(ROLES)}")
    return raw


def accounts_from_env(env: Mapping[str, str]) -> dict[str, Account]:
    """Parse ``CXBRIDGE_DASHBOARD_USERS``; an unset or empty variable gives no accounts."""
    raw = env.get(USERS_VARIABLE, "").strip()
    default_role = role_from_env(env) or DEFAULT_ROLE
    accounts: dict[str, Account] = {}
    for position, entry in enumerate(filter(None, (e.strip() for e in raw.split(","))), 1):
        user, sep, secret = entry.partition(":")
        password, role = secret, default_role
        head, colon, last = secret.rpartition(":")
        if colon and last.strip().lower() in ROLES:
            password, role = head, last.strip().lower()
        if not sep or not user or not password:
            raise DashboardConfigError(
                f"{USERS_VARIABLE}: entry {position} is not 'user:password' or "
                "'user:password:role' (expected e.g. 'ana:s3cret:marketing,bo:hunter2:care'; "
                f"roles are {', '.join(ROLES)}; passwords may not contain commas)")
        accounts[user] = Account(password=password, role=role)
    return accounts


def users_from_env(env: Mapping[str, str]) -> dict[str, str]:
    """User → password, as :func:`accounts_from_env` reads them (roles left aside)."""
    return {user: account.password for user, account in accounts_from_env(env).items()}


def access_from(users: Mapping[str, Account | str] | None, role: str | None) -> Access:
    """An :class:`Access` from accounts (or plain user → password pairs, which get ``role``
    or the default) and the role fixed for a server without login."""
    fixed = check_role(role) if role else None
    accounts = {
        user: value if isinstance(value, Account) else Account(value, fixed or DEFAULT_ROLE)
        for user, value in (users or {}).items()
    }
    for user, account in accounts.items():
        try:
            check_role(account.role)
        except ValueError as exc:
            raise DashboardConfigError(f"user {user!r}: {exc}") from None
    return Access(accounts=accounts, fixed_role=None if accounts else fixed)


def require_basic_auth(server: flask.Flask, accounts: Mapping[str, Account]) -> None:
    """Answer every request without valid credentials with 401 and a login prompt."""
    known = dict(accounts)

    def check_credentials() -> flask.Response | None:
        auth = flask.request.authorization
        if auth is not None and auth.type == "basic" and auth.username in known:
            expected = known[auth.username].password.encode()
            if hmac.compare_digest(expected, (auth.password or "").encode()):
                return None
        return flask.Response(
            "Log in to see the cxbridge dashboard.", status=401,
            headers={"WWW-Authenticate": f'Basic realm="{REALM}", charset="UTF-8"'},
        )

    server.before_request(check_credentials)


def logged_in_user() -> str | None:
    """The user name of the current request's login, if any."""
    auth = flask.request.authorization if flask.has_request_context() else None
    return auth.username if auth is not None else None
