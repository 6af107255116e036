"""What a campaign did, in figures: operations per kind, errors, shares, refills, fees, verification."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from pytest_fixedratio.engine.session import Session
from pytest_fixedratio.engine.stats import WorkerStats


@dataclass
class CampaignSummary:
    seed: int
    virtual_seconds: float
    wall_seconds: float
    pools: int
    workers: dict[str, int]
    operations: dict[str, dict[str, int]]
    errors: dict[str, int]
    totals: dict[str, Any]
    verification: dict[str, Any]
    incidents: list[dict[str, Any]] = field(default_factory=list)
    per_worker: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Each worker's configuration, status and statistics (in the JSON report; `render` leaves it out)."""

    @property
    def passed(self) -> bool:
        return not self.incidents and not self.verification.get("violations")

    @property
    def total_operations(self) -> int:
        return sum(v["ok"] + v["failed"] for v in self.operations.values())

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data (what reports store and xdist workers send)."""
        data: dict[str, Any] = json.loads(json.dumps(dict(self.__dict__, passed=self.passed), default=str))
        return data

    def render(self) -> str:
        ops = self.total_operations
        lines = [
            f"seed {self.seed}: {self.virtual_seconds:.0f} s of chain time in {self.wall_seconds:.1f} s wall, "
            f"{self.pools} pools, {sum(self.workers.values())} workers {self.workers}",
            f"operations: {ops} ({ops / max(self.wall_seconds, 1e-9):.0f}/s wall)",
        ]
        width = max((len(kind) for kind in self.operations), default=0)  # adversary variants have long names
        for kind, counts in sorted(self.operations.items()):
            lines.append(f"  {kind:<{width}} ok {counts['ok']:>7}  failed {counts['failed']:>5}  "
                         f"(expected {counts['expected']}, unexpected {counts['unexpected']})")
        if self.errors:
            lines.append("errors: " + ", ".join(f"{name} x{n}" for name, n in sorted(self.errors.items())))
        lines.append("totals: " + ", ".join(f"{k} {v}" for k, v in self.totals.items()))
        lines.append("verification: " + ", ".join(f"{k} {v}" for k, v in self.verification.items()))
        lines.append(f"incidents: {len(self.incidents)}")
        for incident in self.incidents[:10]:
            lines.append(f"  {incident['kind']} by {incident['worker_id']}: {'; '.join(incident['details'])[:300]}")
        lines.append("PASSED" if self.passed else "FAILED")
        return "\n".join(lines)


def summarize(session: Session, seed: int, virtual_seconds: float, wall_seconds: float,
              final_findings: list[str]) -> CampaignSummary:
    total = WorkerStats()
    for stats in session.stats.values():
        total.merge(stats)
    c = total.counters
    totals = {
        "lp_shared_and_tokens_shared": c.shared_out, "times_refilled": c.times_refilled,
        "tokens_from_refill": c.tokens_from_refill, "tokens_from_initial": c.tokens_from_initial,
        "pool_fees_paid_lamports": c.pool_fees_paid, "network_fees_paid_lamports": c.network_fees_paid,
        "sol_topups_lamports": c.sol_topups_received, "swap_rounding_surplus": c.rounding_loss,
        "waiting_cycles": c.waiting_cycles,
    }
    workers = Counter(w.kind.value for w in session.workers.values())
    log = session.verifier.log
    verification = {"checks": log.total_checks, "violations": log.total_violations,
                    "by_check": dict(sorted(log.checks.items())), "final_findings": len(final_findings)}
    incidents = [i.to_dict() for i in session.incidents] + [
        {"kind": "final_check", "worker_id": "-", "details": [f], "operation": {}, "seed": seed, "logs": []}
        for f in final_findings]
    now = session.clock.now()
    per_worker = {
        w.worker_id: {"kind": w.kind.value, "pool": str(w.config.pool), "side": w.side.value,
                      "address": str(w.address), "status": w.status.value, "error_reason": w.error_reason,
                      "initial_amount": w.config.initial_amount, "auto_refill": w.config.auto_refill,
                      "share": w.config.share, "stats": w.stats.to_dict(now)}
        for w in session.workers.values()
    }
    return CampaignSummary(seed, virtual_seconds, wall_seconds, len(session.pools), dict(workers),
                           {k: dict(v) for k, v in session.tally.operations.items()}, dict(session.tally.errors),
                           totals, verification, incidents, per_worker)
