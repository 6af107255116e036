"""Boundary amounts: what each one means for the program (pure), and that a seeded campaign on the real program
sends every one, verified, with 0 incidents and exactly the refusals the intents predict."""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_fixedratio.engine.boundaries import liquidity_boundaries, swap_boundaries, withdraw_boundaries
from pytest_fixedratio.engine.campaign import Campaign, CampaignConfig
from pytest_fixedratio.engine.decisions import DEPOSIT_MAX_FRACTION, SWAP_MAX_FRACTION
from pytest_fixedratio.engine.model import WorkerKind
from pytest_fixedratio.engine.oplog import MemorySink
from pytest_fixedratio.engine.pool_factory import PoolSpec, create_pool, working_amount
from pytest_fixedratio.engine.summary import CampaignSummary
from pytest_fixedratio.frt import math as frt_math
from pytest_fixedratio.frt.constants import PoolFlag, Side
from pytest_fixedratio.store.rows import OperationRecord

RATIOS = st.integers(1, 10**9)


@given(balance=st.integers(0, 10**15), tracked=st.integers(0, 10**15))
def test_liquidity_boundaries(balance: int, tracked: int) -> None:
    deposit = liquidity_boundaries(balance, DEPOSIT_MAX_FRACTION)
    assert deposit == {"one": 1, "limit": max(1, balance // 20) if balance else 0, "balance": balance}
    assert withdraw_boundaries(balance, DEPOSIT_MAX_FRACTION, tracked) == {
        **deposit, "liquidity": tracked, "over_liquidity": tracked + 1}


@given(balance=st.integers(0, 10**15), r_in=RATIOS, r_out=RATIOS, exact=st.booleans(),
       liquidity=st.integers(0, 10**15))
def test_swap_boundaries_are_the_edges_of_the_swap_checks(balance: int, r_in: int, r_out: int, exact: bool,
                                                          liquidity: int) -> None:
    b = swap_boundaries(balance, SWAP_MAX_FRACTION, r_in, r_out, exact=exact, output_liquidity=liquidity)

    def output(name: str) -> int:
        return frt_math.swap_output(b[name], r_in, r_out, exact=exact)

    assert output("min_output") >= 1
    if b["below_min_output"]:
        with pytest.raises((frt_math.SwapZeroOutput, frt_math.SwapAmountMismatch)):
            output("below_min_output")
    assert all(amount <= frt_math.U64_MAX for amount in b.values())
    if b.get("liquidity"):
        assert output("liquidity") <= liquidity
    if "over_liquidity" in b:
        assert output("over_liquidity") > liquidity
    else:  # one step past the liquidity edge is no u64
        assert ((liquidity + 1) * r_in - 1) // r_out + frt_math.input_step(r_in, r_out, exact=exact) > frt_math.U64_MAX
    assert b["u64_product"] * r_out <= frt_math.U64_MAX < (b["u64_product"] + 1) * r_out
    assert b.get("over_u64_product", frt_math.U64_MAX + 1) == b["u64_product"] + 1  # none at ratio 1: u64::MAX + 1
    assert ("above_min_output" in b) == exact
    if exact and frt_math.exact_input_step(r_in, r_out) > 1:
        with pytest.raises(frt_math.SwapAmountMismatch):
            output("above_min_output")
    assert b["balance"] == balance and b["limit"] == (max(1, balance // 50) if balance else 0)


# ---------------------------------------------------------------------------------------------------------
# On the real program

DEFAULT_POOL_BOUNDARIES = {
    "deposit": {"one", "limit", "balance"},
    "withdraw": {"one", "limit", "balance", "liquidity", "over_liquidity"},
    "swap": {"min_output", "below_min_output", "limit", "balance", "liquidity", "over_liquidity", "u64_product",
             "over_u64_product", "above_min_output"},
}
"""What the default three pools draw: `above_min_output` only on exact-exchange pools (the third is one)."""
ALWAYS_REFUSED = {"withdraw.over_liquidity": "InsufficientFunds", "swap.over_liquidity": "InsufficientFunds",
                  "swap.below_min_output": "InvalidArgument"}
"""Boundaries the program must refuse, on pools without exact exchange, and how: the vault is short (SPL), the
output exceeds the tracked liquidity (builtin), the output floors to 0. On an exact pool `below_min_output`
leaves a remainder instead (AmountMismatch)."""
ALWAYS_ACCEPTED = {"deposit.one", "deposit.limit", "deposit.balance", "withdraw.liquidity", "swap.liquidity"}
"""Not `withdraw.one`: swaps can empty a side's tracked liquidity, and then withdrawing even 1 is refused."""


def _by_boundary(records: list[OperationRecord]) -> dict[str, list[OperationRecord]]:
    sent: dict[str, list[OperationRecord]] = defaultdict(list)
    for r in records:
        if r.boundary:
            sent[f"{r.kind}.{r.boundary}"].append(r)
    return sent


def _check_counted(summary: CampaignSummary, sent: dict[str, list[OperationRecord]]) -> None:
    """The summary counts each boundary as the log shows it, and prints it."""
    assert summary.boundaries == {name: {"ok": sum(r.ok for r in rs), "failed": sum(not r.ok for r in rs),
                                         "expected": sum(not r.ok for r in rs), "unexpected": 0}
                                  for name, rs in sent.items()}
    assert summary.to_dict()["boundaries"] == summary.boundaries
    assert "boundary amounts: " in summary.render()


@pytest.mark.asyncio
async def test_a_default_campaign_sends_every_boundary_and_the_program_answers_as_predicted() -> None:
    log = MemorySink()
    campaign = Campaign(CampaignConfig(duration_s=300, seed=7), sink=log)
    summary = await campaign.run()
    assert summary.passed, summary.render()
    sent = _by_boundary(log.records)
    assert set(sent) == {f"{kind}.{name}" for kind, names in DEFAULT_POOL_BOUNDARIES.items() for name in names}
    assert all(r.findings == () and (r.ok or r.expected_error) for rs in sent.values() for r in rs)
    exact = {p.label for p in campaign.session.pools.values() if p.state.flags & PoolFlag.EXACT_EXCHANGE_REQUIRED}
    assert len(exact) == 1
    for name, error in ALWAYS_REFUSED.items():
        assert {r.error for r in sent[name] if r.pool not in exact} == {error}, name
    assert {r.error for r in sent["swap.below_min_output"] if r.pool in exact} == {"AmountMismatch"}
    for name in ALWAYS_ACCEPTED:
        assert all(r.ok for r in sent[name]), name
    assert {r.amount for r in sent["deposit.one"] + sent["withdraw.one"]} == {1}
    # x * r_out crosses 2^64 within a swapper's balance on the 9/6 decimals pool (base-unit ratio 10^6:10^6) only
    ratios = {p.label: p.state.ratio_a_numerator for p in campaign.session.pools.values()
              if p.state.ratio_a_numerator == p.state.ratio_b_denominator}
    assert {(r.pool, r.amount) for r in sent["swap.over_u64_product"]} == {
        (pool, frt_math.U64_MAX // ratio + 1) for pool, ratio in ratios.items()}
    assert any(r.ok for r in sent["swap.over_u64_product"])
    _check_counted(summary, sent)
    # a boundary is rare enough that the uniform amounts stay the rule
    honest = Counter(r.kind for r in log.records if r.kind in DEFAULT_POOL_BOUNDARIES)
    assert 0.08 < sum(map(len, sent.values())) / sum(honest.values()) < 0.17


@pytest.mark.asyncio
async def test_an_exact_pool_refuses_the_step_plus_and_minus_one_as_predicted() -> None:
    """1 token = 7 tokens, both without decimals, exact exchange: swapping the 7-side needs multiples of 7, so 6
    and 8 leave a remainder (1047), 7 is the smallest accepted; the other direction's step is 1 (2 is fine)."""
    log = MemorySink()
    campaign = Campaign(CampaignConfig.for_stepping(pools=0, seed=4), sink=log)
    await campaign.setup()
    session = campaign.session
    pool = await create_pool(session, PoolSpec(0, 0, "7", flags=int(PoolFlag.EXACT_EXCHANGE_REQUIRED)))
    for side in Side:
        amount = working_amount(pool, side)
        session.add_worker(WorkerKind.DEPOSIT, pool.address, side, initial_amount=amount, auto_refill=True)
        session.add_worker(WorkerKind.WITHDRAWAL, pool.address, side)
        session.add_worker(WorkerKind.SWAP, pool.address, side, initial_amount=amount, auto_refill=True)
    session.start()
    await campaign.advance(600)
    summary = await campaign.finish(0.0)
    assert summary.passed, summary.render()
    sent = _by_boundary(log.records)
    outcomes = {(name, r.amount, r.error) for name in ("swap.min_output", "swap.below_min_output",
                                                       "swap.above_min_output") for r in sent[name]}
    assert outcomes == {("swap.min_output", 1, ""), ("swap.min_output", 7, ""), ("swap.above_min_output", 2, ""),
                        ("swap.below_min_output", 6, "AmountMismatch"), ("swap.above_min_output", 8, "AmountMismatch")}
    _check_counted(summary, sent)
