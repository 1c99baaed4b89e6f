"""The local runtime's clock: runs at a speed, only moves forward, and wakes whoever sleeps on it when moved."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from infra.local.clock import VirtualClock

START = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)


def test_the_clock_runs_at_its_speed_from_its_start() -> None:
    began = time.monotonic()
    clock = VirtualClock(START, speed=1000)

    time.sleep(0.05)
    now = clock.now()
    real = time.monotonic() - began  # however long a loaded machine made the sleep

    assert START + timedelta(seconds=40) < now <= START + timedelta(seconds=real * 1000)


def test_advance_moves_the_clock_forward_and_never_back() -> None:
    clock = VirtualClock(START)

    moved = clock.advance(timedelta(days=90))

    assert moved >= START + timedelta(days=90)
    with pytest.raises(ValueError, match="forward"):
        clock.advance(timedelta(seconds=-1))
    with pytest.raises(ValueError, match="speed"):
        VirtualClock(START, speed=0)


def test_sleep_until_a_moment_already_past_returns_at_once() -> None:
    clock = VirtualClock(START)

    assert clock.sleep_until(START - timedelta(hours=1), timeout=0) is True


def test_sleep_until_gives_up_after_its_real_timeout() -> None:
    clock = VirtualClock(START)
    began = time.monotonic()

    assert clock.sleep_until(START + timedelta(hours=1), timeout=0.05) is False
    assert 0.04 < time.monotonic() - began < 60  # its timeout, not the hour


def test_a_sleeper_wakes_as_soon_as_the_clock_is_advanced_past_its_moment() -> None:
    clock = VirtualClock(START)
    woke: list[float] = []

    def sleeper() -> None:
        clock.sleep_until(START + timedelta(hours=1))
        woke.append(time.monotonic())

    thread = threading.Thread(target=sleeper, daemon=True)
    thread.start()
    time.sleep(0.05)
    clock.advance(timedelta(minutes=30))
    time.sleep(0.05)
    assert woke == []  # half way there: still asleep

    advanced = time.monotonic()
    clock.advance(timedelta(minutes=30))
    thread.join(timeout=60)

    assert woke and woke[0] - advanced < 60  # woken by the advance, not by the half hour passing in real time


def test_a_sleeper_on_a_fast_clock_wakes_after_the_virtual_interval_in_scaled_real_time() -> None:
    clock = VirtualClock(START, speed=100)
    began = time.monotonic()

    # True: back before the 5 s timeout, so it slept the 0.1 s the 10 virtual seconds take, not 10 real seconds
    assert clock.sleep_until(clock.now() + timedelta(seconds=10), timeout=5) is True
    assert time.monotonic() - began > 0.08


def test_a_nudge_wakes_a_sleeper_early_without_moving_the_clock() -> None:
    clock = VirtualClock(start=datetime(2026, 1, 1, tzinfo=UTC))
    before = clock.now()
    results: list[bool] = []
    sleeper = threading.Thread(target=lambda: results.append(clock.sleep_until(before + timedelta(days=1), timeout=30)))
    sleeper.start()

    # Nudged until it returns: a nudge before the sleeper starts sleeping does not count for it, and on a loaded
    # machine the thread may take a while to get there. Back well before its 30 s timeout: a nudge woke it.
    deadline = time.monotonic() + 10
    while sleeper.is_alive() and time.monotonic() < deadline:
        clock.nudge()
        sleeper.join(timeout=0.05)

    assert results == [False]
    assert clock.now() - before < timedelta(minutes=1)
