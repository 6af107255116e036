"""A run kept in its data directory's store as it goes, and brought back when a service starts again.

`StoreRecorder` is the campaign's `Recorder` and the session's operation sink: records collect in memory during
a step of chain time and land at the step boundary in one transaction with the statistics, errors and worker
statuses they changed (`Store.commit_step`), so whatever moment a process dies at, the stored statistics count
exactly the stored operations. On the in-process target this is all a crash can lose: the chain dies with the
process, so no transaction outlives its log entry. On a chain that outlives the service (a validator, the
localnet endpoint) the recorder is also the session's `SendJournal`: each signature is logged as pending before
it is sent, and the step that records the operation resolves that row. `settle_pending`, at the next start,
asks the chain what became of the rows a killed process left: one that landed is logged (as the last operation
of its session) and counted in its worker's statistics in one transaction; one that can no longer land goes.
So every transaction that landed is in the log exactly once.

`restore` brings a stored service back: sessions a killed process left open are closed as interrupted; pools
are made again at their addresses on a chain that is new at every start (the in-process target, which says
so), or validated against a chain that kept them; workers come back with their ids, key files, statistics and
statuses, and those that were running run again.
"""

from __future__ import annotations

from dataclasses import astuple
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from pytest_fixedratio.chain.abilities import Ephemeral, Lookup
from pytest_fixedratio.chain.base import Announce, Chain
from pytest_fixedratio.engine.model import WorkerKind, WorkerStatus
from pytest_fixedratio.engine.pool_book import PoolBook, adopt_saved, recreate_pool
from pytest_fixedratio.engine.stats import WorkerStats
from pytest_fixedratio.frt.constants import Side
from pytest_fixedratio.frt.errors import classify
from pytest_fixedratio.intents.adversary import ADVERSARY_PREFIX
from pytest_fixedratio.sol.address import Address
from pytest_fixedratio.store.database import Store
from pytest_fixedratio.store.rows import ErrorRow, OperationRecord, SessionStatus, WorkerRow

if TYPE_CHECKING:
    from pytest_fixedratio.engine.runner import WorkerRunner
    from pytest_fixedratio.engine.session import Session
    from pytest_fixedratio.engine.summary import CampaignSummary

RESTORED: Final = "restored after a restart"


def utc_now() -> datetime:
    return datetime.now(UTC)


class StoreRecorder:
    """Streams a session into `store` under one stored session (opened here, ended by `finished`)."""

    def __init__(self, store: Store, settings: dict[str, Any], *, started: datetime | None = None) -> None:
        self.store = store
        self.started = started or utc_now()
        self.notices = _close_interrupted(store)
        """Sessions a killed process had left open, closed now (for the user to hear of)."""
        self.session_id = store.open_session(self.started, settings)
        self._records: list[OperationRecord] = []
        self._stored: dict[str, str] = {w.worker_id: w.status for w in store.load_workers()}
        """Live stored workers and the status last stored."""
        self._counters: dict[str, tuple[int, ...]] = {}
        self._failures: dict[str, int] = {}

    # -- the operation sink ---------------------------------------------------------------------------------
    def write(self, record: OperationRecord) -> None:
        self._records.append(record)

    def close(self) -> None:
        """The session's sink closes before its summary is made; the last records land with `finished`."""

    # -- the send journal -----------------------------------------------------------------------------------
    def announcer(self, actor: str, kind: str, pool: str, amount: int, at: float) -> Announce:
        """Logs the operation as pending under its first signature, and moves the row to each new one."""
        row: list[int] = []

        def announce(signature: str, last_valid_height: int) -> None:
            row[:] = [self.store.log_pending(self.session_id, signature, actor, kind, pool, amount, at,
                                             last_valid_height, replaces=row[0] if row else None)]
        return announce

    # -- the recorder ---------------------------------------------------------------------------------------
    def step(self, session: Session, finished: list[dict[str, Any]]) -> None:
        """Every worker is parked: store new and deleted workers, then the step in one transaction."""
        for runner in session.workers.values():
            if runner.worker_id not in self._stored:
                self.store.save_worker(_row(runner), runner.ctx.wallet)
                self._stored[runner.worker_id] = runner.status.value
        for worker_id in [w for w in self._stored if w not in session.workers]:
            self.store.mark_worker_deleted(worker_id, utc_now())
            del self._stored[worker_id]
        statuses = {w.worker_id: w.status.value for w in session.workers.values()
                    if self._stored[w.worker_id] != w.status.value}
        stats, errors = self._changed_stats(session), self._new_errors(session)
        if self._records or stats or errors or statuses or finished:
            self.store.commit_step(self.session_id, self._records, stats, errors, statuses, worker_sessions=finished)
        self._stored.update(statuses)
        self._records = []

    def recent(self, worker_id: str, limit: int | None = None) -> list[dict[str, Any]]:
        """The worker's stored sessions, newest first (get_thread_sessions; they outlive restarts)."""
        return self.store.load_worker_sessions(worker_id, limit)

    def resume_later(self, worker_ids: list[str]) -> None:
        """Workers that ran until the service stopped: stored as running, so its next start runs them again."""
        for worker_id in worker_ids:
            self.store.set_worker_status(worker_id, WorkerStatus.RUNNING.value)

    def finished(self, summary: CampaignSummary) -> None:
        ended = utc_now()
        self.store.end_session(self.session_id, ended, SessionStatus.ENDED, session_report(
            summary, self.started, ended))

    def _changed_stats(self, session: Session) -> dict[str, dict[str, Any]]:
        """The statistics of the actors whose counters moved since the last step."""
        changed = {}
        now = session.clock.now()
        for actor, stats in session.stats.items():
            counters = astuple(stats.counters)
            if self._counters.get(actor) != counters:
                self._counters[actor] = counters
                changed[actor] = stats.to_dict(now)
        return changed

    def _new_errors(self, session: Session) -> list[ErrorRow]:
        """The failures each worker had since the last step (at most the ones its statistics still hold)."""
        rows: list[ErrorRow] = []
        for actor, stats in session.stats.items():
            failures = stats.counters.expected_failures + stats.counters.unexpected_failures
            new = failures - self._failures.get(actor, 0)
            self._failures[actor] = failures
            if new > 0:
                recent = list(stats.recent_errors)[-new:]
                rows.extend(ErrorRow(actor, float(e["at"]), str(e["error"]), str(e["operation"]), str(e["detail"]))
                            for e in recent)
        return rows


def _row(runner: WorkerRunner) -> WorkerRow:
    config = runner.config
    return WorkerRow(config.worker_id, config.kind.value, str(config.pool), config.side.value, config.initial_amount,
                     config.auto_refill, config.share, runner.status.value, utc_now())


def session_report(summary: CampaignSummary, started: datetime, ended: datetime) -> dict[str, Any]:
    """A run's stored session (service-features.md 6.3, for the whole run): when and why it ran and ended,
    the verification totals, the pool checks, and the full summary."""
    return {
        "session_info": {"start_time": started.isoformat(), "end_time": ended.isoformat(),
                         "duration_seconds": summary.virtual_seconds, "wall_seconds": summary.wall_seconds,
                         "stop_reason": summary.interrupted or "finished"},
        "verification_totals": {"operation_counts": {"total_operations": summary.total_operations,
                                                     **{kind: dict(c) for kind, c in summary.operations.items()}},
                                "verification": dict(summary.verification), "incidents": len(summary.incidents)},
        "pool_verification_data": {"pools": summary.pools, "violations": summary.verification.get("violations", 0),
                                   "pool_verification_passed": summary.passed},
        "summary": summary.to_dict(),
    }


async def restore(session: Session, store: Store, book: PoolBook) -> list[str]:
    """Bring back what `store` holds into a new `session`; what was done, as lines for the user."""
    said: list[str] = []
    chain = session.chain
    if isinstance(chain, Ephemeral):
        said.append(f"the {type(chain).__name__} chain is new at every start: making the "
                    f"{len(book.records)} stored pool(s) again at their addresses")
        for record in book.records:
            await recreate_pool(session, record, book)
    else:
        dropped = await adopt_saved(session, book)
        said.extend(f"pool {r.pool} is gone from the chain: dropped (backed up under deleted/)" for r in dropped)
    stats = store.load_stats()
    restarted = []
    for row in store.load_workers():
        pool = Address.from_base58(row.pool)
        if pool not in session.pools:
            said.append(f"worker {row.worker_id} stays stopped: its pool {row.pool} is not on the chain")
            continue
        runner = session.add_worker(
            WorkerKind(row.kind), pool, Side(row.side), initial_amount=row.initial_amount,
            auto_refill=row.auto_refill, share=row.share, worker_id=row.worker_id,
            wallet=store.load_worker_wallet(row.worker_id),
            stats=WorkerStats.from_dict(stats[row.worker_id]) if row.worker_id in stats else None)
        if row.status in (WorkerStatus.RUNNING, WorkerStatus.STOPPING):
            restarted.append(runner.worker_id)
        else:
            runner.restore_status(WorkerStatus(row.status), RESTORED)
    session.start(restarted)
    said.append(f"{len(session.workers)} stored worker(s) back, {len(restarted)} running again")
    return said


async def settle_pending(store: Store, chain: Chain) -> list[str]:
    """Settle the transactions a killed process logged as sent and never saw the end of (see the module's
    docstring); what was found, as lines for the user. A failure of an honest operation found so is said
    plainly: nobody verified it."""
    pending = store.pending_operations()
    if not pending:
        return []
    if not isinstance(chain, Lookup):
        return [f"{len(pending)} transaction(s) logged as sent stay pending: the {type(chain).__name__} chain is "
                f"not the one they went to; they are settled when the service runs on that chain again"]
    stats = store.load_stats()
    said, landed, lost = [], 0, 0
    for op in pending:
        receipt = await chain.fate(op.signature, op.last_valid_height)
        if receipt is None:
            store.settle_pending(op.row_id, None)
            lost += 1
            continue
        landed += 1
        error = "" if receipt.failure is None else classify(receipt.failure, receipt.logs, chain.program_id).name
        expected = op.kind.startswith(ADVERSARY_PREFIX)
        if error and not expected:
            said.append(f"{op.actor}'s {op.kind} of {op.amount} ({op.signature}) failed on the chain with {error}, "
                        f"unverified: its process died before it could check it")
        record = OperationRecord(0, op.at, op.actor, op.kind, op.pool, op.amount, receipt.ok, op.signature, error,
                                 expected and bool(error), (), "")
        actor = stats.get(op.actor)
        if actor is not None:
            counted = WorkerStats.from_dict(actor)
            counted.counters.recovered += 1
            counted.record_transaction(at=op.at, kind=op.kind, ok=receipt.ok, size=op.amount, latency_ms=None,
                                       network_fee=receipt.fee, pool_fee=0, compute_units=receipt.compute_units,
                                       error=error, expected=expected, detail="found on the chain after a restart")
            stats[op.actor] = actor = counted.to_dict()
        store.settle_pending(op.row_id, record, actor)
    said.insert(0, f"{len(pending)} transaction(s) a stopped process had sent without seeing the end: {landed} "
                   f"landed (logged and counted now), {lost} never will")
    return said


def _close_interrupted(store: Store) -> list[str]:
    """Sessions a killed process left open, closed as interrupted with what the store holds of them."""
    said = []
    for row in store.open_sessions():
        operations = store.count_operations(row.session_id)
        store.end_session(row.session_id, utc_now(), SessionStatus.INTERRUPTED, {
            "session_info": {"start_time": row.started_at.isoformat(), "end_time": None,
                             "stop_reason": "the process ended without stopping (killed); found open at the next "
                                            "start"},
            "verification_totals": {"operation_counts": {"total_operations": operations}}})
        said.append(f"session {row.session_id} was left open by a process that died: closed as interrupted "
                    f"({operations} operations stored)")
    return said
