"""Time for the workers: real, or virtual so that an hour of 750-2000 ms pauses runs in seconds.

Both clocks start the worker tasks themselves (`spawn`) and let a sleeper be woken early (`wake`, used by a
graceful stop). The virtual clock is a discrete-event scheduler: it lets exactly one sleeper resume at a
time, and only once every task it runs is parked in `sleep` (or done), so the order of operations depends only
on the wake times and never on the event loop. That is what makes a seeded in-process run reproducible
operation for operation.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Protocol

from pytest_fixedratio.errors import FixedRatioError


class ClockStalled(FixedRatioError):
    """A task of the virtual clock waits on something other than the clock (a deadlock in virtual time)."""


class Clock(Protocol):
    def now(self) -> float:
        """Seconds since the clock started."""

    async def sleep(self, seconds: float) -> bool:
        """Sleep; True when woken early by `wake`."""

    def spawn(self, coro: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        """Start a task that sleeps on this clock."""

    def wake(self, task: asyncio.Task[None]) -> None:
        """End the current sleep of `task` now (no-op if it is not sleeping)."""


class _Sleepers:
    """The futures of sleeping tasks, keyed by task, shared by both clocks."""

    def __init__(self) -> None:
        self.by_task: dict[asyncio.Task[Any], asyncio.Future[bool]] = {}

    def park(self) -> asyncio.Future[bool]:
        task = asyncio.current_task()
        assert task is not None, "sleep() must be awaited from a task"
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self.by_task[task] = future
        return future

    def release(self, task: asyncio.Task[Any], woken_early: bool) -> None:
        future = self.by_task.pop(task, None)
        if future is not None and not future.done():
            future.set_result(woken_early)


class RealClock:
    """Wall-clock time (monotonic)."""

    def __init__(self) -> None:
        self._start = time.monotonic()
        self._sleepers = _Sleepers()

    def now(self) -> float:
        return time.monotonic() - self._start

    async def sleep(self, seconds: float) -> bool:
        future = self._sleepers.park()
        task = asyncio.current_task()
        assert task is not None
        handle = asyncio.get_running_loop().call_later(max(seconds, 0.0), self._sleepers.release, task, False)
        try:
            return await future
        finally:
            handle.cancel()
            self._sleepers.by_task.pop(task, None)

    def spawn(self, coro: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        return asyncio.get_running_loop().create_task(coro, name=name)

    def wake(self, task: asyncio.Task[None]) -> None:
        self._sleepers.release(task, True)


class VirtualClock:
    """Virtual time advanced by `run_until`; `on_advance(elapsed)` lets the chain's clock follow."""

    _STALL_LIMIT = 10_000

    def __init__(self, on_advance: Callable[[float], Awaitable[None]] | None = None) -> None:
        self._now = 0.0
        self._on_advance = on_advance
        self._sleepers = _Sleepers()
        self._queue: list[tuple[float, int, asyncio.Task[Any], asyncio.Future[bool]]] = []
        self._order = itertools.count()
        self._tasks: set[asyncio.Task[None]] = set()
        self._asleep: set[asyncio.Task[Any]] = set()
        """Spawned tasks asleep on this clock and not yet released: when it holds every task, the step is over.
        Kept as tasks park and are released, so a step costs the same with 30 workers or 3,000."""

    def now(self) -> float:
        return self._now

    async def sleep(self, seconds: float) -> bool:
        future = self._sleepers.park()
        task = asyncio.current_task()
        assert task is not None
        heapq.heappush(self._queue, (self._now + max(seconds, 0.0), next(self._order), task, future))
        if task in self._tasks:
            self._asleep.add(task)
        try:
            return await future
        finally:
            self._asleep.discard(task)
            self._sleepers.by_task.pop(task, None)

    def spawn(self, coro: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def wake(self, task: asyncio.Task[None]) -> None:
        self._asleep.discard(task)
        self._sleepers.release(task, True)

    async def run_until(self, deadline: float) -> None:
        """Resume sleepers one at a time in wake-time order until the next wake lies past `deadline`."""
        while True:
            await self._settle()
            entry = self._next_sleeper()
            if entry is None or entry[0] > deadline:
                await self._advance(max(self._now, deadline))
                return
            heapq.heappop(self._queue)
            await self._advance(entry[0])
            self._asleep.discard(entry[2])
            self._sleepers.release(entry[2], False)

    async def settle(self) -> None:
        """Wait until every spawned task is parked or done (for callers that change state between steps)."""
        await self._settle()

    def _next_sleeper(self) -> tuple[float, int, asyncio.Task[Any], asyncio.Future[bool]] | None:
        # Drop entries whose sleep already ended (woken early, cancelled): their task may be asleep again.
        while self._queue and self._sleepers.by_task.get(self._queue[0][2]) is not self._queue[0][3]:
            heapq.heappop(self._queue)
        return self._queue[0] if self._queue else None

    async def _advance(self, now: float) -> None:
        if now != self._now:
            elapsed, self._now = now - self._now, now
            if self._on_advance is not None:
                await self._on_advance(elapsed)

    async def _settle(self) -> None:
        for _ in range(self._STALL_LIMIT):
            if len(self._asleep) == len(self._tasks):  # a finished task leaves `_tasks` by its done callback
                return
            await asyncio.sleep(0)
        blocked = sorted(t.get_name() for t in self._tasks if not t.done() and t not in self._sleepers.by_task)
        raise ClockStalled(f"tasks {blocked} wait on something other than the virtual clock")
