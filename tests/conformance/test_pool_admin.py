"""Phase 2, a pool's admin settings: SetSwapOwnerOnly (21) and UpdatePoolFees (22) on the reference program
(frt-contract.md 2.3, 4.5, 4.10, 8.4): what they store and what trades see afterwards."""

from __future__ import annotations

import pytest

from pytest_fixedratio.chain.base import Receipt
from pytest_fixedratio.frt import builders
from pytest_fixedratio.frt.constants import PoolFlag, Side
from pytest_fixedratio.frt.state import PoolState
from pytest_fixedratio.sol.instruction import Instruction
from pytest_fixedratio.sol.keys import Wallet

from .conftest import Market, decoded, error_name

pytestmark = pytest.mark.asyncio


async def _admin_send(m: Market, instruction: Instruction) -> Receipt:
    return await m.bench.chain.send([instruction], [m.bench.chain.upgrade_authority])


async def _pool(m: Market) -> PoolState:
    return decoded(await m.bench.chain.get_account(m.pool.pool), PoolState)


async def _swap(m: Market, user: Wallet) -> Receipt:
    return await m.bench.chain.send([builders.swap(m.pool, user.address, Side.A, 10, 25)], [user])


async def test_owner_only_swaps_belong_to_the_designated_owner_until_disabled(market: Market) -> None:
    m, admin = market, market.bench.chain.upgrade_authority.address
    creator = (await _pool(m)).owner
    assert (await _admin_send(m, builders.set_swap_owner_only(m.pool, admin, True, m.trader.address))).ok
    state = await _pool(m)
    assert state.flags & PoolFlag.SWAP_FOR_OWNERS_ONLY and state.owner == m.trader.address
    assert (await _swap(m, m.trader)).ok
    assert error_name(await _swap(m, m.newcomer), m.program_id) == "SwapAccessRestricted"
    assert (await _admin_send(m, builders.set_swap_owner_only(m.pool, admin, False, creator))).ok
    state = await _pool(m)
    assert not state.flags & PoolFlag.SWAP_FOR_OWNERS_ONLY and state.owner == m.trader.address, "owner kept"
    assert (await _swap(m, m.newcomer)).ok


async def test_new_fees_are_charged_and_out_of_range_ones_refused(market: Market) -> None:
    m, admin = market, market.bench.chain.upgrade_authority.address
    assert (await _admin_send(m, builders.update_pool_fees(m.pool, admin, 1, 5_000_000, 1))).ok, \
        "only the liquidity fee is named: the swap fee's value is not checked"
    assert (await _admin_send(m, builders.update_pool_fees(m.pool, admin, 2, 0, 50_000))).ok
    state = await _pool(m)
    assert (state.contract_liquidity_fee, state.swap_contract_fee) == (5_000_000, 50_000)
    deposit = await m.bench.chain.send([builders.deposit(m.pool, m.trader.address, Side.A, 10)], [m.trader],
                                       watch=(m.pool.pool,))
    assert deposit.ok and deposit.lamport_change(m.pool.pool) == 5_000_000
    swap = await m.bench.chain.send([builders.swap(m.pool, m.trader.address, Side.A, 10, 25)], [m.trader],
                                    watch=(m.pool.pool,))
    assert swap.ok and swap.lamport_change(m.pool.pool) == 50_000
    state = await _pool(m)
    refused = {(0, 100_000, 10_000): "InvalidFeeUpdateFlags", (4, 100_000, 10_000): "InvalidFeeUpdateFlags",
               (1, 99_999, 10_000): "InvalidLiquidityFee", (3, 100_000_001, 10_000): "InvalidLiquidityFee",
               (2, 100_000, 9_999): "InvalidSwapFee", (3, 100_000, 10_000_001): "InvalidSwapFee"}
    for (flags, liquidity, swap_fee), expected in refused.items():
        receipt = await _admin_send(m, builders.update_pool_fees(m.pool, admin, flags, liquidity, swap_fee))
        assert error_name(receipt, m.program_id) == expected, (flags, liquidity, swap_fee)
    assert (await _pool(m)) == state, "a refused update changes nothing"
