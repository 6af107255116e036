"""FRT phase-2 operations: the admin instructions and DonateSol, each predicted as the reference program runs it.

PauseSystem, UnpauseSystem, PausePool, UnpausePool, UpdatePoolFees, SetSwapOwnerOnly, WithdrawTreasuryFees,
ConsolidatePoolFees and ProcessAdminChange open with one admin check (`validate_admin`: the signer is
SystemState's admin, or else the program's upgrade authority read from the ProgramData account, or anyone at all
when that account is not the upgradeable loader's, section 8.3); DonateSol is open to anyone. Check order, errors
and effects follow the reference program (`program/c/admin.c`, `treasury.c`, `consolidation.c`, `common.c`), which
the conformance tests hold to frt-contract.md 2.3, 4.7-4.10 and 8.6-8.7: where the contract names outcomes but
not their order, the C code decides. Every field the program writes is predicted (timestamps from the Clock the
transaction runs under, wrapping u64 counters as the program adds them), and the MainTreasury's lamports are
booked by cause for G1 (`Book.record_flow`), its cached balance synced by rule for G4 (`Book.sync_treasury`).

Two keyword fields model builds other than the reference program, so that a probe can tell them apart on the
chain it runs against: `bypass=False` (every admin op) refuses a "program data" account the loader does not own,
as a fixed 8.3 would; `ConsolidatePoolFees(residue_len=438)` keeps the rent of the real account, as a fixed 8.7
would. On the reference program the default prediction matches the receipt and the fixed one does not.

What the builders always send right (the admin's signature, the SystemState and MainTreasury keys, the writable
marks, the account counts, the System Program and Rent sysvar accounts) is not re-checked here: an op varies only
its arguments, its `program_data` account and the state of the accounts it touches.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar, Final

from pytest_fixedratio.chain.base import AccountState
from pytest_fixedratio.frt import builders, pdas
from pytest_fixedratio.frt import constants as c
from pytest_fixedratio.frt import math as frt_math
from pytest_fixedratio.frt.constants import PoolFlag
from pytest_fixedratio.frt.errors import FrtErrorCode, Raiser
from pytest_fixedratio.frt.pdas import PoolAddresses, PoolRole
from pytest_fixedratio.frt.state import AccountLayout, MainTreasuryState, PoolState, SystemState, layout_for
from pytest_fixedratio.intents.book import Book
from pytest_fixedratio.intents.expected import ExpectedError
from pytest_fixedratio.intents.ops import Op
from pytest_fixedratio.intents.pool_ops import (
    INCORRECT_PROGRAM_ID,
    INVALID_ACCOUNT_DATA,
    INVALID_ARGUMENT,
    _require,
)
from pytest_fixedratio.sol import ids
from pytest_fixedratio.sol.address import Address
from pytest_fixedratio.sol.instruction import Instruction

E = ExpectedError
MISSING_SIGNATURE: Final = E.frt_builtin("MissingRequiredSignature")
UNINITIALIZED: Final = E.frt_builtin("UninitializedAccount")
INVALID_INSTRUCTION_DATA: Final = E.frt_builtin("InvalidInstructionData")
INSUFFICIENT_FUNDS: Final = E.frt_builtin("InsufficientFunds")
BORSH_IO_ERROR: Final = E.frt_builtin("BorshIoError")
SYSTEM_PAUSED: Final = E.frt(FrtErrorCode.SystemPaused)
EXTERNAL_DATA_MODIFIED: Final = E.frt_builtin("ExternalAccountDataModified")

_U64: Final = (1 << 64) - 1
_ZERO: Final = Address(bytes(32))
_MISSING: Final = AccountState(0, ids.SYSTEM_PROGRAM_ID, b"")
"""How the runtime passes an address that holds no account: an empty System account."""
_SYSTEM_MIN_CONTENT, _SYSTEM_PENDING_TAG = 51, 42
"""SystemState: 51 bytes of content with no pending admin, the pending admin's Option tag at byte 42."""
_PROGRAM_DATA_TAG: Final = 3
"""UpgradeableLoaderState::ProgramData: bincode u32 tag, u64 slot, then the Option<Pubkey> upgrade authority."""
_AUTHORITY_TAG, _AUTHORITY = 12, 13
_TREASURY_OFFSETS: Final = {name: 8 * index for index, (name, _) in enumerate(MainTreasuryState.LAYOUT)}
_BOTH_PAUSED: Final = PoolFlag.LIQUIDITY_PAUSED | PoolFlag.SWAPS_PAUSED
_CAP_GROWTH_LIMIT: Final = _U64 // (10 * c.TREASURY_MAX_DRAIN_TIME_HOURS)
"""The hourly cap grows tenfold only while it stays at most this (the program's overflow guard)."""
BYPASS_LOG: Final = "⚠️  Program data account not owned by upgradeable loader"


# ---------------------------------------------------------------------------------------------------------
# Checks and arithmetic every operation here shares


def _u64(value: int) -> int:
    return value & _U64


def _i64(value: int) -> int:
    """`value` as the program's int64 arithmetic leaves it (two's complement wrap)."""
    value &= _U64
    return value - (1 << 64) if value >> 63 else value


def _as_passed(book: Book, address: Address) -> AccountState:
    """The account as the program sees it after the transaction's earlier edits; a missing one is empty."""
    account = book.current(address)
    return _MISSING if account is None else account


def _add_wrapping(book: Book, address: Address, layout: type[AccountLayout], **deltas: int) -> None:
    """`store_u64(field, load_u64(field) + delta)`: the program adds without overflow checks, so a counter
    at u64::MAX wraps to 0 instead of failing."""
    state = book.read(address, layout)
    book.adjust(address, layout, **{name: _u64(getattr(state, name) + delta) - getattr(state, name)
                                    for name, delta in deltas.items()})


def _credit(book: Book, address: Address, lamports: int) -> None:
    """Lamports into `address`; a transfer to an address holding nothing creates a System account."""
    if not book.exists(address):
        book.create(address, ids.SYSTEM_PROGRAM_ID)
    book.add_lamports(address, lamports)


def load_system_state(book: Book, program_id: Address) -> SystemState:
    """`load_system_state` (common.c): data (`UninitializedAccount`), program-owned (`IncorrectProgramId`), then
    it must decode: the pause flag and the Option tag 0 or 1, long enough for the content the tag says
    (`InvalidAccountData`). Read from the bytes, as the program does, before the book decodes it."""
    address = pdas.system_state(program_id)[0]
    account = _as_passed(book, address)
    data = account.data
    _require(len(data) > 0, UNINITIALIZED, "the SystemState has no data: the program is not initialized")
    _require(account.owner == program_id, INCORRECT_PROGRAM_ID, "the SystemState is not owned by the program")
    _require(len(data) >= _SYSTEM_MIN_CONTENT and data[0] <= 1 and data[_SYSTEM_PENDING_TAG] <= 1
             and (data[_SYSTEM_PENDING_TAG] == 0 or len(data) >= c.SYSTEM_STATE_LEN), INVALID_ACCOUNT_DATA,
             lambda: f"the SystemState ({len(data)} bytes) does not decode")
    return book.read(address, SystemState, error=INVALID_ACCOUNT_DATA)


def validate_upgrade_authority(book: Book, program_id: Address, program_data: Address, authority: Address, *,
                               signed: bool, bypass: bool = True) -> None:
    """`validate_program_upgrade_authority` (system.c), shared by InitializeProgram and every admin check.

    A "program data" account the upgradeable loader does not own lets any signer through (8.3, upstream: the
    default); `bypass=False` models a fixed build that refuses it (`InvalidAccountData`). Owned by the loader,
    it must be the program's ProgramData PDA, decode with an upgrade authority (none: revoked) equal to
    `authority`, which must sign."""
    account = _as_passed(book, program_data)
    if account.owner != ids.BPF_LOADER_UPGRADEABLE_ID:
        _require(signed, MISSING_SIGNATURE, "the authority is not marked signer (admin-check bypass)")
        _require(bypass, INVALID_ACCOUNT_DATA,
                 lambda: f"the program data account {program_data} is not the upgradeable loader's (a fixed "
                         f"build refuses it)")
        book.log(BYPASS_LOG)
        return
    _require(program_data == pdas.program_data(program_id)[0], INVALID_ACCOUNT_DATA,
             lambda: f"{program_data} is owned by the loader but is not the program's ProgramData")
    data = account.data
    _require(len(data) >= _AUTHORITY and int.from_bytes(data[:4], "little") == _PROGRAM_DATA_TAG,
             INVALID_ACCOUNT_DATA, "the ProgramData does not decode")
    tag = data[_AUTHORITY_TAG]
    _require(tag == 1 and len(data) >= _AUTHORITY + 32, INVALID_ACCOUNT_DATA,
             "the ProgramData holds no upgrade authority (revoked) or does not decode")
    _require(authority == Address(data[_AUTHORITY:_AUTHORITY + 32]), INVALID_ACCOUNT_DATA,
             lambda: f"{authority} is neither the admin nor the program's upgrade authority")
    _require(signed, MISSING_SIGNATURE, "the upgrade authority is not marked signer")


def validate_admin(book: Book, program_id: Address, admin: Address, program_data: Address, *, signed: bool,
                   bypass: bool = True) -> SystemState:
    """`validate_admin` (admin.c): the admin signs, the SystemState loads, then the signer is its
    `admin_authority` or else passes `validate_upgrade_authority` (bypass included). Returns the SystemState."""
    _require(signed, MISSING_SIGNATURE, lambda: f"the admin {admin} is not marked signer")
    system = load_system_state(book, program_id)
    if admin != system.admin_authority:
        validate_upgrade_authority(book, program_id, program_data, admin, signed=signed, bypass=bypass)
    return system


def load_pool_state(book: Book, pool: Address, pool_id: Address, program_id: Address) -> PoolState:
    """`load_pool_state` (common.c): program-owned (`IncorrectProgramId`), the instruction's pool_id (1034), at
    least a PoolState long, non-zero mints and ratios (`InvalidAccountData`)."""
    account = _as_passed(book, pool)
    _require(account.owner == program_id, INCORRECT_PROGRAM_ID, lambda: f"{book.label(pool)} is not the program's")
    _require(pool == pool_id, E.frt(FrtErrorCode.TreasuryValidationFailed),
             lambda: f"{book.label(pool)} is not the instruction's pool_id {pool_id}")
    _require(len(account.data) >= c.POOL_STATE_LEN, INVALID_ACCOUNT_DATA,
             lambda: f"{book.label(pool)} holds {len(account.data)} bytes, less than a PoolState")
    state = book.read(pool, PoolState, error=INVALID_ACCOUNT_DATA)
    _require(state.token_a_mint != _ZERO and state.token_b_mint != _ZERO, INVALID_ACCOUNT_DATA,
             "the pool state holds a zero mint")
    _require(state.ratio_a_numerator > 0 and state.ratio_b_denominator > 0, INVALID_ACCOUNT_DATA,
             "the pool state holds a zero ratio")
    return state


def hourly_cap(books: MainTreasuryState) -> int:
    """The withdrawal cap of one hour (4.8): 10 SOL, times 10 while the cached balance above the cached rent
    exceeds 48 caps and the cap can still grow without overflow."""
    above = max(0, books.total_balance - books.rent_exempt_minimum)
    cap = c.TREASURY_BASE_HOURLY_RATE
    while cap <= _CAP_GROWTH_LIMIT and above > c.TREASURY_MAX_DRAIN_TIME_HOURS * cap:
        cap *= 10
    return cap


def consolidation_split(moved: int, liquidity: int, swap: int) -> tuple[int, int]:
    """`split_fees` (consolidation.c): `moved` of the pending `liquidity` + `swap` fees in proportion, each part
    floored, the lamport left over to the part with the larger remainder (liquidity on a tie) unless that
    passes its counter. In the program's u64 arithmetic: the counters' sum wraps, a quotient past u64 is 0."""
    total = _u64(liquidity + swap)
    if total == 0:
        return 0, 0

    def divided(numerator: int) -> tuple[int, int]:
        quotient, remainder = divmod(numerator, total)
        return (0, 0) if quotient > _U64 else (quotient, remainder)

    (liq, liq_rem), (swp, swp_rem) = divided(moved * liquidity), divided(moved * swap)
    left = _u64(moved - liq - swp)
    if left:
        to_liquidity = liq_rem >= swp_rem
        if to_liquidity and _u64(liq + left) > liquidity:
            to_liquidity = False
        elif not to_liquidity and _u64(swp + left) > swap:
            to_liquidity = True
        liq, swp = (_u64(liq + left), swp) if to_liquidity else (liq, _u64(swp + left))
    return liq, swp


def _unowned_untouched(book: Book, address: Address, program_id: Address, before: bytes) -> None:
    """The runtime's check after the instruction: a program changes the data of its own accounts only. The
    MainTreasury's owner is not checked by UnpauseSystem, DonateSol or ConsolidatePoolFees before they write it."""
    account = _as_passed(book, address)
    _require(account.owner == program_id or account.data == before, EXTERNAL_DATA_MODIFIED,
             lambda: f"{book.label(address)} is not the program's, which wrote its data")


def _set_flags(book: Book, pool: Address, state: PoolState, bits: int, *, on: bool) -> None:
    """Set or clear `bits` of the pool's flag byte, leaving every other bit as it is (undefined ones too)."""
    flags = int(state.flags) | bits if on else int(state.flags) & ~int(bits) & 0xFF  # not ~PoolFlag: it drops bit 7
    book.assign(pool, PoolState, flags=PoolFlag(flags))


def _set_treasury(book: Book, treasury: Address, **values: int) -> None:
    """Write fields of the MainTreasury the way UnpauseSystem does: in place, at their offsets, into any
    account at least a MainTreasuryState long (it checks the length only)."""
    account = _as_passed(book, treasury)
    if layout_for(account.owner, len(account.data)) is MainTreasuryState:
        book.assign(treasury, MainTreasuryState, **values)
        return
    for name, value in values.items():
        book.patch(treasury, _TREASURY_OFFSETS[name], _u64(value).to_bytes(8, "little"))


# ---------------------------------------------------------------------------------------------------------
# The admin operations


class _AdminOp(Op, ABC):
    """What every admin operation shares: its accounts of the admin check, the check itself, the pause rule."""

    __slots__ = ()
    admin: Address
    program_data: Address | None
    """The "program data" account passed; None is the program's real ProgramData PDA."""
    bypass: bool
    KIND: ClassVar[str]
    """The intent kind (`engine.context.COMPUTE_UNITS` budgets it)."""

    @property
    @abstractmethod
    def program(self) -> Address:
        """The FRT program's id."""

    @property
    def program_data_account(self) -> Address:
        return pdas.program_data(self.program)[0] if self.program_data is None else self.program_data

    def labels(self) -> dict[Address, str]:
        """The admin check's accounts (the program data account included: the check reads its owner and data),
        then the instruction's own."""
        return {self.program_data_account: "program data", self.admin: "admin",
                pdas.system_state(self.program)[0]: "SystemState", **self._own_labels()}

    def _own_labels(self) -> dict[Address, str]:
        return {}

    def _admitted(self, book: Book) -> SystemState:
        """The admin check on the instruction as built."""
        (instruction,) = self.instructions()
        return validate_admin(book, self.program, self.admin, self.program_data_account,
                              signed=instruction.accounts[0].is_signer, bypass=self.bypass)

    def _admitted_while_running(self, book: Book) -> SystemState:
        """The admin check, then the system pause (1023): the order of every admin op G5 blocks."""
        system = self._admitted(book)
        _require(not system.is_paused, SYSTEM_PAUSED, "the system is paused")
        return system

    @property
    def _system_state(self) -> Address:
        return pdas.system_state(self.program)[0]

    @property
    def _treasury(self) -> Address:
        return pdas.main_treasury(self.program)[0]

    def _arguments(self) -> str:
        return ""

    def __str__(self) -> str:
        through = "" if self.program_data is None else f", program data {self.program_data}"
        fixed = "" if self.bypass else ", no bypass"
        return f"{type(self).__name__}({self._arguments()}) by {self.admin}{through}{fixed}"


@dataclass(frozen=True, slots=True)
class _SystemAdmin(_AdminOp, ABC):
    """An admin operation on the program as a whole."""

    program_id: Address
    admin: Address
    bypass: bool = field(default=True, kw_only=True)
    """True models upstream: a "program data" account the loader does not own lets any signer through (8.3).
    False models a fixed build, which refuses it with InvalidAccountData."""

    @property
    def program(self) -> Address:
        return self.program_id


@dataclass(frozen=True, slots=True)
class PauseSystem(_SystemAdmin):
    """PauseSystem (12): admin*, then already paused is 1024 (the one admin op a pause does not block with
    1023); stores the flag, the time and the reason code (any u8)."""

    reason_code: int
    program_data: Address | None = None

    KIND: ClassVar[str] = "pause_system"

    def instructions(self) -> tuple[Instruction, ...]:
        return (builders.pause_system(self.program_id, self.admin, self.reason_code,
                                      program_data=self.program_data),)

    def apply(self, book: Book) -> None:
        system = self._admitted(book)
        _require(not system.is_paused, E.frt(FrtErrorCode.SystemAlreadyPaused), "the system is already paused")
        book.assign(self._system_state, SystemState, is_paused=True, pause_timestamp=book.now,
                    pause_reason_code=self.reason_code)
        book.log("⏸️ SYSTEM PAUSED")

    def _arguments(self) -> str:
        return f"reason {self.reason_code}"


@dataclass(frozen=True, slots=True)
class UnpauseSystem(_SystemAdmin):
    """UnpauseSystem (13): admin*, a MainTreasury at least 136 bytes long (`InvalidAccountData`), then not
    paused is 1025; clears the pause and blocks treasury withdrawals for 71 h (the restart penalty)."""

    program_data: Address | None = None

    KIND: ClassVar[str] = "unpause_system"

    def instructions(self) -> tuple[Instruction, ...]:
        return (builders.unpause_system(self.program_id, self.admin, program_data=self.program_data),)

    def _own_labels(self) -> dict[Address, str]:
        return {self._treasury: "MainTreasury"}

    def apply(self, book: Book) -> None:
        system = self._admitted(book)
        treasury = _as_passed(book, self._treasury)
        _require(len(treasury.data) >= c.MAIN_TREASURY_LEN, INVALID_ACCOUNT_DATA,
                 lambda: f"the MainTreasury holds {len(treasury.data)} bytes, less than its state")
        _require(system.is_paused, E.frt(FrtErrorCode.SystemNotPaused), "the system is not paused")
        book.assign(self._system_state, SystemState, is_paused=False, pause_timestamp=0, pause_reason_code=0)
        _set_treasury(book, self._treasury,
                      last_withdrawal_timestamp=_i64(book.now + c.TREASURY_SYSTEM_RESTART_PENALTY_SECONDS),
                      last_update_timestamp=book.now)
        _unowned_untouched(book, self._treasury, self.program_id, treasury.data)
        book.log("▶️ SYSTEM UNPAUSED: treasury withdrawals blocked for 71 hours")


@dataclass(frozen=True, slots=True)
class WithdrawTreasuryFees(_SystemAdmin):
    """WithdrawTreasuryFees (15): admin*, not under a pause, a program-owned MainTreasury; then the amount rules
    (0 = all available above the treasury's rent), the restart penalty, the hourly cap from the cached balance
    and one withdrawal per rolling hour (4.8). A treasury that does not decode is read as all zero and keeps its
    books; the lamports move either way."""

    amount: int
    destination: Address
    program_data: Address | None = None
    treasury_rent: int = field(default=frt_math.rent(c.MAIN_TREASURY_LEN), kw_only=True)
    """Rent(136) under the chain's Rent sysvar: what the withdrawal must leave (`rent_exempt_minimum(136)`)."""

    KIND: ClassVar[str] = "withdraw_treasury_fees"

    def instructions(self) -> tuple[Instruction, ...]:
        return (builders.withdraw_treasury_fees(self.program_id, self.admin, self.amount, self.destination,
                                                program_data=self.program_data),)

    def _own_labels(self) -> dict[Address, str]:
        return {self._treasury: "MainTreasury", self.destination: "withdrawal destination"}

    def apply(self, book: Book) -> None:
        self._admitted_while_running(book)
        treasury = self._treasury
        account = _as_passed(book, treasury)
        _require(account.owner == self.program_id, INVALID_ACCOUNT_DATA, "the MainTreasury is not the program's")
        decodes = len(account.data) == c.MAIN_TREASURY_LEN
        books = book.read(treasury, MainTreasuryState) if decodes else MainTreasuryState()
        amount = self._amount(account.lamports)
        last, now = books.last_withdrawal_timestamp, book.now
        _require(last <= now, INVALID_INSTRUCTION_DATA,
                 lambda: f"the restart penalty blocks withdrawals until {last} (now {now})")
        cap = hourly_cap(books)
        _require(amount <= cap, INVALID_INSTRUCTION_DATA, lambda: f"{amount} exceeds the hourly cap of {cap}")
        _require(last == 0 or _i64(now - last) >= c.TREASURY_WITHDRAWAL_RATE_LIMIT_WINDOW, INVALID_INSTRUCTION_DATA,
                 lambda: f"the last withdrawal was {now - last} s ago, less than an hour")
        book.add_lamports(treasury, -amount)
        _credit(book, self.destination, amount)
        if decodes:
            _add_wrapping(book, treasury, MainTreasuryState, treasury_withdrawal_count=1, total_withdrawn=amount)
            book.sync_treasury(treasury, last_withdrawal_timestamp=now, last_update_timestamp=now)
        book.record_flow("withdrawn", 0 if self.destination == treasury else amount)
        book.log("💰 TREASURY WITHDRAWAL COMPLETED")

    def _amount(self, lamports: int) -> int:
        """What moves: all available for 0 (none: `InsufficientFunds`), else at least 0.01 SOL
        (`InvalidInstructionData`) and at most what is available (`InsufficientFunds`)."""
        available = max(0, lamports - self.treasury_rent)
        if self.amount == 0:
            _require(available > 0, INSUFFICIENT_FUNDS, "the treasury holds nothing above its rent")
            return available
        _require(self.amount >= c.MIN_TREASURY_WITHDRAWAL_AMOUNT, INVALID_INSTRUCTION_DATA,
                 lambda: f"{self.amount} is below the 0.01 SOL minimum")
        _require(self.amount <= available, INSUFFICIENT_FUNDS,
                 lambda: f"{self.amount} exceeds the {available} lamports available")
        return self.amount

    def _arguments(self) -> str:
        return f"{self.amount or 'all'} to {self.destination}"


@dataclass(frozen=True, slots=True)
class ConsolidatePoolFees(_SystemAdmin):
    """ConsolidatePoolFees (17): 1 to 20 pools (`InvalidArgument`), admin*, a MainTreasury that decodes
    (`BorshIoError`), every pool program-owned (`IncorrectProgramId`) and PoolState-long (`InvalidAccountData`).
    Not blocked by a pause: under one every pool is eligible, else only pools with both pause flags. Each pool
    keeps the rent of `residue_len` bytes; what it has above that, up to its pending fees, goes to the treasury,
    split between its fee counters in proportion when only part of them moves (4.7). The treasury counts the
    call even when nothing moved, and its operation counters divide by the default fees (8.7)."""

    pools: tuple[PoolAddresses, ...]
    program_data: Address | None = None
    residue_len: int = c.POOL_STATE_RUST_SIZE
    """The account size whose rent the program keeps in each pool: upstream's size_of::<PoolState>() (440,
    the 13,920-lamport residue of 8.7 on default rent); 438 models a build with that fixed (no residue)."""
    kept_rent: int | None = field(default=None, kw_only=True)
    """Rent(`residue_len`) under the chain's Rent (`rent_exempt_minimum(residue_len)`); None: default rent."""

    KIND: ClassVar[str] = "consolidate_pool_fees"

    def instructions(self) -> tuple[Instruction, ...]:
        return (builders.consolidate_pool_fees(self.program_id, self.admin, [p.pool for p in self.pools],
                                               program_data=self.program_data),)

    def _own_labels(self) -> dict[Address, str]:
        return {self._treasury: "MainTreasury", **{p.pool: PoolRole.POOL.value for p in self.pools}}

    def apply(self, book: Book) -> None:
        _require(0 < len(self.pools) <= c.MAX_POOLS_PER_CONSOLIDATION_BATCH, INVALID_ARGUMENT,
                 lambda: f"pool_count {len(self.pools)} is not 1 to 20")
        system = self._admitted(book)
        treasury, before = self._treasury, _as_passed(book, self._treasury).data
        _require(len(before) == c.MAIN_TREASURY_LEN, BORSH_IO_ERROR, "the MainTreasury does not decode")
        for pool in self.pools:
            self._check_pool(book, pool.pool)
        kept = frt_math.rent(self.residue_len) if self.kept_rent is None else self.kept_rent
        for pool in self.pools:
            self._consolidate(book, pool.pool, system.is_paused, kept)
        _add_wrapping(book, treasury, MainTreasuryState, total_consolidations_performed=1)
        book.sync_treasury(treasury, last_update_timestamp=book.now)
        _unowned_untouched(book, treasury, self.program_id, before)
        book.log("🔄 POOL FEES CONSOLIDATED")

    def _check_pool(self, book: Book, pool: Address) -> None:
        """Before any pool moves: each is program-owned (`IncorrectProgramId`) and PoolState-long."""
        account = _as_passed(book, pool)
        _require(account.owner == self.program_id, INCORRECT_PROGRAM_ID, lambda: f"{book.label(pool)} is not the "
                                                                                 f"program's")
        _require(len(account.data) >= c.POOL_STATE_LEN, INVALID_ACCOUNT_DATA,
                 lambda: f"{book.label(pool)} is shorter than a PoolState")

    def _consolidate(self, book: Book, pool: Address, system_paused: bool, kept: int) -> None:
        """`consolidate_pool`: an eligible pool's pending fees above `kept` move to the treasury, booked on both."""
        state = book.read(pool, PoolState)
        if not system_paused and (state.flags & _BOTH_PAUSED) != _BOTH_PAUSED:
            return
        pending = state.pending_sol_fees
        moved = min(pending, max(0, book.lamports(pool) - kept))
        if moved == 0:
            return
        liquidity, swap = state.collected_liquidity_fees, state.collected_swap_contract_fees
        if moved < pending:
            liquidity, swap = consolidation_split(moved, liquidity, swap)
        _add_wrapping(book, pool, PoolState, collected_liquidity_fees=-liquidity, collected_swap_contract_fees=-swap,
                      total_fees_consolidated=moved, total_consolidations=1)
        book.assign(pool, PoolState, last_consolidation_timestamp=book.now)
        book.add_lamports(pool, -moved)
        book.add_lamports(self._treasury, moved)
        _add_wrapping(book, self._treasury, MainTreasuryState, total_liquidity_fees=liquidity,
                      total_regular_swap_fees=swap, total_swap_contract_fees=swap,
                      liquidity_operation_count=liquidity // c.DEPOSIT_WITHDRAWAL_FEE,
                      regular_swap_count=swap // c.SWAP_CONTRACT_FEE)
        book.record_flow("consolidated", moved)

    def _arguments(self) -> str:
        residue = "" if self.residue_len == c.POOL_STATE_RUST_SIZE else f", keeping rent({self.residue_len})"
        return f"{len(self.pools)} pools{residue}"


@dataclass(frozen=True, slots=True)
class ProcessAdminChange(_SystemAdmin):
    """ProcessAdminChange (24): admin*, not under a pause. Naming the current admin cancels a pending change;
    naming the pending admin 72 h or more after its proposal completes the change; anything else proposes
    `new_admin` (again: the timer restarts). Clearing the pending admin rewrites only the first 51 bytes."""

    new_admin: Address
    program_data: Address | None = None

    KIND: ClassVar[str] = "process_admin_change"

    def instructions(self) -> tuple[Instruction, ...]:
        return (builders.process_admin_change(self.program_id, self.admin, self.new_admin,
                                              program_data=self.program_data),)

    def apply(self, book: Book) -> None:
        system = self._admitted_while_running(book)
        now = book.now
        if self.new_admin == system.admin_authority:
            book.assign(self._system_state, SystemState, pending_admin_authority=None, admin_change_timestamp=0)
            book.log("Admin change cancelled")
        elif (system.pending_admin_authority == self.new_admin
              and _i64(now - system.admin_change_timestamp) >= c.ADMIN_CHANGE_TIMELOCK):
            book.assign(self._system_state, SystemState, admin_authority=self.new_admin,
                        pending_admin_authority=None, admin_change_timestamp=0)
            book.log("Admin change completed")
        else:
            book.assign(self._system_state, SystemState, pending_admin_authority=self.new_admin,
                        admin_change_timestamp=now)
            book.log("Admin change proposed: 72 hour timelock started")

    def _arguments(self) -> str:
        return f"new admin {self.new_admin}"


@dataclass(frozen=True, slots=True)
class _PoolAdmin(_AdminOp, ABC):
    """An admin operation on one pool (`open_admin_pool`): admin*, not under a system pause, then the pool state
    loads (owner, pool_id, length, mints, ratios); `_change` edits it."""

    pool: PoolAddresses
    admin: Address
    bypass: bool = field(default=True, kw_only=True)
    """True models upstream: a "program data" account the loader does not own lets any signer through (8.3).
    False models a fixed build, which refuses it with InvalidAccountData."""

    @property
    def program(self) -> Address:
        return self.pool.program_id

    def _own_labels(self) -> dict[Address, str]:
        return {self.pool.pool: PoolRole.POOL.value}

    def apply(self, book: Book) -> None:
        self._admitted_while_running(book)
        state = load_pool_state(book, self.pool.pool, self.pool.pool, self.program)
        self._change(book, state)

    @abstractmethod
    def _change(self, book: Book, state: PoolState) -> None:
        """The instruction's own checks and effect on the loaded pool state."""


@dataclass(frozen=True, slots=True)
class _PoolPause(_PoolAdmin, ABC):
    """PausePool (19) / UnpausePool (20): argument bit 1 is the pool's LIQUIDITY_PAUSED flag, bit 2 its
    SWAPS_PAUSED flag; other bits are ignored and 0 is a successful no-op. Idempotent."""

    flags: int
    program_data: Address | None = None

    PAUSE: ClassVar[bool]

    def instructions(self) -> tuple[Instruction, ...]:
        build = builders.pause_pool if self.PAUSE else builders.unpause_pool
        return (build(self.pool, self.admin, self.flags, program_data=self.program_data),)

    def _change(self, book: Book, state: PoolState) -> None:
        bits = ((PoolFlag.LIQUIDITY_PAUSED if self.flags & c.PauseFlag.LIQUIDITY else 0)
                | (PoolFlag.SWAPS_PAUSED if self.flags & c.PauseFlag.SWAPS else 0))
        _set_flags(book, self.pool.pool, state, bits, on=self.PAUSE)
        book.log("⏸️ POOL PAUSED" if self.PAUSE else "▶️ POOL UNPAUSED")

    def _arguments(self) -> str:
        return f"flags {self.flags} on pool {self.pool.pool}"


@dataclass(frozen=True, slots=True)
class PausePool(_PoolPause):
    PAUSE: ClassVar[bool] = True
    KIND: ClassVar[str] = "pause_pool"


@dataclass(frozen=True, slots=True)
class UnpausePool(_PoolPause):
    PAUSE: ClassVar[bool] = False
    KIND: ClassVar[str] = "unpause_pool"


@dataclass(frozen=True, slots=True)
class UpdatePoolFees(_PoolAdmin):
    """UpdatePoolFees (22): flags 1 (liquidity fee), 2 (swap fee) or 3 (both), else 1043; only the fees the
    flags name are range-checked (1044, 1045) and set (4.10)."""

    flags: int
    liquidity_fee: int
    swap_fee: int
    program_data: Address | None = None

    KIND: ClassVar[str] = "update_pool_fees"

    def instructions(self) -> tuple[Instruction, ...]:
        return (builders.update_pool_fees(self.pool, self.admin, self.flags, self.liquidity_fee, self.swap_fee,
                                          program_data=self.program_data),)

    def _change(self, book: Book, state: PoolState) -> None:
        liquidity, swap = self.flags & c.FeeUpdateFlag.LIQUIDITY, self.flags & c.FeeUpdateFlag.SWAP
        _require(c.FeeUpdateFlag.LIQUIDITY <= self.flags <= c.FeeUpdateFlag.BOTH,
                 E.frt(FrtErrorCode.InvalidFeeUpdateFlags), lambda: f"fee update flags {self.flags} are not 1, 2 or 3")
        _require(not liquidity or c.MIN_LIQUIDITY_FEE <= self.liquidity_fee <= c.MAX_LIQUIDITY_FEE,
                 E.frt(FrtErrorCode.InvalidLiquidityFee), lambda: f"liquidity fee {self.liquidity_fee} out of range")
        _require(not swap or c.MIN_SWAP_FEE <= self.swap_fee <= c.MAX_SWAP_FEE, E.frt(FrtErrorCode.InvalidSwapFee),
                 lambda: f"swap fee {self.swap_fee} out of range")
        fees: dict[str, int] = {}
        if liquidity:
            fees["contract_liquidity_fee"] = self.liquidity_fee
        if swap:
            fees["swap_contract_fee"] = self.swap_fee
        book.assign(self.pool.pool, PoolState, **fees)
        book.log("💲 POOL FEES UPDATED")

    def _arguments(self) -> str:
        return f"flags {self.flags}, liquidity {self.liquidity_fee}, swap {self.swap_fee} on pool {self.pool.pool}"


@dataclass(frozen=True, slots=True)
class SetSwapOwnerOnly(_PoolAdmin):
    """SetSwapOwnerOnly (21): enabling sets flag 32 and makes `owner` the pool's owner; disabling clears the flag
    and keeps the owner (8.4)."""

    enable: bool
    owner: Address
    program_data: Address | None = None

    KIND: ClassVar[str] = "set_swap_owner_only"

    def instructions(self) -> tuple[Instruction, ...]:
        return (builders.set_swap_owner_only(self.pool, self.admin, self.enable, self.owner,
                                             program_data=self.program_data),)

    def _change(self, book: Book, state: PoolState) -> None:
        _set_flags(book, self.pool.pool, state, PoolFlag.SWAP_FOR_OWNERS_ONLY, on=self.enable)
        if self.enable:
            book.assign(self.pool.pool, PoolState, owner=self.owner)
        book.log("🔒 SWAP OWNER-ONLY MODE UPDATED")

    def _arguments(self) -> str:
        return f"{'on' if self.enable else 'off'}, owner {self.owner} on pool {self.pool.pool}"


# ---------------------------------------------------------------------------------------------------------
# DonateSol: anyone


@dataclass(frozen=True, slots=True)
class DonateSol(Op):
    """DonateSol (23): anyone, not under a pause (1023), at least 0.1 SOL (`InvalidArgument`), within the donor's
    lamports (`InsufficientFunds`); a System transfer into the MainTreasury, then, if the treasury decodes, its
    donation count and total, cached balance and update time. The message is only carried in the data."""

    program_id: Address
    donor: Address
    amount: int
    message: str

    KIND: ClassVar[str] = "donate_sol"

    @property
    def _treasury(self) -> Address:
        return pdas.main_treasury(self.program_id)[0]

    def instructions(self) -> tuple[Instruction, ...]:
        return (builders.donate_sol(self.program_id, self.donor, self.amount, self.message),)

    def labels(self) -> dict[Address, str]:
        return {self.donor: "donor", self._treasury: "MainTreasury",
                pdas.system_state(self.program_id)[0]: "SystemState"}

    def apply(self, book: Book) -> None:
        system = load_system_state(book, self.program_id)
        _require(not system.is_paused, SYSTEM_PAUSED, "the system is paused")
        _require(self.amount >= c.MIN_DONATION_AMOUNT, INVALID_ARGUMENT,
                 lambda: f"{self.amount} is below the 0.1 SOL minimum")
        _require(book.lamports(self.donor) >= self.amount, INSUFFICIENT_FUNDS,
                 lambda: f"the donor holds {book.lamports(self.donor)} lamports, less than {self.amount}")
        donor = _as_passed(book, self.donor)
        _require(not donor.data, ExpectedError(Raiser.SYSTEM, "InvalidArgument"),
                 "the System transfer refuses a `from` account carrying data")
        _require(donor.owner == ids.SYSTEM_PROGRAM_ID, None, "the System transfer cannot debit a non-System account")
        treasury, before = self._treasury, _as_passed(book, self._treasury).data
        book.add_lamports(self.donor, -self.amount)
        _credit(book, treasury, self.amount)
        if len(before) == c.MAIN_TREASURY_LEN:
            _add_wrapping(book, treasury, MainTreasuryState, donation_count=1, total_donations=self.amount)
            book.sync_treasury(treasury, last_update_timestamp=book.now)
            _unowned_untouched(book, treasury, self.program_id, before)
        book.record_flow("donations", self.amount)
        book.log("🎁 DONATION RECEIVED")

    def __str__(self) -> str:
        return f"DonateSol({self.amount}, {self.message!r}) by {self.donor}"


ADMIN_OPS: Final[tuple[type[_AdminOp], ...]] = (
    PauseSystem, UnpauseSystem, PausePool, UnpausePool, UpdatePoolFees, SetSwapOwnerOnly, WithdrawTreasuryFees,
    ConsolidatePoolFees, ProcessAdminChange)
KINDS: Final[Mapping[type[Op], str]] = {**{op: op.KIND for op in ADMIN_OPS}, DonateSol: DonateSol.KIND}
"""The intent kind of each phase-2 operation, as `engine.context.COMPUTE_UNITS` names its budget."""
