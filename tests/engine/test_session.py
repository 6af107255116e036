"""The session: every unexpected outcome is an incident (share transfers too), predictions cover log lines and
whole program accounts, and a scripted session of timed commands replays exactly from its seed."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

import pytest

from pytest_fixedratio.chain.base import Announce, Chain, Receipt
from pytest_fixedratio.chain.litesvm import LiteSvmChain
from pytest_fixedratio.engine import context
from pytest_fixedratio.engine.campaign import Campaign, CampaignConfig
from pytest_fixedratio.engine.model import WorkerKind, WorkerStatus
from pytest_fixedratio.engine.oplog import MemorySink
from pytest_fixedratio.engine.pool_factory import EXTREME_SPECS, create_pool, working_amount
from pytest_fixedratio.engine.session import Command, Session
from pytest_fixedratio.frt import pdas
from pytest_fixedratio.frt.constants import Side
from pytest_fixedratio.frt.state import MainTreasuryState
from pytest_fixedratio.sol.address import Address
from pytest_fixedratio.sol.instruction import Instruction
from pytest_fixedratio.sol.keys import Wallet
from pytest_fixedratio.store.rows import OperationRecord


@pytest.mark.asyncio
async def test_a_share_transfer_that_fails_unexpectedly_is_an_incident_and_fails_the_campaign(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # A harness bug made real: LP shares get a compute budget below what an SPL transfer needs, so the chain
    # rejects them (ComputationalBudgetExceeded) although their intent predicts success.
    monkeypatch.setitem(context.COMPUTE_UNITS, "share_lp", 10)
    log = MemorySink()
    summary = await Campaign(CampaignConfig(duration_s=30, pools=1, seed=4), sink=log).run()
    shares = [r for r in log.records if r.kind == "share_lp"]
    assert shares and not any(r.ok for r in shares)
    assert all(r.error == "ComputationalBudgetExceeded" and not r.expected_error for r in shares)
    assert not summary.passed
    incidents = [i for i in summary.incidents if i["operation"].get("kind") == "share_lp"]
    assert len(incidents) == len(shares) and all(i["kind"] == "unexpected_error" for i in incidents)
    assert any("[outcome] unexpected" in d for i in incidents for d in i["details"])
    depositors = {r.actor for r in shares}
    assert all(summary.per_worker[w]["status"] == WorkerStatus.ERROR.value for w in depositors)


class _Rewriting(LiteSvmChain):
    """Receipts rewritten between the transaction and its check, as a program with a bug would leave them: a
    success log line with another amount, or a treasury field the program does not set as the spec says."""

    def __init__(self, *args: Any, logs: bool = False, treasury: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.logs, self.treasury = logs, treasury

    async def send(self, instructions: Sequence[Instruction], signers: Sequence[Wallet], *,
                   payer: Wallet | None = None, compute_unit_limit: int | None = None,
                   watch: Iterable[Address] = (), announce: Announce | None = None) -> Receipt:
        receipt = await super().send(instructions, signers, payer=payer, compute_unit_limit=compute_unit_limit,
                                     watch=watch, announce=announce)
        if self.logs and any("DEPOSIT SUCCESS" in line for line in receipt.logs):
            logs = tuple(line.replace(" tokens → ", "0 tokens → ") for line in receipt.logs)
            return replace(receipt, logs=logs)
        treasury = pdas.main_treasury(self.program_id)[0]
        account = receipt.after.get(treasury)
        if self.treasury and receipt.ok and account is not None and receipt.before.get(treasury) is not None:
            state = MainTreasuryState.decode(account.data)
            wrong = replace(state, last_update_timestamp=state.last_update_timestamp - 1)
            return replace(receipt, after={**receipt.after, treasury: replace(account, data=wrong.encode())})
        return receipt


def _rewriting(**flags: bool) -> Any:
    def make(target: str, **kwargs: Any) -> Chain:
        assert target == "litesvm"
        return _Rewriting(kwargs["program_path"], program=kwargs["program"],
                          upgrade_authority=kwargs["upgrade_authority"], **flags)
    return make


@pytest.mark.asyncio
async def test_a_wrong_success_log_line_is_reported() -> None:
    summary = await Campaign(CampaignConfig(duration_s=10, pools=1, seed=6), chain=_rewriting(logs=True)).run()
    assert not summary.passed
    details = [d for i in summary.incidents for d in i["details"]]
    assert any(d.startswith("[logs] the success log line '✅ DEPOSIT SUCCESS: ") for d in details), details[:3]
    assert summary.verification["by_check"]["logs"] > 0


@pytest.mark.asyncio
async def test_a_treasury_field_not_set_as_the_spec_says_is_reported() -> None:
    summary = await Campaign(CampaignConfig(duration_s=1, pools=1, seed=6), chain=_rewriting(treasury=True)).run()
    assert not summary.passed
    details = [d for i in summary.incidents for d in i["details"]]
    assert any(d.startswith("[delta] MainTreasury") and "last_update_timestamp predicted" in d for d in details), \
        details


def _script() -> list[tuple[float, Command]]:
    """Add a pool with workers, start them, stop one, empty it, delete another, pause and resume the run."""
    async def add_pool(session: Session) -> None:
        pool = await create_pool(session, EXTREME_SPECS[1])
        for side in Side:
            amount = working_amount(pool, side)
            session.add_worker(WorkerKind.DEPOSIT, pool.address, side, initial_amount=amount, auto_refill=True)
            session.add_worker(WorkerKind.WITHDRAWAL, pool.address, side)
            session.add_worker(WorkerKind.SWAP, pool.address, side, initial_amount=amount, auto_refill=True)

    async def start(session: Session) -> None:
        session.start()

    def nth(session: Session, n: int) -> str:
        return list(session.workers)[n]

    async def stop_first(session: Session) -> None:
        await session.stop([nth(session, 0)])

    async def empty_first(session: Session) -> None:
        worker = session.worker(nth(session, 0))
        held = await worker.ctx.balance(worker.task_logic.funding_mint(worker.ctx))
        report = await session.empty(worker.worker_id)
        # A depositor whose last deposit was its whole balance (a boundary amount) has nothing left to empty.
        assert report["operation_successful"] if held else report["error_message"] == "No tokens available"

    async def delete_swapper(session: Session) -> None:
        await session.delete_worker(nth(session, 2))

    async def pause(session: Session) -> None:
        session.pause()

    async def resume(session: Session) -> None:
        session.resume()

    return [(0, add_pool), (1, start), (40, stop_first), (50, empty_first), (70, delete_swapper), (90, pause),
            (110, resume)]


async def _scripted(seed: int) -> tuple[list[OperationRecord], Session]:
    log = MemorySink()
    campaign = Campaign(CampaignConfig.for_stepping(pools=0, seed=seed), sink=log)
    await campaign.setup()
    await campaign.session.run_script([*_script(), (150, lambda session: session.stop())])
    return log.records, campaign.session


@pytest.mark.asyncio
async def test_a_scripted_session_replays_identically_from_its_seed() -> None:
    first, session = await _scripted(9)
    second, _ = await _scripted(9)
    assert first == second  # operation for operation, signatures included
    assert not session.incidents
    kinds = {r.kind for r in first}
    assert {"initialize_pool", "deposit", "withdraw", "swap", "burn", "return_sol", "leave"} <= kinds
    deleted = [r for r in first if r.kind == "leave"]
    assert len(deleted) == 1 and deleted[0].ok and len(session.workers) == 5
    paused = [r for r in first if 90 < r.at < 110 and r.kind in ("deposit", "withdraw", "swap")]
    assert paused == [], "workers took new cycles while the run was paused"
    assert any(r.at > 110 and r.kind == "deposit" for r in first), "workers did not resume"
    assert await session.final_check() == []
    other, _ = await _scripted(10)
    assert [r.signature for r in other] != [r.signature for r in first]

