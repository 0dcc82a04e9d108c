"""How many events per second the virtual clock fires (wall-clock throughput).

Three workloads shaped like a simulated cluster:

* ``one-shot``: 1,000 actors, each callback scheduling its next step after a
  pseudo-random delay (controllers reacting to events);
* ``repeating``: 10,000 ``call_every`` timers (kubelet heartbeats, resyncs);
* ``burst``: 150,000 callbacks scheduled at once, then run (a benchmark
  creating 150,000 pods).

Each workload runs three times and the best run is reported, since a shared
machine's noise only ever slows a run down.

Run: ``python benchmarks/clock_events.py``.
"""

from __future__ import annotations

import random
import time

from k8scourse.clock import VirtualClock


def one_shot(events: int = 1_000_000, actors: int = 1_000) -> tuple[int, float]:
    clock = VirtualClock()
    rng = random.Random(1)
    delays = [rng.uniform(0.0, 1.0) for _ in range(events + actors)]
    schedule = clock.schedule

    def step(i: int) -> None:
        if i < events:
            schedule(delays[i], step, i + actors)

    for i in range(actors):
        clock.schedule(delays[i], step, i)
    start = time.perf_counter()
    clock.run_until_idle(max_seconds=10**9)
    return clock.events_fired, time.perf_counter() - start


def repeating(events: int = 1_000_000, timers: int = 10_000) -> tuple[int, float]:
    clock = VirtualClock()

    def beat() -> None:
        pass

    for i in range(timers):
        clock.call_every(10.0, beat, first_delay=i * 10.0 / timers)
    start = time.perf_counter()
    clock.run(10.0 * events / timers)
    return clock.events_fired, time.perf_counter() - start


def burst(events: int = 150_000) -> tuple[int, float]:
    clock = VirtualClock()

    def bind(pod: int) -> None:
        pass

    start = time.perf_counter()
    for pod in range(events):
        clock.schedule(0, bind, pod)
    clock.run(0)
    return clock.events_fired, time.perf_counter() - start


def main() -> None:
    for name, workload in (("one-shot", one_shot), ("repeating", repeating), ("burst (incl. scheduling)", burst)):
        fired, seconds = min((workload() for _ in range(3)), key=lambda run: run[1])
        print(f"{name:>26}: {fired:>9,} events in {seconds:6.2f}s = {fired / seconds:>10,.0f} events/s")


if __name__ == "__main__":
    main()
