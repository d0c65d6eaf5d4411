"""The dashboard's serving settings: the users file, the session secret, the audit log, the
session lifetime, lockout and rate limit of log-ins, allowed Host names, TLS and the largest
request accepted.

They come from the ``[dashboard]`` table of the config file (see
:mod:`cxbridge.platform.settings`), each overridable by an environment variable
``CXBRIDGE_DASHBOARD_<KEY>`` (the key in upper case), and default to files under the data home
(``<home>/dashboard/users.json``, ``<home>/dashboard/secret_key``, ``<home>/audit/audit.jsonl``,
the incident workflow's store ``<home>/ops/workflow.sqlite``).

Example::

    [dashboard]
    session_minutes = 480          # a login lasts this long
    lockout_failures = 5           # this many wrong passwords in a row lock the account ...
    lockout_minutes = 15           # ... for this long
    login_rate_limit = "10 per minute"   # log-in attempts per client address
    allowed_hosts = ["cx.example.com"]   # Host names the server answers to (with users)
    certfile = "/etc/cxbridge/tls.crt"   # HTTPS when both are given
    keyfile = "/etc/cxbridge/tls.key"
    max_request_kb = 512           # larger callback requests get 413
    timezone = "Europe/Dublin"     # the zone times are shown in (IANA name; default UTC)
    views_file = "/srv/cxbridge/views.json"   # saved views (default <home>/dashboard/views.json)
    api_tokens_file = "/srv/cxbridge/api_tokens.json"  # REST API tokens (default <home>/ops/)
    phone_country_code = "44"      # calling code put before national numbers (087… → +44 87…)
    live_refresh_seconds = 5       # the operations page checks for a new queue this often (0: off)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cxbridge.platform.errors import UserError

_PATH_KEYS = ("users_file", "secret_key_file", "audit_file", "workflow_file", "certfile",
              "keyfile", "views_file", "api_tokens_file")
_NUMBER_KEYS = ("session_minutes", "lockout_failures", "lockout_minutes", "max_request_kb")
KEYS = (*_PATH_KEYS, *_NUMBER_KEYS, "login_rate_limit", "allowed_hosts", "timezone",
        "phone_country_code", "live_refresh_seconds")


class DashboardSettingsError(UserError, ValueError):
    """A ``[dashboard]`` setting that cannot be used; the message says which and why."""


@dataclass(frozen=True)
class DashboardSettings:
    """Where the dashboard keeps its users, secret and audit log, and its serving limits."""

    users_file: Path
    secret_key_file: Path
    audit_file: Path
    # the incident workflow's operational store (cxbridge.platform.workflow)
    workflow_file: Path
    # saved named views (cxbridge.dashboards.saved_views); None: <home>/dashboard/views.json
    views_file: Path | None = None
    # the REST API's tokens (cxbridge.dashboards.api_auth); None: <home>/ops/api_tokens.json
    api_tokens_file: Path | None = None
    session_minutes: int = 480
    lockout_failures: int = 5
    lockout_minutes: int = 15
    login_rate_limit: str = "10 per minute"
    # Host names (no port) the server answers to when it has users; empty: the listen address,
    # the machine's name and the loopback names
    allowed_hosts: tuple[str, ...] = ()
    certfile: Path | None = None
    keyfile: Path | None = None
    max_request_kb: int = 512
    timezone: str = "UTC"  # IANA name of the zone the dashboard shows times in
    # the operator's country calling code: a national number in an export (087 123 4567) is
    # written in E.164 with it (+353871234567); the default is the demo operator's (Ireland)
    phone_country_code: str = "353"
    # how often (seconds) the operations page asks whether the queue changed (a live overlay,
    # a new snapshot) and redraws it; 0: never, a reload shows the new queue
    live_refresh_seconds: float = 5.0

    @property
    def tls(self) -> bool:
        return self.certfile is not None and self.keyfile is not None


def dashboard_settings(table: Mapping[str, object], env: Mapping[str, str], home: Path,
                       source: str = "config file") -> DashboardSettings:
    """The settings from the ``[dashboard]`` table and the environment, defaults under
    ``home``; an unknown key or an unusable value is a :class:`DashboardSettingsError`."""
    if not isinstance(table, Mapping):
        raise DashboardSettingsError(f"{source}: [dashboard] must be a table")
    unknown = set(table) - set(KEYS)
    if unknown:
        raise DashboardSettingsError(
            f"{source}: unknown key(s) in [dashboard]: {', '.join(sorted(unknown))}; "
            f"allowed: {', '.join(KEYS)}")

    def raw(key: str) -> object:
        value = env.get(f"CXBRIDGE_DASHBOARD_{key.upper()}")
        return value if value not in (None, "") else table.get(key)

    def path(key: str, default: Path | None) -> Path | None:
        value = raw(key)
        return Path(str(value)).expanduser().resolve() if value else default

    def number(key: str) -> int:
        value = raw(key)
        if value is None:
            return getattr(DashboardSettings, key)
        try:
            whole = int(str(value).strip())
        except ValueError:
            whole = 0
        if whole < 1:
            raise DashboardSettingsError(
                f"[dashboard] {key} (or CXBRIDGE_DASHBOARD_{key.upper()}) is {value!r}: it "
                "must be a whole number of at least 1")
        return whole

    hosts = raw("allowed_hosts") or ()
    if isinstance(hosts, str):
        hosts = [h for h in hosts.split(",")]
    if not isinstance(hosts, list | tuple) or not all(isinstance(h, str) for h in hosts):
        raise DashboardSettingsError("[dashboard] allowed_hosts must be a list of host names, "
                                     "e.g. [\"cx.example.com\"] (the environment variable: "
                                     "names separated by commas)")
    certfile, keyfile = path("certfile", None), path("keyfile", None)
    if (certfile is None) != (keyfile is None):
        raise DashboardSettingsError("[dashboard] certfile and keyfile go together: give both "
                                     "(HTTPS) or neither (HTTP)")
    rate = str(raw("login_rate_limit") or DashboardSettings.login_rate_limit)
    zone = str(raw("timezone") or DashboardSettings.timezone).strip()
    try:
        if zone != "UTC":  # UTC needs no time zone database
            ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise DashboardSettingsError(
            f"[dashboard] timezone (or CXBRIDGE_DASHBOARD_TIMEZONE) is {zone!r}: it must be an "
            "IANA time zone name, e.g. \"Europe/Dublin\" or \"UTC\"") from exc
    calling = str(raw("phone_country_code") or DashboardSettings.phone_country_code).strip()
    calling = calling.removeprefix("+")
    if not (calling.isdigit() and 1 <= len(calling) <= 3 and not calling.startswith("0")):
        raise DashboardSettingsError(
            f"[dashboard] phone_country_code (or CXBRIDGE_DASHBOARD_PHONE_COUNTRY_CODE) is "
            f"{raw('phone_country_code')!r}: it must be a country calling code of 1 to 3 "
            "digits, e.g. \"353\" (Ireland) or \"44\" (United Kingdom)")
    refresh = raw("live_refresh_seconds")
    try:
        refresh = (DashboardSettings.live_refresh_seconds if refresh is None
                   else float(str(refresh).strip()))
    except ValueError:
        refresh = -1.0
    if not 0 <= refresh <= 3600 or (0 < refresh < 1):
        raise DashboardSettingsError(
            f"[dashboard] live_refresh_seconds (or CXBRIDGE_DASHBOARD_LIVE_REFRESH_SECONDS) is "
            f"{raw('live_refresh_seconds')!r}: it must be a number of seconds from 1 to 3600, "
            "or 0 to turn the operations page's refresh off")
    return DashboardSettings(
        users_file=path("users_file", home / "dashboard" / "users.json"),
        secret_key_file=path("secret_key_file", home / "dashboard" / "secret_key"),
        audit_file=path("audit_file", home / "audit" / "audit.jsonl"),
        views_file=path("views_file", home / "dashboard" / "views.json"),
        workflow_file=path("workflow_file", home / "ops" / "workflow.sqlite"),
        api_tokens_file=path("api_tokens_file", home / "ops" / "api_tokens.json"),
        session_minutes=number("session_minutes"),
        lockout_failures=number("lockout_failures"),
        lockout_minutes=number("lockout_minutes"),
        login_rate_limit=rate,
        allowed_hosts=tuple(h.strip().lower() for h in hosts if h.strip()),
        certfile=certfile,
        keyfile=keyfile,
        max_request_kb=number("max_request_kb"),
        timezone=zone,
        phone_country_code=calling,
        live_refresh_seconds=refresh,
    )
