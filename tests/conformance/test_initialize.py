"""Success paths of InitializeProgram, InitializePool and GetVersion: every byte of every account they
create or touch, the SOL they move, and the log lines clients parse (frt-contract.md §2.3, §3, §4.5, §4.6)."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import pytest

from pytest_fixedratio.chain.base import AccountState
from pytest_fixedratio.frt import builders, pdas
from pytest_fixedratio.frt import constants as c
from pytest_fixedratio.frt import math as frt_math
from pytest_fixedratio.frt.constants import PoolFlag, RatioType, Side
from pytest_fixedratio.frt.state import MainTreasuryState, Mint, PoolState, SystemState, TokenAccount
from pytest_fixedratio.sol import ids
from pytest_fixedratio.sol.instruction import AccountMeta
from tests.conformance.conftest import (
    NETWORK_FEE,
    SOL,
    Bench,
    account_differences,
    decoded,
    pool_accounts,
    pool_id_line,
    program_log_lines,
    seeded,
    system_accounts,
)

pytestmark = pytest.mark.asyncio

SYSTEM_STATE_RENT = 1_468_560
TREASURY_RENT = 1_837_440
POOL_STATE_RENT = 3_939_360
TOKEN_ACCOUNT_RENT = 2_039_280
MINT_RENT = 1_461_600


async def test_rent_figures_of_the_contract_match_the_chain(bench: Bench) -> None:
    """The literal rents used below come from §2.3/§4.5; frt.math and the chain must agree with them."""
    sizes = (c.SYSTEM_STATE_LEN, c.MAIN_TREASURY_LEN, c.POOL_STATE_LEN, ids.TOKEN_ACCOUNT_LEN, ids.MINT_LEN)
    figures = [SYSTEM_STATE_RENT, TREASURY_RENT, POOL_STATE_RENT, TOKEN_ACCOUNT_RENT, MINT_RENT]
    assert [frt_math.rent(n) for n in sizes] == figures
    assert [await bench.chain.rent_exempt_minimum(n) for n in sizes] == figures
    assert frt_math.pool_creation_rent() == 10_941_120


# -- InitializeProgram -------------------------------------------------------------------------------------


async def test_initialize_program_creates_system_state_and_treasury(bench: Bench) -> None:
    authority = bench.chain.upgrade_authority
    admin = seeded("designated-admin").address
    state_address, treasury_address = system_accounts(bench.program_id)
    receipt = await bench.chain.send(
        [builders.initialize_program(bench.program_id, authority.address, admin_authority=admin)], [authority],
        watch=(authority.address, state_address, treasury_address))
    assert receipt.ok, (receipt.failure, receipt.logs)
    assert receipt.before[state_address] is None and receipt.before[treasury_address] is None
    state = SystemState(is_paused=False, pause_timestamp=0, pause_reason_code=0, admin_authority=admin,
                        pending_admin_authority=admin, admin_change_timestamp=receipt.unix_timestamp)
    assert receipt.after[state_address] == AccountState(SYSTEM_STATE_RENT, bench.program_id, state.encode())
    raw = receipt.after[state_address]
    assert raw is not None and len(raw.data) == c.SYSTEM_STATE_LEN
    assert raw.data[42] == 1 and raw.data[43:75] == admin  # Option tag Some, then the pending admin
    assert int.from_bytes(raw.data[75:83], "little") == receipt.unix_timestamp
    assert receipt.after[treasury_address] == AccountState(TREASURY_RENT, bench.program_id, bytes(c.MAIN_TREASURY_LEN))
    assert decoded(receipt.after[treasury_address], MainTreasuryState) == MainTreasuryState()
    assert receipt.lamport_change(authority.address) == -(SYSTEM_STATE_RENT + TREASURY_RENT + NETWORK_FEE)
    assert receipt.fee == NETWORK_FEE


@pytest.mark.parametrize("program_data", ["system program", "system state PDA"])
async def test_initialize_program_accepts_any_signer_when_program_data_is_not_loader_owned(
        bench: Bench, program_data: str) -> None:
    """Quirk 8.3: the upgrade-authority check passes for any signer given a non-loader "program data"."""
    stranger = await bench.wallet("stranger")
    fake = ids.SYSTEM_PROGRAM_ID if program_data == "system program" else pdas.system_state(bench.program_id)[0]
    state_address = pdas.system_state(bench.program_id)[0]
    receipt = await bench.chain.send(
        [builders.initialize_program(bench.program_id, stranger.address, program_data=fake)], [stranger],
        watch=(state_address,))
    assert receipt.ok, (receipt.failure, receipt.logs)
    assert decoded(receipt.after[state_address], SystemState).admin_authority == stranger.address


# -- InitializePool ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("decimals", "rate", "flags", "ratio_type"), [
    pytest.param((6, 6), 2, 0, RatioType.SIMPLE, id="simple-6-6"),
    pytest.param((6, 6), Fraction(5, 2), 0, RatioType.DECIMAL, id="decimal-6-6"),
    pytest.param((0, 9), 1, 0, RatioType.SIMPLE, id="simple-0-9"),
    pytest.param((2, 9), Fraction(3, 2), PoolFlag.EXACT_EXCHANGE_REQUIRED, RatioType.DECIMAL, id="exact-2-9"),
    pytest.param((6, 6), 1000, 0xFF, RatioType.SIMPLE, id="all-flag-bits"),
])
async def test_initialize_pool_creates_every_account(program: Bench, decimals: tuple[int, int],
                                                     rate: Fraction | int, flags: int, ratio_type: RatioType
                                                     ) -> None:
    """`decimals` are (token A, token B); `rate` is B display units per A display unit."""
    bench = program
    mints = await bench.create_sorted_mints("pool-mint", *decimals)
    decimals_of = dict(zip(mints, decimals, strict=True))
    pool = bench.pool_addresses(mints[0], decimals[0], mints[1], decimals[1], rate)
    assert (pool.token_a_mint, pool.token_b_mint) == mints
    assert frt_math.get_ratio_type(pool.ratio_a, pool.ratio_b, *decimals) is ratio_type
    creator = await bench.wallet("creator", 10 * SOL)
    state_address, treasury_address = system_accounts(bench.program_id)
    watch = (creator.address, state_address, treasury_address, *pool_accounts(pool))
    receipt = await bench.chain.send([builders.initialize_pool(creator.address, pool, flags=flags)], [creator],
                                     watch=watch)
    assert receipt.ok, (receipt.failure, receipt.logs)
    after = receipt.after
    simple = ratio_type is RatioType.SIMPLE
    created = PoolState.created(pool, creator.address, simple_ratio=simple, creation_flags=flags)
    assert created.flags == (PoolFlag.SIMPLE_RATIO if simple else 0) | (flags & 0b0110_0000)
    assert after[pool.pool] == AccountState(POOL_STATE_RENT, bench.program_id, created.encode())
    for side in Side:
        vault = TokenAccount(mint=pool.mint(side), owner=pool.pool, amount=0)
        lp_mint = Mint(mint_authority=pool.pool, supply=0, decimals=decimals_of[pool.mint(side)],
                       freeze_authority=None)
        assert after[pool.vault(side)] == AccountState(TOKEN_ACCOUNT_RENT, ids.TOKEN_PROGRAM_ID, vault.encode())
        assert after[pool.lp_mint(side)] == AccountState(MINT_RENT, ids.TOKEN_PROGRAM_ID, lp_mint.encode())
    treasury_before = receipt.before[treasury_address]
    assert treasury_before is not None
    treasury_lamports = treasury_before.lamports + c.REGISTRATION_FEE
    old = decoded(treasury_before, MainTreasuryState)
    treasury = replace(old, pool_creation_count=old.pool_creation_count + 1,
                       total_pool_creation_fees=old.total_pool_creation_fees + c.REGISTRATION_FEE,
                       last_update_timestamp=receipt.unix_timestamp, total_balance=treasury_lamports)
    assert after[treasury_address] == replace(treasury_before, lamports=treasury_lamports, data=treasury.encode())
    assert receipt.lamport_change(creator.address) == -(c.REGISTRATION_FEE + 10_941_120 + NETWORK_FEE)
    untouched = (state_address, pool.token_a_mint, pool.token_b_mint)
    assert not account_differences(after, {a: receipt.before[a] for a in untouched})
    assert pool_id_line(pool, "Simple" if simple else "Decimal") in program_log_lines(receipt)


async def test_treasury_counts_every_pool_creation(program: Bench) -> None:
    """G1/G2: the treasury holds its rent plus 1.15 SOL per pool, and its counters say so."""
    bench = program
    x, y = await bench.create_mint("count-x", 6), await bench.create_mint("count-y", 6)
    for rate in (1, 2, 3):
        await bench.create_pool(bench.pool_addresses(x, 6, y, 6, rate))
    treasury = await bench.chain.get_account(pdas.main_treasury(bench.program_id)[0])
    assert treasury is not None and treasury.lamports == TREASURY_RENT + 3 * c.REGISTRATION_FEE
    state = decoded(treasury, MainTreasuryState)
    assert (state.pool_creation_count, state.total_pool_creation_fees, state.total_balance) == (
        3, 3 * c.REGISTRATION_FEE, treasury.lamports)


async def test_lp_decimals_follow_the_mint_accounts_as_passed(program: Bench) -> None:
    """Quirk 8.2: with accounts [7]/[8] unsorted the pool is still created, each LP mint taking the other
    side's decimals, while vaults and the PDA use the sorted mints."""
    bench = program
    zero, nine = await bench.create_mint("quirk-zero", 0), await bench.create_mint("quirk-nine", 9)
    pool = bench.pool_addresses(zero, 0, nine, 9, 1)
    sorted_ix = builders.initialize_pool(bench.core.address, pool)
    metas: list[AccountMeta] = list(sorted_ix.accounts)
    metas[7], metas[8] = metas[8], metas[7]
    await bench.send_ok([replace(sorted_ix, accounts=tuple(metas))], [bench.core])
    decimals_of = {zero: 0, nine: 9}
    for side in Side:
        lp_mint = decoded(await bench.chain.get_account(pool.lp_mint(side)), Mint)
        assert lp_mint.decimals == decimals_of[pool.mint(side.other)]
        assert decoded(await bench.chain.get_account(pool.vault(side)), TokenAccount).mint == pool.mint(side)


# -- GetVersion --------------------------------------------------------------------------------------------


async def test_get_version_logs_name_version_and_upstream_program_id(bench: Bench) -> None:
    caller = await bench.wallet("version-caller")
    receipt = await bench.chain.send([builders.get_version(bench.program_id)], [caller], watch=(caller.address,))
    assert receipt.ok
    lines = program_log_lines(receipt)
    assert lines[lines.index("Contract Name: fixed-ratio-trading") + 1] == "Contract Version: 0.17.1070"
    assert f"Program ID: {c.PROGRAM_ID_LOCALNET}" in lines  # hard-coded upstream, wherever it runs
    assert bench.program_id != c.PROGRAM_ID_LOCALNET
    assert receipt.lamport_change(caller.address) == -NETWORK_FEE
