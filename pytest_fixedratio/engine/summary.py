"""What a campaign did, in figures: operations per kind, errors, shares, refills, fees, verification, and the
outcome coverage of each FRT instruction."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pytest_fixedratio.chain.abilities import Measured
from pytest_fixedratio.chain.base import Chain
from pytest_fixedratio.engine.findings import Baseline, FindingsLog, FindingsReport
from pytest_fixedratio.engine.session import Session
from pytest_fixedratio.engine.stats import WorkerStats
from pytest_fixedratio.verify.coverage import DOCUMENTED, Coverage


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
    coverage: Coverage = field(default_factory=Coverage)
    """Every FRT transaction by instruction and outcome, against the outcomes the spec documents."""
    boundaries: dict[str, dict[str, int]] = field(default_factory=dict)
    """The honest operations whose amount was a boundary amount (`engine.boundaries`), by "kind.boundary", counted
    like `operations`."""
    provenance: dict[str, Any] = field(default_factory=dict)
    """What produced the run (`Campaign.provenance`): tool version, program and its sha256, target, seed, settings."""
    interrupted: str | None = None
    """Why the run ended before its duration (a signal), or None: the figures are those of the part that ran."""
    endpoint_latency_ms: dict[str, dict[str, float]] = field(default_factory=dict)
    """Per JSON-RPC method of the chain's endpoint (validator targets): calls, percentiles, mean and max."""
    findings: dict[str, Any] = field(default_factory=dict)
    """The security probes' findings against the baseline (`engine.findings.FindingsReport.to_dict`), and what
    they observed (`observed`, for merging the reports of several processes)."""

    @property
    def passed(self) -> bool:
        return not self.incidents and not self.verification.get("violations") and not self.findings.get("new")

    @property
    def total_operations(self) -> int:
        return sum(v["ok"] + v["failed"] for v in self.operations.values())

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data (what reports store and xdist workers send)."""
        plain = dict(self.__dict__, passed=self.passed, coverage=self.coverage_dict())
        data: dict[str, Any] = json.loads(json.dumps(plain, default=str))
        return data

    def coverage_dict(self) -> dict[str, Any]:
        return coverage_report(self.coverage)

    def render(self) -> str:
        ops = self.total_operations
        lines = [*self._render_provenance(),
            f"seed {self.seed}: {self.virtual_seconds:.0f} s of chain time in {self.wall_seconds:.1f} s wall, "
            f"{self.pools} pools, {sum(self.workers.values())} workers {self.workers}",
            f"operations: {ops} ({ops / max(self.wall_seconds, 1e-9):.0f}/s wall)",
        ]
        width = max((len(kind) for kind in self.operations), default=0)  # adversary variants have long names
        for kind, counts in sorted(self.operations.items()):
            lines.append(f"  {kind:<{width}} ok {counts['ok']:>7}  failed {counts['failed']:>5}  "
                         f"(expected {counts['expected']}, unexpected {counts['unexpected']})")
        lines.extend(render_boundaries(self.boundaries))
        if self.errors:
            lines.append("errors: " + ", ".join(f"{name} x{n}" for name, n in sorted(self.errors.items())))
        lines.append("totals: " + ", ".join(f"{k} {v}" for k, v in self.totals.items()))
        lines.append("verification: " + ", ".join(f"{k} {v}" for k, v in self.verification.items()))
        if self.endpoint_latency_ms:
            lines.extend(_wrap("endpoint latency ms (p50/p99, calls):", [
                f"{method} {f['p50']:g}/{f['p99']:g} ({f['count']:g})"
                for method, f in sorted(self.endpoint_latency_ms.items())], "  "))
        lines.extend(render_coverage(self.coverage))
        if self.findings:
            lines.extend(render_findings(self.findings))
        lines.append(f"incidents: {len(self.incidents)}")
        for incident in self.incidents[:10]:
            lines.append(f"  {incident['kind']} by {incident['worker_id']}: {'; '.join(incident['details'])[:300]}")
        verdict = "PASSED" if self.passed else "FAILED"
        if self.interrupted:
            verdict += (f" (interrupted by {self.interrupted} after {self.virtual_seconds:.0f} s of chain time: "
                        "the figures are those of the part that ran)")
        lines.append(verdict)
        return "\n".join(lines)

    def _render_provenance(self) -> list[str]:
        p = self.provenance
        if not p:
            return []
        return [f"{p['tool']} on target {p['target']}, program {p['program']} (sha256 {p['program_sha256']})",
                *_wrap("settings:", [f"{k} {v}" for k, v in p["settings"].items()], "  ")]


def _wrap(first: str, cells: list[str], indent: str, width: int = 118) -> list[str]:
    """`first` then `cells` joined by ", ", wrapped between cells (never inside one) at `width`."""
    lines, line = [], first
    for i, cell in enumerate(cells):
        text = cell + ("," if i < len(cells) - 1 else "")
        if len(line) + 1 + len(text) > width and line != first:
            lines.append(line)
            line = indent + text
        else:
            line = f"{line} {text}"
    return [*lines, line]


def merged_coverage(summaries: Iterable[Mapping[str, Any]]) -> Coverage:
    """The coverage of several campaigns together, from their JSON summaries (`CampaignSummary.to_dict`)."""
    merged = Coverage()
    for summary in summaries:
        merged.merge(Coverage.from_dict(summary["coverage"]["counts"]))
    return merged


def coverage_report(coverage: Coverage) -> dict[str, Any]:
    """The coverage section of a JSON report: the counts, the documented outcomes never produced (with why this
    target cannot produce them, where known) and the produced outcomes the spec does not document."""
    return {
        "counts": coverage.to_dict(),
        "never_produced": [{"instruction": i, "outcome": o.label, "unreachable": o.unreachable}
                           for i, o in coverage.never_produced()],
        "undocumented": [{"instruction": i, "outcome": o} for i, o in coverage.undocumented()],
    }


def render_boundaries(boundaries: dict[str, dict[str, int]]) -> list[str]:
    """One cell per boundary amount sent: its successes, and its failures when there were any (expected ones are
    refusals the intents predicted; unexpected ones are incidents too)."""
    cells = []
    for name, counts in sorted(boundaries.items()):
        failures = [f"{k} {counts[k]}" for k in ("expected", "unexpected") if counts[k]]
        cells.append(f"{name} ok {counts['ok']}" + (f" ({', '.join(failures)})" if failures else ""))
    return _wrap("boundary amounts:", cells, "  ") if cells else []


def render_coverage(coverage: Coverage) -> list[str]:
    """The coverage table: per instruction its outcomes and counts; then the documented outcomes never produced,
    those a run could produce first (worth a look), then those this target cannot produce, grouped by why."""
    width = max(map(len, DOCUMENTED))
    indent = " " * (width + 3)
    lines = ["coverage (FRT instruction: outcome xcount):"]
    for instruction, counts in coverage.to_dict().items():
        lines.extend(_wrap(f"  {instruction:<{width}}", [f"{o} x{n}" for o, n in counts.items()], indent))
    missing = coverage.never_produced()
    if reachable := [f"{instruction} {outcome.label}" for instruction, outcome in missing if not outcome.unreachable]:
        lines.extend(_wrap("  never produced:", reachable, "    "))
    why: dict[str, dict[str, list[str]]] = {}
    for instruction, outcome in missing:
        if outcome.unreachable:
            why.setdefault(outcome.unreachable, {}).setdefault(instruction, []).append(outcome.label)
    if why:
        lines.append("  never produced, unreachable here:")
    for reason, by_instruction in why.items():
        lines.append(f"    {reason}:")
        for instruction, labels in by_instruction.items():
            lines.extend(_wrap(f"      {instruction:<{width}}", labels, " " * (width + 7)))
    if undocumented := coverage.undocumented():
        lines.extend(_wrap("  not in the spec's tables:", [f"{i} {o}" for i, o in undocumented], "    "))
    return lines


def render_findings(findings: Mapping[str, Any]) -> list[str]:
    """The findings section of a summary: counts, then each finding new (failing), known and gone."""
    lines = [f"security findings (baseline {findings['baseline']}): {len(findings['known'])} known, "
             f"{len(findings['new'])} new, {len(findings['gone'])} gone"]
    for label, key in (("NEW, not in the baseline", "new"), ("known", "known"), ("gone: listed, shown fixed", "gone")):
        lines.extend(f"  {label}: {f['finding']} ({f['section']}): {f['title']}" for f in findings[key])
    if findings["not_probed"]:
        lines.append("  listed, not shown either way in this run: " + ", ".join(findings["not_probed"]))
    return lines


def findings_report(log: FindingsLog, baseline: Baseline) -> dict[str, Any]:
    return {**FindingsReport.judge(log, baseline).to_dict(), "observed": log.to_list()}


def endpoint_latency(chain: Chain) -> dict[str, dict[str, float]]:
    """A validator target's latency per endpoint method (`chain.abilities.Measured`); nothing in-process."""
    if not isinstance(chain, Measured):
        return {}
    return {method: {"count": h.count, **h.figures()} for method, h in sorted(chain.latency.items())}


def summarize(session: Session, seed: int, virtual_seconds: float, wall_seconds: float,
              final_findings: list[str], *, provenance: dict[str, Any] | None = None,
              interrupted: str | None = None, baseline: Baseline | None = None) -> CampaignSummary:
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
    if session.verifier.shared:  # receipts whose accounts another client touched between the reads around them
        verification["contended"] = session.verifier.contended
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
                           totals, verification, incidents, per_worker, session.coverage,
                           {k: dict(v) for k, v in session.tally.boundaries.items()}, provenance or {}, interrupted,
                           endpoint_latency(session.chain),
                           {} if baseline is None else findings_report(session.findings, baseline))
