"""Account lists of every FRT instruction builder against the spec's tables (frt-contract.md 2.3)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings

from pytest_fixedratio.errors import InvalidArgument
from pytest_fixedratio.frt import builders as acc
from pytest_fixedratio.frt import constants as c
from pytest_fixedratio.frt import instruction_data as ix
from pytest_fixedratio.frt import pdas
from pytest_fixedratio.frt.pdas import PoolAddresses
from pytest_fixedratio.sol import ids
from pytest_fixedratio.sol.address import Address
from pytest_fixedratio.sol.instruction import Instruction
from pytest_fixedratio.sol.pda import associated_token_address

from .strategies import addresses, pool_addresses, sides, u64s

PID = c.PROGRAM_ID_LOCALNET
WSOL = ids.NATIVE_MINT
USDC = Address.from_base58("EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v")
# Derived from (USDC, WSOL) on purpose: the builders must still put WSOL (byte-smaller) first.
POOL = PoolAddresses.derive(PID, USDC, WSOL, 1_000_000_000, 160_000_000)
USER = Address(bytes(range(1, 33)))
ADMIN = Address(bytes(range(33, 65)))
DEST = Address(bytes(range(65, 97)))
OTHER_POOL = Address(bytes(range(97, 129)))
FAKE_PROGRAM_DATA = pdas.system_state(PID)[0]


def ata(owner: Address, mint: Address) -> Address:
    return associated_token_address(owner, mint)


NAMES: dict[str, Address] = {
    "user": USER, "admin": ADMIN, "dest": DEST, "other_pool": OTHER_POOL,
    "system_program": ids.SYSTEM_PROGRAM_ID, "rent": ids.RENT_SYSVAR_ID, "token_program": ids.TOKEN_PROGRAM_ID,
    "system_state": Address.from_base58("7mJQU5YkXBeeYR44TFosU4YhCciRC5ierTN29fa7ia3D"),
    "treasury": Address.from_base58("HBffTYMVJHgRYNCQ4opHrAVVeT1QPDtJLLDKki7mUp43"),
    "program_data": Address.from_base58("2FXQ9r1d1bdhdUVTh735CeUEBEhQbZvCoTfdoyFVyrqD"),
    "pool": Address.from_base58("75QvP8uKKmgfmgBwviiGsNAupp2pM8TQK1aGPYYUptTK"),
    "vault_a": Address.from_base58("FAUqdjJL6eoTn9Qjct5jnHAne8tUjPvhzaPLvKhXouEF"),
    "vault_b": Address.from_base58("EvvwR3dmNyQX9DfFEHZYZanjgcq212rCjbfNvNNB6vvS"),
    "lp_a": Address.from_base58("bux1ySmSAXH3kfWWfhUnv2fA9gWGmgqskoCcDuFcXTW"),
    "lp_b": Address.from_base58("5YD67B1YRf9m98XugohZ5FG8DFXEAHricS8Dpj21eRZ4"),
    "mint_a": WSOL, "mint_b": USDC,
    "user_a": ata(USER, WSOL), "user_b": ata(USER, USDC),
    "user_lp_a": ata(USER, POOL.lp_a_mint), "user_lp_b": ata(USER, POOL.lp_b_mint),
}

TRADING = "user:SW system_program system_state pool:W token_program vault_a:W vault_b:W"
ADMIN_ON_POOL = "admin:S system_state pool:W program_data"

# (builder call, the spec's account table as "name:flags", the data the call must encode)
CASES: dict[str, tuple[Callable[[], Instruction], str, ix.InstructionData]] = {
    "InitializeProgram": (
        lambda: acc.initialize_program(PID, ADMIN),
        "admin:SW system_program rent system_state:W treasury:W program_data",
        ix.InitializeProgram(ADMIN)),
    "InitializePool": (
        lambda: acc.initialize_pool(USER, POOL, flags=32),
        "user:SW system_program system_state pool:W token_program treasury:W rent mint_a mint_b "
        "vault_a:W vault_b:W lp_a:W lp_b:W",
        ix.InitializePool(1_000_000_000, 160_000_000, 32)),
    "Deposit A": (
        lambda: acc.deposit(POOL, USER, c.Side.A, 5),
        f"{TRADING} user_a:W user_lp_a:W lp_a:W lp_b:W", ix.Deposit(WSOL, 5, POOL.pool)),
    "Deposit B": (
        lambda: acc.deposit(POOL, USER, c.Side.B, 6),
        f"{TRADING} user_b:W user_lp_b:W lp_a:W lp_b:W", ix.Deposit(USDC, 6, POOL.pool)),
    "Withdraw A": (
        lambda: acc.withdraw(POOL, USER, c.Side.A, 7),
        f"{TRADING} user_lp_a:W user_a:W lp_a:W lp_b:W", ix.Withdraw(WSOL, 7, POOL.pool)),
    "Withdraw B": (
        lambda: acc.withdraw(POOL, USER, c.Side.B, 8),
        f"{TRADING} user_lp_b:W user_b:W lp_a:W lp_b:W", ix.Withdraw(USDC, 8, POOL.pool)),
    "Swap A->B": (
        lambda: acc.swap(POOL, USER, c.Side.A, 10, 1),
        f"{TRADING} user_a:W user_b:W mint_a mint_b", ix.Swap(WSOL, 10, 1, POOL.pool)),
    "Swap B->A": (
        lambda: acc.swap(POOL, USER, c.Side.B, 16, 100),
        f"{TRADING} user_b:W user_a:W mint_b mint_a", ix.Swap(USDC, 16, 100, POOL.pool)),
    "DonateSol": (
        lambda: acc.donate_sol(PID, USER, 100_000_000, "thanks"),
        "user:SW treasury:W system_state system_program", ix.DonateSol(100_000_000, "thanks")),
    "PauseSystem": (
        lambda: acc.pause_system(PID, ADMIN, 15),
        "admin:SW system_state:W program_data", ix.PauseSystem(15)),
    "UnpauseSystem": (
        lambda: acc.unpause_system(PID, ADMIN),
        "admin:S system_state:W treasury:W program_data", ix.UnpauseSystem()),
    "WithdrawTreasuryFees": (
        lambda: acc.withdraw_treasury_fees(PID, ADMIN, 0, DEST),
        "admin:S treasury:W rent dest:W system_state program_data", ix.WithdrawTreasuryFees(0)),
    "ConsolidatePoolFees": (
        lambda: acc.consolidate_pool_fees(PID, ADMIN, [POOL.pool, OTHER_POOL]),
        "admin:S system_state treasury:W program_data pool:W other_pool:W", ix.ConsolidatePoolFees(2)),
    "PausePool": (
        lambda: acc.pause_pool(POOL, ADMIN, c.PauseFlag.ALL),
        ADMIN_ON_POOL, ix.PausePool(3, POOL.pool)),
    "UnpausePool": (
        lambda: acc.unpause_pool(POOL, ADMIN, c.PauseFlag.SWAPS),
        ADMIN_ON_POOL, ix.UnpausePool(2, POOL.pool)),
    "SetSwapOwnerOnly": (
        lambda: acc.set_swap_owner_only(POOL, ADMIN, True, USER),
        ADMIN_ON_POOL, ix.SetSwapOwnerOnly(True, USER, POOL.pool)),
    "UpdatePoolFees": (
        lambda: acc.update_pool_fees(POOL, ADMIN, c.FeeUpdateFlag.BOTH, 100_000, 10_000),
        ADMIN_ON_POOL, ix.UpdatePoolFees(3, 100_000, 10_000, POOL.pool)),
    "ProcessAdminChange": (
        lambda: acc.process_admin_change(PID, ADMIN, USER),
        "admin:S system_state:W program_data", ix.ProcessAdminChange(USER)),
    "GetVersion": (lambda: acc.get_version(PID), "", ix.GetVersion()),
    "GetPoolStatePDA": (
        lambda: acc.get_pool_state_pda(PID, USDC, WSOL, 160),
        "", ix.GetPoolStatePDA(USDC, WSOL, 160)),
    "GetTokenVaultPDAs": (
        lambda: acc.get_token_vault_pdas(PID, POOL.pool), "", ix.GetTokenVaultPDAs(POOL.pool)),
    "GetPoolInfo": (
        lambda: acc.get_pool_info(POOL), "system_program system_state pool system_program", ix.GetPoolInfo()),
    "GetPoolPauseStatus": (lambda: acc.get_pool_pause_status(POOL), "pool", ix.GetPoolPauseStatus()),
    "GetLiquidityInfo": (lambda: acc.get_liquidity_info(POOL), "pool", ix.GetLiquidityInfo()),
    "GetFeeInfo": (lambda: acc.get_fee_info(POOL), "pool", ix.GetFeeInfo()),
    "GetPoolSolBalance": (lambda: acc.get_pool_sol_balance(POOL), "pool", ix.GetPoolSolBalance()),
    "GetTreasuryInfo": (lambda: acc.get_treasury_info(PID), "treasury", ix.GetTreasuryInfo()),
    "GetConsolidationStatus": (
        lambda: acc.get_consolidation_status(PID, [OTHER_POOL, POOL.pool]),
        "other_pool pool", ix.GetConsolidationStatus(2)),
}

# Exact account counts the program checks (section 2.3).
COUNTS = {
    "InitializeProgram": 6, "InitializePool": 13, "Deposit A": 11, "Withdraw B": 11, "Swap B->A": 11,
    "PausePool": 4, "UnpausePool": 4, "SetSwapOwnerOnly": 4, "UpdatePoolFees": 4, "DonateSol": 4,
    "ProcessAdminChange": 3, "UnpauseSystem": 4, "PauseSystem": 3, "ConsolidatePoolFees": 4 + 2,
}


def parse(table: str) -> list[tuple[str, Address, bool, bool]]:
    rows = []
    for entry in table.split():
        name, _, flags = entry.partition(":")
        rows.append((name, NAMES[name], "S" in flags, "W" in flags))
    return rows


def test_every_variant_has_a_builder_case() -> None:
    covered = {type(expected) for _, _, expected in CASES.values()}
    assert covered == set(ix.INSTRUCTION_TYPES)


def test_pool_fixture_matches_the_spec_vector() -> None:
    for name in ("pool", "vault_a", "vault_b", "lp_a", "lp_b"):
        assert {"pool": POOL.pool, "vault_a": POOL.token_a_vault, "vault_b": POOL.token_b_vault,
                "lp_a": POOL.lp_a_mint, "lp_b": POOL.lp_b_mint}[name] == NAMES[name]
    assert (pdas.system_state(PID)[0], pdas.main_treasury(PID)[0], pdas.program_data(PID)[0]) == (
        NAMES["system_state"], NAMES["treasury"], NAMES["program_data"])


@pytest.mark.parametrize("case", list(CASES))
def test_accounts_match_the_spec_table(case: str) -> None:
    build, table, expected_data = CASES[case]
    instruction = build()
    actual = [(m.address, m.is_signer, m.is_writable) for m in instruction.accounts]
    expected = parse(table)
    assert actual == [(address, s, w) for _, address, s, w in expected], [name for name, *_ in expected]
    assert instruction.program_id == PID
    assert instruction.data == expected_data.encode()
    assert ix.decode_instruction(instruction.data) == expected_data


@pytest.mark.parametrize(("case", "count"), list(COUNTS.items()))
def test_exact_account_counts(case: str, count: int) -> None:
    assert len(CASES[case][0]().accounts) == count


def test_initialize_pool_passes_mints_in_byte_order() -> None:
    metas = acc.initialize_pool(USER, POOL).accounts
    assert (metas[7].address, metas[8].address) == (WSOL, USDC)
    assert bytes(WSOL) < bytes(USDC) and str(WSOL) > str(USDC)  # the case where string order misleads


def test_initialize_program_admin_can_differ_from_the_signer() -> None:
    instruction = acc.initialize_program(PID, ADMIN, admin_authority=USER)
    assert instruction.accounts[0].address == ADMIN
    assert ix.decode_instruction(instruction.data) == ix.InitializeProgram(USER)


@pytest.mark.parametrize("build", [
    lambda pd: acc.initialize_program(PID, ADMIN, program_data=pd),
    lambda pd: acc.pause_system(PID, ADMIN, 1, program_data=pd),
    lambda pd: acc.unpause_system(PID, ADMIN, program_data=pd),
    lambda pd: acc.withdraw_treasury_fees(PID, ADMIN, 0, DEST, program_data=pd),
    lambda pd: acc.consolidate_pool_fees(PID, ADMIN, [POOL.pool], program_data=pd),
    lambda pd: acc.pause_pool(POOL, ADMIN, 1, program_data=pd),
    lambda pd: acc.unpause_pool(POOL, ADMIN, 1, program_data=pd),
    lambda pd: acc.set_swap_owner_only(POOL, ADMIN, False, ADMIN, program_data=pd),
    lambda pd: acc.update_pool_fees(POOL, ADMIN, 1, 100_000, 10_000, program_data=pd),
    lambda pd: acc.process_admin_change(PID, ADMIN, USER, program_data=pd),
])
def test_program_data_override_replaces_only_that_account(build: Callable[[Address | None], Instruction]
                                                         ) -> None:
    default, overridden = build(None), build(FAKE_PROGRAM_DATA)
    changed = [i for i, (a, b) in enumerate(zip(default.accounts, overridden.accounts, strict=True)) if a != b]
    assert len(changed) == 1
    assert default.accounts[changed[0]].address == NAMES["program_data"]
    assert overridden.accounts[changed[0]].address == FAKE_PROGRAM_DATA
    assert default.data == overridden.data


def test_explicit_user_accounts_override_the_atas() -> None:
    a, b, d = USER, ADMIN, DEST
    assert [m.address for m in acc.deposit(POOL, USER, c.Side.A, 1, source=a, lp_account=b).accounts[7:9]] == [a, b]
    assert [m.address for m in acc.withdraw(POOL, USER, c.Side.B, 1, lp_account=a, destination=d).accounts[7:9]
            ] == [a, d]
    assert [m.address for m in acc.swap(POOL, USER, c.Side.B, 1, 1, input_account=d, output_account=b
                                        ).accounts[7:9]] == [d, b]


@settings(max_examples=25)
@given(pool=pool_addresses(), user=addresses(), side=sides(), amount=u64s())
def test_trading_layouts_for_any_pool(pool: PoolAddresses, user: Address, side: c.Side, amount: int) -> None:
    swap = acc.swap(pool, user, side, amount, amount)
    metas = swap.accounts
    assert [m.address for m in metas[:7]] == [
        user, ids.SYSTEM_PROGRAM_ID, pdas.system_state(pool.program_id)[0], pool.pool, ids.TOKEN_PROGRAM_ID,
        pool.token_a_vault, pool.token_b_vault]
    assert [m.address for m in metas[7:]] == [
        ata(user, pool.mint(side)), ata(user, pool.mint(side.other)), pool.mint(side), pool.mint(side.other)]
    assert [(m.is_signer, m.is_writable) for m in metas] == [(True, True)] + [(False, False)] * 2 + [
        (False, True), (False, False)] + [(False, True)] * 4 + [(False, False)] * 2
    assert ix.decode_instruction(swap.data) == ix.Swap(pool.mint(side), amount, amount, pool.pool)
    deposit = acc.deposit(pool, user, side, amount)
    assert [m.address for m in deposit.accounts[7:]] == [
        ata(user, pool.mint(side)), ata(user, pool.lp_mint(side)), pool.lp_a_mint, pool.lp_b_mint]
    assert all(m.is_writable for m in deposit.accounts[7:])
    assert deposit.program_id == pool.program_id


def test_consolidation_count_beyond_a_u8_is_refused() -> None:
    with pytest.raises(InvalidArgument):
        acc.consolidate_pool_fees(PID, ADMIN, [OTHER_POOL] * 256)
