"""SPL Token, Associated Token Account and System operations of the harness's own token economy: shares,
funding, refills, SOL top-ups, emptying, closing, and the mints the core wallet creates.

Errors follow spl-token 3.5's processor order (frozen, balance, mint, owner) and the System program's
(`ResultWithNegativeLamports`, `AccountAlreadyInUse`), so a share that must fail is predicted as exactly as an
FRT operation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from pytest_fixedratio.frt import math as frt_math
from pytest_fixedratio.frt.errors import SplTokenError, SystemProgramError
from pytest_fixedratio.frt.state import Mint, TokenAccount
from pytest_fixedratio.intents.book import Book
from pytest_fixedratio.intents.expected import ExpectedError, Fails
from pytest_fixedratio.intents.ops import Op
from pytest_fixedratio.sol import ids, programs
from pytest_fixedratio.sol.address import Address
from pytest_fixedratio.sol.instruction import Instruction
from pytest_fixedratio.sol.pda import associated_token_address

E = ExpectedError
_TOKEN_DATA: Final = E.token_builtin("InvalidAccountData")
_NEGATIVE: Final = E.system(SystemProgramError.ResultWithNegativeLamports)


def _require(condition: bool, error: ExpectedError | None, why: str | Callable[[], str]) -> None:
    """Fail with `error` unless `condition`; `why` is formatted only then (base58 text is not free)."""
    if not condition:
        raise Fails(error, why if isinstance(why, str) else why())


def _token_account(book: Book, address: Address) -> TokenAccount:
    return book.read(address, TokenAccount, error=_TOKEN_DATA)


@dataclass(frozen=True, slots=True)
class TokenTransfer(Op):
    """SPL Transfer signed by `owner` (a share between wallets): source −amount, destination +amount."""

    source: Address
    destination: Address
    owner: Address
    amount: int

    def instructions(self) -> tuple[Instruction, ...]:
        return (programs.transfer(self.source, self.destination, self.owner, self.amount),)

    def labels(self) -> dict[Address, str]:
        return {self.source: "transfer source", self.destination: "transfer destination"}

    def apply(self, book: Book) -> None:
        source, destination = _token_account(book, self.source), _token_account(book, self.destination)
        _require(not source.is_frozen and not destination.is_frozen, E.token(SplTokenError.AccountFrozen),
                 "a token account is frozen")
        _require(source.amount >= self.amount, E.token(SplTokenError.InsufficientFunds),
                 lambda: f"{book.label(self.source)} holds {source.amount} < {self.amount}")
        _require(source.mint == destination.mint, E.token(SplTokenError.MintMismatch),
                 lambda: f"mints differ: {source.mint} vs {destination.mint}")
        _require(source.owner == self.owner or (source.delegate == self.owner and source.delegated_amount
                                                >= self.amount), E.token(SplTokenError.OwnerMismatch),
                 lambda: f"{book.label(self.source)} belongs to {source.owner}, not {self.owner}")
        if self.source == self.destination:
            return
        book.adjust(self.source, TokenAccount, amount=-self.amount)
        book.adjust(self.destination, TokenAccount, error=E.token(SplTokenError.Overflow), amount=self.amount)

    def __str__(self) -> str:
        return f"TokenTransfer({self.amount}) {self.source} -> {self.destination}"


@dataclass(frozen=True, slots=True)
class MintTo(Op):
    """SPL MintTo by the mint authority (initial funding, refill): recipient +amount, supply +amount."""

    mint: Address
    destination: Address
    authority: Address
    amount: int

    def instructions(self) -> tuple[Instruction, ...]:
        return (programs.mint_to(self.mint, self.destination, self.authority, self.amount),)

    def labels(self) -> dict[Address, str]:
        return {self.mint: "mint", self.destination: "mint recipient"}

    def apply(self, book: Book) -> None:
        recipient = _token_account(book, self.destination)
        _require(not recipient.is_frozen, E.token(SplTokenError.AccountFrozen), "the recipient is frozen")
        _require(recipient.mint == self.mint, E.token(SplTokenError.MintMismatch),
                 lambda: f"the recipient holds mint {recipient.mint}, not {self.mint}")
        mint = book.read(self.mint, Mint, error=_TOKEN_DATA)
        _require(mint.mint_authority is not None, E.token(SplTokenError.FixedSupply), "the mint has no authority")
        _require(mint.mint_authority == self.authority, E.token(SplTokenError.OwnerMismatch),
                 lambda: f"the mint authority is {mint.mint_authority}, not {self.authority}")
        book.adjust(self.mint, Mint, error=E.token(SplTokenError.Overflow), supply=self.amount)
        book.adjust(self.destination, TokenAccount, error=E.token(SplTokenError.Overflow), amount=self.amount)

    def __str__(self) -> str:
        return f"MintTo({self.amount}) of {self.mint} -> {self.destination}"


@dataclass(frozen=True, slots=True)
class Burn(Op):
    """SPL Burn by the holder (emptying a wallet): holder −amount, supply −amount. Burning LP outside the
    program raises the pool's I2 quantity S by the other side's ratio per unit: `pool` names that pool."""

    account: Address
    mint: Address
    owner: Address
    amount: int
    surplus_pool: Address | None = None
    surplus_per_unit: int = 0

    def instructions(self) -> tuple[Instruction, ...]:
        return (programs.burn(self.account, self.mint, self.owner, self.amount),)

    def labels(self) -> dict[Address, str]:
        return {self.account: "burn holder", self.mint: "mint"}

    def apply(self, book: Book) -> None:
        holder = _token_account(book, self.account)
        _require(not holder.is_frozen, E.token(SplTokenError.AccountFrozen), "the holder is frozen")
        _require(holder.amount >= self.amount, E.token(SplTokenError.InsufficientFunds),
                 lambda: f"{book.label(self.account)} holds {holder.amount} < {self.amount}")
        _require(holder.mint == self.mint, E.token(SplTokenError.MintMismatch),
                 lambda: f"the holder holds mint {holder.mint}, not {self.mint}")
        _require(holder.owner == self.owner, E.token(SplTokenError.OwnerMismatch),
                 lambda: f"{book.label(self.account)} belongs to {holder.owner}")
        book.adjust(self.account, TokenAccount, amount=-self.amount)
        book.adjust(self.mint, Mint, supply=-self.amount)
        if self.surplus_pool is not None:
            book.add_surplus(self.surplus_pool, self.amount * self.surplus_per_unit)

    def __str__(self) -> str:
        return f"Burn({self.amount}) of {self.mint} from {self.account}"


@dataclass(frozen=True, slots=True)
class SolTransfer(Op):
    """System transfer (SOL top-up or return): source −lamports, destination +lamports."""

    source: Address
    destination: Address
    lamports: int

    def instructions(self) -> tuple[Instruction, ...]:
        return (programs.system_transfer(self.source, self.destination, self.lamports),)

    def labels(self) -> dict[Address, str]:
        return {self.source: "SOL source", self.destination: "SOL destination"}

    def apply(self, book: Book) -> None:
        _require(book.lamports(self.source) >= self.lamports, _NEGATIVE,
                 lambda: f"{book.label(self.source)} holds {book.lamports(self.source)} < {self.lamports} lamports")
        book.add_lamports(self.source, -self.lamports)
        if not book.exists(self.destination):  # a transfer to a new address creates a System account
            book.create(self.destination, ids.SYSTEM_PROGRAM_ID)
        book.add_lamports(self.destination, self.lamports)

    def __str__(self) -> str:
        return f"SolTransfer({self.lamports}) {self.source} -> {self.destination}"


@dataclass(frozen=True, slots=True)
class CreateAta(Op):
    """Associated Token Account creation (idempotent form): `payer` funds the rent of `owner`'s new, empty
    account for `mint`; an existing account of that owner and mint is left alone."""

    payer: Address
    owner: Address
    mint: Address
    rent: int = frt_math.rent(ids.TOKEN_ACCOUNT_LEN)

    @property
    def account(self) -> Address:
        return associated_token_address(self.owner, self.mint)

    def instructions(self) -> tuple[Instruction, ...]:
        return (programs.create_associated_token_account(self.payer, self.owner, self.mint, idempotent=True),)

    def labels(self) -> dict[Address, str]:
        return {self.payer: "ATA payer", self.account: "new token account", self.mint: "mint"}

    def apply(self, book: Book) -> None:
        book.read(self.mint, Mint)
        if book.exists(self.account):
            existing = book.read(self.account, TokenAccount)
            _require(existing.owner == self.owner and existing.mint == self.mint, None,
                     lambda: f"{book.label(self.account)} exists with another owner or mint")
            return
        _require(book.lamports(self.payer) >= self.rent, _NEGATIVE, "the payer cannot pay the rent")
        book.add_lamports(self.payer, -self.rent)
        book.create(self.account, ids.TOKEN_PROGRAM_ID, TokenAccount(self.mint, self.owner, 0).encode())
        book.add_lamports(self.account, self.rent)

    def __str__(self) -> str:
        return f"CreateAta({self.mint}) for {self.owner}"


@dataclass(frozen=True, slots=True)
class CloseTokenAccount(Op):
    """SPL CloseAccount: an empty token account's rent goes to `destination` and the account is gone."""

    account: Address
    destination: Address
    owner: Address

    def instructions(self) -> tuple[Instruction, ...]:
        return (programs.close_account(self.account, self.destination, self.owner),)

    def labels(self) -> dict[Address, str]:
        return {self.account: "closed token account", self.destination: "rent destination"}

    def apply(self, book: Book) -> None:
        token = _token_account(book, self.account)
        _require(token.amount == 0, E.token(SplTokenError.NonNativeHasBalance),
                 lambda: f"{book.label(self.account)} still holds {token.amount} tokens")
        _require((token.close_authority or token.owner) == self.owner, E.token(SplTokenError.OwnerMismatch),
                 lambda: f"{book.label(self.account)} is owned by {token.owner}")
        lamports = book.lamports(self.account)
        book.add_lamports(self.account, -lamports)
        book.add_lamports(self.destination, lamports)
        book.remove(self.account)

    def __str__(self) -> str:
        return f"CloseTokenAccount {self.account} -> {self.destination}"


@dataclass(frozen=True, slots=True)
class CreateMint(Op):
    """System CreateAccount (rent from `payer`) plus InitializeMint2: a new mint with `authority` as mint
    authority and no freeze authority (nobody can freeze a vault and brick a pool, frt-contract.md 8.9)."""

    payer: Address
    mint: Address
    decimals: int
    authority: Address
    rent: int = frt_math.rent(ids.MINT_LEN)

    def instructions(self) -> tuple[Instruction, ...]:
        return (programs.create_account(self.payer, self.mint, self.rent, ids.MINT_LEN, ids.TOKEN_PROGRAM_ID),
                programs.initialize_mint2(self.mint, self.decimals, self.authority, None))

    def labels(self) -> dict[Address, str]:
        return {self.payer: "mint payer", self.mint: "new mint"}

    def apply(self, book: Book) -> None:
        _require(not book.exists(self.mint), E.system(SystemProgramError.AccountAlreadyInUse),
                 lambda: f"{book.label(self.mint)} already exists")
        _require(book.lamports(self.payer) >= self.rent, _NEGATIVE, "the payer cannot pay the rent")
        book.add_lamports(self.payer, -self.rent)
        book.create(self.mint, ids.TOKEN_PROGRAM_ID, Mint(self.authority, 0, self.decimals, True, None).encode())
        book.add_lamports(self.mint, self.rent)

    def __str__(self) -> str:
        return f"CreateMint({self.decimals} decimals) {self.mint}"
