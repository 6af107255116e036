"""`StressEngine`: the one object that owns a run's workers, pools, core wallet, operator and incidents.

Workers reach everything through it (the chain, the clock, their peers for sharing), so there is one registry
of *live* workers: sharing goes to workers that are running now, never to a stale persisted status
(service-features.md bug 19).
"""

from __future__ import annotations

import secrets
import traceback
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pytest_fixedratio.chain.base import Chain, Receipt
from pytest_fixedratio.engine.clock import Clock
from pytest_fixedratio.engine.core_wallet import CoreWallet
from pytest_fixedratio.engine.decisions import DecisionSource
from pytest_fixedratio.engine.model import WorkerConfig, WorkerKind, WorkerStatus
from pytest_fixedratio.engine.operator import Judge, Judgement, OperationLog, Operator, Outcome
from pytest_fixedratio.engine.pools import PoolHandle
from pytest_fixedratio.engine.verification import LedgerChecks
from pytest_fixedratio.engine.workers import WORKER_TYPES, Worker
from pytest_fixedratio.errors import InvalidArgument
from pytest_fixedratio.frt import errors as frt_errors
from pytest_fixedratio.frt import pdas
from pytest_fixedratio.frt.constants import Side
from pytest_fixedratio.frt.state import SystemState
from pytest_fixedratio.sol.address import Address
from pytest_fixedratio.sol.ids import LAMPORTS_PER_SIGNATURE, TOKEN_ACCOUNT_LEN
from pytest_fixedratio.verify.snapshot import describe_account


@dataclass(frozen=True, slots=True)
class Incident:
    """An unexpected error, a verification finding or a crash, with what is needed to investigate it: the
    operation record (number, actor, amount, signature), the findings, the seed, the program logs, and the
    watched accounts before and after the transaction (decoded where their layout is known)."""

    kind: str
    worker_id: str
    operation: dict[str, Any]
    details: tuple[str, ...]
    seed: int | None
    logs: tuple[str, ...] = ()
    accounts_before: dict[str, Any] = field(default_factory=dict)
    accounts_after: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "worker_id": self.worker_id, "operation": self.operation,
                "details": list(self.details), "seed": self.seed, "logs": list(self.logs),
                "accounts_before": self.accounts_before, "accounts_after": self.accounts_after}


@dataclass
class StressEngine:
    chain: Chain
    clock: Clock
    decisions: DecisionSource
    checks: LedgerChecks
    operator: Operator
    core: CoreWallet
    seed: int | None = None
    pools: dict[Address, PoolHandle] = field(default_factory=dict)
    workers: dict[str, Worker] = field(default_factory=dict)
    incidents: list[Incident] = field(default_factory=list)
    network_fee: int = LAMPORTS_PER_SIGNATURE

    @property
    def log(self) -> OperationLog:
        return self.operator.log

    # ------------------------------------------------------------------ failures
    def judge(self, context: frt_errors.OperationContext) -> Judge:
        program_id = self.chain.program_id

        def judged(receipt: Receipt) -> Judgement:
            assert receipt.failure is not None
            error = frt_errors.classify(receipt.failure, receipt.logs, program_id)
            verdict = frt_errors.judge(error, context)
            return Judgement(error.name, verdict.expected, verdict.reason, verdict.critical)

        return judged

    async def after_operation(self, worker: Worker, outcome: Outcome) -> None:
        pool = worker.pool
        findings = list(outcome.findings)
        findings.extend(await self.checks.after_operation(pool, outcome))
        if findings:
            self._incident("violation", worker.worker_id, outcome,
                           tuple(str(f) for f in findings))
        if outcome.verdict is not None and not outcome.verdict.expected:
            self._incident("unexpected_error", worker.worker_id, outcome,
                           (f"{outcome.verdict.error}: {outcome.verdict.reason}",))

    def record_crash(self, worker: Worker, exc: BaseException) -> None:
        trace = "".join(traceback.format_exception(exc))
        self.incidents.append(Incident("crash", worker.worker_id, {}, (repr(exc), trace), self.seed))

    def _incident(self, kind: str, worker_id: str, outcome: Outcome, details: tuple[str, ...]) -> None:
        receipt = outcome.receipt
        self.incidents.append(Incident(
            kind, worker_id, outcome.record.to_dict(), details, self.seed, receipt.logs,
            {str(a): describe_account(s) for a, s in receipt.before.items()},
            {str(a): describe_account(s) for a, s in receipt.after.items()},
        ))

    async def system_paused(self) -> bool:
        account = await self.chain.get_account(pdas.system_state(self.chain.program_id)[0])
        return account is not None and SystemState.decode(account.data).is_paused

    # ------------------------------------------------------------------ accounts
    async def ensure_atas(self, pairs: list[tuple[Address, Address]]) -> None:
        """Create (core wallet pays, ledger verifies) every missing (owner, mint) ATA."""
        missing = self.core.missing_atas(pairs)
        if missing:
            rent = await self.chain.rent_exempt_minimum(TOKEN_ACCOUNT_LEN)
            await self.core.ensure_atas(missing, checks=self.checks.create_atas(self.core.address, missing, rent))

    # ------------------------------------------------------------------ workers
    def new_worker_id(self, kind: WorkerKind) -> str:
        suffix = self.decisions.integer(0, 2**32 - 1) if self.seed is not None else secrets.randbits(32)
        return f"{kind.id_prefix}-{suffix:08x}"

    def create_worker(self, kind: WorkerKind, pool: Address, side: Side, *, initial_amount: int = 0,
                      auto_refill: bool = False, share: bool = True) -> Worker:
        if pool not in self.pools:
            raise InvalidArgument(f"pool {pool} is not managed by this engine; create or import it first")
        if kind is WorkerKind.SWAP and any(
            w.kind is WorkerKind.SWAP and w.config.pool == pool and w.side is side for w in self.workers.values()
        ):
            raise InvalidArgument(f"pool {pool} already has a swap worker for input side {side}")
        worker_id = self.new_worker_id(kind)
        config = WorkerConfig(worker_id, kind, pool, side, initial_amount, auto_refill, share)
        worker = WORKER_TYPES[kind](self, config, self.decisions.child(worker_id))
        self.workers[worker_id] = worker
        return worker

    def running_peers(self, worker: Worker, kind: WorkerKind) -> list[Worker]:
        """Running workers of `kind` on the same pool that receive `worker`'s shares.

        Deposit and withdrawal peers share the side; a swap worker's peer is the opposite-direction swapper.
        """
        side = worker.side.other if kind is WorkerKind.SWAP else worker.side
        return [w for w in self.workers.values()
                if w is not worker and w.kind is kind and w.config.pool == worker.config.pool and w.side is side
                and w.running]

    def start_all(self, workers: Iterable[Worker] | None = None) -> None:
        for worker in list(self.workers.values()) if workers is None else workers:
            worker.start()

    async def delete_worker(self, worker_id: str) -> dict[str, Any]:
        """Stop, empty, close the worker's token accounts and return all its SOL to the core wallet; then forget
        it. Returns the empty report and what was returned."""
        worker = self.workers.get(worker_id)
        if worker is None:
            raise InvalidArgument(f"no worker {worker_id!r}; known: {sorted(self.workers)}")
        await worker.stop()
        emptied = await worker.empty()
        returned = await worker.leave()
        del self.workers[worker_id]
        return {"worker_id": worker_id, "empty": emptied.to_dict(), "returned_lamports": returned}

    async def stop_all(self) -> None:
        for worker in list(self.workers.values()):
            if worker.status in (WorkerStatus.RUNNING, WorkerStatus.STOPPING):
                await worker.stop()
