"""The scheduling queue: which pending pod to try next, and when to try again.

Pods wait in one of three places (``pkg/scheduler/backend/queue/scheduling_queue.go``):

* **activeQ**: ready to be tried; highest ``spec.priority`` first, then the
  one waiting longest (the PrioritySort plugin), then arrival order;
* **backoffQ**: tried and failed recently; each pod waits 1 s after its
  first attempt, doubling per attempt up to 10 s
  (``podInitialBackoffSeconds``, ``podMaxBackoffSeconds``);
* **unschedulablePods**: no node could take them. They wait for a cluster
  event that may change that (a node added or updated, a pod deleted) and
  registered by a plugin that turned them down; then they move to backoffQ,
  or straight to activeQ if their backoff is over. A pod still there after
  5 minutes (``podMaxInUnschedulablePodsDuration``) is retried anyway, at the
  next of the checks upstream runs every 30 s from start-up.

Upstream polls backoffQ every second; here each pod's backoff ends on a
clock timer at the exact moment, which is when the poll would see it at
the earliest.
"""

from __future__ import annotations

import heapq
import math
from typing import Callable, Iterable

from k8scourse.clock import VirtualClock

from .podinfo import PodInfo

# pkg/scheduler/apis/config/v1/defaults.go and backend/queue/scheduling_queue.go.
INITIAL_BACKOFF = 1.0
MAX_BACKOFF = 10.0
MAX_IN_UNSCHEDULABLE = 300.0
FLUSH_PERIOD = 30.0

ACTIVE, BACKOFF, UNSCHEDULABLE, IN_FLIGHT, GONE = "active", "backoff", "unschedulable", "in flight", "gone"


class QueuedPod:
    """A pending pod with its queue bookkeeping (upstream's QueuedPodInfo)."""

    __slots__ = ("info", "timestamp", "attempts", "plugins", "where", "seq")

    def __init__(self, info: PodInfo, timestamp: float) -> None:
        self.info = info
        self.timestamp = timestamp  # when it last entered the queue or was last tried
        self.attempts = 0
        self.plugins: frozenset[str] = frozenset()  # the filters that turned it down last time
        self.where = ACTIVE
        self.seq = 0  # bumped on every move; timers and heap entries of older moves are ignored

    def backoff(self) -> float:
        """1 s after the first attempt, doubling per attempt, at most 10 s (calculateBackoffDuration)."""
        if self.attempts == 0:
            return 0.0
        return min(INITIAL_BACKOFF * 2 ** (self.attempts - 1), MAX_BACKOFF)

    def __repr__(self) -> str:
        return f"<QueuedPod {self.info.key} {self.where} attempts={self.attempts}>"


class SchedulingQueue:
    """activeQ, backoffQ and unschedulablePods on a virtual clock.

    ``wake`` is called whenever a pod becomes ready to be tried.
    """

    def __init__(self, clock: VirtualClock, wake: Callable[[], None]) -> None:
        self.clock = clock
        self._wake = wake
        self._started = clock.now  # the 30 s leftover checks count from here
        self._pods: dict[str, QueuedPod] = {}
        # heap of (-priority, timestamp, push order, seq at push, pod): compared up to the
        # push order, which is unique, so never as far as the pod
        self._active: list[tuple[int, float, int, int, QueuedPod]] = []
        self._pushes = 0

    def __len__(self) -> int:
        return len(self._pods)

    def __contains__(self, key: str) -> bool:
        return key in self._pods

    def get(self, key: str) -> QueuedPod | None:
        return self._pods.get(key)

    def pods(self, where: str | None = None) -> list[QueuedPod]:
        """Queued pods, optionally only those in one place (ACTIVE, BACKOFF, UNSCHEDULABLE)."""
        return [qp for qp in self._pods.values() if where is None or qp.where == where]

    # --- pods come, change and go ------------------------------------------------------

    def add(self, info: PodInfo) -> None:
        """A new pending pod, or a newer version of a queued one."""
        queued = self._pods.get(info.key)
        if queued is None:
            queued = self._pods[info.key] = QueuedPod(info, self.clock.now)
            self._activate(queued)
            return
        old, queued.info = queued.info, info
        changed = info.pod.get("spec") != old.pod.get("spec") or info.labels != old.labels
        if changed and queued.where == UNSCHEDULABLE:  # its own update may make it schedulable
            self._requeue(queued)

    def delete(self, key: str) -> None:
        queued = self._pods.pop(key, None)
        if queued is not None:
            self._move(queued, GONE)  # its heap entry and timers no longer apply

    def pop(self) -> QueuedPod | None:
        """The next pod to try, now in flight; None if activeQ is empty.

        A pod in flight stays listed; ``unschedulable`` or ``error`` put it back,
        and a successful attempt ends with ``delete``.
        """
        if not self.has_active():
            return None
        queued = heapq.heappop(self._active)[-1]
        queued.where = IN_FLIGHT
        queued.attempts += 1
        return queued

    def has_active(self) -> bool:
        """Is a pod waiting in activeQ? (Drops heap entries left by moves and deletions.)"""
        heap = self._active
        while heap and (heap[0][4].seq != heap[0][3] or heap[0][4].where != ACTIVE):
            heapq.heappop(heap)
        return bool(heap)

    # --- after an attempt ------------------------------------------------------------------

    def unschedulable(self, queued: QueuedPod, plugins: Iterable[str]) -> None:
        """No node fits: wait for a cluster event (AddUnschedulableIfNotPresent)."""
        if queued.where != IN_FLIGHT:  # deleted meanwhile
            return
        queued.plugins = frozenset(plugins)
        queued.timestamp = self.clock.now
        self._move(queued, UNSCHEDULABLE)
        # The leftover check runs at start + k * 30 s; the first one that finds the
        # pod waiting more than 5 minutes sends it back (flushUnschedulablePodsLeftover).
        k = math.floor((queued.timestamp + MAX_IN_UNSCHEDULABLE - self._started) / FLUSH_PERIOD) + 1
        self.clock.schedule(self._started + k * FLUSH_PERIOD - self.clock.now, self._leftover, queued, queued.seq)

    def error(self, queued: QueuedPod) -> None:
        """The attempt failed for another reason (say, binding): back off and retry."""
        if queued.where != IN_FLIGHT:
            return
        queued.plugins = frozenset()
        queued.timestamp = self.clock.now
        self._requeue(queued)

    def move_all(self, plugins: frozenset[str]) -> None:
        """A cluster event that may help pods turned down by ``plugins`` (MoveAllToActiveOrBackoffQueue).

        Pods turned down by no plugin in particular (say, there were no nodes) move on any event.
        """
        for queued in list(self._pods.values()):
            if queued.where == UNSCHEDULABLE and (not queued.plugins or queued.plugins & plugins):
                self._requeue(queued)

    # --- moves -------------------------------------------------------------------------------

    def _move(self, queued: QueuedPod, where: str) -> None:
        queued.where = where
        queued.seq += 1

    def _activate(self, queued: QueuedPod) -> None:
        self._move(queued, ACTIVE)
        self._pushes += 1
        heapq.heappush(self._active, (-queued.info.priority, queued.timestamp, self._pushes, queued.seq, queued))
        self._wake()

    def _requeue(self, queued: QueuedPod) -> None:
        """To backoffQ, or straight to activeQ if the pod's backoff is already over."""
        remaining = queued.timestamp + queued.backoff() - self.clock.now
        if remaining <= 0:
            self._activate(queued)
            return
        self._move(queued, BACKOFF)
        self.clock.schedule(remaining, self._backoff_over, queued, queued.seq)

    def _backoff_over(self, queued: QueuedPod, seq: int) -> None:
        if queued.seq == seq and queued.where == BACKOFF:
            self._activate(queued)

    def _leftover(self, queued: QueuedPod, seq: int) -> None:
        if queued.seq == seq and queued.where == UNSCHEDULABLE:
            self._requeue(queued)
