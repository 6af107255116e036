"""A stress suite as users run it: a campaign on the embedded target, failing on any incident.

Run with `pytest stress_suites` (not part of `make test`); FRT_STRESS_DURATION (seconds of chain time, default
600) and FRT_STRESS_SEED (default 7) steer it.
"""

from __future__ import annotations

import os

import pytest

from pytest_fixedratio.engine.campaign import CampaignConfig, run_campaign


@pytest.mark.asyncio
async def test_campaign_has_no_incidents() -> None:
    config = CampaignConfig(duration_s=float(os.environ.get("FRT_STRESS_DURATION", "600")),
                            seed=int(os.environ.get("FRT_STRESS_SEED", "7")))
    summary = await run_campaign(config)
    print(summary.render())
    assert summary.passed, summary.render()
