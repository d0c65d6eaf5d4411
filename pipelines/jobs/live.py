"""cxbridge live: alarm events from a stream → stored once → the incident queue refreshed.

For each batch an :class:`~cxbridge.platform.alarm_stream.AlarmSource` hands out:

1. take the warehouse's writer lock (:mod:`cxbridge.platform.writer_lock`; while ``cxbridge
   run`` holds it the batch waits, un-acknowledged in the broker, and the consumer says so once);
2. decode each event and check it with the alarm files' own row check and contract
   (:func:`cxbridge.platform.ingest.sources.alarms.flatten_event`, then
   :func:`cxbridge.platform.ingest.checks.load_table`, as ingest does for a file): bad JSON, a
   missing field, a time out of the plausible window → ``meta.quarantine`` with the reason; an
   unknown resource → quarantined, waiting for it (it loads when the topology brings it);
3. drop the events stored before: ``live.events`` is keyed by event id (the eventId, or the
   event's position in the source when it has none), checked in the warehouse, not in memory,
   and its primary key refuses a second copy;
4. commit the batch in one transaction (the rows, the quarantine, ``live.events``, and the
   batch registered as a version of an alarms "file" in ``meta.ingest_files``, so that a later
   ``cxbridge run`` rebuilds the days it touched);
5. then acknowledge it to the source, then refresh the incident models incrementally
   (:func:`cxbridge.models.incidents.build.refresh`), so ``incidents.queue`` is current;
6. publish the refreshed incident tables as a live overlay over the current snapshot
   (:mod:`cxbridge.platform.overlay`), so the dashboard shows the queue within seconds.

Each batch costs what it changed, not the size of what it touched: the refresh recomputes an
incident's impact only when its windows, start or end changed (the impact fingerprints of
``models/incidents/sql/impact_scope.sql``), and the overlay is the previous one with only the
changed incidents' rows replaced.

A consumer killed anywhere loses nothing and stores nothing twice: before the commit nothing is
stored and nothing acknowledged (the source hands the batch out again); after it, the events
handed out again find their keys in ``live.events`` and are dropped. Each batch is a run of its
own in ``meta.runs`` (command ``live``), like every command that writes the warehouse.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

import duckdb
import polars as pl

from cxbridge.jobs.live_notify import (
    DEFAULT_DASHBOARD_URL,
    EmailNotifier,
    Notifiers,
    WebhookNotifier,
    new_incidents,
    queue_ids,
)
from cxbridge.models.incidents.build import refresh
from cxbridge.models.incidents.params import Params
from cxbridge.platform import overlay, runs, warehouse
from cxbridge.platform.alarm_stream import (
    AlarmSource,
    Batch,
    Outcome,
    RawEvent,
    SourceUnavailableError,
)
from cxbridge.platform.errors import UserError
from cxbridge.platform.ingest.base import (
    REJECT_SCHEMA,
    RecordShapeError,
    TimeWindow,
    describe_value,
)
from cxbridge.platform.ingest.checks import load_table
from cxbridge.platform.ingest.loader import existing_tables
from cxbridge.platform.ingest.sources import alarms
from cxbridge.platform.settings import Settings
from cxbridge.platform.writer_lock import writer_lock

LOG = logging.getLogger(__name__)

TABLE = alarms.SOURCE.tables[0]  # stg.alarm_events, its contract, key and references
NEEDED = ("stg.alarm_events", "stg.resources", "core.alarms", "incidents.queue")


class LiveNotReadyError(UserError, RuntimeError):
    """The warehouse is not built far enough for live mode; the message says what to run."""


@dataclass(frozen=True)
class BatchResult:
    """What one committed batch did, and how long each step took (seconds)."""

    batch_id: str
    run_id: str
    received: int
    duplicates: int
    loaded: int
    quarantined: int
    outcomes: dict[str, Outcome] = field(default_factory=dict)  # by position
    alarm_ids: tuple[str, ...] = ()  # the alarms of the events stored: what the refresh refolds
    waited: float = 0.0  # for the writer lock, and opening the warehouse
    stored: float = 0.0  # decode, check, commit
    refreshed: float = 0.0  # the incident refresh
    published: float = 0.0  # the live overlay's publication
    closed: float = 0.0  # closing the warehouse (DuckDB checkpoints its log then)
    overlay_seq: int | None = None  # the overlay published (None: none)
    incidents_total: int = 0
    done_at: float = 0.0  # time.time() when the queue was current (and its overlay published)


@dataclass(frozen=True)
class _Decoded:
    """A batch's events decoded: each one's key, and for the events kept (first copies, not
    stored before) their flattened rows and the rejects, numbered by line in the batch."""

    keys: list[str]
    rows: list[dict]
    rejects: list[tuple[int, str, str]]
    kept: list[int]  # the lines (1-based) of the events to store
    duplicates: list[int]


# live.events (sql/live/schema.sql), column by column
LEDGER_SCHEMA = {"event_key": pl.String, "batch_id": pl.String, "line": pl.Int64,
                 "position": pl.String, "outcome": pl.String}


def event_key(source: str, event: RawEvent, value: object) -> str:
    """The key an event is stored once under: its eventId, else its position in the source
    (an event without an id is stored once per position)."""
    if isinstance(value, dict):
        event_id = value.get("eventId")
        if isinstance(event_id, str) and event_id.strip():
            return event_id.strip()
    return f"{source}@{event.position}"


_NOT_DECODED = object()


def _decode(payload: bytes) -> tuple[object, str | None]:
    """The JSON value of one message, or why it is none (the words ingest uses)."""
    try:
        return json.loads(payload), None
    except UnicodeDecodeError as exc:
        return _NOT_DECODED, f"invalid JSON (not UTF-8 text: {exc.reason})"
    except json.JSONDecodeError as exc:
        return _NOT_DECODED, f"invalid JSON ({exc.msg} at column {exc.colno})"
    except (RecursionError, ValueError) as exc:
        return _NOT_DECODED, f"invalid JSON ({type(exc).__name__})"


def decode_batch(source: str, events: list[RawEvent],
                 stored: Callable[[list[str]], set[str]]) -> _Decoded:
    """Decode and flatten each event of a batch: an event whose key ``stored`` (given every
    key of the batch) returns, or that repeats an earlier event's key in the batch, is a
    duplicate; every other one is a row for the contract check, or a reject with its reason."""
    decoded = [_decode(event.payload) for event in events]
    keys = [event_key(source, event, value) for event, (value, _) in zip(events, decoded,
                                                                          strict=True)]
    before = stored(keys)
    rows, rejects, kept, duplicates = [], [], [], []
    seen: set[str] = set()
    for line, (event, key, (value, problem)) in enumerate(zip(events, keys, decoded,
                                                               strict=True), start=1):
        if key in seen or key in before:
            duplicates.append(line)
            continue
        seen.add(key)
        kept.append(line)
        text = event.payload.decode("utf-8", "replace")
        if problem:
            rejects.append((line, problem, text))
        elif not isinstance(value, dict):
            rejects.append((line, "a message must hold one JSON object (a TMF642 event), "
                                  f"not {describe_value(value)}", text))
        else:
            try:
                rows.append(alarms.flatten_event(value, line))
            except RecordShapeError as exc:
                rejects.append((line, exc.reason, text))
    return _Decoded(keys, rows, rejects, kept, duplicates)


_COMPLETED = ("alarmed_object_id", "alarmed_object_type", "probable_cause", "specific_problem",
              "alarm_type", "external_alarm_id", "raised_time", "service_affecting",
              "is_root_cause", "planned_outage", "parent_alarm_id")


def complete_clears(con, rows: list[dict]) -> None:
    """A clear that names only its alarm (no alarmed object: a TMF642 ClearAlarms task, an
    X.733 clear by alarm id) takes what it lacks from the alarm's latest stored event; a clear
    of an alarm never stored stays as it came (and the contract quarantines it)."""
    bare = [row for row in rows if row.get("state") == "cleared"
            and not row.get("alarmed_object_id") and row.get("alarm_id")]
    if not bare:
        return
    known = {found[0]: dict(zip(_COMPLETED, found[1:], strict=True)) for found in
             warehouse.rows(con, warehouse.read_sql("live/alarm_of_clears.sql"),
                            {"ids": sorted({row["alarm_id"] for row in bare})})}
    for row in bare:
        for name, value in known.get(row["alarm_id"], {}).items():
            if row.get(name) is None and value is not None:
                row[name] = value.isoformat() + "Z" if isinstance(value, datetime) else value


def stored_keys(con, keys: list[str]) -> set[str]:
    """Which of ``keys`` ``live.events`` holds (an indexed lookup in the warehouse)."""
    if not keys:
        return set()
    return {k for (k,) in warehouse.rows(
        con, "select event_key from live.events where event_key in (select unnest($keys))",
        {"keys": sorted(set(keys))})}


def check_built(settings: Settings) -> None:
    """Refuse to start on a home whose warehouse was never built."""
    if not settings.warehouse_path.is_file():
        raise LiveNotReadyError(
            f"no warehouse at {settings.warehouse_path}: build it once with `cxbridge run` "
            "(the topology must be loaded for alarms to be checked), then start cxbridge live")


def prepare(con) -> None:
    """Create live mode's tables if missing; refuse a warehouse not built yet."""
    missing = [t for t in NEEDED if not warehouse.table_exists(con, t)]
    if missing:
        raise LiveNotReadyError(
            f"the warehouse has no {', '.join(missing)} yet: build it once with `cxbridge run` "
            "(the topology must be loaded for alarms to be checked), then start cxbridge live")
    warehouse.execute_sql_file(con, "meta/schema.sql")
    warehouse.execute_sql_file(con, "live/schema.sql")


def store_batch(con, source: str, origin: str, events: list[RawEvent], run_id: str,
                window: TimeWindow | None = None) -> BatchResult:
    """Check and commit one batch in one transaction (see the module's steps 2–4)."""
    started = time.perf_counter()
    positions = [e.position for e in events]
    decoded = decode_batch(source, events, lambda keys: stored_keys(con, keys))
    batch_id = "live-" + hashlib.sha256(
        f"{source}|{origin}|{run_id}|{positions[0]}|{positions[-1]}".encode()
    ).hexdigest()[:20]
    outcomes = {positions[line - 1]: Outcome("duplicate") for line in decoded.duplicates}
    loaded = quarantined = 0
    if decoded.kept:
        complete_clears(con, decoded.rows)
        rejects = pl.DataFrame(decoded.rejects, schema=REJECT_SCHEMA, orient="row")
        parsed = alarms.events_frame(decoded.rows, rejects)
        table = replace(TABLE, time_window=window or TimeWindow())
        where = f"{origin} (live batch {batch_id})"
        payloads = b"\n".join(events[line - 1].payload for line in decoded.kept)
        with warehouse.transaction(con):
            counts = load_table(con, alarms.SOURCE, table, parsed, where, batch_id, run_id,
                                existing_tables(con))
            loaded, quarantined = counts.loaded, counts.quarantined
            if loaded + quarantined != len(decoded.kept):
                raise AssertionError(f"live batch {batch_id}: {len(decoded.kept)} events kept "
                                     f"but {loaded} loaded and {quarantined} quarantined")
            held = {line: (reason, awaiting) for line, reason, awaiting in warehouse.rows(
                con, "select line, reason, awaiting from meta.quarantine where file_id = $f",
                {"f": batch_id})}
            ledger = []
            for line in decoded.kept:
                reason, awaiting = held.get(line, ("", None))
                status = ("loaded" if line not in held
                          else "waiting" if awaiting else "quarantined")
                outcomes[positions[line - 1]] = Outcome(status, reason)
                ledger.append((decoded.keys[line - 1], batch_id, line, positions[line - 1],
                               status))
            # one insert of the batch's frame (row-by-row inserts cost a millisecond each)
            con.register("live_ledger", pl.DataFrame(ledger, schema=LEDGER_SCHEMA,
                                                     orient="row"))
            try:
                con.execute("insert into live.events select * from live_ledger")
            finally:
                con.unregister("live_ledger")
            status = "loaded" if loaded else "rejected"
            now = runs.now()
            # (its hash prefixed, so no file's content can pass for a copy of a batch)
            warehouse.execute_sql_file(con, "live/register_batch.sql", {
                "batch_id": batch_id, "path": where,
                "sha256": hashlib.sha256(b"live\0" + payloads).hexdigest(),
                "bytes": len(payloads),
                "read": len(decoded.kept), "loaded": loaded, "quarantined": quarantined,
                "status": status,
                "message": None if loaded else "every event of the batch was quarantined",
                "run_id": run_id, "now": now, "rel_path": f"live/{source}/{batch_id}"})
            _record(con, batch_id, run_id, source, origin, positions, len(decoded.duplicates),
                    loaded, quarantined, now)
    else:  # every event was stored before: only the batch is recorded
        _record(con, batch_id, run_id, source, origin, positions, len(decoded.duplicates),
                0, 0, runs.now())
    return BatchResult(batch_id, run_id, len(events), len(decoded.duplicates), loaded,
                       quarantined, outcomes, stored=time.perf_counter() - started,
                       alarm_ids=tuple(sorted({str(row["alarm_id"]) for row in decoded.rows
                                               if row.get("alarm_id")})))


def _record(con, batch_id: str, run_id: str, source: str, origin: str, positions: list[str],
            duplicates: int, loaded: int, quarantined: int, now) -> None:
    """The batch's row of ``live.batches``."""
    warehouse.execute_sql_file(con, "live/record_batch.sql", {
        "batch_id": batch_id, "run_id": run_id, "source": source, "origin": origin,
        "first_position": positions[0], "last_position": positions[-1],
        "received": len(positions), "duplicates": duplicates, "loaded": loaded,
        "quarantined": quarantined, "now": now})


@dataclass
class LiveOptions:
    """How the consumer runs: events per batch, how long to wait for the first event of a
    batch, and whether to refresh the incident models after each batch.

    ``batch_size`` is a cap, not a wait: a source hands out what is waiting, up to it. A
    consumer that fell behind (a storm) takes what piled up in one batch, and a batch costs far
    less than its events times the cost of one (the refresh recomputes what changed, once), so
    it catches up; an event waits for the batch in hand and then its own: latency = wait +
    batch cost (README, live section, for the measured figures)."""

    batch_size: int = 5000
    wait_seconds: float = 1.0
    refresh: bool = True
    params: Params | None = None
    # new incidents scoring at least notify_min_score go to the notifier (a
    # cxbridge.jobs.live_notify.WebhookNotifier, EmailNotifier, or Notifiers: both), linked
    # to their page under dashboard_url
    notifier: WebhookNotifier | EmailNotifier | Notifiers | None = None
    notify_min_score: float = 0.0
    dashboard_url: str = DEFAULT_DASHBOARD_URL
    # publish the refreshed incident tables as a live overlay for the dashboard
    publish_overlay: bool = True


def consume_one(settings: Settings, source: AlarmSource, batch: Batch,
                options: LiveOptions | None = None,
                on_wait: Callable[[str], None] | None = None) -> BatchResult:
    """Store one batch once, acknowledge it, refresh the queue (the module's steps 1–5)."""
    options = options or LiveOptions()
    asked = time.perf_counter()
    with warehouse.connect(settings, writer="cxbridge live") as con:  # the writer lock
        waited = time.perf_counter() - asked
        prepare(con)
        with runs.recorded(con, "live") as run:
            result = store_batch(con, source.name, source.describe(), batch.events,
                                 run.run_id, TimeWindow(settings.ingest_earliest,
                                                        settings.ingest_future_days))
            try:
                source.ack(batch, result.outcomes)
            except Exception as exc:  # noqa: BLE001 - committed: handed out again, dropped
                LOG.warning("could not acknowledge batch %s (%s): its events come again "
                            "and are dropped as stored", result.batch_id, exc)
            started = time.perf_counter()
            total, published, seq = 0, 0.0, None
            if options.refresh and (result.loaded or result.quarantined):
                before = queue_ids(con) if options.notifier else []
                total = refresh(con, options.params, run.run_id,
                                alarm_ids=result.alarm_ids).incidents_total
                refreshed = time.perf_counter() - started
                if options.publish_overlay:
                    seq = _publish(settings, con, run.run_id)
                    published = time.perf_counter() - started - refreshed
                if options.notifier:
                    options.notifier.notify(new_incidents(
                        con, before, options.notify_min_score, options.dashboard_url))
            run.message = (f"{result.received} events: {result.loaded} loaded, "
                           f"{result.quarantined} quarantined, {result.duplicates} duplicates")
        closing = time.perf_counter()
    return replace(result, waited=waited,
                   refreshed=closing - started - published,
                   closed=time.perf_counter() - closing,
                   published=published, overlay_seq=seq, incidents_total=total,
                   done_at=time.time())


def _publish(settings: Settings, con, run_id: str) -> int | None:
    """Publish the incident tables as the live overlay (step 6); its sequence number, None
    without a snapshot to overlay. A failure (a full disk) is logged: the batch is committed
    and the queue refreshed, the next batch publishes again."""
    try:
        info = overlay.publish_overlay(con, settings, run_id=run_id)
    except (OSError, duckdb.Error) as exc:
        LOG.warning("could not publish the live overlay (%s); the dashboard shows the queue "
                    "as of the previous one until the next batch", exc)
        return None
    return info.seq if info else None


def consume(settings: Settings, source: AlarmSource, options: LiveOptions | None = None,
            stop: Callable[[], bool] = lambda: False,
            on_batch: Callable[[BatchResult], None] | None = None,
            say: Callable[[str], None] = print) -> int:
    """Consume until ``stop()`` says so: batch after batch through :func:`consume_one`. A
    broker that cannot be reached, or a writer lock held by ``cxbridge run``, is said once
    (through ``say``) and waited for. Returns the batches committed."""
    options = options or LiveOptions()
    check_built(settings)
    committed = 0
    broker_away = False
    waiting_said = False

    def on_wait(message: str) -> None:
        nonlocal waiting_said
        if not waiting_said:
            say(message + " (the events wait in the broker, unacknowledged)")
            waiting_said = True

    with (writer_lock(settings.warehouse_path, "cxbridge live", on_wait=on_wait),
          warehouse.connect(settings, writer="cxbridge live") as con):
        prepare(con)
        if options.refresh:  # a consumer that died between commit and refresh
            refresh(con, options.params)
            if options.publish_overlay:
                _publish(settings, con, "")
    while not stop():
        try:
            batch = source.next_batch(options.batch_size, options.wait_seconds)
        except SourceUnavailableError as exc:
            if not broker_away:
                say(f"the broker is not reachable ({exc}); retrying until it is back")
                broker_away = True
            continue
        if broker_away:
            say("the broker is back")
            broker_away = False
        if batch is None or not batch.events:
            continue
        result = _with_wait_message(settings, source, batch, options, on_wait)
        waiting_said = False
        committed += 1
        if on_batch:
            on_batch(result)
    return committed


def _with_wait_message(settings, source, batch, options, on_wait) -> BatchResult:
    """:func:`consume_one`, the writer lock's wait told through ``on_wait``."""
    with writer_lock(settings.warehouse_path, "cxbridge live", on_wait=on_wait):
        return consume_one(settings, source, batch, options)
