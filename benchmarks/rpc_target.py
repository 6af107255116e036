"""Operations per second through the rpc target against localnet, next to the in-process target, in one run.

Both run the same real-time campaign (the workers' own pauses pace it): the in-process figure is what the
campaign asks for, the rpc figure what a client over JSON-RPC (HTTP, a chain in a process of its own, every
send confirmed and its metadata read back) keeps up with. Their ratio is printed with the rpc target's latency
per method; no limit is asserted, the machine is shared and noisy.

    python -m benchmarks.rpc_target [SECONDS] [POOLS]
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from pytest_fixedratio.chain.localnet_process import LocalnetProcess
from pytest_fixedratio.engine.campaign import Campaign, CampaignConfig
from pytest_fixedratio.engine.summary import CampaignSummary
from pytest_fixedratio.store.database import Store


async def measure(config: CampaignConfig, store: Store | None) -> tuple[float, CampaignSummary]:
    """Transactions per wall second of a verified campaign, and its summary."""
    campaign = Campaign(config, store=store)
    summary = await campaign.run()
    if not summary.passed:
        raise SystemExit(f"the {config.target} campaign found incidents; fix them before benchmarking:\n"
                         f"{summary.render()}")
    return summary.total_operations / summary.wall_seconds, summary


def main(argv: list[str]) -> int:
    seconds = float(argv[0]) if argv else 30.0
    pools = int(argv[1]) if len(argv) > 1 else 3
    config = CampaignConfig(duration_s=seconds, virtual_clock=False, pools=pools, adversary_rate=0,
                            operator_rate=0, security_probes=False)
    in_process, _ = asyncio.run(measure(config, None))
    localnet = LocalnetProcess.start()
    try:
        with tempfile.TemporaryDirectory() as data_dir, Store.open(Path(data_dir)) as store:
            rpc, summary = asyncio.run(measure(CampaignConfig(
                duration_s=seconds, virtual_clock=False, pools=pools, adversary_rate=0, operator_rate=0,
                security_probes=False, target="rpc", rpc_urls=(localnet.url,), data_dir=Path(data_dir)), store))
    finally:
        localnet.stop()
    print(f"in-process (litesvm), {seconds:g} s real time, {pools} pools: {in_process:,.1f} tx/s")
    print(f"rpc target on frt-stress localnet, same campaign:       {rpc:,.1f} tx/s")
    print(f"ratio rpc / in-process: {rpc / in_process:.3f}")
    print("rpc latency, ms p50/p99 (calls): " + ", ".join(
        f"{method} {f['p50']:g}/{f['p99']:g} ({f['count']:g})" for method, f in summary.endpoint_latency_ms.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
