"""Adversarial variants of Deposit, Withdraw and Swap: each sends one broken transaction and predicts its error.

Why: every operation the harness sends on its own is valid, so a program build that skipped a signer, owner,
vault, balance or length check would pass every session unnoticed. Each variant here breaks exactly one such
check (a missing signer, another wallet's token account, the other side's vault, a truncated instruction ...)
and must fail with the exact error the program's check order gives for it (frt-contract.md sections 1, 2.3, 6).

The prediction does not trust the variant's name. `Adversarial.apply` walks what the program does with the
instruction as sent: decoding (`decode_instruction`), the exact account count, then the processor's checks over
the accounts actually passed, signer marks included, in the order of section 2.3. Only once every one of them
passes does it hand over to the honest operation, whose own checks and effects follow (the fee, then a burn the
user cannot cover; the swap output against `expected_amount_out`). So a break hidden behind an earlier failing
check (a paused system, a zero amount checked first) is predicted with that earlier error, from the state before.

`VARIANTS` names every variant (`deposit.missing_signer`, `swap.vaults_swapped`, ...) and builds it from a
`Target`: the pool, the user, the side, a valid amount and what the user holds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Final, TypeAlias

from pytest_fixedratio.chain.base import AccountState
from pytest_fixedratio.errors import InvalidArgument
from pytest_fixedratio.frt import constants as c
from pytest_fixedratio.frt import instruction_data as ixd
from pytest_fixedratio.frt import math as frt_math
from pytest_fixedratio.frt import pdas
from pytest_fixedratio.frt.constants import PoolFlag, Side
from pytest_fixedratio.frt.errors import FrtErrorCode
from pytest_fixedratio.frt.pdas import PoolAddresses
from pytest_fixedratio.frt.state import Mint, PoolState, SystemState, TokenAccount
from pytest_fixedratio.intents.admin_ops import validate_upgrade_authority
from pytest_fixedratio.intents.book import Book
from pytest_fixedratio.intents.expected import ExpectedError, Fails
from pytest_fixedratio.intents.ops import Op
from pytest_fixedratio.intents.pool_ops import (
    INCORRECT_PROGRAM_ID,
    INVALID_ACCOUNT_DATA,
    INVALID_ARGUMENT,
    Deposit,
    InitializePool,
    InitializeProgram,
    Swap,
    Withdraw,
    user_token_account,
)
from pytest_fixedratio.sol import ids
from pytest_fixedratio.sol.address import Address
from pytest_fixedratio.sol.instruction import AccountMeta, Instruction, rw
from pytest_fixedratio.sol.pda import associated_token_address

E = ExpectedError
Trading: TypeAlias = Deposit | Withdraw | Swap
Honest: TypeAlias = Trading | InitializeProgram | InitializePool
INVALID_INSTRUCTION_DATA: Final = E.frt_builtin("InvalidInstructionData")
MISSING_SIGNATURE: Final = E.frt_builtin("MissingRequiredSignature")
EXACT_ACCOUNTS: Final[dict[type[ixd.InstructionData], int]] = {
    ixd.InitializeProgram: 6, ixd.InitializePool: 13, ixd.Deposit: 11, ixd.Withdraw: 11, ixd.Swap: 11}
"""The phase-1 instructions take exactly this many accounts (section 2.3); any other count is InvalidAccountData."""

# Account indices shared by Deposit, Withdraw and Swap (section 2.3).
USER, SYSTEM_PROGRAM, SYSTEM_STATE, POOL, TOKEN_PROGRAM, VAULT_A, VAULT_B = range(7)
USER_7, USER_8, ACCOUNT_9, ACCOUNT_10 = range(7, 11)
"""7, 8: the user's token accounts (deposit: source, LP; withdraw: LP, destination; swap: input, output);
9, 10: LP mints A and B (deposit, withdraw) or the input and output mints (swap)."""
# InitializeProgram's accounts, and InitializePool's from index 5 on (0-4: creator, System Program,
# SystemState, PoolState, SPL Token program).
AUTHORITY, _, PROGRAM_RENT, PROGRAM_STATE, PROGRAM_TREASURY, PROGRAM_DATA = range(6)
TREASURY, POOL_RENT, MINT_7, MINT_8 = range(5, 9)
POOL_PDAS: Final = range(9, 13)
"""InitializePool's vault A, vault B, LP mint A and LP mint B."""
_ZERO: Final = Address(bytes(32))
_KEY_ONLY: Final[dict[type[Op], frozenset[int]]] = {
    Deposit: frozenset({SYSTEM_PROGRAM, TOKEN_PROGRAM}), Withdraw: frozenset({SYSTEM_PROGRAM, TOKEN_PROGRAM}),
    Swap: frozenset({SYSTEM_PROGRAM, TOKEN_PROGRAM}), InitializeProgram: frozenset({SYSTEM_PROGRAM, PROGRAM_RENT}),
    InitializePool: frozenset({SYSTEM_PROGRAM, TOKEN_PROGRAM, POOL_RENT}),
}
"""Indices whose account the program never reads (only compares keys): not watched."""


def _check(condition: bool, error: ExpectedError, why: str | Callable[[], str]) -> None:
    """Refused with `error` unless `condition`; `why` may be a function, so that a check that passes (most do)
    does not pay for its message: an address in an f-string costs a base58 encoding."""
    if not condition:
        raise Fails(error, why() if callable(why) else why)


def _u32(data: bytes, offset: int) -> int:
    return int.from_bytes(data[offset:offset + 4], "little")


class _Program:
    """The reference program's checks of one Deposit, Withdraw or Swap over the accounts as passed (entrypoint.c,
    common.c, token.c, liquidity.c, swap.c), up to the point where the honest operation's model takes over."""

    def __init__(self, book: Book, instruction: Instruction, *, bypass: bool = True) -> None:
        self.book = book
        self.metas = instruction.accounts
        self.program_id = instruction.program_id
        self.bypass = bypass

    def key(self, index: int) -> Address:
        return self.metas[index].address

    def state(self, index: int) -> AccountState:
        """The account at `index`; a missing one reaches the program as an empty System account."""
        address = self.key(index)
        if not self.book.exists(address):
            return AccountState(0, ids.SYSTEM_PROGRAM_ID, b"")
        return self.book.account(address)

    # -- shared checks -----------------------------------------------------------------------------------------

    def signer_and_pause(self) -> None:
        """`check_signer_and_pause`: the user signs, then `load_system_state` (PDA key, data, owner, decodes)
        and the pause flag."""
        _check(self.metas[USER].is_signer, MISSING_SIGNATURE,
               lambda: f"the user {self.key(USER)} is not marked signer")
        system = self.state(SYSTEM_STATE)
        _check(self.key(SYSTEM_STATE) == pdas.system_state(self.program_id)[0], INVALID_ACCOUNT_DATA,
               lambda: f"account {SYSTEM_STATE} {self.key(SYSTEM_STATE)} is not the SystemState PDA")
        _check(len(system.data) > 0, E.frt_builtin("UninitializedAccount"), "the SystemState has no data")
        _check(system.owner == self.program_id, INCORRECT_PROGRAM_ID, "the SystemState is not the program's")
        decoded = self.book.read(self.key(SYSTEM_STATE), SystemState, error=INVALID_ACCOUNT_DATA)
        _check(not decoded.is_paused, E.frt(FrtErrorCode.SystemPaused), "the system is paused")

    def pool_state(self, pool_id: Address) -> PoolState:
        """`load_pool_state`: program-owned, key = the instruction's pool_id (1034), decodes with non-zero mints
        and ratios."""
        _check(self.state(POOL).owner == self.program_id, INCORRECT_PROGRAM_ID,
               lambda: f"account {POOL} {self.key(POOL)} is not owned by the program")
        _check(self.key(POOL) == pool_id, E.frt(FrtErrorCode.TreasuryValidationFailed),
               lambda: f"account {POOL} {self.key(POOL)} is not the instruction's pool_id {pool_id}")
        state = self.book.read(self.key(POOL), PoolState, error=INVALID_ACCOUNT_DATA)
        _check(state.token_a_mint != _ZERO and state.token_b_mint != _ZERO
               and state.ratio_a_numerator > 0 and state.ratio_b_denominator > 0, INVALID_ACCOUNT_DATA,
               "the pool state holds a zero mint or ratio")
        return state

    def user_token(self, index: int, *, error: ExpectedError | None = None) -> TokenAccount:
        """`validate_user_token_account` against the user at index 0."""
        return user_token_account(self.book, self.key(index), self.key(USER), error=error)

    def vault(self, index: int, mint: Address) -> None:
        """`validate_vault`: SPL-owned, a token account of the pool PDA holding `mint`."""
        _check(self.state(index).owner == ids.TOKEN_PROGRAM_ID, INCORRECT_PROGRAM_ID,
               lambda: f"vault {self.key(index)} is not owned by SPL Token")
        vault = self.book.read(self.key(index), TokenAccount, error=INVALID_ACCOUNT_DATA)
        _check(vault.owner == self.key(POOL) and vault.mint == mint, INVALID_ACCOUNT_DATA,
               lambda: f"vault {self.key(index)} is not the pool's account of {mint}")

    def side_accounts(self, state: PoolState, side: Side) -> None:
        """`check_side_accounts`: the side's vault key from the pool state, the vault itself, and the side's LP
        mint (SPL-owned, mint authority = the pool PDA). The LP mint key was compared with the pool state
        before, so it is the program's own mint here."""
        index = VAULT_A if side is Side.A else VAULT_B
        _check(self.key(index) == state.vault(side), INVALID_ACCOUNT_DATA,
               lambda: f"account {index} {self.key(index)} is not vault {side} {state.vault(side)}")
        self.vault(index, state.mint(side))
        lp_index = ACCOUNT_9 if side is Side.A else ACCOUNT_10
        _check(self.state(lp_index).owner == ids.TOKEN_PROGRAM_ID, INCORRECT_PROGRAM_ID,
               lambda: f"LP mint {self.key(lp_index)} is not owned by SPL Token")
        lp_mint = self.book.read(self.key(lp_index), Mint, error=INVALID_ACCOUNT_DATA)
        _check(lp_mint.mint_authority == self.key(POOL), INVALID_ACCOUNT_DATA,
               lambda: f"LP mint {self.key(lp_index)} is not minted by the pool")

    def liquidity_open(self, state: PoolState) -> None:
        _check(PoolFlag.LIQUIDITY_PAUSED not in state.flags, E.frt(FrtErrorCode.PoolLiquidityPaused),
               "the pool's liquidity operations are paused")

    def rent_sysvar(self, index: int) -> None:
        """`rent_from_account`: the key must be the Rent sysvar's (whose data is then always long enough)."""
        _check(self.key(index) == ids.RENT_SYSVAR_ID, INVALID_ARGUMENT,
               lambda: f"account {index} {self.key(index)} is not the Rent sysvar")

    def mint_decimals(self, index: int) -> int:
        """`mint_decimals`: no owner check here; data shorter than a mint makes the program panic, and the two
        COption tags and the initialized byte must be valid."""
        data = self.state(index).data
        _check(len(data) >= ids.MINT_LEN, E.frt_builtin("ProgramFailedToComplete"),
               lambda: f"account {index} {self.key(index)} holds {len(data)} bytes, shorter than a mint: the program "
                       "panics")
        _check(_u32(data, 0) <= 1 and data[45] <= 1 and _u32(data, 46) <= 1, INVALID_ACCOUNT_DATA,
               lambda: f"account {index} {self.key(index)} does not unpack as a mint")
        return data[44]

    def upgrade_authority(self) -> None:
        """`validate_upgrade_authority` over the accounts as passed: the check every admin instruction shares
        (`admin_ops.validate_upgrade_authority`, the bypass of section 8.3 included)."""
        validate_upgrade_authority(self.book, self.program_id, self.key(PROGRAM_DATA), self.key(AUTHORITY),
                                   signed=self.metas[AUTHORITY].is_signer, bypass=self.bypass)

    # -- processors --------------------------------------------------------------------------------------------

    def initialize_program(self, _: ixd.InitializeProgram) -> None:
        """`process_initialize_program` up to the account creations (the honest model's)."""
        self.rent_sysvar(PROGRAM_RENT)
        self.upgrade_authority()
        _check(self.key(PROGRAM_STATE) == pdas.system_state(self.program_id)[0], INVALID_ACCOUNT_DATA,
               lambda: f"account {PROGRAM_STATE} {self.key(PROGRAM_STATE)} is not the SystemState PDA")
        _check(not self.state(PROGRAM_STATE).data, E.frt_builtin("AccountAlreadyInitialized"),
               "the SystemState exists")
        _check(self.key(PROGRAM_TREASURY) == pdas.main_treasury(self.program_id)[0], INVALID_ACCOUNT_DATA,
               lambda: f"account {PROGRAM_TREASURY} {self.key(PROGRAM_TREASURY)} is not the MainTreasury PDA")

    def initialize_pool(self, data: ixd.InitializePool) -> None:
        """`validate_pool_request`, the fee's payer and treasury checks, then the PDAs of the accounts as passed
        (the fee itself, the creations and the ratio classification are the honest model's)."""
        self.signer_and_pause()
        self.rent_sysvar(POOL_RENT)
        self.mint_decimals(MINT_7)
        self.mint_decimals(MINT_8)
        _check(data.ratio_a_numerator > 0 and data.ratio_b_denominator > 0, INVALID_ARGUMENT, "a ratio is 0")
        _check(self.key(MINT_7) != self.key(MINT_8), INVALID_ARGUMENT, "both mints are the same")
        _check(self.state(MINT_7).owner == ids.TOKEN_PROGRAM_ID and self.state(MINT_8).owner == ids.TOKEN_PROGRAM_ID
               and self.key(TOKEN_PROGRAM) == ids.TOKEN_PROGRAM_ID, INCORRECT_PROGRAM_ID,
               "a mint or the token program is not classic SPL Token")
        payer = self.key(USER)
        _check(self.book.lamports(payer) >= c.REGISTRATION_FEE, E.frt(FrtErrorCode.InsufficientFeeBalance),
               lambda: f"the creator holds {self.book.lamports(payer)} lamports, the fee is {c.REGISTRATION_FEE}")
        _check(self.key(TREASURY) == pdas.main_treasury(self.program_id)[0],
               E.frt(FrtErrorCode.TreasuryValidationFailed), lambda: f"account {TREASURY} is not the MainTreasury PDA")
        _check(self.metas[TREASURY].is_writable, E.frt(FrtErrorCode.FeeValidationFailed),
               "the MainTreasury is passed read-only")
        _check(len(self.state(TREASURY).data) == c.MAIN_TREASURY_LEN, E.frt_builtin("BorshIoError"),
               "the MainTreasury does not decode")
        derived = PoolAddresses.derive(self.program_id, self.key(MINT_7), self.key(MINT_8), data.ratio_a_numerator,
                                       data.ratio_b_denominator)
        _check(self.key(POOL) == derived.pool, INVALID_ACCOUNT_DATA,
               lambda: f"account {POOL} {self.key(POOL)} is not the pool PDA of these mints and ratios")
        _check(not self.state(POOL).data, E.frt_builtin("AccountAlreadyInitialized"), "the pool exists")
        expected = (derived.token_a_vault, derived.token_b_vault, derived.lp_a_mint, derived.lp_b_mint)
        _check(tuple(self.key(i) for i in POOL_PDAS) == expected, INVALID_ACCOUNT_DATA,
               "the vaults or LP mints passed are not the pool's PDAs")

    def deposit(self, data: ixd.Deposit) -> None:
        """`validate_deposit`, up to the balance check."""
        self.signer_and_pause()
        _check(data.amount > 0, INVALID_ARGUMENT, "the deposit amount is 0")
        state = self.pool_state(data.pool_id)
        self.liquidity_open(state)
        _check(data.deposit_token_mint in (state.token_a_mint, state.token_b_mint), INVALID_INSTRUCTION_DATA,
               lambda: f"the deposit mint {data.deposit_token_mint} is not in the pool")
        side = state.side_of(data.deposit_token_mint)
        lp_index = ACCOUNT_9 if side is Side.A else ACCOUNT_10
        _check(self.key(lp_index) == state.lp_mint(side), INVALID_ACCOUNT_DATA,
               lambda: f"account {lp_index} {self.key(lp_index)} is not LP mint {side}")
        source = self.user_token(USER_7)
        _check(source.mint == data.deposit_token_mint, INVALID_INSTRUCTION_DATA,
               "the source account holds another mint than the instruction names")
        self.side_accounts(state, side)
        lp = self.user_token(USER_8, error=E.frt(FrtErrorCode.MissingLpTokenAccount))
        _check(lp.mint == state.lp_mint(side), INVALID_ACCOUNT_DATA, "the LP account holds another mint")
        _check(source.amount >= data.amount, E.frt_builtin("InsufficientFunds"),
               lambda: f"the source holds {source.amount}, the deposit is {data.amount}")

    def withdraw(self, data: ixd.Withdraw) -> None:
        """`validate_withdraw`: everything before the fee (the burn after it is the honest model's)."""
        _check(data.lp_amount_to_burn > 0, INVALID_ARGUMENT, "the LP amount is 0")
        self.signer_and_pause()
        state = self.pool_state(data.pool_id)
        self.liquidity_open(state)
        _check(self.key(ACCOUNT_9) == state.lp_token_a_mint and self.key(ACCOUNT_10) == state.lp_token_b_mint,
               INVALID_ACCOUNT_DATA, "accounts 9 and 10 are not LP mints A and B")
        destination = self.user_token(USER_8)
        lp = self.user_token(USER_7)
        _check(destination.mint == data.withdraw_token_mint, INVALID_INSTRUCTION_DATA,
               "the destination holds another mint than the instruction names")
        _check(data.withdraw_token_mint in (state.token_a_mint, state.token_b_mint), INVALID_ARGUMENT,
               lambda: f"the withdrawn mint {data.withdraw_token_mint} is not in the pool")
        side = state.side_of(data.withdraw_token_mint)
        _check(lp.mint == state.lp_mint(side), INVALID_ACCOUNT_DATA, "the LP account is of another side")
        self.side_accounts(state, side)

    def swap(self, data: ixd.Swap) -> None:
        """`validate_swap` up to the mint accounts (the output and its expectation are the honest model's)."""
        _check(data.amount_in > 0, INVALID_ARGUMENT, "the swap input is 0")
        self.signer_and_pause()
        state = self.pool_state(data.pool_id)
        _check(PoolFlag.SWAPS_PAUSED not in state.flags, E.frt(FrtErrorCode.PoolSwapsPaused),
               "the pool's swaps are paused")
        _check(PoolFlag.SWAP_FOR_OWNERS_ONLY not in state.flags or self.key(USER) == state.owner,
               E.frt(FrtErrorCode.SwapAccessRestricted), "owner-only pool and the user is not its owner")
        source = self.user_token(USER_7)
        destination = self.user_token(USER_8)
        _check(source.mint in (state.token_a_mint, state.token_b_mint), INVALID_ARGUMENT,
               "the input account's mint is not in the pool")
        _check(self.key(VAULT_A) == state.token_a_vault and self.key(VAULT_B) == state.token_b_vault,
               INVALID_ACCOUNT_DATA, "accounts 5 and 6 are not vaults A and B")
        self.vault(VAULT_A, state.token_a_mint)
        self.vault(VAULT_B, state.token_b_mint)
        side_out = state.side_of(source.mint).other
        _check(destination.mint == state.mint(side_out), INVALID_ACCOUNT_DATA,
               "the output account holds another mint")
        _check(source.amount >= data.amount_in, INVALID_ACCOUNT_DATA,
               lambda: f"the input account holds {source.amount}, the swap needs {data.amount_in}")
        _check(self.key(TOKEN_PROGRAM) == ids.TOKEN_PROGRAM_ID, INCORRECT_PROGRAM_ID,
               lambda: f"account {TOKEN_PROGRAM} is not the SPL Token program")
        _check(self.key(ACCOUNT_9) == source.mint and self.key(ACCOUNT_10) == destination.mint,
               INVALID_ACCOUNT_DATA, "accounts 9 and 10 are not the mints of the user's accounts")


@dataclass(frozen=True, slots=True)
class Adversarial(Op):
    """The variant `name` of the honest operation `honest`: sends `instruction`, predicted as the program runs it
    (module docstring). When `instruction` is the honest operation's own (a zero or oversized amount, a wrong
    expectation), the two models must agree; otherwise the program's checks refuse it before any effect.

    The signer marks are read from the instruction, so no signer of the transaction may be an account the
    instruction leaves unsigned: the runtime would mark it signer (a fee payer always is). `VARIANTS` sends
    every variant from `Target.user` and leaves only the stranger unsigned."""

    name: str
    honest: Honest
    instruction: Instruction
    bypass: bool = field(default=True, kw_only=True)
    """As in `admin_ops`: True models upstream's admin-check bypass (8.3), False a build that fixed it."""

    def instructions(self) -> tuple[Instruction, ...]:
        return (self.instruction,)

    def labels(self) -> dict[Address, str]:
        labels = dict(self.honest.labels())
        key_only = _KEY_ONLY[type(self.honest)]
        for index, meta in enumerate(self.instruction.accounts):
            if index not in key_only:
                labels.setdefault(meta.address, f"account {index} of {self.name}")
        return labels

    def apply(self, book: Book) -> None:
        try:
            data = ixd.decode_instruction(self.instruction.data)
        except ixd.InstructionDecodeError as exc:
            raise Fails(E.frt_builtin(exc.kind), str(exc)) from None
        exact = EXACT_ACCOUNTS.get(type(data))
        if exact is None:
            raise InvalidArgument(f"{self.name}: the adversary models the phase-1 instructions "
                                  f"{[t.__name__ for t in EXACT_ACCOUNTS]}, not {type(data).__name__}")
        count = len(self.instruction.accounts)
        _check(count == exact, INVALID_ACCOUNT_DATA, lambda: f"{count} accounts, the program takes exactly {exact}")
        program = _Program(book, self.instruction, bypass=self.bypass)
        if isinstance(data, ixd.Deposit):
            program.deposit(data)
        elif isinstance(data, ixd.Withdraw):
            program.withdraw(data)
        elif isinstance(data, ixd.Swap):
            program.swap(data)
        elif isinstance(data, ixd.InitializeProgram):
            program.initialize_program(data)
        elif isinstance(data, ixd.InitializePool):
            program.initialize_pool(data)
        self.honest.apply(book)

    def __str__(self) -> str:
        return f"{self.name}: {self.honest}"


# ---------------------------------------------------------------------------------------------------------
# The catalogue


@dataclass(frozen=True, slots=True)
class Target:
    """What a variant is built from. `user` sends every variant and is its only signer and fee payer. `amount` is
    valid for the honest operation (a deposit, the LP to burn, the swap input of `side`); `balance` is what the
    user holds of what it spends (the side's token, its LP, the input token). `stranger` is another wallet: its
    token accounts stand in for the user's, its System account for the pool state, and `*.missing_signer` is
    the stranger's operation sent by the user without the stranger's signature. `stranger_mint` is a mint not
    in the pool."""

    pool: PoolAddresses
    user: Address
    side: Side
    amount: int
    balance: int
    stranger: Address
    stranger_mint: Address
    fake_lp_mint: Address
    """A mint whose mint authority is the pool PDA, not the pool's LP mint (the caller creates it)."""

    def expected_output(self, amount_in: int) -> int:
        """The output the stored ratio gives for a swap of `amount_in` from `side` (0 where it is rejected)."""
        r_in, r_out = frt_math.swap_ratios(self.pool.ratio_a, self.pool.ratio_b, self.side)
        try:
            return frt_math.swap_output(amount_in, r_in, r_out)
        except frt_math.SwapRejected:
            return 0

    def stranger_ata(self, mint: Address) -> Address:
        return associated_token_address(self.stranger, mint)

    @property
    def fake_vault(self) -> Address:
        """A token account of the side's mint owned by the pool PDA that is not its vault: anyone can create
        one (the pool PDA's associated account; the caller creates it). Only the vault key checks tell it apart."""
        return associated_token_address(self.pool.pool, self.pool.mint(self.side))

    @property
    def vault_index(self) -> int:
        return VAULT_A if self.side is Side.A else VAULT_B

    @property
    def lp_index(self) -> int:
        return ACCOUNT_9 if self.side is Side.A else ACCOUNT_10


Kind: TypeAlias = Callable[[Target, int], Trading]
Break: TypeAlias = Callable[[Target, Instruction], Instruction]
Build: TypeAlias = Callable[[Target], Adversarial]

KINDS: Final[dict[str, Kind]] = {
    "deposit": lambda t, amount: Deposit(t.pool, t.user, t.side, amount),
    "withdraw": lambda t, amount: Withdraw(t.pool, t.user, t.side, amount),
    "swap": lambda t, amount: Swap(t.pool, t.user, t.side, amount, t.expected_output(amount)),
}


def with_account(instruction: Instruction, index: int, meta: AccountMeta) -> Instruction:
    """`instruction` with account `index` replaced by `meta`."""
    accounts = list(instruction.accounts)
    accounts[index] = meta
    return replace(instruction, accounts=tuple(accounts))


def _exchange(first: int, second: int) -> Break:
    def swapped(_: Target, ix: Instruction) -> Instruction:
        accounts = list(ix.accounts)
        accounts[first], accounts[second] = accounts[second], accounts[first]
        return replace(ix, accounts=tuple(accounts))
    return swapped


def _account_at(index: int, address: Callable[[Target], Address]) -> Break:
    """Account `index` replaced by `address(target)`, writable as the one it replaces was."""
    return lambda t, ix: with_account(ix, index, replace(ix.accounts[index], address=address(t)))


def _data(change: Callable[[bytes], bytes]) -> Break:
    return lambda _, ix: replace(ix, data=change(ix.data))


_FIRST_UNKNOWN_VARIANT: Final = len(ixd.INSTRUCTION_TYPES)

_BREAKS: Final[dict[str, Break]] = {
    "vaults_swapped": _exchange(VAULT_A, VAULT_B),
    "pool_state_program_owned": _account_at(POOL, lambda t: pdas.main_treasury(t.pool.program_id)[0]),
    "pool_state_system_owned": _account_at(POOL, lambda t: t.stranger),
    "system_state_wrong": _account_at(SYSTEM_STATE, lambda t: pdas.main_treasury(t.pool.program_id)[0]),
    "too_few_accounts": lambda _, ix: replace(ix, accounts=ix.accounts[:-1]),
    "fake_vault": lambda t, ix: with_account(ix, t.vault_index, replace(ix.accounts[t.vault_index],
                                                                         address=t.fake_vault)),
    **{f"account_{index}_{owner}_owned": _account_at(index, address) for index in (USER_7, USER_8)
       for owner, address in (("program", lambda t: pdas.system_state(t.pool.program_id)[0]),
                              ("system", lambda t: t.stranger))},
    "data_short": _data(lambda d: d[:-1]),
    "data_long": _data(lambda d: d + b"\x00"),
    "data_unknown_variant": _data(lambda d: bytes([_FIRST_UNKNOWN_VARIANT]) + d[1:]),
    "data_empty": _data(lambda _: b""),
}
"""Breaks every kind shares: the instruction of a valid operation, changed in one place. A fake vault (a
token account of the right mint owned by the pool PDA) passes every vault check but the key. Accounts 7 and 8 (the
user's token accounts) replaced by the program's SystemState and by the stranger's System account reach the
token-account checks' owner and data tests, which a foreign token account passes."""

_KIND_BREAKS: Final[dict[str, dict[str, Break]]] = {
    "deposit": {
        "foreign_source": _account_at(USER_7, lambda t: t.stranger_ata(t.pool.mint(t.side))),
        "foreign_lp_account": _account_at(USER_8, lambda t: t.stranger_ata(t.pool.lp_mint(t.side))),
        "lp_mints_swapped": _exchange(ACCOUNT_9, ACCOUNT_10),
        "fake_lp_mint": lambda t, ix: with_account(ix, t.lp_index, replace(ix.accounts[t.lp_index],
                                                                          address=t.fake_lp_mint)),
        "stranger_mint": lambda t, ix: replace(ix, data=ixd.Deposit(t.stranger_mint, t.amount, t.pool.pool).encode()),
    },
    "withdraw": {
        "foreign_lp_account": _account_at(USER_7, lambda t: t.stranger_ata(t.pool.lp_mint(t.side))),
        "foreign_destination": _account_at(USER_8, lambda t: t.stranger_ata(t.pool.mint(t.side))),
        "lp_mints_swapped": _exchange(ACCOUNT_9, ACCOUNT_10),
        "fake_lp_mint": lambda t, ix: with_account(ix, t.lp_index, replace(ix.accounts[t.lp_index],
                                                                          address=t.fake_lp_mint)),
        "stranger_mint": lambda t, ix: replace(ix, data=ixd.Withdraw(t.stranger_mint, t.amount,
                                                                      t.pool.pool).encode()),
    },
    "swap": {
        "foreign_input": _account_at(USER_7, lambda t: t.stranger_ata(t.pool.mint(t.side))),
        "foreign_output": _account_at(USER_8, lambda t: t.stranger_ata(t.pool.mint(t.side.other))),
        "mints_swapped": _exchange(ACCOUNT_9, ACCOUNT_10),
        "stranger_mint": _account_at(ACCOUNT_9, lambda t: t.stranger_mint),
        "token_program_wrong": _account_at(TOKEN_PROGRAM, lambda _: ids.SYSTEM_PROGRAM_ID),
    },
}
"""Breaks of one kind's own accounts and fields."""

_AMOUNTS: Final[dict[str, Callable[[Target], int]]] = {
    "zero_amount": lambda _: 0,
    "over_balance": lambda t: t.balance + 1,
}
"""Variants that are the honest operation itself, with an amount the program must refuse."""


def _read_only_pool(name: str, kind: Kind) -> Build:
    """The honest operation with the pool state passed read-only: its fee collection must refuse it (1033)."""
    def build(t: Target) -> Adversarial:
        honest = replace(kind(t, t.amount), pool_writable=False)
        return Adversarial(name, honest, honest.instructions()[0])
    return build


def _broken(name: str, kind: Kind, tamper: Break) -> Build:
    def build(t: Target) -> Adversarial:
        honest = kind(t, t.amount)
        return Adversarial(name, honest, tamper(t, honest.instructions()[0]))
    return build


def _unsigned(name: str, kind: Kind) -> Build:
    """The stranger's operation with its account not marked signer, which the user signs and pays for."""
    def build(t: Target) -> Adversarial:
        honest = kind(replace(t, user=t.stranger), t.amount)
        return Adversarial(name, honest, with_account(honest.instructions()[0], USER, rw(t.stranger)))
    return build


def _amount(name: str, kind: Kind, amount: Callable[[Target], int]) -> Build:
    def build(t: Target) -> Adversarial:
        honest = kind(t, amount(t))
        return Adversarial(name, honest, honest.instructions()[0])
    return build


def _expectation(name: str, offset: int) -> Build:
    """A swap whose `expected_amount_out` is off by `offset` from what the stored ratio gives (1047); never
    below 0, which an amount whose output the program rejects anyway may ask for."""
    def build(t: Target) -> Adversarial:
        honest = Swap(t.pool, t.user, t.side, t.amount, max(0, t.expected_output(t.amount) + offset))
        return Adversarial(name, honest, honest.instructions()[0])
    return build


def _catalogue() -> dict[str, Build]:
    variants: dict[str, Build] = {}
    for kind_name, kind in KINDS.items():
        variants[f"{kind_name}.missing_signer"] = _unsigned(f"{kind_name}.missing_signer", kind)
        variants[f"{kind_name}.pool_state_read_only"] = _read_only_pool(f"{kind_name}.pool_state_read_only", kind)
        for suffix, amount in _AMOUNTS.items():
            variants[f"{kind_name}.{suffix}"] = _amount(f"{kind_name}.{suffix}", kind, amount)
        for suffix, tamper in (_BREAKS | _KIND_BREAKS[kind_name]).items():
            variants[f"{kind_name}.{suffix}"] = _broken(f"{kind_name}.{suffix}", kind, tamper)
    variants["swap.expected_plus_one"] = _expectation("swap.expected_plus_one", 1)
    variants["swap.expected_minus_one"] = _expectation("swap.expected_minus_one", -1)
    return dict(sorted(variants.items()))


VARIANTS: Final[dict[str, Build]] = _catalogue()
"""Every adversarial variant by name ("<kind>.<break>"), built from a `Target`."""
ADVERSARY_PREFIX: Final = "adversary:"
"""The intent kind of a variant sent is this prefix and its name: "adversary:deposit.missing_signer"."""
