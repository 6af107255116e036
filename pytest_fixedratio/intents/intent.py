"""An intent: one transaction the harness sends, described once.

From the accounts it watches, as they stand just before the transaction, an intent predicts the outcome
(success, or the exact error and the failing instruction), the complete state of every watched account
afterwards (a failure leaves everything but the payer's network fee untouched, I9), the success log lines, and
the increase of each touched pool's I2 quantity S. Workers build intents; the session sends them; the
verifier compares the prediction with the receipt. Nothing else decides whether a transaction must fail.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Final

from pytest_fixedratio.chain.base import AccountMap
from pytest_fixedratio.frt import math as frt_math
from pytest_fixedratio.frt.state import AccountLayout
from pytest_fixedratio.intents.book import Book, Change, no_flows
from pytest_fixedratio.intents.expected import ExpectedError, Fails
from pytest_fixedratio.intents.ops import Op
from pytest_fixedratio.sol.address import Address
from pytest_fixedratio.sol.instruction import Instruction

if TYPE_CHECKING:
    from pytest_fixedratio.sol.keys import Wallet

SYSTEM_ACCOUNT_RENT: Final = frt_math.rent(0)
"""A System account must keep this much or nothing after a transaction (else InsufficientFundsForRent)."""


@dataclass(frozen=True, slots=True)
class Prediction:
    """What the transaction must do. `error` is None for a success; `fails` with `error` None means the model
    knows the transaction must fail but not the error (never for the harness's own operations)."""

    fails: bool
    error: ExpectedError | None
    reason: str
    accounts: AccountMap
    logs: tuple[str, ...] = ()
    changes: tuple[Change, ...] = ()
    surplus: Mapping[Address, int] = field(default_factory=dict)
    decoded: Mapping[Address, AccountLayout] = field(default_factory=dict)
    """The predicted accounts the prediction decoded, as decoded: where the chain shows exactly the predicted
    state, checks reuse them instead of decoding again."""
    flows: Mapping[str, int] = field(default_factory=no_flows)
    """The MainTreasury's lamport flows by cause (`book.FLOW_CAUSES`: "pools_created" counts pools, the others
    are lamports), for G1; all 0 for a failure."""
    treasury_synced: bool = False
    """The transaction ends with the treasury's cached total_balance equal to its lamports by rule (G4)."""

    def describe(self, intent: Intent) -> str:
        ops = "; ".join(str(op) for op in intent.ops) or "no operation"
        if self.fails:
            return f"{ops}: must fail with {self.error or 'an error'} ({self.reason})"
        return f"{ops}: " + (", ".join(map(str, self.changes)) or "no change")


@dataclass(frozen=True, eq=False)
class Intent:
    """One transaction: what it is (`kind`, for statistics and the log), who sends it (`actor`; the first
    signer pays), its operations, the pool it trades on (invariants are checked after it) and its headline
    amount. `credits` names the workers a share pays (worker id, amount), for their statistics. `boundary` names
    the boundary amount (`engine.boundaries`) the amount is, if it is one, for the log and the summary.
    `audit` (an admin action) names the pools whose invariants are checked after it, with the program-wide
    ones (G1-G4); None: no such check. A security probe names the `finding` it tests for and the
    `alternatives`: what a build with the finding fixed must do (the intent's own prediction is the finding)."""

    kind: str
    actor: str
    ops: tuple[Op, ...]
    signers: tuple[Wallet, ...]
    pool: Address | None = None
    amount: int = 0
    compute_units: int | None = None
    credits: tuple[tuple[str, int], ...] = ()
    boundary: str = ""
    audit: tuple[Address, ...] | None = None
    finding: str = ""
    alternatives: tuple[Intent, ...] = ()

    @property
    def payer(self) -> Address:
        return self.signers[0].address

    def instructions(self) -> list[Instruction]:
        return [ix for op in self.ops for ix in op.instructions()]

    @cached_property
    def _labels(self) -> dict[Address, str]:
        roles: dict[Address, list[str]] = {self.payer: ["fee payer"]}
        for op in self.ops:
            for address, role in op.labels().items():
                names = roles.setdefault(address, [])
                if role not in names:
                    names.append(role)
        return {address: " / ".join(names) for address, names in roles.items()}

    def labels(self) -> dict[Address, str]:
        """Every account of the transaction, named by all its roles ("fee payer / user")."""
        return self._labels

    def watch(self) -> tuple[Address, ...]:
        """Every account the prediction needs before and after: the transaction's ``watch=``."""
        return tuple(self.labels())

    def predict(self, before: AccountMap, *, network_fee: int, now: int) -> Prediction:
        """The outcome from the watched accounts just before the transaction, charged `network_fee`, at
        unix time `now` (the Clock sysvar it runs under)."""
        labels = self.labels()
        book = Book(before, labels, now=now)
        if not book.exists(self.payer):
            return Prediction(True, ExpectedError.runtime("AccountNotFound"), "the fee payer has no account", before)
        if book.lamports(self.payer) < network_fee:
            return Prediction(True, ExpectedError.runtime("InsufficientFundsForFee"),
                              "the fee payer cannot pay the network fee", before)
        book.add_lamports(self.payer, -network_fee)
        first = 0
        try:
            for op in self.ops:
                op.apply(book)
                first += len(op.instructions())
            accounts = book.accounts
            self._rent_state(book, accounts, before)
        except Fails as fails:
            return self._failure(before, labels, fails, first, network_fee, now)
        return Prediction(False, None, "", accounts, tuple(book.logs), tuple(book.changes),
                          dict(book.surplus_added), book.decoded, dict(book.flows), book.treasury_synced)

    def _failure(self, before: AccountMap, labels: Mapping[Address, str], fails: Fails, instruction: int,
                 network_fee: int, now: int) -> Prediction:
        error = None if fails.error is None else fails.error.at(instruction)
        failed = self.failed_state(before, network_fee=network_fee, now=now)
        return Prediction(True, error, fails.reason, failed, ())

    def failed_state(self, before: AccountMap, *, network_fee: int, now: int) -> AccountMap:
        """What any failure of this transaction leaves (I9): the payer charged `network_fee`, nothing else."""
        failed = Book(before, self.labels(), now=now)
        if network_fee and failed.exists(self.payer):
            failed.add_lamports(self.payer, -network_fee)
        return failed.accounts

    @staticmethod
    def _rent_state(book: Book, accounts: AccountMap, before: AccountMap) -> None:
        """The runtime's rent check: no account may end rent-paying (holding lamports, fewer than the rent-exempt
        minimum of its size) unless it was rent-paying before, as large, and gained nothing. A payer left below
        rent, or a new account given less than rent (a treasury withdrawal of 1 lamport to a new address), fails
        the whole transaction."""
        for address, account in accounts.items():
            previous = before.get(address)
            if account is previous:  # untouched: it passes the check exactly as it did before the transaction
                continue
            if account is None or account.executable or not 0 < account.lamports < frt_math.rent(len(account.data)):
                continue
            if (previous is not None and 0 < previous.lamports < frt_math.rent(len(previous.data))
                    and len(previous.data) == len(account.data) and account.lamports <= previous.lamports):
                continue
            raise Fails(ExpectedError.runtime("InsufficientFundsForRent"),
                        f"{book.label(address)} would keep {account.lamports} lamports, below rent")

    def __str__(self) -> str:
        return f"{self.kind} by {self.actor}: " + ("; ".join(str(op) for op in self.ops) or "no operation")
