"""Clocks: the virtual clock orders sleepers by wake time, one at a time, and follows a deadline."""

from __future__ import annotations

import asyncio

import pytest

from pytest_fixedratio.engine.clock import ClockStalled, RealClock, VirtualClock


async def _sleeper(clock: VirtualClock, name: str, pauses: list[float], log: list[tuple[float, str]]) -> None:
    for pause in pauses:
        await clock.sleep(pause)
        log.append((clock.now(), name))


@pytest.mark.asyncio
async def test_virtual_clock_resumes_in_wake_order_and_reports_advances() -> None:
    advances: list[float] = []

    async def follow(elapsed: float) -> None:
        advances.append(elapsed)

    clock = VirtualClock(on_advance=follow)
    log: list[tuple[float, str]] = []
    clock.spawn(_sleeper(clock, "a", [1.0, 1.0, 1.0], log), "a")
    clock.spawn(_sleeper(clock, "b", [0.5, 2.0], log), "b")
    await clock.run_until(2.6)
    assert log == [(0.5, "b"), (1.0, "a"), (2.0, "a"), (2.5, "b")]
    assert clock.now() == 2.6
    assert [round(sum(advances[: i + 1]), 9) for i in range(len(advances))] == [0.5, 1.0, 2.0, 2.5, 2.6]
    await clock.run_until(10.0)
    assert log[-1] == (3.0, "a")


@pytest.mark.asyncio
async def test_virtual_clock_lets_one_task_run_at_a_time() -> None:
    clock = VirtualClock()
    running: list[int] = []
    overlaps: list[int] = []

    async def worker() -> None:
        for _ in range(5):
            await clock.sleep(1.0)  # every worker wakes at the same virtual instants
            running.append(1)
            overlaps.append(len(running))
            await asyncio.sleep(0)  # a real await inside a cycle must not let another sleeper in
            running.pop()

    for i in range(3):
        clock.spawn(worker(), f"w{i}")
    await clock.run_until(100.0)
    assert overlaps == [1] * 15


@pytest.mark.asyncio
async def test_wake_ends_a_sleep_early_without_disturbing_later_sleeps() -> None:
    clock = VirtualClock()
    results: list[tuple[bool, float]] = []

    async def worker() -> None:
        results.append((await clock.sleep(50.0), clock.now()))
        results.append((await clock.sleep(1.0), clock.now()))

    task = clock.spawn(worker(), "w")
    await clock.settle()
    clock.wake(task)
    await clock.run_until(100.0)
    assert results == [(True, 0.0), (False, 1.0)]


@pytest.mark.asyncio
async def test_a_task_blocked_outside_the_clock_is_reported() -> None:
    clock = VirtualClock()
    never = asyncio.Event()

    async def stuck() -> None:
        await never.wait()

    task = clock.spawn(stuck(), "stuck-worker")
    with pytest.raises(ClockStalled, match="stuck-worker"):
        await clock.run_until(1.0)
    task.cancel()


@pytest.mark.asyncio
async def test_real_clock_sleep_can_be_woken() -> None:
    clock = RealClock()
    outcome: list[bool] = []

    async def worker() -> None:
        outcome.append(await clock.sleep(3600))
        outcome.append(await clock.sleep(0))

    task = clock.spawn(worker(), "w")
    await asyncio.sleep(0)
    clock.wake(task)
    await task
    assert outcome == [True, False]
