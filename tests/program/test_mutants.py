"""The default campaign catches a program build with one check removed: an incident names the adversarial
variant that exposed it and the expected versus the actual outcome, and the honest traffic stays clean."""

from __future__ import annotations

import pytest

from pytest_fixedratio.engine.campaign import Campaign, CampaignConfig
from pytest_fixedratio.program.build import clang_path

from .mutants import FIXES, MUTANTS, Mutant


@pytest.mark.asyncio
@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: m.name)
async def test_the_default_campaign_catches_a_build_with_one_check_removed(mutant: Mutant) -> None:
    summary = await Campaign(CampaignConfig(duration_s=1800, pools=1, seed=3, program_path=mutant.program)).run()
    assert not summary.passed
    sent = [incident for incident in summary.incidents if incident["kind"] != "final_check"]
    kinds = [str(incident["operation"].get("kind", "")) for incident in sent]
    # (the final check may add program-wide findings: a pool creation let through under pause moved the treasury)
    at = [i for i, kind in enumerate(kinds) if kind.removeprefix("adversary:") in mutant.caught_by]
    assert at, f"{mutant.name}: no incident from {sorted(mutant.caught_by)} among {sorted(set(kinds))}"
    # honest operations are unaffected until a variant the build lets through has corrupted the pool (a swap
    # into a vault the pool never made leaves its real vault short of what the pool tracks)
    assert all(kind.startswith("adversary:") for kind in kinds[:at[0]]), kinds
    caught = [sent[i] for i in at]
    details = " ".join(caught[0]["details"])
    assert "must fail with" in details, details  # the expected error, next to what the program did


@pytest.mark.skipif(clang_path() is None, reason="clang-19 is not installed (apt-get install clang-19)")
@pytest.mark.parametrize("mutant", (*MUTANTS, *FIXES.values()), ids=lambda m: m.name)
def test_the_committed_mutants_are_what_their_source_builds_to(mutant: Mutant) -> None:
    assert mutant.build_bytes() == mutant.program.read_bytes(), \
        f"rebuild the mutants: python -m tests.program.mutants ({mutant.name} differs)"
