"""The coverage section of a campaign's summary: the table it prints, and what a default campaign (adversaries on)
exercises of each FRT instruction."""

from __future__ import annotations

from collections import Counter

import pytest

from pytest_fixedratio.engine.campaign import Campaign, CampaignConfig
from pytest_fixedratio.engine.summary import render_coverage
from pytest_fixedratio.intents.forged import NEEDS_ACCOUNT_WRITER
from pytest_fixedratio.verify.coverage import DOCUMENTED, SUCCESS, Coverage, instruction_of


def test_the_table_shows_counts_then_what_was_never_produced_and_why() -> None:
    coverage = Coverage(Counter({("deposit", SUCCESS): 7, ("deposit", "InvalidArgument"): 2, ("swap", SUCCESS): 3,
                                 ("swap", "TransactionError InsufficientFundsForFee"): 1}))
    lines = render_coverage(coverage)
    text = "\n".join(lines)
    assert lines[0].startswith("coverage")
    assert lines[1].split() == ["deposit", "success", "x7,", "InvalidArgument", "x2"]
    assert lines[2].split() == ["swap", "success", "x3,", "TransactionError", "InsufficientFundsForFee", "x1"]
    assert "never produced: initialize_program success, initialize_program BorshIoError," in text
    assert "deposit InvalidInstructionData" in text
    assert "  never produced, unreachable here:" in lines
    forged = lines.index(f"    {NEEDS_ACCOUNT_WRITER}:")
    assert lines[forged + 2].split()[:3] == ["deposit", "Custom(1023)", "SystemPaused,"]
    assert lines[-1].split() == ["not", "in", "the", "spec's", "tables:", "swap", "TransactionError",
                                 "InsufficientFundsForFee"]
    assert all(len(line) <= 118 for line in lines)
    listed = {(i, o.label) for i, o in coverage.never_produced()}
    assert all((i, o.label) in listed or coverage.counts[i, o.label] for i, outcomes in DOCUMENTED.items()
               for o in outcomes)



ADVERSARY_ERRORS = {
    "deposit": ("InvalidArgument", "InvalidAccountData", "MissingRequiredSignature", "BorshIoError",
                "InvalidInstructionData", "IncorrectProgramId", "InsufficientFunds", "Custom(1033) FeeValidationFailed",
                "Custom(1034) TreasuryValidationFailed", "Custom(4001) MissingLpTokenAccount"),
    "withdraw": ("InvalidArgument", "InvalidAccountData", "MissingRequiredSignature", "BorshIoError",
                 "InvalidInstructionData", "SPL Token Custom(1) InsufficientFunds", "Custom(1033) FeeValidationFailed"),
    "swap": ("InvalidArgument", "InvalidAccountData", "MissingRequiredSignature", "BorshIoError",
             "InvalidInstructionData", "Custom(1047) AmountMismatch", "Custom(1034) TreasuryValidationFailed"),
}
"""Errors the adversary's variants give for each instruction (some from a single variant among about 200, so the
run below has three adversaries)."""
FORGED_ERRORS = {
    "initialize_pool": ("Custom(1023) SystemPaused",),
    "deposit": ("Custom(1023) SystemPaused", "Custom(1035) PoolLiquidityPaused", "Custom(1031) InsufficientFeeBalance",
                "ArithmeticOverflow"),
    "withdraw": ("Custom(1023) SystemPaused", "Custom(1035) PoolLiquidityPaused",
                 "Custom(1031) InsufficientFeeBalance", "ArithmeticOverflow"),
    "swap": ("Custom(1023) SystemPaused", "Custom(1027) PoolSwapsPaused", "Custom(1028) SwapAccessRestricted",
             "Custom(1019) ArithmeticOverflow", "Custom(1031) InsufficientFeeBalance"),
}
"""Errors only the forged-state scenarios give (the in-process target draws them by default)."""


PHASE_1 = ("initialize_program", "initialize_pool", "deposit", "withdraw", "swap")


@pytest.mark.asyncio
async def test_a_campaign_covers_successes_and_the_adversaries_errors() -> None:
    summary = await Campaign(CampaignConfig(duration_s=900, pools=1, seed=5, adversary_rate=0.25,
                                            operator_rate=240)).run()
    assert summary.passed, summary.render()
    counts = summary.coverage.to_dict()
    for instruction in DOCUMENTED:
        assert counts[instruction][SUCCESS] > 0, instruction
    for instruction in DOCUMENTED:
        errors = (*ADVERSARY_ERRORS.get(instruction, ()), *FORGED_ERRORS.get(instruction, ()))
        assert all(counts[instruction].get(error, 0) > 0 for error in errors), (instruction, counts[instruction])
    produced = {(i, o.label) for i, outcomes in DOCUMENTED.items() for o in outcomes if counts[i].get(o.label)}
    assert all((i, o.label) in produced for i, outcomes in DOCUMENTED.items() for o in outcomes
               if o.unreachable == NEEDS_ACCOUNT_WRITER)  # every outcome forging gives, the run gave
    report = summary.to_dict()["coverage"]
    assert report["counts"] == counts
    never = {(n["instruction"], n["outcome"]) for n in report["never_produced"]}
    for instruction, outcomes in DOCUMENTED.items():
        for outcome in outcomes:
            assert (counts[instruction].get(outcome.label, 0) > 0) != ((instruction, outcome.label) in never)
    reachable = {(n["instruction"], n["outcome"]) for n in report["never_produced"] if not n["unreachable"]}
    # phase 1: every reachable outcome but one; the admin instructions: all the operator's G5 refusals
    assert {o for i, o in reachable if i in PHASE_1} <= {"UninitializedAccount"}
    # (an unpause_pool meets a system pause only when an undo falls due under one: by chance)
    assert not {(i, o) for i, o in reachable if o == "Custom(1023) SystemPaused" and i != "unpause_pool"}, reachable
    text = summary.render()
    assert "coverage (FRT instruction: outcome xcount):" in text and "never produced, unreachable here:" in text
    ops = Counter({k: v["ok"] for k, v in summary.operations.items()})
    for instruction in ("deposit", "swap"):  # the honest successes and the forged-state boundaries
        assert counts[instruction][SUCCESS] == sum(n for kind, n in ops.items() if instruction_of(kind) == instruction)
