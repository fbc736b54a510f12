"""fairedge_celery_queue_length from the heartbeats (real Redis, a scratch prefix) and the metrics port."""

from __future__ import annotations

import uuid

import httpx
import redis
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from fairedge.tasks import heartbeat, queues
from fairedge.tasks.broker import CeleryKeys
from redis_scratch import require_redis


def _gauge(queue: str) -> float | None:
    return REGISTRY.get_sample_value("fairedge_celery_queue_length", {"queue": queue})


def test_each_heartbeat_samples_the_named_queues() -> None:
    client = redis.Redis.from_url(require_redis())
    keys = CeleryKeys(f"fairedge-test-queues-{uuid.uuid4().hex[:8]}:")
    try:
        client.rpush(keys.queue("compute"), "a", "b")
        heartbeat.write_worker(client, keys, "w1@test", {"queues": ["maintenance"]}, 1.0)
        assert (_gauge("compute"), _gauge("ingest"), _gauge("maintenance")) == (2, 0, 0)
        client.rpush(keys.queue("ingest"), "c")
        client.delete(keys.queue("compute"))
        heartbeat.write_beat(client, keys, {"pid": 1}, 1.0)  # beat samples them too
        assert (_gauge("compute"), _gauge("ingest")) == (0, 1)
        assert client.exists(keys.beat_heartbeat) and client.exists(keys.worker_heartbeat("w1@test"))
    finally:
        stale = list(client.scan_iter(match=keys.queue("*")))
        if stale:
            client.delete(*stale)
        client.close()


def test_the_metrics_port_serves_the_gauge_and_is_off_unless_set() -> None:
    assert queues.serve_metrics(None) is None
    queues.record(["compute"], [7])
    port = queues.serve_metrics(0, host="127.0.0.1")
    assert port
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    values = {
        s.labels["queue"]: s.value
        for f in text_string_to_metric_families(text)
        for s in f.samples
        if s.name == "fairedge_celery_queue_length"
    }
    assert values["compute"] == 7
