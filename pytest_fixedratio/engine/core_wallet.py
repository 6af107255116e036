"""The core wallet: it creates the test mints, is their only authority, and funds the workers.

All of its transactions are serialized through one lock: it pays for many concurrent ATA creations, mints and
top-ups, and two of them in flight at once would race for its balance (service-features.md 5, item 44). Mints
are created without a freeze authority, so nobody can freeze a vault and brick a pool (frt-contract.md 8.9).
Like every participant it only builds intents; the session sends and verifies them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from pytest_fixedratio.engine.decisions import DecisionSource
from pytest_fixedratio.errors import FixedRatioError
from pytest_fixedratio.frt.constants import Side
from pytest_fixedratio.frt.pdas import PoolAddresses
from pytest_fixedratio.intents.intent import Intent
from pytest_fixedratio.intents.ops import Op
from pytest_fixedratio.intents.pool_ops import Deposit
from pytest_fixedratio.intents.wallet_ops import CreateAta, CreateMint, MintTo, SolTransfer, TokenTransfer
from pytest_fixedratio.sol.address import Address
from pytest_fixedratio.sol.keys import Wallet
from pytest_fixedratio.sol.pda import associated_token_address

if TYPE_CHECKING:
    from pytest_fixedratio.engine.outcome import Outcome

CORE = "core"
FUND_LP_COMPUTE_UNITS = 340_000
"""A deposit's budget (310,000) with room for the mint and the transfer around it."""
ATAS_PER_TRANSACTION = 8
"""ATA creations batched into one transaction (each adds four accounts; a transaction holds 1232 bytes)."""


class CoreWalletError(FixedRatioError):
    """The core wallet could not do what it must (create a mint, fund a worker)."""


class Executor(Protocol):
    async def execute(self, intent: Intent) -> Outcome:
        """Send, verify and record one intent."""


@dataclass(frozen=True, slots=True)
class Rents:
    """Rent-exempt minimums of the accounts the harness creates, read from the chain once."""

    token_account: int
    mint: int


class CoreWallet:
    def __init__(self, executor: Executor, wallet: Wallet, decisions: DecisionSource, rents: Rents) -> None:
        self.executor = executor
        self.wallet = wallet
        self.decisions = decisions
        self.rents = rents
        self._lock = asyncio.Lock()
        self._known_atas: set[Address] = set()

    @property
    def address(self) -> Address:
        return self.wallet.address

    async def _execute(self, kind: str, ops: Sequence[Op], *, extra_signers: Sequence[Wallet] = (),
                       amount: int = 0, pool: Address | None = None, compute_units: int | None = None) -> Outcome:
        intent = Intent(kind, CORE, tuple(ops), (self.wallet, *extra_signers), amount=amount, pool=pool,
                        compute_units=compute_units)
        async with self._lock:
            outcome = await self.executor.execute(intent)
        if not outcome.ok:
            raise CoreWalletError(f"core wallet {kind} failed: {outcome.receipt.failure} {outcome.receipt.logs[-3:]}")
        return outcome

    def new_mint_key(self) -> Wallet:
        """The key of a mint to create (from this wallet's stream: a seeded run makes the same mints)."""
        return Wallet.from_seed(self.decisions.secret_seed())

    async def create_mint(self, decimals: int, mint: Wallet | None = None) -> Address:
        """A new SPL mint with `decimals` at `mint`'s address (a new key when None), this wallet as mint
        authority and no freeze authority."""
        mint = self.new_mint_key() if mint is None else mint
        await self._execute("create_mint", [CreateMint(self.address, mint.address, decimals, self.address,
                                                       self.rents.mint)], extra_signers=[mint], amount=decimals)
        return mint.address

    def missing_atas(self, pairs: Sequence[tuple[Address, Address]]) -> list[tuple[Address, Address]]:
        """The (owner, mint) pairs whose ATA this wallet does not know to exist."""
        return [p for p in dict.fromkeys(pairs) if associated_token_address(*p) not in self._known_atas]

    async def ensure_atas(self, pairs: Sequence[tuple[Address, Address]]) -> None:
        """Make sure every (owner, mint) ATA exists, creating the missing ones (idempotently)."""
        missing = self.missing_atas(pairs)
        for start in range(0, len(missing), ATAS_PER_TRANSACTION):
            batch = missing[start:start + ATAS_PER_TRANSACTION]
            await self._execute("create_ata", [CreateAta(self.address, owner, mint, self.rents.token_account)
                                               for owner, mint in batch])
            self._known_atas.update(associated_token_address(*p) for p in batch)

    def forget_atas(self, atas: Sequence[Address]) -> None:
        """ATAs that were closed: create them again when next needed."""
        self._known_atas.difference_update(atas)

    async def mint_to(self, mint: Address, owner: Address, amount: int, *, kind: str = "mint",
                      pool: Address | None = None) -> Outcome:
        """Mint `amount` of `mint` into `owner`'s ATA (created first when missing)."""
        await self.ensure_atas([(owner, mint)])
        ata = associated_token_address(owner, mint)
        return await self._execute(kind, [MintTo(mint, ata, self.address, amount)], amount=amount, pool=pool)

    async def fund_lp(self, pool: PoolAddresses, side: Side, owner: Address, amount: int) -> Outcome:
        """`amount` LP tokens of `side` for `owner` (fund_thread). Only the pool mints LP tokens, one per token
        deposited, so in one transaction the core mints the token to itself, deposits it and sends the LP tokens
        on; it pays the pool's deposit fee."""
        token, lp = pool.mint(side), pool.lp_mint(side)
        await self.ensure_atas([(self.address, token), (self.address, lp), (owner, lp)])
        own_lp = associated_token_address(self.address, lp)
        ops = [MintTo(token, associated_token_address(self.address, token), self.address, amount),
               Deposit(pool, self.address, side, amount),
               TokenTransfer(own_lp, associated_token_address(owner, lp), self.address, amount)]
        return await self._execute("fund_lp", ops, amount=amount, pool=pool.pool, compute_units=FUND_LP_COMPUTE_UNITS)

    async def send_sol(self, to: Address, lamports: int, *, kind: str = "sol_topup") -> Outcome:
        return await self._execute(kind, [SolTransfer(self.address, to, lamports)], amount=lamports)
