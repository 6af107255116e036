"""Adversary workers in campaigns: how many the rate asks for, and every variant they send (and those sent once
around InitializeProgram) is refused by the real program exactly as predicted, counted by name in the operation
log and the summary."""

from __future__ import annotations

from collections import Counter

import pytest

from pytest_fixedratio.engine.campaign import Campaign, CampaignConfig
from pytest_fixedratio.engine.model import WorkerKind
from pytest_fixedratio.engine.oplog import MemorySink
from pytest_fixedratio.engine.tasks import AdversaryTask
from pytest_fixedratio.intents.adversary import VARIANTS
from pytest_fixedratio.intents.creation_variants import INITIALIZED, POOL_VARIANTS, UNINITIALIZED
from pytest_fixedratio.intents.forged import FORGED

PREFIX = "adversary:"


@pytest.mark.parametrize(("rate", "honest", "adversaries"), [
    (0.0, 10, 0), (0.1, 10, 1), (0.01, 10, 1), (0.5, 10, 10), (0.2, 2, 1), (0.9, 2, 18),
])
def test_the_rate_sets_how_many_adversaries_join_each_pool(rate: float, honest: int, adversaries: int) -> None:
    depositors = 2 if honest == 10 else 0
    config = CampaignConfig(adversary_rate=rate, depositors_per_side=depositors,
                            withdrawers_per_side=depositors, hoarding_withdrawers_per_side=0)
    assert config.honest_workers_per_pool == honest
    assert config.adversaries_per_pool == adversaries
    assert config.workers_per_pool == honest + adversaries


@pytest.mark.asyncio
async def test_adversaries_send_variants_the_program_refuses_exactly_as_predicted() -> None:
    log = MemorySink()
    campaign = Campaign(CampaignConfig(duration_s=300, pools=1, seed=9, adversary_rate=0.3), sink=log)
    summary = await campaign.run()
    assert summary.passed, summary.render()
    assert summary.workers[WorkerKind.ADVERSARY.value] == 4
    sent = [r for r in log.records if r.kind.startswith(PREFIX)]
    assert len(sent) > 100
    assert all(r.findings == () for r in sent)
    forged = [r for r in sent if r.kind.startswith(f"{PREFIX}{FORGED}.")]
    assert all(not r.ok and r.expected_error for r in sent if r not in forged)
    assert {r.ok for r in forged} == {True, False}  # forged state refused, and its boundaries accepted
    by_name = Counter(r.kind.removeprefix(PREFIX) for r in sent)
    around_initialization = set(UNINITIALIZED) | set(INITIALIZED)
    assert {n: by_name[n] for n in around_initialization} == dict.fromkeys(around_initialization, 1)
    by_workers = set(by_name) - around_initialization
    names = set(AdversaryTask.NAMES + AdversaryTask.FORGED_NAMES)
    assert by_workers <= names and len(by_workers) > len(names) // 2
    assert {n for n in by_workers if n.startswith("decode.")} and by_workers & set(VARIANTS)
    assert by_workers & set(POOL_VARIANTS) and {n for n in by_workers if n.startswith(f"{FORGED}.")}
    assert {k.removeprefix(PREFIX): v["ok"] + v["expected"] for k, v in summary.operations.items()
            if k.startswith(PREFIX)} == dict(by_name)
    honest = Counter(r.kind for r in log.records if r.ok)
    assert honest["deposit"] and honest["withdraw"] and honest["swap"]  # the honest workers were not disturbed


@pytest.mark.asyncio
async def test_a_rate_of_zero_sends_no_adversarial_operation() -> None:
    log = MemorySink()
    summary = await Campaign(CampaignConfig(duration_s=60, pools=1, seed=9, adversary_rate=0), sink=log).run()
    assert summary.passed, summary.render()
    assert WorkerKind.ADVERSARY.value not in summary.workers
    assert not any(r.kind.startswith(PREFIX) for r in log.records)
