"""Intents predict the exact error of every failure the harness expects, from the accounts before the transaction.

Each scenario builds a synthetic world twice: with the condition, the intent's prediction must be exactly the
named `ExpectedError` (at the transaction's first instruction); without it, the same transaction must be
predicted to succeed. These are the scenarios `frt.errors.judge` used to decide after the fact (frt-contract.md
6.4); the verifier now compares the receipt's classified error with the prediction, tested at the end.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from pytest_fixedratio.chain.base import AccountMap, AccountState
from pytest_fixedratio.frt import constants as c
from pytest_fixedratio.frt import math as frt_math
from pytest_fixedratio.frt.constants import PoolFlag, Side
from pytest_fixedratio.frt.errors import (
    CUSTOM,
    FrtErrorCode,
    Raiser,
    SplTokenError,
    SystemProgramError,
    TransactionFailure,
    classify,
)
from pytest_fixedratio.frt.state import MainTreasuryState, PoolState, SystemState, TokenAccount, TokenAccountState
from pytest_fixedratio.intents.expected import ExpectedError
from pytest_fixedratio.intents.intent import Intent, Prediction
from pytest_fixedratio.intents.pool_ops import Deposit, InitializePool, Swap, Withdraw
from pytest_fixedratio.intents.wallet_ops import SolTransfer, TokenTransfer
from pytest_fixedratio.sol import ids
from pytest_fixedratio.sol.address import Address
from pytest_fixedratio.verify.report import Check
from pytest_fixedratio.verify.verifier import Verification, Verifier
from tests.verify.worlds import (
    CORE,
    CREATOR,
    CREATOR_WALLET,
    NETWORK_FEE,
    OTHER_USER,
    OTHER_USER_WALLET,
    PROGRAM_ID,
    USER,
    USER_LAMPORTS,
    USER_WALLET,
    World,
    build_world,
    exact_world,
    intent,
)

E = ExpectedError
LIQ_FEE = c.DEPOSIT_WITHDRAWAL_FEE
SWAP_FEE = c.SWAP_CONTRACT_FEE
Scenario = Callable[[bool], tuple[World, Intent]]
"""`scenario(condition)`: a world and a transaction on it; with `condition` the transaction must fail."""


def _liquid(world: World, side: Side = Side.B, amount: int = 10**9) -> World:
    world.seed_liquidity(side, amount)
    return world


def _set_amount(world: World, owner: Address, side: Side, amount: int) -> None:
    world.edit(world.ata(owner, world.pool.mint(side)), TokenAccount, amount=amount)


def _set_lamports(world: World, address: Address, lamports: int) -> None:
    world.set_lamports(address, lamports)


def _with_flags(world: World, flag: PoolFlag) -> World:
    world.edit(world.pool.pool, PoolState, flags=world.state().flags | flag)
    return world


# ---------------------------------------------------------------------------------------------------------
# Scenarios: condition -> exact error; no condition -> success


def swap_above_tracked_liquidity(short: bool, *, vault_extra: int = 0) -> tuple[World, Intent]:
    """A 1:2 pool asked for 100 B: tracked B of 50 is short, 100 is enough (extra vault tokens do not count)."""
    world = _liquid(build_world(ratio_a=1_000_000, ratio_b=2_000_000), Side.B, 50 if short else 100)
    vault = world.decoded(world.pool.token_b_vault, TokenAccount)
    world.edit(world.pool.token_b_vault, TokenAccount, amount=vault.amount + vault_extra)
    return world, intent(Swap(world.pool, USER, Side.A, 50, 100))


def deposit_beyond_balance(short: bool) -> tuple[World, Intent]:
    world = build_world()
    _set_amount(world, USER, Side.A, 9 if short else 10)
    return world, intent(Deposit(world.pool, USER, Side.A, 10))


def swap_input_beyond_balance(short: bool) -> tuple[World, Intent]:
    world = _liquid(build_world())
    _set_amount(world, USER, Side.A, 9 if short else 10)
    return world, intent(Swap(world.pool, USER, Side.A, 10, 30))


def withdraw_above_tracked_liquidity(short: bool) -> tuple[World, Intent]:
    """The vault holds 100 (tokens sent straight to it) but the pool tracks 9 (short) or 10: a withdrawal of
    10 passes the LP burn and the vault transfer, then underflows the tracked total."""
    world = build_world()
    world.seed_liquidity(Side.A, 10, holder=USER)
    world.edit(world.pool.pool, PoolState, total_token_a_liquidity=9 if short else 10)
    world.edit(world.pool.token_a_vault, TokenAccount, amount=100)
    return world, intent(Withdraw(world.pool, USER, Side.A, 10))


def _create_pool(world: World) -> Intent:
    """CREATOR creates the world's pool afresh: its five accounts are removed first."""
    for address in (world.pool.pool, world.pool.token_a_vault, world.pool.token_b_vault, world.pool.lp_a_mint,
                    world.pool.lp_b_mint):
        world.accounts[address] = None
    return intent(InitializePool(CREATOR, world.pool), payer=CREATOR_WALLET)


def pool_already_exists(exists: bool) -> tuple[World, Intent]:
    world = build_world()
    if exists:
        return world, intent(InitializePool(CREATOR, world.pool), payer=CREATOR_WALLET)
    return world, _create_pool(world)


def swap_output_floors_to_zero(zero: bool) -> tuple[World, Intent]:
    world = _liquid(build_world(ratio_a=3, ratio_b=1))
    return world, intent(Swap(world.pool, USER, Side.A, 2, 0) if zero else Swap(world.pool, USER, Side.A, 3, 1))


def withdraw_more_lp_than_held(short: bool) -> tuple[World, Intent]:
    """The user holds 5 LP (short) or 50 of a side tracking 100."""
    world = build_world()
    world.seed_liquidity(Side.A, 95 if short else 50, holder=CREATOR)
    world.seed_liquidity(Side.A, 5 if short else 50, holder=USER)
    return world, intent(Withdraw(world.pool, USER, Side.A, 10))


def withdraw_from_a_drained_side(drained: bool) -> tuple[World, Intent]:
    """The user holds 50 LP, but swaps left the side with 5 tokens (drained) or all 50."""
    world = build_world()
    world.seed_liquidity(Side.A, 50, holder=USER)
    if drained:
        world.edit(world.pool.pool, PoolState, total_token_a_liquidity=5)
        world.edit(world.pool.token_a_vault, TokenAccount, amount=5)
    return world, intent(Withdraw(world.pool, USER, Side.A, 10))


def deposit_without_lp_account(missing: bool) -> tuple[World, Intent]:
    world = build_world()
    if missing:
        world.accounts[world.ata(USER, world.pool.lp_a_mint)] = None
    return world, intent(Deposit(world.pool, USER, Side.A, 10))


def withdraw_from_a_frozen_lp_account(frozen: bool) -> tuple[World, Intent]:
    """FRT refuses a frozen user account itself (InvalidAccountData) before SPL Token could (AccountFrozen)."""
    world = build_world()
    world.seed_liquidity(Side.A, 50, holder=USER)
    if frozen:
        world.edit(world.ata(USER, world.pool.lp_a_mint), TokenAccount, state=TokenAccountState.FROZEN)
    return world, intent(Withdraw(world.pool, USER, Side.A, 10))


def pool_creation_lamports(creator_lamports: int) -> Scenario:
    """A fresh pool created by a creator holding `creator_lamports` (with the condition) or 2 SOL."""
    def scenario(short: bool) -> tuple[World, Intent]:
        world, transaction = pool_already_exists(False)
        _set_lamports(world, CREATOR, creator_lamports if short else 2 * ids.LAMPORTS_PER_SOL)
        return world, transaction
    return scenario


def _deposit(world: World) -> Intent:
    return intent(Deposit(world.pool, USER, Side.A, 10))


def _withdraw(world: World) -> Intent:
    world.seed_liquidity(Side.A, 10, holder=USER)
    return intent(Withdraw(world.pool, USER, Side.A, 10))


def _swap(world: World) -> Intent:
    _liquid(world)
    return intent(Swap(world.pool, USER, Side.A, 10, 30))


def system_paused(make: Callable[[World], Intent]) -> Scenario:
    def scenario(paused: bool) -> tuple[World, Intent]:
        world = build_world()
        world.edit(world.system_state, SystemState, is_paused=paused)
        return world, make(world)
    return scenario


def pool_flag(flag: PoolFlag, make: Callable[[World], Intent]) -> Scenario:
    def scenario(flagged: bool) -> tuple[World, Intent]:
        world = build_world()
        transaction = make(world)
        return (_with_flags(world, flag) if flagged else world), transaction
    return scenario


def swap_by_non_owner(stranger: bool) -> tuple[World, Intent]:
    world = _with_flags(_liquid(build_world()), PoolFlag.SWAP_FOR_OWNERS_ONLY)
    if stranger:
        return world, intent(Swap(world.pool, USER, Side.A, 10, 30))
    return world, intent(Swap(world.pool, CREATOR, Side.A, 10, 30), payer=CREATOR_WALLET)


def swap_by_a_user_short_of_the_fee(short: bool) -> tuple[World, Intent]:
    """Another wallet pays the network fee; the user holds 100 lamports (short) or exactly the swap fee."""
    world = _liquid(build_world())
    world.accounts[OTHER_USER] = AccountState(USER_LAMPORTS, ids.SYSTEM_PROGRAM_ID, b"")
    _set_lamports(world, USER, 100 if short else SWAP_FEE)
    return world, intent(Swap(world.pool, USER, Side.A, 10, 30), payer=OTHER_USER_WALLET, signers=(USER_WALLET,))


def deposit_by_a_payer_short_of_the_fee(short: bool) -> tuple[World, Intent]:
    """The user pays the network fee, then cannot (short) or can pay the liquidity fee."""
    world = build_world()
    _set_lamports(world, USER, NETWORK_FEE + LIQ_FEE - 1 if short else NETWORK_FEE + LIQ_FEE + 10**9)
    return world, intent(Deposit(world.pool, USER, Side.A, 10))


def swap_with_wrong_expected_output(wrong: bool) -> tuple[World, Intent]:
    world = _liquid(build_world())
    return world, intent(Swap(world.pool, USER, Side.A, 10, 31 if wrong else 30))


def swap_with_exact_remainder(remainder: bool) -> tuple[World, Intent]:
    world = _liquid(exact_world(), Side.A)
    return world, intent(Swap(world.pool, USER, Side.B, 1, 0) if remainder else Swap(world.pool, USER, Side.B, 3, 1))


def payer_short_of_the_network_fee(short: bool) -> tuple[World, Intent]:
    world = build_world()
    _set_lamports(world, USER, NETWORK_FEE - 1 if short else NETWORK_FEE)
    a = world.pool.token_a_mint
    return world, intent(TokenTransfer(world.ata(USER, a), world.ata(CREATOR, a), USER, 1))


def sol_transfer_below_rent(below: bool) -> tuple[World, Intent]:
    """The payer keeps 1000 lamports (below the System account's rent: refused) or nothing (the account closes)."""
    world = build_world()
    world.accounts[CORE] = AccountState(frt_math.rent(0), ids.SYSTEM_PROGRAM_ID, b"")
    spend = USER_LAMPORTS - NETWORK_FEE - (1_000 if below else 0)
    return world, intent(SolTransfer(USER, CORE, spend))


SCENARIOS: dict[str, tuple[Scenario, ExpectedError]] = {
    "swap output above tracked liquidity": (swap_above_tracked_liquidity, E.frt_builtin("InsufficientFunds")),
    "swap output above tracked liquidity, vault holding more": (
        lambda short: swap_above_tracked_liquidity(short, vault_extra=1_000), E.frt_builtin("InsufficientFunds")),
    "deposit beyond the source balance": (deposit_beyond_balance, E.frt_builtin("InsufficientFunds")),
    "swap input beyond the balance": (swap_input_beyond_balance, E.frt_builtin("InvalidAccountData")),
    "withdraw above tracked liquidity": (withdraw_above_tracked_liquidity, E.frt_builtin("ArithmeticOverflow")),
    "pool already exists": (pool_already_exists, E.frt_builtin("AccountAlreadyInitialized")),
    "swap output floors to zero": (swap_output_floors_to_zero, E.frt_builtin("InvalidArgument")),
    "withdraw more LP than held": (withdraw_more_lp_than_held, E.token(SplTokenError.InsufficientFunds)),
    "withdraw from a drained side": (withdraw_from_a_drained_side, E.token(SplTokenError.InsufficientFunds)),
    "deposit without an LP account": (deposit_without_lp_account, E.frt(FrtErrorCode.MissingLpTokenAccount)),
    "withdraw from a frozen LP account": (withdraw_from_a_frozen_lp_account, E.frt_builtin("InvalidAccountData")),
    "pool creation short of the registration fee": (pool_creation_lamports(10**9),
                                                    E.frt(FrtErrorCode.InsufficientFeeBalance)),
    "pool creation short of the rent": (pool_creation_lamports(c.REGISTRATION_FEE + NETWORK_FEE + 1),
                                        E.system(SystemProgramError.ResultWithNegativeLamports)),
    "deposit under system pause": (system_paused(_deposit), E.frt(FrtErrorCode.SystemPaused)),
    "withdraw under system pause": (system_paused(_withdraw), E.frt(FrtErrorCode.SystemPaused)),
    "swap under system pause": (system_paused(_swap), E.frt(FrtErrorCode.SystemPaused)),
    "pool creation under system pause": (system_paused(_create_pool), E.frt(FrtErrorCode.SystemPaused)),
    "swap in a swap-paused pool": (pool_flag(PoolFlag.SWAPS_PAUSED, _swap), E.frt(FrtErrorCode.PoolSwapsPaused)),
    "withdraw in a liquidity-paused pool": (pool_flag(PoolFlag.LIQUIDITY_PAUSED, _withdraw),
                                            E.frt(FrtErrorCode.PoolLiquidityPaused)),
    "deposit in a liquidity-paused pool": (pool_flag(PoolFlag.LIQUIDITY_PAUSED, _deposit),
                                           E.frt(FrtErrorCode.PoolLiquidityPaused)),
    "swap by a non-owner in an owner-only pool": (swap_by_non_owner, E.frt(FrtErrorCode.SwapAccessRestricted)),
    "swap by a user short of the fee": (swap_by_a_user_short_of_the_fee, E.frt(FrtErrorCode.InsufficientFeeBalance)),
    "deposit by a payer short of the fee": (deposit_by_a_payer_short_of_the_fee,
                                            E.frt(FrtErrorCode.InsufficientFeeBalance)),
    "swap with a wrong expected output": (swap_with_wrong_expected_output, E.frt(FrtErrorCode.AmountMismatch)),
    "swap with an exact-exchange remainder": (swap_with_exact_remainder, E.frt(FrtErrorCode.AmountMismatch)),
    "payer short of the network fee": (payer_short_of_the_network_fee, E.runtime("InsufficientFundsForFee")),
    "SOL transfer leaving the payer below rent": (sol_transfer_below_rent, E.runtime("InsufficientFundsForRent")),
}


def _fee_only(world: World, transaction: Intent, fee: int = NETWORK_FEE) -> dict[Address, AccountState | None]:
    """The I9 state: the watched accounts as before, the payer charged the network fee."""
    before = world.before(transaction)
    payer = before[transaction.payer]
    assert payer is not None
    return {**before, transaction.payer: replace(payer, lamports=payer.lamports - fee)}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_the_condition_predicts_exactly_its_error(name: str) -> None:
    scenario, error = SCENARIOS[name]
    world, transaction = scenario(True)
    prediction = world.predict(transaction)
    assert prediction.fails and prediction.error == error.at(0), (prediction.error, prediction.reason)
    assert prediction.reason and not prediction.logs and not prediction.surplus
    if error.raiser is not Raiser.RUNTIME or error.kind != "InsufficientFundsForFee":
        assert prediction.accounts == _fee_only(world, transaction)  # I9: the network fee only


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_without_the_condition_the_same_transaction_succeeds(name: str) -> None:
    scenario, _ = SCENARIOS[name]
    world, transaction = scenario(False)
    prediction = world.predict(transaction)
    assert not prediction.fails and prediction.error is None, (prediction.error, prediction.reason)


def test_the_error_names_the_failing_instruction_of_a_multi_instruction_transaction() -> None:
    world = _liquid(build_world())
    a = world.pool.token_a_mint
    transaction = intent(TokenTransfer(world.ata(USER, a), world.ata(CREATOR, a), USER, 1),
                         Swap(world.pool, USER, Side.A, 10, 31))
    assert world.predict(transaction).error == E.frt(FrtErrorCode.AmountMismatch).at(1)


def test_a_payer_short_of_the_network_fee_is_charged_nothing() -> None:
    world, transaction = payer_short_of_the_network_fee(True)
    prediction = world.predict(transaction)
    assert prediction.accounts == world.before(transaction)


def test_a_deposit_needs_no_lp_balance_and_ignores_paused_swaps() -> None:
    """SPL InsufficientFunds never comes from a deposit (the user's LP balance does not matter), and pausing
    swaps leaves liquidity operations alone."""
    world = _with_flags(build_world(), PoolFlag.SWAPS_PAUSED)
    world.seed_liquidity(Side.A, 5, holder=USER)
    prediction = world.predict(intent(Deposit(world.pool, USER, Side.A, 10)))
    assert not prediction.fails, prediction.reason
    assert prediction.logs == ("✅ DEPOSIT SUCCESS: 10 tokens → 10 LP tokens",)


def test_pool_creation_books_the_registration_fee_in_the_treasury() -> None:
    world, transaction = pool_already_exists(False)
    prediction = world.predict(transaction, now=1_700_000_000)
    assert not prediction.fails, prediction.reason
    treasury = prediction.accounts[world.treasury]
    assert treasury is not None
    state = MainTreasuryState.decode(treasury.data)
    assert (state.pool_creation_count, state.total_pool_creation_fees) == (1, c.REGISTRATION_FEE)
    assert state.total_balance == treasury.lamports and state.last_update_timestamp == 1_700_000_000
    creator = prediction.accounts[CREATOR]
    assert creator is not None
    assert creator.lamports == USER_LAMPORTS - NETWORK_FEE - frt_math.pool_creation_cost()
    assert prediction.logs[-1].startswith(f"🎯 POOL_ID: {world.pool.pool} | Ratio: 1000000:3000000 | Type: Simple")


def test_a_fee_payer_without_an_account_is_predicted_as_account_not_found() -> None:
    world = build_world()
    a = world.pool.token_a_mint
    transaction = intent(TokenTransfer(world.ata(USER, a), world.ata(CREATOR, a), USER, 1))
    before: AccountMap = {**world.before(transaction), transaction.payer: None}
    assert transaction.predict(before, network_fee=NETWORK_FEE, now=0).error == E.runtime("AccountNotFound")


# ---------------------------------------------------------------------------------------------------------
# The verifier compares the receipt's classified error with the prediction (what `judge` decided before)


def _verified(world: World, transaction: Intent, error: ExpectedError) -> Verification:
    """A receipt of `transaction` that failed with `error` and charged only the network fee, verified."""
    prediction: Prediction = world.predict(transaction)
    after = prediction.accounts if prediction.fails else _fee_only(world, transaction)
    return Verifier(PROGRAM_ID).verify(transaction, world.receipt(transaction, after, error=error))


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_the_predicted_error_on_the_receipt_verifies(name: str) -> None:
    scenario, error = SCENARIOS[name]
    world, transaction = scenario(True)
    verification = _verified(world, transaction, error.at(0))
    assert verification.findings == (), [str(v) for v in verification.findings]
    assert verification.expected_failure and not verification.unexpected_failure


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_the_same_error_without_the_condition_is_unexpected(name: str) -> None:
    scenario, error = SCENARIOS[name]
    world, transaction = scenario(False)
    verification = _verified(world, transaction, error.at(0))
    assert verification.unexpected_failure
    (outcome,) = (v for v in verification.findings if v.check is Check.OUTCOME)
    assert verification.error is not None and verification.error.label in outcome.message


def test_an_lp_mint_violation_on_a_deposit_is_always_unexpected() -> None:
    world = build_world()
    verification = _verified(world, _deposit(world), E.frt(FrtErrorCode.StrictLpMintViolation).at(0))
    assert verification.unexpected_failure
    assert any(v.check is Check.OUTCOME and "3001" in v.message for v in verification.findings)


def test_an_unexplained_error_says_what_would_have_explained_it() -> None:
    world = build_world()
    verification = _verified(world, _deposit(world), E.frt(FrtErrorCode.PoolLiquidityPaused).at(0))
    (outcome,) = (v for v in verification.findings if v.check is Check.OUTCOME)
    assert "deposit/withdraw on a pool with flag 2 (liquidity paused)" in outcome.message


@pytest.mark.parametrize(("name", "observed"), [
    ("swap output floors to zero", E.frt(FrtErrorCode.AmountMismatch)),
    ("withdraw more LP than held", E.token(SplTokenError.AccountFrozen)),
    ("pool creation short of the registration fee", E.system(SystemProgramError.ResultWithNegativeLamports)),
    ("deposit beyond the source balance", E.token(SplTokenError.InsufficientFunds)),
])
def test_another_error_than_predicted_is_reported(name: str, observed: ExpectedError) -> None:
    scenario, predicted = SCENARIOS[name]
    world, transaction = scenario(True)
    verification = _verified(world, transaction, observed.at(0))
    assert verification.expected_failure
    (wrong,) = verification.findings
    assert wrong.check is Check.ERROR and f"must fail with {predicted.at(0)}" in wrong.message


def test_a_custom_code_matches_only_from_the_program_that_raises_it() -> None:
    token, failed = ids.TOKEN_PROGRAM_ID, "failed: custom program error: 0x1"
    logs = [f"Program {PROGRAM_ID} invoke [1]", f"Program {token} invoke [2]", f"Program {token} {failed}",
            f"Program {PROGRAM_ID} {failed}"]
    token_1 = classify(TransactionFailure(CUSTOM, 0, 1), logs, PROGRAM_ID)
    assert E.token(SplTokenError.InsufficientFunds).matches(token_1)
    assert not ExpectedError(Raiser.FRT, CUSTOM, 1).matches(token_1)
    assert not E.system(SystemProgramError.ResultWithNegativeLamports).matches(token_1)
    unknown_1 = classify(TransactionFailure(CUSTOM, 0, 1), [], PROGRAM_ID)  # a small code without logs
    assert unknown_1.raiser is Raiser.UNKNOWN and not E.token(SplTokenError.InsufficientFunds).matches(unknown_1)
    assert not E.token(SplTokenError.InsufficientFunds).at(1).matches(token_1)  # another instruction
