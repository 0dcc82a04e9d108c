"""What every kube-controller-manager loop is built from: shared informers and a rate-limited work queue.

client-go's pattern (``k8s.io/client-go/tools/cache`` and ``util/workqueue``), which
each controller here follows so that one reads beside the other:

1. an **informer** lists and watches one resource through the apiserver and
   keeps a local copy of every object (its *lister*); the informers are
   shared, so ten controllers watching Pods cost one watch;
2. the controller's **event handlers** turn each change into a key
   (``namespace/name``) on its **work queue**; a key queued twice before a
   worker takes it is processed once;
3. a worker takes a key, reads the current state from the listers and
   reconciles it with the desired state (``sync``); it reads the world
   fresh each time rather than acting on the event, so a missed or repeated
   event does no harm;
4. a sync that fails (a conflict, a refused write) is retried later, after
   a per-key exponential back-off (5 ms doubling up to 1000 s) and under an
   overall limit of 10 retries a second with bursts of 100: client-go's
   ``DefaultControllerRateLimiter``. A sync that succeeds forgets its back-off.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping, Protocol

from k8scourse.api.errors import K8sValueError
from k8scourse.api.selectors import Selector
from k8scourse.clock import VirtualClock

Obj = Mapping[str, Any]
Handler = Callable[[str, Obj, "Obj | None"], None]

# client-go util/workqueue/default_rate_limiters.go DefaultControllerRateLimiter
BASE_DELAY = 0.005  # ItemExponentialFailureRateLimiter(5*time.Millisecond, ...)
MAX_DELAY = 1000.0  # ... 1000*time.Second)
BUCKET_QPS = 10.0  # BucketRateLimiter{Limiter: rate.NewLimiter(rate.Limit(10), 100)}
BUCKET_BURST = 100


class WatchAPI(Protocol):
    """The part of the apiserver an informer uses."""

    def list_and_watch(self, resource: str, handler: Callable[[str, Any], None], **options: Any) -> Any: ...


def key_of(obj: Obj) -> str:
    """``cache.MetaNamespaceKeyFunc``: ``namespace/name``, or ``name`` for cluster-scoped objects."""
    meta = obj["metadata"]
    namespace = meta.get("namespace")
    return f"{namespace}/{meta['name']}" if namespace else meta["name"]


def split_key(key: str) -> tuple[str | None, str]:
    """``cache.SplitMetaNamespaceKey``: the namespace (None when cluster-scoped) and the name."""
    namespace, _, name = key.rpartition("/")
    return namespace or None, name


class Informer:
    """One resource's list-and-watch with a local cache (the lister) and event handlers."""

    def __init__(self, api: WatchAPI, resource: str) -> None:
        self.api, self.resource = api, resource
        self._objects: dict[str, Obj] = {}
        self._handlers: list[Handler] = []
        self._watch: Any = None

    def add_handler(self, handler: Handler) -> None:
        """Call ``handler(event_type, obj, old)`` for every change; ``old`` is None on ADDED."""
        self._handlers.append(handler)

    def start(self) -> None:
        if self._watch is None:
            self._watch = self.api.list_and_watch(self.resource, self._on_event)

    def stop(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
            self._watch = None

    def close(self) -> None:
        """Stop for good: the process that held the informer is gone, with its handlers and its cache."""
        self.stop()
        self._handlers.clear()
        self._objects.clear()

    def _on_event(self, event_type: str, obj: Obj) -> None:
        key = key_of(obj)
        old = self._objects.pop(key, None) if event_type == "DELETED" else self._objects.get(key)
        if event_type != "DELETED":
            self._objects[key] = obj
        for handler in self._handlers:
            handler(event_type, obj, old)

    # --- the lister -----------------------------------------------------------------

    def get(self, key: str) -> Obj | None:
        """The cached object under ``namespace/name`` (shared: never change it)."""
        return self._objects.get(key)

    def list(self, namespace: str | None = None, selector: Selector | None = None) -> list[Obj]:
        """Cached objects, in one namespace or all, optionally matching a label selector."""
        found: Iterable[Obj] = self._objects.values()
        if namespace is not None:
            found = (o for o in found if o["metadata"].get("namespace") == namespace)
        if selector is not None:
            found = (o for o in found if selector.matches(o["metadata"].get("labels") or {}))
        return list(found)


class InformerFactory:
    """``SharedInformerFactory``: one informer per resource for all of a cluster's controllers."""

    def __init__(self, api: WatchAPI) -> None:
        self.api = api
        self._informers: dict[str, Informer] = {}

    def informer(self, resource: str) -> Informer:
        if resource not in self._informers:
            self._informers[resource] = Informer(self.api, resource)
        return self._informers[resource]

    def start(self) -> None:
        """Start every informer asked for so far (``factory.Start``); their first events come on the clock."""
        for informer in self._informers.values():
            informer.start()

    def close(self) -> None:
        """Close every informer (the controller-manager's process ended); a new process makes a new factory,
        whose informers list everything afresh."""
        for informer in self._informers.values():
            informer.close()


class RateLimiter:
    """``MaxOfRateLimiter(ItemExponentialFailureRateLimiter, BucketRateLimiter)`` on the virtual clock."""

    def __init__(self, clock: VirtualClock, base: float = BASE_DELAY, cap: float = MAX_DELAY,
                 qps: float = BUCKET_QPS, burst: int = BUCKET_BURST) -> None:
        self.clock, self.base, self.cap, self.qps, self.burst = clock, base, cap, qps, burst
        self._failures: dict[str, int] = {}
        self._tokens, self._last = float(burst), clock.now

    def when(self, key: str) -> float:
        """How long until ``key`` may be retried: the larger of its back-off and the bucket's wait."""
        failures = self._failures.get(key, 0)
        self._failures[key] = failures + 1
        # ItemExponentialFailureRateLimiter caps a back-off past int64 nanoseconds at maxDelay; an exponent of
        # 64 is past the cap already, and keeps 2**failures from overflowing a float.
        backoff = min(self.base * 2 ** min(failures, 64), self.cap)
        now = self.clock.now
        self._tokens = min(self.burst, self._tokens + (now - self._last) * self.qps)
        self._last = now
        self._tokens -= 1  # a reservation: negative tokens are a wait
        bucket_wait = -self._tokens / self.qps if self._tokens < 0 else 0.0
        return max(backoff, bucket_wait)

    def forget(self, key: str) -> None:
        self._failures.pop(key, None)

    def retries(self, key: str) -> int:
        return self._failures.get(key, 0)


class WorkQueue:
    """A de-duplicating FIFO of keys whose worker is ``sync(key)``; failed syncs are retried, rate-limited.

    A sync that fails with a ``K8sValueError`` (the apiserver refused a write, or the controller
    found the state not yet consistent, as upstream's syncs return errors) is retried after the
    rate limiter's delay (handleErr's AddRateLimited); any other exception is a bug and propagates.
    """

    def __init__(self, clock: VirtualClock, sync: Callable[[str], None],
                 rate_limiter: RateLimiter | None = None) -> None:
        self.clock, self.sync = clock, sync
        self.rate_limiter = rate_limiter or RateLimiter(clock)
        self._queue: dict[str, None] = {}  # insertion-ordered set
        self._draining = False

    def __len__(self) -> int:
        return len(self._queue)

    def add(self, key: str) -> None:
        """Queue ``key`` (once); a worker takes it at this instant, after the current event."""
        if not self._queue and not self._draining:
            self.clock.schedule(0, self._drain)
        self._queue[key] = None

    def add_after(self, key: str, delay: float) -> None:
        self.clock.schedule(delay, self.add, key)

    def add_rate_limited(self, key: str) -> None:
        self.add_after(key, self.rate_limiter.when(key))

    def forget(self, key: str) -> None:
        self.rate_limiter.forget(key)

    def _drain(self) -> None:
        self._draining = True
        try:
            while self._queue:
                key = next(iter(self._queue))
                del self._queue[key]
                try:
                    self.sync(key)
                except K8sValueError:
                    self.add_rate_limited(key)
                else:
                    self.forget(key)
        finally:
            self._draining = False
