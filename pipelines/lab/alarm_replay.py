"""Replay a generated world's alarm feed into a broker, at a chosen speed-up.

``cxbridge generate`` writes the world's TMF642 alarm events as JSON lines under
``raw/alarms/``; :func:`world_events` reads them in event-time order (every line as it is,
the malformed ones the generator plants included: the consumer must quarantine them), and
:func:`replay` publishes them so that world time passes ``speed`` times faster than real
time: a storm in the world (hundreds of alarms within minutes) is a storm on the broker.
Each message carries the id ``<file>:<line>``, so the broker drops a re-published copy of a
line but the feed's own duplicate events (a line repeated by the fault manager) reach the
consumer, which must store them once.

:func:`scaled` repeats a small world's feed under new event and alarm ids, to reach the volume
of a benchmark (10,000 events) when the world holds fewer.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from cxbridge.platform.errors import PathNotFoundError

_TIME = re.compile(rb'"eventTime"\s*:\s*"([^"]+)"')


class Publisher(Protocol):
    def publish(self, messages: Sequence[tuple[str | None, bytes]]) -> list[str] | None: ...


@dataclass(frozen=True)
class ReplayEvent:
    """One line of the feed: when it happened (world seconds since the first event), the
    message id it is published under, and its bytes."""

    at: float
    msg_id: str
    payload: bytes


def _seconds(line: bytes) -> float | None:
    found = _TIME.search(line)
    if not found:
        return None
    try:
        return datetime.fromisoformat(found.group(1).decode().replace("Z", "+00:00")
                                      ).timestamp()
    except ValueError:
        return None


def world_events(raw_dir: Path) -> list[ReplayEvent]:
    """The world's alarm feed (``raw_dir/alarms/*.jsonl``) in event-time order; a line whose
    time cannot be read keeps its place after the line before it."""
    folder = raw_dir / "alarms"
    files = sorted(folder.glob("*.jsonl")) if folder.is_dir() else []
    if not files:
        raise PathNotFoundError(f"no alarm feed under {folder}: generate a world first "
                                f"(cxbridge generate --out {raw_dir})")
    found: list[tuple[float, int, ReplayEvent]] = []
    last = None
    for path in files:
        for number, line in enumerate(path.read_bytes().splitlines(), start=1):
            if not line.strip():
                continue
            seconds = _seconds(line)
            last = seconds if seconds is not None else last
            found.append((last or 0.0, len(found),
                          ReplayEvent(0.0, f"{path.name}:{number}", line)))
    start = min(at for at, _, _ in found)
    return [ReplayEvent(at - start, event.msg_id, event.payload)
            for at, _, event in sorted(found, key=lambda f: (f[0], f[1]))]


def scaled(events: list[ReplayEvent], count: int, first_cycle: int = 0,
           tag: str = "r") -> list[ReplayEvent]:
    """``count`` events: the feed repeated, each repetition (from ``first_cycle`` on; cycle 0
    is the feed as it is) under new event and alarm ids (``…~<tag><n>``) and shifted by the
    feed's span, so repetitions are new alarms, not copies."""
    if not events:
        return []
    span = max(e.at for e in events) + 1.0
    out: list[ReplayEvent] = []
    for cycle in range(first_cycle, first_cycle + count // len(events) + 1):
        for event in events:
            if len(out) == count:
                return out
            payload = event.payload if cycle == 0 else re.sub(
                rb'"(eventId|id)"\s*:\s*"((?:EVT|ALM)-[^"]+)"',
                lambda m, c=cycle: b'"%s":"%s~%s%d"' % (m.group(1), m.group(2),
                                                        tag.encode(), c),
                event.payload)
            out.append(ReplayEvent((event.at + (cycle - first_cycle) * span),
                                   f"{event.msg_id}~{tag}{cycle}", payload))
    return out


@dataclass
class Published:
    """What a replay published: each message's id, its position in the broker (when the
    broker names it), and the wall-clock time (time.time()) it was stored there."""

    msg_ids: list[str]
    positions: list[str | None]
    published_at: list[float]
    seconds: float


def replay(publisher: Publisher, events: list[ReplayEvent], speed: float | None = None,
           rate: float | None = None, tick: float = 0.05,
           clock: Callable[[], float] = time.monotonic,
           sleep: Callable[[float], None] = time.sleep) -> Published:
    """Publish ``events`` as time passes: world time ``speed`` times faster (``speed`` 60: a
    world hour in a minute), or at a steady ``rate`` events a second (world times ignored);
    what is due is published every ``tick`` seconds, as one group."""
    if (speed is None) == (rate is None):
        raise ValueError("give either speed or rate")
    due = [e.at / speed for e in events] if speed else [i / rate for i in range(len(events))]
    ids: list[str] = []
    positions: list[str | None] = []
    stamps: list[float] = []
    started = clock()
    index = 0
    while index < len(events):
        wait = due[index] - (clock() - started)
        if wait > 0:
            sleep(min(wait, max(tick, 0.001)))
            continue
        end = index
        elapsed = clock() - started
        while end < len(events) and due[end] <= elapsed:
            end += 1
        group = events[index:end]
        got = publisher.publish([(e.msg_id, e.payload) for e in group])
        now = time.time()
        ids += [e.msg_id for e in group]
        positions += list(got) if got else [None] * len(group)
        stamps += [now] * len(group)
        index = end
    return Published(ids, positions, stamps, clock() - started)
