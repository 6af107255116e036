"""Abilities only some chains have, as optional protocols the harness asks for with ``isinstance``.

An in-process chain can do all of them; a validator none, and each caller states what it does without:
- `AccountWriter` (overwrite an account outside any transaction): tests that fake a third party or a fault;
  without it such a test is skipped with the reason.
- `TimeTravel` (move the Clock sysvar): the virtual clock; without it the run uses real time.
- `Ephemeral` (the chain is new at every start): a restarting service makes its pools again; without it,
  stored pools are looked up and validated.
- `Faucet` (credit lamports from nowhere): funding the core wallet; without it the core wallet must be funded
  beforehand (a key file holding SOL), and the run checks its balance instead.
- `Measured` (latency per endpoint method): the statistics show it; an in-process chain has no endpoint.
- `Lookup` (what became of a transaction, by its signature): a restarting service settles the transactions
  its predecessor logged as sent and never saw the end of; without it they stay pending, and it says so.
Receipts' before/after account states come from every target: in-process they are read around the
transaction; a validator target reads them too, and its transaction metadata's pre/post balances are the
fallback that stays exact while other clients touch the same accounts.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from pytest_fixedratio.chain.base import AccountState, Receipt
from pytest_fixedratio.metrics.histogram import Histogram
from pytest_fixedratio.sol.address import Address


@runtime_checkable
class AccountWriter(Protocol):
    def set_account(self, address: Address, state: AccountState) -> None:
        """Overwrite the account at `address` as it is."""


@runtime_checkable
class TimeTravel(Protocol):
    async def advance_clock(self, seconds: float) -> None:
        """Let `seconds` of chain time pass (timestamp and slot move)."""


@runtime_checkable
class Ephemeral(Protocol):
    """A chain that lives and dies with this process (the in-process target): new at every start, so a service
    restarting on it makes its stored pools again instead of finding them. Without it a chain is taken to
    outlive the service, and stored pools are validated against it."""

    ephemeral: bool


@runtime_checkable
class Startable(Protocol):
    """A chain that must reach its endpoint before its first use (the rpc target identifies the deployed
    program): the campaign awaits `start` at set-up."""

    async def start(self) -> None: ...


@runtime_checkable
class Faucet(Protocol):
    async def airdrop(self, address: Address, lamports: int) -> None:
        """Credit `lamports` to `address`; raises `ChainError` if refused."""


@runtime_checkable
class Lookup(Protocol):
    async def fate(self, signature: str, last_valid_height: int) -> Receipt | None:
        """The receipt (no accounts watched) of the transaction `signature` once it has landed, or None once the
        chain is past `last_valid_height` without it: it can never land then."""


@runtime_checkable
class Measured(Protocol):
    @property
    def latency(self) -> dict[str, Histogram]:
        """Milliseconds per endpoint method (getTransaction, sendTransaction ...) so far."""
