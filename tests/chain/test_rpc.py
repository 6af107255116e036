"""The rpc target over real HTTP: `RpcChain` (solana-py's AsyncClient) against the localnet endpoint, which
serves one LiteSVM as a validator does. Sends, failures that land with their fee, simulations, airdrops, and
the rules for faults: retries on rate limits, never a second landing of a transaction whose answer was lost."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from solders.signature import Signature

from pytest_fixedratio.chain.litesvm import BUNDLED_PROGRAM, LiteSvmChain
from pytest_fixedratio.chain.localnet import DEFAULT_PROGRAM, DEFAULT_UPGRADE_AUTHORITY, Faults, serving_localnet
from pytest_fixedratio.chain.rpc import RpcChain
from pytest_fixedratio.engine.campaign import Campaign, CampaignConfig
from pytest_fixedratio.errors import InvalidArgument
from pytest_fixedratio.sol import ids, programs
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


async def _block_height(served: LiteSvmChain) -> int:
    """The localnet's block height: its slot (the Clock sysvar's first field)."""
    clock = await served.get_account(ids.CLOCK_SYSVAR_ID)
    assert clock is not None
    return int.from_bytes(clock.data[:8], "little")


@pytest.mark.asyncio
async def test_each_send_is_announced_and_its_fate_found_by_signature(rpc: tuple[RpcChain, LiteSvmChain]) -> None:
    """What a restarted process learns of a transaction from its signature alone: the receipt of one that
    landed, a failure's instruction counted as the caller's (the compute budget before it left out), and None
    for one that never went out, at once when its last valid height is past, else once it passes."""
    chain, served = rpc
    payer, other = Wallet.generate(), Wallet.generate()
    await chain.airdrop(payer.address, 2 * SOL)
    announced: list[tuple[str, int]] = []
    height = await _block_height(served)
    sent = await chain.send([programs.system_transfer(payer.address, other.address, SOL)], [payer],
                            announce=lambda signature, last: announced.append((signature, last)))
    failed = await chain.send([programs.system_transfer(payer.address, other.address, 10 * SOL)], [payer],
                              compute_unit_limit=10_000,
                              announce=lambda signature, last: announced.append((signature, last)))
    assert [s for s, _ in announced] == [sent.signature, failed.signature]
    assert all(height < last <= height + 151 for _, last in announced)
    found = await chain.fate(sent.signature, announced[0][1])
    assert found is not None and (found.ok, found.fee, found.compute_units) == (True, 5_000, sent.compute_units)
    lost = await chain.fate(failed.signature, announced[1][1])
    assert lost is not None and not lost.ok and lost.failure == failed.failure
    assert lost.failure is not None and lost.failure.instruction_index == 0
    never = str(Signature.new_unique())
    assert await chain.fate(never, 0) is None
    started = time.monotonic()
    assert await chain.fate(never, await _block_height(served) + 2) is None
    assert time.monotonic() - started >= 0.4, "it waited for the block height to pass"


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
            summary = await Campaign(config, store=store).run()
            # each transaction was logged pending before it went out, and resolved by the step that recorded it
            assert store.pending_operations() == []
            session = store.list_sessions()[0].session_id
            logged = store.load_operations(session)
            assert len(logged) == summary.total_operations == len({r.signature for r in logged})
    assert summary.passed, summary.render()
    assert summary.operations["deposit"]["ok"] > 0 and summary.provenance["target"] == "rpc"
    sends = summary.endpoint_latency_ms["sendTransaction"]
    assert sends["count"] >= summary.total_operations and 0 < sends["p50"] <= sends["p99"] <= sends["max"] + 1
    assert "endpoint latency ms (p50/p99, calls): " in summary.render()
    assert summary.provenance["program"].startswith(f"{DEFAULT_PROGRAM.address} on {url}")
