"""The rpc target over real HTTP: `RpcChain` (solana-py's AsyncClient) against the localnet endpoint, which
serves one LiteSVM as a validator does. Sends, failures that land with their fee, simulations, airdrops, and
the rules for faults: retries on rate limits, never a second landing of a transaction whose answer was lost."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from pytest_fixedratio.chain.litesvm import BUNDLED_PROGRAM, LiteSvmChain
from pytest_fixedratio.chain.localnet import DEFAULT_PROGRAM, DEFAULT_UPGRADE_AUTHORITY, Faults, serving_localnet
from pytest_fixedratio.chain.rpc import RpcChain
from pytest_fixedratio.engine.campaign import Campaign, CampaignConfig
from pytest_fixedratio.errors import InvalidArgument
from pytest_fixedratio.sol import programs
from pytest_fixedratio.sol.keys import Wallet
from pytest_fixedratio.store.database import Store

SOL = 10**9


async def _connected(faults: Faults | None = None) -> AsyncIterator[tuple[RpcChain, LiteSvmChain]]:
    async with serving_localnet(port=0, faults=faults) as (url, served):
        chain = await RpcChain.connect([url], DEFAULT_PROGRAM.address, DEFAULT_UPGRADE_AUTHORITY)
        try:
            yield chain, served
        finally:
            await chain.aclose()


@pytest_asyncio.fixture
async def rpc() -> AsyncIterator[tuple[RpcChain, LiteSvmChain]]:
    async for pair in _connected():
        yield pair


@pytest.mark.asyncio
async def test_the_deployed_program_is_identified_by_its_elf(rpc: tuple[RpcChain, LiteSvmChain]) -> None:
    chain, served = rpc
    assert chain.program_id == served.program_id == DEFAULT_PROGRAM.address
    assert chain.program_build.sha256 == served.program_build.sha256
    assert served.program_build.source == str(BUNDLED_PROGRAM)


@pytest.mark.asyncio
async def test_a_transfer_and_a_failing_transfer_land_with_their_fees(rpc: tuple[RpcChain, LiteSvmChain]) -> None:
    chain, _ = rpc
    payer, other = Wallet.generate(), Wallet.generate()
    await chain.airdrop(payer.address, 2 * SOL)
    assert await chain.get_balance(payer.address) == 2 * SOL
    watch = [payer.address, other.address]
    sent = await chain.send([programs.system_transfer(payer.address, other.address, SOL // 2)], [payer], watch=watch)
    assert sent.ok and sent.fee == 5_000 and sent.lamport_change(other.address) == SOL // 2
    assert sent.lamport_change(payer.address) == -(SOL // 2) - 5_000 and sent.logs
    refused = await chain.send([programs.system_transfer(payer.address, other.address, 10 * SOL)], [payer], watch=watch)
    assert not refused.ok and refused.failure is not None and refused.failure.kind == "Custom"
    assert refused.failure.instruction_index == 0 and refused.fee == 5_000
    assert refused.lamport_change(payer.address) == -5_000 and refused.lamport_change(other.address) == 0
    simulated = await chain.simulate([programs.system_transfer(payer.address, other.address, 1_000)], [payer],
                                     watch=watch)
    assert simulated.ok and simulated.lamport_change(other.address) == 1_000
    assert await chain.get_balance(other.address) == SOL // 2  # a simulation changes nothing
    assert {"sendTransaction", "getTransaction", "getMultipleAccounts"} <= set(chain.latency)


@pytest.mark.asyncio
async def test_rate_limits_are_retried_and_a_lost_answer_does_not_land_twice() -> None:
    async for chain, _ in _connected(Faults(seed=3, rate_limit=0.2, lost_send=0.3)):
        payer, other = Wallet.generate(), Wallet.generate()
        await chain.airdrop(payer.address, 2 * SOL)
        for _ in range(10):
            receipt = await chain.send([programs.system_transfer(payer.address, other.address, 10**6)], [payer])
            assert receipt.ok, receipt.failure
        assert await chain.get_balance(other.address) == 10 * 10**6  # each landed exactly once


@pytest.mark.asyncio
async def test_a_missing_program_is_named() -> None:
    async with serving_localnet(port=0) as (url, _):
        with pytest.raises(InvalidArgument, match="no executable program at"):
            await RpcChain.connect([url], Wallet.generate().address, DEFAULT_UPGRADE_AUTHORITY)


@pytest.mark.asyncio
async def test_a_campaign_runs_verified_on_the_rpc_target(tmp_path: Path) -> None:
    """The engine unchanged on a validator's API: a short real-time campaign through RpcChain against localnet,
    every operation verified, keys from the data directory."""
    async with serving_localnet(port=0) as (url, _):
        config = CampaignConfig(duration_s=12, virtual_clock=False, pools=1, depositors_per_side=1,
                                withdrawers_per_side=1, hoarding_withdrawers_per_side=0, target="rpc",
                                rpc_urls=(url,), data_dir=tmp_path)
        with Store.open(tmp_path) as store:
            campaign = Campaign(config, store=store)
            try:
                summary = await campaign.run()
            finally:
                await campaign.chain.aclose()
    assert summary.passed, summary.render()
    assert summary.operations["deposit"]["ok"] > 0 and summary.provenance["target"] == "rpc"
    assert summary.provenance["program"].startswith(f"{DEFAULT_PROGRAM.address} on {url}")
