"""Informers, the shared factory and the rate-limited work queue every controller is built on."""

from __future__ import annotations

import pytest

from k8scourse.api.errors import K8sValueError, StatusError
from k8scourse.api.selectors import parse_selector
from k8scourse.cluster import Cluster
from k8scourse.clock import VirtualClock
from k8scourse.master.controllers.base import InformerFactory, RateLimiter, WorkQueue, key_of, split_key


def test_keys() -> None:
    assert key_of({"metadata": {"name": "web", "namespace": "team"}}) == "team/web"
    assert key_of({"metadata": {"name": "node-1"}}) == "node-1"
    assert split_key("team/web") == ("team", "web") and split_key("node-1") == (None, "node-1")


def test_informer_caches_and_reports_changes() -> None:
    cluster = Cluster.quickstart(nodes=1, seed=0)
    factory = InformerFactory(cluster.api)
    pods = factory.informer("pods")
    assert factory.informer("pods") is pods, "one informer per resource"
    seen: list[tuple[str, str, bool]] = []
    pods.add_handler(lambda kind, obj, old: seen.append((kind, obj["metadata"]["name"], old is not None)))
    factory.start()
    cluster.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "labels": {"app": "web"}},
                   "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}})
    cluster.run(5)
    assert seen[0] == ("ADDED", "web", False) and ("MODIFIED", "web", True) in seen
    assert pods.get("default/web")["spec"]["nodeName"] == "node-1"
    assert [p["metadata"]["name"] for p in pods.list("default", parse_selector("app=web"))] == ["web"]
    assert pods.list("default", parse_selector("app=db")) == [] and pods.list("other") == []
    cluster.api.delete("pods", "web", grace_period_seconds=0)
    cluster.run(1)
    assert pods.get("default/web") is None and seen[-1][0] == "DELETED"


def test_rate_limiter_backs_off_per_key_and_forgets() -> None:
    limiter = RateLimiter(VirtualClock())
    assert [limiter.when("a") for _ in range(4)] == [0.005, 0.01, 0.02, 0.04]
    limiter.forget("a")
    assert limiter.when("a") == 0.005
    capped = RateLimiter(VirtualClock(), cap=1.0)
    assert max(capped.when("b") for _ in range(20)) == 1.0


def test_rate_limiter_bucket_holds_bursts_to_ten_a_second() -> None:
    limiter = RateLimiter(VirtualClock())
    delays = [limiter.when(f"key-{i}") for i in range(110)]
    assert delays[99] == 0.005 and delays[100] == pytest.approx(0.1) and delays[109] == pytest.approx(1.0)


def test_work_queue_dedupes_and_retries_refused_syncs() -> None:
    clock = VirtualClock()
    calls: list[tuple[float, str]] = []

    def sync(key: str) -> None:
        calls.append((clock.now, key))
        if key == "flaky" and len(calls) < 4:
            raise StatusError(409, "Conflict", "the object has been modified")

    queue = WorkQueue(clock, sync)
    queue.add("a")
    queue.add("a")
    queue.add("flaky")
    clock.run(1)
    assert [key for _, key in calls] == ["a", "flaky", "flaky", "flaky"]
    assert [round(t, 3) for t, key in calls if key == "flaky"] == [0, 0.005, 0.015]
    assert queue.rate_limiter.retries("flaky") == 0, "a successful sync forgets the back-off"


def test_work_queue_retries_a_sync_that_returns_an_error_of_its_own() -> None:
    """handleErr requeues any error a sync returns, not only the apiserver's (e.g. the Deployment
    controller's 'got invalid request to scale down' while a ReplicaSet's status lags its spec)."""
    clock = VirtualClock()
    calls: list[float] = []

    def sync(key: str) -> None:
        calls.append(clock.now)
        if len(calls) < 3:
            raise K8sValueError("when cleaning up unhealthy replicas, got invalid request to scale down")

    queue = WorkQueue(clock, sync)
    queue.add("default/web")
    clock.run(1)
    assert [round(t, 3) for t in calls] == [0, 0.005, 0.015]


def test_rate_limiter_back_off_stays_capped_after_any_number_of_failures() -> None:
    """ItemExponentialFailureRateLimiter: past int64 nanoseconds the back-off is maxDelay (was OverflowError)."""
    limiter = RateLimiter(VirtualClock(), qps=1e9, burst=10**9)
    delays = [limiter.when("k") for _ in range(1100)]
    assert delays[0] == 0.005 and delays[-1] == 1000.0


def test_work_queue_lets_bugs_propagate() -> None:
    clock = VirtualClock()
    queue = WorkQueue(clock, lambda key: 1 / 0)
    queue.add("x")
    with pytest.raises(ZeroDivisionError):
        clock.run(1)
