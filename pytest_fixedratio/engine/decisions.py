"""Every random choice of a run comes from here, so a run is reproducible from one seed.

`Decisions` is a seeded stream; `child(label)` derives an independent, equally reproducible stream (one per
worker), so a worker's amounts do not depend on how many choices other workers made. `DrawnDecisions`
answers the same questions from a Hypothesis `data` object, so a fuzz failure shrinks and replays.
"""

from __future__ import annotations

import hashlib
import random
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, TypeVar

from pytest_fixedratio.errors import InvalidArgument

if TYPE_CHECKING:
    from hypothesis.strategies import DataObject

T = TypeVar("T")

DEPOSIT_MAX_FRACTION = Fraction(5, 100)
WITHDRAW_MAX_FRACTION = Fraction(5, 100)
SWAP_MAX_FRACTION = Fraction(2, 100)
PAUSE_MIN_MS = 750
PAUSE_MAX_MS = 2000
BOUNDARY_ODDS = 8
"""One amount draw in this many picks a boundary amount (`engine.boundaries`), when one is in reach, instead of a
uniform one: often enough that every boundary of every pool is sent many times an hour, rarely enough that the
uniform amounts, which move the pools' balances, stay the rule."""


def limit(balance: int, max_fraction: Fraction) -> int:
    """The largest uniform amount: floor(balance * max_fraction), at least 1; 0 when there is nothing to use."""
    if balance < 0 or not 0 < max_fraction <= 1:
        raise InvalidArgument(f"balance {balance!r} must be >= 0 and max_fraction {max_fraction!r} in (0, 1]")
    return max(1, balance * max_fraction.numerator // max_fraction.denominator) if balance else 0


@dataclass(frozen=True, slots=True)
class Drawn:
    """An amount and, when it is a boundary amount, the boundary's name ("" for a uniform draw)."""

    value: int
    boundary: str = ""


class DecisionSource(ABC):
    """The questions the engine asks; subclasses only say how an integer in a range is chosen."""

    @abstractmethod
    def integer(self, low: int, high: int) -> int:
        """A whole number with low <= n <= high."""

    @abstractmethod
    def child(self, label: str) -> DecisionSource:
        """An independent stream for one participant (a worker, the pool factory ...)."""

    def amount(self, balance: int, max_fraction: Fraction) -> int:
        """1 base unit up to floor(balance * max_fraction) (at least 1); 0 when there is nothing to use."""
        top = limit(balance, max_fraction)
        return self.integer(1, top) if top else 0

    def draw_amount(self, balance: int, max_fraction: Fraction, boundaries: Mapping[str, int]) -> Drawn:
        """`amount`, except in one draw of `BOUNDARY_ODDS`: then one of `boundaries` (name: amount) within
        [1, balance], each as likely. Why: uniform draws almost never hit the amounts where a comparison of the
        program flips. The roll comes first and a boundary is drawn by its position in the mapping, so a
        Hypothesis draw shrinks towards a boundary, the first one listed."""
        limit(balance, max_fraction)  # the arguments are checked whichever amount is drawn
        reachable = [name for name, value in boundaries.items() if 1 <= value <= balance]
        if reachable and self.integer(0, BOUNDARY_ODDS - 1) == 0:
            name = self.choice(reachable)
            return Drawn(boundaries[name], name)
        return Drawn(self.amount(balance, max_fraction))

    def pause_ms(self, low: int = PAUSE_MIN_MS, high: int = PAUSE_MAX_MS) -> int:
        """The pause between two cycles of a worker, in milliseconds."""
        return self.integer(low, high)

    def choice(self, options: Sequence[T]) -> T:
        if not options:
            raise InvalidArgument("cannot choose from an empty sequence")
        return options[self.integer(0, len(options) - 1)]

    def secret_seed(self) -> bytes:
        """32 bytes to derive a keypair from, so wallets of a seeded run are reproducible too."""
        return self.integer(0, 2**256 - 1).to_bytes(32, "little")


class Decisions(DecisionSource):
    """A seeded pseudo-random stream (Mersenne Twister: reproducible, not for secrets of real value)."""

    def __init__(self, seed: int, label: str = "root") -> None:
        self.seed = seed
        self.label = label
        digest = hashlib.sha256(f"{seed}/{label}".encode()).digest()
        self._random = random.Random(int.from_bytes(digest, "little"))

    def integer(self, low: int, high: int) -> int:
        if low > high:
            raise InvalidArgument(f"empty range [{low}, {high}]")
        return self._random.randint(low, high)

    def child(self, label: str) -> Decisions:
        return Decisions(self.seed, f"{self.label}/{label}")


class DrawnDecisions(DecisionSource):
    """Decisions drawn from Hypothesis, for fuzz campaigns: every choice is shrinkable."""

    def __init__(self, data: DataObject, label: str = "root") -> None:
        self._data = data
        self.label = label

    def integer(self, low: int, high: int) -> int:
        from hypothesis import strategies as st

        if low > high:
            raise InvalidArgument(f"empty range [{low}, {high}]")
        return self._data.draw(st.integers(low, high), label=self.label)

    def child(self, label: str) -> DrawnDecisions:
        # Draws are sequential in one test case, so a child shares the data object.
        return DrawnDecisions(self._data, f"{self.label}/{label}")
