"""Intents' predictions (the ledger): exact per-operation effects, checked against hand-computed figures and
perturbed receipts run through the `Verifier`."""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_fixedratio.chain.base import AccountState
from pytest_fixedratio.errors import InvalidArgument
from pytest_fixedratio.frt import constants as c
from pytest_fixedratio.frt import math as frt_math
from pytest_fixedratio.frt.constants import PoolFlag, Side
from pytest_fixedratio.frt.errors import FrtErrorCode, SplTokenError, SystemProgramError
from pytest_fixedratio.frt.state import Mint, PoolState, SystemState, TokenAccount, layout_for
from pytest_fixedratio.intents.expected import ExpectedError
from pytest_fixedratio.intents.intent import Intent
from pytest_fixedratio.intents.ops import Op
from pytest_fixedratio.intents.pool_ops import Deposit, Swap, Withdraw
from pytest_fixedratio.intents.wallet_ops import Burn, CreateAta, MintTo, SolTransfer, TokenTransfer
from pytest_fixedratio.sol import ids
from pytest_fixedratio.sol.address import Address
from pytest_fixedratio.sol.keys import Wallet
from pytest_fixedratio.verify.report import Check
from pytest_fixedratio.verify.verifier import Verification, Verifier
from tests.verify.worlds import (
    CORE,
    CORE_WALLET,
    CREATOR,
    CREATOR_WALLET,
    NETWORK_FEE,
    OTHER_USER,
    PROGRAM_ID,
    USER,
    USER_LAMPORTS,
    USER_TOKENS,
    World,
    build_world,
    exact_world,
    intent,
)

POOL_RENT = frt_math.rent(c.POOL_STATE_LEN)
LIQ_FEE = c.DEPOSIT_WITHDRAWAL_FEE
SWAP_FEE = c.SWAP_CONTRACT_FEE
TOKEN_RENT = frt_math.rent(ids.TOKEN_ACCOUNT_LEN)
SOL_10 = 10 * ids.LAMPORTS_PER_SOL
NEWCOMER_WALLET = Wallet.from_seed(bytes([0x66] * 32))
NEWCOMER = NEWCOMER_WALLET.address
E = ExpectedError


def _amount(world: World, address: Address) -> int:
    amount: int = world.decoded(address, TokenAccount).amount
    return amount


def _supply(world: World, mint: Address) -> int:
    supply: int = world.decoded(mint, Mint).supply
    return supply


def _lamports(world: World, address: Address) -> int:
    account = world.accounts[address]
    assert account is not None
    return account.lamports


def _unchanged_except(before: dict[Address, AccountState | None], world: World, changed: set[Address]) -> None:
    for address, account in before.items():
        if address not in changed:
            assert world.accounts.get(address) == account, f"{address} changed"


def _verify(world: World, transaction: Intent, after: Any, **receipt: Any) -> tuple[Verification, Verifier]:
    """One receipt of `transaction` on `world` (see `World.receipt`), through a fresh verifier."""
    verifier = Verifier(PROGRAM_ID)
    return verifier.verify(transaction, world.receipt(transaction, after, **receipt)), verifier


@pytest.mark.parametrize("side", list(Side))
def test_deposit_moves_tokens_lp_and_fees(side: Side) -> None:
    world = build_world()
    transaction = intent(Deposit(world.pool, USER, side, 1_000))
    before = world.before(transaction)
    prediction = world.run(transaction)
    pool = world.pool
    assert not prediction.fails
    assert _amount(world, world.ata(USER, pool.mint(side))) == USER_TOKENS - 1_000
    assert _amount(world, pool.vault(side)) == 1_000
    assert _supply(world, pool.lp_mint(side)) == 1_000
    assert _amount(world, world.ata(USER, pool.lp_mint(side))) == 1_000
    assert world.state().liquidity(side) == 1_000 and world.state().liquidity(side.other) == 0
    assert world.state().collected_liquidity_fees == LIQ_FEE == world.state().total_sol_fees_collected
    assert _lamports(world, USER) == USER_LAMPORTS - LIQ_FEE - NETWORK_FEE
    assert _lamports(world, pool.pool) == POOL_RENT + LIQ_FEE
    changed = {USER, pool.pool, pool.vault(side), pool.lp_mint(side), world.ata(USER, pool.mint(side)),
               world.ata(USER, pool.lp_mint(side))}
    _unchanged_except(before, world, changed)
    assert prediction.logs == ("✅ DEPOSIT SUCCESS: 1000 tokens → 1000 LP tokens",)


@pytest.mark.parametrize("side", list(Side))
def test_withdraw_burns_lp_for_the_same_side(side: Side) -> None:
    world = build_world()
    world.seed_liquidity(side, 5_000, holder=USER)
    prediction = world.run([Withdraw(world.pool, USER, side, 2_000)])
    pool = world.pool
    assert not prediction.fails
    assert _amount(world, world.ata(USER, pool.lp_mint(side))) == 3_000
    assert _supply(world, pool.lp_mint(side)) == 3_000
    assert _amount(world, pool.vault(side)) == 3_000
    assert world.state().liquidity(side) == 3_000
    assert _amount(world, world.ata(USER, pool.mint(side))) == USER_TOKENS + 2_000
    assert _lamports(world, USER) == USER_LAMPORTS - LIQ_FEE - NETWORK_FEE
    assert prediction.logs == ("✅ WITHDRAW SUCCESS: 2000 LP tokens → 2000 tokens",)


def test_swap_a_to_b_pays_from_the_on_chain_ratio() -> None:
    world = build_world(ratio_a=1_000_000, ratio_b=3_000_000)
    world.seed_liquidity(Side.B, 10**9)
    prediction = world.run([Swap(world.pool, USER, Side.A, 1_000, 3_000)])
    pool = world.pool
    assert not prediction.fails
    assert _amount(world, world.ata(USER, pool.token_a_mint)) == USER_TOKENS - 1_000
    assert _amount(world, world.ata(USER, pool.token_b_mint)) == USER_TOKENS + 3_000
    assert _amount(world, pool.token_a_vault) == 1_000 == world.state().total_token_a_liquidity
    assert _amount(world, pool.token_b_vault) == 10**9 - 3_000 == world.state().total_token_b_liquidity
    assert _supply(world, pool.lp_a_mint) == 0 and _supply(world, pool.lp_b_mint) == 10**9
    assert world.state().collected_swap_contract_fees == SWAP_FEE == world.state().total_sol_fees_collected
    assert _lamports(world, pool.pool) == POOL_RENT + SWAP_FEE
    assert prediction.surplus == {pool.pool: 0}
    assert prediction.logs == (f"📈 SUMMARY: 1000 → 3000 tokens, Fee: {SWAP_FEE} lamports",)


def test_swap_b_to_a_floors_and_books_the_remainder_as_surplus() -> None:
    world = build_world(ratio_a=1_000_000, ratio_b=3_000_000)
    world.seed_liquidity(Side.A, 10**9)
    prediction = world.run([Swap(world.pool, USER, Side.B, 1_000, 333)])
    assert _amount(world, world.ata(USER, world.pool.token_a_mint)) == USER_TOKENS + 333
    assert prediction.surplus == {world.pool.pool: 1_000 * 1_000_000 % 3_000_000}
    assert world.snapshot().surplus == 1_000_000


def test_spl_and_system_operations() -> None:
    world = build_world()
    a_mint = world.pool.token_a_mint
    user_a, creator_a = world.ata(USER, a_mint), world.ata(CREATOR, a_mint)
    new_wallet = Address(bytes([0x77] * 32))
    world.accounts[new_wallet] = None
    ops: list[Op] = [TokenTransfer(user_a, creator_a, USER, 10), MintTo(a_mint, user_a, CORE, 7),
                     Burn(creator_a, a_mint, CREATOR, 4), SolTransfer(USER, new_wallet, 2_000_000)]
    prediction = world.run(intent(*ops, signers=(CORE_WALLET, CREATOR_WALLET)))
    assert not prediction.fails, prediction.reason
    assert _amount(world, user_a) == USER_TOKENS - 10 + 7
    assert _amount(world, creator_a) == USER_TOKENS + 10 - 4
    assert _supply(world, a_mint) == 10**18 + 7 - 4
    assert world.accounts[new_wallet] == AccountState(2_000_000, ids.SYSTEM_PROGRAM_ID, b"")
    assert _lamports(world, USER) == USER_LAMPORTS - 2_000_000 - NETWORK_FEE


def test_creating_a_token_account_in_the_deposit_transaction() -> None:
    world = build_world()
    world.accounts[NEWCOMER] = AccountState(SOL_10, ids.SYSTEM_PROGRAM_ID, b"")
    world.accounts[world.ata(NEWCOMER, world.pool.token_b_mint)] = AccountState(
        TOKEN_RENT, ids.TOKEN_PROGRAM_ID, TokenAccount(world.pool.token_b_mint, NEWCOMER, 500).encode())
    lp = world.ata(NEWCOMER, world.pool.lp_b_mint)
    world.accounts[lp] = None
    prediction = world.run([CreateAta(NEWCOMER, NEWCOMER, world.pool.lp_b_mint),
                            Deposit(world.pool, NEWCOMER, Side.B, 500)], payer=NEWCOMER_WALLET)
    assert not prediction.fails and prediction.error is None, prediction.reason
    assert world.accounts[lp] == AccountState(
        TOKEN_RENT, ids.TOKEN_PROGRAM_ID, TokenAccount(world.pool.lp_b_mint, NEWCOMER, 500).encode())
    assert _lamports(world, NEWCOMER) == SOL_10 - TOKEN_RENT - LIQ_FEE - NETWORK_FEE


def test_creating_an_existing_token_account() -> None:
    """Only the idempotent form exists: an existing account of that owner and mint is left alone."""
    world = build_world()
    transaction = intent(CreateAta(USER, USER, world.pool.token_a_mint))
    prediction = world.predict(transaction)
    assert not prediction.fails
    assert [str(change) for change in prediction.changes] == [f"fee payer / ATA payer {USER}.lamports -5000"]


def test_an_existing_token_account_of_another_owner_fails_the_idempotent_creation() -> None:
    """The idempotent form must still fail where the address holds another owner's or mint's account (the
    non-idempotent form, which failed on any existing account, is gone)."""
    world = build_world()
    ata = world.ata(USER, world.pool.token_a_mint)
    world.edit(ata, TokenAccount, owner=OTHER_USER)
    prediction = world.predict(intent(CreateAta(USER, USER, world.pool.token_a_mint)))
    assert prediction.fails and prediction.error is None
    assert "exists with another owner or mint" in prediction.reason


def test_share_transfers_to_many_recipients_compose() -> None:
    world = build_world()
    mint = world.pool.token_b_mint
    recipients = [Address(bytes([0x90 + i] * 32)) for i in range(3)]
    for r in recipients:
        world.add_user(r, tokens=0)
    prediction = world.run([TokenTransfer(world.ata(USER, mint), world.ata(r, mint), USER, 333) for r in recipients])
    assert not prediction.fails
    assert [_amount(world, world.ata(r, mint)) for r in recipients] == [333] * 3
    assert _amount(world, world.ata(USER, mint)) == USER_TOKENS - 999


# ---------------------------------------------------------------------------------------------------------
# Verifier: a success must match the prediction exactly


def _scenarios() -> list[tuple[World, Intent]]:
    """One world and transaction per kind of operation the intents model."""
    deposit_world, withdraw_world, swap_world, spl_world, ata_world = (build_world() for _ in range(5))
    withdraw_world.seed_liquidity(Side.B, 10_000, holder=USER)
    swap_world.seed_liquidity(Side.A, 10**9)
    a = spl_world.pool.token_a_mint
    ata_world.accounts[ata_world.ata(NEWCOMER, a)] = None
    return [
        (deposit_world, intent(Deposit(deposit_world.pool, USER, Side.A, 12_345))),
        (withdraw_world, intent(Withdraw(withdraw_world.pool, USER, Side.B, 4_321))),
        (swap_world, intent(Swap(swap_world.pool, USER, Side.B, 10_001, 3_333))),
        (spl_world, intent(TokenTransfer(spl_world.ata(USER, a), spl_world.ata(CREATOR, a), USER, 5),
                           MintTo(a, spl_world.ata(USER, a), CORE, 9), Burn(spl_world.ata(USER, a), a, USER, 2),
                           SolTransfer(USER, CREATOR, 1_000_000), signers=(CORE_WALLET,))),
        (ata_world, intent(CreateAta(USER, NEWCOMER, a),
                           TokenTransfer(ata_world.ata(USER, a), ata_world.ata(NEWCOMER, a), USER, 77))),
    ]


SCENARIOS = range(len(_scenarios()))
POOL_SCENARIOS = range(3)


@pytest.mark.parametrize("index", SCENARIOS)
def test_the_exact_prediction_verifies(index: int) -> None:
    world, transaction = _scenarios()[index]
    prediction = world.predict(transaction)
    assert not prediction.fails, prediction.reason
    assert bool(prediction.logs) is (index in POOL_SCENARIOS)  # FRT operations print a success line
    verification, verifier = _verify(world, transaction, prediction.accounts)
    assert verification.findings == (), [str(v) for v in verification.findings]
    assert verification.error is None and not verification.expected_failure
    assert set(verifier.log.checks) == {Check.DELTA, Check.ACCEPT} | ({Check.LOGS} if prediction.logs else set())


@pytest.mark.parametrize("index", POOL_SCENARIOS)
def test_a_missing_success_log_line_is_reported(index: int) -> None:
    world, transaction = _scenarios()[index]
    prediction = world.predict(transaction)
    verification, _ = _verify(world, transaction, prediction.accounts, logs=["Program log: something else"])
    (violation,) = verification.findings
    assert violation.check is Check.LOGS and prediction.logs[0] in violation.message


OTHER_ADDRESS = Address(bytes([0x5A] * 32))


def _changed(value: Any) -> Any:
    """A different value of the same field type."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, PoolFlag):
        return value ^ PoolFlag.WITHDRAWAL_PROTECTION
    if isinstance(value, int):
        return type(value)(value - 1 if value else value + 1)
    if isinstance(value, tuple):
        return (value[0] + 1, *value[1:])
    return OTHER_ADDRESS  # an address, or an unset COption<Pubkey>


def _perturbations(account: AccountState) -> list[tuple[str, AccountState]]:
    """Every single-field change of an account: lamports, owner, and each decoded field."""
    found = [("lamports", replace(account, lamports=account.lamports + 1)),
             ("owner", replace(account, owner=OTHER_ADDRESS))]
    layout = layout_for(account.owner, len(account.data))
    if layout is None:
        return found
    decoded: Any = layout.decode(account.data)
    for f in fields(decoded):
        value = getattr(decoded, f.name)
        if f.name == "is_native":
            new = 1 if value is None else None
        elif f.name == "pending_admin_authority":
            continue  # None vs Some changes the content length; SystemState is not edited by any operation
        else:
            new = _changed(value)
        found.append((f.name, replace(account, data=replace(decoded, **{f.name: new}).encode())))
    return found


@given(st.data())
def test_any_single_field_perturbation_is_reported(data: st.DataObject) -> None:
    world, transaction = data.draw(st.sampled_from(SCENARIOS).map(lambda i: _scenarios()[i]), label="scenario")
    predicted = dict(world.predict(transaction).accounts)
    address = data.draw(st.sampled_from(sorted(a for a, s in predicted.items() if s is not None)), label="account")
    account = predicted[address]
    assert account is not None
    name, perturbed = data.draw(st.sampled_from(_perturbations(account)), label="perturbation")
    predicted[address] = perturbed
    verification, _ = _verify(world, transaction, predicted)
    assert {v.check for v in verification.findings} == {Check.DELTA}
    (violation,) = verification.findings
    assert str(address) in violation.message and name in violation.message
    assert violation.details["predicted"] != violation.details["observed"]
    assert violation.context.signature == "sig" and violation.context.operation is not None


def test_an_unexpected_change_to_an_untouched_account_is_reported() -> None:
    world = build_world()
    transaction = intent(Deposit(world.pool, USER, Side.A, 100))
    after = dict(world.predict(transaction).accounts)
    vault_b = world.pool.token_b_vault
    after[vault_b] = replace(world.accounts[vault_b],  # type: ignore[type-var]
                             data=TokenAccount(world.pool.token_b_mint, world.pool.pool, 1).encode())
    verification, _ = _verify(world, transaction, after)
    (violation,) = verification.findings
    assert violation.check is Check.DELTA
    assert "vault B" in violation.message and "amount predicted 0, observed 1" in violation.message


def test_an_unwatched_account_is_a_usage_error() -> None:
    world = build_world()
    transaction = intent(Deposit(world.pool, USER, Side.A, 100))
    before = world.before(transaction)
    del before[world.pool.token_a_vault]
    with pytest.raises(InvalidArgument, match="not watched"):
        transaction.predict(before, network_fee=NETWORK_FEE, now=0)


# ---------------------------------------------------------------------------------------------------------
# ACCEPT: successes the contract forbids


def _pause(world: World, flag: PoolFlag) -> World:
    world.edit(world.pool.pool, PoolState, flags=world.state().flags | flag)
    return world


def _system_paused(world: World) -> World:
    world.edit(world.system_state, SystemState, is_paused=True)
    return world


def _foreign_source(world: World) -> World:
    source = world.ata(USER, world.pool.token_a_mint)
    world.edit(source, TokenAccount, owner=OTHER_USER)
    return world


def _owner_only(world: World) -> World:
    world.seed_liquidity(Side.B, 10**9)
    world.edit(world.pool.pool, PoolState, flags=world.state().flags | PoolFlag.SWAP_FOR_OWNERS_ONLY)
    return world


def _liquid(world: World) -> World:
    world.seed_liquidity(Side.B, 10**9)
    return world


FORBIDDEN: dict[str, tuple[Any, Any, ExpectedError]] = {
    "zero deposit": (build_world, lambda w: Deposit(w.pool, USER, Side.A, 0), E.frt_builtin("InvalidArgument")),
    "deposit beyond balance": (build_world, lambda w: Deposit(w.pool, USER, Side.A, USER_TOKENS + 1),
                               E.frt_builtin("InsufficientFunds")),
    "deposit into paused pool": (lambda: _pause(build_world(), PoolFlag.LIQUIDITY_PAUSED),
                                 lambda w: Deposit(w.pool, USER, Side.A, 1), E.frt(FrtErrorCode.PoolLiquidityPaused)),
    "deposit while system paused": (lambda: _system_paused(build_world()), lambda w: Deposit(w.pool, USER, Side.A, 1),
                                    E.frt(FrtErrorCode.SystemPaused)),
    "deposit from a foreign account": (lambda: _foreign_source(build_world()),
                                       lambda w: Deposit(w.pool, USER, Side.A, 1), E.frt_builtin("InvalidAccountData")),
    "withdraw beyond LP": (build_world, lambda w: Withdraw(w.pool, USER, Side.A, 1),
                           E.token(SplTokenError.InsufficientFunds)),
    "swap with wrong expectation": (lambda: _liquid(build_world()), lambda w: Swap(w.pool, USER, Side.A, 10, 31),
                                    E.frt(FrtErrorCode.AmountMismatch)),
    "swap beyond liquidity": (build_world, lambda w: Swap(w.pool, USER, Side.A, 10, 30),
                              E.frt_builtin("InsufficientFunds")),
    "swap with zero output": (lambda: _liquid(build_world(ratio_a=3, ratio_b=1)),
                              lambda w: Swap(w.pool, USER, Side.A, 2, 0), E.frt_builtin("InvalidArgument")),
    "swap with exact remainder": (lambda: _liquid(exact_world()), lambda w: Swap(w.pool, USER, Side.B, 1, 0),
                                  E.frt(FrtErrorCode.AmountMismatch)),
    "swap in swap-paused pool": (lambda: _pause(_liquid(build_world()), PoolFlag.SWAPS_PAUSED),
                                 lambda w: Swap(w.pool, USER, Side.A, 10, 30), E.frt(FrtErrorCode.PoolSwapsPaused)),
    "swap by non-owner": (lambda: _owner_only(build_world()), lambda w: Swap(w.pool, USER, Side.A, 10, 30),
                          E.frt(FrtErrorCode.SwapAccessRestricted)),
    "burn beyond balance": (build_world, lambda w: Burn(w.ata(USER, w.pool.token_a_mint), w.pool.token_a_mint, USER,
                                                        USER_TOKENS + 1), E.token(SplTokenError.InsufficientFunds)),
    "SOL beyond balance": (build_world, lambda w: SolTransfer(USER, CORE, USER_LAMPORTS),
                           E.system(SystemProgramError.ResultWithNegativeLamports)),
}


@pytest.mark.parametrize("case", sorted(FORBIDDEN))
def test_a_success_the_contract_forbids_is_reported(case: str) -> None:
    make_world, make_op, error = FORBIDDEN[case]
    world: World = make_world()
    transaction = intent(make_op(world))
    world.accounts.setdefault(CORE, AccountState(1, ids.SYSTEM_PROGRAM_ID, b""))
    prediction = world.predict(transaction)
    assert prediction.fails and prediction.reason
    assert prediction.error == error.at(0), (prediction.error, prediction.reason)
    verification, _ = _verify(world, transaction, world.accounts)
    assert [v.check for v in verification.findings] == [Check.ACCEPT]
    assert prediction.reason in verification.findings[0].message
    assert str(prediction.error) in verification.findings[0].message


def test_the_owner_may_swap_in_an_owner_only_pool() -> None:
    world = _owner_only(build_world())
    prediction = world.predict(intent(Swap(world.pool, CREATOR, Side.A, 10, 30), payer=CREATOR_WALLET))
    assert not prediction.fails and prediction.error is None, prediction.reason


# ---------------------------------------------------------------------------------------------------------
# I9: a failed transaction changes nothing but the fee payer's lamports; ERROR / OUTCOME: it failed as predicted


def _failed_after(world: World, fee: int = NETWORK_FEE) -> dict[Address, AccountState | None]:
    after = dict(world.accounts)
    after[USER] = replace(world.accounts[USER], lamports=USER_LAMPORTS - fee)  # type: ignore[type-var]
    return after


def _overdraft(world: World) -> tuple[Intent, ExpectedError]:
    """A deposit beyond the user's balance, and the error the program returns for it."""
    return intent(Deposit(world.pool, USER, Side.A, USER_TOKENS + 1)), E.frt_builtin("InsufficientFunds").at(0)


def test_a_failed_transaction_that_only_paid_its_fee_verifies() -> None:
    world = build_world()
    transaction, error = _overdraft(world)
    prediction = world.predict(transaction)
    failed_after = _failed_after(world)
    assert prediction.accounts == {a: failed_after[a] for a in world.before(transaction)}  # I9: the network fee only
    verification, verifier = _verify(world, transaction, _failed_after(world), error=error)
    assert verification.findings == (), [str(v) for v in verification.findings]
    assert verification.expected_failure and not verification.unexpected_failure
    assert verification.error is not None and error.matches(verification.error)
    assert set(verifier.log.checks) == {Check.I9, Check.ERROR}


def test_a_failure_where_success_is_predicted_is_an_unexpected_outcome() -> None:
    world = build_world()
    transaction = intent(Deposit(world.pool, USER, Side.A, 100))
    verification, verifier = _verify(world, transaction, _failed_after(world),
                                     error=E.frt_builtin("InvalidArgument"))
    outcome = [v for v in verification.findings if v.check is Check.OUTCOME]
    assert len(outcome) == 1 and "unexpected FRT InvalidArgument" in outcome[0].message
    assert verification.unexpected_failure and not verification.expected_failure
    assert verifier.log.checks[Check.I9] == 1


def test_an_unexpected_failure_that_only_paid_its_fee_keeps_i9() -> None:
    world = build_world()
    transaction = intent(Deposit(world.pool, USER, Side.A, 100))
    verification, verifier = _verify(world, transaction, _failed_after(world),
                                     error=E.frt_builtin("InvalidArgument"))
    assert [v.check for v in verification.findings] == [Check.OUTCOME]
    assert verifier.log.violations[Check.I9] == 0


def test_a_failure_with_another_error_than_predicted_is_reported() -> None:
    world = build_world()
    transaction, predicted = _overdraft(world)
    verification, _ = _verify(world, transaction, _failed_after(world), error=E.token(SplTokenError.InsufficientFunds))
    (violation,) = verification.findings
    assert violation.check is Check.ERROR and verification.expected_failure
    assert f"must fail with {predicted}" in violation.message
    assert "failed with SPL Token Custom(1) InsufficientFunds" in violation.message


def test_a_failure_at_another_instruction_than_predicted_is_reported() -> None:
    world = build_world()
    transaction, predicted = _overdraft(world)
    verification, _ = _verify(world, transaction, _failed_after(world), error=predicted.at(1))
    (violation,) = verification.findings
    assert violation.check is Check.ERROR and "at instruction 1" in violation.message


def test_a_failed_transaction_that_moved_tokens_violates_i9() -> None:
    world = build_world()
    transaction, error = _overdraft(world)
    after = _failed_after(world)
    vault = world.pool.token_a_vault
    after[vault] = replace(world.accounts[vault],  # type: ignore[type-var]
                           data=TokenAccount(world.pool.token_a_mint, world.pool.pool, 100).encode())
    verification, _ = _verify(world, transaction, after, error=error)
    (violation,) = verification.findings
    assert violation.check is Check.I9 and "vault A" in violation.message


def test_a_failed_transaction_must_charge_exactly_the_reported_fee() -> None:
    world = build_world()
    transaction, error = _overdraft(world)
    verification, _ = _verify(world, transaction, _failed_after(world, fee=NETWORK_FEE + LIQ_FEE), error=error)
    (violation,) = verification.findings
    assert violation.check is Check.I9
    assert f"lamports predicted {USER_LAMPORTS - NETWORK_FEE}, observed {USER_LAMPORTS - NETWORK_FEE - LIQ_FEE}" \
        in violation.message
