"""A control-plane daemon's process: what it holds ends with it.

kube-scheduler and kube-controller-manager are processes. When one stops (``systemctl
stop``, or it loses its leader election lock and exits) its watches close, its timers and
work queues are gone, and nothing it started runs on; when systemd starts it again it is a
new process that lists everything afresh. ``Process`` gives a component a clock and an
apiserver client that remember every timer and watch made through them, so that ``kill``
ends them all at once, however the component holds them.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable

from k8scourse.clock import Timer, VirtualClock

PRUNE_AT = 1024  # how many timers a process remembers before it forgets those already fired


class ProcessClock:
    """The cluster's clock as one process sees it: its timers end when the process does."""

    def __init__(self, clock: VirtualClock) -> None:
        self._clock = clock
        self._timers: list[Timer] = []
        self._prune_at = PRUNE_AT
        self.alive = True

    @property
    def now(self) -> float:
        return self._clock.now

    def schedule(self, delay: float, callback: Callable[..., Any], *args: Any) -> Timer:
        return self._keep(self._clock.schedule(delay, callback, *args))

    def call_every(self, period: float, callback: Callable[..., Any], *args: Any,
                   first_delay: float | None = None) -> Timer:
        return self._keep(self._clock.call_every(period, callback, *args, first_delay=first_delay))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._clock, name)

    def _keep(self, timer: Timer) -> Timer:
        if not self.alive:  # a dead process runs nothing (a callback of its last instant may still ask)
            timer.cancel()
            return timer
        self._timers.append(timer)
        if len(self._timers) > self._prune_at:
            self._timers = [t for t in self._timers if t.active]
            self._prune_at = max(PRUNE_AT, 2 * len(self._timers))
        return timer

    def kill(self) -> None:
        self.alive = False
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()


class ProcessAPI:
    """The process's connection to the apiserver: every call goes through; its watches close with it."""

    def __init__(self, api: Any) -> None:
        self._api = api
        self._watches: list[Any] = []
        self.alive = True

    def list_and_watch(self, resource: str, handler: Callable[..., None], **options: Any) -> Any:
        watch = self._api.list_and_watch(resource, handler, **options)
        self._watches.append(watch)
        if not self.alive:
            watch.cancel()
        return watch

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._api, name)
        if inspect.ismethod(value):  # a method is looked up once; data (dicts the apiserver keeps) each time
            setattr(self, name, value)
        return value

    def kill(self) -> None:
        self.alive = False
        for watch in self._watches:
            watch.cancel()
        self._watches.clear()


class Process:
    """One run of a daemon: ``clock`` and ``api`` to build its components with, ``kill`` to end it."""

    def __init__(self, api: Any, clock: VirtualClock) -> None:
        self.api, self.clock = ProcessAPI(api), ProcessClock(clock)

    @property
    def alive(self) -> bool:
        return self.clock.alive

    def kill(self) -> None:
        self.api.kill()
        self.clock.kill()
