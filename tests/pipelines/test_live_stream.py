"""cxbridge live against a real broker: the bundled nats-server on 127.0.0.1, not a mock.

Every test checks by count AND by event id: each good event stored once in
``stg.alarm_events`` (lost 0, doubled 0), each malformed one quarantined once with its reason.
The warehouse is the tiny world (tests/tiny_world.py), built once and copied per test.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

import pytest

from cxbridge.jobs import flow, live, live_notify
from cxbridge.jobs.live_notify import WebhookNotifier
from cxbridge.platform import warehouse
from cxbridge.platform.alarm_stream import FileDropSource
from cxbridge.platform.alarm_stream_nats import EmbeddedNats, NatsPublisher, NatsSource
from cxbridge.platform.alarm_stream_tmf642 import Tmf642Listener
from cxbridge.platform.settings import load_settings
from tests.tiny_world import write_tiny_world

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path]:
    """The tiny world's raw folder and a home whose warehouse is built from it."""
    base = tmp_path_factory.mktemp("live-built")
    raw = write_tiny_world(base / "raw")
    config = base / "cxbridge.toml"
    config.write_text("", encoding="utf-8")
    flow.run(_settings(base / "home", config), raw)
    return raw, base / "home"


def _settings(home: Path, config: Path):
    return load_settings({"CXBRIDGE_HOME": str(home), "CXBRIDGE_CONFIG": str(config)})


@pytest.fixture
def home(built, tmp_path) -> Path:
    shutil.copytree(built[1], tmp_path / "home")
    (tmp_path / "cxbridge.toml").write_text("", encoding="utf-8")
    return tmp_path / "home"


@pytest.fixture
def settings_live(home):
    return _settings(home, home.parent / "cxbridge.toml")


@pytest.fixture
def broker(tmp_path):
    server = EmbeddedNats(tmp_path / "nats")
    server.start()
    yield server
    server.stop()


def alarm_event(n: int, resource: str = "PON-1", state: str = "raised",
                cause: str = "lossOfSignal", minute: int = 0) -> dict:
    """A TMF642 event on the tiny world (2026-10-01), its id LIVE-<n>."""
    at = f"2026-10-01T03:{minute % 60:02d}:{n % 60:02d}Z"
    return {"eventId": f"LIVE-{n:05d}", "eventTime": at,
            "eventType": "AlarmStateChangeEvent" if state == "cleared" else "AlarmCreateEvent",
            "event": {"alarm": {
                "id": f"LA-{n:05d}", "perceivedSeverity": "cleared" if state == "cleared"
                else "major", "probableCause": cause, "specificProblem": "PON LOS",
                "alarmedObject": {"id": resource, "@referredType": "pon_port"},
                "state": state, "alarmRaisedTime": at, "serviceAffecting": True}}}


def good(n: int) -> bytes:
    return json.dumps(alarm_event(n, minute=n // 60)).encode()


BAD_JSON = b'{"eventId": "LIVE-BAD-JSON", "event": '
UNKNOWN = json.dumps(alarm_event(90001, resource="NO-SUCH-PORT")).encode()
MISSING = json.dumps({"eventId": "LIVE-MISSING", "event": {"alarm": {"id": "LA-M"}}}).encode()


def publish(url: str, payloads: list[bytes], prefix: str = "m") -> None:
    publisher = NatsPublisher(url)
    try:
        publisher.publish([(f"{prefix}{i}", p) for i, p in enumerate(payloads)])
    finally:
        publisher.close()


def drain(settings, source, batch_size: int = 10) -> list[live.BatchResult]:
    """Consume until the source has nothing within a second (the real per-batch path)."""
    results = []
    while (batch := source.next_batch(batch_size, 0.3)) is not None:
        results.append(live.consume_one(settings, source, batch))
    return results


def stored(settings) -> dict:
    """What the warehouse holds of live events: the event ids loaded (with repeats, if any),
    the keys of live.events, the quarantined reasons by event key, the batches' counts."""
    with warehouse.connect(settings, read_only=True) as con:
        ids = [r[0] for r in warehouse.rows(
            con, "select event_id from stg.alarm_events where event_id like 'LIVE-%' "
                 "or event_id like 'clearAlarms:%'")]
        keys = [r[0] for r in warehouse.rows(con, "select event_key from live.events")]
        held = dict(warehouse.rows(
            con, "select e.event_key, q.reason from live.events e join meta.quarantine q "
                 "on q.file_id = e.batch_id and q.line = e.line"))
        files = warehouse.rows(con, "select sum(rows_read), sum(rows_loaded), "
                                    "sum(rows_quarantined) from meta.ingest_files "
                                    "where rel_path like 'live/%'")[0]
        queue = warehouse.scalar(con, "select count(*) from incidents.queue")
    return {"ids": ids, "keys": keys, "held": held, "files": files, "queue": queue}


def check_exactly_once(state: dict, good_ids: list[str], bad_keys: list[str]) -> None:
    assert sorted(state["ids"]) == sorted(good_ids)  # lost 0, doubled 0: by count and id
    assert sorted(state["keys"]) == sorted(good_ids + bad_keys)
    read, loaded, quarantined = state["files"]
    assert (read, loaded, quarantined) == (len(good_ids) + len(bad_keys), len(good_ids),
                                           len(bad_keys))


def test_malformed_events_are_quarantined_with_their_reason_and_the_stream_goes_on(
        settings_live, broker):
    payloads = [good(1), BAD_JSON, good(2), UNKNOWN, MISSING, good(3), good(2)]  # 2 repeated
    publish(broker.url, payloads)
    source = NatsSource(broker.url)
    try:
        results = drain(settings_live, source, batch_size=4)
    finally:
        source.close()
    state = stored(settings_live)
    bad_json_key = "nats@CXBRIDGE_ALARMS:2"  # no event id to read: keyed by its position
    check_exactly_once(state, ["LIVE-00001", "LIVE-00002", "LIVE-00003"],
                       [bad_json_key, "LIVE-90001", "LIVE-MISSING"])
    assert state["held"][bad_json_key].startswith("invalid JSON")
    assert "waiting for alarmed resource 'NO-SUCH-PORT'" in state["held"]["LIVE-90001"]
    assert "alarmed_object_id is empty but required" in state["held"]["LIVE-MISSING"]
    assert sum(r.duplicates for r in results) == 1
    assert state["queue"] >= 1  # the queue was refreshed from the new alarms


CHILD = r"""
import sys
from cxbridge.jobs import live
from cxbridge.platform.alarm_stream_nats import NatsSource
from cxbridge.platform.settings import load_settings

point, url, size = sys.argv[1], sys.argv[2], int(sys.argv[3])

def hold(*args, **kwargs):
    print("AT", point, flush=True)
    sys.stdin.readline()  # killed (-9) here by the test

if point == "before-commit":  # inside the batch's transaction, its rows inserted
    load = live.load_table
    def loaded_then_hold(*args, **kwargs):
        result = load(*args, **kwargs)
        hold()
        return result
    live.load_table = loaded_then_hold
else:  # committed, not acknowledged
    NatsSource.ack = hold
live.consume(load_settings(), NatsSource(url), live.LiveOptions(batch_size=size,
                                                                 wait_seconds=0.2))
"""


def _consumer_killed_at(point: str, url: str, home: Path) -> None:
    env = {**os.environ, "CXBRIDGE_HOME": str(home),
           "CXBRIDGE_CONFIG": str(home.parent / "cxbridge.toml")}
    child = subprocess.Popen([sys.executable, "-c", CHILD, point, url, "10"], cwd=ROOT,
                             env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        line = child.stdout.readline()
        assert line.strip() == f"AT {point}", child.stderr.read()[-3000:]
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(30)
    assert child.returncode == -signal.SIGKILL


def test_consumer_killed_mid_batch_and_after_commit_loses_nothing_and_doubles_nothing(
        settings_live, home, broker):
    payloads = [good(n) for n in range(1, 26)] + [BAD_JSON, good(5)]
    publish(broker.url, payloads)
    _consumer_killed_at("before-commit", broker.url, home)  # batch 1 never committed
    assert stored(settings_live)["keys"] == []
    _consumer_killed_at("after-commit", broker.url, home)  # batch 1 committed, never acked
    assert len(stored(settings_live)["keys"]) == 10
    source = NatsSource(broker.url)  # restarted: batch 1 comes again and is dropped
    try:
        results = drain(settings_live, source)
    finally:
        source.close()
    state = stored(settings_live)
    check_exactly_once(state, [f"LIVE-{n:05d}" for n in range(1, 26)],
                       ["nats@CXBRIDGE_ALARMS:26"])
    assert sum(r.duplicates for r in results) == 11  # batch 1 again, and the repeated LIVE-5


def test_broker_restarted_loses_nothing_and_doubles_nothing(settings_live, broker):
    publish(broker.url, [good(n) for n in range(1, 11)], prefix="a")
    source = NatsSource(broker.url)
    try:
        drain(settings_live, source)
        publish(broker.url, [good(n) for n in range(11, 21)], prefix="b")
        batch = source.next_batch(10, 1.0)
        broker.restart()  # between hand-out and commit: the batch is committed, then acked
        live.consume_one(settings_live, source, batch)
        publish(broker.url, [good(n) for n in range(21, 31)], prefix="c")
        drain(settings_live, source)
    finally:
        source.close()
    source = NatsSource(broker.url)  # and a consumer restarted after it finds nothing left
    try:
        assert drain(settings_live, source) == []
    finally:
        source.close()
    check_exactly_once(stored(settings_live), [f"LIVE-{n:05d}" for n in range(1, 31)], [])


def test_live_waits_for_a_run_holding_the_warehouse_and_keeps_events_unacked(
        settings_live, home, broker):
    publish(broker.url, [good(n) for n in range(1, 6)])
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys\nfrom pathlib import Path\n"
         "from cxbridge.platform.writer_lock import writer_lock\n"
         "with writer_lock(Path(sys.argv[1]), 'cxbridge run'):\n"
         "    print('held', flush=True); sys.stdin.readline()\n",
         str(settings_live.warehouse_path)], cwd=ROOT, stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, text=True)
    said: list[str] = []
    waiting = threading.Event()
    committed = threading.Event()
    source = NatsSource(broker.url)

    def say(message: str) -> None:
        said.append(message)
        waiting.set()

    consumer = threading.Thread(target=live.consume, kwargs=dict(
        settings=settings_live, source=source,
        options=live.LiveOptions(batch_size=10, wait_seconds=0.2),
        stop=committed.is_set, on_batch=lambda r: committed.set(), say=say))
    try:
        assert holder.stdout.readline().strip() == "held"
        consumer.start()
        assert waiting.wait(30)
        assert "waiting for the warehouse: cxbridge run (process" in said[0]
        assert not committed.is_set()
        assert _unacknowledged(source) == 5  # kept in the broker while the run writes
        holder.stdin.write("\n")
        holder.stdin.flush()
        assert committed.wait(30)
        consumer.join(30)
    finally:
        holder.kill()
        holder.wait(10)
        source.close()
    assert len(said) == 1  # said once
    check_exactly_once(stored(settings_live), [f"LIVE-{n:05d}" for n in range(1, 6)], [])


def _unacknowledged(source: NatsSource) -> int:
    """The events the broker holds for the consumer: handed out or not, none acknowledged."""
    async def info():
        return await source._nc.jetstream().consumer_info(source.stream, source.durable)

    found = source._loop.run(info(), timeout=10)
    return found.num_ack_pending + found.num_pending


def test_a_run_started_while_live_writes_waits_then_runs(built, settings_live, capfd):
    raw = built[0]
    finished = threading.Event()
    outcome: list = []

    def run() -> None:
        try:
            outcome.append(flow.run(settings_live, raw).status)
        finally:
            finished.set()

    # live holds the lock from another process (in this one a run would re-enter it)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys\nfrom pathlib import Path\n"
         "from cxbridge.platform.writer_lock import writer_lock\n"
         "with writer_lock(Path(sys.argv[1]), 'cxbridge live'):\n"
         "    print('held', flush=True); sys.stdin.readline()\n",
         str(settings_live.warehouse_path)], cwd=ROOT, stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        runner = threading.Thread(target=run)
        runner.start()
        message = _stderr_until(capfd, "waiting for the warehouse")
        assert "cxbridge live (process" in message
        assert not finished.is_set()
        holder.stdin.write("\n")
        holder.stdin.flush()
        assert finished.wait(120)
        runner.join()
    finally:
        holder.kill()
        holder.wait(10)
    assert outcome == ["ok"]


def _stderr_until(capfd, text: str, seconds: float = 30.0) -> str:
    """What was written to standard error once it holds ``text`` (read as it comes)."""
    seen = ""
    deadline = threading.Event()
    timer = threading.Timer(seconds, deadline.set)
    timer.start()
    try:
        while text not in seen and not deadline.wait(0.02):
            seen += capfd.readouterr().err
    finally:
        timer.cancel()
    assert text in seen, seen
    return seen


def test_tmf642_listener_answers_after_commit(settings_live):
    listener = Tmf642Listener(port=0)
    stop = threading.Event()
    consumer = threading.Thread(target=live.consume, kwargs=dict(
        settings=settings_live, source=listener,
        options=live.LiveOptions(batch_size=10, wait_seconds=0.1), stop=stop.is_set))
    consumer.start()
    try:
        create = alarm_event(1)
        assert _post(listener.address + "/listener/alarmCreateEvent", create) == (201, "loaded")
        assert _post(listener.address + "/listener/alarmCreateEvent", create)[0] == 201
        cleared = alarm_event(2)
        cleared["event"]["alarm"]["id"] = "LA-00001"
        del cleared["eventType"]  # the listener's path says what it is
        del cleared["event"]["alarm"]["state"], cleared["event"]["alarm"]["perceivedSeverity"]
        assert _post(listener.address + "/listener/alarmClearedEvent", cleared)[0] == 201
        status, reason = _post(listener.address + "/listener/alarmCreateEvent",
                               {"eventId": "LIVE-MISSING", "event": {"alarm": {"id": "x"}}})
        assert status == 400 and "alarmed_object_id is empty but required" in reason
        # a ClearAlarms task names alarms by id only: completed from their stored events
        task = {"id": "T1", "alarmClearedTime": "2026-10-01T04:00:00Z",
                "clearSystemId": "FM", "alarmPattern": [{"id": "LA-00003"}]}
        assert _post(listener.address + "/listener/alarmCreateEvent", alarm_event(3)) == (
            201, "loaded")
        assert _post(listener.address + "/alarmManagement/v4/clearAlarms", task)[0] == 201
        assert _post(listener.address + "/clearAlarms", task)[0] == 201  # again: stored once
        unknown = {**task, "id": "T2", "alarmPattern": [{"id": "LA-NEVER-RAISED"}]}
        status, reason = _post(listener.address + "/clearAlarms", unknown)
        assert status == 400 and "alarmed_object_id is empty but required" in reason
    finally:
        stop.set()
        consumer.join(30)
        listener.close()
    state = stored(settings_live)
    check_exactly_once(state, ["LIVE-00001", "LIVE-00002", "LIVE-00003",
                               "clearAlarms:T1:LA-00003"],
                       ["LIVE-MISSING", "clearAlarms:T2:LA-NEVER-RAISED"])
    with warehouse.connect(settings_live, read_only=True) as con:
        assert warehouse.rows(con, "select state, perceived_severity, event_type from "
                                   "stg.alarm_events where event_id = 'LIVE-00002'") == [
            ("cleared", "cleared", "AlarmClearedEvent")]
        assert warehouse.rows(con, "select state, alarmed_object_id, probable_cause from "
                                   "stg.alarm_events where alarm_id = 'LA-00003' "
                                   "order by event_time") == [
            ("raised", "PON-1", "lossOfSignal"), ("cleared", "PON-1", "lossOfSignal")]


def _post(url: str, body: dict) -> tuple[int, str]:
    request = urllib.request.Request(url, json.dumps(body).encode(),
                                     {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, answer = response.status, json.load(response)
    except urllib.error.HTTPError as error:
        status, answer = error.code, json.load(error)
    return status, answer.get("outcome") if status == 201 else answer.get("reason")


def test_file_drop_is_read_once_and_moved_when_done(settings_live, tmp_path):
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "a.jsonl").write_bytes(b"\n".join([good(1), good(2), BAD_JSON, good(1)]) + b"\n")
    source = FileDropSource(drop)
    drain(settings_live, source, batch_size=3)
    assert drain(settings_live, FileDropSource(drop)) == []  # a new source: nothing again
    assert (drop / "_done" / "a.jsonl").is_file() and not (drop / "a.jsonl").exists()
    check_exactly_once(stored(settings_live), ["LIVE-00001", "LIVE-00002"],
                       ["file@a.jsonl:3"])


def test_a_new_incident_above_the_threshold_is_posted_once_with_its_link(settings_live,
                                                                         tmp_path):
    received: list[dict] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server name
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    notifier = WebhookNotifier(f"http://127.0.0.1:{server.server_address[1]}/hook")
    options = live.LiveOptions(batch_size=10, wait_seconds=0.1, notifier=notifier,
                               notify_min_score=0.0, dashboard_url="https://noc.example/")
    drop = tmp_path / "drop"
    drop.mkdir()
    outage = alarm_event(1, resource="OLT-1", cause="equipmentMalfunction")
    (drop / "a.jsonl").write_bytes(json.dumps(outage).encode() + b"\n")
    try:
        with warehouse.connect(settings_live, read_only=True) as con:
            before = set(live_notify.queue_ids(con))
        source = FileDropSource(drop)
        for batch in iter(lambda: source.next_batch(10, 0.1), None):
            live.consume_one(settings_live, source, batch, options)
        source = FileDropSource(drop)  # the same incident updated: not new, not posted again
        (drop / "b.jsonl").write_bytes(json.dumps(alarm_event(2, resource="OLT-1",
                                                              cause="equipmentMalfunction",
                                                              minute=1)).encode() + b"\n")
        for batch in iter(lambda: source.next_batch(10, 0.1), None):
            live.consume_one(settings_live, source, batch, options)
    finally:
        notifier.close()
        server.shutdown()
        server.server_close()
    with warehouse.connect(settings_live, read_only=True) as con:
        new = set(live_notify.queue_ids(con)) - before
        notified = {r[0] for r in warehouse.rows(con, "select incident_id from live.notified")}
    assert new and notified == new
    assert sorted(p["incident"]["id"] for p in received) == sorted(new)  # once each
    for posted in received:
        assert posted["link"] == ("https://noc.example/incident/"
                                  + quote(posted["incident"]["id"], safe=""))
        assert posted["eventType"] == "IncidentCreated"
