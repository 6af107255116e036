"""Incidents: everything unexpected a run met, with what is needed to investigate it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Incident:
    """An unexpected error, a verification finding or a crash: the operation record (number, actor, amount,
    signature), the findings, the seed, the program logs, and the watched accounts before and after the
    transaction (decoded where their layout is known)."""

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
