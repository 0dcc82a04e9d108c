"""The rate-limited queue that paces NoExecute tainting: one node per 10 s by default.

``pkg/controller/nodelifecycle/scheduler/rate_limited_queue.go``: the node
lifecycle controller keeps one queue per zone of nodes waiting for a
``not-ready``/``unreachable`` NoExecute taint. Every ``NodeEvictionPeriod``
(100 ms) it *tries* the queue: each item due needs a token from a token
bucket (``flowcontrol.NewTokenBucketRateLimiter(qps, burst=1)``, full when
made). With ``--node-eviction-rate`` 0.1 that is one node every 10 s, so a
zone that loses many nodes at once has them tainted, and their pods evicted,
slowly. A rate of 0 stops the queue (``NewFakeNeverRateLimiter``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from k8scourse.clock import VirtualClock

EVICTION_RATE_LIMITER_BURST = 1  # rate_limited_queue.go: EvictionRateLimiterBurst
RETRY_TICK = 1e-9  # Try requeues a failed item at now + wait + 1 (one nanosecond)


class TokenBucket:
    """``golang.org/x/time/rate.Limiter`` as ``TryAccept`` uses it: ``qps`` tokens a second, at most ``burst``."""

    def __init__(self, clock: VirtualClock, qps: float, burst: int = EVICTION_RATE_LIMITER_BURST) -> None:
        self.clock, self.qps, self.burst = clock, qps, burst
        self._tokens, self._last = float(burst), clock.now

    def try_accept(self) -> bool:
        """Take a token if there is one; a rate of 0 never gives one."""
        if self.qps <= 0:
            return False
        now = self.clock.now
        self._tokens = min(float(self.burst), self._tokens + (now - self._last) * self.qps)
        self._last = now
        if self._tokens >= 1 - 1e-9:
            self._tokens -= 1
            return True
        return False


@dataclass
class TimedValue:
    value: str  # a node name
    uid: str
    added_at: float
    process_at: float


class RateLimitedTimedQueue:
    """Node names in order of ``process_at``, each at most once until removed, tried under a token bucket."""

    def __init__(self, clock: VirtualClock, qps: float) -> None:
        self.clock = clock
        self.limiter = TokenBucket(clock, qps)
        self._queue: list[TimedValue] = []
        self._set: set[str] = set()  # names added and not yet removed, processed or not

    def __len__(self) -> int:
        return len(self._queue)

    def add(self, value: str, uid: str) -> bool:
        """Queue ``value`` to be processed now, unless it was added before and not removed."""
        if value in self._set:
            return False
        now = self.clock.now
        self._queue.append(TimedValue(value, uid, now, now))
        self._queue.sort(key=lambda v: v.process_at)
        self._set.add(value)
        return True

    def remove(self, value: str) -> bool:
        """Forget ``value``, so that it can be added again (the node became Ready)."""
        if value not in self._set:
            return False
        self._set.discard(value)
        self._queue = [v for v in self._queue if v.value != value]
        return True

    def try_(self, fn: Callable[[TimedValue], tuple[bool, float]]) -> None:
        """Process due items while the bucket gives tokens; ``fn`` returns (done, wait before a retry).

        A token is taken before looking at whether the head is due, as upstream does.
        """
        while self._queue:
            head = self._queue[0]
            if not self.limiter.try_accept():
                return
            now = self.clock.now
            if now < head.process_at:
                return
            done, wait = fn(head)
            if done:
                self._queue.pop(0)  # RemoveFromQueue: gone from the queue, still in the set
            else:
                head.process_at = now + wait + RETRY_TICK
                self._queue.sort(key=lambda v: v.process_at)

    def swap_limiter(self, qps: float) -> None:
        """SwapLimiter: a new bucket at ``qps``; if the old one was empty, the new one starts empty too."""
        if self.limiter.qps == qps:
            return
        new = TokenBucket(self.clock, qps)
        if qps > 0 and not self.limiter.try_accept():
            new.try_accept()
        self.limiter = new

    def active(self) -> bool:
        """Whether trying the queue can do anything: items waiting and a rate above 0."""
        return bool(self._queue) and self.limiter.qps > 0
