"""Kafka as an alarm source (confluent-kafka), and a publisher into a topic.

For operators who already run Kafka: the events of one topic, read by a consumer group with
automatic offset commits off; the offsets of a batch are committed (synchronously) only after
the batch is committed to the warehouse, so a consumer that dies resumes at the last committed
offset and the events it sees again are dropped as stored. A position is
``<topic>:<partition>:<offset>``.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Mapping, Sequence

from cxbridge.platform.alarm_stream import Batch, Outcome, RawEvent, SourceUnavailableError
from cxbridge.platform.errors import UserError

LOG = logging.getLogger(__name__)  # librdkafka's own log goes here, not to the terminal

DEFAULT_TOPIC = "cxbridge.alarms"
DEFAULT_GROUP = "cxbridge-live"


class KafkaError(UserError, RuntimeError):
    """The Kafka cluster cannot be used as configured; the message says what to do."""


def _client():
    """The Kafka client library, an optional dependency."""
    try:
        import confluent_kafka
    except ImportError:
        raise KafkaError("reading alarms from Kafka needs its client: "
                         "pip install -e '.[kafka]' (confluent-kafka)") from None
    return confluent_kafka


def reachable(bootstrap: str, timeout: float = 3.0) -> str | None:
    """None when a Kafka broker answers at ``bootstrap``, else why not (for a test's skip)."""
    from confluent_kafka.admin import AdminClient

    host, _, port = bootstrap.split(",")[0].strip().rpartition(":")
    try:  # nothing listening: said at once (the client would wait out its timeout)
        socket.create_connection((host or "127.0.0.1", int(port or 9092)), timeout).close()
    except (OSError, ValueError) as exc:
        return f"no Kafka broker reachable at {bootstrap} ({exc})"
    try:
        AdminClient({"bootstrap.servers": bootstrap, "socket.timeout.ms": int(timeout * 1000),
                     "logger": LOG}).list_topics(timeout=timeout)
    except Exception as exc:  # noqa: BLE001 - any failure means: not reachable
        return f"no Kafka broker reachable at {bootstrap} ({exc})"
    return None


class KafkaSource:
    """The events of ``topic`` through consumer group ``group``."""

    name = "kafka"

    def __init__(self, bootstrap: str, topic: str = DEFAULT_TOPIC,
                 group: str = DEFAULT_GROUP) -> None:
        Consumer = _client().Consumer  # noqa: N806 - the client's class

        self.bootstrap, self.topic, self.group = bootstrap, topic, group
        problem = reachable(bootstrap)
        if problem:
            raise KafkaError(f"{problem}: check --url (the bootstrap servers, host:9092)")
        self._consumer = Consumer({
            "bootstrap.servers": bootstrap, "group.id": group,
            "enable.auto.commit": False, "auto.offset.reset": "earliest",
            "enable.partition.eof": False, "logger": LOG})
        self._consumer.subscribe([topic])

    def describe(self) -> str:
        return f"Kafka {self.bootstrap} topic {self.topic}, group {self.group}"

    def next_batch(self, max_events: int, timeout: float) -> Batch | None:
        from confluent_kafka import KafkaError as Error

        messages = self._consumer.consume(num_messages=max_events, timeout=timeout)
        events, kept = [], []
        for message in messages:
            error = message.error()
            if error is not None:
                if error.code() == Error._PARTITION_EOF:
                    continue
                if error.retriable() or error.code() == Error._TRANSPORT:
                    raise SourceUnavailableError(f"{self.describe()}: {error}")
                raise KafkaError(f"{self.describe()}: {error}")
            events.append(RawEvent(f"{message.topic()}:{message.partition()}:"
                                   f"{message.offset()}", message.value() or b""))
            kept.append(message)
        return Batch(events, handle=kept) if events else None

    def ack(self, batch: Batch, outcomes: Mapping[str, Outcome]) -> None:
        from confluent_kafka import TopicPartition

        last: dict[tuple[str, int], int] = {}
        for message in batch.handle:
            key = (message.topic(), message.partition())
            last[key] = max(last.get(key, -1), message.offset())
        self._consumer.commit(offsets=[TopicPartition(t, p, o + 1)
                                       for (t, p), o in last.items()], asynchronous=False)

    def close(self) -> None:
        self._consumer.close()


class KafkaPublisher:
    """Publishes events into ``topic``, keyed by their message id (the replay's)."""

    def __init__(self, bootstrap: str, topic: str = DEFAULT_TOPIC) -> None:
        Producer = _client().Producer  # noqa: N806 - the client's class

        problem = reachable(bootstrap)
        if problem:
            raise KafkaError(problem)
        self.topic = topic
        self._producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True,
                                   "logger": LOG})

    def publish(self, messages: Sequence[tuple[str | None, bytes]]) -> None:
        for key, payload in messages:
            self._producer.produce(self.topic, value=payload,
                                   key=key.encode() if key else None)
        self._producer.flush(60)

    def close(self) -> None:
        self._producer.flush(60)
