"""What each operation does to the accounts it touches: the ledger's model of FRT, SPL Token and System.

An `Operation` edits a `Book` (the watched accounts, decoded) as the contract says it must, or raises
`Rejected` when the contract must refuse it: a zero amount, a wrong expected swap output, an overdraft, a
paused pool or system, a foreign or frozen user account, a u64 pushed out of range. Deposit, Withdraw and
Swap follow frt-contract.md 4.2-4.5 and section 5 I3-I5; the SPL and System operations cover the harness's
own token economy (shares, funding, emptying, SOL top-ups, associated token accounts).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import ClassVar, Final, NamedTuple, TypeVar

from pytest_fixedratio.chain.base import AccountMap, AccountState
from pytest_fixedratio.errors import DecodeError, InvalidArgument
from pytest_fixedratio.frt import math as frt_math
from pytest_fixedratio.frt import pdas
from pytest_fixedratio.frt.constants import PoolFlag, Side
from pytest_fixedratio.frt.pdas import PoolAddresses
from pytest_fixedratio.frt.state import AccountLayout, Mint, PoolState, SystemState, TokenAccount
from pytest_fixedratio.sol import ids
from pytest_fixedratio.sol.address import Address
from pytest_fixedratio.sol.pda import associated_token_address
from pytest_fixedratio.verify.snapshot import layout_of, pool_roles

L = TypeVar("L", bound=AccountLayout)
U64_MAX: Final = frt_math.U64_MAX


class Rejected(Exception):
    """Control-flow signal inside `predict`: the contract (or SPL Token, or the runtime) must reject the
    transaction; the message says why."""


class Change(NamedTuple):
    """One predicted edit: `field` of the account at `address` moves by `delta`."""

    label: str
    address: Address
    field: str
    delta: int

    def __str__(self) -> str:
        return f"{self.label} {self.address}.{self.field} {self.delta:+}"


class Book:
    """The watched accounts as operations leave them, edited in transaction order.

    Accounts are decoded once and kept decoded while operations edit their integer fields by deltas; the
    edited ones are re-encoded when `accounts` is read. `changes` records each edit for reports.
    """

    def __init__(self, before: AccountMap, labels: Mapping[Address, str]) -> None:
        self._accounts: dict[Address, AccountState | None] = dict(before)
        self._decoded: dict[Address, AccountLayout] = {}
        self._edited: set[Address] = set()
        self._labels = labels
        self.changes: list[Change] = []
        self.surplus_added: dict[Address, int] = {}

    @property
    def accounts(self) -> dict[Address, AccountState | None]:
        """Every watched account as the operations so far leave it (an account left with 0 lamports is gone:
        the runtime deletes it when the transaction commits)."""
        accounts = dict(self._accounts)
        for address in self._edited:
            account = accounts[address]
            assert account is not None  # only existing accounts are decoded and edited
            accounts[address] = AccountState(account.lamports, account.owner, self._decoded[address].encode(),
                                             account.executable)
        return {a: None if s is None or s.lamports == 0 else s for a, s in accounts.items()}

    def label(self, address: Address) -> str:
        return f"{self._labels.get(address, 'account')} {address}"

    def _watched(self, address: Address) -> AccountState | None:
        if address not in self._accounts:
            raise InvalidArgument(f"{self.label(address)} is not watched: pass every address of "
                                  f"`watch_list(operations, fee_payer)` as the transaction's watch=")
        return self._accounts[address]

    def account(self, address: Address) -> AccountState:
        """The account as it stands; a missing one makes the transaction fail."""
        account = self._watched(address)
        if account is None:
            raise Rejected(f"{self.label(address)} does not exist")
        return account

    def exists(self, address: Address) -> bool:
        return self._watched(address) is not None

    def read(self, address: Address, layout: type[L]) -> L:
        """The account decoded as `layout`; an account of another kind makes the transaction fail."""
        cached = self._decoded.get(address)
        if isinstance(cached, layout):
            return cached
        account = self.account(address)
        if layout_of(account) is not layout:
            raise Rejected(f"{self.label(address)} is not a {layout.__name__} "
                            f"(owner {account.owner}, {len(account.data)} bytes)")
        try:
            decoded = layout.decode(account.data)
        except DecodeError as exc:
            raise Rejected(f"{self.label(address)}: {exc}") from None
        self._decoded[address] = decoded
        return decoded

    def adjust(self, address: Address, layout: type[AccountLayout], **deltas: int) -> None:
        """Add `deltas` to integer fields; outside [0, u64 max] means the transaction must fail."""
        decoded = self.read(address, layout)
        values = {f.name: getattr(decoded, f.name) for f in fields(decoded)}  # type: ignore[arg-type]
        for name, delta in deltas.items():
            self._check_range(address, name, values[name], delta)
            values[name] += delta
            self.changes.append(Change(self._labels.get(address, "account"), address, name, delta))
        self._decoded[address] = layout(**values)
        self._edited.add(address)

    def create(self, address: Address, owner: Address, data: bytes = b"") -> None:
        """Bring a missing account into existence with 0 lamports (fund it with `add_lamports`)."""
        if self.exists(address):
            raise Rejected(f"{self.label(address)} already exists")
        self._accounts[address] = AccountState(0, owner, data)
        self._decoded.pop(address, None)

    def remove(self, address: Address) -> None:
        """The account is closed by the transaction (its lamports must already have been moved out)."""
        account = self.account(address)
        if account.lamports:
            raise Rejected(f"{self.label(address)} still holds {account.lamports} lamports")
        self._accounts[address] = None
        self._decoded.pop(address, None)
        self._edited.discard(address)

    def add_lamports(self, address: Address, delta: int) -> None:
        """Move lamports in or out."""
        account = self.account(address)
        self._check_range(address, "lamports", account.lamports, delta)
        self._accounts[address] = AccountState(account.lamports + delta, account.owner, account.data,
                                               account.executable)
        self.changes.append(Change(self._labels.get(address, "account"), address, "lamports", delta))

    def add_surplus(self, pool: Address, amount: int) -> None:
        self.surplus_added[pool] = self.surplus_added.get(pool, 0) + amount

    def _check_range(self, address: Address, name: str, value: int, delta: int) -> None:
        if not 0 <= value + delta <= U64_MAX:
            raise Rejected(f"{self.label(address)}.{name} is {value}; {delta:+} leaves the u64 range")


# ---------------------------------------------------------------------------------------------------------
# Operations


class Operation(ABC):
    """One thing a transaction does, with the accounts it touches and its effect on them."""

    __slots__ = ()

    @abstractmethod
    def labels(self) -> dict[Address, str]:
        """Every account the operation reads or changes, named for reports."""

    @abstractmethod
    def apply(self, book: Book) -> None:
        """Edit `book` as the operation must; raise `Rejected` when it must fail."""


def _require(condition: bool, why: Callable[[], str]) -> None:
    """Reject unless `condition`; `why` is called only then (formatting addresses costs base58)."""
    if not condition:
        raise Rejected(why())


def _user_token_account(book: Book, address: Address, owner: Address, mint: Address) -> None:
    """The checks FRT makes on a user's token account (frt-contract.md 6.2, 8.9)."""
    account = book.read(address, TokenAccount)
    _require(account.mint == mint, lambda: f"{book.label(address)} holds mint {account.mint}, not {mint}")
    _require(account.owner == owner,
             lambda: f"{book.label(address)} belongs to {account.owner}, not the signer {owner}")
    _require(not account.is_frozen, lambda: f"{book.label(address)} is frozen")
    _require(account.delegated_amount == 0,
             lambda: f"{book.label(address)} has a delegation of {account.delegated_amount}")


def _move_tokens(book: Book, source: Address, destination: Address, amount: int) -> None:
    book.adjust(source, TokenAccount, amount=-amount)
    book.adjust(destination, TokenAccount, amount=amount)


@dataclass(frozen=True, slots=True)
class _PoolOperation(Operation, ABC):
    """Deposit, Withdraw and Swap: a user trading on one pool, paying the pool's SOL fee."""

    pool: PoolAddresses
    user: Address

    PAUSE_FLAG: ClassVar[PoolFlag] = PoolFlag(0)
    """The pool flag that blocks this operation."""

    def _pool_labels(self) -> dict[Address, str]:
        system = pdas.system_state(self.pool.program_id)[0]
        return {self.user: "user", system: "SystemState",
                **{address: role.value for role, address in pool_roles(self.pool).items()}}

    def _admit(self, book: Book, amount: int) -> PoolState:
        """The checks every user operation passes first; returns the pool state before the operation."""
        system = book.read(pdas.system_state(self.pool.program_id)[0], SystemState)
        _require(not system.is_paused, lambda: "the system is paused (1023)")
        state = book.read(self.pool.pool, PoolState)
        _require(self.PAUSE_FLAG not in state.flags, lambda: f"the pool has {self.PAUSE_FLAG!r} set")
        _require(amount > 0, lambda: "the amount is 0 (InvalidArgument)")
        return state

    def _collect_fee(self, book: Book, fee: int, counter: str) -> None:
        """The SOL fee goes from the user to the pool PDA and into the pool's counters (section 4.5)."""
        book.add_lamports(self.user, -fee)
        book.add_lamports(self.pool.pool, fee)
        book.adjust(self.pool.pool, PoolState, **{counter: fee, "total_sol_fees_collected": fee})

    def _liquidity(self, book: Book, side: Side, amount: int) -> None:
        """Tracked liquidity and LP supply of one side move together by `amount` (deposit +, withdraw −)."""
        book.adjust(self.pool.pool, PoolState, **{_TOTAL[side]: amount})
        book.adjust(self.pool.lp_mint(side), Mint, supply=amount)


_TOTAL: Final = {Side.A: "total_token_a_liquidity", Side.B: "total_token_b_liquidity"}


def _ata(given: Address | None, owner: Address, mint: Address) -> Address:
    return associated_token_address(owner, mint) if given is None else given


@dataclass(frozen=True, slots=True)
class Deposit(_PoolOperation):
    """Deposit `amount` of `side`: user −x, vault +x, total +x, LP supply +x, user LP +x (I3)."""

    side: Side
    amount: int
    source: Address | None = None
    lp_account: Address | None = None

    PAUSE_FLAG: ClassVar[PoolFlag] = PoolFlag.LIQUIDITY_PAUSED

    @property
    def source_account(self) -> Address:
        return _ata(self.source, self.user, self.pool.mint(self.side))

    @property
    def lp_destination(self) -> Address:
        return _ata(self.lp_account, self.user, self.pool.lp_mint(self.side))

    def labels(self) -> dict[Address, str]:
        return {**self._pool_labels(), self.source_account: f"user token {self.side}",
                self.lp_destination: f"user LP {self.side}"}

    def apply(self, book: Book) -> None:
        state = self._admit(book, self.amount)
        _user_token_account(book, self.source_account, self.user, self.pool.mint(self.side))
        _user_token_account(book, self.lp_destination, self.user, self.pool.lp_mint(self.side))
        self._collect_fee(book, state.contract_liquidity_fee, "collected_liquidity_fees")
        _move_tokens(book, self.source_account, self.pool.vault(self.side), self.amount)
        self._liquidity(book, self.side, self.amount)
        book.adjust(self.lp_destination, TokenAccount, amount=self.amount)

    def __str__(self) -> str:
        return f"Deposit({self.side}, {self.amount}) by {self.user} on pool {self.pool.pool}"


@dataclass(frozen=True, slots=True)
class Withdraw(_PoolOperation):
    """Burn `lp_amount` LP of `side` for as many tokens of that side (I4)."""

    side: Side
    lp_amount: int
    lp_account: Address | None = None
    destination: Address | None = None

    PAUSE_FLAG: ClassVar[PoolFlag] = PoolFlag.LIQUIDITY_PAUSED

    @property
    def lp_source(self) -> Address:
        return _ata(self.lp_account, self.user, self.pool.lp_mint(self.side))

    @property
    def destination_account(self) -> Address:
        return _ata(self.destination, self.user, self.pool.mint(self.side))

    def labels(self) -> dict[Address, str]:
        return {**self._pool_labels(), self.lp_source: f"user LP {self.side}",
                self.destination_account: f"user token {self.side}"}

    def apply(self, book: Book) -> None:
        state = self._admit(book, self.lp_amount)
        _user_token_account(book, self.lp_source, self.user, self.pool.lp_mint(self.side))
        _user_token_account(book, self.destination_account, self.user, self.pool.mint(self.side))
        self._collect_fee(book, state.contract_liquidity_fee, "collected_liquidity_fees")
        book.adjust(self.lp_source, TokenAccount, amount=-self.lp_amount)
        self._liquidity(book, self.side, -self.lp_amount)
        _move_tokens(book, self.pool.vault(self.side), self.destination_account, self.lp_amount)

    def __str__(self) -> str:
        return f"Withdraw({self.side}, {self.lp_amount}) by {self.user} on pool {self.pool.pool}"


@dataclass(frozen=True, slots=True)
class Swap(_PoolOperation):
    """Swap `amount_in` of `input_side` for exactly `expected_amount_out` of the other side (I5). The
    output the verifier predicts comes from the ratio stored on chain; the client's expectation must equal
    it, or the program must have rejected the swap."""

    input_side: Side
    amount_in: int
    expected_amount_out: int
    input_account: Address | None = None
    output_account: Address | None = None

    PAUSE_FLAG: ClassVar[PoolFlag] = PoolFlag.SWAPS_PAUSED

    @property
    def source_account(self) -> Address:
        return _ata(self.input_account, self.user, self.pool.mint(self.input_side))

    @property
    def destination_account(self) -> Address:
        return _ata(self.output_account, self.user, self.pool.mint(self.input_side.other))

    def labels(self) -> dict[Address, str]:
        return {**self._pool_labels(), self.source_account: f"user token {self.input_side}",
                self.destination_account: f"user token {self.input_side.other}"}

    def apply(self, book: Book) -> None:
        side_in, side_out = self.input_side, self.input_side.other
        state = self._admit(book, self.amount_in)
        owner_only = PoolFlag.SWAP_FOR_OWNERS_ONLY in state.flags
        _require(not owner_only or self.user == state.owner,
                 lambda: f"owner-only pool, the signer is not its owner {state.owner} (1028)")
        out = self._output(state)
        _user_token_account(book, self.source_account, self.user, self.pool.mint(side_in))
        _user_token_account(book, self.destination_account, self.user, self.pool.mint(side_out))
        self._collect_fee(book, state.swap_contract_fee, "collected_swap_contract_fees")
        _move_tokens(book, self.source_account, self.pool.vault(side_in), self.amount_in)
        book.adjust(self.pool.pool, PoolState, **{_TOTAL[side_in]: self.amount_in, _TOTAL[side_out]: -out})
        _move_tokens(book, self.pool.vault(side_out), self.destination_account, out)
        r_in, r_out = frt_math.swap_ratios(state.ratio_a_numerator, state.ratio_b_denominator, side_in)
        book.add_surplus(self.pool.pool, frt_math.swap_surplus(self.amount_in, r_in, r_out))

    def _output(self, state: PoolState) -> int:
        try:
            out = frt_math.pool_swap_output(state, self.input_side, self.amount_in)
        except (frt_math.SwapRejected, InvalidArgument) as exc:
            raise Rejected(str(exc)) from None
        _require(out == self.expected_amount_out,
                 lambda: f"the on-chain ratio gives {out}, the client expected {self.expected_amount_out} (1047)")
        return out

    def __str__(self) -> str:
        return (f"Swap({self.input_side}->{self.input_side.other}, {self.amount_in} for "
                f"{self.expected_amount_out}) by {self.user} on pool {self.pool.pool}")


@dataclass(frozen=True, slots=True)
class TokenTransfer(Operation):
    """SPL Transfer (a share of tokens between wallets): source −amount, destination +amount."""

    source: Address
    destination: Address
    amount: int

    def labels(self) -> dict[Address, str]:
        return {self.source: "transfer source", self.destination: "transfer destination"}

    def apply(self, book: Book) -> None:
        source, destination = book.read(self.source, TokenAccount), book.read(self.destination, TokenAccount)
        _require(source.mint == destination.mint, lambda: f"mints differ: {source.mint} vs {destination.mint}")
        _require(not source.is_frozen and not destination.is_frozen, lambda: "a token account is frozen")
        _move_tokens(book, self.source, self.destination, self.amount)

    def __str__(self) -> str:
        return f"TokenTransfer({self.amount}) {self.source} -> {self.destination}"


@dataclass(frozen=True, slots=True)
class MintTo(Operation):
    """SPL MintTo (core funding, refill): recipient +amount, supply +amount."""

    mint: Address
    destination: Address
    amount: int

    def labels(self) -> dict[Address, str]:
        return {self.mint: "mint", self.destination: "mint recipient"}

    def apply(self, book: Book) -> None:
        recipient = book.read(self.destination, TokenAccount)
        _require(recipient.mint == self.mint, lambda: f"recipient holds mint {recipient.mint}, not {self.mint}")
        _require(not recipient.is_frozen, lambda: "the recipient is frozen")
        book.adjust(self.mint, Mint, supply=self.amount)
        book.adjust(self.destination, TokenAccount, amount=self.amount)

    def __str__(self) -> str:
        return f"MintTo({self.amount}) of {self.mint} -> {self.destination}"


@dataclass(frozen=True, slots=True)
class Burn(Operation):
    """SPL Burn (emptying a wallet): holder −amount, supply −amount."""

    account: Address
    mint: Address
    amount: int

    def labels(self) -> dict[Address, str]:
        return {self.account: "burn holder", self.mint: "mint"}

    def apply(self, book: Book) -> None:
        holder = book.read(self.account, TokenAccount)
        _require(holder.mint == self.mint, lambda: f"holder holds mint {holder.mint}, not {self.mint}")
        _require(not holder.is_frozen, lambda: "the holder is frozen")
        book.adjust(self.account, TokenAccount, amount=-self.amount)
        book.adjust(self.mint, Mint, supply=-self.amount)

    def __str__(self) -> str:
        return f"Burn({self.amount}) of {self.mint} from {self.account}"


@dataclass(frozen=True, slots=True)
class SolTransfer(Operation):
    """System transfer (SOL top-up or return): source −lamports, destination +lamports."""

    source: Address
    destination: Address
    lamports: int

    def labels(self) -> dict[Address, str]:
        return {self.source: "SOL source", self.destination: "SOL destination"}

    def apply(self, book: Book) -> None:
        book.add_lamports(self.source, -self.lamports)
        if not book.exists(self.destination):  # a transfer to a new address creates a System account
            book.create(self.destination, ids.SYSTEM_PROGRAM_ID)
        book.add_lamports(self.destination, self.lamports)

    def __str__(self) -> str:
        return f"SolTransfer({self.lamports}) {self.source} -> {self.destination}"


@dataclass(frozen=True, slots=True)
class CreateTokenAccount(Operation):
    """Associated Token Account creation: `payer` funds the rent of `owner`'s new, empty account for
    `mint`. The idempotent form leaves an existing account alone; the plain form must then fail."""

    payer: Address
    owner: Address
    mint: Address
    rent: int = frt_math.rent(ids.TOKEN_ACCOUNT_LEN)
    idempotent: bool = True

    @property
    def account(self) -> Address:
        return associated_token_address(self.owner, self.mint)

    def labels(self) -> dict[Address, str]:
        return {self.payer: "ATA payer", self.account: "new token account", self.mint: "mint"}

    def apply(self, book: Book) -> None:
        book.read(self.mint, Mint)
        if book.exists(self.account):
            existing = book.read(self.account, TokenAccount)
            _require(self.idempotent and existing.owner == self.owner and existing.mint == self.mint,
                     lambda: f"{book.label(self.account)} already exists")
            return
        book.add_lamports(self.payer, -self.rent)
        book.create(self.account, ids.TOKEN_PROGRAM_ID, TokenAccount(self.mint, self.owner, 0).encode())
        book.add_lamports(self.account, self.rent)

    def __str__(self) -> str:
        return f"CreateTokenAccount({self.mint}) for {self.owner}"


@dataclass(frozen=True, slots=True)
class CloseTokenAccount(Operation):
    """SPL CloseAccount: an empty token account's rent goes to `destination` and the account is gone."""

    account: Address
    destination: Address
    owner: Address

    def labels(self) -> dict[Address, str]:
        return {self.account: "closed token account", self.destination: "rent destination"}

    def apply(self, book: Book) -> None:
        token = book.read(self.account, TokenAccount)
        _require(token.owner == self.owner, lambda: f"{book.label(self.account)} is owned by {token.owner}")
        _require(token.amount == 0, lambda: f"{book.label(self.account)} still holds {token.amount} tokens")
        lamports = book.account(self.account).lamports
        book.add_lamports(self.account, -lamports)
        book.add_lamports(self.destination, lamports)
        book.remove(self.account)

    def __str__(self) -> str:
        return f"CloseTokenAccount {self.account} -> {self.destination}"
