"""MUST-SHOW: a pool between a 0-decimal and a 9-decimal token at 1 : 1_000_000_000 base units trades exactly as
frt.math predicts, in both directions, and a swap with a wrong expected amount fails with 1047 and costs only
the network fee."""

from __future__ import annotations

import pytest

from pytest_fixedratio.frt import builders
from pytest_fixedratio.frt import math as frt_math
from pytest_fixedratio.frt.constants import PoolFlag, Side
from pytest_fixedratio.frt.errors import TransactionFailure
from pytest_fixedratio.frt.state import Mint, PoolState, TokenAccount
from tests.conformance.conftest import (
    AMOUNT_MISMATCH,
    NETWORK_FEE,
    USER_TOKENS,
    Bench,
    account_differences,
    ata,
    decoded,
    operation_watch,
    pool_id_line,
    predict_swap,
    program_log_lines,
)

pytestmark = pytest.mark.asyncio

NINE = 1_000_000_000
"""Base units of the 9-decimal token worth one base unit (= one whole token) of the 0-decimal token."""


@pytest.mark.parametrize("zero_side", list(Side), ids=["zero-decimal-token-is-A", "zero-decimal-token-is-B"])
async def test_zero_and_nine_decimal_pool_trades_exactly_as_predicted(program: Bench, zero_side: Side) -> None:
    bench = program
    decimals = (0, 9) if zero_side is Side.A else (9, 0)
    mint_a, mint_b = await bench.create_sorted_mints("zero-nine", *decimals)
    zero, nine = (mint_a, mint_b) if zero_side is Side.A else (mint_b, mint_a)
    nine_side = zero_side.other
    pool = bench.pool_addresses(zero, 0, nine, 9, 1)  # 1 whole token = 1 whole token
    ratio = {Side.A: pool.ratio_a, Side.B: pool.ratio_b}
    assert (ratio[zero_side], ratio[nine_side]) == (1, NINE)
    created = await bench.create_pool(pool)
    assert pool_id_line(pool, "Simple") in program_log_lines(created)
    state = decoded(await bench.chain.get_account(pool.pool), PoolState)
    assert state.flags == PoolFlag.SIMPLE_RATIO
    assert [decoded(await bench.chain.get_account(pool.lp_mint(s)), Mint).decimals for s in (zero_side, nine_side)
            ] == [0, 9]
    user = await bench.trader("zero-nine-trader", pool)

    await bench.checked_deposit(pool, user, zero_side, 5)
    await bench.checked_deposit(pool, user, nine_side, 7 * NINE)
    state = decoded(await bench.chain.get_account(pool.pool), PoolState)
    zero_to_nine = frt_math.pool_swap_output(state, zero_side, 2)
    nine_to_zero = frt_math.pool_swap_output(state, nine_side, 3 * NINE // 2)
    assert (zero_to_nine, nine_to_zero) == (2 * NINE, 1)  # 1.5 whole tokens buy 1: the half stays in the pool
    await bench.checked_swap(pool, user, zero_side, 2, zero_to_nine)
    await bench.checked_swap(pool, user, nine_side, 3 * NINE // 2, nine_to_zero)
    await bench.checked_withdraw(pool, user, zero_side, 3)
    await bench.checked_withdraw(pool, user, nine_side, NINE)

    final = decoded(await bench.chain.get_account(pool.pool), PoolState)
    assert (final.liquidity(zero_side), final.liquidity(nine_side)) == (5 + 2 - 1 - 3,
                                                                         7 * NINE - 2 * NINE + 3 * NINE // 2 - NINE)
    balances = [decoded(await bench.chain.get_account(ata(user.address, m)), TokenAccount).amount
                for m in (zero, nine, pool.lp_mint(zero_side), pool.lp_mint(nine_side))]
    assert balances == [USER_TOKENS - 5 - 2 + 1 + 3, USER_TOKENS - 7 * NINE + 2 * NINE - 3 * NINE // 2 + NINE,
                        5 - 3, 7 * NINE - NINE]
    lp_supplies = [decoded(await bench.chain.get_account(pool.lp_mint(s)), Mint).supply for s in Side]
    surplus = frt_math.conservation_value(final.ratio_a_numerator, final.ratio_b_denominator,
                                          final.total_token_a_liquidity, final.total_token_b_liquidity, *lp_supplies)
    assert surplus == (3 * NINE // 2) * 1 % NINE == NINE // 2  # I2: only the 9→0 swap left a remainder


@pytest.mark.parametrize("input_side", list(Side))
async def test_zero_and_nine_decimal_swap_with_wrong_expectation_fails_with_1047(program: Bench, input_side: Side
                                                                                ) -> None:
    bench = program
    mint_a, mint_b = await bench.create_sorted_mints("zero-nine", 0, 9)
    pool = bench.pool_addresses(mint_a, 0, mint_b, 9, 1)
    await bench.create_pool(pool)
    user = await bench.trader("zero-nine-trader", pool)
    for side, amount in ((Side.A, 10), (Side.B, 10 * NINE)):
        await bench.deposit(pool, user, side, amount)
    amount_in = 1 if input_side is Side.A else NINE
    right = 1 if input_side is Side.B else NINE
    for wrong in (right - 1, right + 1):
        before = await bench.accounts(operation_watch(pool, user.address))
        prediction = predict_swap(before, pool, user.address, input_side, amount_in, wrong)
        assert prediction.error == AMOUNT_MISMATCH
        receipt = await bench.run([builders.swap(pool, user.address, input_side, amount_in, wrong)], [user],
                                  prediction)
        assert receipt.failure == TransactionFailure("Custom", 0, 1047)
        assert receipt.lamport_change(user.address) == -NETWORK_FEE
        unchanged = {address: account for address, account in before.items() if address != user.address}
        assert not account_differences(receipt.after, unchanged)
