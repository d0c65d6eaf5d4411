"""API tokens: who may call the REST API (:mod:`cxbridge.dashboards.api`), with which role.

Tokens are issued by ``cxbridge api token add NAME --role ROLE``, which prints the token once;
the tokens file (``[dashboard] api_tokens_file``, by default ``<home>/ops/api_tokens.json``,
mode 0600) keeps each token's name, role, creation time, public id and an argon2id hash of its
secret (as :mod:`cxbridge.dashboards.auth` keeps passwords), never the token. A token reads
``cxb_<id>_<secret>``: the id finds the entry, so one request costs one hash check, not one per
token. A token checked once is remembered (by its SHA-256) until the file changes, so a
client's every call does not pay argon2's 64 MiB and tens of milliseconds again; ``cxbridge api
token revoke NAME`` changes the file, which forgets every remembered token at the next call.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cxbridge.dashboards.auth import hash_password, verify_password
from cxbridge.dashboards.roles import check_role
from cxbridge.platform.errors import UserError
from cxbridge.platform.private_file import read_private_json, write_private_json

TOKEN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
_TOKEN = re.compile(r"^cxb_([0-9a-f]{12})_([A-Za-z0-9_-]{20,100})$")


class ApiTokensError(UserError, ValueError):
    """A tokens file that cannot be used, or a token that cannot be added or revoked."""


@dataclass(frozen=True)
class ApiClient:
    """Who is calling: the token's name and its role."""

    name: str
    role: str


@dataclass(frozen=True)
class TokenEntry:
    name: str
    role: str
    token_id: str
    secret_hash: str
    created_at: str


def read_tokens(path: Path) -> dict[str, TokenEntry]:
    """The tokens in the file (name → entry); none when there is no file."""
    tokens = read_private_json(
        path, "API tokens file", ApiTokensError,
        "remove it and issue the tokens again with `cxbridge api token add NAME --role ROLE`",
        lambda raw: {name: TokenEntry(name, check_role(e["role"]), e["id"], e["secret_hash"],
                                      e["created_at"]) for name, e in raw["tokens"].items()})
    return tokens or {}


def write_tokens(path: Path, entries: dict[str, TokenEntry]) -> None:
    """Replace the tokens file (mode 0600, written whole then renamed)."""
    write_private_json(path, {"tokens": {
        e.name: {"role": e.role, "id": e.token_id, "secret_hash": e.secret_hash,
                 "created_at": e.created_at}
        for e in sorted(entries.values(), key=lambda e: e.name)}})


def add_token(path: Path, name: str, role: str) -> str:
    """Issue a token called ``name`` for ``role`` and return it (the only time it is seen);
    a name already issued is refused (revoke it first)."""
    if not TOKEN_NAME.match(name):
        raise ApiTokensError(f"token name {name!r}: use 1 to 64 letters, digits, '.', '_', '@' "
                             "or '-', starting with a letter or digit")
    try:
        check_role(role)
    except ValueError as exc:
        raise ApiTokensError(str(exc)) from None
    entries = read_tokens(path)
    if name in entries:
        raise ApiTokensError(f"a token called {name!r} exists already in {path}: revoke it "
                             f"first (`cxbridge api token revoke {name}`) or choose another name")
    token_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    entries[name] = TokenEntry(name, role, token_id, hash_password(secret),
                               datetime.now(UTC).isoformat(timespec="seconds"))
    write_tokens(path, entries)
    return f"cxb_{token_id}_{secret}"


def revoke_token(path: Path, name: str) -> TokenEntry:
    """Remove the token called ``name``; an unknown name is an error naming the known ones."""
    entries = read_tokens(path)
    if name not in entries:
        raise ApiTokensError(f"no API token {name!r} in {path}; tokens: "
                             f"{', '.join(sorted(entries)) or 'none'}")
    gone = entries.pop(name)
    write_tokens(path, entries)
    return gone


class ApiTokens:
    """The tokens file as the server sees it: read again whenever it changes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._seen: tuple[float, int, int] | None = None
        self._by_id: dict[str, TokenEntry] = {}
        self._checked: dict[str, ApiClient] = {}  # sha256 of a token → its client

    def _current(self) -> dict[str, TokenEntry]:
        try:
            stat = self.path.stat()
            seen = (stat.st_mtime, stat.st_size, stat.st_ino)
        except FileNotFoundError:
            seen = None
        with self._lock:
            if seen != self._seen:
                entries = read_tokens(self.path) if seen else {}
                self._by_id = {e.token_id: e for e in entries.values()}
                self._checked = {}
                self._seen = seen
            return self._by_id

    def client_for(self, token: str) -> ApiClient | None:
        """The client a presented token belongs to; None for an unknown, revoked or malformed
        token."""
        by_id = self._current()
        match = _TOKEN.match(token)
        if not match:
            return None
        digest = hashlib.sha256(token.encode()).hexdigest()
        with self._lock:
            known = self._checked.get(digest)
        if known is not None:
            return known
        entry = by_id.get(match.group(1))
        if not verify_password(entry.secret_hash if entry else None, match.group(2)):
            return None
        client = ApiClient(entry.name, entry.role)
        with self._lock:
            if self._by_id is by_id:  # the file did not change meanwhile
                self._checked[digest] = client
        return client
