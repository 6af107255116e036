"""The log-only views on the reference program: GetPoolStatePDA (5), GetTokenVaultPDAs (6), GetPoolInfo (7),
GetPoolPauseStatus (8), GetLiquidityInfo (9), GetFeeInfo (10), GetPoolSolBalance (11), GetTreasuryInfo (16) and
GetConsolidationStatus (18) (frt-contract.md 2.3 "Views", 7, 8.12; line formats in program/README.md).

A view answers only in log lines, so each test predicts the exact lines from the accounts it reads itself, and
the oracle of conftest checks that the transaction changed nothing but the payer's network fee. GetPoolInfo,
GetLiquidityInfo and GetFeeInfo compare the PoolState owner with the compile-time program id 4aeVqtWh…: they
fail with IncorrectProgramId wherever the harness deploys the program and work where LiteSVM puts it at that id.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, fields, replace
from functools import cache
from typing import Final

import pytest
import pytest_asyncio
from hypothesis import given
from hypothesis import strategies as st

from pytest_fixedratio.chain.base import AccountMap, AccountState, Receipt
from pytest_fixedratio.chain.convert import to_pubkey
from pytest_fixedratio.chain.litesvm import BUNDLED_PROGRAM, LiteSvmChain
from pytest_fixedratio.errors import DecodeError
from pytest_fixedratio.frt import builders, pdas
from pytest_fixedratio.frt import constants as c
from pytest_fixedratio.frt import instruction_data as ixd
from pytest_fixedratio.frt import math as frt_math
from pytest_fixedratio.frt.constants import PauseFlag, PoolFlag, Side
from pytest_fixedratio.frt.errors import OnChainError
from pytest_fixedratio.frt.pdas import PoolAddresses
from pytest_fixedratio.frt.state import MainTreasuryState, PoolState
from pytest_fixedratio.sol import ids
from pytest_fixedratio.sol.address import Address
from pytest_fixedratio.sol.instruction import Instruction, ro
from pytest_fixedratio.sol.keys import Wallet

from .conftest import (
    CORE_LAMPORTS,
    MAIN_DECIMALS,
    NETWORK_FEE,
    POOL_LIQUIDITY,
    Bench,
    Expected,
    Market,
    Prediction,
    decoded,
    failure,
    program_log_lines,
    seeded,
)

DECLARED_PROGRAM_ID: Final = c.PROGRAM_ID_LOCALNET
"""The upstream build's `declare_id!`, which GetPoolInfo, GetLiquidityInfo and GetFeeInfo check owners against."""
CONSOLIDATION_RENT: Final = frt_math.rent(c.POOL_STATE_RUST_SIZE)
"""What ConsolidatePoolFees leaves in each pool: the rent of size_of::<PoolState>() (quirk 8.7)."""
MAX_POOLS: Final = c.MAX_POOLS_PER_CONSOLIDATION_BATCH

INVALID_ARGUMENT: Final = OnChainError("InvalidArgument")
INVALID_ACCOUNT_DATA: Final = OnChainError("InvalidAccountData")
INCORRECT_PROGRAM_ID: Final = OnChainError("IncorrectProgramId")
PANIC: Final = OnChainError("ProgramFailedToComplete")

pytestmark = pytest.mark.asyncio

Lines = list[str]
Outcome = Lines | OnChainError
"""What a view should do: log exactly these lines, or fail with this error."""
Cases = dict[str, tuple[Instruction, Outcome]]


# ---------------------------------------------------------------------------------------------------------
# Oracle: the lines each view logs, from the accounts as the test reads them


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _lamports(value: int) -> str:
    return f"{value} lamports"


def pool_state_pda_lines(program_id: Address, multiple: Address, base: Address, multiple_per_base: int) -> Lines:
    """GetPoolStatePDA's legacy mapping (§2.2): ratio (N, 1) when the multiple token sorts first, else (1, N)."""
    mint_a, mint_b = pdas.sort_mints(multiple, base)
    ratio_a, ratio_b = (multiple_per_base, 1) if bytes(multiple) < bytes(base) else (1, multiple_per_base)
    pool, bump = pdas.pool_state(program_id, mint_a, mint_b, ratio_a, ratio_b)
    return [f"Pool State PDA: {pool}", f"Pool State PDA Bump Seed: {bump}", f"Token A Mint: {mint_a}",
            f"Token B Mint: {mint_b}", f"Ratio A Numerator: {ratio_a}", f"Ratio B Denominator: {ratio_b}"]


def vault_pda_lines(program_id: Address, pool: Address) -> Lines:
    (vault_a, bump_a), (vault_b, bump_b) = pdas.token_a_vault(program_id, pool), pdas.token_b_vault(program_id, pool)
    return [f"Token A Vault PDA: {vault_a}", f"Token A Vault Bump Seed: {bump_a}", f"Token B Vault PDA: {vault_b}",
            f"Token B Vault Bump Seed: {bump_b}"]


def _pause_lines(state: PoolState) -> Lines:
    """Quirk 8.12: "Deposits: ENABLED" even when the pool's liquidity is paused."""
    return [f"Liquidity Paused: {_bool(PoolFlag.LIQUIDITY_PAUSED in state.flags)}",
            f"Swaps Paused: {_bool(PoolFlag.SWAPS_PAUSED in state.flags)}", "Deposits: ENABLED"]


def _ratio_lines(state: PoolState) -> Lines:
    return [f"Ratio A Numerator: {state.ratio_a_numerator}", f"Ratio B Denominator: {state.ratio_b_denominator}"]


def pool_info_lines(pool: Address, state: PoolState) -> Lines:
    return [f"Pool State PDA: {pool}", f"Owner: {state.owner}", f"Token A Mint: {state.token_a_mint}",
            f"Token B Mint: {state.token_b_mint}", f"Token A Vault: {state.token_a_vault}",
            f"Token B Vault: {state.token_b_vault}", f"LP Token A Mint: {state.lp_token_a_mint}",
            f"LP Token B Mint: {state.lp_token_b_mint}", *_ratio_lines(state),
            f"Pool Authority Bump Seed: {state.pool_authority_bump_seed}", f"Flags: {int(state.flags)}",
            *_pause_lines(state)]


def pause_status_lines(pool: Address, state: PoolState) -> Lines:
    return [f"Pool State PDA: {pool}", *_pause_lines(state)]


def liquidity_lines(pool: Address, state: PoolState) -> Lines:
    return [f"Pool State PDA: {pool}", f"Total Token A Liquidity: {state.total_token_a_liquidity}",
            f"Total Token B Liquidity: {state.total_token_b_liquidity}", *_ratio_lines(state)]


def fee_lines(pool: Address, state: PoolState) -> Lines:
    return [f"Pool State PDA: {pool}",
            f"Contract Liquidity Fee: {_lamports(state.contract_liquidity_fee)}",
            f"Swap Contract Fee: {_lamports(state.swap_contract_fee)}",
            f"Collected Liquidity Fees: {_lamports(state.collected_liquidity_fees)}",
            f"Collected Swap Contract Fees: {_lamports(state.collected_swap_contract_fees)}",
            f"Total SOL Fees Collected: {_lamports(state.total_sol_fees_collected)}",
            f"Total Fees Consolidated: {_lamports(state.total_fees_consolidated)}",
            f"Total Consolidations: {state.total_consolidations}",
            f"Last Consolidation Timestamp: {state.last_consolidation_timestamp}",
            f"Pending SOL Fees: {_lamports(state.pending_sol_fees)}"]


def sol_balance_lines(pool: Address, account: AccountState) -> Lines:
    state = PoolState.decode(account.data)
    return [f"Pool State PDA: {pool}", f"Pool SOL Balance: {_lamports(account.lamports)}",
            f"Pending SOL Fees: {_lamports(state.pending_sol_fees)}"]


def treasury_lines(treasury: Address, account: AccountState) -> Lines:
    """Every MainTreasuryState field under its own name in title case; a treasury that does not decode reads as
    all zero (§3.3)."""
    try:
        state = MainTreasuryState.decode(account.data)
    except DecodeError:
        state = MainTreasuryState()
    return [f"Main Treasury PDA: {treasury}", f"Treasury SOL Balance: {_lamports(account.lamports)}",
            *(f"{field.name.replace('_', ' ').title()}: {getattr(state, field.name)}"
              for field in fields(MainTreasuryState))]


def _consolidatable(account: AccountState) -> int:
    """What ConsolidatePoolFees would move from an eligible pool: pending fees above the 440-byte rent."""
    return min(PoolState.decode(account.data).pending_sol_fees, max(0, account.lamports - CONSOLIDATION_RENT))


def _eligible(account: AccountState) -> bool:
    both = PoolFlag.LIQUIDITY_PAUSED | PoolFlag.SWAPS_PAUSED
    return PoolState.decode(account.data).flags & both == both


def consolidation_lines(pools: Sequence[tuple[Address, AccountState]]) -> Lines:
    per_pool = [f"Pool {pool}: Pending SOL Fees: {_lamports(PoolState.decode(account.data).pending_sol_fees)}, "
                f"Consolidatable: {_lamports(_consolidatable(account))}, Eligible: {_bool(_eligible(account))}"
                for pool, account in pools]
    eligible = [account for _, account in pools if _eligible(account)]
    return [f"Pool Count: {len(pools)}", *per_pool, f"Eligible Pools: {len(eligible)}",
            f"Total Consolidatable: {_lamports(sum(map(_consolidatable, eligible)))}"]


# ---------------------------------------------------------------------------------------------------------
# Running a view


def _account(accounts: AccountMap, address: Address) -> AccountState:
    account = accounts[address]
    assert account is not None, f"{address} holds no account"
    return account


def _with_accounts(instruction: Instruction, *addresses: Address) -> Instruction:
    """The view with other (read-only) accounts than its builder puts in."""
    return replace(instruction, accounts=tuple(ro(address) for address in addresses))


async def _view(bench: Bench, payer: Wallet, instruction: Instruction, watch: Sequence[Address],
                expected: Outcome) -> Receipt:
    """Send one view: `expected` lines logged, or that error, and either way the watched accounts as they were
    but for the payer's network fee."""
    before = await bench.accounts((*watch, payer.address))
    if isinstance(expected, OnChainError):
        return await bench.run([instruction], [payer], failure(before, payer.address, expected))
    prediction = Prediction(Expected(before).lamports(payer.address, -NETWORK_FEE).accounts)
    receipt = await bench.run([instruction], [payer], prediction)
    assert program_log_lines(receipt) == expected, receipt.logs
    return receipt


async def _run_cases(bench: Bench, cases: Cases, watch: Sequence[Address]) -> None:
    """Every case in turn, paid by one viewer wallet; a failure names its case."""
    viewer = await bench.wallet("viewer")
    for name, (instruction, expected) in cases.items():
        try:
            await _view(bench, viewer, instruction, watch, expected)
        except AssertionError as failed:
            failed.add_note(f"case: {name}")
            raise


def _pool_view_cases(pool: PoolAddresses, accounts: AccountMap, *, declared: bool) -> Cases:
    """The five PoolState views of `pool`; those checking the compile-time id succeed only where `declared`."""
    account = _account(accounts, pool.pool)
    state = decoded(account, PoolState)

    def compile_time_checked(lines: Lines) -> Outcome:
        return lines if declared else INCORRECT_PROGRAM_ID

    return {
        "GetPoolInfo": (builders.get_pool_info(pool), compile_time_checked(pool_info_lines(pool.pool, state))),
        "GetPoolPauseStatus": (builders.get_pool_pause_status(pool), pause_status_lines(pool.pool, state)),
        "GetLiquidityInfo": (builders.get_liquidity_info(pool),
                             compile_time_checked(liquidity_lines(pool.pool, state))),
        "GetFeeInfo": (builders.get_fee_info(pool), compile_time_checked(fee_lines(pool.pool, state))),
        "GetPoolSolBalance": (builders.get_pool_sol_balance(pool), sol_balance_lines(pool.pool, account)),
    }


def _program_view_cases(program_id: Address, pools: Sequence[PoolAddresses], accounts: AccountMap) -> Cases:
    """The views that take no pool, or several: PDAs of the first pool, the treasury, consolidation status."""
    first = pools[0]
    treasury = pdas.main_treasury(program_id)[0]
    return {
        "GetPoolStatePDA": (builders.get_pool_state_pda(program_id, first.token_b_mint, first.token_a_mint, 7),
                            pool_state_pda_lines(program_id, first.token_b_mint, first.token_a_mint, 7)),
        "GetTokenVaultPDAs": (builders.get_token_vault_pdas(program_id, first.pool),
                              vault_pda_lines(program_id, first.pool)),
        "GetTreasuryInfo": (builders.get_treasury_info(program_id),
                            treasury_lines(treasury, _account(accounts, treasury))),
        "GetConsolidationStatus": (
            builders.get_consolidation_status(program_id, [p.pool for p in pools]),
            consolidation_lines([(p.pool, _account(accounts, p.pool)) for p in pools])),
    }


async def _check_every_view(bench: Bench, pools: Sequence[PoolAddresses], watch: Sequence[Address], *,
                            declared: bool) -> None:
    """Each view of the first pool, of the program and of all `pools`, predicted from the accounts as read now."""
    accounts = await bench.accounts(watch)
    await _run_cases(bench, {**_pool_view_cases(pools[0], accounts, declared=declared),
                             **_program_view_cases(bench.program_id, pools, accounts)}, watch)


# ---------------------------------------------------------------------------------------------------------
# At the harness's program ids (LiteSVM and the rpc target)


async def _pause_system(bench: Bench) -> None:
    admin = bench.chain.upgrade_authority
    await bench.send_ok([builders.pause_system(bench.program_id, admin.address, 7)], [admin])


@pytest.mark.parametrize("system_paused", [False, True], ids=["running", "system-paused"])
async def test_every_view_logs_what_its_accounts_hold_and_changes_nothing(market: Market,
                                                                          system_paused: bool) -> None:
    """A system pause stops no view; the three compile-time-id views fail here, where the program runs at
    another id, with IncorrectProgramId (not SystemPaused)."""
    m = market
    if system_paused:
        await _pause_system(m.bench)
    await _check_every_view(m.bench, [m.pool, m.exact_pool], m.watched(), declared=False)


async def test_pause_flags_are_reported_but_deposits_always_show_enabled(market: Market) -> None:
    """Quirk 8.12; and a pool with both flags is eligible, its consolidatable amount what ConsolidatePoolFees
    then moves to the treasury."""
    m, admin = market, market.bench.chain.upgrade_authority
    viewer = await m.bench.wallet("viewer")
    treasury = pdas.main_treasury(m.program_id)[0]
    for flags in (PauseFlag.LIQUIDITY, PauseFlag.SWAPS):
        await m.bench.send_ok([builders.pause_pool(m.pool, admin.address, flags)], [admin])
        state = decoded(await m.bench.chain.get_account(m.pool.pool), PoolState)
        receipt = await _view(m.bench, viewer, builders.get_pool_pause_status(m.pool), m.watched(),
                              pause_status_lines(m.pool.pool, state))
        assert {"Liquidity Paused: true", "Deposits: ENABLED"} <= set(program_log_lines(receipt))
    accounts = await m.bench.accounts(m.watched())
    pools = [(p.pool, _account(accounts, p.pool)) for p in (m.pool, m.exact_pool)]
    lines = consolidation_lines(pools)
    receipt = await _view(m.bench, viewer, builders.get_consolidation_status(m.program_id, [m.pool.pool,
                                                                                            m.exact_pool.pool]),
                          m.watched(), lines)
    movable = _consolidatable(pools[0][1])
    assert movable > 0 and program_log_lines(receipt)[-2:] == ["Eligible Pools: 1",
                                                               f"Total Consolidatable: {movable} lamports"]
    consolidated = await m.bench.chain.send(
        [builders.consolidate_pool_fees(m.program_id, admin.address, [m.pool.pool, m.exact_pool.pool])], [admin],
        watch=(treasury,))
    assert consolidated.ok and consolidated.lamport_change(treasury) == movable


async def test_the_views_refuse_what_they_cannot_read(market: Market) -> None:
    """Wrong owner, undecodable state, missing accounts, pool counts out of range: each refused, nothing but the
    network fee charged."""
    m = market
    pid, pool = m.program_id, m.pool.pool
    treasury, system_state = pdas.main_treasury(pid)[0], pdas.system_state(pid)[0]
    mint = m.pool.token_a_mint  # owned by SPL Token
    pause_status, sol_balance = builders.get_pool_pause_status(m.pool), builders.get_pool_sol_balance(m.pool)
    status = builders.get_consolidation_status(pid, [pool, m.exact_pool.pool])
    cases: Cases = {
        "pause status of a mint": (_with_accounts(pause_status, mint), INCORRECT_PROGRAM_ID),
        "pause status of the treasury": (_with_accounts(pause_status, treasury), INVALID_ACCOUNT_DATA),
        "pause status of nothing": (_with_accounts(pause_status), PANIC),
        "SOL balance of a mint": (_with_accounts(sol_balance, mint), INCORRECT_PROGRAM_ID),
        "SOL balance of SystemState": (_with_accounts(sol_balance, system_state), INVALID_ACCOUNT_DATA),
        "treasury info of a mint": (_with_accounts(builders.get_treasury_info(pid), mint), INCORRECT_PROGRAM_ID),
        "treasury info of SystemState": (_with_accounts(builders.get_treasury_info(pid), system_state),
                                         INVALID_ACCOUNT_DATA),
        "treasury info of nothing": (_with_accounts(builders.get_treasury_info(pid)), PANIC),
        "pool info without account 2": (_with_accounts(builders.get_pool_info(m.pool), pool, pool), PANIC),
        "consolidation status with a mint": (_with_accounts(status, pool, mint), INCORRECT_PROGRAM_ID),
        "consolidation status with the treasury": (_with_accounts(status, pool, treasury), INVALID_ACCOUNT_DATA),
        "consolidation status, too few accounts": (_with_accounts(status, pool), PANIC),
        "consolidation status of 0 pools": (builders.get_consolidation_status(pid, []), INVALID_ARGUMENT),
        "consolidation status of 21 pools": (builders.get_consolidation_status(pid, [pool] * (MAX_POOLS + 1)),
                                             INVALID_ARGUMENT),
    }
    await _run_cases(m.bench, cases, m.watched())


async def test_twenty_pools_are_the_most_one_consolidation_status_reads(market: Market) -> None:
    m = market
    accounts = await m.bench.accounts(m.watched())
    pools = [(m.pool.pool, _account(accounts, m.pool.pool))] * MAX_POOLS
    await _run_cases(m.bench, {"twenty pools": (
        builders.get_consolidation_status(m.program_id, [m.pool.pool] * MAX_POOLS), consolidation_lines(pools))},
        m.watched())


# ---------------------------------------------------------------------------------------------------------
# At the compile-time program id (LiteSVM only: no keypair exists for 4aeVqtWh…)


class DeclaredIdChain(LiteSvmChain):
    """The bundled program deployed as usual, and also at the compile-time id with `LiteSVM.add_program`, which
    needs no keypair for the address; `program_id` names that second copy, so every builder targets it.

    At 4aeVqtWh… the program has no upgrade authority (add_program writes a ProgramData account without one), so
    InitializeProgram goes through the admin-check bypass of 8.3 (`declared_market`); afterwards the upgrade
    authority of the other copy is the admin named in SystemState."""

    def __init__(self) -> None:
        super().__init__(program=seeded("program"), upgrade_authority=seeded("upgrade-authority"))
        self.svm.add_program(to_pubkey(DECLARED_PROGRAM_ID), BUNDLED_PROGRAM.read_bytes())

    @property
    def program_id(self) -> Address:
        return DECLARED_PROGRAM_ID


@dataclass
class DeclaredScene:
    """At the compile-time id: the program initialized, one pool (1 A = 2.5 B) with liquidity on both sides and
    fees of both kinds collected, and the trader who paid them."""

    bench: Bench
    pool: PoolAddresses
    trader: Wallet

    def watched(self) -> tuple[Address, ...]:
        """The program's accounts, the pool's and the trader's: a view must leave all of them as they were."""
        program_id, pool = self.bench.program_id, self.pool
        return (pdas.system_state(program_id)[0], pdas.main_treasury(program_id)[0], pool.pool,
                pool.token_a_vault, pool.token_b_vault, pool.lp_a_mint, pool.lp_b_mint, self.trader.address)


@pytest_asyncio.fixture
async def declared() -> AsyncIterator[DeclaredScene]:
    chain = DeclaredIdChain()
    closing = AsyncExitStack()
    core = seeded("core")
    await chain.airdrop(core.address, CORE_LAMPORTS)
    bench = Bench(chain, core, closing)
    admin = chain.upgrade_authority
    await bench.send_ok([builders.initialize_program(bench.program_id, admin.address,
                                                     program_data=ids.SYSTEM_PROGRAM_ID)], [admin])
    x, y = await bench.create_sorted_mints("declared-mint", MAIN_DECIMALS, MAIN_DECIMALS)
    pool = bench.pool_addresses(x, MAIN_DECIMALS, y, MAIN_DECIMALS, "1:2.5")
    await bench.create_pool(pool)
    trader = await bench.trader("declared-trader", pool)
    for side in Side:
        await bench.deposit(pool, trader, side, POOL_LIQUIDITY)
    await bench.send_ok([builders.swap(pool, trader.address, Side.A, 1_000, 2_500)], [trader])
    yield DeclaredScene(bench, pool, trader)
    await closing.aclose()


async def test_at_the_compile_time_id_every_view_logs_its_accounts(declared: DeclaredScene) -> None:
    bench, pool = declared.bench, declared.pool
    assert bench.program_id == DECLARED_PROGRAM_ID
    state = decoded(await bench.chain.get_account(pool.pool), PoolState)
    assert state.total_token_a_liquidity > POOL_LIQUIDITY and state.collected_swap_contract_fees > 0
    await _check_every_view(bench, [pool], declared.watched(), declared=True)


async def test_at_the_compile_time_id_a_paused_pool_still_shows_deposits_enabled(declared: DeclaredScene) -> None:
    """Quirk 8.12 in GetPoolInfo, under a system pause too."""
    bench, pool = declared.bench, declared.pool
    admin = bench.chain.upgrade_authority
    await bench.send_ok([builders.pause_pool(pool, admin.address, PauseFlag.ALL)], [admin])
    await _pause_system(bench)
    viewer = await bench.wallet("viewer")
    state = decoded(await bench.chain.get_account(pool.pool), PoolState)
    receipt = await _view(bench, viewer, builders.get_pool_info(pool), declared.watched(),
                          pool_info_lines(pool.pool, state))
    assert {"Liquidity Paused: true", "Swaps Paused: true", "Deposits: ENABLED"} <= set(program_log_lines(receipt))


async def test_at_the_compile_time_id_the_pool_views_still_check_owner_and_size(declared: DeclaredScene) -> None:
    bench, pool = declared.bench, declared.pool
    system_state = pdas.system_state(bench.program_id)[0]
    info = builders.get_pool_info(pool)
    unread = tuple(meta.address for meta in info.accounts[:2])  # GetPoolInfo reads account [2] only
    views = {"GetPoolInfo": (info, unread), "GetLiquidityInfo": (builders.get_liquidity_info(pool), ()),
             "GetFeeInfo": (builders.get_fee_info(pool), ())}
    cases: Cases = {}
    for name, (view, prefix) in views.items():
        cases[f"{name} of a mint"] = (_with_accounts(view, *prefix, pool.token_a_mint), INCORRECT_PROGRAM_ID)
        cases[f"{name} of SystemState"] = (_with_accounts(view, *prefix, system_state), INVALID_ACCOUNT_DATA)
    await _run_cases(bench, cases, declared.watched())


# ---------------------------------------------------------------------------------------------------------
# The PDA views against frt.pdas, for any input


@cache
def _pda_chain() -> LiteSvmChain:
    """One chain for every example: the PDA views read no account, so examples cannot disturb each other."""
    return LiteSvmChain(program=seeded("program"), upgrade_authority=seeded("upgrade-authority"))


async def _simulated_lines(data: ixd.InstructionData) -> Lines:
    """A PDA view (no accounts) simulated, its log lines."""
    chain = _pda_chain()
    instruction = Instruction(chain.program_id, (), data.encode())
    receipt = await chain.simulate([instruction], [chain.upgrade_authority])
    assert receipt.ok, receipt.logs
    return program_log_lines(receipt)


_mints = st.binary(min_size=32, max_size=32).map(Address)
_mint_pairs = st.one_of(st.tuples(_mints, _mints), _mints.map(lambda mint: (mint, mint)))


@given(mints=_mint_pairs, multiple_per_base=st.integers(0, frt_math.U64_MAX))
async def test_get_pool_state_pda_derives_the_legacy_pool_address(mints: tuple[Address, Address],
                                                                 multiple_per_base: int) -> None:
    multiple, base = mints
    lines = await _simulated_lines(ixd.GetPoolStatePDA(multiple, base, multiple_per_base))
    assert lines == pool_state_pda_lines(_pda_chain().program_id, multiple, base, multiple_per_base)


@given(pool=_mints)
async def test_get_token_vault_pdas_derives_both_vaults_of_any_address(pool: Address) -> None:
    lines = await _simulated_lines(ixd.GetTokenVaultPDAs(pool))
    assert lines == vault_pda_lines(_pda_chain().program_id, pool)


async def test_a_pool_created_with_a_legacy_ratio_is_found_by_get_pool_state_pda(market: Market) -> None:
    """The legacy mapping names real pools when they were created with (N, 1) or (1, N)."""
    m = market
    mint_a, mint_b = m.pool.token_a_mint, m.outsider_mint
    legacy = PoolAddresses.derive(m.program_id, mint_a, mint_b, *((4, 1) if bytes(mint_a) < bytes(mint_b)
                                                                   else (1, 4)))
    await m.bench.create_pool(legacy)
    viewer = await m.bench.wallet("viewer")
    receipt = await _view(m.bench, viewer, builders.get_pool_state_pda(m.program_id, mint_a, mint_b, 4), (),
                          pool_state_pda_lines(m.program_id, mint_a, mint_b, 4))
    assert program_log_lines(receipt)[0] == f"Pool State PDA: {legacy.pool}"
