"""Worker lifecycle on a running campaign: pause-aware waiting and delete (stop, empty, close, return SOL)."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import pytest

from pytest_fixedratio.chain.abilities import AccountWriter
from pytest_fixedratio.chain.base import AccountState
from pytest_fixedratio.engine.campaign import Campaign, CampaignConfig
from pytest_fixedratio.engine.oplog import MemorySink
from pytest_fixedratio.errors import InvalidArgument
from pytest_fixedratio.frt.constants import PoolFlag
from pytest_fixedratio.frt.state import PoolState


async def _started(seed: int, seconds: float) -> tuple[Campaign, MemorySink]:
    log = MemorySink()
    campaign = Campaign(CampaignConfig.for_stepping(pools=1, seed=seed), sink=log)
    await campaign.setup()
    campaign.session.start()
    await campaign.advance(seconds)
    return campaign, log


async def _set_pool_flags(campaign: Campaign, flags: PoolFlag) -> None:
    """An admin pausing the pool, as the harness knows it (so continuity holds): the flag bits change."""
    pool = next(iter(campaign.session.pools.values()))
    account = await campaign.chain.get_account(pool.address)
    assert account is not None and isinstance(campaign.chain, AccountWriter)
    state = replace(PoolState.decode(account.data), flags=flags)
    changed = AccountState(account.lamports, account.owner, state.encode(), account.executable)
    campaign.chain.set_account(pool.address, changed)
    campaign.session.acknowledge({pool.address: changed})


def _kinds_between(log: MemorySink, start: int) -> Counter[str]:
    return Counter(r.kind for r in log.records[start:])


@pytest.mark.asyncio
async def test_workers_wait_while_their_operation_is_paused_and_resume_after() -> None:
    campaign, log = await _started(31, 20)
    pool = next(iter(campaign.session.pools.values()))
    simple = pool.state.flags & PoolFlag.SIMPLE_RATIO
    await _set_pool_flags(campaign, simple | PoolFlag.LIQUIDITY_PAUSED)
    mark = len(log.records)
    await campaign.advance(30)
    paused = _kinds_between(log, mark)
    assert paused["deposit"] == paused["withdraw"] == 0 and paused["swap"] > 0
    await _set_pool_flags(campaign, simple | PoolFlag.SWAPS_PAUSED)
    mark = len(log.records)
    await campaign.advance(60)
    swaps_paused = _kinds_between(log, mark)
    assert swaps_paused["swap"] == 0 and swaps_paused["deposit"] > 0 and swaps_paused["withdraw"] > 0
    await _set_pool_flags(campaign, simple)
    mark = len(log.records)
    await campaign.advance(120)
    resumed = _kinds_between(log, mark)
    assert resumed["swap"] > 0 and resumed["deposit"] > 0
    summary = await campaign.finish(0.0)
    assert summary.passed, summary.render()
    # no honest transaction was sent into a pause: nothing failed with a pause error (adversaries do, on purpose)
    assert not {r.error for r in log.records if not r.kind.startswith("adversary:")} & {
        "PoolLiquidityPaused", "PoolSwapsPaused"}
    assert {"PoolLiquidityPaused", "PoolSwapsPaused"} <= set(summary.errors)


@pytest.mark.asyncio
async def test_delete_returns_every_lamport_and_closes_every_account() -> None:
    campaign, log = await _started(41, 30)
    session = campaign.session
    core_before = await session.chain.get_balance(session.core.address)
    deleted = {}
    for worker in list(session.workers.values()):
        atas = [worker.ata(m) for m in worker.mints()]
        wallet = worker.address
        report = await session.delete_worker(worker.worker_id)
        deleted[worker.worker_id] = report
        after = await session.chain.get_accounts([wallet, *atas])
        assert all(state is None for state in after.values()), f"{worker.worker_id} left accounts behind"
        assert report["returned_lamports"] > 0
    assert session.workers == {}
    assert await session.chain.get_balance(session.core.address) > core_before
    assert sum(1 for r in log.records if r.kind == "leave" and r.ok) == len(deleted)
    summary = await campaign.finish(0.0)
    assert summary.passed, summary.render()
    with pytest.raises(InvalidArgument, match="no worker 'dep-00000000'"):
        await session.delete_worker("dep-00000000")
