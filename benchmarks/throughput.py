"""Harness throughput against the raw LiteSVM baseline, measured in the same run.

The harness figure is a real campaign on the embedded target with verification after every operation: every
transaction's receipt checked by the ledger, the pool invariants checked after every pool operation, the
workers' own reads, sharing and statistics. Only the phase in which the workers run is timed (not deployment
or pool creation). The baseline is `benchmarks.baseline.measure_baseline`: pre-signed FRT swaps and deposits
and nothing else. Their ratio is what the harness costs per transaction; no limit is asserted, the machine is
shared and noisy.

    python -m benchmarks.throughput [SECONDS_OF_CHAIN_TIME] [POOLS]
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections import Counter

from benchmarks.baseline import measure_baseline
from pytest_fixedratio.engine.campaign import Campaign, CampaignConfig

POOL_OPERATIONS = ("deposit", "withdraw", "swap")


async def measure_harness(duration_s: float = 600.0, pools: int = 3, seed: int = 7) -> dict[str, float]:
    """Transactions per wall second of a verified campaign (all of them, and FRT pool operations alone). Honest
    workers only: adversarial variants fail early and the operator's pauses idle the workers, which would change
    what the figure measures between runs."""
    campaign = Campaign(CampaignConfig(duration_s=duration_s, pools=pools, seed=seed, adversary_rate=0,
                                       operator_rate=0, security_probes=False))
    await campaign.setup()
    before = Counter({kind: c["ok"] + c["failed"] for kind, c in campaign.session.tally.operations.items()})
    campaign.session.start()
    started = time.perf_counter()
    await campaign.advance(duration_s)
    elapsed = time.perf_counter() - started
    after = Counter({kind: c["ok"] + c["failed"] for kind, c in campaign.session.tally.operations.items()})
    summary = await campaign.finish(elapsed)
    if not summary.passed:
        raise SystemExit(f"the campaign found incidents; fix them before benchmarking:\n{summary.render()}")
    kinds = after - before
    pool_ops = sum(kinds[k] for k in POOL_OPERATIONS)
    return {"transactions": sum(kinds.values()), "pool_operations": pool_ops, "seconds": elapsed,
            "tx_per_s": sum(kinds.values()) / elapsed, "pool_ops_per_s": pool_ops / elapsed,
            "checks": summary.verification["checks"]}


def main(argv: list[str]) -> int:
    duration = float(argv[0]) if argv else 600.0
    pools = int(argv[1]) if len(argv) > 1 else 3
    baseline = measure_baseline(5_000)
    harness = asyncio.run(measure_harness(duration, pools))
    raw = (baseline["swap_tx_per_s"] + baseline["deposit_tx_per_s"]) / 2
    print(f"raw LiteSVM (pre-signed FRT swaps/deposits): {raw:,.0f} tx/s "
          f"(swaps {baseline['swap_tx_per_s']:,.0f}, deposits {baseline['deposit_tx_per_s']:,.0f})")
    print(f"harness, verified after every operation:     {harness['tx_per_s']:,.0f} tx/s "
          f"({harness['transactions']:,.0f} transactions, {harness['pool_ops_per_s']:,.0f} pool ops/s, "
          f"{harness['checks']:,.0f} checks in {harness['seconds']:.1f} s)")
    print(f"ratio harness / raw: {harness['tx_per_s'] / raw:.3f} (a verified transaction costs "
          f"{raw / harness['tx_per_s']:.1f} raw ones)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
