"""The incident workflow: acknowledge, assign, notes and hand-over to a trouble ticket, kept in a
small operational store beside the snapshots (never inside one), so that it survives every new
run.

Where: the settings' ``[dashboard] workflow_file`` (by default ``<home>/ops/workflow.sqlite``;
this module takes the path as an argument). What: an append-only event log, one row per action
(``incident_id``, ``at`` in UTC, ``user``, ``role``, ``action``, ``value``, ``note``, and for a
hand-over the TMF621 payload), and the current state of each incident derived from its events in
the same transaction (``new`` → ``acknowledged`` → ``handed_over``, the assignee, the ticket
id). The SQL is in ``pipelines/platform/sql/workflow/``.

Why SQLite and not DuckDB: the dashboard (a server of several threads) and the command line
(another process) both write small rows at any moment. A DuckDB file is either one read-write
process or many read-only ones, never both; SQLite in WAL mode lets one process write while
others read and wait for each other's writes (a busy timeout of :data:`BUSY_TIMEOUT_MS`), and
each action runs in one ``BEGIN IMMEDIATE`` transaction, so two people acknowledging at once
record it once. It is keyed by incident id, which is stable across rebuilds (an alarm incident's
id comes from its root alarm, a silent one's from its resource and start), so a new snapshot
finds its incidents' history; an incident gone from the snapshot keeps its history here.

Whether the incident exists is the caller's question (it knows the current snapshot:
:func:`require_known`); what a user types is checked here (:class:`WorkflowError`, a
:class:`UserError`): an empty or oversized note (at most :data:`NOTE_MAX_CHARS` characters),
an empty or oversized name, a ticket id with spaces. Acting twice is no error: acknowledging an
acknowledged incident, assigning to the current assignee or handing over again changes nothing
and says so (:attr:`Outcome.changed`). Every change is also written to the audit log
(:mod:`cxbridge.platform.audit`, events ``incident_<action>``) when an audit file is given.
"""

from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cxbridge.platform import audit
from cxbridge.platform.errors import UserError
from cxbridge.platform.sqlite_store import BUSY_TIMEOUT_MS, SqliteStore, stamp

SQL_DIR = Path(__file__).resolve().parent / "sql" / "workflow"
STATES = ("new", "acknowledged", "handed_over")
STATE_LABELS = {"new": "New", "acknowledged": "Acknowledged", "handed_over": "Handed over"}
ACTIONS = ("acknowledge", "assign", "note", "handover")
NOTE_MAX_CHARS = 2000
NAME_MAX_CHARS = 64
TICKET_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/#-]{0,63}")
TICKET_PREFIX = "CXB-TT-"


class WorkflowError(UserError, ValueError):
    """An action that cannot be recorded as given; the message says what to change."""


class UnknownIncidentError(WorkflowError, KeyError):
    """An action on an incident the current snapshot does not hold."""


class WorkflowStoreError(UserError, OSError):
    """The store cannot be opened or written (a folder that is not writable, a file that is
    not a SQLite database, a writer holding it longer than the busy timeout)."""


@dataclass(frozen=True)
class Actor:
    """Who acts: the user name, the role, and for the audit log the client address and the
    way in (``dashboard`` or ``cli``)."""

    user: str
    role: str
    client: str = "local"
    via: str = "cli"


@dataclass(frozen=True)
class IncidentState:
    """The current workflow state of one incident (``new`` when nobody acted on it yet)."""

    incident_id: str
    state: str = "new"
    assignee: str | None = None
    ticket_id: str | None = None
    acknowledged_at: str | None = None
    acknowledged_by: str | None = None
    handed_over_at: str | None = None
    handed_over_by: str | None = None
    notes: int = 0
    updated_at: str | None = None
    updated_by: str | None = None

    @property
    def label(self) -> str:
        return STATE_LABELS[self.state]


@dataclass(frozen=True)
class Event:
    """One recorded action."""

    event_id: int
    incident_id: str
    at: str
    user: str
    role: str
    action: str
    value: str | None
    note: str | None
    payload: str | None


@dataclass(frozen=True)
class Outcome:
    """What an action did: ``changed`` False when it was already so (nothing recorded);
    ``message`` says which; ``state`` is the incident's state after it."""

    changed: bool
    message: str
    state: IncidentState


def require_known(incident_id: str, known: bool) -> None:
    """Refuse an action on an incident that the current snapshot does not hold."""
    if not known:
        raise UnknownIncidentError(
            f"no incident {incident_id!r} in the current snapshot: list them with "
            "`cxbridge incidents --all` (an incident gone from the snapshot keeps its history: "
            f"`cxbridge incidents history {incident_id}`)")


def ticket_reference(incident_id: str) -> str:
    """The ticket id we give a hand-over when the ticketing tool's own is not known yet."""
    return f"{TICKET_PREFIX}{incident_id}"


def clean_text(text: str | None, what: str, limit: int, multiline: bool = False) -> str:
    """``text`` stripped, or a :class:`WorkflowError` saying why it cannot be recorded (empty,
    longer than ``limit`` characters, a control character)."""
    value = (text or "").strip()
    if not value:
        raise WorkflowError(f"{what} is empty: write it out (at most {limit:,} characters)")
    if len(value) > limit:
        raise WorkflowError(f"{what} has {len(value):,} characters; at most {limit:,} are kept: "
                            "shorten it" + (" or split it in two" if multiline else ""))
    allowed = "\n\t" if multiline else ""
    for position, char in enumerate(value, start=1):
        if char not in allowed and unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp"):
            raise WorkflowError(f"{what} holds a control character (U+{ord(char):04X}) at "
                                f"character {position}: remove it")
    return value


def check_ticket_id(ticket_id: str) -> str:
    """A ticket id from the user's ticketing tool: letters, digits and ``. _ : / # -``."""
    value = (ticket_id or "").strip()
    if not TICKET_ID.fullmatch(value):
        raise WorkflowError(f"ticket id {ticket_id!r} cannot be used: give the id your "
                            "ticketing tool shows (1 to 64 letters, digits or . _ : / # -, "
                            "starting with a letter or digit)")
    return value


class WorkflowStore(SqliteStore):
    """The workflow store at ``path`` (created with its folder on the first action, mode 0600);
    safe to share between threads (one SQLite connection per call). ``audit_file``: where every
    change is also recorded; ``clock``: the time of an action (tests fix it)."""

    def __init__(self, path: Path, audit_file: Path | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        super().__init__(path, SQL_DIR / "schema.sql")
        self.audit_file = audit_file
        self._clock = clock

    # --- actions -----------------------------------------------------------------------------

    def acknowledge(self, incident_id: str, actor: Actor) -> Outcome:
        """``new`` → ``acknowledged``; already acknowledged or handed over: nothing changes."""
        with self._transaction() as con:
            state = self._state(con, incident_id)
            if state.state != "new":
                how = (f"handed over as ticket {state.ticket_id}" if state.state == "handed_over"
                       else f"acknowledged by {state.acknowledged_by} at {state.acknowledged_at}")
                return Outcome(False, f"{incident_id} was already {how}: nothing changed", state)
            state = self._append(con, incident_id, actor, "acknowledge")
        self._audit(incident_id, actor, "acknowledge")
        return Outcome(True, f"{incident_id} acknowledged by {actor.user}", state)

    def assign(self, incident_id: str, assignee: str, actor: Actor) -> Outcome:
        """Give the incident to ``assignee`` (a name, at most :data:`NAME_MAX_CHARS`)."""
        name = clean_text(assignee, "the assignee's name", NAME_MAX_CHARS)
        with self._transaction() as con:
            state = self._state(con, incident_id)
            if state.assignee == name:
                return Outcome(False, f"{incident_id} is already assigned to {name}: nothing "
                                      "changed", state)
            state = self._append(con, incident_id, actor, "assign", value=name)
        self._audit(incident_id, actor, "assign", assignee=name)
        return Outcome(True, f"{incident_id} assigned to {name} by {actor.user}", state)

    def add_note(self, incident_id: str, text: str, actor: Actor) -> Outcome:
        """A note (at most :data:`NOTE_MAX_CHARS` characters, lines kept)."""
        note = clean_text(text, "the note", NOTE_MAX_CHARS, multiline=True)
        with self._transaction() as con:
            state = self._append(con, incident_id, actor, "note", note=note)
        self._audit(incident_id, actor, "note", characters=len(note))
        return Outcome(True, f"note added to {incident_id} by {actor.user}", state)

    def hand_over(self, incident_id: str, ticket_id: str, payload: dict,
                  actor: Actor) -> Outcome:
        """Record the hand-over to trouble ticket ``ticket_id`` with its TMF621 ``payload``;
        an incident handed over already keeps its first hand-over (:meth:`handover_payload`
        gives it again)."""
        ticket = check_ticket_id(ticket_id)
        with self._transaction() as con:
            state = self._state(con, incident_id)
            if state.state == "handed_over":
                return Outcome(False, f"{incident_id} was already handed over as ticket "
                                      f"{state.ticket_id} by {state.handed_over_by} at "
                                      f"{state.handed_over_at}: nothing changed", state)
            state = self._append(con, incident_id, actor, "handover", value=ticket,
                                 payload=json.dumps(payload, ensure_ascii=False))
        self._audit(incident_id, actor, "handover", ticket_id=ticket)
        return Outcome(True, f"{incident_id} handed over as ticket {ticket} by {actor.user}",
                       state)

    # --- reads -------------------------------------------------------------------------------

    def state(self, incident_id: str) -> IncidentState:
        """The incident's current state (``new`` when nobody acted on it)."""
        return self.states([incident_id]).get(incident_id, IncidentState(incident_id))

    def states(self, incident_ids: Iterable[str]) -> dict[str, IncidentState]:
        """Incident id → state of those acted on, in one read by key (none while there is no
        store yet: reading never creates it)."""
        ids = list(incident_ids)
        if not ids or not self.path.is_file():
            return {}
        with self._connection() as con:
            rows = con.execute(_sql("states.sql"), {"ids": json.dumps(ids)}).fetchall()
        return {row["incident_id"]: IncidentState(**dict(row)) for row in rows}

    def history(self, incident_id: str) -> list[Event]:
        """Every event of the incident, newest first (also for one gone from the snapshot)."""
        if not self.path.is_file():
            return []
        with self._connection() as con:
            rows = con.execute(_sql("history.sql"), {"incident_id": incident_id}).fetchall()
        return [Event(**dict(row)) for row in rows]

    def handover_payload(self, incident_id: str) -> dict | None:
        """The TMF621 payload of the incident's hand-over, if it was handed over."""
        for event in self.history(incident_id):
            if event.action == "handover" and event.payload:
                return json.loads(event.payload)
        return None

    # --- the store ---------------------------------------------------------------------------

    def _append(self, con: sqlite3.Connection, incident_id: str, actor: Actor, action: str,
                value: str | None = None, note: str | None = None,
                payload: str | None = None) -> IncidentState:
        if not incident_id or len(incident_id) > 200:
            raise WorkflowError(f"incident id {incident_id!r} cannot be used: give the id the "
                                "queue shows")
        user = clean_text(actor.user, "the user name", NAME_MAX_CHARS)
        con.execute(_sql("append_event.sql"), {
            "incident_id": incident_id, "at": stamp(self._clock()), "user": user,
            "role": actor.role, "action": action, "value": value, "note": note,
            "payload": payload})
        con.execute(_sql("state_refresh.sql"), {"incident_id": incident_id})
        return self._state(con, incident_id)

    @staticmethod
    def _state(con: sqlite3.Connection, incident_id: str) -> IncidentState:
        row = con.execute(_sql("states.sql"), {"ids": json.dumps([incident_id])}).fetchone()
        return IncidentState(**dict(row)) if row else IncidentState(incident_id)

    def _audit(self, incident_id: str, actor: Actor, action: str, **about: object) -> None:
        if self.audit_file is not None:
            audit.record(self.audit_file, f"incident_{action}", user=actor.user,
                         role=actor.role, client=actor.client, via=actor.via,
                         incident_id=incident_id, **about)

    def unusable(self, error: Exception) -> WorkflowStoreError:
        return WorkflowStoreError(
            f"the incident workflow store {self.path} cannot be used ({error}): check that it "
            "is a file its folder lets this account write, or name another with [dashboard] "
            "workflow_file; a busy store (another writer for more than "
            f"{BUSY_TIMEOUT_MS / 1000:.0f} s) only needs the action tried again")


def _sql(name: str) -> str:
    return (SQL_DIR / name).read_text(encoding="utf-8")
