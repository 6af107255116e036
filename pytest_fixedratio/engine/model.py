"""The vocabulary of the engine: worker kinds, statuses, directions and configurations."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pytest_fixedratio.frt.constants import Side
from pytest_fixedratio.sol.address import Address


class WorkerKind(StrEnum):
    DEPOSIT = "deposit"
    WITHDRAWAL = "withdrawal"
    SWAP = "swap"
    ADVERSARY = "adversary"
    """Sends adversarial variants of the others' operations, each of which the program must refuse."""
    OPERATOR = "operator"
    """The admin: pauses, fee changes, consolidation, treasury withdrawals, donations, admin changes, on every pool
    of the session (its own pool is only where its statistics are filed)."""

    @property
    def id_prefix(self) -> str:
        return {"deposit": "dep", "withdrawal": "wd", "swap": "sw", "adversary": "adv", "operator": "op"}[self.value]

    @property
    def operation(self) -> str:
        """The kind of the pool operation this worker sends, as the operation log names it (an adversary's
        carries the variant: "adversary:deposit.missing_signer")."""
        return {"deposit": "deposit", "withdrawal": "withdraw", "swap": "swap", "adversary": "adversary",
                "operator": "operator"}[self.value]


class WorkerStatus(StrEnum):
    CREATED = "created"
    RUNNING = "running"
    PAUSED = "paused"
    STOPPING = "stopping"
    STOPPED = "stopped"
    ERROR = "error"


class Direction(StrEnum):
    A_TO_B = "a_to_b"
    B_TO_A = "b_to_a"

    @property
    def input_side(self) -> Side:
        return Side.A if self is Direction.A_TO_B else Side.B

    @property
    def output_side(self) -> Side:
        return self.input_side.other

    @property
    def opposite(self) -> Direction:
        return Direction.B_TO_A if self is Direction.A_TO_B else Direction.A_TO_B


@dataclass(frozen=True, slots=True)
class WorkerConfig:
    """What a worker is bound to for its whole life.

    `side` is the token side of deposit and withdrawal workers; a swap worker's side is its input side.
    `initial_amount` is minted to the worker when it starts (0: it lives on shares only); `auto_refill` mints the
    full initial amount again whenever the balance falls below 5% of it; `share` enables the token circulation
    (LP to withdrawers, tokens back to depositors, swap output to the opposite swapper).
    """

    worker_id: str
    kind: WorkerKind
    pool: Address
    side: Side
    initial_amount: int = 0
    auto_refill: bool = False
    share: bool = True

    @property
    def direction(self) -> Direction:
        return Direction.A_TO_B if self.side is Side.A else Direction.B_TO_A
