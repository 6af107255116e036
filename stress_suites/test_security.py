"""The security suite: the probes of the known findings (frt-contract.md section 8), against the baseline.

Run with `pytest stress_suites/test_security.py` (add `--frt-program my_build.so` to test your own build and
`--frt-findings-baseline my_baseline.toml` for your own accepted findings). A finding the probes show that the
baseline does not list fails the test, naming it; a listed one the probes show fixed is reported as gone.
"""

from __future__ import annotations

import pytest

from pytest_fixedratio.engine.findings import CATALOGUE
from pytest_fixedratio.plugin import CampaignRunner


@pytest.mark.asyncio
async def test_every_probe_gives_a_verdict_and_no_finding_is_new(frt_campaign: CampaignRunner) -> None:
    summary = await frt_campaign(duration_s=30.0, pools=1, operator_rate=0.0, adversary_rate=0.0,
                                 security_probes=True)
    print(summary.render())
    observed = {o["finding"]: o["status"] for o in summary.findings["observed"]}
    assert set(observed) == set(CATALOGUE), f"probes without a verdict: {set(CATALOGUE) - set(observed)}"
    assert not summary.findings["new"], summary.render()
