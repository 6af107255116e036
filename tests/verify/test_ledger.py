"""The ledger: exact per-operation predictions, checked against hand-computed figures and perturbed receipts."""

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
from pytest_fixedratio.frt.state import Mint, PoolState, SystemState, TokenAccount
from pytest_fixedratio.sol import ids
from pytest_fixedratio.sol.address import Address
from pytest_fixedratio.verify.ledger import predict, verify_receipt, watch_list
from pytest_fixedratio.verify.operations import (
    Burn,
    CreateTokenAccount,
    Deposit,
    MintTo,
    Operation,
    SolTransfer,
    Swap,
    TokenTransfer,
    Withdraw,
)
from pytest_fixedratio.verify.report import Check
from pytest_fixedratio.verify.snapshot import layout_of
from tests.verify.worlds import (
    CORE,
    CREATOR,
    NETWORK_FEE,
    OTHER_USER,
    USER,
    USER_LAMPORTS,
    USER_TOKENS,
    World,
    build_world,
    exact_world,
)

POOL_RENT = frt_math.rent(c.POOL_STATE_LEN)
LIQ_FEE = c.DEPOSIT_WITHDRAWAL_FEE
SWAP_FEE = c.SWAP_CONTRACT_FEE
TOKEN_RENT = frt_math.rent(ids.TOKEN_ACCOUNT_LEN)
SOL_10 = 10 * ids.LAMPORTS_PER_SOL


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


@pytest.mark.parametrize("side", list(Side))
def test_deposit_moves_tokens_lp_and_fees(side: Side) -> None:
    world = build_world()
    op = Deposit(world.pool, USER, side, 1_000)
    before = world.watched(watch_list([op], USER))
    world.run([op])
    pool = world.pool
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


@pytest.mark.parametrize("side", list(Side))
def test_withdraw_burns_lp_for_the_same_side(side: Side) -> None:
    world = build_world()
    world.seed_liquidity(side, 5_000, holder=USER)
    op = Withdraw(world.pool, USER, side, 2_000)
    world.run([op])
    pool = world.pool
    assert _amount(world, world.ata(USER, pool.lp_mint(side))) == 3_000
    assert _supply(world, pool.lp_mint(side)) == 3_000
    assert _amount(world, pool.vault(side)) == 3_000
    assert world.state().liquidity(side) == 3_000
    assert _amount(world, world.ata(USER, pool.mint(side))) == USER_TOKENS + 2_000
    assert _lamports(world, USER) == USER_LAMPORTS - LIQ_FEE - NETWORK_FEE


def test_swap_a_to_b_pays_from_the_on_chain_ratio() -> None:
    world = build_world(ratio_a=1_000_000, ratio_b=3_000_000)
    world.seed_liquidity(Side.B, 10**9)
    expectation = world.run([Swap(world.pool, USER, Side.A, 1_000, 3_000)])
    pool = world.pool
    assert _amount(world, world.ata(USER, pool.token_a_mint)) == USER_TOKENS - 1_000
    assert _amount(world, world.ata(USER, pool.token_b_mint)) == USER_TOKENS + 3_000
    assert _amount(world, pool.token_a_vault) == 1_000 == world.state().total_token_a_liquidity
    assert _amount(world, pool.token_b_vault) == 10**9 - 3_000 == world.state().total_token_b_liquidity
    assert _supply(world, pool.lp_a_mint) == 0 and _supply(world, pool.lp_b_mint) == 10**9
    assert world.state().collected_swap_contract_fees == SWAP_FEE == world.state().total_sol_fees_collected
    assert _lamports(world, pool.pool) == POOL_RENT + SWAP_FEE
    assert expectation.surplus_added == {pool.pool: 0}


def test_swap_b_to_a_floors_and_books_the_remainder_as_surplus() -> None:
    world = build_world(ratio_a=1_000_000, ratio_b=3_000_000)
    world.seed_liquidity(Side.A, 10**9)
    expectation = world.run([Swap(world.pool, USER, Side.B, 1_000, 333)])
    assert _amount(world, world.ata(USER, world.pool.token_a_mint)) == USER_TOKENS + 333
    assert expectation.surplus_added == {world.pool.pool: 1_000 * 1_000_000 % 3_000_000}
    assert world.snapshot().surplus == 1_000_000


def test_spl_and_system_operations() -> None:
    world = build_world()
    a_mint = world.pool.token_a_mint
    user_a, creator_a = world.ata(USER, a_mint), world.ata(CREATOR, a_mint)
    new_wallet = Address(bytes([0x77] * 32))
    world.accounts[new_wallet] = None
    ops: list[Operation] = [TokenTransfer(user_a, creator_a, 10), MintTo(a_mint, user_a, 7),
                            Burn(creator_a, a_mint, 4), SolTransfer(USER, new_wallet, 2_000_000)]
    world.run(ops)
    assert _amount(world, user_a) == USER_TOKENS - 10 + 7
    assert _amount(world, creator_a) == USER_TOKENS + 10 - 4
    assert _supply(world, a_mint) == 10**18 + 7 - 4
    assert world.accounts[new_wallet] == AccountState(2_000_000, ids.SYSTEM_PROGRAM_ID, b"")
    assert _lamports(world, USER) == USER_LAMPORTS - 2_000_000 - NETWORK_FEE


def test_creating_a_token_account_in_the_deposit_transaction() -> None:
    world = build_world()
    newcomer = Address(bytes([0x66] * 32))
    world.accounts[newcomer] = AccountState(SOL_10, ids.SYSTEM_PROGRAM_ID, b"")
    world.accounts[world.ata(newcomer, world.pool.token_b_mint)] = AccountState(
        TOKEN_RENT, ids.TOKEN_PROGRAM_ID, TokenAccount(world.pool.token_b_mint, newcomer, 500).encode())
    lp = world.ata(newcomer, world.pool.lp_b_mint)
    world.accounts[lp] = None
    ops: list[Operation] = [CreateTokenAccount(newcomer, newcomer, world.pool.lp_b_mint),
                            Deposit(world.pool, newcomer, Side.B, 500)]
    expectation = world.run(ops, fee_payer=newcomer)
    assert expectation.rejection is None
    assert world.accounts[lp] == AccountState(
        TOKEN_RENT, ids.TOKEN_PROGRAM_ID, TokenAccount(world.pool.lp_b_mint, newcomer, 500).encode())
    assert _lamports(world, newcomer) == SOL_10 - TOKEN_RENT - LIQ_FEE - NETWORK_FEE


@pytest.mark.parametrize("idempotent", [True, False])
def test_creating_an_existing_token_account(idempotent: bool) -> None:
    world = build_world()
    op = CreateTokenAccount(USER, USER, world.pool.token_a_mint, idempotent=idempotent)
    before = world.watched(watch_list([op], USER))
    expectation = predict(before, [op], fee_payer=USER, network_fee=NETWORK_FEE)
    assert (expectation.rejection is None) is idempotent
    if idempotent:
        assert [str(change) for change in expectation.changes] == [f"fee payer / ATA payer {USER}.lamports -5000"]


def test_share_transfers_to_many_recipients_compose() -> None:
    world = build_world()
    mint = world.pool.token_b_mint
    recipients = [Address(bytes([0x90 + i] * 32)) for i in range(3)]
    for r in recipients:
        world.add_user(r, tokens=0)
    world.run([TokenTransfer(world.ata(USER, mint), world.ata(r, mint), 333) for r in recipients])
    assert [_amount(world, world.ata(r, mint)) for r in recipients] == [333] * 3
    assert _amount(world, world.ata(USER, mint)) == USER_TOKENS - 999


# ---------------------------------------------------------------------------------------------------------
# verify_receipt: success must match the prediction exactly


def _scenarios() -> list[tuple[World, list[Operation]]]:
    """One world and transaction per kind of operation the ledger models."""
    deposit_world, withdraw_world, swap_world, spl_world, ata_world = (build_world() for _ in range(5))
    withdraw_world.seed_liquidity(Side.B, 10_000, holder=USER)
    swap_world.seed_liquidity(Side.A, 10**9)
    a = spl_world.pool.token_a_mint
    newcomer = Address(bytes([0x66] * 32))
    ata_world.accounts[ata_world.ata(newcomer, a)] = None
    return [
        (deposit_world, [Deposit(deposit_world.pool, USER, Side.A, 12_345)]),
        (withdraw_world, [Withdraw(withdraw_world.pool, USER, Side.B, 4_321)]),
        (swap_world, [Swap(swap_world.pool, USER, Side.B, 10_001, 3_333)]),
        (spl_world, [TokenTransfer(spl_world.ata(USER, a), spl_world.ata(CREATOR, a), 5), MintTo(a, spl_world.ata(
            USER, a), 9), Burn(spl_world.ata(USER, a), a, 2), SolTransfer(USER, CREATOR, 1_000_000)]),
        (ata_world, [CreateTokenAccount(USER, newcomer, a), TokenTransfer(ata_world.ata(USER, a),
                                                                          ata_world.ata(newcomer, a), 77)]),
    ]


SCENARIOS = range(len(_scenarios()))


@pytest.mark.parametrize("index", SCENARIOS)
def test_the_exact_prediction_verifies(index: int) -> None:
    world, ops = _scenarios()[index]
    receipt_before = world.watched(watch_list(ops, USER))
    expectation = predict(receipt_before, ops, fee_payer=USER, network_fee=NETWORK_FEE)
    outcome = verify_receipt(world.receipt(ops, expectation.predicted), ops, fee_payer=USER).outcome
    assert outcome.ok, [str(v) for v in outcome.violations]
    assert set(outcome.checked) == {Check.DELTA, Check.ACCEPT}


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
    layout = layout_of(account)
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
    world, ops = data.draw(st.sampled_from(SCENARIOS).map(lambda i: _scenarios()[i]), label="scenario")
    before = world.watched(watch_list(ops, USER))
    predicted = dict(predict(before, ops, fee_payer=USER, network_fee=NETWORK_FEE).predicted)
    address = data.draw(st.sampled_from(sorted(a for a, s in predicted.items() if s is not None)), label="account")
    account = predicted[address]
    assert account is not None
    name, perturbed = data.draw(st.sampled_from(_perturbations(account)), label="perturbation")
    predicted[address] = perturbed
    outcome = verify_receipt(world.receipt(ops, predicted), ops, fee_payer=USER).outcome
    assert outcome.ids() == {Check.DELTA}
    (violation,) = outcome.violations
    assert str(address) in violation.message and name in violation.message
    assert violation.details["predicted"] != violation.details["observed"]
    assert violation.context.signature == "sig" and violation.context.operation is not None


def test_an_unexpected_change_to_an_untouched_account_is_reported() -> None:
    world = build_world()
    op = Deposit(world.pool, USER, Side.A, 100)
    after = dict(predict(world.watched(watch_list([op], USER)), [op], fee_payer=USER,
                         network_fee=NETWORK_FEE).predicted)
    vault_b = world.pool.token_b_vault
    after[vault_b] = replace(world.accounts[vault_b],  # type: ignore[type-var]
                             data=TokenAccount(world.pool.token_b_mint, world.pool.pool, 1).encode())
    (violation,) = verify_receipt(world.receipt([op], after), [op], fee_payer=USER).outcome.violations
    assert violation.check is Check.DELTA
    assert "vault B" in violation.message and "amount predicted 0, observed 1" in violation.message


def test_an_unwatched_account_is_a_usage_error() -> None:
    world = build_world()
    op = Deposit(world.pool, USER, Side.A, 100)
    before = world.watched(watch_list([op], USER))
    del before[world.pool.token_a_vault]
    with pytest.raises(InvalidArgument, match="not watched"):
        predict(before, [op], fee_payer=USER, network_fee=NETWORK_FEE)


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


FORBIDDEN: dict[str, tuple[Any, Any]] = {
    "zero deposit": (build_world, lambda w: Deposit(w.pool, USER, Side.A, 0)),
    "deposit beyond balance": (build_world, lambda w: Deposit(w.pool, USER, Side.A, USER_TOKENS + 1)),
    "deposit into paused pool": (lambda: _pause(build_world(), PoolFlag.LIQUIDITY_PAUSED),
                                 lambda w: Deposit(w.pool, USER, Side.A, 1)),
    "deposit while system paused": (lambda: _system_paused(build_world()), lambda w: Deposit(w.pool, USER, Side.A, 1)),
    "deposit from a foreign account": (lambda: _foreign_source(build_world()),
                                       lambda w: Deposit(w.pool, USER, Side.A, 1)),
    "withdraw beyond LP": (build_world, lambda w: Withdraw(w.pool, USER, Side.A, 1)),
    "swap with wrong expectation": (lambda: _liquid(build_world()), lambda w: Swap(w.pool, USER, Side.A, 10, 31)),
    "swap beyond liquidity": (build_world, lambda w: Swap(w.pool, USER, Side.A, 10, 30)),
    "swap with zero output": (lambda: _liquid(build_world(ratio_a=3, ratio_b=1)),
                              lambda w: Swap(w.pool, USER, Side.A, 2, 0)),
    "swap with exact remainder": (lambda: _liquid(exact_world()), lambda w: Swap(w.pool, USER, Side.B, 1, 0)),
    "swap in swap-paused pool": (lambda: _pause(_liquid(build_world()), PoolFlag.SWAPS_PAUSED),
                                 lambda w: Swap(w.pool, USER, Side.A, 10, 30)),
    "swap by non-owner": (lambda: _owner_only(build_world()), lambda w: Swap(w.pool, USER, Side.A, 10, 30)),
    "burn beyond balance": (build_world, lambda w: Burn(w.ata(USER, w.pool.token_a_mint), w.pool.token_a_mint,
                                                        USER_TOKENS + 1)),
    "SOL beyond balance": (build_world, lambda w: SolTransfer(USER, CORE, USER_LAMPORTS)),
}


@pytest.mark.parametrize("case", sorted(FORBIDDEN))
def test_a_success_the_contract_forbids_is_reported(case: str) -> None:
    make_world, make_op = FORBIDDEN[case]
    world: World = make_world()
    op: Operation = make_op(world)
    world.accounts.setdefault(CORE, AccountState(1, ids.SYSTEM_PROGRAM_ID, b""))
    expectation = predict(world.watched(watch_list([op], USER)), [op], fee_payer=USER, network_fee=NETWORK_FEE)
    assert expectation.rejection is not None
    outcome = verify_receipt(world.receipt([op], world.accounts), [op], fee_payer=USER).outcome
    assert [v.check for v in outcome.violations] == [Check.ACCEPT]
    assert expectation.rejection in outcome.violations[0].message


def test_the_owner_may_swap_in_an_owner_only_pool() -> None:
    world = _owner_only(build_world())
    op = Swap(world.pool, CREATOR, Side.A, 10, 30)
    expectation = predict(world.watched(watch_list([op], CREATOR)), [op], fee_payer=CREATOR,
                          network_fee=NETWORK_FEE)
    assert expectation.rejection is None


# ---------------------------------------------------------------------------------------------------------
# I9: a failed transaction changes nothing but the fee payer's lamports


def _failed_after(world: World, op: Operation, fee: int = NETWORK_FEE) -> dict[Address, AccountState | None]:
    after = dict(world.accounts)
    after[USER] = replace(world.accounts[USER], lamports=USER_LAMPORTS - fee)  # type: ignore[type-var]
    return after


def test_a_failed_transaction_that_only_paid_its_fee_verifies() -> None:
    world = build_world()
    op = Deposit(world.pool, USER, Side.A, 100)
    outcome = verify_receipt(world.receipt([op], _failed_after(world, op), ok=False), [op], fee_payer=USER).outcome
    assert outcome.ok and outcome.checked == (Check.I9,)


def test_a_failed_transaction_that_moved_tokens_violates_i9() -> None:
    world = build_world()
    op = Deposit(world.pool, USER, Side.A, 100)
    after = _failed_after(world, op)
    vault = world.pool.token_a_vault
    after[vault] = replace(world.accounts[vault],  # type: ignore[type-var]
                           data=TokenAccount(world.pool.token_a_mint, world.pool.pool, 100).encode())
    (violation,) = verify_receipt(world.receipt([op], after, ok=False), [op], fee_payer=USER).outcome.violations
    assert violation.check is Check.I9 and "vault A" in violation.message


def test_a_failed_transaction_must_charge_exactly_the_reported_fee() -> None:
    world = build_world()
    op = Deposit(world.pool, USER, Side.A, 100)
    receipt = world.receipt([op], _failed_after(world, op, fee=NETWORK_FEE + LIQ_FEE), ok=False)
    (violation,) = verify_receipt(receipt, [op], fee_payer=USER).outcome.violations
    assert violation.check is Check.I9
    assert f"lamports predicted {USER_LAMPORTS - NETWORK_FEE}, observed {USER_LAMPORTS - NETWORK_FEE - LIQ_FEE}" \
        in violation.message
