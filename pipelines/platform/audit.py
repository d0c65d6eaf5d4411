"""The audit log: who logged in (or failed to), and who took which export of personal data.

One JSON object per line, appended to the audit file of the settings
(``[dashboard] audit_file``, by default ``<home>/audit/audit.jsonl``; the file is created with
mode 0600, readable by its owner only, as it names people and addresses). Every line has
``at`` (UTC, ISO 8601) and ``event``, then what the event is about::

    {"at": "2026-12-06T11:52:03.120Z", "event": "login", "user": "ana", "role": "marketing",
     "client": "10.0.0.7"}
    {"at": "…", "event": "login_failed", "user": "ana", "client": "10.0.0.7", "failures": 3}
    {"at": "…", "event": "export", "user": "ana", "role": "marketing", "client": "10.0.0.7",
     "export": "campaign", "rows": 812, "contacts": true, "via": "dashboard"}

Events: ``login``, ``login_failed``, ``login_locked`` (an account locked after repeated
failures, and attempts while it is), ``logout``, ``export`` (the dashboard's downloads and the
command line's ``--contacts`` output), ``incident_acknowledge``, ``incident_assign``,
``incident_note``, ``incident_handover`` (who acted on which incident: the incident
workflow, :mod:`cxbridge.platform.workflow`), ``api_read`` (a REST API call that returned
customer ids: which token, which endpoint, how many ids), ``api_token_add`` and
``api_token_revoke`` (:mod:`cxbridge.dashboards.api`). This module is the only one that
writes the file; a line is written with one ``write`` call on a file opened for appending,
under a lock, so lines from the threads of a server never interleave.

``cxbridge audit`` (:mod:`cxbridge.app.audit_cli`) is how an administrator reads the file:
filtered by time, event and user, as a table or exported to CSV or JSON lines.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

EVENTS = ("login", "login_failed", "login_locked", "logout", "export",
          # an action on an incident (cxbridge.platform.workflow)
          "incident_acknowledge", "incident_assign", "incident_note", "incident_handover",
          # the REST API (cxbridge.dashboards.api): a call that returned customer ids, and
          # the tokens issued and revoked (cxbridge.app.api_cli)
          "api_read", "api_token_add", "api_token_revoke")
_LOCK = threading.Lock()


def audit_line(event: str, at: datetime, **fields: object) -> str:
    """The JSON line of one event (pure: tests and :func:`record` share it)."""
    if event not in EVENTS:
        raise ValueError(f"unknown audit event {event!r}; events are {', '.join(EVENTS)}")
    stamp = at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return json.dumps({"at": stamp, "event": event, **fields}, default=str,
                      ensure_ascii=False) + "\n"


def record(path: Path, event: str, **fields: object) -> None:
    """Append one event to the audit file at ``path`` (created 0600, folder included)."""
    line = audit_line(event, datetime.now(UTC), **fields).encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    with _LOCK:
        descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(descriptor, line)
        finally:
            os.close(descriptor)


def read_events(path: Path) -> list[dict]:
    """Every event in the audit file, oldest first (none when there is no file yet)."""
    return read_log(path).events


@dataclass(frozen=True)
class AuditLog:
    """The events of an audit file and the lines that could not be read (line number, cause),
    so a damaged line (a disk filled mid-write, a hand edit) is reported, never skipped quietly
    and never the reason the rest cannot be read."""

    events: list[dict]
    unreadable: list[tuple[int, str]]


def read_log(path: Path) -> AuditLog:
    """Read the audit file at ``path`` (an empty log when there is no file yet)."""
    events: list[dict] = []
    unreadable: list[tuple[int, str]] = []
    if not path.is_file():
        return AuditLog(events, unreadable)
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                event = json.loads(line)
            except json.JSONDecodeError as error:
                unreadable.append((number, f"not JSON ({error.msg})"))
                continue
            if not isinstance(event, dict) or "at" not in event or "event" not in event:
                unreadable.append((number, "not an audit event (no 'at' or 'event')"))
                continue
            events.append(event)
    return AuditLog(events, unreadable)


def select_events(events: list[dict], *, since: datetime | None = None,
                  until: datetime | None = None, kinds: tuple[str, ...] = (),
                  user: str | None = None) -> list[dict]:
    """The events at or after ``since`` and before ``until`` (aware datetimes), of the given
    kinds (all when empty) and by ``user`` (everyone when None), oldest first."""
    def stamp(event: dict) -> datetime | None:
        try:
            return datetime.fromisoformat(str(event["at"]).replace("Z", "+00:00"))
        except ValueError:
            return None

    chosen = []
    for event in events:
        at = stamp(event)
        if since is not None and (at is None or at < since):
            continue
        if until is not None and (at is None or at >= until):
            continue
        if kinds and event.get("event") not in kinds:
            continue
        if user is not None and event.get("user") != user:
            continue
        chosen.append(event)
    return chosen
