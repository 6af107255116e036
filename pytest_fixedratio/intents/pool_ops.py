"""FRT operations: InitializeProgram, InitializePool, Deposit, Withdraw, Swap.

Each follows the check order of frt-contract.md section 2.3 and raises `Fails` with the exact error of the first
check the state before the transaction fails; on success it edits every account the program writes (fees,
totals, counters, timestamps of the treasury) and names the success log line clients read.
"""

from __future__ import annotations

from abc import ABC
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import ClassVar, Final

from pytest_fixedratio.frt import builders, pdas
from pytest_fixedratio.frt import constants as c
from pytest_fixedratio.frt import math as frt_math
from pytest_fixedratio.frt.constants import PoolFlag, Side
from pytest_fixedratio.frt.errors import FrtErrorCode, Raiser, SplTokenError, SystemProgramError
from pytest_fixedratio.frt.pdas import PoolAddresses, pool_roles
from pytest_fixedratio.frt.state import MainTreasuryState, Mint, PoolState, SystemState, TokenAccount
from pytest_fixedratio.intents.book import Book
from pytest_fixedratio.intents.expected import ExpectedError, Fails
from pytest_fixedratio.intents.ops import Op
from pytest_fixedratio.sol import ids
from pytest_fixedratio.sol.address import Address
from pytest_fixedratio.sol.instruction import Instruction
from pytest_fixedratio.sol.pda import associated_token_address

E = ExpectedError
INVALID_ARGUMENT: Final = E.frt_builtin("InvalidArgument")
INVALID_ACCOUNT_DATA: Final = E.frt_builtin("InvalidAccountData")
INCORRECT_PROGRAM_ID: Final = E.frt_builtin("IncorrectProgramId")
TOKEN_INSUFFICIENT: Final = E.token(SplTokenError.InsufficientFunds)
_NEGATIVE: Final = SystemProgramError.ResultWithNegativeLamports
_TOTAL: Final = {Side.A: "total_token_a_liquidity", Side.B: "total_token_b_liquidity"}


def _require(condition: bool, error: ExpectedError | None, why: str | Callable[[], str]) -> None:
    """Fail with `error` unless `condition`; `why` is formatted only then (base58 text is not free)."""
    if not condition:
        raise Fails(error, why if isinstance(why, str) else why())


def user_token_account(book: Book, address: Address, owner: Address, *, error: ExpectedError | None = None
                       ) -> TokenAccount:
    """FRT's checks of a user token account (`validate_user_token_account`, frt-contract.md 6.2): data, SPL owner,
    token owner = signer, no active delegation, not frozen. `error` replaces all of them (Deposit's LP account:
    4001)."""
    uninitialized = error or E.frt_builtin("UninitializedAccount")
    account = book.account(address, error=uninitialized)
    _require(len(account.data) > 0, uninitialized, lambda: f"{book.label(address)} has no data")
    _require(account.owner == ids.TOKEN_PROGRAM_ID, error or INCORRECT_PROGRAM_ID,
             lambda: f"{book.label(address)} is not owned by SPL Token")
    token = book.read(address, TokenAccount, error=error or INVALID_ACCOUNT_DATA)
    _require(token.owner == owner, error or INVALID_ACCOUNT_DATA,
             lambda: f"{book.label(address)} belongs to {token.owner}, not the signer")
    _require(not (token.delegate is not None and token.delegated_amount > 0), error or INVALID_ACCOUNT_DATA,
             lambda: f"{book.label(address)} has an active delegation of {token.delegated_amount}")
    _require(not token.is_frozen, error or INVALID_ACCOUNT_DATA, lambda: f"{book.label(address)} is frozen")
    return token


@lru_cache(maxsize=1 << 12)
def _trading_labels(pool: PoolAddresses, user: Address) -> dict[Address, str]:
    """The accounts every trading operation of `user` on `pool` touches, named (remembered: a worker sends
    thousands; callers copy before they add)."""
    system = pdas.system_state(pool.program_id)[0]
    return {user: "user", system: "SystemState", **{address: role.value for role, address in pool_roles(pool).items()}}


@lru_cache(maxsize=1 << 13)
def _user_labels(pool: PoolAddresses, user: Address, first: tuple[Address, str], second: tuple[Address, str]
                 ) -> dict[Address, str]:
    return {**_trading_labels(pool, user), first[0]: first[1], second[0]: second[1]}


def _ata(given: Address | None, owner: Address, mint: Address) -> Address:
    return associated_token_address(owner, mint) if given is None else given


@dataclass(frozen=True, slots=True)
class _PoolOp(Op, ABC):
    """Deposit, Withdraw and Swap: a user trading on one pool, paying the pool's SOL fee."""

    pool: PoolAddresses
    user: Address
    pool_writable: bool = field(default=True, kw_only=True)
    """False passes the pool state read-only, which the fee collection refuses (1033) after the payer's lamports
    (1031): an adversarial variant (`intents.adversary`) sends it on purpose."""

    PAUSE_FLAG: ClassVar[PoolFlag] = PoolFlag(0)
    PAUSE_ERROR: ClassVar[FrtErrorCode] = FrtErrorCode.PoolLiquidityPaused
    FEE_FIELD: ClassVar[str] = "contract_liquidity_fee"
    FEE_COUNTER: ClassVar[str] = "collected_liquidity_fees"

    @property
    def system_state(self) -> Address:
        return pdas.system_state(self.pool.program_id)[0]

    def labels(self) -> dict[Address, str]:
        return _trading_labels(self.pool, self.user)

    def _sent(self, instruction: Instruction) -> tuple[Instruction, ...]:
        """The built instruction, with the pool state read-only where `pool_writable` says so."""
        if self.pool_writable:
            return (instruction,)
        accounts = tuple(replace(meta, is_writable=False) if meta.address == self.pool.pool else meta
                         for meta in instruction.accounts)
        return (replace(instruction, accounts=accounts),)

    def _signer_and_pause(self, book: Book) -> None:
        """`check_signer_and_pause`: the system state must decode and not be paused (1023)."""
        system = book.read(self.system_state, SystemState, error=INVALID_ACCOUNT_DATA)
        _require(not system.is_paused, E.frt(FrtErrorCode.SystemPaused), "the system is paused")

    def _pool_state(self, book: Book) -> PoolState:
        """`load_pool_state`: program-owned, decodes, non-zero mints and ratios."""
        account = book.account(self.pool.pool, error=INCORRECT_PROGRAM_ID)
        _require(account.owner == self.pool.program_id, INCORRECT_PROGRAM_ID,
                 lambda: f"{book.label(self.pool.pool)} is not owned by the program")
        state = book.read(self.pool.pool, PoolState, error=INVALID_ACCOUNT_DATA)
        _require(state.ratio_a_numerator > 0 and state.ratio_b_denominator > 0, INVALID_ACCOUNT_DATA,
                 "the pool state holds a zero ratio")
        return state

    def _admit(self, book: Book) -> PoolState:
        state = self._pool_state(book)
        _require(self.PAUSE_FLAG not in state.flags, E.frt(self.PAUSE_ERROR),
                 lambda: f"the pool has {self.PAUSE_FLAG!r} set")
        return state

    def _collect_fee(self, book: Book, state: PoolState) -> int:
        """`collect_pool_fee`: payer lamports >= fee (1031), then the System transfer into the pool PDA."""
        fee: int = getattr(state, self.FEE_FIELD)
        _require(book.lamports(self.user) >= fee, E.frt(FrtErrorCode.InsufficientFeeBalance),
                 lambda: f"the user holds {book.lamports(self.user)} lamports, the fee is {fee}")
        _require(self.pool_writable, E.frt(FrtErrorCode.FeeValidationFailed), "the pool state is passed read-only")
        book.add_lamports(self.user, -fee)
        book.add_lamports(self.pool.pool, fee)
        book.adjust(self.pool.pool, PoolState, error=E.frt(FrtErrorCode.FeeValidationFailed),
                    **{self.FEE_COUNTER: fee, "total_sol_fees_collected": fee})
        return fee


@dataclass(frozen=True, slots=True)
class Deposit(_PoolOp):
    """Deposit `amount` of `side`: user −x, vault +x, total +x, LP supply +x, user LP +x (I3)."""

    side: Side = Side.A
    amount: int = 0
    source: Address | None = None
    lp_account: Address | None = None

    PAUSE_FLAG: ClassVar[PoolFlag] = PoolFlag.LIQUIDITY_PAUSED

    @property
    def source_account(self) -> Address:
        return _ata(self.source, self.user, self.pool.mint(self.side))

    @property
    def lp_destination(self) -> Address:
        return _ata(self.lp_account, self.user, self.pool.lp_mint(self.side))

    def instructions(self) -> tuple[Instruction, ...]:
        return self._sent(builders.deposit(self.pool, self.user, self.side, self.amount, source=self.source,
                                           lp_account=self.lp_account))

    def labels(self) -> dict[Address, str]:
        return _user_labels(self.pool, self.user, (self.source_account, f"user token {self.side}"),
                            (self.lp_destination, f"user LP {self.side}"))

    def apply(self, book: Book) -> None:
        self._signer_and_pause(book)
        _require(self.amount > 0, INVALID_ARGUMENT, "the deposit amount is 0")
        state = self._admit(book)
        source = user_token_account(book, self.source_account, self.user)
        _require(source.mint == self.pool.mint(self.side), E.frt_builtin("InvalidInstructionData"),
                 "the source account holds another mint")
        lp = user_token_account(book, self.lp_destination, self.user,
                                error=E.frt(FrtErrorCode.MissingLpTokenAccount))
        _require(lp.mint == self.pool.lp_mint(self.side), INVALID_ACCOUNT_DATA, "the LP account holds another mint")
        _require(source.amount >= self.amount, E.frt_builtin("InsufficientFunds"),
                 lambda: f"the source holds {source.amount}, the deposit is {self.amount}")
        self._collect_fee(book, state)
        book.adjust(self.source_account, TokenAccount, amount=-self.amount)
        book.adjust(self.pool.vault(self.side), TokenAccount, error=E.token(SplTokenError.Overflow),
                    amount=self.amount)
        book.adjust(self.pool.pool, PoolState, error=E.frt_builtin("ArithmeticOverflow"),
                    **{_TOTAL[self.side]: self.amount})
        book.adjust(self.pool.lp_mint(self.side), Mint, error=E.token(SplTokenError.Overflow), supply=self.amount)
        book.adjust(self.lp_destination, TokenAccount, error=E.token(SplTokenError.Overflow), amount=self.amount)
        book.log(f"✅ DEPOSIT SUCCESS: {self.amount} tokens → {self.amount} LP tokens")

    def __str__(self) -> str:
        return f"Deposit({self.side}, {self.amount}) by {self.user} on pool {self.pool.pool}"


@dataclass(frozen=True, slots=True)
class Withdraw(_PoolOp):
    """Burn `lp_amount` LP of `side` for as many tokens of that side (I4)."""

    side: Side = Side.A
    lp_amount: int = 0
    lp_account: Address | None = None
    destination: Address | None = None

    PAUSE_FLAG: ClassVar[PoolFlag] = PoolFlag.LIQUIDITY_PAUSED

    @property
    def lp_source(self) -> Address:
        return _ata(self.lp_account, self.user, self.pool.lp_mint(self.side))

    @property
    def destination_account(self) -> Address:
        return _ata(self.destination, self.user, self.pool.mint(self.side))

    def instructions(self) -> tuple[Instruction, ...]:
        return self._sent(builders.withdraw(self.pool, self.user, self.side, self.lp_amount,
                                            lp_account=self.lp_account, destination=self.destination))

    def labels(self) -> dict[Address, str]:
        return _user_labels(self.pool, self.user, (self.lp_source, f"user LP {self.side}"),
                            (self.destination_account, f"user token {self.side}"))

    def apply(self, book: Book) -> None:
        _require(self.lp_amount > 0, INVALID_ARGUMENT, "the LP amount is 0")
        self._signer_and_pause(book)
        state = self._admit(book)
        destination = user_token_account(book, self.destination_account, self.user)
        lp = user_token_account(book, self.lp_source, self.user)
        _require(destination.mint == self.pool.mint(self.side), E.frt_builtin("InvalidInstructionData"),
                 "the destination holds another mint")
        _require(lp.mint == self.pool.lp_mint(self.side), INVALID_ACCOUNT_DATA, "the LP account is of another side")
        self._collect_fee(book, state)
        _require(lp.amount >= self.lp_amount, TOKEN_INSUFFICIENT,
                 lambda: f"the user holds {lp.amount} LP, the withdrawal burns {self.lp_amount}")
        book.adjust(self.lp_source, TokenAccount, amount=-self.lp_amount)
        book.adjust(self.pool.lp_mint(self.side), Mint, supply=-self.lp_amount)
        vault = book.read(self.pool.vault(self.side), TokenAccount)
        _require(vault.amount >= self.lp_amount, TOKEN_INSUFFICIENT,
                 lambda: f"the vault holds {vault.amount}, the withdrawal takes {self.lp_amount}")
        book.adjust(self.pool.vault(self.side), TokenAccount, amount=-self.lp_amount)
        book.adjust(self.destination_account, TokenAccount, error=E.token(SplTokenError.Overflow),
                    amount=self.lp_amount)
        book.adjust(self.pool.pool, PoolState, error=E.frt_builtin("ArithmeticOverflow"),
                    **{_TOTAL[self.side]: -self.lp_amount})
        book.log(f"✅ WITHDRAW SUCCESS: {self.lp_amount} LP tokens → {self.lp_amount} tokens")

    def __str__(self) -> str:
        return f"Withdraw({self.side}, {self.lp_amount}) by {self.user} on pool {self.pool.pool}"


@dataclass(frozen=True, slots=True)
class Swap(_PoolOp):
    """Swap `amount_in` of `input_side` for exactly `expected_amount_out` of the other side (I5). The output the
    prediction uses comes from the ratio stored on chain; the client's expectation must equal it (else 1047)."""

    input_side: Side = Side.A
    amount_in: int = 0
    expected_amount_out: int = 0
    input_account: Address | None = None
    output_account: Address | None = None

    PAUSE_FLAG: ClassVar[PoolFlag] = PoolFlag.SWAPS_PAUSED
    PAUSE_ERROR: ClassVar[FrtErrorCode] = FrtErrorCode.PoolSwapsPaused
    FEE_FIELD: ClassVar[str] = "swap_contract_fee"
    FEE_COUNTER: ClassVar[str] = "collected_swap_contract_fees"

    @property
    def source_account(self) -> Address:
        return _ata(self.input_account, self.user, self.pool.mint(self.input_side))

    @property
    def destination_account(self) -> Address:
        return _ata(self.output_account, self.user, self.pool.mint(self.input_side.other))

    def instructions(self) -> tuple[Instruction, ...]:
        return self._sent(builders.swap(self.pool, self.user, self.input_side, self.amount_in,
                                        self.expected_amount_out, input_account=self.input_account,
                                        output_account=self.output_account))

    def labels(self) -> dict[Address, str]:
        return _user_labels(self.pool, self.user, (self.source_account, f"user token {self.input_side}"),
                            (self.destination_account, f"user token {self.input_side.other}"))

    def apply(self, book: Book) -> None:
        side_in, side_out = self.input_side, self.input_side.other
        _require(self.amount_in > 0, INVALID_ARGUMENT, "the swap input is 0")
        self._signer_and_pause(book)
        state = self._admit(book)
        _require(PoolFlag.SWAP_FOR_OWNERS_ONLY not in state.flags or self.user == state.owner,
                 E.frt(FrtErrorCode.SwapAccessRestricted), "owner-only pool and the signer is not its owner")
        source = user_token_account(book, self.source_account, self.user)
        destination = user_token_account(book, self.destination_account, self.user)
        _require(source.mint in (state.token_a_mint, state.token_b_mint), INVALID_ARGUMENT,
                 "the input account's mint is not in the pool")
        _require(destination.mint == self.pool.mint(side_out), INVALID_ACCOUNT_DATA,
                 "the output account holds another mint")
        _require(source.amount >= self.amount_in, INVALID_ACCOUNT_DATA,
                 lambda: f"the input account holds {source.amount}, the swap needs {self.amount_in}")
        out = self._output(state)
        _require(out <= state.liquidity(side_out), E.frt_builtin("InsufficientFunds"),
                 lambda: f"the output {out} exceeds the tracked liquidity {state.liquidity(side_out)} "
                         f"of side {side_out}")
        fee = self._collect_fee(book, state)
        book.adjust(self.source_account, TokenAccount, amount=-self.amount_in)
        book.adjust(self.pool.vault(side_in), TokenAccount, error=E.token(SplTokenError.Overflow),
                    amount=self.amount_in)
        vault_out = book.read(self.pool.vault(side_out), TokenAccount)
        _require(vault_out.amount >= out, TOKEN_INSUFFICIENT,
                 lambda: f"the output vault holds {vault_out.amount} < {out}")
        book.adjust(self.pool.vault(side_out), TokenAccount, amount=-out)
        book.adjust(self.destination_account, TokenAccount, error=E.token(SplTokenError.Overflow), amount=out)
        book.adjust(self.pool.pool, PoolState, error=E.frt_builtin("ArithmeticOverflow"),
                    **{_TOTAL[side_in]: self.amount_in})
        book.adjust(self.pool.pool, PoolState, error=None, **{_TOTAL[side_out]: -out})
        r_in, r_out = frt_math.swap_ratios(state.ratio_a_numerator, state.ratio_b_denominator, side_in)
        book.add_surplus(self.pool.pool, frt_math.swap_surplus(self.amount_in, r_in, r_out))
        book.log(f"📈 SUMMARY: {self.amount_in} → {out} tokens, Fee: {fee} lamports")

    def _output(self, state: PoolState) -> int:
        try:
            out = frt_math.pool_swap_output(state, self.input_side, self.amount_in)
        except frt_math.SwapRejected as exc:
            raise Fails(ExpectedError(Raiser.FRT, exc.error.kind, exc.error.custom_code),
                        str(exc)) from None
        _require(out == self.expected_amount_out, E.frt(FrtErrorCode.AmountMismatch),
                 lambda: f"the on-chain ratio gives {out}, the client expected {self.expected_amount_out}")
        return out

    def __str__(self) -> str:
        return (f"Swap({self.input_side}->{self.input_side.other}, {self.amount_in} for "
                f"{self.expected_amount_out}) by {self.user} on pool {self.pool.pool}")


@dataclass(frozen=True, slots=True)
class InitializeProgram(Op):
    """Create SystemState (admin = `admin`, pending admin = admin, change timestamp = now) and an all-zero
    MainTreasury, both rent-exempt, paid by `authority` (which must be the upgrade authority, section 8.3)."""

    program_id: Address
    authority: Address
    admin: Address
    system_rent: int = frt_math.rent(c.SYSTEM_STATE_LEN)
    treasury_rent: int = frt_math.rent(c.MAIN_TREASURY_LEN)

    def instructions(self) -> tuple[Instruction, ...]:
        return (builders.initialize_program(self.program_id, self.authority, admin_authority=self.admin),)

    def labels(self) -> dict[Address, str]:
        return {self.authority: "authority", pdas.system_state(self.program_id)[0]: "SystemState",
                pdas.main_treasury(self.program_id)[0]: "MainTreasury"}

    def apply(self, book: Book) -> None:
        system, treasury = pdas.system_state(self.program_id)[0], pdas.main_treasury(self.program_id)[0]
        _require(not _has_data(book, system), E.frt_builtin("AccountAlreadyInitialized"), "the SystemState exists")
        for address, size, rent in ((system, c.SYSTEM_STATE_LEN, self.system_rent),
                                    (treasury, c.MAIN_TREASURY_LEN, self.treasury_rent)):
            _create(book, self.authority, address, self.program_id, bytes(size), rent)
        state = SystemState(False, 0, 0, self.admin, self.admin, book.now)
        book.assign(system, SystemState, **{name: getattr(state, name) for name in state.__slots__})


@dataclass(frozen=True, slots=True)
class InitializePool(Op):
    """Create a pool (section 2.3): 1.15 SOL to the treasury (count, fees, timestamp and cached balance updated),
    five accounts created at the creator's expense, the state written as `PoolState.created` says."""

    creator: Address
    pool: PoolAddresses
    flags: int = 0
    pool_rent: int = frt_math.rent(c.POOL_STATE_LEN)
    token_account_rent: int = frt_math.rent(ids.TOKEN_ACCOUNT_LEN)
    mint_rent: int = frt_math.rent(ids.MINT_LEN)
    mints_swapped: bool = field(default=False, kw_only=True)
    """Pass the mints at accounts [7]/[8] in the reverse of the sorted order (`builders.initialize_pool`): the
    same pool is created, and nothing but the LP decimals (and the creation log) depends on the order passed."""
    lp_decimals_sorted: bool = field(default=False, kw_only=True)
    """False models upstream (8.2): LP-A takes the decimals of the mint passed at [7], LP-B of [8]. True models
    a fixed build whose LP decimals follow the sorted mints: on a build with the quirk the two predictions of a
    swapped creation differ, which is what a probe of 8.2 looks at."""

    def instructions(self) -> tuple[Instruction, ...]:
        return (builders.initialize_pool(self.creator, self.pool, flags=self.flags,
                                         mints_swapped=self.mints_swapped),)

    @property
    def passed_sides(self) -> tuple[Side, Side]:
        """The sides of the mints at accounts [7] and [8], as sent."""
        return (Side.B, Side.A) if self.mints_swapped else (Side.A, Side.B)

    def labels(self) -> dict[Address, str]:
        pid = self.pool.program_id
        return {self.creator: "creator", pdas.system_state(pid)[0]: "SystemState",
                pdas.main_treasury(pid)[0]: "MainTreasury",
                **{address: role.value for role, address in pool_roles(self.pool).items()}}

    def apply(self, book: Book) -> None:
        pid, p = self.pool.program_id, self.pool
        system = book.read(pdas.system_state(pid)[0], SystemState, error=INVALID_ACCOUNT_DATA)
        _require(not system.is_paused, E.frt(FrtErrorCode.SystemPaused), "the system is paused")
        decimals = {side: book.read(p.mint(side), Mint, error=INVALID_ACCOUNT_DATA).decimals
                    for side in self.passed_sides}
        _require(book.lamports(self.creator) >= c.REGISTRATION_FEE, E.frt(FrtErrorCode.InsufficientFeeBalance),
                 "the creator cannot pay the registration fee")
        treasury = pdas.main_treasury(pid)[0]
        book.add_lamports(self.creator, -c.REGISTRATION_FEE)
        book.add_lamports(treasury, c.REGISTRATION_FEE)
        book.read(treasury, MainTreasuryState, error=E.frt_builtin("BorshIoError"))
        book.adjust(treasury, MainTreasuryState, pool_creation_count=1, total_pool_creation_fees=c.REGISTRATION_FEE)
        book.sync_treasury(treasury, last_update_timestamp=book.now)
        book.record_flow("pools_created", 1)
        _require(not _has_data(book, p.pool), E.frt_builtin("AccountAlreadyInitialized"), "the pool exists")
        _create(book, self.creator, p.pool, pid, bytes(c.POOL_STATE_LEN), self.pool_rent)
        for side in Side:
            _create(book, self.creator, p.vault(side), ids.TOKEN_PROGRAM_ID,
                    TokenAccount(p.mint(side), p.pool, 0).encode(), self.token_account_rent)
        lp_decimals = self._lp_decimals(decimals)
        for side in Side:
            _create(book, self.creator, p.lp_mint(side), ids.TOKEN_PROGRAM_ID,
                    Mint(p.pool, 0, lp_decimals[side], True, None).encode(), self.mint_rent)
        ratio_type = frt_math.get_ratio_type(p.ratio_a, p.ratio_b, decimals[Side.A], decimals[Side.B])
        _require(ratio_type is not c.RatioType.ENGINEERING, E.frt(FrtErrorCode.UnsupportedRatioType),
                 lambda: f"{p.ratio_a}:{p.ratio_b} with decimals {decimals[Side.A]}/{decimals[Side.B]} is an "
                         f"EngineeringRatio (no side is one display unit)")
        simple = ratio_type is c.RatioType.SIMPLE
        state = PoolState.created(p, self.creator, simple_ratio=simple, creation_flags=self.flags)
        book.assign(p.pool, PoolState, **{name: getattr(state, name) for name in state.__slots__})
        if not self.lp_decimals_sorted:
            passed = self._passed_decimals(decimals)
            book.log(f"🏊 POOL CREATION | TokenA decimals: {passed[Side.A]} | TokenB decimals: "
                     f"{passed[Side.B]} | Registration: 1.15 SOL")
        book.log(f"🎯 POOL_ID: {p.pool} | Ratio: {p.ratio_a}:{p.ratio_b} | Type: {'Simple' if simple else 'Decimal'}")

    def _passed_decimals(self, decimals: dict[Side, int]) -> dict[Side, int]:
        """The decimals of the mints at [7] and [8] as passed (keyed A, B): the creation log's, and upstream's LP
        decimals (8.2)."""
        seventh, eighth = self.passed_sides
        return {Side.A: decimals[seventh], Side.B: decimals[eighth]}

    def _lp_decimals(self, decimals: dict[Side, int]) -> dict[Side, int]:
        """The decimals of LP mints A and B: those of the mints at [7] and [8] as passed upstream, those of
        tokens A and B in a fixed build (whose creation log may still name them as passed: not predicted)."""
        return decimals if self.lp_decimals_sorted else self._passed_decimals(decimals)


def _has_data(book: Book, address: Address) -> bool:
    """The program's "already initialized" test: the account holds data (lamports alone do not count)."""
    return book.exists(address) and len(book.account(address).data) > 0


def _create(book: Book, payer: Address, address: Address, owner: Address, data: bytes, rent: int) -> None:
    """System CreateAccount as the program invokes it: an address already holding lamports is in use (Custom 0),
    then `payer` funds the rent (Custom 1 when it cannot)."""
    book.create(address, owner, data, error=E.system(SystemProgramError.AccountAlreadyInUse))
    book.add_lamports(payer, -rent, error=E.system(_NEGATIVE))
    book.add_lamports(address, rent)
