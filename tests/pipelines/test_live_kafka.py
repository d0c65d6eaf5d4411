"""cxbridge live on Kafka: a real broker when one is reachable (CXBRIDGE_TEST_KAFKA, default
127.0.0.1:9092); none runs here, so these tests skip saying so. The same consumer path as
NATS (tests/pipelines/test_live_stream.py) stores what Kafka hands out."""

from __future__ import annotations

import json
import os
import uuid

import pytest

from cxbridge.platform.alarm_stream_kafka import KafkaPublisher, KafkaSource, reachable

BOOTSTRAP = os.environ.get("CXBRIDGE_TEST_KAFKA", "127.0.0.1:9092")


@pytest.fixture(scope="module")
def kafka() -> str:
    problem = reachable(BOOTSTRAP, timeout=2.0)
    if problem:
        pytest.skip(f"{problem}; set CXBRIDGE_TEST_KAFKA=host:port to run the Kafka tests")
    return BOOTSTRAP


def test_offsets_are_committed_only_when_acknowledged(kafka):
    topic = f"cxbridge-test-{uuid.uuid4().hex[:8]}"
    publisher = KafkaPublisher(kafka, topic)
    publisher.publish([(f"k{i}", json.dumps({"eventId": f"E{i}"}).encode())
                       for i in range(5)])
    publisher.close()
    group = f"g-{uuid.uuid4().hex[:8]}"
    source = KafkaSource(kafka, topic, group)
    batch = None
    for _ in range(20):  # the group's first assignment takes a few polls
        batch = source.next_batch(10, 1.0)
        if batch:
            break
    assert batch is not None and len(batch.events) == 5
    source.close()  # not acknowledged: a new consumer of the group gets them again
    source = KafkaSource(kafka, topic, group)
    again = None
    for _ in range(20):
        again = source.next_batch(10, 1.0)
        if again:
            break
    assert again is not None and [e.payload for e in again.events] == [
        e.payload for e in batch.events]
    source.ack(again, {})
    source.close()
    source = KafkaSource(kafka, topic, group)
    assert source.next_batch(10, 2.0) is None
    source.close()
