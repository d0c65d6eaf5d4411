"""The incident workflow store: actions, the state derived from them, the checks on what a user
types, the append-only log, the audit entries, and two processes writing at once."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from itertools import count
from pathlib import Path

import pytest

from cxbridge.platform import audit
from cxbridge.platform.workflow import (
    NOTE_MAX_CHARS,
    Actor,
    UnknownIncidentError,
    WorkflowError,
    WorkflowStore,
    WorkflowStoreError,
    require_known,
)

ANA = Actor("ana", "operations", "10.0.0.7", "dashboard")
BOB = Actor("bob", "command line")


@pytest.fixture
def store(tmp_path: Path) -> WorkflowStore:
    ticks = count()
    start = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
    return WorkflowStore(tmp_path / "ops" / "workflow.sqlite", tmp_path / "audit.jsonl",
                         clock=lambda: start + timedelta(minutes=next(ticks)))


def test_a_new_incident_is_new_and_reading_creates_no_store(store):
    assert store.state("PRB-1").state == "new"
    assert store.states(["PRB-1", "PRB-2"]) == {}
    assert store.history("PRB-1") == []
    assert not store.path.exists()


def test_acknowledge_assign_note_hand_over_in_order(store):
    assert store.acknowledge("PRB-1", ANA).changed
    assert store.assign("PRB-1", "  carla ", ANA).state.assignee == "carla"
    store.add_note("PRB-1", "fibre crew on site\nETA 40 min", BOB)
    outcome = store.hand_over("PRB-1", "INC0012345", {"@type": "TroubleTicket"}, ANA)
    state = outcome.state
    assert (state.state, state.assignee, state.ticket_id, state.notes) == (
        "handed_over", "carla", "INC0012345", 1)
    assert (state.acknowledged_by, state.acknowledged_at) == ("ana", "2026-12-06T09:00:00.000Z")
    assert (state.updated_by, state.handed_over_at) == ("ana", "2026-12-06T09:03:00.000Z")
    history = store.history("PRB-1")
    assert [e.action for e in history] == ["handover", "note", "assign", "acknowledge"]
    assert history[1].note == "fibre crew on site\nETA 40 min" and history[1].user == "bob"
    assert store.handover_payload("PRB-1") == {"@type": "TroubleTicket"}
    # another incident is untouched, and one read returns only those acted on
    assert set(store.states(["PRB-1", "PRB-2"])) == {"PRB-1"}


def test_acting_twice_changes_nothing_and_says_so(store):
    store.acknowledge("PRB-1", ANA)
    again = store.acknowledge("PRB-1", BOB)
    assert not again.changed
    assert "already acknowledged by ana" in again.message
    store.assign("PRB-1", "carla", ANA)
    assert not store.assign("PRB-1", "carla", BOB).changed
    store.hand_over("PRB-1", "T-1", {"n": 1}, ANA)
    twice = store.hand_over("PRB-1", "T-2", {"n": 2}, BOB)
    assert not twice.changed and "already handed over as ticket T-1" in twice.message
    assert "handed over" in store.acknowledge("PRB-1", ANA).message
    assert [e.action for e in store.history("PRB-1")] == ["handover", "assign", "acknowledge"]
    assert store.handover_payload("PRB-1") == {"n": 1}


def test_hand_over_without_acknowledging_first(store):
    assert store.hand_over("PRB-9", "CXB-TT-PRB-9", {}, BOB).state.state == "handed_over"


@pytest.mark.parametrize(("text", "says"), [
    ("", "the note is empty"),
    ("   \n ", "the note is empty"),
    ("x" * (NOTE_MAX_CHARS + 1), f"at most {NOTE_MAX_CHARS:,} are kept"),
    ("bell\x07", "control character (U+0007) at character 5"),
])
def test_a_note_that_cannot_be_kept_is_refused(store, text, says):
    with pytest.raises(WorkflowError, match=re.escape(says)):
        store.add_note("PRB-1", text, ANA)
    assert store.history("PRB-1") == []


def test_the_longest_note_is_kept_whole(store):
    store.add_note("PRB-1", "y" * NOTE_MAX_CHARS, ANA)
    assert len(store.history("PRB-1")[0].note) == NOTE_MAX_CHARS


@pytest.mark.parametrize("ticket", ["", "has space", "-leading", "x" * 65])
def test_a_ticket_id_that_cannot_be_used_is_refused(store, ticket):
    with pytest.raises(WorkflowError, match="ticket id"):
        store.hand_over("PRB-1", ticket, {}, ANA)
    assert store.state("PRB-1").state == "new"


def test_assigning_to_nobody_is_refused(store):
    with pytest.raises(WorkflowError, match="assignee's name is empty"):
        store.assign("PRB-1", " ", ANA)


def test_an_unknown_incident_is_refused_with_what_to_do():
    with pytest.raises(UnknownIncidentError, match="cxbridge incidents --all"):
        require_known("PRB-NOPE", known=False)
    require_known("PRB-1", known=True)


def test_the_event_log_is_append_only(store):
    store.add_note("PRB-1", "first", ANA)
    con = sqlite3.connect(store.path)
    for statement in ("update workflow_events set note = 'changed'", "delete from workflow_events"):
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            con.execute(statement)
    con.close()
    assert store.history("PRB-1")[0].note == "first"


def test_every_change_is_audited_and_a_no_op_is_not(store):
    store.acknowledge("PRB-1", ANA)
    store.acknowledge("PRB-1", ANA)
    store.add_note("PRB-1", "secret words", BOB)
    store.hand_over("PRB-1", "T-7", {}, ANA)
    events = audit.read_events(store.audit_file)
    assert [(e["event"], e["user"], e["incident_id"]) for e in events] == [
        ("incident_acknowledge", "ana", "PRB-1"), ("incident_note", "bob", "PRB-1"),
        ("incident_handover", "ana", "PRB-1")]
    assert events[0]["client"] == "10.0.0.7" and events[2]["ticket_id"] == "T-7"
    assert "secret words" not in store.audit_file.read_text()  # the text stays in the store


def test_a_store_that_cannot_be_opened_says_which_and_what_to_do(tmp_path):
    (tmp_path / "not-a-file").mkdir()
    with pytest.raises(WorkflowStoreError, match="not-a-file cannot be used.*workflow_file"):
        WorkflowStore(tmp_path / "not-a-file").acknowledge("PRB-1", ANA)
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"this is no database" * 100)
    with pytest.raises(WorkflowStoreError, match="garbage.sqlite cannot be used"):
        WorkflowStore(garbage).add_note("PRB-1", "x", ANA)


def test_the_store_is_private_and_in_wal_mode(store):
    store.acknowledge("PRB-1", ANA)
    assert store.path.stat().st_mode & 0o777 == 0o600
    con = sqlite3.connect(store.path)
    assert con.execute("pragma journal_mode").fetchone()[0] == "wal"
    con.close()


WRITER = """
import sys
from cxbridge.platform.workflow import Actor, WorkflowStore
store = WorkflowStore(__import__("pathlib").Path(sys.argv[1]))
for n in range(40):
    store.add_note("PRB-1", f"{sys.argv[2]} {n}", Actor(sys.argv[2], "command line"))
    store.acknowledge("PRB-1", Actor(sys.argv[2], "command line"))
"""


def test_two_processes_writing_at_once_lose_nothing(tmp_path):
    path = tmp_path / "workflow.sqlite"
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), name])
               for name in ("p1", "p2")]
    assert [w.wait(timeout=60) for w in writers] == [0, 0]
    history = WorkflowStore(path).history("PRB-1")
    notes = [e.note for e in history if e.action == "note"]
    assert sorted(notes) == sorted(f"{p} {n}" for p in ("p1", "p2") for n in range(40))
    assert [e.action for e in history].count("acknowledge") == 1
    state = WorkflowStore(path).state("PRB-1")
    assert (state.state, state.notes) == ("acknowledged", 80)
    assert json.loads(json.dumps(state.__dict__))["incident_id"] == "PRB-1"
