"""``cxbridge bench`` stage ``live``: publish → updated incident queue, through a real broker.

On an already-built warehouse (the bench's scratch home), the bundled nats-server is started
on 127.0.0.1 and the live consumer (:func:`cxbridge.jobs.live.consume`, the very loop of
``cxbridge live``) runs on a thread while the world's alarm feed is replayed into the broker
twice (:mod:`cxbridge.lab.alarm_replay`):

* a **storm**: ``storm_events`` (10,000) within ``storm_seconds`` (60), the world's own timing
  compressed (its storms stay storms);
* a **steady** stream: ``steady_rate`` events a second (200) for ``steady_seconds``.

A world smaller than that has its feed repeated under new event and alarm ids (new alarms on
the same resources, not copies); ``repeat=False`` replays the feed once instead, scaled down.

For every event: the time from its publish (the broker's acknowledgement of it) to the end of
the refresh that followed the commit of its batch and the publication of the live overlay
(:mod:`cxbridge.platform.overlay`), i.e. until the dashboard's reader saw the queue holding it;
p50 and p95 per phase. Then the warehouse is checked by count and by id: every published event
has exactly one key in ``live.events`` (lost 0), no event id is loaded twice into
``stg.alarm_events`` and the loaded rows are as many as the events loaded (doubled 0).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

import polars as pl

from cxbridge.jobs import live
from cxbridge.lab.alarm_replay import ReplayEvent, replay, scaled, world_events
from cxbridge.platform import warehouse
from cxbridge.platform.alarm_stream_nats import EmbeddedNats, NatsPublisher, NatsSource
from cxbridge.platform.settings import Settings, load_settings


def _percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 3)


def _settings(home: Path) -> Settings:
    return load_settings({"CXBRIDGE_HOME": str(home), "CXBRIDGE_CONFIG": ""}
                         | {k: v for k, v in os.environ.items()
                            if k.startswith("CXBRIDGE_DUCKDB_")})


def _phase(publisher: NatsPublisher, events: list[ReplayEvent], done: dict[str, float],
           arrived: threading.Condition, speed: float | None = None,
           rate: float | None = None, timeout: float = 300.0) -> dict:
    """Publish one phase and wait until the consumer has committed and refreshed every event
    of it; each event's latency from publish to the refreshed queue."""
    started = time.perf_counter()
    published = replay(publisher, events, speed=speed, rate=rate)
    positions = list(published.positions)
    deadline = time.monotonic() + timeout
    with arrived:
        while not all(p in done for p in positions):
            left = deadline - time.monotonic()
            if left <= 0:
                break
            arrived.wait(left)
    latencies = [done[p] - at for p, at in zip(positions, published.published_at, strict=True)
                 if p in done]
    return {"events": len(events), "publish_seconds": round(published.seconds, 3),
            "seconds": round(time.perf_counter() - started, 3),
            "unanswered": sum(1 for p in positions if p not in done),
            "latency_p50_s": _percentile(latencies, 0.50),
            "latency_p95_s": _percentile(latencies, 0.95),
            "latency_max_s": round(max(latencies), 3) if latencies else None,
            "positions": positions}


def _expected_keys(events: list[ReplayEvent], positions: list[str]) -> set[str]:
    """The key each published event is stored under (as cxbridge.jobs.live.event_key gives
    it: its eventId, else its position)."""
    keys = set()
    for event, position in zip(events, positions, strict=True):
        try:
            value = json.loads(event.payload)
        except ValueError:
            value = None
        event_id = value.get("eventId") if isinstance(value, dict) else None
        keys.add(event_id.strip() if isinstance(event_id, str) and event_id.strip()
                 else f"nats@{position}")
    return keys


def _verify(settings: Settings, keys: set[str]) -> dict:
    """Lost and doubled, by count and by id, for the events stored under ``keys``."""
    with warehouse.connect(settings, read_only=True) as con:
        con.register("bench_keys", pl.DataFrame({"k": sorted(keys)}))
        found = warehouse.rows(con, "select e.event_key, e.outcome from live.events e "
                                    "join bench_keys b on b.k = e.event_key")
        loaded_rows = warehouse.scalar(
            con, "select count(*) from stg.alarm_events a join bench_keys b "
                 "on b.k = a.event_id")
        doubled_ids = warehouse.scalar(
            con, "select count(*) from (select a.event_id from stg.alarm_events a join "
                 "bench_keys b on b.k = a.event_id group by 1 having count(*) > 1)")
        con.unregister("bench_keys")
    outcomes: dict[str, int] = {}
    for _, outcome in found:
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    stored_keys = {k for k, _ in found}
    return {"distinct_events": len(keys), "stored_once": len(stored_keys),
            "lost": len(keys - stored_keys),
            "doubled": doubled_ids + max(0, loaded_rows - outcomes.get("loaded", 0)),
            "outcomes": outcomes}


def live_stage(home: str | Path, raw_dir: str | Path | None = None,
               storm_events: int = 10_000, storm_seconds: float = 60.0,
               steady_rate: float = 200.0, steady_seconds: float = 30.0,
               batch_size: int = 5000, repeat: bool = True, first_cycle: int = 1) -> dict:
    """Run the storm and the steady phase against the warehouse under ``home`` (built, its
    alarm feed under ``raw_dir``, default ``<home>/raw``) and return the figures (see the
    module). The events replayed carry new event and alarm ids (``~s<n>``, ``~t<n>``, ``n``
    from ``first_cycle`` on), so the warehouse's own alarms are not replayed as duplicates; a
    second run on the same home takes a higher ``first_cycle`` (else every event is one it
    stored before)."""
    settings = _settings(Path(home))
    feed = world_events(Path(raw_dir) if raw_dir else settings.raw_dir)
    if repeat:
        storm = scaled(feed, storm_events, first_cycle=first_cycle, tag="s")
        steady = scaled(feed, int(steady_rate * steady_seconds), first_cycle=first_cycle,
                        tag="t")
    else:  # the feed once, scaled down: as many events as the world has
        storm = scaled(feed, min(storm_events, len(feed)), first_cycle=first_cycle, tag="s")
        steady = scaled(feed, min(int(steady_rate * steady_seconds), len(feed)),
                        first_cycle=first_cycle, tag="t")
    storm_speed = max(storm[-1].at, 1.0) / storm_seconds
    if not repeat:  # the storm's rate, not its duration, is what a smaller world keeps
        storm_speed = max(storm[-1].at, 1.0) / (storm_seconds * len(storm) / storm_events)
    store = Path(tempfile.mkdtemp(prefix="cxbridge-live-bench-"))
    server = EmbeddedNats(store / "nats")
    done: dict[str, float] = {}
    batches: list[live.BatchResult] = []
    arrived = threading.Condition()
    stop = threading.Event()

    def on_batch(result: live.BatchResult) -> None:
        with arrived:
            for position in result.outcomes:
                done[position] = result.done_at
            batches.append(result)
            arrived.notify_all()

    try:
        url = server.start()
        publisher = NatsPublisher(url)
        source = NatsSource(url)
        consumer = threading.Thread(target=live.consume, name="live-consumer", kwargs=dict(
            settings=settings, source=source,
            options=live.LiveOptions(batch_size=batch_size, wait_seconds=0.05),
            stop=stop.is_set, on_batch=on_batch, say=lambda message: None))
        consumer.start()
        try:
            storm_figures = _phase(publisher, storm, done, arrived, speed=storm_speed)
            steady_figures = _phase(publisher, steady, done, arrived, rate=steady_rate)
        finally:
            stop.set()
            consumer.join(120)
            source.close()
            publisher.close()
    finally:
        server.stop()
        shutil.rmtree(store, ignore_errors=True)
    keys = _expected_keys(storm, storm_figures.pop("positions")) | _expected_keys(
        steady, steady_figures.pop("positions"))
    checked = _verify(settings, keys)
    return {"events": len(storm) + len(steady), "world_feed_events": len(feed),
            "repeated": repeat, "batch_size": batch_size, "storm": storm_figures,
            "steady": steady_figures, "batches": len(batches),
            "batch_events_mean": round(sum(b.received for b in batches)
                                       / max(len(batches), 1), 1),
            "store_p95_s": _percentile([b.stored for b in batches], 0.95),
            "refresh_p50_s": _percentile([b.refreshed for b in batches], 0.50),
            "refresh_p95_s": _percentile([b.refreshed for b in batches], 0.95),
            "overlays": sum(1 for b in batches if b.overlay_seq is not None),
            "overlay_publish_p50_s": _percentile([b.published for b in batches
                                                  if b.overlay_seq is not None], 0.50),
            "overlay_publish_p95_s": _percentile([b.published for b in batches
                                                  if b.overlay_seq is not None], 0.95),
            # the slowest batch, step by step: what a latency tail is made of
            "slowest_batch": _slowest(batches),
            # every batch in order, the same steps: where a tail comes from, run after run
            "batch_steps": [_steps(b) for b in batches],
            **checked}


STEPS = ("waited", "stored", "refreshed", "published", "closed")


def _steps(batch: live.BatchResult) -> dict:
    """One batch's size, its incidents and its steps in seconds."""
    return {"events": batch.received, "incidents": batch.incidents_total,
            **{step: round(getattr(batch, step), 3) for step in STEPS}}


def _slowest(batches: list[live.BatchResult]) -> dict | None:
    """The batch that took longest (lock wait + store + refresh + overlay + close), its size
    and its steps in seconds."""
    if not batches:
        return None
    return _steps(max(batches, key=lambda b: sum(getattr(b, step) for step in STEPS)))


def bench_live(home: str) -> tuple[int, dict]:
    """For ``pipelines/lab/bench.py`` (``_timed``): the stage's events and its figures."""
    figures = live_stage(home)
    return figures["events"], figures
