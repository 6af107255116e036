"""What a run shows while it goes on, and how it is asked to stop early.

Why: a load run of an hour that prints nothing until it ends looks hung, and one that Ctrl-C kills loses what it
found. `Campaign.run` hands a `Progress` to a callback after every step of (virtual or real) time, and checks a
`StopRequest` between steps: a signal handler sets it, and the run stops its workers gracefully and summarises the
part that ran, as at its planned end.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

TERMINAL_INTERVAL_S = 0.25
"""How often a terminal's progress line is rewritten in place, at most."""
PLAIN_INTERVAL_S = 10.0
"""How often a plain progress line is printed where the output is not a terminal (a CI log, a file)."""


@dataclass(frozen=True, slots=True)
class Progress:
    """How far a run has come."""

    chain_seconds: float
    duration_s: float
    wall_seconds: float
    operations: int
    incidents: int

    def render(self) -> str:
        rate = self.operations / self.wall_seconds if self.wall_seconds > 0 else 0.0
        if math.isinf(self.duration_s):  # a service: it runs until stopped
            done = f"{self.chain_seconds:.0f} s chain time"
        else:
            share = self.chain_seconds / self.duration_s if self.duration_s > 0 else 1.0
            done = f"{self.chain_seconds:.0f}/{self.duration_s:.0f} s chain time ({share:.0%})"
        return (f"{done}, "
                f"{self.wall_seconds:.0f} s wall, {self.operations:,} operations ({rate:,.0f}/s), "
                f"{self.incidents} incident{'' if self.incidents == 1 else 's'}")


class ProgressPrinter:
    """Prints `Progress` to `stream`: on a terminal one line rewritten in place, elsewhere a plain line every
    `PLAIN_INTERVAL_S` seconds, so a log gets a heartbeat and not one line per step."""

    def __init__(self, stream: TextIO, *, terminal: bool | None = None,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self._stream = stream
        self._terminal = stream.isatty() if terminal is None else terminal
        self._interval = TERMINAL_INTERVAL_S if self._terminal else PLAIN_INTERVAL_S
        self._monotonic = monotonic
        self._last: float | None = None
        self._width = 0
        """Characters of the line on screen, so a shorter one that replaces it blanks the rest."""

    def __call__(self, progress: Progress) -> None:
        now = self._monotonic()
        if self._last is not None and now - self._last < self._interval:
            return
        self._last = now
        self._print(progress.render())

    def _print(self, line: str) -> None:
        if self._terminal:
            self._stream.write("\r" + line.ljust(self._width))
            self._width = len(line)
        else:
            self._stream.write(f"progress: {line}\n")
        self._stream.flush()

    def close(self) -> None:
        """End the line on a terminal, so what follows starts on its own line."""
        if self._terminal and self._width:
            self._stream.write("\n")
            self._stream.flush()
            self._width = 0


class StopRequest:
    """Asks a running campaign to stop at its next step and summarise; `reason` says who asked (a signal)."""

    def __init__(self) -> None:
        self.reason: str | None = None

    def request(self, reason: str) -> None:
        """The first reason counts: a second request changes nothing."""
        if self.reason is None:
            self.reason = reason

    @property
    def requested(self) -> bool:
        return self.reason is not None
