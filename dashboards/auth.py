"""Who may log in to the dashboard: the users file, password hashes, and the lockout of
accounts after repeated failures.

Users live in a JSON file (``[dashboard] users_file``, by default
``<home>/dashboard/users.json``, mode 0600), written by ``cxbridge users add NAME --role ROLE``;
it holds each user's role and an argon2id hash of the password (argon2-cffi's defaults, the
OWASP recommendation for password storage), never the password. The server re-reads the file
when it changes, so ``cxbridge users remove`` takes effect without a restart.

``CXBRIDGE_DASHBOARD_USERS`` (``user:password:role`` in clear text in the environment, how
logins used to be given) is refused with a message saying to run ``cxbridge users add``.

A loopback server may run without users (the demo, with a role switcher); on any other address
:func:`cxbridge.dashboards.app.serve` refuses to start without them.
"""

from __future__ import annotations

import ipaddress
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import flask
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from cxbridge.dashboards.roles import ROLE_VARIABLE, ROLES, Account, check_role
from cxbridge.platform.errors import UserError
from cxbridge.platform.private_file import read_private_json, write_private_json

USERS_VARIABLE = "CXBRIDGE_DASHBOARD_USERS"
USER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
MIN_PASSWORD = 10
_HASHER = PasswordHasher()
# argon2 takes 64 MiB and a good part of a core per check, on purpose: at most this many at
# once, so that a burst of log-ins (or of guesses from many addresses) queues instead of taking
# every server thread and half a gigabyte (4 × 64 MiB at most)
_CHECKS_AT_ONCE = threading.BoundedSemaphore(4)
# verified against when the user name is unknown, so that an unknown name takes as long to
# refuse as a wrong password (the answer says nothing about which part was wrong)
_DUMMY_HASH = _HASHER.hash("no such user: the time of a real check")
_USER_KEY = "cxbridge.user"


class DashboardConfigError(UserError, ValueError):
    """A dashboard setting that stops it from starting; the message says what to do."""


class UsersFileError(UserError, ValueError):
    """A users file that cannot be used, or a user that cannot be added; says what to do."""


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and 'localhost'; any other name or address counts as public."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
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


def refuse_users_variable(env: Mapping[str, str]) -> None:
    """Stop with a one-line error when ``CXBRIDGE_DASHBOARD_USERS`` is set: passwords in the
    environment are clear text, readable by every process of the user."""
    if env.get(USERS_VARIABLE, "").strip():
        raise DashboardConfigError(
            f"{USERS_VARIABLE} is no longer read (it keeps passwords in clear text): unset it "
            "and add each user with `cxbridge users add NAME --role ROLE`, which asks for the "
            "password and stores only its hash")


# -- password hashes ---------------------------------------------------------------------


def hash_password(password: str) -> str:
    """The argon2id hash of ``password`` (salted; its parameters are written into it)."""
    return _HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Does ``password`` match the hash? Unknown users (``None``) take the same time."""
    try:
        with _CHECKS_AT_ONCE:
            return _HASHER.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def check_new_user(name: str, password: str, role: str) -> None:
    """Refuse a user name, password or role that cannot be stored, saying why."""
    if not USER_NAME.match(name):
        raise UsersFileError(f"user name {name!r}: use 1 to 64 letters, digits, '.', '_', '@' "
                             "or '-', starting with a letter or digit")
    if len(password) < MIN_PASSWORD:
        raise UsersFileError(f"the password for {name!r} is {len(password)} characters: use at "
                             f"least {MIN_PASSWORD} (a passphrase of a few words is best)")
    try:
        check_role(role)
    except ValueError as exc:
        raise UsersFileError(str(exc)) from None


# -- the users file ----------------------------------------------------------------------


def read_users(path: Path) -> dict[str, Account]:
    """The accounts in the users file; none when there is no file."""
    accounts = read_private_json(
        path, "users file", UsersFileError,
        "remove it and add the users again with `cxbridge users add NAME --role ROLE`",
        lambda raw: {name: Account(entry["password_hash"], check_role(entry["role"]))
                     for name, entry in raw["users"].items()})
    return accounts or {}


def write_users(path: Path, accounts: Mapping[str, Account]) -> None:
    """Replace the users file with ``accounts`` (mode 0600, written whole then renamed, so a
    reader never sees half a file)."""
    write_private_json(path, {"users": {name: {"role": a.role, "password_hash": a.password_hash}
                                        for name, a in sorted(accounts.items())}})


def add_user(path: Path, name: str, password: str, role: str) -> bool:
    """Add ``name`` (or replace its password and role); True when it was new."""
    check_new_user(name, password, role)
    accounts = read_users(path)
    new = name not in accounts
    accounts[name] = Account(hash_password(password), role)
    write_users(path, accounts)
    return new


def remove_user(path: Path, name: str) -> None:
    """Remove ``name`` from the users file; an unknown name is an error naming the known."""
    accounts = read_users(path)
    if name not in accounts:
        raise UsersFileError(f"no user {name!r} in {path}; users: "
                             f"{', '.join(sorted(accounts)) or 'none'}")
    del accounts[name]
    write_users(path, accounts)


class UsersStore(Mapping[str, Account]):
    """The users file as the server sees it, a mapping of user name to account: read at
    start, read again whenever it changes (its modification time or size), so that users added
    or removed count at once."""

    def __init__(self, path: Path, accounts: Mapping[str, Account] | None = None) -> None:
        self.path = path
        self._fixed = dict(accounts) if accounts is not None else None
        self._lock = threading.Lock()
        self._seen: tuple[float, int] | None = None
        self._accounts: dict[str, Account] = {}

    def accounts(self) -> dict[str, Account]:
        if self._fixed is not None:  # given in code (tests, benchmarks): no file
            return self._fixed
        try:
            stat = self.path.stat()
            seen = (stat.st_mtime, stat.st_size)
        except FileNotFoundError:
            seen = None
        with self._lock:
            if seen != self._seen:
                self._accounts = read_users(self.path) if seen else {}
                self._seen = seen
            return self._accounts

    def __getitem__(self, name: str) -> Account:
        return self.accounts()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.accounts())

    def __len__(self) -> int:
        return len(self.accounts())


# -- lockout -----------------------------------------------------------------------------


@dataclass
class _Failures:
    count: int = 0
    locked_until: float = 0.0


class Lockout:
    """Accounts locked for ``minutes`` after ``failures`` wrong passwords in a row.

    Names are counted whether or not such a user exists (a lock says nothing about which names
    are real). ``clock`` gives seconds (``time.monotonic`` when served; tests pass one they can
    move). At most ``max_names`` names are remembered: the oldest unlocked ones go first."""

    def __init__(self, failures: int, minutes: int,
                 clock: Callable[[], float] = time.monotonic, max_names: int = 10_000) -> None:
        self.failures, self.seconds, self.clock = failures, minutes * 60.0, clock
        self.max_names = max_names
        self._lock = threading.Lock()
        self._names: dict[str, _Failures] = {}

    def seconds_left(self, name: str) -> float:
        """How long ``name`` stays locked (0: not locked)."""
        with self._lock:
            entry = self._names.get(name.lower())
            return max(0.0, entry.locked_until - self.clock()) if entry else 0.0

    def failed(self, name: str) -> int:
        """Count a wrong password for ``name``; returns the failures in a row (the account is
        locked when it reaches :attr:`failures`, and counting starts again after the lock)."""
        key, now = name.lower(), self.clock()
        with self._lock:
            entry = self._names.pop(key, None) or _Failures()
            if entry.locked_until and entry.locked_until <= now:
                entry = _Failures()  # the lock ended: a fresh start
            entry.count += 1
            if entry.count >= self.failures:
                entry.locked_until = now + self.seconds
            self._names[key] = entry  # most recent last
            if len(self._names) > self.max_names:
                for old in [k for k, e in self._names.items() if e.locked_until <= now]:
                    del self._names[old]
                    if len(self._names) <= self.max_names:
                        break
            return entry.count

    def succeeded(self, name: str) -> None:
        with self._lock:
            self._names.pop(name.lower(), None)


# -- the current request's user ----------------------------------------------------------


def set_logged_in_user(name: str | None) -> None:
    """Record the user of the current request (the login guard does, from the session)."""
    setattr(flask.g, _USER_KEY.replace(".", "_"), name)


def logged_in_user() -> str | None:
    """The user name of the current request's login, if any."""
    if not flask.has_request_context():
        return None
    return getattr(flask.g, _USER_KEY.replace(".", "_"), None)
