"""Random pools and random operation sequences: every receipt, success or failure, must match the oracle's
frt.math prediction exactly, and the pool's value-conservation quantity S must grow by exactly the swap
remainders (I2).

Each example opens its own chain (about 30 ms), so examples are independent and replay deterministically.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from pytest_fixedratio.chain.base import Receipt
from pytest_fixedratio.frt import constants as c
from pytest_fixedratio.frt import math as frt_math
from pytest_fixedratio.frt.constants import PoolFlag, Side
from pytest_fixedratio.frt.errors import OnChainError
from pytest_fixedratio.frt.pdas import PoolAddresses
from pytest_fixedratio.frt.state import Mint, PoolState, TokenAccount
from pytest_fixedratio.sol.keys import Wallet
from tests.conformance.conftest import Bench, ata, decoded

MAX_DECIMALS = 12
MAX_OPERATIONS = 16


def _amount(limit: int) -> st.SearchStrategy[int]:
    """Mostly within `limit` (what the operation can bear), sometimes exactly at or just past it, or 0; always a
    u64, since the instruction's amount field is one."""
    limit = min(limit, frt_math.U64_MAX)
    edges = sorted({0, 1, limit, min(limit + 1, frt_math.U64_MAX)})
    return st.one_of(st.integers(1, max(1, limit)), st.sampled_from(edges))


async def _open_pool(data: st.DataObject) -> tuple[Bench, PoolAddresses, Wallet]:
    """A fresh chain with a pool whose decimals, ratio and exact-exchange flag are drawn: one side is one
    display unit, the other up to a thousand display units in base units (so never EngineeringRatio)."""
    decimals = data.draw(st.tuples(st.integers(0, MAX_DECIMALS), st.integers(0, MAX_DECIMALS)), "decimals A, B")
    decimals_of = dict(zip(Side, decimals, strict=True))
    anchored = data.draw(st.sampled_from(list(Side)), "side anchored at one display unit")
    ratios = {anchored: 10 ** decimals_of[anchored],
              anchored.other: data.draw(st.integers(1, 10 ** (decimals_of[anchored.other] + 3)), "other side")}
    ratio_a, ratio_b = ratios[Side.A], ratios[Side.B]
    exact = data.draw(st.booleans(), "exact exchange")
    bench = await Bench.open()
    await bench.initialize_program()
    mint_a, mint_b = await bench.create_sorted_mints("sequence-mint", *decimals)
    rate = Fraction(ratio_b * 10 ** decimals[0], ratio_a * 10 ** decimals[1])  # B display units per A
    pool = bench.pool_addresses(mint_a, decimals[0], mint_b, decimals[1], rate)
    assert Fraction(pool.ratio_b, pool.ratio_a) == Fraction(ratio_b, ratio_a)
    await bench.create_pool(pool, flags=PoolFlag.EXACT_EXCHANGE_REQUIRED if exact else 0)
    return bench, pool, await bench.trader("sequence-trader", pool)


async def _check_pool_invariants(bench: Bench, pool: PoolAddresses, surplus: int) -> None:
    """I1 (vaults hold the tracked totals), I2 (S, 0 at creation, is the sum of the swap remainders), I7 and
    I8 (every fee lamport is pending in the pool PDA on top of its rent)."""
    account = await bench.chain.get_account(pool.pool)
    state = decoded(account, PoolState)
    vaults = [decoded(await bench.chain.get_account(pool.vault(side)), TokenAccount).amount for side in Side]
    assert vaults == [state.liquidity(side) for side in Side]
    supplies = [decoded(await bench.chain.get_account(pool.lp_mint(side)), Mint).supply for side in Side]
    assert frt_math.conservation_value(state.ratio_a_numerator, state.ratio_b_denominator,
                                       state.total_token_a_liquidity, state.total_token_b_liquidity,
                                       *supplies) == surplus
    assert state.collected_liquidity_fees + state.collected_swap_contract_fees == state.pending_sol_fees
    assert account is not None and account.lamports == frt_math.rent(c.POOL_STATE_LEN) + state.pending_sol_fees


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
@pytest.mark.asyncio
async def test_random_operation_sequences_match_frt_math_exactly(data: st.DataObject) -> None:
    bench, pool, trader = await _open_pool(data)
    user = trader.address
    for side in Side:  # usually some liquidity on both sides first, so that swaps have an output side
        if seed_liquidity := data.draw(st.integers(0, 10**9), f"initial liquidity {side}"):
            await bench.checked_deposit(pool, trader, side, seed_liquidity)
    surplus = 0
    for _ in range(data.draw(st.integers(1, MAX_OPERATIONS), "operations")):
        state = decoded(await bench.chain.get_account(pool.pool), PoolState)
        kind = data.draw(st.sampled_from(["deposit", "withdraw", "swap"]), "operation")
        side = data.draw(st.sampled_from(list(Side)), "side (swap input)")
        if kind == "deposit":
            balance = decoded(await bench.chain.get_account(ata(user, pool.mint(side))), TokenAccount).amount
            receipt = await bench.checked_deposit(pool, trader, side, data.draw(_amount(min(balance, 10**9)),
                                                                                "amount"))
        elif kind == "withdraw":
            lp = decoded(await bench.chain.get_account(ata(user, pool.lp_mint(side))), TokenAccount).amount
            receipt = await bench.checked_withdraw(pool, trader, side, data.draw(_amount(lp), "LP amount"))
        else:
            amount_in, receipt = await _random_swap(data, bench, pool, trader, state, side)
            if receipt.ok:
                surplus += frt_math.swap_surplus(amount_in, *frt_math.swap_ratios(
                    state.ratio_a_numerator, state.ratio_b_denominator, side))
        failed = receipt.failure
        event(f"{kind}: {'ok' if failed is None else OnChainError(failed.kind, failed.custom_code)}")
    await _check_pool_invariants(bench, pool, surplus)


async def _random_swap(data: st.DataObject, bench: Bench, pool: PoolAddresses, trader: Wallet, state: PoolState,
                       side: Side) -> tuple[int, Receipt]:
    """Swap a drawn input (a whole number of exact steps, sometimes, in exact pools) expecting frt.math's
    output, sometimes off by one."""
    r_in, r_out = frt_math.swap_ratios(state.ratio_a_numerator, state.ratio_b_denominator, side)
    covered = ((state.liquidity(side.other) + 1) * r_in - 1) // r_out  # largest input the output side covers
    amount_in = data.draw(_amount(covered), "amount in")
    if PoolFlag.EXACT_EXCHANGE_REQUIRED in state.flags and data.draw(st.booleans(), "round to the exact step"):
        step = frt_math.exact_input_step(r_in, r_out)
        amount_in = max(step, amount_in - amount_in % step)
    try:
        expected = frt_math.pool_swap_output(state, side, amount_in)
    except frt_math.SwapRejected:
        expected = 0
    expected += data.draw(st.sampled_from([0] * 8 + [1, -1]), "error in expected_amount_out")
    return amount_in, await bench.checked_swap(pool, trader, side, amount_in, max(0, expected))
