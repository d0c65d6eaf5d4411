"""Alarm streams: one interface for every way alarm events reach cxbridge live.

An :class:`AlarmSource` hands out batches of raw events (the bytes as they came, each with its
*position* in the source: a stream sequence, a partition offset, a file line, an HTTP request)
and is told, once a batch is committed to the warehouse, to acknowledge it
(:meth:`AlarmSource.ack`). Nothing is acknowledged before it is committed, so a consumer that
dies loses nothing: the source hands the batch out again, and the warehouse's own record of the
events it stored (``live.events``, keyed by event id) drops what was stored already.

Implementations: the file drop (:class:`FileDropSource`, here), NATS JetStream
(:mod:`.alarm_stream_nats`), Kafka (:mod:`.alarm_stream_kafka`) and the TMF642 listener over
HTTP (:mod:`.alarm_stream_tmf642`). Each event is checked by the alarm files' own contract
(:mod:`cxbridge.jobs.live` does that, for every source alike).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from cxbridge.platform.errors import PathNotFoundError


@dataclass(frozen=True)
class RawEvent:
    """One event as it came: its bytes and its position in the source (unique there, and the
    same when the source hands it out again)."""

    position: str
    payload: bytes


@dataclass
class Batch:
    """Events handed out together; ``handle`` is what the source needs to acknowledge them."""

    events: list[RawEvent]
    handle: object = None


@dataclass(frozen=True)
class Outcome:
    """What became of one event: ``loaded``, ``quarantined`` (with the reason), ``waiting``
    (quarantined until its resource arrives) or ``duplicate`` (stored before: dropped)."""

    status: str
    reason: str = ""


class AlarmSource(Protocol):
    """A source of alarm events that can acknowledge what was committed."""

    name: str  # file, nats, kafka, tmf642

    def describe(self) -> str:
        """Where the events come from, for messages and the batches' registrations."""
        ...

    def next_batch(self, max_events: int, timeout: float) -> Batch | None:
        """Up to ``max_events`` events; ``None`` when none came within ``timeout`` seconds."""
        ...

    def ack(self, batch: Batch, outcomes: Mapping[str, Outcome]) -> None:
        """The batch is committed (``outcomes``: each event's, by position): never hand it out
        again."""
        ...

    def close(self) -> None:
        ...


class SourceUnavailableError(ConnectionError):
    """A broker that cannot be reached (yet); the consumer tries again."""


# the file drop's bookkeeping, inside the drop folder
_POSITIONS = ".positions.json"
_DONE = "_done"


@dataclass
class FileDropSource:
    """The file drop: TMF642 JSON lines files put into ``folder`` (written elsewhere and
    renamed into it, as any drop folder expects), one event a line. A file's lines are handed
    out in order; how far each file is committed is kept in ``folder/.positions.json``
    (replaced atomically after each commit), and a file done to its end is moved to
    ``folder/_done/``. A position is ``<file name>:<line>``."""

    folder: Path
    name: str = "file"
    _positions: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.folder.is_dir():
            raise PathNotFoundError(f"alarm drop folder {self.folder} does not exist: create "
                                    "it, or give the folder with --url")
        state = self.folder / _POSITIONS
        if state.is_file():
            self._positions = {k: int(v) for k, v in json.loads(state.read_text()).items()}

    def describe(self) -> str:
        return f"file drop {self.folder}"

    def _files(self) -> list[Path]:
        return sorted(p for p in self.folder.iterdir() if p.is_file()
                      and not p.name.startswith(".") and p.suffix in (".jsonl", ".json"))

    def next_batch(self, max_events: int, timeout: float) -> Batch | None:
        events: list[RawEvent] = []
        for path in self._files():
            done = self._positions.get(path.name, 0)
            with path.open("rb") as handle:
                for number, line in enumerate(handle, start=1):
                    if number <= done or not line.strip():
                        continue
                    events.append(RawEvent(f"{path.name}:{number}", line.rstrip(b"\r\n")))
                    if len(events) >= max_events:
                        return Batch(events)
        return Batch(events) if events else None

    def ack(self, batch: Batch, outcomes: Mapping[str, Outcome]) -> None:
        for event in batch.events:
            name, _, line = event.position.rpartition(":")
            self._positions[name] = max(self._positions.get(name, 0), int(line))
        self._save()
        for path in self._files():  # a file read to its end is done
            total = sum(1 for _ in path.open("rb"))
            if self._positions.get(path.name, 0) >= total:
                (self.folder / _DONE).mkdir(exist_ok=True)
                os.replace(path, self.folder / _DONE / path.name)
                self._positions.pop(path.name, None)
                self._save()

    def _save(self) -> None:
        state = self.folder / _POSITIONS
        temporary = state.with_suffix(".tmp")
        temporary.write_text(json.dumps(self._positions), encoding="utf-8")
        os.replace(temporary, state)

    def close(self) -> None:
        pass
