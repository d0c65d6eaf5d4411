"""A TMF642 listener over HTTP as an alarm source (the hub/listener notification pattern).

A fault manager that pushes TMF642 notifications is given this listener's address as the
callback of a subscription on its ``/hub``; it then POSTs each notification to
``<callback>/listener/<eventType>`` (``alarmCreateEvent``, ``alarmAttributeValueChangeEvent``,
``alarmStateChangeEvent``, ``alarmClearedEvent``; ``/listener`` alone takes any, by its
``eventType``). The body is the TMF642 event (``eventId``, ``eventTime``, ``eventType``,
``event.alarm``), checked by the same contract as the alarm files. A ``ClearAlarms`` task
POSTed to ``/clearAlarms`` (or ``…/alarmManagement/v4/clearAlarms``) clears the alarms it
names by id: one ``AlarmClearedEvent`` each, completed from the alarm's stored events.

The reply waits for the commit: ``201`` once the event is stored (or was stored before: a
retried notification is answered the same), ``400`` with the reason when it was quarantined
(sending it again would not help), ``503`` when it could not be committed in time (the
warehouse busy with ``cxbridge run``: the sender retries, and a retry is stored once). So
nothing is acknowledged before it is committed, as with the brokers. A position is
``http:<n>``, the request's number since the listener started.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from queue import Empty, Queue

from cxbridge.platform.alarm_stream import Batch, Outcome, RawEvent

# the notification types a listener takes, by the last part of its path
EVENT_TYPES = {
    "alarmcreateevent": "AlarmCreateEvent",
    "alarmattributevaluechangeevent": "AlarmAttributeValueChangeEvent",
    "alarmstatechangeevent": "AlarmStateChangeEvent",
    "alarmclearedevent": "AlarmClearedEvent",
}
MAX_BODY = 1 << 20
# how long a sender waits for its event's commit before it is told to retry
COMMIT_WAIT_SECONDS = 30.0


@dataclass
class _Pending:
    """One request's events, waiting for their commit."""

    events: list[RawEvent]
    done: threading.Event = field(default_factory=threading.Event)
    outcomes: list[Outcome] = field(default_factory=list)


def clear_events(payload: bytes) -> list[bytes] | str:
    """A TMF642 ``ClearAlarms`` task (``alarmPattern``: the alarms by ``id``,
    ``alarmClearedTime``, ``clearSystemId``) as one ``AlarmClearedEvent`` per alarm, naming the
    alarm only (the consumer completes a clear from the alarm's stored events); or why it is
    none. Each event's id is the task's id (else the task's content hash) and the alarm's, so
    the same task sent again is stored once."""
    try:
        task = json.loads(payload)
    except ValueError as exc:
        return f"invalid JSON ({exc})"
    patterns = task.get("alarmPattern") if isinstance(task, dict) else None
    at = task.get("alarmClearedTime") if isinstance(task, dict) else None
    if not isinstance(patterns, list) or not patterns or not isinstance(at, str):
        return ("a ClearAlarms task needs alarmPattern (a list of alarms by id) and "
                "alarmClearedTime")
    ids = [p.get("id") for p in patterns if isinstance(p, dict)]
    if not ids or not all(isinstance(i, str) and i for i in ids):
        return "every alarmPattern entry of a ClearAlarms task must name its alarm by id"
    task_id = task.get("id") or hashlib.sha256(payload).hexdigest()[:16]
    return [json.dumps({
        "eventId": f"clearAlarms:{task_id}:{alarm_id}", "eventType": "AlarmClearedEvent",
        "eventTime": at, "event": {"alarm": {
            "id": alarm_id, "state": "cleared", "perceivedSeverity": "cleared",
            "alarmClearedTime": at, "alarmChangedTime": at,
            "sourceSystemId": task.get("clearSystemId")}}}).encode() for alarm_id in ids]


def normalised(payload: bytes, event_type: str | None) -> bytes:
    """The notification as the alarm contract reads it: the event type from the path when the
    body has none, and a cleared event's alarm marked cleared (``state``, and its severity
    when it has none), as TMF642's ``AlarmClearedEvent`` implies. Bytes that are no JSON
    object are passed on as they are (the contract check quarantines them)."""
    try:
        body = json.loads(payload)
    except ValueError:
        return payload
    if not isinstance(body, dict):
        return payload
    if event_type and not body.get("eventType"):
        body["eventType"] = event_type
    alarm = (body.get("event") or {}).get("alarm") if isinstance(body.get("event"), dict) \
        else None
    if body.get("eventType") == "AlarmClearedEvent" and isinstance(alarm, dict):
        alarm.setdefault("state", "cleared")
        alarm.setdefault("perceivedSeverity", "cleared")
        if "alarmClearedTime" not in alarm and body.get("eventTime"):
            alarm["alarmClearedTime"] = body["eventTime"]
    return json.dumps(body).encode()


class Tmf642Listener:
    """The listener, serving on ``host:port`` (port 0: a free one) from construction on."""

    name = "tmf642"

    def __init__(self, host: str = "127.0.0.1", port: int = 0,
                 commit_wait: float = COMMIT_WAIT_SECONDS) -> None:
        self._queue: Queue[_Pending] = Queue()
        self._numbers = itertools.count(1)
        self._commit_wait = commit_wait
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server name
                listener._handle(self)

            def log_message(self, *args) -> None:  # requests are not logged one by one
                pass

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        name="tmf642-listener", daemon=True)
        self._thread.start()

    @property
    def address(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def describe(self) -> str:
        return f"TMF642 listener {self.address}/listener"

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        parts = [p for p in request.path.split("?")[0].split("/") if p]
        last = parts[-1].lower() if parts else ""
        if last not in (*EVENT_TYPES, "listener", "clearalarms"):
            return _reply(request, HTTPStatus.NOT_FOUND, {
                "reason": "POST TMF642 notifications to /listener/<eventType> ("
                          + ", ".join(EVENT_TYPES.values()) + "), or a ClearAlarms task "
                          "to /clearAlarms"})
        length = int(request.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            return _reply(request, HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                          {"reason": f"a notification may hold {MAX_BODY} bytes at most"})
        body = request.rfile.read(length)
        if last == "clearalarms":
            payloads = clear_events(body)
            if isinstance(payloads, str):
                return _reply(request, HTTPStatus.BAD_REQUEST, {"reason": payloads})
        else:
            payloads = [normalised(body, EVENT_TYPES.get(last))]
        number = next(self._numbers)
        pending = _Pending([RawEvent(f"http:{number}" + (f".{k}" if len(payloads) > 1 else ""),
                                     payload) for k, payload in enumerate(payloads, start=1)])
        self._queue.put(pending)
        if not pending.done.wait(self._commit_wait) or not pending.outcomes:
            return _reply(request, HTTPStatus.SERVICE_UNAVAILABLE,
                          {"reason": "not committed in time (the warehouse is busy); send it "
                                     "again: it is stored once"})
        refused = [o for o in pending.outcomes if o.status == "quarantined"]
        if last == "clearalarms":
            return _reply(request, HTTPStatus.BAD_REQUEST if refused else HTTPStatus.CREATED, {
                "state": "failed" if refused else "done",
                "outcomes": [o.status for o in pending.outcomes],
                "reason": "; ".join(o.reason for o in refused) or None})
        if refused:
            return _reply(request, HTTPStatus.BAD_REQUEST,
                          {"outcome": refused[0].status, "reason": refused[0].reason})
        outcome = pending.outcomes[0]
        return _reply(request, HTTPStatus.CREATED,
                      {"outcome": outcome.status, "reason": outcome.reason or None})

    def next_batch(self, max_events: int, timeout: float) -> Batch | None:
        try:
            taken = [self._queue.get(timeout=timeout)]
        except Empty:
            return None
        while sum(len(p.events) for p in taken) < max_events:
            try:
                taken.append(self._queue.get_nowait())
            except Empty:
                break
        return Batch([e for p in taken for e in p.events], handle=taken)

    def ack(self, batch: Batch, outcomes: Mapping[str, Outcome]) -> None:
        for pending in batch.handle:
            pending.outcomes = [outcomes.get(e.position, Outcome("loaded"))
                                for e in pending.events]
            pending.done.set()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _reply(request: BaseHTTPRequestHandler, status: HTTPStatus, body: dict) -> None:
    data = json.dumps(body).encode()
    request.send_response(status)
    request.send_header("Content-Type", "application/json")
    request.send_header("Content-Length", str(len(data)))
    request.end_headers()
    request.wfile.write(data)
