"""CrashLoopBackOff and ImagePullBackOff: how long the kubelet waits before trying again.

The kubelet keeps one back-off entry per container (``flowcontrol.Backoff``
in ``client-go/util/flowcontrol/backoff.go``, created in ``pkg/kubelet/kubelet.go``
with ``backOffPeriod = 10s`` and ``MaxContainerBackOff = 300s``):

* the first exit is restarted at once, and the entry starts at 10 s;
* an exit within the current back-off (counted from when the container
  finished) waits it out; each restart after a wait doubles it: 10 s, 20 s,
  40 s, ... up to 5 minutes;
* an entry untouched for twice the maximum (10 minutes: the container ran
  that long) starts over at 10 s.

The kubelet creates these back-offs without jitter, so the numbers are exact;
but it only looks again when the pod worker syncs, and a sync that failed
("back-off restarting failed container", "Back-off pulling image") is retried
10 to 15 s later (:mod:`.pod_worker`): so a container restarts at the first
retry after its back-off, not on the dot.

Image pulls have their own entries (one per pod and image, ``pod.UID_image`` in
``pkg/kubelet/images/image_manager.go``), started and doubled by failed pulls and
counted from the last failure (``IsInBackOffSinceUpdate``).
"""

from __future__ import annotations

INITIAL_SECONDS = 10.0  # pkg/kubelet/kubelet.go: backOffPeriod
MAX_SECONDS = 300.0  # pkg/kubelet/apis/config/v1beta1/defaults.go: MaxContainerBackOff


class Backoff:
    """Per-key exponential back-off, as client-go's flowcontrol.Backoff."""

    __slots__ = ("initial", "maximum", "_entries")

    def __init__(self, initial: float = INITIAL_SECONDS, maximum: float = MAX_SECONDS) -> None:
        self.initial, self.maximum = initial, maximum
        self._entries: dict[str, list[float]] = {}  # key -> [back-off, last update]

    def get(self, key: str) -> float:
        """The current back-off of ``key`` (0 if it has none)."""
        entry = self._entries.get(key)
        return entry[0] if entry else 0.0

    def _expired(self, event_time: float, last_update: float) -> bool:
        return event_time - last_update > 2 * self.maximum

    def in_backoff_since(self, key: str, event_time: float, now: float) -> bool:
        """IsInBackOffSince: is ``now`` still within the back-off counted from ``event_time``?"""
        entry = self._entries.get(key)
        if entry is None or self._expired(event_time, entry[1]):
            return False
        return now - event_time < entry[0]

    def in_backoff_since_update(self, key: str, now: float) -> bool:
        """IsInBackOffSinceUpdate: is ``now`` still within the back-off counted from its last update?"""
        entry = self._entries.get(key)
        if entry is None or self._expired(now, entry[1]):
            return False
        return now - entry[1] < entry[0]

    def next(self, key: str, event_time: float, now: float) -> None:
        """Next: start the entry at ``initial``, or double it up to ``maximum``."""
        entry = self._entries.get(key)
        if entry is None or self._expired(event_time, entry[1]):
            self._entries[key] = [self.initial, now]
        else:
            entry[0], entry[1] = min(entry[0] * 2, self.maximum), now

    def forget(self, key: str) -> None:
        self._entries.pop(key, None)
