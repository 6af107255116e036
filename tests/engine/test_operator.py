"""The operator in campaigns: every admin action sent while the workers trade, each predicted and verified, the
program-wide invariants checked after each, and the chain's clock moved for what needs chain time."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from pytest_fixedratio.chain.localnet import serving_localnet
from pytest_fixedratio.engine.campaign import Campaign, CampaignConfig
from pytest_fixedratio.engine.model import WorkerKind
from pytest_fixedratio.engine.operator import OperatorTask
from pytest_fixedratio.engine.oplog import MemorySink
from pytest_fixedratio.frt import pdas
from pytest_fixedratio.frt.constants import PoolFlag
from pytest_fixedratio.frt.state import MainTreasuryState, SystemState
from pytest_fixedratio.intents.admin_ops import KINDS
from pytest_fixedratio.store.database import Store

ADMIN_KINDS = frozenset(KINDS.values())


@pytest.mark.asyncio
async def test_the_operator_sends_every_admin_action_while_the_workers_trade_and_every_check_holds() -> None:
    log = MemorySink()
    campaign = Campaign(CampaignConfig(duration_s=1800, pools=3, seed=21, operator_rate=600), sink=log)
    started: list[int] = []

    async def note_start(c: Campaign) -> None:
        started.append(await c.chain.now())

    summary = await campaign.run(note_start)
    assert summary.passed, summary.render()
    ok = Counter(r.kind for r in log.records if r.actor.startswith("op-") and r.ok)
    failed = Counter(r.kind for r in log.records if r.actor.startswith("op-") and not r.ok)
    assert {kind for kind in ok if kind in ADMIN_KINDS} == ADMIN_KINDS, (ok, failed)
    # refusals the program must give are predicted: the G5 refusals under its own system pauses among them
    assert all(r.expected_error for r in log.records if r.actor.startswith("op-") and not r.ok)
    assert any(r.error == "SystemPaused" for r in log.records if r.actor.startswith("op-"))
    # every admin action was followed by the program-wide invariants, G4 after the treasury-syncing ones
    by_check = summary.verification["by_check"]
    admin_actions = sum(n for kind, n in (ok + failed).items() if kind in ADMIN_KINDS)
    assert by_check["G1"] >= admin_actions and by_check["G4"] >= ok["withdraw_treasury_fees"] + ok["donate_sol"]
    # trading went on: the workers raced some pauses and waited out the others
    assert summary.operations["deposit"]["ok"] > 0 and summary.operations["swap"]["ok"] > 0
    assert summary.totals["waiting_cycles"] > 0
    chain, program = campaign.chain, campaign.chain.program_id
    # the chain's clock moved past timelocks and penalties: days ahead of the workers' half hour
    assert await chain.now() - started[0] > 1800 + 72 * 3600
    accounts = await chain.get_accounts([pdas.main_treasury(program)[0], pdas.system_state(program)[0]])
    treasury_account, system_account = accounts.values()
    assert treasury_account is not None and system_account is not None
    treasury = MainTreasuryState.decode(treasury_account.data)
    system = SystemState.decode(system_account.data)
    assert treasury.treasury_withdrawal_count == ok["withdraw_treasury_fees"] > 0
    assert treasury.donation_count == ok["donate_sol"] > 0
    assert not system.is_paused  # every pause was undone
    # the verifier's own account of the treasury's flows is what the treasury itself says
    flows = campaign.session.verifier.treasury
    assert flows.withdrawn == treasury.total_withdrawn and flows.donations == treasury.total_donations
    assert flows.pools_created == treasury.pool_creation_count


@pytest.mark.asyncio
async def test_the_operator_leaves_no_pool_paused_once_its_holds_are_over() -> None:
    campaign = Campaign(CampaignConfig(duration_s=900, pools=2, seed=4, operator_rate=900))
    await campaign.setup()
    campaign.session.start()
    await campaign.advance(900)
    operator = next(w for w in campaign.session.workers.values() if w.kind is WorkerKind.OPERATOR)
    await operator.stop()  # its undos still pending are what holds a pool paused now
    assert isinstance(operator.task_logic, OperatorTask)
    holding = operator.task_logic.holding
    for pool in campaign.session.pools.values():
        state = (await campaign.session.refresh_pool(pool.address)).state
        paused = state.flags & (PoolFlag.LIQUIDITY_PAUSED | PoolFlag.SWAPS_PAUSED)
        assert not paused or pool.address in holding, (pool.label, state.flags)
    await campaign.finish(0.0)


@pytest.mark.asyncio
async def test_no_operator_at_rate_zero() -> None:
    campaign = Campaign(CampaignConfig(duration_s=60, pools=1, seed=2, operator_rate=0))
    summary = await campaign.run()
    assert "operator" not in summary.workers and summary.passed
    assert not {kind for kind in summary.operations if kind in ADMIN_KINDS - {"pause_pool", "consolidate_pool_fees"}}


@pytest.mark.asyncio
async def test_the_operator_on_a_validator_sends_early_what_needs_chain_time(tmp_path: Path) -> None:
    """Over real HTTP to `frt-stress localnet`, where the chain's clock cannot be moved: the operator's actions
    are verified from the transactions' metadata like any other, and what needs chain time is refused as
    predicted (a withdrawal inside the restart penalty; an admin change is proposed and later cancelled)."""
    async with serving_localnet(port=0) as (url, _):
        config = CampaignConfig(duration_s=25, virtual_clock=False, pools=1, depositors_per_side=1,
                                withdrawers_per_side=1, adversary_rate=0, operator_rate=1800, target="rpc",
                                rpc_urls=(url,), data_dir=tmp_path)
        with Store.open(tmp_path) as store:
            log = MemorySink()
            summary = await Campaign(config, store=store, sink=log).run()
    assert summary.passed, summary.render()
    operator = [r for r in log.records if r.actor.startswith("op-")]
    assert len({r.kind for r in operator if r.ok} & ADMIN_KINDS) >= 3, Counter(r.kind for r in operator)
    assert all(r.expected_error for r in operator if not r.ok)
    assert summary.verification["by_check"]["G1"] >= len(operator)
