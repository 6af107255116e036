"""A run kept in its data directory's store as it goes, and brought back when a service starts again.

`StoreRecorder` is the campaign's `Recorder` and the session's operation sink: records collect in memory during
a step of chain time and land at the step boundary in one transaction with the statistics, errors and worker
statuses they changed (`Store.commit_step`), so whatever moment a process dies at, the stored statistics count
exactly the stored operations. On the in-process target this is all a crash can lose: the chain dies with the
process, so no transaction outlives its log entry. (A chain that outlives the service needs each signature
logged before its send; that comes with the validator target.)

`restore` brings a stored service back: sessions a killed process left open are closed as interrupted; pools
are made again at their addresses on a chain that is new at every start (the in-process target, which says
so), or validated against a chain that kept them; workers come back with their ids, key files, statistics and
statuses, and those that were running run again.
"""

from __future__ import annotations

from dataclasses import astuple
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from pytest_fixedratio.chain.abilities import Ephemeral
from pytest_fixedratio.engine.model import WorkerKind, WorkerStatus
from pytest_fixedratio.engine.pool_book import PoolBook, adopt_saved, recreate_pool
from pytest_fixedratio.engine.stats import WorkerStats
from pytest_fixedratio.frt.constants import Side
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
