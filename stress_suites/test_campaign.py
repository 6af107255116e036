"""A stress suite as users run it: one campaign on the embedded target, through the plugin's fixture.

Run with `pytest stress_suites` (not part of `make test`), steered by the plugin's options, e.g.
`pytest stress_suites --frt-duration 1h --frt-seed 7 --frt-pools 3 --frt-report report.json`. Any incident
fails the test with the campaign's summary and the seed that replays it; `-n 2` runs one campaign per worker,
each with its own seed derived from the master seed (conftest.py), and `--frt-target localnet` puts them all on
one chain and the same pools.
"""

from __future__ import annotations

import pytest

from pytest_fixedratio.plugin import CampaignRunner


@pytest.mark.asyncio
async def test_campaign_has_no_incidents(frt_campaign: CampaignRunner) -> None:
    summary = await frt_campaign()
    print(summary.render())
    idle = [kind for kind in ("deposit", "withdraw", "swap") if not summary.operations.get(kind, {}).get("ok")]
    assert not idle, f"no successful {idle} operations:\n{summary.render()}"
