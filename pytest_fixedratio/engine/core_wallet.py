"""The core wallet: it creates the test mints, is their only authority, and funds the workers.

All of its transactions are serialized through one lock: it pays for many concurrent ATA creations, mints and
top-ups, and two of them in flight at once would race for its balance (service-features.md 5, item 44). Mints
are created without a freeze authority, so nobody can freeze a vault and brick a pool (frt-contract.md 8.9).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

from pytest_fixedratio.chain.base import Chain
from pytest_fixedratio.engine.decisions import DecisionSource
from pytest_fixedratio.engine.operator import Check, Operator, Outcome
from pytest_fixedratio.errors import FixedRatioError
from pytest_fixedratio.sol import ids, programs
from pytest_fixedratio.sol.address import Address
from pytest_fixedratio.sol.instruction import Instruction
from pytest_fixedratio.sol.keys import Wallet
from pytest_fixedratio.sol.pda import associated_token_address
from pytest_fixedratio.store.keyfile import load_wallet, save_wallet

CORE = "core"


class CoreWalletError(FixedRatioError):
    """The core wallet could not do what it must (create a mint, fund a worker)."""


class CoreWallet:
    def __init__(self, chain: Chain, operator: Operator, wallet: Wallet, decisions: DecisionSource) -> None:
        self.chain = chain
        self.operator = operator
        self.wallet = wallet
        self.decisions = decisions
        self._lock = asyncio.Lock()
        self._known_atas: set[Address] = set()

    @classmethod
    def open(cls, chain: Chain, operator: Operator, decisions: DecisionSource, path: Path | None) -> CoreWallet:
        """Load the wallet stored at `path`, or create it there (mode 0600); no path: derived from the seed.

        The wallet and the mints draw from separate streams, so loading a stored wallet does not shift the
        mint keypairs onto the wallet's own address.
        """
        if path is not None and path.exists():
            wallet = load_wallet(path)
        else:
            wallet = Wallet.from_seed(decisions.child("wallet").secret_seed())
            if path is not None:
                save_wallet(wallet, path)
        return cls(chain, operator, wallet, decisions.child("mints"))

    @property
    def address(self) -> Address:
        return self.wallet.address

    async def _execute(self, kind: str, instructions: Sequence[Instruction], *, extra_signers: Sequence[Wallet] = (),
                       amount: int = 0, pool: str = "", checks: Sequence[Check] = ()) -> Outcome:
        async with self._lock:
            outcome = await self.operator.execute(
                actor=CORE, kind=kind, instructions=instructions, signers=[self.wallet, *extra_signers],
                amount=amount, pool=pool, checks=checks,
            )
        if not outcome.ok:
            raise CoreWalletError(f"core wallet {kind} failed: {outcome.receipt.failure} {outcome.receipt.logs[-3:]}")
        return outcome

    async def create_mint(self, decimals: int) -> Address:
        """A new SPL mint with `decimals`, this wallet as mint authority and no freeze authority."""
        mint = Wallet.from_seed(self.decisions.secret_seed())
        rent = await self.chain.rent_exempt_minimum(ids.MINT_LEN)
        await self._execute("create_mint", [
            programs.create_account(self.address, mint.address, rent, ids.MINT_LEN, ids.TOKEN_PROGRAM_ID),
            programs.initialize_mint2(mint.address, decimals, self.address, None),
        ], extra_signers=[mint], amount=decimals)
        return mint.address

    def ata_instructions(self, pairs: Sequence[tuple[Address, Address]]) -> list[Instruction]:
        """Idempotent creations (paid by this wallet) of the (owner, mint) ATAs not yet known to exist."""
        return [programs.create_associated_token_account(self.address, owner, mint, idempotent=True)
                for owner, mint in self.missing_atas(pairs)]

    def missing_atas(self, pairs: Sequence[tuple[Address, Address]]) -> list[tuple[Address, Address]]:
        """The (owner, mint) pairs whose ATA this wallet does not know to exist."""
        return [p for p in dict.fromkeys(pairs) if associated_token_address(*p) not in self._known_atas]

    async def ensure_atas(self, pairs: Sequence[tuple[Address, Address]], *, checks: Sequence[Check] = ()) -> None:
        """Make sure every (owner, mint) ATA exists, creating the missing ones in one transaction."""
        instructions = self.ata_instructions(pairs)
        if instructions:
            await self._execute("create_ata", instructions, checks=checks)
            self._known_atas.update(associated_token_address(*p) for p in pairs)

    def forget_atas(self, atas: Sequence[Address]) -> None:
        """ATAs that were closed: create them again when next needed."""
        self._known_atas.difference_update(atas)

    async def mint_to(self, mint: Address, owner: Address, amount: int, *, kind: str = "mint",
                      pool: str = "", checks: Sequence[Check] = ()) -> Outcome:
        """Mint `amount` of `mint` into `owner`'s ATA (created first if needed, so the mint is verifiable alone)."""
        if self.missing_atas([(owner, mint)]):
            raise CoreWalletError(f"create the ATA of {owner} for {mint} before minting to it")
        ata = associated_token_address(owner, mint)
        return await self._execute(kind, [programs.mint_to(mint, ata, self.address, amount)], amount=amount, pool=pool,
                                   checks=checks)

    async def send_sol(self, to: Address, lamports: int, *, kind: str = "sol_topup",
                       checks: Sequence[Check] = ()) -> Outcome:
        return await self._execute(kind, [programs.system_transfer(self.address, to, lamports)], amount=lamports,
                                   checks=checks)

    async def balance(self) -> int:
        return await self.chain.get_balance(self.address)
