"""FRT arithmetic: swap rules and their failure order, ratio classification, rent, consolidation, I2."""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from pytest_fixedratio.errors import InvalidArgument
from pytest_fixedratio.frt import constants as c
from pytest_fixedratio.frt import math as m
from pytest_fixedratio.frt.constants import PoolFlag, RatioType, Side
from pytest_fixedratio.frt.errors import CUSTOM, OnChainError
from pytest_fixedratio.frt.state import PoolState
from pytest_fixedratio.sol import ids
from pytest_fixedratio.sol.address import Address
from tests.frt.strategies import sides, u64s

RATIOS = u64s(min_value=1)
SMALL_RATIOS = st.integers(min_value=1, max_value=10**6)


# ---------------------------------------------------------------------------------------------------------
# Swaps


@given(x=u64s(), r_in=RATIOS, r_out=RATIOS)
def test_swap_output_is_the_floor_or_the_matching_rejection(x: int, r_in: int, r_out: int) -> None:
    exact_quotient = Fraction(x * r_out, r_in)
    try:
        out = m.swap_output(x, r_in, r_out)
    except m.SwapZeroOutput:
        assert exact_quotient < 1
    except m.SwapOverflow:
        assert exact_quotient >= 2**64
    else:
        assert out * r_in <= x * r_out < (out + 1) * r_in
        assert 1 <= out <= m.U64_MAX


@given(x=u64s(min_value=1, max_value=10**12), r_in=SMALL_RATIOS, r_out=SMALL_RATIOS)  # no overflow here
def test_exact_mode_accepts_exactly_the_inputs_without_remainder(x: int, r_in: int, r_out: int) -> None:
    clean = x * r_out % r_in == 0
    assert clean == (x % m.exact_input_step(r_in, r_out) == 0)
    try:
        out = m.swap_output(x, r_in, r_out, exact=True)
    except m.SwapAmountMismatch:
        assert not clean
    else:
        assert clean and out * r_in == x * r_out


@given(r_in=RATIOS, r_out=RATIOS)
def test_zero_output_boundary_is_min_input_for_output(r_in: int, r_out: int) -> None:
    boundary = m.min_input_for_output(r_in, r_out)
    assume(boundary <= m.U64_MAX)
    assert m.swap_output(boundary, r_in, r_out) >= 1
    with pytest.raises(m.SwapZeroOutput):
        m.swap_output(boundary - 1, r_in, r_out)


@given(r_in=SMALL_RATIOS, r_out=SMALL_RATIOS)
def test_exact_step_is_the_smallest_input_an_exact_pool_accepts(r_in: int, r_out: int) -> None:
    step = m.exact_input_step(r_in, r_out)
    assert m.swap_output(step, r_in, r_out, exact=True) == r_out // (r_in // step)
    assert all(x * r_out % r_in for x in range(max(1, step - 50), step))


@given(r_in=SMALL_RATIOS, r_out=SMALL_RATIOS, exact=st.booleans())
def test_smallest_input_is_accepted_and_one_less_is_refused(r_in: int, r_out: int, exact: bool) -> None:
    smallest = m.smallest_input(r_in, r_out, exact=exact)
    assert smallest % m.input_step(r_in, r_out, exact=exact) == 0
    assert m.swap_output(smallest, r_in, r_out, exact=exact) >= 1
    with pytest.raises(m.SwapZeroOutput if not exact or smallest == 1 else m.SwapAmountMismatch):
        m.swap_output(smallest - 1, r_in, r_out, exact=exact)


@example(limit=999_823_527_030_442, r_in=18450, r_out=1, exact=True)  # the input would pass u64::MAX
@given(limit=u64s(max_value=10**15), r_in=SMALL_RATIOS, r_out=SMALL_RATIOS, exact=st.booleans())
def test_largest_input_within_an_output_limit(limit: int, r_in: int, r_out: int, exact: bool) -> None:
    """Its output is at most the limit, one step more gives more: the edge a swap against the tracked liquidity of
    its output side meets (its output is the limit itself whenever some input gives that output)."""
    x = m.largest_input_within(limit, r_in, r_out, exact=exact)
    step = m.input_step(r_in, r_out, exact=exact)
    assert 0 <= x <= m.U64_MAX and x % step == 0
    assert x * r_out // r_in <= limit
    if x + step <= m.U64_MAX:  # else x is the largest amount a u64 holds
        assert limit < (x + step) * r_out // r_in
    if exact and x:
        assert m.swap_output(x, r_in, r_out, exact=True) == x * r_out // r_in


@given(r_in=RATIOS, r_out=RATIOS)
def test_overflow_boundary(r_in: int, r_out: int) -> None:
    largest = (2**64 * r_in - 1) // r_out  # largest x with floor(x * r_out / r_in) <= u64::MAX
    assume(largest < m.U64_MAX)
    assert m.swap_output(largest, r_in, r_out) <= m.U64_MAX
    with pytest.raises(m.SwapOverflow):
        m.swap_output(largest + 1, r_in, r_out)


def test_overflow_example() -> None:
    assert m.swap_output(2**63 - 1, 1, 2) == 2**64 - 2
    with pytest.raises(m.SwapOverflow):
        m.swap_output(2**63, 1, 2)


@pytest.mark.parametrize(("x", "r_in", "r_out", "rejection"), [
    (1, 3, 1, m.SwapAmountMismatch),  # zero output *and* a remainder: the remainder is checked first
    (0, 3, 1, m.SwapZeroOutput),      # zero input has no remainder
    (2**64 - 1, 2, 2**64 - 1, m.SwapAmountMismatch),  # overflow *and* a remainder
    (2**64 - 1, 1, 2, m.SwapOverflow),
])
def test_exact_mode_failure_order(x: int, r_in: int, r_out: int, rejection: type[m.SwapRejected]) -> None:
    with pytest.raises(rejection):
        m.swap_output(x, r_in, r_out, exact=True)


def test_rejections_carry_the_on_chain_error() -> None:
    assert m.SwapAmountMismatch.error == OnChainError(CUSTOM, 1047)
    assert m.SwapZeroOutput.error == OnChainError("InvalidArgument")
    assert m.SwapOverflow.error == OnChainError(CUSTOM, 1019)
    with pytest.raises(m.SwapZeroOutput, match=r"InvalidArgument.*minimum input is 4") as info:
        m.swap_output(3, 7, 2)
    assert (info.value.amount_in, info.value.ratio_in, info.value.ratio_out) == (3, 7, 2)


@pytest.mark.parametrize(("args", "name"), [((1, 0, 1), "ratio_in"), ((1, 1, 0), "ratio_out"),
                                            ((-1, 1, 1), "amount_in"), ((2**64, 1, 1), "amount_in"),
                                            ((True, 1, 1), "amount_in")])
def test_swap_output_rejects_impossible_arguments(args: tuple[int, int, int], name: str) -> None:
    with pytest.raises(InvalidArgument, match=name):
        m.swap_output(*args)


@given(side=sides(), x=u64s(min_value=1, max_value=10**12), exact=st.booleans())
def test_pool_swap_output_uses_the_pool_direction_and_flag(side: Side, x: int, exact: bool) -> None:
    key = Address(bytes(32))
    flags = PoolFlag.EXACT_EXCHANGE_REQUIRED if exact else PoolFlag(0)
    pool = PoolState(key, key, key, key, key, key, key, 3, 7, flags=flags)
    r_in, r_out = (3, 7) if side is Side.A else (7, 3)
    assert m.swap_ratios(3, 7, side) == (r_in, r_out)
    try:
        expected: int | type[m.SwapRejected] = m.swap_output(x, r_in, r_out, exact=exact)
    except m.SwapRejected as exc:
        expected = type(exc)
    try:
        actual: int | type[m.SwapRejected] = m.pool_swap_output(pool, side, x)
    except m.SwapRejected as exc:
        actual = type(exc)
    assert actual == expected


# ---------------------------------------------------------------------------------------------------------
# Ratio classification (§4.6)


@pytest.mark.parametrize(("ra", "rb", "da", "db", "expected"), [
    (1_000_000_000, 2_000_000, 9, 6, RatioType.SIMPLE),       # 1 SOL = 2 USDC
    (100_000_000, 1_010_000, 8, 6, RatioType.DECIMAL),         # 1 BTC = 1.01 USDT
    (2_500_000_000, 3_700_000, 9, 6, RatioType.ENGINEERING),   # 2.5 : 3.7, neither side one
    (1_500_000, 3_000_000, 6, 6, RatioType.DECIMAL),           # 1.5 : 3 floors to "one" (docs say invalid)
    (1, 2, 6, 6, RatioType.SIMPLE),                            # raw tiny ratio rescaled for the check only
    (1_000_000_000, 160_000_000, 9, 6, RatioType.SIMPLE),
    (2, 3, 0, 0, RatioType.ENGINEERING),
    (1, 3, 0, 0, RatioType.SIMPLE),
    (2, 5, 19, 0, RatioType.DECIMAL),  # 2·10^19 saturates at u64::MAX, which floors to 1 display unit
    (7_766_279_631_452_241_920, 5, 20, 0, RatioType.SIMPLE),  # 10^20 wraps to this value in u64
])
def test_ratio_type_examples(ra: int, rb: int, da: int, db: int, expected: RatioType) -> None:
    assert m.get_ratio_type(ra, rb, da, db) is expected


def test_decimal_factor_wraps_like_u64() -> None:
    assert m.decimal_factor(19) == 10**19
    assert m.decimal_factor(20) == 10**20 - 5 * 2**64
    assert m.decimal_factor(64) == 0
    with pytest.raises(InvalidArgument, match=r"10\^d wraps to 0"):
        m.get_ratio_type(1, 1, 64, 0)
    with pytest.raises(InvalidArgument, match="decimals must be a u8"):
        m.decimal_factor(256)


@given(da=st.integers(0, 19), db=st.integers(0, 19), other=u64s(min_value=1))
def test_a_side_at_one_display_unit_is_never_engineering(da: int, db: int, other: int) -> None:
    assert m.get_ratio_type(10**da, other, da, db) is not RatioType.ENGINEERING
    assert m.get_ratio_type(other, 10**db, da, db) is not RatioType.ENGINEERING


# ---------------------------------------------------------------------------------------------------------
# Rent and fees


@pytest.mark.parametrize(("length", "lamports"), [(0, 890_880), (c.POOL_STATE_LEN, 3_939_360),
                                                  (ids.TOKEN_ACCOUNT_LEN, 2_039_280), (ids.MINT_LEN, 1_461_600),
                                                  (c.SYSTEM_STATE_LEN, 1_468_560), (c.MAIN_TREASURY_LEN, 1_837_440)])
def test_rent_matches_the_spec_figures(length: int, lamports: int) -> None:
    assert m.rent(length) == lamports


def test_creation_cost_and_fees() -> None:
    assert m.pool_creation_rent() == 10_941_120
    assert m.pool_creation_cost() == 1_160_941_120
    assert m.network_fee(2) == 10_000
    assert m.rent(c.POOL_STATE_RUST_SIZE) - m.rent(c.POOL_STATE_LEN) == 13_920
    assert m.rent(10, lamports_per_byte_year=1, threshold_years=1) == 138


# ---------------------------------------------------------------------------------------------------------
# Invariant I2 over a pure model of one pool


@dataclass(frozen=True)
class PoolModel:
    ratio_a: int
    ratio_b: int
    exact: bool
    totals: tuple[int, int] = (0, 0)
    lp: tuple[int, int] = (0, 0)

    def s(self) -> int:
        return m.conservation_value(self.ratio_a, self.ratio_b, *self.totals, *self.lp)


def _bump(pair: tuple[int, int], side: Side, delta: int) -> tuple[int, int]:
    a, b = pair
    return (a + delta, b) if side is Side.A else (a, b + delta)


def _index(side: Side) -> int:
    return 0 if side is Side.A else 1


@settings(stateful_step_count=30)
class ConservationMachine(RuleBasedStateMachine):
    """Deposits, withdrawals and swaps applied with the program's rules; S must behave as I2 says."""

    pool: PoolModel
    last_s: int

    @initialize(ratio_a=SMALL_RATIOS, ratio_b=SMALL_RATIOS, exact=st.booleans())
    def create(self, ratio_a: int, ratio_b: int, exact: bool) -> None:
        self.pool = PoolModel(ratio_a, ratio_b, exact)
        self.last_s = 0

    @rule(side=sides(), amount=u64s(min_value=1, max_value=10**12))
    def deposit(self, side: Side, amount: int) -> None:
        before = self.pool.s()
        self.pool = replace(self.pool, totals=_bump(self.pool.totals, side, amount),
                            lp=_bump(self.pool.lp, side, amount))
        assert self.pool.s() == before

    def _redeemable(self, side: Side) -> int:
        i = _index(side)
        return min(self.pool.totals[i], self.pool.lp[i])

    @precondition(lambda self: any(self._redeemable(side) for side in Side))
    @rule(data=st.data())
    def withdraw(self, data: st.DataObject) -> None:
        side = data.draw(st.sampled_from([side for side in Side if self._redeemable(side)]))
        amount = data.draw(st.integers(1, self._redeemable(side)))
        before = self.pool.s()
        self.pool = replace(self.pool, totals=_bump(self.pool.totals, side, -amount),
                            lp=_bump(self.pool.lp, side, -amount))
        assert self.pool.s() == before

    @rule(side=sides(), data=st.data())
    def swap(self, side: Side, data: st.DataObject) -> None:
        r_in, r_out = m.swap_ratios(self.pool.ratio_a, self.pool.ratio_b, side)
        step = m.exact_input_step(r_in, r_out) if self.pool.exact else 1
        affordable = ((self.pool.totals[_index(side.other)] + 1) * r_in - 1) // r_out  # largest x with out <= T_out
        amount = step * data.draw(st.integers(1, max(1, affordable // step)))
        try:
            out = m.swap_output(amount, r_in, r_out, exact=self.pool.exact)
        except m.SwapRejected:
            return
        if out > self.pool.totals[_index(side.other)]:
            return  # InsufficientFunds: the program checks tracked liquidity
        before = self.pool.s()
        self.pool = replace(self.pool, totals=_bump(_bump(self.pool.totals, side, amount), side.other, -out))
        assert self.pool.s() - before == m.swap_surplus(amount, r_in, r_out)

    @invariant()
    def s_never_decreases(self) -> None:
        current = self.pool.s()
        assert current >= self.last_s >= 0
        if self.pool.exact:
            assert current == 0
        self.last_s = current


TestConservation = ConservationMachine.TestCase


def test_conservation_value_example() -> None:
    # 1 A = 2 B; swap 3 B in → floor(3·1/2) = 1 A out; surplus (3·1) mod 2 = 1.
    assert m.swap_output(3, 2, 1) == 1
    assert m.conservation_value(1, 2, 9, 13, 10, 10) == m.swap_surplus(3, 2, 1) == 1


# ---------------------------------------------------------------------------------------------------------
# Consolidation (§4.7) and treasury (§4.8)


@given(liq=u64s(max_value=10**15), swp=u64s(max_value=10**15), data=st.data())
def test_consolidation_split_sums_to_available_within_each_counter(liq: int, swp: int, data: st.DataObject) -> None:
    assume(liq + swp > 0)
    available = data.draw(st.integers(0, liq + swp))
    liq_part, swp_part = m.consolidation_split(available, liq, swp)
    assert liq_part + swp_part == available
    assert 0 <= liq_part <= liq and 0 <= swp_part <= swp
    assert abs(liq_part * (liq + swp) - available * liq) < liq + swp  # proportional within one lamport


def test_consolidation_split_gives_the_remainder_to_the_larger_fraction() -> None:
    assert m.consolidation_split(1, 1, 1) == (1, 0)   # fractions .5 / .5: ties go to liquidity
    assert m.consolidation_split(4, 2, 3) == (2, 2)   # 1.6 / 2.4: liquidity's .6 is larger
    assert m.consolidation_split(5, 1, 10) == (0, 5)  # 0.45 / 4.55: swap's .55 is larger
    with pytest.raises(InvalidArgument, match="both collected fee counters are 0"):
        m.consolidation_split(1, 0, 0)


def _fee_pool(liq_ops: int, swaps: int) -> PoolState:
    key = Address(bytes(32))
    liq, swp = liq_ops * c.DEPOSIT_WITHDRAWAL_FEE, swaps * c.SWAP_CONTRACT_FEE
    return PoolState(key, key, key, key, key, key, key, 1, 1, collected_liquidity_fees=liq,
                     collected_swap_contract_fees=swp, total_sol_fees_collected=liq + swp)


def test_consolidation_leaves_13920_lamports_behind_on_default_rent() -> None:
    pool = _fee_pool(2, 3)
    lamports = m.rent(c.POOL_STATE_LEN) + pool.pending_sol_fees
    plan = m.plan_consolidation(pool, lamports)
    assert plan is not None and not plan.full
    assert plan.available == pool.pending_sol_fees - 13_920
    assert plan.liquidity_part + plan.swap_part == plan.available
    after = plan.apply(pool, timestamp=77)
    assert after.pending_sol_fees == 13_920
    assert after.collected_liquidity_fees + after.collected_swap_contract_fees == 13_920
    assert (after.last_consolidation_timestamp, after.total_consolidations) == (77, 1)
    assert m.plan_consolidation(after, lamports - plan.available) is None  # pending <= 13,920: skipped


def test_full_consolidation_resets_the_counters_and_counts_operations_with_constant_fees() -> None:
    pool = _fee_pool(2, 3)
    plan = m.plan_consolidation(pool, 10**12, rent_minimum=m.rent(c.POOL_STATE_LEN))
    assert plan is not None and plan.full
    assert (plan.liquidity_operations, plan.swap_operations) == (2, 3)
    after = plan.apply(pool, timestamp=5)
    assert (after.collected_liquidity_fees, after.collected_swap_contract_fees, after.pending_sol_fees) == (0, 0, 0)
    assert after.total_fees_consolidated == pool.total_sol_fees_collected
    assert m.plan_consolidation(_fee_pool(0, 0), 10**12) is None


@pytest.mark.parametrize(("balance", "cap"), [(0, 10**10), (480 * 10**9, 10**10), (480 * 10**9 + 1, 10**11),
                                              (4_800 * 10**9 + 1, 10**12)])
def test_treasury_hourly_cap(balance: int, cap: int) -> None:
    rent_minimum = 1_837_440
    assert m.treasury_hourly_cap(balance + rent_minimum, rent_minimum) == cap


def test_treasury_available_is_above_rent() -> None:
    assert m.treasury_available(m.rent(c.MAIN_TREASURY_LEN) + 5) == 5
    assert m.treasury_available(0) == 0
