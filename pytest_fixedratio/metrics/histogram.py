"""A mergeable latency histogram: exact counts in coarse buckets, percentiles from the buckets.

Buckets keep memory constant over hour-long runs and make per-worker histograms addable across processes
(xdist workers send `to_dict()` to the controller). Values are rounded to 2 significant digits above 100 ms
(as Locust does), so a percentile is exact to the bucket it falls in.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Final

PERCENTILES: Final = (0.5, 0.95, 0.99)
"""The percentiles statistics report (`Histogram.figures`)."""


def bucket(ms: float) -> int:
    """The bucket of a latency in milliseconds: exact below 100 ms, 2 significant digits above."""
    value = max(round(ms), 0)
    if value < 100:
        return value
    digits = len(str(value)) - 2
    return round(value, -digits)


@dataclass
class Histogram:
    counts: Counter[int] = field(default_factory=Counter)
    total_ms: float = 0.0
    max_ms: float = 0.0

    def record(self, ms: float) -> None:
        self.counts[bucket(ms)] += 1
        self.total_ms += ms
        self.max_ms = max(self.max_ms, ms)

    @property
    def count(self) -> int:
        return sum(self.counts.values())

    def mean(self) -> float:
        return self.total_ms / self.count if self.count else 0.0

    def percentile(self, fraction: float) -> int:
        """The smallest bucket below which at least `fraction` of the samples fall (0 when empty)."""
        if not self.counts:
            return 0
        threshold = fraction * self.count
        seen = 0
        for value in sorted(self.counts):
            seen += self.counts[value]
            if seen >= threshold:
                return value
        return max(self.counts)

    def figures(self) -> dict[str, float]:
        """Percentiles (exact to their bucket: 2 significant digits from 100 up), mean and max."""
        return {**{f"p{round(p * 100)}": self.percentile(p) for p in PERCENTILES},
                "mean": round(self.mean(), 3), "max": round(self.max_ms, 3)}

    def merge(self, other: Histogram) -> None:
        self.counts.update(other.counts)
        self.total_ms += other.total_ms
        self.max_ms = max(self.max_ms, other.max_ms)

    def to_dict(self) -> dict[str, object]:
        return {"counts": {str(k): v for k, v in sorted(self.counts.items())}, "total_ms": self.total_ms,
                "max_ms": self.max_ms}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Histogram:
        counts = data["counts"]
        assert isinstance(counts, dict)
        total, peak = data["total_ms"], data["max_ms"]
        assert isinstance(total, int | float) and isinstance(peak, int | float)
        return cls(Counter({int(k): int(v) for k, v in counts.items()}), float(total), float(peak))
