"""Every random choice of a run comes from here, so a run is reproducible from one seed.

`Decisions` is a seeded stream; `child(label)` derives an independent, equally reproducible stream (one per
worker), so a worker's amounts do not depend on how many choices other workers made. `DrawnDecisions`
answers the same questions from a Hypothesis `data` object, so a fuzz failure shrinks and replays.
"""

from __future__ import annotations

import hashlib
import random
from abc import ABC, abstractmethod
from collections.abc import Sequence
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
        if balance < 0 or not 0 < max_fraction <= 1:
            raise InvalidArgument(f"balance {balance!r} must be >= 0 and max_fraction {max_fraction!r} in (0, 1]")
        if balance == 0:
            return 0
        return self.integer(1, max(1, balance * max_fraction.numerator // max_fraction.denominator))

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
