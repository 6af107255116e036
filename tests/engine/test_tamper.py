"""The verifier catches real faults: on-chain state is tampered with between operations of a running
campaign (as a buggy program or a third party could leave it), and the engine must report each."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

import pytest

from pytest_fixedratio.chain.abilities import AccountWriter
from pytest_fixedratio.chain.base import AccountState
from pytest_fixedratio.engine.campaign import Campaign, CampaignConfig
from pytest_fixedratio.engine.oplog import MemorySink
from pytest_fixedratio.engine.pools import PoolHandle
from pytest_fixedratio.frt.state import AccountLayout, Mint, PoolState, TokenAccount
from pytest_fixedratio.sol.address import Address

Tamper = Callable[[Campaign, PoolHandle], Awaitable[None]]


async def _rewrite(campaign: Campaign, address: Address, layout: type[AccountLayout] | None,
                   lamport_delta: int = 0, **changes: int) -> None:
    account = await campaign.chain.get_account(address)
    assert account is not None
    decoded: Any = None if layout is None else layout.decode(account.data)
    data = account.data if decoded is None else replace(decoded, **changes).encode()
    assert isinstance(campaign.chain, AccountWriter)
    campaign.chain.set_account(address, AccountState(account.lamports + lamport_delta, account.owner, data,
                                                     account.executable))


async def drain_vault(campaign: Campaign, pool: PoolHandle) -> None:
    vault = TokenAccount.decode((await campaign.chain.get_account(pool.addresses.token_a_vault)).data)  # type: ignore[union-attr]
    await _rewrite(campaign, pool.addresses.token_a_vault, TokenAccount, amount=vault.amount // 2)


async def mint_extra_lp(campaign: Campaign, pool: PoolHandle) -> None:
    lp = Mint.decode((await campaign.chain.get_account(pool.addresses.lp_b_mint)).data)  # type: ignore[union-attr]
    await _rewrite(campaign, pool.addresses.lp_b_mint, Mint, supply=lp.supply + 1_000_000)


async def change_ratio(campaign: Campaign, pool: PoolHandle) -> None:
    state = PoolState.decode((await campaign.chain.get_account(pool.address)).data)  # type: ignore[union-attr]
    await _rewrite(campaign, pool.address, PoolState, ratio_a_numerator=state.ratio_a_numerator + 1)


async def move_fee_counters(campaign: Campaign, pool: PoolHandle) -> None:
    state = PoolState.decode((await campaign.chain.get_account(pool.address)).data)  # type: ignore[union-attr]
    moved = state.collected_liquidity_fees // 2
    await _rewrite(campaign, pool.address, PoolState, collected_liquidity_fees=state.collected_liquidity_fees - moved,
                   collected_swap_contract_fees=state.collected_swap_contract_fees + moved)


async def take_fee_lamports(campaign: Campaign, pool: PoolHandle) -> None:
    await _rewrite(campaign, pool.address, None, lamport_delta=-1_000_000)


CASES: dict[str, tuple[Tamper, str]] = {
    "drain a vault": (drain_vault, "I1"),
    "mint extra LP": (mint_extra_lp, "I2"),
    "change a ratio": (change_ratio, "I6"),
    "move fees between counters": (move_fee_counters, "continuity"),  # I7's sum still holds
    "take fee lamports from the pool": (take_fee_lamports, "I8"),
}


@pytest.mark.asyncio
@pytest.mark.parametrize("case", sorted(CASES))
async def test_tampering_between_operations_is_detected_and_reported(case: str) -> None:
    tamper, invariant = CASES[case]
    log = MemorySink()
    campaign = Campaign(CampaignConfig.for_stepping(pools=1, seed=21), sink=log)
    await campaign.setup()
    session = campaign.session
    session.start()
    await campaign.advance(30)
    assert not session.incidents, "the campaign must be clean before the tampering"
    operations_before = len(log.records)
    await tamper(campaign, next(iter(session.pools.values())))
    await campaign.advance(10)
    summary = await campaign.finish(0.0)
    assert not summary.passed
    reported = [i for i in session.incidents if any(f"[{invariant}]" in d for d in i.details)]
    assert reported, f"{case}: no {invariant} incident in {[i.details for i in session.incidents]}"
    first = reported[0]
    assert first.seed == 21 and first.operation["number"] > operations_before
    assert first.accounts_before and first.accounts_after  # the evidence travels with the report
    assert summary.verification["violations"] > 0
    # whatever the fault, the first pool check after it sees a change nobody made through a transaction
    assert any("[continuity]" in d for i in session.incidents for d in i.details)
