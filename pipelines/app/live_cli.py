"""``cxbridge live``: consume alarm events from a broker (or a drop folder, or TMF642
notifications over HTTP), store each once, keep the incident queue current.

``cxbridge live`` with no URL starts the bundled NATS server (``--embedded``: 127.0.0.1, a free
port, its store under ``<home>/live/nats``; the URL is printed and written to
``<home>/live/nats/url`` for ``cxbridge live replay``) and consumes its stream. ``--source
nats|kafka|file|tmf642`` and ``--url`` point it at an operator's own broker; every option
falls back to ``[live]`` in the config file. ``cxbridge live replay --raw DIR --speed 60``
publishes a generated world's alarm feed into the broker.

Imports only typer at module level; the consumer and the broker clients load when the command
runs, so ``cxbridge --help`` stays fast.
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from pathlib import Path
from typing import Annotated

import typer

from cxbridge.platform.errors import UserError

live_app = typer.Typer(help="Live mode: alarm events from NATS JetStream, Kafka, a drop folder "
                            "or TMF642 notifications, stored once, the incident queue kept "
                            "current.", add_completion=False)

SOURCES = ("nats", "kafka", "file", "tmf642")


class LiveOptionError(UserError, ValueError):
    """A live option that cannot be used; the message says which and what is expected."""


def _option(value, settings, key: str, default=None):
    """The command line's value, else the config file's ``[live] key``, else ``default``."""
    return value if value is not None else settings.live.get(key, default)


def _nats_dir(settings) -> Path:
    return settings.home / "live" / "nats"


@live_app.callback(invoke_without_command=True)
def live(
    ctx: typer.Context,
    source: Annotated[str | None, typer.Option(
        help="Where events come from: nats, kafka, file (a drop folder) or tmf642 (an HTTP "
             "listener).", show_default="[live] source, else nats")] = None,
    url: Annotated[str | None, typer.Option(
        help="The broker: nats://host:4222, Kafka bootstrap servers host:9092, or the drop "
             "folder for file.",
        show_default="[live] url; for nats none: the bundled server (--embedded); for file "
                     "<home>/live/drop")] = None,
    subject: Annotated[str | None, typer.Option(
        help="NATS subject of the alarm stream.",
        show_default="[live] subject, else cxbridge.alarms")] = None,
    stream: Annotated[str | None, typer.Option(
        help="NATS JetStream stream (created on the subject if missing).",
        show_default="[live] stream, else CXBRIDGE_ALARMS")] = None,
    durable: Annotated[str | None, typer.Option(
        help="NATS durable consumer name.",
        show_default="[live] durable, else cxbridge-live")] = None,
    topic: Annotated[str | None, typer.Option(
        help="Kafka topic.", show_default="[live] topic, else cxbridge.alarms")] = None,
    group: Annotated[str | None, typer.Option(
        help="Kafka consumer group.", show_default="[live] group, else cxbridge-live")] = None,
    listen: Annotated[str | None, typer.Option(
        help="host:port the TMF642 listener serves on.",
        show_default="[live] listen, else 127.0.0.1:8642")] = None,
    batch: Annotated[int | None, typer.Option(
        min=1, help="Events per batch at most.", show_default="[live] batch, else 5000")] = None,
    embedded: Annotated[bool | None, typer.Option(
        "--embedded/--no-embedded",
        help="Start the bundled nats-server (127.0.0.1, a free port, store under "
             "<home>/live/nats).", show_default="on when nats has no URL")] = None,
    webhook: Annotated[str | None, typer.Option(
        help="POST a JSON notification here for each new incident scoring at least "
             "--notify-min-score, linked to its dashboard page.",
        show_default="[live] webhook, else none")] = None,
    notify_min_score: Annotated[float | None, typer.Option(
        help="The priority score from which a new incident is notified.",
        show_default="[live] notify_min_score, else 0")] = None,
    dashboard_url: Annotated[str | None, typer.Option(
        help="The dashboard's address, for the notifications' links.",
        show_default="[live] dashboard_url, else http://127.0.0.1:8050")] = None,
    until_idle: Annotated[float | None, typer.Option(
        min=0.1, help="Stop once no event came for this many seconds (for scripts).",
        show_default="run until interrupted")] = None,
) -> None:
    """Consume alarm events, store each once (duplicates by event id dropped), acknowledge
    after commit, and refresh the incident queue after each batch. Waits, saying so, while
    `cxbridge run` writes the warehouse."""
    if ctx.invoked_subcommand is not None:
        return
    from cxbridge.jobs.live import LiveOptions, check_built, consume
    from cxbridge.jobs.live_notify import DEFAULT_DASHBOARD_URL
    from cxbridge.platform.settings import load_settings

    settings = load_settings()
    check_built(settings)
    kind = str(_option(source, settings, "source", "nats")).lower()
    if kind not in SOURCES:
        raise LiveOptionError(f"--source is {kind!r}: expected one of {', '.join(SOURCES)}")
    size = int(_option(batch, settings, "batch", 5000))
    hook = _option(webhook, settings, "webhook")
    options = LiveOptions(
        batch_size=size, notifier=_notifier(settings, hook),
        notify_min_score=float(_option(notify_min_score, settings, "notify_min_score", 0)),
        dashboard_url=str(_option(dashboard_url, settings, "dashboard_url",
                                  DEFAULT_DASHBOARD_URL)))
    alarm_source, server = _open_source(kind, settings, url, subject, stream, durable,
                                        topic, group, listen, embedded)
    stopping = threading.Event()
    last_event = [time.monotonic()]

    def stop() -> bool:
        if until_idle is not None and time.monotonic() - last_event[0] > until_idle:
            return True
        return stopping.is_set()

    def on_batch(result) -> None:
        last_event[0] = time.monotonic()
        print(f"{result.batch_id}: {result.received} events, {result.loaded} loaded, "
              f"{result.quarantined} quarantined, {result.duplicates} duplicates; queue "
              f"{result.incidents_total} incidents (stored in {result.stored:.2f} s, "
              f"refreshed in {result.refreshed:.2f} s"
              + (f", overlay {result.overlay_seq} published for the dashboard in "
                 f"{result.published:.2f} s" if result.overlay_seq is not None else "")
              + ")", flush=True)

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopping.set())
    print(f"cxbridge live: consuming {alarm_source.describe()}; Ctrl-C stops after the "
          "batch in hand", flush=True)
    try:
        committed = consume(settings, alarm_source, options, stop=stop, on_batch=on_batch,
                            say=lambda m: print(m, file=sys.stderr, flush=True))
    finally:
        alarm_source.close()
        if options.notifier is not None:
            options.notifier.close()
        if server is not None:
            server.stop()
    print(f"cxbridge live: stopped after {committed} batch(es)")


def _notifier(settings, hook):
    """The channels new incidents go to: the webhook, e-mail through ``[live] smtp_host``
    (its server tried once now, so a bad SMTP setting stops the start with its reason), both,
    or none."""
    from cxbridge.jobs.live_notify import (
        EmailNotifier,
        Notifiers,
        SmtpConfig,
        WebhookNotifier,
        check_smtp,
    )

    smtp = SmtpConfig.from_settings(settings.live)
    if smtp is not None:
        check_smtp(smtp)
        print(f"cxbridge live: new incidents are mailed to {', '.join(smtp.to)} through "
              f"{smtp.describe()}", flush=True)
    channels = ([WebhookNotifier(str(hook))] if hook else []) + (
        [EmailNotifier(smtp)] if smtp is not None else [])
    return None if not channels else channels[0] if len(channels) == 1 else Notifiers(channels)


def _open_source(kind, settings, url, subject, stream, durable, topic, group, listen,
                 embedded):
    """The alarm source ``kind`` as the options and ``[live]`` give it, and the bundled NATS
    server when one was started for it."""
    url = _option(url, settings, "url")
    if kind == "nats":
        from cxbridge.platform import alarm_stream_nats as nats

        server = None
        if embedded or (embedded is None and not url):
            if url and embedded:
                raise LiveOptionError("--embedded starts its own server: give no --url")
            server = nats.EmbeddedNats(_nats_dir(settings))
            url = server.start()
            (_nats_dir(settings) / "url").write_text(url + "\n", encoding="utf-8")
            print(f"cxbridge live: bundled NATS server at {url} (store "
                  f"{_nats_dir(settings)})", flush=True)
        elif not url:
            raise LiveOptionError("--no-embedded needs --url nats://host:4222 (or [live] url)")
        try:
            return nats.NatsSource(
                url, _option(subject, settings, "subject", nats.DEFAULT_SUBJECT),
                _option(stream, settings, "stream", nats.DEFAULT_STREAM),
                _option(durable, settings, "durable", nats.DEFAULT_DURABLE)), server
        except BaseException:
            if server is not None:
                server.stop()
            raise
    if kind == "kafka":
        from cxbridge.platform import alarm_stream_kafka as kafka

        if not url:
            raise LiveOptionError("--source kafka needs --url host:9092 (the bootstrap "
                                  "servers; or [live] url)")
        return kafka.KafkaSource(url, _option(topic, settings, "topic", kafka.DEFAULT_TOPIC),
                                 _option(group, settings, "group", kafka.DEFAULT_GROUP)), None
    if kind == "file":
        from cxbridge.platform.alarm_stream import FileDropSource

        folder = Path(url) if url else settings.home / "live" / "drop"
        if not url:
            folder.mkdir(parents=True, exist_ok=True)
        return FileDropSource(folder), None
    from cxbridge.platform.alarm_stream_tmf642 import Tmf642Listener

    host, _, port = str(_option(listen, settings, "listen", "127.0.0.1:8642")).rpartition(":")
    if not port.isdigit():
        raise LiveOptionError(f"--listen is {listen!r}: expected host:port")
    try:
        listener = Tmf642Listener(host or "127.0.0.1", int(port))
    except OSError as exc:
        raise LiveOptionError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    print(f"cxbridge live: TMF642 listener at {listener.address}/listener (register it as "
          "the callback of a subscription on your fault manager's /hub)", flush=True)
    return listener, None


@live_app.command()
def replay(
    raw: Annotated[Path, typer.Option(
        help="The generated world's raw folder (its alarms/ feed is replayed).")],
    speed: Annotated[float, typer.Option(
        min=0.001, help="How much faster than world time (60: a world hour in a minute).")
    ] = 60.0,
    source: Annotated[str | None, typer.Option(
        help="nats or kafka.", show_default="[live] source, else nats")] = None,
    url: Annotated[str | None, typer.Option(
        help="The broker.", show_default="[live] url, else the bundled server's "
                                         "(<home>/live/nats/url)")] = None,
    subject: Annotated[str | None, typer.Option(
        help="NATS subject.", show_default="[live] subject, else cxbridge.alarms")] = None,
    stream: Annotated[str | None, typer.Option(
        help="NATS stream.", show_default="[live] stream, else CXBRIDGE_ALARMS")] = None,
    topic: Annotated[str | None, typer.Option(
        help="Kafka topic.", show_default="[live] topic, else cxbridge.alarms")] = None,
) -> None:
    """Publish a generated world's alarm feed into the broker as world time passes, `speed`
    times faster (storms included; malformed and repeated lines as the feed holds them)."""
    from cxbridge.lab.alarm_replay import replay as run_replay
    from cxbridge.lab.alarm_replay import world_events
    from cxbridge.platform.settings import load_settings

    settings = load_settings()
    kind = str(_option(source, settings, "source", "nats")).lower()
    url = _option(url, settings, "url")
    events = world_events(raw)
    if kind == "nats":
        from cxbridge.platform import alarm_stream_nats as nats

        if not url:
            pointer = _nats_dir(settings) / "url"
            if not pointer.is_file():
                raise LiveOptionError("no broker: give --url, or start `cxbridge live` (its "
                                      f"bundled server writes its URL to {pointer})")
            url = pointer.read_text(encoding="utf-8").strip()
        publisher = nats.NatsPublisher(
            url, _option(subject, settings, "subject", nats.DEFAULT_SUBJECT),
            _option(stream, settings, "stream", nats.DEFAULT_STREAM))
    elif kind == "kafka":
        from cxbridge.platform import alarm_stream_kafka as kafka

        if not url:
            raise LiveOptionError("--source kafka needs --url host:9092")
        publisher = kafka.KafkaPublisher(url, _option(topic, settings, "topic",
                                                      kafka.DEFAULT_TOPIC))
    else:
        raise LiveOptionError(f"replay publishes into nats or kafka, not {kind!r}")
    span = events[-1].at / speed
    print(f"replaying {len(events)} events from {raw} into {url} at {speed:g}x "
          f"(about {span:.0f} s)", flush=True)
    try:
        done = run_replay(publisher, events, speed=speed)
    finally:
        publisher.close()
    print(f"published {len(done.msg_ids)} events in {done.seconds:.1f} s")
