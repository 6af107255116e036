"""Per-worker statistics (service-features.md 2.6, items 53-56): measured, mergeable, plain data.

Every figure comes from receipts (fees actually charged, amounts actually moved), never from constants.
`WorkerStats` merges field by field (counters add, extremes combine, per-peer and per-error tallies add), so
the totals of many workers, or of many xdist processes, are one `merge` away.
"""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass, field, fields
from typing import Any

from pytest_fixedratio.metrics.histogram import Histogram

POOL_KINDS = frozenset({"deposit", "withdraw", "swap"})
"""Operations counted as a worker's attempts when they succeed (any failed transaction is one)."""
RECENT_ERRORS_KEPT = 10
FEE_TREND_KEPT = 10
ERROR_WINDOW_S = 3600.0


@dataclass
class Counters:
    """Additive totals. Every field is an int that merges by addition."""

    attempts: int = 0
    successes: int = 0
    expected_failures: int = 0
    unexpected_failures: int = 0
    waiting_cycles: int = 0
    empty_ops: int = 0
    # token flows, in base units of the worker's own token / LP / swap sides
    tokens_in: int = 0          # deposited, LP burned by withdrawals, swap input
    tokens_out: int = 0         # LP received, tokens withdrawn, swap output
    shared_out: int = 0
    shared_in: int = 0
    tokens_from_initial: int = 0
    tokens_from_refill: int = 0
    times_refilled: int = 0
    tokens_burned: int = 0
    lp_burned: int = 0
    rounding_loss: int = 0      # swaps: (x * r_out) mod r_in, in units of ratio products (invariant I2's S)
    # lamports
    pool_fees_paid: int = 0
    network_fees_paid: int = 0
    sol_topups_received: int = 0
    sol_returned: int = 0
    compute_units: int = 0
    recovered: int = 0
    """Attempts whose outcome a restart learned from the chain: their process died before it saw them end, so
    their token flows, pool fee and latency are not known (attempts, outcome and network fee are)."""

    def merge(self, other: Counters) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


@dataclass
class WorkerStats:
    counters: Counters = field(default_factory=Counters)
    errors_by_name: Counter[str] = field(default_factory=Counter)
    shared_to: Counter[str] = field(default_factory=Counter)
    received_from: Counter[str] = field(default_factory=Counter)
    latency: Histogram = field(default_factory=Histogram)
    largest_op: int = 0
    smallest_op: int = 0
    first_op_at: float | None = None
    last_op_at: float | None = None
    last_success_at: float | None = None
    consecutive_failures: int = 0
    recent_errors: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=RECENT_ERRORS_KEPT))
    fee_trend: deque[tuple[float, int]] = field(default_factory=lambda: deque(maxlen=FEE_TREND_KEPT))
    """(time, lamports) of the last transactions: pool fee plus network fee, as charged."""
    failure_times: deque[float] = field(default_factory=deque)
    """Times of the failures of the last `ERROR_WINDOW_S` seconds (older ones are dropped as new ones come)."""
    last_latency_ms: float = 0.0
    next_operation_at: float | None = None

    def record_fees(self, *, at: float, pool_fee: int, network_fee: int) -> None:
        """What one transaction cost the worker, as measured (receipt fee, and the pool fee it was charged)."""
        self.counters.pool_fees_paid += pool_fee
        self.counters.network_fees_paid += network_fee
        self.fee_trend.append((at, pool_fee + network_fee))

    def record_transaction(self, *, at: float, kind: str, ok: bool, size: int, latency_ms: float | None,
                           network_fee: int, pool_fee: int, compute_units: int, error: str, expected: bool,
                           detail: str) -> None:
        """One transaction the worker sent: its fees and compute units; an attempt when it failed or when a
        pool operation (`POOL_KINDS`) succeeded."""
        self.record_fees(at=at, pool_fee=pool_fee, network_fee=network_fee)
        self.counters.compute_units += compute_units
        if ok and kind in POOL_KINDS:
            self.record_success(at=at, size=size, latency_ms=latency_ms)
        elif not ok:
            self.record_failure(at=at, name=error, expected=expected, operation=kind, detail=detail)

    def record_success(self, *, at: float, size: int, latency_ms: float | None) -> None:
        """`latency_ms` None: not known (a success a restart found on the chain)."""
        c = self.counters
        c.attempts += 1
        c.successes += 1
        self.largest_op = max(self.largest_op, size)
        self.smallest_op = size if self.smallest_op == 0 else min(self.smallest_op, size)
        self.first_op_at = at if self.first_op_at is None else self.first_op_at
        self.last_op_at = self.last_success_at = at
        self.consecutive_failures = 0
        if latency_ms is not None:
            self.latency.record(latency_ms)
            self.last_latency_ms = latency_ms

    def record_failure(self, *, at: float, name: str, expected: bool, operation: str, detail: str) -> None:
        c = self.counters
        c.attempts += 1
        if expected:
            c.expected_failures += 1
        else:
            c.unexpected_failures += 1
        self.errors_by_name[name] += 1
        self.last_op_at = at
        self.consecutive_failures += 1
        self.failure_times.append(at)
        while self.failure_times and self.failure_times[0] < at - ERROR_WINDOW_S:
            self.failure_times.popleft()
        recovery = "backed off and continued" if expected else "worker stopped with status error"
        self.recent_errors.append({"at": at, "error": name, "expected": expected, "operation": operation,
                                   "detail": detail, "recovery": recovery})

    def success_rate(self) -> float:
        attempts = self.counters.attempts
        return self.counters.successes / attempts if attempts else 0.0

    def derived(self, now: float | None = None) -> dict[str, Any]:
        """Figures computed from the counters (service-features.md items 53-56), recomputed, never stored;
        `now` (the run's clock) gives the time-relative ones."""
        c = self.counters
        at = now if now is not None else self.last_op_at
        active = (self.last_op_at - self.first_op_at) if self.first_op_at is not None and self.last_op_at else 0.0
        most_common = self.errors_by_name.most_common(1)
        return {
            "success_rate": self.success_rate(),
            "error_rate": (c.expected_failures + c.unexpected_failures) / c.attempts if c.attempts else 0.0,
            "operations_per_minute": 60 * c.attempts / active if active else 0.0,
            "average_interval_s": active / (c.attempts - 1) if c.attempts > 1 else 0.0,
            "active_seconds": active,
            "average_operation_size": c.tokens_in / c.successes if c.successes else 0.0,
            "average_fee_per_transaction": (c.pool_fees_paid + c.network_fees_paid) / c.attempts if c.attempts else 0.0,
            "most_common_error": most_common[0][0] if most_common else None,
            "latency_ms_p50": self.latency.percentile(0.5),
            "latency_ms_p99": self.latency.percentile(0.99),
            "last_operation_duration_ms": self.last_latency_ms,
            "total_sol_spent": c.pool_fees_paid + c.network_fees_paid,
            "fee_trend_last_10": [fee for _, fee in self.fee_trend],
            "errors_last_hour": sum(1 for t in self.failure_times if at is not None and t >= at - ERROR_WINDOW_S),
            "time_since_last_success_s": (at - self.last_success_at) if at is not None and self.last_success_at
            is not None else None,
            "next_operation_at": self.next_operation_at,
        }

    def merge(self, other: WorkerStats) -> None:
        self.counters.merge(other.counters)
        self.errors_by_name.update(other.errors_by_name)
        self.shared_to.update(other.shared_to)
        self.received_from.update(other.received_from)
        self.latency.merge(other.latency)
        self.largest_op = max(self.largest_op, other.largest_op)
        smallest = [s for s in (self.smallest_op, other.smallest_op) if s]
        self.smallest_op = min(smallest) if smallest else 0
        self.first_op_at = _combine(min, self.first_op_at, other.first_op_at)
        self.last_op_at = _combine(max, self.last_op_at, other.last_op_at)
        self.last_success_at = _combine(max, self.last_success_at, other.last_success_at)
        self.consecutive_failures = max(self.consecutive_failures, other.consecutive_failures)
        combined = sorted([*self.recent_errors, *other.recent_errors], key=lambda e: float(e["at"]))
        self.recent_errors = deque(combined, maxlen=RECENT_ERRORS_KEPT)
        self.fee_trend = deque(sorted([*self.fee_trend, *other.fee_trend]), maxlen=FEE_TREND_KEPT)
        times = sorted([*self.failure_times, *other.failure_times])
        self.failure_times = deque(t for t in times if t >= times[-1] - ERROR_WINDOW_S) if times else deque()
        self.last_latency_ms = other.last_latency_ms if (other.last_op_at or 0) >= (self.last_op_at or 0) \
            else self.last_latency_ms
        self.next_operation_at = _combine(min, self.next_operation_at, other.next_operation_at)

    def to_dict(self, now: float | None = None) -> dict[str, Any]:
        return {
            "counters": {f.name: getattr(self.counters, f.name) for f in fields(self.counters)},
            "errors_by_name": dict(self.errors_by_name),
            "shared_to": dict(self.shared_to),
            "received_from": dict(self.received_from),
            "latency": self.latency.to_dict(),
            "largest_op": self.largest_op,
            "smallest_op": self.smallest_op,
            "first_op_at": self.first_op_at,
            "last_op_at": self.last_op_at,
            "last_success_at": self.last_success_at,
            "consecutive_failures": self.consecutive_failures,
            "recent_errors": list(self.recent_errors),
            "fee_trend": [list(entry) for entry in self.fee_trend],
            "failure_times": list(self.failure_times),
            "last_latency_ms": self.last_latency_ms,
            "next_operation_at": self.next_operation_at,
            "derived": self.derived(now),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WorkerStats:
        return cls(
            counters=Counters(**data["counters"]),
            errors_by_name=Counter(data["errors_by_name"]),
            shared_to=Counter(data["shared_to"]),
            received_from=Counter(data["received_from"]),
            latency=Histogram.from_dict(data["latency"]),
            largest_op=data["largest_op"],
            smallest_op=data["smallest_op"],
            first_op_at=data["first_op_at"],
            last_op_at=data["last_op_at"],
            last_success_at=data["last_success_at"],
            consecutive_failures=data["consecutive_failures"],
            recent_errors=deque(data["recent_errors"], maxlen=RECENT_ERRORS_KEPT),
            fee_trend=deque(((float(at), int(fee)) for at, fee in data["fee_trend"]), maxlen=FEE_TREND_KEPT),
            failure_times=deque(data["failure_times"]),
            last_latency_ms=data["last_latency_ms"],
            next_operation_at=data["next_operation_at"],
        )


def _combine(pick: Any, a: float | None, b: float | None) -> float | None:
    present = [v for v in (a, b) if v is not None]
    return pick(present) if present else None
