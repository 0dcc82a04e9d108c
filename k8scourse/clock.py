"""The virtual clock every component of a simulated cluster runs on.

Nothing in k8scourse reads wall-clock time. A component that wants to act
later asks the clock to call it back (``schedule``) or to call it again and
again (``call_every``, the model of a Go ``time.Ticker`` or ``wait.Until``
loop). Time moves only when someone runs the clock, and it jumps straight
from one event to the next, so an hour of cluster life takes as long as its
events take to compute, and the same inputs always give the same story.

Events fire in order of (time, scheduling order): two events due at the same
instant fire in the order they were scheduled. Times are kept as whole
numbers of nanoseconds (Go's ``time.Duration`` unit), so ten steps of 0.1 s
land exactly on 1.0 s, which sums of float seconds would not guarantee. They
are held in floats, which count whole numbers exactly up to 2**53 ns (104
days of virtual time) and compare faster than big Python ints.

The clock also says what date its second 0 is (its ``epoch``, 2025-01-01 by
default), so components stamp objects with ``clock.rfc3339(clock.now)``.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from heapq import heappop, heappush
from datetime import datetime
from typing import Any

from k8scourse import timefmt
from k8scourse.api.errors import FieldValidationError, invalid

NANOSECOND = 1_000_000_000  # nanoseconds per second


def _nanoseconds(field: str, seconds: float) -> float:
    """Convert a duration in seconds to nanoseconds, refusing what is not one.

    On the hot path of every ``schedule``: one comparison, one multiply.
    """
    try:
        if seconds >= 0 and seconds.__class__ is not bool:
            return float(round(seconds * 1e9))  # a whole number; OverflowError for inf
    except (TypeError, OverflowError):
        pass
    raise FieldValidationError([invalid(field, seconds, "must be a finite number of seconds >= 0")])


class Timer(list):
    """A pending callback, returned by ``schedule`` and ``call_every``.

    The clock keeps it as is: ``[when_ns, callback, args, period_ns]``. A
    list is the cheapest object Python makes, and the clock makes one per
    event.
    """

    __slots__ = ()

    @property
    def when(self) -> float:
        """Virtual time (seconds) at which the callback fires next."""
        return self[0] / NANOSECOND

    @property
    def active(self) -> bool:
        """False once cancelled (or, for a one-shot timer, once fired)."""
        return self[1] is not None

    def cancel(self) -> None:
        """Stop the timer; a repeating timer may cancel itself from its callback."""
        self[1] = None

    def __repr__(self) -> str:
        state = "active" if self.active else "inactive"
        every = f", every {self[3] / NANOSECOND:g}s" if self[3] else ""
        return f"<Timer at {self.when:g}s{every}, {state}>"


class RunawayError(RuntimeError):
    """Events kept firing without time moving on: a loop with no delay in it."""


class VirtualClock:
    """A discrete-event clock: the current time ``now`` and the timers due later.

    Timers due at the same instant share one list, in the order they were
    scheduled; a heap holds the distinct instants. Firing an instant runs its
    list in order. Timers scheduled for that same instant meanwhile go into a
    fresh list, which runs right after, so (time, scheduling order) holds.
    """

    #: How many events may fire at one instant before ``RunawayError``. A
    #: controller that reacts to its own writes with no delay would otherwise
    #: hang the notebook; ten million is far above any real burst.
    runaway_limit = 10_000_000

    def __init__(self, epoch: datetime | str = timefmt.EPOCH) -> None:
        """``epoch``: the date of virtual second 0, a timezone-aware ``datetime`` or ``"now"``."""
        self.epoch = timefmt.resolve_epoch(epoch)
        self._ns = 0.0  # current time, whole nanoseconds
        self._instants: list[float] = []  # heap of the instants in _due
        self._due: dict[float, list[Timer]] = {}  # instant -> timers, in scheduling order
        self.events_fired = 0  # callbacks run so far
        self._running = False

    @property
    def now(self) -> float:
        """Current virtual time in seconds since the clock was made."""
        return self._ns / NANOSECOND

    def rfc3339(self, seconds: float) -> str:
        """The timestamp of virtual second ``seconds`` (``metav1.Time``, e.g. ``2025-01-01T00:00:05Z``)."""
        return timefmt.rfc3339(seconds, self.epoch)

    def parse_rfc3339(self, text: str) -> float:
        """The virtual second of a timestamp this clock wrote."""
        return timefmt.parse_rfc3339(text, self.epoch)

    def moment(self, seconds: float) -> datetime:
        """The date and time of virtual second ``seconds``."""
        return timefmt.moment(seconds, self.epoch)

    def since(self, moment: datetime) -> float:
        """Seconds from ``moment`` to now: kubectl's printers measure ages from ``timefmt.EPOCH``
        (``age(timestamp, clock.since(EPOCH))``), whatever the clock's own epoch."""
        return (self.epoch - moment).total_seconds() + self.now

    @property
    def running(self) -> bool:
        """True while a timer's callback runs (the clock cannot be run from there)."""
        return self._running

    def schedule(self, delay: float, callback: Callable[..., Any], *args: Any) -> Timer:
        """Call ``callback(*args)`` once, ``delay`` seconds from now."""
        timer = Timer((self._ns + _nanoseconds("delay", delay), callback, args, 0.0))
        self._enqueue(timer)
        return timer

    def call_every(
        self, period: float, callback: Callable[..., Any], *args: Any, first_delay: float | None = None
    ) -> Timer:
        """Call ``callback(*args)`` every ``period`` seconds, first after ``first_delay``
        (default: one period), until the returned timer is cancelled."""
        period_ns = _nanoseconds("period", period)
        if not period_ns:
            raise FieldValidationError([invalid("period", period, "must be greater than 0")])
        first_ns = period_ns if first_delay is None else _nanoseconds("first_delay", first_delay)
        timer = Timer((self._ns + first_ns, callback, args, period_ns))
        self._enqueue(timer)
        return timer

    def run(self, seconds: float) -> None:
        """Advance time by exactly ``seconds``, firing every event due by then,
        including those scheduled while running."""
        end = self._ns + _nanoseconds("seconds", seconds)
        self._fire_until(end)
        self._ns = end

    def run_until_idle(self, max_seconds: float = 3600.0) -> float:
        """Fire events until no timer is left, or ``max_seconds`` have passed;
        return the virtual seconds that passed.

        When idle, ``now`` is the time of the last event. A cluster's
        repeating timers (heartbeats, resyncs) never go idle, so there this
        behaves as ``run(max_seconds)``.
        """
        start = self._ns
        end = start + _nanoseconds("max_seconds", max_seconds)
        last = self._fire_until(end)
        if any(timer.active for timers in self._due.values() for timer in timers):
            self._ns = end
        else:
            self._ns = start if last is None else last
        return (self._ns - start) / NANOSECOND

    def _enqueue(self, timer: Timer) -> None:
        """Append ``timer`` to the list of its instant."""
        when = timer[0]
        timers = self._due.get(when)
        if timers is None:
            self._due[when] = [timer]
            heappush(self._instants, when)
        else:
            timers.append(timer)

    def _fire_until(self, end: float) -> float | None:
        """Fire the timers of every instant up to ``end``, earliest first;
        return the time of the last one fired (None if none)."""
        if self._running:
            raise RuntimeError("the clock is already running: a timer callback cannot run the clock")
        self._running = True
        # A run allocates millions of short-lived, acyclic objects (decoded
        # JSON, events); Python's cyclic collector would keep rescanning the
        # large long-lived heap of a big cluster for garbage that reference
        # counting already frees. Pause it for the run; it catches up after.
        collecting = gc.isenabled()
        gc.disable()
        try:
            return self._fire_instants(end)
        finally:
            self._running = False
            if collecting:
                gc.enable()

    def _fire_instants(self, end: float) -> float | None:
        instants, due = self._instants, self._due
        last = None
        burst = 0  # events fired at the current instant
        while instants and instants[0] <= end:
            when = heappop(instants)
            timers = due.pop(when)
            if when == self._ns:
                burst += len(timers)
                if burst > self.runaway_limit:
                    self._requeue(when, timers)
                    raise RunawayError(
                        f"more than {self.runaway_limit:,} events fired at t={self.now:g}s "
                        "without time moving on: something reschedules itself with no delay"
                    )
            else:
                self._ns = when
                burst = len(timers)
            fired = 0
            try:
                for timer in timers:
                    callback = timer[1]
                    if callback is None:  # cancelled
                        continue
                    fired += 1
                    if timer[3]:  # repeating: requeue first, so the callback may cancel it
                        timer[0] = when + timer[3]
                        self._enqueue(timer)
                    else:
                        timer[1] = None  # fired: no longer active
                    callback(*timer[2])
            except BaseException:
                self._requeue(when, timers)
                raise
            finally:
                self.events_fired += fired
            if fired:
                last = when
        return last

    def _requeue(self, when: float, timers: list[Timer]) -> None:
        """Put back, ahead of any newer ones, the timers of ``when`` that have not fired
        (after a callback raised), so no event is silently lost."""
        unfired = [timer for timer in timers if timer[0] == when and timer.active]
        if unfired:
            newer = self._due.pop(when, None)
            if newer is None:
                heappush(self._instants, when)
            self._due[when] = unfired + (newer or [])

    def __repr__(self) -> str:
        pending = sum(len(timers) for timers in self._due.values())
        return f"<VirtualClock now={self.now:g}s pending={pending}>"
