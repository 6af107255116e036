"""Worker sessions: what one worker did from a start to the next stop (service-features.md 6.3).

The original promised a report per start-stop window of each worker, with verification totals, start and end
balances and the pool's expected changes, and never wrote one. Here a window opens when a worker is seen
running at a step boundary and closes when it is seen not running (stopped, in error, deleted, or the run
ended); its report is the difference of the worker's counters over the window, its balances read at both ends,
and whether the window passed verification. Balances reconcile exactly when no incident happened in the
window: every transaction touching the worker's accounts (its own, its peers' shares, the core wallet's mints
and top-ups) was verified account by account, and continuity checks catch any change made outside them.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from pytest_fixedratio.engine.model import WorkerKind, WorkerStatus
from pytest_fixedratio.engine.stats import Counters
from pytest_fixedratio.frt.state import TokenAccount

if TYPE_CHECKING:
    from pytest_fixedratio.engine.runner import WorkerRunner
    from pytest_fixedratio.engine.session import Session

KEPT_PER_WORKER: Final = 20
"""Finished reports kept in memory per worker (a store keeps them all)."""
ASSETS: Final = ("sol", "token_a", "token_b", "lp_a", "lp_b")
OPERATION_COUNTS: Final = ("attempts", "successes", "expected_failures", "unexpected_failures", "waiting_cycles",
                           "empty_ops")
FEES: Final = ("pool_fees_paid", "network_fees_paid", "sol_topups_received", "sol_returned")


@dataclass(frozen=True, slots=True)
class Window:
    """An open worker session: where it started."""

    worker_id: str
    started: datetime
    chain_start: float
    reason: str
    counters: Counters
    balances: dict[str, int]
    incidents: int


class WorkerSessions:
    """Opens and closes the windows of a session's workers; keeps the last reports of each."""

    def __init__(self, *, now: Callable[[], datetime] | None = None) -> None:
        self._now = now if now is not None else _utc_now
        self._open: dict[str, Window] = {}
        self._finished: dict[str, deque[dict[str, Any]]] = {}

    async def observe(self, session: Session, *, start_reason: str = "started",
                      stop_reason: str | None = None) -> list[dict[str, Any]]:
        """Open a window for every running worker without one, close the window of every worker no longer
        running (or gone); the reports of the windows closed. `stop_reason` overrides the reason read from the
        worker's status (the run ending)."""
        finished = []
        for worker_id in [w for w in self._open if w not in session.workers]:
            finished.append(self._close(session, self._open.pop(worker_id), None, {}, stop_reason or "deleted"))
        for runner in session.workers.values():
            window = self._open.get(runner.worker_id)
            if runner.running and window is None:
                self._open[runner.worker_id] = Window(
                    runner.worker_id, self._now(), session.clock.now(), start_reason,
                    replace(runner.stats.counters), await _balances(session, runner), len(session.incidents))
            elif not runner.running and window is not None:
                del self._open[runner.worker_id]
                finished.append(self._close(session, window, runner, await _balances(session, runner),
                                            stop_reason or _stop_reason(runner)))
        return finished

    def recent(self, worker_id: str, limit: int | None = None) -> list[dict[str, Any]]:
        """The worker's finished reports kept in memory, newest first."""
        reports = list(reversed(self._finished.get(worker_id, ())))
        return reports if limit is None else reports[:limit]

    def _close(self, session: Session, window: Window, runner: WorkerRunner | None, balances: dict[str, int],
               reason: str) -> dict[str, Any]:
        stats = session.stats.get(window.worker_id)
        counters = stats.counters if stats is not None else window.counters
        delta = {k: v - getattr(window.counters, k) for k, v in asdict(counters).items()}
        incidents = session.incidents[window.incidents:]
        end = self._now()
        report = {
            "thread_id": window.worker_id,
            "thread_type": None if runner is None else runner.kind.value,
            "pool_id": None if runner is None else str(runner.config.pool),
            "token_type": None if runner is None else runner.side.value.lower(),
            "session_info": {"start_time": window.started.isoformat(), "end_time": end.isoformat(),
                             "duration_seconds": session.clock.now() - window.chain_start,
                             "wall_seconds": (end - window.started).total_seconds(),
                             "start_reason": window.reason, "stop_reason": reason},
            "verification_totals": _totals(delta),
            "balance_verification": _balances_report(window.balances, balances, incidents=len(incidents)),
            "pool_verification_data": {**_pool_changes(runner, delta),
                                       "incidents": len(incidents),
                                       "pool_verification_passed": not incidents},
        }
        kept = self._finished.setdefault(window.worker_id, deque(maxlen=KEPT_PER_WORKER))
        kept.append(report)
        return report


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _stop_reason(runner: WorkerRunner) -> str:
    if runner.status is WorkerStatus.ERROR:
        return f"error: {runner.error_reason}"
    return "stopped"


async def _balances(session: Session, runner: WorkerRunner) -> dict[str, int]:
    """The worker's SOL and its balances of the pool's tokens and LP tokens (0 for an account it lacks)."""
    pool = session.pools.get(runner.config.pool)
    if pool is None:
        return {}
    a = pool.addresses
    mints = [a.token_a_mint, a.token_b_mint, a.lp_a_mint, a.lp_b_mint]
    accounts = await session.view.get([runner.address, *(runner.ata(m) for m in mints)])
    states = list(accounts.values())
    wallet = states[0]
    tokens = [0 if s is None else TokenAccount.decode(s.data).amount for s in states[1:]]
    return dict(zip(ASSETS, [0 if wallet is None else wallet.lamports, *tokens], strict=True))


def _totals(delta: Mapping[str, int]) -> dict[str, Any]:
    fees = {k: delta[k] for k in FEES}
    spent = delta["pool_fees_paid"] + delta["network_fees_paid"]
    flows = {k: v for k, v in delta.items() if k not in OPERATION_COUNTS and k not in FEES and k != "compute_units"}
    return {"operation_counts": {k: delta[k] for k in OPERATION_COUNTS},
            "token_flows": flows,
            "fee_tracking": {**fees, "total_sol_spent": spent,
                             "average_sol_per_transaction": spent / delta["attempts"] if delta["attempts"] else 0.0},
            "compute_units": delta["compute_units"]}


def _balances_report(start: Mapping[str, int], end: Mapping[str, int], *, incidents: int) -> dict[str, Any]:
    return {"start": dict(start), "end": dict(end),
            "change": {k: end.get(k, 0) - start.get(k, 0) for k in _keys(start, end)},
            "balances_reconciled": incidents == 0,
            "how": "every transaction touching the worker's accounts in the window was verified account by "
                   f"account; {incidents} incident(s) in the window"}


def _keys(*maps: Mapping[str, int]) -> Iterable[str]:
    return [k for k in ASSETS if any(k in m for m in maps)]


def _pool_changes(runner: WorkerRunner | None, delta: Mapping[str, int]) -> dict[str, Any]:
    """What the worker's successful operations changed in its pool, from its own counters: a deposit adds its
    tokens to the vault and as much to the LP supply; a withdrawal the reverse; a swap adds its input to one
    vault and takes its output from the other. (The verifier checked each change when it happened.)"""
    if runner is None or runner.kind is WorkerKind.ADVERSARY:
        return {}
    side = runner.side.value.lower()
    other = runner.side.other.value.lower()
    into, out = delta["tokens_in"], delta["tokens_out"]
    if runner.kind is WorkerKind.DEPOSIT:
        return {f"expected_vault_{side}_change": into, f"expected_lp_{side}_supply_change": out}
    if runner.kind is WorkerKind.WITHDRAWAL:
        return {f"expected_vault_{side}_change": -out, f"expected_lp_{side}_supply_change": -into}
    return {f"expected_vault_{side}_change": into, f"expected_vault_{other}_change": -out}

