"""Campaigns on the embedded target: reproducibility, coverage of every operation, empty and stop."""

from __future__ import annotations

from collections import Counter

import pytest

from pytest_fixedratio.chain.base import ChainError
from pytest_fixedratio.chain.litesvm import LiteSvmChain
from pytest_fixedratio.engine import economy
from pytest_fixedratio.engine.campaign import Campaign, CampaignConfig, _fund_core
from pytest_fixedratio.engine.model import WorkerKind, WorkerStatus
from pytest_fixedratio.engine.oplog import MemorySink
from pytest_fixedratio.errors import InvalidArgument
from pytest_fixedratio.frt.constants import Side
from pytest_fixedratio.sol.address import Address
from pytest_fixedratio.sol.ids import LAMPORTS_PER_SOL
from pytest_fixedratio.sol.keys import Wallet
from pytest_fixedratio.verify.coverage import instruction_of


async def _operation_log(seed: int) -> list[dict[str, object]]:
    log = MemorySink()
    summary = await Campaign(CampaignConfig(duration_s=120, pools=1, seed=seed), sink=log).run()
    assert summary.passed, summary.render()
    return [r.to_dict() for r in log.records]


@pytest.mark.asyncio
async def test_the_same_seed_gives_the_same_operation_log() -> None:
    first, second = await _operation_log(11), await _operation_log(11)
    assert len(first) > 100
    assert first == second
    other = await _operation_log(12)
    assert [(r["kind"], r["amount"]) for r in other] != [(r["kind"], r["amount"]) for r in first]


@pytest.mark.asyncio
async def test_a_campaign_exercises_every_operation_and_verifies_each() -> None:
    log = MemorySink()
    campaign = Campaign(CampaignConfig(duration_s=900, pools=1, seed=5), sink=log)
    summary = await campaign.run()
    assert summary.passed, summary.render()
    ok = Counter(r.kind for r in log.records if r.ok)
    for kind in ("deposit", "withdraw", "swap", "share_lp", "share_tokens", "forward_output", "initial", "refill",
                 "sol_topup", "initialize_pool"):
        assert ok[kind] > 0, f"no successful {kind} in {dict(ok)}"
    checks = summary.verification["by_check"]
    # every transaction was checked against its intent's prediction once, and the pool after each operation on it
    assert checks["delta"] + checks["I9"] == len(log.records)
    # every successful FRT instruction but InitializeProgram prints success lines (the adversary's forged-state
    # boundaries that succeed too, and the operator's admin actions)
    assert checks["logs"] == sum(n for kind, n in ok.items()
                                 if instruction_of(kind) not in (None, "initialize_program"))
    assert checks["I1"] >= ok["deposit"] + ok["withdraw"] + ok["swap"]
    assert summary.totals["times_refilled"] > 0 and summary.totals["pool_fees_paid_lamports"] > 0
    stats = [w.stats for w in campaign.session.workers.values()]
    fees = sum(s.counters.pool_fees_paid for s in stats)
    pool = await campaign.session.refresh_pool(next(iter(campaign.session.pools)))
    pool_state = pool.state
    assert fees == pool_state.total_sol_fees_collected  # fees the workers say they paid are the pool's, exactly


@pytest.mark.asyncio
async def test_empty_leaves_no_tokens_and_returns_sol_above_the_reserve() -> None:
    campaign = Campaign(CampaignConfig(duration_s=60, pools=1, seed=3))
    summary = await campaign.run()
    assert summary.passed, summary.render()
    session = campaign.session
    assert all(w.status is WorkerStatus.STOPPED for w in session.workers.values())
    core_before = await session.chain.get_balance(session.core.address)
    returned = 0
    for worker in session.workers.values():
        report = await worker.empty()
        assert set(report.post_empty_balances) == {*map(str, worker.mints()), "sol"}
        assert all(v == 0 for k, v in report.post_empty_balances.items() if k != "sol"), report
        assert report.post_empty_balances["sol"] <= economy.EMPTY_SOL_RESERVE + economy.NETWORK_FEE
        returned += report.sol_returned
        if worker.kind is WorkerKind.DEPOSIT:
            assert report.operation_successful and report.tokens_used == report.lp_tokens_received > 0
            # the LP it received, plus any share remainder it kept, is burned for real
            assert report.lp_tokens_burned >= report.lp_tokens_received
    assert await session.chain.get_balance(session.core.address) == core_before + returned
    assert not session.incidents and session.verifier.log.ok
    final = await session.final_check()
    assert final == []


@pytest.mark.asyncio
async def test_swap_workers_are_unique_per_direction() -> None:
    campaign = Campaign(CampaignConfig(duration_s=1, pools=1, seed=1))
    await campaign.setup()
    pool = next(iter(campaign.session.pools))
    with pytest.raises(InvalidArgument, match="already has a swap worker"):
        campaign.session.add_worker(WorkerKind.SWAP, pool, Side.A)


@pytest.mark.asyncio
async def test_the_chain_clock_follows_virtual_time() -> None:
    log = MemorySink()
    campaign = Campaign(CampaignConfig.for_stepping(pools=1, seed=2), sink=log)
    await campaign.setup()
    start = await campaign.chain.now()
    campaign.session.start()
    await campaign.advance(600)
    assert await campaign.chain.now() == start + 600
    stamps = [r.at for r in log.records if r.kind == "deposit"]
    assert stamps == sorted(stamps) and stamps[-1] <= 600
    # 750-2000 ms pauses: each depositor does between 300 and 800 cycles in ten minutes
    per_worker = Counter(r.actor for r in log.records if r.kind == "deposit")
    assert all(600 / 2.0 * 0.9 <= n <= 600 / 0.75 for n in per_worker.values()), per_worker
    summary = await campaign.finish(0.0)
    assert summary.passed, summary.render()


class _StingyFaucet(LiteSvmChain):
    """A faucet that refuses, as devnet's does beyond a few SOL a day (which no local chain can be made to do)."""

    async def airdrop(self, address: Address, lamports: int) -> None:
        raise ChainError(f"airdrop of {lamports} lamports refused: rate limited")


@pytest.mark.asyncio
async def test_the_core_wallet_gets_only_what_it_lacks_and_a_refusal_says_what_to_send() -> None:
    chain, core = LiteSvmChain(), Wallet.generate().address
    await chain.airdrop(core, 3 * LAMPORTS_PER_SOL)
    await _fund_core(chain, core, 5 * LAMPORTS_PER_SOL)
    assert await chain.get_balance(core) == 5 * LAMPORTS_PER_SOL
    stingy = _StingyFaucet()
    with pytest.raises(ChainError, match=rf"the core wallet {core} needs 5.00 SOL more .*\(solana transfer {core} 5 "
                                         r".*\(airdrop of 5000000000 lamports refused: rate limited\)"):
        await _fund_core(stingy, core, 5 * LAMPORTS_PER_SOL)
