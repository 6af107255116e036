"""Phase 2, the admin hand-over: ProcessAdminChange (24) on the reference program (frt-contract.md 3.2, 4.9): a
proposal, its 72-hour timelock, its completion and its cancellation, and who may call it."""

from __future__ import annotations

import pytest

from pytest_fixedratio.chain.base import Receipt
from pytest_fixedratio.chain.litesvm import LiteSvmChain
from pytest_fixedratio.frt import builders, pdas
from pytest_fixedratio.frt.constants import Side
from pytest_fixedratio.frt.state import SystemState
from pytest_fixedratio.sol.keys import Wallet

from .conftest import Market, decoded, error_name

pytestmark = pytest.mark.asyncio
TIMELOCK_S = 259_200


async def _change(m: Market, by: Wallet, new_admin: Wallet) -> Receipt:
    return await m.bench.chain.send([builders.process_admin_change(m.program_id, by.address, new_admin.address)],
                                    [by])


async def _system(m: Market) -> SystemState:
    return decoded(await m.bench.chain.get_account(pdas.system_state(m.program_id)[0]), SystemState)


async def test_a_proposed_admin_takes_over_after_72_hours_and_then_alone_pauses(timed_market: Market) -> None:
    m, admin = timed_market, timed_market.bench.chain.upgrade_authority
    chain = m.bench.chain
    assert isinstance(chain, LiteSvmChain)
    successor = await m.bench.wallet("successor")
    proposed = await _change(m, admin, successor)
    assert proposed.ok, proposed.logs
    state = await _system(m)
    assert (state.admin_authority, state.pending_admin_authority, state.admin_change_timestamp) == (
        admin.address, successor.address, proposed.unix_timestamp)
    await chain.advance_clock(TIMELOCK_S - 1)
    early = await _change(m, admin, successor)  # a second early: the proposal is made again, the timer restarts
    assert early.ok and (await _system(m)).admin_change_timestamp == early.unix_timestamp
    await chain.advance_clock(TIMELOCK_S)
    assert (await _change(m, admin, successor)).ok
    state = await _system(m)
    assert (state.admin_authority, state.pending_admin_authority, state.admin_change_timestamp) == (
        successor.address, None, 0)
    paused = await chain.send([builders.pause_system(m.program_id, successor.address, 3)], [successor])
    assert paused.ok, paused.logs


async def test_naming_the_current_admin_cancels_and_strangers_and_pauses_are_refused(market: Market) -> None:
    m, admin = market, market.bench.chain.upgrade_authority
    successor, stranger = await m.bench.wallet("successor"), await m.bench.wallet("change-stranger")
    assert (await _change(m, admin, successor)).ok
    assert (await _change(m, admin, admin)).ok
    state = await _system(m)
    assert (state.admin_authority, state.pending_admin_authority) == (admin.address, None)
    assert error_name(await _change(m, stranger, stranger), m.program_id) == "InvalidAccountData"
    assert (await m.bench.chain.send([builders.pause_system(m.program_id, admin.address, 1)], [admin])).ok
    assert error_name(await _change(m, admin, successor), m.program_id) == "SystemPaused"
    deposit = builders.deposit(m.pool, m.trader.address, Side.A, 10)
    assert error_name(await m.bench.chain.send([deposit], [m.trader]), m.program_id) == "SystemPaused"
