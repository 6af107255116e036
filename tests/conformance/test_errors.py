"""Error paths of the phase-1 instructions (frt-contract.md §2.3 check orders, §6): each case breaks one
well-formed transaction in one way (or two, to prove which check runs first) and must get the documented
error from the documented program, with every account it names or the scene holds left untouched except
the payer's network fee (I9)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import pytest

from pytest_fixedratio.frt import builders, pdas
from pytest_fixedratio.frt import instruction_data as ix
from pytest_fixedratio.frt import math as frt_math
from pytest_fixedratio.frt.constants import RatioType, Side
from pytest_fixedratio.frt.errors import CUSTOM, FrtErrorCode, OnChainError, Raiser, SystemProgramError
from pytest_fixedratio.frt.pdas import PoolAddresses
from pytest_fixedratio.sol import ids
from pytest_fixedratio.sol.address import Address
from pytest_fixedratio.sol.instruction import AccountMeta, Instruction, ro, rw
from pytest_fixedratio.sol.keys import Wallet
from tests.conformance.conftest import (
    AMOUNT_MISMATCH,
    INSUFFICIENT_FEE_BALANCE,
    INSUFFICIENT_FUNDS,
    INVALID_ACCOUNT_DATA,
    INVALID_ARGUMENT,
    SPL_INSUFFICIENT_FUNDS,
    TRADER_LP,
    USER_TOKENS,
    Bench,
    Market,
    ata,
    failure,
    seeded,
    system_accounts,
)

pytestmark = pytest.mark.asyncio

MISSING_SIGNATURE = OnChainError("MissingRequiredSignature")
INVALID_INSTRUCTION_DATA = OnChainError("InvalidInstructionData")
BORSH_IO_ERROR = OnChainError("BorshIoError")
INCORRECT_PROGRAM_ID = OnChainError("IncorrectProgramId")
ALREADY_INITIALIZED = OnChainError("AccountAlreadyInitialized")
FEE_VALIDATION_FAILED = OnChainError(CUSTOM, FrtErrorCode.FeeValidationFailed)
TREASURY_VALIDATION_FAILED = OnChainError(CUSTOM, FrtErrorCode.TreasuryValidationFailed)
UNSUPPORTED_RATIO_TYPE = OnChainError(CUSTOM, FrtErrorCode.UnsupportedRatioType)
MISSING_LP_ACCOUNT = OnChainError(CUSTOM, FrtErrorCode.MissingLpTokenAccount)
UNINITIALIZED_ACCOUNT = OnChainError("UninitializedAccount")
SYSTEM_ACCOUNT_IN_USE = OnChainError(CUSTOM, SystemProgramError.AccountAlreadyInUse)
SYSTEM_NEGATIVE_LAMPORTS = OnChainError(CUSTOM, SystemProgramError.ResultWithNegativeLamports)
NOWHERE = seeded("no-account-here").address
"""An address holding no account, passed where the program expects a specific one."""


# -- instruction surgery -------------------------------------------------------------------------------


def _account(instruction: Instruction, index: int, meta: AccountMeta) -> Instruction:
    metas = list(instruction.accounts)
    metas[index] = meta
    return replace(instruction, accounts=tuple(metas))


def _swap_accounts(instruction: Instruction, i: int, j: int) -> Instruction:
    metas = list(instruction.accounts)
    metas[i], metas[j] = metas[j], metas[i]
    return replace(instruction, accounts=tuple(metas))


def _unsigned(instruction: Instruction) -> Instruction:
    """Account 0 stays writable but does not sign (another wallet pays)."""
    return _account(instruction, 0, rw(instruction.accounts[0].address))


def _read_only(instruction: Instruction, index: int) -> Instruction:
    return _account(instruction, index, ro(instruction.accounts[index].address))


def _extra_account(instruction: Instruction) -> Instruction:
    return replace(instruction, accounts=(*instruction.accounts, ro(NOWHERE)))


def _last_account_dropped(instruction: Instruction) -> Instruction:
    return replace(instruction, accounts=instruction.accounts[:-1])


def _data(instruction: Instruction, data: bytes) -> Instruction:
    return replace(instruction, data=data)


# -- well-formed instructions on the market ------------------------------------------------------------


def _deposit(m: Market, amount: int = 1_000, *, side: Side = Side.A, user: Wallet | None = None) -> Instruction:
    return builders.deposit(m.pool, (user or m.trader).address, side, amount)


def _withdraw(m: Market, lp_amount: int = 1_000, *, side: Side = Side.A) -> Instruction:
    return builders.withdraw(m.pool, m.trader.address, side, lp_amount)


def _swap(m: Market, amount_in: int = 1_000, *, side: Side = Side.A, expected: int | None = None,
          exact_pool: bool = False) -> Instruction:
    """A swap expecting the output frt.math predicts (0 when the program must reject the input anyway)."""
    pool = m.exact_pool if exact_pool else m.pool
    if expected is None:
        try:
            expected = frt_math.swap_output(amount_in, *frt_math.swap_ratios(pool.ratio_a, pool.ratio_b, side),
                                            exact=exact_pool)
        except frt_math.SwapRejected:
            expected = 0
    return builders.swap(pool, m.trader.address, side, amount_in, expected)


def _new_pool(m: Market, ratio: tuple[int, int] = (1_000_000, 2_000_000), *, token_b: Address | None = None
              ) -> PoolAddresses:
    """A pool of the market's token A and the outsider mint (or `token_b`) that does not exist yet."""
    return PoolAddresses.derive(m.program_id, m.pool.token_a_mint, token_b or m.outsider_mint, *ratio)


def _create_pool(m: Market, pool: PoolAddresses | None = None, *, creator: Wallet | None = None) -> Instruction:
    return builders.initialize_pool((creator or m.core).address, pool or _new_pool(m))


def _engineering_pool(m: Market) -> PoolAddresses:
    ratio = (3_000_000, 7_000_000)  # 3 : 7 display units of two 6-decimal tokens, neither side is one unit
    assert frt_math.get_ratio_type(*ratio, 6, 6) is RatioType.ENGINEERING
    return _new_pool(m, ratio)


def _pool_id(instruction: Instruction, data_type: type[ix.Deposit | ix.Withdraw | ix.Swap], pool: Address
             ) -> Instruction:
    """The same instruction with its data's pool_id replaced."""
    decoded = ix.decode_instruction(instruction.data)
    assert isinstance(decoded, data_type)
    return _data(instruction, replace(decoded, pool_id=pool).encode())


@dataclass(frozen=True, slots=True)
class Case:
    """`build` breaks an instruction; the market's wallet named `signer` signs and pays; the program (or
    the program `raiser` names) must answer `error`."""

    build: Callable[[Market], Instruction]
    error: OnChainError
    signer: str = "trader"
    raiser: Raiser = Raiser.FRT


CASES: dict[str, Case] = {
    # Instruction data and account count (§1, §2.3 "exact N").
    "deposit: empty data": Case(lambda m: _data(_deposit(m), b""), INVALID_INSTRUCTION_DATA),
    "deposit: short data": Case(lambda m: _data(_deposit(m), _deposit(m).data[:-1]), BORSH_IO_ERROR),
    "deposit: trailing byte": Case(lambda m: _data(_deposit(m), _deposit(m).data + b"\0"), BORSH_IO_ERROR),
    "deposit: v0.16 data without pool_id": Case(lambda m: _data(_deposit(m), _deposit(m).data[:41]),
                                                 BORSH_IO_ERROR),
    "swap: v0.16 data without pool_id": Case(lambda m: _data(_swap(m), _swap(m).data[:49]), BORSH_IO_ERROR),
    "initialize pool: v0.16 data without flags": Case(lambda m: _data(_create_pool(m), _create_pool(m).data[:17]),
                                                      BORSH_IO_ERROR, "core"),
    "unknown variant 25": Case(lambda m: _data(_deposit(m), b"\x19"), BORSH_IO_ERROR),
    "deposit: 10 accounts": Case(lambda m: _last_account_dropped(_deposit(m)), INVALID_ACCOUNT_DATA),
    "withdraw: 12 accounts": Case(lambda m: _extra_account(_withdraw(m)), INVALID_ACCOUNT_DATA),
    "swap: 12 accounts": Case(lambda m: _extra_account(_swap(m)), INVALID_ACCOUNT_DATA),
    "initialize pool: 12 accounts": Case(lambda m: _last_account_dropped(_create_pool(m)), INVALID_ACCOUNT_DATA,
                                         "core"),
    # Signers and zero amounts.
    "deposit: user not a signer": Case(lambda m: _unsigned(_deposit(m)), MISSING_SIGNATURE, "core"),
    "withdraw: user not a signer": Case(lambda m: _unsigned(_withdraw(m)), MISSING_SIGNATURE, "core"),
    "swap: user not a signer": Case(lambda m: _unsigned(_swap(m)), MISSING_SIGNATURE, "core"),
    "initialize pool: creator not a signer": Case(lambda m: _unsigned(_create_pool(m, creator=m.trader)),
                                                  MISSING_SIGNATURE, "core"),
    "deposit: zero amount": Case(lambda m: _deposit(m, 0), INVALID_ARGUMENT),
    "withdraw: zero amount": Case(lambda m: _withdraw(m, 0), INVALID_ARGUMENT),
    "swap: zero amount_in": Case(lambda m: _swap(m, 0), INVALID_ARGUMENT),
    # InitializePool.
    "initialize pool: zero ratio A": Case(lambda m: _create_pool(m, _new_pool(m, (0, 2))), INVALID_ARGUMENT,
                                          "core"),
    "initialize pool: zero ratio B": Case(lambda m: _create_pool(m, _new_pool(m, (1, 0))), INVALID_ARGUMENT,
                                          "core"),
    "initialize pool: same mint twice": Case(lambda m: _create_pool(m, _new_pool(m, token_b=m.pool.token_a_mint)),
                                             INVALID_ARGUMENT, "core"),
    "initialize pool: wrong rent sysvar": Case(lambda m: _account(_create_pool(m), 6, ro(ids.CLOCK_SYSVAR_ID)),
                                               INVALID_ARGUMENT, "core"),
    "initialize pool: Token-2022 program id": Case(lambda m: _account(_create_pool(m), 4,
                                                                      ro(ids.TOKEN_2022_PROGRAM_ID)),
                                                   INCORRECT_PROGRAM_ID, "core"),
    "initialize pool: Token-2022 mint": Case(lambda m: _create_pool(m, _new_pool(m, token_b=m.token22_mint)),
                                             INCORRECT_PROGRAM_ID, "core"),
    "initialize pool: payer short of 1.15 SOL": Case(lambda m: _create_pool(m, creator=m.poor_creator),
                                                     INSUFFICIENT_FEE_BALANCE, "poor_creator"),
    "initialize pool: wrong treasury": Case(lambda m: _account(_create_pool(m), 5, rw(NOWHERE)),
                                            TREASURY_VALIDATION_FAILED, "core"),
    "initialize pool: read-only treasury": Case(lambda m: _read_only(_create_pool(m), 5), FEE_VALIDATION_FAILED,
                                                "core"),
    "initialize pool: pool PDA of another ratio": Case(
        lambda m: _account(_create_pool(m), 3, rw(_new_pool(m, (1, 3)).pool)), INVALID_ACCOUNT_DATA, "core"),
    "initialize pool: vaults swapped": Case(lambda m: _swap_accounts(_create_pool(m), 9, 10), INVALID_ACCOUNT_DATA,
                                            "core"),
    "initialize pool: LP mints swapped": Case(lambda m: _swap_accounts(_create_pool(m), 11, 12),
                                              INVALID_ACCOUNT_DATA, "core"),
    "initialize pool: pool already exists": Case(lambda m: _create_pool(m, m.pool), ALREADY_INITIALIZED, "core"),
    "initialize pool: engineering ratio": Case(lambda m: _create_pool(m, _engineering_pool(m)),
                                               UNSUPPORTED_RATIO_TYPE, "core"),
    "initialize pool: creator short of the rent": Case(lambda m: _create_pool(m, creator=m.rent_short_creator),
                                                       SYSTEM_NEGATIVE_LAMPORTS, "rent_short_creator", Raiser.SYSTEM),
    "initialize pool: pool PDA pre-funded by a third party": Case(lambda m: _create_pool(m, m.squatted_pool),
                                                                  SYSTEM_ACCOUNT_IN_USE, "core", Raiser.SYSTEM),
    # Deposit.
    "deposit: more than the balance": Case(lambda m: _deposit(m, USER_TOKENS), INSUFFICIENT_FUNDS),
    "deposit: no LP token account": Case(lambda m: _deposit(m, user=m.newcomer), MISSING_LP_ACCOUNT, "newcomer"),
    "deposit: payer short of the liquidity fee": Case(lambda m: _deposit(m, user=m.pauper),
                                                      INSUFFICIENT_FEE_BALANCE, "pauper"),
    "deposit: pool_id of another pool": Case(lambda m: _pool_id(_deposit(m), ix.Deposit, m.exact_pool.pool),
                                             TREASURY_VALIDATION_FAILED),
    "deposit: read-only pool": Case(lambda m: _read_only(_deposit(m), 3), FEE_VALIDATION_FAILED),
    "deposit: mint not in the pool": Case(lambda m: _data(_deposit(m), ix.Deposit(m.outsider_mint, 1_000,
                                                                                  m.pool.pool).encode()),
                                          INVALID_INSTRUCTION_DATA),
    "deposit: source account of the other token": Case(
        lambda m: _account(_deposit(m), 7, rw(ata(m.trader.address, m.pool.token_b_mint))),
        INVALID_INSTRUCTION_DATA),
    "deposit: LP account of the other side": Case(
        lambda m: _account(_deposit(m), 8, rw(ata(m.trader.address, m.pool.lp_b_mint))), INVALID_ACCOUNT_DATA),
    "deposit: LP account of another owner": Case(
        lambda m: _account(_deposit(m), 8, rw(ata(m.core.address, m.pool.lp_a_mint))), MISSING_LP_ACCOUNT),
    "deposit: pool account not owned by the program": Case(lambda m: _account(_deposit(m), 3,
                                                                              rw(m.pool.token_a_vault)),
                                                           INCORRECT_PROGRAM_ID),
    "deposit: LP mint of another pool": Case(lambda m: _account(_deposit(m), 9, rw(m.exact_pool.lp_a_mint)),
                                             INVALID_ACCOUNT_DATA),
    "deposit: vault of another pool": Case(lambda m: _account(_deposit(m), 5, rw(m.exact_pool.token_a_vault)),
                                           INVALID_ACCOUNT_DATA),
    "deposit: Token-2022 program id": Case(lambda m: _account(_deposit(m), 4, ro(ids.TOKEN_2022_PROGRAM_ID)),
                                           INCORRECT_PROGRAM_ID),
    "deposit: wrong system state": Case(lambda m: _account(_deposit(m), 2, ro(NOWHERE)), INVALID_ACCOUNT_DATA),
    # Withdraw.
    "withdraw: more LP than held": Case(lambda m: _withdraw(m, TRADER_LP + 1), SPL_INSUFFICIENT_FUNDS,
                                        raiser=Raiser.SPL_TOKEN),
    "withdraw: pool_id of another pool": Case(lambda m: _pool_id(_withdraw(m), ix.Withdraw, m.exact_pool.pool),
                                              TREASURY_VALIDATION_FAILED),
    "withdraw: read-only pool": Case(lambda m: _read_only(_withdraw(m), 3), FEE_VALIDATION_FAILED),
    "withdraw: LP account of the other side": Case(
        lambda m: _account(_withdraw(m), 7, rw(ata(m.trader.address, m.pool.lp_b_mint))), INVALID_ACCOUNT_DATA),
    "withdraw: destination missing": Case(lambda m: _account(_withdraw(m), 8, rw(NOWHERE)), UNINITIALIZED_ACCOUNT),
    "withdraw: mint not in the pool": Case(
        lambda m: _account(_data(_withdraw(m), ix.Withdraw(m.outsider_mint, 1_000, m.pool.pool).encode()), 8,
                           rw(ata(m.trader.address, m.outsider_mint))), INVALID_ARGUMENT),
    "withdraw: destination of the other token": Case(
        lambda m: _account(_withdraw(m), 8, rw(ata(m.trader.address, m.pool.token_b_mint))),
        INVALID_INSTRUCTION_DATA),
    # Swap.
    "swap: expected out one too high": Case(lambda m: _swap(m, 1_000, expected=2_501), AMOUNT_MISMATCH),
    "swap: expected out one too low": Case(lambda m: _swap(m, 1_000, expected=2_499), AMOUNT_MISMATCH),
    "swap: exact-exchange remainder": Case(lambda m: _swap(m, 1_000_001, side=Side.B, exact_pool=True,
                                                           expected=333_333), AMOUNT_MISMATCH),
    "swap: output floors to zero": Case(lambda m: _swap(m, 2, side=Side.B), INVALID_ARGUMENT),
    "swap: output above tracked liquidity": Case(lambda m: _swap(m, 10**9), INSUFFICIENT_FUNDS),
    "swap: input balance short": Case(lambda m: _swap(m, USER_TOKENS), INVALID_ACCOUNT_DATA),
    "swap: pool_id of another pool": Case(lambda m: _pool_id(_swap(m), ix.Swap, m.exact_pool.pool),
                                          TREASURY_VALIDATION_FAILED),
    "swap: read-only pool": Case(lambda m: _read_only(_swap(m), 3), FEE_VALIDATION_FAILED),
    "swap: Token-2022 program id": Case(lambda m: _account(_swap(m), 4, ro(ids.TOKEN_2022_PROGRAM_ID)),
                                        INCORRECT_PROGRAM_ID),
    "swap: vaults swapped": Case(lambda m: _swap_accounts(_swap(m), 5, 6), INVALID_ACCOUNT_DATA),
    "swap: input mint account not the input token": Case(lambda m: _account(_swap(m), 9, ro(m.outsider_mint)),
                                                         INVALID_ACCOUNT_DATA),
    "swap: output account missing": Case(lambda m: _account(_swap(m), 8, rw(NOWHERE)), UNINITIALIZED_ACCOUNT),
    "swap: input token not in the pool": Case(
        lambda m: _account(_swap(m), 7, rw(ata(m.trader.address, m.outsider_mint))), INVALID_ARGUMENT),
    "swap: output account of the input token": Case(
        lambda m: _account(_swap(m), 8, rw(ata(m.trader.address, m.pool.token_a_mint))), INVALID_ACCOUNT_DATA),
    # Two faults at once: the first check in the §2.3 order wins.
    "order: deposit checks the signer before the amount": Case(lambda m: _unsigned(_deposit(m, 0)),
                                                               MISSING_SIGNATURE, "core"),
    "order: withdraw checks the amount before the signer": Case(lambda m: _unsigned(_withdraw(m, 0)),
                                                                INVALID_ARGUMENT, "core"),
    "order: swap checks the amount before the signer": Case(lambda m: _unsigned(_swap(m, 0)), INVALID_ARGUMENT,
                                                            "core"),
    "order: zero ratio before the registration fee": Case(
        lambda m: _create_pool(m, _new_pool(m, (0, 2)), creator=m.poor_creator), INVALID_ARGUMENT, "poor_creator"),
    "order: same mint before the token program": Case(
        lambda m: _account(_create_pool(m, _new_pool(m, token_b=m.pool.token_a_mint)), 4,
                           ro(ids.TOKEN_2022_PROGRAM_ID)), INVALID_ARGUMENT, "core"),
    "order: registration fee before the treasury": Case(
        lambda m: _account(_create_pool(m, creator=m.poor_creator), 5, rw(NOWHERE)), INSUFFICIENT_FEE_BALANCE,
        "poor_creator"),
    "order: treasury key before treasury writability": Case(lambda m: _account(_create_pool(m), 5, ro(NOWHERE)),
                                                            TREASURY_VALIDATION_FAILED, "core"),
    "order: treasury before the pool PDA": Case(
        lambda m: _account(_account(_create_pool(m), 5, rw(NOWHERE)), 3, rw(m.pool.pool)),
        TREASURY_VALIDATION_FAILED, "core"),
    "order: pool PDA before the ratio classification": Case(
        lambda m: _account(_create_pool(m, _engineering_pool(m)), 3, rw(_new_pool(m).pool)),
        INVALID_ACCOUNT_DATA, "core"),
    "order: deposit pool_id before pool writability": Case(
        lambda m: _read_only(_pool_id(_deposit(m), ix.Deposit, m.exact_pool.pool), 3), TREASURY_VALIDATION_FAILED),
    "order: deposit LP account before the balance": Case(lambda m: _deposit(m, USER_TOKENS + 1, user=m.newcomer),
                                                         MISSING_LP_ACCOUNT, "newcomer"),
    "order: deposit balance before the fee": Case(lambda m: _deposit(m, USER_TOKENS + 1, user=m.pauper),
                                                  INSUFFICIENT_FUNDS, "pauper"),
    "order: swap balance before the expected amount": Case(lambda m: _swap(m, USER_TOKENS, expected=1),
                                                           INVALID_ACCOUNT_DATA),
    "order: swap expected amount before the liquidity": Case(lambda m: _swap(m, 10**9, expected=1),
                                                             AMOUNT_MISMATCH),
    "order: zero output before the expected amount": Case(lambda m: _swap(m, 2, side=Side.B, expected=7),
                                                          INVALID_ARGUMENT),
    "order: exact-exchange remainder before zero output": Case(
        lambda m: _swap(m, 1, side=Side.B, exact_pool=True, expected=0), AMOUNT_MISMATCH),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
async def test_error_path_returns_the_documented_error_and_changes_nothing(market: Market, case: Case) -> None:
    instruction = case.build(market)
    signer: Wallet = getattr(market, case.signer)
    named = tuple(meta.address for meta in instruction.accounts)
    before = await market.bench.accounts((*market.watched(), *named))
    await market.bench.run([instruction], [signer], failure(before, signer.address, case.error, case.raiser))


# -- InitializeProgram ---------------------------------------------------------------------------------------


def _initialize(b: Bench, signer: Wallet | None = None, *, program_data: Address | None = None) -> Instruction:
    return builders.initialize_program(b.program_id, (signer or b.chain.upgrade_authority).address,
                                       program_data=program_data)


INITIALIZE_CASES: dict[str, tuple[Callable[[Bench, Wallet], Instruction], OnChainError]] = {
    "not the upgrade authority": (lambda b, w: _initialize(b, w), INVALID_ACCOUNT_DATA),
    "program data of another program": (
        lambda b, w: _initialize(b, w, program_data=pdas.program_data(ids.TOKEN_2022_PROGRAM_ID)[0]),
        INVALID_ACCOUNT_DATA),
    "authority not a signer": (lambda b, w: _unsigned(_initialize(b)), MISSING_SIGNATURE),
    "wrong system state": (lambda b, w: _account(_initialize(b), 3, rw(NOWHERE)), INVALID_ACCOUNT_DATA),
    "wrong treasury": (lambda b, w: _account(_initialize(b), 4, rw(NOWHERE)), INVALID_ACCOUNT_DATA),
    "wrong rent sysvar": (lambda b, w: _account(_initialize(b), 2, ro(ids.CLOCK_SYSVAR_ID)), INVALID_ARGUMENT),
    "5 accounts": (lambda b, w: _last_account_dropped(_initialize(b)), INVALID_ACCOUNT_DATA),
}


@pytest.mark.parametrize("case", INITIALIZE_CASES.values(), ids=INITIALIZE_CASES.keys())
async def test_initialize_program_error_path(
        bench: Bench, case: tuple[Callable[[Bench, Wallet], Instruction], OnChainError]) -> None:
    """`stranger` signs and pays unless the case leaves the authority as the only signer."""
    build, error = case
    stranger = await bench.wallet("stranger")
    instruction = build(bench, stranger)
    signers = [meta.address for meta in instruction.accounts if meta.is_signer]
    signer = bench.chain.upgrade_authority if signers == [bench.chain.upgrade_authority.address] else stranger
    named = tuple(meta.address for meta in instruction.accounts)
    before = await bench.accounts((*system_accounts(bench.program_id), *named, signer.address))
    await bench.run([instruction], [signer], failure(before, signer.address, error))


@pytest.mark.parametrize("bypass", [False, True], ids=["upgrade authority", "bypass signer"])
async def test_initialize_program_twice_fails(program: Bench, bypass: bool) -> None:
    signer = await program.wallet("stranger") if bypass else program.chain.upgrade_authority
    instruction = _initialize(program, signer, program_data=ids.SYSTEM_PROGRAM_ID if bypass else None)
    before = await program.accounts((*system_accounts(program.program_id), signer.address))
    await program.run([instruction], [signer], failure(before, signer.address, ALREADY_INITIALIZED))
