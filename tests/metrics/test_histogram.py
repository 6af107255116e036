"""Latency histograms: bucketing, percentiles, and merge/serialization as plain data."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from pytest_fixedratio.metrics.histogram import Histogram, bucket

latencies = st.lists(st.floats(0, 100_000, allow_nan=False), max_size=50)


def _of(samples: list[float]) -> Histogram:
    h = Histogram()
    for s in samples:
        h.record(s)
    return h


@given(ms=st.floats(0, 10**7, allow_nan=False))
def test_buckets_are_within_five_percent(ms: float) -> None:
    assert abs(bucket(ms) - ms) <= max(0.5, ms * 0.05)


@given(a=latencies, b=latencies)
def test_merge_equals_recording_everything_in_one(a: list[float], b: list[float]) -> None:
    merged = _of(a)
    merged.merge(_of(b))
    single = _of(a + b)
    assert merged.counts == single.counts and merged.max_ms == single.max_ms
    assert abs(merged.total_ms - single.total_ms) <= 1e-6 * max(1.0, single.total_ms)


@given(samples=latencies)
def test_dict_round_trip_through_json(samples: list[float]) -> None:
    h = _of(samples)
    again = Histogram.from_dict(json.loads(json.dumps(h.to_dict())))
    assert again == h


def test_percentiles() -> None:
    h = _of([float(i) for i in range(1, 101)])
    assert h.percentile(0.5) == 50
    assert h.percentile(0.99) == 99
    assert h.percentile(1.0) == 100
    assert Histogram().percentile(0.5) == 0
