"""Phase 2, consolidation: ConsolidatePoolFees (17) on the reference program (frt-contract.md 4.7, 4.10, 8.7, G3):
which pools it takes, the 13,920-lamport residue it leaves in each, the proportional split, and the treasury's
totals."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from pytest_fixedratio.chain.base import Receipt
from pytest_fixedratio.frt import builders, pdas
from pytest_fixedratio.frt import math as frt_math
from pytest_fixedratio.frt.constants import PauseFlag, Side
from pytest_fixedratio.frt.pdas import PoolAddresses
from pytest_fixedratio.frt.state import MainTreasuryState, PoolState
from pytest_fixedratio.sol.address import Address
from pytest_fixedratio.sol.instruction import Instruction

from .conftest import MAIN_DECIMALS, POOL_LIQUIDITY, Market, decoded, error_name

RESIDUE = frt_math.rent(440) - frt_math.rent(438)
"""What each consolidation leaves pending: the rent of size_of::<PoolState>() (440) over the account's (438)."""


def split(moved: int, liquidity: int, swap: int) -> tuple[int, int]:
    """The oracle of the partial path: parts in proportion, floored, the lamport left to the larger remainder
    (liquidity on a tie) unless that passes its counter."""
    total = liquidity + swap
    liq, liq_rem = divmod(moved * liquidity, total)
    swp, swp_rem = divmod(moved * swap, total)
    left = moved - liq - swp
    to_liquidity = liq_rem >= swp_rem
    if to_liquidity and liq + left > liquidity:
        to_liquidity = False
    elif not to_liquidity and swp + left > swap:
        to_liquidity = True
    return (liq + left, swp) if to_liquidity else (liq, swp + left)


@given(liquidity=st.integers(0, 10**12), swap=st.integers(0, 10**12), moved_share=st.fractions(0, 1))
def test_the_split_never_passes_a_counter_and_adds_up(liquidity: int, swap: int, moved_share: Fraction) -> None:
    total = liquidity + swap
    assume(total > 0)
    moved = int(total * moved_share)
    liq, swp = split(moved, liquidity, swap)
    assert liq + swp == moved and 0 <= liq <= liquidity and 0 <= swp <= swap


@dataclass
class Seen:
    pools: dict[Address, tuple[PoolState, int]]
    treasury: MainTreasuryState
    treasury_lamports: int


async def _seen(m: Market, pools: list[PoolAddresses]) -> Seen:
    accounts = await m.bench.accounts([*(p.pool for p in pools), pdas.main_treasury(m.program_id)[0]])
    found = {}
    for pool in pools:
        state = accounts[pool.pool]
        assert state is not None
        found[pool.pool] = (decoded(state, PoolState), state.lamports)
    treasury = accounts[pdas.main_treasury(m.program_id)[0]]
    assert treasury is not None
    return Seen(found, decoded(treasury, MainTreasuryState), treasury.lamports)


async def _consolidate(m: Market, pools: list[PoolAddresses]) -> Receipt:
    admin = m.bench.chain.upgrade_authority
    return await m.bench.chain.send([builders.consolidate_pool_fees(m.program_id, admin.address,
                                                                    [p.pool for p in pools])], [admin])


async def _third_pool(m: Market) -> PoolAddresses:
    x, y = await m.bench.create_sorted_mints("consolidation-mint", MAIN_DECIMALS, MAIN_DECIMALS)
    pool = m.bench.pool_addresses(x, MAIN_DECIMALS, y, MAIN_DECIMALS, 4)
    await m.bench.create_pool(pool)
    await m.bench.open_token_accounts(m.core.address, (x, y, pool.lp_a_mint, pool.lp_b_mint))
    await m.bench.mint_tokens(m.core.address, (x, y), POOL_LIQUIDITY)
    for side in Side:
        await m.bench.deposit(pool, m.core, side, POOL_LIQUIDITY)
    return pool


@pytest.mark.asyncio
async def test_three_pools_after_mixed_traffic_keep_the_residue_and_the_treasury_reconciles(market: Market) -> None:
    m, admin = market, market.bench.chain.upgrade_authority
    third = await _third_pool(m)
    for amount in (1_000, 7_777):
        await m.bench.checked_deposit(m.pool, m.trader, Side.B, amount)
        await m.bench.checked_swap(m.pool, m.trader, Side.A, amount, amount * 5 // 2)
        await m.bench.checked_withdraw(m.pool, m.trader, Side.B, amount)
    pools = [m.pool, m.exact_pool, third]
    assert (await m.bench.chain.send([builders.pause_system(m.program_id, admin.address, 15)], [admin])).ok
    before = await _seen(m, pools)
    receipt = await _consolidate(m, pools)
    assert receipt.ok, receipt.logs
    after = await _seen(m, pools)
    moved_total = liquidity_total = swap_total = liquidity_ops = swap_ops = 0
    for pool in pools:
        (was, lamports_was), (now, lamports_now) = before.pools[pool.pool], after.pools[pool.pool]
        pending = was.total_sol_fees_collected - was.total_fees_consolidated
        assert lamports_was == frt_math.rent(438) + pending  # I8 before
        moved = pending - RESIDUE
        liquidity, swap = split(moved, was.collected_liquidity_fees, was.collected_swap_contract_fees)
        assert lamports_was - lamports_now == moved
        assert now.total_sol_fees_collected - now.total_fees_consolidated == RESIDUE == 13_920
        assert (now.collected_liquidity_fees, now.collected_swap_contract_fees) == (
            was.collected_liquidity_fees - liquidity, was.collected_swap_contract_fees - swap)
        assert (now.total_consolidations, now.last_consolidation_timestamp) == (1, receipt.unix_timestamp)
        moved_total, liquidity_total, swap_total = moved_total + moved, liquidity_total + liquidity, swap_total + swap
        # the operation counts divide each pool's part by the default fees (8.7)
        liquidity_ops, swap_ops = liquidity_ops + liquidity // 13_000_000, swap_ops + swap // 271_500
    assert after.treasury_lamports - before.treasury_lamports == moved_total
    t, was_t = after.treasury, before.treasury
    assert t.total_liquidity_fees - was_t.total_liquidity_fees == liquidity_total
    assert t.total_regular_swap_fees - was_t.total_regular_swap_fees == swap_total
    assert t.total_swap_contract_fees - was_t.total_swap_contract_fees == swap_total
    assert (t.liquidity_operation_count, t.regular_swap_count) == (liquidity_ops, swap_ops)
    assert t.total_balance == after.treasury_lamports and t.total_consolidations_performed == 1
    # G3: what the pools consolidated is what the treasury counts
    assert sum(s.total_fees_consolidated for s, _ in after.pools.values()) == \
        t.total_liquidity_fees + t.total_regular_swap_fees
    again = await _consolidate(m, pools)  # only the residue is pending: nothing above the rent of 440 bytes
    assert again.ok
    last = await _seen(m, pools)
    assert last.pools == after.pools and last.treasury.total_consolidations_performed == 2


@pytest.mark.asyncio
async def test_an_active_system_consolidates_only_fully_paused_pools(market: Market) -> None:
    m, admin = market, market.bench.chain.upgrade_authority
    paused = builders.pause_pool(m.exact_pool, admin.address, PauseFlag.ALL)
    half = builders.pause_pool(m.pool, admin.address, PauseFlag.LIQUIDITY)
    assert (await m.bench.chain.send([paused, half], [admin])).ok
    before = await _seen(m, [m.pool, m.exact_pool])
    assert (await _consolidate(m, [m.pool, m.exact_pool])).ok
    after = await _seen(m, [m.pool, m.exact_pool])
    assert after.pools[m.pool.pool] == before.pools[m.pool.pool], "only liquidity paused: skipped"
    assert after.pools[m.exact_pool.pool][0].total_consolidations == 1


@pytest.mark.asyncio
async def test_a_bad_count_or_caller_is_refused(market: Market) -> None:
    m, admin = market, market.bench.chain.upgrade_authority
    one = builders.consolidate_pool_fees(m.program_id, admin.address, [m.pool.pool])
    zero = Instruction(one.program_id, one.accounts[:4], bytes([17, 0]))
    extra = Instruction(one.program_id, (*one.accounts, one.accounts[4]), one.data)
    stranger = await m.bench.wallet("consolidation-stranger")
    cases = [(zero, admin, "InvalidArgument"), (extra, admin, "NotEnoughAccountKeys"),
             (builders.consolidate_pool_fees(m.program_id, stranger.address, [m.pool.pool]), stranger,
              "InvalidAccountData")]
    for instruction, signer, expected in cases:
        assert error_name(await m.bench.chain.send([instruction], [signer]), m.program_id) == expected
