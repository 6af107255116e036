"""After a crash on a chain that outlives the service: the transactions logged as sent and never seen to the
end are settled against the chain (logged and counted if they landed, dropped if they never can), once."""

from __future__ import annotations

from pathlib import Path

import pytest
from solders.signature import Signature

from pytest_fixedratio.chain.litesvm import LiteSvmChain
from pytest_fixedratio.chain.localnet import DEFAULT_PROGRAM, DEFAULT_UPGRADE_AUTHORITY, serving_localnet
from pytest_fixedratio.chain.rpc import RpcChain
from pytest_fixedratio.engine.persistence import StoreRecorder, settle_pending
from pytest_fixedratio.engine.stats import WorkerStats
from pytest_fixedratio.sol import programs
from pytest_fixedratio.sol.keys import Wallet
from pytest_fixedratio.store.database import Store

SOL = 10**9


@pytest.mark.asyncio
async def test_a_restart_logs_and_counts_what_landed_and_drops_what_never_will(tmp_path: Path) -> None:
    async with serving_localnet(port=0) as (url, _):
        chain = await RpcChain.connect([url], DEFAULT_PROGRAM.address, DEFAULT_UPGRADE_AUTHORITY)
        try:
            payer, other = Wallet.generate(), Wallet.generate()
            await chain.airdrop(payer.address, 2 * SOL)
            with Store.open(tmp_path) as store:
                recorder = StoreRecorder(store, {})
                store.commit_step(recorder.session_id, [], {"dep_1": WorkerStats().to_dict()}, [], {})
                # the process "dies" after these sends, before any step records them
                sent = await chain.send([programs.system_transfer(payer.address, other.address, SOL)], [payer],
                                        announce=recorder.announcer("dep_1", "deposit", "pool1", SOL, 1.5))
                failed = await chain.send([programs.system_transfer(payer.address, other.address, 10 * SOL)],
                                          [payer], announce=recorder.announcer("dep_1", "withdraw", "pool1", 3, 2.5))
                store.log_pending(recorder.session_id, str(Signature.new_unique()), "dep_1", "swap", "pool1", 9, 3.5,
                                  0)
                said = await settle_pending(store, chain)
                assert await settle_pending(store, chain) == [], "settled once"
                logged = store.load_operations(recorder.session_id)
                stats = WorkerStats.from_dict(store.load_stats()["dep_1"])
        finally:
            await chain.aclose()
    assert said[0] == ("3 transaction(s) a stopped process had sent without seeing the end: 2 landed (logged and "
                       "counted now), 1 never will")
    assert len(said) == 2 and f"dep_1's withdraw of 3 ({failed.signature}) failed on the chain with " in said[1]
    assert [(r.number, r.kind, r.ok, r.signature, r.amount, r.at) for r in logged] == [
        (1, "deposit", True, sent.signature, SOL, 1.5), (2, "withdraw", False, failed.signature, 3, 2.5)]
    assert logged[1].error and not logged[1].expected_error
    c = stats.counters
    assert (c.attempts, c.successes, c.unexpected_failures, c.recovered) == (2, 1, 1, 2)
    assert c.network_fees_paid == 10_000 and c.compute_units == sent.compute_units + failed.compute_units
    assert stats.latency.count == 0, "no latency was measured for them"


@pytest.mark.asyncio
async def test_on_a_chain_that_cannot_look_them_up_they_stay_pending(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        session = store.open_session(StoreRecorder(store, {}).started, {})
        store.log_pending(session, str(Signature.new_unique()), "dep_1", "deposit", "pool1", 1, 1.0, 0)
        said = await settle_pending(store, LiteSvmChain())
        assert len(store.pending_operations()) == 1
    assert said == ["1 transaction(s) logged as sent stay pending: the LiteSvmChain chain is not the one they went "
                    "to; they are settled when the service runs on that chain again"]
