"""Phase 2, pauses: PauseSystem (12), UnpauseSystem (13), PausePool (19), UnpausePool (20) on the reference program
(frt-contract.md 2.3, 4.10, 8.6, G5): who may call them, what they store, and what a pause blocks (every
instruction G5 names; consolidation and GetVersion still run)."""

from __future__ import annotations

import pytest

from pytest_fixedratio.chain.base import Receipt
from pytest_fixedratio.frt import builders, pdas
from pytest_fixedratio.frt.constants import PauseFlag, PoolFlag, Side
from pytest_fixedratio.frt.state import MainTreasuryState, PoolState, SystemState
from pytest_fixedratio.sol import ids
from pytest_fixedratio.sol.instruction import Instruction
from pytest_fixedratio.sol.keys import Wallet

from .conftest import Market, decoded, error_name

pytestmark = pytest.mark.asyncio
RESTART_PENALTY_S = 255_600


def _error(m: Market, receipt: Receipt) -> str:
    return error_name(receipt, m.program_id)


async def _send(m: Market, instruction: Instruction, signer: Wallet) -> Receipt:
    return await m.bench.chain.send([instruction], [signer])


async def _system(m: Market) -> SystemState:
    return decoded(await m.bench.chain.get_account(pdas.system_state(m.program_id)[0]), SystemState)


async def test_a_system_pause_blocks_every_checked_instruction_and_its_end_starts_the_treasury_penalty(
        market: Market) -> None:
    m, admin = market, market.bench.chain.upgrade_authority
    paused = await _send(m, builders.pause_system(m.program_id, admin.address, 7), admin)
    assert paused.ok, paused.logs
    state = await _system(m)
    assert (state.is_paused, state.pause_timestamp, state.pause_reason_code) == (True, paused.unix_timestamp, 7)
    blocked = {
        "deposit": (builders.deposit(m.pool, m.trader.address, Side.A, 10), m.trader),
        "withdraw": (builders.withdraw(m.pool, m.trader.address, Side.A, 10), m.trader),
        "swap": (builders.swap(m.pool, m.trader.address, Side.A, 10, 25), m.trader),
        "initialize_pool": (builders.initialize_pool(m.core.address, m.squatted_pool), m.core),
        "pause_pool": (builders.pause_pool(m.pool, admin.address, PauseFlag.ALL), admin),
        "unpause_pool": (builders.unpause_pool(m.pool, admin.address, PauseFlag.ALL), admin),
        "set_swap_owner_only": (builders.set_swap_owner_only(m.pool, admin.address, True, admin.address), admin),
        "update_pool_fees": (builders.update_pool_fees(m.pool, admin.address, 3, 100_000, 10_000), admin),
        "withdraw_treasury_fees": (builders.withdraw_treasury_fees(m.program_id, admin.address, 0, admin.address),
                                   admin),
        "donate_sol": (builders.donate_sol(m.program_id, m.trader.address, 10**8), m.trader),
        "process_admin_change": (builders.process_admin_change(m.program_id, admin.address, m.trader.address), admin),
    }
    for name, (instruction, signer) in blocked.items():
        assert _error(m, await _send(m, instruction, signer)) == "SystemPaused", name
    assert (await _send(m, builders.get_version(m.program_id), m.trader)).ok
    assert (await _send(m, builders.consolidate_pool_fees(m.program_id, admin.address, [m.pool.pool]), admin)).ok
    again = await _send(m, builders.pause_system(m.program_id, admin.address, 1), admin)
    assert _error(m, again) == "SystemAlreadyPaused"
    unpaused = await _send(m, builders.unpause_system(m.program_id, admin.address), admin)
    assert unpaused.ok, unpaused.logs
    state = await _system(m)
    assert (state.is_paused, state.pause_timestamp, state.pause_reason_code) == (False, 0, 0)
    treasury = decoded(await m.bench.chain.get_account(pdas.main_treasury(m.program_id)[0]), MainTreasuryState)
    assert treasury.last_withdrawal_timestamp == unpaused.unix_timestamp + RESTART_PENALTY_S
    assert treasury.last_update_timestamp == unpaused.unix_timestamp
    assert (await _send(m, builders.deposit(m.pool, m.trader.address, Side.A, 10), m.trader)).ok
    not_paused = await _send(m, builders.unpause_system(m.program_id, admin.address), admin)
    assert _error(m, not_paused) == "SystemNotPaused"


@pytest.mark.parametrize(("flags", "set_bits"), [
    (PauseFlag.LIQUIDITY, PoolFlag.LIQUIDITY_PAUSED), (PauseFlag.SWAPS, PoolFlag.SWAPS_PAUSED),
    (PauseFlag.ALL, PoolFlag.LIQUIDITY_PAUSED | PoolFlag.SWAPS_PAUSED), (0, 0), (0xFC, 0),
])
async def test_a_pool_pause_sets_its_flags_and_blocks_what_they_name(market: Market, flags: int,
                                                                     set_bits: PoolFlag) -> None:
    m, admin = market, market.bench.chain.upgrade_authority
    before = decoded(await m.bench.chain.get_account(m.pool.pool), PoolState).flags
    assert (await _send(m, builders.pause_pool(m.pool, admin.address, flags), admin)).ok
    assert decoded(await m.bench.chain.get_account(m.pool.pool), PoolState).flags == before | set_bits
    deposit = await _send(m, builders.deposit(m.pool, m.trader.address, Side.A, 10), m.trader)
    swap = await _send(m, builders.swap(m.pool, m.trader.address, Side.A, 10, 25), m.trader)
    if set_bits & PoolFlag.LIQUIDITY_PAUSED:
        assert _error(m, deposit) == "PoolLiquidityPaused"
    else:
        assert deposit.ok, deposit.logs
    if set_bits & PoolFlag.SWAPS_PAUSED:
        assert _error(m, swap) == "PoolSwapsPaused"
    else:
        assert swap.ok, swap.logs
    assert (await _send(m, builders.unpause_pool(m.pool, admin.address, flags), admin)).ok
    assert decoded(await m.bench.chain.get_account(m.pool.pool), PoolState).flags == before


async def test_only_the_admin_pauses_unless_the_program_data_is_not_the_loaders(market: Market) -> None:
    """A stranger is refused with the real ProgramData; passing the System Program instead lets any signer
    through (the admin-check bypass of 8.3, reproduced on purpose)."""
    m = market
    stranger = await m.bench.wallet("pause-stranger")
    refused = await _send(m, builders.pause_system(m.program_id, stranger.address, 1), stranger)
    assert _error(m, refused) == "InvalidAccountData"
    bypass = builders.pause_system(m.program_id, stranger.address, 1, program_data=ids.SYSTEM_PROGRAM_ID)
    assert (await _send(m, bypass, stranger)).ok
    assert (await _system(m)).is_paused


async def test_too_few_accounts_panic_or_are_refused(market: Market) -> None:
    m, admin = market, market.bench.chain.upgrade_authority
    pause = builders.pause_system(m.program_id, admin.address, 1)
    short = Instruction(pause.program_id, pause.accounts[:2], pause.data)
    assert _error(m, await _send(m, short, admin)) == "ProgramFailedToComplete"
    unpause = builders.unpause_system(m.program_id, admin.address)
    short = Instruction(unpause.program_id, unpause.accounts[:3], unpause.data)
    assert _error(m, await _send(m, short, admin)) == "NotEnoughAccountKeys"
