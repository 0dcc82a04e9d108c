"""The virtual clock: ordering, exact time steps, repeating timers, bad input."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from k8scourse.api.errors import K8sValueError
from k8scourse.clock import RunawayError, VirtualClock


def test_starts_at_zero_and_run_advances_exactly() -> None:
    clock = VirtualClock()
    assert clock.now == 0.0
    clock.run(2.5)
    assert clock.now == 2.5
    clock.run(0)
    assert clock.now == 2.5


def test_events_fire_in_time_then_scheduling_order() -> None:
    clock = VirtualClock()
    fired: list[str] = []
    clock.schedule(2, fired.append, "c")
    clock.schedule(1, fired.append, "a")
    clock.schedule(1, fired.append, "b")
    clock.schedule(0, fired.append, "now")
    clock.run(1)
    assert fired == ["now", "a", "b"]
    clock.run(1)
    assert fired == ["now", "a", "b", "c"]


def test_callbacks_see_their_own_time() -> None:
    clock = VirtualClock()
    seen: list[float] = []
    for delay in (0.25, 1.5, 3):
        clock.schedule(delay, lambda: seen.append(clock.now))
    clock.run(10)
    assert seen == [0.25, 1.5, 3.0]
    assert clock.now == 10.0


def test_events_scheduled_while_running_fire_if_due_by_the_end() -> None:
    clock = VirtualClock()
    fired: list[tuple[str, float]] = []

    def first() -> None:
        fired.append(("first", clock.now))
        clock.schedule(0, lambda: fired.append(("same instant", clock.now)))
        clock.schedule(0.5, lambda: fired.append(("later, in range", clock.now)))
        clock.schedule(5, lambda: fired.append(("after the end", clock.now)))

    clock.schedule(1, first)
    clock.schedule(1, lambda: fired.append(("scheduled earlier, same instant", clock.now)))
    clock.run(2)
    assert fired == [
        ("first", 1.0),
        ("scheduled earlier, same instant", 1.0),
        ("same instant", 1.0),
        ("later, in range", 1.5),
    ]
    clock.run(4)
    assert fired[-1] == ("after the end", 6.0)


def test_boundary_event_fires_and_steps_of_a_tenth_are_exact() -> None:
    clock = VirtualClock()
    ticks: list[float] = []
    clock.call_every(0.1, lambda: ticks.append(clock.now))
    clock.run(0.3)
    assert ticks == [0.1, 0.2, 0.3]  # 0.1 + 0.1 + 0.1 would be 0.30000000000000004
    for _ in range(7):
        clock.run(0.1)
    assert len(ticks) == 10 and ticks[-1] == 1.0 and clock.now == 1.0


def test_call_every_first_delay_and_cancel() -> None:
    clock = VirtualClock()
    ticks: list[float] = []
    timer = clock.call_every(10, lambda: ticks.append(clock.now), first_delay=0)
    clock.run(25)
    assert ticks == [0.0, 10.0, 20.0]
    assert timer.active and timer.when == 30.0
    timer.cancel()
    clock.run(100)
    assert ticks == [0.0, 10.0, 20.0]
    assert not timer.active


def test_repeating_timer_can_cancel_itself() -> None:
    clock = VirtualClock()
    ticks: list[float] = []

    def tick() -> None:
        ticks.append(clock.now)
        if len(ticks) == 3:
            timer.cancel()

    timer = clock.call_every(1, tick)
    clock.run(10)
    assert ticks == [1.0, 2.0, 3.0]


def test_cancelled_one_shot_never_fires_and_fired_one_is_inactive() -> None:
    clock = VirtualClock()
    fired: list[str] = []
    cancelled = clock.schedule(1, fired.append, "cancelled")
    kept = clock.schedule(1, fired.append, "kept")
    cancelled.cancel()
    assert not cancelled.active and kept.active
    clock.run(1)
    assert fired == ["kept"]
    assert not kept.active
    assert clock.events_fired == 1


def test_run_until_idle_stops_at_the_last_event() -> None:
    clock = VirtualClock()
    clock.schedule(3, lambda: clock.schedule(4, lambda: None))
    assert clock.run_until_idle() == 7.0
    assert clock.now == 7.0
    assert clock.run_until_idle() == 0.0


def test_run_until_idle_with_a_repeating_timer_runs_to_the_limit() -> None:
    clock = VirtualClock()
    beats: list[float] = []
    clock.call_every(10, lambda: beats.append(clock.now))
    assert clock.run_until_idle(max_seconds=35) == 35.0
    assert beats == [10.0, 20.0, 30.0] and clock.now == 35.0


def test_run_until_idle_ignores_cancelled_timers() -> None:
    clock = VirtualClock()
    clock.schedule(1, lambda: None)
    clock.schedule(50, lambda: None).cancel()
    assert clock.run_until_idle(max_seconds=100) == 1.0


def test_runaway_loop_raises_instead_of_hanging() -> None:
    clock = VirtualClock()
    clock.runaway_limit = 1000

    def again() -> None:
        clock.schedule(0, again)

    clock.schedule(1, again)
    with pytest.raises(RunawayError, match="without time moving on"):
        clock.run(5)
    assert clock.now == 1.0


def test_a_failing_callback_loses_no_other_event() -> None:
    clock = VirtualClock()
    fired: list[str] = []

    def boom() -> None:
        raise ZeroDivisionError

    clock.schedule(1, fired.append, "before")
    clock.schedule(1, boom)
    clock.schedule(1, fired.append, "after")
    with pytest.raises(ZeroDivisionError):
        clock.run(2)
    assert fired == ["before"]
    clock.run(2)
    assert fired == ["before", "after"]


def test_callbacks_cannot_run_the_clock() -> None:
    clock = VirtualClock()
    clock.schedule(1, clock.run, 1)
    with pytest.raises(RuntimeError, match="already running"):
        clock.run(1)


@pytest.mark.parametrize("delay", [-1, -0.001, math.nan, math.inf, "1", None, True])
def test_bad_delay_is_a_value_error_naming_the_field(delay: object) -> None:
    clock = VirtualClock()
    with pytest.raises(K8sValueError, match=r"^delay: Invalid value: .*: must be a finite number of seconds >= 0$"):
        clock.schedule(delay, print)  # type: ignore[arg-type]


def test_bad_period_and_run_arguments() -> None:
    clock = VirtualClock()
    with pytest.raises(ValueError, match="^period: Invalid value: 0: must be greater than 0$"):
        clock.call_every(0, print)
    with pytest.raises(ValueError, match="^first_delay: "):
        clock.call_every(1, print, first_delay=-1)
    with pytest.raises(ValueError, match="^seconds: "):
        clock.run(-5)
    with pytest.raises(ValueError, match="^max_seconds: "):
        clock.run_until_idle(-5)


@given(st.lists(st.integers(min_value=0, max_value=50), max_size=60))
def test_order_is_time_then_scheduling_sequence(delays_ms: list[int]) -> None:
    clock = VirtualClock()
    fired: list[int] = []
    for i, delay in enumerate(delays_ms):
        clock.schedule(delay / 1000, fired.append, i)
    clock.run(1)
    assert fired == sorted(range(len(delays_ms)), key=lambda i: (delays_ms[i], i))
    assert clock.events_fired == len(delays_ms)


def test_run_pauses_the_cyclic_collector_and_restores_it():
    import gc

    clock = VirtualClock()
    seen = []
    clock.schedule(1, lambda: seen.append(gc.isenabled()))
    assert gc.isenabled()
    clock.run(2)
    assert seen == [False] and gc.isenabled()
    gc.disable()
    try:
        clock.run(1)
        assert not gc.isenabled()  # a caller's own choice is kept
    finally:
        gc.enable()
