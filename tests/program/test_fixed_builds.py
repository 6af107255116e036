"""A user's fixed build: the reference program with one known finding fixed (`mutants.FIXES`). The default
campaign stays green, its probe shows the finding gone, and the other findings stay known."""

from __future__ import annotations

import pytest

from pytest_fixedratio.engine.campaign import Campaign, CampaignConfig
from pytest_fixedratio.engine.findings import CATALOGUE

from .mutants import FIXES


def test_every_known_finding_has_a_fixed_build() -> None:
    assert set(FIXES) == set(CATALOGUE)


@pytest.mark.asyncio
@pytest.mark.parametrize("finding", sorted(FIXES))
async def test_a_build_with_a_finding_fixed_passes_and_shows_it_gone(finding: str) -> None:
    summary = await Campaign(CampaignConfig(duration_s=600, pools=1, seed=3, program_path=FIXES[finding].program)).run()
    assert summary.passed, summary.render()
    findings = summary.findings
    assert [f["finding"] for f in findings["gone"]] == [finding]
    assert {f["finding"] for f in findings["known"]} == set(CATALOGUE) - {finding}
    assert findings["new"] == [] and findings["not_probed"] == []
    assert f"gone: listed, shown fixed: {finding} (" in summary.render()
