"""Commands from outside a run (the control port), applied between two steps of chain time.

Why a queue: the workers run on the session's clock, and a command that changed pools or workers in the middle
of a step would land at a moment that depends on the event loop. Queued, each command runs when every worker is
parked, between steps (`Campaign.advance`), the same place a script's timed commands run, and the caller awaits
its result.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any

from pytest_fixedratio.engine.session import Command, Session
from pytest_fixedratio.errors import FixedRatioError


class RunEnded(FixedRatioError):
    """A command arrived after the run stopped taking commands."""


class CommandQueue:
    def __init__(self) -> None:
        self._pending: deque[tuple[Command, asyncio.Future[Any]]] = deque()
        self._closed: str | None = None

    def submit(self, command: Command) -> asyncio.Future[Any]:
        """`command`'s result, once a step boundary has applied it."""
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        if self._closed is not None:
            future.set_exception(RunEnded(self._closed))
        else:
            self._pending.append((command, future))
        return future

    async def apply(self, session: Session) -> None:
        """Run every pending command in the order it came; each caller gets its result or its exception."""
        while self._pending:
            command, future = self._pending.popleft()
            if future.done():  # its caller went away
                continue
            try:
                result = await command(session)
            except Exception as exc:  # the caller hears of it; the run goes on
                future.set_exception(exc)
            else:
                future.set_result(result)

    def close(self, reason: str) -> None:
        """Refuse what is pending and what comes later with `reason`."""
        self._closed = reason
        while self._pending:
            _, future = self._pending.popleft()
            if not future.done():
                future.set_exception(RunEnded(reason))
