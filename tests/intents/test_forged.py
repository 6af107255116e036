"""Forged-state scenarios: the patches set back exactly their own change, the model reads program accounts of another
length as the program does, and on the real program every scenario ends as predicted with the chain as before
(but the network fee, and what a success did).

The real-program test sends each scenario through the adversary's own path (`AdversaryTask.forged`, then
`Session.execute_forged`) on a set-up campaign, from an adversary on each side holding tokens and LP."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace
from typing import Any, cast

import pytest

from pytest_fixedratio.chain.base import AccountState
from pytest_fixedratio.engine.campaign import Campaign, CampaignConfig
from pytest_fixedratio.engine.context import WorkerContext, WorkerHost
from pytest_fixedratio.engine.decisions import Decisions
from pytest_fixedratio.engine.model import WorkerConfig, WorkerKind
from pytest_fixedratio.engine.runner import WorkerRunner
from pytest_fixedratio.engine.stats import WorkerStats
from pytest_fixedratio.engine.tasks import AdversaryTask
from pytest_fixedratio.errors import DecodeError, InvalidArgument
from pytest_fixedratio.frt import constants as c
from pytest_fixedratio.frt import pdas
from pytest_fixedratio.frt.constants import PoolFlag, Side
from pytest_fixedratio.frt.errors import FrtErrorCode
from pytest_fixedratio.frt.pdas import pool_watch_list
from pytest_fixedratio.frt.state import PoolState, SystemState, TokenAccount
from pytest_fixedratio.intents.book import Book
from pytest_fixedratio.intents.expected import ExpectedError, Fails
from pytest_fixedratio.intents.forged import (
    FORGED,
    SCENARIOS,
    Forgery,
    Resize,
    SetAccount,
    SetField,
)
from pytest_fixedratio.intents.pool_ops import Deposit
from pytest_fixedratio.sol import ids
from pytest_fixedratio.sol.address import Address
from pytest_fixedratio.sol.keys import Wallet

E = ExpectedError
IAD = E.frt_builtin("InvalidAccountData")
A, B = (Address(bytes([n]) * 32) for n in (1, 2))
PROGRAM = Address(bytes([9]) * 32)

# ---------------------------------------------------------------------------------------------------------
# Patches


def _pool_state(**fields: Any) -> AccountState:
    state = PoolState(A, A, B, A, B, A, B, 1, 2, **fields)
    return AccountState(5_000_000, PROGRAM, state.encode())


def _decoded(state: AccountState) -> PoolState:
    return PoolState.decode(state.data)


def test_a_forged_count_is_set_back_by_difference_keeping_what_the_transaction_added() -> None:
    before = _pool_state(total_token_a_liquidity=100, flags=PoolFlag.SIMPLE_RATIO)
    total = SetField(A, PoolState, "total_token_a_liquidity", lambda _: 2**64 - 5)
    forged = total.forge(before)
    assert _decoded(forged).total_token_a_liquidity == 2**64 - 5
    after = replace(forged, data=replace(_decoded(forged), total_token_a_liquidity=2**64 - 1).encode())
    assert _decoded(total.restore(after, before)).total_token_a_liquidity == 104
    wrapped = replace(forged, data=replace(_decoded(forged), total_token_a_liquidity=3).encode())  # a u64 wrap
    assert _decoded(total.restore(wrapped, before)).total_token_a_liquidity == 108
    assert total.restore(forged, before) == before


def test_a_forged_flag_owner_or_key_is_set_back_to_what_it_was() -> None:
    before = _pool_state(flags=PoolFlag.SIMPLE_RATIO, collected_swap_contract_fees=7)
    paused = SetField(A, PoolState, "flags", lambda flags: flags | PoolFlag.SWAPS_PAUSED)
    forged = paused.forge(before)
    assert _decoded(forged).flags == PoolFlag.SIMPLE_RATIO | PoolFlag.SWAPS_PAUSED
    after = replace(forged, data=replace(_decoded(forged), collected_swap_contract_fees=9).encode(), lamports=1)
    restored = paused.restore(after, before)
    assert _decoded(restored) == replace(_decoded(before), collected_swap_contract_fees=9) and restored.lamports == 1
    owner = SetAccount(A, "owner", ids.TOKEN_PROGRAM_ID)
    assert owner.forge(before).owner == ids.TOKEN_PROGRAM_ID
    assert owner.restore(replace(owner.forge(before), lamports=3), before) == replace(before, lamports=3)


def test_lamports_are_set_back_by_difference() -> None:
    before = AccountState(10**9, ids.SYSTEM_PROGRAM_ID, b"")
    short = SetAccount(A, "lamports", 13_004_999)
    assert short.forge(before).lamports == 13_004_999
    assert short.restore(replace(before, lamports=13_004_999 - 5_000), before).lamports == 10**9 - 5_000


def test_a_resized_account_gets_its_length_and_cut_bytes_back_keeping_what_was_written() -> None:
    before = AccountState(1, PROGRAM, bytes(range(10)))
    short, long = Resize(A, 7), Resize(A, 12)
    assert short.forge(before).data == bytes(range(7)) and long.forge(before).data == bytes(range(10)) + bytes(2)
    written = replace(short.forge(before), data=b"\xff" + bytes(range(1, 7)))
    assert short.restore(written, before).data == b"\xff" + bytes(range(1, 10))
    assert long.restore(replace(long.forge(before), data=b"\xee" + bytes(11)), before).data == b"\xee" + bytes(9)
    assert Resize(A, 0).restore(Resize(A, 0).forge(before), before) == before


def test_a_forgery_undoes_its_patches_in_reverse_and_gives_back_a_closed_account_whole() -> None:
    token = AccountState(2_039_280, ids.TOKEN_PROGRAM_ID, TokenAccount(A, B, 50).encode())
    payer = AccountState(10**9, ids.SYSTEM_PROGRAM_ID, b"")
    forgery = Forgery((SetField(A, TokenAccount, "delegate", lambda _: B),
                       SetField(A, TokenAccount, "delegated_amount", lambda _: 1), SetAccount(B, "lamports", 7)))
    assert forgery.addresses == (A, B)
    forged = forgery.forge({A: token, B: payer})
    assert TokenAccount.decode(forged[A].data) == TokenAccount(A, B, 50, B, delegated_amount=1)
    spent = replace(forged[A], data=replace(TokenAccount.decode(forged[A].data), amount=40).encode())
    restored = forgery.restore({A: token, B: payer}, forged, {A: spent, B: None})
    assert TokenAccount.decode(restored[A].data) == TokenAccount(A, B, 40) and restored[B] == payer
    assert forgery.restore({A: token, B: payer}, forged, forged) == {A: token, B: payer}
    charged = {A: forged[A], B: replace(forged[B], lamports=2)}
    assert forgery.restore({A: token, B: payer}, forged, charged) == {A: token, B: replace(payer, lamports=10**9 - 5)}
    with pytest.raises(InvalidArgument, match="only an existing account"):
        forgery.forge({A: token, B: None})


def test_a_forged_system_state_keeps_the_stale_tail_of_a_short_content() -> None:
    stale = SystemState(False, 0, 0, A, None, 5).encode()[:51] + bytes([0xAB]) * 32
    before = AccountState(1, PROGRAM, stale)
    forged = SetField(A, SystemState, "is_paused", lambda _: True).forge(before)
    assert forged.data == b"\x01" + stale[1:]


# ---------------------------------------------------------------------------------------------------------
# The model reads a longer PoolState or SystemState from the front, as the program does


def _book(address: Address, state: AccountState) -> Book:
    return Book({address: state}, {})


@pytest.mark.parametrize(("extra", "decodes"), [(1, True), (40, True), (-1, False), (-438, False)])
def test_a_pool_state_of_another_length_is_read_from_the_front(extra: int, decodes: bool) -> None:
    pool = _pool_state(total_token_a_liquidity=9)
    data = pool.data + b"\x5a" * extra if extra > 0 else pool.data[:extra]
    book = _book(A, replace(pool, data=data))
    if not decodes:
        with pytest.raises(Fails):
            book.read(A, PoolState, error=IAD)
        return
    assert book.read(A, PoolState) == _decoded(pool)
    book.adjust(A, PoolState, total_token_a_liquidity=1)
    written = book.accounts[A]
    assert written is not None and written.data == replace(_decoded(pool), total_token_a_liquidity=10).encode() \
        + b"\x5a" * extra  # written in place: the length and the bytes past the layout stay


@pytest.mark.parametrize(("pending", "length", "decodes"), [
    (A, 84, True), (A, 82, False), (None, 82, True), (None, 51, True), (None, 50, False)])
def test_a_system_state_of_another_length_decodes_while_its_content_fits(pending: Address | None, length: int,
                                                                          decodes: bool) -> None:
    state = SystemState(False, 0, 0, A, pending, 5)
    data = state.encode()[:length].ljust(length, b"\0")
    if decodes:
        assert SystemState.decode_leading(data) == state
    else:
        with pytest.raises(DecodeError, match="end inside"):
            SystemState.decode_leading(data)


# ---------------------------------------------------------------------------------------------------------
# The real program

NONE: ExpectedError | None = None
SHARED: dict[str, ExpectedError | None] = {
    "system_paused": E.frt(FrtErrorCode.SystemPaused),
    "system_state_empty": E.frt_builtin("UninitializedAccount"),
    "system_state_short": IAD,
    "system_state_long": NONE,
    "system_state_foreign_owner": E.frt_builtin("IncorrectProgramId"),
    "pool_state_short": IAD,
    "pool_state_long": NONE,
    "pool_state_foreign_owner": E.frt_builtin("IncorrectProgramId"),
    "fee_short": E.frt(FrtErrorCode.InsufficientFeeBalance),
    "fee_rent_exact": NONE,
    "fee_below_rent": E.runtime("InsufficientFundsForRent"),
}
ACCOUNTS: dict[str, dict[str, ExpectedError]] = {
    "deposit": {"source": IAD, "lp_account": E.frt(FrtErrorCode.MissingLpTokenAccount)},
    "withdraw": {"lp_account": IAD, "destination": IAD},
    "swap": {"input": IAD, "output": IAD},
}
OWN: dict[str, dict[str, ExpectedError | None]] = {
    "deposit": {"liquidity_paused": E.frt(FrtErrorCode.PoolLiquidityPaused), "swaps_paused": NONE,
                "total_overflow": E.frt_builtin("ArithmeticOverflow"), "total_at_limit": NONE},
    "withdraw": {"liquidity_paused": E.frt(FrtErrorCode.PoolLiquidityPaused), "swaps_paused": NONE,
                 "total_below_amount": E.frt_builtin("ArithmeticOverflow"), "total_at_amount": NONE},
    "swap": {"swaps_paused": E.frt(FrtErrorCode.PoolSwapsPaused), "liquidity_paused": NONE,
             "owner_only": E.frt(FrtErrorCode.SwapAccessRestricted), "owner_only_by_owner": NONE,
             "output_overflow": E.frt(FrtErrorCode.ArithmeticOverflow),
             "output_at_limit": E.frt_builtin("InsufficientFunds")},
}
EXPECTED: dict[str, ExpectedError | None] = {
    "initialize_pool.system_paused": E.frt(FrtErrorCode.SystemPaused),
    **{f"{kind}.{what}": error for kind in OWN for what, error in SHARED.items()},
    **{f"{kind}.{what}": error for kind, own in OWN.items() for what, error in own.items()},
    **{f"{kind}.{role}_{what}": error for kind, roles in ACCOUNTS.items() for role, refused in roles.items()
       for what, error in (("frozen", refused), ("delegated", refused), ("delegate_without_allowance", None))},
}
"""Each scenario's outcome with an adversary holding tokens and LP (None: success)."""


def test_the_catalogue_names_each_scenario_once_with_its_outcome() -> None:
    assert set(SCENARIOS) == set(EXPECTED)
    assert tuple(f"{FORGED}.{name}" for name in SCENARIOS) == AdversaryTask.FORGED_NAMES


@pytest.mark.asyncio
async def test_every_scenario_ends_as_predicted_on_the_real_program_and_leaves_the_chain_as_before() -> None:
    campaign = Campaign(replace(CampaignConfig.for_stepping(pools=1, seed=17), adversary_rate=0.2))
    await campaign.setup()
    session = campaign.session
    session.start()
    await campaign.advance(60)
    await session.stop()
    adversaries = [w for w in session.workers.values() if w.kind is WorkerKind.ADVERSARY]
    assert {w.side for w in adversaries} == set(Side) and not session.incidents
    for runner in adversaries:
        await _hold_lp(runner)
        for name, expected in EXPECTED.items():
            await _check(campaign, runner, name, expected)
    assert not session.incidents, [i.details for i in session.incidents]


async def _hold_lp(runner: WorkerRunner) -> None:
    """A quarter of the adversary's tokens deposited, so that it holds LP to withdraw."""
    ctx = runner.ctx
    amount = await ctx.balance(ctx.pool.addresses.mint(ctx.side)) // 4
    deposit = Deposit(ctx.pool.addresses, ctx.address, ctx.side, amount)
    assert (await ctx.execute(ctx.intent("deposit", [deposit], amount=amount))).ok


async def _check(campaign: Campaign, runner: WorkerRunner, name: str, expected: ExpectedError | None) -> None:
    ctx, chain = runner.ctx, campaign.chain
    task = runner.task_logic
    assert isinstance(task, AdversaryTask)
    pool = ctx.pool.addresses
    watched = (*pool_watch_list(pool), pdas.system_state(pool.program_id)[0], ctx.address,
               *(ctx.ata(mint) for mint in task.mints(ctx)))
    before = await chain.get_accounts(watched)
    outcome = await task.forged(ctx, f"{FORGED}.{name}", name)
    after = await chain.get_accounts(watched)
    verification = outcome.verification
    where = f"{name} on side {ctx.side}"
    assert verification.findings == (), (where, [str(f) for f in verification.findings])
    assert outcome.ok == (expected is None), (where, verification.error, verification.prediction.reason)
    if expected is not None:
        assert verification.prediction.error == expected.at(0), (where, verification.prediction.error)
        payer = before[ctx.address]
        assert payer is not None
        assert after == {**before, ctx.address: replace(payer, lamports=payer.lamports - outcome.receipt.fee)}, where
        return
    system, pool_account = after[pdas.system_state(pool.program_id)[0]], after[pool.pool]
    assert system == before[pdas.system_state(pool.program_id)[0]], where
    assert pool_account is not None and pool_account.owner == pool.program_id, where
    assert len(pool_account.data) == c.POOL_STATE_LEN, where


# ---------------------------------------------------------------------------------------------------------
# A target that cannot set accounts


def test_without_set_account_the_adversary_never_draws_a_forged_scenario() -> None:
    host = cast(WorkerHost, SimpleNamespace(chain=object()))
    config = WorkerConfig("adversary-1", WorkerKind.ADVERSARY, A, Side.A, 0, False, True)
    ctx = WorkerContext(host, config, Wallet.from_seed(b"W" * 32), Decisions(1), WorkerStats())
    assert not ctx.can_forge
    assert AdversaryTask().names(ctx) == AdversaryTask.NAMES
    assert not set(AdversaryTask.NAMES) & set(AdversaryTask.FORGED_NAMES)
