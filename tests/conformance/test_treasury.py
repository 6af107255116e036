"""Phase 2, the treasury: WithdrawTreasuryFees (15) on the reference program (frt-contract.md 4.8, 4.10, 8.6):
its amount rules, the hourly cap and window, and the block after a system unpause."""

from __future__ import annotations

import pytest

from pytest_fixedratio.chain.base import Receipt
from pytest_fixedratio.chain.litesvm import LiteSvmChain
from pytest_fixedratio.frt import builders, pdas
from pytest_fixedratio.frt import constants as c
from pytest_fixedratio.frt import math as frt_math
from pytest_fixedratio.frt.constants import Side
from pytest_fixedratio.frt.state import MainTreasuryState
from pytest_fixedratio.sol.address import Address
from pytest_fixedratio.sol.keys import Wallet

from .conftest import SOL, Market, decoded, error_name

pytestmark = pytest.mark.asyncio
HOUR = 3600
RESTART_PENALTY_S = 255_600
MIN_WITHDRAWAL = 10_000_000


def _treasury(m: Market) -> Address:
    return pdas.main_treasury(m.program_id)[0]


async def _available(m: Market) -> int:
    return await m.bench.chain.get_balance(_treasury(m)) - frt_math.rent(c.MAIN_TREASURY_LEN)


async def _withdraw(m: Market, amount: int, destination: Wallet) -> Receipt:
    admin = m.bench.chain.upgrade_authority
    instruction = builders.withdraw_treasury_fees(m.program_id, admin.address, amount, destination.address)
    return await m.bench.chain.send([instruction], [admin], watch=(destination.address, _treasury(m)))


async def test_amounts_move_lamports_and_the_books_once_an_hour(market: Market) -> None:
    m = market
    to = await m.bench.wallet("treasury-destination", SOL)
    available = await _available(m)
    assert available == 2 * c.REGISTRATION_FEE, "the market's two pools paid their registration"
    assert error_name(await _withdraw(m, MIN_WITHDRAWAL - 1, to), m.program_id) == "InvalidInstructionData"
    assert error_name(await _withdraw(m, available + 1, to), m.program_id) == "InsufficientFunds"
    taken = await _withdraw(m, SOL, to)
    assert taken.ok, taken.logs
    assert taken.lamport_change(to.address) == SOL and taken.lamport_change(_treasury(m)) == -SOL
    treasury = taken.after[_treasury(m)]
    assert treasury is not None
    books = decoded(treasury, MainTreasuryState)
    assert (books.treasury_withdrawal_count, books.total_withdrawn) == (1, SOL)
    assert books.last_withdrawal_timestamp == books.last_update_timestamp == taken.unix_timestamp
    assert books.total_balance == treasury.lamports
    again = await _withdraw(m, MIN_WITHDRAWAL, to)
    assert error_name(again, m.program_id) == "InvalidInstructionData", "one withdrawal per rolling hour"


async def test_the_hourly_cap_is_ten_sol_while_the_books_hold_less_than_480(market: Market) -> None:
    """Lamports sent straight to the treasury are available but leave its cached balance, and so the tier of
    the cap, as they were: 10 SOL an hour."""
    m = market
    to = await m.bench.wallet("treasury-destination", SOL)
    await m.bench.chain.airdrop(_treasury(m), 20 * SOL)
    assert error_name(await _withdraw(m, 10 * SOL + 1, to), m.program_id) == "InvalidInstructionData"
    assert (await _withdraw(m, 10 * SOL, to)).ok


async def test_a_system_pause_blocks_withdrawals_and_its_end_blocks_them_72_hours(timed_market: Market) -> None:
    """Paused: every blocked instruction, the withdrawal included, fails with 1023 while a view runs. Unpaused:
    the withdrawal stays refused through the 71-hour penalty and the hour after it, then goes through."""
    m, admin = timed_market, timed_market.bench.chain.upgrade_authority
    chain = m.bench.chain
    assert isinstance(chain, LiteSvmChain)
    to = await m.bench.wallet("treasury-destination", SOL)
    assert (await chain.send([builders.pause_system(m.program_id, admin.address, 2)], [admin])).ok
    blocked = [([builders.deposit(m.pool, m.trader.address, Side.A, 10)], m.trader),
               ([builders.swap(m.pool, m.trader.address, Side.A, 10, 25)], m.trader)]
    for instructions, signer in blocked:
        assert error_name(await chain.send(instructions, [signer]), m.program_id) == "SystemPaused"
    assert error_name(await _withdraw(m, SOL, to), m.program_id) == "SystemPaused"
    assert (await chain.send([builders.get_version(m.program_id)], [m.trader])).ok
    unpaused = await chain.send([builders.unpause_system(m.program_id, admin.address)], [admin])
    assert unpaused.ok
    for wait in (HOUR, RESTART_PENALTY_S - HOUR, HOUR - 1):  # at 1 h, at 71 h, a second before 72 h
        await chain.advance_clock(wait)
        refused = await _withdraw(m, SOL, to)
        assert error_name(refused, m.program_id) == "InvalidInstructionData", refused.unix_timestamp
    await chain.advance_clock(1)
    allowed = await _withdraw(m, SOL, to)
    assert allowed.ok and allowed.unix_timestamp == unpaused.unix_timestamp + RESTART_PENALTY_S + HOUR


async def test_a_donation_of_at_least_a_tenth_of_a_sol_is_booked(market: Market) -> None:
    m = market
    donor = await m.bench.wallet("donor", 5 * SOL)
    treasury = _treasury(m)
    gift = await m.bench.chain.send([builders.donate_sol(m.program_id, donor.address, SOL // 2, "for the tests ✓")],
                                    [donor], watch=(donor.address, treasury))
    assert gift.ok, gift.logs
    assert gift.lamport_change(treasury) == SOL // 2 and gift.lamport_change(donor.address) == -(SOL // 2) - gift.fee
    after = gift.after[treasury]
    assert after is not None
    books = decoded(after, MainTreasuryState)
    assert (books.donation_count, books.total_donations, books.total_balance) == (1, SOL // 2, after.lamports)
    assert books.last_update_timestamp == gift.unix_timestamp
    small = await m.bench.chain.send([builders.donate_sol(m.program_id, donor.address, SOL // 10 - 1)], [donor])
    assert error_name(small, m.program_id) == "InvalidArgument"
    too_much = await m.bench.chain.send([builders.donate_sol(m.program_id, donor.address, 10 * SOL)], [donor])
    assert error_name(too_much, m.program_id) == "InsufficientFunds"
