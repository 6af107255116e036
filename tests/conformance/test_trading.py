"""Success paths of Deposit, Withdraw and Swap (I3-I8): each receipt must leave every watched account of the
market exactly as the oracle predicts, and the concrete figures are spelled out once more by hand."""

from __future__ import annotations

from dataclasses import replace

import pytest

from pytest_fixedratio.frt import builders
from pytest_fixedratio.frt import constants as c
from pytest_fixedratio.frt import instruction_data as ix
from pytest_fixedratio.frt import math as frt_math
from pytest_fixedratio.frt.constants import PoolFlag, Side
from pytest_fixedratio.frt.errors import CUSTOM, FrtErrorCode, OnChainError, SplTokenError, TransactionFailure
from pytest_fixedratio.frt.state import Mint, PoolState, TokenAccount
from pytest_fixedratio.sol import programs
from tests.conformance.conftest import (
    MAIN_DECIMALS,
    NETWORK_FEE,
    POOL_LIQUIDITY,
    TRADER_LP,
    USER_TOKENS,
    Market,
    ata,
    decoded,
    failure,
    operation_watch,
    pool_accounts,
    predict_swap,
    program_log_lines,
)

pytestmark = pytest.mark.asyncio

UPSTREAM_CU_LIMITS = {"deposit": 310_000, "withdraw": 290_000, "swap": 250_000}
"""Compute unit limits clients size for upstream v0.17 (frt-contract.md §7): the program must fit them."""


async def _state(m: Market) -> PoolState:
    return decoded(await m.bench.chain.get_account(m.pool.pool), PoolState)


@pytest.mark.parametrize("side", list(Side))
async def test_deposit_mints_exactly_the_amount_as_lp_and_charges_the_liquidity_fee(market: Market, side: Side
                                                                                    ) -> None:
    m, amount = market, 123_456
    receipt = await m.bench.checked_deposit(m.pool, m.trader, side, amount, watch=m.watched())
    after, user = receipt.after, m.trader.address
    assert decoded(after[ata(user, m.pool.mint(side))], TokenAccount).amount == USER_TOKENS - TRADER_LP - amount
    assert decoded(after[ata(user, m.pool.lp_mint(side))], TokenAccount).amount == TRADER_LP + amount
    assert decoded(after[m.pool.vault(side)], TokenAccount).amount == POOL_LIQUIDITY + TRADER_LP + amount
    assert decoded(after[m.pool.lp_mint(side)], Mint).supply == POOL_LIQUIDITY + TRADER_LP + amount
    assert decoded(after[m.pool.pool], PoolState).liquidity(side) == POOL_LIQUIDITY + TRADER_LP + amount
    assert receipt.lamport_change(m.pool.pool) == c.DEPOSIT_WITHDRAWAL_FEE == 13_000_000
    assert receipt.lamport_change(user) == -(13_000_000 + NETWORK_FEE)
    assert "✅ DEPOSIT SUCCESS: 123456 tokens → 123456 LP tokens" in program_log_lines(receipt)


@pytest.mark.parametrize("side", list(Side))
async def test_withdraw_burns_lp_and_returns_the_same_side(market: Market, side: Side) -> None:
    m = market
    receipt = await m.bench.checked_withdraw(m.pool, m.trader, side, 4_321, watch=m.watched())
    after, user = receipt.after, m.trader.address
    assert decoded(after[ata(user, m.pool.lp_mint(side))], TokenAccount).amount == TRADER_LP - 4_321
    assert decoded(after[ata(user, m.pool.mint(side))], TokenAccount).amount == USER_TOKENS - TRADER_LP + 4_321
    assert decoded(after[m.pool.pool], PoolState).liquidity(side) == POOL_LIQUIDITY + TRADER_LP - 4_321
    assert receipt.lamport_change(user) == -(13_000_000 + NETWORK_FEE)
    assert "✅ WITHDRAW SUCCESS: 4321 LP tokens → 4321 tokens" in program_log_lines(receipt)


async def test_withdrawing_the_whole_lp_balance_empties_the_lp_account(market: Market) -> None:
    m = market
    receipt = await m.bench.checked_withdraw(m.pool, m.trader, Side.B, TRADER_LP, watch=m.watched())
    assert decoded(receipt.after[ata(m.trader.address, m.pool.lp_b_mint)], TokenAccount).amount == 0


@pytest.mark.parametrize(("side", "amount_in"), [(Side.A, 1_000), (Side.A, 7), (Side.B, 2_501), (Side.B, 3)])
async def test_swap_pays_floor_of_the_fixed_ratio_and_keeps_the_remainder(market: Market, side: Side,
                                                                          amount_in: int) -> None:
    m = market
    state = await _state(m)
    r_in, r_out = (state.ratio_a_numerator, state.ratio_b_denominator)[:: 1 if side is Side.A else -1]
    out = amount_in * r_out // r_in
    assert out == frt_math.pool_swap_output(state, side, amount_in) > 0
    receipt = await m.bench.checked_swap(m.pool, m.trader, side, amount_in, out, watch=m.watched())
    after = decoded(receipt.after[m.pool.pool], PoolState)
    assert after.liquidity(side) == state.liquidity(side) + amount_in
    assert after.liquidity(side.other) == state.liquidity(side.other) - out
    assert receipt.lamport_change(m.pool.pool) == c.SWAP_CONTRACT_FEE == 271_500
    assert receipt.lamport_change(m.trader.address) == -(271_500 + NETWORK_FEE)
    assert f"📈 SUMMARY: {amount_in} → {out} tokens, Fee: 271500 lamports" in program_log_lines(receipt)
    supplies = [decoded(receipt.after[m.pool.lp_mint(s)], Mint).supply for s in Side]
    conservation = [frt_math.conservation_value(s.ratio_a_numerator, s.ratio_b_denominator,
                                                s.total_token_a_liquidity, s.total_token_b_liquidity, *supplies)
                    for s in (state, after)]
    assert conservation[1] - conservation[0] == amount_in * r_out % r_in  # I2


async def test_swap_direction_comes_from_the_input_account_not_the_mint_field(market: Market) -> None:
    """Quirk 8.8: the instruction names token B as input, account [7] holds token A: an A→B swap runs."""
    m, amount_in = market, 10_000
    state = await _state(m)
    out = frt_math.pool_swap_output(state, Side.A, amount_in)
    swap = builders.swap(m.pool, m.trader.address, Side.A, amount_in, out)
    misleading = ix.Swap(m.pool.token_b_mint, amount_in, out, m.pool.pool).encode()
    before = await m.bench.accounts(m.watched())
    await m.bench.run([replace(swap, data=misleading)], [m.trader],
                      predict_swap(before, m.pool, m.trader.address, Side.A, amount_in, out))


async def test_exact_exchange_pool_swaps_clean_multiples(market: Market) -> None:
    m = market
    state = decoded(await m.bench.chain.get_account(m.exact_pool.pool), PoolState)
    for side in Side:
        r_in, r_out = frt_math.swap_ratios(state.ratio_a_numerator, state.ratio_b_denominator, side)
        amount_in = 7 * frt_math.exact_input_step(r_in, r_out)
        out = frt_math.pool_swap_output(state, side, amount_in)
        await m.bench.checked_swap(m.exact_pool, m.trader, side, amount_in, out, watch=m.watched())


async def test_owner_only_pool_lets_only_its_creator_swap(market: Market) -> None:
    """Flag 32 set at creation (8.4): the creator (pool.owner) swaps, anyone else gets 1028; deposits ignore
    the flag."""
    m = market
    pool = m.bench.pool_addresses(m.pool.token_a_mint, MAIN_DECIMALS, m.pool.token_b_mint, MAIN_DECIMALS, 4)
    await m.bench.create_pool(pool, flags=PoolFlag.SWAP_FOR_OWNERS_ONLY)
    await m.bench.open_token_accounts(m.core.address, (pool.lp_a_mint, pool.lp_b_mint))
    for side in Side:
        await m.bench.checked_deposit(pool, m.core, side, POOL_LIQUIDITY)
    watch = (*m.watched(), *pool_accounts(pool))
    await m.bench.open_token_accounts(m.trader.address, (pool.lp_a_mint,))
    await m.bench.checked_deposit(pool, m.trader, Side.A, 1_000, watch=watch)
    out = frt_math.swap_output(1_000, pool.ratio_a, pool.ratio_b)
    before = await m.bench.accounts((*operation_watch(pool, m.trader.address), *watch))
    await m.bench.run([builders.swap(pool, m.trader.address, Side.A, 1_000, out)], [m.trader],
                      failure(before, m.trader.address, OnChainError(CUSTOM, FrtErrorCode.SwapAccessRestricted)))
    await m.bench.checked_swap(pool, m.core, Side.A, 1_000, out, watch=watch)


async def test_lp_of_a_side_drained_by_swaps_cannot_all_be_redeemed(market: Market) -> None:
    """G6 and §6.4: once swaps took token A out, LP-A holders are served first come, first served; a later
    withdrawal fails in SPL Token's transfer out of the vault, or, if someone sent tokens straight into the
    vault, on the tracked total; either way it changes nothing."""
    m = market
    state = await _state(m)
    take = state.liquidity(Side.A)
    r_in, r_out = frt_math.swap_ratios(state.ratio_a_numerator, state.ratio_b_denominator, Side.B)
    amount_in = ((take + 1) * r_in - 1) // r_out  # the largest input whose output the liquidity covers
    out = frt_math.swap_output(amount_in, r_in, r_out)
    await m.bench.checked_swap(m.pool, m.trader, Side.B, amount_in, out, watch=m.watched())
    left = decoded(await m.bench.chain.get_account(m.pool.token_a_vault), TokenAccount).amount
    assert left == take - out < TRADER_LP
    receipt = await m.bench.checked_withdraw(m.pool, m.trader, Side.A, TRADER_LP, watch=m.watched())
    assert receipt.failure is not None and receipt.failure.custom_code == SplTokenError.InsufficientFunds
    # Tokens sent straight into the vault (I1's safe form VA >= TA) let the transfer out succeed; the tracked
    # total then refuses the withdrawal with ArithmeticOverflow, after both CPIs (§2.3 Withdraw).
    core = m.core.address
    await m.bench.send_ok([programs.transfer(ata(core, m.pool.token_a_mint), m.pool.token_a_vault, core, TRADER_LP)],
                          [m.core])
    receipt = await m.bench.checked_withdraw(m.pool, m.trader, Side.A, TRADER_LP, watch=m.watched())
    assert receipt.failure == TransactionFailure("ArithmeticOverflow", 0)


async def test_compute_units_fit_the_budgets_clients_size_for_upstream(market: Market) -> None:
    m = market
    state = await _state(m)
    receipts = {
        "deposit": await m.bench.checked_deposit(m.pool, m.trader, Side.A, 1_000),
        "withdraw": await m.bench.checked_withdraw(m.pool, m.trader, Side.A, 1_000),
        "swap": await m.bench.checked_swap(m.pool, m.trader, Side.A, 1_000,
                                           frt_math.pool_swap_output(state, Side.A, 1_000)),
    }
    for name, receipt in receipts.items():
        assert 0 < receipt.compute_units <= UPSTREAM_CU_LIMITS[name], (name, receipt.compute_units)
