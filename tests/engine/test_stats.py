"""Worker statistics: recording, merging and round trips as plain JSON data."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from pytest_fixedratio.engine.stats import RECENT_ERRORS_KEPT, WorkerStats

events = st.lists(
    st.one_of(
        st.tuples(st.just("ok"), st.integers(1, 10**12), st.floats(0, 5000)),
        st.tuples(st.sampled_from(["InsufficientFunds", "AmountMismatch"]), st.booleans(), st.floats(0, 1)),
    ),
    max_size=30,
)


def _play(stats: WorkerStats, plan: list[tuple[object, ...]], start: float) -> None:
    for i, event in enumerate(plan):
        at = start + i
        if event[0] == "ok":
            size, latency = event[1], event[2]
            assert isinstance(size, int) and isinstance(latency, float)
            stats.record_success(at=at, size=size, latency_ms=latency)
        else:
            stats.record_failure(at=at, name=str(event[0]), expected=bool(event[1]), operation="swap", detail="")


@given(a=events, b=events)
def test_merge_counts_like_one_worker_that_did_both(a: list[tuple[object, ...]], b: list[tuple[object, ...]]
                                                    ) -> None:
    left, right, both = WorkerStats(), WorkerStats(), WorkerStats()
    _play(left, a, 0.0)
    _play(right, b, 1000.0)
    _play(both, a, 0.0)
    _play(both, b, 1000.0)
    left.merge(right)
    assert left.counters == both.counters
    assert left.errors_by_name == both.errors_by_name
    assert (left.largest_op, left.smallest_op) == (both.largest_op, both.smallest_op)
    assert (left.first_op_at, left.last_op_at) == (both.first_op_at, both.last_op_at)
    assert list(left.recent_errors) == list(both.recent_errors)
    assert left.latency.counts == both.latency.counts


@given(plan=events)
def test_round_trip_through_json(plan: list[tuple[object, ...]]) -> None:
    stats = WorkerStats()
    _play(stats, plan, 0.0)
    again = WorkerStats.from_dict(json.loads(json.dumps(stats.to_dict())))
    assert again.to_dict() == stats.to_dict()


def test_recent_errors_keep_the_newest_and_failures_reset_on_success() -> None:
    stats = WorkerStats()
    for i in range(RECENT_ERRORS_KEPT + 5):
        stats.record_failure(at=float(i), name="InsufficientFunds", expected=True, operation="swap", detail="")
    assert stats.recent_errors[0]["at"] == 5.0
    assert stats.consecutive_failures == RECENT_ERRORS_KEPT + 5
    stats.record_success(at=99.0, size=7, latency_ms=1.0)
    assert stats.consecutive_failures == 0
    assert stats.counters.expected_failures == RECENT_ERRORS_KEPT + 5
    assert stats.success_rate() == 1 / (RECENT_ERRORS_KEPT + 6)


def test_derived_figures() -> None:
    stats = WorkerStats()
    stats.record_success(at=0.0, size=100, latency_ms=2.0)
    stats.counters.tokens_in += 100
    stats.record_failure(at=10.0, name="InsufficientFunds", expected=True, operation="swap", detail="")
    stats.record_success(at=20.0, size=300, latency_ms=4.0)
    stats.counters.tokens_in += 300
    for at, pool_fee in ((0.0, 300), (10.0, 0), (20.0, 300)):
        stats.record_fees(at=at, pool_fee=pool_fee, network_fee=5_000)
    derived = stats.to_dict(now=50.0)["derived"]
    assert derived["operations_per_minute"] == 9.0
    assert derived["average_interval_s"] == 10.0
    assert derived["average_operation_size"] == 200.0
    assert derived["error_rate"] == 1 / 3
    assert derived["most_common_error"] == "InsufficientFunds"
    assert derived["average_fee_per_transaction"] == 5_200.0
    assert derived["total_sol_spent"] == 15_600
    assert derived["fee_trend_last_10"] == [5_300, 5_000, 5_300]
    assert derived["time_since_last_success_s"] == 30.0
    assert derived["errors_last_hour"] == 1
    assert derived["last_operation_duration_ms"] == 4.0
    assert stats.to_dict(now=3700.0)["derived"]["errors_last_hour"] == 0
    assert stats.recent_errors[0]["recovery"] == "backed off and continued"
    assert (stats.largest_op, stats.smallest_op) == (300, 100)
