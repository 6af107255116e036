"""The long-lived session: it owns the pools, the workers and the core wallet while it runs, and sends,
verifies and records every transaction of the run.

Everything the harness does is a command on a session: create or adopt a pool, add, start, stop, empty or
delete workers, pause and resume the run, let time pass. On the virtual clock commands are applied between
clock steps (every worker parked), so a seeded in-process run driven by a script of timed commands replays
operation for operation. `Session.execute` is the one path of every transaction: send, verify once, record the
operation (a tally and the outcome coverage kept, the record streamed to a sink), update the statistics of the
workers involved, and turn every unexpected outcome into an incident.
"""

from __future__ import annotations

import asyncio
import secrets
import time
import traceback
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Sequence
from typing import Any, TypeVar

from pytest_fixedratio.chain.abilities import AccountWriter, Ephemeral, Faucet
from pytest_fixedratio.chain.base import AccountMap, AccountState, Chain, Receipt
from pytest_fixedratio.engine import economy
from pytest_fixedratio.engine.clock import Clock, VirtualClock
from pytest_fixedratio.engine.context import Peer, WorkerContext
from pytest_fixedratio.engine.core_wallet import CoreWallet, CoreWalletError, Rents
from pytest_fixedratio.engine.decisions import DecisionSource
from pytest_fixedratio.engine.findings import FindingsLog, Observation
from pytest_fixedratio.engine.incidents import Incident
from pytest_fixedratio.engine.model import WorkerConfig, WorkerKind, WorkerStatus
from pytest_fixedratio.engine.operator import OperatorTask
from pytest_fixedratio.engine.oplog import NullSink, OperationSink, SendJournal, Tally
from pytest_fixedratio.engine.outcome import Outcome
from pytest_fixedratio.engine.pools import PoolGone, PoolHandle
from pytest_fixedratio.engine.runner import WorkerRunner
from pytest_fixedratio.engine.stats import POOL_KINDS, WorkerStats
from pytest_fixedratio.engine.tasks import AdversaryTask, DepositTask, SwapTask, Task, WithdrawalTask
from pytest_fixedratio.engine.view import AccountView
from pytest_fixedratio.errors import InvalidArgument
from pytest_fixedratio.frt import constants as c
from pytest_fixedratio.frt.constants import Side
from pytest_fixedratio.frt.pdas import PoolAddresses, pool_watch_list
from pytest_fixedratio.frt.state import PoolState
from pytest_fixedratio.intents.adversary import ADVERSARY_PREFIX
from pytest_fixedratio.intents.forged import Forgery
from pytest_fixedratio.intents.intent import Intent
from pytest_fixedratio.metrics.by_kind import ByKind
from pytest_fixedratio.sol.address import Address
from pytest_fixedratio.sol.keys import Wallet
from pytest_fixedratio.store.rows import OperationRecord
from pytest_fixedratio.verify.coverage import Coverage, instruction_of
from pytest_fixedratio.verify.reader import read_global
from pytest_fixedratio.verify.snapshot import describe_account
from pytest_fixedratio.verify.verifier import Verifier

Command = Callable[["Session"], Awaitable[Any]]
"""A step of a script: anything done to a session (add a pool, start workers, empty one ...)."""
T = TypeVar("T")


def _at_once(call: Coroutine[Any, Any, T]) -> T:
    """The result of a chain call that completes without suspending (the in-process chain does its work
    inline); one that would suspend, letting other workers run, is a misuse and raises."""
    try:
        call.send(None)
    except StopIteration as done:
        result: T = done.value
        return result
    call.close()
    raise InvalidArgument("the chain suspended a call that must complete at once (forged state on the chain)")


TASKS: dict[WorkerKind, type[Task]] = {
    WorkerKind.DEPOSIT: DepositTask,
    WorkerKind.WITHDRAWAL: WithdrawalTask,
    WorkerKind.SWAP: SwapTask,
    WorkerKind.ADVERSARY: AdversaryTask,
    WorkerKind.OPERATOR: OperatorTask,
}
"""What each kind of worker decides (`engine.tasks`, `engine.operator`)."""


class SwapWorkerExists(InvalidArgument):
    """A pool has one swap worker per direction (the control API answers this with its own code, -1001)."""


class Session:
    def __init__(self, chain: Chain, clock: Clock, decisions: DecisionSource, *, seed: int | None,
                 core_wallet: Wallet, core_decisions: DecisionSource, rents: Rents, verify_every: int = 1,
                 sink: OperationSink | None = None, journal: SendJournal | None = None) -> None:
        """`journal`: where each transaction is logged before it is sent (a chain that outlives the process)."""
        self.chain = chain
        self._writer = chain if isinstance(chain, AccountWriter) else None
        """The chain where it can set accounts (forged-state scenarios); a protocol check costs too much per send."""
        self.clock = clock
        self.decisions = decisions
        self.seed = seed
        exclusive = isinstance(chain, Ephemeral)  # a chain that outlives the process may have other clients
        self.verifier = Verifier(chain.program_id, verify_every=verify_every, shared=not exclusive)
        self.view = AccountView(chain, exclusive=exclusive)
        self.sink: OperationSink = NullSink() if sink is None else sink
        self.journal = journal
        self.tally = Tally()
        self.coverage = Coverage()
        """Every FRT transaction by (instruction, outcome): which documented checks the run exercised."""
        self.by_kind = ByKind(ADVERSARY_PREFIX)
        """Latency and compute units of every transaction, by kind (the control port's get_stats)."""
        self.core = CoreWallet(self, core_wallet, core_decisions, rents)
        self.pools: dict[Address, PoolHandle] = {}
        self.workers: dict[str, WorkerRunner] = {}
        self.stats: dict[str, WorkerStats] = {}
        """Statistics by actor id: the workers', kept after a worker is deleted."""
        self.incidents: list[Incident] = []
        self.findings = FindingsLog()
        """What the security probes showed (`engine.probes`)."""
        self.paused = False
        self._numbers = 0
        self._teams: dict[tuple[Address, WorkerKind, Side], list[WorkerRunner]] = {}
        """Workers by (pool, kind, side), in creation order: whom a worker shares with."""

    # ------------------------------------------------------------------ transactions
    async def execute(self, intent: Intent) -> Outcome:
        """Send `intent`, verify its receipt once, record it; every unexpected outcome is an incident."""
        announce = None if self.journal is None else self.journal.announcer(
            intent.actor, intent.kind, self._pool_label(intent), intent.amount, self.clock.now())
        started = time.perf_counter()
        receipt = await self.chain.send(intent.instructions(), intent.signers,
                                        compute_unit_limit=intent.compute_units, watch=intent.watch(),
                                        announce=announce)
        outcome = self._settle(intent, receipt, (time.perf_counter() - started) * 1000)
        if intent.audit is not None:
            await self._audit(intent, outcome)
        return outcome

    async def _audit(self, intent: Intent, outcome: Outcome) -> None:
        """After an admin action: every pool it touched, then the program-wide invariants (G1-G4, G4 when the
        action syncs the treasury's cached balance), read from the chain; a violation is an incident."""
        assert intent.audit is not None
        found = [v for pool in intent.audit if pool in self.verifier.watches for v in await self.check_pool(pool)]
        synced = outcome.ok and outcome.verification.prediction.treasury_synced
        found += await self.check_program(synced=synced)
        if found:
            self._incident_of("violation", intent.actor, outcome, tuple(found))

    def execute_forged(self, intent: Intent, forgery: Forgery) -> Outcome:
        """`execute` with the accounts of `forgery` forged for this one transaction (a forged-state scenario,
        `intents.forged`): written just before it is sent, and their forged part set back right after it,
        keeping what the transaction did. The verifier and the view are told of both (`acknowledge`), so the
        prediction starts from the forged state and continuity stays exact; the pool invariants are checked on
        the state set back.

        Only on a chain that can set accounts (`AccountWriter`: the in-process target). No other worker may run
        while the forged state is on the chain: this method is not a coroutine, and the chain's reads and the
        send are run to completion on the spot (`_at_once`), which the in-process chain does without ever
        suspending (a chain call that would suspend is a misuse, and raises)."""
        chain = self._writer
        if chain is None:
            raise InvalidArgument(f"forged-state scenarios need a chain that can set accounts; "
                                  f"{type(self.chain).__name__} cannot (in-process target only)")
        watch = intent.watch()
        unwatched = set(forgery.addresses) - set(watch)
        if unwatched:
            raise InvalidArgument(f"{intent.kind} forges accounts its intent does not watch: "
                                  f"{sorted(map(str, unwatched))}")
        original = _at_once(chain.get_accounts(forgery.addresses))
        forged = forgery.forge(original)
        for address, state in forged.items():
            chain.set_account(address, state)
        self.acknowledge(forged)
        started = time.perf_counter()
        receipt = _at_once(chain.send(intent.instructions(), intent.signers, compute_unit_limit=intent.compute_units,
                                      watch=watch))
        latency_ms = (time.perf_counter() - started) * 1000
        restored = forgery.restore(original, forged, receipt.after)
        for address, state in restored.items():
            chain.set_account(address, state)
        return self._settle(intent, receipt, latency_ms, restored)

    def _settle(self, intent: Intent, receipt: Receipt, latency_ms: float,
                restored: dict[Address, AccountState] | None = None) -> Outcome:
        """Verify, record and account for a sent transaction (`restored`: what `execute_forged` set back)."""
        verification = self.verifier.verify(intent, receipt, restored=restored)
        self.view.update(receipt.after)
        if restored:
            self.view.update(restored)
        self._numbers += 1
        record = OperationRecord(
            number=self._numbers, at=self.clock.now(), actor=intent.actor, kind=intent.kind,
            pool=self._pool_label(intent), amount=intent.amount, ok=receipt.ok, signature=receipt.signature,
            error="" if verification.error is None else verification.error.name,
            expected_error=verification.expected_failure,
            findings=tuple(str(f) for f in verification.findings), boundary=intent.boundary,
        )
        self.tally.add(record)
        self.coverage.record(intent.kind, verification.error)
        self.by_kind.record(intent.kind, latency_ms, receipt.compute_units)
        self.sink.write(record)
        outcome = Outcome(record, receipt, verification, latency_ms)
        if verification.finding is not None:
            self.findings.observe(Observation(intent.finding, verification.finding,
                                              f"{intent.kind} by {intent.actor}, transaction {receipt.signature}"))
        self._account(intent, outcome)
        self._incidents(intent, outcome)
        return outcome

    def _pool_label(self, intent: Intent) -> str:
        if intent.pool is None:
            return ""
        pool = self.pools.get(intent.pool)
        return str(intent.pool) if pool is None else pool.label

    def _account(self, intent: Intent, outcome: Outcome) -> None:
        """The statistics of the actor (fees, compute units, attempts) and of the workers a share paid."""
        stats = self.stats.get(intent.actor)
        if stats is None:
            return
        receipt, at = outcome.receipt, self.clock.now()
        # an adversary's forged-state boundary that succeeds pays the pool's fee like the honest operation
        pool_fee = receipt.lamport_change(intent.pool) if receipt.ok and instruction_of(intent.kind) in POOL_KINDS \
            and intent.pool is not None else 0
        stats.record_transaction(at=at, kind=intent.kind, ok=outcome.ok, size=intent.amount,
                                 latency_ms=outcome.latency_ms, network_fee=receipt.fee, pool_fee=pool_fee,
                                 compute_units=receipt.compute_units, error=outcome.record.error,
                                 expected=outcome.expected_failure, detail=str(outcome.verification.error))
        if outcome.ok and intent.credits:
            for worker_id, amount in intent.credits:
                stats.shared_to[worker_id] += amount
                stats.counters.shared_out += amount
                receiver = self.stats.get(worker_id)
                if receiver is not None:
                    receiver.received_from[intent.actor] += amount
                    receiver.counters.shared_in += amount

    def _incidents(self, intent: Intent, outcome: Outcome) -> None:
        verification = outcome.verification
        if not verification.findings:
            return
        kind = "unexpected_error" if verification.unexpected_failure else "violation"
        self._incident_of(kind, intent.actor, outcome, tuple(str(f) for f in verification.findings))
        runner = self.workers.get(intent.actor)
        if runner is not None and verification.unexpected_failure:
            runner.fail(f"unexpected {verification.error} on {intent.kind}")

    def _incident_of(self, kind: str, actor: str, outcome: Outcome, details: tuple[str, ...]) -> None:
        receipt = outcome.receipt
        self.incidents.append(Incident(
            kind, actor, outcome.record.to_dict(), details, self.seed, receipt.logs,
            {str(a): describe_account(s) for a, s in receipt.before.items()},
            {str(a): describe_account(s) for a, s in receipt.after.items()},
        ))

    def record_crash(self, worker_id: str, exc: BaseException) -> None:
        trace = "".join(traceback.format_exception(exc))
        self.incidents.append(Incident("crash", worker_id, {}, (repr(exc), trace), self.seed))

    def acknowledge(self, accounts: AccountMap) -> None:
        """Accounts changed on purpose outside a transaction (a test playing an admin): take them as known, for
        the workers' decisions and for the verifier's continuity check."""
        self.view.update(accounts)
        self.verifier.acknowledge(accounts)

    # ------------------------------------------------------------------ SOL
    async def top_up(self, address: Address) -> int:
        """A fair share of the core wallet's spare SOL for a worker below the low-water mark."""
        amount = economy.topup_amount(await self.chain.get_balance(self.core.address), len(self.workers))
        if amount:
            await self.core.send_sol(address, amount)
        return amount

    async def airdrop_core(self, lamports: int) -> int:
        """SOL for the core wallet from the chain's faucet; its new balance. The credit is no transaction, so
        the verifier and the view are told of it (`acknowledge`)."""
        if not isinstance(self.chain, Faucet):
            raise CoreWalletError(f"the {type(self.chain).__name__} target has no faucet: fund the core wallet "
                                  f"{self.core.address} from another wallet")
        await self.chain.airdrop(self.core.address, lamports)
        account = await self.chain.get_account(self.core.address)
        self.acknowledge({self.core.address: account})
        return 0 if account is None else account.lamports

    # ------------------------------------------------------------------ pools
    def adopt_pool(self, pool: PoolHandle) -> None:
        """Manage a pool (created or validated by the caller); its invariants are watched from its state now."""
        self.pools[pool.address] = pool

    async def track_pool(self, pool: PoolHandle) -> None:
        await self.watch_pool(pool.addresses)
        self.adopt_pool(pool)

    async def watch_pool(self, addresses: PoolAddresses) -> None:
        """Check a pool's invariants from its state now on, without managing it (no workers: a probe's pool)."""
        accounts = await self.chain.get_accounts(pool_watch_list(addresses))
        self.view.update(accounts)
        rent = await self.chain.rent_exempt_minimum(c.POOL_STATE_LEN)
        self.verifier.track_pool(addresses, accounts, pool_rent=rent)

    async def refresh_pool(self, pool: Address) -> PoolHandle:
        handle = self.pools[pool]
        account = await self.view.one(pool)
        if account is None:
            raise PoolGone(f"pool {handle.label} has no account on the chain")
        handle.state = PoolState.decode(account.data)
        return handle

    async def delete_pool(self, pool: Address) -> list[dict[str, Any]]:
        """Delete the pool's workers (stop, empty, close, return SOL) and stop managing it. The pool stays on
        chain: FRT has no instruction that closes one."""
        if pool not in self.pools:
            raise InvalidArgument(f"pool {pool} is not managed by this session; known: {[str(p) for p in self.pools]}")
        reports = [await self.delete_worker(w.worker_id) for w in list(self.workers.values()) if w.config.pool == pool]
        await self.check_pool(pool)
        self.verifier.forget_pool(pool)
        del self.pools[pool]
        return reports

    async def check_pool(self, pool: Address) -> list[str]:
        """The invariants of a pool the verifier watches (managed or a probe's), on its accounts as they are now."""
        accounts = await self.chain.get_accounts(pool_watch_list(self.verifier.watches[pool].baseline.addresses))
        found = self.verifier.check_pool(pool, accounts, f"pool check of {pool}")
        return [str(v) for v in found]

    # ------------------------------------------------------------------ workers
    def _new_worker_id(self, kind: WorkerKind) -> str:
        suffix = self.decisions.integer(0, 2**32 - 1) if self.seed is not None else secrets.randbits(32)
        return f"{kind.id_prefix}-{suffix:08x}"

    def add_worker(self, kind: WorkerKind, pool: Address, side: Side, *, initial_amount: int = 0,
                   auto_refill: bool = False, share: bool = True, worker_id: str | None = None,
                   wallet: Wallet | None = None, stats: WorkerStats | None = None, task: Task | None = None
                   ) -> WorkerRunner:
        """A new worker, created and not started. `worker_id`, `wallet` and `stats` bring back a stored worker
        (a service restarting); otherwise the id is new, the wallet derived from the seed in a seeded run and
        random in any other, and the statistics empty. `task` replaces the kind's default decisions (an operator
        with its own rate)."""
        if worker_id is not None and worker_id in self.workers:
            raise InvalidArgument(f"worker {worker_id} exists in this session already")
        if pool not in self.pools:
            raise InvalidArgument(f"pool {pool} is not managed by this session; create or import it first")
        if kind is WorkerKind.SWAP and any(
            w.kind is WorkerKind.SWAP and w.config.pool == pool and w.side is side for w in self.workers.values()
        ):
            raise SwapWorkerExists(f"pool {pool} already has a swap worker for input side {side}")
        worker_id = self._new_worker_id(kind) if worker_id is None else worker_id
        config = WorkerConfig(worker_id, kind, pool, side, initial_amount, auto_refill, share)
        decisions = self.decisions.child(worker_id)
        if wallet is None:
            wallet = Wallet.from_seed(decisions.secret_seed()) if self.seed is not None else Wallet.generate()
        if stats is not None:
            self.stats[worker_id] = stats
        stats = self.stats.setdefault(worker_id, WorkerStats())
        runner = WorkerRunner(WorkerContext(self, config, wallet, decisions, stats),
                              TASKS[kind]() if task is None else task, self.clock, self.record_crash)
        self.workers[worker_id] = runner
        self._teams.setdefault((pool, kind, side), []).append(runner)
        return runner

    def worker(self, worker_id: str) -> WorkerRunner:
        runner = self.workers.get(worker_id)
        if runner is None:
            raise InvalidArgument(f"no worker {worker_id!r}; known: {sorted(self.workers)}")
        return runner

    def running_peers(self, worker_id: str, pool: Address, kind: WorkerKind, side: Side) -> list[Peer]:
        """Running workers of `kind` on `pool` and `side` (never a stale, stopped one: service bug 19)."""
        return [Peer(w.worker_id, w.address) for w in self._teams.get((pool, kind, side), ())
                if w.worker_id != worker_id and w.running]

    def start(self, worker_ids: Iterable[str] | None = None) -> None:
        for runner in self._select(worker_ids):
            runner.start()

    async def stop(self, worker_ids: Iterable[str] | None = None) -> None:
        for runner in self._select(worker_ids):
            if runner.status in (WorkerStatus.RUNNING, WorkerStatus.STOPPING):
                await runner.stop()

    async def empty(self, worker_id: str) -> dict[str, Any]:
        return (await self.worker(worker_id).empty()).to_dict()

    async def delete_worker(self, worker_id: str) -> dict[str, Any]:
        """Stop, empty, close the worker's token accounts and return all its SOL to the core wallet; then forget
        it. Returns the empty report and what was returned."""
        runner = self.worker(worker_id)
        await runner.stop()
        emptied = await runner.empty()
        returned = await runner.leave()
        del self.workers[worker_id]
        self._teams[(runner.config.pool, runner.kind, runner.side)].remove(runner)
        return {"worker_id": worker_id, "empty": emptied.to_dict(), "returned_lamports": returned}

    def _select(self, worker_ids: Iterable[str] | None) -> list[WorkerRunner]:
        return list(self.workers.values()) if worker_ids is None else [self.worker(w) for w in worker_ids]

    # ------------------------------------------------------------------ the run
    def pause(self) -> None:
        """Workers finish the cycle in flight and take no new one until `resume`."""
        self.paused = True

    def resume(self) -> None:
        self.paused = False
        for runner in self.workers.values():
            runner.wake()

    async def run_for(self, seconds: float) -> None:
        """Let the workers run for `seconds` more (virtual or real)."""
        await self.run_until(self.clock.now() + seconds)

    async def run_until(self, at: float) -> None:
        if isinstance(self.clock, VirtualClock):
            await self.clock.run_until(at)
        else:
            await asyncio.sleep(max(0.0, at - self.clock.now()))

    async def run_script(self, script: Sequence[tuple[float, Command]]) -> None:
        """Apply each command at its time (seconds from now), letting the workers run in between."""
        start = self.clock.now()
        for at, command in sorted(script, key=lambda step: step[0]):
            await self.run_until(start + at)
            await command(self)

    async def final_check(self) -> list[str]:
        """Every pool once more, then the program-wide invariants (G1, G2, G3)."""
        found = [v for pool in self.pools for v in await self.check_pool(pool)]
        return found + await self.check_program()

    async def check_program(self, *, synced: bool = False) -> list[str]:
        """The program-wide invariants (G1, G2, G3; G4 with `synced`) on the accounts as they are now."""
        snapshot = await read_global(self.chain)
        rent = await self.chain.rent_exempt_minimum(c.MAIN_TREASURY_LEN)
        return [str(v) for v in self.verifier.check_program(snapshot, treasury_rent=rent, synced=synced)]

    async def close(self) -> None:
        await self.stop()
        self.sink.close()
