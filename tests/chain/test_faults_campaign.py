"""A campaign on the rpc target while the endpoint misbehaves on purpose (one call in ten): slow answers,
dropped connections, rate limits and sendTransaction answers lost after the transaction landed. The campaign
completes, every operation it logged landed exactly once and is counted once, and no violation is reported
where there is none."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from pytest_fixedratio.chain.localnet import DEFAULT_UPGRADE_AUTHORITY, Faults, serving_localnet
from pytest_fixedratio.engine.campaign import Campaign, CampaignConfig
from pytest_fixedratio.store.database import Store
from pytest_fixedratio.store.keyfile import load_wallet

FAULTS = Faults(seed=10, delay=0.03, delay_range=(0.05, 0.3), drop=0.02, rate_limit=0.03, lost_send=0.02)
"""About 10% of calls: 3% slow, 2% dropped, 3% refused (429), and 2% of the sends landed with the answer lost."""


async def _rpc(url: str, method: str, *params: object) -> Any:
    """One JSON-RPC call through the faulty endpoint (served by this event loop), tried until it is answered."""
    body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}
    async with aiohttp.ClientSession() as client:
        for _ in range(50):
            try:
                async with client.post(url, json=body) as answer:
                    if answer.status == 200:
                        return (await answer.json())["result"]
            except aiohttp.ClientError:  # a dropped connection, a lost answer
                pass
            await asyncio.sleep(0.05)
    raise AssertionError(f"{method} never answered")


async def _landed(url: str, address: str) -> set[str]:
    return {entry["signature"] for entry in await _rpc(url, "getSignaturesForAddress", address, {"limit": 1000})}


@pytest.mark.asyncio
async def test_a_campaign_through_faults_counts_each_landed_operation_once(tmp_path: Path) -> None:
    async with serving_localnet(port=0, faults=FAULTS) as (url, _):
        config = CampaignConfig(duration_s=15, virtual_clock=False, pools=1, depositors_per_side=1,
                                withdrawers_per_side=1, hoarding_withdrawers_per_side=0, target="rpc",
                                rpc_urls=(url,), data_dir=tmp_path, security_probes=False)
        with Store.open(tmp_path) as store:
            summary = await Campaign(config, store=store).run()
            [session] = store.list_sessions()
            logged = store.load_operations(session.session_id)
            stats = store.load_stats()
            wallets = [str(store.load_worker_wallet(w).address) for w in stats]
            core = str(load_wallet(tmp_path / "core_wallet.json").address)
            # every transaction of the harness's wallets that landed, none twice: the faucet's airdrops aside
            ours = (core, str(DEFAULT_UPGRADE_AUTHORITY.address), *wallets)
            landed = set().union(*[await _landed(url, address) for address in ours])
            airdrops = {s for s in landed if (await _rpc(url, "getTransaction", s, {"encoding": "json"}))[
                "transaction"]["message"]["accountKeys"][0] not in ours}
    assert summary.passed, summary.render()
    assert summary.operations["deposit"]["ok"] > 0 and summary.operations["withdraw"]["ok"] > 0
    signatures = [r.signature for r in logged]
    assert len(signatures) == len(set(signatures)) == summary.total_operations, "each operation logged once"
    attempts = {actor: sum(1 for r in logged if r.actor == actor and (not r.ok or r.kind in
                                                                       ("deposit", "withdraw", "swap")))
                for actor in stats}
    assert {a: s["counters"]["attempts"] for a, s in stats.items()} == attempts, "each counted once"
    assert landed - airdrops == set(signatures), "what landed is what was logged"
    assert len(airdrops) == 1, "the core wallet's funding"
