"""Pool and global invariants on hand-built snapshots: each one holding, and each one violated."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace

import pytest

from pytest_fixedratio.chain.base import AccountState
from pytest_fixedratio.frt import constants as c
from pytest_fixedratio.frt import math as frt_math
from pytest_fixedratio.frt import pdas
from pytest_fixedratio.frt.constants import PoolFlag, Side
from pytest_fixedratio.frt.pdas import pool_watch_list
from pytest_fixedratio.frt.state import MainTreasuryState, Mint, PoolState, SystemState, TokenAccount
from pytest_fixedratio.intents.pool_ops import Deposit, Swap, Withdraw
from pytest_fixedratio.sol.address import Address
from pytest_fixedratio.verify.invariants import (
    PoolBaseline,
    PoolWatch,
    TreasuryHistory,
    check_global,
    check_pool_lamports,
    check_value_conservation,
    check_vault_tracking,
)
from pytest_fixedratio.verify.report import Check
from pytest_fixedratio.verify.snapshot import global_snapshot
from tests.verify.worlds import CREATOR, PROGRAM_ID, USER, World, build_world, exact_world

ALL_POOL_CHECKS = {Check.I1, Check.I2, Check.I6, Check.I7, Check.I8, Check.I10}
OTHER = Address(bytes([0x99] * 32))


def _traffic(world: World) -> int:
    """Deposits on both sides, a swap each way, a withdrawal; returns the I2 increase the intents predict."""
    total = 0
    for ops in ([Deposit(world.pool, USER, Side.A, 50_000), Deposit(world.pool, USER, Side.B, 90_000)],
                [Swap(world.pool, USER, Side.A, 1_000, 3_000), Swap(world.pool, USER, Side.B, 1_001, 333)],
                [Withdraw(world.pool, USER, Side.A, 400)]):
        prediction = world.run(ops)
        assert not prediction.fails, prediction.reason
        total += sum(prediction.surplus.values())
    return total


def _active_world() -> World:
    world = build_world()
    _traffic(world)
    return world


def test_a_fresh_pool_satisfies_every_invariant() -> None:
    world = build_world()
    outcome = PoolWatch.start(world.snapshot()).check(world.snapshot())
    assert outcome.ok, [str(v) for v in outcome.violations]
    assert set(outcome.checked) == ALL_POOL_CHECKS


def test_traffic_keeps_every_invariant_and_s_grows_by_the_swap_remainders() -> None:
    world = build_world()
    watch = PoolWatch.start(world.snapshot())
    assert watch.check(world.snapshot()).ok
    added = _traffic(world)
    outcome = watch.check(world.snapshot(), surplus_added=added)
    assert outcome.ok, [str(v) for v in outcome.violations]
    assert world.snapshot().surplus == added == 1_001 * 1_000_000 % 3_000_000


def _edit_pool(**changes: object) -> Callable[[World], None]:
    return lambda world: world.edit(world.pool.pool, PoolState, **changes)


def _edit_vault(side: Side, **changes: object) -> Callable[[World], None]:
    return lambda world: world.edit(world.pool.vault(side), TokenAccount, **changes)


def _edit_lp(side: Side, **changes: object) -> Callable[[World], None]:
    return lambda world: world.edit(world.pool.lp_mint(side), Mint, **changes)


def _raise_lp(world: World) -> None:
    """Mint LP out of thin air: supply and a holder's balance both grow."""
    lp = world.pool.lp_a_mint
    world.edit(lp, Mint, supply=world.decoded(lp, Mint).supply + 10)
    holder = world.ata(USER, lp)
    world.edit(holder, TokenAccount, amount=world.decoded(holder, TokenAccount).amount + 10)


def _flags(flag: PoolFlag, *, clear: bool = False) -> Callable[[World], None]:
    return lambda world: world.edit(world.pool.pool, PoolState, flags=(
        world.state().flags & ~flag if clear else world.state().flags | flag))


def _pool_lamports(delta: int) -> Callable[[World], None]:
    def tamper(world: World) -> None:
        account = world.accounts[world.pool.pool]
        assert account is not None
        world.set_lamports(world.pool.pool, account.lamports + delta)
    return tamper


def _state_value(name: str, delta: int) -> Callable[[World], None]:
    return lambda world: world.edit(world.pool.pool, PoolState, **{name: getattr(world.state(), name) + delta})


TAMPERS: dict[str, tuple[Callable[[World], None], set[Check]]] = {
    "drain vault A": (_edit_vault(Side.A, amount=0), {Check.I1}),
    "extra tokens in vault B": (_edit_vault(Side.B, amount=10**12), {Check.I1}),
    "tracked total raised": (_state_value("total_token_b_liquidity", 5), {Check.I1}),  # S grows: allowed
    "mint extra LP": (_raise_lp, {Check.I2}),
    "change ratio a": (_state_value("ratio_a_numerator", 1), {Check.I2, Check.I6}),
    "change token b mint": (_edit_pool(token_b_mint=OTHER), {Check.I6}),
    "change vault a address": (_edit_pool(token_a_vault=OTHER), {Check.I6}),
    "change LP b address": (_edit_pool(lp_token_b_mint=OTHER), {Check.I6}),
    "change pool bump": (_state_value("pool_authority_bump_seed", -1), {Check.I6}),
    "write an unused field": (_edit_pool(max_swap_amount=1), {Check.I6}),
    "write the reserved words": (_edit_pool(reserved=(0, 0, 7, 0)), {Check.I6}),
    "vault owned by someone else": (_edit_vault(Side.A, owner=OTHER), {Check.I6}),
    "vault delegated": (_edit_vault(Side.B, delegate=OTHER), {Check.I6}),
    "LP mint authority moved": (_edit_lp(Side.B, mint_authority=OTHER), {Check.I6}),
    "LP mint freeze authority set": (_edit_lp(Side.A, freeze_authority=OTHER), {Check.I6}),
    "LP decimals changed": (_edit_lp(Side.A, decimals=9), {Check.I6}),
    "move liquidity fees": (_state_value("collected_liquidity_fees", -1_000), {Check.I7}),
    "move swap fees": (_state_value("collected_swap_contract_fees", 1), {Check.I7}),
    "collected total lowered": (_state_value("total_sol_fees_collected", -1), {Check.I7, Check.I8}),
    "consolidated exceeds collected": (_edit_pool(total_fees_consolidated=10**12), {Check.I7, Check.I8}),
    "take lamports from the pool PDA": (_pool_lamports(-1), {Check.I8}),
    "add lamports to the pool PDA": (_pool_lamports(+1), {Check.I8}),
    "set bit 3": (_flags(PoolFlag.WITHDRAWAL_PROTECTION), {Check.I10}),
    "set bit 4": (_flags(PoolFlag.SINGLE_LP_TOKEN), {Check.I10}),
    "clear bit 0": (_flags(PoolFlag.SIMPLE_RATIO, clear=True), {Check.I10}),
    "set exact-exchange later": (_flags(PoolFlag.EXACT_EXCHANGE_REQUIRED), {Check.I2, Check.I10}),
}


@pytest.mark.parametrize("name", sorted(TAMPERS))
def test_tampering_is_reported_with_the_right_ids(name: str) -> None:
    tamper, expected = TAMPERS[name]
    world = _active_world()
    watch = PoolWatch.start(world.snapshot())
    assert watch.check(world.snapshot()).ok
    tamper(world)
    outcome = watch.check(world.snapshot())
    assert outcome.ids() == expected, [str(v) for v in outcome.violations]
    assert all(v.context.pool == str(world.pool.pool) for v in outcome.violations)
    assert all("pool" in v.details for v in outcome.violations)
    json.dumps([v.to_dict() for v in outcome.violations])  # reports are JSON


@pytest.mark.parametrize("flag", [PoolFlag.LIQUIDITY_PAUSED, PoolFlag.SWAPS_PAUSED, PoolFlag.SWAP_FOR_OWNERS_ONLY])
def test_admin_controlled_flags_may_change(flag: PoolFlag) -> None:
    world = _active_world()
    watch = PoolWatch.start(world.snapshot())
    _flags(flag)(world)
    assert watch.check(world.snapshot()).ok


def test_safe_forms_accept_third_party_deposits_but_not_shortfalls() -> None:
    world = _active_world()
    _edit_vault(Side.A, amount=10**12)(world)
    _pool_lamports(+1_000)(world)
    snap = world.snapshot()
    assert check_vault_tracking(snap, strict=False).ok and not check_vault_tracking(snap).ok
    rent = frt_math.rent(c.POOL_STATE_LEN)
    assert check_pool_lamports(snap, pool_rent=rent, strict=False).ok
    assert not check_pool_lamports(snap, pool_rent=rent).ok
    _edit_vault(Side.B, amount=0)(world)
    assert check_vault_tracking(world.snapshot(), strict=False).ids() == {Check.I1}


def test_s_must_not_decrease_and_must_match_the_predicted_increase() -> None:
    world = _active_world()
    snap = world.snapshot()
    s = snap.surplus
    assert s > 0
    assert check_value_conservation(snap, previous=s).ok
    assert check_value_conservation(snap, previous=s - 5, surplus_added=5).ok
    assert check_value_conservation(snap, previous=s + 1).ids() == {Check.I2}
    wrong = check_value_conservation(snap, previous=s - 5, surplus_added=4)
    assert wrong.ids() == {Check.I2} and "the operations add 4" in wrong.violations[0].message


def test_s_stays_zero_in_an_exact_exchange_pool() -> None:
    world = exact_world()
    assert not world.run([Deposit(world.pool, USER, Side.B, 9_000), Deposit(world.pool, USER, Side.A, 9_000)]).fails
    assert not world.run([Swap(world.pool, USER, Side.B, 3_000, 1_000)]).fails
    watch = PoolWatch.start(world.snapshot())
    assert watch.check(world.snapshot()).ok
    _state_value("total_token_a_liquidity", 1)(world)
    _edit_vault(Side.A, amount=world.state().total_token_a_liquidity)(world)
    outcome = watch.check(world.snapshot())
    assert outcome.ids() == {Check.I2}
    assert any("exact-exchange" in v.message for v in outcome.violations)


def test_fee_counters_never_decrease() -> None:
    world = _active_world()
    watch = PoolWatch.start(world.snapshot())
    watch.check(world.snapshot())
    state = world.state()
    # Pretend a consolidation was undone: every counter consistent, but lifetime totals went down.
    world.edit(world.pool.pool, PoolState, total_consolidations=0, collected_liquidity_fees=0,
               collected_swap_contract_fees=0, total_sol_fees_collected=0)
    _pool_lamports(-state.total_sol_fees_collected)(world)
    outcome = watch.check(world.snapshot())
    assert outcome.ids() == {Check.I7}
    assert "total_sol_fees_collected decreased" in outcome.violations[0].message


@pytest.mark.parametrize("broken", ["missing", "foreign owner", "garbage"])
def test_accounts_that_no_longer_form_the_pool_violate_i6(broken: str) -> None:
    world = _active_world()
    watch = PoolWatch.start(world.snapshot())
    accounts = world.watched(pool_watch_list(world.pool))
    vault = world.pool.token_b_vault
    account = accounts[vault]
    assert account is not None
    accounts[vault] = {"missing": None,
                       "foreign owner": AccountState(account.lamports, OTHER, account.data),
                       "garbage": AccountState(account.lamports, account.owner, b"\x01" * 10)}[broken]
    outcome = watch.check_accounts(accounts)
    assert outcome.ids() == {Check.I6} and "vault B" in outcome.violations[0].message
    assert watch.check_accounts(world.watched(pool_watch_list(world.pool))).ok


def test_the_baseline_comes_from_the_creation_snapshot() -> None:
    world = build_world(decimals=(9, 2))
    baseline = PoolBaseline.take(world.snapshot())
    assert baseline.token_decimals == (9, 2) and baseline.flags == PoolFlag.SIMPLE_RATIO
    assert baseline.addresses == world.pool


# ---------------------------------------------------------------------------------------------------------
# Global


def _global_accounts(*, lamports: int, **treasury: int) -> dict[Address, AccountState | None]:
    system = AccountState(frt_math.rent(c.SYSTEM_STATE_LEN), PROGRAM_ID,
                          SystemState(False, 0, 0, CREATOR, None, 0).encode())
    return {pdas.system_state(PROGRAM_ID)[0]: system,
            pdas.main_treasury(PROGRAM_ID)[0]: AccountState(lamports, PROGRAM_ID,
                                                            MainTreasuryState(**treasury).encode())}


TREASURY_RENT = frt_math.rent(c.MAIN_TREASURY_LEN)
HISTORY = TreasuryHistory(pools_created=2, donations=300_000_000, consolidated=40_000_000, withdrawn=10_000_000)
BALANCE = TREASURY_RENT + 2 * c.REGISTRATION_FEE + 300_000_000 + 40_000_000 - 10_000_000
CONSISTENT = {"pool_creation_count": 2, "total_pool_creation_fees": 2 * c.REGISTRATION_FEE,
              "total_liquidity_fees": 26_000_000, "total_regular_swap_fees": 14_000_000,
              "total_swap_contract_fees": 14_000_000, "total_balance": BALANCE}


def _pools_consolidated(total: int) -> list[PoolState]:
    state = build_world().state()
    return [replace(state, total_fees_consolidated=part) for part in (total - 1_000, 1_000)]


def test_global_invariants_hold_for_a_consistent_treasury() -> None:
    snap = global_snapshot(PROGRAM_ID, _global_accounts(lamports=BALANCE, **CONSISTENT))
    outcome = check_global(snap, HISTORY, pools=_pools_consolidated(40_000_000), synced=True)
    assert outcome.ok, [str(v) for v in outcome.violations]
    assert set(outcome.checked) == {Check.G1, Check.G2, Check.G3, Check.G4}


GLOBAL_BREAKS: dict[str, tuple[int, dict[str, int], set[Check]]] = {
    "lamports drained": (BALANCE - 1, {}, {Check.G1, Check.G4}),
    "creation not counted": (BALANCE, {"pool_creation_count": 1}, {Check.G2}),
    "creation fee total off": (BALANCE, {"total_pool_creation_fees": 1}, {Check.G2}),
    "consolidation total off": (BALANCE, {"total_liquidity_fees": 1}, {Check.G3}),
    "swap fee totals differ": (BALANCE, {"total_swap_contract_fees": 1}, {Check.G3}),
    "stale total_balance": (BALANCE, {"total_balance": 5}, {Check.G4}),
}


@pytest.mark.parametrize("name", sorted(GLOBAL_BREAKS))
def test_global_violations(name: str) -> None:
    lamports, changes, expected = GLOBAL_BREAKS[name]
    snap = global_snapshot(PROGRAM_ID, _global_accounts(lamports=lamports, **{**CONSISTENT, **changes}))
    outcome = check_global(snap, HISTORY, pools=_pools_consolidated(40_000_000), synced=True)
    assert outcome.ids() == expected, [str(v) for v in outcome.violations]


def test_g3_and_g4_run_only_when_asked() -> None:
    snap = global_snapshot(PROGRAM_ID, _global_accounts(lamports=BALANCE, **{**CONSISTENT, "total_balance": 0}))
    outcome = check_global(snap, HISTORY)
    assert outcome.ok and set(outcome.checked) == {Check.G1, Check.G2}
