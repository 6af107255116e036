"""The rules of the token economy, as pure functions (service-features.md 2.2-2.4, 5).

Kept apart from the workers so the rules are testable on their own and a fuzz campaign can check them
against what the workers actually did.
"""

from __future__ import annotations

from dataclasses import dataclass

from pytest_fixedratio.errors import InvalidArgument
from pytest_fixedratio.sol.ids import LAMPORTS_PER_SIGNATURE, LAMPORTS_PER_SOL

REFILL_THRESHOLD_PERCENT = 5
SOL_LOW_WATER = LAMPORTS_PER_SOL // 10        # a worker below 0.1 SOL gets a top-up
CORE_RESERVE = LAMPORTS_PER_SOL // 10         # the core wallet never gives away its last 0.1 SOL
MIN_TOPUP = LAMPORTS_PER_SOL // 100           # at least 0.01 SOL per top-up
TOPUP_PERCENT_OF_CORE = 1
EMPTY_SOL_RESERVE = LAMPORTS_PER_SOL // 100   # `empty` returns everything above 0.01 SOL
NETWORK_FEE = LAMPORTS_PER_SIGNATURE          # what a worker's single-signature transaction costs
FAIR_SHARE_WORKERS = 30
"""Up to this many workers, a top-up is 1% of the core's spare SOL (the original service's rule); beyond, the
percentage shrinks in proportion, so thousands of workers cannot drain the core wallet by compounding."""


@dataclass(frozen=True, slots=True)
class Split:
    """An equal split: each of `recipients` gets `share`; `remainder` stays with the sender."""

    share: int
    recipients: int
    remainder: int

    @property
    def sent(self) -> int:
        return self.share * self.recipients


def split_equally(total: int, recipients: int) -> Split:
    """floor(total / n) to each recipient; nothing is sent when the share would be 0 or nobody receives."""
    if total < 0 or recipients < 0:
        raise InvalidArgument(f"total {total!r} and recipients {recipients!r} must be >= 0")
    if recipients == 0 or total < recipients:
        return Split(0, 0, total)
    share = total // recipients
    return Split(share, recipients, total - share * recipients)


def needs_refill(balance: int, initial_amount: int, auto_refill: bool) -> bool:
    """Auto-refill applies only when enabled and the balance fell below 5% of the initial amount."""
    return auto_refill and initial_amount > 0 and balance * 100 < initial_amount * REFILL_THRESHOLD_PERCENT


def topup_amount(core_balance: int, workers: int = 1) -> int:
    """SOL given to a worker below the low-water mark: 1% of the core's spare SOL (divided further when more
    than `FAIR_SHARE_WORKERS` workers share the core), at least 0.01 SOL.

    Returns 0 when the core wallet cannot give that much without dropping below its reserve.
    """
    spare = core_balance - CORE_RESERVE
    crowd = max(1, -(-workers // FAIR_SHARE_WORKERS))
    amount = max(spare * TOPUP_PERCENT_OF_CORE // (100 * crowd), MIN_TOPUP)
    return amount if spare > amount else 0


def returnable_sol(balance: int) -> int:
    """What `empty` sends back to the core wallet: everything above the 0.01 SOL reserve."""
    return max(balance - EMPTY_SOL_RESERVE, 0)
