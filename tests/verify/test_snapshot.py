"""Snapshots: decoding a pool and the global accounts from account maps, and report evidence."""

from __future__ import annotations

import json

import pytest

from pytest_fixedratio.chain.base import AccountState
from pytest_fixedratio.frt import pdas
from pytest_fixedratio.frt.constants import Side
from pytest_fixedratio.frt.pdas import PoolRole, pool_watch_list
from pytest_fixedratio.frt.state import MainTreasuryState, Mint, PoolState, SystemState, TokenAccount, layout_for
from pytest_fixedratio.sol import ids
from pytest_fixedratio.sol.address import Address
from pytest_fixedratio.verify.snapshot import (
    SnapshotError,
    decode_account,
    describe_account,
    global_snapshot,
    global_watch_list,
    pool_snapshot,
)
from tests.verify.worlds import PROGRAM_ID, USER, build_world


def test_pool_snapshot_decodes_every_role() -> None:
    world = build_world(decimals=(6, 9))
    world.seed_liquidity(Side.B, 777)
    snap = pool_snapshot(world.pool, world.watched(pool_watch_list(world.pool)))
    assert snap.state.ratio_a_numerator == world.pool.ratio_a
    assert snap.vault(Side.B).amount == 777 and snap.lp_mint(Side.B).supply == 777
    assert snap.token_mint(Side.A).decimals == 6 and snap.token_mint(Side.B).decimals == 9
    assert snap.pool_lamports == 3_939_360
    assert set(snap.accounts) == set(PoolRole)
    assert snap.surplus == 0


def test_watch_list_names_seven_distinct_accounts() -> None:
    world = build_world()
    addresses = pool_watch_list(world.pool)
    assert len(set(addresses)) == 7 and addresses[0] == world.pool.pool


def test_snapshot_errors_name_every_bad_account() -> None:
    world = build_world()
    accounts = world.watched(pool_watch_list(world.pool))
    accounts[world.pool.lp_a_mint] = None
    del accounts[world.pool.token_b_mint]
    vault = accounts[world.pool.token_a_vault]
    assert vault is not None
    accounts[world.pool.token_a_vault] = AccountState(vault.lamports, ids.SYSTEM_PROGRAM_ID, vault.data)
    with pytest.raises(SnapshotError) as info:
        pool_snapshot(world.pool, accounts)
    problems = info.value.problems
    assert len(problems) == 3
    assert any("LP mint A" in p and "does not exist" in p for p in problems)
    assert any("token mint B" in p and "was not read" in p for p in problems)
    assert any("vault A" in p and "owned by" in p for p in problems)


def test_pool_owned_by_another_program_is_not_a_snapshot() -> None:
    world = build_world()
    accounts = world.watched(pool_watch_list(world.pool))
    pool = accounts[world.pool.pool]
    assert pool is not None
    accounts[world.pool.pool] = AccountState(pool.lamports, Address(bytes(32)), pool.data)
    with pytest.raises(SnapshotError, match=r"pool .* is owned by"):
        pool_snapshot(world.pool, accounts)


def test_layout_for_tells_accounts_apart() -> None:
    world = build_world()
    kinds = {address: layout_for(account.owner, len(account.data))
             for address, account in world.accounts.items() if account is not None}
    assert kinds[world.pool.pool] is PoolState
    assert kinds[world.system_state] is SystemState
    assert kinds[world.pool.token_a_vault] is TokenAccount
    assert kinds[world.pool.lp_b_mint] is Mint
    assert kinds[USER] is None
    assert layout_for(PROGRAM_ID, len(MainTreasuryState().encode())) is MainTreasuryState
    assert layout_for(PROGRAM_ID, ids.MINT_LEN) is None  # a mint must be SPL-owned


def test_describe_account_is_json_and_falls_back_to_hex() -> None:
    world = build_world()
    pool = describe_account(world.accounts[world.pool.pool])
    assert pool is not None and pool["kind"] == "PoolState"
    assert pool["fields"]["token_a_mint"] == str(world.pool.token_a_mint)
    assert pool["fields"]["flags"] == 1 and pool["fields"]["reserved"] == [0, 0, 0, 0]
    json.dumps(pool)
    garbage = AccountState(5, ids.TOKEN_PROGRAM_ID, b"\xff" * ids.TOKEN_ACCOUNT_LEN)
    assert decode_account(garbage) is None
    assert describe_account(garbage) == {"lamports": 5, "owner": str(ids.TOKEN_PROGRAM_ID), "executable": False,
                                         "data_hex": "ff" * ids.TOKEN_ACCOUNT_LEN}
    assert describe_account(None) is None


def test_global_snapshot_reads_treasury_and_system_state() -> None:
    system, treasury = global_watch_list(PROGRAM_ID)
    assert (system, treasury) == (pdas.system_state(PROGRAM_ID)[0], pdas.main_treasury(PROGRAM_ID)[0])
    accounts = {system: AccountState(1, PROGRAM_ID, SystemState(True, 9, 15, USER, None, 0).encode()),
                treasury: AccountState(2_000_000, PROGRAM_ID, MainTreasuryState(donation_count=3).encode())}
    snap = global_snapshot(PROGRAM_ID, accounts)
    assert snap.system.is_paused and snap.treasury.donation_count == 3 and snap.treasury_lamports == 2_000_000
    assert set(snap.describe()) == {"SystemState", "MainTreasury"}
    accounts[treasury] = AccountState(2_000_000, USER, MainTreasuryState().encode())
    with pytest.raises(SnapshotError, match=r"MainTreasury .* owned by"):
        global_snapshot(PROGRAM_ID, accounts)
