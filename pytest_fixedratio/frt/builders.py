"""Complete FRT v0.17 instructions: data plus the exact, ordered account metas (frt-contract.md 2.3).

The program checks account counts exactly for most instructions and reads accounts by index, so each
builder here is the single place that knows an instruction's account order. Shared shapes are factored:
Deposit/Withdraw/Swap share a seven-account prefix, and every admin instruction on one pool shares
[admin, SystemState, PoolState, ProgramData].

Admin builders take `program_data`, defaulting to the real ProgramData PDA of the program, because the
program's admin check depends on it (section 8.3): passing an account the upgradeable loader does not own
makes any signer pass, which a test may want on purpose.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from pytest_fixedratio.frt import constants as c
from pytest_fixedratio.frt import instruction_data as ix
from pytest_fixedratio.frt import pdas
from pytest_fixedratio.frt.pdas import PoolAddresses
from pytest_fixedratio.sol import ids
from pytest_fixedratio.sol.address import Address
from pytest_fixedratio.sol.instruction import AccountMeta, Instruction, ro, rw, signer
from pytest_fixedratio.sol.pda import associated_token_address


def _build(program_id: Address, data: ix.InstructionData, *accounts: AccountMeta) -> Instruction:
    return Instruction(program_id, accounts, data.encode())


def _admin(admin: Address) -> AccountMeta:
    """Admin signer: read-only unless it also pays (the transaction then marks it writable)."""
    return signer(admin, writable=False)


def _program_data(program_id: Address, program_data: Address | None) -> AccountMeta:
    return ro(pdas.program_data(program_id)[0] if program_data is None else program_data)


def _system_state(program_id: Address, *, writable: bool = False) -> AccountMeta:
    return AccountMeta(pdas.system_state(program_id)[0], False, writable)


def _main_treasury(program_id: Address) -> AccountMeta:
    return rw(pdas.main_treasury(program_id)[0])


def _user_account(given: Address | None, user: Address, mint: Address) -> Address:
    """The account the caller named, else the user's associated token account for `mint`."""
    return associated_token_address(user, mint) if given is None else given


# ---------------------------------------------------------------------------------------------------------
# Setup


def initialize_program(program_id: Address, authority: Address, *, admin_authority: Address | None = None,
                       program_data: Address | None = None) -> Instruction:
    """Create SystemState and MainTreasury; `authority` signs and pays, `admin_authority` defaults to it."""
    data = ix.InitializeProgram(authority if admin_authority is None else admin_authority)
    return _build(
        program_id, data,
        signer(authority), ro(ids.SYSTEM_PROGRAM_ID), ro(ids.RENT_SYSVAR_ID),
        _system_state(program_id, writable=True), _main_treasury(program_id),
        _program_data(program_id, program_data),
    )


def initialize_pool(creator: Address, pool: PoolAddresses, *, flags: int = 0, mints_swapped: bool = False
                    ) -> Instruction:
    """Create a pool; the mints go in sorted order so each LP mint gets its own side's decimals (8.2).
    `mints_swapped` passes them the other way round at accounts [7]/[8]: upstream still creates the same pool
    (its PDA sorts them), with each LP mint carrying the other side's decimals; a probe sends it on purpose."""
    pid = pool.program_id
    mints = (pool.token_b_mint, pool.token_a_mint) if mints_swapped else (pool.token_a_mint, pool.token_b_mint)
    return _build(
        pid, ix.InitializePool(pool.ratio_a, pool.ratio_b, flags),
        signer(creator), ro(ids.SYSTEM_PROGRAM_ID), _system_state(pid), rw(pool.pool), ro(ids.TOKEN_PROGRAM_ID),
        _main_treasury(pid), ro(ids.RENT_SYSVAR_ID), *(ro(mint) for mint in mints),
        rw(pool.token_a_vault), rw(pool.token_b_vault), rw(pool.lp_a_mint), rw(pool.lp_b_mint),
    )


# ---------------------------------------------------------------------------------------------------------
# User operations


@lru_cache(maxsize=1 << 12)
def _trading_prefix(pool: PoolAddresses, user: Address) -> tuple[AccountMeta, ...]:
    """Accounts 0-6 of Deposit, Withdraw and Swap; the user pays the SOL fee, so it is writable (remembered per
    pool and user: workers send thousands of operations each)."""
    return (
        signer(user), ro(ids.SYSTEM_PROGRAM_ID), _system_state(pool.program_id), rw(pool.pool),
        ro(ids.TOKEN_PROGRAM_ID), rw(pool.token_a_vault), rw(pool.token_b_vault),
    )


def deposit(pool: PoolAddresses, user: Address, side: c.Side, amount: int, *, source: Address | None = None,
            lp_account: Address | None = None) -> Instruction:
    """Deposit `amount` of `side`'s token; user accounts default to the user's ATAs (LP ATA must exist)."""
    mint = pool.mint(side)
    return _build(
        pool.program_id, ix.Deposit(mint, amount, pool.pool),
        *_trading_prefix(pool, user),
        rw(_user_account(source, user, mint)), rw(_user_account(lp_account, user, pool.lp_mint(side))),
        rw(pool.lp_a_mint), rw(pool.lp_b_mint),
    )


def withdraw(pool: PoolAddresses, user: Address, side: c.Side, lp_amount: int, *,
             lp_account: Address | None = None, destination: Address | None = None) -> Instruction:
    """Burn `lp_amount` LP of `side` for as many base units of that side's token."""
    mint = pool.mint(side)
    return _build(
        pool.program_id, ix.Withdraw(mint, lp_amount, pool.pool),
        *_trading_prefix(pool, user),
        rw(_user_account(lp_account, user, pool.lp_mint(side))), rw(_user_account(destination, user, mint)),
        rw(pool.lp_a_mint), rw(pool.lp_b_mint),
    )


def swap(pool: PoolAddresses, user: Address, input_side: c.Side, amount_in: int, expected_amount_out: int,
         *, input_account: Address | None = None, output_account: Address | None = None) -> Instruction:
    """Swap `amount_in` of `input_side` for exactly `expected_amount_out` of the other side."""
    mint_in, mint_out = pool.mint(input_side), pool.mint(input_side.other)
    return _build(
        pool.program_id, ix.Swap(mint_in, amount_in, expected_amount_out, pool.pool),
        *_trading_prefix(pool, user),
        rw(_user_account(input_account, user, mint_in)), rw(_user_account(output_account, user, mint_out)),
        ro(mint_in), ro(mint_out),
    )


def donate_sol(program_id: Address, donor: Address, amount: int, message: str = "") -> Instruction:
    return _build(
        program_id, ix.DonateSol(amount, message),
        signer(donor), _main_treasury(program_id), _system_state(program_id), ro(ids.SYSTEM_PROGRAM_ID),
    )


# ---------------------------------------------------------------------------------------------------------
# Admin operations


def pause_system(program_id: Address, admin: Address, reason_code: int, *,
                 program_data: Address | None = None) -> Instruction:
    """Admin is writable here as the docs mark it (the program only needs it to sign)."""
    return _build(
        program_id, ix.PauseSystem(reason_code),
        signer(admin), _system_state(program_id, writable=True), _program_data(program_id, program_data),
    )


def unpause_system(program_id: Address, admin: Address, *, program_data: Address | None = None
                   ) -> Instruction:
    return _build(
        program_id, ix.UnpauseSystem(),
        _admin(admin), _system_state(program_id, writable=True), _main_treasury(program_id),
        _program_data(program_id, program_data),
    )


def withdraw_treasury_fees(program_id: Address, admin: Address, amount: int, destination: Address, *,
                           program_data: Address | None = None) -> Instruction:
    """Move `amount` lamports (0 = all available) from the MainTreasury to `destination`."""
    return _build(
        program_id, ix.WithdrawTreasuryFees(amount),
        _admin(admin), _main_treasury(program_id), ro(ids.RENT_SYSVAR_ID), rw(destination),
        _system_state(program_id), _program_data(program_id, program_data),
    )


def consolidate_pool_fees(program_id: Address, admin: Address, pools: Sequence[Address], *,
                          program_data: Address | None = None) -> Instruction:
    """Move the pending SOL fees of `pools` (1..20 accepted by the program) into the MainTreasury."""
    return _build(
        program_id, ix.ConsolidatePoolFees(len(pools)),
        _admin(admin), _system_state(program_id), _main_treasury(program_id),
        _program_data(program_id, program_data), *(rw(p) for p in pools),
    )


def _admin_on_pool(pool: PoolAddresses, admin: Address, data: ix.InstructionData,
                   program_data: Address | None) -> Instruction:
    pid = pool.program_id
    return _build(pid, data, _admin(admin), _system_state(pid), rw(pool.pool), _program_data(pid, program_data))


def pause_pool(pool: PoolAddresses, admin: Address, pause_flags: int, *, program_data: Address | None = None
               ) -> Instruction:
    """`pause_flags`: `PauseFlag.LIQUIDITY`, `SWAPS` or `ALL`."""
    return _admin_on_pool(pool, admin, ix.PausePool(pause_flags, pool.pool), program_data)


def unpause_pool(pool: PoolAddresses, admin: Address, unpause_flags: int, *,
                 program_data: Address | None = None) -> Instruction:
    return _admin_on_pool(pool, admin, ix.UnpausePool(unpause_flags, pool.pool), program_data)


def set_swap_owner_only(pool: PoolAddresses, admin: Address, enable: bool, designated_owner: Address, *,
                        program_data: Address | None = None) -> Instruction:
    """Enabling also makes `designated_owner` the pool owner; disabling leaves the owner as is (8.4)."""
    return _admin_on_pool(pool, admin, ix.SetSwapOwnerOnly(enable, designated_owner, pool.pool), program_data)


def update_pool_fees(pool: PoolAddresses, admin: Address, update_flags: int, new_liquidity_fee: int,
                     new_swap_fee: int, *, program_data: Address | None = None) -> Instruction:
    """`update_flags`: `FeeUpdateFlag`; the fee not selected by it is ignored."""
    data = ix.UpdatePoolFees(update_flags, new_liquidity_fee, new_swap_fee, pool.pool)
    return _admin_on_pool(pool, admin, data, program_data)


def process_admin_change(program_id: Address, admin: Address, new_admin: Address, *,
                         program_data: Address | None = None) -> Instruction:
    """Propose `new_admin`, or complete the change once the 72 h timelock has passed (section 4.9)."""
    return _build(
        program_id, ix.ProcessAdminChange(new_admin),
        _admin(admin), _system_state(program_id, writable=True), _program_data(program_id, program_data),
    )


# ---------------------------------------------------------------------------------------------------------
# Views: results come back only as log lines, so these are for simulation and smoke tests.


def get_version(program_id: Address) -> Instruction:
    return _build(program_id, ix.GetVersion())


def get_pool_state_pda(program_id: Address, multiple_token_mint: Address, base_token_mint: Address,
                       multiple_per_base: int) -> Instruction:
    return _build(program_id, ix.GetPoolStatePDA(multiple_token_mint, base_token_mint, multiple_per_base))


def get_token_vault_pdas(program_id: Address, pool_state_pda: Address) -> Instruction:
    return _build(program_id, ix.GetTokenVaultPDAs(pool_state_pda))


def get_pool_info(pool: PoolAddresses) -> Instruction:
    """The program reads only account [2]; [0], [1] and [3] are unchecked, filled with stable addresses."""
    pid = pool.program_id
    return _build(pid, ix.GetPoolInfo(), ro(ids.SYSTEM_PROGRAM_ID), _system_state(pid), ro(pool.pool),
                  ro(ids.SYSTEM_PROGRAM_ID))


def get_pool_pause_status(pool: PoolAddresses) -> Instruction:
    return _build(pool.program_id, ix.GetPoolPauseStatus(), ro(pool.pool))


def get_liquidity_info(pool: PoolAddresses) -> Instruction:
    return _build(pool.program_id, ix.GetLiquidityInfo(), ro(pool.pool))


def get_fee_info(pool: PoolAddresses) -> Instruction:
    return _build(pool.program_id, ix.GetFeeInfo(), ro(pool.pool))


def get_pool_sol_balance(pool: PoolAddresses) -> Instruction:
    return _build(pool.program_id, ix.GetPoolSolBalance(), ro(pool.pool))


def get_treasury_info(program_id: Address) -> Instruction:
    return _build(program_id, ix.GetTreasuryInfo(), ro(pdas.main_treasury(program_id)[0]))


def get_consolidation_status(program_id: Address, pools: Sequence[Address]) -> Instruction:
    return _build(program_id, ix.GetConsolidationStatus(len(pools)), *(ro(p) for p in pools))
