"""Pool creation from user terms: the extreme pools trade both ways, random pools are created as asked."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_fixedratio.engine.campaign import Campaign, CampaignConfig
from pytest_fixedratio.engine.decisions import Decisions, DrawnDecisions
from pytest_fixedratio.engine.oplog import MemorySink
from pytest_fixedratio.engine.pool_factory import EXTREME_SPECS, create_pool, is_tradable, random_spec
from pytest_fixedratio.frt import math as frt_math
from pytest_fixedratio.frt.constants import PoolFlag, Side
from pytest_fixedratio.frt.ratio import parse_rate


@pytest.mark.asyncio
async def test_every_extreme_pool_trades_in_both_directions() -> None:
    log = MemorySink()
    campaign = Campaign(CampaignConfig(duration_s=90, pools=len(EXTREME_SPECS) + 1, seed=13), sink=log)
    summary = await campaign.run()
    assert summary.passed, summary.render()
    swaps = Counter((r.pool, r.amount > 0) for r in log.records if r.kind == "swap" and r.ok)
    by_pool = {p.label: await campaign.session.refresh_pool(p.address) for p in campaign.session.pools.values()}
    assert set(by_pool) == {pool for pool, _ in swaps}, "a pool saw no successful swap"
    for worker in campaign.session.workers.values():
        if worker.kind.value == "swap":
            assert worker.stats.counters.successes > 0, f"{worker.worker_id} on {worker.config.pool} never swapped"
    exact = [p for p in by_pool.values() if PoolFlag.EXACT_EXCHANGE_REQUIRED in p.state.flags]
    assert len(exact) == 1 and exact[0].state.total_token_a_liquidity + exact[0].state.total_token_b_liquidity > 0
    base_ratios = {(p.state.ratio_a_numerator, p.state.ratio_b_denominator) for p in by_pool.values()}
    assert (1, 10**9) in base_ratios or (10**9, 1) in base_ratios  # the 0 vs 9 decimals pool at 1:10^9


@given(data=st.data())
@settings(max_examples=25, deadline=None)
def test_random_pools_are_created_with_the_rate_asked_for(data: st.DataObject) -> None:
    spec = random_spec(DrawnDecisions(data))
    assert is_tradable(spec)

    async def create() -> None:
        campaign = Campaign(CampaignConfig.for_stepping(pools=0, seed=1))
        await campaign.setup()
        pool = await create_pool(campaign.session, spec)
        # "1 token1 = rate token2" holds in display units whichever mint sorted first
        mint1_is_a = pool.decimals_a == spec.decimals_1 and (pool.decimals_b == spec.decimals_2)
        ra, rb = pool.state.ratio_a_numerator, pool.state.ratio_b_denominator
        rate_ab = frt_math.decimal_factor(pool.decimals_a) * rb / (frt_math.decimal_factor(pool.decimals_b) * ra)
        rate = float(parse_rate(spec.rate))
        assert rate_ab == pytest.approx(rate) or rate_ab == pytest.approx(1 / rate)
        if mint1_is_a and spec.decimals_1 != spec.decimals_2:
            assert rate_ab == pytest.approx(rate)
        for side in (Side.A, Side.B):
            assert frt_math.min_input_for_output(*pool.ratios(side)) >= 1

    asyncio.run(create())


def test_random_spec_is_reproducible_from_a_seed() -> None:
    assert [random_spec(Decisions(3)) for _ in range(3)] == [random_spec(Decisions(3)) for _ in range(3)]
    first = Decisions(4)
    assert len({random_spec(first) for _ in range(10)}) > 1
