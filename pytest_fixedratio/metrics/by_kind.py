"""Latency and compute units per kind of operation, for the control port's get_stats and /metrics.

A run's totals hide what users tune against: a swap that got slower, a deposit that now burns more compute
units. So each kind keeps two mergeable histograms (constant memory however long the run). Adversarial variants
are hundreds of kinds with one purpose, so they share one family, "adversary".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

from pytest_fixedratio.metrics.histogram import Histogram

ADVERSARY_FAMILY: Final = "adversary"


def family(kind: str, adversary_prefix: str) -> str:
    """The row `kind` is counted under: its own, or `ADVERSARY_FAMILY` for every adversarial variant."""
    return ADVERSARY_FAMILY if kind.startswith(adversary_prefix) else kind


@dataclass
class KindMetrics:
    latency_ms: Histogram = field(default_factory=Histogram)
    compute_units: Histogram = field(default_factory=Histogram)

    def to_dict(self) -> dict[str, Any]:
        return {"count": self.latency_ms.count, "latency_ms": self.latency_ms.figures(),
                "compute_units": self.compute_units.figures()}


@dataclass
class ByKind:
    """`KindMetrics` by family of operation kind."""

    adversary_prefix: str
    kinds: dict[str, KindMetrics] = field(default_factory=dict)

    def record(self, kind: str, latency_ms: float, compute_units: int) -> None:
        name = family(kind, self.adversary_prefix)
        metrics = self.kinds.get(name)
        if metrics is None:
            metrics = self.kinds[name] = KindMetrics()
        metrics.latency_ms.record(latency_ms)
        metrics.compute_units.record(compute_units)

    def to_dict(self) -> dict[str, Any]:
        return {name: metrics.to_dict() for name, metrics in sorted(self.kinds.items())}
